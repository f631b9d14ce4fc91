"""What each constructor argument allows, declared beside it (scikit-learn's
`_parameter_constraints`), and which arguments are a config's settings.

A network, task or data module declares `parameter_constraints = {"hidden_size":
Interval(int, 1, None), "cell": Options("rnn", "lstm", "gru"), ...}`. A rule is a
`Constraint`, a plain type (`bool`, `str`, `dict`: any value of it), `None` (null allowed),
or a tuple of these (any of them). `FromData(rule)` marks an argument the data gives
(sizes, normalisation): checked when read from a file, never written in a config.

The arguments with a rule and a default, not given by the data, are the class's settings:
`settings(cls)` lists them at their constructor defaults, which `zoo.configs` composes into
the config (the YAML files name only what differs), and one checker (`violation`) words the
refusal of a value: `key=value is not allowed: key must be <rule>`.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping


class Constraint:
    """A rule a value must follow; `str()` says it as the end of "must be ..."."""

    def allows(self, value) -> bool:
        raise NotImplementedError


class Interval(Constraint):
    """A whole number (`int`) or finite number (`float`, whole numbers too) between `low`
    and `high` (None: unbounded); `closed` says which ends belong: "both", "left", "right"
    or "neither"."""

    def __init__(self, kind: type, low=None, high=None, closed: str = "both") -> None:
        if kind not in (int, float) or closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval({kind!r}, closed={closed!r}) is not a rule")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def allows(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(
            value, numbers.Integral if self.kind is int else numbers.Real
        ):
            return False
        if not math.isfinite(value):
            return False
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        above = self.low is None or (value >= self.low if left else value > self.low)
        below = self.high is None or (value <= self.high if right else value < self.high)
        return above and below

    def __str__(self) -> str:
        return self.say()

    def say(self, plural: bool = False) -> str:
        """ "a whole number >= 1", or "whole numbers >= 1" in the plural."""
        what = "whole number" if self.kind is int else "finite number"
        if self.low is not None or self.high is not None:
            what = what.removeprefix("finite ")
        what = f"{what}s" if plural else f"a {what}"
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return f"{what} in {'[' if left else '('}{self.low}, {self.high}{']' if right else ')'}"
        if self.low is not None:
            return f"{what} {'>=' if left else '>'} {self.low}"
        if self.high is not None:
            return f"{what} {'<=' if right else '<'} {self.high}"
        return what


class Options(Constraint):
    """One of `choices` (of their own type: 1 is not True); `text` says them otherwise."""

    def __init__(self, *choices, text: str | None = None) -> None:
        self.choices, self.text = choices, text

    def allows(self, value) -> bool:
        return any(value == c and type(value) is type(c) for c in self.choices)

    def __str__(self) -> str:
        if self.text:
            return self.text
        if len(self.choices) == 1:
            return str(self.choices[0])
        return "one of " + ", ".join(map(str, self.choices))


class ListOf(Constraint):
    """A list (or tuple) of values that each follow `item`, of `length` entries (None: any
    number, at least `min_length`)."""

    def __init__(self, item, min_length: int = 0, length: int | None = None) -> None:
        self.item, self.min_length, self.length = item, min_length, length

    def allows(self, value) -> bool:
        if not isinstance(value, list | tuple):
            return False
        if len(value) < self.min_length or (self.length is not None and len(value) != self.length):
            return False
        return all(allows(self.item, v) for v in value)

    def __str__(self) -> str:
        if isinstance(self.item, Interval):
            items = self.item.say(plural=True)
        else:
            items = f"entries that are each {describe(self.item)}"
        if self.length is not None:
            return f"a list of {self.length} {items}"
        return f"a {'non-empty ' if self.min_length else ''}list of {items}"


class Described(Constraint):
    """`rule`, said in words of its own: `Described(dict, "a mapping of aliases to networks")`."""

    def __init__(self, rule, text: str) -> None:
        self.rule, self.text = rule, text

    def allows(self, value) -> bool:
        return allows(self.rule, value)

    def __str__(self) -> str:
        return self.text


class FromData:
    """An argument the data gives (a size, a normalisation): `rule` checks it when read from
    a file; it is no setting, so no config writes it."""

    def __init__(self, rule) -> None:
        self.rule = rule


TYPE_NAMES = {bool: "true or false", str: "a string", dict: "a mapping", list: "a list"}


def allows(rule, value) -> bool:
    """Whether `value` follows `rule` (see the module's docstring for what a rule is)."""
    if isinstance(rule, FromData):
        return allows(rule.rule, value)
    if isinstance(rule, tuple):
        return any(allows(r, value) for r in rule)
    if rule is None:
        return value is None
    if isinstance(rule, Constraint):
        return rule.allows(value)
    if rule is dict:
        return isinstance(value, Mapping)
    if rule is list:
        return isinstance(value, list | tuple)
    if rule is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if rule is float:
        return Interval(float).allows(value)
    return isinstance(value, rule)


def describe(rule) -> str:
    """`rule` as the end of "must be ...": "a whole number >= 1 or null"."""
    if isinstance(rule, FromData):
        return describe(rule.rule)
    if isinstance(rule, tuple):
        parts = [describe(r) for r in rule]
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"
    if rule is None:
        return "null"
    if isinstance(rule, Constraint):
        return str(rule)
    if rule is int:
        return "a whole number"
    if rule is float:
        return "a finite number"
    return TYPE_NAMES.get(rule, f"a {getattr(rule, '__name__', rule)}")


def shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def violation(key: str, value, rule) -> str | None:
    """zoo's refusal of `value` for `key` (a config key or an argument's name), or None
    when `value` follows `rule`."""
    if allows(rule, value):
        return None
    return f"{key}={shown(value)} is not allowed: {key} must be {describe(rule)}"


# -- the constraints and settings of a class -------------------------------------------------


def constructor_parameters(cls) -> dict[str, inspect.Parameter]:
    """The keyword arguments `cls(...)` accepts, with the most derived default: its own
    `__init__`'s, then those of the bases it passes `**kwargs` on to."""
    if not inspect.isclass(cls):
        return {
            name: p
            for name, p in inspect.signature(cls).parameters.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }
    parameters: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or klass is object:
            continue
        passes_on = False
        for name, p in inspect.signature(vars(klass)["__init__"]).parameters.items():
            if name == "self" or p.kind == p.VAR_POSITIONAL:
                continue
            if p.kind == p.VAR_KEYWORD:
                passes_on = True
            elif name not in parameters:
                parameters[name] = p
        if not passes_on:
            break
    return parameters


def parameter_constraints(cls) -> dict:
    """The rules `cls` and its bases declare, for the arguments `cls(...)` accepts."""
    if inspect.isclass(cls):  # each class's own, the most derived last
        rules: dict = {}
        for klass in reversed(cls.__mro__):
            rules.update(vars(klass).get("parameter_constraints", {}))
    else:  # a function that builds a network
        rules = dict(getattr(cls, "parameter_constraints", {}))
    accepted = constructor_parameters(cls)
    return {name: rule for name, rule in rules.items() if name in accepted}


def settings(cls) -> dict[str, object]:
    """The settings of `cls` (arguments with a rule and a default, not given by the data) at
    their constructor defaults, as plain values: a config's view of the constructor."""
    rules = parameter_constraints(cls)
    values = {}
    for name, parameter in constructor_parameters(cls).items():  # in the constructor's order
        default = parameter.default
        if name not in rules or isinstance(rules[name], FromData) or default is parameter.empty:
            continue
        values[name] = list(default) if isinstance(default, tuple) else default
    return values

"""What a file may ask zoo to build: keyword arguments read from a checkpoint, a saved
Forecaster or a weights card, checked against the signature of the constructor they go to
(names, types, ranges) before anything is built (`zoo.models.check_model_arguments` adds
the network's size and its weights). A file that fails gets zoo's message naming it, the
key and the rule, never a TypeError or RuntimeError from inside a constructor.

The rules come from the constructors' type hints: `int` is a whole number from 1 to
`MAX_SIZE` (sizes, lengths, counts: none of zoo's may be 0 or negative), `float` a finite
number, `Literal[...]` one of its choices, `list[int]` and the like lists of those (at most
`MAX_ITEMS`), `X | None` also None; then from the rule the class declares beside the
argument, if any (`parameter_constraints`: `dropout` in [0, 1), `lr` > 0; `zoo.constraints`).
Only plain values pass: strings, numbers, bools, lists and dicts of them; nothing that could
name a callable.
"""

from __future__ import annotations

import inspect
import math
import numbers
import typing
from collections.abc import Callable, Mapping, Sequence

from zoo.constraints import parameter_constraints, shown, violation
from zoo.errors import ConfigError, DataError, ZooError

MAX_SIZE = 2**20  # a size, length or count: 1,048,576 (a horizon, a layer's width...)
MAX_ITEMS = 256  # entries of a list argument (layers, channels, levels, class names)


class ArgumentError(ValueError):
    """One argument breaks its rule; the message says which and what is allowed."""


def check_arguments(
    builder: Callable, kwargs, what: str, source: str | None = None
) -> dict[str, object]:
    """`kwargs` as `builder` may be called with them, or zoo's message naming `what` (e.g.
    "model 'rnn'") and `source` (the file; a DataError then, else a ConfigError)."""
    try:
        if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
            raise ArgumentError(f"its arguments must be a mapping of names, not {shown(kwargs)}")
        parameters = _parameters(builder)
        unknown = sorted(set(kwargs) - set(parameters))
        if unknown:
            raise ArgumentError(
                f"it takes no argument {', '.join(map(repr, unknown))}; its arguments are: "
                f"{', '.join(parameters)}"
            )
        missing = [
            name
            for name, p in parameters.items()
            if p.default is inspect.Parameter.empty and name not in kwargs
        ]
        if missing:
            raise ArgumentError(f"it needs {', '.join(map(repr, missing))}")
        rules = parameter_constraints(builder)
        for name, value in kwargs.items():
            hint = parameters[name].annotation
            _check_value(name, value, object if hint is inspect.Parameter.empty else hint)
            if name in rules and (message := violation(name, value, rules[name])):
                raise ArgumentError(message)
    except ArgumentError as error:
        raise refusal(what, str(error), source) from None
    return dict(kwargs)


def refusal(what: str, why: str, source: str | None = None) -> ZooError:
    """zoo's error for `what` that cannot be built as a file (`source`) or a caller says."""
    if source is None:
        return ConfigError(f"{what}: {why}")
    return DataError(f"{source}: {what} cannot be built from what it holds: {why}")


def _parameters(builder: Callable) -> dict[str, inspect.Parameter]:
    target = builder.__init__ if inspect.isclass(builder) else builder
    hints = typing.get_type_hints(target)
    parameters = {}
    for name, p in inspect.signature(builder).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        parameters[name] = p.replace(annotation=hints.get(name, inspect.Parameter.empty))
    return parameters


def _check_value(name: str, value, hint) -> None:
    if not _allowed(value, hint):
        raise ArgumentError(f"{name}={shown(value)} is not allowed: {name} must be {_rule(hint)}")


def _allowed(value, hint) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, _UNION):
        return any(_allowed(value, h) for h in args)
    if hint is type(None):
        return value is None
    if origin is typing.Literal:
        return any(value == choice and type(value) is type(choice) for choice in args)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return _whole(value)
    if hint is float:
        return _real(value)
    if hint is str:
        return isinstance(value, str)
    if hint is dict or origin in (dict, Mapping):
        return isinstance(value, Mapping) and _plain(value)
    if origin in (list, tuple, Sequence) or hint in (list, tuple):
        item = args[0] if args else object
        return (
            isinstance(value, list | tuple)
            and len(value) <= MAX_ITEMS
            and all(_allowed(v, item) for v in value)
        )
    if hint is object:
        return _plain(value)
    return False  # a hint these rules do not know: nothing read from a file may fill it


_UNION = type(int | None)


def _whole(value) -> bool:
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and 1 <= value <= MAX_SIZE
    )


def _real(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)


def _plain(value, depth: int = 0) -> bool:
    """Strings, numbers, bools, None, and lists and dicts of them (not too deep)."""
    if depth > 8:
        return False
    if value is None or isinstance(value, str | bool | numbers.Real):
        return not isinstance(value, float) or math.isfinite(value)
    if isinstance(value, list | tuple):
        return len(value) <= MAX_SIZE and all(_plain(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _rule(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, _UNION):
        return " or ".join(_rule(h) for h in args)
    if hint is type(None):
        return "null"
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, args))
    if hint is int:
        return f"a whole number from 1 to {MAX_SIZE:,}"
    if hint is float:
        return "a finite number"
    if hint is bool:
        return "true or false"
    if origin in (list, tuple, Sequence) or hint in (list, tuple):
        item = f" of {_rule(args[0])}" if args else ""
        return f"a list (at most {MAX_ITEMS} entries){item}"
    if hint is str:
        return "a string"
    return "a mapping of plain values"

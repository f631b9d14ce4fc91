"""Name -> constructor registry: the one place that knows which networks exist, which
shipped weights each has, and that rebuilds a saved network (`build`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from zoo.errors import DataError, ZooError

if TYPE_CHECKING:
    from zoo.models.weights import WeightsEnum

_MODELS: dict[str, Callable[..., nn.Module]] = {}
_WEIGHTS: dict[str, type[WeightsEnum]] = {}  # model name -> the enum of its shipped weights


class UnknownModelError(ZooError, KeyError):
    """A model name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def register_model(
    name: str, weights: type[WeightsEnum] | None = None
) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Register a network's constructor under `name`, with `weights`, the enum of its shipped
    weights that its module declares beside it (torchvision's `<Model>_Weights`), if any."""

    def decorator(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _MODELS:
            raise ValueError(f"a model named {name!r} is already registered")
        strays = [member.name for member in weights or () if member.value.model != name]
        if strays:
            raise ValueError(f"{weights.__name__} holds weights of another model: {strays}")
        _MODELS[name] = builder
        if weights is not None:
            _WEIGHTS[name] = weights
        return builder

    return decorator


def list_models() -> list[str]:
    """The registered model names.

    Returns:
        The names, sorted: `['cnn', 'mlp', 'perceptron', 'rnn']` and any you registered.
    """
    return sorted(_MODELS)


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    """The class (or function) registered under a name.

    Args:
        name: A registered model name.

    Returns:
        What builds the network, such as `zoo.models.CNN` for `"cnn"`.

    Raises:
        UnknownModelError: If no model has that name.
    """
    try:
        return _MODELS[name]
    except KeyError:
        raise UnknownModelError(
            f"unknown model {name!r}; choose one of: {', '.join(list_models())}"
        ) from None


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a fresh, untrained registered network.

    Args:
        name: The model's registry name (`zoo.list_models()`).
        **kwargs: Its constructor's keyword arguments, such as `in_features=2`.

    Returns:
        The network, in training mode, with freshly initialised weights.

    Raises:
        UnknownModelError: If no model has that name.
        zoo.ConfigError: If an argument is not one the constructor takes, or not of the
            type and range it allows (`check_model_arguments`).

    Example:
        ```python
        net = zoo.create_model("mlp", in_features=2, hidden_sizes=[2])
        ```
    """
    return get_model_builder(name)(**check_model_arguments(name, kwargs))


MAX_PARAMETERS = 2**30  # 4 GiB of float32 weights: far beyond any network of zoo's


def check_model_arguments(
    name: str, kwargs: Mapping, source: str | None = None, state: Mapping | None = None
) -> dict:
    """`kwargs` if network `name` may be built with them, checked before anything is built.

    They must be arguments its constructor takes, of the types and ranges its signature
    allows (`zoo.signatures`: no size 0 or negative, nothing but plain values), making at
    most `MAX_PARAMETERS` parameters (counted on the meta device: no memory used); `state`,
    if given, must fit the network they build (`build`'s rule, and finite values).

    Raises:
        UnknownModelError, zoo.ConfigError: without `source` (arguments a caller gave).
        zoo.DataError: naming `source`, the file they were read from.
    """
    from zoo.signatures import check_arguments, refusal

    if not isinstance(name, str) or name not in _MODELS:
        why = f"unknown model {name!r}; choose one of: {', '.join(list_models())}"
        raise UnknownModelError(why) if source is None else refusal("the network", why, source)
    builder, what = _MODELS[name], f"model {name!r}"
    kwargs = check_arguments(builder, kwargs, what, source)
    try:
        with torch.device("meta"):
            skeleton = builder(**kwargs)
    except (TypeError, ValueError, ZooError) as error:
        raise refusal(what, str(error), source) from None
    size = sum(p.numel() for p in skeleton.parameters())
    if size > MAX_PARAMETERS:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        why = (
            f"{shown} makes {size:,} parameters; zoo builds networks of at most {MAX_PARAMETERS:,}"
        )
        raise refusal(what, why, source)
    if state is not None:
        differences = _state_differences(skeleton.state_dict(), state)
        if differences:
            raise _misfit(skeleton, kwargs, differences, source or "the weights")
    return kwargs


def model_arguments(name: str) -> list[str]:
    """The keyword arguments a registered model's constructor takes.

    Args:
        name: A registered model name.

    Returns:
        The argument names, in the constructor's order.

    Raises:
        UnknownModelError: If no model has that name.
    """
    return list(inspect.signature(get_model_builder(name)).parameters)


def weights_enums() -> dict[str, type[WeightsEnum]]:
    """Model name -> the enum of its shipped weights, for the models that have some."""
    return dict(sorted(_WEIGHTS.items()))


# -- rebuilding a saved network ---------------------------------------------------------------


def build(
    name: str,
    arguments: Mapping,
    state: Mapping[str, torch.Tensor] | None = None,
    *,
    source: str = "the saved network",
    fix: str = "",
) -> nn.Module:
    """The network `name` built with its constructor's `arguments`: fresh (as `create_model`)
    when `state` is None, else holding `state` (its state dict, copied into the network's own
    float32 parameters) in eval mode, on the CPU.

    The one place that rebuilds a saved network: checkpoints (`zoo.runs.checkpoints`), shipped
    weights (`Weights.build`) and saved Forecasters come through here. A state that does not
    fit (keys missing or extra, other shapes, values that are not tensors or not finite)
    raises a DataError naming `source` and the differences, then `fix`; so do arguments of
    the wrong type or range (`check_model_arguments`).
    """
    if state is not None:  # arguments read from a file: refused naming it
        check_model_arguments(name, arguments, source)
    model = create_model(name, **arguments)
    if state is None:
        return model
    differences = _state_differences(model.state_dict(), state)
    if differences:
        raise _misfit(model, arguments, differences, source, fix)
    model.load_state_dict(state)
    return model.eval()


def _misfit(model: nn.Module, arguments: Mapping, differences: list, source: str, fix=""):
    call = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return DataError(
        f"{source} does not fit {type(model).__name__}({call}): {'; '.join(differences)}"
        + (f"; {fix}" if fix else "")
    )


def _state_differences(expected: Mapping, state: Mapping) -> list[str]:
    if not isinstance(state, Mapping):
        return [f"a {type(state).__name__}, not a mapping of names to tensors"]
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    common = sorted(set(expected) & set(state))
    not_tensors = [k for k in common if not isinstance(state[k], torch.Tensor)]
    resized = [
        f"{k} {tuple(state[k].shape)}, not {tuple(expected[k].shape)}"
        for k in common
        if k not in not_tensors and state[k].shape != expected[k].shape
    ]
    not_finite = [  # a training that diverged: every output would be NaN
        k
        for k in common
        if k not in not_tensors
        and state[k].is_floating_point()
        and not torch.isfinite(state[k]).all()
    ]
    return [
        f"{what} {', '.join(keys)}"
        for what, keys in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("not tensors:", not_tensors),
            ("shaped", resized),
            ("NaN or infinite (a training that diverged?):", not_finite),
        )
        if keys
    ]

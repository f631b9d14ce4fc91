"""Name -> constructor registry: the one place that knows which networks exist, which
shipped weights each has, and that rebuilds a saved network (`build`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from zoo.errors import ConfigError, DataError, ZooError

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
        zoo.ConfigError: If an argument is not one the constructor takes.

    Example:
        ```python
        net = zoo.create_model("mlp", in_features=2, hidden_sizes=[2])
        ```
    """
    builder = get_model_builder(name)
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ConfigError(
            f"model {name!r} takes no argument {', '.join(map(repr, unknown))}; "
            f"its arguments are: {', '.join(accepted)}"
        )
    return builder(**kwargs)


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
    fit (keys missing or extra, other shapes, values that are not tensors) raises a DataError
    naming `source` and the differences, then `fix`.
    """
    model = create_model(name, **arguments)
    if state is None:
        return model
    differences = _state_differences(model.state_dict(), state)
    if differences:
        call = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        raise DataError(
            f"{source} does not fit {type(model).__name__}({call}): {'; '.join(differences)}"
            + (f"; {fix}" if fix else "")
        )
    model.load_state_dict(state)
    return model.eval()


def _state_differences(expected: Mapping, state: Mapping) -> list[str]:
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    common = sorted(set(expected) & set(state))
    not_tensors = [k for k in common if not isinstance(state[k], torch.Tensor)]
    resized = [
        f"{k} {tuple(state[k].shape)}, not {tuple(expected[k].shape)}"
        for k in common
        if k not in not_tensors and state[k].shape != expected[k].shape
    ]
    return [
        f"{what} {', '.join(keys)}"
        for what, keys in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("not tensors:", not_tensors),
            ("shaped", resized),
        )
        if keys
    ]

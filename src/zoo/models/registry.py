"""Name -> constructor registry: the one place that knows which networks exist."""

import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from zoo.errors import ConfigError, ZooError

_MODELS: dict[str, Callable[..., nn.Module]] = {}


class UnknownModelError(ZooError, KeyError):
    """A model name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def register_model(name: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Register a network class (or any function returning an `nn.Module`) under a name.

    The name is what `model=NAME` and `zoo.create_model(NAME)` use; give the model a
    `conf/model/NAME.yaml` too.

    Args:
        name: The registry name.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        ValueError: If `name` is already registered.

    Example:
        ```python
        @zoo.register_model("tiny")
        class Tiny(torch.nn.Module): ...
        ```
    """

    def decorator(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _MODELS:
            raise ValueError(f"a model named {name!r} is already registered")
        _MODELS[name] = builder
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

"""Name -> constructor registry: the one place that knows which networks exist."""

import inspect
from collections.abc import Callable

from torch import nn

from zoo.errors import ConfigError, ZooError

_MODELS: dict[str, Callable[..., nn.Module]] = {}


class UnknownModelError(ZooError, KeyError):
    """Raised for a model name that is not registered; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def register_model(name: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    def decorator(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _MODELS:
            raise ValueError(f"a model named {name!r} is already registered")
        _MODELS[name] = builder
        return builder

    return decorator


def list_models() -> list[str]:
    return sorted(_MODELS)


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    try:
        return _MODELS[name]
    except KeyError:
        raise UnknownModelError(
            f"unknown model {name!r}; choose one of: {', '.join(list_models())}"
        ) from None


def create_model(name: str, **kwargs) -> nn.Module:
    """Build the registered network `name` with its constructor's keyword arguments."""
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
    """The keyword arguments of model `name`'s constructor."""
    return list(inspect.signature(get_model_builder(name)).parameters)

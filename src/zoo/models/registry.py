"""Name -> constructor registry: the one place that knows which networks exist."""

import inspect
from collections.abc import Callable

import torch
from torch import nn

from zoo.errors import ZooError

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
    """Build the registered network `name` with its constructor's keyword arguments
    (checked first: `check_model_arguments`)."""
    return get_model_builder(name)(**check_model_arguments(name, kwargs))


MAX_PARAMETERS = 2**30  # 4 GiB of float32 weights: far beyond any network of zoo's


def check_model_arguments(name: str, kwargs, source: str | None = None, state=None) -> dict:
    """`kwargs` if network `name` may be built with them: known arguments of the types and
    ranges its constructor's signature allows (`zoo.signatures`), and at most
    `MAX_PARAMETERS` parameters (counted on the meta device: no memory); `state`, if given,
    must hold a tensor of the right shape for every weight (`check_state`). Else zoo's
    message, naming `source` (the file they were read from) if given."""
    from zoo.signatures import check_arguments, check_state, refusal

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
        raise refusal(
            what,
            f"{shown} makes {size:,} parameters; zoo builds networks of at most {MAX_PARAMETERS:,}",
            source,
        )
    if state is not None:
        check_state(skeleton, state, source or "the weights")
    return kwargs


def model_arguments(name: str) -> list[str]:
    """The keyword arguments of model `name`'s constructor."""
    return list(inspect.signature(get_model_builder(name)).parameters)

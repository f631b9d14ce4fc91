"""torch.hub entry points: one per network of zoo's registry, with its shipped weights or fresh.

    torch.hub.load("OWNER/zoo", "cnn", weights="mnist")            # from GitHub
    torch.hub.load("path/to/zoo", "cnn", weights="mnist", source="local")
    torch.hub.load("path/to/zoo", "mlp", weights=None, in_features=2)   # fresh

Each entry point takes `weights` (a name of `zoo.list_weights()`, e.g. "mnist"; None for
an untrained network) and the model's keyword arguments; `torch.hub.help` shows the
weights each has. The entry points and their help come from zoo's registry
(`zoo.list_models()` and each model's weights enum), so a new model or weights entry
appears here by itself. Only torch and safetensors are imported: no Lightning or Hydra.
"""

import sys as _sys
from pathlib import Path as _Path

dependencies = ["torch", "safetensors"]

_SRC = str(_Path(__file__).resolve().parent / "src")
if _SRC not in _sys.path:  # this repository's zoo (src layout), when it is not installed
    _sys.path.insert(0, _SRC)

from zoo import models as _models  # noqa: E402


def _entry_point(name: str):
    """torch.hub's entry point for model `name`: `load_weights(name, weights, **kwargs)`."""
    builder = _models.get_model_builder(name)
    enum = _models.weights_enums().get(name)
    default = enum.__members__.get("DEFAULT") if enum else None
    choices = [
        f'    weights="{member.value.name}"{" (DEFAULT)" if member is default else ""}: '
        f"{member.value.title}"
        for member in enum or ()
    ]
    module = _sys.modules[builder.__module__]  # its first line says what the network is for
    summary = (module.__doc__ or builder.__doc__ or "").strip().splitlines()[0]

    def entry_point(weights=None, **kwargs):
        return _models.load_weights(name, weights, **kwargs)

    entry_point.__name__ = entry_point.__qualname__ = name
    entry_point.__doc__ = "\n".join(
        [
            f"{builder.__name__} (zoo.models.{builder.__name__}): {summary}",
            "",
            *(choices or ["    no shipped weights"]),
            "    weights=None: a fresh, untrained network built with the keyword arguments "
            f"({', '.join(_models.model_arguments(name))})",
        ]
    )
    return entry_point


globals().update({name: _entry_point(name) for name in _models.list_models()})

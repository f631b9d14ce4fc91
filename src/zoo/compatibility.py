"""Which model, task and data go together, checked before anything is built or trained.

A pair that cannot work (a CNN on 2-D points, an MLP under the perceptron rule, the
perceptron trained by gradient descent, a forecasting network on images) is refused with a message
that names what fits, instead of failing deep inside torch, or worse, training quietly.
"""

import inspect

from zoo.errors import ConfigError
from zoo.models import get_model_builder, list_models
from zoo.tasks import TASKS


def _required_arguments(builder) -> list[str]:
    keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [
        p.name
        for p in inspect.signature(builder).parameters.values()
        if p.kind in keyword and p.default is inspect.Parameter.empty
    ]


def data_mismatch(model_name: str, task_class: type, datamodule, given=()) -> str | None:
    """Why `datamodule` cannot feed `model_name` under `task_class`, or None.

    `given` are the model arguments the config sets itself.
    """
    data = type(datamodule).__name__
    if task_class.data_kind != datamodule.kind:
        return (
            f"{task_class.__name__} trains on {task_class.data_kind} data, and {data} is "
            f"{datamodule.kind} data"
        )
    builder = get_model_builder(model_name)
    sizes = datamodule.dims
    if not set(sizes) & set(inspect.signature(builder).parameters):
        return (
            f"model {model_name!r} takes none of the sizes {data} decides "
            f"({', '.join(sizes)}), so it cannot be sized for it"
        )
    missing = [a for a in _required_arguments(builder) if a not in {*sizes, *given}]
    if missing:
        return f"model {model_name!r} needs {', '.join(missing)}, which {data} does not give"
    layout = getattr(builder, "input_layout", None)  # of one example, where it matters
    shape = getattr(datamodule, "input_shape", None)
    if layout is not None and shape is not None and len(shape) != len(layout):
        return (
            f"model {model_name!r} reads ({', '.join(layout)}) examples, and {data} gives "
            f"examples of shape {tuple(shape)}"
        )
    return None


def check_pairing(model_name: str, task_class: type, datamodule, given=()) -> None:
    """Raise a ConfigError, naming what fits, unless `task_class` can train `model_name` on
    `datamodule` (the config setting the model arguments `given` itself)."""
    refusal = task_class.refuses(get_model_builder(model_name))
    if refusal:
        raise ConfigError(f"model={model_name} with {task_class.__name__}: {refusal}")
    mismatch = data_mismatch(model_name, task_class, datamodule, given)
    if mismatch is None:
        return
    data = type(datamodule).__name__
    fitting = [
        f"model={name}"
        for name in list_models()
        if any(
            not task.refuses(get_model_builder(name))
            and data_mismatch(name, task, datamodule) is None
            for task in TASKS.values()
        )
    ]
    if f"model={model_name}" in fitting:
        raise ConfigError(
            f"model={model_name} cannot train on {data} with {task_class.__name__}: "
            f"{mismatch}. Leave task= out: model={model_name}'s own task fits {data}"
        )
    hint = f"models for {data}: {', '.join(fitting)}" if fitting else f"no model fits {data}"
    raise ConfigError(
        f"model={model_name} cannot train on {data}: {mismatch}. Pick data that suits "
        f"model={model_name} (leave data= out for its default) or another model ({hint})"
    )

"""Shipped weights as markdown: one entry's card (`Weights.card()`) and the documentation's
model-zoo page of every entry (`render_model_zoo`), both read from the cards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoo.models.weights import Weights


def _metric(name: str, value: float) -> str:
    if name.endswith("acc"):
        return f"{value:.2%}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.3f}"


def render_card(weights: Weights) -> str:
    """The model card of one weights entry as markdown.

    Args:
        weights: A `zoo.weights.Weights` record.

    Returns:
        A level-1 heading and a two-column table: loading, network, data, recipe, test
        figures, parameters, file, input and output.

    Raises:
        zoo.weights.WeightsNotBuiltError: If the entry's file or card is not in the package.
    """
    meta = weights.meta
    size = meta["file_size"]
    storage = meta["storage_dtype"]
    metrics = ", ".join(f"{k} {_metric(k, v)}" for k, v in meta["metrics"].items())
    training = meta["training"]
    by_dtype = "; ".join(
        f"{dtype}: " + ", ".join(f"{k} {_metric(k, v)}" for k, v in figures.items())
        for dtype, figures in meta["metrics_by_storage_dtype"].items()
    )
    targets = ", ".join(f"{k} {op} {_metric(k, v)}" for k, (op, v) in meta["targets"].items())
    kwargs = ", ".join(f"{k}={v!r}" for k, v in meta["model_kwargs"].items())
    rows = [
        ("load", f'`zoo.load_model("{weights.model}", weights="{weights.name}")`'),
        ("hub", f'`torch.hub.load(REPO, "{weights.model}", weights="{weights.name}")`'),
        ("network", f"`{weights.model}`: {meta['model_class']}({kwargs})"),
        ("data", meta["data"]),
        (
            "recipe",
            f"`{meta['recipe']}`: seed {training['seed']}, {training['epochs']} epochs in "
            f"{training['precision']}, about {training['seconds']} s of training "
            f"({meta['made']['threads']} thread(s), {meta['made']['date']})",
        ),
        ("checkpoint", meta["checkpoint"]),
        ("test metrics", f"{metrics} (the stored {storage} weights, computed in float32)"),
        ("by storage dtype", by_dtype),
        (
            "the training run reported",
            ", ".join(f"{k} {_metric(k, v)}" for k, v in meta["run_metrics"].items()) or "-",
        ),
        ("targets", targets or "none"),
        ("parameters", f"{meta['num_params']:,}"),
        (
            "file",
            f"{weights.path.name}: {size / 1024:.0f} KiB, {storage}, sha256 "
            f"`{meta['sha256'][:16]}...`",
        ),
        ("input", f"{meta['preprocessing']}; `weights.transforms()` does it"),
        ("output", meta["output"]),
        ("regenerate", f"`{meta['regenerate']}`"),
    ]
    if meta["notes"]:
        rows.append(("notes", meta["notes"]))
    lines = [f"# {weights.id}: {meta['title']}", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


FIGURE_NAMES = {"acc": "accuracy", "smape": "sMAPE", "mase": "MASE"}


def _figures(metrics: dict[str, float]) -> str:
    """The test figures in words: "accuracy 99.68%", "sMAPE 13.675, MASE 0.8826"."""
    shown = []
    for name, value in metrics.items():
        if not name.startswith("test/"):
            continue
        short = name.removeprefix("test/")
        if short.startswith("p_female/"):  # the primer's test pair
            short = f"P(female) of {short.removeprefix('p_female/')}"
        shown.append(f"{FIGURE_NAMES.get(short, short)} {_metric(name, value)}")
    return ", ".join(shown)


def _size(size: int) -> str:
    return f"{size / 1024:,.0f} KiB" if size >= 10 * 1024 else f"{size:,} B"


def render_model_zoo(entries: Iterable[Weights]) -> str:
    """The model-zoo page: a table of the shipped weights, then a section per entry.

    Everything comes from the entries' records and cards (`Weights.meta`), so the page
    says what the files in the package hold.

    Args:
        entries: `zoo.weights.Weights` records, in the order to show them.

    Returns:
        Markdown: a summary table (weights, network, test figure, parameters, file), then
        for each entry a level-2 section with its data, the command that trained it, how
        to load it, its input and output.
    """
    entries = list(entries)
    lines = [
        "| weights | network | test figure | parameters | file |",
        "|---|---|---|---|---|",
    ]
    for weights in entries:
        meta = weights.meta
        lines.append(
            f"| [`{weights.id}`](#{weights.stem}) | {weights.title} "
            f"| {_figures(meta['metrics'])} | {meta['num_params']:,} "
            f"| {_size(meta['file_size'])}, {meta['storage_dtype']} |"
        )
    for weights in entries:
        meta = weights.meta
        training = meta["training"]
        enum_member = _enum_member(weights)
        kwargs = ", ".join(f"{k}={v!r}" for k, v in meta["model_kwargs"].items())
        lines += [
            "",
            f"## {weights.id} {{#{weights.stem}}}",
            "",
            f"**{weights.title}.** `{meta['model_class']}({kwargs})`, "
            f"{meta['num_params']:,} parameters.",
            "",
            f"- **Data**: {meta['data']}.",
            f"- **Test figures**: {_figures(meta['metrics'])}, with the stored "
            f"{meta['storage_dtype']} weights computed in float32.",
            f"- **Trained by** the command below (seed {training['seed']}, "
            f"{training['epochs']} epochs in {training['precision']}, about "
            f"{training['seconds']} s on {meta['made']['threads']} thread(s), "
            f"{meta['made']['date']}; shipped: {meta['checkpoint']}).",
            f"- **Input**: {meta['preprocessing']}; `weights.transforms()` does it.",
            f"- **Output**: {meta['output']}.",
            f"- **File**: `{weights.path.name}`, {meta['file_size']:,} bytes "
            f"({meta['storage_dtype']}), sha256 `{meta['sha256'][:16]}...`, checked on "
            "every load.",
            "",
            "```bash",
            meta["recipe"],
            "```",
            "",
            "```python",
            "import zoo",
            "",
            f'model = zoo.load_model("{weights.model}", weights="{weights.name}")',
            f'weights = zoo.get_weights("{weights.id}")  # or {enum_member}',
            "transform = weights.transforms()  # raw input -> what it reads",
            "```",
        ]
        if meta["notes"]:
            lines += ["", meta["notes"]]
    return "\n".join(lines) + "\n"


def _enum_member(weights: Weights) -> str:
    from zoo.models.registry import weights_enums

    enum = weights_enums()[weights.model]
    name = next(m.name for m in enum if m.value is weights)
    return f"zoo.weights.{enum.__name__}.{name}"

"""A shipped weights entry's card as markdown (`Weights.card()`)."""

from __future__ import annotations


def _metric(name: str, value: float) -> str:
    if name.endswith("acc"):
        return f"{value:.2%}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.3f}"


def render_card(weights) -> str:
    """The card of `weights` (a `Weights` record) as a markdown table."""
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

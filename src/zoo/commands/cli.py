"""`zoo`: one console command for every zoo command line.

zoo train model=cnn              # Hydra overrides, --help, -m, --cfg job as ever
zoo eval ckpt_path=RUN/checkpoints/last.ckpt
zoo predict --weights cnn-mnist digit.png        # or CHECKPOINT photo.jpg / rows.csv
zoo forecast --weights rnn-m3-monthly sales.csv
zoo backtest CHECKPOINT sales.csv --methods rnn Theta
zoo export CHECKPOINT --out exported/cnn
zoo tune model=mlp data=xor tune.trials=20      # needs the [tune] extra
"""

import importlib
import importlib.util
import sys
from contextlib import contextmanager

from zoo.errors import ZooError

COMMANDS = {
    "train": "train a network (Hydra: model=..., data=..., key=value)",
    "eval": "test a checkpoint on its run's test set (Hydra: ckpt_path=...)",
    "predict": "classify images or table rows with a checkpoint, digits with shipped weights",
    "forecast": "forecast a panel with a checkpoint or shipped weights",
    "backtest": "rolling-origin backtest of a network and the baselines",
    "export": "export a checkpoint's network to TorchScript and ONNX",
    "tune": "search hyperparameters with Optuna (Hydra: tune.space=...)",
}


def usage() -> str:
    rows = "\n".join(f"  {name:<9} {what}" for name, what in COMMANDS.items())
    return (
        f"usage: zoo COMMAND [ARGS ...]\n\ncommands:\n{rows}\n\n"
        "zoo COMMAND --help says more about each."
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return
    if argv[0] in ("-V", "--version"):
        from zoo import __version__

        print(f"zoo {__version__}")
        return
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        sys.exit(f"error: unknown command {name!r}; choose one of: {', '.join(COMMANDS)}")
    module_name = f"zoo.commands.{name}"
    module = importlib.import_module(module_name)
    if name in ("train", "eval", "tune"):  # Hydra apps read sys.argv themselves
        sys.argv = [sys.argv[0], *rest]
        relaunch_as(module_name)
        module.main()
    else:
        module.main(rest)


@contextmanager
def one_line_errors():
    """zoo's errors end a command with one line, `error: <message>` (exit status 1), never
    a traceback: every command's `main` is decorated with it (`@one_line_errors()`), and
    the Hydra apps' work runs inside it (`with one_line_errors():`)."""
    try:
        yield
    except ZooError as error:
        sys.exit(f"error: {error}")


def relaunch_as(module_name: str) -> None:
    """Make launchers that start more processes by re-running the main module re-enter this
    subcommand. Lightning's DDP starts ranks 1.. as `python -m <__main__.__spec__.name>
    <sys.argv[1:]>`, or `python <sys.argv[0]> ...` when the main module has no spec (the
    console script): without this, rank 1 ran `zoo model=...` with no subcommand, stopped,
    and rank 0 waited for it forever."""
    import __main__

    __main__.__spec__ = importlib.util.find_spec(module_name)

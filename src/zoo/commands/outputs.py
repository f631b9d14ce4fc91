"""What every command checks before it works, the files it will write, how it writes
them, and its name."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from zoo.errors import ConfigError


def check_outputs(*paths: Path, flag: str = "--out") -> None:
    """Nothing a user wrote is overwritten, no output overwrites another, and every output
    can be written: checked before any work, naming the path."""
    seen = set()
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            raise ConfigError(f"two outputs of this command would be {path}; choose another {flag}")
        seen.add(resolved)
        if resolved.exists():
            raise ConfigError(f"{path} exists; choose another {flag} (nothing was overwritten)")
        parent = next(p for p in resolved.parents if p.exists())
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise ConfigError(f"cannot write {path}: {parent} is not a writable folder")


def write_outputs(writers: dict[Path, Callable[[Path], object]]) -> None:
    """Call each `writer(path)`, which writes a new file there (`zoo.files.write_file`:
    never replacing one, even one made since `check_outputs`), all or none: when one
    fails, the outputs this command has just written are removed again, so a rerun is not
    blocked by half of them."""
    written = []
    try:
        for path, write in writers.items():
            write(path)
            written.append(path)
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise


def prog(command: str) -> str:
    """The name --help shows: `zoo forecast` from the console command, else the script."""
    name = Path(sys.argv[0]).name
    return f"zoo {command}" if name in ("zoo", "__main__.py") else name

"""What every command checks before it works: the files it will write, and its name."""

from __future__ import annotations

import os
import sys
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


def prog(command: str) -> str:
    """The name --help shows: `zoo forecast` from the console command, else the script."""
    name = Path(sys.argv[0]).name
    return f"zoo {command}" if name in ("zoo", "__main__.py") else name

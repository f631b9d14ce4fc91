"""Writing files so that nothing is lost: the one way zoo writes a file.

`write_file` puts the content in a temporary file in the target's own folder (unnamed
where the system allows, Linux's `O_TMPFILE`, so even `kill -9` leaves nothing behind),
flushes it to the disk, and only then gives it the target's name, in one step:

- a new output (`replace=False`) is linked into place, which fails if the name exists:
  a file created after the command checked its outputs is still never replaced;
- a file zoo keeps up to date (`replace=True`: checkpoints, a run's metrics) is renamed
  over the old one, which stays whole until the new one is complete.

A full disk stops with zoo's message naming the folder and the space needed, and leaves
neither a partial file nor a temporary one. `new_folder` does the same for a folder of
files: all of them appear at once, or none.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from zoo.errors import ConfigError, DiskFullError

Content = bytes | bytearray | memoryview | str | Callable[[BinaryIO], object]
DATA = (bytes, bytearray, memoryview)
FULL = (errno.ENOSPC, errno.EDQUOT)
NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK)


def size_text(size: int) -> str:
    """'4.3 MB', '812 bytes'."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def disk_full(
    folder: Path,
    what: str,
    needed: int | None = None,
    written: int | None = None,
    after: str | None = None,
) -> DiskFullError:
    """zoo's message for `what` (a file or folder) that did not fit in `folder`: the space
    needed (or written before the disk filled) and the space free."""
    try:
        free = f"; {size_text(shutil.disk_usage(folder).free)} free"
    except OSError:
        free = ""
    if needed:
        need = f"{what} needs {size_text(needed)}"
    elif written:
        need = f"{what} needs more than the {size_text(written)} written"
    else:
        need = f"no room for {what}"
    after = after or f"nothing was written to {what}, and the files already there are intact"
    return DiskFullError(
        f"the disk holding {folder} is full ({need}{free}): free some space or choose "
        f"another folder; {after}"
    )


def write_file(path: str | Path, content: Content, *, replace: bool = False) -> Path:
    """Write `content` (bytes, text as UTF-8, or a function writing to a binary file) to
    `path` whole or not at all; an existing `path` is replaced only if `replace`, else
    refused with zoo's message naming it. Parent folders are made."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"cannot write {path}: a file stands in the way of its folder") from None
    data = content.encode() if isinstance(content, str) else content
    written = 0
    try:
        with _temporary(path) as (handle, publish):
            try:
                if isinstance(data, DATA):
                    handle.write(data)
                else:
                    data(handle)
                _flush_to_disk(handle)
            finally:
                with suppress(OSError, ValueError):
                    written = handle.tell()
            publish(replace)
    except FileExistsError:
        raise ConfigError(f"{path} exists; choose another path (nothing was overwritten)") from None
    except OSError as error:
        if error.errno in FULL:
            needed = memoryview(data).nbytes if isinstance(data, DATA) else None
            raise disk_full(path.parent, path.name, needed, written) from None
        raise
    _sync_folder(path.parent)
    return path


@contextmanager
def _temporary(path: Path) -> Iterator[tuple[BinaryIO, Callable[[bool], None]]]:
    """(a binary file in `path`'s folder, publish(replace) naming it `path`); on any
    failure the temporary file is gone."""
    folder = path.parent
    name = None
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o666)  # unnamed: nothing to clean
        proc = f"/proc/self/fd/{fd}"
        if not os.path.lexists(proc):  # cannot be given a name without /proc
            os.close(fd)
            raise OSError(errno.ENOTSUP, "no /proc")
    except (AttributeError, OSError):  # not Linux, or a file system without it
        fd, proc = None, None
    if fd is None:
        name = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)

    def publish(replace: bool) -> None:
        nonlocal name
        if proc is not None:  # name the unnamed file: the target, or a name to rename
            temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
            try:
                _link_followed(proc, temporary if replace else path)
            except FileExistsError:
                raise
            except OSError:  # a system that will not name an unnamed file: copy it to one
                _copy_out(fd, temporary)
                name = temporary
            else:
                if not replace:
                    return
                name = temporary
        if replace:
            os.replace(name, path)
            name = None
        else:
            _link_exclusively(name, path)

    handle = os.fdopen(fd, "wb")
    try:
        with handle:
            yield handle, publish
    finally:
        if name is not None:
            with suppress(FileNotFoundError):
                os.unlink(name)


def _flush_to_disk(handle: BinaryIO) -> None:
    """Where a full disk shows at the latest (file systems that allocate late)."""
    handle.flush()
    os.fsync(handle.fileno())


def _link_followed(link: str, target: Path) -> None:
    """`link(2)` of what the /proc link points to: os.link calls linkat with
    AT_SYMLINK_FOLLOW only when given a folder descriptor (any: the path is absolute)."""
    root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(link, target, src_dir_fd=root, follow_symlinks=True)
    finally:
        os.close(root)


def _copy_out(fd: int, name: Path) -> None:
    """A named copy of the unnamed file `fd`, on the disk."""
    with open(name, "xb") as out:
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, 1 << 20):
            out.write(chunk)
        _flush_to_disk(out)


def _link_exclusively(source: Path, path: Path) -> None:
    """Give `source`'s file the name `path`, failing if `path` exists (no check goes stale)."""
    try:
        os.link(source, path)
    except OSError as error:
        if error.errno not in NO_LINKS:
            raise
        # a file system without hard links: claim the name first, then move onto our claim
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.replace(source, path)


def _sync_folder(folder: Path) -> None:
    """Make a new name in `folder` survive a power cut (where the system allows)."""
    with suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def new_folder(path: str | Path, files: dict[str, bytes | str]) -> Path:
    """A folder at `path` holding `files` ({name: content}), all at once or not at all:
    written into a temporary sibling folder, then renamed into place. `path` must not exist,
    or be an empty folder (a rename never replaces a folder holding anything)."""
    path = Path(path)
    refuse_occupied(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    contents = {name: c.encode() if isinstance(c, str) else c for name, c in files.items()}
    staging = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    full = False
    try:
        staging.mkdir()
        for name, data in contents.items():
            write_file(staging / name, data)
        os.rename(staging, path)  # fails on a file, or a folder that holds anything
    except DiskFullError:
        full = True
    except OSError as error:
        full = error.errno in FULL
        if not full and error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
            refuse_occupied(path)  # it changed meanwhile: the message says how
        if not full:
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if full:  # measured once the staging folder is gone
        raise disk_full(path.parent, path.name, sum(map(len, contents.values())))
    _sync_folder(path.parent)
    return path


def refuse_occupied(path: Path) -> None:
    """Refuse a path that is a file, or a folder holding anything."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise ConfigError(f"{path} already exists as a file; save into a new folder")
    if path.is_dir() and any(path.iterdir()):
        raise ConfigError(
            f"{path} already exists and holds files; save into a new folder (nothing was "
            "overwritten)"
        )

"""zoo.files, the one writer (issue 28): every file appears whole or not at all, a new
output never replaces a file, a full disk leaves the old files intact and no partial or
temporary file behind."""

import os

import pytest

import zoo
import zoo.files
from zoo.errors import DiskFullError
from zoo.files import new_folder, write_file

from .conftest import full_disk


def test_a_file_is_written_whole_or_not_at_all_and_never_replaces_another(tmp_path):
    path = write_file(tmp_path / "a.csv", "x,y\n1,2\n")
    assert path.read_text() == "x,y\n1,2\n" and oct(path.stat().st_mode)[-3:] != "600"
    with pytest.raises(zoo.ConfigError, match="a.csv exists; choose another path"):
        write_file(path, "other")
    write_file(path, b"replaced", replace=True)
    assert path.read_bytes() == b"replaced"

    def broken(handle):
        handle.write(b"half of it")
        raise RuntimeError("the writer failed")

    for target, replace in [(tmp_path / "new.csv", False), (path, True)]:
        with pytest.raises(RuntimeError, match="the writer failed"):
            write_file(target, broken, replace=replace)
    assert sorted(os.listdir(tmp_path)) == ["a.csv"] and path.read_bytes() == b"replaced"


def test_a_system_that_cannot_name_an_unnamed_file_still_gets_whole_files(tmp_path, monkeypatch):
    def refuse(link, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(zoo.files, "_link_followed", refuse)
    path = write_file(tmp_path / "a.bin", bytes(3_000_000))
    write_file(path, b"new", replace=True)
    with pytest.raises(zoo.ConfigError, match="exists"):
        write_file(path, b"other")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["a.bin"]


def test_a_file_made_after_the_check_is_not_replaced(tmp_path):
    target = tmp_path / "forecasts.csv"

    def slow_writer(handle):  # another process takes the name while zoo writes
        target.write_text("theirs")
        handle.write(b"ours")

    with pytest.raises(zoo.ConfigError, match="forecasts.csv exists"):
        write_file(target, slow_writer)
    assert target.read_text() == "theirs" and os.listdir(tmp_path) == ["forecasts.csv"]


def test_a_full_disk_names_the_folder_and_the_space_and_leaves_the_old_file(tmp_path, monkeypatch):
    old = write_file(tmp_path / "last.ckpt", b"old checkpoint")
    full_disk(monkeypatch)
    with pytest.raises(DiskFullError, match=rf"the disk holding {tmp_path} is full \(last.ckpt "
                       r"needs 2.0 MB; .* free\): free some space"):  # fmt: skip
        write_file(old, bytes(2_000_000), replace=True)
    with pytest.raises(DiskFullError, match="forecasts.csv needs more than the 5 bytes written"):
        write_file(tmp_path / "forecasts.csv", lambda f: f.write(b"a,b\n1"))
    with pytest.raises(DiskFullError, match=r"full \(fc needs 3 bytes"):
        new_folder(tmp_path / "fc", {"a.json": "{}", "b": b"1"})
    assert os.listdir(tmp_path) == ["last.ckpt"] and old.read_bytes() == b"old checkpoint"


def test_a_new_folder_appears_whole_and_never_over_files(tmp_path):
    folder = new_folder(tmp_path / "saved", {"a.json": "{}", "b.bin": b"12"})
    assert sorted(os.listdir(folder)) == ["a.json", "b.bin"]
    with pytest.raises(zoo.ConfigError, match="saved already exists and holds files"):
        new_folder(folder, {"c": b""})
    (tmp_path / "file").write_text("mine")
    with pytest.raises(zoo.ConfigError, match="file already exists as a file"):
        new_folder(tmp_path / "file", {"c": b""})
    (tmp_path / "empty").mkdir()
    new_folder(tmp_path / "empty", {"c": b"3"})  # an empty folder may receive it
    assert sorted(os.listdir(tmp_path)) == ["empty", "file", "saved"]

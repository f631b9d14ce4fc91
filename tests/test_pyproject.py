"""pyproject.toml: the dependency floors zoo's safety rests on, the licence, and the weight
files shipped in the wheel."""

import tomllib
from fnmatch import fnmatch

from .conftest import ROOT


def test_the_package_needs_a_torch_whose_safe_loader_is_safe():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = next(d for d in project["dependencies"] if d.startswith("torch>="))
    assert tuple(map(int, floor.removeprefix("torch>=").split(".")[:2])) >= (2, 10)
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").is_file()


def test_pyproject_ships_the_weight_files_in_the_wheel():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["zoo"]
    assert "safetensors" in " ".join(pyproject["project"]["dependencies"])
    for path in (ROOT / "src" / "zoo" / "pretrained").iterdir():
        relative = path.relative_to(ROOT / "src" / "zoo").as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative

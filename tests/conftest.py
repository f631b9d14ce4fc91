from pathlib import Path

import pytest

from zoo.configs import CONF_DIR
from zoo.configs import compose_config as compose_from

ROOT = Path(__file__).resolve().parents[1]


def compose_config(*overrides: str, output_dir: Path):
    """The config `scripts/train.py` would build, writing into `output_dir`, quietly."""
    return compose_from(CONF_DIR, [*overrides, f"output_dir={output_dir}", "quiet=true"])


@pytest.fixture
def config(tmp_path):
    """config(*overrides) -> a composed training config writing to a fresh folder in tmp_path."""
    runs = iter(range(1000))
    return lambda *overrides: compose_config(*overrides, output_dir=tmp_path / f"run{next(runs)}")

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
ROOT = CONF_DIR.parent


def compose_config(*overrides: str, output_dir: Path):
    """The config `scripts/train.py` would build, writing into `output_dir`, quietly."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("train", overrides=[*overrides, f"output_dir={output_dir}", "quiet=true"])


@pytest.fixture
def config(tmp_path):
    """config(*overrides) -> a composed training config writing to a fresh folder in tmp_path."""
    runs = iter(range(1000))
    return lambda *overrides: compose_config(*overrides, output_dir=tmp_path / f"run{next(runs)}")

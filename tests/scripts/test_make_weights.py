"""The build tooling behind the shipped weights (scripts/make_weights.py and the
weights_tooling.py beside it, outside the package): the shipped files reproduce their
cards' test figures when measured as make_weights measures them, a changed recipe is never
written over them, and the regeneration runs end to end (slow)."""

import json
import sys

import pytest

import zoo

from ..conftest import NO_MNIST_HERE, ROOT, run_in_process, run_script, shipped
from ..conftest import real_mnist_root as mnist_root

sys.path.insert(0, str(ROOT / "scripts"))  # the tooling, imported as make_weights.py does
from weights_tooling import REPRODUCES, m3_figures, measure, primer_figures  # noqa: E402


@pytest.mark.parametrize("id", ["cnn.mnist", "mlp.mnist", "perceptron.mnist"])
def test_mnist_weights_reach_their_cards_accuracy_on_real_mnist(id):
    weights = shipped(id)
    root = mnist_root()
    figures = measure(weights, weights.build(), weights.transforms(), root)
    card = weights.meta["metrics"]["test/acc"]
    assert figures["test/acc"] == pytest.approx(card, abs=REPRODUCES["test/acc"])
    op, target = weights.targets["test/acc"]
    assert op == ">=" and card >= target, f"{id}: the card's {card} misses {target}"


def test_primer_weights_tell_emily_and_frank_apart_as_their_card_says():
    weights = shipped("mlp.primer")
    figures = primer_figures(weights.build(), weights.transforms())
    assert figures == pytest.approx(weights.meta["metrics"], abs=1e-4)
    assert figures["p_female/Emily"] > 0.5 > figures["p_female/Frank"]


def test_forecaster_weights_reproduce_their_cards_m3_monthly_figures():
    weights = shipped("rnn.m3-monthly")
    figures = m3_figures(weights.build(), "monthly")
    for name in ("test/smape", "test/mase"):
        assert figures[name] == pytest.approx(weights.meta["metrics"][name], abs=0.01)


def test_make_weights_never_writes_a_changed_recipe_over_the_shipped_files(monkeypatch, capsys):
    code, _, err = run_in_process(
        "make_weights.py",
        *("mlp.primer", "--override", "trainer.max_epochs=2"),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 2 and "--out" in err


@pytest.mark.slow
def test_make_weights_trains_exports_and_writes_a_card(tmp_path):
    """The regeneration path end to end, on the primer with a few epochs (into tmp_path)."""
    result = run_script(
        "make_weights",
        "mlp.primer",
        "--out",
        str(tmp_path / "out"),
        "--runs",
        str(tmp_path / "runs"),
        "--override",
        "trainer.max_epochs=50",  # a checkpoint at its first validation, epoch 50
        env=NO_MNIST_HERE,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "$ python scripts/train.py model=mlp data=primer" in result.stdout
    card = json.loads((tmp_path / "out" / "mlp-primer.json").read_text())
    missed = [  # make_weights exits 1 exactly when the new file misses a target
        k
        for k, (op, goal) in zoo.get_weights("mlp.primer").targets.items()
        if not (card["metrics"][k] >= goal if op == ">=" else card["metrics"][k] <= goal)
    ]
    assert result.returncode == (1 if missed else 0), (missed, result.stdout[-2000:])
    assert card["training"]["epochs"] == 50 and card["storage_dtype"] == "float32"
    assert card["checkpoint"].startswith("last.ckpt")
    from safetensors.torch import load_file

    state = load_file(tmp_path / "out" / "mlp-primer.safetensors")
    assert sum(v.numel() for v in state.values()) == card["num_params"] == 9


def test_the_tooling_stays_out_of_the_package():
    assert not list((ROOT / "src" / "zoo").rglob("*making*"))
    assert not list((ROOT / "src" / "zoo").rglob("*tooling*"))
    source = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    assert "weights_tooling" not in source and "make_weights import" not in source

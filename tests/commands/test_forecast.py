"""zoo.commands.forecast, in this process: a failed forecast leaves no partial output, and
contradictory sources are refused."""

import os

import pytest

from ..conftest import full_disk, monthly_csv, run_in_process


def test_a_failed_forecast_leaves_no_partial_output_to_block_the_rerun(tmp_path, monkeypatch):
    from zoo.commands import forecast

    data = monthly_csv(tmp_path / "sales.csv")
    out = tmp_path / "out" / "f.csv"
    wrote = []
    full_disk(monkeypatch, when=lambda: wrote.append(1) or len(wrote) > 1)  # the PNG fails
    with pytest.raises(SystemExit, match=f"error: the disk holding {out.parent} is full"):
        forecast.main(["--weights", "rnn-m3-monthly", str(data), "--out", str(out)])
    assert os.listdir(out.parent) == []  # the CSV written before the PNG is gone again
    monkeypatch.undo()
    forecast.main(["--weights", "rnn-m3-monthly", str(data), "--out", str(out)])
    assert sorted(os.listdir(out.parent)) == ["f.csv", "f.png"]


def test_forecast_refuses_a_checkpoint_and_weights_together(monkeypatch, capsys):
    code, _, err = run_in_process(
        "forecast.py",
        *("--weights", "rnn-m3-monthly", "run.ckpt", "--m3", "monthly"),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 2 and "not both" in err

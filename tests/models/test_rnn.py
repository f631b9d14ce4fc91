"""zoo.models.rnn: the global RNN trains the same through the ensemble kernel, and every
cell type learns."""

import pytest
import torch

import zoo
from zoo.data import PanelDataModule
from zoo.models import GlobalRNN

from ..conftest import all_batches


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_type_learns_the_sine(config, cell):
    cfg = config(
        "model=rnn",
        "data=sine",
        f"model.cell={cell}",
        "model.hidden_size=16",
        "model.num_layers=1",
        "logger=none",
        "trainer.max_epochs=5",
        "data.batch_size=16",
        "task.lr=0.01",
        "test=false",
    )
    metrics = zoo.train(cfg).metrics
    data = PanelDataModule(source="sine", horizon=10, input_length=50, season_length=25)
    data.setup("fit")
    valid = all_batches(data.val_set)
    naive_mae = (valid["y"] - valid["x"][:, -1:]).abs().mean().item()  # the last value repeated
    assert metrics["val/mae"] < 0.5 * naive_mae, (metrics["val/mae"], naive_mae)


def test_rnn_forecaster_trains_the_same_with_the_ensemble_kernel(monkeypatch):
    """GlobalRNN's training forward (the kernel) equals its evaluation forward (each
    member's nn.GRU), and a loss's gradients equal those through nn.GRU."""
    torch.manual_seed(0)
    model = zoo.models.create_model(
        "rnn", horizon=3, input_length=12, season_length=4, hidden_size=8, ensemble_size=3
    )
    from zoo.models import ensemble_gru

    x = torch.rand(6, 12) + 1.0
    mask = torch.ones_like(x, dtype=torch.bool)
    calls = []
    kernel = ensemble_gru.ensemble_gru
    monkeypatch.setattr(ensemble_gru, "ensemble_gru", lambda *a: calls.append(1) or kernel(*a))
    model.train()
    fused, _ = model.scaled_forward(x, mask)
    assert calls, "the training forward did not go through the kernel"
    fused.square().sum().backward()
    fused_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    monkeypatch.setattr(ensemble_gru, "applies", lambda grus, features: False)
    reference, _ = model.scaled_forward(x, mask)
    reference.square().sum().backward()
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    for p, got in zip(model.parameters(), fused_grads, strict=True):
        torch.testing.assert_close(got, p.grad, rtol=0, atol=1e-4)


@pytest.mark.parametrize("origins", [1, 3])
def test_the_cell_reads_only_the_last_recurrent_length_values(origins):
    """With `recurrent_length` R the cell reads the window's last R values: without
    deseasonalising, log scaling takes its level from the last season alone, so values
    before those R change no forecast; reading the whole window, they do."""
    torch.manual_seed(0)
    span = 24 + origins - 1
    x = 10 + torch.rand(4, span)
    mask = torch.ones_like(x, dtype=torch.bool)
    changed = x.clone()
    changed[:, :16] *= 2  # the first 16 values of the first origin's window of 24
    settings = dict(horizon=3, input_length=24, season_length=4, hidden_size=8, deseasonalize=False)
    short = GlobalRNN(**settings, recurrent_length=8)
    whole = GlobalRNN(**settings)
    whole.load_state_dict(short.state_dict())
    z, _ = short.forecast_origins(x, mask, origins)
    z_changed, _ = short.forecast_origins(changed, mask, origins)
    torch.testing.assert_close(z_changed, z, rtol=0, atol=0)
    z, _ = whole.forecast_origins(x, mask, origins)
    z_changed, _ = whole.forecast_origins(changed, mask, origins)
    assert not torch.allclose(z_changed, z)


def test_a_recurrence_longer_than_the_window_is_refused_with_the_keys_to_change():
    """The cell cannot read more values than the window holds: zoo's one-line error names
    both keys (the length was cut to the window's silently before)."""
    with pytest.raises(zoo.ConfigError, match=r"model 'rnn': recurrent_length \(16\) is longer"):
        zoo.models.create_model("rnn", horizon=3, input_length=12, recurrent_length=16)
    with pytest.raises(ValueError, match=r"raise data.input_length"):
        GlobalRNN(horizon=3, input_length=12, recurrent_length=13)
    assert GlobalRNN(horizon=3, input_length=12, recurrent_length=12).recurrent_length == 12


def test_the_drift_baseline_starts_at_the_level_plus_half_the_windows_slope():
    """baseline="drift": before training (its head starts at zero) the network forecasts the
    window's level, the mean of its last season, plus half its least-squares slope a step,
    counted from that season's middle (the Theta method's drift): on a straight line of
    slope 2, the level plus 1 a step; with log scaling, on a growth of 10% a step, 5%."""
    line = 5 + 2 * torch.arange(12.0).unsqueeze(0)
    network = GlobalRNN(horizon=3, input_length=12, season_length=4, scaling="standard",
                        baseline="drift", deseasonalize=False, hidden_size=4).eval()  # fmt: skip
    level = line[0, -4:].mean()  # at step 9.5; the forecast steps are 12, 13, 14
    expected = level + torch.tensor([2.5, 3.5, 4.5])
    torch.testing.assert_close(network(line)[0], expected, rtol=0, atol=1e-4)
    padded = line.clone()  # a shorter series: its first four values padding, junk in them
    padded[0, :4] = torch.tensor([1e3, -7.0, 0.0, 55.0])
    mask = torch.arange(12).unsqueeze(0) >= 4
    torch.testing.assert_close(network(padded, mask)[0], expected, rtol=0, atol=1e-4)
    growth = torch.exp(0.1 * torch.arange(12.0)).unsqueeze(0)  # as a config builds it:
    network = zoo.models.create_model(
        "rnn", horizon=3, input_length=12, baseline="drift", hidden_size=4
    ).eval()
    expected = growth[0, -1] * torch.exp(0.05 * torch.arange(1.0, 4.0))
    torch.testing.assert_close(network(growth)[0], expected, rtol=1e-5, atol=0)

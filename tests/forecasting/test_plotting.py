"""zoo.forecasting.plotting: forecast plots draw the held-out truth."""

import torch
from PIL import Image


def test_the_forecast_plot_draws_the_held_out_truth(tmp_path):
    import pandas as pd

    from zoo.forecasting import plot_forecasts
    from zoo.timeseries import Panel

    history = Panel.from_series(pd.Series([float(v) for v in range(1, 25)]), "s")
    forecast = pd.DataFrame(
        {"unique_id": "s", "ds": range(24, 30), "m": [25.0] * 6, "y": [26.0] * 6}
    )
    plot_forecasts(history, forecast, ["s"], tmp_path / "f.png")
    assert Image.open(tmp_path / "f.png").size[0] > 0
    from zoo.plots import forecast_grid

    figure = forecast_grid([("s", torch.ones(4), torch.ones(2), torch.zeros(2))])
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "held-out truth" in labels and "history" in labels

"""zoo.timeseries.output: forecasts as a long frame after each series' end."""

import torch

from zoo.timeseries import Panel, forecast_frame


def test_forecast_frame_is_long_format_after_each_series_end():
    panel = Panel.from_arrays(["a", "b"], [[1.0, 2, 3], [5.0, 6]], starts=[0, 10])
    frame = forecast_frame(panel, {"rnn": torch.tensor([[4.0, 5.0], [7.0, 8.0]])})
    assert frame.to_dict("list") == {
        "unique_id": ["a", "a", "b", "b"],
        "ds": [3, 4, 12, 13],
        "rnn": [4.0, 5.0, 7.0, 8.0],
    }

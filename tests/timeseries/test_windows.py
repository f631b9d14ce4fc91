"""zoo.timeseries.windows: windows are an index into the panel, not copies."""

import numpy as np
import torch

from zoo.timeseries import Panel
from zoo.timeseries.windows import PanelWindows


def test_windows_are_an_index_not_copies():
    panel = Panel.from_arrays(["s"], [np.arange(1000.0)])
    windows = PanelWindows(panel, 24, 6, torch.tensor([1]), torch.tensor([994]))
    assert len(windows) == 994
    assert windows.panel.values.data_ptr() == panel.values.data_ptr()
    assert windows[993]["y"].tolist() == [994, 995, 996, 997, 998, 999]

"""Panels the time-series tests share."""

import numpy as np

from zoo.timeseries import Panel


def ramps() -> Panel:
    """'a' = 0..29 and 'b' = 100..119: each value is 100 * series + its position."""
    return Panel.from_arrays(["a", "b"], [np.arange(30.0), 100 + np.arange(20.0)])

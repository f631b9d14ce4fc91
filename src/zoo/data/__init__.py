"""Lightning data modules, every one held in memory as tensors."""

from zoo.data.forecasting import PanelDataModule
from zoo.data.mnist import DATA_ROOT_ENV, MNISTDataModule, default_data_root
from zoo.data.panel import Panel, panel_from_frame, read_long_frame
from zoo.data.series_sources import M3_GROUPS, SOURCES, m3_panel
from zoo.data.tensors import ClassificationDataModule, InMemoryDataModule, TensorSet
from zoo.data.toy import XOR, LinearlySeparable, PrimerPeople
from zoo.data.windows import PanelWindows, forecast_windows, last_windows

__all__ = [
    "DATA_ROOT_ENV",
    "M3_GROUPS",
    "SOURCES",
    "XOR",
    "ClassificationDataModule",
    "InMemoryDataModule",
    "LinearlySeparable",
    "MNISTDataModule",
    "Panel",
    "PanelDataModule",
    "PanelWindows",
    "PrimerPeople",
    "TensorSet",
    "default_data_root",
    "forecast_windows",
    "last_windows",
    "m3_panel",
    "panel_from_frame",
    "read_long_frame",
]

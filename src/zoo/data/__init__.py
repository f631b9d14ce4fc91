"""Lightning data modules, every one held in memory as tensors."""

from zoo.data.mnist import DATA_ROOT_ENV, MNISTDataModule, default_data_root
from zoo.data.series_sources import SOURCES, read_csv_series
from zoo.data.tensors import ClassificationDataModule, InMemoryDataModule, TensorSet
from zoo.data.timeseries import SeriesDataModule, target_windows
from zoo.data.toy import XOR, LinearlySeparable, PrimerPeople

__all__ = [
    "DATA_ROOT_ENV",
    "SOURCES",
    "XOR",
    "ClassificationDataModule",
    "InMemoryDataModule",
    "LinearlySeparable",
    "MNISTDataModule",
    "PrimerPeople",
    "SeriesDataModule",
    "TensorSet",
    "default_data_root",
    "read_csv_series",
    "target_windows",
]

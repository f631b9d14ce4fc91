"""Lightning data modules, every one held in memory as tensors. The forecasting domain
itself (panels, windows, sources) is `zoo.forecasting`, which imports no Lightning."""

from zoo.data.forecasting import PanelDataModule
from zoo.data.mnist import DATA_ROOT_ENV, MNISTDataModule, default_data_root
from zoo.data.tensors import ClassificationDataModule, InMemoryDataModule, TensorSet
from zoo.data.toy import XOR, LinearlySeparable, PrimerPeople

__all__ = [
    "DATA_ROOT_ENV",
    "XOR",
    "ClassificationDataModule",
    "InMemoryDataModule",
    "LinearlySeparable",
    "MNISTDataModule",
    "PanelDataModule",
    "PrimerPeople",
    "TensorSet",
    "default_data_root",
]

"""Lightning data modules, every one held in memory as tensors."""

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
    "PrimerPeople",
    "TensorSet",
    "default_data_root",
]

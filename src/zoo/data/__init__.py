"""Lightning data modules, held in memory as tensors (image folders too big for memory are
streamed from their files). Your own data: `ImageFolderData` (class folders of images) and
`TableData` (a CSV or Parquet table, or a DataFrame). The forecasting domain itself
(panels, windows, sources) is `zoo.forecasting`, which imports no Lightning."""

from zoo.data.folders import ImageFolderData
from zoo.data.forecasting import PanelDataModule
from zoo.data.mnist import DATA_ROOT_ENV, MNISTDataModule, default_data_root
from zoo.data.table import TableData
from zoo.data.tensors import ClassificationDataModule, InMemoryDataModule, TensorSet
from zoo.data.toy import XOR, LinearlySeparable, PrimerPeople

__all__ = [
    "DATA_ROOT_ENV",
    "XOR",
    "ClassificationDataModule",
    "ImageFolderData",
    "InMemoryDataModule",
    "LinearlySeparable",
    "MNISTDataModule",
    "PanelDataModule",
    "PrimerPeople",
    "TableData",
    "TensorSet",
    "default_data_root",
]

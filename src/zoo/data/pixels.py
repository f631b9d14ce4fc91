"""Images held as uint8 pixels: batches become floats in [0, 1] on the device, and only
training batches are augmented there (random shifts and rotations). MNIST and image
folders share it."""

import math

import torch
import torch.nn.functional as F

from zoo.constraints import Interval
from zoo.data.tensors import ClassificationDataModule, TrainingBatch


def random_affine(images: torch.Tensor, max_shift: float, max_degrees: float) -> torch.Tensor:
    """Shift each image by up to `max_shift` of its size and rotate it by up to `max_degrees`."""
    n = images.shape[0]
    angle = (torch.rand(n, device=images.device) * 2 - 1) * math.radians(max_degrees)
    shift = (torch.rand(n, 2, device=images.device) * 2 - 1) * max_shift * 2  # grid spans 2
    cos, sin = angle.cos(), angle.sin()
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # (N, 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False, padding_mode="zeros")


class PixelImageDataModule(ClassificationDataModule):
    """Images whose batches arrive as uint8 pixels, (B, H, W) or (B, C, H, W).

    Each batch becomes floats in [0, 1] shaped (B, C, H, W) on the device; training batches
    (only they, whoever converts them) are augmented with random shifts of up to
    `max_shift` of the size and rotations of up to `max_degrees` when `augment` is set.
    When training runs on an accelerator and no workers load the data, the whole data set
    is copied there once (`setup`) rather than batch by batch.
    """

    augment: bool = False
    max_shift: float = 0.1
    max_degrees: float = 10.0
    parameter_constraints = {  # of the modules that take them (zoo.constraints)
        "augment": bool,
        "max_shift": Interval(float, 0, 1),
        "max_degrees": Interval(float, 0, 180),
    }

    def setup(self, stage: str | None = None) -> None:
        if not hasattr(self, "train_set"):
            self._load()
        device = self.trainer.strategy.root_device if self.trainer is not None else None
        if device is not None and device.type != "cpu" and self.num_workers == 0:
            for dataset in (self.train_set, self.val_set, self.test_set):
                if hasattr(dataset, "to"):  # tensors held in memory (not streamed files)
                    dataset.to(device)  # no-op once there

    def _load(self) -> None:
        """Fill `train_set`, `val_set` and `test_set`."""
        raise NotImplementedError

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        """uint8 images -> floats in [0, 1]; augmented only if the batch is a `TrainingBatch`
        (from `train_dataloader`), never a validation or test batch, whatever the trainer
        is doing when this is called."""
        images, labels = batch
        x = images.float().div_(255)
        if x.dim() == 3:  # (B, H, W) grayscale -> (B, 1, H, W)
            x = x.unsqueeze(1)
        if self.augment and isinstance(batch, TrainingBatch):
            x = random_affine(x, self.max_shift, self.max_degrees)
        return x, labels

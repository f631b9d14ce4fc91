"""zoo.models.cnn: a training step uses only operations deterministic on CUDA, and its
pooling equals adaptive average pooling."""

import pytest
import torch
import torch.nn.functional as F

import zoo
from zoo.models.cnn import AdaptiveAvgPool

from ..conftest import RecordAtenOps

# aten operations whose CUDA kernels have no deterministic implementation: with
# trainer.deterministic=true they raise on a GPU (torch.use_deterministic_algorithms' list)
NONDETERMINISTIC_ON_CUDA = {
    "_adaptive_avg_pool2d_backward",
    "_adaptive_avg_pool3d_backward",
    "adaptive_max_pool2d_backward",
    "avg_pool3d_backward",
    "max_pool3d_with_indices_backward",
    "fractional_max_pool2d_backward",
    "max_unpool2d",
    "upsample_bilinear2d_backward",
    "grid_sampler_2d_backward",
    "reflection_pad2d_backward",
    "replication_pad2d_backward",
    "nll_loss2d_forward",
    "index_add",
    "scatter_add",
    "put_",
    "histc",
    "bincount",
    "kthvalue",
    "median",
    "cumsum",
}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channels": [32, 64]},  # conf/model/cnn.yaml: 7x7 map, global pooling
        {"channels": [32, 64], "pool_size": 3},  # 7x7 -> 3x3, overlapping windows
        {"channels": [32, 64, 128], "pool_size": 3},  # the MNIST recipe: 3x3 -> 3x3
    ],
)
def test_cnn_training_step_uses_only_ops_deterministic_on_cuda(kwargs):
    model = zoo.create_model("cnn", **kwargs)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    with RecordAtenOps() as ops:
        F.cross_entropy(model(x), y, label_smoothing=0.1).backward()
    assert not {n.rstrip("_") for n in NONDETERMINISTIC_ON_CUDA} & ops.names


@pytest.mark.parametrize(("size", "out"), [(7, 1), (7, 3), (3, 3), (14, 3), (5, 2), (6, 3)])
def test_cnn_pooling_equals_adaptive_average_pooling(size, out):
    x = torch.randn(4, 5, size, size, dtype=torch.float64, requires_grad=True)
    pooled = AdaptiveAvgPool(out)(x)
    expected = torch.nn.AdaptiveAvgPool2d(out)(x)
    assert pooled.shape == expected.shape and torch.allclose(pooled, expected)
    weights = torch.randn_like(expected)
    (grad,) = torch.autograd.grad((pooled * weights).sum(), x)
    (expected_grad,) = torch.autograd.grad((expected * weights).sum(), x)
    assert torch.allclose(grad, expected_grad)

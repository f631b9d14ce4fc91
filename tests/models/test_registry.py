"""Every registered network: right output shape, gradients reach every parameter."""

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

import zoo
from zoo.models import SigmoidMLP, UnknownModelError, build, register_model
from zoo.models.cnn import AdaptiveAvgPool

# name -> (constructor arguments, an input batch, expected output shape)
EXAMPLES = {
    "perceptron": ({"in_features": 6, "num_classes": 3}, torch.randn(4, 6), (4, 3)),
    "mlp": (
        {"in_features": 6, "hidden_sizes": [5, 4], "num_classes": 3},
        torch.randn(4, 6),
        (4, 3),
    ),
    "cnn": (
        {"in_channels": 1, "num_classes": 10, "channels": [4, 8]},
        torch.randn(4, 1, 28, 28),
        (4, 10),
    ),
    "rnn": (
        {"horizon": 5, "input_length": 12, "hidden_size": 8, "ensemble_size": 2, "linear": True},
        torch.rand(4, 12) + 0.5,  # positive: log scaling
        (4, 5),
    ),
}


def test_every_model_has_an_example():
    assert sorted(EXAMPLES) == zoo.list_models()


@pytest.mark.parametrize("name", zoo.list_models())
def test_output_shape_and_every_parameter_gets_a_gradient(name):
    kwargs, x, shape = EXAMPLES[name]
    model = zoo.create_model(name, **kwargs)
    with torch.no_grad():  # the perceptron starts at w = 0, which would block the input grad
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    out = model(x.requires_grad_())
    assert out.shape == shape
    out.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{name}.{pname} got no gradient"


def primer_mlp(hidden: int, weights: list[list[list[float]]], biases: list[list[float]]):
    """The registered sigmoid MLP, 2 inputs, `hidden` sigmoid units, one output unit, in
    float64 with the given weights and biases, layer by layer."""
    mlp = zoo.create_model("mlp", in_features=2, hidden_sizes=[hidden], num_classes=2).double()
    layers = [m for m in mlp.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for layer, w, b in zip(layers, weights, biases, strict=True):
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))
    return mlp.eval()


def test_primer_golden_neuron_through_the_registered_mlp():
    # The primer's neuron: weights [0, 1], bias 4, input [2, 3] -> sigmoid(7). It is the
    # hidden unit; the output layer passes it on unchanged (weight 1, bias 0).
    mlp = primer_mlp(1, weights=[[[0.0, 1.0]], [[1.0]]], biases=[[4.0], [0.0]])
    x = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    assert mlp(x).item() == pytest.approx(0.9990889488055994, abs=1e-15)


def test_primer_network_through_the_registered_mlp():
    # The primer's 2-2-1 network, every neuron with weights [0, 1] and bias 0, input [2, 3]:
    # h1 = h2 = sigmoid(3) = 0.9526, o1 = sigmoid(h2) = 0.7216
    mlp = primer_mlp(
        2, weights=[[[0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0]]], biases=[[0.0, 0.0], [0.0]]
    )
    output = torch.sigmoid(mlp(torch.tensor([[2.0, 3.0]], dtype=torch.float64)))
    assert output.item() == pytest.approx(0.7216325609518421, abs=1e-15)


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(UnknownModelError, match="cnn, mlp, perceptron, rnn"):
        zoo.create_model("transformer")


def test_unknown_argument_lists_the_model_arguments():
    with pytest.raises(zoo.ConfigError, match="hidden_sizes"):
        zoo.create_model("mlp", in_features=2, hiden_sizes=[3])


def test_registering_a_name_twice_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("mlp")(SigmoidMLP)


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


class RecordAtenOps(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.overloadpacket.__name__.rstrip("_"))
        return func(*args, **(kwargs or {}))


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


def test_ensemble_gru_matches_nn_gru_outputs_and_gradients():
    """The batched CPU kernel against the reference it replaces in training: each member's
    nn.GRU run alone. Outputs and every parameter's gradient agree to 1e-4 (float32)."""
    from zoo.models.ensemble_gru import applies, ensemble_gru

    torch.manual_seed(0)
    grus = [torch.nn.GRU(2, 16, batch_first=True) for _ in range(3)]
    features = torch.randn(5, 9, 2)
    target = torch.randn(3, 5, 16)
    assert applies(grus, features)

    def loss_and_grads(outputs):
        for g in grus:
            g.zero_grad()
        ((outputs - target) ** 2).sum().backward()
        return [p.grad.clone() for g in grus for p in g.parameters()]

    reference = torch.stack([g(features)[0][:, -1] for g in grus])
    reference_grads = loss_and_grads(reference)
    fused = ensemble_gru(features, grus)
    fused_grads = loss_and_grads(fused)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    assert reference.abs().max() > 0.1  # outputs that say something
    for got, want in zip(fused_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
        assert want.abs().max() > 1e-3
    # two graphs alive at once (the kernel reuses buffers between calls): still exact
    other = torch.randn(5, 9, 2)
    reference = torch.stack([g(features)[0][:, -1] for g in grus]) + torch.stack(
        [g(other)[0][:, -1] for g in grus]
    )
    reference_grads = loss_and_grads(reference)
    fused = ensemble_gru(features, grus) + ensemble_gru(other, grus)
    fused_grads = loss_and_grads(fused)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    for got, want in zip(fused_grads, reference_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
    with torch.no_grad():  # evaluation, export, autocast and other cells: nn.GRU itself
        assert not applies(grus, features)
    assert not applies([torch.nn.GRU(2, 16, num_layers=2)], features)
    assert not applies([torch.nn.LSTM(2, 16)], features)


def test_rnn_forecaster_trains_the_same_with_the_ensemble_kernel(monkeypatch):
    """GlobalRNN's training forward (the kernel) equals its evaluation forward (each
    member's nn.GRU), and a loss's gradients equal those through nn.GRU."""
    torch.manual_seed(0)
    model = zoo.models.create_model(
        "rnn", horizon=3, input_length=12, season_length=4, hidden_size=8, ensemble_size=3
    )
    from zoo.models import ensemble_gru

    x = torch.rand(6, 12) + 1.0
    mask = torch.ones_like(x, dtype=torch.bool)
    calls = []
    kernel = ensemble_gru.ensemble_gru
    monkeypatch.setattr(ensemble_gru, "ensemble_gru", lambda *a: calls.append(1) or kernel(*a))
    model.train()
    fused, _ = model.scaled_forward(x, mask)
    assert calls, "the training forward did not go through the kernel"
    fused.square().sum().backward()
    fused_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    monkeypatch.setattr(ensemble_gru, "applies", lambda grus, features: False)
    reference, _ = model.scaled_forward(x, mask)
    reference.square().sum().backward()
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-4)
    for p, got in zip(model.parameters(), fused_grads, strict=True):
        torch.testing.assert_close(got, p.grad, rtol=0, atol=1e-4)


def test_each_models_weights_enum_is_declared_beside_it_and_names_it():
    enums = zoo.models.weights_enums()
    assert sorted(enums) == ["cnn", "mlp", "perceptron", "rnn"]
    for name, enum in enums.items():
        assert enum.__module__ == zoo.models.get_model_builder(name).__module__
        assert all(member.value.model == name for member in enum)
    assert zoo.list_weights() == sorted(m.value.id for e in enums.values() for m in e)


def test_registering_another_models_weights_fails():
    class Other(torch.nn.Module):
        pass

    with pytest.raises(ValueError, match="holds weights of another model: .'MNIST'."):
        register_model("other", weights=zoo.models.CNN_Weights)(Other)
    assert "other" not in zoo.list_models()


def test_build_rebuilds_a_network_from_its_name_arguments_and_state():
    trained = zoo.create_model("mlp", in_features=3, hidden_sizes=[4])
    state = {k: v.half() for k, v in trained.state_dict().items()}  # as a float16 file holds it
    rebuilt = build("mlp", {"in_features": 3, "hidden_sizes": [4]}, state)
    assert not rebuilt.training
    assert all(p.dtype == torch.float32 for p in rebuilt.parameters())
    for name, value in rebuilt.state_dict().items():
        assert torch.equal(value, state[name].float()), name
    fresh = build("mlp", {"in_features": 3})
    assert fresh.training and isinstance(fresh, SigmoidMLP)


def test_build_names_the_source_and_every_difference_of_a_state_that_does_not_fit():
    state = zoo.create_model("mlp", in_features=3, hidden_sizes=[4]).state_dict()
    state["extra"] = torch.zeros(1)
    del state["layers.1.bias"]
    state["layers.3.weight"] = torch.zeros(1, 5)
    with pytest.raises(zoo.DataError) as error:
        build("mlp", {"in_features": 3, "hidden_sizes": [4]}, state, source="run.ckpt", fix="redo")
    message = str(error.value)
    assert message.startswith("run.ckpt does not fit SigmoidMLP(in_features=3, hidden_sizes=[4])")
    assert "missing layers.1.bias" in message and "unexpected extra" in message
    assert "layers.3.weight (1, 5), not (1, 4)" in message and message.endswith("; redo")
    state = zoo.create_model("perceptron", in_features=2).state_dict()
    state["linear.bias"] = [0.0]
    with pytest.raises(zoo.DataError, match="not tensors: linear.bias"):
        build("perceptron", {"in_features": 2}, state)


def test_a_checkpoint_whose_network_does_not_fit_is_refused_naming_it(tmp_path):
    path = tmp_path / "run.ckpt"
    hparams = {"model_name": "mlp", "model_kwargs": {"in_features": 2}}
    state = {"model.layers.1.weight": torch.zeros(2, 2)}  # the rest is missing
    checkpoint = {"zoo_task": "ClassificationTask", "hyper_parameters": hparams}
    checkpoint["state_dict"] = state
    torch.save(checkpoint, path)
    with pytest.raises(zoo.DataError, match=f"{path} does not fit SigmoidMLP.*missing layers.1.b"):
        zoo.load_model(path)

"""Every registered network: right output shape, gradients reach every parameter."""

import pytest
import torch

import zoo
from zoo.models import SigmoidMLP, UnknownModelError, register_model, sigmoid_neuron

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
    "rnn": ({"horizon": 5, "hidden_size": 8}, torch.randn(4, 12), (4, 5)),
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


def test_golden_sigmoid_neuron():
    # The primer's neuron: weights [0, 1], bias 4, input [2, 3] -> sigmoid(7)
    x = torch.tensor([2.0, 3.0], dtype=torch.float64)
    out = sigmoid_neuron(x, torch.tensor([0.0, 1.0], dtype=torch.float64), 4.0)
    assert out.item() == pytest.approx(0.9990889488055994, abs=1e-15)


def test_golden_neuron_as_a_one_unit_mlp_layer():
    mlp = SigmoidMLP(in_features=2, hidden_sizes=[1]).double()
    hidden = mlp.layers[1]
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[0.0, 1.0]]))
        hidden.bias.fill_(4.0)
    out = mlp.layers[2](hidden(torch.tensor([[2.0, 3.0]], dtype=torch.float64)))
    assert out.item() == pytest.approx(0.9990889488055994, abs=1e-15)


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(UnknownModelError, match="cnn, mlp, perceptron, rnn"):
        zoo.create_model("transformer")


def test_unknown_argument_lists_the_model_arguments():
    with pytest.raises(zoo.ConfigError, match="hidden_sizes"):
        zoo.create_model("mlp", in_features=2, hiden_sizes=[3])


def test_registering_a_name_twice_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("mlp")(SigmoidMLP)

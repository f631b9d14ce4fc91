"""zoo.models.mlp: the registered sigmoid MLP computes the primer's golden numbers."""

import pytest
import torch

import zoo


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

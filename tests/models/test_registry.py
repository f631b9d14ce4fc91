"""zoo.models.registry: every registered network gives the right output shape and sends
gradients to every parameter; names, arguments, weights enums and `build` are checked."""

import pytest
import torch

import zoo
from zoo.models import SigmoidMLP, UnknownModelError, build, register_model

from ..conftest import EXAMPLES


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


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(UnknownModelError, match="cnn, mlp, perceptron, rnn"):
        zoo.create_model("transformer")


def test_unknown_argument_lists_the_model_arguments():
    with pytest.raises(zoo.ConfigError, match="hidden_sizes"):
        zoo.create_model("mlp", in_features=2, hiden_sizes=[3])


def test_registering_a_name_twice_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("mlp")(SigmoidMLP)


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

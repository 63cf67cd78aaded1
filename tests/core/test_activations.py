"""Every activation builds, and its derivative (by autograd) matches the lesson's facts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.catalogue.activations import ACTIVATIONS, build_activation, curve, derivative

EXPECTED = {
    "identity",
    "step",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
    "mish",
    "hardtanh",
    "softmax",
    "log_softmax",
}


def test_catalogue_is_complete():
    assert set(ACTIVATIONS.names()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_builds_and_has_curve(name):
    comp = ACTIVATIONS.normalize(name)
    module = build_activation(comp, 4)
    assert module(torch.randn(3, 4)).shape == (3, 4)
    x, y, dy = curve(comp)
    assert x.shape == y.shape == dy.shape == (1000,)
    assert x[0] == -20 and x[-1] == 20
    assert np.isfinite(y).all() and np.isfinite(dy).all()
    assert ACTIVATIONS.get(name).help


def test_sigmoid_derivative_max_quarter_and_saturates():
    x, y, dy = curve("sigmoid")
    assert abs(dy.max() - 0.25) < 1e-4
    assert dy[np.abs(x) > 6].max() < 0.0025
    assert y.min() > 0 and y.max() < 1 + 1e-7


def test_tanh_relu_derivatives():
    x, _, dy = curve("tanh")
    assert abs(dy.max() - 1.0) < 1e-3 and dy[np.abs(x) > 3].max() < 0.01
    x, y, dy = curve("relu")
    assert set(np.unique(dy)) <= {0.0, 1.0}
    assert (y[x < 0] == 0).all()


def test_leaky_relu_slope_and_step_zero_gradient():
    x, _, dy = curve({"name": "leaky_relu", "negative_slope": 0.2})
    assert np.allclose(dy[x < 0], 0.2)
    x, y, dy = curve("step")
    assert set(np.unique(y)) == {0.0, 1.0} and (dy == 0).all()
    assert not ACTIVATIONS.get("step").trainable_by_gradient


def test_step_straight_through_passes_gradient():
    module = build_activation({"name": "step", "gradient": "straight-through"})
    z = torch.tensor([[-0.3, 0.7]], requires_grad=True)
    out = module(z)
    assert out.tolist() == [[0.0, 1.0]]
    out.sum().backward()
    assert z.grad.tolist() == [[1.0, 1.0]]


def test_softmax_lesson_example():
    scores = torch.tensor([[0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75]])
    p = build_activation({"name": "softmax"})(scores)
    assert round(float(p.max()), 4) == 0.7392
    assert abs(float(p.sum()) - 1) < 1e-6


def test_softmax_derivative_is_jacobian_diagonal():
    z = torch.randn(4, 3)
    module = build_activation({"name": "softmax"})
    d = derivative(module, z, elementwise=False)
    jac = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), z[0])
    assert torch.allclose(d[0], torch.diagonal(jac), atol=1e-6)


def test_unknown_activation_is_refused():
    from nnstudio.core.catalogue.params import ParamError

    with pytest.raises(ParamError, match="unknown activation 'relu6'"):
        ACTIVATIONS.normalize("relu6")
    with pytest.raises(ParamError, match="no parameter 'slope'"):
        ACTIVATIONS.normalize({"name": "elu", "slope": 1})

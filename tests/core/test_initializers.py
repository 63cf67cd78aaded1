"""Initialisers follow the lesson's formulas (statistically) and explicit values exactly."""

from __future__ import annotations

import math

import pytest
import torch

from nnstudio.core.catalogue.initializers import INITIALIZERS, apply_initializer, is_symmetric
from nnstudio.core.catalogue.params import ParamError

FAN_IN, FAN_OUT = 400, 300


def filled(name: str, **params) -> torch.Tensor:
    t = torch.empty(FAN_OUT, FAN_IN)
    torch.manual_seed(0)
    apply_initializer(t, INITIALIZERS.normalize({"name": name, **params}), FAN_IN, FAN_OUT)
    return t


def test_catalogue_complete():
    assert set(INITIALIZERS.names()) == {
        "default",
        "uniform",
        "uniform_fan_in",
        "normal",
        "zeros",
        "ones",
        "constant",
        "xavier_uniform",
        "xavier_normal",
        "kaiming_uniform",
        "kaiming_normal",
        "orthogonal",
        "explicit",
    }


def test_uniform_fan_in_bound():
    t = filled("uniform_fan_in")
    bound = 1 / math.sqrt(FAN_IN)
    assert t.abs().max() <= bound and t.abs().max() > 0.99 * bound


@pytest.mark.parametrize(
    "name,std",
    [
        ("kaiming_normal", math.sqrt(2 / FAN_IN)),
        ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("normal", 1.0),
    ],
)
def test_normal_stds(name, std):
    t = filled(name)
    assert abs(float(t.std()) / std - 1) < 0.02
    assert abs(float(t.mean())) < 0.02 * std * 10


@pytest.mark.parametrize(
    "name,limit",
    [
        ("kaiming_uniform", math.sqrt(6 / FAN_IN)),
        ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ],
)
def test_uniform_limits(name, limit):
    t = filled(name)
    assert t.abs().max() <= limit + 1e-7 and t.abs().max() > 0.99 * limit


def test_matches_torch_functions_with_same_seed():
    t = filled("kaiming_normal", mode="fan_out", nonlinearity="leaky_relu", negative_slope=0.1)
    ref = torch.empty(FAN_OUT, FAN_IN)
    torch.manual_seed(0)
    torch.nn.init.kaiming_normal_(ref, a=0.1, mode="fan_out", nonlinearity="leaky_relu")
    assert torch.allclose(t, ref)
    t = filled("xavier_uniform", gain=2.0)
    torch.manual_seed(0)
    torch.nn.init.xavier_uniform_(ref, gain=2.0)
    assert torch.allclose(t, ref)


def test_constant_family_and_orthogonal():
    assert (filled("zeros") == 0).all() and (filled("ones") == 1).all()
    assert (filled("constant", value=0.3) == 0.3).all()
    q = filled("orthogonal")
    assert torch.allclose(q @ q.T, torch.eye(FAN_OUT), atol=1e-4)


def test_explicit_values_exact_broadcast_and_wrong_count():
    t = torch.empty(2, 2)
    apply_initializer(t, {"name": "explicit", "values": [[0.15, 0.2], [0.25, 0.3]]}, 2, 2)
    assert torch.allclose(t, torch.tensor([[0.15, 0.2], [0.25, 0.3]]))
    b = torch.empty(2)
    apply_initializer(b, {"name": "explicit", "values": [[0.35]]}, 2, 2)
    assert b.tolist() == pytest.approx([0.35, 0.35])
    with pytest.raises(ParamError, match="3 numbers"):
        apply_initializer(t, {"name": "explicit", "values": [[1, 2, 3]]}, 2, 2)


def test_symmetry_detection():
    assert is_symmetric({"name": "zeros"}) and is_symmetric({"name": "constant", "value": 2})
    assert not is_symmetric({"name": "kaiming_normal"})
    assert is_symmetric({"name": "explicit", "values": [[1, 2], [1, 2]]})
    assert not is_symmetric({"name": "explicit", "values": [[0.15, 0.2], [0.25, 0.3]]})

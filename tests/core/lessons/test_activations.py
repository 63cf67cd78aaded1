"""The activation explorer's numbers: the lesson's sampling, derivatives and saturation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.lessons.activations import (
    LESSON_POINTS,
    LESSON_RANGE,
    activation_curve,
    advice,
    saturation_zones,
    value_at,
)


def test_curves_are_sampled_as_the_lesson_does():
    result = activation_curve("sigmoid")
    assert LESSON_RANGE == (-20.0, 20.0)
    assert LESSON_POINTS == 1000
    assert len(result.x) == 1000
    assert (result.x[0], result.x[-1]) == (-20.0, 20.0)


def test_the_derivative_is_autograds_for_sigmoid_and_tanh():
    x = torch.linspace(-20, 20, 1000, requires_grad=True)
    (expected,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    np.testing.assert_allclose(activation_curve("sigmoid").df, expected.numpy(), atol=1e-7)
    (expected,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    np.testing.assert_allclose(activation_curve("tanh").df, expected.numpy(), atol=1e-7)


def test_the_sigmoid_derivative_peaks_at_a_quarter_and_tanhs_at_one():
    assert value_at("sigmoid", 0.0) == (0.5, 0.25)
    assert value_at("tanh", 0.0) == (0.0, 1.0)
    assert activation_curve("sigmoid").df.max() <= 0.25
    assert activation_curve("tanh").df.max() <= 1.0


def test_relus_derivative_is_zero_or_one():
    assert set(np.unique(activation_curve("relu").df).tolist()) <= {0.0, 1.0}
    assert value_at("relu", 3.0) == (3.0, 1.0)
    assert value_at("relu", -3.0) == (0.0, 0.0)


def test_sigmoid_is_saturated_beyond_six_and_tanh_beyond_three():
    assert saturation_zones("sigmoid", -20, 20) == [(-20, -6.0), (6.0, 20)]
    assert saturation_zones("tanh", -20, 20) == [(-20, -3.0), (3.0, 20)]
    assert value_at("sigmoid", 6.0)[1] < 0.0025
    assert value_at("tanh", 3.0)[1] < 0.01


def test_a_saturation_zone_outside_the_range_is_left_out():
    assert saturation_zones("sigmoid", -5, 5) == []
    assert saturation_zones("tanh", -2, 10) == [(3.0, 10)]
    assert saturation_zones("relu", -20, 20) == []


def test_softmax_is_drawn_for_two_logits():
    f, df = value_at("softmax", 0.0)
    assert (f, df) == pytest.approx((0.5, 0.25))


@pytest.mark.parametrize("spec", list(ACTIVATIONS), ids=lambda s: s.name)
def test_every_catalogue_activation_has_a_curve_a_value_and_advice(spec):
    result = activation_curve(spec.name, -3, 3, 50)
    assert np.isfinite(result.f).all() and np.isfinite(result.df).all()
    f, df = value_at(spec.name, 1.0)
    assert np.isfinite(f) and np.isfinite(df)
    assert advice(spec.name)


def test_the_lessons_advice_says_sigmoid_is_for_binary_outputs():
    assert "binary output" in advice("sigmoid")
    assert "dead neuron" in advice("relu")

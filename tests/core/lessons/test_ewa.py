"""The EWA lesson's numbers: the lesson's own temperatures and loop, reproduced exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.lessons.ewa import (
    EWA_DAYS,
    LESSON_BETAS,
    lesson_temperatures,
    smooth_temperatures,
)
from nnstudio.core.training.smoothing import ema, ewa_from_zero


def lesson_loop(beta: float) -> list[float]:
    """The lesson's test02, as written there (global seed, torch tensors, a Python list)."""
    torch.manual_seed(0)
    temperature = torch.randn(size=[30]) * 10
    exp_weight_avg = []
    for idx, temp in enumerate(temperature, 1):
        if idx == 1:
            exp_weight_avg.append(temp)
            continue
        exp_weight_avg.append(exp_weight_avg[idx - 2] * beta + (1 - beta) * temp)
    return [float(v) for v in exp_weight_avg]


def test_the_temperatures_are_the_lessons_seeded_draw():
    torch.manual_seed(0)
    expected = (torch.randn(size=[30]) * 10).numpy()
    assert EWA_DAYS == 30
    np.testing.assert_allclose(lesson_temperatures(), expected, rtol=0, atol=1e-6)
    assert lesson_temperatures()[0] == pytest.approx(-11.2584, abs=1e-4)


def test_drawing_the_temperatures_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    lesson_temperatures()
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("beta", LESSON_BETAS)
def test_the_smoothed_curve_is_the_lessons_loop(beta):
    np.testing.assert_allclose(smooth_temperatures(beta).lesson, lesson_loop(beta), atol=1e-4)


def test_a_larger_beta_gives_a_smoother_curve():
    def roughness(values: np.ndarray) -> float:
        return float(np.abs(np.diff(values)).sum())

    raw = lesson_temperatures()
    half, ninety = smooth_temperatures(0.5), smooth_temperatures(0.9)
    assert roughness(ninety.lesson) < roughness(half.lesson) < roughness(raw)


def test_starting_from_zero_drags_the_first_days_towards_zero():
    result = smooth_temperatures(0.9)
    assert result.from_zero[0] == pytest.approx(0.1 * result.raw[0])
    assert abs(result.from_zero[0]) < abs(result.corrected[0])


def test_bias_correction_makes_the_first_value_the_first_temperature():
    result = smooth_temperatures(0.9)
    assert result.corrected[0] == pytest.approx(result.raw[0])
    # S_2 corrected = (0.9·0.1·Y1 + 0.1·Y2) / (1 − 0.81)
    y1, y2 = result.raw[:2]
    assert result.corrected[1] == pytest.approx((0.09 * y1 + 0.1 * y2) / 0.19)


def test_bias_correction_fades_as_the_days_pass():
    result = smooth_temperatures(0.5)
    # After 30 days 0.5^30 ≈ 1e-9: corrected and uncorrected agree.
    assert result.corrected[-1] == pytest.approx(result.from_zero[-1], rel=1e-6)


def test_the_averages_window_is_one_over_one_minus_beta():
    assert smooth_temperatures(0.9).window == pytest.approx(10.0)
    assert smooth_temperatures(0.5).window == pytest.approx(2.0)


def test_the_shared_smoothing_skips_non_finite_values_and_keeps_its_state():
    out = ema(np.array([1.0, np.nan, 3.0]), 0.5)
    assert out[0] == 1.0
    assert np.isnan(out[1])
    assert out[2] == pytest.approx(2.0)


def test_beta_zero_follows_the_raw_values_in_every_form():
    raw = lesson_temperatures()
    np.testing.assert_allclose(ema(raw, 0.0), raw)
    np.testing.assert_allclose(ewa_from_zero(raw, 0.0, bias_correction=False), raw)
    np.testing.assert_allclose(ewa_from_zero(raw, 0.0, bias_correction=True), raw)

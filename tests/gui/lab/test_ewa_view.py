"""The EWA view draws the lesson's 30 temperatures and their smoothing for any β."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.ewa_view import EwaView
from nnstudio.gui.lab.registry import lab_view
from nnstudio.gui.plots.loss_plot import LossView
from tests.gui.helpers import shown


def lesson_loop(beta: float) -> np.ndarray:
    torch.manual_seed(0)
    temperature = torch.randn(size=[30]) * 10
    out = [temperature[0]]
    for temp in temperature[1:]:
        out.append(out[-1] * beta + (1 - beta) * temp)
    return np.array([float(v) for v in out])


@pytest.fixture
def view(qtbot):
    return shown(qtbot, EwaView(ProjectDocument()), (900, 560))


def test_the_view_is_registered_under_its_key():
    assert lab_view("ewa").view_class() is EwaView


def test_it_opens_on_the_lessons_temperatures_smoothed_with_beta_09(view):
    torch.manual_seed(0)
    days, raw = view.raw_points.getData()
    np.testing.assert_allclose(raw, (torch.randn(30) * 10).numpy(), atol=1e-5)
    np.testing.assert_array_equal(days, np.arange(1, 31))
    assert view.beta == 0.9
    assert view.beta_label.text() == "β = 0.90"
    np.testing.assert_allclose(view.lesson_curve.getData()[1], lesson_loop(0.9), atol=1e-4)


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_the_lessons_beta_buttons_give_its_curves(view, beta):
    button = view.lesson_buttons[[0.5, 0.9].index(beta)]
    view.set_beta(0.3)
    button.click()
    assert view.slider.value() == round(beta * 100)
    np.testing.assert_allclose(view.lesson_curve.getData()[1], lesson_loop(beta), atol=1e-4)


def test_the_slider_sets_beta(view):
    view.slider.setValue(50)
    assert view.beta == 0.5
    np.testing.assert_allclose(view.lesson_curve.getData()[1], lesson_loop(0.5), atol=1e-4)


def test_bias_correction_can_be_compared_with_the_uncorrected_start_from_zero(view):
    assert not view.zero_curve.isVisible() and not view.corrected_curve.isVisible()
    view.zero_check.setChecked(True)
    view.corrected_check.setChecked(True)
    raw = view.result.raw
    assert view.zero_curve.getData()[1][0] == pytest.approx(0.1 * raw[0])
    assert view.corrected_curve.getData()[1][0] == pytest.approx(raw[0])
    assert view.zero_curve.isVisible() and view.corrected_curve.isVisible()


def test_the_explanation_gives_the_averages_window(view):
    assert "10 days" in view.explain.text()


def test_the_loss_plot_smooths_with_the_same_function():
    import nnstudio.gui.plots.loss_plot as loss_plot
    from nnstudio.core.training import smoothing

    assert loss_plot.ema_continue is smoothing.ema_continue
    assert LossView is not None

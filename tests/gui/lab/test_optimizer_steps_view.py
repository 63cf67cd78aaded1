"""The optimiser steps view shows the lesson's w = 1, E = w²/2 example as torch.optim runs it."""

from __future__ import annotations

import pytest

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.optimizer_steps_view import OptimizerStepsView
from nnstudio.gui.lab.registry import lab_view


@pytest.fixture
def view(qtbot):
    widget = OptimizerStepsView(ProjectDocument())
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    widget.show()
    return widget


def test_the_view_is_registered_under_its_key():
    spec = lab_view("optimizer_steps")
    assert spec.title == "Optimizer steps"
    assert spec.view_class() is OptimizerStepsView


def test_the_summary_shows_the_lessons_two_steps_of_every_optimiser(view):
    assert view.weights("momentum") == ["1", "0.99", "0.9711"]
    assert view.weights("adagrad") == ["1", "0.99", "0.982965"]
    assert view.weights("rmsprop") == ["1", "0.968377", "0.945788"]
    assert view.weights("adam") == ["1", "0.99", "0.980003"]
    assert view.weights("sgd") == ["1", "0.99", "0.9801"]


def test_each_tab_shows_the_state_its_optimiser_keeps_after_every_step(view):
    momentum = view.pages["momentum"]
    assert [momentum.state_value(s, "v") for s in (0, 1, 2)] == ["—", "1", "1.89"]
    assert view.pages["adagrad"].state_value(2, "s") == "1.9801"
    rmsprop = view.pages["rmsprop"]
    assert [rmsprop.state_value(s, "s") for s in (1, 2)] == ["0.1", "0.183775"]
    adam = view.pages["adam"]
    assert [adam.state_value(2, k) for k in ("m", "v", "m_hat", "v_hat")] == [
        "0.189",
        "0.019701",
        "0.994737",
        "0.99",
    ]
    assert adam.w_value(2) == "0.980003"


def test_every_step_is_worked_by_hand_beside_the_numbers(view):
    assert (
        view.pages["momentum"].hand_text(2)
        == "v = 0.9 × 1 + 0.99 = 1.89\nw = 0.99 − 0.01 × 1.89 = 0.9711"
    )
    assert view.pages["adam"].hand_text(2).endswith("w = 0.99 − 0.01 × 0.994737 / √0.99 = 0.980003")


def test_changing_a_hyper_parameter_recomputes_that_optimiser(view):
    view.pages["momentum"].editors["momentum"].setValue(0.5)
    assert view.weights("momentum")[2] == "0.9751"
    view.pages["adam"].editors["lr"].setValue(0.1)
    assert view.weights("adam")[1] == "0.9"
    view.reset()
    assert view.weights("momentum") == ["1", "0.99", "0.9711"]
    assert view.weights("adam") == ["1", "0.99", "0.980003"]


def test_more_steps_add_rows_up_to_twenty(view):
    view.steps.setValue(20)
    assert len(view.weights("sgd")) == 21
    assert view.weights("sgd")[20] == f"{0.99**20:.6f}".rstrip("0")
    assert view.steps.maximum() == 20

"""Optimizer trajectories: the lesson's worked steps in the table, stepping, restarts."""

from __future__ import annotations

import pytest

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.registry import lab_view
from nnstudio.gui.lab.trajectories_view import TrajectoriesView
from tests.gui.helpers import shown


@pytest.fixture
def view(qtbot):
    return shown(qtbot, TrajectoriesView(ProjectDocument()), (900, 560))


def test_the_view_is_registered_under_its_key():
    assert lab_view("trajectories").view_class() is TrajectoriesView


def test_two_steps_on_the_lessons_bowl_show_its_worked_values(view):
    assert view.surface.key == "bowl"
    view.step(2)
    assert view.readout("momentum")["x"] == "0.9711"
    assert view.readout("adagrad")["x"] == "0.982965"
    assert view.readout("rmsprop")["x"] == "0.945788"
    assert view.readout("adam")["x"] == "0.980003"
    assert view.readout("sgd") == {"steps": "2", "x": "0.9801", "y": "0.9801", "loss": "0.960596"}


def test_each_optimizer_draws_its_path_and_current_point(view):
    view.step(5)
    x, y = view.paths["adam"].getData()
    assert len(x) == 6
    dx, dy = view.dots["adam"].getData()
    assert (dx[0], dy[0]) == (x[-1], y[-1])


def test_the_learning_rate_is_per_optimizer_and_restarts_only_that_one(view):
    view.step(3)
    view.lr_spins["sgd"].setValue(0.1)
    assert view.readout("sgd")["steps"] == "0"
    assert view.readout("adam")["steps"] == "3"
    view.step(1)
    assert view.readout("sgd")["x"] == "0.9"


def test_every_surface_can_be_chosen(view):
    for index in range(view.surface_combo.count()):
        view.surface_combo.setCurrentIndex(index)
        view.step(50)
        key = view.surface_combo.itemData(index)
        assert view.surface.key == key
        assert view.readout("adam")["steps"] == "50"


def test_playing_steps_from_the_timer_until_paused(view, qtbot):
    view.speed.setValue(5)
    view.play()
    qtbot.waitUntil(lambda: view.race.steps >= 10, timeout=60_000)
    view.pause()
    steps = view.race.steps
    assert not view.timer.isActive()
    assert view.play_button.text() == "Play"
    view.step(1)
    assert view.race.steps == steps + 1


def test_a_new_start_resets_every_optimizer(view):
    view.step(4)
    view.set_start((0.5, -0.5))
    assert view.readout("lion") == {"steps": "0", "x": "0.5", "y": "-0.5", "loss": "0.250000"}
    sx, sy = view.start_mark.getData()
    assert (sx[0], sy[0]) == (0.5, -0.5)


def test_a_diverging_optimizer_says_so(view):
    view.lr_spins["sgd"].setValue(5.0)
    view.step(100)
    assert view.readout("sgd")["loss"] == "diverged"

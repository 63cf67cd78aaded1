"""The schedules view: the lesson's three curves, their values, and the project's schedule."""

from __future__ import annotations

import pytest

from nnstudio.core.project import Project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.registry import lab_view


@pytest.fixture
def document():
    return ProjectDocument(Project())


@pytest.fixture
def view(qtbot, document):
    widget = lab_view("schedules").create(document)
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    return widget


def test_the_table_reads_the_lessons_values_at_the_drops(view):
    assert view.value_at("step", 49) == "0.1"
    assert view.value_at("step", 50) == "0.05"
    assert view.value_at("step", 100) == "0.025"
    assert view.value_at("multistep", 125) == "0.025"
    assert view.value_at("multistep", 160) == "0.0125"
    assert view.value_at("exponential", 50) == "0.007694"


def test_the_curves_hold_200_epochs_from_lr_01(view):
    _x, y = view.curves["step"].getData()
    assert len(y) == 200 and y[0] == pytest.approx(0.1) and y[-1] == pytest.approx(0.0125)
    _x, y = view.curves["exponential"].getData()
    assert y[10] == pytest.approx(0.1 * 0.95**10)


def test_chosen_epochs_and_lr_change_the_table(view):
    view.lr_spin.setValue(1.0)
    view.epochs_edit.setText("3, 60")
    view.epochs_edit.editingFinished.emit()
    assert view.table.headers()[1:] == ["3", "60"]
    assert view.value_at("step", 60) == "0.5"


def test_the_projects_schedule_follows_its_training_settings(view, document):
    workspace = document.workspace
    workspace.set_training_settings(
        workspace.project.training.replace(
            schedule={"name": "step", "step_size": 50, "gamma": 0.5}, epochs=200
        ).with_lr(0.2)
    )
    assert view.value_at("project", 50) == "0.1"
    _x, y = view.curves["project"].getData()
    assert len(y) == 200 and y[0] == pytest.approx(0.2)
    assert "0.2" in view.project_label.text()

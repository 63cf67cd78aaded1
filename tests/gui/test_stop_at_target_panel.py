"""The training panel's "Stop at a target": shown, edited as undoable commands, and kept
through a save and a reload of the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import StopTarget
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.training_panel import TrainingPanel

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _panel(qtbot, project) -> tuple[TrainingPanel, ProjectDocument]:
    doc = ProjectDocument(project)
    panel = TrainingPanel(doc)
    qtbot.addWidget(panel)
    return panel, doc


def test_the_target_is_off_by_default_and_its_editors_wait_until_it_is_on(qtbot):
    panel, doc = _panel(qtbot, load_project(SAMPLES / "iris.nnsproj"))
    assert doc.project.training.stop_at is None
    assert not panel.target_check.isChecked()
    assert not panel.target_metric_combo.isEnabled()
    assert not panel.target_value_spin.isEnabled()
    assert panel.target_value_spin.value() == pytest.approx(95.0)
    assert panel.target_value_spin.suffix() == " %"


def test_switching_the_target_on_and_editing_it_are_undoable_commands(qtbot):
    panel, doc = _panel(qtbot, load_project(SAMPLES / "iris.nnsproj"))
    panel.target_check.setChecked(True)
    assert doc.project.training.stop_at == StopTarget("accuracy", 0.95)
    assert panel.target_value_spin.isEnabled()

    panel.target_value_spin.setValue(97.5)
    assert doc.project.training.stop_at == StopTarget("accuracy", 0.975)

    panel.target_metric_combo.setCurrentIndex(panel.target_metric_combo.findData("loss"))
    assert doc.project.training.stop_at == StopTarget("loss", 0.1)
    assert panel.target_value_spin.suffix() == ""
    assert panel.target_value_spin.value() == pytest.approx(0.1)
    panel.target_value_spin.setValue(0.25)
    assert doc.project.training.stop_at == StopTarget("loss", 0.25)

    doc.undo_stack.undo()
    assert doc.project.training.stop_at == StopTarget("loss", 0.1)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.training.stop_at == StopTarget("accuracy", 0.95)
    assert panel.target_metric_combo.currentData() == "accuracy"
    assert panel.target_value_spin.value() == pytest.approx(95.0)

    panel.target_check.setChecked(False)
    assert doc.project.training.stop_at is None
    panel.target_check.setChecked(True)
    assert doc.project.training.stop_at == StopTarget("accuracy", 0.95)


def test_a_target_set_in_the_panel_survives_saving_and_reopening(qtbot, tmp_path):
    panel, doc = _panel(qtbot, load_project(SAMPLES / "iris.nnsproj"))
    panel.target_check.setChecked(True)
    panel.target_value_spin.setValue(90.0)
    path = save_project(doc.project, tmp_path / "target.nnsproj")

    reopened, _doc = _panel(qtbot, load_project(path))
    assert reopened.target_check.isChecked()
    assert reopened.target_metric_combo.currentData() == "accuracy"
    assert reopened.target_value_spin.value() == pytest.approx(90.0)
    assert _doc.project.training.stop_at == StopTarget("accuracy", 0.9)

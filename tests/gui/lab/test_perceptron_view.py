"""The perceptron view: the rule converges on AND/OR, never on XOR; the XOR step network."""

from __future__ import annotations

import pytest

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.registry import lab_view
from tests.cli.helpers import SAMPLES


@pytest.fixture
def document():
    return ProjectDocument()


@pytest.fixture
def view(qtbot, document):
    widget = lab_view("perceptron").create(document)
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    return widget


def test_a_step_updates_the_weights_by_the_rule(view):
    view.select_data("and")
    record = view.step()
    assert record.updated and record.b_after == pytest.approx(-0.1)
    assert "b = −0.1" in view.weights_label.text()
    assert "Wrong" in view.step_label.text()


def test_and_converges_and_the_line_separates_it(view):
    view.select_data("and")
    view.run_epochs()
    assert view.unit.converged
    assert view.verdict_label.text().startswith("Converged")
    xs, _ys = view.line.getData()
    assert len(xs) == 2


def test_xor_never_settles_and_says_so(view):
    view.select_data("xor")
    view.run_spin.setValue(50)
    view.run_epochs()
    assert not view.unit.converged and view.unit.epochs_done == 50
    assert "After 50 epochs" in view.verdict_label.text()
    assert "XOR" in view.verdict_label.text()


def test_play_ticks_step_one_sample_and_stop_once_converged(view):
    view.select_data("or")
    view.play_button.setChecked(True)
    assert view.timer.isActive()
    ticks = 0
    while view.play_button.isChecked() and ticks < 200:
        view.step_forward()
        ticks += 1
    assert view.unit.converged and not view.timer.isActive()


def test_the_xor_network_shows_the_lessons_truth_table(view):
    assert view.xor_table.column_texts(4) == ["0", "1", "1", "0"]
    assert view.xor_table.column_texts(0) == ["0", "1", "0", "1"]
    assert "computes XOR" in view.xor_label.text()
    view.b2_edit.setText("0.5")
    view.b2_edit.editingFinished.emit()
    assert view.xor_table.column_texts(4) == ["1", "1", "1", "1"]
    assert "not XOR" in view.xor_label.text()


def test_the_perceptron_projects_data_can_be_trained(view, document):
    document.replace_project(load_project(SAMPLES / "perceptron.nnsproj"))
    view.select_data("project")
    assert view.data_combo.currentData() == "project"
    view.run_spin.setValue(100)
    view.run_epochs()
    assert view.unit.converged  # the sample's blobs are separable

"""The Runs panel: the table of stored runs, overlaid curves, undoable actions, experiments."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnstudio.core.project import load_project
from nnstudio.core.training import train
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.experiment_dialog import ExperimentDialog
from nnstudio.gui.panels.runs_panel import RunsPanel

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "samples" / "iris.nnsproj"


def _run(document: ProjectDocument, **changes) -> None:
    """One real run stored the way the window stores it (through the workspace)."""
    workspace = document.workspace
    workspace.set_training_settings(workspace.project.training.replace(**changes))
    plan = workspace.plan_run(resume=False)
    workspace.store_result(plan, train(plan.job))


@pytest.fixture
def panel(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(IRIS))
    for lr in (0.05, 0.01, 0.001):
        _run(document, epochs=4, optimizer={"name": "adam", "lr": lr})
    widget = RunsPanel(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_every_stored_run_is_a_row_of_the_table(panel):
    assert panel.table.rowCount() == 3
    runs = [panel.table.item(row, 1).text() for row in range(3)]
    assert runs == ["Run 1", "Run 2", "Run 3"]
    assert panel.table.item(1, 3).text() == "lr 0.05 → 0.01"
    assert panel.table.item(2, 5).text() == "0.001"


def test_three_selected_runs_overlay_their_curves_with_one_shared_legend(panel):
    panel.select_runs([1, 2, 3])
    assert panel.selected_ids() == [1, 2, 3]
    curves = panel.plot.getPlotItem().listDataItems()
    assert len(curves) == 3
    assert panel.overlay_names() == ["Run 1", "Run 2", "Run 3"]
    for curve, run in zip(curves, panel.records, strict=True):
        xs, ys = curve.getData()
        assert list(xs) == run.history.epoch
        assert list(ys) == pytest.approx(run.history.val_loss)
    panel.curve_choice.setCurrentIndex(panel.curve_choice.findData("lr"))
    assert len(panel.plot.getPlotItem().listDataItems()) == 3


def test_renamed_runs_carry_their_names_into_the_legend_and_undo_restores_them(panel):
    panel.select_runs([2])
    panel.rename_selected("small lr")
    panel.select_runs([1, 2, 3])
    assert panel.overlay_names() == ["Run 1", "small lr", "Run 3"]
    panel.document.undo()
    assert panel.document.project.runs.get(2).name == ""
    assert panel.overlay_names() == ["Run 1", "Run 2", "Run 3"]


def test_star_and_delete_are_undoable(panel):
    panel.select_runs([1])
    panel.toggle_star()
    assert panel.document.project.runs.get(1).starred
    assert panel.table.item(0, 0).text() == "★"
    panel.select_runs([3])
    panel.delete_selected()
    assert [r.id for r in panel.records] == [1, 2] and panel.table.rowCount() == 2
    panel.document.undo()
    assert [r.id for r in panel.records] == [1, 2, 3]
    panel.document.undo()
    assert not panel.document.project.runs.get(1).starred


def test_going_back_to_a_run_restores_its_settings_and_weights_undoably(panel):
    document = panel.document
    first = document.project.runs.get(1)
    panel.select_runs([1])
    assert panel.restore_selected("last")
    assert document.project.training.lr == 0.05
    for key, value in first.weights_last.items():
        assert torch.equal(document.project.weights[key], value)
    document.undo()
    assert document.project.training.lr == 0.001


def test_a_smaller_limit_drops_runs_and_undo_brings_them_back(panel):
    panel.keep.setValue(1)
    panel.keep.editingFinished.emit()
    assert [r.id for r in panel.records] == [3]
    panel.document.undo()
    assert [r.id for r in panel.records] == [1, 2, 3] and panel.keep.value() == 20


def test_the_parallel_coordinates_draw_one_line_per_run_over_one_axis_per_setting(panel):
    items = panel.parallel.getPlotItem().listDataItems()
    ticks = panel.parallel.getAxis("bottom")._tickLevels[0]
    axes = len(ticks)
    assert axes == 6 and ticks[-1][1] == "Final metric"
    assert len(items) == axes + 3  # an axis line per setting, then a line per run


def test_a_controlled_experiment_adds_one_run_per_value(qtbot, panel):
    dialog = ExperimentDialog(panel.document)
    qtbot.addWidget(dialog)
    dialog.setting.setCurrentIndex(dialog.setting.findData("batch_size"))
    dialog.values.setText("8, 64")
    dialog.epochs.setValue(2)
    with qtbot.waitSignal(dialog.experiment_done, timeout=120_000):
        assert dialog.start()
    assert panel.table.rowCount() == 5
    new = panel.records[-2:]
    assert [r.training.batch_size for r in new] == [8, 64]
    assert {r.experiment for r in new} == {"1"} and {r.varied for r in new} == {"batch_size"}

"""Small defects a user met (session 5): texts that said the wrong thing, plots cut off.

- the parameter editors' base class has no abstract stub: each editor hands it how it shows
  a value;
- "Go back to run" on a search trial that kept no weights says that the project is left
  untrained;
- the background read's progress dialog says what Cancel keeps for each of its callers;
- the data profile's plots fit a narrow data dock;
- huge losses get tick labels that stay clear of the axis title;
- the search dialog shows what is known of a pruned trial.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from nnstudio.core.catalogue.params import ParamSpec
from nnstudio.core.data import DataSettings, DataSource
from nnstudio.core.experiments.search import TrialRecord
from nnstudio.core.project import load_project
from nnstudio.core.project.project_file import Project, save_project
from nnstudio.core.training import train
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels import data_panel as data_panel_module
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.panels.profile_view import ProfileView
from nnstudio.gui.panels.runs_panel import RunsPanel
from nnstudio.gui.plots.base import make_plot
from nnstudio.gui.search_dialog import SearchDialog
from nnstudio.gui.widgets import param_editors
from nnstudio.gui.widgets.param_editors import ParamEditor
from tests.gui.background_reads import (
    LIMIT,
    READ,
    hold_reads,
    no_read_running,
    window_with_two_files,
    write_csv,
)
from tests.gui.helpers import shown

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "samples" / "iris.nnsproj"


# --- 1. the parameter editors' base ----------------------------------------------------------


def test_a_param_editor_shows_values_through_the_function_it_is_given(qtbot):
    spec = ParamSpec("units", "int", 4, "How many units.", minimum=1, maximum=10)
    seen: list[int] = []
    editor = ParamEditor(spec, seen.append)
    qtbot.addWidget(editor)
    editor.set_value(7)
    editor.set_value("not a number")  # does not fit the spec: the default is shown
    assert seen == [7, 4]
    assert editor.value() == 4
    assert "NotImplementedError" not in inspect.getsource(param_editors)


# --- 2. going back to a run that kept no weights ---------------------------------------------


@pytest.fixture
def runs_panel(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(IRIS))
    workspace = document.workspace
    for lr in (0.05, 0.01):
        workspace.set_training_settings(
            workspace.project.training.replace(epochs=3, optimizer={"name": "adam", "lr": lr})
        )
        plan = workspace.plan_run(resume=False)
        workspace.store_result(plan, train(plan.job))
    # What a search does to a trial that was not the best: it keeps no weights.
    trial = document.project.runs.get(1)
    trial.weights_last = trial.weights_best = None
    return shown(qtbot, RunsPanel(document), (1000, 600))


def test_going_back_to_a_run_without_weights_says_the_project_is_left_untrained(runs_panel):
    panel = runs_panel
    panel.select_runs([2])
    assert "best weights" in panel.restore_button.toolTip()
    assert panel.restore_best.isEnabled() and panel.restore_last.isEnabled()

    panel.select_runs([1])
    tip = panel.restore_button.toolTip()
    assert "best weights" not in tip
    assert "network and settings" in tip and "left untrained" in tip
    # No weights to choose between: the menu's choices are off.
    assert not panel.restore_best.isEnabled() and not panel.restore_last.isEnabled()

    assert panel.restore_selected()
    document = panel.document
    assert document.undo_stack.undoText() == "Go back to Run 1's settings (untrained)"
    assert document.project.weights is None
    assert document.project.training.optimizer["lr"] == pytest.approx(0.05)


# --- 3. what Cancel keeps, per caller of the background read ---------------------------------


@pytest.fixture
def gated(monkeypatch):
    yield from hold_reads(monkeypatch)


def _progress_text(qtbot, reader, gate) -> str:
    """The progress dialog's text while a held read runs; then the read is cancelled."""
    qtbot.waitUntil(
        lambda: reader.progress_dialog is not None and reader.progress_dialog.isVisible(),
        timeout=READ,
    )
    text = reader.progress_dialog.labelText()
    with qtbot.waitSignal(reader.finished, timeout=READ):
        assert reader.cancel()
    gate.set()
    qtbot.waitUntil(no_read_running, timeout=READ)
    return text


def test_cancel_while_loading_data_keeps_the_data_in_use(qtbot, tmp_path, monkeypatch):
    gate = threading.Event()
    real_open = data_panel_module.open_csv

    def held(file, encoding="auto", should_stop=None):
        if should_stop is not None:
            gate.wait(READ / 1000)  # opened by the test once it has read the dialog
        return real_open(file, encoding, should_stop)

    monkeypatch.setattr(data_panel_module, "open_csv", held)
    monkeypatch.setattr(data_panel_module, "SYNC_READ_BYTES", LIMIT)
    panel = shown(qtbot, DataPanel(ProjectDocument()), (420, 760))
    try:
        assert panel.load_csv(write_csv(tmp_path / "c.csv", "p,q,r", 300))
        text = _progress_text(qtbot, panel.reader, gate)
    finally:
        gate.set()
    assert text == "Reading and preparing c.csv…\nCancel keeps the data you have now."


def test_cancel_while_opening_a_project_keeps_the_open_project(
    qtbot, open_window, tmp_path, monkeypatch, gated
):
    gate, _order = gated
    monkeypatch.setattr(data_panel_module, "SYNC_READ_BYTES", LIMIT)
    window = open_window(size=(1280, 800))
    window.start()
    window.new_project()
    csv = write_csv(tmp_path / "big.csv", "a,b,kind", 300)
    project = Project(
        data=DataSettings(source=DataSource(kind="csv", path=str(csv)), targets=("kind",))
    )
    project.graph.add_node("Input")
    assert window.open_project(save_project(project, tmp_path / "big.nnsproj"))
    text = _progress_text(qtbot, window.workbench.data.reader, gate)
    assert text == "Reading and preparing big.csv…\nCancel keeps the project you have open now."
    assert window.document.project.path is None  # the untitled project stayed open


def test_cancel_while_undoing_onto_a_big_file_undoes_nothing(
    qtbot, open_window, tmp_path, monkeypatch, gated
):
    gate, _order = gated
    window = window_with_two_files(open_window, qtbot, tmp_path, monkeypatch)
    window.history_actions.undo.trigger()
    text = _progress_text(qtbot, window.workbench.data.reader, gate)
    assert text == (
        "Reading and preparing a.csv…\nCancel undoes or redoes nothing: the project stays as it is."
    )
    assert window.document.undo_stack.index() == 2


# --- 4. the data profile's plots in a narrow dock --------------------------------------------


@pytest.fixture
def profile(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(IRIS))
    view = shown(qtbot, ProfileView(document), (1000, 600))
    view.refresh()
    view._test_document = document  # keep the document alive with the view
    return view


def _plot_fits(view: ProfileView, plot) -> bool:
    needed = plot.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
    viewport = view.plots.viewport()
    right = plot.mapTo(viewport, plot.rect().topRight()).x()
    return plot.width() >= needed - 0.5 and right < viewport.width()


@pytest.mark.parametrize("width", [380, 300])
def test_the_profile_plots_are_never_cut_off_in_a_narrow_dock(qtbot, profile, width):
    profile.resize(width, 600)
    plots = (profile.histogram, profile.balance, profile.heatmap)
    qtbot.waitUntil(lambda: all(_plot_fits(profile, p) for p in plots), timeout=10_000)
    assert profile.plots.columns < 3


def test_the_profile_plots_stand_side_by_side_when_there_is_room(qtbot, profile):
    plots = (profile.histogram, profile.balance, profile.heatmap)
    qtbot.waitUntil(lambda: profile.plots.columns == 3, timeout=10_000)
    assert len({p.y() for p in plots}) == 1
    assert all(_plot_fits(profile, p) for p in plots)


# --- 5. huge losses ---------------------------------------------------------------------------


def test_huge_loss_tick_labels_stay_clear_of_the_axis_title(qtbot):
    widget = pg.GraphicsLayoutWidget()
    plot = make_plot(widget.ci, 0, 0, x_label="epoch", y_label="loss")
    plot.plot(np.arange(1, 7), np.array([12, 10, 8, 6, 4, 2]) * 1e24)
    shown(qtbot, widget, (300, 200))
    axis = plot.getAxis("left")

    def texts() -> list:
        widget.grab()  # paints: pyqtgraph lays out the tick labels
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            return axis.generateDrawSpecs(painter)[2]
        finally:
            painter.end()

    def clear() -> bool:
        shown_texts = texts()
        # Where pyqtgraph put the rotated title (it moves when the axis is resized).
        title = axis.label.mapRectToParent(axis.label.boundingRect())
        return len(shown_texts) >= 2 and all(r.left() >= title.right() for r, *_ in shown_texts)

    qtbot.waitUntil(clear, timeout=10_000)
    labels = [text for _rect, _flags, text in texts()]
    assert all("e+" not in label for label in labels), labels  # "5e24", not "5e+24"
    assert "5e24" in labels or "1e25" in labels


def test_an_axis_of_ordinary_numbers_keeps_its_usual_width(qtbot):
    widget = pg.GraphicsLayoutWidget()
    plot = make_plot(widget.ci, 0, 0, x_label="epoch", y_label="loss")
    plot.plot(np.arange(1, 7), np.array([1.2, 1.0, 0.8, 0.6, 0.4, 0.2]))
    shown(qtbot, widget, (300, 200))
    widget.grab()
    assert plot.getAxis("left").width() == 44


# --- 6. pruned trials in the search dialog ---------------------------------------------------


def test_a_pruned_trial_shows_its_last_reported_value_and_epoch(qtbot):
    project = load_project(IRIS)
    project = dataclasses.replace(project, training=project.training.replace(epochs=6))
    document = ProjectDocument(project)
    dialog = shown(qtbot, SearchDialog(document), (960, 660))
    dialog.total = 2
    dialog._on_trial(TrialRecord(0, "complete", {"lr": 0.01}, 0.9333, [0.8, 0.9333], 1.0))
    dialog._on_trial(
        TrialRecord(1, "pruned", {"lr": 1e-4}, None, [0.3, 0.31, 0.3], 1.0, "", (3, 0.3))
    )
    rows = {dialog.table.item(row, 0).text(): row for row in range(2)}
    assert dialog.table.item(rows["0"], 2).text() == "0.9333"
    value = dialog.table.item(rows["1"], 2)
    assert value.text() == "0.3 at epoch 3"
    assert value.toolTip().startswith("Pruned at epoch 3: the search stopped this trial early")
    assert dialog.table.item(rows["1"], 3).text() == "pruned"

"""A hyperparameter search's trials land in the Runs panel as one undoable step."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("optuna")

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.runs_panel import RunsPanel
from nnstudio.gui.search_dialog import SearchDialog
from tests.conftest import REPO
from tests.gui.helpers import shot, shown

#: Milliseconds a search may take on a very busy machine (a condition wait, not a timing).
SEARCH = 240_000


def _window(qtbot, epochs: int) -> tuple[SearchDialog, RunsPanel]:
    project = load_project(REPO / "samples" / "iris.nnsproj")
    project = dataclasses.replace(project, training=project.training.replace(epochs=epochs))
    document = ProjectDocument(project)
    panel = shown(qtbot, RunsPanel(document), (1000, 520))
    dialog = shown(qtbot, SearchDialog(document), (960, 660))
    dialog._test_document = document  # keep the document alive with the dialog
    return dialog, panel


def _names(panel: RunsPanel) -> list[str]:
    model = panel.table.model()
    return sorted(model.data(model.index(row, 1)) for row in range(model.rowCount()))


@pytest.mark.timeout(300)
def test_the_trials_of_a_finished_search_are_rows_of_the_runs_table_until_undone(qtbot):
    dialog, panel = _window(qtbot, epochs=3)
    document = dialog.document
    dialog.set_setting("lr", "1e-3:0.3:log")
    dialog.set_setting("optimizer", "sgd,adam")
    dialog.trial_count.setValue(3)
    dialog.sampler.setCurrentIndex(dialog.sampler.findData("random"))
    assert panel.table.model().rowCount() == 0
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH) as finished:
        dialog.start_button.click()
    result = finished.args[0]
    assert _names(panel) == ["Trial 0", "Trial 1", "Trial 2"]
    records = document.project.runs.records
    assert {r.experiment for r in records} == {"1"}
    for trial in result.trials:
        record = next(r for r in records if r.name == f"Trial {trial.number}")
        assert record.training.lr == pytest.approx(trial.params["lr"])
        assert record.training.optimizer["name"] == trial.params["optimizer"]
    assert "3 trials are in the Runs panel" in dialog.status.text()
    assert document.undo_stack.count() == 1
    shot(panel, "search_runs_table")

    assert document.undo()
    assert panel.table.model().rowCount() == 0
    assert document.project.runs.records == []
    assert document.redo()
    assert _names(panel) == ["Trial 0", "Trial 1", "Trial 2"]
    assert [r.id for r in document.project.runs.records] == [1, 2, 3]


@pytest.mark.timeout(300)
def test_a_cancelled_search_still_puts_the_trials_it_trained_in_the_runs_table(qtbot):
    dialog, panel = _window(qtbot, epochs=20)
    dialog.trial_count.setValue(200)
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH):
        dialog.start_button.click()
        qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1, timeout=SEARCH)
        dialog.cancel_button.click()
    assert 1 <= dialog.table.rowCount() < 200
    # A trial the cancel reached before its first epoch trained nothing to record.
    trained = sum(1 for trial in dialog.trials if trial.curve)
    assert trained >= 1
    assert panel.table.model().rowCount() == trained
    assert dialog.document.undo_stack.count() == 1
    assert dialog.document.undo()
    assert panel.table.model().rowCount() == 0


@pytest.mark.timeout(300)
def test_trials_are_recorded_even_when_training_holds_the_project(qtbot):
    dialog, panel = _window(qtbot, epochs=2)
    dialog.trial_count.setValue(2)
    dialog.document.set_locked("Training is running: stop it before editing.")
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH):
        dialog.start_button.click()
    assert panel.table.model().rowCount() == 2
    assert dialog.document.undo_stack.count() == 0

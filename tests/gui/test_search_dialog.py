"""The hyperparameter search dialog: a live Optuna search, its importances, Apply best."""

from __future__ import annotations

import dataclasses

import pytest

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.search_dialog import SearchDialog
from tests.conftest import REPO
from tests.gui.helpers import shot, shown

#: Milliseconds a search may take on a very busy machine (a condition wait, not a timing).
SEARCH = 240_000


def _dialog(qtbot, epochs: int = 3) -> SearchDialog:
    project = load_project(REPO / "samples" / "iris.nnsproj")
    project = dataclasses.replace(project, training=project.training.replace(epochs=epochs))
    document = ProjectDocument(project)
    dialog = shown(qtbot, SearchDialog(document), (960, 660))
    dialog._test_document = document  # keep the document alive with the dialog
    return dialog


@pytest.mark.timeout(300)
def test_a_three_trial_search_lists_its_trials_and_applies_the_best_as_one_undoable_step(
    qtbot,
):
    dialog = _dialog(qtbot)
    document = dialog.document
    dialog.set_setting("lr", "1e-3:0.3:log")
    dialog.set_setting("optimizer", "sgd,adam")
    dialog.trial_count.setValue(3)
    dialog.sampler.setCurrentIndex(dialog.sampler.findData("random"))
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH) as finished:
        dialog.start_button.click()
        assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    result = finished.args[0]
    assert dialog.table.rowCount() == 3
    assert dialog.progress.value() == dialog.progress.maximum() == 3
    states = {dialog.table.item(row, 3).text() for row in range(3)}
    assert states <= {"complete", "pruned"}
    assert set(dialog.importance_bars) == set(result.importances) == {"lr", "optimizer"}
    assert dialog.importance_box.isVisibleTo(dialog)
    assert dialog.apply_button.isEnabled()
    shot(dialog, "search_dialog")

    before = document.project.training
    assert dialog.apply_best()
    training = document.project.training
    assert training.lr == pytest.approx(result.best_params["lr"])
    assert training.optimizer["name"] == result.best_params["optimizer"]
    # the trials joined the runs (one step), then Apply best (one step)
    assert document.undo_stack.count() == 2
    assert document.undo()
    assert document.project.training == before


def test_apply_best_is_refused_while_training_runs(qtbot):
    dialog = _dialog(qtbot)
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH):
        dialog.set_setting("lr", "1e-3:0.3:log")
        dialog.trial_count.setValue(2)
        dialog.start_button.click()
    before = dialog.document.project.training
    dialog.document.set_locked("Training is running: stop it before editing.")
    assert not dialog.apply_best()
    assert dialog.document.project.training == before
    assert "stop training" in dialog.status.text()


@pytest.mark.timeout(300)
def test_cancel_stops_the_search_before_all_its_trials(qtbot):
    dialog = _dialog(qtbot, epochs=20)
    dialog.trial_count.setValue(200)
    with qtbot.waitSignal(dialog.search_finished, timeout=SEARCH):
        dialog.start_button.click()
        qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1, timeout=SEARCH)
        dialog.cancel_button.click()
    assert 1 <= dialog.table.rowCount() < 200
    assert "cancelled" in dialog.status.text()
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_a_bad_range_is_refused_with_its_reason(qtbot):
    dialog = _dialog(qtbot)
    dialog.set_setting("lr", "0.1:0.01")
    dialog.start_button.click()
    assert not dialog.runner.running
    assert "lr=0.1:0.01" in dialog.status.text()

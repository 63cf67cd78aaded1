"""Lock for students / Unlock (teacher): locked controls, refused edits, hidden panels."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from nnstudio.core.project import load_project
from nnstudio.core.project.classroom import Classroom
from nnstudio.gui.commands import (
    AddNodeCommand,
    SetClassroomCommand,
    SetDataSettingsCommand,
    SetTrainingSettingsCommand,
)
from nnstudio.gui.lab.lessons import LockDialog

LOCKS = Classroom(
    lesson="schedules",
    locked=("training.optimizer", "graph"),
    hidden=("neurons", "history"),
)


@pytest.fixture
def window(open_window):
    win = open_window(size=(1280, 800))
    win.start()
    win.open_lesson("schedules")
    return win


def lock(window, classroom: Classroom = LOCKS) -> None:
    doc = window.document
    assert doc.push(SetClassroomCommand(doc, classroom, "lock"))


def test_a_locked_control_is_disabled_with_the_teachers_tooltip(window):
    training = window.workbench.training
    optimizer_box = training.optimizer_combo.parentWidget()
    own_tip = optimizer_box.toolTip()
    lock(window)
    assert not optimizer_box.isEnabled() and not training.optimizer_combo.isEnabled()
    assert optimizer_box.toolTip() == (
        "Locked by the teacher for this lesson: Optimiser and learning rate"
    )
    assert training.loss_combo.isEnabled()  # not locked
    assert window.workbench.canvas.is_read_only()
    assert not window.workbench.palette.isEnabled()
    window.unlock_for_teacher()
    assert optimizer_box.isEnabled() and optimizer_box.toolTip() == own_tip
    assert not window.workbench.canvas.is_read_only()


def test_an_edit_of_a_locked_setting_is_refused_by_the_document(window):
    doc = window.document
    lock(window)
    before = doc.project.training
    new = before.replace(optimizer={"name": "adam", "lr": 0.001})
    messages: list[str] = []
    doc.message.connect(messages.append)
    assert not doc.push(SetTrainingSettingsCommand(doc, new))
    assert doc.project.training == before
    assert messages == [
        "The teacher locked this setting for the lesson: Optimiser and learning rate"
    ]
    assert not doc.push(AddNodeCommand(doc, "Dense", {"units": 3}))
    # Settings nobody locked still change.
    assert doc.push(SetTrainingSettingsCommand(doc, before.replace(epochs=7)))
    assert doc.project.training.epochs == 7
    assert doc.push(SetDataSettingsCommand(doc, doc.project.data.replace(seed=3)))


def test_undo_of_an_edit_made_before_the_lock_is_refused_too(window):
    doc = window.document
    before = doc.project.training
    doc.push(SetTrainingSettingsCommand(doc, before.replace(optimizer={"name": "adam"})))
    lock(window)
    assert doc.undo()  # undoes the lock itself: that is the teacher's own step
    assert doc.project.classroom.locked == ()
    # Locked outside the history (as a student's file opens): the earlier edit stays.
    doc.workspace.set_classroom(LOCKS)
    assert not doc.undo()
    assert doc.project.training.optimizer["name"] == "adam"


def test_hidden_panels_are_hidden_and_not_offered(window):
    lock(window)
    for name in ("neurons", "history"):
        dock = window.docks[name]
        assert not dock.isVisible() and not dock.toggleViewAction().isVisible()
    window.unlock_for_teacher()
    for name in ("neurons", "history"):
        assert window.docks[name].toggleViewAction().isVisible()
    assert window.docks["history"].isVisible() or not window.docks["history"].isFloating()


def test_unlock_is_one_undoable_step(window):
    doc = window.document
    lock(window)
    count = doc.undo_stack.count()
    assert window.actions_by_name["unlock_teacher"].isEnabled()
    window.actions_by_name["unlock_teacher"].trigger()
    assert doc.undo_stack.count() == count + 1
    assert doc.project.classroom.locked == () and doc.project.classroom.hidden == ()
    assert doc.project.classroom.lesson == "schedules"
    assert window.workbench.training.optimizer_combo.isEnabled()
    assert not window.actions_by_name["unlock_teacher"].isEnabled()
    assert doc.undo()
    assert doc.project.classroom.locked == LOCKS.locked
    assert not window.workbench.training.optimizer_combo.isEnabled()


def test_the_lock_dialog_stores_the_teachers_choice(window, monkeypatch):
    def choose(dialog: LockDialog) -> int:
        dialog.lock_checks["training.loss"].setChecked(True)
        dialog.hide_checks["problems"].setChecked(True)
        dialog.task_edit.setPlainText("Try three learning rates.")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LockDialog, "exec", choose)
    window.actions_by_name["lock_students"].trigger()
    classroom = window.project.classroom
    assert classroom.locked == ("training.loss",)
    assert classroom.hidden == ("problems",)
    assert classroom.task == "Try three learning rates."
    assert window.task_panel.text() == "Try three learning rates."
    assert not window.workbench.training.loss_combo.isEnabled()
    assert not window.docks["problems"].isVisible()


def test_a_task_too_long_cannot_be_accepted(window):
    dialog = LockDialog(window.project.classroom, window.lock_panel_titles(), window)
    dialog.task_edit.setPlainText("x" * 20_001)
    assert not dialog.ok_button.isEnabled() and dialog.too_long.isVisibleTo(dialog)
    assert "20001 characters" in dialog.too_long.text()


def test_a_student_opening_the_saved_file_sees_the_locks(window, open_window, tmp_path):
    lock(window)
    path = tmp_path / "handout.nnsproj"
    assert window._save_to(path)
    assert load_project(path).classroom == LOCKS

    student = open_window(size=(1280, 800))
    student.start(path)
    assert student.project.classroom == LOCKS
    assert not student.workbench.training.optimizer_combo.isEnabled()
    assert student.workbench.canvas.is_read_only()
    assert not student.docks["neurons"].isVisible()
    doc = student.document
    assert not doc.push(AddNodeCommand(doc, "Dense", {"units": 3}))


def test_the_canvas_stays_read_only_after_training_lifts_its_own_lock(window):
    doc = window.document
    lock(window)
    doc.set_locked("training")
    doc.set_locked(None)  # the run ended: the canvas follows the teacher's lock again
    assert window.workbench.canvas.is_read_only()

"""What a new user hit in the first hour (issue 8): undo under a running run, shortcuts,
stale action states, exports, paused time and opening data files from File → Open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.core.project import load_project
from nnstudio.gui.commands import SetTrainingSettingsCommand
from tests.conftest import REPO

SAMPLES = REPO / "samples"
Btn = QMessageBox.StandardButton
#: Generous: the machine may be busy with other work (never a measure of speed).
WAIT_MS = 60_000


@pytest.fixture
def window(open_window):
    win = open_window(size=(1280, 800))
    win.start()
    return win


def set_training(win, **changes) -> None:
    doc = win.document
    doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(**changes)))


def action(win, name: str) -> QAction:
    return win.actions_by_name[name]


# --- undo and redo under a running run ---------------------------------------------------


def test_undo_redo_and_history_are_locked_while_training(window, qtbot, dialogs, mobile_csv):
    doc, controller = window.document, window.controller
    assert window.load_csv(str(mobile_csv))
    set_training(window, epochs=3000)
    assert doc.project.data.source.path.endswith("mobile_price_train.csv")
    window.train()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=WAIT_MS)
    undo, redo = action(window, "undo"), action(window, "redo")
    history = window.workbench.history
    assert not undo.isEnabled() and not redo.isEnabled()
    assert not history.isEnabled()

    # The keyboard, the action and the history list all leave the project alone.
    for _ in range(3):
        undo.trigger()
    history.stack().setIndex(0) if history.isEnabled() else None
    assert doc.project.training.epochs == 3000
    assert doc.project.data.source.path.endswith("mobile_price_train.csv")
    assert len(doc.workspace.graph.nodes) > 0 and controller.running

    # Asked directly, the document refuses as for any edit while training runs...
    dialogs.answers = [Btn.No]
    assert not doc.undo()
    assert doc.project.training.epochs == 3000 and controller.running
    assert any("Training is running" in a for a in dialogs.asked)

    # ...and after Stop, the run is kept and Undo works again.
    window.stop_training()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=WAIT_MS)
    assert doc.project.weights is not None
    assert action(window, "reset_weights").isEnabled()
    assert undo.isEnabled() and history.isEnabled()
    undo.trigger()
    assert doc.project.training.epochs != 3000


def test_undo_while_training_asks_to_stop_and_then_undoes(window, qtbot, dialogs):
    doc, controller = window.document, window.controller
    set_training(window, epochs=100000)
    window.train()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=WAIT_MS)
    dialogs.answers = [Btn.Yes]
    assert doc.undo()
    assert not controller.running
    assert doc.project.training.epochs != 100000
    assert doc.project.weights is not None  # the weights trained so far are kept


# --- shortcuts and action states --------------------------------------------------------


def test_no_two_actions_share_a_shortcut(window):
    owners: dict[str, str] = {}
    for act in window.findChildren(QAction):
        for key in act.shortcuts():
            text = key.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in owners, f"{text} is bound to {owners.get(text)} and {act.text()}"
            owners[text] = act.text()


def test_redo_answers_ctrl_y_and_ctrl_shift_z(window):
    keys = {k.toString() for k in action(window, "redo").shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    assert len(keys) == len(action(window, "redo").shortcuts())


def test_the_shortcuts_list_names_each_key_once(window, dialogs):
    window.show_shortcuts()
    text = dialogs.asked[-1]
    assert "Ctrl+Shift+Z, Ctrl+Shift+Z" not in text
    assert "Ctrl+Y" in text


def test_ctrl_y_redoes_an_undone_edit(window, qtbot):
    doc = window.document
    set_training(window, epochs=77)
    window.activateWindow()
    window.workbench.canvas.setFocus()
    qtbot.keyClick(window.workbench.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.project.training.epochs != 77
    qtbot.keyClick(window.workbench.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert doc.project.training.epochs == 77


def test_undo_and_redo_are_disabled_with_nothing_to_undo(window):
    assert not action(window, "undo").isEnabled()
    assert not action(window, "redo").isEnabled()
    assert window.open_project(SAMPLES / "iris.nnsproj")
    assert not action(window, "undo").isEnabled()
    assert not action(window, "redo").isEnabled()
    set_training(window, epochs=42)
    assert action(window, "undo").isEnabled()
    assert "epochs" in action(window, "undo").text().lower() or action(window, "undo").text()


def test_a_new_csv_that_changes_the_input_width_makes_train_start_afresh(window, qtbot, mobile_csv):
    controller = window.controller
    set_training(window, epochs=2)
    window.train()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=WAIT_MS)
    set_training(window, epochs=50)
    qtbot.waitUntil(lambda: action(window, "train").text() == "Con&tinue", timeout=WAIT_MS)
    assert window.load_csv(str(mobile_csv))  # 20 features instead of the spirals' 2
    qtbot.waitUntil(lambda: window.document.workspace.prepared is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: action(window, "train").text() == "&Train", timeout=WAIT_MS)
    assert window.document.project.weights is not None  # kept, but they no longer fit


# --- paused time ---------------------------------------------------------------------------


def test_paused_time_is_not_training_time(window, qtbot):
    controller = window.controller
    set_training(window, epochs=100000)
    window.train()
    qtbot.waitUntil(lambda: window.run_progress.samples > 0, timeout=WAIT_MS)
    window.pause_training()
    qtbot.waitUntil(lambda: controller.state == "paused", timeout=WAIT_MS)
    progress = window.run_progress
    elapsed = progress.elapsed
    rate = progress.samples_per_second
    # However long the pause lasts, the clock and the rate stand still.
    real_clock = progress.clock
    progress.clock = lambda: real_clock() + 3600.0  # as if paused for an hour
    assert progress.elapsed == pytest.approx(elapsed, abs=1e-6)
    window.actions_by_name["train"].trigger()  # Resume
    qtbot.waitUntil(lambda: controller.state == "running", timeout=WAIT_MS)
    assert progress.elapsed < elapsed + 600.0
    assert progress.samples_per_second > rate / 10
    window.stop_training()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=WAIT_MS)


# --- exports and Save As -----------------------------------------------------------------


def test_save_as_names_an_untitled_project_after_its_file(window, tmp_path, monkeypatch):
    window.new_project()
    target = tmp_path / "xor_lesson.nnsproj"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save_as()
    assert window.project.name == "xor_lesson"
    assert window.windowTitle().startswith("xor_lesson")
    assert load_project(target).name == "xor_lesson"


def test_export_suggests_the_project_file_beside_it(window, tmp_path, monkeypatch):
    window.open_sample(SAMPLES / "xor_step.nnsproj")
    saved = tmp_path / "lessons" / "xor_lesson.nnsproj"
    saved.parent.mkdir()
    asked: list[tuple] = []
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (asked.append(a), (str(saved), "") if len(asked) == 1 else (a[2], ""))[1],
    )
    assert window.save_as()
    old = os.umask(0o022)
    try:
        window.export("python")
    finally:
        os.umask(old)
    _parent, title, start, _filter = asked[-1]
    assert title == "Export as Python script"
    assert Path(start) == saved.with_suffix(".py")
    script = saved.with_suffix(".py")
    assert stat.S_IMODE(script.stat().st_mode) == 0o644  # not owner-only
    assert "Untitled" not in script.read_text(encoding="utf-8").splitlines()[0:5].__str__()


# --- File → Open on data -------------------------------------------------------------------


def test_open_on_a_csv_offers_to_load_it_as_data(window, dialogs):
    doc = window.document
    dialogs.answers = [Btn.Yes]
    assert window.open_project(SAMPLES / "xor.csv")
    assert doc.project.data.source.path.endswith("xor.csv")
    assert any("not an NN Studio project" in a for a in dialogs.asked)
    assert doc.undo()  # one step you can undo
    assert not doc.project.data.source.path or not doc.project.data.source.path.endswith("xor.csv")


def test_a_file_that_fails_to_open_asks_nothing_about_unsaved_work(window, tmp_path, dialogs):
    set_training(window, epochs=9)  # unsaved work
    broken = tmp_path / "broken.nnsproj"
    broken.write_bytes(b"not a zip")
    assert not window.open_project(broken)
    assert not any("Save the changes" in a for a in dialogs.asked)
    assert any("Cannot open project" in a for a in dialogs.asked)
    assert window.document.project.training.epochs == 9

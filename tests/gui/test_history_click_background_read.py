"""A jump in the History list back across a switch to another big CSV file reads it in the
background, cancellable, with the window responsive meanwhile (the list's ``QUndoView`` moved
the stack with ``setIndex`` at once, reading the file on the GUI thread with no Cancel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer

from nnstudio.gui.commands import AddNodeCommand
from tests.gui.background_reads import READ, hold_reads, no_read_running, window_with_two_files


@pytest.fixture
def gated(monkeypatch):
    yield from hold_reads(monkeypatch)


@pytest.fixture
def window(open_window, qtbot, tmp_path, monkeypatch):
    """A window that opened file A, then file B, then added a layer (three undo steps)."""
    win = window_with_two_files(open_window, qtbot, tmp_path, monkeypatch)
    assert win.document.push(AddNodeCommand(win.document, "Dropout", position=(0, 300)))
    assert win.document.undo_stack.index() == 3
    assert _selected_row(win) == 3
    return win


def _columns(win) -> list[str]:
    return [str(c) for c in win.document.workspace.table.frame.columns]


def _selected_row(win) -> int:
    return win.workbench.history.selectionModel().currentIndex().row()


def _pick(win, row: int) -> None:
    """Select ``row`` of the History list as a click or the arrow keys do."""
    view = win.workbench.history
    view.selectionModel().setCurrentIndex(
        view.model().index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )


def _dropouts(win) -> int:
    return sum(node.type == "Dropout" for node in win.document.project.graph.nodes.values())


def test_jumping_back_to_a_big_file_in_the_history_reads_it_while_the_window_runs(
    qtbot, window, gated
):
    gate, order = gated
    reader = window.workbench.data.reader

    def tick() -> None:
        order.append("timer")
        gate.set()

    QTimer.singleShot(0, tick)
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        _pick(window, 1)
        # The file is read in the background: the jump waits until it is read.
        assert reader.busy()
        assert window.document.undo_stack.index() == 3
    assert finished.args == [True]
    # The window's event loop ran (the timer fired) before the read had finished.
    assert order == ["timer", "read"]
    assert window.document.undo_stack.index() == 1
    assert Path(window.document.project.data.source.path).name == "a.csv"
    assert _columns(window) == ["a", "b", "label"]
    assert len(window.document.workspace.table.frame) == 200
    assert window.document.workspace.prepared is not None
    assert _dropouts(window) == 0
    qtbot.waitUntil(lambda: _selected_row(window) == 1, timeout=READ)


def test_cancelling_the_read_of_a_history_jump_leaves_the_index_and_the_list_unchanged(
    qtbot, window, gated
):
    gate, _order = gated
    reader = window.workbench.data.reader
    data, table = window.document.project.data, window.document.workspace.table
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        _pick(window, 1)
        assert reader.cancel()
    assert finished.args == [False]
    gate.set()
    qtbot.waitUntil(no_read_running, timeout=READ)
    qtbot.wait(0)  # a result the worker may have queued is delivered (and must be dropped)
    assert window.document.undo_stack.index() == 3
    assert window.document.project.data == data
    assert window.document.workspace.table is table
    assert _dropouts(window) == 1
    qtbot.waitUntil(lambda: _selected_row(window) == 3, timeout=READ)
    assert window.statusBar().currentMessage() == (
        "Reading a.csv was cancelled; nothing was undone or redone."
    )


def test_a_history_jump_without_a_data_switch_happens_at_once(qtbot, window):
    _pick(window, 2)
    assert not window.workbench.data.reader.busy()
    assert window.document.undo_stack.index() == 2
    assert _dropouts(window) == 0
    assert _columns(window) == ["x1", "x2", "kind"]
    assert _selected_row(window) == 2


def test_a_history_jump_is_refused_while_training_owns_the_model(qtbot, window):
    window.document.set_locked("Training is running.")
    window.document.unlock_handler = None
    assert not window.document.set_index(1)
    assert window.document.undo_stack.index() == 3
    assert window.statusBar().currentMessage() == "Training is running."


def test_a_mouse_click_on_a_history_row_jumps_through_the_document(qtbot, window, monkeypatch):
    asked: list[int] = []
    real = window.document.set_index
    monkeypatch.setattr(window.document, "set_index", lambda row: asked.append(row) or real(row))
    window.docks["history"].raise_()
    view = window.workbench.history
    qtbot.waitUntil(view.isVisible, timeout=READ)
    row = view.visualRect(view.model().index(2, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    assert asked == [2]
    assert window.document.undo_stack.index() == 2
    assert _dropouts(window) == 0
    qtbot.waitUntil(lambda: _selected_row(window) == 2, timeout=READ)

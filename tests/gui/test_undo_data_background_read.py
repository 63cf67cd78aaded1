"""Undo and Redo of a step that switches to another big CSV file read it in the background,
cancellable, with the window responsive meanwhile (they read it on the GUI thread, frozen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from nnstudio.gui.panels import data_panel as data_panel_module
from tests.gui.background_reads import READ, hold_reads, no_read_running, window_with_two_files


@pytest.fixture
def gated(monkeypatch):
    yield from hold_reads(monkeypatch)


@pytest.fixture
def window(open_window, qtbot, tmp_path, monkeypatch):
    return window_with_two_files(open_window, qtbot, tmp_path, monkeypatch)


def _columns(win) -> list[str]:
    return [str(c) for c in win.document.workspace.table.frame.columns]


def _step_while_the_window_runs(qtbot, win, gated, action) -> None:
    gate, order = gated
    reader = win.workbench.data.reader
    before = win.document.undo_stack.index()

    def tick() -> None:
        order.append("timer")
        gate.set()

    QTimer.singleShot(0, tick)
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        action.trigger()
        # The file is read in the background: the step waits until it is read.
        assert reader.busy()
        assert win.document.undo_stack.index() == before
    assert finished.args == [True]
    # The window's event loop ran (the timer fired) before the read had finished.
    assert order == ["timer", "read"]


def test_undoing_back_to_a_big_file_reads_it_while_the_window_runs(qtbot, window, gated):
    assert _columns(window) == ["x1", "x2", "kind"]
    _step_while_the_window_runs(qtbot, window, gated, window.history_actions.undo)
    assert window.document.undo_stack.index() == 1
    assert Path(window.document.project.data.source.path).name == "a.csv"
    assert _columns(window) == ["a", "b", "label"]
    assert len(window.document.workspace.table.frame) == 200
    assert window.document.workspace.prepared is not None


def test_redoing_the_big_file_reads_it_while_the_window_runs(qtbot, window, gated):
    gate, order = gated
    _step_while_the_window_runs(qtbot, window, gated, window.history_actions.undo)
    gate.clear()
    order.clear()
    _step_while_the_window_runs(qtbot, window, gated, window.history_actions.redo)
    assert window.document.undo_stack.index() == 2
    assert Path(window.document.project.data.source.path).name == "b.csv"
    assert _columns(window) == ["x1", "x2", "kind"]
    assert len(window.document.workspace.table.frame) == 300


def test_cancelling_the_read_undoes_nothing(qtbot, window, gated):
    gate, _order = gated
    reader = window.workbench.data.reader
    data, table = window.document.project.data, window.document.workspace.table
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        window.history_actions.undo.trigger()
        assert reader.cancel()
    assert finished.args == [False]
    gate.set()
    # The worker stops at the read's next check (Cancelled) or hands back a result, dropped.
    qtbot.waitUntil(no_read_running, timeout=READ)
    qtbot.wait(0)  # a result the worker may have queued is delivered (and must be dropped)
    assert window.document.undo_stack.index() == 2
    assert window.document.project.data == data
    assert window.document.workspace.table is table
    assert window.statusBar().currentMessage() == (
        "Reading a.csv was cancelled; nothing was undone or redone."
    )


def test_undo_and_redo_wait_while_a_read_runs(qtbot, window, gated):
    gate, _order = gated
    reader = window.workbench.data.reader
    with qtbot.waitSignal(reader.finished, timeout=READ):
        window.history_actions.undo.trigger()
        # A second Undo now would be taken before the first: it is refused, and says why.
        assert not window.document.undo()
        assert window.statusBar().currentMessage() == (
            "Reading a.csv: undo and redo wait until it is read or cancelled."
        )
        gate.set()
    assert window.document.undo_stack.index() == 1


def test_a_small_file_is_still_undone_at_once(qtbot, window, monkeypatch):
    monkeypatch.setattr(data_panel_module, "SYNC_READ_BYTES", 1 << 30)
    assert window.document.undo()
    assert not window.workbench.data.reader.busy()
    assert window.document.undo_stack.index() == 1
    assert _columns(window) == ["a", "b", "label"]

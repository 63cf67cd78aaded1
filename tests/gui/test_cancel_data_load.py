"""A big CSV is read off the GUI thread and can be cancelled; the data in use stays.

Files up to ``SYNC_READ_BYTES`` are still read at once (the older tests rely on that), so
these tests use a generated file above it and wait on the reader's signals. Where a test
needs the read to be still running at a given moment (the progress dialog is up), a test
hook holds the worker at a gate instead of relying on how fast the machine reads.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QPushButton

from nnstudio.core.data import read_csv
from nnstudio.core.errors import Cancelled
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels import data_panel as data_panel_module
from nnstudio.gui.panels.data_opening import open_csv
from nnstudio.gui.panels.data_panel import SYNC_READ_BYTES, DataPanel

THREAD_NAME = "nnstudio-data-read"


def _write_small(path: Path) -> Path:
    lines = ["a,b,label"] + [f"{i},{i * 2},{i % 2}" for i in range(30)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_big(path: Path, size: int = 2 * SYNC_READ_BYTES + (4 << 20)) -> Path:
    """A numeric CSV with a text target, larger than the synchronous limit."""
    rng = np.random.default_rng(7)
    rows = size // 60 + 1
    values = rng.normal(size=(rows, 4))
    lines = ["x1,x2,x3,x4,kind"]
    lines += [
        f"{a:.6f},{b:.6f},{c:.6f},{d:.6f},{'ab'[i % 2]}" for i, (a, b, c, d) in enumerate(values)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > SYNC_READ_BYTES
    return path


def _no_read_running() -> bool:
    return not any(t.name == THREAD_NAME for t in threading.enumerate())


@pytest.fixture
def panel(qtbot) -> DataPanel:
    widget = DataPanel(ProjectDocument())
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def gated(monkeypatch):
    """Hold every background read at a gate until the test opens it."""
    gate = threading.Event()
    started = threading.Event()

    def held(file, encoding="auto", should_stop=None):
        if should_stop is None:
            return open_csv(file, encoding)  # a small file, read at once
        started.set()
        assert gate.wait(120), "the test never opened the gate"
        return open_csv(file, encoding, should_stop)

    monkeypatch.setattr(data_panel_module, "open_csv", held)
    yield gate, started
    gate.set()


# --- the core's cancellation hook -----------------------------------------------------------


def test_the_core_read_stops_at_whichever_check_asks_it_to(tmp_path):
    big = _write_big(tmp_path / "big.csv")
    calls = 0

    def count() -> bool:
        nonlocal calls
        calls += 1
        return False

    table = read_csv(big, should_stop=count)
    total = calls
    assert len(table.frame) > 0
    assert total > 2  # asked while reading, not only before and after
    for stop_at in range(1, total + 1):
        seen = 0

        def stop(stop_at=stop_at) -> bool:
            nonlocal seen
            seen += 1
            return seen >= stop_at

        with pytest.raises(Cancelled):
            read_csv(big, should_stop=stop)
        assert seen == stop_at


def test_a_read_nobody_cancels_gives_the_same_table_with_and_without_the_hook(tmp_path):
    big = _write_big(tmp_path / "big.csv")
    plain = read_csv(big).frame
    asked = read_csv(big, should_stop=lambda: False).frame
    assert plain.equals(asked)


# --- the panel ------------------------------------------------------------------------------


def test_a_big_file_is_read_in_the_background_and_then_used(qtbot, panel, tmp_path):
    big = _write_big(tmp_path / "big.csv")
    with qtbot.waitSignal(panel.reader.finished, timeout=120_000) as finished:
        assert panel.load_csv(big)
        assert panel.reader.busy()
    assert finished.args == [True]
    workspace = panel.document.workspace
    assert workspace.data_error is None
    assert workspace.table is not None and len(workspace.table.frame) == len(read_csv(big).frame)
    assert panel.document.project.data.targets == ("kind",)
    assert panel.document.undo_stack.undoText() == "Open big.csv"


def test_cancelling_a_big_read_keeps_the_previous_data_and_says_so(qtbot, panel, tmp_path):
    assert panel.load_csv(_write_small(tmp_path / "small.csv"))
    before = panel.document.project.data
    table_before = panel.document.workspace.table
    messages: list[str] = []
    panel.document.message.connect(messages.append)
    with qtbot.waitSignal(panel.reader.finished, timeout=10_000) as finished:
        assert panel.load_csv(_write_big(tmp_path / "big.csv"))
        assert panel.cancel_load()
    assert finished.args == [False]
    qtbot.waitUntil(_no_read_running, timeout=120_000)
    qtbot.wait(0)  # a result the worker may have queued is delivered (and must be dropped)
    assert panel.document.project.data == before
    assert panel.document.workspace.table is table_before
    assert panel.document.undo_stack.undoText() == "Open small.csv"
    assert messages[-1] == "Reading big.csv was cancelled; the data is unchanged."


def test_the_progress_dialog_cancels_the_read_and_the_window_says_so(
    qtbot, open_window, tmp_path, gated
):
    gate, started = gated
    win = open_window(size=(1280, 800))
    win.start()
    win.new_project()
    panel = win.workbench.data
    assert win.load_csv(str(_write_small(tmp_path / "small.csv")))
    before = win.document.project.data
    assert win.load_csv(str(_write_big(tmp_path / "big.csv")))
    qtbot.waitUntil(started.is_set, timeout=10_000)
    qtbot.waitUntil(
        lambda: (
            panel.reader.progress_dialog is not None and panel.reader.progress_dialog.isVisible()
        ),
        timeout=10_000,
    )
    dialog = panel.reader.progress_dialog
    assert "big.csv" in dialog.labelText()
    cancel = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    assert len(cancel) == 1
    with qtbot.waitSignal(panel.reader.finished, timeout=10_000) as finished:
        cancel[0].click()
    assert finished.args == [False]
    assert panel.reader.progress_dialog is None
    assert win.statusBar().currentMessage() == (
        "Reading big.csv was cancelled; the data is unchanged."
    )
    gate.set()
    qtbot.waitUntil(_no_read_running, timeout=120_000)
    qtbot.wait(0)
    assert win.document.project.data == before
    assert win.document.workspace.data_error is None


def test_a_newer_file_replaces_a_read_still_running(qtbot, panel, tmp_path, gated):
    gate, started = gated
    assert panel.load_csv(_write_big(tmp_path / "first.csv"))
    qtbot.waitUntil(started.is_set, timeout=10_000)
    gate.set()
    with qtbot.waitSignal(panel.reader.finished, timeout=120_000) as finished:
        assert panel.load_csv(_write_big(tmp_path / "second.csv"))
    assert finished.args == [True]
    qtbot.waitUntil(_no_read_running, timeout=120_000)
    qtbot.wait(0)
    assert Path(panel.document.project.data.source.path).name == "second.csv"
    assert panel.document.undo_stack.count() == 1


def test_file_load_csv_asks_for_a_file_and_uses_it(qtbot, open_window, tmp_path, monkeypatch):
    small = _write_small(tmp_path / "small.csv")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(small), ""))
    )
    win = open_window(size=(1280, 800))
    win.start()
    win.new_project()
    win.load_data_action.trigger()
    assert Path(win.document.project.data.source.path) == small
    assert win.document.workspace.table is not None

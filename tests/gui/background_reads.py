"""What the background-read tests share (File → Open, Undo/Redo and History jumps onto a big
CSV): a gate that holds the workspace's reads until the test's timer opens it — so a test
passes only if the window's event loop ran during the read — and a window that opened two
"big" files through the data panel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnstudio.core import workspace as workspace_module
from nnstudio.gui.panels import data_panel as data_panel_module

#: Milliseconds a wait on the background read may take (a busy machine).
READ = 120_000
#: The synchronous limit in the Undo/History tests: both files are "big" above it.
LIMIT = 1000


def write_csv(path: Path, header: str, rows: int) -> Path:
    lines = [header] + [f"{i},{i * 2},{'ab'[i % 2]}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > LIMIT
    return path


def no_read_running() -> bool:
    return not any(t.name == "nnstudio-data-read" for t in threading.enumerate())


def hold_reads(
    monkeypatch: pytest.MonkeyPatch, *, background_only: bool = True
) -> Iterator[tuple[threading.Event, list[str]]]:
    """Hold the workspace's reads at a gate; record each read when it finished.

    With ``background_only`` a read on the GUI thread (no ``should_stop``) is not held: it
    records at once, so a step that reads synchronously shows up as a read before the timer.
    """
    gate = threading.Event()
    order: list[str] = []
    real = workspace_module.load_table

    def held(source, *args, should_stop=None, **kwargs):
        if should_stop is not None or not background_only:
            gate.wait(30)  # opened by the test's timer, if the event loop runs meanwhile
        table = real(source, *args, should_stop=should_stop, **kwargs)
        order.append("read")
        return table

    monkeypatch.setattr(workspace_module, "load_table", held)
    yield gate, order
    gate.set()


def window_with_two_files(open_window, qtbot, folder: Path, monkeypatch: pytest.MonkeyPatch):
    """A window that opened file A, then file B, through the data panel (two undo steps)."""
    monkeypatch.setattr(data_panel_module, "SYNC_READ_BYTES", LIMIT)
    win = open_window(size=(1280, 800))
    win.start()
    win.new_project()
    panel = win.workbench.data
    for path in (
        write_csv(folder / "a.csv", "a,b,label", 200),
        write_csv(folder / "b.csv", "x1,x2,kind", 300),
    ):
        with qtbot.waitSignal(panel.reader.finished, timeout=READ) as finished:
            assert panel.load_csv(path)
        assert finished.args == [True]
    assert win.document.undo_stack.index() == 2
    return win

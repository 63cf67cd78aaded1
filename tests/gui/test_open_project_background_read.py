"""Opening a project whose CSV file is big reads the data in the background, cancellable, with
the window responsive meanwhile (the data panel's own loads already did; File → Open and the
recent files read it on the GUI thread)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from nnstudio.core.data import DataSettings, DataSource, read_csv
from nnstudio.core.project.project_file import Project, save_project
from nnstudio.gui.panels.data_panel import SYNC_READ_BYTES
from tests.gui.background_reads import READ, hold_reads, no_read_running


def _big_project(folder: Path) -> Path:
    """A project beside a numeric CSV file a few MB large (above the synchronous limit)."""
    rng = np.random.default_rng(3)
    rows = (SYNC_READ_BYTES + (2 << 20)) // 40
    values = rng.normal(size=(rows, 3))
    lines = ["x1,x2,x3,kind"]
    lines += [f"{a:.6f},{b:.6f},{c:.6f},{'ab'[i % 2]}" for i, (a, b, c) in enumerate(values)]
    csv = folder / "big.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert csv.stat().st_size > SYNC_READ_BYTES
    project = Project(
        data=DataSettings(source=DataSource(kind="csv", path=str(csv)), targets=("kind",))
    )
    project.graph.add_node("Input")
    return save_project(project, folder / "big.nnsproj")


@pytest.fixture
def gated(monkeypatch):
    """Hold the read of a CSV file at a gate (on any thread); records when it finished."""
    yield from hold_reads(monkeypatch, background_only=False)


@pytest.fixture
def window(open_window):
    win = open_window(size=(1280, 800))
    win.start()
    win.new_project()
    return win


def test_opening_a_project_with_a_big_csv_reads_it_while_the_window_runs(
    qtbot, window, tmp_path, gated
):
    gate, order = gated
    path = _big_project(tmp_path)
    reader = window.workbench.data.reader

    def tick() -> None:
        order.append("timer")
        gate.set()

    QTimer.singleShot(0, tick)
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        assert window.open_project(path)
        # The read runs in the background: the old project is still shown meanwhile.
        assert reader.busy() and reader.label() == "big.csv"
        assert window.document.project.path is None
    assert finished.args == [True]
    # The window's event loop ran (the timer fired) before the read had finished.
    assert order == ["timer", "read"]
    project = window.document.project
    assert project.path is not None and Path(project.path) == path
    workspace = window.document.workspace
    assert workspace.data_error is None and workspace.prepared is not None
    assert len(workspace.table.frame) == len(read_csv(tmp_path / "big.csv").frame)
    assert str(path) in window.settings.recent_files()
    assert window.statusBar().currentMessage() == f"Opened {path}"


def test_cancelling_the_read_keeps_the_project_open_before(qtbot, window, tmp_path, gated):
    gate, _order = gated
    path = _big_project(tmp_path)
    reader = window.workbench.data.reader
    before = window.document.project
    with qtbot.waitSignal(reader.finished, timeout=READ) as finished:
        assert window.open_project(path)
        assert reader.cancel()
    assert finished.args == [False]
    gate.set()
    # The worker stops at the read's next check (Cancelled) or hands back a result, dropped.
    qtbot.waitUntil(no_read_running, timeout=READ)
    qtbot.wait(0)  # a result the worker may have queued is delivered (and must be dropped)
    assert window.document.project is before
    assert window.statusBar().currentMessage() == (
        "Reading big.csv was cancelled; the open project is unchanged."
    )


def test_a_project_with_a_small_csv_still_opens_at_once(window, tmp_path):
    csv = tmp_path / "small.csv"
    csv.write_text("a,b,kind\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(30)))
    project = Project(
        data=DataSettings(source=DataSource(kind="csv", path=str(csv)), targets=("kind",))
    )
    path = save_project(project, tmp_path / "small.nnsproj")
    assert window.open_project(path)
    assert Path(window.document.project.path) == path
    assert window.document.workspace.table is not None
    assert not window.workbench.data.reader.busy()

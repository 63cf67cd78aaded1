"""Faults found under load: the race dialog's redraws and note, and stopping a starting run.

On a busy machine the race dialog used to redraw every curve (a dot per epoch) and the table
once per delivered report, so the GUI thread fell further and further behind the contestants
and a close had to work through the whole backlog; a new race kept the last race's result
note; and stopping a run whose training process was still starting (importing torch, slow on
a busy machine) ended that process after 5 s, which lost the weights and reported a failure.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

import pytest
import torch

from nnstudio.core.project import load_project
from nnstudio.core.training import EpochReport
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.race import RaceDialog, RaceRunner
from nnstudio.gui.race.race_runner import RaceWorker
from nnstudio.gui.workers import TrainingController
from tests.conftest import REPO

IRIS = REPO / "samples" / "iris.nnsproj"


@pytest.fixture(autouse=True)
def keep_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def dialog(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(IRIS))
    dlg = RaceDialog(document)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    assert dlg.shutdown(60_000)
    assert not any(t.isRunning() for t in dlg.runner.threads())


@pytest.fixture
def draws(dialog, monkeypatch) -> list[int]:
    """The contestants the dialog redraws, one entry per redraw, in order."""
    calls: list[int] = []
    draw = RaceDialog._draw

    def counting_draw(self, index: int) -> None:
        calls.append(index)
        draw(self, index)

    monkeypatch.setattr(RaceDialog, "_draw", counting_draw)
    return calls


def epoch(n: int) -> EpochReport:
    return EpochReport(n, 1.0 / n, 1.2 / n, {"val_accuracy": 0.5}, 1e-3, 0.01, 1000.0)


def test_a_flood_of_reports_draws_each_curve_once_not_once_per_report(
    qtbot, dialog, draws, monkeypatch
):
    # The contestants are played by the test: the runner starts no thread.
    monkeypatch.setattr(RaceRunner, "start", lambda self, plans, entries: None)
    dialog.epochs.setValue(500)
    assert dialog.start_race() is None
    reports = 300
    for n in range(1, reports + 1):
        for index in range(3):
            dialog.runner.entry_events.emit(index, [epoch(n)])
    # Every report is kept at once; drawing them waits for the event loop.
    assert [h.epochs_done for h in dialog.histories] == [reports] * 3
    qtbot.waitUntil(
        lambda: all(len(dialog.curve_data(i)[0]) == reports for i in range(3)), timeout=60_000
    )
    assert Counter(draws) == {0: 1, 1: 1, 2: 1}
    assert dialog.cards[2].status.text() == f"epoch {reports}/500 · loss {1 / reports:.4f}"
    assert dialog.table.item(0, 1).text() == f"{1 / reports:.4f}"


def test_closing_with_a_full_event_queue_joins_every_thread_and_draws_each_curve_once(
    qtbot, dialog, draws, monkeypatch
):
    # Count the reports each contestant sends, and hold the GUI thread until every one has
    # sent many: they queue up unread, as on a machine too busy to keep up.
    sent = Counter()
    lock = threading.Lock()
    flooded = threading.Event()
    send = RaceWorker._send

    def counting_send(self, batch: list) -> None:
        if any(isinstance(e, EpochReport) for e in batch):
            with lock:
                sent[self.index] += 1
                if len(sent) == 3 and min(sent.values()) >= 30:
                    flooded.set()
        send(self, batch)

    monkeypatch.setattr(RaceWorker, "_send", counting_send)
    dialog.epochs.setValue(100_000)
    assert dialog.start_race() is None
    threads = dialog.runner.threads()
    assert flooded.wait(120)
    draws.clear()
    dialog.close()
    assert not any(t.isRunning() for t in threads)
    assert not dialog.runner.running
    assert all(r is not None and r.reason == "stopped" for r in dialog.results)
    # Each contestant is drawn once with everything it reported, not once per report.
    assert Counter(draws) == {0: 1, 1: 1, 2: 1}
    for i, result in enumerate(dialog.results):
        assert len(dialog.curve_data(i)[0]) == result.history.epochs_done > 0
    assert dialog.status.text() == "Race stopped."


def test_a_new_race_clears_the_previous_races_note(qtbot, dialog):
    dialog.epochs.setValue(2)
    with qtbot.waitSignal(dialog.race_finished, timeout=60_000):
        assert dialog.start_race() is None
    assert dialog.table_note.text().startswith("Lowest final loss:")
    dialog.epochs.setValue(100_000)
    assert dialog.start_race() is None
    assert dialog.status.text() == "Racing…"
    assert dialog.table_note.text() == ""


#: Put first on the training process's path: it delays the process's import of torch (the
#: slow part of its start) past the 5 s the shutdown used to allow, as a busy machine does.
SLOW_START = """
import sys
import time


class SlowTorchImport:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            sys.meta_path.remove(self)
            time.sleep(6)
        return None


sys.meta_path.insert(0, SlowTorchImport())
"""


def test_stopping_a_run_whose_training_process_is_still_starting_keeps_its_weights(
    qtbot, tmp_path: Path, monkeypatch
):
    (tmp_path / "sitecustomize.py").write_text(SLOW_START, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.delenv("NNSTUDIO_TRAIN_IN_THREAD", raising=False)
    document = ProjectDocument()
    document.replace_project(load_project(IRIS))
    controller = TrainingController(document)
    failures: list[str] = []
    controller.run_failed.connect(failures.append)
    try:
        assert controller.start() is None
        assert controller._process is not None  # the training process, not the thread fallback
        assert controller.shutdown()
        assert failures == []
        assert not controller.running and document.lock_reason is None
        assert controller.last_result is not None and controller.last_result.reason == "stopped"
        assert document.project.weights is not None
    finally:
        controller.shutdown()
        controller.close_process()

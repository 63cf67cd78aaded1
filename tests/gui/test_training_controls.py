"""Train, pause, resume, stop and step from the window; closing and editing while training."""

from __future__ import annotations

import math
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.training import BatchReport, EpochReport, RunPaused
from nnstudio.gui.commands import AddNodeCommand, SetTrainingSettingsCommand
from tests.conftest import REPO

SAMPLES = REPO / "samples"
Btn = QMessageBox.StandardButton
#: Milliseconds any wait on the training process may take: it starts (imports torch) and
#: trains on a machine that may be busy; a healthy run needs a small part of this.
TRAINING = 60_000


class Recorder:
    """Everything the controller delivered to the GUI thread."""

    def __init__(self, controller) -> None:
        self.deliveries: list[list] = []
        controller.events_ready.connect(self.deliveries.append)

    @property
    def events(self) -> list:
        return [e for batch in self.deliveries for e in batch]

    def count(self, kind) -> int:
        return sum(isinstance(e, kind) for e in self.events)


@pytest.fixture
def window(open_window):
    win = open_window()
    win.start(SAMPLES / "iris.nnsproj")
    return win


def set_training(win, **changes) -> None:
    doc = win.document
    doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(**changes)))


def test_train_pause_resume_stop(window, qtbot):
    set_training(window, epochs=5000, batch_size=4)
    controller = window.controller
    rec = Recorder(controller)
    window.actions_by_name["train"].trigger()
    assert controller.state == "running"
    assert not window.actions_by_name["step"].isEnabled()
    qtbot.waitUntil(lambda: rec.count(BatchReport) > 20, timeout=TRAINING)

    window.actions_by_name["pause"].trigger()
    qtbot.waitUntil(lambda: controller.state == "paused", timeout=TRAINING)
    assert rec.count(RunPaused) == 1
    seen = rec.count(BatchReport)
    assert window.actions_by_name["train"].text() == "&Resume"
    assert not window.actions_by_name["pause"].isEnabled()
    # Nothing trains while paused: one step runs exactly one batch and pauses again. Reports
    # come back in order, so a batch run while paused would be counted before that pause.
    window.actions_by_name["step"].trigger()
    qtbot.waitUntil(lambda: rec.count(RunPaused) == 2, timeout=TRAINING)
    assert rec.count(BatchReport) == seen + 1
    assert controller.state == "paused"

    window.actions_by_name["train"].trigger()  # resume
    qtbot.waitUntil(lambda: rec.count(BatchReport) > seen + 10, timeout=TRAINING)
    window.actions_by_name["stop"].trigger()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=TRAINING)
    project = window.document.project
    assert project.weights is not None and project.epochs_trained >= 0
    assert not controller.running and window.document.lock_reason is None
    assert window.isWindowModified()


def test_step_batch_from_idle_runs_exactly_one_batch(window, qtbot):
    controller = window.controller
    rec = Recorder(controller)
    window.actions_by_name["step"].trigger()
    qtbot.waitUntil(
        lambda: controller.state == "paused" and rec.count(BatchReport) == 1, timeout=TRAINING
    )
    # One batch, not more: reports come back in order, so a batch run while paused would be
    # counted before the pause that ends the next step.
    paused = rec.count(RunPaused)
    window.actions_by_name["step"].trigger()
    qtbot.waitUntil(lambda: rec.count(RunPaused) == paused + 1, timeout=TRAINING)
    assert rec.count(BatchReport) == 2 and controller.state == "paused"
    window.actions_by_name["step_epoch"].trigger()
    steps = controller.plan.job  # the epoch ends after the remaining batches
    qtbot.waitUntil(
        lambda: rec.count(EpochReport) == 1 and controller.state == "paused", timeout=TRAINING
    )
    assert steps is not None
    window.actions_by_name["stop"].trigger()
    qtbot.waitUntil(lambda: not controller.running, timeout=TRAINING)


def test_reports_are_throttled(window, qtbot):
    set_training(window, epochs=60, batch_size=1)
    controller = window.controller
    rec = Recorder(controller)
    started = time.perf_counter()
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: not controller.running, timeout=TRAINING)
    elapsed = time.perf_counter() - started
    batches = rec.count(BatchReport)
    assert batches == 60 * len(window.document.workspace.prepared.x_train)
    # At most ~20 deliveries a second (plus start/end/pause flushes), each carrying many
    # batches, never one signal per batch.
    assert len(rec.deliveries) <= elapsed / 0.05 + 10
    assert batches / len(rec.deliveries) > 5
    for event in rec.events:
        for value in vars(event).values() if hasattr(event, "__dict__") else ():
            assert "Tensor" not in type(value).__name__


def test_close_during_training_stops_cleanly(window, qtbot, dialogs):
    set_training(window, epochs=100000)
    controller = window.controller
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=TRAINING)
    thread = controller._thread
    dialogs.answers = [Btn.Yes, Btn.Discard]
    assert window.close()
    assert any("Stop it and quit" in a for a in dialogs.asked)
    assert not controller.running
    assert isinstance(thread, QThread)


def test_diverging_run_stops_with_a_message_and_finite_weights(window, qtbot, dialogs):
    window.open_sample(SAMPLES / "regression.nnsproj")
    doc = window.document
    set_training(window, optimizer={"name": "sgd", "lr": 5.0, "momentum": 0.9}, epochs=200)
    controller = window.controller
    results = []
    controller.run_finished.connect(results.append)
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: bool(results), timeout=TRAINING)
    result = results[0]
    assert result.reason == "diverged"
    assert any("Training diverged" in a for a in dialogs.asked)
    assert result.history.diverged_at
    for tensor in doc.project.weights.values():
        assert all(math.isfinite(float(v)) for v in tensor.reshape(-1))


def test_editing_while_training_asks_to_stop(window, qtbot, dialogs):
    set_training(window, epochs=100000)
    doc, controller = window.document, window.controller
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=TRAINING)
    nodes = len(doc.workspace.graph.nodes)
    dialogs.answers = [Btn.No]
    assert not doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300)))
    assert len(doc.workspace.graph.nodes) == nodes and controller.running
    dialogs.answers = [Btn.Yes]
    assert doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300)))
    assert len(doc.workspace.graph.nodes) == nodes + 1
    assert not controller.running and doc.project.weights is not None


def test_train_keeps_the_neuron_view_in_front_and_feeds_it(window, qtbot):
    """A teacher showing the neurons presses Train: the view stays and comes alive."""
    from nnstudio.core.training.probes import WeightsFrame

    set_training(window, epochs=5000, batch_size=8)
    window.docks["neurons"].raise_()
    qtbot.waitUntil(lambda: window.workbench.neurons.isVisible())
    rec = Recorder(window.controller)
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: rec.count(WeightsFrame) >= 1, timeout=TRAINING)
    window.actions_by_name["stop"].trigger()
    qtbot.waitUntil(lambda: window.controller.state == "idle", timeout=TRAINING)
    assert window.workbench.neurons.isVisible()
    assert window.workbench.neurons.source_text.startswith(("Live", "Trained", "Stopped"))

"""Training off the GUI thread: a worker object in a QThread, and the controller that owns it.

The loop itself is :func:`nnstudio.core.training.train`; the worker only forwards its reports.
Reports are collected in the training thread and sent as one list at most every
:data:`EMIT_INTERVAL` seconds (pause, start and end are sent at once), so a fast run cannot
flood the GUI thread. Payloads are frozen dataclasses of floats and copied numpy arrays. The
classroom probes (decision boundary, weights for the neuron view) run in the training thread
between batches, where touching the model is safe, at their own slower rate.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.losses import LOSSES
from nnstudio.core.session import RunPlan, plan_run, store_result
from nnstudio.core.training import (
    ReportPolicy,
    RunEnded,
    RunPaused,
    RunStarted,
    TrainingControl,
    TrainingResult,
    train,
)
from nnstudio.core.training.probes import Grid, decision_boundary, weights_frame

log = logging.getLogger(__name__)

#: Seconds between two deliveries of reports to the GUI (≈ 20 per second at most).
EMIT_INTERVAL = 0.1
#: Seconds between two classroom snapshots (boundary, weights).
PROBE_INTERVAL = 0.2


@dataclass(frozen=True)
class WatchOptions:
    """Which live snapshots the views want, decided by the main window before a run."""

    boundary: Grid | None = None
    weights: bool = False
    weights_grid: Grid | None = None
    #: One input row whose z and a are sent with every weights snapshot (neuron hover).
    sample: torch.Tensor | None = None
    detail_seconds: float = 0.25
    batches: bool = True


class TrainingWorker(QObject):
    """Runs one training job when ``run`` is called in its thread."""

    events_ready = Signal(list)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        plan: RunPlan,
        control: TrainingControl,
        watch: WatchOptions,
        emit_interval: float = EMIT_INTERVAL,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.control = control
        self.watch = watch
        self.emit_interval = emit_interval
        self._buffer: list[object] = []
        self._last_emit = 0.0
        self._last_probe = 0.0
        self._expects = LOSSES.get(plan.job.settings.loss["name"]).expects
        self.emitted_batches = 0

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:
            # End the thread's event loop too, so QThread.wait() returns once training ends.
            QThread.currentThread().quit()

    def _run(self) -> None:
        # Leave a core for the GUI thread.
        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
        policy = ReportPolicy(
            batches=self.watch.batches,
            detail_seconds=self.watch.detail_seconds,
            detail_per_epoch=True,
        )
        try:
            result = train(self.plan.job, self._on_event, self.control, policy)
        except NNStudioError as exc:
            self._flush()
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a bug: report it instead of killing the thread silently
            log.error("training crashed:\n%s", traceback.format_exc())
            self._flush()
            self.failed.emit(f"Training stopped because of an internal error: {exc!r}")
            return
        self._flush()
        self.finished.emit(result)

    def _on_event(self, event: object) -> None:
        self._buffer.append(event)
        now = time.perf_counter()
        urgent = isinstance(event, (RunStarted, RunPaused, RunEnded))
        if urgent or now - self._last_probe >= PROBE_INTERVAL:
            self._probe(event, now)
        if urgent or now - self._last_emit >= self.emit_interval:
            self._flush()

    def _probe(self, event: object, now: float) -> None:
        self._last_probe = now
        if isinstance(event, RunEnded):
            return
        epoch = getattr(event, "epoch", 0)
        step = getattr(event, "step", 0)
        model = self.plan.job.model
        if self.watch.boundary is not None:
            self._buffer.append(
                decision_boundary(model, self.watch.boundary, self._expects, epoch=epoch, step=step)
            )
        if self.watch.weights:
            self._buffer.append(
                weights_frame(
                    model, self.watch.weights_grid, epoch=epoch, step=step, sample=self.watch.sample
                )
            )

    def _flush(self) -> None:
        if self._buffer:
            batch, self._buffer = self._buffer, []
            self.events_ready.emit(batch)
            self.emitted_batches += 1
        self._last_emit = time.perf_counter()


class TrainingController(QObject):
    """Starts, steers and cleans up training runs for one ProjectDocument.

    States: ``idle`` → ``running`` ⇄ ``paused`` → ``stopping`` → ``idle``.
    """

    state_changed = Signal(str)
    events_ready = Signal(list)
    run_started = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(str)

    def __init__(self, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.state = "idle"
        self.plan: RunPlan | None = None
        self.control: TrainingControl | None = None
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self.watch = WatchOptions()
        self.last_result: TrainingResult | None = None

    # --- queries ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    def can_resume(self) -> bool:
        project = self.document.project
        return project.weights is not None and project.epochs_trained < project.training.epochs

    # --- commands --------------------------------------------------------------------------

    def start(self, *, paused: bool = False, resume: bool | None = None) -> str | None:
        """Begin a run; returns None, or the reason it cannot start (shown to the user)."""
        if self.running:
            return "Training is already running."
        doc = self.document
        reason = doc.blocking_reason()
        if reason:
            return reason
        resume = self.can_resume() if resume is None else resume
        loaded = (doc.table, doc.prepared)
        try:
            try:
                plan = plan_run(doc.project, resume=resume, loaded=loaded)
            except NNStudioError:
                if not resume:
                    raise
                plan = plan_run(doc.project, resume=False, loaded=loaded)
        except NNStudioError as exc:
            return str(exc)
        self.plan = plan
        self.control = TrainingControl(start_paused=paused)
        self._thread = QThread(self)
        self._thread.setObjectName("nnstudio-training")
        self._worker = TrainingWorker(plan, self.control, self.watch)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.events_ready.connect(self._on_events)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        doc.set_locked("Training is running: stop it before editing.")
        self._set_state("paused" if paused else "running")
        self.run_started.emit(plan)
        self._thread.start()
        return None

    def pause(self) -> None:
        if self.control and self.state == "running":
            self.control.pause()

    def resume(self) -> None:
        if self.control and self.state == "paused":
            self.control.resume()
            self._set_state("running")

    def stop(self) -> None:
        if self.control and self.running:
            self.control.stop()
            self._set_state("stopping")

    def step_batch(self) -> str | None:
        return self._step(TrainingControl.step_batch)

    def step_epoch(self) -> str | None:
        return self._step(TrainingControl.step_epoch)

    def _step(self, action: Callable[[TrainingControl], None]) -> str | None:
        """Run one step of the paused run, first starting one (paused) when none is running.

        Returns why a run could not start, or None.
        """
        if not self.running:
            refused = self.start(paused=True)
            if refused:
                return refused
        if self.control:
            action(self.control)
            self._set_state("running")
        return None

    def reset_weights(self) -> None:
        """Forget trained weights: the next run starts from freshly initialised ones."""
        if not self.running:
            self.document.project.clear_training()
            self.document.mark_dirty()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop and join the worker (window closing); True when no thread is left running."""
        if not self.running:
            return True
        assert self._thread is not None
        if self.control:
            self.control.stop()
            self._set_state("stopping")
        finished = self._thread.wait(timeout_ms)
        # Deliver the queued finished/failed signal now, so the project keeps the weights.
        deadline = time.monotonic() + 2.0
        while finished and self.running and time.monotonic() < deadline:
            QCoreApplication.sendPostedEvents()
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if self.running and finished:
            self._cleanup()
        return finished

    # --- worker signals --------------------------------------------------------------------

    def _on_events(self, events: list) -> None:
        for event in events:
            if isinstance(event, RunPaused) and self.state != "stopping":
                self._set_state("paused")
        self.events_ready.emit(events)

    def _on_finished(self, result: TrainingResult) -> None:
        assert self.plan is not None
        store_result(self.document.project, self.plan, result)
        self.last_result = result
        self._cleanup()
        self.document.mark_dirty()
        self.run_finished.emit(result)

    def _on_failed(self, message: str) -> None:
        self._cleanup()
        self.run_failed.emit(message)

    def _cleanup(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.quit()
            thread.wait(5000)
        if self._worker is not None:
            self._worker.deleteLater()
        if thread is not None:
            thread.deleteLater()
        self._thread, self._worker, self.control = None, None, None
        self.document.set_locked(None)
        self._set_state("idle")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

"""Training off the GUI thread, and the controller that starts, steers and cleans up runs.

Only the Qt relays live here; the runtime itself is Qt-free, in
:mod:`nnstudio.core.training.runtime`. By default a run trains in the training process
(:class:`~nnstudio.core.training.runtime.client.TrainingProcess`): small networks make the loop
Python-bound, and in a thread it would fight the GUI for Python's interpreter lock — the plots
would stutter and training would slow down several-fold. A :class:`ProcessWorker`, a QObject in
a QThread, sends the job and then only waits for replies, turning them into Qt signals. Reports
come in lists at most every :data:`~nnstudio.core.training.runtime.batching.EMIT_INTERVAL`
seconds (start, pause and end at once), so a fast run cannot flood the GUI thread; payloads are
frozen dataclasses of floats and numpy arrays.

``NNSTUDIO_TRAIN_IN_THREAD=1`` (or a platform where the process cannot start) trains in a
:class:`ThreadWorker` instead, with the same signals and the same batching.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.reports import RunPaused
from nnstudio.core.training.runtime.batching import WatchOptions, run_job
from nnstudio.core.training.runtime.client import (
    AuthenticationFailed,
    ProcessEnded,
    RemoteControl,
    TrainingProcess,
    TrainingProcessError,
)
from nnstudio.core.training.runtime.protocol import Message
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.core.training.engine import TrainingJob, TrainingResult
    from nnstudio.core.training.plan import RunPlan


log = logging.getLogger(__name__)
#: Seconds the relay waits for a reply before it checks the process is still there.
REPLY_POLL = 0.2
#: Milliseconds :meth:`TrainingController.shutdown` waits for the run to answer a stop before
#: it ends the training process. A running process answers within one batch, but one started
#: moments ago (Train, then at once Stop, an edit or closing the window) answers only once
#: it has imported torch, which takes well over 5 s on a busy machine; ending it then would
#: lose the weights and report a failure. So this only gives up on a process that hangs.
SHUTDOWN_TIMEOUT_MS = 60_000

__all__ = ["ProcessWorker", "ThreadWorker", "TrainingController"]


class ProcessWorker(QObject):
    """Hands a job to the training process and relays what comes back (lives in a QThread)."""

    events_ready = Signal(list)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self, process: TrainingProcess, job: TrainingJob, watch: WatchOptions, paused: bool
    ) -> None:
        super().__init__()
        self.process = process
        self.job = job
        self.watch = watch
        self.paused = paused

    @Slot()
    def run(self) -> None:
        try:
            self._relay()
        finally:
            QThread.currentThread().quit()

    def submit(self) -> None:
        """Hand the job over; called in the GUI thread so steering sent right after follows it.

        It returns at once: the process's own thread writes the job out, even while a freshly
        started process still imports torch (see
        :class:`~nnstudio.core.training.runtime.client.CommandSender`).
        """
        self.process.run(self.job, self.watch, self.paused)

    def _relay(self) -> None:
        while True:
            try:
                reply = self.process.next_reply(REPLY_POLL)
            except ProcessEnded as exc:
                self.failed.emit(str(exc))
                return
            if reply is None:
                continue
            if reply.kind is Message.EVENTS:
                (batch,) = reply.args
                self.events_ready.emit(batch)
            elif reply.kind is Message.FINISHED:
                result, state = reply.args
                self.job.model.load_state_dict(state)
                self.finished.emit(result)
                return
            elif reply.kind is Message.FAILED:
                (text,) = reply.args
                if "\n" in text:
                    log.error("%s", text)
                    text = text.splitlines()[0]
                self.failed.emit(text)
                return


class ThreadWorker(QObject):
    """Trains in its own QThread (the fallback when no training process is available)."""

    events_ready = Signal(list)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: TrainingJob, watch: WatchOptions, control: TrainingControl) -> None:
        super().__init__()
        self.job = job
        self.watch = watch
        self.control = control

    @Slot()
    def run(self) -> None:
        try:
            result = run_job(self.job, self.watch, self.control, self.events_ready.emit)
        except NNStudioError as exc:
            self.failed.emit(error_text(exc))
        except Exception as exc:  # a bug: report it instead of killing the thread silently
            log.error("training crashed:\n%s", traceback.format_exc())
            self.failed.emit(
                _("Training stopped because of an internal error: {error!r}").format(error=exc)
            )
        else:
            self.finished.emit(result)
        finally:
            QThread.currentThread().quit()


def release_worker(worker: QObject) -> None:
    """Cut a finished worker's signals (its reference cycles then go with it)."""
    for name in ("events_ready", "finished", "failed"):
        signal = getattr(worker, name, None)
        if signal is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect()


def _use_process() -> bool:
    return os.environ.get("NNSTUDIO_TRAIN_IN_THREAD", "") not in ("1", "true", "yes")


class TrainingController(QObject):
    """Starts, steers and cleans up training runs for one ProjectDocument.

    States: ``idle`` → ``running`` ⇄ ``paused`` → ``stopping`` → ``idle``.
    """

    state_changed = Signal(str)
    events_ready = Signal(list)
    run_started = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(str)
    #: Something the user should know about the training process (a refused handshake).
    process_notice = Signal(str)
    #: The process started by :meth:`prewarm` is there (or failed); emitted from its thread.
    _process_started = Signal()

    def __init__(self, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.state = "idle"
        self.plan: RunPlan | None = None
        self.control: TrainingControl | RemoteControl | None = None
        self._thread: QThread | None = None
        self._worker: QObject | None = None
        self._process: TrainingProcess | None = None
        #: The training process being started in the background (see :meth:`prewarm`).
        self._starting: Future[TrainingProcess] | None = None
        self.watch = WatchOptions()
        self.last_result: TrainingResult | None = None
        self._process_started.connect(self._take_process)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close_process)

    # --- queries ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    def can_resume(self) -> bool:
        """Whether Train continues the last run: weights that still fit, epochs left to run."""
        return self.document.workspace.can_resume()

    # --- the training process --------------------------------------------------------------

    def prewarm(self) -> None:
        """Start the training process now (it imports torch), so Train starts at once.

        It is started in a thread of its own: starting it waits until the new interpreter has
        connected back (0.1–0.2 s), which in the GUI thread froze the window that long right
        after it opened. :meth:`_take_process` keeps it once it is there (or when a run needs
        it sooner, waiting then).
        """
        if not _use_process() or self._starting is not None:
            return
        if self._process is not None and self._process.alive:
            return
        self._let_go_of_ended_process()
        future: Future[TrainingProcess] = Future()
        self._starting = future
        threading.Thread(
            target=self._start_process, args=(future,), name="nnstudio-process-start", daemon=True
        ).start()

    def _start_process(self, future: Future[TrainingProcess]) -> None:  # in its own thread
        try:
            future.set_result(TrainingProcess())
        except BaseException as exc:  # handed to the GUI thread by _take_process
            future.set_exception(exc)
        with contextlib.suppress(RuntimeError):  # the controller was deleted meanwhile
            self._process_started.emit()

    def _take_process(self) -> None:
        """Keep the process being started (waiting for it if it is not there yet); a failure
        leaves training to a thread, saying why where the user should hear it."""
        future, self._starting = self._starting, None
        if future is None:
            return
        try:
            self._process = future.result()
        except AuthenticationFailed as exc:
            self._process = None
            self._handshake_failed(exc)
        except (OSError, TrainingProcessError, ValueError) as exc:
            log.warning("no training process (%s); training in a thread", exc)
            self._process = None

    def _let_go_of_ended_process(self) -> None:
        """Close a process that ended (crashed, or was ended by :meth:`shutdown`) before it is
        replaced: its connections and writing thread would otherwise stay behind."""
        if self._process is not None and not self._process.alive:
            self._process.close()
            self._process = None

    def _handshake_failed(self, exc: AuthenticationFailed) -> None:
        """Say that what connected back was refused: something other than the process NN
        Studio started answered on its socket (see ``runtime/protocol.py``), which the user
        should hear of rather than a silent fallback or a vague "did not start"."""
        log.warning("training process refused: %s; training in a thread", exc)
        self.process_notice.emit(
            _(
                "The training process was refused: what connected back could not prove it was "
                "the process NN Studio started (its handshake failed), so nothing it sent was "
                "read. Training runs inside the app instead."
            )
        )

    def close_process(self) -> None:
        self._take_process()  # one being started is closed too, never left behind
        if self._process is not None:
            self._process.close()
            self._process = None

    # --- commands --------------------------------------------------------------------------

    def start(self, *, paused: bool = False, resume: bool | None = None) -> str | None:
        """Begin a run; returns None, or the reason it cannot start (shown to the user)."""
        if self.running:
            return _("Training is already running.")
        doc = self.document
        reason = doc.workspace.blocking_reason()
        if reason:
            return reason
        workspace = doc.workspace
        resume = workspace.can_resume() if resume is None else resume
        try:
            try:
                plan = workspace.plan_run(resume=resume)
            except NNStudioError:
                if not resume:
                    raise
                plan = workspace.plan_run(resume=False)
        except NNStudioError as exc:
            return error_text(exc)
        self.plan = plan
        self.prewarm()
        self._take_process()
        self._thread = QThread(self)
        self._thread.setObjectName("nnstudio-training")
        if self._process is not None:
            self.control = RemoteControl(self._process)
            worker: QObject = ProcessWorker(self._process, plan.job, self.watch, paused)
            worker.submit()
        else:
            self.control = TrainingControl(start_paused=paused)
            worker = ThreadWorker(plan.job, self.watch, self.control)
        self._worker = worker
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        worker.events_ready.connect(self._on_events)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        # Translated now: every panel shows the reason as it is (the language is fixed for the
        # session; View → Language takes effect at the next start).
        doc.set_locked(_("Training is running: stop it before editing."))
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

    def stop(self, keep_best: bool = False) -> None:
        """End the run after its batch; ``keep_best``: with the weights of the epoch with the
        lowest training loss (the diverging banner's choice)."""
        if self.control and self.running:
            self.control.stop(keep_best=keep_best)
            self._set_state("stopping")

    def step_batch(self) -> str | None:
        return self._step(lambda control: control.step_batch())

    def step_epoch(self) -> str | None:
        return self._step(lambda control: control.step_epoch())

    def _step(self, action: Callable[[TrainingControl | RemoteControl], None]) -> str | None:
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
            self.document.workspace.clear_training()
            self.document.mark_dirty()

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Stop and join the worker (window closing); True when no thread is left running."""
        if not self.running:
            return True
        assert self._thread is not None
        if self.control:
            self.control.stop()
            self._set_state("stopping")
        finished = self._thread.wait(timeout_ms)
        if not finished and self._process is not None:
            # A training process that does not answer is ended; the relay then reports it.
            self._process.terminate()
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
        self.document.workspace.store_result(self.plan, result)
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
        # The worker is a Python-owned QObject: dropping the reference deletes it. Calling
        # deleteLater too would let Qt delete it a second time (a crash at garbage collection).
        if self._worker is not None:
            release_worker(self._worker)
        if thread is not None:
            thread.deleteLater()
        self._thread, self._worker, self.control = None, None, None
        self.document.set_locked(None)
        self._set_state("idle")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

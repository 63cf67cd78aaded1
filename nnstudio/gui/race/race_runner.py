"""Runs an optimiser race: one worker in its own QThread per contestant, side by side.

Why threads side by side rather than one after the other: the students watch the curves grow
together, which is the point of a race. Each worker sets ``torch.set_num_threads(1)`` so the
contestants share the cores fairly instead of fighting with intra-op threads (for the small
networks of the lessons, one core per run is also the fastest setting). The setting is global
in torch, so the runner puts the previous value back when the race ends.

The contestants share nothing mutable: each has its own model copy and optimiser; the data
tensors are only read. (torch's global random generator is shared, so races of networks with
Dropout are not bit-for-bit repeatable; everything else is.)

Like the app's training runs, each worker hands its reports on through the core's
:class:`~nnstudio.core.training.runtime.batching.EventBatcher`, at most one batch per
:data:`EMIT_INTERVAL` (start and end at once), and nothing is ever killed:
:meth:`RaceRunner.shutdown` asks every run to stop (within one batch) and joins every thread.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Sequence

import torch
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from nnstudio.core.catalogue.optimizers import build_optimizer
from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons.race import RACE_POLICY, RaceEntry, RaceResult
from nnstudio.core.training import TrainingControl, train
from nnstudio.core.training.plan import RunPlan
from nnstudio.core.training.runtime.batching import EventBatcher
from nnstudio.gui.workers import release_worker
from nnstudio.i18n import _, tr

__all__ = ["EMIT_INTERVAL", "RaceRunner", "RaceWorker"]

log = logging.getLogger(__name__)

#: Seconds between two deliveries of one contestant's reports to the GUI (quicker than a
#: training run's: a race reports only epochs, and its curves should grow smoothly).
EMIT_INTERVAL = 0.05


class RaceWorker(QObject):
    """Trains one contestant when ``run`` is called in its thread."""

    events_ready = Signal(int, list)
    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(
        self, index: int, plan: RunPlan, entry: RaceEntry, control: TrainingControl
    ) -> None:
        super().__init__()
        self.index = index
        self.plan = plan
        self.entry = entry
        self.control = control

    @Slot()
    def run(self) -> None:
        torch.set_num_threads(1)
        _warm_up(self.entry)
        batcher = EventBatcher(self._send, emit_interval=EMIT_INTERVAL)
        t0 = time.thread_time()
        try:
            result = train(self.plan.job, batcher, self.control, RACE_POLICY)
        except NNStudioError as exc:
            batcher.flush()
            # Translated here: a Qt signal carries a plain str, not the core's Text.
            self.failed.emit(self.index, tr(str(exc)))
            return
        except Exception as exc:  # a bug: report it rather than lose the thread silently
            log.error("race run crashed:\n%s", traceback.format_exc())
            batcher.flush()
            self.failed.emit(self.index, _("internal error: {error!r}").format(error=exc))
            return
        batcher.flush()
        seconds = time.thread_time() - t0
        self.finished.emit(
            self.index,
            RaceResult(self.entry, result.history, seconds, result.reason, result.message),
        )

    def _send(self, batch: list) -> None:
        """Hand one batch of this contestant's reports to the GUI thread."""
        self.events_ready.emit(self.index, batch)


def _warm_up(entry: RaceEntry) -> None:
    """One step of the entry's optimiser on a dummy weight, before the clock starts.

    torch imports and initialises much lazily on the first optimiser step (over a second),
    which would otherwise be charged to whichever contestant happens to step first.
    """
    try:
        weight = torch.nn.Parameter(torch.zeros(2))
        optimizer = build_optimizer(entry.component(), [weight])
        weight.grad = torch.ones(2)
        optimizer.step()
    except (NNStudioError, RuntimeError, ValueError):
        pass  # the real run reports any problem


class RaceRunner(QObject):
    """Owns the workers and threads of one race at a time.

    Signals carry the contestant's index (its position in the entries passed to :meth:`start`).
    """

    #: (index, list of reports: RunStarted, EpochReport, RunEnded)
    entry_events = Signal(int, list)
    #: (index, RaceResult)
    entry_finished = Signal(int, object)
    #: (index, message)
    entry_failed = Signal(int, str)
    #: Every contestant is done; the list holds a RaceResult (or None if it failed) per entry.
    race_finished = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controls: list[TrainingControl] = []
        self.results: list[RaceResult | None] = []
        self._threads: list[QThread] = []
        self._workers: list[RaceWorker] = []
        self._pending: set[int] = set()
        self._threads_before = torch.get_num_threads()

    @property
    def running(self) -> bool:
        return bool(self._pending)

    def threads(self) -> list[QThread]:
        """The threads of the current (or last) race, for whoever must check they ended."""
        return list(self._threads)

    def start(self, plans: Sequence[RunPlan], entries: Sequence[RaceEntry]) -> None:
        """Start every contestant at once (a race already running is refused)."""
        if self.running:
            raise RuntimeError("a race is already running")
        if len(plans) != len(entries):
            raise ValueError("one plan per entry")
        self._dispose()
        self._threads_before = torch.get_num_threads()
        n = len(plans)
        self.results = [None] * n
        self.controls = [TrainingControl() for _index in range(n)]
        self._pending = set(range(n))
        for index, (plan, entry) in enumerate(zip(plans, entries, strict=True)):
            thread = QThread(self)
            thread.setObjectName(f"nnstudio-race-{index + 1}")
            worker = RaceWorker(index, plan, entry, self.controls[index])
            worker.moveToThread(thread)
            thread.started.connect(worker.run)
            worker.events_ready.connect(self._on_worker_events)
            worker.finished.connect(self._on_worker_finished)
            worker.failed.connect(self._on_worker_failed)
            self._threads.append(thread)
            self._workers.append(worker)
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Ask every contestant to stop (each finishes its current batch and reports)."""
        for control in self.controls:
            control.stop()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop and join every thread (dialog closing); True when none is left running."""
        self.stop()
        deadline = time.perf_counter() + timeout_ms / 1000
        for thread in self._threads:
            left = max(0, int((deadline - time.perf_counter()) * 1000))
            thread.quit()  # a worker that already returned leaves its thread's event loop idle
            thread.wait(left)
        # Deliver the queued finished signals so results and state are settled.
        QCoreApplication.sendPostedEvents(self)
        QCoreApplication.processEvents()
        ok = not any(t.isRunning() for t in self._threads)
        if ok and self._pending:
            self._pending.clear()
            self._race_done()
        return ok

    # --- worker signals --------------------------------------------------------------------

    @Slot(int, list)
    def _on_worker_events(self, index: int, events: list) -> None:
        self.entry_events.emit(index, events)

    @Slot(int, object)
    def _on_worker_finished(self, index: int, result: RaceResult) -> None:
        self.results[index] = result
        self._end(index)
        self.entry_finished.emit(index, result)
        self._maybe_done()

    @Slot(int, str)
    def _on_worker_failed(self, index: int, message: str) -> None:
        self._end(index)
        self.entry_failed.emit(index, message)
        self._maybe_done()

    def _end(self, index: int) -> None:
        self._pending.discard(index)
        thread = self._threads[index]
        thread.quit()
        thread.wait(5000)

    def _maybe_done(self) -> None:
        if not self._pending:
            self._race_done()

    def _race_done(self) -> None:
        torch.set_num_threads(self._threads_before)
        self.race_finished.emit(list(self.results))

    def _dispose(self) -> None:
        """Forget the previous race's (finished) threads and workers."""
        # Workers are Python-owned: dropping them deletes them (deleteLater would delete twice).
        for worker in self._workers:
            release_worker(worker)
        for thread in self._threads:
            thread.wait(5000)
            thread.deleteLater()
        self._threads, self._workers = [], []

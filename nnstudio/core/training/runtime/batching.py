"""Reports of a run handed on in batches, with the live snapshots the views asked for.

A run reports every batch; handing each report to a GUI on its own would flood it (and, from
the training process, cost a pipe message each). An :class:`EventBatcher` sits in the thread
that trains: it collects the reports and hands them on as one list at most every
``emit_interval`` seconds, except that a run's start, pause and end go out at once (a paused
run must show it is paused). The same batcher serves the training process
(:mod:`.child`), the in-process fallback (``gui/workers.py``'s ``ThreadWorker``) and every
contestant of an optimiser race, so they all pace their reports the same way.

:func:`run_job` is the one way a watched run is trained, in the child process or in a thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.errors import UserFacingError
from nnstudio.core.lazy import lazy_module
from nnstudio.core.training.probes import Grid, decision_boundary, weights_frame
from nnstudio.core.training.reports import RunEnded, RunPaused, RunStarted
from nnstudio.core.training.safety import Diverging
from nnstudio.core.training.threads import apply_threads, choose_threads, requested_threads

if TYPE_CHECKING:
    from nnstudio.core.training.control import TrainingControl
    from nnstudio.core.training.engine import TrainingJob, TrainingResult


torch = lazy_module("torch", globals())
#: The training loop (it needs torch), imported when a run is trained.
engine = lazy_module("nnstudio.core.training.engine", globals())

#: Seconds between two deliveries of reports to the watcher (10 per second at most).
EMIT_INTERVAL = 0.1
#: Seconds between two classroom snapshots (decision boundary, weights).
PROBE_INTERVAL = 0.2

#: Reports handed on at once, whatever the interval: the views must show them without delay
#: (a diverging run's warning too: the user can still stop it with its best weights).
URGENT = (RunStarted, RunPaused, RunEnded, Diverging)


@dataclass(frozen=True)
class WatchOptions:
    """Which live snapshots the views want, decided before a run starts."""

    boundary: Grid | None = None
    weights: bool = False
    weights_grid: Grid | None = None
    #: One input row whose z and a are sent with every weights snapshot (neuron hover).
    sample: torch.Tensor | None = None
    detail_seconds: float = 0.25
    batches: bool = True
    #: Torch threads the user chose for training (None: the rule of ``threads.py``).
    threads: int | None = None
    #: Extra listeners of the run's reports, as factories: each has a ``listener(model)``
    #: method returning an ``on_event`` callable (closed with its ``close()``, if it has one,
    #: when the run ends). Factories, not listeners, because they travel to the training
    #: process (they must pickle) and the model they watch is made there. The app's
    #: "also write TensorBoard logs" is one (``core/experiments/tensorboard.py``).
    listeners: tuple[Any, ...] = ()


class LiveProbes:
    """The snapshots of ``watch`` taken from ``model``, between batches where that is safe."""

    def __init__(self, model: torch.nn.Module, watch: WatchOptions, expects: str) -> None:
        self.model = model
        self.watch = watch
        self.expects = expects

    def snapshots(self, event: object) -> list[object]:
        """Snapshots to send with ``event`` (none after the run has ended)."""
        if isinstance(event, RunEnded):
            return []
        epoch = getattr(event, "epoch", 0)
        step = getattr(event, "step", 0)
        watch = self.watch
        taken: list[object] = []
        if watch.boundary is not None:
            taken.append(
                decision_boundary(self.model, watch.boundary, self.expects, epoch=epoch, step=step)
            )
        if watch.weights:
            taken.append(
                weights_frame(
                    self.model, watch.weights_grid, epoch=epoch, step=step, sample=watch.sample
                )
            )
        return taken


class EventBatcher:
    """Collects reports in the training thread and hands them to ``emit`` in batches.

    Call it with each report (it is the training loop's ``on_event``), and :meth:`flush` once
    the run is over so nothing stays behind. ``probes``, when given, add their snapshots at
    most every ``probe_interval`` seconds and with every urgent report. ``clock`` is
    injectable so the pacing can be tested without waiting.
    """

    def __init__(
        self,
        emit: Callable[[list], None],
        *,
        probes: LiveProbes | None = None,
        emit_interval: float = EMIT_INTERVAL,
        probe_interval: float = PROBE_INTERVAL,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.emit = emit
        self.probes = probes
        self.emit_interval = emit_interval
        self.probe_interval = probe_interval
        self.clock = clock
        self.buffer: list[object] = []
        # The first report always goes out (and is probed) at once.
        self.last_emit = -math.inf
        self.last_probe = -math.inf

    def __call__(self, event: object) -> None:
        self.buffer.append(event)
        now = self.clock()
        urgent = isinstance(event, URGENT)
        if self.probes is not None and (urgent or now - self.last_probe >= self.probe_interval):
            self.last_probe = now
            self.buffer.extend(self.probes.snapshots(event))
        if urgent or now - self.last_emit >= self.emit_interval:
            self.flush()

    def flush(self) -> None:
        """Hand on whatever is collected (nothing is sent when nothing is waiting)."""
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self.emit(batch)
        self.last_emit = self.clock()


def worker_threads(requested: int | None = None) -> int:
    """Torch threads for training while a GUI runs: the idle cores, leaving the window one.

    ``requested`` (the app's preference) wins; else ``NNSTUDIO_THREADS`` when it is valid
    (the app checked it at start-up); else the rule of :mod:`nnstudio.core.training.threads`.
    """
    if requested is None:
        try:
            requested = requested_threads()
        except UserFacingError:
            requested = None
    return choose_threads(requested, reserve=1)


def run_job(
    job: TrainingJob,
    watch: WatchOptions,
    control: TrainingControl,
    emit: Callable[[list], None],
    emit_interval: float = EMIT_INTERVAL,
) -> TrainingResult:
    """Train ``job`` reporting through ``emit`` in batches; raises what :func:`train` raises."""
    apply_threads(worker_threads(watch.threads))
    policy = engine.ReportPolicy(
        batches=watch.batches, detail_seconds=watch.detail_seconds, detail_per_epoch=False
    )
    expects = LOSSES.get(job.settings.loss["name"]).expects
    batcher = EventBatcher(
        emit, probes=LiveProbes(job.model, watch, expects), emit_interval=emit_interval
    )
    extra = [factory.listener(job.model) for factory in watch.listeners]

    def on_event(event: object) -> None:
        for listener in extra:
            listener(event)
        batcher(event)

    try:
        return engine.train(job, on_event if extra else batcher, control, policy)
    finally:
        batcher.flush()
        for listener in extra:
            close = getattr(listener, "close", None)
            if callable(close):
                close()


__all__ = [
    "EMIT_INTERVAL",
    "PROBE_INTERVAL",
    "URGENT",
    "EventBatcher",
    "LiveProbes",
    "WatchOptions",
    "run_job",
    "worker_threads",
]

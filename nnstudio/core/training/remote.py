"""Training watched from afar: batched reports, live probes, and a separate training process.

Small teaching networks make the training loop Python-bound, and Python threads share one
interpreter lock: a GUI thread that paints plots would slow training down several-fold (and
training would make the window stutter). So the app trains in a child process that only
imports the Qt-free core. Both sides talk through two pipes; everything sent is one of this
package's own report dataclasses, numpy arrays or tensors — never data read from a project
file.

The same :func:`run_job` also runs in-process (tests, the race, or when processes are not
available), so the behaviour is identical either way.
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any

import torch

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import ReportPolicy, TrainingJob, TrainingResult, train
from nnstudio.core.training.probes import Grid, decision_boundary, weights_frame
from nnstudio.core.training.reports import RunEnded, RunPaused, RunStarted

#: Seconds between two deliveries of reports to the watcher (10 per second at most).
EMIT_INTERVAL = 0.1
#: Seconds between two classroom snapshots (decision boundary, weights).
PROBE_INTERVAL = 0.2


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


class EventBatcher:
    """Collects reports in the training thread and hands them on in batches.

    Start, pause and end go out at once (a paused run must show it is paused); everything else
    at most every ``emit_interval`` seconds. Probes run here, between batches, where using the
    model is safe.
    """

    def __init__(
        self,
        emit: Callable[[list], None],
        model: torch.nn.Module,
        watch: WatchOptions,
        expects: str,
        emit_interval: float = EMIT_INTERVAL,
    ) -> None:
        self.emit = emit
        self.model = model
        self.watch = watch
        self.expects = expects
        self.emit_interval = emit_interval
        self.buffer: list[object] = []
        self.last_emit = 0.0
        self.last_probe = 0.0

    def __call__(self, event: object) -> None:
        self.buffer.append(event)
        now = time.perf_counter()
        urgent = isinstance(event, (RunStarted, RunPaused, RunEnded))
        if urgent or now - self.last_probe >= PROBE_INTERVAL:
            self._probe(event, now)
        if urgent or now - self.last_emit >= self.emit_interval:
            self.flush()

    def _probe(self, event: object, now: float) -> None:
        self.last_probe = now
        if isinstance(event, RunEnded):
            return
        epoch = getattr(event, "epoch", 0)
        step = getattr(event, "step", 0)
        watch = self.watch
        if watch.boundary is not None:
            self.buffer.append(
                decision_boundary(self.model, watch.boundary, self.expects, epoch=epoch, step=step)
            )
        if watch.weights:
            self.buffer.append(
                weights_frame(
                    self.model, watch.weights_grid, epoch=epoch, step=step, sample=watch.sample
                )
            )

    def flush(self) -> None:
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self.emit(batch)
        self.last_emit = time.perf_counter()


def worker_threads() -> int:
    """Torch threads for training while a GUI runs: leave it a core."""
    return max(1, (os.cpu_count() or 2) - 1)


def run_job(
    job: TrainingJob,
    watch: WatchOptions,
    control: TrainingControl,
    emit: Callable[[list], None],
    emit_interval: float = EMIT_INTERVAL,
) -> TrainingResult:
    """Train ``job`` reporting through ``emit``; raises what :func:`train` raises."""
    torch.set_num_threads(worker_threads())
    policy = ReportPolicy(
        batches=watch.batches, detail_seconds=watch.detail_seconds, detail_per_epoch=False
    )
    expects = LOSSES.get(job.settings.loss["name"]).expects
    batcher = EventBatcher(emit, job.model, watch, expects, emit_interval)
    try:
        return train(job, batcher, control, policy)
    finally:
        batcher.flush()


def slim_data(data: Any) -> SimpleNamespace:
    """Only what the loop needs from prepared data (cheap to send to another process)."""
    return SimpleNamespace(
        x_train=data.x_train,
        y_train=data.y_train,
        x_val=data.x_val,
        y_val=data.y_val,
        task=data.task,
        n_classes=data.n_classes,
    )


# --- the child process ---------------------------------------------------------------------


def send(conn: Connection, message: Any) -> None:
    """Send over our own authenticated pipe, tensors copied into the message.

    ``Connection.send`` would use torch's shared-memory reductions, which hand out file
    descriptors through a helper that only processes started by ``multiprocessing`` can use.
    """
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def receive(conn: Connection) -> Any:
    """The counterpart of :func:`send` (only ever used between NN Studio's own processes)."""
    return pickle.loads(conn.recv_bytes())


def child_main(commands: Connection, events: Connection) -> None:
    """Entry point of the training process: run jobs until told to quit.

    A listener thread owns the command pipe: a ``run`` message queues a job with a fresh
    :class:`TrainingControl`, later steering messages go to that control, so a "step" sent
    right after "run" is never lost.
    """
    jobs: queue.Queue[Any] = queue.Queue()
    current: list[TrainingControl] = []

    def listen() -> None:
        while True:
            try:
                message = receive(commands)
            except (EOFError, OSError):
                message = ("quit",)
            kind = message[0]
            if kind == "run":
                _, job, watch, paused = message
                control = TrainingControl(start_paused=paused)
                current[:] = [control]
                jobs.put((job, watch, control))
            elif kind == "quit":
                for control in current:
                    control.stop()
                jobs.put(None)
                return
            elif current:
                control = current[0]
                if kind == "pause":
                    control.pause()
                elif kind == "resume":
                    control.resume()
                elif kind == "stop":
                    control.stop()
                elif kind == "step_batch":
                    control.step_batch(message[1] if len(message) > 1 else 1)
                elif kind == "step_epoch":
                    control.step_epoch()

    threading.Thread(target=listen, name="nnstudio-commands", daemon=True).start()
    send(events, ("ready",))
    while True:
        item = jobs.get()
        if item is None:
            return
        job, watch, control = item

        def emit(batch: list) -> None:
            send(events, ("events", batch))

        try:
            result = run_job(job, watch, control, emit)
        except NNStudioError as exc:
            send(events, ("failed", str(exc)))
            continue
        except Exception as exc:  # a bug: say so instead of dying silently
            send(
                events,
                (
                    "failed",
                    f"Training stopped because of an internal error: {exc!r}\n"
                    f"{traceback.format_exc()}",
                ),
            )
            continue
        state = {k: v.detach().cpu() for k, v in job.model.state_dict().items()}
        send(events, ("finished", result, state))

"""A frame budget: the live views' redraws, spread over the event loop's turns.

While a run trains, reports arrive about ten times a second and each can make every live view
stale: the plot tabs kept fresh, the neuron view, the progress. Redrawing all of them where
the report is handled made one task of the GUI thread out of several views' data refreshes
and paints (well over one 60 Hz frame, 16 ms), so the window stuttered although the thread
was idle most of the time. Here each stale view is a job; a turn of the event loop runs at
most :attr:`FrameBudget.per_turn` of them, oldest first (round-robin: a view made stale
again keeps its place in the queue, so none waits for more than one round), and the paint
that a job's changes cause happens in a turn of its own, before the next job, because the
next turn starts :data:`TURN_GAP_MS` later.

The owners decide how often they ask (each view at most a few times a second while a run
trains) and call :meth:`FrameBudget.flush` when the latest state must be on screen at once
(a run ended). One budget serves the whole GUI thread (:func:`frame_budget`): the turns
belong to the thread, not to one view.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QProgressBar

__all__ = ["TURN_GAP_MS", "FrameBudget", "frame_budget", "set_value_later"]

#: Milliseconds between two turns with jobs: long enough for the window to paint what the
#: previous job changed (its paint requests are posted events, delivered first) and for
#: other events (input, the probe of a benchmark) to be handled in between.
TURN_GAP_MS = 2


class FrameBudget(QObject):
    """Runs queued redraw jobs, at most ``per_turn`` of them per turn of the event loop."""

    def __init__(self, parent: QObject | None = None, per_turn: int = 1) -> None:
        super().__init__(parent)
        self.per_turn = per_turn
        self._jobs: OrderedDict[Hashable, Callable[[], None]] = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TURN_GAP_MS)
        self._timer.timeout.connect(self._turn)
        #: The keys of the jobs each of the last turns ran, last turn last (for tests, benches).
        self.turns: list[tuple[Hashable, ...]] = []

    def request(self, key: Hashable, job: Callable[[], None]) -> None:
        """Run ``job`` in a coming turn; a job already queued under ``key`` keeps its place
        (and is replaced: only the latest request's job runs). A key that is a Qt object
        deleted before its turn (a closed window's view) is skipped."""
        self._jobs[key] = job
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self, key: Hashable) -> None:
        """Forget the job queued under ``key`` (its owner has just redrawn by itself)."""
        self._jobs.pop(key, None)

    def pending(self) -> list[Hashable]:
        """Keys of the queued jobs, in the order they will run."""
        return list(self._jobs)

    def flush(self) -> None:
        """Run every queued job now (the latest state must be on screen at once)."""
        self._timer.stop()
        ran: list[Hashable] = []
        try:
            while self._jobs:
                self._run_next(ran)
        finally:
            self._remember(ran)

    def _turn(self) -> None:
        ran: list[Hashable] = []
        try:
            while self._jobs and len(ran) < self.per_turn:
                self._run_next(ran)
        finally:
            self._remember(ran)
            if self._jobs:
                self._timer.start()

    def _run_next(self, ran: list[Hashable]) -> None:
        key, job = self._jobs.popitem(last=False)
        if isinstance(key, QObject) and not shiboken6.isValid(key):
            return
        ran.append(key)
        job()

    def _remember(self, keys: list[Hashable]) -> None:
        if keys:
            self.turns.append(tuple(keys))
            del self.turns[:-16]


def frame_budget() -> FrameBudget:
    """The GUI thread's budget (made on first use, owned by the application)."""
    app = QCoreApplication.instance()
    existing = app.findChild(FrameBudget, "nnstudio-frame-budget") if app is not None else None
    if existing is not None:
        return existing
    budget = FrameBudget(app)
    budget.setObjectName("nnstudio-frame-budget")
    return budget


def set_value_later(bar: QProgressBar, value: int) -> None:
    """``bar.setValue(value)``, painted with the window's next paint instead of at once.

    ``QProgressBar.setValue`` repaints synchronously whenever its text changes (each epoch),
    and a synchronous repaint paints everything else in the window that waits for a paint:
    the report handler that moved the bar painted the plots and neurons it had changed too,
    in one long task. With updates off the repaint does nothing; turning them back on asks
    for an ordinary (posted) paint.
    """
    if bar.value() == value:
        return
    bar.setUpdatesEnabled(False)
    bar.setValue(value)
    bar.setUpdatesEnabled(True)

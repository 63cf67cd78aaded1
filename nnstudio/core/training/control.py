"""Thread-safe requests to a running training loop: stop, pause, resume, single steps.

The loop calls :meth:`TrainingControl.checkpoint` between batches, so every request takes
effect within one batch. Nothing is ever killed: a stopped run returns normally with its
weights intact.
"""

from __future__ import annotations

import threading


class TrainingControl:
    """Shared between the thread that trains and the thread (GUI, test) that steers."""

    def __init__(self, *, start_paused: bool = False) -> None:
        self._cond = threading.Condition()
        self._stop = False
        #: True while a stop or a pause is pending: the loop reads this one attribute before
        #: each batch and calls :meth:`checkpoint` only when it is set (set under the lock by
        #: every request, read without it: a bool attribute read is atomic).
        self.requested = start_paused
        #: The stop asked for the weights with the lowest training loss to be kept.
        self.keep_best = False
        self._paused = start_paused
        self._batch_budget = 0
        self._epoch_budget = False

    # --- requests (any thread) -------------------------------------------------------------

    def stop(self, keep_best: bool = False) -> None:
        """End the run after its batch; ``keep_best``: keep the weights of the epoch with the
        lowest training loss (what a diverging run is stopped with)."""
        with self._cond:
            self._stop = True
            self.requested = True
            self.keep_best = self.keep_best or keep_best
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self.requested = True
            self._batch_budget = 0
            self._epoch_budget = False

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self.requested = self._stop
            self._cond.notify_all()

    def step_batch(self, count: int = 1) -> None:
        """Run ``count`` more batches, then pause again."""
        with self._cond:
            self._paused = True
            self.requested = True
            self._batch_budget += count
            self._cond.notify_all()

    def step_epoch(self) -> None:
        """Run to the end of the current epoch, then pause."""
        with self._cond:
            self._paused = True
            self.requested = True
            self._epoch_budget = True
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused and self._batch_budget == 0 and not self._epoch_budget

    # --- the training thread ---------------------------------------------------------------

    def checkpoint(self, on_wait=None) -> bool:
        """Called before each batch; blocks while paused. Returns False when asked to stop.

        ``on_wait`` is called once when the loop actually starts waiting, so the caller can
        report "paused" to whoever watches.
        """
        if not self._paused and not self._stop:
            return True
        with self._cond:
            announced = False
            while not self._stop:
                if not self._paused:
                    return True
                if self._batch_budget > 0:
                    self._batch_budget -= 1
                    return True
                if self._epoch_budget:
                    return True
                if not announced and on_wait is not None:
                    announced = True
                    self._cond.release()
                    try:
                        on_wait()
                    finally:
                        self._cond.acquire()
                    continue
                self._cond.wait(0.5)
            return False

    def end_of_epoch(self) -> None:
        """Called after each epoch: a pending "step epoch" is now used up."""
        with self._cond:
            self._epoch_budget = False

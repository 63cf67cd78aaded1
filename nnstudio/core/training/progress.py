"""Where a running training run stands: epoch, batch, active time, time left, throughput.

The status bar shows this while a run trains. Time spent paused is not training time: it
is left out of the elapsed time, the estimate of the time left and the samples per second
(a paused run used to report its throughput falling from 20,895 to 4,871 samples/s).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nnstudio.core.training.reports import BatchReport, EpochReport, RunPaused, RunStarted
from nnstudio.i18n import _


@dataclass
class RunProgress:
    """Follows a run's reports and the user's pause/resume; Qt-free, clock injectable."""

    epochs: int = 0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    first_epoch: int = 0
    steps_per_epoch: int = 1
    epoch: int | None = None
    #: Epochs completed, counted from the project's first (a resumed run starts above 0).
    epochs_done: int = 0
    batch: int = 0
    samples: int = 0
    started_at: float | None = None
    paused_at: float | None = None
    paused_total: float = 0.0

    def consume(self, events: Iterable[object]) -> None:
        """Take in a batch of reports as the training run sent them."""
        for event in events:
            if isinstance(event, RunStarted):
                self.started_at = self.clock()
                self.paused_at, self.paused_total = None, 0.0
                self.first_epoch, self.epochs = event.start_epoch, event.epochs
                self.steps_per_epoch = max(1, event.steps_per_epoch)
                self.epoch, self.batch, self.samples = None, 0, 0
                self.epochs_done = event.start_epoch
            elif isinstance(event, BatchReport):
                self.epoch, self.batch = event.epoch, event.batch
                self.samples += event.samples
            elif isinstance(event, EpochReport):
                self.epoch, self.batch = event.epoch, self.steps_per_epoch
                self.epochs_done = event.epoch
            elif isinstance(event, RunPaused):
                self.pause()

    def pause(self) -> None:
        if self.paused_at is None and self.started_at is not None:
            self.paused_at = self.clock()

    def resume(self) -> None:
        if self.paused_at is not None:
            self.paused_total += self.clock() - self.paused_at
            self.paused_at = None

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def elapsed(self) -> float:
        """Seconds spent training, pauses left out."""
        if self.started_at is None:
            return 0.0
        now = self.paused_at if self.paused_at is not None else self.clock()
        return max(0.0, now - self.started_at - self.paused_total)

    @property
    def current_epoch(self) -> int:
        return self.epoch if self.epoch is not None else self.first_epoch + 1

    @property
    def fraction_done(self) -> float:
        """Share of this run's epochs done (batches of the current epoch count in part)."""
        total = max(1e-9, self.epochs - self.first_epoch)
        done = (self.current_epoch - 1 - self.first_epoch) + self.batch / self.steps_per_epoch
        return max(0.0, done) / total

    @property
    def remaining(self) -> float:
        done = self.fraction_done
        return self.elapsed / done * (1.0 - done) if done > 0 else 0.0

    @property
    def samples_per_second(self) -> float:
        elapsed = self.elapsed
        return self.samples / elapsed if elapsed > 0 else 0.0

    def text(self) -> str:
        """One line for the status bar, in the current language."""
        return _(
            "epoch {epoch}/{epochs} · batch {batch}/{batches} · {elapsed} elapsed · "
            "{left} left · {speed:,.0f} samples/s"
        ).format(
            epoch=self.current_epoch,
            epochs=self.epochs,
            batch=self.batch,
            batches=self.steps_per_epoch,
            elapsed=clock_text(self.elapsed),
            left=clock_text(self.remaining),
            speed=self.samples_per_second,
        )


def clock_text(seconds: float) -> str:
    """``m:ss`` (minutes may exceed 59)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


__all__ = ["RunProgress", "clock_text"]

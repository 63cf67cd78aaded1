"""The status bar's run progress: epochs, time left and throughput, pauses left out."""

from __future__ import annotations

import pytest

from nnstudio.core.training.progress import RunProgress, clock_text
from nnstudio.core.training.reports import BatchReport, EpochReport, RunPaused, RunStarted


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def started(clock: Clock, epochs: int = 10, steps: int = 4, first: int = 0) -> RunProgress:
    progress = RunProgress(epochs=epochs, clock=clock)
    progress.consume([RunStarted(epochs, steps, 400, first, "cpu")])
    return progress


def batch(epoch: int, index: int, samples: int = 100) -> BatchReport:
    return BatchReport(epoch, index, index, 0.5, 0.01, samples)


def test_elapsed_time_left_and_rate_follow_the_reports():
    clock = Clock()
    progress = started(clock)
    clock.now += 10.0
    progress.consume([batch(1, 1), batch(1, 2), batch(1, 3), batch(1, 4)])
    progress.consume([EpochReport(1, 0.5, None, {}, 0.01, 10.0, 40.0)])
    assert progress.elapsed == pytest.approx(10.0)
    assert progress.epochs_done == 1
    assert progress.fraction_done == pytest.approx(0.1)
    assert progress.remaining == pytest.approx(90.0)
    assert progress.samples_per_second == pytest.approx(40.0)
    assert progress.text() == ("epoch 1/10 · batch 4/4 · 0:10 elapsed · 1:30 left · 40 samples/s")


def test_a_pause_neither_counts_as_time_nor_lowers_the_rate():
    clock = Clock()
    progress = started(clock)
    clock.now += 5.0
    progress.consume([batch(1, 1, 1000), RunPaused(1, 1)])
    rate = progress.samples_per_second
    clock.now += 3600.0
    assert progress.elapsed == pytest.approx(5.0)
    progress.resume()
    clock.now += 5.0
    progress.consume([batch(1, 2, 1000)])
    assert progress.elapsed == pytest.approx(10.0)
    assert progress.samples_per_second == pytest.approx(rate)


def test_a_resumed_run_counts_from_its_first_epoch():
    clock = Clock()
    progress = started(clock, epochs=20, first=10)
    assert progress.current_epoch == 11 and progress.epochs_done == 10
    clock.now += 2.0
    progress.consume([batch(11, 2)])
    assert progress.fraction_done == pytest.approx(0.05)


def test_clock_text_writes_minutes_and_seconds():
    assert clock_text(0) == "0:00"
    assert clock_text(59.9) == "0:59"
    assert clock_text(3725) == "62:05"

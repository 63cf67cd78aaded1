"""What a live plot costs the GUI thread while training (issue 12, "UI while training").

A run marks a view stale whenever any of its curves changed; the view must then redraw only
the curves whose data changed, and a curve of any length must reach the screen as a bounded
number of points. These tests count what is handed to pyqtgraph (no timings): the plots are
driven with report objects, as the training child sends them; nothing trains.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from nnstudio.core.training import BatchReport, EpochReport, RunStarted
from tests.gui.plot_panels import panel_of, release_panels  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("release_panels")


def epoch_events(first: int, last: int, steps: int = 10) -> list[object]:
    events: list[object] = []
    for epoch in range(first, last + 1):
        for batch in range(1, steps + 1):
            step = (epoch - 1) * steps + batch
            events.append(BatchReport(epoch, batch, step, 1.0 / step, 0.01, 32))
        events.append(
            EpochReport(epoch, 1.0 / epoch, 1.2 / epoch, {"train_accuracy": 0.5}, 0.01, 0.1, 1e3)
        )
    return events


def count_set_data(item) -> list[int]:
    """Count the item's ``setData`` calls from now on (it still draws)."""
    calls: list[int] = []
    original = item.setData

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    item.setData = counted
    return calls


def test_batches_alone_redraw_the_batch_curves_but_not_the_epoch_curves(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    panel.consume([RunStarted(20, 10, 320, 0, "cpu"), *epoch_events(1, 5)])
    loss.ensure_fresh()
    train_calls = count_set_data(loss.train_curve)
    val_calls = count_set_data(loss.val_curve)
    batch_calls = count_set_data(loss.batch_curve)
    metric_calls = [count_set_data(item) for item in loss.metrics.curves.values()]
    more = [BatchReport(6, b, 50 + b, 0.1, 0.01, 32) for b in range(1, 6)]
    panel.consume(more)
    loss.ensure_fresh()
    assert len(batch_calls) == 1
    assert len(loss.batch_curve.xData) == 55
    assert train_calls == [] and val_calls == []
    assert all(calls == [] for calls in metric_calls)
    # The epoch ends: now the epoch curves draw (once) with the new point.
    panel.consume(epoch_events(6, 6)[-1:])
    loss.ensure_fresh()
    assert len(train_calls) == 1 and len(loss.train_curve.xData) == 6


def test_a_redraw_with_nothing_new_sets_no_data(qtbot):
    panel = panel_of(qtbot)
    lr = panel.view("Learning rate")
    loss = panel.show_tab("Loss & metric")
    panel.consume([RunStarted(20, 10, 320, 0, "cpu"), *epoch_events(1, 3)])
    panel.refresh_all()
    items = [loss.train_curve, loss.val_curve, loss.batch_curve, loss.ema_curve]
    items += list(loss.metrics.curves.values())
    items += [lr.epoch_curve, lr.batch_curve]
    calls = [count_set_data(item) for item in items]
    for view in (loss, lr):
        view.dirty = True  # stale, as a run marks it, with no new numbers
        view.ensure_fresh()
    assert all(c == [] for c in calls)


def test_switching_the_per_batch_curve_off_and_on_draws_it_again(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    panel.consume([RunStarted(20, 10, 320, 0, "cpu"), *epoch_events(1, 3)])
    loss.ensure_fresh()
    loss.per_batch.setChecked(False)
    assert loss.batch_curve.xData is None or len(loss.batch_curve.xData) == 0
    loss.per_batch.setChecked(True)
    assert len(loss.batch_curve.xData) == 30 and len(loss.ema_curve.yData) == 30


def test_changing_the_smoothing_redraws_the_average_only(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    panel.consume([RunStarted(20, 10, 320, 0, "cpu"), *epoch_events(1, 3)])
    loss.ensure_fresh()
    before = np.array(loss.ema_curve.yData)
    batch_calls = count_set_data(loss.batch_curve)
    loss.set_beta(0.5)
    assert batch_calls == []
    assert not np.allclose(before, loss.ema_curve.yData)


def test_a_million_epochs_reach_the_screen_as_a_few_thousand_points(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    n = 1_000_000
    record = panel.record
    record.epoch.extend(np.arange(1, n + 1, dtype=np.float64))
    record.train_loss.extend(1.0 / np.arange(1, n + 1))
    record.val_loss.extend(1.2 / np.arange(1, n + 1))
    record.lr.extend(np.full(n, 0.01))
    loss.dirty = True
    loss.ensure_fresh()
    assert loss.plot.vb.width() > 100
    # pyqtgraph's peak downsampling draws a minimum and a maximum per bin, about five bins
    # per pixel: ten points per pixel at most, whatever the length of the curve.
    per_pixel = 12

    def drawn_few() -> bool:  # once the view has ranged over the new data and repainted
        width = loss.plot.vb.width()
        return all(
            item.curve.xData is not None and len(item.curve.xData) <= per_pixel * width
            for item in (loss.train_curve, loss.val_curve)
        )

    qtbot.waitUntil(drawn_few, timeout=10_000)
    for item in (loss.train_curve, loss.val_curve):
        assert len(item.xData) == n  # the data is all there (hover, export) …
        shown = item.curve.xData  # … what is drawn is a few points per pixel
        assert shown[0] <= n / 1000 and shown[-1] >= n * 0.999  # still the whole run


def test_garbage_is_collected_in_the_gui_thread_only(qapp, qtbot):
    """A collection started by the report-relaying thread crashed the app mid-run."""
    from nnstudio.gui.app import _collect_in_gui_thread  # what run_app installs

    collected_in: list[int] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            collected_in.append(threading.get_ident())

    gc.callbacks.append(note)
    collector = _collect_in_gui_thread(qapp)
    try:

        def churn() -> None:  # cyclic garbage, as unpickled reports and dropped items make
            for _ in range(20_000):
                cycle: list = []
                cycle.append(cycle)

        worker = threading.Thread(target=churn)
        worker.start()
        worker.join()
        gui = threading.get_ident()
        qtbot.waitUntil(lambda: gui in collected_in, timeout=10_000)
        assert set(collected_in) == {gui}
    finally:
        gc.callbacks.remove(note)
        collector.stop()
        collector.deleteLater()

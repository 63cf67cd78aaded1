"""Axes that grow in steps while a run goes on (issue 12, "UI while training").

Every change of a plot's range re-lays the tick labels of both its axes (their costliest
paint) and re-clips its long curves. A run of n epochs used to change the loss plot's range
at every redraw; it must now change O(log n) times, while its curves always stay fully in
view and fill most of it, and a range the student zoomed to stays put. The plots are driven
with report objects, as the training child sends them; nothing trains, nothing is timed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.training import BatchReport, EpochReport, RunStarted
from tests.gui.plot_panels import panel_of, release_panels  # noqa: F401 (a fixture)

STEPS = 4
pytestmark = pytest.mark.usefixtures("release_panels")


def one_epoch(epoch: int) -> list[object]:
    """An epoch's batches and its report; the loss falls like 1/step, with some noise."""
    events: list[object] = []
    for batch in range(1, STEPS + 1):
        step = (epoch - 1) * STEPS + batch
        noise = 1.0 + 0.2 * math.sin(step)
        events.append(BatchReport(epoch, batch, step, noise / step**0.5, 0.01, 32))
    accuracy = 1.0 - 0.5 / epoch
    events.append(
        EpochReport(
            epoch,
            1.0 / epoch**0.5,
            1.2 / epoch**0.5,
            {"train_accuracy": accuracy, "val_accuracy": accuracy - 0.05},
            0.01,
            0.1,
            1e3,
        )
    )
    return events


def paint_ready(view) -> None:
    """What a paint does first: the views fit their automatic ranges to the data."""
    view.graphics.scene().prepareForPaint()


def counted(signal) -> list[object]:
    calls: list[object] = []
    signal.connect(lambda *args: calls.append(args))
    return calls


def data_bounds(plot) -> tuple[float, float, float, float]:
    """(x min, x max, y min, y max) over the plot's visible, non-empty curves."""
    xs, ys = [], []
    for item in plot.listDataItems():
        if not item.isVisible() or item.xData is None or len(item.xData) == 0:
            continue
        xs.append(np.asarray(item.xData, dtype=float))
        ys.append(np.asarray(item.yData, dtype=float))
    x, y = np.concatenate(xs), np.concatenate(ys)
    y = y[np.isfinite(y)]
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def grow_run(qtbot, epochs: int):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    panel.consume([RunStarted(epochs, STEPS, 32 * STEPS, 0, "cpu")])
    return panel, loss


def test_nice_ceil_picks_the_next_nice_number():
    from nnstudio.gui.plots.base import nice_ceil

    assert [nice_ceil(v) for v in (1, 1.1, 1.25, 2.6, 7, 9.5, 11, 0.031)] == pytest.approx(
        [1, 1.2, 1.5, 3, 8, 10, 12, 0.04]
    )


def test_the_loss_plots_x_range_changes_only_log_n_times_while_a_run_grows(qtbot):
    epochs = 400
    panel, loss = grow_run(qtbot, epochs)
    accuracy = None
    x_changes = counted(loss.plot.vb.sigXRangeChanged)
    y_changes = counted(loss.plot.vb.sigYRangeChanged)
    metric_changes: list[object] = []
    for epoch in range(1, epochs + 1):
        panel.consume(one_epoch(epoch))
        loss.ensure_fresh()
        if accuracy is None and "accuracy" in loss.metrics.plots:
            accuracy = loss.metrics.plots["accuracy"]
            metric_changes = counted(accuracy.vb.sigXRangeChanged)
        paint_ready(loss)
    bound = 4 * math.log2(epochs) + 4  # a growth of ≥ 1.25× between changes: ~log₁.₂₅ n
    assert 1 <= len(x_changes) <= bound, len(x_changes)
    assert len(y_changes) <= bound, len(y_changes)
    assert accuracy is not None and 1 <= len(metric_changes) <= bound, len(metric_changes)


def test_the_curves_stay_fully_in_view_and_fill_most_of_it_while_a_run_grows(qtbot):
    panel, loss = grow_run(qtbot, 300)
    for epoch in range(1, 301):
        panel.consume(one_epoch(epoch))
        loss.ensure_fresh()
        paint_ready(loss)
        (x_lo, x_hi), (y_lo, y_hi) = loss.plot.vb.viewRange()
        dx_lo, dx_hi, dy_lo, dy_hi = data_bounds(loss.plot)
        assert x_lo <= dx_lo and dx_hi <= x_hi, (epoch, (x_lo, x_hi), (dx_lo, dx_hi))
        assert y_lo <= dy_lo and dy_hi <= y_hi, (epoch, (y_lo, y_hi), (dy_lo, dy_hi))
        # Not squashed: the curves take at least half the width and half the height.
        assert dx_hi - min(dx_lo, 0.0) >= 0.5 * (x_hi - x_lo), (epoch, x_hi, dx_hi)
        assert dy_hi - dy_lo >= 0.5 * (y_hi - y_lo), (epoch, (y_lo, y_hi), (dy_lo, dy_hi))


def test_a_range_the_student_zoomed_to_is_kept_while_the_run_goes_on(qtbot):
    panel, loss = grow_run(qtbot, 60)
    for epoch in range(1, 21):
        panel.consume(one_epoch(epoch))
    loss.ensure_fresh()
    paint_ready(loss)
    vb = loss.plot.vb
    # What a mouse zoom does (ViewBox.scaleBy → setRange): auto-range ends for that axis.
    vb.setRange(xRange=(5.0, 10.0), yRange=(0.2, 0.4), padding=0)
    zoomed = vb.viewRange()
    for epoch in range(21, 61):
        panel.consume(one_epoch(epoch))
        loss.ensure_fresh()
        paint_ready(loss)
    assert vb.viewRange() == zoomed
    # "Reset zoom" fits the whole run again (the long curves clip to the view, so their
    # bounds, and then the range, settle over a few paints).
    loss.reset_zoom()

    def whole_run_shown() -> bool:
        paint_ready(loss)
        (x_lo, x_hi), (y_lo, y_hi) = vb.viewRange()
        _dx_lo, dx_hi, dy_lo, dy_hi = data_bounds(loss.plot)
        return x_lo <= 0.0 and dx_hi <= x_hi and y_lo <= dy_lo and dy_hi <= y_hi

    qtbot.waitUntil(whole_run_shown, timeout=10_000)
    assert vb.viewRange()[0][1] >= 60.0


def test_the_axes_lay_out_their_tick_labels_again_only_when_their_range_changes(qtbot):
    panel, loss = grow_run(qtbot, 200)
    for epoch in range(1, 21):
        panel.consume(one_epoch(epoch))
    loss.ensure_fresh()
    loss.graphics.grab()
    axes = [loss.plot.getAxis("bottom"), loss.plot.getAxis("left")]
    layouts = [counted_calls(axis, "generateDrawSpecs") for axis in axes]
    changes = [
        counted(loss.plot.vb.sigXRangeChanged),
        counted(loss.plot.vb.sigYRangeChanged),
    ]
    for epoch in range(21, 201):
        panel.consume(one_epoch(epoch))
        loss.ensure_fresh()
        loss.graphics.grab()  # a real paint: what a visible view does after each redraw
    for laid_out, changed in zip(layouts, changes, strict=True):
        assert len(laid_out) <= len(changed) + 1, (len(laid_out), len(changed))


def counted_calls(obj, name: str) -> list[int]:
    """Count the calls of ``obj.name`` from now on (it still runs)."""
    calls: list[int] = []
    original = getattr(obj, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    setattr(obj, name, counting)
    return calls

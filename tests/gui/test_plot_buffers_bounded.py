"""Per-batch curves keep bounded memory however long the run (issue 13, "Soak").

The core's :class:`BoundedSeries` halves itself when full, averaging neighbouring points, so
the curve stays a faithful downsampled picture of the whole run; the GUI's plot record keeps
its per-batch curves (loss, learning rate, x positions, layer statistics) in it. The plots are
driven with report objects here, as the training child sends them; nothing trains.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.training import BatchReport, EpochReport, LayerStats, RunStarted
from nnstudio.core.training.series import DEFAULT_LIMIT, BoundedSeries
from nnstudio.gui.plots.record import RunRecord
from tests.gui.plot_panels import panel_of, release_panels  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("release_panels")


def batch_stream(n_batches: int, steps: int, seed: int = 0) -> list[object]:
    """A long run's reports: falling noisy losses, one epoch report per ``steps`` batches."""
    rng = np.random.default_rng(seed)
    losses = 2.0 * np.exp(-np.arange(n_batches) / (n_batches / 4)) + rng.random(n_batches) * 0.1
    events: list[object] = [RunStarted(n_batches // steps, steps, steps * 32, 0, "cpu")]
    for i, loss in enumerate(losses.tolist()):
        epoch, batch = divmod(i, steps)
        events.append(BatchReport(epoch + 1, batch + 1, i + 1, loss, 0.01, 32))
        if batch + 1 == steps:
            events.append(EpochReport(epoch + 1, loss, None, {}, 0.01, 0.1, 1000.0))
    return events


def reference_ema_means(raw: np.ndarray, beta: float, stride: int) -> np.ndarray:
    """The lesson's EMA over every raw batch, then averaged ``stride`` batches at a time."""
    out = np.empty(len(raw))
    s = raw[0]
    for i, y in enumerate(raw.tolist()):
        s = beta * s + (1 - beta) * y
        out[i] = s
    whole = len(raw) // stride * stride
    return out[:whole].reshape(-1, stride).mean(axis=1)


# --- the core series -------------------------------------------------------------------------


def test_ten_million_values_fit_in_the_bound_with_their_first_last_and_mean():
    series = BoundedSeries()
    rng = np.random.default_rng(1)
    n = 10_000_000
    values = np.linspace(5.0, 0.0, n) + rng.normal(0.0, 0.3, n)
    for start in range(0, n, 99_991):  # in deliveries, as the reports come
        series.extend(values[start : start + 99_991])
    assert series.count == n
    assert len(series) <= DEFAULT_LIMIT and series.capacity <= DEFAULT_LIMIT
    assert series.first() == values[0] and series.last() == values[-1]
    kept = series.view()
    assert kept.mean() == pytest.approx(values.mean(), abs=1e-3)
    # Every point is the mean of ``stride`` consecutive values: the first and the last kept.
    stride = series.stride
    assert kept[0] == pytest.approx(values[:stride].mean())
    done = len(kept) * stride
    assert kept[-1] == pytest.approx(values[done - stride : done].mean())


def test_one_value_at_a_time_gives_the_same_curve_as_blocks():
    values = np.random.default_rng(2).random(1000)
    one, block = BoundedSeries(limit=64), BoundedSeries(limit=64)
    for v in values:
        one.append(float(v))
    for start in range(0, 1000, 37):
        block.extend(values[start : start + 37])
    assert one.stride == block.stride == 16  # halved at 64, 128, 256 and 512 values
    np.testing.assert_allclose(one.view(), block.view())
    np.testing.assert_allclose(one.view(), values[: 62 * 16].reshape(62, 16).mean(axis=1))


def test_a_short_curve_is_kept_exactly():
    values = np.arange(500.0)
    series = BoundedSeries()
    series.extend(values)
    assert series.stride == 1
    np.testing.assert_array_equal(series.view(), values)


def test_a_diverged_batch_leaves_a_gap_only_where_every_value_is_missing():
    series = BoundedSeries(limit=4)
    series.extend([1.0, math.nan, 3.0, 5.0, math.nan, math.inf, 2.0, 4.0, 6.0, 8.0])
    # (1, nan) (3, 5) → 1, 4 at the first halving; (nan, inf) → NaN, (2, 4) → 3; then the
    # second halving: (1, 4) → 2.5 and (NaN, 3) → 3; 6 and 8 are still being gathered.
    assert series.stride == 4
    np.testing.assert_allclose(series.view(), [2.5, 3.0])
    gap = BoundedSeries(limit=4)
    gap.extend([math.nan] * 8)
    assert np.isnan(gap.view()).all() and len(gap) == 2


def test_a_view_handed_out_does_not_change_when_the_series_halves():
    series = BoundedSeries(limit=8)
    series.extend(np.arange(7.0))
    before = series.view()
    series.extend(np.arange(7.0, 40.0))
    np.testing.assert_array_equal(before, np.arange(7.0))


def test_the_envelope_keeps_a_spike_that_the_mean_hides():
    values = np.ones(1000)
    values[500] = 50.0
    values[700] = math.nan
    series = BoundedSeries(limit=64, envelope=True)
    for start in range(0, 1000, 33):
        series.extend(values[start : start + 33])
    lo, hi = series.envelope()
    assert series.stride == 16 and len(lo) == len(hi) == len(series)
    assert series.view().max() < 5.0  # the mean of 16 batches flattens the spike …
    assert np.nanmax(hi) == 50.0 and np.nanmin(lo) == 1.0  # … the envelope keeps it
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    assert BoundedSeries().envelope() is None


def test_a_spike_of_one_batch_stays_on_the_loss_plot_of_a_long_run(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    events = batch_stream(2 * DEFAULT_LIMIT + 10, 50, seed=4)
    spike = next(i for i, e in enumerate(events) if isinstance(e, BatchReport) and e.step == 30_000)
    e = events[spike]
    events[spike] = BatchReport(e.epoch, e.batch, e.step, 40.0, e.lr, e.samples)
    panel.consume(events)
    loss.ensure_fresh()
    assert panel.record.batch_loss.stride > 1
    assert np.nanmax(loss.batch_curve.yData) == 40.0
    peak = loss.batch_curve.xData[np.nanargmax(loss.batch_curve.yData)]
    assert peak == pytest.approx(30_000 / 50, abs=panel.record.batch_x.stride / 50)


# --- the plot record and the loss plot -------------------------------------------------------


def test_the_loss_plot_holds_at_most_the_bound_after_a_long_run(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    n, steps = 3 * DEFAULT_LIMIT + 1234, 50
    events = batch_stream(n, steps)
    for start in range(0, len(events), 4000):
        panel.consume(events[start : start + 4000])
        loss.ensure_fresh()
    record = panel.record
    assert record.batch_loss.count == n
    for series in (record.batch_x, record.batch_loss, record.batch_lr):
        assert len(series) <= DEFAULT_LIMIT and series.capacity <= DEFAULT_LIMIT
        assert len(series) == len(record.batch_loss)  # the three halve in step
    # Once averaged, the thin batch curve draws each point's least and greatest loss.
    assert len(loss.batch_curve.xData) <= 2 * DEFAULT_LIMIT
    assert len(loss.ema_curve.yData) <= DEFAULT_LIMIT
    # The per-epoch curve stays exact, as numpy floats.
    assert len(loss.train_curve.yData) == n // steps
    assert isinstance(record.train_loss.view(), np.ndarray)
    assert record.train_loss.view().dtype == np.float64
    # The curve still spans the run: from the first batches to the last epoch.
    x = loss.batch_curve.xData
    assert x[0] < 1.0 and x[-1] == pytest.approx(n / steps, abs=record.batch_x.stride / steps)


def test_the_smoothed_loss_of_a_downsampled_curve_follows_the_raw_average(qtbot):
    panel = panel_of(qtbot)
    loss = panel.show_tab("Loss & metric")
    n, steps = 2 * DEFAULT_LIMIT + 500, 40
    events = batch_stream(n, steps, seed=3)
    panel.consume(events)
    loss.ensure_fresh()
    raw = np.array([e.loss for e in events if isinstance(e, BatchReport)])
    stride = panel.record.batch_loss.stride
    assert stride > 1
    expected = reference_ema_means(raw, loss.beta, stride)
    shown = loss.ema_curve.yData
    # Past the first points (where the two starts differ), the curves agree closely.
    np.testing.assert_allclose(shown[50:], expected[50 : len(shown)], rtol=0.05, atol=0.01)


def test_layer_statistics_curves_are_bounded_too():
    record = RunRecord()
    record.ingest([RunStarted(10, 10, 320, 0, "cpu")])
    n = DEFAULT_LIMIT + 5000
    stats = [LayerStats(1, step, {"n1": 0.5}, {}, {}, {}, {}, {"n1": 0.2}, {}) for step in range(n)]
    for start in range(0, n, 1000):
        record.ingest(stats[start : start + 1000])
    series = record.layers["n1"]
    for buf in (series.x, series.grad_norm, series.deriv_x, series.deriv_mean):
        assert len(buf) <= DEFAULT_LIMIT and buf.count == n
    assert len(series.x) == len(series.grad_norm)


def test_a_per_epoch_schedule_stays_per_epoch_once_the_curve_is_downsampled():
    record = RunRecord()
    record.ingest([RunStarted(500, 100, 3200, 0, "cpu")])
    events = [
        BatchReport(e, b, (e - 1) * 100 + b, 1.0, 0.1 * 0.99**e, 32)
        for e in range(1, 501)
        for b in range(1, 101)
    ]
    record.ingest(events)
    assert record.batch_lr.stride > 1
    assert not record.batch_lr_varies
    record.ingest(
        [BatchReport(501, 1, 50_001, 1.0, 0.5, 32), BatchReport(501, 2, 50_002, 1, 0.4, 32)]
    )
    assert record.batch_lr_varies

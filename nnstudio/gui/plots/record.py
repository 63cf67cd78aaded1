"""Everything the plots draw, kept in one place and fed by training events.

The panel appends events here (cheap: a type switch and list appends, then one numpy
``extend`` per buffer) and each view redraws from it when it is visible. Keeping the numbers
apart from the widgets means a hidden tab costs nothing while training and can still draw the
whole run when the student opens it.

Positions on the x axis are in epochs: the end of batch ``b`` of epoch ``e`` (1-based) is at
``e - 1 + b / steps_per_epoch``, so per-batch and per-epoch curves line up and epoch ``e``'s
report sits at ``x = e``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from nnstudio.core.training.probes import BoundaryFrame, WeightsFrame
from nnstudio.core.training.reports import (
    BatchReport,
    EpochReport,
    Histogram,
    History,
    LayerStats,
    RunEnded,
    RunPaused,
    RunStarted,
)
from nnstudio.gui.plots.buffers import BoundedSeries, GrowableBuffer

__all__ = ["LayerSeries", "RunRecord"]

#: Topics a view can subscribe to; :meth:`RunRecord.ingest` says which ones changed.
EPOCHS, BATCHES, STATS, BOUNDARY, RUN, PLAN, RESULTS = (
    "epochs",
    "batches",
    "stats",
    "boundary",
    "run",
    "plan",
    "results",
)


@dataclass
class LayerSeries:
    """One layer's gradient norm (and mean |f′|) over time, plus its latest histograms.

    Statistics arrive a few times a second for as long as the run lasts, so the curves are
    bounded (pairs x/value halve together, see :class:`BoundedSeries`).
    """

    x: BoundedSeries = field(default_factory=BoundedSeries)
    grad_norm: BoundedSeries = field(default_factory=BoundedSeries)
    deriv_x: BoundedSeries = field(default_factory=BoundedSeries)
    deriv_mean: BoundedSeries = field(default_factory=BoundedSeries)
    deriv: Histogram | None = None
    dead: float | None = None
    weight_hist: Histogram | None = None
    bias_hist: Histogram | None = None
    weight_summary: tuple[float, float, float, float] | None = None
    #: Union of every weight/bias histogram range seen this run, so the animated histogram's
    #: axis only ever widens (the student sees the weights spread instead of a jumping axis).
    weight_range: tuple[float, float] | None = None


class RunRecord:
    """Curves of one run (or of a reopened project's history).

    Per-epoch curves are exact (one float per epoch: 10,000 epochs are 80 kB each); the
    per-batch curves are bounded (:class:`BoundedSeries`), so memory stays flat however long
    the run, and the three halve in step, keeping x, loss and learning rate paired.
    """

    def __init__(self) -> None:
        self.steps_per_epoch = 1
        self.start_epoch = 0
        self.planned_epochs = 0
        self.epoch = GrowableBuffer(64)
        self.train_loss = GrowableBuffer(64)
        self.val_loss = GrowableBuffer(64)
        self.lr = GrowableBuffer(64)
        self.metrics: dict[str, GrowableBuffer] = {}
        self.batch_x = BoundedSeries()
        self.batch_loss = BoundedSeries(envelope=True)  # spikes stay visible when averaged
        self.batch_lr = BoundedSeries()
        #: Whether the per-batch learning rate changed inside an epoch (a per-batch schedule
        #: ran); judged on the raw values as they arrive, since the kept curve is averaged.
        self.batch_lr_varies = False
        self._lr_epoch: float = math.nan
        self._lr_first: float = math.nan
        #: Batches each value fed to the per-batch series stands for: a reopened long run's
        #: history keeps means of ``batch_stride`` batches (reports.History), and batches
        #: that follow it (a resumed run) are averaged in groups as large, so that every value
        #: weighs the same and a point's stride in batches is ``series.stride * batch_unit``.
        self.batch_unit = 1
        self._unit_pending: tuple[np.ndarray, ...] = ()
        self.layers: dict[str, LayerSeries] = {}
        self.last_stats: LayerStats | None = None
        self.boundary: BoundaryFrame | None = None
        self.weights: WeightsFrame | None = None
        #: x positions where a run diverged (loss became NaN or infinite).
        self.divergences: list[float] = []
        self.ended: RunEnded | None = None
        self.paused = False
        #: ``step`` of the latest BatchReport (updates since the run began).
        self.last_step = 0
        #: The live run's History (the engine appends ``diverged_at`` to it).

    # --- lifecycle -------------------------------------------------------------------------

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def clear_live(self) -> None:
        """Forget the per-run snapshots (layer statistics, boundary) but keep the curves."""
        self.layers = {}
        self.last_stats = None
        self.boundary = None
        self.weights = None
        self.ended = None
        self.paused = False

    def batch_position(self, epoch: int, batch: int) -> float:
        return epoch - 1 + batch / max(1, self.steps_per_epoch)

    def load_history(self, history: History, steps_per_epoch: int | None = None) -> None:
        """Rebuild the curves of a saved history (a reopened or resumed project)."""
        self.clear()
        n_epochs = len(history.epoch)
        unit = max(1, int(history.batch_stride))
        n_points = len(history.batch_loss)
        n_batches = n_points * unit
        if steps_per_epoch is None or steps_per_epoch <= 0:
            steps_per_epoch = max(1, round(n_batches / n_epochs)) if n_epochs else 1
        self.steps_per_epoch = steps_per_epoch
        self.epoch.extend(history.epoch)
        self.train_loss.extend(_floats(history.train_loss))
        self.val_loss.extend(_floats(history.val_loss))
        self.lr.extend(_floats(history.lr))
        for key, values in history.metrics.items():
            buf = GrowableBuffer(64)
            buf.extend(_floats(values))
            self.metrics[key] = buf
        if n_points:
            self.batch_unit = unit
            # Each point sits where the mean of its batches' positions is, as the live
            # record's averaged x does; its last batch is the (i+1)·unit-th.
            ends = np.arange(1, n_points + 1, dtype=np.float64) * unit
            self.batch_x.extend((ends - (unit - 1) / 2) / steps_per_epoch)
            self.batch_loss.extend(_floats(history.batch_loss))
            lrs = _floats(history.batch_lr[:n_points])
            self.batch_lr.extend(lrs)
            self._note_lrs((ends.astype(np.int64) - 1) // steps_per_epoch + 1, lrs)
        self.divergences = [self.batch_position(e, b) for e, b in history.diverged_at]
        self.start_epoch = int(history.epoch[-1]) if n_epochs else 0

    # --- events ----------------------------------------------------------------------------

    def ingest(self, events: Iterable[object]) -> set[str]:
        """Append a list of training events; returns the topics that changed."""
        changed: set[str] = set()
        b_epoch: list[int] = []
        b_batch: list[int] = []
        b_loss: list[float] = []
        b_lr: list[float] = []
        last = None
        for event in events:
            kind = type(event)
            if kind is BatchReport:
                b_epoch.append(event.epoch)  # type: ignore[attr-defined]
                b_batch.append(event.batch)  # type: ignore[attr-defined]
                b_loss.append(event.loss)  # type: ignore[attr-defined]
                b_lr.append(event.lr)  # type: ignore[attr-defined]
                last = event
            elif kind is EpochReport:
                self._add_epoch(event)  # type: ignore[arg-type]
                changed.add(EPOCHS)
            elif kind is LayerStats:
                self._add_stats(event)  # type: ignore[arg-type]
                changed.add(STATS)
            elif kind is BoundaryFrame:
                self.boundary = event  # type: ignore[assignment]
                changed.add(BOUNDARY)
            elif kind is WeightsFrame:
                self.weights = event  # type: ignore[assignment]
            elif kind is RunStarted:
                # Batches before a RunStarted belong to the previous run's layout.
                self._flush_batches(b_epoch, b_batch, b_loss, b_lr, changed)
                b_epoch, b_batch, b_loss, b_lr = [], [], [], []
                self.steps_per_epoch = max(1, event.steps_per_epoch)  # type: ignore[attr-defined]
                self.start_epoch = event.start_epoch  # type: ignore[attr-defined]
                self.planned_epochs = event.epochs  # type: ignore[attr-defined]
                self.paused = False
                changed.add(RUN)
            elif kind is RunEnded:
                self._flush_batches(b_epoch, b_batch, b_loss, b_lr, changed)
                b_epoch, b_batch, b_loss, b_lr = [], [], [], []
                self._end(event)  # type: ignore[arg-type]
                changed.update((RUN, BATCHES))
            elif kind is RunPaused:
                self.paused = True
                changed.add(RUN)
        self._flush_batches(b_epoch, b_batch, b_loss, b_lr, changed)
        if last is not None:
            self.last_step = last.step  # type: ignore[attr-defined]
        return changed

    def _flush_batches(
        self,
        epochs: list[int],
        batches: list[int],
        losses: list[float],
        lrs: list[float],
        changed: set[str],
    ) -> None:
        if not epochs:
            return
        steps = max(1, self.steps_per_epoch)
        x = np.asarray(epochs, dtype=np.float64) - 1.0 + np.asarray(batches, np.float64) / steps
        loss = np.asarray(losses, dtype=np.float64)
        lr = np.asarray(lrs, dtype=np.float64)
        self._note_lrs(np.asarray(epochs), lr)
        if self.batch_unit > 1:
            x, loss, lr = self._group_by_unit(x, loss, lr)
        self.batch_x.extend(x)
        self.batch_loss.extend(loss)
        self.batch_lr.extend(lr)
        changed.add(BATCHES)

    def _group_by_unit(
        self, x: np.ndarray, loss: np.ndarray, lr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Live batches after a strided history: means of ``batch_unit`` batches each (the
        last incomplete group waits for the next batches)."""
        if self._unit_pending:
            px, ploss, plr = self._unit_pending
            x, loss, lr = (
                np.concatenate((px, x)),
                np.concatenate((ploss, loss)),
                np.concatenate((plr, lr)),
            )
        unit = self.batch_unit
        whole = len(x) // unit * unit
        self._unit_pending = (x[whole:], loss[whole:], lr[whole:]) if whole < len(x) else ()
        return tuple(  # type: ignore[return-value]
            _nanmean_groups(values[:whole], unit) for values in (x, loss, lr)
        )

    def _note_lrs(self, epochs: np.ndarray, lrs: np.ndarray) -> None:
        """Update :attr:`batch_lr_varies` with batches of ``epochs`` (in order)."""
        if self.batch_lr_varies or not len(lrs) or self.steps_per_epoch <= 1:
            return
        e = np.concatenate(([self._lr_epoch], np.asarray(epochs, dtype=np.float64)))
        lr = np.concatenate(([self._lr_first], lrs))
        starts = np.flatnonzero(np.concatenate(([True], e[1:] != e[:-1])))
        first = lr[starts[np.searchsorted(starts, np.arange(len(e)), side="right") - 1]]
        with np.errstate(invalid="ignore"):
            scale = np.maximum(np.abs(lr), np.abs(first))
            self.batch_lr_varies = bool((np.abs(lr - first) > 1e-12 * scale).any())
        self._lr_epoch, self._lr_first = float(e[-1]), float(first[-1])

    def _add_epoch(self, report: EpochReport) -> None:
        n = len(self.epoch)
        self.epoch.append(report.epoch)
        self.train_loss.append(_float(report.train_loss))
        self.val_loss.append(_float(report.val_loss))
        self.lr.append(_float(report.lr))
        for key, value in report.metrics.items():
            buf = self.metrics.get(key)
            if buf is None:
                buf = self.metrics[key] = GrowableBuffer(64)
                buf.extend(np.full(n, math.nan))
            buf.append(_float(value))
        for buf in self.metrics.values():
            if len(buf) < n + 1:
                buf.append(math.nan)

    def _add_stats(self, stats: LayerStats) -> None:
        self.last_stats = stats
        x = self.start_epoch + stats.step / max(1, self.steps_per_epoch)
        for nid, value in stats.grad_norm.items():
            series = self._layer(nid)
            series.x.append(x)
            series.grad_norm.append(_float(value))
        for nid, value in stats.deriv_mean.items():
            series = self._layer(nid)
            series.deriv_x.append(x)
            series.deriv_mean.append(_float(value))
        for nid, hist in stats.deriv.items():
            self._layer(nid).deriv = hist
        for nid, frac in stats.dead.items():
            self._layer(nid).dead = float(frac)
        for nid, hist in stats.weight_hist.items():
            series = self._layer(nid)
            series.weight_hist = hist
            series.weight_range = _union(series.weight_range, hist)
        for nid, hist in stats.bias_hist.items():
            series = self._layer(nid)
            series.bias_hist = hist
            series.weight_range = _union(series.weight_range, hist)
        for nid, summary in stats.weight_summary.items():
            self._layer(nid).weight_summary = tuple(summary)  # type: ignore[assignment]

    def _layer(self, nid: str) -> LayerSeries:
        series = self.layers.get(nid)
        if series is None:
            series = self.layers[nid] = LayerSeries()
        return series

    def _end(self, event: RunEnded) -> None:
        self.ended = event
        self.paused = False
        if event.reason != "diverged":
            return
        where = event.diverged_at
        if where:
            x = self.batch_position(int(where[0]), int(where[1]))
        else:  # no position known: just after the last good batch
            x = self.batch_x.last(float(len(self.epoch))) + 1.0 / max(1, self.steps_per_epoch)
        if not any(abs(x - d) < 1e-9 for d in self.divergences):
            self.divergences.append(x)

    def add_divergences(self, positions: Iterable[Iterable[int]]) -> bool:
        """Mark (epoch, batch) positions; True when a new one was added."""
        added = False
        for epoch, batch in positions:
            x = self.batch_position(int(epoch), int(batch))
            if not any(abs(x - d) < 1e-9 for d in self.divergences):
                self.divergences.append(x)
                added = True
        return added

    # --- queries ---------------------------------------------------------------------------

    @property
    def has_epochs(self) -> bool:
        return len(self.epoch) > 0

    @property
    def has_batches(self) -> bool:
        return len(self.batch_x) > 0

    def metric_names(self) -> list[str]:
        """Base names of the metrics present ("accuracy", "rmse", …), in report order."""
        names: list[str] = []
        for key in self.metrics:
            base = key.split("_", 1)[1] if key.startswith(("train_", "val_")) else key
            if base not in names:
                names.append(base)
        return names

    def metric(self, key: str) -> np.ndarray | None:
        buf = self.metrics.get(key)
        return None if buf is None else buf.view()


def _float(value: float | None) -> float:
    if value is None:
        return math.nan
    value = float(value)
    return value if math.isfinite(value) else math.nan


def _nanmean_groups(values: np.ndarray, size: int) -> np.ndarray:
    """The mean of the finite values of each run of ``size`` values (NaN where none)."""
    block = values.reshape(-1, size)
    finite = np.isfinite(block)
    counts = finite.sum(axis=1)
    out = np.full(block.shape[0], math.nan)
    np.divide(np.where(finite, block, 0.0).sum(axis=1), counts, out=out, where=counts > 0)
    return out


def _floats(values: Iterable[float | None]) -> np.ndarray:
    return np.array([_float(v) for v in values], dtype=np.float64)


def _union(current: tuple[float, float] | None, hist: Histogram) -> tuple[float, float] | None:
    edges = hist.edges
    if len(edges) < 2:
        return current
    lo, hi = float(edges[0]), float(edges[-1])
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return current
    if current is None:
        return lo, hi
    return min(current[0], lo), max(current[1], hi)

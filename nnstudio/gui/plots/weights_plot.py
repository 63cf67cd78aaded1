"""Weights moving: each layer's histogram of weights (and biases), animated while training.

The axis only widens during a run, so a student sees the distribution spread out (or
collapse with L1/L2 regularisation) instead of an axis that jumps with every frame. Counts
are drawn relative to the tallest bar so a layer's handful of biases is as visible as its
many weights.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QWidget

from nnstudio.core.training.reports import Histogram
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    PlotContext,
    PlotHint,
    PlotView,
    TitleCaption,
    bin_at,
    histogram_plot,
    make_plot,
    view_point,
)
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.record import PLAN, RUN, STATS, LayerSeries
from nnstudio.gui.theme import with_alpha
from nnstudio.i18n import N_, _

__all__ = ["WeightHistogram", "WeightsView"]

MAX_COLUMNS = 4
EMPTY_HINT = N_("Weight histograms appear while training.")
#: What the read-out calls each histogram (the data keeps the English key).
KIND_WORDS = {"weights": N_("weights"), "biases": N_("biases")}


def _shares(hist: Histogram) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges, counts and counts relative to the tallest bar (weights and biases comparable)."""
    edges = np.asarray(hist.edges, dtype=np.float64)
    counts = np.asarray(hist.counts, dtype=np.float64)
    peak = counts.max() if counts.size else 0.0
    return edges, counts, (counts / peak if peak > 0 else counts)


class WeightHistogram:
    """One layer: weights as filled bars, biases as an outline, mean/std under the title."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, name: str) -> None:
        self.name = name
        self.plot = histogram_plot(layout, row, col, title=name, x_label=_("value"), left_width=30)
        self.plot.setYRange(0, 1.05, padding=0)
        self.weights = pg.PlotDataItem(
            pen=pg.mkPen(theme.TRAIN, width=1), fillLevel=0, brush=with_alpha(theme.TRAIN, 110)
        )
        self.biases = pg.PlotDataItem(
            pen=pg.mkPen(theme.BIAS, width=1.6), fillLevel=0, brush=with_alpha(theme.BIAS, 30)
        )
        self.plot.addItem(self.weights)
        self.plot.addItem(self.biases)
        self.caption = TitleCaption(self.plot, name)
        self.hint = PlotHint(self.plot, _(EMPTY_HINT))
        self.data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.x_range: tuple[float, float] | None = None

    def update(self, series: LayerSeries | None) -> None:
        self.data = {}
        for kind, item in (("weights", self.weights), ("biases", self.biases)):
            hist = None
            if series is not None:
                hist = series.weight_hist if kind == "weights" else series.bias_hist
            if hist is None:
                item.clear()
                continue
            edges, counts, share = _shares(hist)
            self.data[kind] = (edges, counts)
            if kind == "weights":
                item.setData(
                    edges,
                    share,
                    stepMode="center",
                    fillLevel=0,
                    brush=with_alpha(theme.TRAIN, 110),
                )
            else:
                item.setData(
                    edges, share, stepMode="center", fillLevel=0, brush=with_alpha(theme.BIAS, 30)
                )
        self.hint.show_text(None if self.data else _(EMPTY_HINT))
        if series is not None and series.weight_range is not None:
            lo, hi = series.weight_range
            pad = (hi - lo) * 0.04 or 0.05
            rng = (lo - pad, hi + pad)
            if rng != self.x_range:
                self.x_range = rng
                self.plot.setXRange(*rng, padding=0)
        summary = series.weight_summary if series is not None else None
        if summary is not None and all(math.isfinite(v) for v in summary):
            mean, std, _lo, _hi = summary
            self.caption.setText(_("mean {mean:+.2f} · std {std:.2f}").format(mean=mean, std=std))
        else:
            self.caption.setText("")

    def text_at(self, scene_pos: QPointF) -> str | None:
        p = view_point(self.plot, scene_pos)
        if p is None or not self.data:
            return None
        x = p.x()
        parts = []
        for kind, (edges, counts) in self.data.items():
            i = bin_at(edges, x)
            if i is not None:
                parts.append(
                    _("{kind} in [{low:.3g}, {high:.3g}): {count} of {total}").format(
                        kind=_(KIND_WORDS[kind]),
                        low=edges[i],
                        high=edges[i + 1],
                        count=int(counts[i]),
                        total=int(counts.sum()),
                    )
                )
        detail = "; ".join(parts) if parts else _("value {x:.3g}").format(x=x)
        return f"{self.name}: {detail}"


class WeightsView(PlotView):
    """Tab "Weights": small multiples, one per layer with weights."""

    title = N_("Weights")
    file_stem = "weights"
    topics = frozenset({STATS, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.show_bias = self.add_check(
            _("Biases"),
            _("Draw each layer's biases as an orange outline."),
            self._on_bias_toggled,
            checked=True,
        )
        self.finish_bar()
        self.histograms: dict[str, WeightHistogram] = {}
        self._key: tuple = ()
        self.empty_plot: pg.PlotItem | None = None
        self._show_empty()

    def _on_bias_toggled(self, on: bool) -> None:
        for hist in self.histograms.values():
            hist.biases.setVisible(on)

    def _show_empty(self) -> None:
        self.graphics.ci.clear()
        self.histograms = {}
        self.empty_plot = make_plot(
            self.graphics.ci, 0, 0, x_label=_("weight value"), y_label=_("relative count")
        )
        PlotHint(self.empty_plot, _(EMPTY_HINT))

    def _sync(self, ids: list[str]) -> None:
        key = tuple((nid, self.context.layer_name(nid)) for nid in ids)
        if key == self._key:
            return
        if not ids and self.live and self.histograms:
            # A run starting: its first statistics, on their way, nearly always list the
            # same layers. Rebuilding the grid for them (a plot per layer) was the longest
            # task of the GUI thread at every start of a run (100–250 ms).
            return
        self._key = key
        if not ids:
            self._show_empty()
            return
        ci = self.graphics.ci
        ci.clear()
        self.empty_plot = None
        self.histograms = {}
        cols = min(MAX_COLUMNS, len(ids))
        for i, (nid, name) in enumerate(key):
            hist = WeightHistogram(ci, i // cols, i % cols, name)
            hist.biases.setVisible(self.show_bias.isChecked())
            self.histograms[nid] = hist
        for c in range(cols):
            ci.layout.setColumnStretchFactor(c, 1)

    def reset(self) -> None:
        super().reset()
        # The grid stays until a refresh shows what replaces it (see _sync): the numbers go.
        for hist in self.histograms.values():
            hist.update(None)
        # Opening a project resets every view more than once; an empty view stays as it is.
        if self.empty_plot is None and not self.histograms:
            self._show_empty()

    def refresh(self) -> None:
        record = self.context.record
        order = self.context.layer_order()
        ids = [n for n in order if n in record.layers and record.layers[n].weight_hist is not None]
        ids += [n for n, s in record.layers.items() if n not in ids and s.weight_hist is not None]
        self._sync(ids)
        for nid, hist in self.histograms.items():
            hist.update(record.layers.get(nid))
        stats = record.last_stats
        if stats is not None:
            self.set_idle_text(
                _(
                    "epoch {epoch}, step {step}: weights (blue bars) and biases (orange "
                    "outline) of each layer; the axis only widens during a run."
                ).format(epoch=stats.epoch, step=stats.step)
            )
        else:
            self.set_idle_text("")

    def hover_text(self, scene_pos: QPointF) -> str | None:
        return self.first_hover_text(self.histograms.values(), scene_pos)

    def tables(self) -> list[Table]:
        cols: list[list] = [[], [], [], [], [], []]
        for nid, hist in self.histograms.items():
            for kind, (edges, counts) in hist.data.items():
                for i in range(len(counts)):
                    cols[0].append(hist.name)
                    cols[1].append(nid)
                    cols[2].append(kind)
                    cols[3].append(float(edges[i]))
                    cols[4].append(float(edges[i + 1]))
                    cols[5].append(int(counts[i]))
        if not cols[0]:
            return []
        return [
            Table(
                "weights", ("layer", "node_id", "kind", "bin_from", "bin_to", "count"), tuple(cols)
            )
        ]

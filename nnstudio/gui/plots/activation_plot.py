"""Activations: each function f with its derivative f′, and live histograms of f′(z) per layer.

Backpropagation multiplies by f′(z) at every layer. The function plot shows the shape (the
sigmoid's slope never exceeds 0.25), and the live histograms show what the network actually
multiplies by: sigmoid layers piling up near 0 (vanishing gradients), ReLU layers with a spike
at 0 (dead units, also given as a fraction).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QWidget

from nnstudio.core.catalogue.activations import ACTIVATIONS, curve
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    CurveHover,
    LegendAbove,
    PlotContext,
    PlotHint,
    PlotView,
    TitleCaption,
    bin_at,
    curve_item,
    histogram_plot,
    make_plot,
    series_color,
    view_point,
)
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.record import PLAN, RUN, STATS, LayerSeries
from nnstudio.gui.theme import with_alpha
from nnstudio.i18n import N_, _

__all__ = ["ActivationView", "DerivativeHistogram", "derivative_axis"]

POINTS = 401
MAX_COLUMNS = 4

#: Where f′ lives for well-known activations: the live histograms keep these axes fixed so
#: frames of the animation line up (the trainer bins sigmoid over [0, 0.25], these over [0, 1]).
FIXED_DERIVATIVE_RANGE = {
    "sigmoid": (0.0, 0.25),
    "tanh": (0.0, 1.0),
    "relu": (0.0, 1.0),
    "hardtanh": (0.0, 1.0),
    "softmax": (0.0, 0.25),
}


def derivative_axis(
    component: dict[str, Any], hist_edges: np.ndarray | None
) -> tuple[float, float]:
    """The x range of a layer's f′ histogram."""
    fixed = FIXED_DERIVATIVE_RANGE.get(component["name"])
    if fixed is not None:
        return fixed
    if hist_edges is not None and len(hist_edges) >= 2:
        return float(hist_edges[0]), float(hist_edges[-1])
    return 0.0, 1.0


#: What an f′ histogram says before the first statistics arrive.
WAITING_HINT = N_("f′ appears while training")


def _label(component: dict[str, Any]) -> str:
    """An activation's short name ("Identity (linear)" → "Identity"), translated."""
    label = _(ACTIVATIONS.get(component["name"]).label)
    for bracket in (" (", "（", "("):
        label = label.split(bracket)[0]
    return label.strip()


class DerivativeHistogram:
    """One small plot: the histogram of f′(z) over the latest batch for one layer."""

    def __init__(
        self,
        layout: pg.GraphicsLayout,
        row: int,
        col: int,
        name: str,
        comp: dict[str, Any],
        color: str,
    ) -> None:
        self.name = name
        self.component = comp
        self.color = color
        title = f"{name} · {_label(comp)}"
        self.plot = histogram_plot(
            layout,
            row,
            col,
            title=title,
            x_label="f′(z)",
            left_width=40,
            y_label=_("% of values"),
        )
        self.bars = pg.PlotDataItem(
            pen=pg.mkPen(color, width=1),
            fillLevel=0,
            brush=with_alpha(color, 120),
        )
        self.plot.addItem(self.bars)
        self.mean_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(theme.SECONDARY_TEXT, width=1.2, style=Qt.PenStyle.DashLine)
        )
        self.mean_line.setVisible(False)
        self.plot.addItem(self.mean_line, ignoreBounds=True)
        self.caption = TitleCaption(self.plot, title)
        self.hint = PlotHint(self.plot, _(WAITING_HINT))
        self.edges: np.ndarray = np.zeros(0)
        self.counts: np.ndarray = np.zeros(0)
        self.x_range = derivative_axis(comp, None)
        self.plot.setXRange(*self.x_range, padding=0)
        self.plot.enableAutoRange(x=False, y=True)

    def update(self, series: LayerSeries | None) -> None:
        hist = series.deriv if series is not None else None
        if hist is None:
            self.bars.clear()
            self.caption.setText("")
            self.mean_line.setVisible(False)
            self.hint.show_text(_(WAITING_HINT))
            self.edges, self.counts = np.zeros(0), np.zeros(0)
            return
        assert series is not None
        edges = np.asarray(hist.edges, dtype=np.float64)
        counts = np.asarray(hist.counts, dtype=np.float64)
        total = counts.sum()
        share = counts / total * 100.0 if total > 0 else counts
        self.edges, self.counts = edges, counts
        self.bars.setData(
            edges, share, stepMode="center", fillLevel=0, brush=with_alpha(self.color, 120)
        )
        lo, hi = derivative_axis(self.component, edges)
        lo, hi = min(lo, self.x_range[0]), max(hi, self.x_range[1])
        if (lo, hi) != self.x_range:
            self.x_range = (lo, hi)
            self.plot.setXRange(lo, hi, padding=0)
        self.hint.show_text(None)
        parts = []
        mean = series.deriv_mean.last() if len(series.deriv_mean) else math.nan
        if math.isfinite(mean):
            parts.append(_("mean |f′| {mean:.3g}").format(mean=mean))
            self.mean_line.setPos(mean)
            self.mean_line.setVisible(True)
        if series.dead is not None:
            parts.append(_("dead {share:.0f} %").format(share=series.dead * 100))
        self.caption.setText(" · ".join(parts))

    def text_at(self, scene_pos: QPointF) -> str | None:
        p = view_point(self.plot, scene_pos)
        if p is None or not len(self.edges):
            return None
        x = p.x()
        i = bin_at(self.edges, x)
        if i is None:
            return f"{self.name}: f′ = {x:.3g}"
        total = self.counts.sum()
        share = self.counts[i] / total * 100 if total else 0.0
        return _(
            "{layer}: f′ in [{low:.3g}, {high:.3g}) → {share:.1f} % of values ({count})"
        ).format(
            layer=self.name,
            low=self.edges[i],
            high=self.edges[i + 1],
            share=share,
            count=int(self.counts[i]),
        )


class ActivationView(PlotView):
    """Tab "Activations"."""

    title = N_("Activations")
    file_stem = "activations"
    topics = frozenset({STATS, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.range_box = QDoubleSpinBox(self)
        self.range_box.setRange(0.5, 20.0)
        self.range_box.setSingleStep(1.0)
        self.range_box.setDecimals(1)
        self.range_box.setValue(6.0)
        self.range_box.setPrefix(_("z from −R to R, R = "))
        self.range_box.setToolTip(
            _(
                "The range of z for the function plots. The lesson uses [−20, 20]; ±6 shows "
                "where the sigmoid saturates."
            )
        )
        self.range_box.valueChanged.connect(self._on_range_changed)
        self.bar.addWidget(QLabel(_("f solid, f′ dashed;"), self))
        self.bar.addWidget(self.range_box)
        self.finish_bar()
        ci = self.graphics.ci
        # No title: the legend ("Tanh f(z)", "Tanh f′(z)", one activation per line) takes the
        # title row, where it cannot cover the curves.
        self.fplot = make_plot(ci, 0, 0, x_label="z", left_width=34)
        self.flegend = LegendAbove(self.fplot, max_columns=2, text_size="7.5pt")
        axis_pen = pg.mkPen(theme.ZERO_AXIS, width=1)
        self.fplot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=axis_pen), ignoreBounds=True)
        self.fplot.addItem(pg.InfiniteLine(pos=0, angle=90, pen=axis_pen), ignoreBounds=True)
        self.fhint = PlotHint(self.fplot, "")
        self.fhover = CurveHover(self.fplot, x_name="z")
        self.hovers.append(self.fhover)
        self.hist_layout = ci.addLayout(row=0, col=1)
        self.hist_layout.setContentsMargins(0, 0, 0, 0)
        self.hist_layout.layout.setHorizontalSpacing(8)
        ci.layout.setColumnStretchFactor(0, 2)
        ci.layout.setColumnStretchFactor(1, 5)
        #: activation key → (component, f item, f′ item, x, f, f′)
        self.functions: dict[str, tuple[dict[str, Any], pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._function_data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        #: layer id → its f′ histogram plot
        self.histograms: dict[str, DerivativeHistogram] = {}
        self._layers_key: tuple = ()
        self._functions_key: tuple = ()

    # --- functions -------------------------------------------------------------------------

    def _on_range_changed(self, _value: float) -> None:
        self._functions_key = ()
        self.dirty = True
        self.ensure_fresh()

    def _sync_functions(self, components: list[dict[str, Any]]) -> None:
        radius = self.range_box.value()
        keys = []
        for comp in components:
            key = json.dumps(comp, sort_keys=True, default=str)
            if key not in keys:
                keys.append(key)
        want = (tuple(keys), radius)
        if want == self._functions_key:
            return
        self._functions_key = want
        for _comp, f_item, df_item in self.functions.values():
            self.fhover.untrack(f_item)
            self.fhover.untrack(df_item)
            self.fplot.removeItem(f_item)
            self.fplot.removeItem(df_item)
        self.flegend.clear()
        self.functions, self._function_data = {}, {}
        for i, key in enumerate(keys):
            comp = json.loads(key)
            color = series_color(i)
            label = _label(comp)
            try:
                x, f, df = curve(comp, -radius, radius, POINTS)
            except Exception:  # an activation that cannot be drawn alone: skip it
                continue
            f_item = curve_item(self.fplot, color, width=2)
            df_item = curve_item(self.fplot, color, width=2, style=Qt.PenStyle.DashLine)
            f_item.setData(x, f)
            df_item.setData(x, df)
            self.flegend.addItem(f_item, f"{label} f(z)")
            self.flegend.addItem(df_item, f"{label} f′(z)")
            self.fhover.track(f"{label} f(z)", f_item)
            self.fhover.track(f"{label} f′(z)", df_item)
            self.functions[key] = (comp, f_item, df_item)
            self._function_data[key] = (x, f, df)
        self.fplot.setXRange(-radius, radius, padding=0.02)
        self.fplot.enableAutoRange(y=True)
        self.fhint.show_text(
            None
            if self.functions
            else _("No hidden activations in this network\n(identity layers only).")
        )

    def color_of(self, comp: dict[str, Any]) -> str:
        key = json.dumps(comp, sort_keys=True, default=str)
        for i, k in enumerate(self.functions):
            if k == key:
                return series_color(i)
        return series_color(0)

    # --- histograms ------------------------------------------------------------------------

    def _sync_histograms(self, layers: list[tuple[str, dict[str, Any]]]) -> None:
        key = tuple(
            (nid, self.context.layer_name(nid), json.dumps(c, sort_keys=True)) for nid, c in layers
        )
        if key == self._layers_key:
            return
        self._layers_key = key
        self.hist_layout.clear()
        self.histograms = {}
        cols = min(MAX_COLUMNS, max(1, len(layers)))
        for i, (nid, comp) in enumerate(layers):
            self.histograms[nid] = DerivativeHistogram(
                self.hist_layout,
                i // cols,
                i % cols,
                self.context.layer_name(nid),
                comp,
                self.color_of(comp),
            )
        for c in range(cols):
            self.hist_layout.layout.setColumnStretchFactor(c, 1)

    def reset(self) -> None:
        super().reset()
        for hist in self.histograms.values():
            hist.update(None)

    def refresh(self) -> None:
        record = self.context.record
        layers = self.context.activation_layers()
        known = {nid for nid, _ in layers}
        # Layers the trainer reported but the graph no longer names (edited since): keep them.
        for nid, series in record.layers.items():
            if series.deriv is not None and nid not in known:
                comp = self.context.activation_of(nid) or {"name": "identity"}
                layers.append((nid, comp))
        self._sync_functions([c for _, c in layers])
        self._sync_histograms(layers)
        for nid, hist in self.histograms.items():
            hist.update(record.layers.get(nid))
        stats = record.last_stats
        if stats is not None:
            self.set_idle_text(
                _(
                    "f′(z) over one batch at epoch {epoch}, step {step}; dashed line: mean "
                    "|f′|. Hover for values."
                ).format(epoch=stats.epoch, step=stats.step)
            )
        else:
            self.set_idle_text(
                _("Backprop multiplies by f′(z) at every layer: values near 0 stop the gradient.")
            )

    def hover_text(self, scene_pos: QPointF) -> str | None:
        return self.first_hover_text(self.histograms.values(), scene_pos)

    def tables(self) -> list[Table]:
        tables = []
        if self._function_data:
            first = next(iter(self._function_data.values()))
            headers = ["z"]
            columns: list[Any] = [first[0]]
            for key, (_x, f, df) in self._function_data.items():
                name = json.loads(key)["name"]
                headers += [f"{name}_f", f"{name}_df"]
                columns += [f, df]
            tables.append(Table("functions", tuple(headers), tuple(columns)))
        rows: list[list[Any]] = [[], [], [], [], []]
        for nid, hist in self.histograms.items():
            for i in range(len(hist.counts)):
                rows[0].append(hist.name)
                rows[1].append(nid)
                rows[2].append(float(hist.edges[i]))
                rows[3].append(float(hist.edges[i + 1]))
                rows[4].append(int(hist.counts[i]))
        if rows[0]:
            tables.append(
                Table(
                    "derivatives", ("layer", "node_id", "bin_from", "bin_to", "count"), tuple(rows)
                )
            )
        return tables

"""Gradient flow: each layer's gradient norm over time on a log axis.

Vanishing gradients are the first layers' curves sitting decades below the last layer's;
exploding ones shoot up before the loss turns NaN. Layers are named as on the canvas and
coloured in the order the data flows through them.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from nnstudio.gui.plots.base import (
    SYMBOL_LIMIT,
    CurveHover,
    PlotContext,
    PlotHint,
    PlotView,
    curve_item,
    make_plot,
    series_color,
    side_legend,
)
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.record import PLAN, RUN, STATS
from nnstudio.i18n import N_, _

__all__ = ["GradientView"]

EMPTY_HINT = N_("Gradient norms per layer appear while training.")
HOVER_HINT = N_("‖∂loss/∂weights‖ of each layer; hover a curve for values.")


class GradientView(PlotView):
    """Tab "Gradients"."""

    title = N_("Gradients")
    file_stem = "gradient_flow"
    topics = frozenset({STATS, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.log_scale = self.add_check(
            _("Log scale"),
            _("Gradient norms span decades: a log axis shows them all."),
            lambda on: self.plot.setLogMode(y=on),
            checked=True,
        )
        self.finish_bar()
        ci = self.graphics.ci
        self.plot = make_plot(
            ci,
            0,
            0,
            x_label=_("epoch"),
            y_label=_("‖gradient‖ per layer"),
            x_origin=0.0,
            grows=True,
        )
        self.plot.setLogMode(y=True)
        self.legend = side_legend(ci, 0, 1)
        ci.layout.setColumnStretchFactor(0, 1)
        self.hint = PlotHint(self.plot, _(EMPTY_HINT))
        self.hover = CurveHover(self.plot)
        self.hovers.append(self.hover)
        #: node id → curve, and its colour
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.colors: dict[str, str] = {}
        self._key: tuple = ()

    def _sync_curves(self, ids: list[str]) -> None:
        key = tuple((nid, self.context.layer_name(nid)) for nid in ids)
        if key == self._key:
            return
        self._key = key
        for item in self.curves.values():
            self.plot.removeItem(item)
            self.hover.untrack(item)
        self.legend.clear()
        self.curves, self.colors = {}, {}
        for i, (nid, name) in enumerate(key):
            item = curve_item(self.plot, series_color(i), width=1.8, big=True)
            self.curves[nid] = item
            self.colors[nid] = series_color(i)
            self.legend.addItem(item, name)
            self.hover.track(name, item, lambda v: f"{v:.3g}")

    def reset(self) -> None:
        super().reset()
        for item in self.curves.values():
            item.clear()

    def refresh(self) -> None:
        record = self.context.record
        order = self.context.layer_order()
        ids = [nid for nid in order if nid in record.layers and len(record.layers[nid].x)]
        ids += [nid for nid in record.layers if nid not in ids and len(record.layers[nid].x)]
        self._sync_curves(ids)
        for nid, item in self.curves.items():
            series = record.layers[nid]
            y = series.grad_norm.view()
            # log10(0) is −∞: show a zero gradient as a gap rather than breaking the axis.
            y = np.where(y > 0, y, np.nan) if (y <= 0).any() else y
            # Few statistics (a single step gives one per layer) are marked: a line needs
            # two points, and an empty plot under a headline about it would mislead.
            if len(y) <= SYMBOL_LIMIT and np.isfinite(y).any():
                item.setData(
                    series.x.view(),
                    y,
                    symbol="o",
                    symbolSize=5,
                    symbolPen=None,
                    symbolBrush=self.colors[nid],
                )
            else:
                item.setData(series.x.view(), y, symbol=None)
        self.hint.show_text(None if self.curves else _(EMPTY_HINT))
        self.set_idle_text(self._summary(ids))

    def _summary(self, ids: list[str]) -> str:
        """A sentence comparing the first and last layers' latest gradient norms.

        Read from what the curves draw, so the sentence never speaks of a point that is
        not on the plot (a zero or NaN norm is a gap on the log axis).
        """
        if len(ids) < 2:
            return _(HOVER_HINT)
        a, b = _last_drawn(self.curves[ids[0]]), _last_drawn(self.curves[ids[-1]])
        if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
            return _(HOVER_HINT)
        name_a = self.context.layer_name(ids[0])
        name_b = self.context.layer_name(ids[-1])
        ratio = b / a
        if ratio >= 10:
            return _(
                "Now: {first}'s gradient is 1/{ratio:.0f} of {last}'s: the early layers learn "
                "slowly (vanishing gradients)."
            ).format(first=name_a, last=name_b, ratio=ratio)
        if ratio <= 0.1:
            return _(
                "Now: {first}'s gradient is {ratio:.0f}× {last}'s (growing backwards)."
            ).format(first=name_a, last=name_b, ratio=1 / ratio)
        return _("Now: gradients of {first} … {last} are of similar size (healthy flow).").format(
            first=name_a, last=name_b
        )

    def tables(self) -> list[Table]:
        record = self.context.record
        cols: list[list] = [[], [], [], []]
        for nid in self.curves:
            series = record.layers[nid]
            name = self.context.layer_name(nid)
            n = len(series.x)
            cols[0] += [name] * n
            cols[1] += [nid] * n
            cols[2] += series.x.view().tolist()
            cols[3] += series.grad_norm.view().tolist()
        if not cols[0]:
            return []
        return [
            Table("gradients", ("layer", "node_id", "epoch_position", "grad_norm"), tuple(cols))
        ]


def _last_drawn(item: pg.PlotDataItem) -> float:
    """The latest value ``item`` draws (NaN when it draws nothing there)."""
    y = item.yData
    return float(y[-1]) if y is not None and len(y) else math.nan

"""Accuracy (classification) or RMSE and R² (regression) per epoch, training vs validation.

Drawn beside the loss because the loss is what the optimiser sees and the metric is what a
person cares about: the gap between the blue and orange curves is overfitting made visible.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnstudio.gui import theme
from nnstudio.gui.plots.base import CurveHover, PlotHint, curve_item, inner_legend, make_plot
from nnstudio.gui.plots.record import RunRecord

__all__ = ["METRIC_LABELS", "MetricPlots"]

#: Base metric name → (axis label, scale for display, legend corner where curves rarely go).
METRIC_LABELS: dict[str, tuple[str, float, str]] = {
    "accuracy": ("accuracy (%)", 100.0, "bottom"),
    "rmse": ("RMSE", 1.0, "top"),
    "mae": ("MAE", 1.0, "top"),
    "r2": ("R²", 1.0, "bottom"),
}
#: Which metrics to draw per task (others exist in the record but would crowd the tab).
TASK_METRICS = {"classification": ("accuracy",), "regression": ("rmse", "r2")}
SYMBOL_LIMIT = 60


class MetricPlots:
    """One small plot per metric, added to a GraphicsLayout to the right of the loss plot."""

    def __init__(self, layout: pg.GraphicsLayout, first_col: int) -> None:
        self.layout = layout
        self.first_col = first_col
        self.names: tuple[str, ...] = ()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.hovers: list[CurveHover] = []
        self.hints: dict[str, PlotHint] = {}

    def set_metrics(self, names: tuple[str, ...]) -> list[CurveHover]:
        """(Re)build the plots for ``names``; returns the new hovers (to be tracked)."""
        if names == self.names:
            return []
        for plot in self.plots.values():
            self.layout.removeItem(plot)
        self.plots, self.curves, self.hovers, self.hints = {}, {}, [], {}
        self.names = names
        for i, name in enumerate(names):
            label, _scale, corner = METRIC_LABELS.get(name, (name, 1.0, "top"))
            plot = make_plot(
                self.layout, 0, self.first_col + i, x_label="epoch", y_label=label, left_width=40
            )
            offset = (-6, 6) if corner == "top" else (-6, -6)
            inner_legend(plot, offset)
            hover = CurveHover(plot)
            for split, color in (("train", theme.TRAIN), ("val", theme.VALIDATION)):
                if name == "r2" and split == "train":
                    continue  # the engine reports R² on the validation split only
                text = "training" if split == "train" else "validation"
                item = curve_item(plot, color, width=1.8, name=text)
                self.curves[(name, split)] = item
                fmt = (lambda v: f"{v:.1f} %") if name == "accuracy" else None
                hover.track(f"{text} {label.split(' ')[0]}", item, fmt)
            self.plots[name] = plot
            self.hints[name] = PlotHint(plot, "")
            self.hovers.append(hover)
        return list(self.hovers)

    def refresh(self, record: RunRecord, hint: str | None) -> None:
        epochs = record.epoch.view()
        few = len(epochs) <= SYMBOL_LIMIT
        for (name, split), item in self.curves.items():
            values = record.metric(f"{split}_{name}")
            if values is None or not len(epochs):
                item.setData([], [])
                continue
            scale = METRIC_LABELS.get(name, (name, 1.0, ""))[1]
            y = values * scale if scale != 1.0 else values
            color = theme.TRAIN if split == "train" else theme.VALIDATION
            if few:
                item.setData(epochs, y, symbol="o", symbolSize=4, symbolPen=None, symbolBrush=color)
            else:
                item.setData(epochs, y, symbol=None)
        for name, plot_hint in self.hints.items():
            has = any(
                record.metric(f"{s}_{name}") is not None
                and np.isfinite(record.metric(f"{s}_{name}")).any()  # type: ignore[arg-type]
                for s in ("train", "val")
            )
            plot_hint.show_text(None if has else hint)

"""Accuracy (classification) or RMSE and R² (regression) per epoch, training vs validation.

Drawn beside the loss because the loss is what the optimiser sees and the metric is what a
person cares about: the gap between the blue and orange curves is overfitting made visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    SYMBOL_LIMIT,
    CurveHover,
    LegendAbove,
    PlotHint,
    clear_curve,
    curve_item,
    make_plot,
    set_curve,
)
from nnstudio.gui.plots.record import RunRecord
from nnstudio.i18n import N_, _, ngettext, pgettext

__all__ = [
    "METRIC_LABELS",
    "METRIC_NAMES",
    "SYMBOL_LIMIT",
    "VALIDATION_ONLY",
    "MetricPlots",
    "metric_plan",
]

#: Base metric name → (axis label, scale for display); labels are shown translated.
METRIC_LABELS: dict[str, tuple[str, float]] = {
    "accuracy": (N_("accuracy (%)"), 100.0),
    "rmse": ("RMSE", 1.0),
    "mae": ("MAE", 1.0),
    "r2": ("R²", 1.0),
}
#: Base metric name → its name inside a sentence ("accuracy appears after …").
METRIC_NAMES: dict[str, str] = {
    "accuracy": N_("accuracy"),
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
}


def metric_name(name: str) -> str:
    """A metric's short name in the current language (unknown ones as they are)."""
    return _(METRIC_NAMES.get(name, name))


#: Which metrics to draw per task (others exist in the record but would crowd the tab).
TASK_METRICS = {"classification": ("accuracy",), "regression": ("rmse", "r2")}
#: Metrics the engine computes on the validation split only.
VALIDATION_ONLY = frozenset({"r2"})


def metric_plan(
    record: RunRecord, task: str | None, prepared: Any
) -> tuple[tuple[str, ...], str | None]:
    """Which metric plots to show, and the placeholder while no epoch has been reported.

    Only metrics the run reports get a plot: R² comes from the validation split, so a run
    without one (the one-sample backprop lesson) would show a card saying "No metric was
    recorded". Before the first epoch a single card stands for all of them: two identical
    placeholders side by side read as a glitch.
    """
    wanted = TASK_METRICS.get(task or "", tuple(record.metric_names()[:2]))
    if record.has_epochs:
        recorded = set(record.metric_names())
        return tuple(name for name in wanted if name in recorded), None
    if prepared is not None and not getattr(prepared, "n_val", 0):
        wanted = tuple(name for name in wanted if name not in VALIDATION_ONLY)
    if not wanted:
        return (), None
    labels = [metric_name(name) for name in wanted]
    if len(labels) == 1:
        subject = labels[0]
    else:
        # Translators: two metrics named together ("RMSE and R²").
        subject = _("{first} and {second}").format(first=", ".join(labels[:-1]), second=labels[-1])
    text = ngettext(
        "{metrics} appears after\nthe first epoch.",
        "{metrics} appear after\nthe first epoch.",
        len(labels),
    ).format(metrics=subject)
    return wanted[:1], text[:1].upper() + text[1:]


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
        self.legends: dict[str, LegendAbove] = {}
        #: What the last refresh drew (buffer versions, plots, hint): None forces a redraw.
        self._drawn: tuple | None = None

    def set_metrics(self, names: tuple[str, ...]) -> list[CurveHover]:
        """(Re)build the plots for ``names``; returns the new hovers (to be tracked)."""
        if names == self.names:
            return []
        for plot in self.plots.values():
            self.layout.removeItem(plot)
        self.plots, self.curves, self.hovers, self.hints, self.legends = {}, {}, [], {}, {}
        self.names = names
        self._drawn = None
        for i, name in enumerate(names):
            label, _scale = METRIC_LABELS.get(name, (name, 1.0))
            plot = make_plot(
                self.layout,
                0,
                self.first_col + i,
                x_label=_("epoch"),
                y_label=_(label),
                left_width=40,
                x_origin=0.0,
                grows=True,
            )
            self.legends[name] = LegendAbove(plot, max_columns=2, text_size="7.5pt")
            hover = CurveHover(plot)
            for split, color in (("train", theme.TRAIN), ("val", theme.VALIDATION)):
                if name in VALIDATION_ONLY and split == "train":
                    continue  # the engine reports R² on the validation split only
                text = (
                    _("training {metric}") if split == "train" else _("validation {metric}")
                ).format(metric=metric_name(name))
                item = curve_item(plot, color, width=1.8, big=True)
                self.curves[(name, split)] = item
                fmt = (lambda v: f"{v:.1f} %") if name == "accuracy" else None
                hover.track(text, item, fmt)
            self.plots[name] = plot
            self.hints[name] = PlotHint(plot, "")
            self.hovers.append(hover)
        return list(self.hovers)

    def refresh(self, record: RunRecord, hint: str | None) -> None:
        # Metrics change once per epoch; a run marks the view stale at every delivery of
        # batches, so first see whether anything drawn here would change at all.
        drawn = (
            record.epoch.version,
            tuple((key, buf.version) for key, buf in record.metrics.items()),
            tuple(self.curves),
            hint,
        )
        if drawn == self._drawn:
            return
        self._drawn = drawn
        epochs = record.epoch.view()
        few = len(epochs) <= SYMBOL_LIMIT
        for (name, split), item in self.curves.items():
            values = record.metric(f"{split}_{name}")
            if values is None or not len(epochs):
                clear_curve(item)
                continue
            scale = METRIC_LABELS.get(name, (name, 1.0))[1]
            y = values * scale if scale != 1.0 else values
            color = theme.TRAIN if split == "train" else theme.VALIDATION
            key = (record.epoch.version, record.metrics[f"{split}_{name}"].version, few)
            if few:
                set_curve(
                    item,
                    key,
                    epochs,
                    y,
                    symbol="o",
                    symbolSize=4,
                    symbolPen=None,
                    symbolBrush=color,
                )
            else:
                set_curve(item, key, epochs, y, symbol=None)
        # The legend names only what is drawn: a run without a validation split has no
        # orange curve to explain.
        for name, legend in self.legends.items():
            legend.set_entries(
                [
                    (
                        item,
                        pgettext("split", "training")
                        if split == "train"
                        else pgettext("split", "validation"),
                    )
                    for (metric, split), item in self.curves.items()
                    if metric == name and item.yData is not None and np.isfinite(item.yData).any()
                ]
            )
        for name, plot_hint in self.hints.items():
            has = any(
                record.metric(f"{s}_{name}") is not None
                and np.isfinite(record.metric(f"{s}_{name}")).any()  # type: ignore[arg-type]
                for s in ("train", "val")
            )
            plot_hint.show_text(None if has else hint)

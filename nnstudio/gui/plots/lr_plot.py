"""The learning rate following its schedule: planned (dashed grey) under actual (blue).

The planned curve is known before training (``planned_lrs`` replays the schedule on a dummy
parameter), so a student sees the shape the moment a schedule is chosen, and then watches the
run trace it, epoch by epoch (or batch by batch for one-cycle and warm-up).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nnstudio.core.catalogue.schedules import SCHEDULES, planned_lrs
from nnstudio.core.training.training_settings import steps_per_epoch
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    CurveHover,
    PlotContext,
    PlotHint,
    PlotView,
    clear_curve,
    curve_item,
    fill_legend,
    make_plot,
    set_curve,
    side_legend,
    step_edges,
)
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.record import BATCHES, EPOCHS, PLAN, RUN
from nnstudio.i18n import N_, _

__all__ = ["LearningRateView", "Plan", "plan_for"]


class Plan:
    """The planned learning rates of one schedule and the facts needed to draw them."""

    def __init__(
        self,
        schedule: dict[str, Any],
        base_lr: float,
        epochs: int,
        steps_per_epoch: int,
    ) -> None:
        self.schedule = dict(schedule)
        self.spec = SCHEDULES.get(self.schedule["name"])
        self.base_lr = float(base_lr)
        self.epochs = int(epochs)
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        lrs = planned_lrs(self.schedule, self.base_lr, self.epochs, self.steps_per_epoch)
        self.epoch: np.ndarray = lrs["epoch"]
        self.batch: np.ndarray = lrs["batch"]

    @property
    def per_batch(self) -> bool:
        return self.spec.per_batch

    def describe(self) -> str:
        text = _("{schedule} · base lr {lr:g} · {epochs} epochs").format(
            schedule=_(self.spec.label), lr=self.base_lr, epochs=self.epochs
        )
        if self.spec.needs_metric:
            text = _("{plan} · planned as constant: cuts depend on the validation loss").format(
                plan=text
            )
        return text


def plan_for(settings: Any, n_train: int | None) -> Plan | None:
    """The plan for training ``settings`` on ``n_train`` rows (None if it cannot be made)."""
    try:
        schedule = SCHEDULES.normalize(settings.schedule)
        base_lr = float(settings.optimizer.get("lr", 0.001))
        steps = steps_per_epoch(int(n_train or 0), settings.batch_size)
        return Plan(schedule, base_lr, settings.epochs, steps)
    except Exception:  # a half-edited setting must never break the plots
        return None


class LearningRateView(PlotView):
    """Tab "Learning rate"."""

    title = N_("Learning rate")
    file_stem = "learning_rate"
    topics = frozenset({EPOCHS, BATCHES, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.plan: Plan | None = None
        self.log_scale = self.add_check(
            _("Log scale"),
            _("Exponential decay becomes a straight line on a log axis."),
            self._on_log_toggled,
        )
        self.finish_bar()
        self.plot = make_plot(
            self.graphics.ci, 0, 0, x_label=_("epoch"), y_label=_("learning rate"), left_width=52
        )
        # Beside the plot: a schedule can put its curve in any corner.
        self.legend = side_legend(self.graphics.ci, 0, 1)
        # Planned is wider than actual so it still shows where the run follows it exactly.
        self.planned_curve = curve_item(
            self.plot, theme.PLANNED, width=3.2, style=Qt.PenStyle.DashLine
        )
        self.epoch_curve = curve_item(self.plot, theme.TRAIN, width=1.8)
        self.batch_curve = curve_item(self.plot, theme.TRAIN, width=1.4, big=True)
        self._legend_key: tuple = ()
        self.hint = PlotHint(self.plot, "")
        self.hover = CurveHover(self.plot)
        self.hover.track(_("actual lr (batch)"), self.batch_curve, _lr)
        self.hover.track(_("actual lr"), self.epoch_curve, _lr)
        self.hover.track(_("planned lr"), self.planned_curve, _lr)
        self.hovers.append(self.hover)

    def _on_log_toggled(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        self.dirty = True
        self.ensure_fresh()

    def _sync_legend(self) -> None:
        entries = [(self.planned_curve, _("planned"))] if self.plan is not None else []
        if self.context.record.has_epochs or self.context.record.has_batches:
            if self.batch_curve.isVisible():
                entries.append((self.batch_curve, _("actual (per batch)")))
            else:
                entries.append((self.epoch_curve, _("actual")))
        self._legend_key = fill_legend(self.legend, entries, self._legend_key)

    def _fit_y(self) -> None:
        """Linear axis from 0 (a learning rate is positive; 0 shows how far it fell)."""
        if self.log_scale.isChecked():
            self.plot.enableAutoRange(y=True)
            return
        parts = [self.planned_data()[1], self.context.record.lr.view()]
        if self.batch_curve.isVisible():
            parts.append(self.context.record.batch_lr.view())
        values = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])
        values = values[np.isfinite(values)]
        top = float(values.max()) if values.size else 0.0
        if top > 0:
            self.plot.setYRange(0.0, top * 1.1, padding=0)

    def set_plan(self, plan: Plan | None) -> None:
        self.plan = plan
        # The planned curve is the plan's: draw it again (not None: that means "cleared").
        self.planned_curve._drawn_key = ("stale",)
        self.dirty = True

    def planned_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, lr) of the planned curve as drawn: batch starts, or epoch step edges."""
        plan = self.plan
        if plan is None:
            return np.zeros(0), np.zeros(0)
        if plan.per_batch:
            return np.arange(len(plan.batch)) / plan.steps_per_epoch, plan.batch
        return np.arange(plan.epochs + 1, dtype=np.float64), plan.epoch

    def reset(self) -> None:
        super().reset()
        clear_curve(self.epoch_curve)
        clear_curve(self.batch_curve)

    def refresh(self) -> None:
        record = self.context.record
        plan = self.plan
        # Each curve is handed to pyqtgraph only when its numbers changed (set_curve).
        if getattr(self.planned_curve, "_drawn_key", None) != (id(plan),):
            x, y = self.planned_data()
            if not len(y):
                clear_curve(self.planned_curve)
            elif plan is not None and not plan.per_batch:
                set_curve(self.planned_curve, (id(plan),), x, y, stepMode="center")
            else:
                set_curve(self.planned_curve, (id(plan),), x, y, stepMode=None)
        epochs = record.epoch.view()
        if len(epochs):
            key = (record.epoch.version, record.lr.version)
            if getattr(self.epoch_curve, "_drawn_key", None) != key:
                edges = step_edges(epochs)
                set_curve(self.epoch_curve, key, edges, record.lr.view(), stepMode="center")
        else:
            clear_curve(self.epoch_curve)
        per_batch = (plan.per_batch if plan is not None else False) or record.batch_lr_varies
        if per_batch and record.has_batches:
            steps = record.steps_per_epoch
            key = (record.batch_x.version, record.batch_lr.version, steps)
            if getattr(self.batch_curve, "_drawn_key", None) != key:
                # The lr of a batch is in effect from its start: one step before its end.
                start = record.batch_x.view() - 1.0 / max(1, steps)
                set_curve(self.batch_curve, key, start, record.batch_lr.view())
            self.epoch_curve.setVisible(False)
        else:
            clear_curve(self.batch_curve)
            self.epoch_curve.setVisible(True)
        self.batch_curve.setVisible(per_batch)
        self._sync_legend()
        self._fit_y()
        empty = plan is None and not len(epochs)
        self.hint.show_text(
            _("Load data and choose a schedule to see\nthe planned learning rate.")
            if empty
            else None
        )
        self.set_idle_text(plan.describe() if plan is not None else "")

    def tables(self) -> list[Table]:
        record = self.context.record
        tables = []
        x, y = self.planned_data()
        if len(y):
            name = "batch_position" if self.plan and self.plan.per_batch else "epoch_start"
            tables.append(Table("planned", (name, "planned_lr"), (x[: len(y)], y)))
        if record.has_epochs:
            tables.append(Table("actual", ("epoch", "lr"), (record.epoch.view(), record.lr.view())))
        if record.has_batches:
            tables.append(
                Table(
                    "batches",
                    ("epoch_position", "lr"),
                    (record.batch_x.view(), record.batch_lr.view()),
                )
            )
        return tables


def _lr(value: float) -> str:
    return f"{value:.4g}"

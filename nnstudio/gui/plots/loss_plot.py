"""The loss falling: per epoch (training and validation) and per batch, with EMA smoothing.

Per-batch losses are noisy because each batch is a different sample of the data; the
exponential moving average of the optimiser lesson (S_t = β·S_{t−1} + (1−β)·Y_t) shows the
trend through the noise, and the β slider lets a student feel the smoothness/lag trade-off.
When the validation loss turns and climbs while the training loss keeps falling, a banner
beside the plot says the run overfits and names early stopping as the remedy.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from nnstudio.core.training.overfitting import Overfitting, detect_overfitting
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    CurveHover,
    LegendAbove,
    PlotContext,
    PlotHint,
    PlotView,
    clear_curve,
    curve_item,
    make_plot,
    set_curve,
)
from nnstudio.gui.plots.buffers import BoundedSeries, GrowableBuffer, ema_continue
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.metric_plot import SYMBOL_LIMIT, MetricPlots, metric_plan
from nnstudio.gui.plots.record import BATCHES, EPOCHS, RUN
from nnstudio.gui.theme import with_alpha
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.i18n import N_, _

__all__ = ["EMA_TOOLTIP", "LossView", "overfitting_text"]

EMA_TOOLTIP = N_(
    "Exponential moving average of the per-batch loss, as in the optimiser lesson:\n"
    "    S_t = β·S_{t−1} + (1−β)·Y_t\n"
    "It starts at the first batch's loss (S_1 = Y_1), so it needs no bias correction and is "
    "not bias-corrected.\n"
    "Larger β → smoother but later: it averages roughly the last 1/(1−β) batches "
    "(β = 0.9 → about 10). β = 0 shows the raw losses."
)
EMPTY_HINT = N_("Press Train (F5) to watch the loss fall.")
#: Width of the overfitting banner beside the plot (it wraps its sentence to this).
BANNER_WIDTH = 250


def overfitting_text(found: Overfitting, early_stopping: object | None) -> str:
    """The teaching hint for ``found``, naming early stopping as the remedy."""
    finding = _(
        "Overfitting: the validation loss rose from its best, {best:.3g} at epoch {epoch}, to "
        "{now:.3g} while the training loss kept falling. The network is memorising the "
        "training rows."
    ).format(best=found.best_val_loss, epoch=found.best_epoch, now=found.val_loss)
    if getattr(early_stopping, "enabled", False):
        patience = getattr(early_stopping, "patience", "?")
        remedy = _(
            "Early stopping is on (patience {patience}): it stops the run and can restore "
            "the best epoch's weights."
        ).format(patience=patience)
    else:
        remedy = _(
            "Remedy: early stopping (Training setup) stops at the best epoch and restores its "
            "weights."
        )
    # Translators: two sentences of the overfitting hint: what happened, then the remedy.
    return _("{finding} {remedy}").format(finding=finding, remedy=remedy)


class LossView(PlotView):
    """Tab "Loss & metric": the loss plot plus the task's metric plots."""

    title = N_("Loss & metric")
    file_stem = "loss"
    topics = frozenset({EPOCHS, BATCHES, RUN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.beta = 0.9
        self.per_batch = self.add_check(
            _("Per batch"),
            _("Also draw the loss of every batch (thin) and its average."),
            self._on_options_changed,
            checked=True,
        )
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 99)
        self.slider.setValue(90)
        self.slider.setFixedWidth(110)
        self.slider.setToolTip(_(EMA_TOOLTIP))
        self.slider.valueChanged.connect(self._on_beta_changed)
        self.beta_label = QLabel(_("Smoothing β = {beta:.2f}").format(beta=0.9), self)
        self.beta_label.setToolTip(_(EMA_TOOLTIP))
        self.bar.addWidget(self.beta_label)
        self.bar.addWidget(self.slider)
        self.log_scale = self.add_check(
            _("Log scale"),
            _("A logarithmic loss axis shows late, small improvements."),
            self._on_log_toggled,
        )
        self.finish_bar()

        ci = self.graphics.ci
        # Every run starts at epoch 0: the axis reaches back to it, so even a single step
        # has a sensible x range (see SteadyViewBox).
        self.plot = make_plot(
            ci, 0, 0, x_label=_("epoch"), y_label=_("loss"), x_origin=0.0, grows=True
        )
        # Above the plot, not over it: a climbing validation loss ran under a legend in the
        # corner and was drawn pale.
        self.legend = LegendAbove(self.plot, max_columns=4, text_size="7.5pt")
        self.batch_curve = curve_item(self.plot, with_alpha(theme.TRAIN, 55), width=1, big=True)
        self.ema_curve = curve_item(self.plot, theme.SMOOTHED, width=1.4, big=True)
        # Per-epoch curves are exact (one point per epoch), drawn downsampled when long.
        self.train_curve = curve_item(self.plot, theme.TRAIN, width=2.2, big=True)
        self.val_curve = curve_item(self.plot, theme.VALIDATION, width=2.2, big=True)
        self.hint = PlotHint(self.plot, _(EMPTY_HINT))
        self.hover = CurveHover(self.plot)
        self.hover.track(_("training loss"), self.train_curve)
        self.hover.track(_("validation loss"), self.val_curve)
        self.hover.track(_("smoothed batch loss"), self.ema_curve)
        self.hover.track(_("batch loss"), self.batch_curve)
        self.hovers.append(self.hover)
        self.divergence_lines: list[pg.InfiniteLine] = []
        self.metrics = MetricPlots(ci, 1)
        self._ema = GrowableBuffer(1024)
        self._ema_state: float | None = None
        self._ema_stride = 1
        # The overfitting hint sits beside the plots: swap the graphics for a row of both.
        outer = self.layout()
        outer.removeWidget(self.graphics)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.graphics, 1)
        self.overfitting_banner = ProblemBanner(self)
        self.overfitting_banner.setFixedWidth(BANNER_WIDTH)
        row.addWidget(self.overfitting_banner, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(row, 1)
        #: What the banner is showing now (None: no sign of overfitting).
        self.overfitting: Overfitting | None = None
        self._update_idle()

    # --- options ---------------------------------------------------------------------------

    def set_beta(self, beta: float) -> None:
        """Change the smoothing (the slider does this in steps of 0.01)."""
        self.slider.setValue(round(min(0.99, max(0.0, beta)) * 100))
        self.beta = min(0.99, max(0.0, float(beta)))
        self._restart_ema()

    def _on_beta_changed(self, value: int) -> None:
        self.beta = value / 100.0
        self._restart_ema()

    def _restart_ema(self) -> None:
        self.beta_label.setText(_("Smoothing β = {beta:.2f}").format(beta=self.beta))
        self._ema.clear()
        self._ema_state = None
        self.dirty = True
        if self.isVisible():
            self.ensure_fresh()

    def _sync_legend(self, batches: bool) -> None:
        """List only what is drawn (pyqtgraph would show hidden curves with an eye icon)."""
        record = self.context.record
        entries = []
        if batches:
            entries += [
                (self.batch_curve, _("batch")),
                (self.ema_curve, _("batch, smoothed (β {beta:.2f})").format(beta=self.beta)),
            ]
        if record.has_epochs:
            entries.append((self.train_curve, _("training (epoch)")))
            if np.isfinite(record.val_loss.view()).any():
                entries.append((self.val_curve, _("validation (epoch)")))
        self.legend.set_entries(entries)

    def _on_log_toggled(self, on: bool) -> None:
        self.plot.setLogMode(y=on)

    def _on_options_changed(self) -> None:
        self.dirty = True
        self.ensure_fresh()

    # --- data ------------------------------------------------------------------------------

    def smoothed(self) -> np.ndarray:
        """The EMA of the per-batch losses for the current β (brought up to date).

        Once a long run's curve is downsampled, each point is the mean of ``stride`` batches,
        so one step along the points decays the average as ``stride`` batches would:
        β^stride. When the curve halves (the stride changes) the average is started again
        over the points kept, at most a few times per run.
        """
        series = self.context.record.batch_loss
        losses = series.view()
        done = len(self._ema)
        if done > len(losses) or series.stride != self._ema_stride:
            self._ema.clear()
            self._ema_state = None
            self._ema_stride = series.stride
            done = 0
        if done < len(losses):
            # A reopened long run's points are already means of ``batch_unit`` batches.
            beta = self.beta ** (series.stride * self.context.record.batch_unit)
            values, self._ema_state = ema_continue(losses[done:], beta, self._ema_state)
            self._ema.extend(values)
        return self._ema.view()

    def reset(self) -> None:
        super().reset()
        self._ema.clear()
        self._ema_state = None
        for item in (self.batch_curve, self.ema_curve, self.train_curve, self.val_curve):
            clear_curve(item)
        self._sync_divergences()
        self.metrics.refresh(self.context.record, None)
        self._show_overfitting(None)

    def refresh(self) -> None:
        record = self.context.record
        epochs = record.epoch.view()
        batches = self.per_batch.isChecked() and record.has_batches
        # Each curve is handed to pyqtgraph only when its numbers changed (set_curve): while
        # batches arrive, the epoch curves stay as they are, and the other way round.
        if batches:
            x = record.batch_x.view()
            # A line needs two points: the first batch of a run shows as a dot.
            dot = (
                {"symbol": "o", "symbolSize": 4, "symbolPen": None, "symbolBrush": theme.SMOOTHED}
                if len(x) == 1
                else {"symbol": None}
            )
            key = (record.batch_x.version, record.batch_loss.version, len(x) == 1)
            bx, by = batch_envelope(x, record.batch_loss)
            set_curve(self.batch_curve, key, bx, by, **dot)
            set_curve(self.ema_curve, (*key, self.beta), x, self.smoothed(), **dot)
        else:
            clear_curve(self.batch_curve)
            clear_curve(self.ema_curve)
        self.batch_curve.setVisible(batches)
        self.ema_curve.setVisible(batches)
        few = len(epochs) <= SYMBOL_LIMIT
        for item, buf, color in (
            (self.train_curve, record.train_loss, theme.TRAIN),
            (self.val_curve, record.val_loss, theme.VALIDATION),
        ):
            key = (record.epoch.version, buf.version, few)
            if getattr(item, "_drawn_key", None) == key:
                continue  # nothing new since the last drawing (batches arrived)
            values = buf.view()
            has = len(values) and np.isfinite(values).any()
            if not has:
                clear_curve(item)
            elif few:
                set_curve(
                    item,
                    key,
                    epochs,
                    values,
                    symbol="o",
                    symbolSize=5,
                    symbolPen=None,
                    symbolBrush=color,
                )
            else:
                set_curve(item, key, epochs, values, symbol=None)
        self._sync_divergences()
        self._sync_legend(batches)
        names, waiting = metric_plan(record, self.context.task, self.context.prepared)
        self.metrics.set_metrics(names)
        ci = self.graphics.ci.layout
        ci.setColumnStretchFactor(0, 4)
        for i in range(max(2, len(names))):  # columns of metrics no longer shown get none
            stretch = (3 if len(names) == 1 else 2) if i < len(names) else 0
            ci.setColumnStretchFactor(1 + i, stretch)
        self.hovers = [self.hover, *self.metrics.hovers]
        self.metrics.refresh(
            record, waiting if waiting else _("No metric was recorded\nfor these epochs.")
        )
        empty = not record.has_epochs and not record.has_batches
        self.hint.show_text(_(EMPTY_HINT) if empty else None)
        self._show_overfitting(
            detect_overfitting(
                record.epoch.view(), record.train_loss.view(), record.val_loss.view()
            )
        )
        self._update_idle()

    def _show_overfitting(self, found: Overfitting | None) -> None:
        """Show (or clear) the overfitting hint beside the plot."""
        self.overfitting = found
        if found is None:
            self.overfitting_banner.set_messages([])
            return
        plan = self.context.plan
        settings = plan.job.settings if plan is not None else None
        if settings is None:
            settings = getattr(getattr(self.context.document, "project", None), "training", None)
        early = getattr(settings, "early_stopping", None)
        self.overfitting_banner.set_messages(
            [BannerMessage("warning", overfitting_text(found, early))]
        )

    def _sync_divergences(self) -> None:
        wanted = list(self.context.record.divergences)
        while len(self.divergence_lines) > len(wanted):
            self.plot.removeItem(self.divergence_lines.pop())
        while len(self.divergence_lines) < len(wanted):
            line = pg.InfiniteLine(
                angle=90,
                pen=pg.mkPen(theme.DIVERGED, width=2),
                label=_("diverged (NaN)"),
                labelOpts={
                    "position": 0.92,
                    "color": theme.DIVERGED,
                    "fill": theme.LABEL_BACKING,
                    "anchors": [(1, 0), (1, 0)],
                },
            )
            line.setZValue(40)
            self.plot.addItem(line)
            self.divergence_lines.append(line)
        for line, x in zip(self.divergence_lines, wanted, strict=True):
            line.setPos(x)

    def _update_idle(self) -> None:
        record = self.context.record
        parts = []
        if record.has_epochs:
            last = len(record.epoch) - 1
            parts.append(_("epoch {epoch}").format(epoch=int(record.epoch.view()[last])))
            tl, vl = record.train_loss.view()[last], record.val_loss.view()[last]
            parts.append(_("training loss {value}").format(value=_g(tl)))
            if math.isfinite(vl):
                parts.append(_("validation loss {value}").format(value=_g(vl)))
        if record.divergences:
            parts.append(_("the loss became NaN: lower the learning rate"))
        if not parts:
            parts.append(_("Hover a curve to read its values."))
        self.set_idle_text(" · ".join(parts))

    def tables(self) -> list[Table]:
        record = self.context.record
        tables = []
        if record.has_epochs:
            headers = ["epoch", "train_loss", "val_loss", "lr"]
            columns = [
                record.epoch.view(),
                record.train_loss.view(),
                record.val_loss.view(),
                record.lr.view(),
            ]
            for key, buf in record.metrics.items():
                headers.append(key)
                columns.append(buf.view())
            tables.append(Table("epochs", tuple(headers), tuple(columns)))
        if record.has_batches:
            tables.append(
                Table(
                    "batches",
                    ("epoch_position", "batch_loss", f"smoothed_beta_{self.beta:.2f}"),
                    (record.batch_x.view(), record.batch_loss.view(), self.smoothed()),
                )
            )
        return tables


def batch_envelope(x: np.ndarray, losses: BoundedSeries) -> tuple[np.ndarray, np.ndarray]:
    """The thin per-batch curve: every loss, or once a long run is averaged, each point's
    least and greatest batch loss in turn (a spike of one batch stays as high as it was)."""
    bounds = losses.envelope()
    if losses.stride == 1 or bounds is None:
        return x, losses.view()
    lo, hi = bounds
    return np.repeat(x, 2), np.column_stack((lo, hi)).reshape(-1)


def _g(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "NaN"

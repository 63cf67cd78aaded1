"""The decision boundary forming: predicted class probabilities over the input plane.

Like TensorFlow Playground: the background is the network's answer everywhere in the plane
(pale where it is unsure), the points are the data (training filled, validation hollow), and
the dark line is where the predicted class changes. Only 2-feature classification can be
drawn this way; other projects get a sentence saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QWidget

from nnstudio.core.training.probes import BoundaryFrame, Grid
from nnstudio.gui import theme
from nnstudio.gui.plots.base import (
    LABEL_STYLE,
    PlotContext,
    PlotHint,
    PlotView,
    make_plot,
    side_legend,
    view_point,
)
from nnstudio.gui.plots.export import Table
from nnstudio.gui.plots.record import BOUNDARY, PLAN, RUN
from nnstudio.i18n import N_, _

__all__ = ["BoundaryView", "boundary_rgba", "eligible", "image_rect"]

#: How much of a class colour shows in the background (the rest is white), so points stay
#: readable on top of it.
STRENGTH = 0.45
BOUNDARY_PEN = pg.mkPen(theme.INK, width=1.6)
WAITING_HINT = N_("The network's answer is painted here while it trains (press Train, F5).")


def eligible(prepared: Any) -> tuple[bool, str]:
    """Whether ``prepared`` data can be drawn as a boundary, and if not, why (for the hint)."""
    if prepared is None:
        return False, _("Load a dataset to see the decision boundary.")
    if prepared.task != "classification":
        return False, _(
            "The decision boundary is for classification; this project does "
            "regression.\nSee Results for predicted vs true values."
        )
    if prepared.n_features != 2:
        return False, _(
            "The decision boundary needs 2 input features (this data has {n}):\nonly a plane "
            "can be painted."
        ).format(n=prepared.n_features)
    return True, ""


def image_rect(grid: Grid) -> QRectF:
    """Where the image goes: pixel centres sit on the grid's sample points."""
    res = max(2, grid.resolution)
    dx = (grid.x_max - grid.x_min) / (res - 1)
    dy = (grid.y_max - grid.y_min) / (res - 1)
    return QRectF(
        grid.x_min - dx / 2,
        grid.y_min - dy / 2,
        grid.x_max - grid.x_min + dx,
        grid.y_max - grid.y_min + dy,
    )


def _rgb(color: str) -> np.ndarray:
    c = pg.mkColor(color)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def boundary_rgba(probs: np.ndarray) -> np.ndarray:
    """RGBA image ``[rows, cols, 4]`` (uint8) for ``probs[row, col, class]``.

    Two classes: a diverging map of p(class 1), class-0 colour → white at 0.5 → class-1 colour.
    More classes: the probability-weighted blend of the class colours, paler where the
    network is unsure (the largest probability is close to 1/K).
    """
    probs = np.nan_to_num(np.asarray(probs, dtype=np.float64), nan=0.0)
    rows, cols, k = probs.shape
    white = np.array([255.0, 255.0, 255.0])
    colors = np.stack([_rgb(theme.CLASS_COLORS[i % len(theme.CLASS_COLORS)]) for i in range(k)])
    if k == 2:
        t = (probs[..., 1] * 2.0 - 1.0)[..., None]  # −1 … 1
        side = np.where(t >= 0, colors[1], colors[0])
        rgb = white + (side - white) * STRENGTH * np.abs(t)
    else:
        blend = probs @ colors
        conf = (probs.max(axis=-1, keepdims=True) - 1.0 / k) / (1.0 - 1.0 / k)
        rgb = white + (blend - white) * STRENGTH * (0.35 + 0.65 * np.clip(conf, 0, 1))
    out = np.empty((rows, cols, 4), dtype=np.uint8)
    out[..., :3] = np.clip(rgb, 0, 255).round().astype(np.uint8)
    out[..., 3] = 255
    return out


class BoundaryView(PlotView):
    """Tab "Decision boundary"."""

    title = N_("Decision boundary")
    file_stem = "decision_boundary"
    topics = frozenset({BOUNDARY, RUN, PLAN})

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.show_val = self.add_check(
            _("Validation points"),
            _("Validation points are hollow: the network never trained on them."),
            self._on_val_toggled,
            checked=True,
        )
        self.finish_bar()
        ci = self.graphics.ci
        # [spacer][square-ish plot][legend][spacer]: the plane keeps its true aspect ratio
        # and sits in the middle of a wide dock instead of stretching.
        self.spacers = (pg.GraphicsWidget(), pg.GraphicsWidget())
        ci.addItem(self.spacers[0], row=0, col=0)
        self.plot = make_plot(ci, 0, 1, x_label="x₁", y_label="x₂", left_width=36)
        self.plot.setAspectLocked(True)
        self.legend = side_legend(ci, 0, 2)
        ci.addItem(self.spacers[1], row=0, col=3)
        ci.layout.setColumnStretchFactor(0, 1)
        ci.layout.setColumnStretchFactor(3, 1)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.isocurves: list[pg.IsocurveItem] = []
        self.train_points: list[pg.ScatterPlotItem] = []
        self.val_points: list[pg.ScatterPlotItem] = []
        self.hint = PlotHint(self.plot, "")
        self.frame: BoundaryFrame | None = None
        self._data_key: object = None
        self._synced = False
        self.ok = False

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_width()

    def _fit_width(self) -> None:
        """Give the plot the width its aspect ratio needs at the current height."""
        frame = self.context.record.boundary
        prepared = self.context.prepared
        # Nothing to paint: the explanation gets the whole width, not a third of it between
        # the spacers that centre a square plane.
        for spacer in self.spacers:
            spacer.setMaximumWidth(100000 if self.ok else 0)
        if not self.ok:
            self.plot.setMaximumWidth(100000)
            self.plot.setMinimumWidth(0)
            return
        if frame is not None:
            g = frame.grid
            aspect = (g.x_max - g.x_min) / max(1e-9, g.y_max - g.y_min)
        elif prepared is not None and prepared.n_train:
            x = prepared.array("x_train")
            span = x.max(axis=0) - x.min(axis=0)
            aspect = float(span[0] / max(1e-9, span[1]))
        else:
            aspect = 1.0
        aspect = min(3.0, max(0.5, aspect))
        height = max(60, self.graphics.height() - 40)
        width = int(height * aspect + 50)
        self.plot.setMaximumWidth(max(120, width))
        self.plot.setMinimumWidth(min(120, width))

    def _on_val_toggled(self, on: bool) -> None:
        for item in self.val_points:
            item.setVisible(on)

    # --- data points -----------------------------------------------------------------------

    def _sync_points(self) -> None:
        prepared = self.context.prepared
        if self._synced and prepared is self._data_key:
            return
        self._synced = True
        self._data_key = prepared
        for item in self.train_points + self.val_points:
            self.plot.removeItem(item)
        self.train_points, self.val_points = [], []
        self.legend.clear()
        self.ok, why = eligible(prepared)
        self.show_val.setVisible(self.ok)
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis, self.ok)
        self.plot.showGrid(x=self.ok, y=self.ok, alpha=0.12)
        if not self.ok:
            self.image.clear()
            self._clear_isocurves()
            self.hint.show_text(why)
            return
        names = list(prepared.class_names) or [str(i) for i in range(prepared.n_classes)]
        features = list(prepared.feature_names) or ["x₁", "x₂"]
        self.plot.setLabel("bottom", features[0], **LABEL_STYLE)
        self.plot.setLabel("left", features[1], **LABEL_STYLE)
        x_train = prepared.array("x_train")
        y_train = prepared.array("y_train").reshape(-1)
        x_val = prepared.array("x_val")
        y_val = prepared.array("y_val").reshape(-1)
        size = 6 if len(x_train) <= 2000 else 4
        for k, name in enumerate(names):
            color = theme.class_color(k)
            train = pg.ScatterPlotItem(
                x_train[y_train == k, 0],
                x_train[y_train == k, 1],
                size=size,
                pen=pg.mkPen(theme.POINT_RIM, width=0.8),
                brush=pg.mkBrush(color),
                name=name,
            )
            val = pg.ScatterPlotItem(
                x_val[y_val == k, 0],
                x_val[y_val == k, 1],
                size=size + 1,
                pen=pg.mkPen(color, width=1.6),
                brush=pg.mkBrush(theme.HOLLOW_POINT),
            )
            val.setVisible(self.show_val.isChecked())
            for item in (train, val):
                item.setZValue(10)
                self.plot.addItem(item)
            self.train_points.append(train)
            self.val_points.append(val)
            self.legend.addItem(train, _("class {name}").format(name=name))
        if len(x_val):
            sample = pg.ScatterPlotItem(
                size=size + 1,
                pen=pg.mkPen(theme.MUTED_TEXT, width=1.6),
                brush=pg.mkBrush(theme.HOLLOW_POINT),
            )
            self.legend.addItem(sample, _("validation (hollow)"))
        boundary = pg.PlotDataItem(pen=BOUNDARY_PEN)
        self.legend.addItem(boundary, _("boundary"))

    def _clear_isocurves(self) -> None:
        for iso in self.isocurves:
            iso.setParentItem(None)
            if iso.scene() is not None:
                iso.scene().removeItem(iso)
        self.isocurves = []

    # --- frames ----------------------------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        self.frame = None
        self.image.clear()
        self._clear_isocurves()

    def refresh(self) -> None:
        self._sync_points()
        self._fit_width()
        if not self.ok:
            self.set_idle_text("")
            return
        frame = self.context.record.boundary
        self.frame = frame
        if frame is None:
            self.image.clear()
            self._clear_isocurves()
            self.hint.show_text(None)
            self.set_idle_text(
                _("{waiting} Training points filled, validation points hollow.").format(
                    waiting=_(WAITING_HINT).replace("\n", " ")
                )
            )
            return
        self.hint.show_text(None)
        probs = frame.probs
        self.image.setImage(boundary_rgba(probs), autoLevels=False)
        self.image.setRect(image_rect(frame.grid))
        k = probs.shape[-1]
        classes = [1] if k == 2 else list(range(k))
        while len(self.isocurves) < len(classes):
            iso = pg.IsocurveItem(level=0.0, pen=BOUNDARY_PEN, axisOrder="row-major")
            iso.setParentItem(self.image)
            self.isocurves.append(iso)
        while len(self.isocurves) > len(classes):
            iso = self.isocurves.pop()
            iso.setParentItem(None)
        for iso, c in zip(self.isocurves, classes, strict=True):
            others = np.delete(probs, c, axis=-1).max(axis=-1)
            iso.setData(probs[..., c] - others, 0.0)
        what = (
            _("p(class 1): blue → white (0.5) → orange")
            if k == 2
            else _("blend of the class colours, pale where unsure")
        )
        self.set_idle_text(
            _("epoch {epoch}, step {step} · background: {what}. Hover for probabilities.").format(
                epoch=frame.epoch, step=frame.step, what=what
            )
        )

    def hover_text(self, scene_pos: QPointF) -> str | None:
        frame = self.frame
        p = view_point(self.plot, scene_pos)
        if frame is None or not self.ok or p is None:
            return None
        g = frame.grid
        res = frame.probs.shape[0]
        col = round((p.x() - g.x_min) / (g.x_max - g.x_min) * (res - 1))
        row = round((p.y() - g.y_min) / (g.y_max - g.y_min) * (res - 1))
        if not (0 <= col < frame.probs.shape[1] and 0 <= row < res):
            return _("({x:.2f}, {y:.2f}) is outside the painted area").format(x=p.x(), y=p.y())
        probs = frame.probs[row, col]
        names = list(self.context.prepared.class_names) if self.context.prepared else []
        parts = [f"p({names[i] if i < len(names) else i}) {v:.2f}" for i, v in enumerate(probs)]
        best = int(np.argmax(probs))
        label = names[best] if best < len(names) else str(best)
        return _("({x:.2f}, {y:.2f}): {probabilities} → class {label}").format(
            x=p.x(), y=p.y(), probabilities=", ".join(parts), label=label
        )

    def tables(self) -> list[Table]:
        tables = []
        frame = self.frame
        if frame is not None:
            g = frame.grid
            res = frame.probs.shape[0]
            xs = np.linspace(g.x_min, g.x_max, res)
            ys = np.linspace(g.y_min, g.y_max, res)
            gx, gy = np.meshgrid(xs, ys)  # [row=y, col=x], like probs
            cols: list[Any] = [gx.reshape(-1), gy.reshape(-1)]
            headers = ["x1", "x2"]
            for c in range(frame.probs.shape[-1]):
                headers.append(f"p_class_{c}")
                cols.append(frame.probs[..., c].reshape(-1))
            tables.append(Table("grid", tuple(headers), tuple(cols)))
        prepared = self.context.prepared
        if self.ok and prepared is not None:
            split, x1, x2, label = [], [], [], []
            for name, xs_, ys_ in (
                ("train", prepared.x_train, prepared.y_train),
                ("validation", prepared.x_val, prepared.y_val),
            ):
                arr = xs_.numpy()
                split += [name] * len(arr)
                x1 += arr[:, 0].tolist()
                x2 += arr[:, 1].tolist()
                label += ys_.numpy().reshape(-1).tolist()
            tables.append(Table("points", ("split", "x1", "x2", "class"), (split, x1, x2, label)))
        return tables

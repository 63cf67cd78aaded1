"""Optimizer trajectories: SGD, Momentum, AdaGrad, RMSprop, Adam and Lion walking down a
2-D surface from one start point, animated.

The surface is drawn as an image with contour lines; each optimizer leaves a coloured path
and a dot where it is now, and the table beside it gives its learning rate (editable), its
step count, point and loss. A click on the surface moves the start. The walks themselves are
:mod:`nnstudio.core.lessons.trajectories`; the timer only calls :meth:`step`, which tests
call directly.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.trajectories import (
    OPTIMIZER_CHOICES,
    SURFACES,
    Surface,
    TrajectoryRace,
    surface,
    surface_grid,
)
from nnstudio.gui import theme
from nnstudio.gui.plots.base import HINT_COLOR, make_plot, series_color, view_point
from nnstudio.gui.theme import with_alpha
from nnstudio.i18n import _, pgettext

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsSceneMouseEvent

    from nnstudio.gui.document import ProjectDocument

__all__ = ["TrajectoriesView"]

#: Animation: a frame every 40 ms; the walk stops by itself after this many steps.
FRAME_MS = 40
MAX_STEPS = 3000
CONTOUR_LEVELS = 10
COLUMNS = ("optimizer", "lr", "steps", "x", "y", "loss")


class TrajectoriesView(QWidget):
    """Six optimizers on one surface; play, step, reset, or click to move the start."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.race = TrajectoryRace(SURFACES[0])
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        self.surface_combo = QComboBox(self)
        for item in SURFACES:
            self.surface_combo.addItem(_(item.label), item.key)
        self.surface_combo.currentIndexChanged.connect(
            lambda i: self.set_surface(self.surface_combo.itemData(i))
        )
        bar.addWidget(self.surface_combo)
        self.formula = QLabel(self)
        self.formula.setStyleSheet(f"color: {HINT_COLOR};")
        bar.addWidget(self.formula, 1)
        self.play_button = QPushButton(_("Play"), self)
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play_toggled)
        bar.addWidget(self.play_button)
        self.step_button = QPushButton(_("Step"), self)
        self.step_button.setToolTip(_("One step of every optimizer."))
        self.step_button.clicked.connect(lambda: self.step(1))
        bar.addWidget(self.step_button)
        self.reset_button = QPushButton(_("Reset"), self)
        self.reset_button.setToolTip(_("Every optimizer back to the start point."))
        self.reset_button.clicked.connect(lambda: self.set_start(None))
        bar.addWidget(self.reset_button)
        bar.addWidget(QLabel(_("Steps per frame"), self))
        self.speed = QSpinBox(self)
        self.speed.setRange(1, 50)
        self.speed.setValue(2)
        bar.addWidget(self.speed)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.graphics = pg.GraphicsLayoutWidget(splitter)
        self.plot = make_plot(self.graphics.ci, 0, 0, x_label="x", y_label="y")
        self.plot.setAspectLocked(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        self.contours: list[pg.IsocurveItem] = []
        self.minimum_mark = pg.ScatterPlotItem(
            size=16, symbol="star", brush=pg.mkBrush(theme.POINT_RIM), pen=pg.mkPen(theme.INK)
        )
        self.plot.addItem(self.minimum_mark)
        self.start_mark = pg.ScatterPlotItem(
            size=11, symbol="s", brush=pg.mkBrush(theme.POINT_RIM), pen=pg.mkPen(theme.INK)
        )
        self.start_mark.setZValue(5)
        self.plot.addItem(self.start_mark)
        self.paths: dict[str, pg.PlotDataItem] = {}
        self.dots: dict[str, pg.ScatterPlotItem] = {}
        for index, choice in enumerate(OPTIMIZER_CHOICES):
            color = series_color(index)
            path = pg.PlotDataItem(pen=pg.mkPen(color, width=2))
            path.setZValue(10)
            dot = pg.ScatterPlotItem(
                size=10, brush=pg.mkBrush(color), pen=pg.mkPen(theme.POINT_RIM, width=1.5)
            )
            dot.setZValue(12)
            self.plot.addItem(path)
            self.plot.addItem(dot)
            self.paths[choice.key], self.dots[choice.key] = path, dot
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        splitter.addWidget(self.graphics)

        side = QWidget(splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(len(OPTIMIZER_CHOICES), len(COLUMNS), side)
        self.table.setHorizontalHeaderLabels(
            [_("Optimizer"), _("LR"), _("Steps"), "x", "y", pgettext("value", "Loss")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.lr_spins: dict[str, QDoubleSpinBox] = {}
        for row, choice in enumerate(OPTIMIZER_CHOICES):
            name = QTableWidgetItem(_(choice.label))
            name.setData(Qt.ItemDataRole.UserRole, choice.key)
            name.setForeground(pg.mkColor(series_color(row)))
            self.table.setItem(row, 0, name)
            spin = QDoubleSpinBox(self.table)
            spin.setDecimals(4)
            spin.setRange(0.0001, 5.0)
            spin.setSingleStep(0.001)
            spin.setFrame(False)
            spin.valueChanged.connect(lambda v, k=choice.key: self.set_lr(k, v))
            self.table.setCellWidget(row, 1, spin)
            self.lr_spins[choice.key] = spin
            for col in range(2, len(COLUMNS)):
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        side_layout.addWidget(self.table, 1)
        self.hint = QLabel(
            _(
                "Click the surface to move the start (□); ★ marks the minimum. Each optimizer "
                "restarts when its learning rate changes."
            ),
            side,
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {HINT_COLOR};")
        side_layout.addWidget(self.hint)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 460])
        layout.addWidget(splitter, 1)
        self.set_surface(SURFACES[0].key)

    # --- what tests and buttons drive --------------------------------------------------------

    @property
    def surface(self) -> Surface:
        return self.race.surface

    def set_surface(self, key: str) -> None:
        """Show another surface with its own start and learning rates."""
        self.pause()
        item = surface(key)
        self.race = TrajectoryRace(item)
        index = self.surface_combo.findData(key)
        if self.surface_combo.currentIndex() != index:
            self.surface_combo.blockSignals(True)
            self.surface_combo.setCurrentIndex(index)
            self.surface_combo.blockSignals(False)
        self.formula.setText(item.formula)
        for key_, spin in self.lr_spins.items():
            spin.blockSignals(True)
            spin.setValue(self.race.lrs[key_])
            spin.blockSignals(False)
        self._draw_surface()
        self._draw_walks()

    def set_lr(self, key: str, lr: float) -> None:
        """A new learning rate for one optimizer: it starts again from the start point."""
        spin = self.lr_spins[key]
        if abs(spin.value() - lr) > 1e-12:
            spin.blockSignals(True)
            spin.setValue(lr)
            spin.blockSignals(False)
        self.race.set_lr(key, spin.value())
        self._draw_walks()

    def set_start(self, start: tuple[float, float] | None) -> None:
        """Every optimizer back to ``start`` (None: the current start)."""
        self.race.reset(start)
        self._draw_walks()

    def step(self, n: int = 1) -> None:
        """``n`` steps of every optimizer, then redraw (the timer calls this every frame)."""
        self.race.step(n)
        self._draw_walks()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    def readout(self, key: str) -> dict[str, str]:
        """One row of the table as shown: steps, x, y and loss."""
        row = [c.key for c in OPTIMIZER_CHOICES].index(key)
        return {COLUMNS[c]: self.table.item(row, c).text() for c in range(2, len(COLUMNS))}

    # --- internals -------------------------------------------------------------------------

    def _play_toggled(self, on: bool) -> None:
        self.play_button.setText(_("Pause") if on else _("Play"))
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        if self.race.steps >= MAX_STEPS:
            self.pause()
            return
        self.step(self.speed.value())

    def _clicked(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = view_point(self.plot, event.scenePos())
        if point is None:
            return
        self.set_start((point.x(), point.y()))

    def _draw_surface(self) -> None:
        item = self.race.surface
        _xs, _ys, z = surface_grid(item)
        (x0, x1), (y0, y1) = item.x_range, item.y_range
        self.image.setImage(z, levels=(float(z.min()), float(z.max())))
        self.image.setColorMap(pg.colormap.get("CET-L12"))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        for contour in self.contours:
            self.plot.removeItem(contour)
        self.contours = []
        for level in np.linspace(float(z.min()), float(z.max()), CONTOUR_LEVELS + 2)[1:-1]:
            contour = pg.IsocurveItem(
                data=z, level=float(level), pen=pg.mkPen(with_alpha(theme.INK, 70), width=1)
            )
            contour.setParentItem(self.image)
            self.contours.append(contour)
        if item.minimum is None:
            self.minimum_mark.setData([], [])
        else:
            self.minimum_mark.setData([item.minimum[0]], [item.minimum[1]])
        self.plot.setXRange(x0, x1, padding=0)
        self.plot.setYRange(y0, y1, padding=0)

    def _draw_walks(self) -> None:
        self.start_mark.setData([self.race.start[0]], [self.race.start[1]])
        for row, choice in enumerate(OPTIMIZER_CHOICES):
            trajectory = self.race.trajectories[choice.key]
            path = trajectory.path_array()
            self.paths[choice.key].setData(path[:, 0], path[:, 1])
            x, y = trajectory.point
            self.dots[choice.key].setData([x], [y])
            texts = [
                str(trajectory.steps),
                _fmt_coord(x),
                _fmt_coord(y),
                _fmt_loss(trajectory.loss),
            ]
            if trajectory.diverged:
                texts[3] = _("diverged")
            for col, text in enumerate(texts, start=2):
                self.table.item(row, col).setText(text)


def _fmt_coord(value: float) -> str:
    """Six decimals, the lesson's precision, without trailing zeros (0.9711, not 0.971100)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt_loss(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.6f}" if abs(value) >= 1e-4 else f"{value:.3g}"

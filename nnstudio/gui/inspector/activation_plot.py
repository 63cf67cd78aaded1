"""A small plot of an activation f(z) and its derivative f′(z), as the activation lesson draws them.

Seeing f′ next to f is the point: the sigmoid's slope never exceeds 0.25 and is almost zero
beyond |z| ≈ 6, which is why gradients vanish through stacked sigmoid layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.core.catalogue.activations import ACTIVATIONS, curve
from nnstudio.gui import theme
from nnstudio.gui.widgets.labels import muted
from nnstudio.gui.widgets.plot_legend import LegendAbove
from nnstudio.i18n import _

#: The plotted z range and resolution (the lesson uses [-20, 20]; ±6 shows the interesting part).
PLOT_RANGE = (-6.0, 6.0)
PLOT_POINTS = 241

__all__ = ["PLOT_POINTS", "PLOT_RANGE", "ActivationPlot"]


class ActivationPlot(QWidget):
    """f(z) (solid blue) and f′(z) (dashed orange) with a hover read-out of both values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.plot = pg.PlotWidget(self)
        # Room for the legend row above the data as well as the plot itself.
        self.plot.setMinimumHeight(168)
        self.plot.setMaximumHeight(208)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        item = self.plot.getPlotItem()
        # A teaching figure, not an explorer: no zoom/pan that would fight the scroll area.
        item.setMouseEnabled(False, False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", "z")
        item.getAxis("left").setWidth(32)
        item.setXRange(*PLOT_RANGE, padding=0.02)
        # Above the plot, not in a corner of it: tanh's f′ runs along 0 on the left and
        # under a corner legend there; the named curves below join it.
        self.legend = LegendAbove(item, max_columns=2, text_size="8pt")
        self.f_curve = item.plot(name="f(z)", pen=pg.mkPen(theme.TRAIN, width=2))
        self.df_curve = item.plot(
            name="f′(z)", pen=pg.mkPen(theme.VALIDATION, width=2, style=Qt.PenStyle.DashLine)
        )
        axis_pen = pg.mkPen(theme.CURVE_ZERO_AXIS, width=1)
        item.addItem(pg.InfiniteLine(pos=0, angle=0, pen=axis_pen))
        item.addItem(pg.InfiniteLine(pos=0, angle=90, pen=axis_pen))
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.MUTED_TEXT, width=1))
        self.cursor.setVisible(False)
        item.addItem(self.cursor, ignoreBounds=True)
        self.f_dot = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(theme.TRAIN), pen=None)
        self.df_dot = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(theme.VALIDATION), pen=None)
        item.addItem(self.f_dot, ignoreBounds=True)
        item.addItem(self.df_dot, ignoreBounds=True)
        layout.addWidget(self.plot)

        self.readout = QLabel(self)
        self.readout.setWordWrap(True)
        muted(self.readout)
        layout.addWidget(self.readout)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.component: dict[str, Any] = {"name": "identity"}
        self.x = np.zeros(0)
        self.f = np.zeros(0)
        self.df = np.zeros(0)
        self._caption = ""

    def set_activation(self, component: Mapping[str, Any] | str) -> None:
        """Plot ``component`` (an activation dict or name)."""
        comp = ACTIVATIONS.normalize(component)
        if comp == self.component and self.x.size:
            return
        self.component = comp
        spec = ACTIVATIONS.get(comp["name"])
        self.x, self.f, self.df = curve(comp, *PLOT_RANGE, PLOT_POINTS)
        self.f_curve.setData(self.x, self.f)
        self.df_curve.setData(self.x, self.df)
        self.plot.getPlotItem().enableAutoRange(axis="y")
        sentences = [
            _("{name}: output range {range}.").format(name=_(spec.label), range=spec.output_range)
        ]
        if not spec.elementwise:
            sentences.append(_("Drawn for two scores [z, 0]: the first class's probability."))
        elif not spec.trainable_by_gradient:
            sentences.append(_("Its slope is 0 everywhere, so gradients stop here."))
        sentences.append(_("Hover to read f and f′."))
        self._caption = " ".join(sentences)
        self._hide_cursor()

    def value_at(self, z: float) -> tuple[float, float, float]:
        """(z, f, f′) at the sample nearest to ``z``."""
        if not self.x.size:
            return z, float("nan"), float("nan")
        i = int(np.clip(np.searchsorted(self.x, z), 0, self.x.size - 1))
        if i > 0 and abs(self.x[i - 1] - z) < abs(self.x[i] - z):
            i -= 1
        return float(self.x[i]), float(self.f[i]), float(self.df[i])

    def show_value(self, z: float) -> str:
        """Move the cursor to ``z`` and return the read-out text (also used by hovering)."""
        x, f, df = self.value_at(z)
        self.cursor.setPos(x)
        self.cursor.setVisible(True)
        self.f_dot.setData([x], [f])
        self.df_dot.setData([x], [df])
        text = f"z = {x:+.2f}    f(z) = {f:.4g}    f′(z) = {df:.4g}"
        self.readout.setText(text)
        return text

    def _hide_cursor(self) -> None:
        self.cursor.setVisible(False)
        self.f_dot.setData([], [])
        self.df_dot.setData([], [])
        self.readout.setText(self._caption)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        box = self.plot.getPlotItem().vb
        if not box.sceneBoundingRect().contains(pos):
            self._hide_cursor()
            return
        self.show_value(box.mapSceneToView(pos).x())

    def leaveEvent(self, event: Any) -> None:
        self._hide_cursor()
        super().leaveEvent(event)

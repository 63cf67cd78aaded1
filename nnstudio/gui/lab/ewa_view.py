"""Exponentially weighted average: the lesson's 30 days of temperatures and a β slider.

The lesson smooths ``torch.manual_seed(0); torch.randn(30) * 10`` with β = 0.5 and 0.9 and
concludes that a larger β gives a smoother curve. Here β slides from 0 to 0.99 and three
curves can be compared: the lesson's (S_1 = Y_1), the textbook one started from 0 (dragged
towards 0 at first) and the same with bias correction (what Adam does). The numbers come
from :mod:`nnstudio.core.lessons.ewa`, whose smoothing is also the loss plot's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.ewa import LESSON_BETA, LESSON_BETAS, EwaResult, smooth_temperatures
from nnstudio.gui import theme
from nnstudio.gui.plots.base import HINT_COLOR, curve_item, fill_legend, make_plot
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument

__all__ = ["EwaView"]

#: The slider works in hundredths: β from 0.00 to 0.99.
SLIDER_MAX = 99


class EwaView(QWidget):
    """Raw temperatures as points, the smoothed curves as lines, β on a slider."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.result: EwaResult = smooth_temperatures(LESSON_BETA)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)

        bar = QHBoxLayout()
        self.beta_label = QLabel(self)
        bar.addWidget(self.beta_label)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, SLIDER_MAX)
        self.slider.setValue(round(LESSON_BETA * 100))
        self.slider.setToolTip(
            _("Larger β: smoother but later; the average spans about 1/(1−β) days.")
        )
        self.slider.valueChanged.connect(lambda v: self.set_beta(v / 100))
        bar.addWidget(self.slider, 1)
        self.lesson_buttons = []
        for beta in LESSON_BETAS:
            button = QPushButton(_("β = {beta:g}").format(beta=beta), self)
            button.setToolTip(_("One of the two β the lesson plots."))
            button.clicked.connect(lambda _checked=False, b=beta: self.set_beta(b))
            bar.addWidget(button)
            self.lesson_buttons.append(button)
        layout.addLayout(bar)

        checks = QHBoxLayout()
        self.lesson_check = QCheckBox(_("Lesson: S₁ = Y₁"), self)
        self.lesson_check.setChecked(True)
        self.zero_check = QCheckBox(_("From S₀ = 0, no bias correction"), self)
        self.corrected_check = QCheckBox(_("From S₀ = 0, bias-corrected ÷ (1 − βᵗ)"), self)
        for check in (self.lesson_check, self.zero_check, self.corrected_check):
            check.toggled.connect(lambda _on: self.refresh())
            checks.addWidget(check)
        checks.addStretch(1)
        layout.addLayout(checks)

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.plot = make_plot(
            self.graphics.ci,
            0,
            0,
            title=_("30 days of temperature (torch.manual_seed(0), randn × 10)"),
            x_label=_("day"),
            y_label=_("temperature"),
        )
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.raw_line = curve_item(self.plot, theme.PLANNED, width=1, style=Qt.PenStyle.DotLine)
        self.raw_points = pg.ScatterPlotItem(
            size=7, brush=pg.mkBrush(theme.TRAIN), pen=pg.mkPen(theme.POINT_RIM)
        )
        self.plot.addItem(self.raw_points)
        self.lesson_curve = curve_item(self.plot, theme.DIVERGED, width=2.2)
        self.zero_curve = curve_item(
            self.plot,
            theme.VALIDATION,
            width=1.8,
            style=Qt.PenStyle.DashLine,
        )
        self.corrected_curve = curve_item(self.plot, theme.OK, width=1.8)
        self._legend_names: tuple[str, ...] = ()
        layout.addWidget(self.graphics, 1)

        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet(f"color: {HINT_COLOR};")
        layout.addWidget(self.explain)
        self.set_beta(LESSON_BETA)

    # --- state -----------------------------------------------------------------------------

    @property
    def beta(self) -> float:
        return self.result.beta

    def set_beta(self, beta: float) -> None:
        """Smooth with ``beta`` (0 … 0.99) and redraw."""
        beta = round(min(max(float(beta), 0.0), SLIDER_MAX / 100), 2)
        self.result = smooth_temperatures(beta)
        if self.slider.value() != round(beta * 100):
            self.slider.blockSignals(True)
            self.slider.setValue(round(beta * 100))
            self.slider.blockSignals(False)
        self.beta_label.setText(_("β = {beta:.2f}").format(beta=beta))
        self.refresh()

    def refresh(self) -> None:
        r = self.result
        self.raw_line.setData(r.days, r.raw)
        self.raw_points.setData(r.days, r.raw)
        entries = [(self.raw_points, _("raw temperature"))]
        for check, item, values, name in (
            (self.lesson_check, self.lesson_curve, r.lesson, _("S₁ = Y₁ (lesson)")),
            (self.zero_check, self.zero_curve, r.from_zero, _("from 0")),
            (self.corrected_check, self.corrected_curve, r.corrected, _("from 0, corrected")),
        ):
            item.setData(r.days, values)
            item.setVisible(check.isChecked())
            if check.isChecked():
                entries.append((item, name))
        self._legend_names = fill_legend(self.legend, entries, self._legend_names)
        self.explain.setText(
            _(
                "S_t = β·S_{{t−1}} + (1−β)·Y_t. With β = {beta:.2f} the average spans about "
                "{window:.0f} days (1/(1−β)); larger β → smoother, but later. Day 30: raw "
                "{raw:.2f}, smoothed {smooth:.2f}."
            ).format(
                beta=r.beta,
                window=min(r.window, 100.0),
                raw=r.raw[-1],
                smooth=r.lesson[-1],
            )
        )

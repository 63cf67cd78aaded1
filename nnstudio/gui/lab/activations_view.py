"""Activation explorer: overlay any activations, f above f′, saturation shaded, read-outs at x.

The lesson plots each activation and its autograd derivative over [−20, 20] and says where
sigmoid and tanh saturate; a student here ticks the ones to compare, narrows the range,
drags the cursor (or types x) and reads f(x) and f′(x) for each. All numbers come from
:mod:`nnstudio.core.lessons.activations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.lessons.activations import (
    LESSON_POINTS,
    LESSON_RANGE,
    SATURATION,
    activation_curve,
    advice,
    saturation_zones,
    value_at,
)
from nnstudio.gui import theme
from nnstudio.gui.plots.base import HINT_COLOR, curve_item, make_plot, series_color
from nnstudio.gui.theme import with_alpha
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument

__all__ = ["ActivationsView"]

#: Ticked when the view opens: the two the lesson's saturation warning is about.
DEFAULT_SHOWN = ("sigmoid", "tanh")


class ActivationsView(QWidget):
    """f and f′ of the ticked activations, with shaded saturation and a cursor read-out."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.names = [spec.name for spec in ACTIVATIONS]
        #: name → (f curve, f′ curve)
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        #: name → the shaded regions it draws (two per plot where it saturates)
        self.zone_items: dict[str, list[pg.LinearRegionItem]] = {}
        self._zone_places: list[tuple[pg.PlotItem, pg.LinearRegionItem]] = []

        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)

        # --- the choice of activations, and the advice for the ticked ones --------------
        side = QWidget(splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(side)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for name in self.names:
            item = QListWidgetItem(_(ACTIVATIONS.get(name).label), self.list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if name in DEFAULT_SHOWN else Qt.CheckState.Unchecked
            )
        self.list.itemChanged.connect(lambda _item: self.refresh())
        side_layout.addWidget(self.list, 1)
        range_row = QHBoxLayout()
        range_row.addWidget(QLabel(_("Range ±"), side))
        self.range_spin = QDoubleSpinBox(side)
        self.range_spin.setRange(1.0, LESSON_RANGE[1])
        self.range_spin.setDecimals(1)
        self.range_spin.setSingleStep(1.0)
        self.range_spin.setValue(LESSON_RANGE[1])
        self.range_spin.setToolTip(
            _("The lesson samples x in [−20, 20] with 1000 points; narrow it to look closer.")
        )
        self.range_spin.valueChanged.connect(lambda _v: self.refresh())
        range_row.addWidget(self.range_spin, 1)
        side_layout.addLayout(range_row)
        splitter.addWidget(side)

        # --- plots, cursor, read-outs, advice --------------------------------------------
        main = QWidget(splitter)
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.setSpacing(4)
        self.graphics = pg.GraphicsLayoutWidget(main)
        self.graphics.setMinimumHeight(180)
        layout = self.graphics.ci
        self.f_plot = make_plot(layout, 0, 0, title=_("f(x)"))
        self.df_plot = make_plot(layout, 1, 0, title=_("f′(x) (autograd)"), x_label="x")
        self.df_plot.setXLink(self.f_plot)
        for plot in (self.f_plot, self.df_plot):
            plot.addLine(y=0, pen=pg.mkPen(theme.ZERO_AXIS))
            plot.addLine(x=0, pen=pg.mkPen(theme.ZERO_AXIS))
        self.cursor_lines = [
            pg.InfiniteLine(0.0, movable=True, pen=pg.mkPen(theme.INK, width=1))
            for _plot in (self.f_plot, self.df_plot)
        ]
        for plot, line in zip((self.f_plot, self.df_plot), self.cursor_lines, strict=True):
            line.setZValue(20)
            plot.addItem(line)
            line.sigPositionChanged.connect(self._line_moved)
        main_layout.addWidget(self.graphics, 3)

        cursor_row = QHBoxLayout()
        cursor_row.addWidget(QLabel(_("Read at x ="), main))
        self.x_spin = QDoubleSpinBox(main)
        self.x_spin.setRange(LESSON_RANGE[0], LESSON_RANGE[1])
        self.x_spin.setDecimals(3)
        self.x_spin.setSingleStep(0.5)
        self.x_spin.setValue(0.0)
        self.x_spin.valueChanged.connect(self.set_x)
        cursor_row.addWidget(self.x_spin)
        self.zone_note = QLabel(main)
        self.zone_note.setStyleSheet(f"color: {HINT_COLOR};")
        self.zone_note.setWordWrap(True)
        cursor_row.addWidget(self.zone_note, 1)
        main_layout.addLayout(cursor_row)

        self.table = QTableWidget(0, 3, main)
        self.table.setHorizontalHeaderLabels([_("Activation"), _("f(x)"), _("f′(x)")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(120)
        main_layout.addWidget(self.table, 1)

        self.advice = QLabel(main)
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.RichText)
        self.advice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        main_layout.addWidget(self.advice, 1)
        splitter.addWidget(main)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 600])

        self.x = 0.0
        self.refresh()

    # --- state -----------------------------------------------------------------------------

    def shown(self) -> list[str]:
        """The ticked activations, in catalogue order."""
        out = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_shown(self, names: list[str] | tuple[str, ...]) -> None:
        """Tick exactly ``names`` (for tests and lessons that open on other activations)."""
        self.list.blockSignals(True)
        for row in range(self.list.count()):
            item = self.list.item(row)
            on = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)
        self.refresh()

    def set_range(self, half_width: float) -> None:
        self.range_spin.setValue(half_width)

    def set_x(self, x: float) -> None:
        """Move the read-out to ``x`` (clamped to the plotted range)."""
        limit = self.range_spin.value()
        x = max(-limit, min(limit, float(x)))
        self.x = x
        for line in self.cursor_lines:
            if abs(line.value() - x) > 1e-9:
                line.blockSignals(True)
                line.setValue(x)
                line.blockSignals(False)
        if abs(self.x_spin.value() - x) > 5e-4:
            self.x_spin.blockSignals(True)
            self.x_spin.setValue(x)
            self.x_spin.blockSignals(False)
        self._fill_readout()

    def readout(self) -> dict[str, tuple[str, str]]:
        """name → (f(x), f′(x)) as the table shows them."""
        out = {}
        for row in range(self.table.rowCount()):
            name = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            out[name] = (self.table.item(row, 1).text(), self.table.item(row, 2).text())
        return out

    # --- drawing ---------------------------------------------------------------------------

    def _line_moved(self, line: pg.InfiniteLine) -> None:
        self.set_x(line.value())

    def refresh(self) -> None:
        """Redraw the ticked activations over the chosen range."""
        limit = self.range_spin.value()
        lo, hi = -limit, limit
        for f_item, df_item in self.curves.values():
            self.f_plot.removeItem(f_item)
            self.df_plot.removeItem(df_item)
        for plot, region in self._zone_places:
            plot.removeItem(region)
        self.curves, self.zone_items, self._zone_places = {}, {}, []
        names = self.shown()
        for name in names:
            index = self.names.index(name)
            color = series_color(index)
            data = activation_curve(name, lo, hi, LESSON_POINTS)
            f_item = curve_item(self.f_plot, color, width=2)
            f_item.setData(data.x, data.f)
            df_item = curve_item(self.df_plot, color, width=2)
            df_item.setData(data.x, data.df)
            self.curves[name] = (f_item, df_item)
            regions = []
            for zone in saturation_zones(name, lo, hi):
                for plot in (self.f_plot, self.df_plot):
                    region = pg.LinearRegionItem(
                        values=zone,
                        movable=False,
                        brush=pg.mkBrush(with_alpha(color, 30)),
                        pen=pg.mkPen(with_alpha(color, 90)),
                    )
                    region.setZValue(-10)
                    plot.addItem(region)
                    regions.append(region)
                    self._zone_places.append((plot, region))
            self.zone_items[name] = regions
        self.f_plot.setXRange(lo, hi, padding=0.02)
        self.x_spin.setRange(lo, hi)
        self._fill_advice(names)
        self._fill_zone_note(names)
        self.set_x(self.x)

    def _fill_readout(self) -> None:
        names = self.shown()
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            f, df = value_at(name, self.x)
            label = QTableWidgetItem(_(ACTIVATIONS.get(name).label))
            label.setData(Qt.ItemDataRole.UserRole, name)
            label.setForeground(pg.mkColor(series_color(self.names.index(name))))
            self.table.setItem(row, 0, label)
            for col, value in ((1, f), (2, df)):
                item = QTableWidgetItem(f"{value:.4f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)

    def _fill_advice(self, names: list[str]) -> None:
        parts = [
            f"<p style='margin:0 0 4px 0'><b>{_(ACTIVATIONS.get(n).label)}</b>: {_(advice(n))}</p>"
            for n in names
        ]
        self.advice.setText("".join(parts) or _("Tick an activation to see it."))

    def _fill_zone_note(self, names: list[str]) -> None:
        shaded = [n for n in names if n in SATURATION]
        if not shaded:
            self.zone_note.setText("")
            return
        limits = ", ".join(
            _("{name} |x| > {limit:g}").format(
                name=_(ACTIVATIONS.get(n).label), limit=SATURATION[n]
            )
            for n in shaded
        )
        self.zone_note.setText(
            _("Shaded: saturated, f′ ≈ 0 and learning stalls ({limits}).").format(limits=limits)
        )

"""The data panel's "Profile" tab: the table's data profile before training.

The figures come from :func:`nnstudio.core.experiments.profile.profile_frame`; this view only
shows them: a summary of what needs attention (constant and duplicate columns, duplicate rows,
the outlier rule), a table of every column, the histogram of the selected column, the class
balance of the target and a correlation heatmap of the numeric columns. The profile is
computed when the tab is shown and the table changed, never for a hidden tab.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.columns import sorted_labels
from nnstudio.core.experiments.profile import DataProfile, profile_frame
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.i18n import N_, _, ngettext

#: Column headings of the profile table.
HEADINGS = (
    N_("Column"),
    N_("Type"),
    N_("Missing"),
    N_("Min"),
    N_("Max"),
    N_("Mean"),
    N_("Outliers"),
    N_("Notes"),
)
KINDS = {"numeric": N_("numeric"), "categorical": N_("categorical")}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


class PlotFlow(QScrollArea):
    """The profile's plots side by side when there is room for them, else fewer a row.

    Three plots in one row of a narrow data dock were each narrower than their axes and title
    need, so pyqtgraph cut them off on the right. Here each plot is at least as wide as its
    plot item needs (:meth:`fit_contents`), as many go in a row as fit the width, and the rows
    scroll vertically when the pane is too short for them.
    """

    def __init__(self, plots: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widgets = tuple(plots)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        inner = QWidget(self)
        self.grid = QGridLayout(inner)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        for plot in self.plot_widgets:
            plot.setParent(inner)
        self.setWidget(inner)
        #: Plots per row as laid out now (0 before the first layout).
        self.columns = 0
        # Axes widen to their tick labels when they are painted: fit again after that.
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.timeout.connect(self._fit_now)
        self.arrange()

    def needed_width(self, plot: Any) -> int:
        """The width ``plot`` needs to show its axes and title whole."""
        item = plot.getPlotItem()
        return math.ceil(item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width())

    def fit_contents(self) -> None:
        """Plots' titles or axes changed: give each the width it needs and lay them out."""
        self._fit_now()
        self._refit.start(0)

    def _fit_now(self) -> None:
        for plot in self.plot_widgets:
            plot.setMinimumWidth(self.needed_width(plot))
        self.arrange(force=True)

    def columns_for(self, width: int) -> int:
        """How many plots a row holds at ``width``: all of them, else as many as fit (≥ 1)."""
        spacing = self.grid.horizontalSpacing()
        for columns in range(len(self.plot_widgets), 1, -1):
            rows = [
                self.plot_widgets[i : i + columns]
                for i in range(0, len(self.plot_widgets), columns)
            ]
            needed = max(
                sum(p.minimumWidth() for p in row) + spacing * (len(row) - 1) for row in rows
            )
            if needed <= width:
                return columns
        return 1

    def arrange(self, force: bool = False) -> None:
        """Put the plots in rows for the current width (a vertical scroll bar's room kept
        aside, so showing one never changes the choice)."""
        width = self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width()
        columns = self.columns_for(width)
        if columns == self.columns and not force:
            return
        self.columns = columns
        for plot in self.plot_widgets:
            self.grid.removeWidget(plot)
        for index, plot in enumerate(self.plot_widgets):
            self.grid.addWidget(plot, index // columns, index % columns)
        for column in range(len(self.plot_widgets)):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.arrange()


class ProfileView(QWidget):
    """Profile of the document's table; follows ``data_changed``."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.profile: DataProfile | None = None
        self._stale = True
        #: The table and plots are made when the tab is first shown (:meth:`refresh`): the
        #: tab starts hidden, and its three plots cost a noticeable part of the app's start.
        self._built = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        document.data_changed.connect(self._on_document_data_changed)
        document.project_replaced.connect(self._on_document_data_changed)

    def _build(self) -> None:
        import pyqtgraph as pg

        self._built = True
        layout = self.layout()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableWidget(0, len(HEADINGS), splitter)
        self.table.setHorizontalHeaderLabels([_(h) for h in HEADINGS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)

        self.histogram = pg.PlotWidget()
        self.balance = pg.PlotWidget()
        self.heatmap = pg.PlotWidget()
        for plot in (self.histogram, self.balance, self.heatmap):
            plot.setMenuEnabled(False)
            plot.setMinimumHeight(140)
            plot.setBackground("w")
        self.plots = PlotFlow((self.histogram, self.balance, self.heatmap), splitter)
        self.heatmap.getPlotItem().setAspectLocked(True)
        self.heatmap.getPlotItem().invertY(True)
        self.image = pg.ImageItem()
        self.heatmap.addItem(self.image)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

    # --- following the document -------------------------------------------------------------

    def _on_document_data_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Profile the document's table afresh (or say there is none)."""
        if not self._built:
            self._build()
        self._stale = False
        table = self.document.workspace.table
        if table is None:
            self.profile = None
            self.summary.setText(_("Load a table to see its profile."))
            self.table.setRowCount(0)
            for plot in (self.histogram, self.balance):
                plot.clear()
            self.image.clear()
            return
        targets = self.document.project.data.targets
        target = targets[0] if targets else None
        self.profile = profile_frame(
            table.frame, target=target, kinds=self.document.project.data.kinds
        )
        self._show(self.profile)

    # --- drawing -----------------------------------------------------------------------------

    def _show(self, profile: DataProfile) -> None:
        notes = [
            ngettext("{n} row", "{n} rows", profile.rows).format(n=profile.rows)
            + ", "
            + ngettext("{n} column", "{n} columns", len(profile.columns)).format(
                n=len(profile.columns)
            )
        ]
        if profile.constant_columns:
            notes.append(_("constant: {names}").format(names=", ".join(profile.constant_columns)))
        if profile.duplicate_columns:
            pairs = [f"{c.name} = {c.duplicate_of}" for c in profile.columns if c.duplicate_of]
            notes.append(_("duplicate columns: {pairs}").format(pairs=", ".join(pairs)))
        if profile.duplicate_rows:
            notes.append(
                ngettext("{n} duplicate row", "{n} duplicate rows", profile.duplicate_rows).format(
                    n=profile.duplicate_rows
                )
            )
        notes.append(_("outliers: beyond 1.5 interquartile ranges from the quartiles"))
        self.summary.setText(" · ".join(notes))

        self.table.setRowCount(len(profile.columns))
        for i, c in enumerate(profile.columns):
            flags = []
            if c.constant:
                flags.append(_("constant"))
            if c.duplicate_of:
                flags.append(_("same as {name}").format(name=c.duplicate_of))
            if c.name == profile.target:
                flags.append(_("target"))
            cells = (
                c.name,
                _(KINDS.get(c.kind, c.kind)),
                str(c.missing),
                _number(c.minimum),
                _number(c.maximum),
                _number(c.mean),
                str(c.outliers) if c.kind == "numeric" else "",
                ", ".join(flags),
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 2 <= j <= 6:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)
        self._draw_balance(profile)
        self._draw_heatmap(profile)
        if profile.columns:
            self.table.selectRow(0)
        self._draw_histogram()
        self.plots.fit_contents()

    def _on_table_selection_changed(self) -> None:
        self._draw_histogram()
        # The histogram's title names the column: a longer name needs a wider plot.
        self.plots.fit_contents()

    def selected_column(self) -> str | None:
        if not self._built:
            return None
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.profile is None:
            return None
        return self.profile.columns[rows[0].row()].name

    def _draw_histogram(self) -> None:
        import pyqtgraph as pg

        self.histogram.clear()
        name = self.selected_column()
        if name is None or self.profile is None:
            return
        c = self.profile.column(name)
        plot = self.histogram.getPlotItem()
        plot.setTitle(_("Histogram of {name}").format(name=name), size="9pt")
        if c.kind == "numeric" and c.edges:
            edges = np.asarray(c.edges)
            bars = pg.BarGraphItem(
                x0=edges[:-1], x1=edges[1:], height=c.counts, brush=theme.PROFILE_HISTOGRAM, pen="w"
            )
            plot.getAxis("bottom").setTicks(None)
        else:
            bars = pg.BarGraphItem(
                x=np.arange(len(c.counts)),
                height=c.counts,
                width=0.8,
                brush=theme.PROFILE_HISTOGRAM,
            )
            plot.getAxis("bottom").setTicks([list(enumerate(c.values))])
        self.histogram.addItem(bars)

    def _draw_balance(self, profile: DataProfile) -> None:
        import pyqtgraph as pg

        self.balance.clear()
        plot = self.balance.getPlotItem()
        if not profile.class_balance:
            plot.setTitle(_("No class balance (numeric target)"), size="9pt")
            return
        plot.setTitle(_("Class balance of {name}").format(name=profile.target), size="9pt")
        names = sorted_labels(profile.class_balance)
        counts = [profile.class_balance[name] for name in names]
        self.balance.addItem(
            pg.BarGraphItem(
                x=np.arange(len(names)), height=counts, width=0.7, brush=theme.PROFILE_BALANCE
            )
        )
        plot.getAxis("bottom").setTicks([list(enumerate(names))])

    def _draw_heatmap(self, profile: DataProfile) -> None:
        import pyqtgraph as pg

        plot = self.heatmap.getPlotItem()
        plot.setTitle(_("Correlation (Pearson)"), size="9pt")
        matrix = np.nan_to_num(profile.correlation, nan=0.0)
        if matrix.size == 0:
            self.image.clear()
            return
        self.image.setImage(matrix.T, levels=(-1.0, 1.0))
        self.image.setColorMap(pg.colormap.get("CET-D1"))
        # Many columns do not fit as names: then every few are numbered (as in the table's
        # order) and the names are in the tooltip.
        names = profile.correlation_columns
        every = max(1, -(-len(names) // 6))
        if every == 1:
            left = [(i + 0.5, name) for i, name in enumerate(names)]
        else:
            left = [(i + 0.5, str(i + 1)) for i in range(0, len(names), every)]
        bottom = [(i + 0.5, str(i + 1)) for i in range(0, len(names), every)]
        plot.getAxis("left").setTicks([left])
        plot.getAxis("bottom").setTicks([bottom])
        self.heatmap.setToolTip("\n".join(f"{i + 1}  {name}" for i, name in enumerate(names)))

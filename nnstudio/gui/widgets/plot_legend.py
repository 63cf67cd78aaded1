"""A plot legend that sits above the data area, so it can never cover a point or a curve.

pyqtgraph's own legend floats inside the view box on a translucent backing: wherever it is
anchored, some data set eventually runs under it (tanh's f′ near 0 on the left, a rising
validation loss in the top-right corner, XOR points in every corner) and is drawn pale or
hidden. This legend takes the plot's title row instead, and flows its entries into as many
columns as the plot is wide.

Shared by the training plots, the inspector's activation plot and the data panel's scatter,
which do not import each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

__all__ = ["LegendAbove"]

#: Unlimited height for a grid row (Qt's QWIDGETSIZE_MAX).
_NO_LIMIT = 16777215.0


class LegendAbove(pg.LegendItem):
    """Legend in ``plot``'s title row: ``(item, name)`` entries in rows of up to
    ``max_columns``, fewer when the plot is too narrow for them in one line.

    Use it on plots without a title: the legend takes the title's place in the layout.
    """

    def __init__(
        self,
        plot: pg.PlotItem,
        *,
        max_columns: int = 8,
        text_size: str = "8pt",
    ) -> None:
        super().__init__(labelTextSize=text_size, verSpacing=-6, horSpacing=6, frame=False)
        self.plot = plot
        # As wide as its entries and centred (not stretched across the plot); allowed to be
        # narrower than one line of them, since fit_columns then re-flows them into rows.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(0)
        self.layout.setContentsMargins(2, 1, 2, 1)
        self.max_columns = max(1, int(max_columns))
        self.columnCount = self.max_columns
        grid = plot.layout
        # The title row's cell holds PlotItem's (hidden) title label; a grid cell takes one
        # item, so the legend takes the cell's place.
        grid.removeItem(plot.titleLabel)
        plot.titleLabel.setVisible(False)
        grid.addItem(self, 0, 1)
        grid.setAlignment(self, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
        # PlotItem pins its (empty) title row to 0 px; let the row take the legend's height.
        grid.setRowMinimumHeight(0, 0)
        grid.setRowMaximumHeight(0, _NO_LIMIT)
        plot.vb.sigResized.connect(self._on_view_resized)
        # The plot's legend: items added with a name join it, and a plot that shows a
        # placeholder sentence instead of data hides it.
        plot.legend = self

    # --- entries ---------------------------------------------------------------------------

    def addItem(self, item: Any, name: str) -> None:
        """Add an entry (a plot item drawn as its line/symbol sample, and its name)."""
        sample = item if isinstance(item, self.sampleType) else self.sampleType(item)
        label = pg.LabelItem(
            name, color=self.opts["labelTextColor"], justify="left", size=self.opts["labelTextSize"]
        )
        sample.sigClicked.connect(self.sigSampleClicked)
        self.items.append((sample, label))
        self._place(len(self.items) - 1, sample, label)
        self.fit_columns()

    def set_entries(self, entries: Sequence[tuple[Any, str]]) -> None:
        """Show exactly ``entries`` (skipped when they are already shown: no flicker)."""
        if [(s.item, label.text) for s, label in self.items] == [(i, n) for i, n in entries]:
            return
        self.clear()
        for item, name in entries:
            self.addItem(item, name)

    def names(self) -> list[str]:
        return [label.text for _sample, label in self.items]

    # --- layout ----------------------------------------------------------------------------

    def updateSize(self) -> None:
        """Ask the plot's layout for room (pyqtgraph's floating legend sizes itself directly,
        which in a layout left a stale, stretched geometry behind after a ``clear``)."""
        self.updateGeometry()

    def _place(self, index: int, sample: Any, label: Any) -> None:
        # Explicit cells: pyqtgraph's own placement reads the grid's row count, which does
        # not shrink when entries are removed, and would leave gaps after a re-flow.
        row, col = divmod(index, self.columnCount)
        self.layout.addItem(sample, row, 2 * col, alignment=Qt.AlignmentFlag.AlignVCenter)
        self.layout.addItem(label, row, 2 * col + 1)

    def _entry_width(self) -> float:
        """Width of the widest entry (sample, name and the gaps around them)."""
        gap = 2 * self.layout.horizontalSpacing()
        widths = [
            sample.boundingRect().width() + label.itemRect().width() + gap
            for sample, label in self.items
        ]
        return max(widths, default=0.0)

    def columns_for(self, width: float) -> int:
        """How many entries fit side by side in ``width`` pixels (at least 1)."""
        entry = self._entry_width()
        if entry <= 0:
            return self.max_columns
        return max(1, min(self.max_columns, len(self.items) or 1, int(width // entry)))

    def fit_columns(self) -> None:
        """Re-flow the entries for the plot's current width."""
        width = self.plot.vb.width() or self.plot.width()
        columns = self.columns_for(width) if width > 0 else self.max_columns
        if columns == self.columnCount and self.layout.count() == 2 * len(self.items):
            self.updateGeometry()
            return
        self.columnCount = columns
        while self.layout.count():
            self.layout.removeAt(0)
        for index, (sample, label) in enumerate(self.items):
            self._place(index, sample, label)
        self.updateGeometry()
        self.plot.layout.invalidate()

    def _on_view_resized(self, *_args: Any) -> None:
        self.fit_columns()

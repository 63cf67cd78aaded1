"""A read-only table of numbers for the lab views, and the small labels they share.

Lesson numbers must be readable from widget state (tests compare them with the lessons), so
every cell holds its text exactly as shown and the unrounded value under ``Qt.UserRole``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

from nnstudio.gui import theme
from nnstudio.gui.widgets.labels import wrapped_label

__all__ = ["NumberTable", "cell_text", "formula_label", "warning_label"]

Cell = float | int | str | bool | None


def cell_text(value: Cell, decimals: int = 4) -> str:
    """How a lesson writes a number: integers as integers, the rest to ``decimals`` places
    (a negative ``decimals`` means that many significant digits, for learning rates)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "–"
    text = f"{value:.{-decimals}g}" if decimals < 0 else f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]  # −0.0000 puzzles students: a mean that rounds to zero is 0
    return text.replace("-", "−")


class NumberTable(QTableWidget):
    """A compact, read-only table whose cells are lesson numbers."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.setWordWrap(False)

    def fit_first_column(self) -> None:
        """Size the first column to its texts (row titles), the others share the rest."""
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

    def show_all_rows(self) -> None:
        """Never shrink below the height of every row: short tables stay whole in a dock."""
        height = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        self.setMinimumHeight(height)

    def set_rows(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        decimals: int | Sequence[int] = 4,
        *,
        tints: Sequence[QColor | None] | None = None,
    ) -> None:
        """Show ``rows`` under ``headers``; ``decimals`` per column or for all."""
        self.clear()
        self.setColumnCount(len(headers))
        self.setRowCount(len(rows))
        self.setHorizontalHeaderLabels(list(headers))
        places = [decimals] * len(headers) if isinstance(decimals, int) else list(decimals)
        for r, row in enumerate(rows):
            tint = tints[r] if tints is not None else None
            for c, value in enumerate(row):
                item = QTableWidgetItem(cell_text(value, places[c]))
                item.setData(Qt.ItemDataRole.UserRole, value)
                align = Qt.AlignmentFlag.AlignVCenter
                align |= (
                    Qt.AlignmentFlag.AlignLeft
                    if isinstance(value, str)
                    else Qt.AlignmentFlag.AlignRight
                )
                item.setTextAlignment(align)
                if tint is not None:
                    item.setBackground(tint)
                self.setItem(r, c, item)

    def texts(self) -> list[list[str]]:
        """Every cell's text, row by row (what a student reads)."""
        return [
            [self.item(r, c).text() if self.item(r, c) else "" for c in range(self.columnCount())]
            for r in range(self.rowCount())
        ]

    def column_texts(self, column: int) -> list[str]:
        return [row[column] for row in self.texts()]

    def headers(self) -> list[str]:
        return [
            self.horizontalHeaderItem(c).text() if self.horizontalHeaderItem(c) else ""
            for c in range(self.columnCount())
        ]


def formula_label(text: str = "") -> QLabel:
    """A formula in a slightly larger font, selectable so a student can copy it."""
    label = wrapped_label(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def warning_label(text: str = "") -> QLabel:
    """A wrapped warning box (hidden while empty) in the theme's warning colours."""
    label = wrapped_label(text)
    label.setStyleSheet(
        f"background: {theme.WARNING_BG.name()}; color: {theme.WARNING_INK.name()};"
        f" border: 1px solid {theme.NOTICE_BORDER.name()}; border-radius: 3px; padding: 4px;"
    )
    label.setVisible(bool(text))
    return label

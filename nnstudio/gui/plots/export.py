"""Save what a plot shows: a PNG of the widget and CSV files of the numbers behind it.

Students paste the PNG into a report and open the CSV in a spreadsheet, so the CSV is wide
(one column per quantity, with a header) and uses plain ``.`` decimals and empty cells for
missing values (NaN), which every spreadsheet reads.
"""

from __future__ import annotations

import csv
import errno
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QWidget

from nnstudio.core import atomic
from nnstudio.core.safe_text import csv_cell

__all__ = ["Table", "save_png", "write_csv", "write_tables"]


@dataclass(frozen=True)
class Table:
    """Columns of equal length with a header; ``name`` tells several tables of a plot apart."""

    name: str
    headers: tuple[str, ...]
    columns: tuple[Sequence[object], ...]

    @property
    def rows(self) -> list[list[object]]:
        n = max((len(c) for c in self.columns), default=0)
        return [[_cell(c, i) for c in self.columns] for i in range(n)]


def _cell(column: Sequence[object], i: int) -> object:
    if i >= len(column):
        return ""
    value = column[i]
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return "" if not math.isfinite(value) else repr(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_csv(path: str | Path, table: Table) -> Path:
    """Write ``table`` atomically (:mod:`nnstudio.core.atomic`), its texts spreadsheet-safe
    (class names come from the user's data and may start like a formula)."""
    path = Path(path)
    with atomic.open_replacing(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_cell(str(h)) for h in table.headers])
        writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return path


def write_tables(path: str | Path, tables: Sequence[Table]) -> list[Path]:
    """Write the first table to ``path`` and the others beside it as ``<stem>-<name>.csv``."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_suffix(".csv")
    written = []
    for i, table in enumerate(tables):
        target = path if i == 0 else path.with_name(f"{path.stem}-{table.name}.csv")
        written.append(write_csv(target, table))
    return written


def save_png(widget: QWidget, path: str | Path, scale: float = 2.0) -> Path:
    """Render ``widget`` at ``scale`` × its size (crisp in slides) and save it as PNG."""
    from PySide6.QtCore import QPoint, QSize
    from PySide6.QtGui import QImage, QPainter

    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_suffix(".png")
    size = widget.size()
    image = QImage(
        QSize(int(size.width() * scale), int(size.height() * scale)), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(scale)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        # QWidget's render (QGraphicsView overrides it with a scene-only version): the widget
        # as it looks, children included.
        QWidget.render(widget, painter, QPoint(0, 0))
    finally:
        painter.end()
    with atomic.replacing(path) as temp:
        if not image.save(str(temp), "PNG"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
    return path

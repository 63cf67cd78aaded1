"""Colours and small look-and-feel helpers shared by every widget.

One place for the meaning of colours (error red, warning amber, train vs validation curves)
so the canvas, the problems list and the plots agree.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

ERROR = QColor("#d64545")
WARNING = QColor("#e0a020")
OK = QColor("#3c9d5d")
SELECTION = QColor("#2f7ed8")
CANVAS_BG = QColor("#f6f7f9")
CANVAS_GRID = QColor("#e6e8ec")
NODE_BG = QColor("#ffffff")
NODE_BORDER = QColor("#b8bec8")
TEXT = QColor("#22262c")
MUTED_TEXT = QColor("#6b7280")
EDGE = QColor("#7a8494")

#: Curve colours: training solid blue, validation orange (colour-blind safe pair).
TRAIN = "#1f77b4"
VALIDATION = "#ff7f0e"
PLANNED = "#9aa0a6"
#: Class colours for scatter plots and decision boundaries (Okabe–Ito palette).
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)


def class_color(index: int) -> QColor:
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


def with_alpha(color: str | QColor, alpha: int) -> QColor:
    """A copy of ``color`` with opacity ``alpha`` (0–255), for fills and halos over content."""
    out = QColor(color)
    out.setAlpha(alpha)
    return out


def heading_font(size_delta: int = 1, bold: bool = True) -> QFont:
    font = QFont()
    font.setPointSize(max(6, font.pointSize() + size_delta))
    font.setBold(bold)
    return font


def configure_pyqtgraph() -> None:
    """Light plots with antialiasing; call once before creating plot widgets."""
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="#333333")

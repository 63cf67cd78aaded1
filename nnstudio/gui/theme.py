"""Colours and small look-and-feel helpers shared by every widget.

Every colour of the app is named here for its role (error red, warning amber, train vs
validation curves, a positive weight...), so the canvas, the panels, the plots and the neuron
view agree, and a colour changes in one place. Widgets use these names, never a colour literal.
Style sheets take ``COLOR.name()`` (``#rrggbb``); pyqtgraph takes the plain strings.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

# --- what a state means ----------------------------------------------------------------------
ERROR = QColor("#d64545")
WARNING = QColor("#e0a020")
OK = QColor("#3c9d5d")
SELECTION = QColor("#2f7ed8")
#: Amber dark enough to read as text (a warning's words, a stopped run's status).
WARNING_TEXT = QColor("#b07800")

# --- text ------------------------------------------------------------------------------------
TEXT = QColor("#22262c")
#: Captions, statuses and read-outs: a step lighter than body text.
SECONDARY_TEXT = QColor("#374151")
#: Axis labels and notes standing in for a picture.
DIM_TEXT = QColor("#4b5563")
MUTED_TEXT = QColor("#6b7280")
#: The darkest lines and text drawn over light fills (decision boundary, confusion cells).
INK = QColor("#1f2937")
#: Text and marks drawn on a coloured or dark fill (layer headers, badges, dark cells).
TEXT_ON_COLOR = QColor("#ffffff")

# --- the window ------------------------------------------------------------------------------
WINDOW_BG = QColor("#f3f4f6")
#: Presentation mode: pure black text on white, the strongest contrast a projector keeps.
PRESENTATION_TEXT = QColor("#000000")
PRESENTATION_BG = QColor("#ffffff")
BASE_BG = QColor("#ffffff")
ALTERNATE_BG = QColor("#f7f8fa")
BUTTON_BG = QColor("#f7f8fa")
DOCK_TITLE_BG = QColor("#e7e9ee")
#: White cards floating over content (race entries, the neuron view's hover card).
CARD_BG = QColor("#ffffff")
CARD_BORDER = QColor("#d5d9e0")
#: Thin lines between sections and list rows.
SEPARATOR = QColor("#e3e6ea")
ROW_DIVIDER = QColor("#e6e8ec")
#: The quiet blue box of a summary or a hint (data summary, usual learning rates).
SUMMARY_BG = QColor("#e9eef5")
SUMMARY_BORDER = QColor("#d5dde8")
HINT_BG = QColor("#eef4fb")
HINT_BORDER = QColor("#cfe0f3")

# --- banners and boxes -----------------------------------------------------------------------
#: Problem banner lines: (background, border, text) per level.
ERROR_BG = QColor("#fdecec")
ERROR_INK = QColor("#7a1f1f")
WARNING_BG = QColor("#fff6dc")
WARNING_INK = QColor("#6b4a00")
INFO_BG = QColor("#e9f2fc")
INFO = QColor("#2f7ed8")
INFO_INK = QColor("#1d3f66")
#: The "… and 3 more" line under a full banner.
BANNER_MORE_TEXT = QColor("#555b63")
#: A note across the inspector while it cannot edit (training runs).
NOTICE_BG = QColor("#fff6dd")
NOTICE_BORDER = QColor("#f0dca0")
NOTICE_TEXT = QColor("#6b4e00")
#: The model summary's box saying why the network cannot be summarised.
ERROR_BOX_BG = QColor("#fdf1f1")
ERROR_BOX_BORDER = QColor("#f0c4c4")
ERROR_BOX_TEXT = QColor("#7a2020")
#: The exclamation mark on the amber warning icon.
WARNING_MARK = QColor("#3a2a00")
#: A spreadsheet cell that is not a number (matrix editor).
BAD_CELL_BG = QColor("#f6d2d2")

# --- the canvas ------------------------------------------------------------------------------
CANVAS_BG = QColor("#f6f7f9")
CANVAS_GRID = QColor("#e6e8ec")
NODE_BG = QColor("#ffffff")
NODE_BORDER = QColor("#b8bec8")
NODE_HOVER_BORDER = QColor("#8d95a3")
#: Body of a frozen layer, and the grey its header colour is mixed with.
FROZEN_BG = QColor("#f1f2f4")
FROZEN_HEADER_MIX = QColor("#a9adb5")
NODE_SEPARATOR = QColor("#eceef1")
#: Drop shadow under a layer card (drawn with its own opacity).
SHADOW = QColor(20, 30, 50)
EDGE = QColor("#7a8494")
PORT_CONNECTED = QColor("#5f6b7a")
EDGE_LABEL_BG = QColor("#ffffff")
EDGE_LABEL_BORDER = QColor("#d5d9df")
EDGE_LABEL_ERROR_BG = QColor("#fff5f5")

# --- the data table --------------------------------------------------------------------------
#: Cell tints; light enough to keep black text readable.
TARGET_TINT = QColor("#e4effa")
IGNORED_TINT = QColor("#f1f2f4")
MISSING_TINT = QColor("#fff0c2")
JUNK_TINT = QColor("#fbd5d5")
IGNORED_TEXT = QColor("#9aa0a6")

# --- weights (neuron view) -------------------------------------------------------------------
POSITIVE_WEIGHT = QColor("#2f6fd0")
NEGATIVE_WEIGHT = QColor("#e4572e")
#: A bias ring when a layer's biases are all zero.
ZERO_WEIGHT = QColor("#9aa0a6")

# --- plots -----------------------------------------------------------------------------------
#: Curve colours: training solid blue, validation orange (colour-blind safe pair).
TRAIN = "#1f77b4"
#: The data profile: a column's histogram bars, and the target's class balance bars.
PROFILE_HISTOGRAM = "#4c78a8"
PROFILE_BALANCE = "#f58518"
#: The runs panel's parallel coordinates: low final metric → high (colour-blind safe).
RUNS_LOW = "#D55E00"
RUNS_HIGH = "#0072B2"
VALIDATION = "#ff7f0e"
PLANNED = "#9aa0a6"
#: The smoothed loss over the raw per-batch losses.
SMOOTHED = "#5b9bd5"
#: Bias histograms beside the weight histograms.
BIAS = "#d55e00"
#: Where a run diverged.
DIVERGED = "#d62728"
PLOT_BG = "#ffffff"
#: pyqtgraph's foreground (ticks and text it draws itself).
PLOT_FOREGROUND = "#333333"
AXIS = "#9ca3af"
#: The lines z = 0 and f = 0 under an activation curve (plots panel, inspector).
ZERO_AXIS = "#c4c9d1"
CURVE_ZERO_AXIS = "#b8bec8"
#: The white rim around plotted points, so overlapping points stay apart.
POINT_RIM = "#ffffff"
#: Validation points are drawn hollow: a half-opaque white fill inside their class colour.
HOLLOW_POINT = QColor(255, 255, 255, 150)
#: The dot that follows the mouse along a curve.
HOVER_DOT = "#000000"
#: Behind a label written over a plot (the "diverged" marker).
LABEL_BACKING = QColor(255, 255, 255, 200)
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
#: The hard-to-see yellow of :data:`CLASS_COLORS`, left out where lines must show on white.
FAINT_CLASS_COLOR = "#F0E442"
#: One colour per optimiser in the race (Okabe–Ito, the most distinct four).
RACE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


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

    pg.setConfigOptions(antialias=True, background=PLOT_BG, foreground=PLOT_FOREGROUND)

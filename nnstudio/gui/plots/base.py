"""What every training plot shares: styling, hints, hover read-outs, export and lazy redraw.

Each view is one tab of the panel. It subscribes to record topics; the panel marks it dirty
when one of them changes and asks it to :meth:`PlotView.refresh` only while it is visible,
so a run pays for the plots a student is looking at and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.gui import theme
from nnstudio.gui.plots.axis_fit import FittedTickLabels
from nnstudio.gui.plots.export import Table, save_png, write_tables
from nnstudio.gui.plots.record import RunRecord
from nnstudio.gui.widgets.plot_legend import LegendAbove
from nnstudio.i18n import N_, _

__all__ = [
    "SYMBOL_LIMIT",
    "CurveHover",
    "LegendAbove",
    "PlotContext",
    "PlotHint",
    "PlotView",
    "SteadyViewBox",
    "TitleCaption",
    "bin_at",
    "clear_curve",
    "curve_item",
    "fill_legend",
    "histogram_plot",
    "make_plot",
    "present_plot",
    "series_color",
    "set_curve",
    "view_point",
]

#: Small fonts: the panel lives in a ~260 px high dock.
TICK_FONT = QFont()
TICK_FONT.setPointSizeF(7.5)
LABEL_STYLE = {"font-size": "8pt", "color": theme.DIM_TEXT.name()}
TITLE_SIZE = "8.5pt"
HINT_COLOR = theme.MUTED_TEXT.name()
#: Height of a title row holding a title and a statistics line (pyqtgraph reserves 30 px).
TWO_LINE_TITLE = 32

#: Curves with at most this many points also mark each point (and a single point shows).
SYMBOL_LIMIT = 60

#: Distinct colours for layers and activations (Okabe–Ito, minus the hard-to-see yellow).
SERIES_COLORS = tuple(c for c in theme.CLASS_COLORS if c != theme.FAINT_CLASS_COLOR)


def series_color(index: int) -> str:
    return SERIES_COLORS[index % len(SERIES_COLORS)]


class TidyLogAxis(FittedTickLabels, pg.AxisItem):
    """An axis whose log mode labels 1-2-5 (or only decades) when 1…9 would not fit, and
    whose labels never run into its title (:class:`FittedTickLabels`).

    pyqtgraph labels every mantissa 1…9 of a short log axis, which on a 200-pixel dock
    piles the labels on top of each other.
    """

    PIXELS_PER_LABEL = 22

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: list) -> list:
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        if not ticks or ticks[-1][0] is not None:
            return ticks
        minor = list(ticks[-1][1])
        room = max(2, int(size / self.PIXELS_PER_LABEL))
        if len(minor) > room:
            for keep in ((1, 2, 5), (1,)):
                chosen = [x for x in minor if round(10 ** (x - math.floor(x + 1e-9))) in keep]
                if not chosen:
                    break
                minor = chosen
                if len(chosen) <= room:
                    break
        ticks[-1] = (None, minor)
        return ticks


#: Widths the x axis of a growing run steps through, per decade ("nice" numbers).
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
#: A growing x axis is widened to at least this many times the data's width.
X_HEADROOM = 1.25
#: Room before the start of a growing x axis, as a share of its width.
X_LOW_PAD = 0.02
#: Room kept beyond the data on the side of y where it left the range, as a share of its span.
Y_MARGIN = 0.15
#: The data's span falling below this share of the range shown re-fits the range.
SHRINK = 0.25


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ that is ≥ ``value`` (> 0)."""
    decade = 10.0 ** math.floor(math.log10(value))
    for step in NICE_STEPS:
        if step * decade >= value * (1 - 1e-12):
            return step * decade
    return 10.0 * decade


class SteadyViewBox(pg.ViewBox):
    """A view box whose automatic range stays sensible when the data is a single point,
    and (``grows``) changes only in steps while a run's curves grow.

    pyqtgraph, asked to show a zero-width range, keeps the width the view had before: a
    one-step run drawn after a 200-epoch run gets an x axis from −99 to 101, and a lone loss
    value keeps the previous run's y scale. Here the range always reaches back to
    ``x_origin`` (epoch 0 for curves over epochs: where every run starts), and a data range
    of zero height is opened to ±10 % around its value (half a decade on a log axis).

    Fitting the range to the data at every redraw of a live run changed it at every redraw,
    and each change re-lays every tick label of both axes (their most expensive paint) and
    re-clips every long curve. A ``grows`` view widens its x range to the next nice number at
    least 1.25 times the data's width, and keeps its y range while the data stays inside it
    (re-fitting, with room on the side the data left by, when it leaves or shrinks to a small
    part of it): the range changes O(log n) times in a run of n epochs, not n times.
    """

    def __init__(self, x_origin: float | None = None, grows: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.x_origin = x_origin
        self.grows = grows
        #: The stepped ranges last chosen (before pyqtgraph's padding), per axis.
        self._steps: list[list[float] | None] = [None, None]

    def childrenBounds(
        self,
        frac: Any = None,
        orthoRange: Any = (None, None),
        items: Any = None,
    ) -> list[list[float] | None]:
        bounds = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        xr, yr = bounds
        if xr is not None and self.x_origin is not None:
            origin = self.x_origin
            if self.state["logMode"][0]:
                origin = math.log10(origin) if origin > 0 else None
            if origin is not None:
                xr = [min(xr[0], origin), max(xr[1], origin)]
        if xr is not None and xr[1] - xr[0] <= 0:
            xr = [xr[0] - 1.0, xr[1]]  # one x position (no origin given): the epoch before it
        if yr is not None and yr[1] - yr[0] <= 0:
            y = yr[0]
            half = 0.5 if self.state["logMode"][1] else (0.1 * abs(y) or 0.5)
            yr = [y - half, y + half]
        if self.grows and items is None:
            xr = self._stepped_x(xr)
            yr = self._stepped_y(yr)
        return [xr, yr]

    def setLogMode(self, axis: Any, logMode: bool) -> None:
        """A log axis measures in decades: the steps chosen in the old units mean nothing."""
        self._steps = [None, None]
        super().setLogMode(axis, logMode)

    def suggestPadding(self, axis: int) -> float:
        """No padding along a growing x axis: its headroom is the padding (and pyqtgraph's
        would put the axis's end between two nice numbers, and move with every step)."""
        if axis == 0 and self.grows and not self.state["logMode"][0]:
            return 0.0
        return super().suggestPadding(axis)

    def _stepped_x(self, xr: list[float] | None) -> list[float] | None:
        if xr is None or self.state["logMode"][0]:
            self._steps[0] = None
            return xr
        kept = self._steps[0]
        width = xr[1] - xr[0]
        if kept is not None and _inside(xr, kept, False) and width >= SHRINK * (kept[1] - kept[0]):
            return list(kept)
        stepped = nice_ceil(X_HEADROOM * width)
        # A little room before the start, so that the first tick's label (0) still fits.
        kept = [xr[0] - X_LOW_PAD * stepped, xr[0] + stepped]
        self._steps[0] = kept
        return list(kept)

    def _stepped_y(self, yr: list[float] | None) -> list[float] | None:
        if yr is None:
            self._steps[1] = None
            return yr
        kept = self._steps[1]
        span = yr[1] - yr[0]
        if kept is None or span < SHRINK * (kept[1] - kept[0]):
            lo, hi = yr  # a fresh fit (a new run, or the data shrank to a sliver of the view)
        else:
            # Only the side the data left by moves, with room: it is likely to go on that
            # way (re-fitting both sides made a curve wobbling at both ends swap margins).
            if _inside(yr, kept):
                return list(kept)
            lo = kept[0] if yr[0] >= kept[0] else yr[0] - Y_MARGIN * span
            hi = kept[1] if yr[1] <= kept[1] else yr[1] + Y_MARGIN * span
        kept = [lo, hi]
        self._steps[1] = kept
        return list(kept)


def _inside(bounds: list[float], kept: list[float], high_slack: bool = True) -> bool:
    """Whether ``bounds`` lie in ``kept``, give or take 1 % of its width (at the high end
    too only with ``high_slack``).

    pyqtgraph widens the data's bounds by the curves' pen widths in pixels, converted at
    the current scale: every change of range moves them a little, which must not count as
    the data leaving the range (pyqtgraph's padding around the range covers that much; a
    growing x axis has none at its high end, where only real growth reaches it).
    """
    slack = 0.01 * (kept[1] - kept[0])
    return kept[0] - slack <= bounds[0] and bounds[1] <= kept[1] + (slack if high_slack else 0)


def make_plot(
    layout: pg.GraphicsLayout,
    row: int | None = None,
    col: int | None = None,
    *,
    title: str | None = None,
    x_label: str | None = None,
    y_label: str | None = None,
    left_width: int = 44,
    x_origin: float | None = None,
    grows: bool = False,
    **span: int,
) -> pg.PlotItem:
    """A compact, read-only-menu plot: small fonts, light grid, no auto-range button.

    ``x_origin``: an x the automatic range always includes; ``grows``: curves that grow
    while a run goes on, whose automatic range changes only in steps (see
    :class:`SteadyViewBox`).
    """
    plot = layout.addPlot(
        row=row,
        col=col,
        axisItems={"left": TidyLogAxis("left")},
        viewBox=SteadyViewBox(x_origin, grows),
        **span,
    )
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.12)
    plot.layout.setContentsMargins(0, 0, 0, 0)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(TICK_FONT)
        axis.setTextPen(pg.mkPen(theme.DIM_TEXT))
        axis.setPen(pg.mkPen(theme.AXIS))
        # "loss (×0.001)" puzzles students: show the numbers as they are.
        axis.enableAutoSIPrefix(False)
        # Each repaint of a curve also repaints the axes under it (their grid lines span the
        # view): replaying their recorded tick labels was the costliest part of a live plot's
        # paint. Qt keeps the drawn axis as a pixmap until the axis itself changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.getAxis("left").setWidth(left_width)
    plot.getAxis("bottom").setHeight(30 if x_label else 18)
    if x_label:
        plot.setLabel("bottom", x_label, **LABEL_STYLE)
    if y_label:
        plot.setLabel("left", y_label, **LABEL_STYLE)
    if title:
        plot.setTitle(title, size=TITLE_SIZE, color=theme.TEXT.name())
    return plot


def curve_item(
    plot: pg.PlotItem,
    color: str | QColor,
    *,
    width: float = 1.6,
    name: str | None = None,
    style: Qt.PenStyle = Qt.PenStyle.SolidLine,
    big: bool = False,
    **opts: Any,
) -> pg.PlotDataItem:
    """One long-lived curve; ``big`` ones (long curves) clip to the view and peak-downsample,
    so however many points they hold, a few per pixel are drawn."""
    item = pg.PlotDataItem(pen=pg.mkPen(color, width=width, style=style), name=name, **opts)
    plot.addItem(item)
    if big:
        # After addItem: PlotItem.addItem applies the plot's own downsampling and clipping
        # (off) to the item, which silently undid these when they were set before.
        item.setClipToView(True)
        item.setDownsampling(auto=True, method="peak")
    return item


def set_curve(item: pg.PlotDataItem, key: tuple, x: Any, y: Any, **opts: Any) -> bool:
    """``item.setData(x, y, **opts)`` unless ``key`` says it already shows exactly that.

    ``key`` names what the curve shows: the versions of the buffers it draws (unique, see
    ``core/training/series.py``) and anything else its data or options depend on. A live run
    marks a whole view stale when any of its curves changed, and redrawing the unchanged ones
    (epoch curves between epochs, while batches arrive) costs a copy of their arrays, a new
    path and a repaint each time. Returns whether it drew.
    """
    if getattr(item, "_drawn_key", None) == key:
        return False
    item.setData(x, y, **opts)
    item._drawn_key = key
    return True


def clear_curve(item: pg.PlotDataItem) -> None:
    """Empty a curve (and forget what :func:`set_curve` drew, so it draws again)."""
    if getattr(item, "_drawn_key", ()) is None:
        return
    item.setData([], [])
    item._drawn_key = None


def fill_legend(
    legend: pg.LegendItem,
    entries: Sequence[tuple[pg.PlotDataItem, str]],
    shown: tuple[str, ...],
) -> tuple[str, ...]:
    """List exactly ``entries`` (item, name) unless the names ``shown`` already are those.

    Returns the names now shown, to pass back next time: rebuilding a legend on every
    frame would make it flicker.
    """
    names = tuple(name for _item, name in entries)
    if names != shown:
        legend.clear()
        for item, name in entries:
            legend.addItem(item, name)
    return names


def histogram_plot(
    layout: pg.GraphicsLayout,
    row: int,
    col: int,
    *,
    title: str,
    x_label: str,
    left_width: int,
    y_label: str | None = None,
) -> pg.PlotItem:
    """One small multiple of a histogram grid: a fixed view (no mouse zoom), small x label."""
    plot = make_plot(layout, row, col, title=title, left_width=left_width, y_label=y_label)
    plot.getAxis("bottom").setLabel(x_label, **{"font-size": "7.5pt", "color": HINT_COLOR})
    plot.getAxis("bottom").setHeight(28)
    plot.setMouseEnabled(x=False, y=False)
    return plot


def _scaled_size(css: str, factor: float) -> str:
    """``"8pt"`` × 1.5 → ``"12pt"`` (a CSS size with its unit kept)."""
    number = css.rstrip("ptxem%")
    try:
        value = float(number)
    except ValueError:
        return css
    return f"{value * factor:g}{css[len(number) :]}"


def present_plot(plot: pg.PlotItem, factor: float) -> Callable[[], None]:
    """Draw ``plot`` for a projector: tick and label fonts ``factor`` times larger, curves and
    axes ``factor`` times thicker, dark axis text and a firmer grid. Returns what puts every
    one of those back exactly as it was.

    Curves added afterwards keep their usual pens: the plots' curves are made once, when a
    view is built, so this covers what a class looks at.
    """
    undo: list[Callable[[], None]] = []
    for name in ("left", "bottom", "right", "top"):
        if name not in plot.axes:
            continue
        axis = plot.getAxis(name)
        tick_font = axis.style.get("tickFont")
        big = QFont(tick_font) if tick_font is not None else QFont()
        big.setPointSizeF(big.pointSizeF() * factor)
        label_style = dict(axis.labelStyle)
        fixed = (axis.fixedWidth, axis.fixedHeight)
        pens = (QColor(axis.pen().color()), axis.pen().widthF(), axis.textPen())
        grid = axis.grid

        def restore(
            axis: pg.AxisItem = axis,
            tick_font: QFont | None = tick_font,
            label_style: dict = label_style,
            fixed: tuple = fixed,
            pens: tuple = pens,
            grid: Any = grid,
        ) -> None:
            axis.setTickFont(tick_font)
            axis.labelStyle = label_style
            axis._updateLabel()
            if axis.orientation in ("left", "right"):
                axis.setWidth(fixed[0])
            else:
                axis.setHeight(fixed[1])
            axis.setPen(pg.mkPen(pens[0], width=pens[1]))
            axis.setTextPen(pens[2])
            axis.setGrid(grid)

        undo.append(restore)
        axis.setTickFont(big)
        axis.labelStyle = {
            **label_style,
            "font-size": _scaled_size(str(label_style.get("font-size", "9pt")), factor),
            "color": theme.PRESENTATION_TEXT.name(),
        }
        axis._updateLabel()
        if axis.orientation in ("left", "right") and fixed[0] is not None:
            axis.setWidth(int(fixed[0] * factor))
        if axis.orientation in ("top", "bottom") and fixed[1] is not None:
            axis.setHeight(int(fixed[1] * factor))
        axis.setPen(pg.mkPen(theme.PRESENTATION_TEXT, width=pens[1] * factor))
        axis.setTextPen(pg.mkPen(theme.PRESENTATION_TEXT))
        if grid:
            axis.setGrid(min(255, int(grid * 2)))
    for item in plot.listDataItems():
        pen = item.opts.get("pen")
        if not isinstance(pen, QPen):
            continue
        thick = QPen(pen)
        thick.setWidthF(max(1.0, pen.widthF()) * factor)
        item.setPen(thick)
        kept = QPen(pen)
        undo.append(lambda item=item, kept=kept: item.setPen(kept))
    title = plot.titleLabel
    if title.isVisible() and title.text:
        opts = dict(title.opts)
        text = title.text
        size = str(opts.get("size") or TITLE_SIZE)
        title.setText(text, **{**opts, "size": _scaled_size(size, factor)})
        undo.append(lambda text=text, opts=opts: title.setText(text, **opts))

    def restore_all() -> None:
        for step in reversed(undo):
            step()

    return restore_all


class TitleCaption:
    """A statistics line under a small multiple's title ("mean +0.22 · std 0.06").

    It lives in the title row, outside the data area: pinned inside the view it sat on the
    tallest bars. ``text`` is the plain statistics text ("" hides the line).
    """

    def __init__(self, plot: pg.PlotItem, title: str) -> None:
        self.plot = plot
        self.title = title
        self.text = ""
        self.setText("")

    @property
    def label(self) -> pg.LabelItem:
        """The item that draws the title and this line."""
        return self.plot.titleLabel

    def setText(self, text: str) -> None:
        """Show ``text`` under the title (LabelItem's method name, so callers read alike)."""
        self.text = text
        # The second line is always there (a blank when empty), so the plot below does not
        # jump when the first statistics arrive.
        line = text or "&nbsp;"
        html = f"{self.title}<br><span style='color:{HINT_COLOR}; font-size:7.5pt;'>{line}</span>"
        self.plot.setTitle(html, size=TITLE_SIZE, color=theme.TEXT.name())
        self.plot.layout.setRowFixedHeight(0, TWO_LINE_TITLE)


def view_point(plot: pg.PlotItem, scene_pos: QPointF) -> QPointF | None:
    """``scene_pos`` in ``plot``'s data coordinates, or None when the mouse is not over it."""
    vb = plot.vb
    if not vb.sceneBoundingRect().contains(scene_pos):
        return None
    return vb.mapSceneToView(scene_pos)


def bin_at(edges: np.ndarray, x: float) -> int | None:
    """Index of the histogram bin holding ``x`` (bins are [edgeᵢ, edgeᵢ₊₁)), None outside."""
    i = int(np.searchsorted(edges, x, side="right")) - 1
    return i if 0 <= i < len(edges) - 1 else None


class PlotHint(pg.LabelItem):
    """A friendly sentence in the middle of an empty plot ("Press Train to …").

    The sentence wraps to the width of the plot's view (the view clips what sticks out): a
    narrow plot shows every word of it on more lines instead of losing both ends.
    """

    #: Room kept free on either side of the text inside the view, in pixels.
    MARGIN = 8

    def __init__(self, plot: pg.PlotItem, text: str = "", *, hide_axes: bool = True) -> None:
        super().__init__("", color=HINT_COLOR, size="8.5pt", justify="center")
        self.plot = plot
        #: Empty axes look broken; while the hint shows, the plot is a quiet blank card.
        self.hide_axes = hide_axes
        self.setParentItem(plot.vb)
        self.anchor(itemPos=(0.5, 0.5), parentPos=(0.5, 0.5))
        self.setZValue(100)
        plot.vb.sigResized.connect(self._on_view_resized)
        self.show_text(text)

    def sizeHint(self, hint: Any, constraint: Any) -> Any:
        # Qt may ask while LabelItem.__init__ is still creating its text item.
        if "_sizeHint" not in self.__dict__:
            from PySide6.QtCore import QSizeF

            return QSizeF(0, 0)
        return super().sizeHint(hint, constraint)

    def show_text(self, text: str | None) -> None:
        self.raw = text or ""
        if self.hide_axes:
            for name in ("left", "bottom"):
                # Only on a change: showing a shown axis re-lays its tick labels, and live
                # views call this at every redraw (it was the axes' top cost in a run).
                axis = self.plot.getAxis(name)
                if axis.isVisibleTo(self.plot) != (not text):
                    self.plot.showAxis(name, not text)
            self.plot.showGrid(x=not text, y=not text)
            legend = self.plot.legend
            if legend is not None:
                legend.setVisible(not text)
        if text:
            self.setText(text.replace("\n", "<br>"))
            doc = self.item.document()
            option = doc.defaultTextOption()
            option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            doc.setDefaultTextOption(option)
            self._fit_width()
            self.setVisible(True)
        else:
            self.setVisible(False)

    def _fit_width(self) -> None:
        """Wrap the text to the view's width (or its natural width when that fits)."""
        if not self.raw:
            return
        self.item.setTextWidth(-1)  # measure the unwrapped width
        ideal = self.item.document().idealWidth()
        room = self.plot.vb.width() - 2 * self.MARGIN
        width = min(ideal, room) if room > 0 else ideal
        self.item.setTextWidth(width)
        self.updateMin()
        self.resize(self.itemRect().size())

    def _on_view_resized(self, *_args: Any) -> None:
        self._fit_width()

    @property
    def shown(self) -> str | None:
        """The hint's plain text while it is shown (None when hidden)."""
        return self.raw if self.isVisible() and self.raw else None


class CurveHover:
    """Shows the point of the tracked curves nearest to the mouse: a dot plus a read-out."""

    def __init__(self, plot: pg.PlotItem, x_name: str | None = None) -> None:
        self.plot = plot
        #: What x is called in the read-out (default: "epoch", in the current language).
        self.x_name = x_name if x_name is not None else _("epoch")
        self.curves: list[tuple[str, pg.PlotDataItem, Callable[[float], str]]] = []
        self.dot = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen(theme.POINT_RIM, width=1.5), brush=pg.mkBrush(theme.HOVER_DOT)
        )
        self.dot.setZValue(50)
        self.dot.setVisible(False)
        plot.addItem(self.dot, ignoreBounds=True)

    def track(
        self, name: str, item: pg.PlotDataItem, fmt: Callable[[float], str] | None = None
    ) -> None:
        self.curves.append((name, item, fmt or (lambda v: f"{v:.4g}")))

    def untrack(self, item: pg.PlotDataItem) -> None:
        self.curves = [c for c in self.curves if c[1] is not item]

    def hide(self) -> None:
        self.dot.setVisible(False)

    def text_at(self, scene_pos: QPointF) -> str | None:
        """Read-out for the mouse at ``scene_pos`` (None when it is not over this plot)."""
        p = view_point(self.plot, scene_pos)
        if p is None:
            self.hide()
            return None
        found = self.nearest(p.x(), p.y())
        if found is None:
            self.hide()
            return f"{self.x_name} {p.x():.3g}"
        name, x, y, vy, fmt = found
        self.dot.setData([x], [vy])
        self.dot.setVisible(True)
        return f"{name}: {self.x_name} {_fmt_x(x)} → {fmt(y)}"

    def nearest(
        self, vx: float, vy: float, max_pixels: float = 40.0
    ) -> tuple[str, float, float, float, Callable[[float], str]] | None:
        """Nearest tracked point in screen distance: (name, x, y, y in view units, format)."""
        pw, ph = self.plot.vb.viewPixelSize()
        if not (pw > 0 and ph > 0):
            return None
        log_x, log_y = self.plot.ctrl.logXCheck.isChecked(), self.plot.ctrl.logYCheck.isChecked()
        best = None
        best_d = max_pixels
        for name, item, fmt in self.curves:
            if not item.isVisible() or item.xData is None or len(item.xData) == 0:
                continue
            xs, ys = item.xData, item.yData
            if len(xs) == len(ys) + 1:  # step curve: use the middle of each step
                xs = 0.5 * (xs[:-1] + xs[1:])
            vxs = np.log10(np.clip(xs, 1e-300, None)) if log_x else xs
            i = int(np.searchsorted(vxs, vx))
            lo, hi = max(0, i - 4), min(len(xs), i + 4)
            for j in range(lo, hi):
                y = float(ys[j])
                if not math.isfinite(y) or (log_y and y <= 0):
                    continue
                yv = math.log10(y) if log_y else y
                d = math.hypot((float(vxs[j]) - vx) / pw, (yv - vy) / ph)
                if d < best_d:
                    best_d = d
                    best = (name, float(xs[j]), y, yv, fmt)
        return best


def _fmt_x(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}"


class PlotContext:
    """What views need to know beyond the numbers: names, activations, the run and its data.

    The panel owns it and updates ``plan`` / ``document``; views only read.
    """

    def __init__(self, record: RunRecord, document: Any) -> None:
        self.record = record
        self.document = document
        #: The current (or last) run's plan; None for a reopened project.
        self.plan: Any = None

    @property
    def prepared(self) -> Any:
        plan = self.plan
        if plan is not None:
            return plan.prepared
        workspace = getattr(self.document, "workspace", None)
        return getattr(workspace, "prepared", None)

    @property
    def task(self) -> str | None:
        prepared = self.prepared
        if prepared is not None:
            return prepared.task
        names = self.record.metric_names()
        if "accuracy" in names:
            return "classification"
        if "rmse" in names:
            return "regression"
        return None

    def _graph_nodes(self) -> Mapping[str, Any]:
        graph = getattr(getattr(self.document, "workspace", None), "graph", None)
        return getattr(graph, "nodes", {}) or {}

    def layer_name(self, nid: str) -> str:
        node = self._graph_nodes().get(nid)
        return getattr(node, "name", None) or nid

    def layer_order(self) -> list[str]:
        """Node ids in the order data flows through them (input first)."""
        plan = self.plan
        if plan is not None:
            return list(plan.model.order)
        analysis = getattr(getattr(self.document, "workspace", None), "analysis", None)
        order = list(getattr(analysis, "order", []) or [])
        return order or list(self._graph_nodes())

    def activation_of(self, nid: str) -> dict[str, Any] | None:
        """The activation component a layer applies (graph parameters win: they carry e.g.
        Leaky ReLU's slope), or None for layers without one."""
        node = self._graph_nodes().get(nid)
        comp = getattr(node, "params", {}).get("activation") if node is not None else None
        if comp is None and self.plan is not None:
            comp = self.plan.model.activation_names.get(nid)
        if comp is None:
            return None
        try:
            return ACTIVATIONS.normalize(comp)
        except Exception:  # an unknown name from an old file: nothing to draw
            return None

    def activation_layers(self) -> list[tuple[str, dict[str, Any]]]:
        """(node id, activation) for every layer with a non-identity activation, in order."""
        out = []
        plan = self.plan
        for nid in self.layer_order():
            if plan is not None and nid not in plan.model.activation_names:
                continue
            comp = self.activation_of(nid)
            if comp is not None and comp["name"] != "identity":
                out.append((nid, comp))
        return out


class PlotView(QWidget):
    """A tab of the panel: a row of controls and a read-out above a GraphicsLayoutWidget."""

    #: Tab label (English, as the panel finds its views by it; shown translated).
    title = N_("Plot")
    #: Default file name for exports.
    file_stem = "plot"
    #: Record topics that make this view stale.
    topics: frozenset[str] = frozenset()

    def __init__(self, context: PlotContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.dirty = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(2, 0, 2, 0)
        self.bar.setSpacing(8)
        layout.addLayout(self.bar)
        self.readout = QLabel(self)
        self.readout.setStyleSheet(f"color: {HINT_COLOR};")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._idle_text = ""
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setMinimumHeight(120)
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.layout.setHorizontalSpacing(10)
        self.graphics.ci.layout.setVerticalSpacing(4)
        # Plot menus are off (pyqtgraph's are for explorers, not students); a right click
        # reaches the scene unhandled and opens ours instead.
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        layout.addWidget(self.graphics, 1)
        self.hovers: list[CurveHover] = []

    # --- for subclasses --------------------------------------------------------------------

    def add_check(
        self,
        text: str,
        tooltip: str,
        on_toggled: Callable[[bool], None],
        *,
        checked: bool = False,
    ) -> QCheckBox:
        """A check box option in the bar above the plot (call before :meth:`finish_bar`)."""
        check = QCheckBox(text, self)
        check.setChecked(checked)
        check.setToolTip(tooltip)
        check.toggled.connect(on_toggled)
        self.bar.addWidget(check)
        return check

    def first_hover_text(self, sources: Iterable[Any], scene_pos: QPointF) -> str | None:
        """The read-out of the first of ``sources`` (small multiples) the mouse is over."""
        for source in sources:
            text = source.text_at(scene_pos)
            if text is not None:
                return text
        return None

    def finish_bar(self) -> None:
        """Call after adding controls: the read-out takes the remaining width."""
        self.bar.addWidget(self.readout, 1)

    def set_idle_text(self, text: str) -> None:
        """What the read-out says while the mouse is not over a point."""
        self._idle_text = text
        self.readout.setText(text)

    def refresh(self) -> None:
        """Redraw from the record (called only when visible and dirty)."""

    def reset(self) -> None:
        """Forget everything drawn (the record was cleared)."""
        self.dirty = True

    def tables(self) -> list[Table]:
        """The numbers behind the plot, for CSV export."""
        return []

    def hover_text(self, scene_pos: QPointF) -> str | None:
        """Read-out for non-curve items (histograms, heat maps); None if not over one."""
        return None

    # --- behaviour -------------------------------------------------------------------------

    #: Whether a run is training: curves are then drawn without antialiasing (see
    #: :meth:`set_live`).
    live = False

    def ensure_fresh(self) -> None:
        if self.dirty:
            self.dirty = False
            self.refresh()
            if self.live:
                self._apply_antialias()  # the refresh may have made new curves

    def set_live(self, live: bool) -> None:
        """Draw fast while a run trains, finely once it ends.

        Stroking antialiased paths was most of a live plot's paint (``QPainter.drawPath``:
        about 1 ms per long curve, 9 ms per frame of the loss tab); without antialiasing
        pyqtgraph draws wide opaque curves as line segments, and the frame paints in half
        the time. The run's last frame (and any still picture) is drawn antialiased.
        """
        if live == self.live:
            return
        self.live = live
        self._apply_antialias()

    def _apply_antialias(self) -> None:
        wanted = not self.live
        for plot in self.plots():
            for item in plot.items:
                if isinstance(item, pg.PlotDataItem):
                    curve = item.curve
                    # Both: PlotDataItem hands its own option to the curve at every setData.
                    item.opts["antialias"] = wanted
                elif isinstance(item, pg.PlotCurveItem):
                    curve = item
                else:
                    continue
                if curve.opts.get("antialias") != wanted:
                    curve.opts["antialias"] = wanted
                    curve.update()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        text = self.hover_text(pos)
        for hover in self.hovers:
            t = hover.text_at(pos)
            if t is not None and text is None:
                text = t
        self.readout.setText(text if text is not None else self._idle_text)

    def leaveEvent(self, event: Any) -> None:
        for hover in self.hovers:
            hover.hide()
        self.readout.setText(self._idle_text)
        super().leaveEvent(event)

    def present(self, factor: float) -> Callable[[], None]:
        """Presentation mode for every plot of this view; returns what undoes it exactly."""
        undo = [present_plot(plot, factor) for plot in self.plots()]

        def restore() -> None:
            for step in reversed(undo):
                step()

        return restore

    def plots(self) -> Iterable[pg.PlotItem]:
        for item in self.graphics.ci.items:
            if isinstance(item, pg.PlotItem):
                yield item

    def reset_zoom(self) -> None:
        for plot in self.plots():
            plot.enableAutoRange()

    def export_png(self, path: str | Path) -> Path:
        self.ensure_fresh()
        return save_png(self.graphics, path)

    def export_csv(self, path: str | Path) -> list[Path]:
        self.ensure_fresh()
        tables = self.tables()
        if not tables:
            tables = [Table("empty", ("note",), (["nothing plotted yet"],))]
        return write_tables(path, tables)

    def ask_export_png(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save {plot} as PNG").format(plot=_(self.title)),
            f"{self.file_stem}.png",
            _("PNG image (*.png)"),
        )
        if path:
            self.export_png(path)

    def ask_export_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save {plot} data as CSV").format(plot=_(self.title)),
            f"{self.file_stem}.csv",
            "CSV (*.csv)",
        )
        if path:
            self.export_csv(path)

    def menu_actions(self) -> list[QAction]:
        png = QAction(_("Save as PNG…"), self)
        png.triggered.connect(self.ask_export_png)
        csv = QAction(_("Save data as CSV…"), self)
        csv.triggered.connect(self.ask_export_csv)
        zoom = QAction(_("Reset zoom"), self)
        zoom.triggered.connect(self.reset_zoom)
        return [png, csv, zoom]

    def _on_scene_clicked(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.RightButton and not event.isAccepted():
            event.accept()
            self.show_menu(event.screenPos().toPoint())

    def show_menu(self, global_pos: Any) -> None:
        menu = QMenu(self)
        for action in self.menu_actions():
            menu.addAction(action)
        menu.exec(global_pos)


def side_legend(layout: pg.GraphicsLayout, row: int, col: int) -> pg.LegendItem:
    """A legend in its own layout cell beside a plot (it never covers data), top-aligned."""
    legend = pg.LegendItem(labelTextSize="7.5pt", verSpacing=-6, frame=False)
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    layout.addItem(legend, row=row, col=col)
    layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return legend


def step_edges(epochs: np.ndarray) -> np.ndarray:
    """Edges [e₀−1, e₀, e₁, …] of per-epoch steps: epoch e's value covers [e−1, e]."""
    if len(epochs) == 0:
        return np.zeros(0)
    return np.concatenate(([epochs[0] - 1.0], np.asarray(epochs, dtype=np.float64)))

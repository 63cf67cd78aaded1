"""Every neuron and every weight of a small network, drawn live: the lesson's picture, moving.

Lesson 1 draws a fully connected network as circles joined by lines (``z = w·x + b``,
``a = f(z)``); TensorFlow Playground made the same picture live. Here each column is the input
features or one Dense layer (topological order), each circle a unit, each line a weight:
blue for positive, orange-red for negative, thicker for larger magnitude (scaled per layer, so
a layer of tiny weights is still readable). A circle's ring is its bias. With two input
features every neuron shows its own output over the input plane as a small heat map; otherwise
its fill shows how strongly it fires for the reference input. Hovering a neuron reads out its
z, a and bias for that input; hovering a line reads out the weight.

Updates are cheap: items are created once per topology; a new :class:`WeightsFrame` only
changes pens (from a small cache, skipped when the quantised value did not change), ring
colours and heat-map images.

What is drawn, where, and how it looks is worked out without Qt in
:mod:`nnstudio.gui.neuron_topology`; what the view says, in :mod:`nnstudio.gui.neuron_text`.
This module only draws and handles events.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import (
    QElapsedTimer,
    QLineF,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPalette,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.lazy import lazy_module
from nnstudio.core.training.probes import Grid, WeightsFrame, weights_frame
from nnstudio.core.training.reports import RunStarted
from nnstudio.core.training.runtime.batching import WatchOptions
from nnstudio.gui import theme
from nnstudio.gui.engine_loader import engine_loader
from nnstudio.gui.frames import frame_budget
from nnstudio.gui.neuron_text import (
    HOVER_HINT,
    big_network_note,
    caption_text,
    legend_html,
    map_range_text,
    neuron_text,
    problem_note,
    readout_line,
    run_started_text,
    sample_description,
    shortened_readout,
    unit_name,
    weight_text,
)
from nnstudio.gui.neuron_topology import (
    LEVELS,
    MAX_LINE,
    MAX_RING,
    MAX_UNITS,
    MIN_RING,
    RADIUS,
    LayerScale,
    Topology,
    bias_ring,
    code_look,
    column_gap,
    diverging_rgb,
    fit_scale,
    heatmap_rgba,
    line_between,
    network_bounds,
    topology_for,
    unit_positions,
    weight_codes,
)
from nnstudio.gui.widgets.labels import muted
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule


torch = lazy_module("torch", globals())

__all__ = ["NeuronItem", "NeuronView", "WeightItem"]

#: Units per layer drawn when a big network is shown truncated (the user may change it).
TRUNCATED_UNITS = 16
#: Heat-map resolution (pixels per side) of the per-neuron output maps.
MAP_RESOLUTION = 32
#: Shortest time between two live frames drawn while a run trains (10 per second).
LIVE_FRAME_INTERVAL_MS = 100
#: Width of a weight line's hover area (wider than the thickest line).
HIT_WIDTH = 8.0
#: Pixels per side of the enlarged heat map of the hovered neuron (less in a short dock).
INSET_SIZE = 132
#: Below this many pixels per side the enlarged map says nothing: the card shows text only.
MIN_INSET_SIZE = 40
#: The weight colours as RGB, for the heat maps computed with numpy.
_POS_RGB = theme.POSITIVE_WEIGHT.getRgb()[:3]
_NEG_RGB = theme.NEGATIVE_WEIGHT.getRgb()[:3]


# --- items -----------------------------------------------------------------------------------


class NeuronItem(QGraphicsItem):
    """One unit: a circle filled with its heat map (or its activation), ringed by its bias."""

    def __init__(self, owner: NeuronView, column: int, unit: int) -> None:
        super().__init__()
        self.owner = owner
        self.column = column
        self.unit = unit
        self.heatmap: QImage | None = None
        self.highlighted = False
        self.fill = QColor(theme.BASE_BG)
        self.ring = QPen(theme.ZERO_WEIGHT, MIN_RING)
        self._rect = QRectF(-RADIUS, -RADIUS, 2 * RADIUS, 2 * RADIUS)
        self._clip = QPainterPath()
        self._clip.addEllipse(self._rect)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    def boundingRect(self) -> QRectF:
        m = MAX_RING
        return self._rect.adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        return self._clip

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.fill)
        painter.drawEllipse(self._rect)
        if self.heatmap is not None:
            painter.save()
            painter.setClipPath(self._clip)
            painter.drawImage(self._rect, self.heatmap)
            painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self.ring)
        painter.drawEllipse(self._rect)
        if self.highlighted:
            painter.setPen(QPen(theme.TEXT, 1.5))
            m = self.ring.widthF() / 2 + 2.0
            painter.drawEllipse(self._rect.adjusted(-m, -m, m, m))

    def set_highlighted(self, on: bool) -> None:
        self.highlighted = on
        self.update()

    def set_look(self, fill: QColor | None = None, ring: QPen | None = None) -> None:
        if fill is not None:
            self.fill = fill
        if ring is not None:
            self.ring = ring
        self.update()

    def set_heatmap(self, image: QImage | None) -> None:
        self.heatmap = image
        self.update()

    def hoverEnterEvent(self, event: Any) -> None:
        self.owner._on_item_hovered(self)

    def hoverLeaveEvent(self, event: Any) -> None:
        self.owner._on_item_hovered(None)


class WeightItem(QGraphicsLineItem):
    """One weight: from an input circle to a unit of a Dense layer.

    Its pen holds the weight's look (colour = sign, width = magnitude), but the lines of a
    layer are painted together by one cached :class:`ConnectionItem` (a thousand separately
    painted antialiased lines cost far more). The item itself only paints while hovered, as
    a highlight, and gives the hover area.
    """

    def __init__(
        self, owner: NeuronView, node_id: str, out_unit: int, in_unit: int, line: Any
    ) -> None:
        super().__init__(line)
        self.owner = owner
        self.node_id = node_id
        self.out_unit = out_unit
        self.in_unit = in_unit
        self.source: tuple[int, int] = (0, 0)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        # A hair-thin line is impossible to hover: a fixed hit area wider than any pen,
        # computed once (Qt asks for the shape on every repaint and mouse move).
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        self._shape = stroker.createStroke(path)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def shape(self) -> QPainterPath:
        return self._shape

    def boundingRect(self) -> QRectF:
        return self._shape.boundingRect()

    def set_highlighted(self, on: bool) -> None:
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not on)
        self.setZValue(1.5 if on else 0)
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        pen = QPen(self.pen())
        color = QColor(pen.color())
        color.setAlpha(255)
        pen.setColor(color.darker(135))
        pen.setWidthF(max(2.5, pen.widthF() + 1.5))
        painter.setPen(pen)
        painter.drawLine(self.line())

    def hoverEnterEvent(self, event: Any) -> None:
        self.owner._on_item_hovered(self)

    def hoverLeaveEvent(self, event: Any) -> None:
        self.owner._on_item_hovered(None)


class ConnectionItem(QGraphicsItem):
    """All weight lines of one Dense layer, painted in one pass and cached as a pixmap.

    Lines are grouped by look (sign × magnitude step) and drawn thin to thick, so the strong
    weights lie on top. The cache is redrawn only when some line's look changed.
    """

    def __init__(self, owner: NeuronView, lines: list[Any]) -> None:
        super().__init__()
        self.owner = owner
        self.lines = lines
        self.codes = np.full(len(lines), -1, dtype=np.int64)
        rect = QRectF()
        for line in lines:
            rect = rect.united(QRectF(line.p1(), line.p2()).normalized())
        m = MAX_LINE
        self._rect = rect.adjusted(-m, -m, m, m)
        self.setZValue(0)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._rect

    def set_codes(self, codes: np.ndarray) -> np.ndarray:
        """Take new looks; returns the indices of lines whose look changed."""
        changed = np.flatnonzero(codes != self.codes)
        if len(changed):
            self.codes = codes.copy()
            self.update()
        return changed

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        codes = self.codes
        order = sorted(set(codes[codes >= 0].tolist()), key=lambda c: (c % LEVELS, c))
        for code in order:
            painter.setPen(self.owner._pen(code))
            painter.drawLines([self.lines[k] for k in np.flatnonzero(codes == code)])


class _LabelItem(QGraphicsSimpleTextItem):
    """Text on a faint backing of the canvas colour, so lines passing behind stay out of it."""

    BACKING = theme.with_alpha(theme.CANVAS_BG, 210)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.fillRect(self.boundingRect().adjusted(-2, 0, 2, 0), self.BACKING)
        super().paint(painter, option, widget)


def _label(
    text: str,
    pos: QPointF,
    align: str,
    bold: bool = False,
    color: QColor = theme.TEXT,
    size: int = 0,
) -> QGraphicsSimpleTextItem:
    """Text that stays readable at any zoom, anchored at ``pos`` (left/right/above/below)."""
    item = _LabelItem(text)
    font = QFont()
    if size:
        font.setPointSize(size)
    font.setBold(bold)
    item.setFont(font)
    item.setBrush(color)
    item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    rect = item.boundingRect()
    w, h = rect.width(), rect.height()
    dx, dy = {
        "left": (-w - 6, -h / 2),
        "right": (6, -h / 2),
        "above": (-w / 2, -h - 4),
        "below": (-w / 2, 4),
    }[align]
    item.setTransform(QTransform.fromTranslate(dx, dy))
    item.setPos(pos)
    item.setZValue(3)
    return item


class _NetworkGraphicsView(QGraphicsView):
    """Fits the network to the widget until the user zooms (wheel) or pans (drag)."""

    #: Pixels kept free around the network for the labels (which do not scale).
    MARGIN_X = 95
    MARGIN_Y = 40

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(theme.CANVAS_BG))
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.network_rect = QRectF()
        #: Pixels left free beside the network for the input and output labels.
        self.label_margins = (self.MARGIN_X, self.MARGIN_X)
        self.auto_fit = True
        #: Column titles kept in sight: (items, anchor above the column, column's lowest y,
        #: pixels the title block takes above its anchor). See :meth:`pin_titles`.
        self.titles: list[tuple[list[QGraphicsItem], QPointF, float, float]] = []

    def pin_titles(self) -> None:
        """Slide each column title down into sight when its column's top is scrolled away.

        A tall column (32 units) can be taller than a short dock even at the smallest fit
        scale; its title, above the top circle, would leave the drawing with it. Like a
        table's sticky header, the title stays at the top edge while its column is in view,
        and never slides below its column's last circle.
        """
        if self.scene() is None:  # the scene (and the titles with it) went first at close
            self.titles = []
            return
        to_view = self.viewportTransform()
        to_scene, invertible = to_view.inverted()
        if not invertible:
            return
        for items, anchor, bottom, height in self.titles:
            at = to_view.map(anchor)
            lowest = to_view.map(QPointF(anchor.x(), bottom)).y()
            y = min(max(at.y(), height + 2.0), lowest)
            pos = to_scene.map(QPointF(at.x(), y))
            for item in items:
                item.setPos(pos)

    def title_rects(self) -> list[QRect]:
        """Where the column titles are drawn, in viewport pixels."""
        to_view = self.viewportTransform()
        rects = []
        for items, *_rest in self.titles:
            rect = QRectF()
            for item in items:
                rect = rect.united(item.deviceTransform(to_view).mapRect(item.boundingRect()))
            rects.append(rect.toAlignedRect())
        return rects

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.pin_titles()

    def fit(self) -> None:
        self.auto_fit = True
        rect = self.network_rect
        if rect.isEmpty():
            return
        left, right = self.label_margins
        vw = max(40, self.viewport().width() - left - right)
        vh = max(40, self.viewport().height() - 2 * self.MARGIN_Y)
        scale = fit_scale(vw, vh, rect.width(), rect.height())
        self.setTransform(QTransform.fromScale(scale, scale))
        center = rect.center()
        self.centerOn(QPointF(center.x() + (right - left) / (2 * scale), center.y()))
        self.pin_titles()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()
        self.pin_titles()

    def wheelEvent(self, event: Any) -> None:
        factor = 1.0015 ** event.angleDelta().y()
        self.auto_fit = False
        self.scale(factor, factor)
        self.pin_titles()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.fit()


class _ReadoutLabel(QLabel):
    """One line of read-out that is never cut mid-value by the edge of a narrow dock.

    ``text()`` stays the whole read-out; what is painted drops whole parts from the end
    (``…`` says so) until it fits, and the tooltip then holds every line. Its height does
    not depend on the text, so hovering never resizes (and refits) the drawing above it.
    """

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.full_tooltip = ""

    def set_readout(self, text: str, tooltip: str = "") -> None:
        """Show ``text`` (parts joined by ``neuron_text.READOUT_SEPARATOR``); ``tooltip``: all."""
        self.full_tooltip = tooltip
        self.setText(text)
        self._update_tooltip()

    def _text_rect(self) -> QRect:
        """Where QLabel itself lays out its text (margin, and its indent beside a frame)."""
        rect = self.contentsRect().adjusted(
            self.margin(), self.margin(), -self.margin(), -self.margin()
        )
        indent = self.indent()
        if indent < 0 and self.frameWidth():
            indent = self.fontMetrics().horizontalAdvance("x") // 2 - self.margin()
        return rect.adjusted(max(0, indent), 0, 0, 0)

    def shown_text(self) -> str:
        """The longest start of the read-out, cut only between parts, that fits the width."""
        text = self.text()
        metrics = self.fontMetrics()
        room = self._text_rect().width()
        shorter = shortened_readout(text, metrics.horizontalAdvance, room)
        if shorter is not None:
            return shorter
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, room))

    def _update_tooltip(self) -> None:
        shortened = self.shown_text() != self.text()
        self.setToolTip((self.full_tooltip or self.text()) if shortened else "")

    def minimumSizeHint(self) -> QSize:
        # The read-out shortens itself: it must not hold the dock wider than the drawing.
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, event: Any) -> None:
        shown = self.shown_text()
        if shown == self.text():
            super().paintEvent(event)  # the whole text: QLabel's own painting and selection
            return
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self._text_rect(),
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            shown,
            QPalette.ColorRole.WindowText,
        )
        painter.end()


class _HoverCard(QFrame):
    """The hovered neuron, enlarged: its name, its heat map, and the range its colours span.

    It floats in a corner of the drawing, so it is sized to the drawing: the map shrinks in a
    short dock (the range line below it must stay in sight), and the card grows as wide as
    its longest text rather than cutting it ("a from −0.7514 to 0.7513").
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("hoverCard")
        self.setStyleSheet(
            f"#hoverCard {{ background: {theme.CARD_BG.name()}; "
            f"border: 1px solid {theme.NODE_BORDER.name()}; border-radius: 4px; }}"
            f" QLabel {{ color: {theme.SECONDARY_TEXT.name()}; background: transparent; }}"
        )
        self.setToolTip(_("This neuron's output over the input plane (x1 → right, x2 ↑)"))
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 4)
        box.setSpacing(2)
        self.title = QLabel(self)
        self.map = QLabel(self)
        self.range = QLabel(self)
        self.range.setStyleSheet(f"color: {theme.MUTED_TEXT.name()};")
        for label in (self.title, self.map, self.range):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(label)

    def show_map(self, title: str, image: QImage, range_text: str, room: QSize) -> None:
        """Fill the card for one neuron and size it to fit ``room`` (the drawing's viewport)."""
        self.title.setText(title)
        self.range.setText(range_text)
        self.range.setVisible(bool(range_text))
        margins = self.contentsMargins() + self.layout().contentsMargins()
        chrome_h = margins.top() + margins.bottom()
        chrome_w = margins.left() + margins.right()
        texts = [label for label in (self.title, self.range) if label.text()]
        spacing = self.layout().spacing()
        text_h = sum(label.sizeHint().height() + spacing for label in texts)
        text_w = max(
            (label.fontMetrics().horizontalAdvance(label.text()) for label in texts), default=0
        )
        # Narrower than its text only when the drawing itself is: then the text wraps.
        wrap = text_w + chrome_w + 2 > room.width()
        for label in texts:
            label.setWordWrap(wrap)
        side = min(INSET_SIZE, room.height() - chrome_h - text_h - 4, room.width() - chrome_w)
        if side >= MIN_INSET_SIZE:
            self.map.setPixmap(
                QPixmap.fromImage(
                    image.scaled(
                        side,
                        side,
                        Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            )
            self.map.show()
        else:
            self.map.clear()
            self.map.hide()
        if wrap:
            self.setFixedWidth(max(0, room.width()))
        else:
            self.setMinimumWidth(0)
            self.setMaximumWidth(16777215)
        self.adjustSize()


# --- the widget ------------------------------------------------------------------------------


def _images(maps: np.ndarray) -> list[QImage]:
    """One image per map ``[units, rows(y up), cols(x)]`` (see :func:`heatmap_rgba`)."""
    rgba = heatmap_rgba(maps, _POS_RGB, _NEG_RGB)
    units, rows, cols, _channels = rgba.shape
    out = []
    for k in range(units):
        data = np.ascontiguousarray(rgba[k])
        image = QImage(data.data, cols, rows, cols * 4, QImage.Format.Format_RGBA8888)
        out.append(image.copy())  # own the pixels: ``data`` is freed after this loop
    return out


def _fill_color(t: float) -> QColor:
    r, g, b = diverging_rgb(np.array([t], dtype=np.float32), _POS_RGB, _NEG_RGB)[0]
    return QColor(int(r), int(g), int(b))


class NeuronView(QWidget):
    """Neurons and weights of the document's network, from live frames or its current weights.

    Parameters
    ----------
    document:
        The window's :class:`~nnstudio.gui.document.ProjectDocument`; the view follows its
        project, graph, data and training settings.
    """

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.topology: Topology | None = None
        self.frame: WeightsFrame | None = None
        self.source_text = ""
        self.truncate_to: int | None = None
        self._columns_items: list[list[NeuronItem]] = []
        self._lines: dict[str, tuple[list[WeightItem], np.ndarray, np.ndarray, ConnectionItem]] = {}
        self._weight_index: dict[tuple[str, int, int], list[WeightItem]] = {}
        self._pens: dict[int, QPen] = {}
        self._scales = LayerScale()
        self._input_images: list[QImage] | None = None
        self._input_grid: Grid | None = None
        self._stale = True
        self._pending: WeightsFrame | None = None
        #: A run's newest frame, waiting for its turn to be drawn (see :meth:`_draw_soon`).
        self._live: WeightsFrame | None = None
        self._live_waiting = False
        self._since_live = QElapsedTimer()
        self._shown_weights: Any = object()
        self._hovered: QGraphicsItem | None = None

        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.view = _NetworkGraphicsView(self.scene, self)

        self.caption = QLabel(self)
        self.caption.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()}; font-weight: 600;")
        # A long note ("This run started with the view hidden…") wraps instead of being cut.
        self.caption.setWordWrap(True)
        self.legend = legend = QLabel(self)
        muted(legend)
        legend.setToolTip(
            _(
                "Each line is one weight w: blue when positive, orange-red when negative, thicker "
                "for larger |w| (the thickest line of a layer is its largest weight).\nEach "
                "circle's ring is its bias b, coloured the same way. z = w·x + b, a = f(z).\n"
                "Hover a circle or a line to read its values; wheel to zoom, drag to pan, "
                "double-click to fit."
            )
        )
        fit = QToolButton(self)
        fit.setText(_("Fit"))
        fit.setToolTip(_("Show the whole network (or double-click the drawing)"))
        fit.setAutoRaise(True)
        fit.clicked.connect(self.view.fit)
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.caption, 1)
        top.addWidget(fit)
        legend.setWordWrap(True)
        legend.setContentsMargins(6, 0, 6, 4)

        # The hovered neuron's heat map, enlarged: in a 32-unit column a circle is small.
        self.inset = _HoverCard(self.view.viewport())
        self.inset.hide()

        self.info = _ReadoutLabel(_(HOVER_HINT), self)
        self.info.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()}; padding: 2px 6px;")
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        drawing = QWidget(self)
        box = QVBoxLayout(drawing)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(top)
        box.addWidget(self.view, 1)
        box.addWidget(self.info)
        box.addWidget(legend)

        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet(f"color: {theme.DIM_TEXT.name()}; font-size: 13px;")
        self.truncate_spin = QSpinBox(self)
        self.truncate_spin.setRange(2, MAX_UNITS)
        self.truncate_spin.setValue(TRUNCATED_UNITS)
        # Translators: after a number in a spin box ("16 units per layer").
        self.truncate_spin.setSuffix(" " + _("units per layer"))
        self.truncate_button = QPushButton(_("Show the first units"), self)
        self.truncate_button.setToolTip(
            _("Draw only the first units of each big layer (their weights still update live)")
        )
        self.truncate_button.clicked.connect(self._on_truncate_clicked)
        note_page = QWidget(self)
        note_layout = QVBoxLayout(note_page)
        note_layout.addStretch(1)
        note_layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.truncate_spin)
        row.addWidget(self.truncate_button)
        row.addStretch(1)
        note_layout.addLayout(row)
        note_layout.addStretch(1)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(drawing)
        self.pages.addWidget(note_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._refresh_if_visible)

        document.project_replaced.connect(self._on_document_project_replaced)
        document.analysis_changed.connect(self._on_document_changed)
        document.data_changed.connect(self._on_document_changed)
        document.training_settings_changed.connect(self._on_document_changed)
        document.locked_changed.connect(self._on_document_locked_changed)
        document.modified_changed.connect(self._on_document_modified_changed)
        self.refresh()

    # --- public API ------------------------------------------------------------------------

    def wants_weights(self) -> bool:
        """Whether a run should send WeightsFrame snapshots: shown and small enough to draw."""
        if self.isVisible() and (self._stale or self.topology is None):
            self.refresh()  # a change still waiting for its coalesced redraw
        topo = self.topology
        return bool(self.isVisible() and topo is not None and (not topo.big or topo.limit))

    def sample_row(self) -> torch.Tensor | None:
        """The reference input whose z and a the hover read-outs show (first validation row)."""
        prepared = self.document.workspace.prepared
        if prepared is None:
            return None
        for x in (prepared.x_val, prepared.x_train):
            if len(x):
                return x[0].clone()
        return None

    def sample_description(self) -> str:
        """ "for validation row 1: x = [0.31, −1.2]" (what the read-outs refer to)."""
        return sample_description(self.document.workspace.prepared)

    def weights_grid(self) -> Grid | None:
        """The input plane the heat maps cover (two-feature data only)."""
        prepared = self.document.workspace.prepared
        if prepared is None or prepared.n_features != 2 or not prepared.n_train:
            return None
        return Grid.around(prepared.array("x_train"), resolution=MAP_RESOLUTION)

    def watch_options(self, base: WatchOptions) -> WatchOptions:
        """``base`` (the plots' options) plus the weight snapshots this view needs, if shown."""
        if not self.wants_weights():
            return base
        return dataclasses.replace(
            base, weights=True, weights_grid=self.weights_grid(), sample=self.sample_row()
        )

    def consume(self, events: list) -> None:
        """Take a batch of training events; draws the newest WeightsFrame among them."""
        frame = None
        for event in events:
            if isinstance(event, WeightsFrame):
                frame = event
            elif isinstance(event, RunStarted):
                self._scales.clear()  # a new run: line widths start from its own weights
                # What a run sends is fixed when it starts: hidden then, no weights come.
                self.source_text = run_started_text(self.wants_weights())
                self._update_caption()
        if frame is None:
            return
        if not self.isVisible():
            self._pending = frame
            return
        if self.document.lock_reason is None:
            self._apply_live(frame)  # not a run's report (a step, a test): draw it now
            return
        self._draw_soon(frame)

    def _draw_soon(self, frame: WeightsFrame) -> None:
        """Draw the newest frame of a run in a turn of its own, at most every
        :data:`LIVE_FRAME_INTERVAL_MS` (frames arriving meanwhile replace it).

        Drawing where the report is handled made one task of the GUI thread out of the
        neurons', the plots' and the progress bar's redraws (see ``gui/frames.py``).
        """
        self._live = frame
        if self._live_waiting:
            return
        clock = self._since_live
        wait = LIVE_FRAME_INTERVAL_MS - clock.elapsed() if clock.isValid() else 0
        if wait > 0:
            self._live_waiting = True
            QTimer.singleShot(int(wait), self, self._queue_live)
        else:
            self._queue_live()

    def _queue_live(self) -> None:
        self._live_waiting = False
        frame_budget().request(self, self._draw_live)

    def _draw_live(self) -> None:
        frame, self._live = self._live, None
        if frame is None:
            return  # drawn already, or replaced by the project's weights (the run ended)
        if not self.isVisible():
            self._pending = frame
            return
        self._since_live.start()
        self._apply_live(frame)

    def _apply_live(self, frame: WeightsFrame) -> None:
        self._apply(
            frame, _("Live: epoch {epoch}, step {step}").format(epoch=frame.epoch, step=frame.step)
        )

    def refresh(self) -> None:
        """Redraw from the project: its trained weights, or the initial weights of a new run."""
        self._stale = False
        self._pending = None
        self._live = None  # a run's frame still waiting for its turn is older than this
        doc = self.document
        project = doc.project
        analysis = doc.workspace.analysis
        if analysis is None or not analysis.ok:
            self._show_note(problem_note(analysis))
            return
        prepared = doc.workspace.prepared
        ctx = doc.workspace.shape_context
        names = prepared.feature_names if prepared is not None else None
        classes = (
            prepared.class_names
            if prepared is not None and prepared.task == "classification"
            else None
        )
        topo = topology_for(project.graph, analysis, ctx.n_features, names, classes)
        if topo is not None and topo.big and self.truncate_to:
            topo = topology_for(
                project.graph, analysis, ctx.n_features, names, classes, self.truncate_to
            )
        if topo is None:
            self._show_note(_("Add a Dense layer to see neurons and their weights."))
            return
        if topo.big and not topo.limit:
            self.topology = topo
            self._show_big_note(topo)
            return
        if topo != self.topology or not self._columns_items:
            self._build(topo)
        self.pages.setCurrentIndex(0)
        if doc.lock_reason is not None:
            # A run owns the model (and torch's random generator): wait for live frames.
            self._update_caption()
            return
        loader = engine_loader()
        if not loader.when_imported(self._schedule):
            # The weights need torch, still arriving in the background: the neurons now,
            # their weights in a moment (never a frozen window while it loads).
            self.source_text = _("Loading the engine: the weights appear in a moment…")
            self._update_caption()
            return
        problem = loader.failure()
        if problem is not None:
            self.source_text = problem
            self._update_caption()
            return
        model, source = self._static_model()
        if model is None:
            self._update_caption()
            return
        frame = weights_frame(
            model, self.weights_grid(), sample=self.sample_row(), max_units=MAX_UNITS
        )
        self._shown_weights = project.weights
        self._scales.clear()  # a still picture: the thickest line is exactly the largest |w|
        self._apply(frame, source)

    # --- for tests and the main window -----------------------------------------------------

    def neuron_item(self, column: int, unit: int) -> NeuronItem:
        return self._columns_items[column][unit]

    def weight_item(self, node_id: str, out_unit: int, in_unit: int) -> WeightItem:
        return self._weight_index[(node_id, out_unit, in_unit)][0]

    def neuron_items(self) -> list[NeuronItem]:
        return [item for col in self._columns_items for item in col]

    def weight_items(self) -> list[WeightItem]:
        return [item for items, *_rest in self._lines.values() for item in items]

    def hover_text(self, item: QGraphicsItem) -> str:
        """What hovering ``item`` reads out (also its tooltip)."""
        if isinstance(item, NeuronItem):
            return self._neuron_text(item)
        if isinstance(item, WeightItem):
            return self._weight_text(item)
        return ""

    # --- building --------------------------------------------------------------------------

    def _show_note(self, text: str) -> None:
        self._clear()
        self.topology = None
        self.note.setText(text)
        self.truncate_spin.hide()
        self.truncate_button.hide()
        self.pages.setCurrentIndex(1)

    def _show_big_note(self, topo: Topology) -> None:
        self._clear()
        self.note.setText(big_network_note(topo))
        self.truncate_spin.show()
        self.truncate_button.show()
        self.pages.setCurrentIndex(1)

    def _on_truncate_clicked(self) -> None:
        self.truncate_to = int(self.truncate_spin.value())
        self.refresh()

    def _clear(self) -> None:
        self._hovered = None
        self.inset.hide()
        self.view.titles = []
        self.scene.clear()
        self._columns_items = []
        self._lines = {}
        self._weight_index = {}
        self._scales.clear()
        self.frame = None

    def _build(self, topo: Topology) -> None:
        """Create every item once; frames only restyle them."""
        self._clear()
        self.topology = topo
        gap = column_gap(topo)
        places = unit_positions(topo)
        titles: list[tuple[list[QGraphicsItem], QPointF, float, float]] = []
        for c, column in enumerate(topo.columns):
            x = c * gap
            pts = [QPointF(px, py) for px, py in places[c]]
            items = []
            for u, p in enumerate(pts):
                item = NeuronItem(self, c, u)
                item.setPos(p)
                self.scene.addItem(item)
                items.append(item)
            self._columns_items.append(items)
            top = QPointF(x, (pts[0].y() if pts else 0.0) - RADIUS - 4)
            title = _label(column.title, top, "above", bold=True)
            self.scene.addItem(title)
            caption = _label(column.caption, top, "above", color=theme.MUTED_TEXT, size=8)
            title.setTransform(
                QTransform.fromTranslate(
                    -title.boundingRect().width() / 2,
                    -title.boundingRect().height() - caption.boundingRect().height() - 4,
                )
            )
            self.scene.addItem(caption)
            block = title.boundingRect().height() + caption.boundingRect().height() + 4
            bottom = (pts[-1].y() if pts else 0.0) + RADIUS
            titles.append(([title, caption], top, bottom, block))
            if column.units > column.shown and pts:
                self.scene.addItem(
                    _label(
                        _("… {count:,} more").format(count=column.units - column.shown),
                        QPointF(x, pts[-1].y() + RADIUS),
                        "below",
                        color=theme.MUTED_TEXT,
                    )
                )
            if column.labels and column.shown <= 24:
                side = "left" if c == 0 else "right"
                offset = -RADIUS - 2 if c == 0 else RADIUS + 2
                for u, text in enumerate(column.labels):
                    anchor = QPointF(pts[u].x() + offset, pts[u].y())
                    self.scene.addItem(_label(text, anchor, side, color=theme.MUTED_TEXT))
        for conn in topo.connections:
            target = places[conn.column]
            items: list[WeightItem] = []
            js: list[int] = []
            ins: list[int] = []
            for j, end in enumerate(target):
                for i, feed in enumerate(conn.origins):
                    for col, unit in feed:
                        item = WeightItem(
                            self, conn.node_id, j, i, QLineF(*line_between(places[col][unit], end))
                        )
                        item.source = (col, unit)
                        self.scene.addItem(item)
                        items.append(item)
                        js.append(j)
                        ins.append(i)
                        self._weight_index.setdefault((conn.node_id, j, i), []).append(item)
            painter_item = ConnectionItem(self, [item.line() for item in items])
            self.scene.addItem(painter_item)
            self._lines[conn.node_id] = (
                items,
                np.array(js, dtype=np.int64),
                np.array(ins, dtype=np.int64),
                painter_item,
            )
        rect = QRectF(*network_bounds(places))
        self.view.network_rect = rect
        metrics = QFontMetrics(QFont())
        first, last = topo.columns[0], topo.columns[-1]

        def room(column: Any) -> int:
            shown = column.labels if column.shown <= 24 else ()
            texts = [column.title, column.caption, *shown]
            return max(metrics.horizontalAdvance(t) for t in texts) + int(RADIUS) + 16

        self.view.label_margins = (max(40, room(first)), max(40, room(last)))
        self.view.titles = titles
        self.scene.setSceneRect(
            rect.adjusted(
                -rect.width() - 400, -rect.height() - 400, rect.width() + 400, rect.height() + 400
            )
        )
        self._input_images, self._input_grid = None, None
        self.view.fit()

    def _static_model(self) -> tuple[GraphModule | None, str]:
        project = self.document.project
        try:
            model, trained = self.document.workspace.current_model()
        except NNStudioError as exc:
            self.source_text = _("Cannot build the network: {error}").format(error=error_text(exc))
            return None, ""
        if trained:
            return model, _("Trained weights ({count} epochs)").format(count=project.epochs_trained)
        return model, _("Initial weights (seed {seed}): training starts from these").format(
            seed=project.training.seed
        )

    # --- drawing a frame -------------------------------------------------------------------

    def _pen(self, code: int) -> QPen:
        pen = self._pens.get(code)
        if pen is None:
            positive, alpha, width = code_look(code)
            color = theme.POSITIVE_WEIGHT if positive else theme.NEGATIVE_WEIGHT
            pen = QPen(theme.with_alpha(color, alpha), width)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)  # the cheapest wide stroke to rasterise
            self._pens[code] = pen
        return pen

    def _apply(self, frame: WeightsFrame, source: str) -> None:
        topo = self.topology
        if topo is None or not self._columns_items:
            return
        for conn in topo.connections:
            w = frame.weights.get(conn.node_id)
            if w is None or w.shape[1] != conn.in_features:
                return  # a frame of another network (the graph changed): ignore it
        self.frame = frame
        self.source_text = source
        for conn in topo.connections:
            items, js, ins, painter_item = self._lines[conn.node_id]
            if not items:
                continue
            w = frame.weights[conn.node_id]
            values = w[js, ins]
            new = weight_codes(values, self._scales(conn.node_id, values))
            for k in painter_item.set_codes(new):
                items[k].setPen(self._pen(int(new[k])))
        self._apply_neurons(frame)
        self._update_caption()
        if self._hovered is not None:
            text = self.hover_text(self._hovered)
            self.info.set_readout(readout_line(text), text)
            self._update_inset()

    def _apply_neurons(self, frame: WeightsFrame) -> None:
        topo = self.topology
        assert topo is not None
        sample = frame.sample or {}
        grid = frame.grid
        # Input column: the features themselves (x1 left→right, x2 bottom→top), or the sample.
        inputs = self._columns_items[0]
        if grid is not None and len(inputs) == 2:
            if self._input_grid != grid or self._input_images is None:
                pts = grid.points().numpy().reshape(grid.resolution, grid.resolution, 2)
                self._input_images = _images(np.moveaxis(pts, 2, 0))
                self._input_grid = grid
            for item, image in zip(inputs, self._input_images, strict=True):
                item.set_look(ring=QPen(theme.EDGE, MIN_RING))
                item.set_heatmap(image)
        else:
            x = self._sample_input()
            top = float(np.abs(x).max()) if x is not None and len(x) else 0.0
            for u, item in enumerate(inputs):
                t = float(x[u]) / top if x is not None and top > 0 and u < len(x) else 0.0
                item.set_look(_fill_color(t), QPen(theme.EDGE, MIN_RING))
                item.set_heatmap(None)
        for c, column in enumerate(topo.columns[1:], start=1):
            nid = column.node_id
            items = self._columns_items[c]
            bias = frame.biases.get(nid)
            if bias is not None:
                shown_b = bias[: len(items)]
                bscale = float(np.abs(shown_b).max()) if len(shown_b) else 0.0
            maps = frame.maps.get(nid) if grid is not None else None
            images = _images(maps[: len(items)]) if maps is not None else None
            a = sample.get(nid, {}).get("a")
            ascale = float(np.abs(a[: len(items)]).max()) if a is not None and len(a) else 0.0
            for u, item in enumerate(items):
                look = bias_ring(float(bias[u]), bscale) if bias is not None else None
                if look is None:
                    ring = QPen(theme.ZERO_WEIGHT, MIN_RING)
                else:
                    positive, width = look
                    ring = QPen(theme.POSITIVE_WEIGHT if positive else theme.NEGATIVE_WEIGHT, width)
                fill = None
                if images is None:
                    t = float(a[u]) / ascale if a is not None and ascale > 1e-12 else 0.0
                    fill = _fill_color(t)
                item.set_look(fill, ring)
                item.set_heatmap(images[u] if images is not None else None)

    def _sample_input(self) -> np.ndarray | None:
        x = self.sample_row()
        return None if x is None else x.numpy()

    def _update_caption(self) -> None:
        self.caption.setText(caption_text(self.source_text, self.topology))
        maps = self.frame is not None and self.frame.grid is not None and bool(self.frame.maps)
        self.legend.setText(
            legend_html(maps, theme.POSITIVE_WEIGHT.name(), theme.NEGATIVE_WEIGHT.name())
        )

    # --- hover -----------------------------------------------------------------------------

    def _on_item_hovered(self, item: QGraphicsItem | None) -> None:
        if isinstance(self._hovered, (WeightItem, NeuronItem)):
            self._hovered.set_highlighted(False)
        self._hovered = item
        if isinstance(item, (WeightItem, NeuronItem)):
            item.set_highlighted(True)
        if item is None:
            self.info.set_readout(_(HOVER_HINT))
            return
        text = self.hover_text(item)
        item.setToolTip(text)
        self.info.set_readout(readout_line(text), text)
        self._update_inset()

    def _update_inset(self) -> None:
        item = self._hovered
        if not isinstance(item, NeuronItem) or item.heatmap is None:
            self.inset.hide()
            return
        viewport = self.view.viewport()
        gap = 8
        room = QSize(viewport.width() - 2 * gap, viewport.height() - 2 * gap)
        card = self.inset
        card.show_map(
            self._unit_name(item.column, item.unit), item.heatmap, self._map_range(item), room
        )
        card.move(self._card_corner(item))
        card.show()
        card.raise_()

    def _card_corner(self, item: NeuronItem) -> QPoint:
        """Where the hover card goes: a corner of the drawing clear of the hovered neuron.

        Top right when nothing is in the way; a corner that also leaves every column title
        in sight is preferred, when the drawing has one.
        """
        viewport, card, gap = self.view.viewport(), self.inset, 8
        x_right = viewport.width() - card.width() - gap
        y_bottom = viewport.height() - card.height() - gap
        corners = [QPoint(x_right, gap), QPoint(x_right, y_bottom), QPoint(gap, gap)]
        corners.append(QPoint(gap, y_bottom))
        neuron = self.view.mapFromScene(item.scenePos())
        reach = int(RADIUS * self.view.transform().m11()) + 4
        clear = [
            corner
            for corner in corners
            if not card.rect()
            .translated(corner)
            .adjusted(-reach, -reach, reach, reach)
            .contains(neuron)
        ]
        titles = self.view.title_rects()
        for corner in clear:
            area = card.rect().translated(corner)
            if not any(area.intersects(title) for title in titles):
                return corner
        return clear[0] if clear else corners[0]

    def _map_range(self, item: NeuronItem) -> str:
        """What the inset's colours span: "a from −0.8 to 2.1" (or why it is blank)."""
        return map_range_text(self.topology, self.frame, item.column, item.unit)

    def _unit_name(self, column: int, unit: int) -> str:
        assert self.topology is not None
        return unit_name(self.topology, column, unit)

    def _neuron_text(self, item: NeuronItem) -> str:
        if self.topology is None:
            return ""
        x = self._sample_input() if item.column == 0 else None
        return neuron_text(
            self.topology, self.frame, item.column, item.unit, x, self.sample_description()
        )

    def _weight_text(self, item: WeightItem) -> str:
        if self.topology is None:
            return ""
        return weight_text(
            self.topology, self.frame, item.node_id, item.out_unit, item.in_unit, item.source
        )

    # --- document signals ------------------------------------------------------------------

    def _schedule(self) -> None:
        self._stale = True
        self._timer.start()

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
        elif self._pending is not None:
            frame, self._pending = self._pending, None
            self._apply(
                frame,
                _("Live: epoch {epoch}, step {step}").format(epoch=frame.epoch, step=frame.step),
            )

    def _on_document_project_replaced(self) -> None:
        self.truncate_to = None
        self.topology = None
        self._schedule()

    def _on_document_changed(self, *_args: Any) -> None:
        if self.document.lock_reason is None:
            self._schedule()

    def _on_document_locked_changed(self, locked: bool) -> None:
        if not locked:
            self._schedule()  # the run ended: show the weights it left in the project

    def _on_document_modified_changed(self, _modified: bool) -> None:
        # Weights changed outside the undo stack (reset, a finished run): redraw them.
        if self.document.lock_reason is None and self.document.project.weights is not (
            self._shown_weights
        ):
            self._schedule()

"""A layer's card on the canvas: coloured header, caption, output shape and parameter count.

The item keeps only its node id and its position (geometry). Everything it shows is read at
paint time from the model (the node in the graph) and from the scene's summary of the latest
analysis, so nothing can go stale: when either changes, the scene calls :meth:`refresh`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from nnstudio.core.catalogue.layers import LAYERS, node_caption
from nnstudio.gui import theme
from nnstudio.gui.canvas.items.base import CanvasItem
from nnstudio.gui.canvas.items.port_item import PortItem
from nnstudio.gui.widgets.texts import format_shape
from nnstudio.i18n import _, ngettext, tr

if TYPE_CHECKING:
    from nnstudio.core.network.graph import LayerNode
    from nnstudio.gui.canvas.status import NodeStatus

NODE_WIDTH = 154.0
NODE_HEIGHT = 88.0
HEADER_HEIGHT = 24.0
RADIUS = 7.0
#: Room around the card for the shadow, the selection ring and the status badge.
_MARGIN = 7.0
_PAD = 9.0
_GRID = 10.0


@cache
def _font(pixel_size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b`` (used to mute frozen layers)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
        round(a.alpha() + (b.alpha() - a.alpha()) * t),
    )


def _param_number(count: int, compact: bool = False) -> str:
    """``1,234``; ``2.50M``; ``132k`` when ``compact`` (the number alone, in any language)."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.2f}M"
    if compact and count >= 10_000:
        return f"{count / 1000:.0f}k"
    return f"{count:,}"


def format_params(count: int | None, *, frozen: bool = False, compact: bool = False) -> str:
    """``1,234 params`` (``1,234 frozen``); ``compact`` gives ``132k params`` for tight room."""
    if count is None:
        return _("params unknown")
    number = _param_number(count, compact)
    if frozen and count:
        return _("{number} frozen").format(number=number)
    return ngettext("{number} param", "{number} params", count).format(number=number)


def fit_footer(
    shape: str, count: int | None, frozen: bool, text_width: Callable[[str], float], room: float
) -> tuple[str, str]:
    """Shape on the left, parameter count on the right, never overlapping.

    The count gives way first (``131,584 params`` → ``132k params`` → ``132k``), since the
    tooltip and the model summary hold the exact figure; the shape is kept whole if it can be.
    """
    gap = 8.0
    candidates = [
        format_params(count, frozen=frozen),
        format_params(count, frozen=frozen, compact=True),
    ]
    if count is not None:
        candidates.append(_param_number(count, compact=True))
    candidates.append("")
    for right in candidates:
        if text_width(shape) + gap + text_width(right) <= room:
            return shape, right
    return shape, ""


def wrap_caption(caption: str, metrics: QFontMetricsF, width: float, lines: int = 2) -> list[str]:
    """Break ``"Dense 128 · ReLU · He normal"`` at its dots to fit; elide what is left."""
    parts = caption.split(" · ")
    out: list[str] = []
    current = ""
    for part in parts:
        trial = f"{current} · {part}" if current else part
        if metrics.horizontalAdvance(trial) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = part
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " · ".join(out[lines - 1 :])]
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in out]


def lock_path(center: QPointF, size: float = 10.0) -> tuple[QPainterPath, QPainterPath]:
    """A padlock (body, shackle) drawn with paths, so no emoji font is needed."""
    path = QPainterPath()
    w, h = size * 0.8, size * 0.55
    body = QRectF(center.x() - w / 2, center.y() - h / 2 + size * 0.18, w, h)
    path.addRoundedRect(body, 1.5, 1.5)
    shackle = QPainterPath()
    r = w * 0.32
    top = body.top() - r * 1.6
    shackle.moveTo(center.x() - r, body.top())
    shackle.lineTo(center.x() - r, top + r)
    shackle.arcTo(QRectF(center.x() - r, top, 2 * r, 2 * r), 180, -180)
    shackle.lineTo(center.x() + r, body.top())
    return path, shackle


class LayerItem(CanvasItem):
    """The card of one node. ``pos()`` is the node's position (top-left corner)."""

    def __init__(self, node_id: str, layer_type: str) -> None:
        super().__init__()
        #: The node this card draws; its only link to the model.
        self.node_id = node_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(10)
        # Cards are the costly part of a repaint; caching keeps panning and dragging fluid.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        spec = LAYERS.get(layer_type)
        self.input_port: PortItem | None = None
        if not spec.is_input:
            self.input_port = PortItem(self, node_id, PortItem.INPUT, merge=spec.max_inputs is None)
            self.input_port.setPos(0.0, NODE_HEIGHT / 2)
        self.output_port = PortItem(self, node_id, PortItem.OUTPUT)
        self.output_port.setPos(NODE_WIDTH, NODE_HEIGHT / 2)

    # --- model access ----------------------------------------------------------------------

    def node(self) -> LayerNode | None:
        scene = self.canvas()
        return scene.graph.nodes.get(self.node_id) if scene is not None else None

    def status(self) -> NodeStatus | None:
        scene = self.canvas()
        return scene.node_status(self.node_id) if scene is not None else None

    def card_rect(self) -> QRectF:
        return QRectF(0.0, 0.0, NODE_WIDTH, NODE_HEIGHT)

    def refresh(self) -> None:
        """Redraw and rebuild the tooltip after the node or its analysis changed."""
        self.setToolTip(self.tooltip_text())
        self.update()
        for port in (self.input_port, self.output_port):
            if port is not None:
                port.update()

    # --- text ------------------------------------------------------------------------------

    def caption(self) -> str:
        node = self.node()
        if node is None:
            return ""
        try:
            status = self.status()
            return tr(node_caption(node.type, node.params, status.size if status else None))
        except Exception:  # a half-valid node from a file must still draw
            return _(LAYERS.get(node.type).label)

    def outline_color(self) -> QColor | None:
        """The problem colour of the border: red for an error, amber for a warning."""
        status = self.status()
        severity = status.severity if status is not None else None
        if severity == "error":
            return QColor(theme.ERROR)
        if severity == "warning":
            return QColor(theme.WARNING)
        return None

    def footer_texts(
        self, text_width: Callable[[str], float] | None = None, room: float = float("inf")
    ) -> tuple[str, str]:
        """Left and right footer text: output shape and parameter count, fitted to ``room``."""
        node, status = self.node(), self.status()
        size = status.size if status is not None else None
        count = status.n_params if status is not None else None
        frozen = node is not None and not node.trainable
        return fit_footer(format_shape(size), count, frozen, text_width or len, room)

    def tooltip_text(self) -> str:
        node = self.node()
        if node is None:
            return ""
        spec = LAYERS.get(node.type)
        esc = lambda s: html.escape(s, quote=False)  # noqa: E731
        parts = [
            f"<b>{esc(node.name)}</b> &nbsp;<span style='color:{theme.MUTED_TEXT.name()}'>"
            f"{esc(_(spec.label))}</span>",
            esc(self.caption()),
            f"<span style='color:{theme.MUTED_TEXT.name()}'>{esc(_(spec.help))}</span>",
        ]
        status = self.status()
        if status is not None and status.is_output:
            parts.append(
                _("<b>Network output:</b> its values are the predictions the loss scores.")
            )
        if not node.trainable:
            parts.append(_("<b>🔒 Frozen:</b> its weights do not change during training."))
        if node.note:
            parts.append(f"<i>{esc(node.note)}</i>")
        if status is not None and status.problems:
            lines = []
            for severity, message, hint in status.problems:
                color = theme.ERROR if severity == "error" else theme.WARNING.darker(125)
                line = f"<span style='color:{color.name()}'>● {esc(tr(message))}</span>"
                if hint:
                    muted = theme.MUTED_TEXT.name()
                    line += f"<br><span style='color:{muted}'>{esc(tr(hint))}</span>"
                lines.append(line)
            parts.append("<hr>" + "<br>".join(lines))
        return "<p style='white-space:pre-wrap; max-width:360px'>" + "<br>".join(parts) + "</p>"

    # --- geometry --------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self.card_rect().adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN + 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), RADIUS, RADIUS)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        scene = self.canvas()
        if (
            change == QGraphicsItem.GraphicsItemChange.ItemPositionChange
            and scene is not None
            and scene.dragging_cards
        ):
            # Snap only while the user drags: positions from the model stay exact.
            return QPointF(round(value.x() / _GRID) * _GRID, round(value.y() / _GRID) * _GRID)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and scene:
            scene.layer_item_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(11 if value else 10)
        return super().itemChange(change, value)

    # --- interaction -----------------------------------------------------------------------

    def mouseMoveEvent(self, event: Any) -> None:
        scene = self.canvas()
        if scene is not None and scene.read_only:
            scene.refuse_edit()
        super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        scene = self.canvas()
        if scene is not None:
            scene.node_activated.emit(self.node_id)
        super().mouseDoubleClickEvent(event)

    # --- painting --------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        node = self.node()
        if node is None:
            return
        spec = LAYERS.get(node.type)
        status = self.status()
        severity = status.severity if status is not None else None
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        frozen = not node.trainable
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        rect = self.card_rect()
        card = QPainterPath()
        card.addRoundedRect(rect, RADIUS, RADIUS)

        # Soft two-step shadow (cheaper than QGraphicsDropShadowEffect on 200 cards).
        painter.setPen(Qt.PenStyle.NoPen)
        lift = 3.0 if hovered else 2.0
        for grow, alpha in ((2.5, 14), (1.0, 22)):
            painter.setBrush(theme.with_alpha(theme.SHADOW, alpha))
            painter.drawRoundedRect(
                rect.adjusted(-grow, -grow + lift, grow, grow + lift), RADIUS + grow, RADIUS + grow
            )

        painter.setBrush(theme.FROZEN_BG if frozen else theme.NODE_BG)
        painter.drawPath(card)

        header_color = QColor(spec.color)
        if frozen:
            header_color = _mix(header_color, theme.FROZEN_HEADER_MIX, 0.6)
        header = QPainterPath()
        header.addRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT))
        painter.setBrush(header_color)
        painter.drawPath(card.intersected(header))

        # Border: problem colour first, so a selected broken layer still shows it is broken.
        problem_color = self.outline_color()
        if problem_color is not None:
            pen = QPen(problem_color, 2.2)
        elif hovered:
            pen = QPen(theme.NODE_HOVER_BORDER, 1.2)
        else:
            pen = QPen(theme.NODE_BORDER, 1.0)
        pen.setWidthF(pen.widthF() * getattr(self.scene(), "line_scale", 1.0))
        if frozen and severity is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(card)

        if selected:
            ring = QColor(theme.SELECTION)
            painter.setPen(QPen(ring, 2.0))
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), RADIUS + 4, RADIUS + 4)

        if lod < 0.35:
            return  # far out: colour blocks read better than unreadable text

        # Header: name, then lock and status badge on the right.
        right = NODE_WIDTH - 8.0
        if severity is not None:
            self._paint_badge(painter, QPointF(right - 7, HEADER_HEIGHT / 2), severity)
            right -= 18
        if frozen:
            body, shackle = lock_path(QPointF(right - 6, HEADER_HEIGHT / 2), 11.0)
            painter.setPen(QPen(theme.TEXT_ON_COLOR, 1.4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(shackle)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.TEXT_ON_COLOR)
            painter.drawPath(body)
            right -= 16
        name_font = _font(12, bold=True)
        metrics = QFontMetricsF(name_font)
        painter.setFont(name_font)
        painter.setPen(theme.TEXT_ON_COLOR)
        name_rect = QRectF(_PAD, 0, right - _PAD - 2, HEADER_HEIGHT)
        painter.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(node.name, Qt.TextElideMode.ElideRight, name_rect.width()),
        )

        # Caption: what the layer computes.
        caption_font = _font(11)
        metrics = QFontMetricsF(caption_font)
        painter.setFont(caption_font)
        painter.setPen(theme.MUTED_TEXT if frozen else theme.TEXT)
        y = HEADER_HEIGHT + 6.0
        line_h = metrics.height() + 1.0
        for line in wrap_caption(self.caption(), metrics, NODE_WIDTH - 2 * _PAD):
            painter.drawText(
                QRectF(_PAD, y, NODE_WIDTH - 2 * _PAD, line_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
            y += line_h

        # Footer: the output tensor and the parameter count (a lesson in itself).
        footer_top = NODE_HEIGHT - 24.0
        painter.setPen(QPen(theme.NODE_SEPARATOR, 1.0))
        painter.drawLine(QPointF(1, footer_top), QPointF(NODE_WIDTH - 1, footer_top))
        footer_font = _font(10)
        painter.setFont(footer_font)
        footer = QRectF(_PAD, footer_top, NODE_WIDTH - 2 * _PAD, 24.0)
        left_text, right_text = self.footer_texts(
            QFontMetricsF(footer_font).horizontalAdvance, footer.width()
        )
        known = status is not None and status.size is not None
        shape_color = theme.TEXT if known else theme.MUTED_TEXT
        if severity == "error" and not known:
            shape_color = theme.ERROR
        painter.setPen(shape_color)
        painter.drawText(
            footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left_text
        )
        painter.setPen(theme.MUTED_TEXT)
        painter.drawText(
            footer, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right_text
        )

    def _paint_badge(self, painter: QPainter, center: QPointF, severity: str) -> None:
        color = theme.ERROR if severity == "error" else theme.WARNING
        painter.setPen(QPen(theme.TEXT_ON_COLOR, 1.5))
        painter.setBrush(color)
        painter.drawEllipse(center, 7.0, 7.0)
        painter.setPen(theme.TEXT_ON_COLOR)
        painter.setFont(_font(11, bold=True))
        painter.drawText(
            QRectF(center.x() - 7, center.y() - 7, 14, 14), Qt.AlignmentFlag.AlignCenter, "!"
        )


__all__ = [
    "HEADER_HEIGHT",
    "NODE_HEIGHT",
    "NODE_WIDTH",
    "LayerItem",
    "fit_footer",
    "format_params",
    "format_shape",
    "wrap_caption",
]

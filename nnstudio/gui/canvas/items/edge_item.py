"""A connection drawn as a smooth curve from an output port to an input port.

The edge knows which two nodes it joins (its identity) and caches its curve (geometry); its
colour and the ``[batch, n]`` label come from the scene's summary of the latest analysis at
paint time. The scene recomputes the curve when either card moves.

Cards are drawn over edges, so between two close cards the label only has the gap between
them: the edge works out that gap with the curve (see :meth:`EdgeItem.label_room`) and paints
the longest form of the label that fits it whole (``[batch, 2]``, ``[b, 2]``, ``2``), or none;
the tooltip always carries the full shape.
"""

from __future__ import annotations

import html
import math
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from nnstudio.core.network.graph import Edge
from nnstudio.gui import theme
from nnstudio.gui.canvas.items.base import CanvasItem
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.gui.canvas.status import EdgeStatus

ARROW_LENGTH = 9.0
ARROW_HALF_WIDTH = 4.5
_HIT_WIDTH = 12.0
_LABEL_PAD_X = 4.0
_LABEL_H = 15.0
#: How far above a short level edge its label floats: clear of a hovered port (radius 7).
_LABEL_ABOVE = 16.0
#: Space kept between a label and a card or port beside it.
_LABEL_CLEAR = 2.0


@cache
def _label_font() -> QFont:
    font = QFont()
    font.setPixelSize(10)
    return font


@cache
def _label_reserve() -> float:
    """Width the bounds reserve for the shape label.

    Bounds must not depend on the analysis (which changes without a geometry change), so
    they make room for the widest plausible label.
    """
    return QFontMetricsF(_label_font()).horizontalAdvance("[batch, 000000]") + 2 * _LABEL_PAD_X


def label_forms(size: int) -> tuple[str, str, str]:
    """The label of a ``size``-wide tensor, longest first: what a narrower gap falls back to."""
    return f"[batch, {size}]", f"[b, {size}]", f"{size}"


def bezier_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic from ``start`` to ``end``; loops round when going back."""
    dx = end.x() - start.x()
    dy = end.y() - start.y()
    handle = max(40.0, abs(dx) * 0.5)
    if dx < 30.0:  # target left of the source: swing out so the curve stays readable
        handle = max(80.0, min(260.0, abs(dx) * 0.5 + abs(dy) * 0.35))
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + handle, start.y()), QPointF(end.x() - handle, end.y()), end)
    return path


class EdgeItem(CanvasItem):
    """The curve of one :class:`~nnstudio.core.network.graph.Edge`."""

    def __init__(self, source_id: str, target_id: str) -> None:
        super().__init__()
        self.source_id = source_id
        self.target_id = target_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self._path = QPainterPath()
        self._tip = QPointF()
        self._hit: QPainterPath | None = None
        self._bounds = QRectF()
        #: Left and right x of the free stretch on the label's row (see label_room).
        self._room = (0.0, 0.0)

    @property
    def edge(self) -> Edge:
        return Edge(self.source_id, self.target_id)

    def status(self) -> EdgeStatus | None:
        scene = self.canvas()
        return scene.edge_status(self.edge) if scene is not None else None

    def label_text(self) -> str:
        """``[batch, n]``, or empty while the size is unknown (the full text, as the tooltip)."""
        status = self.status()
        if status is None or status.size is None:
            return ""
        return label_forms(status.size)[0]

    def is_error(self) -> bool:
        status = self.status()
        return bool(status is not None and status.error)

    def line_color(self) -> QColor:
        """Red when the connection feeds a shape error, else the normal edge grey."""
        return QColor(theme.ERROR) if self.is_error() else QColor(theme.EDGE)

    def path(self) -> QPainterPath:
        return QPainterPath(self._path)

    def end_points(self) -> tuple[QPointF, QPointF]:
        """Where the curve starts (output port) and where the arrow tip touches (input)."""
        scene = self.canvas()
        if scene is not None:
            scene.flush_routes()
        return self._path.pointAtPercent(0.0), QPointF(self._tip)

    # --- geometry --------------------------------------------------------------------------

    def set_end_points(self, start: QPointF, tip: QPointF) -> None:
        """Recompute the cached curve; called by the scene when a card moves.

        Kept cheap (a drag of many cards re-routes hundreds of edges per mouse move): the
        hit-test outline is only built when Qt asks for :meth:`shape`.
        """
        self.prepareGeometryChange()
        self._tip = QPointF(tip)
        self._path = bezier_path(start, QPointF(tip.x() - ARROW_LENGTH, tip.y()))
        self._hit = None
        self._room = self._free_stretch()
        left, right = self._room
        c = self.label_center()
        label = QRectF(left, c.y() - _LABEL_H / 2, max(0.0, right - left), _LABEL_H)
        margin = _HIT_WIDTH / 2 + 2
        self._bounds = (
            self._path.controlPointRect()
            .united(
                QRectF(
                    tip.x() - ARROW_LENGTH,
                    tip.y() - ARROW_HALF_WIDTH,
                    ARROW_LENGTH,
                    2 * ARROW_HALF_WIDTH,
                )
            )
            .adjusted(-margin, -margin, margin, margin)
            .united(label)
        )

    def _arrow(self) -> QPolygonF:
        tip = self._tip
        return QPolygonF(
            [
                tip,
                QPointF(tip.x() - ARROW_LENGTH, tip.y() - ARROW_HALF_WIDTH),
                QPointF(tip.x() - ARROW_LENGTH, tip.y() + ARROW_HALF_WIDTH),
            ]
        )

    def label_on_line(self) -> bool:
        """False for a short level edge: its label floats above it, clear of the two ports."""
        start, tip = self._path.pointAtPercent(0.0), self._tip
        level = abs(tip.y() - start.y()) < 24.0
        return not (level and tip.x() - start.x() < _label_reserve() + 40.0)

    def label_center(self) -> QPointF:
        c = self._path.pointAtPercent(0.5)
        if not self.label_on_line():
            # Above the higher end, so it clears both ports when the edge is not quite level.
            c.setY(min(self._path.pointAtPercent(0.0).y(), self._tip.y()) - _LABEL_ABOVE)
        return c

    def _obstacles(self) -> list[QRectF]:
        """What is painted over or beside the label's row: both cards, their ports, the arrow."""
        scene = self.canvas()
        rects = [
            QRectF(
                self._tip.x() - ARROW_LENGTH,
                self._tip.y() - ARROW_HALF_WIDTH,
                ARROW_LENGTH,
                2 * ARROW_HALF_WIDTH,
            )
        ]
        if scene is None:
            return rects
        for node_id in (self.source_id, self.target_id):
            card = scene.node_item(node_id)
            if card is None:
                continue
            rects.append(card.mapRectToScene(card.card_rect()))
            rects.extend(
                port.painted_rect()
                for port in (card.input_port, card.output_port)
                if port is not None
            )
        return rects

    def _free_stretch(self) -> tuple[float, float]:
        """The stretch of the label's row between the nearest obstacles left and right of it.

        Cards are painted over edges, so a label wider than this would be cut by them. It is
        at most the widest label either side of the curve's midpoint, so the bounds stay small.
        """
        c = self.label_center()
        reserve = _label_reserve()
        top, bottom = c.y() - _LABEL_H / 2, c.y() + _LABEL_H / 2
        left, right = c.x() - reserve, c.x() + reserve
        for rect in self._obstacles():
            if rect.bottom() <= top or rect.top() >= bottom:
                continue  # above or below the label's row
            if rect.center().x() <= c.x():
                left = max(left, rect.right() + _LABEL_CLEAR)
            else:
                right = min(right, rect.left() - _LABEL_CLEAR)
        return left, right

    def label_room(self) -> QRectF:
        """The free rect on the label's row (scene coordinates); empty when there is none."""
        left, right = self._room
        c = self.label_center()
        return QRectF(left, c.y() - _LABEL_H / 2, max(0.0, right - left), _LABEL_H)

    def label_layout(self) -> tuple[str, QRectF] | None:
        """The label to paint and its rect: the longest form that fits the free room whole.

        The rect sits as close to the curve's midpoint as the room allows. None while the
        size is unknown or when not even the bare number fits (the tooltip still has it).
        """
        status = self.status()
        if status is None or status.size is None:
            return None
        left, right = self._room
        center = self.label_center()
        metrics = QFontMetricsF(_label_font())
        # Only a label on the line has a pill round it; one floating above needs no padding.
        pad = _LABEL_PAD_X if self.label_on_line() else 1.0
        for text in label_forms(status.size):
            # Whole pixels of slack: text rendering rounds glyph positions.
            width = math.ceil(metrics.horizontalAdvance(text)) + 2 * pad
            if width <= right - left:
                x = min(max(center.x() - width / 2, left), right - width)
                return text, QRectF(x, center.y() - _LABEL_H / 2, width, _LABEL_H)
        return None

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(_HIT_WIDTH)
            self._hit = stroker.createStroke(self._path)
            self._hit.addPolygon(self._arrow())
            layout = self.label_layout()
            if layout is not None:  # a label floating above its edge still shows the tooltip
                self._hit.addRect(layout[1])
        return self._hit

    # --- interaction -----------------------------------------------------------------------

    def tooltip_text(self) -> str:
        scene = self.canvas()
        if scene is None:
            return ""
        nodes = scene.graph.nodes
        src, dst = nodes.get(self.source_id), nodes.get(self.target_id)
        if src is None or dst is None:
            return ""
        label = self.label_text() or "[batch, ?]"
        carries = _("Carries a tensor of shape {shape}.").format(shape=label)
        how = _(
            "Click and press Delete to remove; drag its arrow end to another layer to reconnect."
        )
        return (
            f"<b>{html.escape(src.name)} → {html.escape(dst.name)}</b><br>"
            f"{html.escape(carries, False)}<br>"
            f"<span style='color:{theme.MUTED_TEXT.name()}'>{html.escape(how, False)}</span>"
        )

    def refresh(self) -> None:
        self.setToolTip(self.tooltip_text())
        self._hit = None  # the label (part of the hover area) may have changed length
        self.update()

    # --- painting --------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        error = self.is_error()
        color = self.line_color()
        width = 1.8
        if hovered:
            color = color.darker(125)
            width = 2.4
        if selected:
            color = QColor(theme.SELECTION) if not error else color
            width = 2.8
        scene = self.scene()
        width *= getattr(scene, "line_scale", 1.0)
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if selected and error:
            # Keep the error colour but still show the selection with a halo.
            painter.setPen(QPen(theme.with_alpha(theme.SELECTION, 90), 7.0))
            painter.drawPath(self._path)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(self._arrow())

        layout = self.label_layout()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if layout is None or lod < 0.45:
            return
        text, rect = layout
        if self.label_on_line():
            painter.setPen(QPen(theme.ERROR if error else theme.EDGE_LABEL_BORDER, 1.0))
            painter.setBrush(theme.EDGE_LABEL_ERROR_BG if error else theme.EDGE_LABEL_BG)
            painter.drawRoundedRect(rect, _LABEL_H / 2, _LABEL_H / 2)
        painter.setFont(_label_font())
        painter.setPen(theme.ERROR if error else theme.MUTED_TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


__all__ = ["ARROW_HALF_WIDTH", "ARROW_LENGTH", "EdgeItem", "bezier_path", "label_forms"]

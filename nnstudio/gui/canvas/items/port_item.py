"""Connection handles on a layer card: the input on the left, the output on the right.

A port is a gesture source, not a model object: pressing it starts a connection drag that the
scene runs (:meth:`CanvasScene.begin_connection` and friends), so the mouse and the tests go
through the same code. Merge layers (Add, Concat) get a taller input bar where each incoming
edge lands at its own height, in input order: the order Concat uses.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from nnstudio.gui import theme
from nnstudio.gui.canvas.items.base import CanvasItem
from nnstudio.i18n import _

RADIUS = 5.0
#: Height available to a merge layer's input bar, and the spacing of its edges.
MERGE_SPAN = 52.0
MERGE_SPACING = 14.0
_HIT = 10.0


class PortItem(CanvasItem):
    """One input or output handle of a layer card (its parent item, showing ``node_id``)."""

    INPUT = "input"
    OUTPUT = "output"

    def __init__(
        self, parent: QGraphicsItem, node_id: str, kind: str, *, merge: bool = False
    ) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.kind = kind
        self.merge = merge and kind == self.INPUT
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(1)
        if kind == self.OUTPUT:
            tip = _("Output: drag onto another layer to connect.")
        elif self.merge:
            tip = _(
                "Inputs (any number, in order): drag a layer's output here. "
                "Drag an incoming connection away to detach it."
            )
        else:
            tip = _("Input: drag a layer's output here. Drag the connection away to detach it.")
        self.setToolTip(tip)

    # --- identity --------------------------------------------------------------------------

    @property
    def is_input(self) -> bool:
        return self.kind == self.INPUT

    # --- geometry --------------------------------------------------------------------------

    def _spacing(self, count: int) -> float:
        if count <= 1:
            return 0.0
        return min(MERGE_SPACING, (MERGE_SPAN - 2 * RADIUS) / (count - 1))

    def attach_point(self, index: int = 0, count: int = 1) -> QPointF:
        """Scene point where an edge meets this port (the ``index``-th of ``count`` inputs)."""
        if not self.is_input:
            return self.mapToScene(QPointF(0.0, 0.0))
        y = (index - (count - 1) / 2) * self._spacing(count) if self.merge else 0.0
        return self.mapToScene(QPointF(-RADIUS - 0.5, y))

    def painted_rect(self) -> QRectF:
        """Scene rect the handle may cover when hovered: text beside it must stay clear of it."""
        r = RADIUS + 2.0  # hovering grows the handle by 2
        if self.merge:
            local = QRectF(-r, -MERGE_SPAN / 2 - 2, 2 * r, MERGE_SPAN + 4)
        else:
            local = QRectF(-r, -r, 2 * r, 2 * r)
        return self.mapRectToScene(local)

    def boundingRect(self) -> QRectF:
        if self.merge:
            return QRectF(-_HIT, -MERGE_SPAN / 2 - 4, 2 * _HIT, MERGE_SPAN + 8)
        return QRectF(-_HIT, -_HIT, 2 * _HIT, 2 * _HIT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if self.merge:
            path.addRoundedRect(self.boundingRect().adjusted(1, 2, -1, -2), 8, 8)
        else:
            path.addEllipse(QPointF(0, 0), _HIT - 1, _HIT - 1)
        return path

    # --- gestures --------------------------------------------------------------------------

    def mousePressEvent(self, event: Any) -> None:
        scene = self.canvas()
        if scene is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        # Accept even when refused (read-only) so the press does not start moving the card.
        event.accept()
        scene.begin_connection(self, event.scenePos())

    def mouseMoveEvent(self, event: Any) -> None:
        scene = self.canvas()
        if scene is not None:
            scene.drag_connection_to(event.scenePos())

    def mouseReleaseEvent(self, event: Any) -> None:
        scene = self.canvas()
        if scene is not None:
            scene.end_connection(event.scenePos())

    # --- painting --------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scene = self.canvas()
        if scene is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        count = scene.port_connection_count(self)
        state = scene.port_highlight(self)
        hovered = self.isUnderMouse() and state is None
        radius = RADIUS
        fill = theme.PORT_CONNECTED if count else theme.NODE_BG
        border = QPen(theme.PORT_CONNECTED if count else theme.EDGE, 1.6)
        if state == "invalid":
            painter.setOpacity(0.35)
        elif state in ("valid", "source"):
            radius += 1.5
            fill = theme.with_alpha(theme.SELECTION, 60)
            border = QPen(theme.SELECTION, 2.0)
            if state == "source":
                fill = theme.SELECTION
        elif state == "hover" or hovered:
            radius += 2.0
            fill = theme.SELECTION
            border = QPen(theme.SELECTION.darker(115), 1.6)
        if state == "hover":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.with_alpha(theme.SELECTION, 50))
            painter.drawEllipse(QPointF(0, 0), radius + 4, radius + 4)
        painter.setPen(border)
        painter.setBrush(fill)
        if self.merge:
            spacing = self._spacing(max(count, 1))
            half = max(radius, (max(count, 1) - 1) * spacing / 2 + radius)
            painter.drawRoundedRect(QRectF(-radius, -half, 2 * radius, 2 * half), radius, radius)
        else:
            painter.drawEllipse(QPointF(0, 0), radius, radius)


__all__ = ["MERGE_SPACING", "RADIUS", "PortItem"]

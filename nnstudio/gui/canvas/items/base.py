"""What every canvas item shares: the way to its scene and a repaint when hovered.

Cards, ports and edges draw their hover state in :meth:`paint` (from ``option.state`` or
``isUnderMouse``), so entering or leaving one only has to ask for a repaint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGraphicsItem

if TYPE_CHECKING:
    from nnstudio.gui.canvas.scene import CanvasScene


class CanvasItem(QGraphicsItem):
    """A graphics item of the canvas; accepts hover events and repaints on enter and leave."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setAcceptHoverEvents(True)

    def canvas(self) -> CanvasScene | None:
        """The :class:`CanvasScene` this item is in (None before it is added)."""
        return self.scene()  # type: ignore[return-value]

    def hoverEnterEvent(self, event: Any) -> None:
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:
        self.update()
        super().hoverLeaveEvent(event)

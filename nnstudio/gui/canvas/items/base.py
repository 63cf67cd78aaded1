"""What every canvas item shares: the way to its scene and a repaint when hovered.

Cards, ports and edges draw their hover state in :meth:`paint` (from ``option.state`` or
``isUnderMouse``), so entering or leaving one only has to ask for a repaint.

Items ask the scene that holds them for model facts (the graph, what the analysis says about
them) and hand gestures back to it (a connection being dragged, an edit refused while
training runs). :class:`CanvasHost` names exactly that much, so the items never import the
scene (which imports them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QGraphicsItem

if TYPE_CHECKING:
    from PySide6.QtCore import QPointF

    from nnstudio.core.network.graph import Edge, Graph
    from nnstudio.gui.canvas.status import EdgeStatus, NodeStatus


class CanvasHost(Protocol):
    """What a canvas item may ask of the scene it is in."""

    #: Emitted with a node id when its card is double-clicked.
    node_activated: Any

    @property
    def graph(self) -> Graph: ...

    @property
    def read_only(self) -> bool: ...

    @property
    def dragging_cards(self) -> bool: ...

    def node_status(self, node_id: str) -> NodeStatus: ...

    def edge_status(self, edge: Edge) -> EdgeStatus: ...

    def port_connection_count(self, port: Any) -> int: ...

    def refuse_edit(self) -> None: ...

    def flush_routes(self) -> None: ...

    def drag_connection_to(self, scene_pos: QPointF) -> None: ...

    def end_connection(self, scene_pos: QPointF) -> bool: ...


class CanvasItem(QGraphicsItem):
    """A graphics item of the canvas; accepts hover events and repaints on enter and leave."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setAcceptHoverEvents(True)

    def canvas(self) -> CanvasHost | None:
        """The scene this item is in (None before it is added)."""
        return self.scene()  # type: ignore[return-value]

    def hoverEnterEvent(self, event: Any) -> None:
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:
        self.update()
        super().hoverLeaveEvent(event)

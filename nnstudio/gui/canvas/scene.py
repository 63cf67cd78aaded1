"""The canvas scene: one card per layer and one curve per connection, kept in step with the model.

The scene never edits the graph directly. It follows the graph's events (a node added,
an edge removed, a parameter changed, a node moved) and adds, removes or redraws only the
affected items, and it follows the document's analysis to colour problems and label shapes,
again touching only the items whose state changed. Gestures that start on items (connection
drags from ports, moving cards) end here, as commands pushed through the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from nnstudio.core.catalogue.layers import LAYERS, count_params
from nnstudio.core.network.analysis import ERROR, Analysis
from nnstudio.core.network.graph import Edge, Graph, LayerNode
from nnstudio.gui import theme
from nnstudio.gui.canvas.items.edge_item import EdgeItem, bezier_path
from nnstudio.gui.canvas.items.layer_item import LayerItem
from nnstudio.gui.canvas.items.port_item import PortItem
from nnstudio.gui.canvas.status import EdgeStatus, NodeStatus
from nnstudio.gui.commands import (
    ConnectCommand,
    DisconnectCommand,
    MacroCommand,
    MoveNodesCommand,
)
from nnstudio.i18n import N_, _, tr

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument

#: Problems on a node that are really about its incoming connections: those edges turn red.
EDGE_ERROR_CODES = frozenset({"shape", "too_many_inputs", "cycle"})
LOCKED_MESSAGE = N_("The network cannot be edited while training runs: stop training first.")


_EMPTY_NODE = NodeStatus()
_EMPTY_EDGE = EdgeStatus()


@dataclass
class _ConnectionDrag:
    """A connection being drawn: one end fixed at a port, the other following the mouse."""

    fixed: str
    #: True when the fixed end is an output (we look for an input to drop on).
    from_output: bool
    #: The existing edge being re-routed, when the drag started on a connected input.
    detached: Edge | None
    allowed: frozenset[str]
    rubber: QGraphicsPathItem
    hover: str | None = None


class CanvasScene(QGraphicsScene):
    """Items for one :class:`ProjectDocument`'s graph."""

    #: A sentence for the status bar: why a gesture was refused.
    message = Signal(str)
    #: A card was double-clicked (the window may focus the inspector on it).
    node_activated = Signal(str)

    def __init__(self, document: ProjectDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._node_items: dict[str, LayerItem] = {}
        self._edge_items: dict[Edge, EdgeItem] = {}
        #: node id → the edge items touching it (an index, rebuilt from the model's events).
        self._incident: dict[str, dict[Edge, EdgeItem]] = {}
        self._node_status: dict[str, NodeStatus] = {}
        self._edge_status: dict[Edge, EdgeStatus] = {}
        self._read_only = False
        #: Pens of cards and connections are this many times their usual width
        #: (presentation mode draws thick lines for a projector).
        self.line_scale = 1.0
        self._refused_this_press = False
        self._dragging_cards = False
        self._drag: _ConnectionDrag | None = None
        #: Merge layers' input order (graph order), cached until one of their edges changes.
        self._inputs_cache: dict[str, list[str]] = {}
        #: Edges waiting to be re-routed once a batch of moves is over (None: route at once).
        self._pending_routes: set[EdgeItem] | None = None
        for signal, slot in self._document_bindings():
            signal.connect(slot)
        self.rebuild()
        document.schedule_revalidate()

    # --- binding to the model ----------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        """The graph the items show: the open project's."""
        return self.document.workspace.graph

    def _document_bindings(self) -> list[tuple[Any, Callable[..., Any]]]:
        doc = self.document
        return [
            (doc.node_added, self._on_graph_node_added),
            (doc.node_removed, self._on_graph_node_removed),
            (doc.edge_added, self._on_graph_edge_added),
            (doc.edge_removed, self._on_graph_edge_removed),
            (doc.param_changed, self._on_graph_param_changed),
            (doc.node_changed, self._on_graph_node_changed),
            (doc.node_moved, self._on_graph_node_moved),
            (doc.analysis_changed, self._on_document_analysis_changed),
            (doc.project_replaced, self.rebuild),
        ]

    def detach(self) -> None:
        """Stop following the model (before the scene is thrown away)."""
        for signal, slot in self._document_bindings():
            with suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def rebuild(self) -> None:
        """Recreate every item from the graph (only on load/new: edits are incremental)."""
        self.cancel_connection()
        self.clear()
        self._node_items.clear()
        self._edge_items.clear()
        self._incident.clear()
        self._node_status.clear()
        self._edge_status.clear()
        self._inputs_cache.clear()
        self._pending_routes = None
        for node in self.graph.nodes.values():
            self._add_node_item(node)
        for edge in self.graph.edges:
            self._add_edge_item(edge)
        self.apply_analysis(self.document.workspace.analysis)

    # --- lookups -------------------------------------------------------------------------------

    def node_item(self, node_id: str) -> LayerItem | None:
        return self._node_items.get(node_id)

    def edge_item(self, source: str, target: str) -> EdgeItem | None:
        return self._edge_items.get(Edge(source, target))

    def node_items(self) -> list[LayerItem]:
        return list(self._node_items.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edge_items.values())

    def node_status(self, node_id: str) -> NodeStatus:
        return self._node_status.get(node_id, _EMPTY_NODE)

    def edge_status(self, edge: Edge) -> EdgeStatus:
        return self._edge_status.get(edge, _EMPTY_EDGE)

    def port_connection_count(self, port: PortItem) -> int:
        nid = port.node_id
        edges = self._incident.get(nid, {})
        if port.is_input:
            return sum(1 for e in edges if e.target == nid)
        return sum(1 for e in edges if e.source == nid)

    # --- selection -----------------------------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        """Selected layers in the graph's order (stable for copy and delete)."""
        items = self._node_items
        return [nid for nid in self.graph.nodes if nid in items and items[nid].isSelected()]

    def selected_edges(self) -> list[Edge]:
        items = self._edge_items
        return [e for e in self.graph.edges if e in items and items[e].isSelected()]

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        """Replace the selection, emitting ``selectionChanged`` once rather than per item."""
        wanted = set(node_ids)
        blocked = self.blockSignals(True)
        try:
            for item in self.selectedItems():
                if not (isinstance(item, LayerItem) and item.node_id in wanted):
                    item.setSelected(False)
            for nid in wanted:
                item = self._node_items.get(nid)
                if item is not None:
                    item.setSelected(True)
        finally:
            self.blockSignals(blocked)
        self.selectionChanged.emit()

    # --- read-only -----------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """While training owns the model: cards cannot move and ports refuse drags."""
        self._read_only = read_only
        self.cancel_connection()
        for item in self._node_items.values():
            item.setFlag(LayerItem.GraphicsItemFlag.ItemIsMovable, not read_only)

    def lock_message(self) -> str:
        """Why edits are refused now, in the user's language."""
        reason = self.document.lock_reason
        return tr(reason) if reason else _(LOCKED_MESSAGE)

    def refuse_edit(self) -> None:
        """Say (once per mouse press) why an editing gesture does nothing."""
        if not self._refused_this_press:
            self._refused_this_press = True
            self.message.emit(self.lock_message())

    # --- graph events → items ------------------------------------------------------------------

    def _add_node_item(self, node: LayerNode) -> LayerItem:
        item = LayerItem(node.id, node.type)
        item.setFlag(LayerItem.GraphicsItemFlag.ItemIsMovable, not self._read_only)
        item.setPos(QPointF(*node.position))
        self._node_items[node.id] = item
        self._incident.setdefault(node.id, {})
        self.addItem(item)
        item.refresh()
        return item

    def _add_edge_item(self, edge: Edge) -> None:
        if edge in self._edge_items:
            return
        if edge.source not in self._node_items or edge.target not in self._node_items:
            return
        item = EdgeItem(edge.source, edge.target)
        self._inputs_cache.pop(edge.target, None)
        self._edge_items[edge] = item
        self._incident[edge.source][edge] = item
        self._incident[edge.target][edge] = item
        self.addItem(item)
        self._route_inputs_of(edge.target)
        item.refresh()
        self._update_ports(edge.source, edge.target)

    def _remove_edge_item(self, edge: Edge) -> None:
        item = self._edge_items.pop(edge, None)
        self._edge_status.pop(edge, None)
        self._inputs_cache.pop(edge.target, None)
        if item is not None and self._pending_routes is not None:
            self._pending_routes.discard(item)
        for nid in (edge.source, edge.target):
            self._incident.get(nid, {}).pop(edge, None)
        if item is not None:
            self.removeItem(item)
        if edge.target in self._node_items:
            self._route_inputs_of(edge.target)
        self._update_ports(edge.source, edge.target)

    def _on_graph_node_added(self, node: LayerNode) -> None:
        self._add_node_item(node)

    def _on_graph_node_removed(self, node: LayerNode) -> None:
        drag = self._drag
        detached = drag.detached if drag is not None else None
        if drag is not None and (
            node.id == drag.fixed or (detached and node.id in (detached.source, detached.target))
        ):
            self.cancel_connection()
        for edge in list(self._incident.get(node.id, {})):
            self._remove_edge_item(edge)
        item = self._node_items.pop(node.id, None)
        self._incident.pop(node.id, None)
        self._node_status.pop(node.id, None)
        if item is not None:
            self.removeItem(item)

    def _on_graph_edge_added(self, edge: Edge) -> None:
        self._add_edge_item(edge)

    def _on_graph_edge_removed(self, edge: Edge) -> None:
        drag = self._drag
        if drag is not None and drag.detached == edge:
            self.cancel_connection()
        self._remove_edge_item(edge)

    def _on_graph_param_changed(self, node: LayerNode, name: str, old: Any, new: Any) -> None:
        item = self._node_items.get(node.id)
        if item is not None:
            item.refresh()

    def _on_graph_node_changed(self, node: LayerNode, attribute: str) -> None:
        item = self._node_items.get(node.id)
        if item is None:
            return
        item.refresh()
        if attribute == "name":
            for edge_item in self._incident.get(node.id, {}).values():
                edge_item.refresh()

    def _on_graph_node_moved(self, node: LayerNode) -> None:
        item = self._node_items.get(node.id)
        if item is None:
            return
        pos = item.pos()
        if (pos.x(), pos.y()) != node.position:
            # Graph.move_nodes reports one node at a time; when many move (undo of a drag,
            # auto layout) both ends of most edges move, so route each edge once, after.
            if self._pending_routes is None:
                self._pending_routes = set()
                QTimer.singleShot(0, self, self.flush_routes)
            item.setPos(QPointF(*node.position))

    # --- geometry ------------------------------------------------------------------------------

    def layer_item_moved(self, item: LayerItem) -> None:
        """A card moved (drag or model): re-route the curves attached to it."""
        edges = self._incident.get(item.node_id)
        if not edges:
            return
        if self._pending_routes is not None:
            self._pending_routes.update(edges.values())
            return
        for edge_item in edges.values():
            self._route_edge(edge_item)

    def flush_routes(self) -> None:
        """Re-route the edges of a batch of moves now (the event loop does it anyway)."""
        pending, self._pending_routes = self._pending_routes, None
        for edge_item in pending or ():
            if self._edge_items.get(edge_item.edge) is edge_item:
                self._route_edge(edge_item)

    @contextmanager
    def _batched_routing(self) -> Iterator[None]:
        outer = self._pending_routes is None
        if outer:
            self._pending_routes = set()
        try:
            yield
        finally:
            if outer:
                self.flush_routes()

    def _merge_inputs(self, target: str) -> list[str]:
        inputs = self._inputs_cache.get(target)
        if inputs is None:
            inputs = self._inputs_cache[target] = self.graph.inputs_of(target)
        return inputs

    def _route_edge(self, item: EdgeItem) -> None:
        src = self._node_items.get(item.source_id)
        dst = self._node_items.get(item.target_id)
        if src is None or dst is None or dst.input_port is None:
            return
        index, count = 0, 1
        if dst.input_port.merge:
            sources = self._merge_inputs(item.target_id)
            if item.source_id in sources:
                index, count = sources.index(item.source_id), len(sources)
        item.set_end_points(
            src.output_port.attach_point(), dst.input_port.attach_point(index, count)
        )

    def _route_inputs_of(self, target: str) -> None:
        """Re-route every edge into ``target`` (a merge bar re-spaces its inputs)."""
        for edge, item in self._incident.get(target, {}).items():
            if edge.target == target:
                self._route_edge(item)

    def _update_ports(self, *node_ids: str) -> None:
        for nid in node_ids:
            item = self._node_items.get(nid)
            if item is None:
                continue
            for port in (item.input_port, item.output_port):
                if port is not None:
                    port.update()

    # --- analysis → colours and labels ---------------------------------------------------------

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        self.apply_analysis(analysis)

    def apply_analysis(self, analysis: Analysis) -> None:
        """Recompute each item's status from ``analysis``; redraw only those that changed."""
        graph = self.graph
        by_node: dict[str, list[Any]] = {}
        bad_edges: set[Edge] = set()
        bad_targets: set[str] = set()
        for p in analysis.problems:
            if p.node_id is not None:
                by_node.setdefault(p.node_id, []).append(p)
                if p.severity == ERROR and p.code in EDGE_ERROR_CODES:
                    bad_targets.add(p.node_id)
            if p.edge is not None:
                bad_edges.add(p.edge)
        sizes = analysis.sizes
        ins: dict[str, list[str]] = {}
        for e in graph.edges:
            ins.setdefault(e.target, []).append(e.source)

        for nid, item in self._node_items.items():
            node = graph.nodes.get(nid)
            if node is None:
                continue
            problems = sorted(by_node.get(nid, ()), key=lambda p: p.severity != ERROR)
            severity = None
            if problems:
                severity = ERROR if problems[0].severity == ERROR else problems[0].severity
            size = sizes.get(nid)
            n_params = None
            sources = ins.get(nid, [])
            if size is not None and all(s in sizes for s in sources):
                try:
                    n_params = count_params(
                        node.type, node.params, [sizes[s] for s in sources], size
                    )
                except (IndexError, KeyError, TypeError, ValueError):
                    n_params = None
            status = NodeStatus(
                severity,
                tuple((p.severity, p.message, p.hint) for p in problems),
                size,
                n_params,
                nid == analysis.output_id,
            )
            if self._node_status.get(nid) != status:
                self._node_status[nid] = status
                item.refresh()

        for edge, edge_item in self._edge_items.items():
            edge_status = EdgeStatus(
                sizes.get(edge.source), edge in bad_edges or edge.target in bad_targets
            )
            if self._edge_status.get(edge) != edge_status:
                self._edge_status[edge] = edge_status
                edge_item.refresh()

    # --- moving cards --------------------------------------------------------------------------

    @property
    def dragging_cards(self) -> bool:
        """True while the mouse drags cards (they snap to the grid only then)."""
        return self._dragging_cards

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._refused_this_press = False
        super().mousePressEvent(event)
        self._dragging_cards = isinstance(self.mouseGrabberItem(), LayerItem)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        # A drag moves every selected card; route each affected edge once per mouse move.
        with self._batched_routing():
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging_cards = False
            self.commit_moves()

    def commit_moves(self) -> bool:
        """Turn cards moved on screen into one MoveNodesCommand (the end of a drag).

        Items move freely during the drag; here their positions are compared with the model
        and every difference goes into a single undo step. If the document refuses the edit
        (training), the cards go back where the model says they are.
        """
        graph = self.graph
        old: dict[str, tuple[float, float]] = {}
        new: dict[str, tuple[float, float]] = {}
        for nid, item in self._node_items.items():
            node = graph.nodes.get(nid)
            if node is None:
                continue
            pos = (item.pos().x(), item.pos().y())
            if pos != node.position:
                old[nid], new[nid] = node.position, pos
        if not new:
            return False
        if self.document.push(MoveNodesCommand(self.document, old, new)):
            return True
        for nid, pos in old.items():
            self._node_items[nid].setPos(QPointF(*pos))
        return False

    # --- connection drags ----------------------------------------------------------------------

    def connection_in_progress(self) -> bool:
        return self._drag is not None

    def port_highlight(self, port: PortItem) -> str | None:
        """How a port looks during a connection drag: source, valid, hover, invalid or None."""
        drag = self._drag
        if drag is None:
            return None
        nid = port.node_id
        looking_for_input = drag.from_output
        if port.is_input != looking_for_input:
            return "source" if nid == drag.fixed else None
        if nid == drag.fixed:
            return None
        if nid in drag.allowed:
            return "hover" if nid == drag.hover else "valid"
        return "invalid"

    def valid_targets(self, source: str) -> frozenset[str]:
        """Nodes ``source`` may connect into; mirrors :meth:`Graph.connection_problem`.

        One pass over the graph instead of one loop search per node, so highlighting the
        drop targets stays instant on large drawings. The release still asks the graph.
        """
        graph = self.graph
        preds: dict[str, list[str]] = {}
        for e in graph.edges:
            preds.setdefault(e.target, []).append(e.source)
        ancestors = _closure(source, preds)
        existing = {e.target for e in graph.edges if e.source == source}
        incount = Counter(e.target for e in graph.edges)
        allowed = set()
        for nid, node in graph.nodes.items():
            if nid in ancestors or nid in existing:
                continue
            spec = LAYERS.get(node.type)
            if spec.max_inputs == 0:
                continue
            if spec.max_inputs is not None and incount[nid] >= spec.max_inputs:
                continue
            allowed.add(nid)
        return frozenset(allowed)

    def valid_sources(self, target: str) -> frozenset[str]:
        """Nodes that may connect into ``target``; mirrors :meth:`Graph.connection_problem`."""
        graph = self.graph
        spec = LAYERS.get(graph.nodes[target].type)
        incount = sum(1 for e in graph.edges if e.target == target)
        if spec.max_inputs == 0 or (spec.max_inputs is not None and incount >= spec.max_inputs):
            return frozenset()
        succs: dict[str, list[str]] = {}
        for e in graph.edges:
            succs.setdefault(e.source, []).append(e.target)
        descendants = _closure(target, succs)
        existing = {e.source for e in graph.edges if e.target == target}
        return frozenset(n for n in graph.nodes if n not in descendants and n not in existing)

    def begin_connection(self, port: PortItem, scene_pos: QPointF) -> bool:
        """Start drawing a connection from ``port`` (what a press on a port does).

        From an output: look for an input. From a connected input: pick up the nearest
        incoming connection to move or detach it. From a free input: look for an output.
        """
        self.cancel_connection()
        if self._read_only:
            self.refuse_edit()
            return False
        nid = port.node_id
        detached: Edge | None = None
        if port.is_input:
            incoming = [e for e in self._incident.get(nid, {}) if e.target == nid]
            if incoming:
                detached = min(
                    incoming,
                    key=lambda e: abs(self._edge_items[e].end_points()[1].y() - scene_pos.y()),
                )
                fixed, from_output = detached.source, True
                allowed = self.valid_targets(fixed) | {nid}
                self._edge_items[detached].setVisible(False)
            else:
                fixed, from_output = nid, False
                allowed = self.valid_sources(nid)
        else:
            fixed, from_output = nid, True
            allowed = self.valid_targets(nid)
        rubber = QGraphicsPathItem()
        pen = QPen(theme.SELECTION, 2.0, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        rubber.setPen(pen)
        rubber.setZValue(20)
        self.addItem(rubber)
        self._drag = _ConnectionDrag(fixed, from_output, detached, frozenset(allowed), rubber)
        self._update_all_ports()
        self.drag_connection_to(scene_pos)
        return True

    def drag_connection_to(self, scene_pos: QPointF) -> None:
        """Move the loose end of the connection being drawn; highlight the port under it."""
        drag = self._drag
        if drag is None:
            return
        under = self._node_at(scene_pos, exclude=drag.fixed)
        hover = under if under in drag.allowed else None
        if hover != drag.hover:
            previous, drag.hover = drag.hover, hover
            self._update_ports(*(n for n in (previous, hover) if n))
        fixed_item = self._node_items[drag.fixed]
        if drag.from_output:
            start = fixed_item.output_port.attach_point()
            end = scene_pos
            target = self._node_items.get(hover) if hover else None
            if target is not None and target.input_port is not None:
                end = target.input_port.attach_point()
        else:
            assert fixed_item.input_port is not None
            end = fixed_item.input_port.attach_point()
            start = scene_pos
            source = self._node_items.get(hover) if hover else None
            if source is not None:
                start = source.output_port.attach_point()
        drag.rubber.setPath(bezier_path(start, end))

    def end_connection(self, scene_pos: QPointF) -> bool:
        """Finish the drag at ``scene_pos``: connect, reconnect, detach, or explain why not.

        Returns True when an edit was pushed.
        """
        drag = self._drag
        if drag is None:
            return False
        other = self._node_at(scene_pos, exclude=drag.fixed)
        self.cancel_connection()
        doc, graph = self.document, self.graph
        if not drag.from_output:
            if other is None:
                return False
            return self._connect(other, drag.fixed)
        source = drag.fixed
        if drag.detached is None:
            return other is not None and self._connect(source, other)
        old_target = drag.detached.target
        if other == old_target:
            return False
        if other is None:
            return doc.push(DisconnectCommand(doc, source, old_target))
        problem = graph.connection_problem(source, other)
        if problem:
            self._explain(source, other, problem)
            return False
        names = graph.node(source).name, graph.node(other).name
        macro = MacroCommand(
            _("Reconnect {source} → {target}").format(source=names[0], target=names[1])
        )
        DisconnectCommand(doc, source, old_target, parent=macro)
        ConnectCommand(doc, source, other, parent=macro)
        return doc.push(macro)

    def cancel_connection(self) -> None:
        """Drop the connection being drawn without changing anything."""
        drag, self._drag = self._drag, None
        if drag is None:
            return
        if drag.rubber.scene() is self:
            self.removeItem(drag.rubber)
        if drag.detached is not None:
            item = self._edge_items.get(drag.detached)
            if item is not None:
                item.setVisible(True)
        self._update_all_ports()

    def _connect(self, source: str, target: str) -> bool:
        problem = self.graph.connection_problem(source, target)
        if problem:
            self._explain(source, target, problem)
            return False
        return self.document.push(ConnectCommand(self.document, source, target))

    def _explain(self, source: str, target: str, problem: str) -> None:
        g = self.graph
        self.message.emit(
            _("Cannot connect {source} → {target}: {problem}.").format(
                source=g.node(source).name, target=g.node(target).name, problem=tr(problem)
            )
        )

    def _node_at(self, scene_pos: QPointF, *, exclude: str | None = None) -> str | None:
        """The layer whose card or port is under ``scene_pos`` (topmost first)."""
        for item in self.items(scene_pos):
            if isinstance(item, (LayerItem, PortItem)) and item.node_id != exclude:
                return item.node_id
        return None

    def _update_all_ports(self) -> None:
        self._update_ports(*self._node_items)


def _closure(start: str, links: dict[str, list[str]]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


__all__ = ["EDGE_ERROR_CODES", "LOCKED_MESSAGE", "CanvasScene", "EdgeStatus", "NodeStatus"]

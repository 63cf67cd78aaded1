"""The network drawing: layer nodes, directed edges, and exactly reversible edits.

The graph is the single source of truth. Views follow it through :attr:`Graph.events`; undo
commands call one edit method and its inverse (``add_node``/``remove_node``,
``add_edge``/``remove_edge``, ``set_param`` with the old value, ``move_nodes`` with the old
positions). Nothing here checks that the drawing makes a working network: that is
:mod:`nnstudio.core.network.analysis`, which reports problems instead of raising.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.core.catalogue.params import ParamError, check_params
from nnstudio.core.errors import GraphError
from nnstudio.core.events import Signal
from nnstudio.i18n import N_, Text, _


@dataclass
class LayerNode:
    """One layer on the canvas. ``params`` always holds every declared parameter."""

    id: str
    type: str
    name: str
    params: dict[str, Any]
    position: tuple[float, float] = (0.0, 0.0)
    note: str = ""
    trainable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "params": copy.deepcopy(self.params),
            "position": [float(self.position[0]), float(self.position[1])],
            "note": self.note,
            "trainable": self.trainable,
        }


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from ``source``'s output into ``target``'s input."""

    source: str
    target: str


@dataclass(frozen=True)
class RemovedNode:
    """Everything :meth:`Graph.restore_node` needs to put a deleted node back exactly."""

    node: LayerNode
    order: int
    edges: tuple[tuple[int, Edge], ...]


@dataclass
class GraphEvents:
    """Signals a view connects to. ``changed`` follows every edit, for validation."""

    node_added: Signal = field(default_factory=Signal)
    node_removed: Signal = field(default_factory=Signal)
    edge_added: Signal = field(default_factory=Signal)
    edge_removed: Signal = field(default_factory=Signal)
    param_changed: Signal = field(default_factory=Signal)
    node_changed: Signal = field(default_factory=Signal)
    node_moved: Signal = field(default_factory=Signal)
    changed: Signal = field(default_factory=Signal)


_NAME_SAFE = re.compile(r"[^0-9a-zA-Z_]+")


def new_node_id() -> str:
    """Short, stable, file-safe id (also a valid torch module name: no dots)."""
    return "n" + uuid.uuid4().hex[:10]


class Graph:
    """Nodes in insertion order plus an ordered edge list (input order matters for Concat)."""

    def __init__(self) -> None:
        self.nodes: dict[str, LayerNode] = {}
        self.edges: list[Edge] = []
        self.events = GraphEvents()

    # --- queries ---------------------------------------------------------------------------

    def node(self, node_id: str) -> LayerNode:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(Text(N_("no layer with id {id!r}"), id=node_id)) from None

    def inputs_of(self, node_id: str) -> list[str]:
        """Source ids feeding ``node_id``, in connection order."""
        return [e.source for e in self.edges if e.target == node_id]

    def outputs_of(self, node_id: str) -> list[str]:
        return [e.target for e in self.edges if e.source == node_id]

    def has_edge(self, source: str, target: str) -> bool:
        return Edge(source, target) in self.edges

    def by_name(self, name: str) -> LayerNode:
        for node in self.nodes.values():
            if node.name == name:
                return node
        raise GraphError(Text(N_("no layer named {name!r}"), name=name))

    def unique_name(self, layer_type: str) -> str:
        base = _NAME_SAFE.sub("_", layer_type.lower()).strip("_") or "layer"
        taken = {n.name for n in self.nodes.values()}
        i = 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    def connection_problem(self, source: str, target: str) -> str | None:
        """Why ``source → target`` cannot be drawn, or None if it can (GUI asks first).

        In the current language: the GUI shows it at once while a connection is drawn.
        """
        if source not in self.nodes or target not in self.nodes:
            return _("both ends must be layers of this network")
        if source == target:
            return _("a layer cannot feed itself")
        if self.has_edge(source, target):
            return _("these layers are already connected")
        spec = LAYERS.get(self.nodes[target].type)
        name = self.nodes[target].name
        if spec.max_inputs == 0:
            return _("{name} is an Input: nothing can feed into it").format(name=name)
        if spec.max_inputs is not None and len(self.inputs_of(target)) >= spec.max_inputs:
            return _(
                "{name} takes {maximum} input; use an Add or Concat layer to merge several"
            ).format(name=name, maximum=spec.max_inputs)
        if self._reaches(target, source):
            return _("this connection would make a loop (networks must flow one way)")
        return None

    def _reaches(self, start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.outputs_of(current))
        return False

    # --- edits (each has an exact inverse) -----------------------------------------------

    def add_node(
        self,
        layer_type: str,
        params: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        trainable: bool = True,
        note: str = "",
    ) -> LayerNode:
        """Create a node with checked, complete parameters and add it."""
        try:
            spec = LAYERS.get(layer_type)
            full = check_params(spec, params or {})
        except ParamError as exc:
            raise GraphError(exc.message, where=name or layer_type) from None
        node = LayerNode(
            id=node_id or new_node_id(),
            type=spec.name,
            name=name or self.unique_name(spec.name),
            params=full,
            position=(float(position[0]), float(position[1])),
            note=note,
            trainable=trainable,
        )
        self.insert_node(node)
        return node

    def insert_node(self, node: LayerNode, order: int | None = None) -> None:
        if node.id in self.nodes:
            raise GraphError(Text(N_("a layer with id {id!r} already exists"), id=node.id))
        items = list(self.nodes.items())
        items.insert(len(items) if order is None else order, (node.id, node))
        self.nodes = dict(items)
        self.events.node_added.emit(node)
        self.events.changed.emit()

    def remove_node(self, node_id: str) -> RemovedNode:
        """Remove a node and its edges; the return value restores both exactly."""
        node = self.node(node_id)
        removed_edges = tuple(
            (i, e) for i, e in enumerate(self.edges) if node_id in (e.source, e.target)
        )
        for _index, edge in reversed(removed_edges):
            self.remove_edge(edge.source, edge.target)
        order = list(self.nodes).index(node_id)
        del self.nodes[node_id]
        self.events.node_removed.emit(node)
        self.events.changed.emit()
        return RemovedNode(node, order, removed_edges)

    def restore_node(self, removed: RemovedNode) -> None:
        self.insert_node(removed.node, removed.order)
        for index, edge in removed.edges:
            self.add_edge(edge.source, edge.target, index=index, check=False)

    def add_edge(
        self, source: str, target: str, *, index: int | None = None, check: bool = True
    ) -> Edge:
        """Connect two nodes. ``check`` refuses edges the GUI would not let a user draw."""
        if check:
            problem = self.connection_problem(source, target)
            if problem:
                raise GraphError(problem)
        elif source not in self.nodes or target not in self.nodes:
            raise GraphError(
                Text(
                    N_("edge {source} → {target} names a layer that does not exist"),
                    source=source,
                    target=target,
                )
            )
        elif self.has_edge(source, target):
            raise GraphError(
                Text(N_("edge {source} → {target} appears twice"), source=source, target=target)
            )
        edge = Edge(source, target)
        self.edges.insert(len(self.edges) if index is None else index, edge)
        self.events.edge_added.emit(edge)
        self.events.changed.emit()
        return edge

    def remove_edge(self, source: str, target: str) -> int:
        """Disconnect; returns the edge's position so undo can put it back in order."""
        edge = Edge(source, target)
        try:
            index = self.edges.index(edge)
        except ValueError:
            raise GraphError(
                Text(N_("{source} is not connected to {target}"), source=source, target=target)
            ) from None
        del self.edges[index]
        self.events.edge_removed.emit(edge)
        self.events.changed.emit()
        return index

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Change one parameter (checked against the catalogue); returns the old value."""
        node = self.node(node_id)
        spec = LAYERS.get(node.type)
        try:
            new = spec.param(name).coerce(value)
        except KeyError:
            raise GraphError(
                Text(N_("{label} has no parameter {name!r}"), label=Text(spec.label), name=name),
                where=node.name,
            ) from None
        except ParamError as exc:
            raise GraphError(exc.message, where=node.name) from None
        old = node.params.get(name)
        node.params[name] = new
        self.events.param_changed.emit(node, name, old, new)
        self.events.changed.emit()
        return old

    def set_attribute(self, node_id: str, attribute: str, value: Any) -> Any:
        """Change ``name``, ``note`` or ``trainable``; returns the old value."""
        if attribute not in ("name", "note", "trainable"):
            raise GraphError(
                Text(N_("layers have no attribute {attribute!r}"), attribute=attribute)
            )
        node = self.node(node_id)
        if attribute == "name":
            value = str(value).strip()
            if not value:
                raise GraphError(Text(N_("a layer needs a name")), where=node.name)
            if any(n.name == value and n.id != node_id for n in self.nodes.values()):
                raise GraphError(
                    Text(N_("another layer is already called {name!r}"), name=value),
                    where=node.name,
                )
        if attribute == "trainable":
            value = bool(value)
        old = getattr(node, attribute)
        setattr(node, attribute, value)
        self.events.node_changed.emit(node, attribute)
        self.events.changed.emit()
        return old

    def move_nodes(self, positions: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
        """Move several nodes at once; returns their old positions (one undo step)."""
        old = {}
        for node_id, pos in positions.items():
            node = self.node(node_id)
            old[node_id] = node.position
            node.position = (float(pos[0]), float(pos[1]))
            self.events.node_moved.emit(node)
        return old

    def clear(self) -> None:
        for node_id in list(self.nodes):
            self.remove_node(node_id)

    # --- whole-graph helpers ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes.values()],
            "edges": [[e.source, e.target] for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Graph:
        """Rebuild a graph; raises :class:`GraphError` naming the first bad node or edge."""
        graph = cls()
        for raw in data.get("nodes", []):
            where = raw.get("name") or raw.get("id") or "layer"
            if raw.get("type") not in LAYERS:
                raise GraphError(
                    Text(N_("unknown layer type {type!r}"), type=raw.get("type")), where=str(where)
                )
            pos = raw.get("position") or (0.0, 0.0)
            graph.add_node(
                raw["type"],
                raw.get("params") or {},
                name=raw.get("name"),
                position=(float(pos[0]), float(pos[1])),
                node_id=raw.get("id"),
                trainable=bool(raw.get("trainable", True)),
                note=str(raw.get("note", "")),
            )
        for source, target in data.get("edges", []):
            graph.add_edge(source, target, check=False)
        return graph

    def copy(self) -> Graph:
        return Graph.from_dict(self.to_dict())

    def subgraph_dict(self, node_ids: Iterable[str]) -> dict[str, Any]:
        """Selected nodes and the edges between them (for copy/paste and duplicate)."""
        keep = set(node_ids)
        return {
            "nodes": [n.to_dict() for n in self.nodes.values() if n.id in keep],
            "edges": [
                [e.source, e.target] for e in self.edges if e.source in keep and e.target in keep
            ],
        }

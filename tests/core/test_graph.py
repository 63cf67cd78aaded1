"""Graph edits are exactly reversible and announce themselves through events."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import GraphError
from nnstudio.core.network.graph import Edge, Graph
from tests.core.helpers import chain


def record(graph: Graph) -> list[tuple]:
    log: list[tuple] = []
    ev = graph.events
    ev.node_added.connect(lambda n: log.append(("node_added", n.id)))
    ev.node_removed.connect(lambda n: log.append(("node_removed", n.id)))
    ev.edge_added.connect(lambda e: log.append(("edge_added", e.source, e.target)))
    ev.edge_removed.connect(lambda e: log.append(("edge_removed", e.source, e.target)))
    ev.param_changed.connect(lambda n, k, old, new: log.append(("param", n.id, k, old, new)))
    ev.node_moved.connect(lambda n: log.append(("moved", n.id, n.position)))
    return log


def test_add_node_fills_defaults_and_unique_names():
    g = Graph()
    a = g.add_node("Dense")
    b = g.add_node("Dense", {"units": 4})
    assert a.name == "dense_1" and b.name == "dense_2"
    assert a.params["units"] == 8
    assert a.params["activation"] == {"name": "relu"}
    assert b.params["weight_init"] == {"name": "default"}
    assert a.id != b.id and "." not in a.id


def test_unknown_parameter_and_bad_value_are_refused():
    g = Graph()
    with pytest.raises(GraphError, match="no parameter 'unit'"):
        g.add_node("Dense", {"unit": 3})
    with pytest.raises(GraphError, match="≥ 1"):
        g.add_node("Dense", {"units": 0})
    with pytest.raises(GraphError, match="unknown layer"):
        g.add_node("Conv2d")
    node = g.add_node("Dropout")
    with pytest.raises(GraphError, match="< 1"):
        g.set_param(node.id, "p", 1.0)
    assert node.params["p"] == 0.5


def test_remove_and_restore_node_restores_edges_in_order():
    g = Graph()
    i = g.add_node("Input", {"size": 2})
    a = g.add_node("Dense", {"units": 2})
    b = g.add_node("Dense", {"units": 3})
    c = g.add_node("Concat")
    for s, t in [(i.id, a.id), (i.id, b.id), (a.id, c.id), (b.id, c.id)]:
        g.add_edge(s, t)
    before = g.to_dict()
    removed = g.remove_node(a.id)
    assert a.id not in g.nodes and len(g.edges) == 2
    g.restore_node(removed)
    assert g.to_dict() == before
    assert g.inputs_of(c.id) == [a.id, b.id]


def test_remove_edge_returns_index_for_undo():
    g = chain(("Dense", {}), ("Dense", {}))
    edges = list(g.edges)
    index = g.remove_edge(edges[0].source, edges[0].target)
    assert index == 0
    g.add_edge(edges[0].source, edges[0].target, index=index)
    assert g.edges == edges


def test_events_follow_edits():
    g = Graph()
    log = record(g)
    i = g.add_node("Input")
    d = g.add_node("Dense")
    g.add_edge(i.id, d.id)
    old = g.set_param(d.id, "units", 5)
    g.move_nodes({d.id: (10, 20)})
    g.remove_node(d.id)
    assert log == [
        ("node_added", i.id),
        ("node_added", d.id),
        ("edge_added", i.id, d.id),
        ("param", d.id, "units", 8, 5),
        ("moved", d.id, (10.0, 20.0)),
        ("edge_removed", i.id, d.id),
        ("node_removed", d.id),
    ]
    assert old == 8


def test_connection_rules():
    g = Graph()
    i = g.add_node("Input")
    a = g.add_node("Dense")
    b = g.add_node("Dense")
    assert g.connection_problem(a.id, a.id) == "a layer cannot feed itself"
    assert "Input" in g.connection_problem(a.id, i.id)
    g.add_edge(i.id, a.id)
    assert "already connected" in g.connection_problem(i.id, a.id)
    assert "takes 1 input" in g.connection_problem(b.id, a.id)
    g.add_edge(a.id, b.id)
    c = g.add_node("Add")
    g.add_edge(b.id, c.id)
    assert "takes 1" in g.connection_problem(c.id, b.id)
    d = g.add_node("Dropout")
    g.add_edge(c.id, d.id)
    assert "loop" in g.connection_problem(d.id, c.id)
    with pytest.raises(GraphError, match="loop"):
        g.add_edge(d.id, c.id)


def test_set_attribute_name_unique_and_reversible():
    g = chain(("Dense", {}), ("Dense", {}))
    nodes = list(g.nodes.values())
    with pytest.raises(GraphError, match="already called"):
        g.set_attribute(nodes[1].id, "name", nodes[2].name)
    old = g.set_attribute(nodes[1].id, "trainable", False)
    assert old is True and nodes[1].trainable is False


def test_round_trip_dict_and_copy():
    g = chain(
        ("Dense", {"units": 4, "activation": {"name": "leaky_relu", "negative_slope": 0.2}}),
        ("Dropout", {"p": 0.3}),
    )
    g.move_nodes({next(iter(g.nodes)): (5.5, -2)})
    copy = g.copy()
    assert copy.to_dict() == g.to_dict()
    assert copy.edges == [Edge(*e) for e in g.to_dict()["edges"]]


def test_from_dict_rejects_unknown_type_and_dangling_edge():
    with pytest.raises(GraphError, match="unknown layer type 'Evil'"):
        Graph.from_dict({"nodes": [{"id": "a", "type": "Evil", "name": "x"}], "edges": []})
    with pytest.raises(GraphError, match="does not exist"):
        Graph.from_dict(
            {"nodes": [{"id": "a", "type": "Input", "name": "x"}], "edges": [["a", "b"]]}
        )


def test_subgraph_dict_keeps_internal_edges_only():
    g = chain(("Dense", {}), ("Dense", {}))
    ids = list(g.nodes)
    sub = g.subgraph_dict(ids[1:])
    assert [n["id"] for n in sub["nodes"]] == ids[1:]
    assert sub["edges"] == [[ids[1], ids[2]]]

"""Auto layout: columns by longest path, few crossings, straight skip lanes, no crash on loops."""

from __future__ import annotations

from itertools import pairwise

from nnstudio.core.network.graph import Edge, Graph
from nnstudio.core.network.layout import count_crossings, layered_layout

X, Y = 230.0, 140.0


def _graph(names: list[str], edges: list[tuple[str, str]], types: dict[str, str] | None = None):
    g = Graph()
    ids = {}
    for name in names:
        layer_type = (types or {}).get(name, "Input" if name.startswith("in") else "Dense")
        ids[name] = g.add_node(layer_type, {}, name=name).id
    for s, t in edges:
        # check=False: layout must cope with drawings the GUI would refuse (loops).
        g.add_edge(ids[s], ids[t], check=False)
    return g, ids


def _by_name(g: Graph, pos: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    return {g.nodes[k].name: v for k, v in pos.items()}


def test_empty_graph() -> None:
    assert layered_layout(Graph()) == {}


def test_chain_is_one_straight_row() -> None:
    g, _ = _graph(["in", "a", "b", "c"], [("in", "a"), ("a", "b"), ("b", "c")])
    pos = _by_name(g, layered_layout(g))
    assert pos == {"in": (0.0, 0.0), "a": (X, 0.0), "b": (2 * X, 0.0), "c": (3 * X, 0.0)}


def test_columns_follow_the_longest_path_from_the_inputs() -> None:
    g, _ = _graph(
        ["in", "a", "b", "m"],
        [("in", "a"), ("a", "b"), ("b", "m"), ("in", "m")],
        {"m": "Add"},
    )
    pos = _by_name(g, layered_layout(g, x_step=100, y_step=50))
    assert [pos[n][0] for n in ("in", "a", "b", "m")] == [0, 100, 200, 300]


def test_diamond_branches_fan_out_symmetrically() -> None:
    g, _ = _graph(
        ["in", "a", "b", "add"],
        [("in", "a"), ("in", "b"), ("a", "add"), ("b", "add")],
        {"add": "Add"},
    )
    pos = _by_name(g, layered_layout(g))
    assert pos["a"][0] == pos["b"][0] == X
    assert abs(pos["a"][1] - pos["b"][1]) >= Y
    mid = (pos["a"][1] + pos["b"][1]) / 2
    assert abs(pos["in"][1] - mid) <= 10 and abs(pos["add"][1] - mid) <= 10
    assert min(y for _, y in pos.values()) == 0.0


def test_barycenter_ordering_removes_crossings() -> None:
    # Insertion order would draw a1→b2 and a2→b1 crossing; the sweeps untangle them.
    g, _ = _graph(
        ["in", "a1", "a2", "b2", "b1", "out"],
        [("in", "a1"), ("in", "a2"), ("a1", "b1"), ("a2", "b2"), ("b1", "out"), ("b2", "out")],
        {"out": "Concat"},
    )
    pos = layered_layout(g)
    assert count_crossings(g, pos) == 0


def test_skip_connection_gets_a_straight_lane_clear_of_cards() -> None:
    g, _ = _graph(
        ["in", "a", "b", "add"],
        [("in", "a"), ("a", "b"), ("b", "add"), ("in", "add")],
        {"add": "Add"},
    )
    pos = _by_name(g, layered_layout(g))
    # The skip edge is drawn end to end: its ends share a row the middle cards keep clear of.
    assert pos["in"][1] == pos["add"][1]
    for middle in ("a", "b"):
        assert abs(pos[middle][1] - pos["in"][1]) >= 0.5 * Y


def test_cycles_do_not_crash_and_every_node_is_placed() -> None:
    g, ids = _graph(["in", "a", "b", "c"], [("in", "a"), ("a", "b"), ("b", "c"), ("c", "a")])
    pos = layered_layout(g)
    assert set(pos) == set(ids.values())
    named = _by_name(g, pos)
    assert named["in"][0] < named["a"][0] < named["b"][0] < named["c"][0]


def test_self_loop_and_two_node_cycle() -> None:
    g, ids = _graph(["a", "b"], [("a", "b"), ("b", "a")])
    g.edges.append(Edge(ids["a"], ids["a"]))  # not drawable, but must not hang the layout
    pos = layered_layout(g)
    assert set(pos) == set(ids.values())


def test_unconnected_nodes_go_in_a_column_after_the_network() -> None:
    g, _ = _graph(["in", "a", "lonely1", "lonely2"], [("in", "a")])
    pos = _by_name(g, layered_layout(g))
    assert pos["lonely1"] == (2 * X, 0.0)
    assert pos["lonely2"] == (2 * X, Y)


def test_only_unconnected_nodes() -> None:
    g, _ = _graph(["a", "b"], [])
    pos = _by_name(g, layered_layout(g))
    assert pos == {"a": (0.0, 0.0), "b": (0.0, Y)}


def test_layout_is_deterministic_and_on_the_grid() -> None:
    names = ["in", "a", "b", "c", "d", "cat", "out"]
    edges = [
        ("in", "a"),
        ("in", "b"),
        ("a", "c"),
        ("b", "d"),
        ("c", "cat"),
        ("d", "cat"),
        ("in", "cat"),
        ("cat", "out"),
    ]
    g1, _ = _graph(names, edges, {"cat": "Concat"})
    g2, _ = _graph(names, edges, {"cat": "Concat"})
    p1, p2 = _by_name(g1, layered_layout(g1)), _by_name(g2, layered_layout(g2))
    assert p1 == p2
    assert all(x % 10 == 0 and y % 10 == 0 for x, y in p1.values())
    # Cards in one column never overlap.
    for col in {x for x, _ in p1.values()}:
        ys = sorted(y for x, y in p1.values() if x == col)
        assert all(b - a >= 0.99 * 140 for a, b in pairwise(ys))


def test_two_hundred_layers_without_overlaps() -> None:
    g = Graph()
    prev = g.add_node("Input", {"size": 3}).id
    for i in range(199):
        node = g.add_node("Dense", {"units": 4}).id
        g.add_edge(prev, node)
        prev = node if i % 7 else prev  # every 7th layer branches off the previous one
    pos = layered_layout(g)
    assert len(pos) == 200
    assert len(set(pos.values())) == 200

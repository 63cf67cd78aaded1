"""Validation names the node at fault for every structural problem; shapes are inferred."""

from __future__ import annotations

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.network.analysis import analyze, output_units_for
from nnstudio.core.network.graph import Graph
from tests.core.helpers import chain, dense_chain


def codes(result):
    return sorted({p.code for p in result.problems})


def test_valid_chain_sizes_and_output():
    g = dense_chain([5, 5, 2], input_size=3)
    r = analyze(g)
    ids = list(g.nodes)
    assert r.ok and r.output_id == ids[-1] and r.input_ids == [ids[0]]
    assert [r.sizes[i] for i in ids] == [3, 5, 5, 2]
    for edge in g.edges:
        assert r.edge_size(edge) == r.sizes[edge.source]


def test_empty_graph():
    assert codes(analyze(Graph())) == ["empty"]


def test_cycle_is_reported_on_nodes():
    g = Graph()
    i = g.add_node("Input", {"size": 2})
    a = g.add_node("Add")
    b = g.add_node("Dense", {"units": 2})
    g.add_edge(i.id, a.id)
    g.add_edge(a.id, b.id)
    g.add_edge(b.id, a.id, check=False)
    r = analyze(g)
    assert "cycle" in codes(r)
    assert {p.node_id for p in r.problems if p.code == "cycle"} == {a.id, b.id}


def test_dangling_unreachable_and_no_path():
    g = dense_chain([4, 2], input_size=3)
    lone = g.add_node("Dense", {"units": 3})
    r = analyze(g)
    assert [p.node_id for p in r.problems if p.code == "dangling"] == [lone.id]
    only_input = Graph()
    only_input.add_node("Input", {"size": 3})
    assert codes(analyze(only_input)) == ["no_path"]
    g2 = Graph()
    d = g2.add_node("Dense")
    d2 = g2.add_node("Dense")
    g2.add_edge(d.id, d2.id)
    assert {"no_input", "missing_input", "unreachable"} <= set(codes(analyze(g2)))


def test_two_outputs_is_an_error_on_both():
    g = Graph()
    i = g.add_node("Input", {"size": 2})
    a = g.add_node("Dense", {"units": 2})
    b = g.add_node("Dense", {"units": 2})
    g.add_edge(i.id, a.id)
    g.add_edge(i.id, b.id)
    r = analyze(g)
    assert {p.node_id for p in r.problems if p.code == "many_outputs"} == {a.id, b.id}
    assert r.output_id is None


def test_add_shape_mismatch_and_concat_sum():
    g = Graph()
    i = g.add_node("Input", {"size": 4})
    a = g.add_node("Dense", {"units": 3})
    b = g.add_node("Dense", {"units": 5})
    add = g.add_node("Add")
    for s, t in [(i.id, a.id), (i.id, b.id), (a.id, add.id), (b.id, add.id)]:
        g.add_edge(s, t)
    r = analyze(g)
    mism = [p for p in r.problems if p.code == "shape"]
    assert len(mism) == 1 and mism[0].node_id == add.id
    assert "[batch, 3], [batch, 5]" in mism[0].message
    g.set_param(b.id, "units", 3)
    r = analyze(g)
    assert r.ok and r.sizes[add.id] == 3
    cat = g.add_node("Concat")
    g.remove_edge(a.id, add.id)
    g.remove_edge(b.id, add.id)
    g.remove_node(add.id)
    g.add_edge(a.id, cat.id)
    g.add_edge(b.id, cat.id)
    r = analyze(g)
    assert r.ok and r.sizes[cat.id] == 6


def test_merge_needs_two_inputs():
    g = chain(("Add", {}))
    r = analyze(g)
    assert [p.code for p in r.problems] == ["missing_input"]


def test_auto_sizes_need_data_and_follow_it():
    g = dense_chain([16, "auto"], input_size="auto")
    r = analyze(g)
    assert codes(r) == ["auto_no_data"]
    r = analyze(g, ShapeContext(n_features=20, n_outputs=4))
    ids = list(g.nodes)
    assert r.ok and r.sizes[ids[0]] == 20 and r.sizes[ids[-1]] == 4


def test_auto_units_on_hidden_layer_is_refused():
    g = dense_chain(["auto", 2], input_size=3)
    r = analyze(g, ShapeContext(3, 2))
    assert codes(r) == ["shape"] and "output layer" in r.problems[0].message


def test_explicit_size_mismatch_with_data():
    g = dense_chain([2], input_size=3)
    r = analyze(g, ShapeContext(n_features=5, n_outputs=2))
    assert "data has 5 features" in r.problems[0].message


def test_bad_param_value_is_a_problem_not_an_exception():
    g = dense_chain([2], input_size=3)
    node = list(g.nodes.values())[1]
    node.params["units"] = -4  # as a corrupt file or bug might leave it
    r = analyze(g)
    assert codes(r) == ["bad_param"] and r.problems[0].node_id == node.id


def test_explicit_weights_shape_checked():
    g = chain(
        ("Dense", {"units": 2, "weight_init": {"name": "explicit", "values": [[1, 2, 3]]}}),
        input_size=2,
    )
    r = analyze(g)
    assert codes(r) == ["explicit_shape"]
    assert "1×3" in r.problems[0].message and "2×2" in r.problems[0].message


def test_multiple_inputs_select_columns():
    g = Graph()
    a = g.add_node("Input", {"select": "0:3"})
    b = g.add_node("Input", {"select": "3:"})
    cat = g.add_node("Concat")
    out = g.add_node("Dense", {"units": 1, "activation": "identity"})
    for s, t in [(a.id, cat.id), (b.id, cat.id), (cat.id, out.id)]:
        g.add_edge(s, t)
    r = analyze(g, ShapeContext(n_features=5, n_outputs=1))
    assert r.ok and r.sizes[a.id] == 3 and r.sizes[b.id] == 2 and r.sizes[cat.id] == 5
    g.set_param(b.id, "select", "4:9")
    r = analyze(g, ShapeContext(n_features=5, n_outputs=1))
    assert "outside the 5 features" in r.problems[0].message


def test_output_units_for_task_and_loss():
    assert output_units_for("classification", 4, 1, "cross_entropy") == 4
    assert output_units_for("classification", 2, 1, "bce_with_logits") == 1
    assert output_units_for("regression", 0, 1, "mse") == 1
    assert output_units_for("regression", 0, 3, "mse") == 3

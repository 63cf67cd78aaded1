"""Graph → torch module and the lesson's parameter summary."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstudio.core.catalogue.layers import LAYERS, ShapeContext
from nnstudio.core.errors import GraphError
from nnstudio.core.network.builder import build_model, summarize
from nnstudio.core.network.graph import Graph
from tests.core.helpers import chain


def lesson_network() -> Graph:
    """seed-notes §1: Linear(3,3)+xavier_normal → Sigmoid → Linear(3,2)+kaiming_normal → ReLU
    → Linear(2,2) → Softmax."""
    return chain(
        ("Dense", {"units": 3, "activation": "sigmoid", "weight_init": "xavier_normal"}),
        ("Dense", {"units": 2, "activation": "relu", "weight_init": "kaiming_normal"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
        input_size=3,
    )


def test_lesson_summary_12_8_6_total_26():
    s = summarize(lesson_network(), batch=5)
    assert [r.params for r in s.rows] == [0, 12, 8, 6]
    assert s.total_params == 26 and s.trainable_params == 26
    assert [r.output_shape for r in s.rows] == [(5, 3), (5, 3), (5, 2), (5, 2)]
    text = s.table()
    assert "Total params: 26" in text and "Trainable params: 26" in text


def test_lesson_model_forward_shape_and_softmax_rows():
    model = build_model(lesson_network(), seed=0)
    out = model(torch.randn(5, 3))
    assert out.shape == (5, 2)
    assert torch.allclose(out.sum(dim=1), torch.ones(5))
    assert sum(p.numel() for p in model.parameters()) == 26


def test_summary_counts_match_built_module_for_every_layer_type():
    g = Graph()
    i = g.add_node("Input", {"size": 6})
    d1 = g.add_node("Dense", {"units": 4, "activation": {"name": "prelu", "per_unit": True}})
    bn = g.add_node("BatchNorm1d")
    d2 = g.add_node("Dense", {"units": 4, "bias": False})
    add = g.add_node("Add")
    act = g.add_node("Activation", {"activation": "tanh"})
    drop = g.add_node("Dropout", {"p": 0.2})
    cat = g.add_node("Concat")
    out = g.add_node("Dense", {"units": 2, "activation": "identity"})
    for s, t in [
        (i.id, d1.id),
        (d1.id, bn.id),
        (bn.id, d2.id),
        (d2.id, add.id),
        (bn.id, add.id),
        (add.id, act.id),
        (act.id, drop.id),
        (drop.id, cat.id),
        (i.id, cat.id),
        (cat.id, out.id),
    ]:
        g.add_edge(s, t)
    s = summarize(g)
    model = build_model(g, seed=1)
    for row in s.rows:
        module = model.layers[row.node_id]
        assert row.params == sum(p.numel() for p in module.parameters()), row.name
    assert s.total_params == sum(p.numel() for p in model.parameters())
    assert not model.is_chain
    y = model(torch.randn(7, 6))
    assert y.shape == (7, 2)
    assert set(LAYERS.names()) == {
        "Input",
        "Dense",
        "Activation",
        "Dropout",
        "BatchNorm1d",
        "Add",
        "Concat",
    }


def test_frozen_layer_has_no_grad_and_counts_as_non_trainable():
    g = chain(("Dense", {"units": 3}), ("Dense", {"units": 1}), input_size=2)
    first = list(g.nodes.values())[1]
    g.set_attribute(first.id, "trainable", False)
    s = summarize(g)
    assert s.total_params == 9 + 4 and s.trainable_params == 4
    model = build_model(g)
    assert not any(p.requires_grad for p in model.layers[first.id].parameters())


def test_seeded_build_matches_hand_written_module():
    g = chain(
        ("Dense", {"units": 5}), ("Dense", {"units": 2, "activation": "identity"}), input_size=3
    )
    model = build_model(g, seed=0)
    torch.manual_seed(0)
    l1, l2 = nn.Linear(3, 5), nn.Linear(5, 2)
    ids = list(g.nodes)
    assert torch.equal(model.layers[ids[1]].weight, l1.weight)
    assert torch.equal(model.layers[ids[2]].bias, l2.bias)


def test_invalid_graph_raises_graph_error_with_first_problem():
    g = chain(("Dense", {"units": 2}), input_size="auto")
    with pytest.raises(GraphError, match="no data is loaded"):
        build_model(g)
    assert build_model(g, ShapeContext(n_features=4)).layers[next(iter(g.nodes))].stop == 4


def test_backprop_lesson_explicit_weights():
    g = chain(
        (
            "Dense",
            {
                "units": 2,
                "activation": "sigmoid",
                "weight_init": {"name": "explicit", "values": [[0.15, 0.20], [0.25, 0.30]]},
                "bias_init": {"name": "explicit", "values": [[0.35]]},
            },
        ),
        (
            "Dense",
            {
                "units": 2,
                "activation": "sigmoid",
                "weight_init": {"name": "explicit", "values": [[0.40, 0.45], [0.50, 0.55]]},
                "bias_init": {"name": "explicit", "values": [[0.60, 0.60]]},
            },
        ),
        input_size=2,
    )
    model = build_model(g)
    out = model(torch.tensor([[0.05, 0.10]]))
    assert torch.allclose(out, torch.tensor([[0.751365, 0.772928]]), atol=1e-6)
    parts = model.trace(torch.tensor([[0.05, 0.10]]))
    hidden = parts[list(g.nodes)[1]]["a"]
    assert torch.allclose(hidden, torch.tensor([[0.593270, 0.596884]]), atol=1e-6)


def test_xor_step_network_outputs_0110():
    g = chain(
        (
            "Dense",
            {
                "units": 2,
                "activation": "step",
                "weight_init": {"name": "explicit", "values": [[1, 1], [1, 1]]},
                "bias_init": {"name": "explicit", "values": [[-1.5, -0.5]]},
            },
        ),
        (
            "Dense",
            {
                "units": 1,
                "activation": "step",
                "weight_init": {"name": "explicit", "values": [[-1, 1]]},
                "bias_init": {"name": "explicit", "values": [[-0.5]]},
            },
        ),
        input_size=2,
    )
    out = build_model(g)(torch.tensor([[0.0, 0], [1, 0], [0, 1], [1, 1]]))
    assert out.reshape(-1).tolist() == [0, 1, 1, 0]

"""Quick build: the lecture's notation for an MLP becomes a chain of layers, or a clear error."""

from __future__ import annotations

import pytest

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.errors import GraphError
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.graph import Graph
from nnstudio.core.network.quickbuild import QuickBuildSpec, parse_quick_build, quick_build_layers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20-128-256-4 relu", QuickBuildSpec(20, (128, 256), 4, "relu", "identity")),
        ("auto-64-32-auto tanh", QuickBuildSpec("auto", (64, 32), "auto", "tanh", "identity")),
        ("3-5-5-2 relu out=softmax", QuickBuildSpec(3, (5, 5), 2, "relu", "softmax")),
        ("2 16 16 1 sigmoid", QuickBuildSpec(2, (16, 16), 1, "sigmoid", "identity")),
        ("784-128-10 relu dropout=0.2", QuickBuildSpec(784, (128,), 10, "relu", "identity", 0.2)),
        ("4-3", QuickBuildSpec(4, (), 3)),
        ("  10 - 5 ", QuickBuildSpec(10, (), 5)),
        ("2-8-1 Leaky-ReLU", QuickBuildSpec(2, (8,), 1, "leaky_relu")),
        ("2-8-1 act=tanh out=sigmoid", QuickBuildSpec(2, (8,), 1, "tanh", "sigmoid")),
        ("2-8-1 relu out=logistic", QuickBuildSpec(2, (8,), 1, "relu", "sigmoid")),  # alias
        ("2,8,1 gelu", QuickBuildSpec(2, (8,), 1, "gelu")),
        ("AUTO-8-Auto", QuickBuildSpec("auto", (8,), "auto")),
    ],
)
def test_parse(text: str, expected: QuickBuildSpec) -> None:
    assert parse_quick_build(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "type the layer sizes"),
        ("   ", "type the layer sizes"),
        ("20", "at least an input size and an output size"),
        ("relu", "at least an input size"),
        ("20-auto-4", "'auto' only fits"),
        ("20-0-4", "between 1 and"),
        ("20-128-4 swish2", "'swish2' is not a layer size or an activation"),
        ("20-4 relu tanh", "one hidden activation"),
        ("20-4.5-2", "whole numbers"),
        ("20--4", "whole numbers"),
        ("20-4 dropout=1", "below 1"),
        ("20-4 dropout=x", "not a number"),
        ("20-4 out=", "needs a value"),
        ("20-4 lr=0.1", "unknown option 'lr'"),
        ("20-4 relu 8", "sizes must come before the activation"),
        ("-".join(["4"] * 105), "more than the 100 allowed"),
    ],
)
def test_errors_say_what_is_wrong_with_an_example(text: str, words: str) -> None:
    with pytest.raises(GraphError) as info:
        parse_quick_build(text)
    message = str(info.value)
    assert words in message
    assert "example: 20-128-256-4 relu" in message
    assert "\n" not in message


def test_layers_for_a_chain_with_dropout() -> None:
    layers = quick_build_layers(parse_quick_build("784-128-64-10 relu dropout=0.2 out=softmax"))
    assert layers == [
        ("Input", {"size": 784}),
        ("Dense", {"units": 128, "activation": {"name": "relu"}}),
        ("Dropout", {"p": 0.2}),
        ("Dense", {"units": 64, "activation": {"name": "relu"}}),
        ("Dropout", {"p": 0.2}),
        ("Dense", {"units": 10, "activation": {"name": "softmax"}}),
    ]


def test_dropout_zero_means_none() -> None:
    spec = parse_quick_build("4-8-2 dropout=0")
    assert spec.dropout is None
    assert [t for t, _ in quick_build_layers(spec)] == ["Input", "Dense", "Dense"]


def test_built_chain_analyzes_cleanly() -> None:
    g = Graph()
    previous = None
    for layer_type, params in quick_build_layers(parse_quick_build("auto-16-8-auto tanh")):
        node = g.add_node(layer_type, params)
        if previous is not None:
            g.add_edge(previous, node.id)
        previous = node.id
    result = analyze(g, ShapeContext(n_features=5, n_outputs=3))
    assert result.ok
    assert list(result.sizes.values()) == [5, 16, 8, 3]

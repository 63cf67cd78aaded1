"""The initialisation explorer's numbers: fans, the lesson's formulas, symmetry, no edits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.lessons.initialization import (
    BATCH,
    dense_layers,
    exploration_inputs,
    explore,
    init_formulas,
)
from tests.core.helpers import dense_chain


@pytest.fixture
def graph():
    return dense_chain([3, 5, 2], activation="relu", input_size=4)


def test_fans_are_the_inputs_and_units_of_each_dense_layer(graph):
    assert [(fi, fo) for _nid, fi, fo in dense_layers(graph)] == [(4, 3), (3, 5), (5, 2)]


def test_the_lessons_formulas_are_filled_in_with_the_layers_fans():
    formulas = {f.label: f for f in init_formulas(3, 5)}
    assert formulas["Xavier/Glorot normal"].value == pytest.approx(math.sqrt(2 / 8))
    assert formulas["Xavier/Glorot normal"].text.endswith("√(2/(3+5)) = 0.5000")
    assert formulas["Xavier/Glorot uniform"].value == pytest.approx(math.sqrt(6 / 8))
    assert formulas["Kaiming/He normal"].value == pytest.approx(math.sqrt(2 / 3))
    assert formulas["Kaiming/He normal"].text == "std = √(2/fan_in) = √(2/3) = 0.8165"
    assert formulas["Kaiming/He uniform"].value == pytest.approx(math.sqrt(6 / 3))
    assert formulas["Uniform ±1/√d (PyTorch default)"].value == pytest.approx(1 / math.sqrt(3))


def test_without_data_the_batch_is_standard_normal_rows_of_the_input_width(graph):
    x = exploration_inputs(graph, None, None)
    assert x.shape == (BATCH, 4)
    assert abs(float(x.mean())) < 0.2 and abs(float(x.std()) - 1) < 0.2


def test_an_auto_sized_input_without_data_gives_no_batch():
    graph = dense_chain([3, 2], input_size="auto")
    assert exploration_inputs(graph, None, None) is None
    assert exploration_inputs(graph, ShapeContext(n_features=6, n_outputs=2), None).shape[1] == 6


def test_mean_and_std_are_those_of_the_layers_outputs(graph):
    x = exploration_inputs(graph, None, None)
    first = explore(graph, None, x)[0]
    nid = first.node_id
    # The same network built by hand with the same seed gives the same outputs.
    from nnstudio.core.network.builder import build_model

    with torch.random.fork_rng(devices=[]):
        model = build_model(graph, None, seed=0)
    a = model.trace(x)[nid]["a"].detach().double()
    assert first.mean == pytest.approx(float(a.mean()))
    assert first.std == pytest.approx(float(a.std(unbiased=False)))
    assert int(first.counts.sum()) == a.numel()


def test_kaiming_keeps_relu_activations_alive_where_tiny_weights_shrink_them():
    graph = dense_chain([64, 64, 64, 64, 2], activation="relu", input_size=64)
    x = exploration_inputs(graph, None, None)
    ids = [nid for nid, _fi, _fo in dense_layers(graph)]
    he = explore(graph, None, x, {nid: {"name": "kaiming_normal"} for nid in ids}, zero_bias=True)
    tiny = explore(
        graph, None, x, {nid: {"name": "normal", "std": 0.01} for nid in ids}, zero_bias=True
    )
    assert he[3].std > 0.3
    assert tiny[3].std < 1e-3


def test_constant_weights_with_zero_biases_make_every_neuron_identical(graph):
    x = exploration_inputs(graph, None, None)
    ids = [nid for nid, _fi, _fo in dense_layers(graph)]
    for init in ({"name": "zeros"}, {"name": "ones"}, {"name": "constant", "value": 0.2}):
        layers = explore(graph, None, x, {ids[1]: init}, zero_bias=True)
        assert layers[1].identical and layers[1].same_weights
        assert not layers[0].identical


def test_random_biases_tell_apart_neurons_with_the_same_weights(graph):
    x = exploration_inputs(graph, None, None)
    ids = [nid for nid, _fi, _fo in dense_layers(graph)]
    layer = explore(graph, None, x, {ids[1]: {"name": "ones"}})[1]
    assert layer.same_weights and not layer.identical


def test_exploring_leaves_the_project_graph_and_random_state_alone(graph):
    before = graph.to_dict()
    x = exploration_inputs(graph, None, None)
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    ids = [nid for nid, _fi, _fo in dense_layers(graph)]
    explore(graph, None, x, {ids[0]: {"name": "zeros"}}, zero_bias=True)
    assert torch.equal(torch.rand(2), expected)
    assert graph.to_dict() == before


def test_histograms_cover_every_value(graph):
    x = exploration_inputs(graph, None, None)
    for layer in explore(graph, None, x):
        assert len(layer.edges) == len(layer.counts) + 1
        assert np.all(np.diff(layer.edges) > 0)

"""What the neuron view draws, worked out without Qt: columns, weights, places and looks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.graph import Graph
from nnstudio.gui.neuron_topology import (
    LEVELS,
    MAX_ALPHA,
    MAX_FIT_SCALE,
    MAX_LINE,
    MAX_RING,
    MIN_ALPHA,
    MIN_COLUMN_GAP,
    MIN_FIT_SCALE,
    MIN_LINE,
    MIN_RING,
    RADIUS,
    ROW_GAP,
    LayerScale,
    bias_ring,
    code_look,
    column_gap,
    diverging_rgb,
    fit_scale,
    heatmap_rgba,
    line_between,
    network_bounds,
    topology_for,
    unit_positions,
    weight_codes,
)

BLUE, RED = (47, 111, 208), (228, 87, 46)


def chain(*sizes: int, activation: str = "relu") -> tuple[Graph, object]:
    """Input of ``sizes[0]`` features, then one Dense layer per further size."""
    g = Graph()
    previous = g.add_node("Input", {"size": sizes[0]}).id
    for units in sizes[1:]:
        node = g.add_node("Dense", {"units": units, "activation": {"name": activation}})
        g.add_edge(previous, node.id)
        previous = node.id
    return g, analyze(g, ShapeContext(n_features=sizes[0]))


def test_a_chain_has_one_column_per_dense_layer_after_the_inputs() -> None:
    g, analysis = chain(2, 3, 1)
    topo = topology_for(g, analysis, 2, ["age", "income"])
    assert [c.title for c in topo.columns] == ["Input", "dense_1", "dense_2"]
    assert [c.caption for c in topo.columns] == ["2 features", "3 units · relu", "1 unit · relu"]
    assert topo.columns[0].labels == ("age", "income")
    assert [(c.in_features, c.column) for c in topo.connections] == [(2, 1), (3, 2)]
    assert topo.connections[1].origins == (((1, 0),), ((1, 1),), ((1, 2),))
    assert (topo.widest, topo.big, topo.limit) == (3, False, 0)


def test_feature_names_that_do_not_match_the_inputs_become_x1_x2() -> None:
    g, analysis = chain(2, 1)
    assert topology_for(g, analysis, 2, ["only one"]).columns[0].labels == ("x1", "x2")


def test_the_output_column_is_labelled_with_the_class_names() -> None:
    g, analysis = chain(4, 3)
    topo = topology_for(g, analysis, 4, None, ["setosa", "versicolor", "virginica"])
    assert topo.columns[-1].labels == ("setosa", "versicolor", "virginica")


def test_a_network_without_a_dense_layer_has_no_picture() -> None:
    g = Graph()
    g.add_node("Input", {"size": 2})
    assert topology_for(g, analyze(g, ShapeContext(n_features=2)), 2) is None


def test_a_big_layer_is_flagged_and_a_limit_draws_only_its_first_units() -> None:
    g, analysis = chain(3, 100, 2)
    assert topology_for(g, analysis, 3).big
    topo = topology_for(g, analysis, 3, limit=16)
    assert [c.shown for c in topo.columns] == [3, 16, 2]
    assert topo.limit == 16
    # Undrawn units feed the next layer through no line.
    assert topo.connections[1].origins[15] == ((1, 15),)
    assert topo.connections[1].origins[16] == ()


def test_an_add_merges_the_circles_of_its_inputs() -> None:
    g = Graph()
    x = g.add_node("Input", {"size": 2}).id
    a = g.add_node("Dense", {"units": 2}).id
    b = g.add_node("Dense", {"units": 2}).id
    add = g.add_node("Add").id
    out = g.add_node("Dense", {"units": 1}).id
    for s, t in ((x, a), (x, b), (a, add), (b, add), (add, out)):
        g.add_edge(s, t)
    topo = topology_for(g, analyze(g, ShapeContext(n_features=2)), 2)
    last = topo.connections[-1]
    assert last.in_features == 2
    assert [sorted(o) for o in last.origins] == [[(1, 0), (2, 0)], [(1, 1), (2, 1)]]


def test_columns_stand_further_apart_when_they_are_tall() -> None:
    short = topology_for(*chain(2, 3, 1), 2)
    tall = topology_for(*chain(2, 40, 1), 2)
    assert column_gap(short) == MIN_COLUMN_GAP
    assert column_gap(tall) == pytest.approx(0.55 * 40 * ROW_GAP)


def test_each_column_is_centred_on_the_middle_line() -> None:
    topo = topology_for(*chain(2, 3, 1), 2)
    places = unit_positions(topo)
    assert places[0] == [(0.0, -ROW_GAP / 2), (0.0, ROW_GAP / 2)]
    assert places[1] == [
        (MIN_COLUMN_GAP, -ROW_GAP),
        (MIN_COLUMN_GAP, 0.0),
        (MIN_COLUMN_GAP, ROW_GAP),
    ]
    assert places[2] == [(2 * MIN_COLUMN_GAP, 0.0)]
    x, y, w, h = network_bounds(places)
    assert (x, y) == (-RADIUS, -ROW_GAP - RADIUS)
    assert (w, h) == (2 * MIN_COLUMN_GAP + 2 * RADIUS, 2 * ROW_GAP + 2 * RADIUS)


def test_a_weight_line_runs_from_rim_to_rim() -> None:
    assert line_between((0.0, 0.0), (100.0, 0.0)) == (RADIUS, 0.0, 100.0 - RADIUS, 0.0)
    x1, y1, x2, y2 = line_between((0.0, 0.0), (30.0, 40.0))
    assert (x1, y1) == pytest.approx((0.6 * RADIUS, 0.8 * RADIUS))
    assert (x2, y2) == pytest.approx((30 - 0.6 * RADIUS, 40 - 0.8 * RADIUS))


def test_a_fit_never_zooms_in_too_far_nor_shrinks_a_tall_network_to_specks() -> None:
    assert fit_scale(800, 600, 100, 100) == MAX_FIT_SCALE
    assert fit_scale(800, 600, 800, 300) == pytest.approx(1.0)
    # Too tall for the height: the fit stops at the smallest legible scale and scrolls.
    assert fit_scale(800, 100, 400, 2000) == MIN_FIT_SCALE
    # Too wide: the width wins, however small that makes it.
    assert fit_scale(100, 600, 1000, 100) == pytest.approx(0.1)


def test_weights_get_a_look_by_sign_and_magnitude_step() -> None:
    codes = weight_codes(np.array([2.0, -2.0, 1.0, -0.0, 0.0, -5.0]), 2.0)
    assert codes.tolist() == [2 * LEVELS - 1, LEVELS - 1, LEVELS + 6, LEVELS, LEVELS, LEVELS - 1]


def test_a_look_grows_from_faint_and_thin_to_opaque_and_thick() -> None:
    assert code_look(LEVELS) == (True, MIN_ALPHA, MIN_LINE)
    assert code_look(2 * LEVELS - 1) == (True, MAX_ALPHA, pytest.approx(MAX_LINE))
    positive, alpha, width = code_look(6)
    assert not positive
    assert alpha == int(MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * 6 / 11)
    assert width == pytest.approx(MIN_LINE + (MAX_LINE - MIN_LINE) * 6 / 11)


def test_a_layers_thickest_line_keeps_its_scale_until_the_largest_weight_moves_far() -> None:
    scale = LayerScale()
    assert scale("d", np.array([0.5, -1.0])) == 1.0
    assert scale("d", np.array([0.8])) == 1.0  # within [70 %, 100 %]: unchanged
    assert scale("d", np.array([0.6])) == 0.6  # below 70 %: follows
    assert scale("d", np.array([0.9])) == 0.9  # above: follows at once
    assert scale("other", np.array([])) == 1.0
    assert scale("nan", np.array([math.nan])) == 1.0
    scale.clear()
    assert scale("d", np.array([0.2])) == 0.2


def test_a_bias_ring_is_coloured_by_sign_and_thickened_by_size() -> None:
    assert bias_ring(2.0, 2.0) == (True, MAX_RING)
    assert bias_ring(-1.0, 2.0) == (False, pytest.approx(MIN_RING + (MAX_RING - MIN_RING) / 2))
    assert bias_ring(0.0, 0.0) is None
    assert bias_ring(1.0, math.inf) is None


def test_heat_map_colours_run_from_the_negative_colour_through_white_to_the_positive() -> None:
    rgb = diverging_rgb(np.array([-1.0, 0.0, 1.0, math.nan, 5.0]), BLUE, RED)
    assert rgb.tolist() == [list(RED), [255, 255, 255], list(BLUE), [255, 255, 255], list(BLUE)]


def test_each_heat_map_is_scaled_by_its_own_largest_value_and_flipped_so_y_goes_up() -> None:
    maps = np.array([[[0.0, 1.0], [-1.0, 0.5]], [[0.0, 0.0], [0.0, 0.0]]])
    rgba = heatmap_rgba(maps, BLUE, RED)
    assert rgba.shape == (2, 2, 2, 4) and rgba.dtype == np.uint8
    # Image row 0 is the map's top row: the last map row (y up).
    assert rgba[0, 0, 0, :3].tolist() == list(RED)
    assert rgba[0, 1, 1, :3].tolist() == list(BLUE)
    assert (rgba[1, ..., :3] == 255).all() and (rgba[..., 3] == 255).all()

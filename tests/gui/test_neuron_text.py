"""What the neuron view says, composed without Qt: read-outs, ranges, captions and notes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.graph import Graph
from nnstudio.core.training.probes import Grid, WeightsFrame
from nnstudio.gui.neuron_text import (
    big_network_note,
    caption_text,
    format_value,
    legend_html,
    map_range_text,
    neuron_text,
    problem_note,
    readout_line,
    run_started_text,
    sample_description,
    shortened_readout,
    unit_name,
    vector_text,
    weight_text,
)
from nnstudio.gui.neuron_topology import topology_for


def network(hidden: int = 2):
    g = Graph()
    x = g.add_node("Input", {"size": 2}).id
    h = g.add_node("Dense", {"units": hidden, "activation": {"name": "relu"}}, name="hidden")
    o = g.add_node("Dense", {"units": 2}, name="out")
    g.add_edge(x, h.id)
    g.add_edge(h.id, o.id)
    topo = topology_for(
        g, analyze(g, ShapeContext(n_features=2)), 2, ["age", "income"], ["no", "yes"]
    )
    return topo, h.id, o.id


def frame(h: str, o: str, grid: Grid | None = None, maps=None) -> WeightsFrame:
    return WeightsFrame(
        epoch=1,
        step=4,
        weights={h: np.array([[0.5, -0.25], [1.0, 2.0]]), o: np.array([[-1.5, 0.0], [3.0, 1.0]])},
        biases={h: np.array([0.125, -2.0]), o: np.array([0.0, 0.0])},
        maps=maps or {},
        grid=grid,
        sample={h: {"z": np.array([-0.3, 1.25]), "a": np.array([0.0, 1.25])}},
    )


def test_values_have_four_significant_digits_and_a_real_minus_sign() -> None:
    assert format_value(-0.123456) == "−0.1235"
    assert format_value(12345.6) == "1.235e+04"
    assert format_value(float("nan")) == "—"
    assert format_value(None) == "—"


def test_an_input_row_shows_its_first_six_values() -> None:
    assert vector_text([1.0, -2.0]) == "[1, −2]"
    assert vector_text(list(range(8))) == "[0, 1, 2, 3, 4, 5, …]"


def test_circles_are_named_by_their_input_or_their_layer_unit_and_class() -> None:
    topo, _, _ = network()
    assert unit_name(topo, 0, 1) == "input income"
    assert unit_name(topo, 1, 0) == "hidden unit 1"
    assert unit_name(topo, 2, 1) == "out unit 2 (yes)"


def test_a_neuron_reads_out_z_a_and_its_bias_for_the_reference_row() -> None:
    topo, h, o = network()
    text = neuron_text(topo, frame(h, o), 1, 1, None, "for validation row 1: x = [1, 2]")
    assert text.splitlines() == [
        "hidden unit 2",
        "z = w·x + b = 1.25",
        "a = relu(z) = 1.25",
        "bias b = −2",
        "for validation row 1: x = [1, 2]",
    ]
    assert readout_line(text) == "  ·  ".join(text.splitlines())


def test_an_output_neuron_without_a_sample_says_only_its_bias() -> None:
    topo, h, o = network()
    assert neuron_text(topo, frame(h, o), 2, 0, None, "the dataset has no rows").splitlines() == [
        "out unit 1 (no)",
        "bias b = 0",
        "the dataset has no rows",
    ]
    assert neuron_text(topo, None, 2, 0, None, "where").splitlines() == ["out unit 1 (no)", "where"]


def test_an_input_circle_reads_out_its_value() -> None:
    topo, h, o = network()
    assert neuron_text(topo, frame(h, o), 0, 1, np.array([0.5, -3.0]), "row 1") == (
        "input income\nx = −3  (row 1)"
    )
    assert neuron_text(topo, None, 0, 0, None, "no data") == "input age\nx = —  (no data)"


def test_a_weight_reads_out_what_it_joins_and_its_value() -> None:
    topo, h, o = network()
    assert weight_text(topo, frame(h, o), o, 1, 0, (1, 0)) == (
        "weight from hidden unit 1 to out unit 2 (yes)\nw = 3"
    )
    assert weight_text(topo, None, h, 0, 1, (0, 1)) == "weight from input income to hidden unit 1"


def test_a_heat_map_says_what_its_colours_span() -> None:
    topo, h, o = network()
    grid = Grid(-1.0, 1.0, -2.0, 2.5, 2)
    maps = {h: np.array([[[0.0, np.nan], [-0.5, 2.0]], [[0.0, 0.0], [0.0, 0.0]]])}
    shown = frame(h, o, grid, maps)
    assert map_range_text(topo, shown, 0, 0) == "x from −1 to 1"
    assert map_range_text(topo, shown, 0, 1) == "x from −2 to 2.5"
    assert map_range_text(topo, shown, 1, 0) == "a from −0.5 to 2"
    assert map_range_text(topo, shown, 1, 1) == "a = 0 everywhere (a dead unit)"
    assert map_range_text(topo, shown, 2, 0) == ""
    assert map_range_text(topo, frame(h, o), 1, 0) == ""
    assert map_range_text(None, shown, 1, 0) == ""


def test_the_reference_row_is_the_first_validation_row_else_the_first_training_row() -> None:
    empty = torch.zeros(0, 2)
    assert sample_description(None) == "no data loaded: z and a need an input row"
    both = SimpleNamespace(x_val=torch.tensor([[0.25, -1.5]]), x_train=torch.ones(3, 2))
    assert sample_description(both) == "for validation row 1: x = [0.25, −1.5]"
    train = SimpleNamespace(x_val=empty, x_train=torch.tensor([[2.0, 3.0]]))
    assert sample_description(train) == "for training row 1: x = [2, 3]"
    assert sample_description(SimpleNamespace(x_val=empty, x_train=empty)) == (
        "the dataset has no rows"
    )


def test_a_long_readout_drops_whole_parts_from_its_end_to_fit() -> None:
    text = "  ·  ".join(["hidden unit 2", "z = 1.25", "a = 1.25"])
    width = len  # one unit per character
    assert shortened_readout(text, width, 100) == text
    assert shortened_readout(text, width, 38) == "hidden unit 2  ·  z = 1.25  ·  …"
    assert shortened_readout(text, width, 20) == "hidden unit 2  ·  …"
    assert shortened_readout(text, width, 10) is None


def test_the_caption_names_the_weights_and_any_unit_limit() -> None:
    topo, _, _ = network()
    assert caption_text("Live: epoch 2, step 8", topo) == "Live: epoch 2, step 8"
    limited = topo.__class__(topo.columns, topo.connections, topo.widest, True, 16)
    assert caption_text("Trained weights (3 epochs)", limited) == (
        "Trained weights (3 epochs)  ·  first 16 units of each layer"
    )
    assert caption_text("Initial", None) == "Initial"


def test_the_legend_names_the_weight_colours_and_what_the_fill_means() -> None:
    html = legend_html(True, "#2f6fd0", "#e4572e")
    assert "<span style='color:#2f6fd0'>━━</span> positive" in html
    assert "<span style='color:#e4572e'>━━</span> negative weight" in html
    assert html.endswith("fill = the neuron's output over the input plane")
    assert legend_html(False, "#000", "#fff").endswith(
        "fill = activation a for the reference input"
    )


def test_notes_say_why_there_is_no_drawing() -> None:
    g = Graph()
    x = g.add_node("Input", {"size": 3}).id
    big = g.add_node("Dense", {"units": 1000}, name="wide").id
    g.add_edge(x, big)
    topo = topology_for(g, analyze(g, ShapeContext(n_features=3)), 3)
    assert big_network_note(topo).startswith(
        "This network is too big to draw every neuron: wide has 1,000 units, and the drawing "
        "stays readable up to 64 per layer.\n"
    )
    broken = SimpleNamespace(errors=[SimpleNamespace(message="dense_1 has no input")])
    assert problem_note(broken) == (
        "Fix the network's problems to see its neurons.\n\ndense_1 has no input"
    )
    assert problem_note(None) == "Fix the network's problems to see its neurons."


def test_a_run_says_whether_it_will_send_weights_to_watch() -> None:
    assert run_started_text(True) == "Training: waiting for the first weights…"
    assert run_started_text(False).startswith("This run started with the view hidden")

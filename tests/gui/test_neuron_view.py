"""The neuron view draws one circle per unit and one line per weight, and follows the weights."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.exceptions import TimeoutError as WaitTimeout

from nnstudio.core.network.builder import build_model
from nnstudio.core.project import Project, load_project
from nnstudio.core.training import RunStarted, train
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.core.training.probes import WeightsFrame, weights_frame
from nnstudio.core.training.runtime.batching import WatchOptions
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.neuron_text import format_value
from nnstudio.gui.neuron_topology import MAX_LINE, MIN_LINE
from nnstudio.gui.neuron_view import NeuronItem, NeuronView, WeightItem
from nnstudio.gui.theme import NEGATIVE_WEIGHT as NEGATIVE
from nnstudio.gui.theme import POSITIVE_WEIGHT as POSITIVE

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(tempfile.gettempdir()) / "nnstudio-class"


def open_view(qtbot, project: Project, size=(1000, 640)) -> NeuronView:
    document = ProjectDocument(project)
    document.workspace.reload_data()
    document.revalidate()
    view = NeuronView(document)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def sample(name: str) -> Project:
    return load_project(REPO / "samples" / f"{name}.nnsproj")


def dense_ids(view: NeuronView) -> list[str]:
    assert view.topology is not None
    return [c.node_id for c in view.topology.columns[1:]]


def frame_for(view: NeuronView, model, **kw) -> WeightsFrame:
    return weights_frame(model, view.weights_grid(), sample=view.sample_row(), **kw)


def hover(qtbot, view: NeuronView, item) -> None:
    """Move the real mouse onto ``item`` until the view reports the hover.

    It starts from a corner each time so Qt sees a move even if an earlier test left the
    pointer on that spot, and tries a few points inside the circle (a loaded machine may
    coalesce moves).
    """
    viewport = view.view.viewport()
    where = item.line().center() if isinstance(item, WeightItem) else item.scenePos()
    center = view.view.mapFromScene(where)
    for dx, dy in ((0, 0), (1, 1), (-1, 1), (1, -1), (0, 2)):
        QTest.mouseMove(viewport, QPoint(2, 2))
        QApplication.processEvents()
        QTest.mouseMove(viewport, center + QPoint(dx, dy))
        try:
            qtbot.waitUntil(lambda: view._hovered is item, timeout=1000)
            return
        except WaitTimeout:
            continue
    raise AssertionError(f"no hover on {view._unit_name(item.column, item.unit)} at {center}")


def test_spirals_has_one_circle_per_unit_and_one_line_per_weight(qtbot):
    view = open_view(qtbot, sample("spirals"))
    scene_items = view.scene.items()
    circles = [i for i in scene_items if isinstance(i, NeuronItem)]
    lines = [i for i in scene_items if isinstance(i, WeightItem)]
    assert len(circles) == 2 + 32 + 32 + 2
    assert len(lines) == 2 * 32 + 32 * 32 + 32 * 2
    assert [c.shown for c in view.topology.columns] == [2, 32, 32, 2]
    assert [c.title for c in view.topology.columns] == ["Input", "dense_1", "dense_2", "dense_3"]
    assert view.pages.currentIndex() == 0
    # Untrained: the drawing shows the seeded weights the next run starts from.
    assert "Initial weights (seed 0)" in view.caption.text()
    model = build_model(
        view.document.workspace.graph, view.document.workspace.shape_context, seed=0
    )
    first = dense_ids(view)[0]
    w = model.layers[first].weight.detach().numpy()
    assert view.frame is not None and np.allclose(view.frame.weights[first], w)


def test_line_pen_follows_the_weight_sign_and_magnitude(qtbot):
    view = open_view(qtbot, sample("spirals"))
    model = build_model(
        view.document.workspace.graph, view.document.workspace.shape_context, seed=0
    )
    first = dense_ids(view)[0]
    layer = model.layers[first]
    with torch.no_grad():
        layer.weight.mul_(0.01)  # everything small...
        layer.weight[0, 0] = 2.0  # ...except one big positive weight
        layer.weight[1, 0] = -1.0  # and one half as big, negative
        layer.weight[2, 1] = -0.01
    view.consume([RunStarted(5, 10, 100, 0, "cpu"), frame_for(view, model, epoch=1, step=3)])
    big = view.weight_item(first, 0, 0).pen()
    half = view.weight_item(first, 1, 0).pen()
    tiny = view.weight_item(first, 2, 1).pen()
    assert big.widthF() == pytest.approx(MAX_LINE)
    assert tiny.widthF() == pytest.approx(MIN_LINE)
    assert MIN_LINE < half.widthF() < MAX_LINE
    assert half.widthF() == pytest.approx(MIN_LINE + (MAX_LINE - MIN_LINE) * 6 / 11)
    assert big.color().rgb() == POSITIVE.rgb() and half.color().rgb() == NEGATIVE.rgb()
    assert tiny.color().rgb() == NEGATIVE.rgb()
    assert big.color().alpha() > half.color().alpha() > tiny.color().alpha()
    assert view.caption.text() == "Live: epoch 1, step 3"
    assert "w = 2" in view.hover_text(view.weight_item(first, 0, 0))
    assert "w = −1" in view.hover_text(view.weight_item(first, 1, 0))
    assert "from input x1 to dense_1 unit 2" in view.hover_text(view.weight_item(first, 1, 0))
    # Biases are the rings: sign → colour.
    with torch.no_grad():
        layer.bias.zero_()
        layer.bias[0] = 0.5
        layer.bias[1] = -0.5
    view.consume([frame_for(view, model)])
    assert view.neuron_item(1, 0).ring.color().rgb() == POSITIVE.rgb()
    assert view.neuron_item(1, 1).ring.color().rgb() == NEGATIVE.rgb()


def test_hover_reads_out_z_a_and_bias_of_the_reference_input(qtbot):
    view = open_view(qtbot, sample("spirals"))
    model = build_model(
        view.document.workspace.graph, view.document.workspace.shape_context, seed=3
    )
    frame = frame_for(view, model)
    view.consume([frame])
    second = dense_ids(view)[1]
    item = view.neuron_item(2, 5)
    text = view.hover_text(item)
    z = float(frame.sample[second]["z"][5])
    a = float(frame.sample[second]["a"][5])
    b = float(frame.biases[second][5])
    assert f"z = w·x + b = {format_value(z)}" in text
    assert f"a = relu(z) = {format_value(a)}" in text
    assert f"bias b = {format_value(b)}" in text
    x = view.document.workspace.prepared.x_val[0]
    assert f"for validation row 1: x = [{format_value(x[0])}, {format_value(x[1])}]" in text
    # A real mouse hover shows the same text below the drawing.
    hover(qtbot, view, item)
    assert "dense_2 unit 6" in view.info.text()
    assert format_value(z) in view.info.text() and item.highlighted
    assert item.toolTip() == text


def test_hovering_a_line_reads_out_its_weight(qtbot):
    view = open_view(qtbot, sample("xor_step"))
    output = dense_ids(view)[1]
    item = view.weight_item(output, 0, 1)
    hover(qtbot, view, item)
    value = float(view.frame.weights[output][0, 1])
    assert view.info.text() == (
        f"weight from dense_1 unit 2 to dense_2 unit 1  ·  w = {format_value(value)}"
    )
    assert item.toolTip().endswith(f"w = {format_value(value)}")
    assert not item.flags() & item.GraphicsItemFlag.ItemHasNoContents  # drawn highlighted


def test_two_feature_data_gives_every_neuron_a_heat_map(qtbot):
    view = open_view(qtbot, sample("spirals"))
    for item in view.neuron_items():
        assert item.heatmap is not None and not item.heatmap.isNull()
        assert item.heatmap.width() == 32
    # x1 grows left → right, so the input heat map of x1 is orange on the left, blue right.
    image = view.neuron_item(0, 0).heatmap
    left, right = image.pixelColor(0, 16), image.pixelColor(31, 16)
    assert left.red() > left.blue() and right.blue() > right.red()
    iris = open_view(qtbot, sample("iris"))
    assert all(item.heatmap is None for item in iris.neuron_items())
    assert [c.shown for c in iris.topology.columns] == [4, 16, 3]
    assert iris.topology.columns[0].labels[0] == "sepal length (cm)"
    assert iris.topology.columns[-1].labels == ("setosa", "versicolor", "virginica")


def test_big_network_shows_a_note_then_the_first_units(qtbot):
    project = Project()
    previous = project.graph.add_node("Input", {"size": 784})
    for units in (128, 10):
        node = project.graph.add_node("Dense", {"units": units})
        project.graph.add_edge(previous.id, node.id)
        previous = node
    view = open_view(qtbot, project)
    assert view.pages.currentIndex() == 1
    assert "784" in view.note.text() and "too big" in view.note.text()
    assert view.truncate_button.isVisible()
    assert not view.neuron_items() and not view.wants_weights()
    view.truncate_spin.setValue(8)
    qtbot.mouseClick(view.truncate_button, Qt.MouseButton.LeftButton)
    assert view.pages.currentIndex() == 0
    assert [c.shown for c in view.topology.columns] == [8, 8, 8]
    assert len(view.weight_items()) == 8 * 8 + 8 * 8
    assert view.wants_weights()
    options = view.watch_options(WatchOptions())
    assert options.weights and options.weights_grid is None and options.sample is None


def test_watch_options_add_weights_only_while_shown(qtbot):
    view = open_view(qtbot, sample("spirals"))
    base = WatchOptions(boundary=None, weights=False)
    options = view.watch_options(base)
    assert options.weights and options.weights_grid is not None
    assert options.weights_grid.resolution == 32
    assert torch.equal(options.sample, view.document.workspace.prepared.x_val[0])
    assert view.sample_row() is not None
    view.hide()
    assert not view.wants_weights() and view.watch_options(base) is base


def test_follows_graph_edits_and_project_replacement(qtbot):
    view = open_view(qtbot, sample("spirals"))
    doc = view.document
    first = dense_ids(view)[0]
    doc.workspace.graph.set_param(first, "units", 8)
    qtbot.waitUntil(lambda: view.topology.columns[1].shown == 8, timeout=3000)
    assert len(view.weight_items()) == 2 * 8 + 8 * 32 + 32 * 2
    assert len(view.neuron_items()) == 2 + 8 + 32 + 2
    doc.replace_project(sample("iris"))
    qtbot.waitUntil(lambda: len(view.neuron_items()) == 4 + 16 + 3, timeout=3000)
    assert len(view.weight_items()) == 4 * 16 + 16 * 3


def test_trained_weights_are_shown_after_a_run(qtbot):
    view = open_view(qtbot, sample("iris"))
    doc = view.document
    plan = plan_run(doc.project, loaded=(doc.workspace.table, doc.workspace.prepared))
    plan.job = dataclasses.replace(plan.job, settings=plan.job.settings.replace(epochs=2))
    result = train(plan.job)
    store_result(doc.project, plan, result)
    doc.mark_dirty()
    qtbot.waitUntil(lambda: "Trained weights (2 epochs)" in view.caption.text(), timeout=3000)
    second = dense_ids(view)[1]
    assert np.allclose(
        view.frame.weights[second], plan.model.layers[second].weight.detach().numpy()
    )


def test_live_frames_update_fast_and_reuse_items(qtbot):
    """A 2-16-16-2 network takes well over 10 frames a second, restyling the same items."""
    project = sample("spirals")
    for node in list(project.graph.nodes.values())[1:3]:
        project.graph.set_param(node.id, "units", 16)
    view = open_view(qtbot, project)
    items = view.weight_items()
    assert len(items) == 2 * 16 + 16 * 16 + 16 * 2
    model = build_model(
        view.document.workspace.graph, view.document.workspace.shape_context, seed=0
    )
    frames = []
    gen = torch.Generator().manual_seed(0)
    for _ in range(12):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn(p.shape, generator=gen) * 0.02)
        frames.append(frame_for(view, model))
    view.consume([frames[0]])
    view.view.viewport().repaint()
    # Processor time of this (the GUI) thread: what the view costs, whatever else the
    # machine is running at the same time.
    t0 = time.thread_time()
    for frame in frames[1:]:
        view.consume([frame])
        view.view.viewport().repaint()
    per_frame = (time.thread_time() - t0) / (len(frames) - 1)
    assert view.weight_items() == items  # nothing rebuilt
    assert per_frame < 0.1, f"{per_frame * 1000:.0f} ms per frame"


def test_screenshot_after_a_short_run(qtbot):
    view = open_view(qtbot, sample("spirals"), size=(1100, 700))
    doc = view.document
    plan = plan_run(doc.project, loaded=(doc.workspace.table, doc.workspace.prepared))
    plan.job = dataclasses.replace(plan.job, settings=plan.job.settings.replace(epochs=40))
    frames = []

    def watch(event):
        if getattr(event, "batch", 0) == 15:
            frames.append(frame_for(view, plan.model, epoch=event.epoch, step=event.step))

    train(plan.job, watch)
    view.consume(frames[-1:])
    # Hover the second hidden layer's liveliest unit: its map shows up enlarged.
    maps = frames[-1].maps[dense_ids(view)[1]]
    unit = int(np.argmax(maps.reshape(len(maps), -1).std(axis=1)))
    item = view.neuron_item(2, unit)
    hover(qtbot, view, item)
    assert view.inset.isVisible()
    assert view.info.text().startswith(f"dense_2 unit {unit + 1}")
    assert "a from" in view._map_range(item)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(SHOTS / "neuron_view_spirals.png"))

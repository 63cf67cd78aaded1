"""Texts on the canvas and in the neuron view are readable whole, or shortened on purpose.

A teacher reported labels cut by what is drawn over them: the shape on a short edge read
"atch, 2]" between two close layers, the hover card of the neuron view lost its last line and
showed "from 0.7514 to 0.751", and tall columns lost their titles. These tests measure the
painted texts against the room they are given, for a range of geometries.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSimpleTextItem,
    QLabel,
    QStyleOptionGraphicsItem,
)

from nnstudio.core.network.builder import build_model
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project
from nnstudio.gui.canvas.items import NODE_WIDTH, EdgeItem
from nnstudio.gui.canvas.items.edge_item import ARROW_HALF_WIDTH, ARROW_LENGTH
from nnstudio.gui.canvas.items.port_item import RADIUS as PORT_RADIUS
from nnstudio.gui.canvas.scene import CanvasScene
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.neuron_view import NeuronView
from tests.gui.test_neuron_view import dense_ids, frame_for, hover, open_view, sample

# --- canvas edge labels ----------------------------------------------------------------------


class RecordingPainter(QPainter):
    """A painter that remembers every text drawn into a rectangle, with its font."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[tuple[QRectF, str, QFont]] = []

    def drawText(self, *args) -> None:
        if len(args) == 3 and isinstance(args[0], (QRectF, QRect)):
            self.texts.append((QRectF(args[0]), str(args[2]), QFont(self.font())))
        super().drawText(*args)


def painted_texts(item: EdgeItem) -> list[tuple[QRectF, str, QFont]]:
    """What ``item.paint`` writes, in scene coordinates, at 100 % zoom."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = RecordingPainter(image)
    try:
        item.paint(painter, QStyleOptionGraphicsItem(), None)
    finally:
        painter.end()
    return [(item.mapRectToScene(rect), text, font) for rect, text, font in painter.texts]


@pytest.fixture
def two_cards(qtbot) -> Iterator[tuple[ProjectDocument, CanvasScene, str, str]]:
    """input(2) → Dense 2, in a scene of their own; the test moves the Dense card about."""
    graph = Graph()
    source = graph.add_node("Input", {"size": 2}, name="input", position=(0, 0))
    target = graph.add_node("Dense", {"units": 2}, name="dense", position=(230, 0))
    graph.add_edge(source.id, target.id)
    document = ProjectDocument(Project(graph=graph))
    document.revalidate()
    scene = CanvasScene(document)
    yield document, scene, source.id, target.id
    scene.detach()
    document.undo_stack.clear()


def test_edge_labels_are_never_cut_by_the_cards_and_ports_they_join(two_cards) -> None:
    document, scene, source_id, target_id = two_cards
    edge = scene.edge_item(source_id, target_id)
    assert edge.label_text() == "[batch, 2]"
    deliberate = {"[batch, 2]", "[b, 2]", "2"}
    drawn_full = []
    for gap in range(0, 201, 8):
        for dy in (0, 6, 18, 30, 60, 100, 160):
            document.workspace.graph.move_nodes({target_id: (NODE_WIDTH + gap, dy)})
            scene.flush_routes()
            start, tip = edge.end_points()
            cards = [
                scene.node_item(n).mapRectToScene(scene.node_item(n).card_rect())
                for n in (source_id, target_id)
            ]
            r = PORT_RADIUS + 2.0  # a hovered port grows by 2
            ports = [
                QRectF(start.x() - r, start.y() - r, 2 * r, 2 * r),
                QRectF(tip.x() + 0.5, tip.y() - r, 2 * r, 2 * r),
                QRectF(
                    tip.x() - ARROW_LENGTH,
                    tip.y() - ARROW_HALF_WIDTH,
                    ARROW_LENGTH,
                    2 * ARROW_HALF_WIDTH,
                ),
            ]
            for rect, text, font in painted_texts(edge):
                where = f"gap {gap}, dy {dy}: {text!r} in {rect}"
                assert text in deliberate, where
                assert QFontMetricsF(font).horizontalAdvance(text) <= rect.width(), where
                for obstacle in cards + ports:
                    assert not rect.intersects(obstacle), f"{where} under {obstacle}"
                if text == "[batch, 2]":
                    drawn_full.append((gap, dy))
            if gap >= 76:  # the auto layout's spacing: the whole shape has room
                assert (gap, dy) in drawn_full, f"gap {gap}, dy {dy}: not the full label"


# --- neuron view -----------------------------------------------------------------------------


def viewport_rect(view: NeuronView, item: QGraphicsItem) -> QRectF:
    """Where ``item`` is drawn in the drawing's viewport (labels ignore the zoom)."""
    return item.deviceTransform(view.view.viewportTransform()).mapRect(item.boundingRect())


def title_items(view: NeuronView) -> dict[str, QGraphicsSimpleTextItem]:
    """Each column's title text item, by title."""
    titles = {column.title for column in view.topology.columns}
    found = {
        item.text(): item
        for item in view.scene.items()
        if isinstance(item, QGraphicsSimpleTextItem) and item.text() in titles
    }
    assert set(found) == titles
    return found


@pytest.mark.parametrize("size", [(890, 200), (1000, 300), (1100, 460), (1000, 640)])
def test_every_layer_column_shows_its_title_inside_the_drawing(qtbot, size) -> None:
    view = open_view(qtbot, sample("spirals"), size=size)
    assert [c.shown for c in view.topology.columns] == [2, 32, 32, 2]
    area = QRectF(view.view.viewport().rect())
    for title, item in title_items(view).items():
        assert area.contains(viewport_rect(view, item)), f"{title} at {size}"
    # Panning down a tall network: a title slides along its column while the column is in
    # sight, instead of leaving the drawing with the column's top.
    view.view.auto_fit = False
    bar = view.view.verticalScrollBar()
    start = bar.value()
    for step in (40, 120, 400):
        bar.setValue(start + step)
        titles = title_items(view)
        for c, column in enumerate(view.topology.columns):
            top = view.view.mapFromScene(view.neuron_item(c, 0).scenePos()).y()
            bottom = view.view.mapFromScene(view.neuron_item(c, column.shown - 1).scenePos()).y()
            if top <= area.bottom() and bottom >= 80:  # enough of the column is in sight
                where = f"{column.title} at {size}, scrolled {step}"
                assert area.contains(viewport_rect(view, titles[column.title])), where


def hover_card_labels(view: NeuronView) -> list[QLabel]:
    return [label for label in view.inset.findChildren(QLabel) if label.text()]


def assert_fits(label: QLabel) -> None:
    """The label's text is drawn whole on one line of its width, or wraps within its height."""
    metrics = label.fontMetrics()
    room = label.contentsRect()
    text = label.text()
    if label.wordWrap():
        needed = metrics.boundingRect(room, int(label.alignment()) | 0x1000, text)  # WordWrap
        assert needed.height() <= room.height(), text
    else:
        assert metrics.horizontalAdvance(text) <= room.width(), f"{text!r} in {room.width()}"


@pytest.mark.parametrize("size", [(890, 200), (1100, 460)])
def test_the_hover_card_shows_its_whole_range_inside_the_drawing(qtbot, size) -> None:
    view = open_view(qtbot, sample("spirals"), size=size)
    model = build_model(
        view.document.workspace.graph, view.document.workspace.shape_context, seed=3
    )
    frame = frame_for(view, model)
    second = dense_ids(view)[1]
    maps = frame.maps[second]
    # The widest range the read-out writes: four significant digits and a minus on each end.
    maps[15] = np.linspace(-0.751444, 0.751333, maps[15].size).reshape(maps[15].shape)
    view.consume([frame])
    item = view.neuron_item(2, 15)
    hover(qtbot, view, item)
    assert view.inset.isVisible()
    expected = view._map_range(item)
    assert expected == "a from −0.7514 to 0.7513"
    labels = hover_card_labels(view)
    assert [label.text() for label in labels] == ["dense_2 unit 16", expected]
    for label in labels:
        assert_fits(label)
        assert QRectF(view.inset.rect()).contains(QRectF(label.geometry()))
    # The whole card is inside the drawing: its last line is not cut off by a short dock.
    area = view.view.viewport().rect()
    assert area.contains(view.inset.geometry()), f"{view.inset.geometry()} in {area}"
    # And it leaves the hovered neuron in sight, and the titles where a corner is free of them.
    center = view.view.mapFromScene(item.scenePos())
    assert not view.inset.geometry().contains(center)
    if size[1] >= 400:
        titles = [viewport_rect(view, t) for t in title_items(view).values()]
        assert not any(QRectF(view.inset.geometry()).intersects(t) for t in titles)
    # The input column's card spells its range too.
    hover(qtbot, view, view.neuron_item(0, 1))
    labels = hover_card_labels(view)
    assert labels[-1].text() == view._map_range(view.neuron_item(0, 1))
    assert labels[-1].text().startswith("x from ")
    for label in labels:
        assert_fits(label)
    assert area.contains(view.inset.geometry())


def test_the_read_out_below_the_drawing_is_never_cut(qtbot) -> None:
    view = open_view(qtbot, sample("spirals"), size=(1000, 400))
    item = view.neuron_item(2, 5)
    hover(qtbot, view, item)
    full = view.hover_text(item).replace("\n", "  ·  ")
    assert view.info.text() == full
    assert view.info.shown_text() == full  # room enough: the whole read-out
    view.resize(520, 400)
    qtbot.waitUntil(lambda: view.info.width() <= 520)
    hover(qtbot, view, item)  # the refit to the narrower drawing moved the neuron
    shown = view.info.shown_text()
    metrics = view.info.fontMetrics()
    assert metrics.horizontalAdvance(shown) <= view.info.contentsRect().width()
    # Shortened at a separator, never mid-value; the full text is one hover away.
    assert shown.endswith("  ·  …") and full.startswith(shown[: -len("…")])
    assert view.info.toolTip() == view.hover_text(item)
    assert view.info.text() == full

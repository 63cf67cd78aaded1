"""The canvas: the model drives the items, and gestures edit the model through undoable commands.

Both directions are tested. Model → view: graph edits add, remove and update exactly the
affected items; analysis colours problems and labels shapes. View → model: drops, port drags,
moves, Delete, copy/paste, duplicate, append, quick build and auto layout each push one
command, which undo reverses and redo re-applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import SIGNAL, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QCursor, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project
from nnstudio.gui import theme
from nnstudio.gui.canvas import GRAPH_MIME, LAYER_MIME, CanvasView
from nnstudio.gui.canvas.items import (
    NODE_HEIGHT,
    NODE_WIDTH,
    LayerItem,
    fit_footer,
    format_params,
    format_shape,
)
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.palette import LAYER_MIME as PALETTE_LAYER_MIME
from nnstudio.gui.palette import layer_mime_data
from tests.gui.helpers import SHOTS

REPO = Path(__file__).resolve().parents[2]


def chain_graph() -> Graph:
    """input(2) → hidden Dense 8 ReLU → output Dense 1."""
    g = Graph()
    i = g.add_node("Input", {"size": 2}, name="input", position=(0, 0))
    h = g.add_node("Dense", {"units": 8, "activation": "relu"}, name="hidden", position=(230, 0))
    o = g.add_node("Dense", {"units": 1}, name="output", position=(460, 0))
    g.add_edge(i.id, h.id)
    g.add_edge(h.id, o.id)
    return g


def dag_graph() -> Graph:
    """Two branches merged by Add (sizes 16 and 16) then Concat with a skip from the input."""
    g = Graph()
    i = g.add_node("Input", {"size": 4}, name="input", position=(0, 70))
    a = g.add_node("Dense", {"units": 16}, name="a", position=(230, 0))
    b = g.add_node("Dense", {"units": 16, "activation": "tanh"}, name="b", position=(230, 140))
    add = g.add_node("Add", {}, name="add", position=(460, 70))
    cat = g.add_node("Concat", {}, name="cat", position=(690, 70))
    out = g.add_node("Dense", {"units": 3}, name="out", position=(920, 70), trainable=False)
    for s, t in [(i, a), (i, b), (a, add), (b, add), (add, cat), (i, cat), (cat, out)]:
        g.add_edge(s.id, t.id)
    return g


def nid(doc: ProjectDocument, name: str) -> str:
    return doc.workspace.graph.by_name(name).id


def settle(doc: ProjectDocument) -> None:
    """Run the coalesced validation now instead of waiting for the event loop."""
    doc.revalidate()


def make_view(qtbot, doc: ProjectDocument, size: tuple[int, int] = (1000, 560)) -> CanvasView:
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    settle(doc)
    return view


@pytest.fixture
def doc() -> Iterator[ProjectDocument]:
    document = ProjectDocument(Project(graph=chain_graph()))
    document.revalidate()
    yield document


@pytest.fixture
def view(qtbot, doc: ProjectDocument) -> CanvasView:
    return make_view(qtbot, doc)


def viewport_point(view: CanvasView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def port_point(view: CanvasView, node_id: str, kind: str) -> QPoint:
    item = view.node_item(node_id)
    port = item.input_port if kind == "input" else item.output_port
    return viewport_point(view, port.scenePos())


def mouse_drag(view: CanvasView, start: QPoint, end: QPoint, steps: int = 4) -> None:
    """A real press–move–release on the viewport, as a user's drag."""
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


# --- model → view ----------------------------------------------------------------------------


def test_items_mirror_the_graph(view: CanvasView, doc: ProjectDocument) -> None:
    scene = view.canvas_scene
    assert len(scene.node_items()) == 3
    assert len(scene.edge_items()) == 2
    for node in doc.workspace.graph.nodes.values():
        item = view.node_item(node.id)
        assert (item.pos().x(), item.pos().y()) == node.position
    inp = view.node_item(nid(doc, "input"))
    assert inp.input_port is None  # nothing feeds an Input
    assert view.node_item(nid(doc, "hidden")).input_port is not None
    assert "Where the data enters" in inp.toolTip()


def test_model_edits_update_only_affected_items(view: CanvasView, doc: ProjectDocument) -> None:
    g = doc.workspace.graph
    kept = {n: view.node_item(n) for n in g.nodes}
    kept_edges = list(view.canvas_scene.edge_items())
    extra = g.add_node("Dense", {"units": 4}, name="extra", position=(460, 140))
    assert view.node_item(extra.id) is not None
    assert view.node_item(extra.id).pos() == QPointF(460, 140)
    g.add_edge(nid(doc, "hidden"), extra.id)
    assert view.edge_item(nid(doc, "hidden"), extra.id) is not None
    # The items that were there are the same objects: nothing was rebuilt.
    assert all(view.node_item(n) is item for n, item in kept.items())
    assert all(e in view.canvas_scene.edge_items() for e in kept_edges)
    g.remove_edge(nid(doc, "hidden"), extra.id)
    assert view.edge_item(nid(doc, "hidden"), extra.id) is None
    g.remove_node(extra.id)
    assert view.node_item(extra.id) is None
    assert len(view.canvas_scene.node_items()) == 3


def test_removing_a_node_removes_its_edges(view: CanvasView, doc: ProjectDocument) -> None:
    doc.workspace.graph.remove_node(nid(doc, "hidden"))
    assert view.canvas_scene.edge_items() == []
    assert len(view.canvas_scene.node_items()) == 2


def test_param_change_updates_caption_shape_and_count(
    view: CanvasView, doc: ProjectDocument
) -> None:
    hidden = nid(doc, "hidden")
    item = view.node_item(hidden)
    assert item.caption() == "Dense 8 · ReLU"
    assert item.footer_texts() == ("[batch, 8]", "24 params")  # 8·(2+1)
    doc.workspace.graph.set_param(hidden, "units", 32)
    assert item.caption() == "Dense 32 · ReLU"
    assert "Dense 32 · ReLU" in item.toolTip()
    settle(doc)
    assert item.footer_texts() == ("[batch, 32]", "96 params")
    out = view.node_item(nid(doc, "output"))
    assert out.footer_texts() == ("[batch, 1]", "33 params")
    assert view.edge_item(hidden, nid(doc, "output")).label_text() == "[batch, 32]"


def test_rename_and_freeze_redraw_the_card(view: CanvasView, doc: ProjectDocument) -> None:
    hidden = nid(doc, "hidden")
    doc.workspace.graph.set_attribute(hidden, "name", "features")
    assert "<b>features</b>" in view.node_item(hidden).toolTip()
    assert "features →" in view.edge_item(hidden, nid(doc, "output")).toolTip()
    doc.workspace.graph.set_attribute(hidden, "trainable", False)
    settle(doc)
    assert "Frozen" in view.node_item(hidden).toolTip()
    assert view.node_item(hidden).footer_texts()[1] == "24 frozen"


def test_error_outlines_red_with_message_then_clears(qtbot) -> None:
    g = dag_graph()
    doc = ProjectDocument(Project(graph=g))
    view = make_view(qtbot, doc)
    add = nid(doc, "add")
    item = view.node_item(add)
    assert item.outline_color() is None
    doc.workspace.graph.set_param(
        nid(doc, "b"), "units", 8
    )  # Add now gets [batch, 16] and [batch, 8]
    settle(doc)
    assert item.outline_color() == theme.ERROR
    assert "Add needs inputs of the same shape" in item.toolTip()
    into_add = [view.edge_item(nid(doc, s), add) for s in ("a", "b")]
    assert all(e.is_error() and e.line_color() == theme.ERROR for e in into_add)
    assert not view.edge_item(add, nid(doc, "cat")).is_error()
    doc.workspace.graph.set_param(nid(doc, "b"), "units", 16)
    settle(doc)
    assert item.outline_color() is None
    assert "same shape" not in item.toolTip()
    assert all(not e.is_error() and e.line_color() == theme.EDGE for e in into_add)


def test_lint_warning_is_amber_with_hint(view: CanvasView, doc: ProjectDocument) -> None:
    hidden = nid(doc, "hidden")
    doc.workspace.graph.set_param(hidden, "weight_init", {"name": "zeros"})
    doc.workspace.graph.set_param(hidden, "bias_init", {"name": "zeros"})
    settle(doc)
    item = view.node_item(hidden)
    warnings = [p for p in doc.workspace.analysis.problems if p.node_id == hidden]
    assert warnings and warnings[0].severity == "warning"
    assert item.outline_color() == theme.WARNING
    assert warnings[0].message in item.toolTip()
    assert warnings[0].hint and warnings[0].hint.split(".")[0] in item.toolTip()


def test_analysis_redraws_only_changed_items(view: CanvasView, doc: ProjectDocument) -> None:
    calls: list[str] = []
    for item in view.canvas_scene.node_items():
        original = item.refresh
        item.refresh = lambda original=original, item=item: (  # type: ignore[method-assign]
            calls.append(item.node_id),
            original(),
        )
    settle(doc)
    assert calls == []  # nothing changed
    doc.workspace.graph.set_param(nid(doc, "output"), "units", 3)
    calls.clear()
    settle(doc)
    assert calls == [nid(doc, "output")]


def test_edge_labels_show_tensor_shapes(view: CanvasView, doc: ProjectDocument) -> None:
    edge = view.edge_item(nid(doc, "input"), nid(doc, "hidden"))
    assert edge.label_text() == "[batch, 2]"
    start, tip = edge.end_points()
    hidden = view.node_item(nid(doc, "hidden"))
    assert tip.x() < hidden.scenePos().x() <= tip.x() + 8  # arrow tip touches the input port
    assert start == view.node_item(nid(doc, "input")).output_port.scenePos()


def test_project_replaced_rebuilds_and_rebinds(view: CanvasView, doc: ProjectDocument) -> None:
    old_graph = doc.workspace.graph
    rebuilds: list[int] = []
    original = view.canvas_scene.rebuild
    view.canvas_scene.rebuild = lambda: (rebuilds.append(1), original())  # type: ignore[method-assign]
    doc.replace_project(Project(graph=dag_graph()), load_data=False)
    assert len(rebuilds) == 1  # once, although analysis and project_replaced both arrive
    assert len(view.canvas_scene.node_items()) == 6
    assert view.canvas_scene.node_status(nid(doc, "add")).size == 16
    assert len(old_graph.events.node_added) == 0  # no longer listening to the old graph
    old_graph.add_node("Dense", {"units": 2}, name="ghost")
    assert len(view.canvas_scene.node_items()) == 6
    doc.workspace.graph.add_node("Dense", {"units": 2}, name="new")
    assert len(view.canvas_scene.node_items()) == 7


def test_scene_stops_listening_when_destroyed(qtbot) -> None:
    doc = ProjectDocument(Project(graph=chain_graph()))
    node_added = SIGNAL("node_added(PyObject)")
    before = doc.receivers(node_added)
    view = CanvasView(doc)
    assert doc.receivers(node_added) == before + 1
    view.deleteLater()
    qtbot.waitUntil(lambda: doc.receivers(node_added) == before)
    doc.workspace.graph.add_node("Dense", {"units": 2})  # must not touch the deleted scene


# --- view → model ----------------------------------------------------------------------------


def test_drop_from_palette_adds_layer_and_undo_redo(view: CanvasView, doc: ProjectDocument) -> None:
    assert LAYER_MIME == PALETTE_LAYER_MIME
    target = viewport_point(view, QPointF(300, 200))
    scene_drop = view.mapToScene(target)
    mime = layer_mime_data("Dropout")
    drop = QDropEvent(
        QPointF(target),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(drop)
    added = [n for n in doc.workspace.graph.nodes.values() if n.type == "Dropout"]
    assert len(added) == 1
    node = added[0]
    assert abs(node.position[0] + NODE_WIDTH / 2 - scene_drop.x()) <= 10
    assert abs(node.position[1] + NODE_HEIGHT / 2 - scene_drop.y()) <= 10
    assert view.selected_node_ids() == [node.id]
    doc.undo_stack.undo()
    assert node.id not in doc.workspace.graph.nodes and view.node_item(node.id) is None
    doc.undo_stack.redo()
    assert node.id in doc.workspace.graph.nodes and view.node_item(node.id) is not None


def test_drop_of_unknown_payload_is_ignored(view: CanvasView, doc: ProjectDocument) -> None:
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"os.system")
    assert view.layer_type_from_mime(mime) is None
    assert view.drop_layer("os.system", QPointF(0, 0)) is None
    assert len(doc.workspace.graph.nodes) == 3


def test_mouse_drag_output_to_input_connects(qtbot) -> None:
    g = Graph()
    i = g.add_node("Input", {"size": 2}, name="input", position=(0, 0))
    d = g.add_node("Dense", {"units": 1}, name="dense", position=(300, 60))
    doc = ProjectDocument(Project(graph=g))
    view = make_view(qtbot, doc)
    mouse_drag(view, port_point(view, i.id, "output"), port_point(view, d.id, "input"))
    assert doc.workspace.graph.has_edge(i.id, d.id)
    assert view.edge_item(i.id, d.id) is not None
    assert not view.canvas_scene.connection_in_progress()
    doc.undo_stack.undo()
    assert not doc.workspace.graph.has_edge(i.id, d.id) and view.edge_item(i.id, d.id) is None
    doc.undo_stack.redo()
    assert doc.workspace.graph.has_edge(i.id, d.id)


def test_drag_highlights_valid_targets(qtbot) -> None:
    doc = ProjectDocument(Project(graph=dag_graph()))
    view = make_view(qtbot, doc)
    scene = view.canvas_scene
    a = view.node_item(nid(doc, "a"))
    scene.begin_connection(a.output_port, a.output_port.scenePos())
    out_port = view.node_item(nid(doc, "out")).input_port  # single input, already fed
    cat_port = view.node_item(nid(doc, "cat")).input_port  # merge: accepts more
    assert scene.port_highlight(out_port) == "invalid"
    assert scene.port_highlight(cat_port) == "valid"
    scene.drag_connection_to(cat_port.scenePos())
    assert scene.port_highlight(cat_port) == "hover"
    scene.cancel_connection()
    assert scene.port_highlight(cat_port) is None


def test_valid_targets_match_graph_rules(qtbot) -> None:
    doc = ProjectDocument(Project(graph=dag_graph()))
    view = make_view(qtbot, doc)
    g, scene = doc.workspace.graph, view.canvas_scene
    for s in g.nodes:
        expected = {t for t in g.nodes if g.connection_problem(s, t) is None}
        assert scene.valid_targets(s) == expected
        sources = {t for t in g.nodes if g.connection_problem(t, s) is None}
        assert scene.valid_sources(s) == sources


def test_invalid_connection_explains_why(qtbot, view: CanvasView, doc: ProjectDocument) -> None:
    scene = view.canvas_scene
    out = view.node_item(nid(doc, "output"))
    inp = view.node_item(nid(doc, "input"))
    scene.begin_connection(out.output_port, out.output_port.scenePos())
    with qtbot.waitSignal(view.message, timeout=1000) as blocker:
        assert scene.end_connection(inp.scenePos() + QPointF(40, 40)) is False
    assert "Input" in blocker.args[0] and "nothing can feed into it" in blocker.args[0]
    assert len(doc.workspace.graph.edges) == 2
    # A loop is refused too, with its reason.
    scene.begin_connection(out.output_port, out.output_port.scenePos())
    hidden = view.node_item(nid(doc, "hidden"))
    with qtbot.waitSignal(view.message, timeout=1000) as blocker:
        scene.end_connection(hidden.scenePos() + QPointF(40, 40))
    assert "hidden" in blocker.args[0]
    assert doc.undo_stack.count() == 0


def test_drag_from_connected_input_detaches(view: CanvasView, doc: ProjectDocument) -> None:
    hidden, output = nid(doc, "hidden"), nid(doc, "output")
    start = port_point(view, output, "input")
    mouse_drag(view, start, start + QPoint(0, 200))
    assert not doc.workspace.graph.has_edge(hidden, output)
    assert view.edge_item(hidden, output) is None
    doc.undo_stack.undo()
    assert doc.workspace.graph.has_edge(hidden, output)
    assert view.edge_item(hidden, output).isVisible()


def test_dragging_an_edge_end_to_another_layer_reconnects_in_one_step(
    view: CanvasView, doc: ProjectDocument
) -> None:
    g = doc.workspace.graph
    other = g.add_node("Dense", {"units": 5}, name="other", position=(460, 200)).id
    hidden, output = nid(doc, "hidden"), nid(doc, "output")
    scene = view.canvas_scene
    port = view.node_item(output).input_port
    assert scene.begin_connection(port, port.scenePos())
    assert not view.edge_item(hidden, output).isVisible()  # picked up
    assert scene.end_connection(view.node_item(other).input_port.scenePos())
    assert g.has_edge(hidden, other) and not g.has_edge(hidden, output)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert g.has_edge(hidden, output) and not g.has_edge(hidden, other)
    assert view.edge_item(hidden, output).isVisible()


def test_drag_from_free_input_finds_an_output(view: CanvasView, doc: ProjectDocument) -> None:
    g = doc.workspace.graph
    lone = g.add_node("Dense", {"units": 5}, name="lone", position=(460, 200)).id
    scene = view.canvas_scene
    port = view.node_item(lone).input_port
    scene.begin_connection(port, port.scenePos())
    hidden = view.node_item(nid(doc, "hidden"))
    assert scene.end_connection(hidden.output_port.scenePos())
    assert g.has_edge(hidden.node_id, lone)


def test_escape_cancels_a_connection_drag(view: CanvasView, doc: ProjectDocument) -> None:
    scene = view.canvas_scene
    port = view.node_item(nid(doc, "input")).output_port
    scene.begin_connection(port, port.scenePos())
    assert scene.connection_in_progress()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not scene.connection_in_progress()
    assert len(doc.workspace.graph.edges) == 2


def test_mouse_move_of_two_cards_is_one_command(view: CanvasView, doc: ProjectDocument) -> None:
    hidden, output = nid(doc, "hidden"), nid(doc, "output")
    view.select_nodes([hidden, output])
    before = {n: doc.workspace.graph.nodes[n].position for n in (hidden, output)}
    card = view.node_item(hidden)
    start = viewport_point(view, card.scenePos() + QPointF(60, 50))
    # Keyboard modifiers: a plain press on a selected card keeps the multi-selection.
    mouse_drag(view, start, start + QPoint(0, 100), steps=5)
    dy = round(100 / view.zoom(), -1)
    after = {n: doc.workspace.graph.nodes[n].position for n in (hidden, output)}
    for n in (hidden, output):
        assert after[n][0] == before[n][0]
        assert abs(after[n][1] - (before[n][1] + dy)) <= 10
        assert view.node_item(n).pos() == QPointF(*after[n])
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0) == "Move 2 layers"
    doc.undo_stack.undo()
    for n in (hidden, output):
        assert doc.workspace.graph.nodes[n].position == before[n]
        assert view.node_item(n).pos() == QPointF(*before[n])
    # The curves followed the cards back.
    edge = view.edge_item(hidden, output)
    assert edge.end_points()[0] == view.node_item(hidden).output_port.scenePos()


def test_moves_are_committed_on_release_only(view: CanvasView, doc: ProjectDocument) -> None:
    hidden = nid(doc, "hidden")
    view.node_item(hidden).setPos(250, 40)  # what Qt does during a drag
    assert doc.workspace.graph.nodes[hidden].position == (230, 0)
    assert doc.undo_stack.count() == 0
    assert view.canvas_scene.commit_moves()
    assert doc.workspace.graph.nodes[hidden].position == (250, 40)
    assert not view.canvas_scene.commit_moves()  # nothing left to commit


def test_delete_key_removes_selection_with_undo(view: CanvasView, doc: ProjectDocument) -> None:
    hidden = nid(doc, "hidden")
    edges_before = list(doc.workspace.graph.edges)
    view.select_nodes([hidden])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert hidden not in doc.workspace.graph.nodes
    assert doc.workspace.graph.edges == []
    assert view.node_item(hidden) is None and view.canvas_scene.edge_items() == []
    doc.undo_stack.undo()
    assert doc.workspace.graph.edges == edges_before
    assert len(view.canvas_scene.edge_items()) == 2
    doc.undo_stack.redo()
    assert hidden not in doc.workspace.graph.nodes


def test_delete_selected_edge_and_nodes_in_one_step(qtbot) -> None:
    doc = ProjectDocument(Project(graph=dag_graph()))
    view = make_view(qtbot, doc)
    g = doc.workspace.graph
    view.select_nodes([nid(doc, "b")])
    view.edge_item(nid(doc, "input"), nid(doc, "cat")).setSelected(True)
    n_edges = len(g.edges)
    assert view.delete_selection()
    assert nid(doc, "a") in g.nodes and "b" not in {n.name for n in g.nodes.values()}
    assert len(g.edges) == n_edges - 3  # b's two edges and the skip edge
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert len(g.edges) == n_edges and len(view.canvas_scene.edge_items()) == n_edges


def test_copy_paste_and_duplicate(view: CanvasView, doc: ProjectDocument) -> None:
    g = doc.workspace.graph
    hidden, output = nid(doc, "hidden"), nid(doc, "output")
    view.select_nodes([hidden, output])
    assert view.copy_selection()
    mime = QApplication.clipboard().mimeData()
    assert mime.hasFormat(GRAPH_MIME) and "hidden" in mime.text()
    QCursor.setPos(-5000, -5000)  # mouse away from the canvas: paste beside the originals
    new_ids = view.paste()
    assert len(new_ids) == 2 and set(view.selected_node_ids()) == set(new_ids)
    copies = [g.nodes[n] for n in new_ids]
    assert {c.name for c in copies} == {"hidden_copy", "output_copy"}
    assert g.has_edge(new_ids[0], new_ids[1])  # the edge between them came along
    assert copies[0].position == (270.0, 40.0)
    second = view.paste()  # a second paste does not land on the first
    assert g.nodes[second[0]].position == (310.0, 80.0)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert len(g.nodes) == 3 and len(view.canvas_scene.node_items()) == 3
    doc.undo_stack.redo()
    assert all(n in g.nodes for n in new_ids)

    view.select_nodes([hidden])
    dup = view.duplicate_selection()
    assert len(dup) == 1
    assert g.nodes[dup[0]].position == (230.0, 140.0)
    assert view.selected_node_ids() == dup
    doc.undo_stack.undo()
    assert dup[0] not in g.nodes


def test_cut_is_one_step(view: CanvasView, doc: ProjectDocument) -> None:
    view.select_nodes([nid(doc, "output")])
    assert view.cut_selection()
    assert len(doc.workspace.graph.nodes) == 2
    assert doc.undo_stack.count() == 1 and doc.undo_stack.text(0) == "Cut"
    ids = view.paste(QPointF(600, 300))
    assert doc.workspace.graph.nodes[ids[0]].position == (600.0, 300.0)
    assert doc.workspace.graph.nodes[ids[0]].name == "output"  # the name is free again


def test_paste_lands_under_the_mouse(view: CanvasView, doc: ProjectDocument) -> None:
    view.select_nodes([nid(doc, "hidden")])
    view.copy_selection()
    QCursor.setPos(view.viewport().mapToGlobal(QPoint(200, 300)))
    ids = view.paste()
    under = view.mapToScene(QPoint(200, 300))
    x, y = doc.workspace.graph.nodes[ids[0]].position
    assert abs(x - under.x()) <= 5 and abs(y - under.y()) <= 5


def test_paste_rejects_foreign_clipboard(qtbot, view: CanvasView, doc: ProjectDocument) -> None:
    QApplication.clipboard().setText('{"nodes": [{"id": "x", "type": "Evil", "position": [0, 0]}]}')
    with qtbot.waitSignal(view.message, timeout=1000):
        assert view.paste() == []
    assert len(doc.workspace.graph.nodes) == 3


def test_add_layer_appends_after_selection(view: CanvasView, doc: ProjectDocument) -> None:
    g = doc.workspace.graph
    output = nid(doc, "output")
    view.select_nodes([output])
    new = view.add_layer("Dense")
    assert new is not None
    assert g.nodes[new].position == (460.0 + 230.0, 0.0)
    assert g.has_edge(output, new)
    assert view.selected_node_ids() == [new]  # ready for the next double-click
    again = view.add_layer("Dropout")
    assert g.has_edge(new, again)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert set(g.nodes) == {nid(doc, n) for n in ("input", "hidden", "output")}
    assert len(g.edges) == 2
    doc.undo_stack.redo()
    assert g.has_edge(output, new)


def test_add_layer_without_selection_goes_to_the_view_center(
    view: CanvasView, doc: ProjectDocument
) -> None:
    view.select_nodes([])
    new = view.add_layer("Input")
    pos = doc.workspace.graph.nodes[new].position
    center = view.mapToScene(view.viewport().rect().center())
    assert abs(pos[0] + NODE_WIDTH / 2 - center.x()) <= 10
    assert not doc.workspace.graph.inputs_of(new) and not doc.workspace.graph.outputs_of(new)


def test_quick_build_on_empty_canvas(qtbot) -> None:
    doc = ProjectDocument()
    view = make_view(qtbot, doc)
    assert view.quick_build("3-5-5-2 relu out=softmax") is None
    g = doc.workspace.graph
    nodes = list(g.nodes.values())
    assert [n.type for n in nodes] == ["Input", "Dense", "Dense", "Dense"]
    assert [n.position for n in nodes] == [(0.0, 0.0), (230.0, 0.0), (460.0, 0.0), (690.0, 0.0)]
    assert nodes[-1].params["activation"]["name"] == "softmax"
    assert [(e.source, e.target) for e in g.edges] == [(a.id, b.id) for a, b in pairwise(nodes)]
    assert doc.undo_stack.count() == 1
    settle(doc)
    assert doc.workspace.analysis.ok
    assert view.node_item(nodes[-1].id).footer_texts() == ("[batch, 2]", "12 params")
    doc.undo_stack.undo()
    assert not g.nodes and not view.canvas_scene.node_items()
    doc.undo_stack.redo()
    assert len(g.nodes) == 4


def test_quick_build_beside_existing_network(view: CanvasView, doc: ProjectDocument) -> None:
    before = set(doc.workspace.graph.nodes)
    assert view.quick_build("2 4 1 tanh") is None
    new = [n for n in doc.workspace.graph.nodes.values() if n.id not in before]
    assert len(new) == 3
    assert min(n.position[0] for n in new) > 460 + NODE_WIDTH  # right of the old drawing
    assert not any(e.source in before and e.target not in before for e in doc.workspace.graph.edges)
    assert set(view.selected_node_ids()) == {n.id for n in new}


def test_quick_build_error_is_returned(view: CanvasView, doc: ProjectDocument) -> None:
    error = view.quick_build("20-x-4")
    assert error and "example" in error
    assert doc.undo_stack.count() == 0


def test_auto_layout_is_one_undoable_step(qtbot) -> None:
    g = dag_graph()
    scrambled = {n: (float(i * 37 % 300), float(i * 91 % 400)) for i, n in enumerate(g.nodes)}
    g.move_nodes(scrambled)
    doc = ProjectDocument(Project(graph=g))
    view = make_view(qtbot, doc)
    assert view.auto_layout()
    xs = {n.name: n.position[0] for n in g.nodes.values()}
    assert xs["input"] < xs["a"] == xs["b"] < xs["add"] < xs["cat"] < xs["out"]
    for n in g.nodes.values():
        assert view.node_item(n.id).pos() == QPointF(*n.position)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert {n: g.nodes[n].position for n in g.nodes} == scrambled
    assert all(view.node_item(n).pos() == QPointF(*p) for n, p in scrambled.items())


def test_read_only_refuses_edits_with_a_message(
    qtbot, view: CanvasView, doc: ProjectDocument
) -> None:
    view.set_read_only(True)
    view.select_nodes([nid(doc, "hidden")])
    with qtbot.waitSignal(view.message, timeout=1000):
        assert not view.delete_selection()
    item = view.node_item(nid(doc, "hidden"))
    assert not item.flags() & LayerItem.GraphicsItemFlag.ItemIsMovable
    with qtbot.waitSignal(view.message, timeout=1000):
        port = view.node_item(nid(doc, "input")).output_port
        assert not view.canvas_scene.begin_connection(port, port.scenePos())
    assert view.quick_build("2-1") is not None
    assert view.add_layer("Dense") is None
    assert view.auto_layout() is False
    assert doc.undo_stack.count() == 0 and len(doc.workspace.graph.nodes) == 3
    view.set_read_only(False)
    assert item.flags() & LayerItem.GraphicsItemFlag.ItemIsMovable


def test_view_follows_document_lock(view: CanvasView, doc: ProjectDocument) -> None:
    doc.set_locked("Training is running.")
    assert view.is_read_only()
    doc.set_locked(None)
    assert not view.is_read_only()


def test_refused_move_snaps_back(view: CanvasView, doc: ProjectDocument) -> None:
    # The document itself refuses (locked) while the view still allowed the drag.
    doc.lock_reason = "Training is running."
    hidden = nid(doc, "hidden")
    view.node_item(hidden).setPos(400, 300)
    assert not view.canvas_scene.commit_moves()
    assert view.node_item(hidden).pos() == QPointF(230, 0)
    doc.lock_reason = None


def test_double_click_on_a_card_activates_it(qtbot, view: CanvasView, doc: ProjectDocument) -> None:
    card = view.node_item(nid(doc, "hidden"))
    point = viewport_point(view, card.scenePos() + QPointF(60, 50))
    with qtbot.waitSignal(view.node_activated, timeout=1000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [nid(doc, "hidden")]
    assert doc.undo_stack.count() == 0  # a click is not a move


def test_selection_signal_and_select_all(qtbot, view: CanvasView, doc: ProjectDocument) -> None:
    with qtbot.waitSignal(view.selection_changed, timeout=1000) as blocker:
        view.select_nodes([nid(doc, "output")], center=True)
    assert blocker.args == [[nid(doc, "output")]]
    view.select_all()
    assert view.selected_node_ids() == list(doc.workspace.graph.nodes)


def test_zoom_and_fit(view: CanvasView) -> None:
    view.reset_zoom()
    assert view.zoom() == pytest.approx(1.0)
    view.zoom_in()
    assert view.zoom() == pytest.approx(1.25)
    view.zoom_out()
    view.zoom_out()
    assert view.zoom() == pytest.approx(0.8)
    for _ in range(30):
        view.zoom_out()
    assert view.zoom() == pytest.approx(0.15)
    view.fit_all()
    assert 0.15 <= view.zoom() <= 1.0
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in view.canvas_scene.node_items():
        assert visible.contains(item.sceneBoundingRect())


def test_wheel_zooms_around_the_mouse(view: CanvasView) -> None:
    view.reset_zoom()
    at = QPointF(200, 150)
    before = view.mapToScene(at.toPoint())
    event = QWheelEvent(
        at,
        QPointF(view.viewport().mapToGlobal(at.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() > 1.1
    after = view.mapToScene(at.toPoint())
    assert abs(after.x() - before.x()) <= 2 and abs(after.y() - before.y()) <= 2


def test_space_drag_pans_instead_of_selecting(view: CanvasView) -> None:
    vp = view.viewport()
    view.setFocus()
    before = view.mapToScene(vp.rect().center())
    QTest.keyPress(view, Qt.Key.Key_Space)
    mouse_drag(view, QPoint(400, 400), QPoint(300, 300))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(vp.rect().center())
    assert after.x() > before.x() and after.y() > before.y()
    assert view.selected_node_ids() == []


def test_middle_button_pans(view: CanvasView) -> None:
    vp = view.viewport()
    before = view.mapToScene(vp.rect().center())
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    QTest.mouseMove(vp, QPoint(200, 250))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, pos=QPoint(200, 250))
    after = view.mapToScene(vp.rect().center())
    assert after.x() > before.x() and after.y() > before.y()


# --- screenshots ---------------------------------------------------------------------------


def _shot(view: CanvasView, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    view.fit_all()
    QApplication.processEvents()
    assert view.grab().save(str(path))
    return path


def test_screenshots(qtbot) -> None:
    """Pictures of the default sample, a DAG with merges and a broken network, to look at."""
    sample = ProjectDocument()
    sample.replace_project(load_project(REPO / "samples" / "spirals.nnsproj"))
    view = make_view(qtbot, sample, (1100, 420))
    view.select_nodes([list(sample.workspace.graph.nodes)[1]])
    assert _shot(view, "canvas_spirals.png").stat().st_size > 0

    dag = ProjectDocument(Project(graph=dag_graph()))
    view = make_view(qtbot, dag, (1300, 460))
    view.auto_layout()
    assert _shot(view, "canvas_dag.png").stat().st_size > 0

    broken = ProjectDocument(Project(graph=dag_graph()))
    view = make_view(qtbot, broken, (1300, 460))
    view.auto_layout()
    broken.workspace.graph.set_param(nid(broken, "b"), "units", 8)
    settle(broken)
    assert _shot(view, "canvas_error.png").stat().st_size > 0

    warned = ProjectDocument(Project(graph=chain_graph()))
    view = make_view(qtbot, warned, (900, 300))
    for key in ("weight_init", "bias_init"):
        warned.workspace.graph.set_param(nid(warned, "hidden"), key, {"name": "zeros"})
    warned.workspace.graph.set_attribute(nid(warned, "output"), "trainable", False)
    settle(warned)
    view.select_nodes([nid(warned, "output")])
    assert _shot(view, "canvas_warning_frozen.png").stat().st_size > 0


def test_footer_texts_spell_out_unknowns() -> None:
    assert format_shape(4) == "[batch, 4]"
    assert format_shape(None) == "[batch, unknown]"
    assert format_params(None) == "params unknown"
    assert format_params(1) == "1 param"
    assert format_params(1234) == "1,234 params"
    assert format_params(2_500_000) == "2.50M params"
    assert format_params(12, frozen=True) == "12 frozen"
    assert format_params(131_584, compact=True) == "132k params"


def test_footer_count_gives_way_before_it_overlaps_the_shape() -> None:
    def width(text: str) -> float:
        return 6.0 * len(text)

    wide = fit_footer("[batch, 512]", 131_584, False, width, 200)
    assert wide == ("[batch, 512]", "131,584 params")
    assert fit_footer("[batch, 512]", 131_584, False, width, 150) == ("[batch, 512]", "132k params")
    assert fit_footer("[batch, 512]", 131_584, False, width, 110) == ("[batch, 512]", "132k")
    assert fit_footer("[batch, unknown]", None, False, width, 136) == ("[batch, unknown]", "")
    for room in (60, 110, 150, 200):
        left, right = fit_footer("[batch, 512]", 131_584, False, width, room)
        assert not right or width(left) + 8 + width(right) <= room


def test_auto_sizes_show_what_they_resolved_to(qtbot) -> None:
    sample = ProjectDocument()
    sample.replace_project(load_project(REPO / "samples" / "spirals.nnsproj"))
    view = make_view(qtbot, sample)
    ids = list(sample.workspace.graph.nodes)
    assert view.node_item(ids[0]).caption() == "Input 2 (auto)"  # two features in the data
    assert view.node_item(ids[-1]).caption() == "Dense 2 (auto) · Identity"  # two classes

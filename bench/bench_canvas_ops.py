"""How long the canvas takes to handle one edit on a 200-layer network.

Each measurement covers what the user waits for: the command is pushed (the model changes and
the scene adds/removes/moves items), the document re-validates (analysis + lint, then the scene
recolours the items whose status changed) and the event loop paints the view.

    python bench/bench_canvas_ops.py [--nodes 200] [--repeat 30]

Budget: every edit under 50 ms. Times include a full synchronous repaint of a 1600×900 view
showing all 200 cards. The default clock is this process's CPU time (set BENCH_CLOCK=wall
for wall time, which on a busy shared machine mostly measures the neighbours).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project
from nnstudio.gui.canvas import CanvasView
from nnstudio.gui.commands import ConnectCommand, SetParamCommand
from nnstudio.gui.document import ProjectDocument


def big_graph(n: int) -> Graph:
    """A deep residual MLP: Dense pairs with a skip Add every third layer, in a long row."""
    g = Graph()
    prev = g.add_node("Input", {"size": 16}, position=(0, 0)).id
    x = 0.0
    skip_from = prev
    count = 1
    while count < n - 1:
        x += 230
        dense = g.add_node("Dense", {"units": 16}, position=(x, 0)).id
        g.add_edge(prev, dense)
        prev = dense
        count += 1
        if count % 3 == 0 and count < n - 1:
            x += 230
            add = g.add_node("Add", {}, position=(x, 140))
            g.add_edge(prev, add.id)
            g.add_edge(skip_from, add.id)
            prev = skip_from = add.id
            count += 1
    out = g.add_node("Dense", {"units": 2}, position=(x + 230, 0)).id
    g.add_edge(prev, out)
    return g


#: CPU time of this process: on a shared machine wall time mostly measures the neighbours.
clock = time.process_time if os.environ.get("BENCH_CLOCK", "cpu") == "cpu" else time.perf_counter


#: The view being measured; each measurement ends with a synchronous full repaint of it.
VIEW: list[CanvasView] = []


def measure(label: str, action: Callable[[], object], repeat: int, results: dict) -> None:
    app = QApplication.instance()
    times = results.setdefault(label, [])
    for _ in range(repeat):
        start = clock()
        action()
        app.processEvents()  # coalesced validation, deferred edge routing
        # Qt may post the paint for later; a full synchronous repaint is the upper bound.
        VIEW[0].viewport().repaint()
        times.append((clock() - start) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze()")
    parser.add_argument(
        "--zoom", type=float, default=0.0, help="zoom instead of fitting all (text shows >= 0.35)"
    )
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    graph = big_graph(args.nodes)
    doc = ProjectDocument(Project(graph=graph))
    view = CanvasView(doc)
    VIEW.append(view)
    view.resize(1600, 900)
    view.show()
    view.fit_all()  # every card on screen: the worst case for painting
    if args.zoom:
        view.set_zoom(args.zoom)
    app.processEvents()
    doc.revalidate()
    app.processEvents()
    if not args.no_freeze:
        # What the app should do after start-up: move the import-time heap (torch, pandas)
        # out of the collector's way, or a full collection costs ~100 ms at random moments.
        gc.collect()
        gc.freeze()
    stack = doc.undo_stack
    ids = list(graph.nodes)
    results: dict[str, list[float]] = {}
    print(f"{len(graph.nodes)} layers, {len(graph.edges)} connections, zoom {view.zoom():.2f}")

    def add() -> None:
        view.select_nodes([])
        view.add_layer("Dense", QPointF(0, 600))

    measure("add layer", add, args.repeat, results)
    measure("undo add", stack.undo, args.repeat, results)
    measure("redo add", stack.redo, args.repeat, results)

    middle = ids[len(ids) // 2]

    def move_one() -> None:
        item = view.node_item(middle)
        item.setPos(item.pos() + QPointF(10, 10))
        view.canvas_scene.commit_moves()

    measure("move 1 layer", move_one, args.repeat, results)
    measure("undo move", stack.undo, args.repeat, results)

    # Drag every card with the mouse: cost per mouse move, then the release (the edit).
    view.select_all()
    vp = view.viewport()
    grab = view.mapFromScene(view.node_item(ids[0]).sceneBoundingRect().center())
    for _ in range(max(5, args.repeat // 3)):
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
        for step in range(1, 6):
            measure(
                "drag all: 1 move",
                lambda step=step: QTest.mouseMove(vp, grab + QPoint(0, 4 * step)),
                1,
                results,
            )
        measure(
            "drag all: release",
            lambda: QTest.mouseRelease(
                vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab + QPoint(0, 20)
            ),
            1,
            results,
        )
        measure("undo move all", stack.undo, 1, results)
    view.select_nodes([])

    def delete_middle() -> None:
        view.select_nodes([middle])
        view.delete_selection()

    for _ in range(args.repeat):
        measure("delete layer", delete_middle, 1, results)
        measure("undo delete", stack.undo, 1, results)

    dense = next(n for n in ids if graph.nodes[n].type == "Dense")
    units = iter(range(10_000))

    def set_param() -> None:
        doc.push(SetParamCommand(doc, dense, "units", 20 + next(units) % 7))

    measure("set units", set_param, args.repeat, results)

    lone = graph.add_node("Dense", {"units": 16}, position=(0, 800)).id
    app.processEvents()

    def connect() -> None:
        doc.push(ConnectCommand(doc, ids[0], lone))

    for _ in range(args.repeat):
        measure("connect", connect, 1, results)
        measure("undo connect", stack.undo, 1, results)

    measure("auto layout", view.auto_layout, 3, results)
    measure("undo auto layout", stack.undo, 3, results)

    def paste_20() -> None:
        view.select_nodes(ids[:20])
        view.copy_selection()
        view.paste(QPointF(0, 1200))

    measure("copy+paste 20", paste_20, 5, results)

    start = clock()
    view.viewport().repaint()
    full_paint = (clock() - start) * 1000

    print(f"clock: {clock.__name__}")
    print(f"{'operation':<20}{'median ms':>10}{'max ms':>10}")
    for label, times in results.items():
        print(f"{label:<20}{statistics.median(times):>10.1f}{max(times):>10.1f}")
    print(f"{'full repaint':<20}{full_paint:>10.1f}")


if __name__ == "__main__":
    main()

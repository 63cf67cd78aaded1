"""Guard against Qt bindings known to corrupt the interpreter (see pyproject's pins)."""

from __future__ import annotations

import sys


def test_void_qt_calls_keep_none_alive(qapp):
    from PySide6.QtWidgets import QGraphicsRectItem

    item = QGraphicsRectItem()
    if sys.version_info >= (3, 12):
        return  # None is immortal there; the bug cannot bite
    before = sys.getrefcount(None)
    for i in range(2000):
        item.setPos(i, i)
    # A faulty binding drops one reference per call (PySide6 6.12.0 on Python 3.11).
    assert sys.getrefcount(None) >= before - 100


_COLLECT_DOCUMENTS = """
import gc

from PySide6.QtWidgets import QApplication

from nnstudio.core.project import Project, load_project
from nnstudio.gui.canvas.view import CanvasView
from nnstudio.gui.document import ProjectDocument
from tests.gui.test_canvas import dag_graph, nid

app = QApplication([])


def shown(doc):
    view = CanvasView(doc)
    view.resize(900, 400)
    view.show()
    app.processEvents()
    return view


for round in range(5):
    sample = ProjectDocument()
    sample.replace_project(load_project("samples/spirals.nnsproj"))
    dag = ProjectDocument(Project(graph=dag_graph()))
    broken = ProjectDocument(Project(graph=dag_graph()))
    views = [shown(sample), shown(dag), shown(broken)]
    views[1].auto_layout()  # a command on each undo stack
    views[2].auto_layout()
    broken.workspace.graph.set_param(nid(broken, "b"), "units", 8)
    broken.revalidate()
    views[2].grab()
    for view in views:
        view.close()
    app.processEvents()
    del sample, dag, broken, views, view
    gc.collect()
print("collected")
"""


def test_documents_with_undo_history_are_garbage_collected_safely():
    """Dropping documents that hold commands must not crash the garbage collector.

    Commands point back at their document, so documents die in a collection; shiboken
    used to delete a command under its still-living undo stack (a segfault later).
    Run in a child so a crash fails this test instead of killing the whole run.
    """
    import os
    import subprocess

    from tests.conftest import REPO

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _COLLECT_DOCUMENTS],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "collected"

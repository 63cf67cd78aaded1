"""Small helpers shared by the GUI tests: documents, shown widgets and screenshots."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import QApplication, QWidget

from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project
from nnstudio.gui.document import ProjectDocument

#: Screenshots of panels, for looking at by hand (not compared).
SHOTS = Path(tempfile.gettempdir()) / "nnstudio-shots"

W = TypeVar("W", bound=QWidget)


@contextlib.contextmanager
def open_document(graph: Graph, ids: dict[str, str]) -> Iterator[ProjectDocument]:
    """A validated document of ``graph``; ``document.ids`` names its nodes for the test."""
    document = ProjectDocument(Project(graph=graph))
    document.ids = ids  # type: ignore[attr-defined]
    document.revalidate()
    yield document
    # A non-clean stack destroyed with its document emits cleanChanged into a dead object.
    document.undo_stack.clear()


def shown(qtbot, widget: W, size: tuple[int, int]) -> W:
    """``widget`` handed to qtbot (closed after the test), resized and shown."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    return widget


def shot(widget: QWidget, name: str) -> Path:
    """Save ``widget`` as ``SHOTS/name.png`` once deferred shows and layouts have happened."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path


def show_styled(widget: QWidget, size: tuple[int, int] = (360, 800)) -> None:
    """Show ``widget`` at dock size with the application's style, as a user would see it."""
    from nnstudio.gui import app as gui_app

    apply_style = getattr(gui_app, "_apply_style", None)
    if apply_style is not None:
        apply_style(QApplication.instance())
    widget.resize(*size)
    widget.show()
    QApplication.processEvents()

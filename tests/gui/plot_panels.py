"""A live-plots panel on a sample, for the plot tests that drive it with report objects.

The panels are kept alive until the module's tests end (pyqtgraph items deleted while a test
still holds a view of them crash), then released together.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.plots import TrainingPlotsPanel

REPO = Path(__file__).resolve().parents[2]
_LIVE: list[TrainingPlotsPanel] = []


@pytest.fixture(scope="module")
def release_panels(qapp):
    """Use as an autouse module fixture: frees the module's panels once its tests end."""
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _LIVE.clear()


def panel_of(
    qtbot, sample: str = "spirals", size: tuple[int, int] = (1000, 300)
) -> TrainingPlotsPanel:
    document = ProjectDocument(load_project(REPO / "samples" / f"{sample}.nnsproj"))
    document.workspace.reload_data()
    document.revalidate()
    panel = TrainingPlotsPanel(document)
    qtbot.addWidget(panel)
    _LIVE.append(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel

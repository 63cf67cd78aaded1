"""The experiment views: the data panel's Profile tab."""

from __future__ import annotations

import pandas as pd

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.data_panel import DataPanel
from tests.conftest import REPO
from tests.gui.helpers import shot, shown


def _panel(qtbot, project_file: str) -> DataPanel:
    document = ProjectDocument(load_project(REPO / "samples" / project_file))
    document.workspace.reload_data()
    panel = shown(qtbot, DataPanel(document), (900, 800))
    return panel


def _open_profile(panel: DataPanel) -> None:
    tabs = panel.view_tabs
    tabs.setCurrentIndex(tabs.indexOf(panel.profile_view))


def test_the_profile_tab_lists_every_column_with_the_figures_pandas_gives(qtbot):
    panel = _panel(qtbot, "brand_price.nnsproj")
    view = panel.profile_view
    assert view.profile is None  # nothing is computed for a hidden tab
    _open_profile(panel)
    qtbot.waitUntil(lambda: view.profile is not None, timeout=20000)
    frame = panel.document.workspace.table.frame
    assert view.table.rowCount() == len(frame.columns)
    names = [view.table.item(i, 0).text() for i in range(view.table.rowCount())]
    assert names == [str(c) for c in frame.columns]
    numeric = next(c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]))
    row = names.index(str(numeric))
    assert view.table.item(row, 3).text() == f"{frame[numeric].min():.4g}"
    assert view.table.item(row, 5).text() == f"{frame[numeric].mean():.4g}"
    assert "1.5" in view.summary.text()
    assert view.selected_column() == names[0]
    view.table.selectRow(row)
    assert view.selected_column() == str(numeric)
    shot(panel, "data_profile")


def test_the_profile_follows_a_new_table(qtbot):
    panel = _panel(qtbot, "brand_price.nnsproj")
    _open_profile(panel)
    view = panel.profile_view
    qtbot.waitUntil(lambda: view.profile is not None, timeout=20000)
    before = view.profile
    project = load_project(REPO / "samples" / "iris.nnsproj")
    panel.document.replace_project(project)
    qtbot.waitUntil(lambda: view.profile is not before, timeout=20000)
    assert "petal length (cm)" in [c.name for c in view.profile.columns]

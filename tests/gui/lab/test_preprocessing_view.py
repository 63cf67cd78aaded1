"""The preprocessing view: raw vs prepared values of the project's data, and the leak."""

from __future__ import annotations

import pytest

from nnstudio.core.project import Project, load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.registry import lab_view
from tests.cli.helpers import SAMPLES


@pytest.fixture
def document():
    document = ProjectDocument()
    document.replace_project(load_project(SAMPLES / "brand_price.nnsproj"))
    return document


@pytest.fixture
def view(qtbot, document):
    widget = lab_view("preprocessing").create(document)
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    return widget


def test_columns_are_the_projects_inputs(view, document):
    names = [view.column_combo.itemData(i) for i in range(view.column_combo.count())]
    assert names == [c.name for c in document.workspace.prepared.preprocessor.columns]


def test_a_numeric_column_shows_the_fit_on_the_training_split_and_the_leak(view, document):
    view.select_column("摄像头像素")
    preview = view.preview
    prepared = document.workspace.prepared
    raw = document.workspace.table.frame["摄像头像素"].to_numpy(dtype=float)
    assert preview.center == pytest.approx(raw[prepared.index_train].mean())
    text = view.leak_label.text()
    assert f"would be {raw.mean():.4f}" in text
    assert f"it is {raw[prepared.index_train].mean():.4f}" in text
    assert view.stat("raw, all rows", "mean") == f"{raw.mean():.4f}"
    assert view.stat("prepared, training rows", "mean") == "0.0000"
    assert view.stat("prepared, training rows", "std") == "1.0000"


def test_the_leak_warning_appears_only_when_asked_what_if(view):
    view.select_column("摄像头像素")
    assert view.warning.isHidden()
    view.leak_check.setChecked(True)
    assert not view.warning.isHidden() and "Leak" in view.warning.text()
    assert view.rows_table.headers()[-1] == "fitted on all rows"


def test_a_categorical_column_is_shown_one_hot(view):
    view.select_column("品牌")
    headers = view.rows_table.headers()
    assert "品牌=苹果" in headers
    for row in view.rows_table.texts():
        ones = [headers[i] for i, cell in enumerate(row) if i >= 3 and cell == "1"]
        assert ones == [f"品牌={row[2]}"]


def test_the_view_follows_the_project_and_says_when_there_is_no_data(view, document):
    document.replace_project(Project())
    assert view.column_combo.count() == 0
    assert "Load a dataset" in view.empty_label.text()
    document.replace_project(load_project(SAMPLES / "mobile_price.nnsproj"))
    assert view.column_combo.currentData() == "battery_power"
    assert view.rows_table.rowCount() == 8

"""The layer palette: catalogue entries by category, filtering, drag payload and requests."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.gui.canvas import LAYER_MIME as CANVAS_LAYER_MIME
from nnstudio.gui.canvas import CanvasView
from nnstudio.gui.palette import LAYER_MIME, LayerPalette, layer_mime_data
from tests.gui.helpers import SHOTS


@pytest.fixture
def palette(qtbot) -> LayerPalette:
    widget = LayerPalette()
    qtbot.addWidget(widget)
    widget.resize(260, 460)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_every_layer_type_listed_by_category(palette: LayerPalette) -> None:
    assert palette.categories() == ["Core", "Regularisation", "Merge"]
    assert sorted(palette.visible_layer_types()) == sorted(LAYERS.names())
    dense = palette.layer_item("Dense")
    spec = LAYERS.get("Dense")
    assert dense.text(0) == spec.label
    assert spec.help in dense.toolTip(0)
    assert not dense.icon(0).isNull()
    assert dense.parent().text(0) == "Core"
    assert palette.layer_item("Dropout").parent().text(0) == "Regularisation"


def test_filter_matches_names_labels_and_help(palette: LayerPalette) -> None:
    palette.set_filter("skip")
    assert palette.visible_layer_types() == ["Add"]
    palette.set_filter("over-fitting")  # words from the teaching text
    assert palette.visible_layer_types() == ["Dropout"]
    palette.set_filter("merge")  # the category
    assert palette.visible_layer_types() == ["Add", "Concat"]
    palette.set_filter("zzz")
    assert palette.visible_layer_types() == []
    assert all(palette.tree.topLevelItem(i).isHidden() for i in range(3))
    palette.set_filter("")
    assert len(palette.visible_layer_types()) == len(LAYERS.names())
    assert palette.filter_text() == ""


def test_typing_in_filter_and_enter_requests_first_match(qtbot, palette: LayerPalette) -> None:
    palette.filter_edit.setFocus()
    QTest.keyClicks(palette.filter_edit, "batch")
    assert palette.visible_layer_types() == ["BatchNorm1d"]
    with qtbot.waitSignal(palette.layer_requested, timeout=1000) as blocker:
        QTest.keyClick(palette.filter_edit, Qt.Key.Key_Return)
    assert blocker.args == ["BatchNorm1d"]


def test_double_click_and_enter_request_a_layer(qtbot, palette: LayerPalette) -> None:
    item = palette.layer_item("Dense")
    rect = palette.tree.visualItemRect(item)
    with qtbot.waitSignal(palette.layer_requested, timeout=1000) as blocker:
        # Qt's views want the press that precedes a real double-click.
        QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["Dense"]
    palette.tree.setCurrentItem(palette.layer_item("Concat"))
    palette.tree.setFocus()
    with qtbot.waitSignal(palette.layer_requested, timeout=1000) as blocker:
        QTest.keyClick(palette.tree, Qt.Key.Key_Return)
    assert blocker.args == ["Concat"]


def test_double_click_on_a_category_requests_nothing(qtbot, palette: LayerPalette) -> None:
    got: list[str] = []
    palette.layer_requested.connect(got.append)
    rect = palette.tree.visualItemRect(palette.tree.topLevelItem(0))
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert got == []


def test_drag_payload_is_what_the_canvas_accepts(palette: LayerPalette) -> None:
    assert LAYER_MIME == CANVAS_LAYER_MIME == "application/x-nnstudio-layer"
    mime = palette.tree.mimeData([palette.layer_item("Dropout")])
    assert bytes(mime.data(LAYER_MIME).data()) == b"Dropout"
    assert CanvasView.layer_type_from_mime(mime) == "Dropout"
    assert CanvasView.layer_type_from_mime(layer_mime_data("Linear")) == "Dense"  # alias
    assert palette.tree.dragEnabled()
    assert palette.layer_item("Dense").flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert not palette.tree.topLevelItem(0).flags() & Qt.ItemFlag.ItemIsDragEnabled


def test_quick_build_box(qtbot, palette: LayerPalette) -> None:
    edit = palette.quick_edit
    assert edit.placeholderText() == "20-128-256-4 relu"
    assert "out=" in edit.toolTip() and "dropout=" in edit.toolTip()
    palette.focus_quick_build()
    assert edit.hasFocus()
    QTest.keyClicks(edit, "2-16-1 tanh")
    with qtbot.waitSignal(palette.quick_build_requested, timeout=1000) as blocker:
        QTest.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args == ["2-16-1 tanh"]
    with qtbot.waitSignal(palette.quick_build_requested, timeout=1000):
        palette.quick_button.click()
    palette.show_quick_build_error("Quick build: bad")
    assert "bad" in edit.toolTip() and edit.styleSheet()
    QTest.keyClicks(edit, "x")  # typing clears the error mark
    assert edit.styleSheet() == "" and "out=" in edit.toolTip()


def test_empty_quick_build_emits_nothing(palette: LayerPalette) -> None:
    got: list[str] = []
    palette.quick_build_requested.connect(got.append)
    palette.quick_edit.setText("   ")
    QTest.keyClick(palette.quick_edit, Qt.Key.Key_Return)
    assert got == []


def test_screenshot(palette: LayerPalette) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert palette.grab().save(str(SHOTS / "palette.png"))

"""The losses view shows the lesson's values, recomputes edits and shows the terms."""

from __future__ import annotations

import pytest

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.losses_view import LossesView
from nnstudio.gui.lab.registry import lab_view


@pytest.fixture
def view(qtbot):
    widget = lab_view("losses").create(ProjectDocument())
    qtbot.addWidget(widget)
    widget.resize(700, 450)
    return widget


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("l1", "0.70"),
        ("mse", "0.67"),
        ("smooth_l1", "1.14"),
        ("bce", "0.6868"),
        ("cross_entropy", "1.1201"),
        ("softmax", "0.7392"),
    ],
)
def test_each_example_shows_the_lessons_value(view, key, shown):
    view.select(key)
    assert isinstance(view, LossesView)
    assert view.result_text() == shown
    assert shown in view.result_label.text()


def test_the_terms_table_holds_the_per_element_terms(view):
    view.select("l1")
    assert view.table.column_texts(2) == ["1.0000", "1.0000", "0.1000"]
    view.select("softmax")
    assert max(view.table.column_texts(2)) == "0.7392"


def test_editing_an_input_recomputes_the_loss(view):
    view.select("mse")
    view.fields["pred"].setText("3, 0")
    view.fields["true"].setText("1, 0")
    view.fields["true"].editingFinished.emit()
    assert view.result_text() == "2.00"
    assert view.table.column_texts(2) == ["4.0000", "0.0000"]


def test_a_bad_input_shows_one_line_and_keeps_the_last_result(view):
    view.select("bce")
    view.fields["pred"].setText("2, 0.5, 0.1")
    view.fields["pred"].editingFinished.emit()
    assert not view.error_label.isHidden()
    assert "between 0 and 1" in view.error_label.text()
    assert view.result_text() == "0.6868"


def test_the_pitfall_box_applies_softmax_twice(view):
    view.select("cross_entropy")
    assert not view.pitfall_check.isHidden()
    view.pitfall_check.setChecked(True)
    assert view.result_text() != "1.1201"
    view.select("mse")
    assert view.pitfall_check.isHidden()

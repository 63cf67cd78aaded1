"""The Lessons menu, the lesson docks, the Task panel and the start page."""

from __future__ import annotations

from typing import ClassVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from nnstudio import i18n
from nnstudio.core.lessons.catalogue import LESSONS, lesson
from nnstudio.gui.lab import registry
from nnstudio.gui.lab.registry import LabViewSpec
from nnstudio.gui.lab.summary_view import SummaryView
from nnstudio.gui.main_window import START_PAGE_KEY, START_PAGE_SEEN_KEY
from tests.gui.conftest import ini_settings

Btn = QMessageBox.StandardButton


class FakeView(QLabel):
    """A stand-in lab view: remembers the document it was given."""

    made: ClassVar[list[FakeView]] = []

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__("fake view", parent)
        self.document = document
        FakeView.made.append(self)


@pytest.fixture
def fake_views(monkeypatch):
    """Every view key the catalogue names, registered as a fake (summary stays real)."""
    FakeView.made = []
    keys = sorted({key for item in LESSONS for key in item.views} - {"summary"})
    specs = tuple(LabViewSpec(key, f"Fake {key}", f"{__name__}:FakeView") for key in keys)
    monkeypatch.setattr(registry, "LAB_VIEWS", (*registry.LAB_VIEWS, *specs))
    return keys


@pytest.fixture
def window(open_window):
    win = open_window(size=(1280, 800))
    win.start()
    return win


def menu_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_the_lessons_menu_stands_between_view_and_train(window):
    titles = menu_titles(window)
    assert titles.index("Lessons") == titles.index("View") + 1
    assert titles.index("Train") == titles.index("Lessons") + 1


def test_the_lessons_menu_lists_the_course_in_order(window):
    entries = [a for a in window.lessons_menu.actions() if not a.isSeparator()]
    texts = [a.text().replace("&", "") for a in entries]
    for number, item in enumerate(LESSONS, start=1):
        assert texts[number - 1] == f"{number}  {item.title}"
    assert texts[-2:] == ["Lock for students…", "Unlock (teacher)"]


@pytest.mark.parametrize("item", LESSONS, ids=lambda item: item.key)
def test_every_menu_entry_opens_its_project_and_its_registered_views(
    window, fake_views, item, qtbot
):
    window.actions_by_name[f"lesson_{item.key}"].trigger()
    project = window.project
    assert project.classroom.lesson == item.key
    assert project.path is None  # an untitled copy: saving never overwrites the bundle
    for key in item.views:
        dock = window.lab_docks[f"lab_{key}"]
        assert dock.objectName() == f"lab_{key}"
        assert dock.isVisible() and dock.widget().document is window.document
    shown = {name for name, dock in window.lab_docks.items() if dock.isVisible()}
    assert shown == {f"lab_{key}" for key in item.views} | {"task"}
    assert window.task_panel.text() == i18n._(item.task)
    assert window.task_panel.title_label.text() == item.title


def test_a_view_key_that_is_not_registered_is_skipped_without_a_crash(window, monkeypatch):
    without = tuple(spec for spec in registry.LAB_VIEWS if spec.key != "backprop")
    monkeypatch.setattr(registry, "LAB_VIEWS", without)
    assert window.open_lesson("backprop")
    assert window.project.name == "Backpropagation, step by step"
    assert "lab_backprop" not in window.lab_docks
    assert window.lab_docks["task"].isVisible()


def test_the_network_lessons_summary_reads_12_8_6_and_26(window):
    window.open_lesson("network")
    dock = window.lab_docks["lab_summary"]
    view = dock.widget()
    assert isinstance(view, SummaryView)
    assert view.column_values(5) == ["0", "12", "8", "6"]
    assert view.column_values(3) == ["0", "9", "6", "4"]
    assert view.column_values(4) == ["0", "3", "2", "2"]
    assert view.column_values(2)[1:] == ["[-1, 3]", "[-1, 2]", "[-1, 2]"]
    assert view.total_label.text() == "Total params: 26"
    assert view.trainable_label.text() == "Trainable params: 26"
    assert view.frozen_label.text() == "Non-trainable params: 0"


def test_the_summary_follows_an_edit_of_the_network(window, qtbot):
    from nnstudio.gui.commands import SetParamCommand

    window.open_lesson("network")
    view = window.lab_docks["lab_summary"].widget()
    doc = window.document
    first = next(n for n in doc.workspace.graph.nodes.values() if n.type == "Dense")
    doc.push(SetParamCommand(doc, first.id, "units", 4))
    # 3 → 4 → 2 → 2: 4·(3+1) = 16 and 2·(4+1) = 10, 6 unchanged.
    qtbot.waitUntil(lambda: view.total_label.text() == "Total params: 32", timeout=5000)
    assert view.column_values(5) == ["0", "16", "10", "6"]


def test_opening_a_lesson_asks_about_unsaved_changes_like_open(window, dialogs):
    from nnstudio.gui.commands import AddNodeCommand

    doc = window.document
    doc.push(AddNodeCommand(doc, "Dense", {"units": 3}))
    dialogs.answers = [Btn.Cancel]
    assert not window.open_lesson("network")
    assert window.project.classroom.lesson == ""
    assert any("Save the changes" in text for text in dialogs.asked)
    dialogs.answers = [Btn.Discard]
    assert window.open_lesson("network")
    assert window.project.classroom.lesson == "network"


def test_another_project_hides_the_lesson_views_and_the_task(window):
    window.open_lesson("network")
    assert window.lab_docks["lab_summary"].isVisible()
    window.new_project()
    assert not window.lab_docks["lab_summary"].isVisible()
    assert not window.lab_docks["task"].isVisible()


def test_a_teachers_own_task_is_shown_as_written(window, tmp_path):
    from dataclasses import replace

    window.open_lesson("losses")
    doc = window.document
    doc.workspace.set_classroom(replace(doc.project.classroom, task="Compute MAE by hand."))
    assert window.task_panel.text() == "Compute MAE by hand."


def test_lesson_docks_are_placed_by_the_saved_window_layout(open_window, tmp_path, qtbot):
    first = open_window(size=(1280, 800))
    first.start()
    first.open_lesson("network")
    dock = first.lab_docks["lab_summary"]
    first.removeDockWidget(dock)
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.show()
    assert first.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    first.document.mark_saved()
    first.close()

    second = open_window(size=(1280, 800))
    second.start()
    qtbot.waitSignal(second.layout_settled, timeout=10000)
    second.open_lesson("network")
    again = second.lab_docks["lab_summary"]
    assert second.dockWidgetArea(again) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_the_start_page_shows_at_the_first_launch_only(open_window, tmp_path, qtbot):
    first = open_window(size=(1280, 800))
    first.offer_start_page = True
    first.start()
    qtbot.waitUntil(lambda: first.start_page is not None and first.start_page.isVisible())
    page = first.start_page
    assert page.keys() == [item.key for item in LESSONS]
    assert not page.show_check.isChecked()
    page.close()
    first.close()

    second = open_window(size=(1280, 800))
    second.offer_start_page = True
    second.start()
    qtbot.wait(0)
    assert second.start_page is None
    second.actions_by_name["start_page"].trigger()  # Help → Start page opens it again
    assert second.start_page.isVisible()


def test_the_start_page_returns_at_launch_when_asked_for(open_window, tmp_path, qtbot):
    settings = ini_settings(tmp_path / "settings.ini")
    settings.set_value(START_PAGE_SEEN_KEY, True)
    settings.sync()
    first = open_window(size=(1280, 800))
    first.offer_start_page = True
    first.start()
    first.show_start_page()
    first.start_page.show_check.setChecked(True)
    assert first.settings.value(START_PAGE_KEY) in (True, "true")
    first.start_page.close()
    first.close()

    second = open_window(size=(1280, 800))
    second.offer_start_page = True
    second.start()
    qtbot.waitUntil(lambda: second.start_page is not None and second.start_page.isVisible())
    assert second.start_page.show_check.isChecked()


def test_choosing_a_lesson_on_the_start_page_opens_it(window):
    window.show_start_page()
    page = window.start_page
    page.list.setCurrentRow([item.key for item in LESSONS].index("network"))
    page.open_button.click()
    assert window.project.classroom.lesson == "network"
    assert not page.isVisible()


def test_the_lesson_texts_are_translated_in_chinese(window):
    try:
        i18n.set_language("zh_CN")
        window.open_lesson("network")
        item = lesson("network")
        assert window.task_panel.text() == i18n._(item.task) != item.task
        assert window.task_panel.title_label.text() == i18n._(item.title)
    finally:
        i18n.set_language("en")

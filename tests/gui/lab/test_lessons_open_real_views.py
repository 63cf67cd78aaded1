"""Every lesson opens from the Lessons menu with its real views (no stand-ins)."""

from __future__ import annotations

import pytest

from nnstudio.core.lessons.catalogue import LESSONS
from nnstudio.gui.lab.registry import LAB_VIEWS, lab_view


def test_every_view_the_course_names_is_registered():
    named = {key for item in LESSONS for key in item.views}
    assert named <= {spec.key for spec in LAB_VIEWS}


@pytest.mark.parametrize("item", LESSONS, ids=lambda item: item.key)
def test_each_lesson_shows_its_registered_views_and_task(open_window, item):
    window = open_window(size=(1280, 800))
    window.start()
    window.actions_by_name[f"lesson_{item.key}"].trigger()
    assert window.project.classroom.lesson == item.key
    for key in item.views:
        dock = window.lab_docks[f"lab_{key}"]
        assert dock.isVisible()
        assert type(dock.widget()) is lab_view(key).view_class()
    assert window.task_panel.text()

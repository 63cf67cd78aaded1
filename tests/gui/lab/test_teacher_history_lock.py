"""The history list cannot jump past a teacher's locks (Undo/Redo still check each step)."""

from __future__ import annotations

from nnstudio.core.project.classroom import Classroom
from nnstudio.gui.commands import SetClassroomCommand


def test_the_history_list_is_read_only_while_the_teacher_has_locked_settings(open_window):
    window = open_window(size=(1280, 800))
    window.start()
    window.open_lesson("schedules")
    history = window.workbench.history
    doc = window.document
    assert history.isEnabled()
    locks = Classroom(lesson="schedules", locked=("training.optimizer",))
    assert doc.push(SetClassroomCommand(doc, locks, "lock"))
    assert not history.isEnabled()
    assert "teacher" in history.toolTip()
    window.unlock_for_teacher()
    assert history.isEnabled()
    assert history.toolTip() == ""

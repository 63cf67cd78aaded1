"""The app asks before a project reads a data file outside its folder (issue 13, class 7):
the question shows the resolved path, and the answer holds for that file for the session."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from nnstudio.core.data.trust import OutsideDataError
from nnstudio.gui.outside_data import forget_answers, outside_data_box
from tests.core.test_outside_data import make_project, write_csv


@pytest.fixture(autouse=True)
def _fresh_session():
    forget_answers()
    yield
    forget_answers()


class Answers:
    """Clicks a button of the outside-data question instead of the user; keeps what it read."""

    def __init__(self, monkeypatch, button: str) -> None:
        self.button = button
        self.asked: list[str] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self.exec(box))

    def exec(self, box: QMessageBox) -> int:
        self.asked.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
        box.findChild(QAbstractButton, self.button).click()
        return 0


@pytest.fixture
def received(tmp_path):
    write_csv(tmp_path / "secret.csv")
    return make_project(tmp_path / "proj", "../secret.csv")


def test_opening_a_project_with_outside_data_asks_and_shows_the_resolved_path(
    qtbot, open_window, monkeypatch, tmp_path, received
):
    answers = Answers(monkeypatch, "read-outside-data")
    window = open_window()
    window.start(received)
    qtbot.waitUntil(lambda: window.document.workspace.prepared is not None, timeout=30_000)
    assert len(answers.asked) == 1
    assert str((tmp_path / "secret.csv").resolve()) in answers.asked[0]
    assert str((tmp_path / "proj").resolve()) in answers.asked[0]


def test_refusing_leaves_the_data_unread_and_is_not_asked_again(
    qtbot, open_window, monkeypatch, received
):
    answers = Answers(monkeypatch, "refuse-outside-data")
    window = open_window()
    window.start(received)
    qtbot.waitUntil(lambda: len(answers.asked) == 1, timeout=30_000)
    workspace = window.document.workspace
    assert isinstance(workspace.data_exception, OutsideDataError)
    assert workspace.table is None
    assert window.controller.start() is not None  # Train says why it cannot start
    window.document.mark_saved()
    assert window.open_project(received)
    qtbot.waitUntil(lambda: window.document.workspace.data_exception is not None, timeout=30_000)
    window._ask_outside_data()  # what opening queued: it remembers the refusal
    assert len(answers.asked) == 1


def test_an_allowed_file_is_not_asked_about_again_in_the_session(
    qtbot, open_window, monkeypatch, received
):
    answers = Answers(monkeypatch, "read-outside-data")
    window = open_window()
    window.start(received)
    qtbot.waitUntil(lambda: window.document.workspace.prepared is not None, timeout=30_000)
    window.document.mark_saved()
    assert window.open_project(received)
    assert window.document.workspace.prepared is not None  # read at once, nothing asked
    assert len(answers.asked) == 1


def test_the_question_defaults_to_not_reading(qtbot, tmp_path):
    box = outside_data_box(None, tmp_path / "secret.csv", tmp_path / "proj")
    qtbot.addWidget(box)
    assert box.defaultButton().objectName() == "refuse-outside-data"
    assert box.escapeButton().objectName() == "refuse-outside-data"
    assert str(tmp_path / "secret.csv") in box.text()

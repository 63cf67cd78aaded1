"""Fixtures shared by the GUI tests that drive the whole main window."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from nnstudio.gui.preferences import AppSettings


class Dialogs:
    """Answers message boxes instead of a user and remembers what was asked."""

    def __init__(self, monkeypatch) -> None:
        self.answers: list = []
        self.asked: list[str] = []
        for name in ("question", "warning", "information", "critical"):
            monkeypatch.setattr(QMessageBox, name, self._static(name))
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._answer(box.text()))

    def _static(self, kind):
        def ask(parent, title, text, *args, **kwargs):
            return self._answer(f"{kind}: {title}: {text}")

        return staticmethod(ask)

    def _answer(self, text: str):
        self.asked.append(text)
        return self.answers.pop(0) if self.answers else QMessageBox.StandardButton.Ok


def ini_settings(path: Path) -> AppSettings:
    """Settings kept in an INI file of the test's own, never the user's."""
    return AppSettings(QSettings(str(path), QSettings.Format.IniFormat))


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def open_window(qtbot, tmp_path, monkeypatch, dialogs) -> Iterator[Callable[..., Any]]:
    """Makes the main window on private settings and data folders; closes it cleanly after.

    Closing stops training, marks the work saved (no "save changes?" question) and ends the
    recovery session, so no thread or recovery file outlives the test.
    """
    from nnstudio.gui.main_window import MainWindow

    monkeypatch.setenv("NNSTUDIO_DATA_DIR", str(tmp_path / "appdata"))
    windows: list[MainWindow] = []

    def make(size: tuple[int, int] | None = None) -> MainWindow:
        win = MainWindow(ini_settings(tmp_path / "settings.ini"))
        qtbot.addWidget(win)
        if size is not None:
            win.resize(*size)
        win.show()
        windows.append(win)
        return win

    yield make
    for win in windows:
        if win.controller is not None:
            win.controller.shutdown()
            win.controller.close_process()
        if win.document is not None:
            win.document.mark_saved()
        if win.recovery is not None:
            win.recovery.end_session()


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test():
    """Collect each test's Qt wrappers while its widgets are still being torn down.

    Python-owned Qt objects caught in reference cycles are otherwise freed at a random later
    garbage collection, possibly after Qt has deleted their children — a crash in whatever
    test happens to be running then.
    """
    yield
    gc.collect()

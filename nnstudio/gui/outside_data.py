"""Asking before a project reads a data file outside its own folder.

The core refuses such a file until it is allowed (``core/data/trust.py``): a project received
from someone else must not copy the user's other files into what it saves. Here the user is
shown the resolved path (symlinks followed, so what is really read) and decides; the answer,
yes or no, holds for that file for the rest of the session, so reopening the project or
undoing a data change does not ask again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from nnstudio.core.data import trust
from nnstudio.i18n import _

#: Files the user said no to in this session (asked once each).
_refused: set[Path] = set()


def outside_data_box(parent: QWidget | None, path: Path, folder: Path) -> QMessageBox:
    """The question, with "Read this file" and "Don't read it" (the default) buttons."""
    box = QMessageBox(parent)
    box.setObjectName("outside-data-question")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Read a file outside the project's folder?"))
    box.setText(
        _("This project wants to read a data file outside its own folder:\n{path}").format(
            path=path
        )
    )
    box.setInformativeText(
        _(
            "The project is in {folder}. A project you received could use its data path to "
            "copy one of your files into what it saves. Read the file only if you expect "
            "this project to use it."
        ).format(folder=folder)
    )
    read = box.addButton(_("Read this file"), QMessageBox.ButtonRole.AcceptRole)
    read.setObjectName("read-outside-data")
    refuse = box.addButton(_("Don't read it"), QMessageBox.ButtonRole.RejectRole)
    refuse.setObjectName("refuse-outside-data")
    box.setDefaultButton(refuse)
    box.setEscapeButton(refuse)
    return box


def ask_outside_data(parent: QWidget | None, error: trust.OutsideDataError) -> bool:
    """Ask whether ``error.path`` may be read; True (and allowed for the session) on yes.

    A file refused before in this session is not asked about again.
    """
    if error.path in _refused:
        return False
    box = outside_data_box(parent, error.path, error.folder)
    box.exec()
    if box.clickedButton() is box.findChild(QWidget, "read-outside-data"):
        trust.allow(error.path)
        return True
    _refused.add(error.path)
    return False


def forget_answers() -> None:
    """Forget this session's answers (tests)."""
    _refused.clear()
    trust.forget()


__all__ = ["ask_outside_data", "forget_answers", "outside_data_box"]

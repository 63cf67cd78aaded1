"""Undo and Redo as window actions that obey the document's edit lock.

``QUndoStack.createUndoAction`` keeps its action enabled whenever the stack can undo, which
let Undo rewind the project under a running training run (the epochs field went back to 200
while the run counted to 3000; undoing "Open CSV" swapped the network under a 20-feature run).
These actions go through :meth:`ProjectDocument.undo`/``redo``, which refuse (or ask to stop
training) exactly as any other edit does, and they are enabled only when there is something
to undo and the project is not locked. The history list (:class:`HistoryView`) is locked
with them, and its jumps go through :meth:`ProjectDocument.set_index` too.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import SIGNAL, SLOT, QItemSelectionModel, QModelIndex, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QUndoView, QWidget

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.texts import plain_action_text
from nnstudio.i18n import _, tr


def unique_shortcuts(*keys: QKeySequence | QKeySequence.StandardKey | str) -> list[QKeySequence]:
    """Key sequences with duplicates removed (a key bound twice is an ambiguous shortcut)."""
    seen: list[QKeySequence] = []
    for key in keys:
        bindings = (
            QKeySequence.keyBindings(key)
            if isinstance(key, QKeySequence.StandardKey)
            else [QKeySequence(key)]
        )
        for sequence in bindings:
            if not sequence.isEmpty() and sequence not in seen:
                seen.append(sequence)
    return seen


class HistoryActions(QObject):
    """The Undo and Redo actions of one window, and its history list's lock."""

    def __init__(self, document: ProjectDocument, parent: QWidget) -> None:
        super().__init__(parent)
        self.document = document
        self.undo = QAction(_("&Undo"), parent)
        self.undo.setShortcuts(unique_shortcuts(QKeySequence.StandardKey.Undo, "Ctrl+Z"))
        self.undo.triggered.connect(document.undo)
        self.redo = QAction(_("&Redo"), parent)
        self.redo.setShortcuts(
            unique_shortcuts("Ctrl+Shift+Z", "Ctrl+Y", QKeySequence.StandardKey.Redo)
        )
        self.redo.triggered.connect(document.redo)
        self.views: list[QWidget] = []
        stack = document.undo_stack
        for signal in (stack.canUndoChanged, stack.canRedoChanged):
            signal.connect(self.refresh)
        stack.undoTextChanged.connect(self.refresh)
        stack.redoTextChanged.connect(self.refresh)
        document.locked_changed.connect(self.refresh)
        document.classroom_changed.connect(self.refresh)
        document.project_replaced.connect(self.refresh)
        self.refresh()

    def lock_with(self, view: QWidget) -> None:
        """Disable ``view`` (the history list) whenever the actions are locked."""
        self.views.append(view)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        stack = self.document.undo_stack
        if not shiboken6.isValid(stack):
            return  # the window is being torn down
        locked = self.document.lock_reason
        self.undo.setEnabled(locked is None and stack.canUndo())
        self.redo.setEnabled(locked is None and stack.canRedo())
        self.undo.setText(_undo_text(stack.undoText()))
        self.redo.setText(_redo_text(stack.redoText()))
        tip = tr(locked) if locked else ""
        for action in (self.undo, self.redo):
            action.setToolTip(tip or plain_action_text(action.text()))
        # Clicking a history entry moves the stack past every command in between without
        # asking the document, so under a teacher's locks the list is read-only too (Undo and
        # Redo still work: the document checks each command against the locks).
        teacher = bool(self.document.project.classroom.locked)
        if teacher and not tip:
            tip = _("The teacher locked settings of this lesson: use Undo and Redo")
        for view in self.views:
            view.setEnabled(locked is None and not teacher)
            view.setToolTip(tip)


class HistoryView(QUndoView):
    """The History list: a ``QUndoView`` whose jumps go through the document.

    A plain ``QUndoView`` moves its stack with ``QUndoStack.setIndex`` as soon as its current
    row changes, so a click several steps back across a switch to a big CSV read the file on
    the GUI thread, with no Cancel. Here the row the user picks (click or keys) asks
    :meth:`ProjectDocument.set_index`, which may read first in the background; until the
    stack moves, the list shows the stack's own index again (also after a refusal or Cancel).
    """

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(document.undo_stack, parent)
        self.document = document
        selection, model = self.selectionModel(), self.model()
        # The view's model moves the stack itself on every current-row change; that
        # connection is cut so that the document decides (the model still follows the stack).
        QObject.disconnect(
            selection,
            SIGNAL("currentChanged(QModelIndex,QModelIndex)"),
            model,
            SLOT("setStackCurrentIndex(QModelIndex)"),
        )
        selection.currentChanged.connect(self._on_current_changed)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        stack = self.document.undo_stack
        if not shiboken6.isValid(stack) or not shiboken6.isValid(self):
            return  # the window is being torn down: its model empties the list
        if not current.isValid() or current.row() == stack.index():
            return
        self.document.set_index(current.row())
        # After the selection change is done (not inside it): show where the stack is, i.e.
        # the row picked when the jump was taken at once, the old one while a read runs.
        QTimer.singleShot(0, self, self.show_stack_index)

    def show_stack_index(self) -> None:
        """Select the row of the stack's current index."""
        stack = self.document.undo_stack
        if not shiboken6.isValid(self) or not shiboken6.isValid(stack):
            return
        row = self.model().index(stack.index(), 0)
        if self.selectionModel().currentIndex() != row:
            self.selectionModel().setCurrentIndex(
                row, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )


def _undo_text(what: str) -> str:
    """ "Undo Add dense_1": one sentence per language, the command's own text inside."""
    return _("&Undo {what}").format(what=what) if what else _("&Undo")


def _redo_text(what: str) -> str:
    return _("&Redo {what}").format(what=what) if what else _("&Redo")


__all__ = ["HistoryActions", "HistoryView", "unique_shortcuts"]

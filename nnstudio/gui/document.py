"""The open project as one window edits it: the undo stack, the edit lock, and a Qt relay.

The project and everything derived from it live in the Qt-free
:class:`~nnstudio.core.workspace.Workspace` (:attr:`ProjectDocument.workspace`). This
document adds only what editing in a window needs:

- the undo stack: panels change the project only by pushing commands (:meth:`push`);
- the edit lock: while a training run owns the model every edit, undo and redo is refused
  (or the user agrees to stop the run first);
- a relay: each workspace event is re-emitted as a Qt signal of the same name, so a view
  connects to one source, in the GUI thread, and Qt drops the connection when the view goes;
- coalescing: the many events of one edit lead to one analysis per turn of the event loop;
- a read first: an undo, a redo or a History-list jump that switches to another big data
  file can have the file read off the GUI thread (:attr:`ProjectDocument.data_reader`)
  before the step is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.core.data import DataSettings
from nnstudio.core.project import Project
from nnstudio.core.workspace import LoadedData, Workspace, WorkspaceEvents


class DataReader(Protocol):
    """What reads data off the GUI thread for an undo or redo (the data panel's reader)."""

    def busy(self) -> str:
        """The name of what is being read now, or "" when nothing is."""
        ...

    def read_first(self, settings: DataSettings, done: Callable[[LoadedData], None]) -> bool:
        """Read the data ``settings`` name in the background, then call ``done`` with it on
        the GUI thread (never when the read is cancelled); False when the data is quick
        enough to read at once, so the caller goes ahead synchronously."""
        ...


class ProjectDocument(QObject):
    """The workspace of one window, with its undo stack and edit lock."""

    # --- relayed workspace events (see WorkspaceEvents) -------------------------------------
    #: The whole project was replaced (New/Open): views rebuild from scratch.
    project_replaced = Signal()
    node_added = Signal(object)
    node_removed = Signal(object)
    edge_added = Signal(object)
    edge_removed = Signal(object)
    #: (node, parameter name, old value, new value)
    param_changed = Signal(object, object, object, object)
    #: (node, attribute name)
    node_changed = Signal(object, object)
    node_moved = Signal(object)
    #: Any edit of the graph (after the specific signal).
    graph_changed = Signal()
    data_settings_changed = Signal(object)
    training_settings_changed = Signal(object)
    #: The data table or its preparation changed (or failed: see ``workspace.data_error``).
    data_changed = Signal()
    #: Validation, lint and compatibility problems were recomputed.
    analysis_changed = Signal(object)
    #: Trained weights were stored (the run's result) or forgotten (None).
    run_stored = Signal(object)
    #: The classroom section changed (a teacher locked or unlocked settings).
    classroom_changed = Signal(object)
    #: The stored runs changed (recorded, renamed, starred, deleted, put back).
    runs_changed = Signal()

    # --- the document's own -----------------------------------------------------------------
    #: True while a training run owns the model; edits are refused with ``lock_reason``.
    locked_changed = Signal(bool)
    #: The unsaved-changes state flipped (edits, undo back to clean, training, save).
    modified_changed = Signal(bool)
    message = Signal(str)

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.lock_reason: str | None = None
        #: Changes outside the undo stack (trained weights) that still need saving.
        self._dirty = False
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        #: Called when an edit is attempted while locked; returns True if the lock was lifted
        #: (e.g. the user agreed to stop training). The main window installs it.
        self.unlock_handler: Callable[[str], bool] | None = None
        #: Reads a big data file in the background before an undo or redo switches to it
        #: (the data panel installs its reader); None reads every file at once.
        self.data_reader: DataReader | None = None
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self.workspace = Workspace(project, load_data=False, schedule=self.schedule_revalidate)
        self._pending.timeout.connect(self.workspace.revalidate)
        # The workspace holds bound methods weakly: keep the relays alive with the document.
        self._relays = [self._relay(f.name) for f in fields(WorkspaceEvents)]

    def _relay(self, name: str) -> Callable[..., None]:
        qt_signal = getattr(self, name)
        relay = qt_signal.emit
        getattr(self.workspace.events, name).connect(relay)
        return relay

    def __del__(self) -> None:
        """Empty the undo stack while every command is still whole.

        A document sits in reference cycles (commands point back at it), so the garbage
        collector frees it. It clears the commands' Python wrappers before Qt's stack is
        destroyed, and shiboken then hands each command back to Python, which deletes it
        under the stack: ~QUndoStack would delete it again and crash. Finalisers run
        before any clearing, so emptying the stack here leaves nothing to delete twice.
        """
        stack = self.__dict__.get("undo_stack")
        if stack is not None and shiboken6.isValid(stack):
            stack.blockSignals(True)
            stack.clear()

    # --- project lifecycle -----------------------------------------------------------------

    @property
    def project(self) -> Project:
        """The open project (the workspace's)."""
        return self.workspace.project

    def replace_project(self, project: Project, *, load_data: bool = True) -> None:
        """Show another project (New/Open); the undo history starts afresh."""
        self.undo_stack.clear()
        self._dirty = False
        self.workspace.replace_project(project, load_data=load_data)
        self._emit_modified()

    @property
    def modified(self) -> bool:
        return self._dirty or not self.undo_stack.isClean()

    def mark_dirty(self) -> None:
        """Something outside the undo stack changed (training produced weights)."""
        self._dirty = True
        self._emit_modified()

    def mark_saved(self) -> None:
        self._dirty = False
        self.undo_stack.setClean()
        self._emit_modified()

    def _on_clean_changed(self, _clean: bool) -> None:
        self._emit_modified()

    def _emit_modified(self) -> None:
        self.modified_changed.emit(self.modified)

    # --- edits -----------------------------------------------------------------------------

    def push(self, command: QUndoCommand) -> bool:
        """Apply an edit through the undo stack; refused (False) while training owns the model
        or when it changes a setting the teacher locked."""
        if not self._unlocked() or not self._allowed_by_classroom(command):
            return False
        self.undo_stack.push(command)
        return True

    def undo(self) -> bool:
        """Undo the last edit, under the same lock as any edit (False when refused).

        When the step switches to another data file that is big, the file is read first in
        the background (see :attr:`data_reader`) and the step is undone when it is read; a
        cancelled read undoes nothing.
        """
        if not self.undo_stack.canUndo() or not self._unlocked():
            return False
        command = self.undo_stack.command(self.undo_stack.index() - 1)
        if not self._allowed_by_classroom(command):
            return False
        return self._step(command, undoing=True)

    def redo(self) -> bool:
        """Redo the next edit, under the same lock as any edit (False when refused); a big
        data file it switches to is read first, as for :meth:`undo`."""
        if not self.undo_stack.canRedo() or not self._unlocked():
            return False
        command = self.undo_stack.command(self.undo_stack.index())
        if not self._allowed_by_classroom(command):
            return False
        return self._step(command, undoing=False)

    def _step(self, command: QUndoCommand, *, undoing: bool) -> bool:
        """Undo or redo ``command`` now, or after the data it switches to was read."""
        if self._waiting_for_a_read():
            return False
        reader = self.data_reader
        move = self.undo_stack.undo if undoing else self.undo_stack.redo
        settings = _data_read_by(command, self.project.data, undoing=undoing)
        if settings is None or reader is None:
            move()
            return True
        index = self.undo_stack.index()

        def read(loaded: LoadedData) -> None:
            if self.undo_stack.index() != index or self.lock_reason is not None:
                return  # the history moved or training began meanwhile: the step is stale
            self.workspace.prime_data(loaded)  # the step's load takes the table read here
            try:
                move()
            finally:
                self.workspace.prime_data(None)

        if not reader.read_first(settings, read):
            move()
        return True

    def set_index(self, target: int) -> bool:
        """Move the history to ``target`` (a click in the History list), under the same locks
        as :meth:`undo` and :meth:`redo` for every step in between (False when refused).

        ``QUndoStack.setIndex`` would read each data file the steps switch to on the GUI
        thread; here each big one is read first in the background (see :attr:`data_reader`),
        and the steps up to and including its switch are taken when it is read. A cancelled
        read moves nothing further: the history stays where the last finished read left it.
        """
        stack = self.undo_stack
        target = max(0, min(target, stack.count()))
        index = stack.index()
        if target == index:
            return True
        if not self._unlocked():
            return False
        undoing = target < index
        steps = range(index, target, -1) if undoing else range(index, target)
        if not all(
            self._allowed_by_classroom(stack.command(i - 1 if undoing else i)) for i in steps
        ):
            return False
        if self._waiting_for_a_read():
            return False
        self._jump(target)
        return True

    def _jump(self, target: int) -> None:
        """Take the steps to ``target`` at once up to the first that reads a big data file;
        read that file in the background, then take its step and go on from there."""
        stack, reader = self.undo_stack, self.data_reader
        index = stack.index()
        undoing = target < index
        current = self.project.data
        steps = range(index, target, -1) if undoing else range(index, target)
        for position in steps:
            command = stack.command(position - 1 if undoing else position)
            settings = _data_read_by(command, current, undoing=undoing)
            if settings is not None and reader is not None:
                break
            current = _data_after(command, current, undoing=undoing)
        else:
            stack.setIndex(target)
            return
        after = position - 1 if undoing else position + 1

        def read(loaded: LoadedData) -> None:
            if stack.index() != index or self.lock_reason is not None:
                return  # the history moved or training began meanwhile: the jump is stale
            stack.setIndex(position)  # the steps before the switch read nothing big
            self.workspace.prime_data(loaded)  # the switch's load takes the table read here
            try:
                stack.setIndex(after)
            finally:
                self.workspace.prime_data(None)
            self._jump(target)

        if not reader.read_first(settings, read):
            stack.setIndex(after)  # quick enough to read at once
            self._jump(target)

    def _waiting_for_a_read(self) -> bool:
        """True (with a message) while the data reader reads a file for an earlier step."""
        from nnstudio.i18n import _

        reader = self.data_reader
        reading = reader.busy() if reader is not None else ""
        if reading:
            # A step taken now would come before the step (or the file) waiting for its read,
            # or be undone by it: the order the user asked for would be lost.
            self.message.emit(
                _("Reading {name}: undo and redo wait until it is read or cancelled.").format(
                    name=reading
                )
            )
        return bool(reading)

    def _allowed_by_classroom(self, command: QUndoCommand | None) -> bool:
        """False (with a message) when ``command`` changes a setting the teacher locked.

        Commands name the settings they change (``touched_settings``); the check is here, at
        the one door every edit goes through, so no panel can bypass a lock.
        """
        from nnstudio.core.project.classroom import LOCKABLE, refused
        from nnstudio.i18n import _

        touched = getattr(command, "touched_settings", None)
        if command is None or touched is None:
            return True
        locked = refused(touched(), self.project.classroom)
        if not locked:
            return True
        self.message.emit(
            _("The teacher locked this setting for the lesson: {setting}").format(
                setting=_(LOCKABLE[locked[0]])
            )
        )
        return False

    def _unlocked(self) -> bool:
        """True when edits may go ahead now, asking the unlock handler if the model is locked."""
        if self.lock_reason is None:
            return True
        handler = self.unlock_handler
        if handler is not None and handler(self.lock_reason):
            return True
        self.message.emit(self.lock_reason)
        return False

    def set_locked(self, reason: str | None) -> None:
        self.lock_reason = reason
        self.locked_changed.emit(reason is not None)

    # --- analysis --------------------------------------------------------------------------

    def schedule_revalidate(self) -> None:
        """Coalesce the many change events of one edit into one analysis pass."""
        if not self._pending.isActive():
            self._pending.start()

    def revalidate(self):
        """Analyse now (tests and views that need the result at once)."""
        self._pending.stop()
        return self.workspace.revalidate()


def _data_read_by(
    command: QUndoCommand, current: DataSettings, *, undoing: bool
) -> DataSettings | None:
    """The settings of the first data file the undo or redo of ``command`` reads, or None.

    A step that keeps the data source only re-prepares the table in memory (no read); the
    first one that changes it is the read worth doing in the background. A later one in the
    same macro (none of the app's macros has two) is read at once, as before.
    """
    targets = getattr(command, "data_targets", None)
    for target in targets(undoing) if targets is not None else ():
        if target.source != current.source:
            return target
        current = target
    return None


def _data_after(command: QUndoCommand, current: DataSettings, *, undoing: bool) -> DataSettings:
    """The data settings in force after the undo or redo of ``command``."""
    targets = getattr(command, "data_targets", None)
    settings = targets(undoing) if targets is not None else []
    return settings[-1] if settings else current

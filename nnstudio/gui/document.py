"""The open project as the GUI sees it: the model, its undo stack, data and validation.

There is exactly one :class:`ProjectDocument` per window. Panels read from it and change it
only by pushing commands (:meth:`push`); it re-validates after every edit (coalesced into one
pass per event-loop turn) and tells views through Qt signals. The graph itself stays a plain
core object whose own events drive the canvas.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.data import DataSettings, PreparedData, Table, load_table, prepare
from nnstudio.core.errors import NNStudioError
from nnstudio.core.network.analysis import Analysis, Problem, analyze, output_units_for
from nnstudio.core.network.graph import Graph
from nnstudio.core.network.lint import lint
from nnstudio.core.project import Project
from nnstudio.core.training import TrainingSettings
from nnstudio.core.training.plan import compatibility_problems, shape_context_for


class ProjectDocument(QObject):
    """Single source of truth for one window."""

    #: The whole project was replaced (New/Open): views rebuild from scratch.
    project_replaced = Signal()
    #: Validation, lint and compatibility problems were recomputed.
    analysis_changed = Signal(object)
    #: The data table or its preparation changed (or failed: see ``data_error``).
    data_changed = Signal()
    data_settings_changed = Signal(object)
    training_settings_changed = Signal(object)
    #: True while a training run owns the model; edits are refused with ``lock_reason``.
    locked_changed = Signal(bool)
    #: The unsaved-changes state flipped (edits, undo back to clean, training, save).
    modified_changed = Signal(bool)
    message = Signal(str)

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.project = project or Project()
        self.table: Table | None = None
        self.prepared: PreparedData | None = None
        self.data_error: str | None = None
        self.analysis = Analysis()
        self.compatibility: list[str] = []
        self.lock_reason: str | None = None
        #: Changes outside the undo stack (trained weights) that still need saving.
        self._dirty = False
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        #: Called when an edit is attempted while locked; returns True if the lock was lifted
        #: (e.g. the user agreed to stop training). The main window installs it.
        self.unlock_handler: Callable[[str], bool] | None = None
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.revalidate)
        self._connect_graph()

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
    def graph(self) -> Graph:
        return self.project.graph

    def replace_project(self, project: Project, *, load_data: bool = True) -> None:
        """Show another project (New/Open); the undo history starts afresh."""
        self._disconnect_graph()
        self.project = project
        self.undo_stack.clear()
        self._dirty = False
        self.table, self.prepared, self.data_error = None, None, None
        self._connect_graph()
        if load_data:
            self.reload_data()
        self.revalidate()
        self.project_replaced.emit()
        self._emit_modified()

    def _connect_graph(self) -> None:
        self.graph.events.changed.connect(self.schedule_revalidate)

    def _disconnect_graph(self) -> None:
        self.graph.events.changed.disconnect(self.schedule_revalidate)

    @property
    def path(self) -> Path | None:
        return self.project.path

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
        """Apply an edit through the undo stack; refused (False) while training owns the model."""
        if not self._unlocked():
            return False
        self.undo_stack.push(command)
        return True

    def undo(self) -> bool:
        """Undo the last edit, under the same lock as any edit (False when refused)."""
        if not self.undo_stack.canUndo() or not self._unlocked():
            return False
        self.undo_stack.undo()
        return True

    def redo(self) -> bool:
        """Redo the next edit, under the same lock as any edit (False when refused)."""
        if not self.undo_stack.canRedo() or not self._unlocked():
            return False
        self.undo_stack.redo()
        return True

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

    def apply_training_settings(self, settings: TrainingSettings) -> None:
        """Called by commands only."""
        self.project.training = settings
        self.training_settings_changed.emit(settings)
        self.schedule_revalidate()

    def apply_data_settings(self, settings: DataSettings) -> None:
        """Called by commands only: re-reads and re-prepares the data."""
        old = self.project.data
        self.project.data = settings
        self.data_settings_changed.emit(settings)
        self.reload_data(reuse_table=old.source == settings.source)

    # --- data ------------------------------------------------------------------------------

    def reload_data(self, *, reuse_table: bool = False) -> None:
        """Read (unless reusing) and prepare the data; failures are kept in ``data_error``."""
        settings = self.project.data
        self.prepared, self.data_error = None, None
        if settings.source.kind == "none":
            self.table = None
        else:
            try:
                if not (reuse_table and self.table is not None):
                    self.table = None
                    self.table = load_table(settings.source, self.project.base_dir)
                self.prepared = prepare(self.table, settings)
            except NNStudioError as exc:
                self.data_error = str(exc)
        self.data_changed.emit()
        self.schedule_revalidate()

    def shape_context(self) -> ShapeContext:
        p = self.prepared
        if p is not None:
            return ShapeContext(
                p.n_features,
                output_units_for(
                    p.task, p.n_classes, p.n_targets, self.project.training.loss["name"]
                ),
            )
        return shape_context_for(self.project.preprocessor, self.project.training)

    # --- validation ------------------------------------------------------------------------

    def schedule_revalidate(self) -> None:
        """Coalesce the many change events of one edit into one validation pass."""
        if not self._pending.isActive():
            self._pending.start()

    def revalidate(self) -> Analysis:
        self._pending.stop()
        result = analyze(self.graph, self.shape_context())
        self.compatibility = []
        if result.ok:
            p = self.prepared
            result.problems.extend(
                lint(
                    self.graph,
                    result,
                    loss=self.project.training.loss,
                    optimizer=self.project.training.optimizer,
                    scaling=self.project.data.scaling,
                    raw_ranges=p.raw_ranges if p is not None else None,
                )
            )
            if p is not None:
                self.compatibility = compatibility_problems(self.project, p, result)
        self.analysis = result
        self.analysis_changed.emit(result)
        return result

    def problems(self) -> list[Problem]:
        return list(self.analysis.problems)

    def blocking_reason(self) -> str | None:
        """Why Train cannot start now, in one line (None when it can)."""
        if self.data_error:
            return f"Data problem: {self.data_error}"
        if self.prepared is None:
            return "Load a dataset first (Data panel)."
        if self.analysis.errors:
            return f"Network problem: {self.analysis.errors[0].message}"
        if self.compatibility:
            return self.compatibility[0]
        return None

"""Undoable edits of the stored runs: rename, star, delete, keep N, "go back to run N", and
the trials of a hyperparameter search added as runs.

Each command only calls :class:`~nnstudio.core.workspace.Workspace` methods, like the rest
of :mod:`nnstudio.gui.commands`; the runs panel updates itself from ``runs_changed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnstudio.core.training.runs import RunRecord, capture_state, state_of_record
from nnstudio.gui.commands import Command
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.core.experiments.search import SearchResult
    from nnstudio.gui.document import ProjectDocument


class RenameRunCommand(Command):
    def __init__(self, doc: ProjectDocument, run_id: int, name: str) -> None:
        record = doc.project.runs.get(run_id)
        super().__init__(_("Rename {run}").format(run=record.title))
        self.doc, self.run_id = doc, run_id
        self.old, self.new = record.name, name.strip()

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        self.doc.workspace.update_run(self.run_id, name=self.new)

    def undo(self) -> None:
        self.doc.workspace.update_run(self.run_id, name=self.old)


class StarRunCommand(Command):
    def __init__(self, doc: ProjectDocument, run_id: int, starred: bool) -> None:
        record = doc.project.runs.get(run_id)
        text = _("Star {run}") if starred else _("Unstar {run}")
        super().__init__(text.format(run=record.title))
        self.doc, self.run_id, self.starred = doc, run_id, starred

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        self.doc.workspace.update_run(self.run_id, starred=self.starred)

    def undo(self) -> None:
        self.doc.workspace.update_run(self.run_id, starred=not self.starred)


class DeleteRunCommand(Command):
    def __init__(self, doc: ProjectDocument, run_id: int) -> None:
        record = doc.project.runs.get(run_id)
        super().__init__(_("Delete {run}").format(run=record.title))
        self.doc, self.run_id = doc, run_id
        self.where: tuple[int, RunRecord] | None = None

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        self.where = self.doc.workspace.remove_run(self.run_id)

    def undo(self) -> None:
        assert self.where is not None
        self.doc.workspace.insert_run(*self.where)


class KeepRunsCommand(Command):
    """Keep at most N unstarred runs; undo puts the dropped ones back where they were."""

    def __init__(self, doc: ProjectDocument, keep: int) -> None:
        super().__init__(_("Keep the last {n} runs").format(n=keep))
        self.doc, self.keep = doc, keep
        self.old = doc.project.runs.keep
        self.before: list[RunRecord] = []

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        self.before = list(self.doc.project.runs.records)
        self.doc.workspace.set_runs_kept(self.keep)

    def undo(self) -> None:
        self.doc.workspace.set_runs(self.old, self.before)


class RestoreRunCommand(Command):
    """ "Go back to run N": its graph, settings and best (or last) weights, undoably."""

    def __init__(self, doc: ProjectDocument, run_id: int, which: str = "best") -> None:
        record = doc.project.runs.get(run_id)
        if record.weights(which) is None:
            # A search trial that was not the best kept no weights: only its settings and
            # network come back, and the undo text says so.
            text = _("Go back to {run}'s settings (untrained)")
        elif which == "best":
            text = _("Go back to {run} (best epoch)")
        else:
            text = _("Go back to {run}")
        super().__init__(text.format(run=record.title))
        self.doc = doc
        self.old = capture_state(doc.project)
        self.new = state_of_record(record, which)

    def touched_settings(self) -> set[str]:
        from nnstudio.core.project.classroom import training_locks

        touched = training_locks(self.old.training, self.new.training)
        if self.old.graph != self.new.graph:
            touched.add("graph")
        if self.old.data != self.new.data:
            touched.add("data")
        return touched

    def redo(self) -> None:
        self.doc.workspace.apply_state(self.new)

    def undo(self) -> None:
        self.doc.workspace.apply_state(self.old)


class AddSearchRunsCommand(Command):
    """A finished (or cancelled) search's trials join the runs as one step.

    The first redo records them (:func:`~nnstudio.core.experiments.search.add_search_runs`,
    which also applies the keep-N limit); undo puts the run list back as it was, dropped
    runs included, and a later redo puts the recorded one back, so ids stay the same.
    """

    def __init__(self, doc: ProjectDocument, result: SearchResult) -> None:
        super().__init__(_("Add the search's trials to the runs"))
        self.doc, self.result = doc, result
        self.keep = doc.project.runs.keep
        self.before: list[RunRecord] = []
        self.after: list[RunRecord] | None = None
        self.added: list[RunRecord] = []

    def touched_settings(self) -> set[str]:
        return set()

    def redo(self) -> None:
        from nnstudio.core.experiments.search import add_search_runs

        runs = self.doc.project.runs
        if self.after is None:
            self.before = list(runs.records)
            self.added = add_search_runs(self.doc.project, self.result)
            self.after = list(runs.records)
            self.doc.workspace.announce_runs()
        else:
            self.doc.workspace.set_runs(self.keep, self.after)

    def undo(self) -> None:
        self.doc.workspace.set_runs(self.keep, self.before)

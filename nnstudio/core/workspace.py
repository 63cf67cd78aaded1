"""The open project and everything derived from it, observed one way.

A :class:`Workspace` owns the project being edited and derives, once each, what every view
and command needs: the loaded table, the prepared data, the shape context that sizes
``auto`` layers, the analysis (validation and teaching lint), the loss/target compatibility
and the last run's result. Every change is announced by a core event on
:attr:`Workspace.events` — graph edits (forwarded from whichever graph is open, so a view
never rebinds when the project is replaced), data and training settings, data ready or
failed, analysis done, a run stored. The GUI relays these to Qt signals
(:mod:`nnstudio.gui.document`); the command line and the tests use them directly.

Deriving is cheap to ask for and sometimes costly to do (reading a CSV, preparing it), so
edits only mark the analysis stale; :meth:`Workspace.revalidate` recomputes it. By default
that happens at once; the GUI installs a scheduler that coalesces the many events of one
edit into one pass per turn of its event loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.data import DataSettings, PreparedData, Table, load_table, prepare
from nnstudio.core.errors import Cancelled, NNStudioError
from nnstudio.core.events import Signal
from nnstudio.core.network.analysis import Analysis
from nnstudio.core.network.graph import Graph, GraphEvents
from nnstudio.core.project import Project
from nnstudio.core.project.classroom import Classroom
from nnstudio.core.training.plan import (
    RunPlan,
    analyze_project,
    compatibility_problems,
    current_model,
    plan_run,
    shape_context_for,
    store_result,
    trained_model,
    weights_fit,
)
from nnstudio.core.training.runs import ProjectState, RunRecord, load_graph_into
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.i18n import N_, Text

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule
    from nnstudio.core.training.engine import TrainingResult


@dataclass
class WorkspaceEvents:
    """Everything a view of the open project may follow, in one place.

    The graph's own events (``node_added`` …, ``changed``) are forwarded from the graph that
    is open now. ``data_changed`` fires when the table or its preparation changed or failed
    (see :attr:`Workspace.data_error`); ``run_stored`` when trained weights were stored or
    forgotten.
    """

    project_replaced: Signal = field(default_factory=Signal)
    node_added: Signal = field(default_factory=Signal)
    node_removed: Signal = field(default_factory=Signal)
    edge_added: Signal = field(default_factory=Signal)
    edge_removed: Signal = field(default_factory=Signal)
    param_changed: Signal = field(default_factory=Signal)
    node_changed: Signal = field(default_factory=Signal)
    node_moved: Signal = field(default_factory=Signal)
    graph_changed: Signal = field(default_factory=Signal)
    data_settings_changed: Signal = field(default_factory=Signal)
    training_settings_changed: Signal = field(default_factory=Signal)
    data_changed: Signal = field(default_factory=Signal)
    analysis_changed: Signal = field(default_factory=Signal)
    run_stored: Signal = field(default_factory=Signal)
    #: The classroom section (lesson, task, locks, hidden panels) changed.
    classroom_changed: Signal = field(default_factory=Signal)
    #: The stored runs changed (a run recorded, renamed, starred, deleted or put back).
    runs_changed: Signal = field(default_factory=Signal)


@dataclass(frozen=True)
class LoadedData:
    """What loading ``settings`` gave: the table and its preparation, or the error met.

    Made by :func:`load_data`, possibly in another thread, and handed to
    :meth:`Workspace.prime_data` so that the workspace uses it instead of reading again.
    """

    settings: DataSettings
    table: Table | None = None
    prepared: PreparedData | None = None
    error: NNStudioError | None = None


def load_data(
    settings: DataSettings,
    base_dir: str | os.PathLike[str] | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> LoadedData:
    """Read and prepare the data ``settings`` name; a failure is returned, never raised.

    Touches no workspace state, so a window can run it off its GUI thread (a big CSV takes
    seconds to read and to prepare). ``should_stop`` is asked while the file is read and
    before it is prepared; answering True raises :class:`~nnstudio.core.errors.Cancelled`.
    """
    if settings.source.kind == "none":
        return LoadedData(settings)
    table = None
    try:
        table = load_table(settings.source, base_dir, should_stop=should_stop)
        if should_stop is not None and should_stop():
            raise Cancelled("preparing the data was cancelled")
        return LoadedData(settings, table, prepare(table, settings))
    except NNStudioError as exc:
        return LoadedData(settings, table, None, exc)


#: Graph event → the workspace event it is forwarded to.
_GRAPH_EVENTS = {f.name: f.name for f in fields(GraphEvents)} | {"changed": "graph_changed"}


class Workspace:
    """One open project with its derived state; Qt-free (the CLI, the GUI and tests use it)."""

    def __init__(
        self,
        project: Project | None = None,
        *,
        load_data: bool = True,
        schedule: Callable[[], None] | None = None,
    ) -> None:
        self.events = WorkspaceEvents()
        #: Called when the analysis went stale; None recomputes at once.
        self.schedule = schedule
        self.project = project or Project()
        self.table: Table | None = None
        self.prepared: PreparedData | None = None
        #: Why the data could not be loaded: the error as shown (in the current language).
        self.data_error: str | None = None
        self._data_exception: NNStudioError | None = None
        #: Data loaded elsewhere for the next load of exactly its settings (see prime_data).
        self._primed: LoadedData | None = None
        self.analysis = Analysis()
        #: Loss/output/target mismatches: :class:`~nnstudio.i18n.Text` (show with ``tr()``).
        self.compatibility: list[str] = []
        self.last_result: TrainingResult | None = None
        self._forwarders: dict[str, Callable[..., None]] = {}
        self._attach_graph()
        if load_data:
            self.reload_data()
        else:
            self.revalidate()

    # --- the open project ------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        return self.project.graph

    def replace_project(self, project: Project, *, load_data: bool = True) -> None:
        """Open another project: everything derived is derived afresh."""
        self._detach_graph()
        self.project = project
        self.table, self.prepared = None, None
        self.data_error, self._data_exception = None, None
        self.analysis, self.compatibility = Analysis(), []
        self.last_result = None
        self._attach_graph()
        if load_data:
            self._load()
        # Views rebuild first (nothing of the old project is left to read), then learn the
        # new project's data and analysis like after any edit.
        self.events.project_replaced.emit()
        self.events.data_changed.emit()
        self.revalidate()

    def _attach_graph(self) -> None:
        graph_events = self.graph.events
        for source, target in _GRAPH_EVENTS.items():
            forward = getattr(self.events, target).emit
            self._forwarders[source] = forward
            getattr(graph_events, source).connect(forward)
        graph_events.changed.connect(self.invalidate)

    def _detach_graph(self) -> None:
        graph_events = self.graph.events
        for source, forward in self._forwarders.items():
            getattr(graph_events, source).disconnect(forward)
        graph_events.changed.disconnect(self.invalidate)
        self._forwarders.clear()

    # --- settings --------------------------------------------------------------------------

    def set_data_settings(self, settings: DataSettings) -> None:
        """Use other data settings: the data is re-read (or only re-prepared) at once."""
        old = self.project.data
        self.project.data = settings
        self.events.data_settings_changed.emit(settings)
        self.reload_data(reuse_table=old.source == settings.source)

    def set_training_settings(self, settings: TrainingSettings) -> None:
        self.project.training = settings
        self.events.training_settings_changed.emit(settings)
        self.invalidate()

    def set_classroom(self, classroom: Classroom) -> None:
        """A teacher locked or unlocked settings, or changed the task (no analysis needed)."""
        self.project.classroom = classroom
        self.events.classroom_changed.emit(classroom)

    # --- data ------------------------------------------------------------------------------

    def reload_data(self, *, reuse_table: bool = False) -> None:
        """Read (unless reusing the table) and prepare the data; a failure is kept in
        :attr:`data_error`, never raised."""
        self._load(reuse_table=reuse_table)
        self.events.data_changed.emit()
        self.invalidate()

    def prime_data(self, loaded: LoadedData | None) -> None:
        """Use ``loaded`` for the next load if it is for the settings then in force.

        A window reads a big file in a worker thread, then pushes the undoable command that
        switches to it; the command's load takes the table read already instead of reading
        the file a second time on the GUI thread. Any later load forgets it (an undo and a
        redo read the file again, as they would have); None forgets it now.
        """
        self._primed = loaded

    def _load(self, *, reuse_table: bool = False) -> None:
        settings = self.project.data
        primed, self._primed = self._primed, None
        self.prepared, self.data_error, self._data_exception = None, None, None
        if primed is not None and primed.settings == settings:
            self.table, self.prepared = primed.table, primed.prepared
            if primed.error is not None:
                self.data_error, self._data_exception = str(primed.error), primed.error
            return
        if settings.source.kind == "none":
            self.table = None
            return
        try:
            if not (reuse_table and self.table is not None):
                self.table = None
                self.table = load_table(settings.source, self.project.base_dir)
            self.prepared = prepare(self.table, settings)
        except NNStudioError as exc:
            self.data_error, self._data_exception = str(exc), exc

    @property
    def data_exception(self) -> NNStudioError | None:
        """The error the last data load met (None when it worked; the exception behind
        :attr:`data_error`), for views that act on its kind (a file outside the project's
        folder is asked about, an encoding refusal offers a choice)."""
        return self._data_exception

    def require_data(self) -> None:
        """Raise the error the last data load met, if any (for the command line)."""
        if self._data_exception is not None:
            raise self._data_exception

    @property
    def shape_context(self) -> ShapeContext:
        """Sizes of ``auto`` layers: from the prepared data, else from saved preprocessing."""
        return shape_context_for(self.prepared or self.project.preprocessor, self.project.training)

    # --- analysis --------------------------------------------------------------------------

    def invalidate(self) -> None:
        """The analysis no longer matches the project: recompute it (now or when scheduled)."""
        if self.schedule is None:
            self.revalidate()
        else:
            self.schedule()

    def revalidate(self) -> Analysis:
        """Validation, teaching lint and loss/target compatibility, announced to views."""
        result = analyze_project(self.project, self.prepared)
        self.compatibility = []
        if result.ok and self.prepared is not None:
            self.compatibility = compatibility_problems(self.project, self.prepared, result)
        self.analysis = result
        self.events.analysis_changed.emit(result)
        return result

    def blocking_reason(self) -> str | None:
        """Why training cannot start now, in one line (None when it can).

        A :class:`~nnstudio.i18n.Text`: English as a string (so it compares equal to the
        problem it repeats), shown with ``tr()``.
        """
        if self.data_error:
            return Text(N_("Data problem: {problem}"), problem=self.data_error)
        if self.prepared is None:
            return Text(N_("Load a dataset first (Data panel)."))
        if self.analysis.errors:
            return Text(N_("Network problem: {problem}"), problem=self.analysis.errors[0].message)
        if self.compatibility:
            return self.compatibility[0]
        return None

    # --- runs ------------------------------------------------------------------------------

    def can_resume(self) -> bool:
        """Whether a new run continues the last: weights that still fit, epochs left."""
        project = self.project
        if project.weights is None or project.epochs_trained >= project.training.epochs:
            return False
        return weights_fit(project, self.shape_context)

    def plan_run(self, *, resume: bool) -> RunPlan:
        """A run of the project as it stands, on the data already loaded."""
        loaded = (self.table, self.prepared) if self.prepared is not None else None
        return plan_run(self.project, resume=resume, loaded=loaded)  # type: ignore[arg-type]

    def store_result(self, plan: RunPlan, result: TrainingResult) -> None:
        """Keep what a run produced (weights, optimizer state, history) in the project."""
        record = store_result(self.project, plan, result)
        self.last_result = result
        self.events.run_stored.emit(result)
        if record is not None:
            self.events.runs_changed.emit()

    def clear_training(self) -> None:
        """Forget trained weights: the next run starts from fresh ones."""
        self.project.clear_training()
        self.last_result = None
        self.events.run_stored.emit(None)

    # --- stored runs -----------------------------------------------------------------------

    def apply_state(self, state: ProjectState) -> None:
        """Put a captured state back: graph, data and training settings, trained state.

        "Go back to run 7" and its undo both come here (see
        :func:`nnstudio.core.training.runs.state_of_record` and ``capture_state``). The
        graph is rebuilt in place, so views see ordinary edits; the data is re-read only
        when its settings differ.
        """
        project = self.project
        load_graph_into(project.graph, state.graph)
        if state.data != project.data:
            self.set_data_settings(state.data)
        self.set_training_settings(state.training)
        project.preprocessor = state.preprocessor
        project.weights = state.weights
        project.optimizer_state = state.optimizer_state
        project.schedule_state = state.schedule_state
        project.epochs_trained = state.epochs_trained
        project.history = state.history
        self.last_result = None
        self.events.run_stored.emit(None)

    def update_run(
        self, run_id: int, *, name: str | None = None, starred: bool | None = None
    ) -> None:
        """Rename or (un)star a stored run."""
        record = self.project.runs.get(run_id)
        if name is not None:
            record.name = name.strip()
        if starred is not None:
            record.starred = bool(starred)
        self.events.runs_changed.emit()

    def remove_run(self, run_id: int) -> tuple[int, RunRecord]:
        """Delete a stored run; returns where it was, so :meth:`insert_run` can undo it."""
        where = self.project.runs.remove(run_id)
        self.events.runs_changed.emit()
        return where

    def insert_run(self, index: int, record: RunRecord) -> None:
        self.project.runs.insert(index, record)
        self.events.runs_changed.emit()

    def set_runs_kept(self, keep: int) -> list[RunRecord]:
        """Keep at most ``keep`` unstarred runs; returns the runs that were dropped."""
        dropped = self.project.runs.set_keep(keep)
        self.events.runs_changed.emit()
        return dropped

    def set_runs(self, keep: int, records: list[RunRecord]) -> None:
        """Put a limit and a list of runs back as they were (undoing a smaller limit)."""
        self.project.runs.keep = keep
        self.project.runs.records[:] = records
        self.events.runs_changed.emit()

    def announce_runs(self) -> None:
        """Runs were recorded outside :meth:`store_result` (a controlled experiment)."""
        self.events.runs_changed.emit()

    def trained_model(self) -> GraphModule:
        """The network with its saved weights (raises when it has none that fit)."""
        return trained_model(self.project)

    def current_model(self) -> tuple[GraphModule, bool]:
        """The network with trained weights that fit, else as a run would start; and which."""
        return current_model(self.project, self.shape_context)


__all__ = ["LoadedData", "Workspace", "WorkspaceEvents", "load_data"]

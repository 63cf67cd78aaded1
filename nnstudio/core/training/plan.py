"""From a project to a ready training job, and from a finished run back into the project.

The command line and the GUI worker both go through :func:`plan_run`, so "what gets trained"
is decided in exactly one place: load and prepare the data, size ``auto`` layers from it,
refuse a broken graph or a loss that does not fit the target, build the module (seeded), and
optionally continue from the project's saved weights and optimiser state.

The project file holds training settings and history, so the project package builds on this
one; a run therefore reads and writes a project through :class:`TrainableProject`, the fields
it uses, which :class:`~nnstudio.core.project.Project` has.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.catalogue.losses import check_loss
from nnstudio.core.data import DataSettings, PreparedData, Preprocessor, Table, load_table, prepare
from nnstudio.core.errors import NNStudioError, TrainingError
from nnstudio.core.lazy import lazy_module
from nnstudio.core.network.analysis import Analysis, Problem, analyze, output_units_for
from nnstudio.core.network.builder import (
    build_model,
    build_shape_model,
    check_weights,
    load_into,
    model_weights,
    require_valid,
)
from nnstudio.core.network.graph import Graph
from nnstudio.core.network.lint import lint
from nnstudio.core.training.reports import History
from nnstudio.core.training.runs import RunLog, RunRecord, record_run
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.i18n import N_, Text

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule
    from nnstudio.core.training.engine import TrainingJob, TrainingResult

torch = lazy_module("torch", globals())
#: The training loop, imported when a run is planned (it needs torch).
engine = lazy_module("nnstudio.core.training.engine", globals())


class TrainableProject(Protocol):
    """What a run reads from a project and writes back into it."""

    graph: Graph
    data: DataSettings
    training: TrainingSettings
    #: Fitted preprocessing of the data the weights learned; None until trained.
    preprocessor: Preprocessor | None
    #: ``<node_id>.<param>`` → tensor; None until trained.
    weights: dict[str, torch.Tensor] | None
    optimizer_state: dict[str, Any] | None
    schedule_state: dict[str, Any] | None
    epochs_trained: int
    history: History
    #: Every stored run (see :mod:`nnstudio.core.training.runs`).
    runs: RunLog

    @property
    def base_dir(self) -> Path | None:
        """The folder relative data paths start from."""
        ...


def shape_context_for(
    data: PreparedData | Preprocessor | None, training: TrainingSettings
) -> ShapeContext:
    """The sizes ``auto`` layers take: the one place they are decided.

    From prepared data when the data is loaded, else from the fitted preprocessing a trained
    project keeps (so a saved project sizes itself without reading its CSV), else unknown.
    The output width follows the task and the chosen loss (one unit for binary cross-entropy).
    """
    batch = training.batch_size if training.batch_size > 0 else None
    if data is None:
        return ShapeContext(batch_rows=batch)
    if isinstance(data, Preprocessor):
        n_features = len(data.feature_names)
        n_classes, n_targets = len(data.class_names), len(data.target_columns)
    else:
        n_features, n_classes, n_targets = data.n_features, data.n_classes, data.n_targets
        # The full batch, or a batch no larger than the training rows (as the engine does).
        batch = data.n_train if batch is None else min(batch, max(1, data.n_train))
    return ShapeContext(
        n_features=n_features,
        n_outputs=output_units_for(data.task, n_classes, n_targets, training.loss["name"]),
        batch_rows=batch,
    )


def load_data(
    project: TrainableProject, settings: DataSettings | None = None
) -> tuple[Table, PreparedData]:
    """Read and prepare the project's data (or ``settings``' data) relative to the project."""
    settings = settings or project.data
    table = load_table(settings.source, project.base_dir)
    return table, prepare(table, settings)


def output_activation(project: TrainableProject, analysis: Analysis) -> str | None:
    if analysis.output_id is None:
        return None
    act = project.graph.nodes[analysis.output_id].params.get("activation")
    return act.get("name") if isinstance(act, dict) else None


def compatibility_problems(
    project: TrainableProject, prepared: PreparedData, analysis: Analysis
) -> list[str]:
    """Why loss, output layer and target do not fit together (empty when they do).

    :class:`~nnstudio.i18n.Text` messages: English in JSON, translated with ``tr()`` when shown.
    """
    if analysis.output_id is None or analysis.output_id not in analysis.sizes:
        return []
    return check_loss(
        project.training.loss,
        task=prepared.task,
        n_classes=prepared.n_classes,
        n_targets=prepared.n_targets,
        output_units=analysis.sizes[analysis.output_id],
        output_activation=output_activation(project, analysis),
    )


@dataclass
class RunPlan:
    """Everything decided before the first batch."""

    table: Table
    prepared: PreparedData
    ctx: ShapeContext
    analysis: Analysis
    model: GraphModule
    job: TrainingJob
    warnings: list[Problem] = field(default_factory=list)


def plan_run(
    project: TrainableProject,
    *,
    resume: bool = False,
    loaded: tuple[Table, PreparedData] | None = None,
) -> RunPlan:
    """Prepare a run. ``resume`` continues from saved weights instead of a fresh start.

    Raises a :class:`~nnstudio.core.errors.NNStudioError` subclass naming the first problem.
    """
    table, prepared = loaded or load_data(project)
    training = project.training
    ctx = shape_context_for(prepared, training)
    analysis = require_valid(project.graph, ctx)
    problems = compatibility_problems(project, prepared, analysis)
    if problems:
        raise TrainingError(problems[0])
    model = build_model(project.graph, ctx, seed=training.seed)
    job = engine.TrainingJob(model=model, data=prepared, settings=training)
    if resume and project.weights is not None:
        names = {nid: n.name for nid, n in project.graph.nodes.items()}
        check_weights(model, project.weights, names)
        load_into(model, project.weights)
        job = replace(
            job,
            optimizer_state=project.optimizer_state,
            schedule_state=project.schedule_state,
            start_epoch=project.epochs_trained,
            history=History.from_dict(project.history.to_dict()),
        )
    warnings = lint(
        project.graph,
        analysis,
        loss=training.loss,
        optimizer=training.optimizer,
        scaling=project.data.scaling,
        raw_ranges=prepared.raw_ranges,
    )
    return RunPlan(table, prepared, ctx, analysis, model, job, warnings)


def store_result(
    project: TrainableProject, plan: RunPlan, result: TrainingResult
) -> RunRecord | None:
    """Keep what the run produced in the project (weights, optimiser state, history) and
    add its run record to the project's runs; returns the record (None when the run trained
    no epoch, which leaves nothing to compare)."""
    project.weights = model_weights(plan.model)
    project.optimizer_state = result.optimizer_state
    project.schedule_state = result.schedule_state
    project.epochs_trained = plan.job.start_epoch + result.epochs_run
    project.history = result.history
    project.preprocessor = plan.prepared.preprocessor
    return add_run_record(project, plan, result)


def add_run_record(
    project: TrainableProject,
    plan: RunPlan,
    result: TrainingResult,
    *,
    experiment: str = "",
    varied: str = "",
) -> RunRecord | None:
    """Record a finished run of ``plan`` in ``project.runs`` (the limit may drop old runs)."""
    if result.epochs_run == 0 or not result.history.epoch:
        return None
    runs = getattr(project, "runs", None)
    if runs is None:
        return None
    record = record_run(
        project, plan.model, result, runs.latest, experiment=experiment, varied=varied
    )
    runs.add(record)
    return record


def weights_fit(project: TrainableProject, ctx: ShapeContext) -> bool:
    """Whether the project's trained weights fit its network as it stands under ``ctx``.

    Decides whether Train can *continue* a run: after the network or the data's width
    changed, the old weights no longer fit and the next run starts from fresh ones.
    """
    if project.weights is None:
        return False
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    try:
        model = build_shape_model(project.graph, ctx)
        check_weights(model, project.weights, names)
    except (NNStudioError, RuntimeError):
        return False
    return True


def trained_model(project: TrainableProject, ctx: ShapeContext | None = None) -> GraphModule:
    """The project's network with its saved weights, in eval mode: the one way to get it.

    ``ctx`` defaults to the sizes the weights were trained with (the saved preprocessing).
    """
    if project.weights is None:
        raise TrainingError(Text(N_("this project has not been trained yet: train it first")))
    if ctx is None:
        ctx = shape_context_for(project.preprocessor, project.training)
    model = build_model(project.graph, ctx)
    _load_saved_weights(model, project)
    model.eval()
    return model


def current_model(project: TrainableProject, ctx: ShapeContext) -> tuple[GraphModule, bool]:
    """The network as a view shows it, and whether its weights are the trained ones.

    With trained weights that fit, those; otherwise the initial weights a run would start
    from (the project's seed). The global random state is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        model = build_model(project.graph, ctx, seed=project.training.seed)
    if project.weights is not None:
        try:
            _load_saved_weights(model, project)
        except NNStudioError:
            return model, False
        return model, True
    return model, False


def _load_saved_weights(model: GraphModule, project: TrainableProject) -> None:
    """Put the project's saved weights into ``model`` (refused when they do not fit)."""
    assert project.weights is not None
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    check_weights(model, project.weights, names)
    load_into(model, project.weights)


def analyze_project(project: TrainableProject, prepared: PreparedData | None = None) -> Analysis:
    """Validation + lint for display, using prepared data when available: the one analysis."""
    ctx = shape_context_for(prepared or project.preprocessor, project.training)
    result = analyze(project.graph, ctx)
    if result.ok:
        result.problems.extend(
            lint(
                project.graph,
                result,
                loss=project.training.loss,
                optimizer=project.training.optimizer,
                scaling=project.data.scaling,
                raw_ranges=prepared.raw_ranges if prepared is not None else None,
            )
        )
    return result


__all__ = [
    "RunPlan",
    "TrainableProject",
    "add_run_record",
    "analyze_project",
    "compatibility_problems",
    "current_model",
    "load_data",
    "plan_run",
    "shape_context_for",
    "store_result",
    "trained_model",
    "weights_fit",
]

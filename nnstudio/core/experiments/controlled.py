"""Controlled experiments: "train again, changing only X", fairly.

A comparison of two runs says something only when one setting differs and everything else —
the initial weights, the seed, the batches — is the same. The optimiser race
(:mod:`nnstudio.core.lessons.race`) does this for optimisers; here it is generalised to any
setting a practitioner varies: learning rate, batch size, optimiser, schedule, weight
initialiser, hidden activation and dropout p.

:func:`build_experiment` makes one variant project per value (a copy of the project with
that one setting changed) and plans each run from the *same* initial weights: the network
is built once with the project's seed and its weights are copied into every variant (the
initialiser is the exception: changing it changes the initial weights, which is its point;
the seed is still shared). :func:`run_experiment` trains the variants one after the other
and records each as a run of the project marked with one experiment label and the varied
setting, so the runs table and its overlay compare them. Qt-free; the GUI's experiment
dialog drives the same functions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from nnstudio.core.data import PreparedData, Table
from nnstudio.core.errors import TrainingError
from nnstudio.core.network.builder import load_into, model_weights
from nnstudio.core.project import Project
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import ReportPolicy, train
from nnstudio.core.training.plan import RunPlan, add_run_record, load_data, plan_run
from nnstudio.core.training.runs import RunRecord
from nnstudio.i18n import N_, Text

__all__ = [
    "MAX_VALUES",
    "SETTINGS",
    "Experiment",
    "build_experiment",
    "experiment_label",
    "parse_values",
    "run_experiment",
    "variant_project",
]

#: More variants than this make the overlay unreadable and the wait long.
MAX_VALUES = 8
#: Setting key → (title, registry family for named values or "" for numbers). Titles are
#: English, marked for translation: show them with ``_()``.
SETTINGS: dict[str, tuple[str, str]] = {
    "lr": (N_("Learning rate"), ""),
    "batch_size": (N_("Batch size"), ""),
    "optimizer": (N_("Optimiser"), "optimiser"),
    "schedule": (N_("Learning-rate schedule"), "schedule"),
    "weight_init": (N_("Weight initialiser"), "initialiser"),
    "activation": (N_("Hidden activation"), "activation"),
    "dropout": (N_("Dropout p"), ""),
}
#: One point per epoch is all the runs table needs.
EXPERIMENT_POLICY = ReportPolicy(batches=False, detail_every=0, detail_seconds=0.0)


def parse_values(setting: str, text: str) -> list[Any]:
    """``"0.1, 0.01, 0.001"`` → ``[0.1, 0.01, 0.001]`` for ``setting``; names are checked.

    Raises :class:`TrainingError` saying which value is wrong.
    """
    if setting not in SETTINGS:
        raise TrainingError(Text(N_("unknown setting {name!r}"), name=setting))
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if len(parts) < 2:
        raise TrainingError(Text(N_("give at least two values, separated by commas")))
    if len(parts) > MAX_VALUES:
        raise TrainingError(Text(N_("an experiment takes at most {n} values"), n=MAX_VALUES))
    family = SETTINGS[setting][1]
    values: list[Any] = []
    for part in parts:
        if family:
            from nnstudio.core.catalogue.params import registry_named

            registry = registry_named(family)
            try:
                values.append(registry.normalize({"name": part})["name"])
            except Exception:
                raise TrainingError(
                    Text(N_("{value!r} is not a known name here"), value=part)
                ) from None
            continue
        try:
            number = float(part)
        except ValueError:
            raise TrainingError(Text(N_("{value!r} is not a number"), value=part)) from None
        if setting == "batch_size":
            if not number.is_integer() or number < 0:
                raise TrainingError(
                    Text(N_("a batch size is a whole number ≥ 0, not {value}"), value=part)
                )
            values.append(int(number))
        elif setting == "dropout":
            if not 0.0 <= number < 1.0:
                raise TrainingError(Text(N_("dropout p lies in [0, 1), not {value}"), value=part))
            values.append(number)
        else:
            if not math.isfinite(number) or number <= 0:
                raise TrainingError(
                    Text(N_("a learning rate is a positive number, not {value}"), value=part)
                )
            values.append(number)
    if len(set(map(str, values))) != len(values):
        raise TrainingError(Text(N_("each value may appear only once")))
    return values


def _hidden_nodes(project: Project, types: Sequence[str]) -> list[str]:
    """Layers of ``types`` that are not the output layer (the loss depends on its activation)."""
    graph = project.graph
    return [
        nid
        for nid, node in graph.nodes.items()
        if node.type in types and (node.type != "Dense" or graph.outputs_of(nid))
    ]


def variant_project(project: Project, setting: str, value: Any) -> Project:
    """A copy of ``project`` differing only in ``setting`` = ``value``.

    The copy shares the project's run log, so its runs are recorded in the project.
    """
    graph = project.graph.copy()
    training = project.training
    if setting == "lr":
        training = training.with_lr(float(value))
    elif setting == "batch_size":
        training = training.replace(batch_size=int(value))
    elif setting == "optimizer":
        training = training.replace(optimizer={"name": value, "lr": training.lr})
    elif setting == "schedule":
        training = training.replace(schedule={"name": value})
    elif setting in ("weight_init", "activation", "dropout"):
        types = {"weight_init": ("Dense",), "activation": ("Dense", "Activation")}.get(
            setting, ("Dropout",)
        )
        nodes = _hidden_nodes(project, types)
        if not nodes:
            raise TrainingError(
                Text(
                    N_("the network has no layer this setting applies to ({setting})"),
                    setting=Text(SETTINGS[setting][0]),
                )
            )
        param = "p" if setting == "dropout" else setting
        for nid in nodes:
            graph.set_param(nid, param, {"name": value} if setting != "dropout" else value)
    else:
        raise TrainingError(Text(N_("unknown setting {name!r}"), name=setting))
    return replace(
        project,
        graph=graph,
        training=training,
        weights=None,
        optimizer_state=None,
        schedule_state=None,
        epochs_trained=0,
        notices=[],
    )


@dataclass
class Experiment:
    """The variants of one controlled experiment, ready to train."""

    setting: str
    values: list[Any]
    projects: list[Project]
    plans: list[RunPlan]
    #: The label every run of this experiment carries (``"1"``, ``"2"`` …).
    label: str


def build_experiment(
    project: Project,
    setting: str,
    values: Sequence[Any],
    loaded: tuple[Table, PreparedData] | None = None,
    *,
    epochs: int | None = None,
) -> Experiment:
    """One plan per value, every one starting from the project's initial weights.

    Raises :class:`~nnstudio.core.errors.NNStudioError` when a variant cannot train.
    """
    if len(values) < 1:
        raise TrainingError(Text(N_("give at least two values, separated by commas")))
    loaded = loaded or load_data(project)
    if epochs is not None:
        project = replace(project, training=project.training.replace(epochs=int(epochs)))
    base = plan_run(project, resume=False, loaded=loaded)
    start = model_weights(base.model)
    projects, plans = [], []
    for value in values:
        variant = variant_project(project, setting, value)
        plan = plan_run(variant, resume=False, loaded=loaded)
        if setting != "weight_init":
            load_into(plan.model, {k: v.clone() for k, v in start.items()})
        projects.append(variant)
        plans.append(plan)
    return Experiment(setting, list(values), projects, plans, experiment_label(project.runs))


def experiment_label(runs: Any) -> str:
    """The first label (``"1"``, ``"2"`` …) no stored run carries: a new experiment's mark.

    Controlled experiments and hyperparameter searches share the numbering, so the runs table
    never shows two experiments under one label.
    """
    used = {r.experiment for r in runs.records if r.experiment}
    number = 1
    while str(number) in used:
        number += 1
    return str(number)


def run_experiment(
    project: Project,
    experiment: Experiment,
    on_event: Callable[[int, object], None] | None = None,
    control: TrainingControl | None = None,
) -> list[RunRecord]:
    """Train every variant in this thread and record each as a run of ``project``.

    ``on_event(index, report)`` receives the reports of variant ``index``. A stop request
    ends the experiment after the current variant's batch; what ran is recorded.
    """
    records: list[RunRecord] = []
    for index, (variant, plan) in enumerate(
        zip(experiment.projects, experiment.plans, strict=True)
    ):
        emit = (lambda event, i=index: on_event(i, event)) if on_event else None
        result = train(plan.job, emit, control, EXPERIMENT_POLICY)
        records.extend(record_variant(project, variant, plan, result, experiment))
        if result.reason == "stopped":
            break
    return records


def record_variant(
    project: Project, variant: Project, plan: RunPlan, result: Any, experiment: Experiment
) -> list[RunRecord]:
    """Record one finished variant in ``project``'s runs (empty when it trained nothing)."""
    variant = copy.copy(variant)
    variant.runs = project.runs
    variant.preprocessor = plan.prepared.preprocessor
    record = add_run_record(
        variant, plan, result, experiment=experiment.label, varied=experiment.setting
    )
    return [record] if record is not None else []

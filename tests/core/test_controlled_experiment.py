"""Controlled experiments: the runs differ in exactly one setting and start from one state."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch

from nnstudio.core.errors import TrainingError
from nnstudio.core.experiments.controlled import (
    build_experiment,
    parse_values,
    run_experiment,
    variant_project,
)
from nnstudio.core.project import load_project
from nnstudio.core.training.plan import load_data
from nnstudio.core.training.runs import run_changes

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "samples" / "iris.nnsproj"


@pytest.fixture(scope="module")
def loaded():
    return load_data(load_project(IRIS))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize(
    ("setting", "values"),
    [
        ("lr", [0.01, 0.001, 0.1]),
        ("batch_size", [8, 64]),
        ("activation", ["tanh", "relu"]),
        ("schedule", ["constant", "cosine"]),
        ("optimizer", ["sgd", "adam"]),
    ],
)
def test_the_runs_differ_in_exactly_one_setting_and_start_from_identical_weights(
    loaded, setting, values
):
    project = load_project(IRIS)
    experiment = build_experiment(project, setting, values, loaded, epochs=2)
    starts = [_state(plan.model) for plan in experiment.plans]
    for state in starts[1:]:
        assert all(torch.equal(state[k], starts[0][k]) for k in starts[0])
    records = run_experiment(project, experiment)
    assert [r.id for r in project.runs.records] == [r.id for r in records]
    assert len(records) == len(values)
    assert {r.experiment for r in records} == {"1"} and {r.varied for r in records} == {setting}
    assert len({r.seed for r in records}) == 1
    for a, b in itertools.pairwise(records):
        changes = run_changes(a.training, b.training, a.graph, b.graph, a.data, b.data)
        keys = {c.key for c in changes}
        expected = {"activation"} if setting == "activation" else {setting}
        assert keys == expected, changes
    # the runs really differ: one setting changed what they learned
    assert records[0].final["train_loss"] != records[1].final["train_loss"]


def test_the_initialiser_is_the_one_setting_that_changes_the_initial_weights(loaded):
    project = load_project(IRIS)
    experiment = build_experiment(project, "weight_init", ["xavier_uniform", "zeros"], loaded)
    a, b = (_state(plan.model) for plan in experiment.plans)
    weights = [k for k in a if k.endswith("weight")]
    assert any(not torch.equal(a[k], b[k]) for k in weights)
    assert {p.training.seed for p in experiment.projects} == {project.training.seed}


def test_dropout_p_changes_every_dropout_layer_and_needs_one(loaded):
    project = load_project(IRIS)
    with pytest.raises(TrainingError, match="no layer"):
        variant_project(project, "dropout", 0.3)
    hidden = next(n for n in project.graph.nodes.values() if n.type == "Dense")
    output = next(iter(project.graph.outputs_of(hidden.id)))
    project.graph.remove_edge(hidden.id, output)
    drop = project.graph.add_node("Dropout", {"p": 0.1})
    project.graph.add_edge(hidden.id, drop.id)
    project.graph.add_edge(drop.id, output)
    variant = variant_project(project, "dropout", 0.5)
    assert variant.graph.node(drop.id).params["p"] == 0.5
    assert project.graph.node(drop.id).params["p"] == 0.1  # the project itself is unchanged


def test_a_second_experiment_gets_its_own_label(loaded):
    project = load_project(IRIS)
    run_experiment(project, build_experiment(project, "lr", [0.01, 0.02], loaded, epochs=1))
    second = build_experiment(project, "batch_size", [16, 32], loaded, epochs=1)
    assert second.label == "2"


def test_values_are_parsed_and_checked():
    assert parse_values("lr", "0.1, 0.01; 1e-3") == [0.1, 0.01, 0.001]
    assert parse_values("batch_size", "16, 0") == [16, 0]
    assert parse_values("activation", "relu, tanh") == ["relu", "tanh"]
    with pytest.raises(TrainingError, match="at least two"):
        parse_values("lr", "0.1")
    with pytest.raises(TrainingError, match="positive"):
        parse_values("lr", "0.1, -1")
    with pytest.raises(TrainingError, match="known name"):
        parse_values("activation", "relu, nonsense")
    with pytest.raises(TrainingError, match="only once"):
        parse_values("batch_size", "16, 16")

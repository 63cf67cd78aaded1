"""A search's trials become run records of the project: one experiment, diffs, curves, and
the weights of the best trial only (files stay small); the keep-N limit holds."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("optuna")

from nnstudio.core.experiments.controlled import experiment_label
from nnstudio.core.experiments.search import add_search_runs, parse_param, run_search
from nnstudio.core.project import load_project, save_project
from tests.cli.helpers import run_cli
from tests.conftest import REPO

IRIS = REPO / "samples" / "iris.nnsproj"


def _iris(epochs: int):
    project = load_project(IRIS)
    return dataclasses.replace(project, training=project.training.replace(epochs=epochs))


def test_the_saved_project_after_a_three_trial_cli_search_holds_three_runs_of_one_experiment(
    tmp_path, capsys
):
    source = save_project(_iris(6), tmp_path / "iris.nnsproj")
    out = tmp_path / "best.nnsproj"
    code, _, err = run_cli(
        capsys,
        "search",
        source,
        "--param",
        "lr=1e-3:0.3:log",
        "--param",
        "optimizer=sgd,adam",
        "--trials",
        "3",
        "--sampler",
        "random",
        "--save",
        out,
        "--quiet",
    )
    assert code == 0, err
    saved = load_project(out)
    records = saved.runs.records
    assert len(records) == 3
    assert {r.experiment for r in records} == {"1"}
    assert {r.varied for r in records} == {"lr, optimizer"}
    # Optuna's median pruner judges no trial before three have finished: all three complete.
    assert [r.name for r in records] == ["Trial 0", "Trial 1", "Trial 2"]
    lrs = {round(r.training.lr, 12) for r in records}
    assert len(lrs) == 3  # each run carries its own trial's settings
    for record in records:
        assert record.training.optimizer["name"] in ("sgd", "adam")
        assert 1e-3 <= record.training.lr <= 0.3
        assert record.training.optimizer["lr"] == record.training.lr
        assert len(record.curve("val_loss")) == record.epochs >= 1
        assert record.seconds > 0
        assert record.final["val_accuracy"] >= 0
    assert records[0].changes == [] and records[0].previous is None
    assert [r.previous for r in records[1:]] == [records[0].id, records[1].id]
    assert any(c.key == "lr" for c in records[1].changes)
    # Only the best trial keeps its weights, and it is the one the saved project applies.
    with_weights = [r for r in records if r.weights_last is not None]
    assert len(with_weights) == 1
    best = with_weights[0]
    assert best.training.lr == pytest.approx(saved.training.lr)
    assert best.training.optimizer["name"] == saved.training.optimizer["name"]


def test_pruned_trials_become_runs_too_and_the_keep_limit_holds():
    project = _iris(20)
    project.runs.set_keep(5)
    result = run_search(
        project, [parse_param("lr=1e-6:1e-1:log")], trials=12, sampler="random", seed=1
    )
    pruned = {t.number for t in result.trials if t.state == "pruned"}
    assert pruned and set(result.runs) == {t.number for t in result.trials}
    assert project.runs.records == []  # the search itself records nothing in the project
    added = add_search_runs(project, result)
    assert len(added) == 12
    kept = project.runs.records
    assert len(kept) == 5 and kept == added[-5:]
    for record in added:
        number = int(record.name.split()[1])
        assert record.name.endswith("(pruned)") == (number in pruned)
        if number in pruned:
            assert record.reason == "stopped" and record.epochs < 20
            assert record.weights_last is None


def test_a_search_takes_the_next_experiment_label_after_a_controlled_experiment():
    project = _iris(2)
    result = run_search(project, [parse_param("batch_size=8,16")], trials=2, sampler="grid")
    first = add_search_runs(project, result)
    assert {r.experiment for r in first} == {"1"}
    assert experiment_label(project.runs) == "2"
    second = add_search_runs(project, result)
    assert {r.experiment for r in second} == {"2"}
    assert {r.varied for r in second} == {"batch_size"}
    assert [r.id for r in project.runs.records] == [1, 2, 3, 4]
    # the result is not changed by recording it: the same trials can be added again
    assert all(r.id == 0 and not r.experiment for r in result.runs.values())

"""Hyperparameter search with Optuna: settings parsed and applied, a better learning rate
found, trials pruned, and two worker processes sharing one stored study."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("optuna")

from nnstudio.core.errors import TrainingError
from nnstudio.core.experiments.search import (
    SearchParam,
    apply_params,
    parse_param,
    run_search,
)
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run
from tests.conftest import REPO

SAMPLES = REPO / "samples"


def test_search_settings_are_read_as_ranges_and_choices():
    assert parse_param("lr=1e-4:1e-1:log") == SearchParam("lr", 1e-4, 1e-1, True)
    assert parse_param("optimizer=sgd,adam").choices == ("sgd", "adam")
    assert parse_param("batch_size=16,32").choices == (16, 32)
    assert parse_param("units.dense_1=8:64") == SearchParam("units.dense_1", 8, 64)
    assert parse_param("lr=1e-3:1:log").grid() == [0.001, 0.00562341, 0.0316228, 0.177828, 1.0]
    for bad in ("lr", "speed=1:2", "lr=1:0.1", "lr=0:1:log", "optimizer=sgd,nope", "units=1.5:4"):
        with pytest.raises(TrainingError):
            parse_param(bad)


def test_a_trial_changes_a_copy_of_the_project_and_nothing_else():
    project = load_project(SAMPLES / "iris.nnsproj")
    trial = apply_params(
        project, {"optimizer": "sgd", "lr": 0.2, "units": 7, "batch_size": 4, "epochs": 3}
    )
    assert trial.training.optimizer["name"] == "sgd"
    assert trial.training.lr == 0.2
    assert (trial.training.batch_size, trial.training.epochs) == (4, 3)
    units = {n.name: n.params["units"] for n in trial.graph.nodes.values() if n.type == "Dense"}
    assert units == {"dense_1": 7, "dense_2": "auto"}  # the output layer keeps its width
    assert project.graph.by_name("dense_1").params["units"] == 16
    assert project.training.optimizer["name"] == "adam"


def _val_loss(project) -> float:
    result = train(plan_run(project).job, policy=ReportPolicy(batches=False))
    return result.summary()["val_loss"]


def test_a_small_search_finds_a_better_learning_rate_than_a_bad_starting_one():
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=30).with_lr(1e-5)
    bad = _val_loss(project)
    seen = []
    result = run_search(
        project,
        [parse_param("lr=1e-5:0.5:log")],
        trials=8,
        metric="val_loss",
        seed=0,
        on_trial=seen.append,
    )
    assert len(result.trials) == len(seen) == 8
    assert result.direction == "minimize"
    assert result.best_value < bad / 2
    assert result.best_params["lr"] > 1e-4
    best = next(t for t in result.trials if t.number == result.best_number)
    assert best.state == "complete" and min(best.curve) == result.best_value
    assert all(t.state in ("complete", "pruned") for t in result.trials)


def test_hopeless_trials_are_pruned_before_their_last_epoch():
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=20)
    result = run_search(
        project, [parse_param("lr=1e-6:1e-1:log")], trials=12, sampler="random", seed=1
    )
    pruned = [t for t in result.trials if t.state == "pruned"]
    assert pruned
    assert all(len(t.curve) < 20 for t in pruned)
    assert all(len(t.curve) == 20 for t in result.trials if t.state == "complete")


def test_a_grid_search_tries_every_combination_once():
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=2)
    result = run_search(
        project,
        [parse_param("optimizer=sgd,adam"), parse_param("batch_size=8,32")],
        trials=10,
        sampler="grid",
        pruning=False,
    )
    combos = {(t.params["optimizer"], t.params["batch_size"]) for t in result.trials}
    assert len(result.trials) == 4
    assert combos == {("sgd", 8), ("sgd", 32), ("adam", 8), ("adam", 32)}


def test_two_search_workers_share_one_stored_study(tmp_path):
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=3)
    path = save_project(project, tmp_path / "iris.nnsproj")
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    command = [
        sys.executable,
        "-m",
        "nnstudio",
        "search",
        str(path),
        "--param",
        "lr=1e-4:1e-1:log",
        "--trials",
        "3",
        "--storage",
        storage,
        "--study",
        "shared",
        "--json",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [*command, "--seed", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in (1, 2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    import optuna

    study = optuna.load_study(study_name="shared", storage=storage)
    numbers = sorted(t.number for t in study.trials)
    assert numbers == list(range(6))
    # The last worker to finish reports the whole study, its partner's trials included.
    reports = [json.loads(out) for out, _ in outputs]
    assert max(len(r["trials"]) for r in reports) == 6
    assert all(r["study_name"] == "shared" for r in reports)


def test_a_search_without_optuna_installed_is_one_line_naming_the_package(monkeypatch, capsys):
    """The README's app install has no Optuna (it is the search extra): say so, exit 2."""
    import sys

    from tests.cli.helpers import run_cli

    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna → ImportError
    code, _out, err = run_cli(
        capsys,
        "search",
        REPO / "samples" / "iris.nnsproj",
        "--param",
        "lr=1e-4:1e-1:log",
        "--trials",
        "1",
    )
    assert code == 2
    assert "internal error" not in err and "Traceback" not in err
    assert "hyperparameter search needs the optuna package: pip install optuna" in err
    assert len(err.strip().splitlines()) == 1

"""Every sample survives train → save → load unchanged, and training resumes where it stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from nnstudio.core.project import Project, load_project, save_project, tensors
from nnstudio.core.training.plan import load_data, trained_model
from tests.core.test_project_support import (
    SAMPLE_FILES,
    SAMPLES,
    train_project,
)


def _plain(value: Any) -> Any:
    """Comparable form of optimiser/schedule state: tensors as (dtype, shape, values)."""
    if isinstance(value, torch.Tensor):
        return (str(value.dtype), tuple(value.shape), value.tolist())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _predictions(project: Project) -> torch.Tensor:
    _, prepared = load_data(project)
    with torch.no_grad():
        return trained_model(project)(prepared.x_val if len(prepared.x_val) else prepared.x_train)


def assert_same_project(a: Project, b: Project) -> None:
    assert a.graph.to_dict() == b.graph.to_dict()
    assert a.data == b.data
    assert a.training == b.training
    assert a.name == b.name and a.description == b.description
    assert (a.preprocessor is None) == (b.preprocessor is None)
    if a.preprocessor is not None:
        assert a.preprocessor.to_dict() == b.preprocessor.to_dict()
    assert a.weights is not None and b.weights is not None
    assert a.weights.keys() == b.weights.keys()
    for key in a.weights:
        assert a.weights[key].dtype == b.weights[key].dtype
        assert torch.equal(a.weights[key], b.weights[key]), key
    assert _plain(a.optimizer_state) == _plain(b.optimizer_state)
    assert _plain(a.schedule_state) == _plain(b.schedule_state)
    assert a.epochs_trained == b.epochs_trained
    assert a.history.to_dict() == b.history.to_dict()


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_sample_round_trips_after_training(sample: Path, tmp_path: Path) -> None:
    project = load_project(sample)
    assert project.weights is None and not project.notices
    project.training = project.training.replace(epochs=1)
    train_project(project)
    assert project.epochs_trained == 1
    path = save_project(project, tmp_path / sample.name)
    again = load_project(path)
    assert_same_project(project, again)
    assert torch.equal(_predictions(project), _predictions(again))
    # and once more: what was loaded saves to the very same bytes
    assert save_project(again, tmp_path / "again.nnsproj").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_untrained_sample_round_trips(sample: Path, tmp_path: Path) -> None:
    project = load_project(sample)
    again = load_project(save_project(project, tmp_path / sample.name))
    assert again.graph.to_dict() == project.graph.to_dict()
    assert again.data == project.data
    assert again.training == project.training
    assert again.weights is None and again.history.epochs_done == 0


def _iris(**training: Any) -> Project:
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(**training)
    return project


def _same_weights(a: Project, b: Project) -> bool:
    return all(torch.equal(a.weights[k], b.weights[k]) for k in a.weights)


def test_resume_continues_where_training_stopped(tmp_path: Path) -> None:
    """3 epochs, save, load, 3 more: epochs, optimiser steps and curves carry on."""
    first = _iris(epochs=3)
    train_project(first)
    path = save_project(first, tmp_path / "three.nnsproj")
    resumed = load_project(path)
    assert resumed.epochs_trained == 3 and resumed.history.epoch == [1, 2, 3]
    resumed.training = resumed.training.replace(epochs=6)
    result = train_project(resumed, resume=True)
    assert result.epochs_run == 3
    assert resumed.epochs_trained == 6
    assert resumed.history.epoch == [1, 2, 3, 4, 5, 6]
    assert resumed.history.train_loss[:3] == first.history.train_loss
    steps_per_epoch = 7  # ceil(105 training rows / 16)
    steps = {float(s["step"]) for s in resumed.optimizer_state["state"].values()}
    assert steps == {6.0 * steps_per_epoch}, "Adam's step count must continue, not restart"
    fresh = load_project(path)
    fresh.training = fresh.training.replace(epochs=6)
    train_project(fresh, resume=False)
    assert fresh.history.epoch == [1, 2, 3, 4, 5, 6]
    # Each epoch draws its own seed, so 3 + 3 epochs equal 6 in one go, bit for bit.
    assert _same_weights(fresh, resumed), "resuming must continue exactly"


SCHEDULES = [
    ({"name": "constant"}, {"name": "adam", "lr": 0.01}),
    ({"name": "step", "step_size": 2, "gamma": 0.5}, {"name": "sgd", "lr": 0.05, "momentum": 0.9}),
    ({"name": "multistep", "milestones": [2, 4]}, {"name": "nadam", "lr": 0.01}),
    ({"name": "onecycle", "max_lr": 0.05}, {"name": "adam", "lr": 0.01}),
    ({"name": "cosine"}, {"name": "lion", "lr": 0.001}),
    ({"name": "plateau", "patience": 0, "factor": 0.5}, {"name": "rmsprop", "lr": 0.01}),
    ({"name": "warmup", "warmup_epochs": 2}, {"name": "adagrad", "lr": 0.05}),
    ({"name": "exponential"}, {"name": "adamw", "lr": 0.01, "amsgrad": True}),
]


@pytest.mark.parametrize(("schedule", "optimizer"), SCHEDULES, ids=lambda v: v["name"])
def test_resume_is_exact_without_shuffling(
    tmp_path: Path, schedule: dict[str, Any], optimizer: dict[str, Any]
) -> None:
    """Stopped after 3 of 6 epochs, saved, loaded and resumed = 6 epochs in one go, bit for bit.

    This holds for every optimiser and schedule: their whole state goes through the file.
    """
    settings = {"epochs": 6, "shuffle": False, "schedule": schedule, "optimizer": optimizer}
    straight = _iris(**settings)
    train_project(straight)
    interrupted = _iris(**settings)
    result = train_project(interrupted, stop_after=3)
    assert result.reason == "stopped" and interrupted.epochs_trained == 3
    resumed = load_project(save_project(interrupted, tmp_path / "half.nnsproj"))
    train_project(resumed, resume=True)
    assert _same_weights(straight, resumed)
    assert resumed.history.to_dict() == straight.history.to_dict()
    assert _plain(resumed.optimizer_state) == _plain(straight.optimizer_state)


def test_resume_is_exact_with_shuffling(tmp_path: Path) -> None:
    straight = _iris(epochs=6)
    train_project(straight)
    interrupted = _iris(epochs=6)
    train_project(interrupted, stop_after=3)
    resumed = load_project(save_project(interrupted, tmp_path / "half.nnsproj"))
    train_project(resumed, resume=True)
    assert _same_weights(straight, resumed)


def test_every_schedule_state_survives_the_file(tmp_path: Path) -> None:
    for schedule, optimizer in SCHEDULES:
        project = _iris(epochs=2, schedule=schedule, optimizer=optimizer)
        train_project(project)
        again = load_project(save_project(project, tmp_path / "s.nnsproj"))
        assert _plain(again.schedule_state) == _plain(project.schedule_state), schedule
        assert _plain(again.optimizer_state) == _plain(project.optimizer_state), optimizer


def test_json_safe_refuses_what_it_cannot_store() -> None:
    from nnstudio.core.errors import ProjectError

    with pytest.raises(ProjectError, match="cannot store object values"):
        tensors.json_safe({"x": object()})
    assert tensors.json_safe({"inf": float("inf"), "t": (1, 2)}) == {
        "inf": {"$float": "inf"},
        "t": [1, 2],
    }

"""Weights that overflow while the loss is still finite (issue 13, class 8): the run stops,
keeps only a finite copy, says which one, and the saved project holds weights."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import pytest
import torch

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.network.builder import build_model, model_weights
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project, load_project, save_project
from nnstudio.core.training import ReportPolicy, TrainingJob, TrainingSettings, safety, train
from nnstudio.core.training.safety import WeightGuard, all_finite, state_finite
from tests.core.helpers import dense_chain


def overflow_job(
    epochs: int, *, huge: bool = True, batch_size: int = 0, graph: Graph | None = None
) -> TrainingJob:
    """Linear regression on 20 rows of x = 7e18 (``huge``) or 1: the first step overflows
    the weight (Δw ≈ lr·x²) while the loss it was computed from (≈ x²) is still finite."""
    x = torch.full((20, 1), 7e18 if huge else 1.0)
    data = SimpleNamespace(
        x_train=x,
        y_train=torch.zeros(20, 1),
        x_val=torch.zeros(0, 1),
        y_val=torch.zeros(0, 1),
        task="regression",
        n_classes=0,
    )
    graph = graph or dense_chain([1], input_size=1)
    model = build_model(graph, ShapeContext(1, 1), seed=0)
    with torch.no_grad():  # w = 0.5: loss 1.2e37 (finite), Δw = 4.9e38 (beyond float32)
        for name, value in model.named_parameters():
            value.fill_(0.5 if name.endswith("weight") else 0.0)
    settings = TrainingSettings.from_dict(
        {
            "loss": {"name": "mse"},
            "optimizer": {"name": "sgd", "lr": 10.0},
            "epochs": epochs,
            "batch_size": batch_size,
            "shuffle": False,
            "device": "cpu",
        }
    )
    return TrainingJob(model=model, data=data, settings=settings)


@pytest.mark.parametrize("epochs", [1, 3])
def test_weights_that_overflow_with_a_finite_loss_stop_the_run_and_are_not_kept(epochs):
    job = overflow_job(epochs)
    initial = {k: v.clone() for k, v in job.model.state_dict().items()}
    result = train(job, policy=ReportPolicy(batches=False))
    assert result.reason == "diverged"
    assert all_finite(job.model.state_dict().values())
    assert all(torch.equal(initial[k], v) for k, v in job.model.state_dict().items())
    assert "although the loss was still finite" in result.message
    assert "the initial weights were restored" in result.message
    assert "start of epoch" not in result.message  # the old claim about a broken copy
    assert result.epochs_run == 0
    assert result.history.diverged_at == [[1, 1]]


def test_a_resumed_run_names_the_weights_it_started_from_when_it_restores_them():
    job = overflow_job(5)
    job = TrainingJob(model=job.model, data=job.data, settings=job.settings, start_epoch=3)
    before = {k: v.clone() for k, v in job.model.state_dict().items()}
    result = train(job, policy=ReportPolicy(batches=False))
    assert "the weights this run started from (after epoch 3) were restored" in result.message
    assert all(torch.equal(before[k], v) for k, v in job.model.state_dict().items())


def test_weights_are_checked_inside_an_epoch_every_few_steps(monkeypatch):
    monkeypatch.setattr(safety, "CHECK_EVERY", 1)
    job = overflow_job(1, batch_size=5)  # four batches: found after the first, not at the end
    result = train(job, policy=ReportPolicy(batches=False))
    assert result.history.diverged_at == [[1, 1]]
    assert "although the loss was still finite" in result.message


def test_a_run_whose_weights_overflowed_saves_a_project_with_finite_weights(tmp_path):
    graph = dense_chain([1], input_size=1)
    job = overflow_job(3, graph=graph)
    result = train(job, policy=ReportPolicy(batches=False))
    project = Project(graph=graph)
    project.weights = model_weights(job.model)
    project.optimizer_state = result.optimizer_state
    saved = save_project(project, tmp_path / "p.nnsproj")
    with zipfile.ZipFile(saved) as archive:
        assert "weights.safetensors" in archive.namelist()
    assert load_project(saved).weights is not None
    assert result.optimizer_state is None or state_finite(result.optimizer_state)


def test_the_guard_never_keeps_a_copy_it_has_not_seen_to_be_finite():
    model = torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(float("inf"))
    guard = WeightGuard(model, start_epoch=0)
    guard.remember(0)
    assert guard.kept is None
    assert "no finite weights" in guard.restore()


@pytest.mark.parametrize(
    ("state", "finite"),
    [
        ({"state": {0: {"exp_avg": torch.ones(2)}}}, True),
        ({"state": {0: {"exp_avg": torch.tensor([1.0, float("nan")])}}}, False),
        ({"state": {0: {"step": float("inf")}}}, False),
        ({}, True),
    ],
)
def test_optimizer_states_are_checked_for_non_finite_values(state, finite):
    assert state_finite(state) is finite

"""A run that is getting worse is called diverging before its loss becomes NaN (issue 13,
class 8): the rule, the event, ``train --json``'s optional key, and stopping with the best
weights."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, TrainingControl, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.safety import DivergenceWatch, Diverging
from tests.cli.helpers import SAMPLES, run_cli


@pytest.mark.parametrize(
    ("losses", "flagged_at"),
    [
        ([1.0, 0.5, 0.3, 0.2, 0.1], None),  # learning
        ([2.0, 0.01, 0.2, 0.3, 0.4, 0.5], None),  # ×50 its best, but far below the start
        ([1.0, 0.5, 11.0, 12.0, 13.0], 5),  # ≥ 10× the best for three epochs
        ([1.0, 2.5, 6.0, 15.0], 4),  # ×2 or more every epoch, three times
        ([1.0, 2.5, 6.0, 5.0, 11.0], None),  # grew, paused, grew: neither rule holds
        ([2.9e6, 5.4e15, 4.8e22, 3.2e23, 7.0e20, 1.6], 4),  # iris at SGD lr 10
        ([1.0, float("nan"), 0.5], None),  # a NaN loss is the divergence check's business
    ],
)
def test_the_diverging_rule(losses, flagged_at):
    watch = DivergenceWatch()
    found = [watch.update(epoch, loss)[1] for epoch, loss in enumerate(losses, start=1)]
    flagged = [f.epoch for f in found if f is not None]
    assert flagged == ([] if flagged_at is None else [flagged_at])


def diverging_iris(epochs: int = 12):
    project = load_project(SAMPLES / "iris.nnsproj")
    sgd = OPTIMIZERS.normalize("sgd")
    sgd["lr"] = 10.0
    project.training = project.training.replace(optimizer=sgd, epochs=epochs)
    return plan_run(project)


def test_a_diverging_run_reports_it_once_and_keeps_it_in_the_result():
    plan = diverging_iris()
    events: list[object] = []
    result = train(plan.job, events.append, policy=ReportPolicy(batches=False))
    warnings = [e for e in events if isinstance(e, Diverging)]
    assert len(warnings) == 1
    assert result.diverging == warnings[0]
    assert result.diverging.loss > 10 * result.diverging.best_loss
    assert result.summary()["diverging"] == result.diverging.to_dict()
    assert "rising" in result.diverging.text()


def test_a_healthy_run_has_no_diverging_key():
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=5)
    result = train(plan_run(project).job, policy=ReportPolicy(batches=False))
    assert result.diverging is None
    assert "diverging" not in result.summary()


def test_stopping_a_diverging_run_can_keep_the_best_epochs_weights():
    plan = diverging_iris(epochs=30)
    control = TrainingControl()

    def on_event(event: object) -> None:
        if isinstance(event, Diverging):
            control.stop(keep_best=True)

    result = train(plan.job, on_event, control, policy=ReportPolicy(batches=False))
    assert result.reason == "stopped"
    assert result.restored_best
    best = result.best_epoch
    assert best is not None and f"the weights of epoch {best}" in result.message
    kept = {k: v.clone() for k, v in plan.job.model.state_dict().items()}
    again = diverging_iris(epochs=best)  # the same seeded run, ended at the best epoch
    train(again.job, policy=ReportPolicy(batches=False))
    for key, value in again.job.model.state_dict().items():
        assert torch.equal(kept[key], value), key


def test_train_json_reports_a_diverging_run(capsys):
    code, out, _err = run_cli(
        capsys, "train", SAMPLES / "iris.nnsproj", "--optimizer", "sgd", "--lr", "10",
        "--epochs", "8", "--json",
    )  # fmt: skip
    assert code == 0
    diverging = json.loads(out)["diverging"]
    assert set(diverging) == {"epoch", "loss", "best_loss", "best_epoch", "rule"}


def test_train_warns_about_a_diverging_run_on_stderr(capsys):
    code, _out, err = run_cli(
        capsys, "train", SAMPLES / "iris.nnsproj", "--optimizer", "sgd", "--lr", "10",
        "--epochs", "8", "--quiet",
    )  # fmt: skip
    assert code == 0
    assert "warning: The training loss is rising" in err

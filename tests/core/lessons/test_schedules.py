"""The schedule lesson's curves (seed notes §7) and a project's planned learning rate."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import TrainingError
from nnstudio.core.lessons.schedules import LESSON_SCHEDULES, lesson_plans
from nnstudio.core.project import Project
from nnstudio.core.training.schedule_plan import plan_schedule, plan_settings


def test_steplr_halves_the_rate_every_fifty_epochs():
    lrs = lesson_plans()["step"].lrs
    assert len(lrs) == 200
    assert lrs[0] == lrs[49] == pytest.approx(0.1)
    assert lrs[50] == lrs[99] == pytest.approx(0.05)
    assert lrs[100] == pytest.approx(0.025)
    assert lrs[150] == lrs[199] == pytest.approx(0.0125)


def test_multisteplr_halves_the_rate_at_50_125_and_160():
    plan = lesson_plans()["multistep"]
    assert [plan.lr_at(e) for e in (49, 50, 124, 125, 159, 160, 199)] == pytest.approx(
        [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
    )


def test_exponentiallr_multiplies_by_095_every_epoch():
    plan = lesson_plans()["exponential"]
    for epoch in (0, 1, 10, 100, 199):
        assert plan.lr_at(epoch) == pytest.approx(0.1 * 0.95**epoch, rel=1e-6)


def test_the_lessons_code_lines_name_the_torch_classes():
    calls = [s.call() for s in LESSON_SCHEDULES]
    assert calls[0] == "StepLR(optimizer, step_size=50, gamma=0.5)"
    assert calls[1] == "MultiStepLR(optimizer, milestones=[50, 125, 160], gamma=0.5)"
    assert calls[2] == "ExponentialLR(optimizer, gamma=0.95)"


def test_a_projects_plan_uses_its_schedule_lr_and_epochs():
    project = Project()
    project.training = project.training.replace(
        schedule={"name": "step", "step_size": 2, "gamma": 0.1}, epochs=5
    ).with_lr(1.0)
    plan = plan_settings(project.training)
    assert plan.lrs == pytest.approx((1.0, 1.0, 0.1, 0.1, 0.01))
    assert plan.to_json()[2] == {"epoch": 2, "lr": pytest.approx(0.1)}
    assert plan_settings(project.training, epochs=2).epochs == 2


def test_a_per_batch_schedule_counts_the_batches_of_an_epoch():
    onecycle = {"name": "onecycle"}
    short = plan_schedule(onecycle, 0.01, 4, steps=1)
    long = plan_schedule(onecycle, 0.01, 4, steps=10)
    assert short.lrs != long.lrs and long.steps_per_epoch == 10


def test_impossible_plans_are_refused():
    with pytest.raises(TrainingError):
        plan_schedule("constant", 0.1, 0)
    with pytest.raises(TrainingError):
        plan_schedule({"name": "step", "gamma": 5.0}, 0.1, 10)
    with pytest.raises(TrainingError):
        plan_schedule("constant", -1.0, 10)

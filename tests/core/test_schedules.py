"""Learning-rate schedules: planned curves equal torch's, and the controller steps them right."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as sched

from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.catalogue.schedules import SCHEDULES, LRController, make_controller, planned_lrs


def _lesson_optimizer() -> torch.optim.Optimizer:
    """Seed-notes §7: lr 0.1, SGD with momentum 0.9."""
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)


def _torch_epoch_lrs(make, epochs: int = 200) -> np.ndarray:
    """What the lesson plots: the lr of each epoch, stepping a torch scheduler once per epoch."""
    opt = _lesson_optimizer()
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.array(lrs)


@pytest.mark.parametrize(
    ("component", "make"),
    [
        (
            {"name": "step", "step_size": 50, "gamma": 0.5},
            lambda o: sched.StepLR(o, step_size=50, gamma=0.5),
        ),
        (
            {"name": "multistep", "milestones": [50, 125, 160], "gamma": 0.5},
            lambda o: sched.MultiStepLR(o, milestones=[50, 125, 160], gamma=0.5),
        ),
        ({"name": "exponential", "gamma": 0.95}, lambda o: sched.ExponentialLR(o, gamma=0.95)),
        (
            {"name": "cosine", "t_max": 0, "eta_min": 0.001},
            lambda o: sched.CosineAnnealingLR(o, T_max=200, eta_min=0.001),
        ),
    ],
)
def test_planned_epoch_lrs_equal_torch_over_200_epochs(component, make):
    plan = planned_lrs(component, 0.1, 200)
    expected = _torch_epoch_lrs(make)
    assert plan["epoch"].shape == (200,)
    np.testing.assert_array_equal(plan["epoch"], expected)
    np.testing.assert_array_equal(plan["batch"], expected)


def test_step_lr_lesson_values():
    lrs = planned_lrs({"name": "step", "step_size": 50, "gamma": 0.5}, 0.1, 200)["epoch"]
    assert lrs[0] == 0.1 and lrs[49] == 0.1
    assert lrs[50] == 0.05 and lrs[100] == 0.025
    assert lrs[199] == 0.0125


def test_multistep_lesson_values():
    lrs = planned_lrs({"name": "multistep"}, 0.1, 200)["epoch"]  # defaults are the lesson's
    assert lrs[49] == 0.1 and lrs[50] == 0.05
    assert lrs[124] == 0.05 and lrs[125] == 0.025
    assert lrs[159] == 0.025 and lrs[160] == 0.0125 and lrs[199] == 0.0125


def test_exponential_lesson_values():
    lrs = planned_lrs({"name": "exponential", "gamma": 0.95}, 0.1, 200)["epoch"]
    np.testing.assert_allclose(lrs, 0.1 * 0.95 ** np.arange(200), rtol=1e-12)


def test_epoch_schedules_hold_the_lr_for_every_batch_of_an_epoch():
    plan = planned_lrs({"name": "step", "step_size": 2, "gamma": 0.1}, 1.0, 4, steps_per_epoch=3)
    np.testing.assert_allclose(plan["batch"], [1, 1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(plan["epoch"], [1, 1, 0.1, 0.1])


def test_onecycle_plan_peaks_at_max_lr_and_equals_torch():
    comp = {"name": "onecycle", "max_lr": 0.5, "pct_start": 0.25}
    plan = planned_lrs(comp, 0.01, 10, steps_per_epoch=20)
    batch = plan["batch"]
    assert batch.shape == (200,)
    assert batch.max() == pytest.approx(0.5, rel=1e-12)
    assert int(batch.argmax()) == round(0.25 * 200) - 1
    assert batch[0] == pytest.approx(0.5 / 25)
    assert batch[-1] == pytest.approx(0.5 / 25 / 1e4)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    ref = sched.OneCycleLR(opt, max_lr=0.5, total_steps=200, pct_start=0.25, cycle_momentum=False)
    expected = []
    for _ in range(200):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    np.testing.assert_array_equal(batch, expected)
    np.testing.assert_array_equal(plan["epoch"], batch[::20])


def test_onecycle_default_peak_is_ten_times_the_lr():
    plan = planned_lrs({"name": "onecycle"}, 0.003, 5, steps_per_epoch=10)
    assert plan["batch"].max() == pytest.approx(0.03)


def test_warmup_starts_small_and_reaches_base():
    comp = {"name": "warmup", "warmup_epochs": 2.0, "start_factor": 0.1}
    plan = planned_lrs(comp, 0.1, 5, steps_per_epoch=4)
    batch = plan["batch"]
    assert batch[0] == pytest.approx(0.01)
    assert np.all(np.diff(batch[:9]) > 0)  # climbs for 2 epochs × 4 batches
    np.testing.assert_allclose(batch[8:], 0.1, rtol=1e-12)
    np.testing.assert_allclose(batch[:9], np.linspace(0.01, 0.1, 9), rtol=1e-12)
    assert plan["epoch"][0] == pytest.approx(0.01) and plan["epoch"][-1] == pytest.approx(0.1)


def test_warmup_of_zero_epochs_is_constant():
    plan = planned_lrs({"name": "warmup", "warmup_epochs": 0.0}, 0.1, 3, steps_per_epoch=2)
    np.testing.assert_array_equal(plan["batch"], np.full(6, 0.1))


def test_constant_and_plateau_plan_flat():
    for name in ("constant", "plateau"):
        plan = planned_lrs(name, 0.02, 7, steps_per_epoch=3)
        np.testing.assert_array_equal(plan["epoch"], np.full(7, 0.02))
        np.testing.assert_array_equal(plan["batch"], np.full(21, 0.02))


def test_plateau_cuts_after_patience_epochs_without_improvement():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ctl = make_controller(
        {"name": "plateau", "patience": 2, "factor": 0.5}, opt, epochs=20, steps_per_epoch=5
    )
    assert ctl.needs_metric and not ctl.per_batch
    ctl.after_epoch(1.0)  # best so far
    for _ in range(5):
        ctl.after_batch()  # batches never move a per-epoch schedule
    assert ctl.lr() == 0.1
    ctl.after_epoch(1.0)  # bad epoch 1
    ctl.after_epoch(1.0)  # bad epoch 2 = patience: not yet
    assert ctl.lr() == 0.1
    ctl.after_epoch(None)  # no metric: this epoch is not counted
    assert ctl.lr() == 0.1
    ctl.after_epoch(1.0)  # bad epoch 3 > patience: cut
    assert ctl.lr() == pytest.approx(0.05)
    ctl.after_epoch(0.5)  # improvement: keeps the lr
    assert ctl.lr() == pytest.approx(0.05)


def test_controller_steps_per_batch_schedules_on_batches_only():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ctl = make_controller(
        {"name": "warmup", "warmup_epochs": 1.0, "start_factor": 0.5},
        opt,
        epochs=3,
        steps_per_epoch=2,
    )
    assert ctl.per_batch
    assert ctl.lr() == pytest.approx(0.05)
    ctl.after_epoch(0.3)
    assert ctl.lr() == pytest.approx(0.05)
    opt.step()
    ctl.after_batch()
    assert ctl.lr() == pytest.approx(0.075)
    ctl.after_batch()
    assert ctl.lr() == pytest.approx(0.1)


def test_onecycle_controller_stays_at_the_end_when_training_goes_on():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    ctl = make_controller({"name": "onecycle", "max_lr": 0.1}, opt, epochs=2, steps_per_epoch=3)
    opt.step()
    for _ in range(10):  # four batches more than planned
        ctl.after_batch()
    assert ctl.lr() == pytest.approx(0.1 / 25 / 1e4)


def test_onecycle_leaves_plain_sgd_without_momentum():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    make_controller("onecycle", opt, epochs=2, steps_per_epoch=3)
    assert opt.param_groups[0]["momentum"] == 0
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01, momentum=0.9)
    make_controller("onecycle", opt, epochs=2, steps_per_epoch=3)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)


def _run(
    ctl: LRController, opt: torch.optim.Optimizer, epochs: int, steps: int, metrics=None
) -> list[float]:
    lrs = []
    for e in range(epochs):
        for _ in range(steps):
            lrs.append(ctl.lr())
            opt.step()
            ctl.after_batch()
        ctl.after_epoch(None if metrics is None else metrics[e])
    return lrs


@pytest.mark.parametrize(
    "component",
    [
        {"name": "step", "step_size": 2, "gamma": 0.5},
        {"name": "onecycle", "max_lr": 0.2},
        {"name": "warmup", "warmup_epochs": 3.0},
        {"name": "cosine"},
        {"name": "plateau", "patience": 1, "factor": 0.5},
    ],
)
def test_controller_state_dict_round_trip(component):
    metrics = [1.0] * 8
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.05, momentum=0.9)
    ctl = make_controller(component, opt, epochs=8, steps_per_epoch=3)
    _run(ctl, opt, 4, 3, metrics)
    saved_opt, saved_ctl = opt.state_dict(), ctl.state_dict()
    rest = _run(ctl, opt, 4, 3, metrics[4:])

    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.05, momentum=0.9)
    opt2.load_state_dict(saved_opt)  # the trainer's order: optimiser first, then schedule
    ctl2 = make_controller(component, opt2, epochs=8, steps_per_epoch=3)
    ctl2.load_state_dict(saved_ctl)
    assert _run(ctl2, opt2, 4, 3, metrics[4:]) == pytest.approx(rest, rel=1e-12)


def test_state_of_another_schedule_is_ignored():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    old = make_controller(
        {"name": "step", "step_size": 1, "gamma": 0.5}, opt, epochs=5, steps_per_epoch=1
    )
    _run(old, opt, 2, 1)
    assert old.lr() == pytest.approx(0.025)
    new = make_controller(
        {"name": "step", "step_size": 3, "gamma": 0.5}, opt, epochs=5, steps_per_epoch=1
    )
    new.load_state_dict(old.state_dict())  # other settings: start afresh from the current lr
    assert _run(new, opt, 4, 1) == pytest.approx([0.025, 0.025, 0.025, 0.0125])


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_every_schedule_normalizes_and_builds(name):
    comp = SCHEDULES.normalize(name)
    spec = SCHEDULES.get(name)
    assert comp["name"] == name and set(comp) == {"name", *spec.defaults()}
    assert spec.help and "\n" not in spec.help
    assert all(p.help and "\n" not in p.help for p in spec.params)
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    ctl = make_controller(comp, opt, epochs=10, steps_per_epoch=4)
    _run(ctl, opt, 10, 4, [1.0] * 10)
    assert 0 <= ctl.lr() <= 1e-2  # cosine ends exactly at eta_min = 0
    plan = planned_lrs(comp, 1e-3, 10, steps_per_epoch=4)
    assert plan["epoch"].shape == (10,) and plan["batch"].shape == (40,)
    assert np.all(np.isfinite(plan["batch"])) and np.all(plan["batch"] > 0)


def test_per_batch_and_metric_flags():
    assert {s.name for s in SCHEDULES if s.per_batch} == {"onecycle", "warmup"}
    assert {s.name for s in SCHEDULES if s.needs_metric} == {"plateau"}


def test_bad_schedule_params_are_refused():
    with pytest.raises(ParamError):
        SCHEDULES.normalize({"name": "step", "step_size": 0})
    with pytest.raises(ParamError):
        SCHEDULES.normalize({"name": "onecycle", "anneal_strategy": "wiggly"})
    with pytest.raises(ParamError):
        SCHEDULES.normalize({"name": "warmup", "start_factor": 0.0})

"""Optimizer trajectories: the lesson's worked steps, every surface, divergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.lessons.trajectories import (
    OPTIMIZER_CHOICES,
    SURFACES,
    Trajectory,
    TrajectoryRace,
    optimizer_choice,
    surface,
    surface_grid,
)

# Seed notes §6: w = 1, loss w²/2, two steps (each coordinate of the bowl is one such w).
LESSON_STEPS = {
    "momentum": (0.99, 0.9711),
    "adagrad": (0.99, 0.982965),
    "rmsprop": (0.968377, 0.945788),
    "adam": (0.99, 0.980003),
}


def test_the_default_is_the_lessons_bowl_from_one_one():
    bowl = SURFACES[0]
    assert bowl.key == "bowl"
    assert bowl.start == (1.0, 1.0)
    assert bowl.loss(1.0, 1.0) == pytest.approx(1.0)  # ½(1 + 1)


@pytest.mark.parametrize("key", sorted(LESSON_STEPS))
def test_two_steps_on_the_bowl_give_the_lessons_worked_values(key):
    race = TrajectoryRace(surface("bowl"))
    race.step(2)
    path = race.trajectories[key].path
    for (x, y), expected in zip(path[1:], LESSON_STEPS[key], strict=True):
        assert x == pytest.approx(expected, abs=5e-7)
        assert y == pytest.approx(expected, abs=5e-7)


def test_lion_moves_every_coordinate_by_exactly_the_learning_rate():
    trajectory = Trajectory(surface("ravine"), optimizer_choice("lion"), 0.05, (-4.5, 1.0))
    trajectory.step(3)
    steps = np.diff(trajectory.path_array(), axis=0)
    np.testing.assert_allclose(np.abs(steps), 0.05)


def test_every_optimizer_of_the_lesson_is_a_contestant():
    assert [c.key for c in OPTIMIZER_CHOICES] == [
        "sgd",
        "momentum",
        "adagrad",
        "rmsprop",
        "adam",
        "lion",
    ]


@pytest.mark.parametrize("item", SURFACES, ids=lambda s: s.key)
def test_every_optimizer_goes_downhill_on_every_surface(item):
    race = TrajectoryRace(item)
    race.step(800)
    for trajectory in race.trajectories.values():
        assert not trajectory.diverged
        assert trajectory.loss < trajectory.losses[0]


def test_adam_finds_rosenbrocks_minimum_while_sgd_is_still_in_the_valley():
    race = TrajectoryRace(surface("rosenbrock"))
    race.step(800)
    adam, sgd = race.trajectories["adam"], race.trajectories["sgd"]
    assert adam.point == pytest.approx((1.0, 1.0), abs=0.05)
    assert sgd.loss > 10 * adam.loss


def test_too_large_a_rate_diverges_and_stops():
    trajectory = Trajectory(surface("bowl"), optimizer_choice("sgd"), 5.0, (1.0, 1.0))
    trajectory.step(200)
    assert trajectory.diverged
    assert all(math.isfinite(v) for v in trajectory.losses)
    steps = trajectory.steps
    trajectory.step(5)
    assert trajectory.steps == steps


def test_a_new_rate_restarts_only_that_optimizer():
    race = TrajectoryRace(surface("bowl"))
    race.step(10)
    race.set_lr("sgd", 0.1)
    assert race.trajectories["sgd"].steps == 0
    assert race.trajectories["adam"].steps == 10
    race.step(1)
    assert race.trajectories["sgd"].point == pytest.approx((0.9, 0.9))


def test_reset_moves_the_start():
    race = TrajectoryRace(surface("bowl"))
    race.step(3)
    race.reset((0.5, -0.5))
    assert {t.point for t in race.trajectories.values()} == {(0.5, -0.5)}
    assert race.steps == 0


def test_the_grid_samples_the_surface_and_rosenbrock_on_a_log_scale():
    _xs, _ys, z = surface_grid(surface("bowl"), 11)
    assert z.shape == (11, 11)
    assert z[0, 0] == pytest.approx(0.5 * (1.5**2 + 1.5**2))
    _xs, _ys, z = surface_grid(surface("rosenbrock"), 50)
    assert z.min() == 0.0 and z.max() < 10

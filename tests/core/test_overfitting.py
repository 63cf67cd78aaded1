"""The overfitting rule: a sustained, clear rise of the validation loss while training falls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.training.overfitting import detect_overfitting


def phone_like_run(epochs: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The teacher's phone run: validation falls to 0.3 by epoch 20, then climbs to 1.2
    while the training loss goes to 0."""
    e = np.arange(1, epochs + 1, dtype=np.float64)
    train = 1.4 * np.exp(-e / 12.0)
    val = np.where(e <= 20, 1.4 - 1.1 * (e - 1) / 19, 0.3 + 0.9 * (e - 20) / (epochs - 20))
    return e, train, val


def test_a_validation_loss_climbing_from_its_best_while_training_falls_is_overfitting():
    e, train, val = phone_like_run()
    found = detect_overfitting(e, train, val)
    assert found is not None
    assert found.best_epoch == 20 and found.best_val_loss == pytest.approx(0.3)
    assert found.epoch == 120 and found.val_loss == pytest.approx(1.2)
    assert found.train_loss == pytest.approx(train[-1])
    assert found.train_loss < found.train_at_best
    assert found.epochs_since_best == 100


def test_the_rise_must_last_for_the_patience_not_just_happen():
    e, train, val = phone_like_run()
    # Cut the run a few epochs after the turn: the rise has not lasted long enough yet.
    assert detect_overfitting(e[:27], train[:27], val[:27]) is None
    assert detect_overfitting(e[:60], train[:60], val[:60]) is not None


@pytest.mark.parametrize("seed", range(20))
def test_a_run_whose_losses_only_fluctuate_gets_no_verdict(seed):
    rng = np.random.default_rng(seed)
    e = np.arange(1, 401, dtype=np.float64)
    train = 0.5 + rng.uniform(-0.1, 0.1, e.size)
    val = 0.6 + rng.uniform(-0.2, 0.2, e.size)  # noisy around a flat level, never climbing
    assert detect_overfitting(e, train, val) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_noisy_validation_loss_that_climbs_is_still_found(seed):
    rng = np.random.default_rng(seed)
    e = np.arange(1, 401, dtype=np.float64)
    trend = np.where(e < 100, 1.0 - 0.6 * e / 100, 0.4 + 0.4 * (e - 100) / 300)
    val = trend * (1 + rng.normal(0.0, 0.1, e.size))
    train = np.exp(-e / 60) * (1 + rng.normal(0.0, 0.1, e.size))
    found = detect_overfitting(e, train, val)
    assert found is not None and 60 <= found.best_epoch <= 140


def test_one_bad_epoch_is_not_a_trend():
    e = np.arange(1, 101, dtype=np.float64)
    train = 1.0 / e
    val = 0.5 + 0.2 / e
    val[-1] = 5.0  # a single spike at the end
    assert detect_overfitting(e, train, val) is None


def test_both_losses_climbing_is_unstable_training_not_overfitting():
    e = np.arange(1, 101, dtype=np.float64)
    loss = np.where(e <= 30, 1.0 - e / 40, 0.25 + (e - 30) / 20)
    assert detect_overfitting(e, loss, loss + 0.05) is None


def test_a_tiny_absolute_rise_is_not_clear_enough():
    e, train, val = phone_like_run()
    # The same shape, a thousand times smaller: 0.0003 → 0.0012 is within noise of zero.
    assert detect_overfitting(e, train / 1000, val / 1000) is None
    assert detect_overfitting(e, train / 1000, val / 1000, min_rise=0.0) is not None


def test_epochs_without_validation_are_left_out():
    e, train, val = phone_like_run()
    assert detect_overfitting(e, train, np.full(e.size, math.nan)) is None
    holes = val.copy()
    holes[::7] = math.nan
    found = detect_overfitting(e, train, holes)
    assert found is not None and found.best_epoch == 20


def test_too_short_a_history_gets_no_verdict():
    assert detect_overfitting([], [], []) is None
    assert detect_overfitting([1, 2, 3], [1.0, 0.5, 0.2], [0.5, 0.9, 1.5]) is None

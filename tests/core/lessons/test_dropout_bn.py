"""Dropout's 1/(1 − p) scaling and BatchNorm1d's batch vs running statistics (seed notes §8)."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.lessons.dropout_bn import LESSON_P, batchnorm_demo, dropout_demo
from nnstudio.core.lessons.lesson_inputs import LessonInputError


def test_survivors_are_scaled_by_one_over_one_minus_p_and_the_rest_are_zero():
    result = dropout_demo([float(i) for i in range(1, 21)], LESSON_P, seed=3)
    assert result.scale == pytest.approx(1 / 0.6)
    for x, kept, y in zip(result.inputs, result.kept, result.outputs, strict=True):
        assert y == pytest.approx(x / 0.6 if kept else 0.0, rel=1e-6)
    assert 0 < result.n_dropped < 20


def test_at_p_0_8_survivors_are_five_times_larger():
    result = dropout_demo([1.0] * 50, 0.8, seed=0)
    assert {round(y, 5) for y in result.outputs} <= {0.0, 5.0}


def test_the_same_seed_draws_the_same_mask_and_another_seed_another():
    a = dropout_demo([1.0] * 30, 0.4, seed=7)
    assert dropout_demo([1.0] * 30, 0.4, seed=7).kept == a.kept
    assert dropout_demo([1.0] * 30, 0.4, seed=8).kept != a.kept


def test_eval_mode_passes_the_tensor_through_unchanged():
    result = dropout_demo([1.0, 2.0, 3.0], 0.4, seed=0, training=False)
    assert result.outputs == (1.0, 2.0, 3.0)
    assert all(result.kept)


def test_a_zero_input_still_shows_whether_it_was_kept():
    result = dropout_demo([0.0] * 10, 0.4, seed=1)
    assert result.kept == dropout_demo([1.0] * 10, 0.4, seed=1).kept


def test_the_demo_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    dropout_demo([1.0] * 5, 0.4, seed=0)
    batchnorm_demo(seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_p_outside_zero_to_one_is_refused():
    with pytest.raises(LessonInputError):
        dropout_demo([1.0], 1.0)


def test_running_statistics_move_towards_each_batch_by_the_momentum():
    demo = batchnorm_demo(n_batches=4, momentum=0.1)
    mean, var = torch.zeros(2), torch.ones(2)
    for batch, stats in zip(demo.batches, demo.stats, strict=True):
        t = torch.tensor(batch)
        assert stats.mean == pytest.approx(t.mean(0).tolist(), rel=1e-5)
        assert stats.var == pytest.approx(t.var(0, unbiased=False).tolist(), rel=1e-5)
        mean = 0.9 * mean + 0.1 * t.mean(0)
        # The running variance takes the unbiased variance, the normalisation the biased one.
        var = 0.9 * var + 0.1 * t.var(0, unbiased=True)
        assert stats.running_mean == pytest.approx(mean.tolist(), rel=1e-5)
        assert stats.running_var == pytest.approx(var.tolist(), rel=1e-5)


def test_train_mode_uses_batch_statistics_and_eval_mode_the_running_ones():
    demo = batchnorm_demo(eps=1e-5)
    batch = torch.tensor(demo.last_batch)
    last = demo.stats[-1]
    train = (batch - torch.tensor(last.mean)) / torch.sqrt(torch.tensor(last.var) + 1e-5)
    assert torch.allclose(torch.tensor(demo.train_output), train, atol=1e-5)
    running = (batch - torch.tensor(last.running_mean)) / torch.sqrt(
        torch.tensor(last.running_var) + 1e-5
    )
    assert torch.allclose(torch.tensor(demo.eval_output), running, atol=1e-5)
    # Normalised by its own statistics, each feature of the batch has mean 0.
    assert train.mean(0).abs().max() < 1e-5


def test_a_batch_of_one_is_refused():
    with pytest.raises(LessonInputError):
        batchnorm_demo(batch_size=1)

"""The loss lesson's worked values (seed notes §4, softmax §2), computed as torch does."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.lessons.lesson_inputs import LessonInputError, parse_matrix, parse_vector
from nnstudio.core.lessons.losses import LESSON_LOSSES, compute_loss


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("l1", "0.70"),
        ("mse", "0.67"),
        ("smooth_l1", "1.14"),
        ("bce", "0.6868"),
        ("cross_entropy", "1.1201"),
        ("softmax", "0.7392"),
    ],
)
def test_each_example_gives_the_lessons_number_to_its_precision(key, shown):
    assert compute_loss(key).shown() == shown


def test_every_loss_is_the_mean_of_its_terms_column():
    for lesson in LESSON_LOSSES:
        table = compute_loss(lesson.key)
        if lesson.key == "softmax":
            assert table.total == pytest.approx(1.0, abs=1e-6)
        else:
            terms = [row[-1] for row in table.rows]
            assert table.value == pytest.approx(sum(terms) / len(terms), rel=1e-6)
        assert f"{lesson.lesson_value:.{lesson.decimals}f}" == table.shown()


def test_the_smooth_l1_terms_are_squared_inside_one_and_linear_outside():
    rows = compute_loss("smooth_l1").rows
    assert rows[0][-1] == pytest.approx(0.5 * 0.6**2)
    assert rows[1][-1] == pytest.approx(2.6 - 0.5)


def test_cross_entropy_takes_raw_logits_and_int64_classes():
    table = compute_loss("cross_entropy")
    logits = torch.tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]])
    assert table.value == pytest.approx(float(F.cross_entropy(logits, torch.tensor([1, 2]))))
    assert [row[1] for row in table.rows] == [1, 2]
    assert table.rows[0][2] == pytest.approx(float(logits[0].softmax(0)[1]), rel=1e-6)


def test_a_softmax_layer_before_cross_entropy_changes_the_loss():
    twice = compute_loss("cross_entropy", softmax_first=True)
    assert twice.value != pytest.approx(1.1201, abs=1e-3)
    assert "softmax" in twice.call


def test_edited_inputs_are_recomputed():
    table = compute_loss("mse", {"pred": "3, 0", "true": "1, 0"})
    assert table.value == pytest.approx(2.0)
    assert table.rows == ((3.0, 1.0, 4.0), (0.0, 0.0, 0.0))


def test_softmax_probabilities_are_exp_over_the_sum():
    table = compute_loss("softmax", {"scores": "0, 0"})
    assert [row[2] for row in table.rows] == [0.5, 0.5]
    assert math.isclose(table.value, 0.5)


@pytest.mark.parametrize(
    ("key", "inputs"),
    [
        ("l1", {"pred": "1, 2", "true": "1"}),
        ("bce", {"pred": "1.5, 0.5", "true": "0, 1"}),
        ("cross_entropy", {"classes": "1, 3"}),
        ("cross_entropy", {"classes": "1"}),
        ("softmax", {"scores": "a, b"}),
        ("softmax", {"scores": ""}),
    ],
)
def test_inputs_a_loss_cannot_take_are_refused_with_one_line(key, inputs):
    with pytest.raises(LessonInputError) as caught:
        compute_loss(key, inputs)
    assert "\n" not in str(caught.value)


def test_vectors_and_matrices_read_the_way_the_lessons_write_them():
    assert parse_vector("[1, 1, 1.9]") == [1.0, 1.0, 1.9]
    assert parse_vector("−1 2") == [-1.0, 2.0]
    assert parse_matrix("[[0.2, 0.6], [0.1, 0.8]]") == [[0.2, 0.6], [0.1, 0.8]]
    assert parse_matrix("1 2; 3 4") == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(LessonInputError):
        parse_matrix("1 2; 3")

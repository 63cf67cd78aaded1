"""balance_split: the training, validation and test percentages always add up to 100."""

from __future__ import annotations

import pytest

from nnstudio.core.data.split import balance_split


def test_a_changed_training_share_is_balanced_by_validation_then_test() -> None:
    assert balance_split([70, 20, 0], 0) == [70.0, 30.0, 0.0]
    assert balance_split([95, 20, 10], 0) == [95.0, 0.0, 5.0]
    assert balance_split([100, 20, 10], 0) == [100.0, 0.0, 0.0]


def test_a_changed_validation_share_is_balanced_by_test_then_training() -> None:
    assert balance_split([80, 30, 0], 1) == [70.0, 30.0, 0.0]
    assert balance_split([60, 20, 10], 1) == [60.0, 20.0, 20.0]


def test_a_changed_test_share_is_balanced_by_validation_then_training() -> None:
    assert balance_split([80, 20, 30], 2) == [70.0, 0.0, 30.0]
    assert balance_split([80, 20, 10], 2) == [80.0, 10.0, 10.0]


def test_training_keeps_at_least_one_percent() -> None:
    assert balance_split([0, 20, 0], 0) == [1.0, 99.0, 0.0]
    assert balance_split([50, 100, 0], 1) == [1.0, 99.0, 0.0]
    assert balance_split([50, 0, 100], 2) == [1.0, 0.0, 99.0]


def test_negative_shares_count_as_none_and_the_sum_is_exactly_100() -> None:
    assert balance_split([70, 20, -5], 1) == [70.0, 20.0, 10.0]
    assert balance_split([70, -5, 10], 0) == [70.0, 20.0, 10.0]
    assert sum(balance_split([33.3, 33.3, 50], 2)) == pytest.approx(100.0)

"""scikit-learn's ``train_test_split`` on row positions, row for row, with numpy alone.

The lessons split with ``train_test_split(x, y, train_size=0.8, random_state=88,
stratify=y)``, and NN Studio must reproduce their numbers, so its split has to choose exactly
the rows scikit-learn chooses. Importing scikit-learn for that costs about a second at every
start (and more on a busy machine) although nothing else on the first screen needs it; this
module follows the same algorithm — ``ShuffleSplit`` and ``StratifiedShuffleSplit`` with one
split, drawing from ``numpy.random.RandomState(seed)`` in the same order — and
``tests/core/data/test_shuffle_split.py`` checks it against scikit-learn on many cases.

Sizes follow scikit-learn's rules: a float test size rounds up (``ceil``), a float training
size rounds down (``floor``), the other part takes the rest. Impossible splits raise
``ValueError``, as scikit-learn does, so callers handle both the same way.
"""

from __future__ import annotations

import math

import numpy as np

#: scikit-learn's default test share when neither size is given.
DEFAULT_TEST_SIZE = 0.25


def split_sizes(
    n_samples: int, test_size: float | int | None, train_size: float | int | None
) -> tuple[int, int]:
    """(n_train, n_test) as scikit-learn's ``_validate_shuffle_split`` computes them."""
    if test_size is None and train_size is None:
        test_size = DEFAULT_TEST_SIZE
    for size, name in ((test_size, "test_size"), (train_size, "train_size")):
        if size is None:
            continue
        if isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"{name}={size} should be a float in the (0, 1) range")
        elif not 0 < size < n_samples:
            raise ValueError(f"{name}={size} should be within [1, {n_samples - 1}]")
    both_shares = isinstance(test_size, float) and isinstance(train_size, float)
    if both_shares and train_size + test_size > 1:
        raise ValueError("the sum of test_size and train_size should be at most 1")
    n_test = math.ceil(test_size * n_samples) if isinstance(test_size, float) else test_size
    n_train = math.floor(train_size * n_samples) if isinstance(train_size, float) else train_size
    if train_size is None:
        n_train = n_samples - n_test
    elif test_size is None:
        n_test = n_samples - n_train
    if n_train + n_test > n_samples:
        raise ValueError(f"train and test sizes {n_train} + {n_test} exceed {n_samples} rows")
    n_train, n_test = int(n_train), int(n_test)
    if n_train == 0:
        raise ValueError(f"with {n_samples} rows the training part would be empty")
    return n_train, n_test


def _approximate_mode(counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``n_draws`` each class gets: proportional, ties broken at random."""
    continuous = counts / counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (indices,) = np.where(remainder == value)
            take = min(len(indices), need)
            indices = rng.choice(indices, size=take, replace=False)
            floored[indices] += 1
            need -= take
            if need == 0:
                break
    return floored.astype(int)


def _stratified(
    labels: np.ndarray, n_train: int, n_test: int, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    classes, y_indices = np.unique(labels, return_inverse=True)
    counts = np.bincount(y_indices)
    if counts.min() < 2:
        raise ValueError("the least populated class has only 1 member")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError("a part would hold fewer rows than there are classes")
    class_indices = np.split(np.argsort(y_indices, kind="mergesort"), np.cumsum(counts)[:-1])
    n_i = _approximate_mode(counts, n_train, rng)
    t_i = _approximate_mode(counts - n_i, n_test, rng)
    train: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for i in range(len(classes)):
        permutation = rng.permutation(counts[i])
        members = class_indices[i].take(permutation, mode="clip")
        train.append(members[: n_i[i]])
        test.append(members[n_i[i] : n_i[i] + t_i[i]])
    # Arrays joined, not Python lists extended: the same rows in the same order, without a
    # Python int for each of a million rows.
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_positions(
    n_samples: int,
    *,
    seed: int,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    stratify: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into ``range(n_samples)``) of the training and test rows.

    Equal to ``train_test_split(np.arange(n_samples), random_state=seed, ...)``.
    """
    n_train, n_test = split_sizes(n_samples, test_size, train_size)
    rng = np.random.RandomState(seed)
    if stratify is not None:
        train, test = _stratified(np.asarray(stratify), n_train, n_test, rng)
    else:
        permutation = rng.permutation(n_samples)
        test = permutation[:n_test]
        train = permutation[n_test : n_test + n_train]
    return np.asarray(train, dtype="int64"), np.asarray(test, dtype="int64")


__all__ = ["split_sizes", "train_test_positions"]

"""The numpy split chooses exactly the rows scikit-learn's ``train_test_split`` chooses."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from nnstudio.core.data.shuffle_split import split_sizes, train_test_positions
from nnstudio.core.data.split import split_positions

CASES = [
    # (rows, classes or None, seed, sizes)
    (2000, 4, 88, {"train_size": 0.8}),  # the case study's split
    (2000, None, 88, {"train_size": 0.8}),
    (150, 3, 0, {"test_size": 0.2}),
    (101, 2, 7, {"test_size": 0.3}),
    (37, 5, 123, {"test_size": 0.25}),
    (10, None, 1, {"test_size": 0.5}),
    (500, 7, 42, {"train_size": 0.6}),
    (99, 3, 5, {"test_size": 12}),
    (64, None, 9, {"train_size": 50}),
]


@pytest.mark.parametrize(("rows", "classes", "seed", "size"), CASES)
def test_the_same_rows_as_scikit_learn(rows, classes, seed, size):
    positions = np.arange(rows)
    if classes is None:
        expected = train_test_split(positions, random_state=seed, **size)
        got = train_test_positions(rows, seed=seed, **size)
    else:
        labels = np.random.default_rng(seed).integers(0, classes, rows)
        labels[:classes] = np.arange(classes)  # every class present
        labels[classes : 2 * classes] = np.arange(classes)  # at least twice
        expected = train_test_split(positions, random_state=seed, stratify=labels, **size)
        got = train_test_positions(rows, seed=seed, stratify=labels, **size)
    assert [part.tolist() for part in got] == [part.tolist() for part in expected]


def test_random_cases_match_scikit_learn():
    rng = np.random.default_rng(2026)
    for _ in range(200):
        rows = int(rng.integers(8, 400))
        classes = int(rng.integers(2, 6))
        labels = rng.integers(0, classes, rows)
        labels[: 2 * classes] = np.tile(np.arange(classes), 2)
        seed = int(rng.integers(0, 10_000))
        share = float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.5]))
        for stratify in (labels, None):
            try:
                expected = train_test_split(
                    np.arange(rows), random_state=seed, test_size=share, stratify=stratify
                )
            except ValueError:
                with pytest.raises(ValueError):
                    train_test_positions(rows, seed=seed, test_size=share, stratify=stratify)
                continue
            got = train_test_positions(rows, seed=seed, test_size=share, stratify=stratify)
            assert [p.tolist() for p in got] == [p.tolist() for p in expected]


@pytest.mark.parametrize(
    ("rows", "test", "train"),
    [(10, 1.5, None), (10, 0.0, None), (10, None, 10), (10, 0.6, 0.6), (1, 0.5, None)],
)
def test_impossible_sizes_are_refused_like_scikit_learn(rows, test, train):
    with pytest.raises(ValueError):
        split_sizes(rows, test, train)


def test_a_three_way_split_is_the_same_as_before():
    """The app's own split (test first, then validation) keeps its rows."""
    labels = np.repeat(np.arange(4), 50)
    split = split_positions(np.arange(200), (0.6, 0.2, 0.2), seed=3, labels=labels)
    rest, test = train_test_split(np.arange(200), test_size=0.2, random_state=3, stratify=labels)
    train, val = train_test_split(rest, test_size=0.25, random_state=3, stratify=labels[rest])
    assert split.test.tolist() == test.tolist()
    assert split.train.tolist() == train.tolist()
    assert split.val.tolist() == val.tolist()


def test_splitting_does_not_import_scikit_learn():
    code = (
        "import sys, numpy as np\n"
        "from nnstudio.core.data.split import split_positions\n"
        "split_positions(np.arange(100), (0.8, 0.2, 0.0), seed=1, labels=np.arange(100) % 2)\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

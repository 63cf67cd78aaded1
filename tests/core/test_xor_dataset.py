"""The lessons' XOR is four exact points; the built-in "xor4" teaching set is exactly those.

The noisy "xor" set (hundreds of points in a square) teaches the same idea at scale, but the
perceptron and hand-weighted step-network lessons compute on the truth table itself:
(0,0) → 0, (1,0) → 1, (0,1) → 1, (1,1) → 0, in that order (seed lesson 004).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio.core.data import (
    DATASETS,
    DataSource,
    default_settings_for,
    load_table,
    make_dataset,
    prepare,
)

REPO = Path(__file__).resolve().parents[2]
LESSON_POINTS = [(0, 0), (1, 0), (0, 1), (1, 1)]
LESSON_TARGETS = [0, 1, 1, 0]


def test_xor4_is_the_four_points_of_the_lesson_with_targets_0_1_1_0() -> None:
    table = make_dataset("xor4")
    expected = pd.DataFrame(
        {
            "x1": [p[0] for p in LESSON_POINTS],
            "x2": [p[1] for p in LESSON_POINTS],
            "y": LESSON_TARGETS,
        }
    ).astype("int64")
    pd.testing.assert_frame_equal(table, expected)
    # The same truth table as the points (0,0), (0,1), (1,0), (1,1) → 0, 1, 1, 0.
    truth = {(int(a), int(b)): int(t) for a, b, t in table.itertuples(index=False)}
    assert truth == {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}


def test_xor4_is_listed_beside_the_noisy_xor_and_keeps_its_name_apart() -> None:
    names = DATASETS.names()
    assert names.index("xor4") == names.index("xor") + 1
    spec = DATASETS.get("xor4")
    assert spec.label == "XOR (4 points, the lesson's)"
    assert spec.params == ()  # nothing to choose: it is the lesson's table
    assert spec.task == "classification" and spec.target == "y"
    assert "4 points" not in DATASETS.get("xor").label  # the noisy one is still "XOR"
    assert len(make_dataset("xor")) == 300


def test_xor4_default_settings_train_on_all_four_unscaled_points() -> None:
    settings = default_settings_for("xor4")
    assert settings.source == DataSource(kind="builtin", name="xor4", params={})
    assert settings.split == (1.0, 0.0, 0.0)  # four rows: nothing to hold out
    assert settings.scaling == "none"  # the lesson's weights expect 0 and 1
    table = load_table(settings.source)
    data = prepare(table, settings)
    assert data.n_train == 4 and data.n_val == 0
    assert data.class_names == ["0", "1"]
    order = np.lexsort((data.x_train[:, 0].numpy(), data.x_train[:, 1].numpy()))
    x = data.x_train.numpy()[order]
    y = data.y_train.numpy().reshape(len(x), -1)[order]
    assert x.tolist() == [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    assert y[:, 0].tolist() == LESSON_TARGETS


def test_the_lessons_hand_weighted_step_network_solves_xor4() -> None:
    """W1 = ones, b1 = [−1.5, −0.5], W2 = [−1, 1]ᵀ, b2 = −0.5 (seed notes, lesson 9)."""
    table = make_dataset("xor4")
    x = table[["x1", "x2"]].to_numpy(dtype=float)

    def step(z: np.ndarray) -> np.ndarray:
        return (z >= 0).astype(float)

    hidden = step(x @ np.ones((2, 2)) + np.array([-1.5, -0.5]))
    out = step(hidden @ np.array([[-1.0], [1.0]]) - 0.5)
    assert out[:, 0].astype(int).tolist() == table["y"].tolist() == LESSON_TARGETS


def test_xor4_is_the_same_table_as_the_xor_step_samples_csv() -> None:
    """Switching the step-network sample from its CSV to the built-in set changes nothing."""
    csv = load_table(DataSource(kind="csv", path=str(REPO / "samples" / "xor.csv"))).frame
    pd.testing.assert_frame_equal(make_dataset("xor4"), csv)

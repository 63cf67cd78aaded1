"""The data profile: its figures agree with pandas', and what troubles a network is flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.experiments.profile import profile_frame, strongest_correlations


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 200
    x = rng.normal(10, 2, n)
    x[[3, 7]] = [60.0, -40.0]  # two far outliers
    frame = pd.DataFrame(
        {
            "x": x,
            "x_again": x.copy(),
            "y": 0.5 * x + rng.normal(0, 0.1, n),
            "constant": np.full(n, 7.0),
            "with_gaps": np.where(np.arange(n) % 10 == 0, np.nan, rng.uniform(0, 1, n)),
            "colour": rng.choice(["red", "green", "blue"], n),
            "label": rng.choice(["a", "b"], n, p=[0.8, 0.2]),
        }
    )
    return pd.concat([frame, frame.iloc[[5, 9]]], ignore_index=True)  # two duplicate rows


def test_profile_figures_agree_with_pandas(frame):
    profile = profile_frame(frame)
    for column in ("x", "y", "with_gaps"):
        c = profile.column(column)
        series = frame[column]
        assert c.kind == "numeric"
        assert c.missing == int(series.isna().sum())
        assert c.minimum == pytest.approx(series.min())
        assert c.maximum == pytest.approx(series.max())
        assert c.mean == pytest.approx(series.mean())
        assert c.std == pytest.approx(series.std())
        assert c.unique == series.nunique()
        assert sum(c.counts) == series.count()
        q1, q3 = series.quantile(0.25), series.quantile(0.75)
        fence = 1.5 * (q3 - q1)
        assert c.outliers == int(((series < q1 - fence) | (series > q3 + fence)).sum())
    colour = profile.column("colour")
    assert colour.kind == "categorical"
    assert dict(zip(colour.values, colour.counts, strict=True)) == (
        frame["colour"].value_counts().to_dict()
    )
    assert profile.duplicate_rows == int(frame.duplicated().sum()) == 2
    assert profile.duplicate_row_numbers == [201, 202]
    numeric = ["x", "x_again", "y", "constant", "with_gaps"]
    assert profile.correlation_columns == numeric
    expected = frame[numeric].corr().to_numpy()
    np.testing.assert_allclose(profile.correlation, expected, equal_nan=True)


def test_constant_and_duplicate_columns_and_the_class_balance_are_flagged(frame):
    profile = profile_frame(frame)
    assert profile.constant_columns == ["constant"]
    assert profile.column("x_again").duplicate_of == "x"
    assert profile.duplicate_columns == ["x_again"]
    assert profile.target == "label"
    assert profile.class_balance == frame["label"].value_counts().to_dict()
    assert profile.column("x").outliers >= 2
    a, b, r = strongest_correlations(profile)[0]
    assert {a, b} == {"x", "x_again"} and r == pytest.approx(1.0)


def test_the_profile_is_plain_json_with_its_outlier_rule(frame):
    import json

    doc = profile_frame(frame, target="colour").to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["outlier_rule"] == "1.5 IQR"
    assert doc["class_balance"] == frame["colour"].value_counts().to_dict()
    assert doc["columns"][0]["histogram"]["counts"]

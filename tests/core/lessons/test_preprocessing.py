"""Preprocessing preview: raw vs prepared values, and what fitting on all rows would leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import DataSettings, prepare
from nnstudio.core.lessons.lesson_inputs import LessonInputError
from nnstudio.core.lessons.preprocessing import input_columns, preview_column
from nnstudio.core.project import load_project
from nnstudio.core.workspace import Workspace
from tests.cli.helpers import SAMPLES


def _table(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "size": np.arange(n, dtype=float) ** 1.5,
            "colour": [("red", "green", "blue")[i % 3] for i in range(n)],
            "label": [i % 2 for i in range(n)],
            "noise": rng.normal(size=n),
        }
    )


def _prepared(frame: pd.DataFrame, **settings):
    data = DataSettings(targets=("label",), ignored=("noise",), seed=1, **settings)
    return prepare(frame, data)


class _Table:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame


def test_the_app_scales_with_statistics_of_the_training_rows_only():
    frame = _table()
    prepared = _prepared(frame, split=(0.5, 0.5, 0.0))
    preview = preview_column(_Table(frame), prepared, "size")
    train = frame["size"].to_numpy()[prepared.index_train]
    everything = frame["size"].to_numpy()
    assert preview.center == pytest.approx(train.mean())
    assert preview.scale == pytest.approx(train.std())
    assert preview.raw_train.mean == pytest.approx(train.mean())
    assert preview.raw_all.mean == pytest.approx(everything.mean())
    assert preview.center_all == pytest.approx(everything.mean())
    assert preview.fitted_on_training and preview.leak_changes_fit
    assert preview.prepared_train.mean == pytest.approx(0.0, abs=1e-6)
    assert preview.prepared_train.std == pytest.approx(1.0, abs=1e-5)


def test_rows_show_raw_and_prepared_values_in_table_order_with_their_part():
    frame = _table()
    prepared = _prepared(frame, split=(0.5, 0.5, 0.0))
    preview = preview_column(_Table(frame), prepared, "size", rows=6)
    assert [row.row for row in preview.rows] == [1, 2, 3, 4, 5, 6]
    train = set(prepared.index_train.tolist())
    for row in preview.rows:
        raw = frame["size"][row.row - 1]
        assert row.part == ("train" if row.row - 1 in train else "val")
        assert row.prepared[0] == pytest.approx((raw - preview.center) / preview.scale, rel=1e-5)
        assert row.leaky[0] == pytest.approx(
            (raw - preview.center_all) / preview.scale_all, rel=1e-9
        )


def test_minmax_scaling_is_described_by_minimum_and_range():
    frame = _table()
    prepared = _prepared(frame, scaling="minmax")
    preview = preview_column(_Table(frame), prepared, "size")
    train = frame["size"].to_numpy()[prepared.index_train]
    assert preview.center == pytest.approx(train.min())
    assert preview.scale == pytest.approx(train.max() - train.min())
    assert preview.prepared_train.min == pytest.approx(0.0)
    assert preview.prepared_train.max == pytest.approx(1.0)


def test_no_scaling_has_nothing_to_leak():
    frame = _table()
    preview = preview_column(_Table(frame), _prepared(frame, scaling="none"), "size")
    assert not preview.leak_changes_fit
    assert preview.rows[3].prepared[0] == pytest.approx(frame["size"][3])


def test_a_categorical_column_becomes_one_hot_inputs():
    frame = _table()
    preview = preview_column(_Table(frame), _prepared(frame), "colour", rows=3)
    assert preview.outputs == ("colour=blue", "colour=green", "colour=red")
    assert [row.raw for row in preview.rows] == ["red", "green", "blue"]
    assert [row.prepared for row in preview.rows] == [(0, 0, 1), (0, 1, 0), (1, 0, 0)]
    assert preview.fitted_on_training


def test_the_lesson_brand_column_is_one_hot_encoded_with_its_chinese_names():
    workspace = Workspace(load_project(SAMPLES / "brand_price.nnsproj"))
    assert "品牌" in input_columns(workspace.prepared)
    preview = preview_column(workspace.table, workspace.prepared, "品牌")
    assert "品牌=苹果" in preview.outputs
    for row in preview.rows:
        assert sum(row.prepared) == 1.0
        assert preview.outputs[row.prepared.index(1.0)] == f"品牌={row.raw}"


def test_a_column_that_is_not_an_input_is_refused():
    frame = _table()
    with pytest.raises(LessonInputError):
        preview_column(_Table(frame), _prepared(frame), "noise")

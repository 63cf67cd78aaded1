"""The fitted Preprocessor: JSON round trip, new CSVs, unseen values, class names."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import DataSettings, Preprocessor, prepare, read_csv
from nnstudio.core.errors import DataError
from tests.core.data.helpers import PHONE_CSV, brand_text, write

LEVELS = ("低端", "中端", "高端")


def _json_copy(preprocessor: Preprocessor) -> Preprocessor:
    return Preprocessor.from_dict(json.loads(json.dumps(preprocessor.to_dict())))


@pytest.fixture
def brand_data(tmp_path):
    table = read_csv(write(tmp_path, "phones.csv", brand_text()))
    settings = DataSettings(targets=("档次",), class_order=LEVELS, missing="mean", seed=1)
    return table, prepare(table, settings)


def test_round_trip_gives_identical_transforms(brand_data):
    table, data = brand_data
    copy = _json_copy(data.preprocessor)
    assert copy == data.preprocessor
    assert copy.feature_columns == ["品牌", "内存", "频率"]
    assert copy.target_columns == ["档次"]
    assert copy.class_names == list(LEVELS)
    assert copy.task == "classification" and copy.scaling == "standard"
    assert copy.feature_names == data.feature_names
    np.testing.assert_array_equal(
        copy.transform(table.frame), data.preprocessor.transform(table.frame)
    )
    np.testing.assert_array_equal(
        copy.encode_targets(table.frame), data.preprocessor.encode_targets(table.frame)
    )


def test_round_trip_on_the_phone_data():
    table = read_csv(PHONE_CSV)
    data = prepare(table, DataSettings(seed=88, scaling="minmax"))
    text = json.dumps(data.preprocessor.to_dict())
    assert "NaN" not in text and "Infinity" not in text
    copy = Preprocessor.from_dict(json.loads(text))
    x = copy.transform(table.frame.iloc[data.index_val])
    np.testing.assert_array_equal(x, data.x_val.numpy())


def test_to_dict_holds_only_plain_json_types(brand_data):
    _, data = brand_data

    def check(value):
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert value is None or type(value) in (str, int, float, bool)

    check(data.preprocessor.to_dict())


def test_new_csv_lacking_a_column_is_refused(brand_data, tmp_path):
    _, data = brand_data
    new = read_csv(write(tmp_path, "new.csv", "品牌,频率\n苹果,2.5\n"))
    with pytest.raises(DataError) as info:
        data.preprocessor.transform(new.frame)
    assert info.value.message == (
        "the model was trained on columns 品牌, 内存, 频率; this CSV lacks 内存"
    )


def test_new_csv_with_extra_columns_and_unseen_brand(brand_data, tmp_path):
    _, data = brand_data
    new = read_csv(write(tmp_path, "new.csv", "频率,内存,品牌,备注\n2.5,6,三星,x\n2.0,4,苹果,y\n"))
    x = data.preprocessor.transform(new.frame)
    assert x.shape == (2, 5) and x.dtype == np.float32
    assert x[0, :3].tolist() == [0.0, 0.0, 0.0]
    assert x[1, :3].tolist() == [0.0, 0.0, 1.0]
    assert data.preprocessor.warnings == [
        "column '品牌': row 1 has a value never seen in training ('三星'); it is encoded as all "
        "zeros"
    ]
    data.preprocessor.transform(new.frame.iloc[1:])
    assert data.preprocessor.warnings == []


def test_missing_values_in_new_data_use_training_fill(brand_data):
    _, data = brand_data
    frame = pd.DataFrame({"品牌": [None], "内存": [np.nan], "频率": [2.0]})
    x = data.preprocessor.transform(frame)
    recipe = data.preprocessor.columns[1]
    assert x[0, 3] == pytest.approx((recipe.fill - recipe.center) / recipe.scale)
    brand = data.preprocessor.columns[0]
    assert x[0, :3].tolist() == [float(c == brand.fill) for c in brand.categories]


def test_missing_values_refused_without_fill():
    frame = pd.DataFrame({"x": np.arange(10.0), "y": [0, 1] * 5})
    data = prepare(frame, DataSettings(split=(1.0, 0.0, 0.0)))
    with pytest.raises(DataError, match=r"column 'x', row 2 is empty, and the data settings"):
        data.preprocessor.transform(pd.DataFrame({"x": [1.0, None]}))


def test_junk_in_new_data_is_refused(brand_data):
    _, data = brand_data
    frame = pd.DataFrame({"品牌": ["苹果", "小米"], "内存": ["4", "lots"], "频率": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"column '内存', row 2: 'lots' is not a number"):
        data.preprocessor.transform(frame)


def test_encode_and_decode_classes(brand_data):
    _, data = brand_data
    frame = pd.DataFrame({"档次": ["高端", "低端"]})
    assert data.preprocessor.encode_targets(frame).tolist() == [2, 0]
    assert data.preprocessor.decode_classes([0, 1, 2]) == list(LEVELS)
    assert data.preprocessor.decode_classes(np.array([2])) == ["高端"]
    with pytest.raises(DataError, match="class id 3 is not between 0 and 2"):
        data.preprocessor.decode_classes([3])
    with pytest.raises(DataError, match=r"row 1: class '超高端' is not one the model knows"):
        data.preprocessor.encode_targets(pd.DataFrame({"档次": ["超高端"]}))
    with pytest.raises(DataError, match="this CSV lacks 档次"):
        data.preprocessor.encode_targets(pd.DataFrame({"x": [1]}))


def test_regression_targets():
    frame = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0) * 1.5})
    data = prepare(frame, DataSettings(task="regression", split=(1.0, 0.0, 0.0)))
    y = data.preprocessor.encode_targets(frame)
    assert y.dtype == np.float32 and y.shape == (10, 1)
    with pytest.raises(DataError, match="predicts numbers"):
        data.preprocessor.decode_classes([0])


@pytest.mark.parametrize(
    ("mutate", "text"),
    [
        (lambda d: d.update(format="pickle"), "wrong format marker"),
        (lambda d: d.update(version=99), "newer than this NN Studio"),
        (lambda d: d.update(task="ranking"), "task must be one of"),
        (lambda d: d.update(scaling="log"), "scaling must be one of"),
        (lambda d: d.update(targets=[]), "names no target column"),
        (lambda d: d.update(class_names=["a", "a", "b"]), "class_names holds a name twice"),
        (lambda d: d.update(columns=[]), "lists no input columns"),
        (lambda d: d["columns"][1].update(center=float("nan")), "center must be a finite number"),
        (lambda d: d["columns"][1].update(scale=0.0), "scale must not be 0"),
        (lambda d: d["columns"][1].update(kind="date"), "kind must be numeric or categorical"),
        (lambda d: d["columns"][0].update(categories="苹果"), "categories must be a list of text"),
        (lambda d: d["columns"][0].update(fill=3), "fill must be text"),
    ],
)
def test_from_dict_validates(brand_data, mutate, text):
    _, data = brand_data
    raw = data.preprocessor.to_dict()
    mutate(raw)
    with pytest.raises(DataError, match=text):
        Preprocessor.from_dict(raw)

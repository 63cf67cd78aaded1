"""prepare(): one-hot, classes, scaling fitted on training rows, missing values, splits."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from nnstudio.core.data import DataSettings, prepare, read_csv
from nnstudio.core.errors import DataError
from tests.core.data.helpers import BRAND_ROWS, PHONE_CSV, brand_text, write

LEVELS = ("低端", "中端", "高端")


@pytest.fixture
def brand_table(tmp_path):
    return read_csv(write(tmp_path, "phones.csv", brand_text(), encoding="gbk"))


@pytest.fixture(scope="module")
def phone_table():
    return read_csv(PHONE_CSV)


def _classes_frame(n_per_class=(60, 30, 10), seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(n, k) for k, n in enumerate(n_per_class)])
    rng.shuffle(labels)
    return pd.DataFrame(
        {"a": rng.normal(size=labels.size), "b": rng.normal(size=labels.size), "y": labels}
    )


# -- one-hot and classes ----------------------------------------------------------------------


def test_brand_one_hot_and_class_order(brand_table):
    settings = DataSettings(targets=("档次",), class_order=LEVELS, split=(1.0, 0.0, 0.0))
    data = prepare(brand_table, settings)
    assert data.task == "classification"
    assert data.class_names == ["低端", "中端", "高端"]
    assert data.n_classes == 3 and data.n_targets == 1
    assert data.feature_names == ["品牌=华为", "品牌=小米", "品牌=苹果", "内存", "频率"]
    assert data.n_features == 5
    assert data.column_kinds == {"品牌": "categorical", "内存": "numeric", "频率": "numeric"}
    x = data.x_train.numpy()
    brands = [row[0] for row in BRAND_ROWS]
    expected_one_hot = np.array([[b == "华为", b == "小米", b == "苹果"] for b in brands], float)
    np.testing.assert_array_equal(x[:, :3], expected_one_hot)  # one-hot columns not scaled
    assert data.y_train.dtype == torch.int64
    assert data.y_train.tolist() == [LEVELS.index(row[3]) for row in BRAND_ROWS]
    assert data.preprocessor.decode_classes(data.y_train[:3]) == ["高端", "低端", "中端"]
    assert data.index_train.tolist() == list(range(len(BRAND_ROWS)))
    assert data.x_val.shape == (0, 5) and data.y_val.shape == (0,)
    assert data.y_val.dtype == torch.int64 and data.x_test.dtype == torch.float32


def test_classes_sorted_without_order(brand_table):
    data = prepare(brand_table, DataSettings(targets=("档次",), split=(1.0, 0.0, 0.0)))
    assert data.class_names == sorted(LEVELS)


def test_class_order_must_list_every_class(brand_table):
    settings = DataSettings(targets=("档次",), class_order=("低端", "高端"))
    with pytest.raises(DataError) as info:
        prepare(brand_table, settings)
    assert info.value.message == (
        "phones.csv, the class order does not list class '中端' of "
        "column '档次'; list every class: 中端, 低端, 高端"
    )


def test_numeric_classes_are_strings(phone_table):
    data = prepare(phone_table, DataSettings(seed=88))
    assert data.class_names == ["0", "1", "2", "3"]
    assert data.target_names == ["price_range"]
    assert data.feature_names == list(phone_table.frame.columns[:-1])


def test_unseen_category_is_all_zeros_with_a_warning():
    frame = pd.DataFrame({"brand": ["a", "b"] * 10 + ["c"], "y": [0, 1] * 10 + [1]})
    for seed in range(50):
        settings = DataSettings(split=(0.5, 0.5, 0.0), seed=seed, stratify=False)
        data = prepare(frame, settings)
        if 20 in data.index_val:
            break
    else:
        pytest.fail("row 20 never landed in validation")
    assert data.feature_names == ["brand=a", "brand=b"]
    position = list(data.index_val).index(20)
    assert data.x_val[position].tolist() == [0.0, 0.0]
    assert data.warnings == [
        "validation rows: column 'brand': row 21 has a value never seen in training ('c'); "
        "it is encoded as all zeros"
    ]


def test_too_many_categories_refused():
    frame = pd.DataFrame({"id": [f"id{i}" for i in range(1500)], "y": [0, 1] * 750})
    with pytest.raises(DataError, match="column 'id' has 1500 different values"):
        prepare(frame, DataSettings())


# -- scaling ----------------------------------------------------------------------------------


def test_standard_scaling_is_fitted_on_training_rows_only(phone_table):
    data = prepare(phone_table, DataSettings(seed=88))
    x_train, x_val = data.x_train.numpy().astype(float), data.x_val.numpy().astype(float)
    np.testing.assert_allclose(x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x_train.std(axis=0), 1.0, atol=1e-5)
    assert np.abs(x_val.mean(axis=0)).max() > 1e-3
    raw = phone_table.frame.iloc[data.index_train, :-1].to_numpy(dtype=float)
    recipe = data.preprocessor.columns[0]
    assert recipe.center == pytest.approx(raw[:, 0].mean())
    assert recipe.scale == pytest.approx(raw[:, 0].std(ddof=0))
    assert data.raw_ranges["ram"] == (256.0, 3998.0)


def test_scaling_matches_sklearn(phone_table):
    from sklearn.preprocessing import StandardScaler

    data = prepare(phone_table, DataSettings(seed=88))
    x = phone_table.frame.iloc[:, :-1].to_numpy(dtype=float)
    scaler = StandardScaler().fit(x[data.index_train])
    np.testing.assert_allclose(data.x_val.numpy(), scaler.transform(x[data.index_val]), atol=1e-5)


def test_minmax_scaling(phone_table):
    data = prepare(phone_table, DataSettings(seed=3, scaling="minmax"))
    x_train = data.x_train.numpy()
    np.testing.assert_allclose(x_train.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(x_train.max(axis=0), 1.0, atol=1e-6)


def test_no_scaling_keeps_raw_values(phone_table):
    data = prepare(phone_table, DataSettings(seed=3, scaling="none"))
    raw = phone_table.frame.iloc[data.index_train, :-1].to_numpy(dtype="float32")
    np.testing.assert_array_equal(data.x_train.numpy(), raw)


def test_constant_column_gets_unit_scale():
    frame = pd.DataFrame({"c": [5.0] * 10, "x": np.arange(10.0), "y": [0, 1] * 5})
    data = prepare(frame, DataSettings(split=(1.0, 0.0, 0.0)))
    assert data.preprocessor.columns[0].scale == 1.0
    assert data.x_train[:, 0].tolist() == [0.0] * 10


# -- missing values ---------------------------------------------------------------------------


def _with_gaps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ram": [1.0, 2.0, np.nan, 4.0, 5.0, np.nan, 7.0, 8.0, 9.0, 10.0, np.nan, 12.0],
            "brand": ["a", "b", "a", None, "a", "b", "a", "b", "a", "a", "b", "b"],
            "y": [0, 1] * 6,
        }
    )


def test_missing_values_refused_by_default():
    with pytest.raises(DataError) as info:
        prepare(_with_gaps(), DataSettings())
    assert info.value.message == (
        "column 'ram' has 3 empty cells (rows 3, 6, 11); choose what to do with missing "
        "values: drop those rows, fill with the mean, or fill with the most frequent value"
    )
    assert info.value.where == "ram"


def test_missing_values_in_a_csv_name_the_file(tmp_path):
    table = read_csv(write(tmp_path, "gaps.csv", "a,b,y\n1,2,0\n,3,1\n4,NA,0\n5,6,1\n"))
    with pytest.raises(DataError) as info:
        prepare(table, DataSettings())
    assert info.value.message.startswith("gaps.csv, column 'a' has 1 empty cell (row 2); ")


def test_drop_missing_rows():
    data = prepare(_with_gaps(), DataSettings(missing="drop", split=(1.0, 0.0, 0.0)))
    assert data.index_train.tolist() == [0, 1, 4, 6, 7, 8, 9, 11]
    assert any("dropped 4 rows" in w for w in data.warnings)


def test_fill_with_training_mean_and_mode():
    frame = _with_gaps()
    data = prepare(
        frame,
        DataSettings(
            missing="mean", split=(0.75, 0.25, 0.0), seed=2, stratify=False, scaling="none"
        ),
    )
    train = frame.iloc[data.index_train]
    ram, brand = data.preprocessor.columns
    assert ram.fill == pytest.approx(train["ram"].mean())
    assert brand.fill == train["brand"].mode().sort_values().iloc[0]
    x = np.concatenate([data.x_train.numpy(), data.x_val.numpy()])
    order = np.concatenate([data.index_train, data.index_val])
    assert x[list(order).index(2), 0] == pytest.approx(ram.fill)
    assert not np.isnan(x).any()


def test_most_frequent_fill():
    frame = pd.DataFrame({"x": [1.0, 1.0, 2.0, np.nan, 3.0, 1.0], "y": [0, 1, 0, 1, 0, 1]})
    data = prepare(
        frame, DataSettings(missing="most_frequent", split=(1.0, 0.0, 0.0), scaling="none")
    )
    assert data.x_train[3, 0].item() == 1.0


def test_rows_with_missing_target_are_dropped_when_not_refusing():
    frame = pd.DataFrame({"x": np.arange(6.0), "y": [0, 1, None, 1, 0, 1]})
    data = prepare(frame, DataSettings(missing="mean", split=(1.0, 0.0, 0.0)))
    assert 2 not in data.index_train.tolist()
    assert any("target 'y' is empty" in w for w in data.warnings)


# -- tasks -------------------------------------------------------------------------------------


def test_regression_targets_are_float_and_unscaled():
    x = np.linspace(-1, 1, 50)
    frame = pd.DataFrame({"x": x, "y": 3 * x + 100, "z": x**2})
    data = prepare(frame, DataSettings(targets=("y",), ignored=("z",), split=(0.8, 0.2, 0.0)))
    assert data.task == "regression" and data.n_classes == 0 and data.class_names == []
    assert data.y_train.dtype == torch.float32 and data.y_train.shape == (40, 1)
    np.testing.assert_allclose(
        data.y_train[:, 0].numpy(), frame["y"].to_numpy()[data.index_train], rtol=1e-6
    )
    both = prepare(frame, DataSettings(targets=("y", "z"), split=(1.0, 0.0, 0.0)))
    assert both.n_targets == 2 and both.y_train.shape == (50, 2)
    assert both.y_val.shape == (0, 2)


def test_forced_classification_of_a_float_target_suggests_regression():
    frame = pd.DataFrame({"x": np.arange(100.0), "price": np.linspace(0, 1, 100)})
    with pytest.raises(
        DataError,
        match="holds 100 different numbers, too many to treat as classes; choose regression",
    ):
        prepare(frame, DataSettings(task="classification"))


def test_regression_on_text_target_suggests_classification(brand_table):
    with pytest.raises(
        DataError,
        match=r"target column '档次' holds text .*choose "
        r"classification",
    ):
        prepare(brand_table, DataSettings(task="regression"))


def test_classification_with_two_targets_is_refused():
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "a": [0, 1, 0, 1], "b": [1, 0, 1, 0]})
    with pytest.raises(DataError, match="classification predicts one target column"):
        prepare(frame, DataSettings(targets=("a", "b"), task="classification"))


def test_single_class_is_refused():
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a"] * 4})
    with pytest.raises(DataError, match="holds only one class \\('a'\\)"):
        prepare(frame, DataSettings())


def test_other_preparation_errors():
    frame = pd.DataFrame({"x": [1, 2], "y": [0, 1]})
    with pytest.raises(DataError, match="target column 'price' is not in the data"):
        prepare(frame, DataSettings(targets=("price",)))
    with pytest.raises(DataError, match="no input columns are left"):
        prepare(frame, DataSettings(ignored=("x",)))
    with pytest.raises(DataError, match="has no data rows"):
        prepare(frame.iloc[:0], DataSettings())


# -- splits ------------------------------------------------------------------------------------


def test_three_way_split_sizes_and_stratification():
    frame = _classes_frame((60, 30, 10))
    data = prepare(frame, DataSettings(split=(0.6, 0.2, 0.2), seed=7))
    assert (data.n_train, data.n_val, data.n_test) == (60, 20, 20)
    parts = [set(data.index_train), set(data.index_val), set(data.index_test)]
    assert set.union(*parts) == set(range(100))
    assert sum(len(p) for p in parts) == 100
    for y, n in ((data.y_train, 60), (data.y_val, 20), (data.y_test, 20)):
        counts = np.bincount(y.numpy(), minlength=3) / n
        np.testing.assert_allclose(counts, [0.6, 0.3, 0.1], atol=0.051)
    assert data.stratified


def test_split_is_seeded():
    frame = _classes_frame()
    first = prepare(frame, DataSettings(seed=5))
    again = prepare(frame, DataSettings(seed=5))
    other = prepare(frame, DataSettings(seed=6))
    assert np.array_equal(first.index_train, again.index_train)
    assert torch.equal(first.x_train, again.x_train)
    assert not np.array_equal(first.index_train, other.index_train)


def test_lesson_split_is_reproduced_exactly(phone_table):
    from sklearn.model_selection import train_test_split

    data = prepare(phone_table, DataSettings(seed=88, split=(0.8, 0.2, 0.0)))
    assert (data.n_train, data.n_val, data.n_test) == (1600, 400, 0)
    x = phone_table.frame.iloc[:, :-1].to_numpy()
    y = phone_table.frame["price_range"].to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, train_size=0.8, random_state=88, stratify=y
    )
    np.testing.assert_array_equal(x[data.index_train], x_train)
    np.testing.assert_array_equal(x[data.index_val], x_test)
    np.testing.assert_array_equal(data.y_train.numpy(), y_train)
    np.testing.assert_array_equal(data.y_val.numpy(), y_test)
    expected, _ = train_test_split(np.arange(2000), train_size=0.8, random_state=88, stratify=y)
    assert data.index_train.tolist() == expected.tolist()
    assert np.bincount(data.y_val.numpy()).tolist() == [100, 100, 100, 100]


def test_unstratified_fallback_with_a_single_member_class():
    frame = pd.DataFrame({"x": np.arange(21.0), "y": ["a"] * 10 + ["b"] * 10 + ["c"]})
    data = prepare(frame, DataSettings(seed=1))
    assert not data.stratified
    assert any("class 'c' has only 1 row" in w and "at random" in w for w in data.warnings)
    assert data.n_train + data.n_val == 21


def test_too_few_rows_to_split():
    frame = pd.DataFrame({"x": [1.0], "y": [2.0]})
    with pytest.raises(DataError, match=r"too few rows \(1\) to split as 0.8 training"):
        prepare(frame, DataSettings(task="regression"))


def test_sklearn_is_not_imported_with_the_package():
    code = (
        "import sys, nnstudio.core.data; "
        "sys.exit(1 if any(m.startswith('sklearn') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_three_way_split_takes_test_rows_first():
    from sklearn.model_selection import train_test_split

    frame = _classes_frame((50, 30, 20))
    data = prepare(frame, DataSettings(split=(0.7, 0.15, 0.15), seed=11))
    y = frame["y"].to_numpy()
    rest, test = train_test_split(np.arange(100), test_size=0.15, random_state=11, stratify=y)
    train, val = train_test_split(rest, test_size=0.15 / 0.85, random_state=11, stratify=y[rest])
    assert data.index_test.tolist() == test.tolist()
    assert data.index_val.tolist() == val.tolist()
    assert data.index_train.tolist() == train.tolist()


def test_column_roles_and_non_text_column_names():
    from nnstudio.core.data import column_roles

    frame = pd.DataFrame({0: [1.0, 2.0, 3.0, 4.0], 1: ["a", "b", "a", "b"], 2: [0, 1, 0, 1]})
    settings = DataSettings(ignored=("1",), split=(1.0, 0.0, 0.0))
    assert column_roles(frame.rename(columns=str), settings) == {
        "0": "input",
        "1": "ignored",
        "2": "target",
    }
    data = prepare(frame, settings)
    assert data.feature_names == ["0"]
    np.testing.assert_array_equal(data.preprocessor.transform(frame), data.x_train.numpy())

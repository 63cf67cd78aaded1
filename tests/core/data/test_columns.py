"""Column kinds, junk, infinities and the automatic task rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import DataSettings, describe_columns, detect_task, prepare, read_csv
from nnstudio.core.data.columns import analyze_column, format_label, sorted_labels
from nnstudio.core.errors import DataError
from tests.core.data.helpers import PHONE_CSV, brand_text, write


def _ram_file(tmp_path, junk: str = "abc", row: int = 17):
    lines = ["ram,battery,price"]
    for i in range(1, 21):
        ram = (f'"{junk}"' if "," in junk else junk) if i == row else str(1000 + i)
        lines.append(f"{ram},{3000 + i},{i % 2}")
    return write(tmp_path, "phones.csv", "\n".join(lines) + "\n")


def test_describe_brand_table(tmp_path):
    table = read_csv(write(tmp_path, "b.csv", brand_text()))
    infos = {info.name: info for info in describe_columns(table.frame)}
    assert infos["品牌"].kind == "categorical"
    assert infos["品牌"].n_unique == 3
    assert infos["品牌"].examples == ("苹果", "小米", "华为")
    assert infos["品牌"].minimum is None
    assert infos["内存"].kind == "numeric"
    assert (infos["内存"].minimum, infos["内存"].maximum) == (4.0, 8.0)
    assert infos["内存"].dtype == "int64"
    assert infos["档次"].kind == "categorical"
    assert all(info.problem == "" and info.n_missing == 0 for info in infos.values())


def test_kind_override_makes_numbers_categorical(tmp_path):
    table = read_csv(write(tmp_path, "b.csv", brand_text()))
    info = describe_columns(table.frame, {"内存": "categorical"})[1]
    assert info.kind == "categorical"
    assert info.examples == ("6", "4", "8")


@pytest.mark.parametrize("junk", ["abc", "12,3x"])
def test_junk_in_mostly_numeric_column_names_column_and_row(tmp_path, junk):
    table = read_csv(_ram_file(tmp_path, junk))
    info = describe_columns(table.frame)[0]
    assert info.kind == "numeric"
    assert info.problem == f"row 17: {junk!r} is not a number"
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    assert raised.value.message.startswith(
        f"phones.csv, column 'ram', row 17: {junk!r} is not a number"
    )
    assert raised.value.where == "ram"


def test_junk_column_declared_categorical_is_accepted(tmp_path):
    table = read_csv(_ram_file(tmp_path))
    data = prepare(table, DataSettings(kinds={"ram": "categorical"}))
    assert data.column_kinds["ram"] == "categorical"
    ram_inputs = [name for name in data.feature_names if name.startswith("ram=")]
    assert len(ram_inputs) == data.n_train  # every training row has its own ram value
    assert data.feature_names[-1] == "battery"


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity"])
def test_infinity_is_refused_with_column_and_row(tmp_path, text):
    table = read_csv(_ram_file(tmp_path, text, row=5))
    assert describe_columns(table.frame)[0].problem.startswith(f"row 5: {text!r} is infinite")
    with pytest.raises(DataError, match=rf"column 'ram', row 5: '{text}' is infinite"):
        prepare(table, DataSettings())


def test_infinity_in_a_numeric_frame():
    frame = pd.DataFrame({"x": [1.0, np.inf, 3.0], "y": [0, 1, 0]})
    with pytest.raises(DataError, match=r"column 'x', row 2: 'inf' is infinite"):
        prepare(frame, DataSettings())


def test_mostly_text_column_is_categorical():
    column = analyze_column(pd.Series(["S", "M", "L", "42"], name="size"))
    assert column.kind == "categorical" and column.problem == ""


def test_numeric_strings_in_a_frame_are_numbers():
    column = analyze_column(pd.Series(["1", " 2.5", "NA", None], name="x"))
    assert column.kind == "numeric"
    assert column.numbers[:2].tolist() == [1.0, 2.5]
    assert column.missing.tolist() == [False, False, True, True]


def test_format_label_and_numeric_sort():
    assert [format_label(v) for v in (3.0, 2.5, 7, " a ")] == ["3", "2.5", "7", "a"]
    assert sorted_labels(["10", "2", "1"]) == ["1", "2", "10"]
    assert sorted_labels(["b", "a", "10"]) == ["10", "a", "b"]


def test_detect_task_rules():
    n = 100
    frame = pd.DataFrame(
        {
            "int4": np.arange(n) % 4,
            "float": np.linspace(0, 1, n),
            "many_ints": np.arange(n),
            "text": ["a", "b"] * (n // 2),
            "binary_float": [0.0, 1.0] * (n // 2),
        }
    )
    assert detect_task(frame, ["int4"]) == "classification"
    assert detect_task(frame, ["float"]) == "regression"
    assert detect_task(frame, ["many_ints"]) == "regression"
    assert detect_task(frame, ["text"]) == "classification"
    assert detect_task(frame, ["binary_float"]) == "classification"
    assert detect_task(frame, []) == "classification"  # last column
    assert detect_task(frame, ["float", "int4"]) == "regression"
    with pytest.raises(DataError, match="target column 'text' holds text"):
        detect_task(frame, ["float", "text"])
    with pytest.raises(DataError, match="target column 'nope' is not in the data"):
        detect_task(frame, ["nope"])


def test_few_rows_with_distinct_integers_is_regression():
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": [10, 11, 12, 13]})
    assert detect_task(frame, ["y"]) == "regression"


def test_phone_price_target_is_classification():
    table = read_csv(PHONE_CSV)
    assert detect_task(table.frame, ["price_range"]) == "classification"
    infos = describe_columns(table.frame)
    assert all(info.kind == "numeric" for info in infos)
    ram = next(info for info in infos if info.name == "ram")
    assert (ram.minimum, ram.maximum) == (256.0, 3998.0)

"""The data pipeline and project files in Simplified Chinese: every error and warning a user
reads is translated, names the same column and row, and keeps its advice."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest

from nnstudio import i18n
from nnstudio.core.data import (
    COLUMN_KINDS,
    DATASETS,
    DataSettings,
    DataSource,
    default_settings_for,
    load_table,
    prepare,
    read_csv,
)
from nnstudio.core.data.columns import rows_text
from nnstudio.core.errors import DataError, ProjectError
from nnstudio.core.project import document_to_project
from nnstudio.core.project.migrations import CURRENT_VERSION
from nnstudio.i18n import _
from tests.cli.helpers import SAMPLES
from tests.core.data.helpers import write


@pytest.fixture
def chinese():
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def test_a_cell_that_is_not_a_number_keeps_its_advice_in_chinese(chinese, tmp_path):
    table = read_csv(write(tmp_path, "phones.csv", "ram,price\n4,1\nabc,0\n8,1\n6,0\n"))
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    assert raised.value.message == (
        "phones.csv，列 'ram'，第 2 行：'abc' 不是数字；请修改这个值，或把该列的类型设为类别型"
    )
    assert raised.value.where == "ram"


def test_the_advice_for_junk_is_given_in_english_as_before(tmp_path):
    table = read_csv(write(tmp_path, "phones.csv", "ram,price\n4,1\nabc,0\n8,1\n6,0\n"))
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    assert raised.value.message == (
        "phones.csv, column 'ram', row 2: 'abc' is not a number; fix the value or set the "
        "column's kind to categorical"
    )


def test_an_infinite_cell_gets_no_advice_about_the_kind_in_any_language(chinese, tmp_path):
    table = read_csv(write(tmp_path, "phones.csv", "ram,price\n4,1\ninf,0\n8,1\n6,0\n"))
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    assert raised.value.message == "phones.csv，列 'ram'，第 2 行：'inf' 是无穷大；请使用有限的数"


def test_row_lists_read_naturally_in_both_languages(chinese):
    assert rows_text([0]) == "第 1 行"
    assert rows_text([0, 2, 5, 9]) == "第 1、3、6、… 行"
    i18n.set_language("en")
    assert rows_text([0]) == "row 1"
    assert rows_text([0, 2, 5, 9]) == "rows 1, 3, 6, …"


def test_empty_cells_are_counted_in_chinese(chinese, tmp_path):
    table = read_csv(write(tmp_path, "phones.csv", "ram,price\n4,1\n,0\n8,1\n,0\n6,1\n"))
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    assert raised.value.message == (
        "phones.csv，列 'ram' 有 2 个空单元格（第 2、4 行）；请选择如何处理缺失值：删除这些行、"
        "用平均值填充，或用出现最多的值填充"
    )


def test_the_preparation_warnings_are_chinese(chinese, tmp_path):
    text = "ram,price\n4,1\n5,\n8,1\n6,0\n7,0\n3,1\n"
    table = read_csv(write(tmp_path, "phones.csv", text))
    data = prepare(table, DataSettings(missing="drop", split=(1.0, 0.0, 0.0)))
    assert data.warnings == ["已删除目标列 'price' 为空的 1 行（第 2 行）"]


def test_a_headerless_file_is_explained_in_chinese(chinese, tmp_path):
    table = read_csv(write(tmp_path, "numbers.csv", "1,2,0\n3,4,1\n5,6,0\n"))
    assert table.warnings == ["第一行是数据，不是列名；各列已命名为 column_1 … column_3"]


def test_file_problems_are_chinese(chinese, tmp_path):
    with pytest.raises(DataError) as raised:
        read_csv(tmp_path / "gone.csv")
    assert raised.value.message == f"gone.csv 不存在（查找的位置：{tmp_path / 'gone.csv'}）"
    ragged = write(tmp_path, "ragged.csv", "a,b,y\n1,2,0\n3,4\n5,6,1\n")
    with pytest.raises(DataError) as raised:
        read_csv(ragged)
    assert raised.value.message == "ragged.csv：文件第 3 行有 2 个字段，而表头有 3 个"


def test_a_bad_data_setting_names_its_key_and_says_the_rest_in_chinese(chinese):
    with pytest.raises(DataError) as raised:
        DataSettings(split=(0.5, 0.2, 0.2))
    assert str(raised.value) == "数据设置: split: 各比例之和必须为 1；0.5 + 0.2 + 0.2 = 0.9"


def test_a_split_that_cannot_keep_proportions_says_so_in_chinese(chinese):
    frame = pd.DataFrame({"x": range(10), "y": ["a"] * 9 + ["b"]})
    data = prepare(frame, DataSettings(split=(0.8, 0.2, 0.0)))
    assert data.warnings == ["类别 'b' 只有 1 行，划分时无法保持各类别的比例；已改为随机划分"]


def test_new_data_that_lacks_a_trained_column_is_refused_in_chinese(chinese):
    settings = default_settings_for("iris")
    pre = prepare(load_table(settings.source), settings).preprocessor
    with pytest.raises(DataError) as raised:
        pre.transform(pd.DataFrame({"petal length (cm)": [1.0]}))
    assert raised.value.message.startswith("模型是用这些列训练的：sepal length (cm), ")
    assert raised.value.message.endswith(
        "这个 CSV 缺少 sepal length (cm), sepal width (cm), petal width (cm)"
    )


def test_dataset_names_help_and_parameters_translate_where_shown(chinese):
    iris = DATASETS.get("iris")
    assert iris.label == "Iris flowers"  # marked where defined, English as data
    assert _(iris.label) == "鸢尾花"
    assert _(iris.help).startswith("150 朵花")
    spirals = DATASETS.get("spirals")
    assert [_(p.title) for p in spirals.params] == ["样本数", "噪声", "随机种子", "类别数", "圈数"]
    assert _(spirals.param("turns").help) == "每条臂绕中心旋转的圈数。"
    assert [_(kind) for kind in COLUMN_KINDS] == ["数值型", "类别型"]
    assert COLUMN_KINDS == ("numeric", "categorical")


def test_every_dataset_and_parameter_text_is_translated(chinese):
    """A dataset added later without a translation shows up here, not in front of a class."""
    for spec in DATASETS:
        for text in (spec.label, spec.help, *(t for p in spec.params for t in (p.title, p.help))):
            assert _(text) != text, text


def test_a_source_without_a_name_is_called_so_in_chinese(chinese):
    assert DataSource().label == "无数据"
    assert DataSource(kind="csv").label == "CSV 文件"


def test_a_bad_dataset_parameter_names_the_dataset_in_chinese(chinese):
    with pytest.raises(DataError) as raised:
        DATASETS.get("sine").make({"x_min": 2.0, "x_max": 1.0})
    assert raised.value.message == ("数据集“带噪声的正弦”：x 最大值（1）必须大于 x 最小值（2）")


def _iris_document() -> dict:
    with zipfile.ZipFile(SAMPLES / "iris.nnsproj") as archive:
        return json.loads(archive.read("project.json"))


def _stored_preprocessing() -> dict:
    settings = default_settings_for("iris")
    return prepare(load_table(settings.source), settings).preprocessor.to_dict()


def test_a_damaged_stored_preprocessing_is_named_once_in_chinese(chinese):
    """The loader puts the section's name before a message that does not begin with it: in
    Chinese too, the section is named once."""
    doc = _iris_document()
    stored = _stored_preprocessing()
    stored["columns"][1]["name"] = stored["columns"][0]["name"]
    doc["preprocessor"] = stored
    with pytest.raises(ProjectError) as raised:
        document_to_project(doc)
    assert raised.value.message == "project.json: 保存的数据预处理把同一列列出了两次"
    stored = _stored_preprocessing()
    stored["class_names"] = []
    doc["preprocessor"] = stored
    with pytest.raises(ProjectError) as raised:
        document_to_project(doc)
    assert raised.value.message == (
        "project.json: 保存的数据预处理: 保存的分类设置需要一个目标列及其类别名称"
    )


def test_an_untitled_project_keeps_its_english_name_in_the_file(chinese):
    doc = _iris_document()
    doc.pop("name", None)
    project = document_to_project(doc)
    assert project.name == "Untitled"
    assert project.to_document()["name"] == "Untitled"


def test_a_newer_project_format_is_refused_in_chinese(chinese):
    doc = _iris_document()
    doc["format_version"] = 99
    with pytest.raises(ProjectError) as raised:
        document_to_project(doc)
    assert raised.value.message == (
        "这个项目由更新版本的 NN Studio 创建（格式版本 99）；当前版本最多能读取格式版本 "
        f"{CURRENT_VERSION}。"
        "请更新 NN Studio 后再打开"
    )


def test_the_data_banner_links_a_chinese_error_to_its_column_and_row_once(chinese, tmp_path):
    """The data panel's banner reads the column and row a core message names, to link to
    the cell and to say each column once: in Chinese as in English."""
    from nnstudio.core.data import describe_columns
    from nnstudio.gui.panels.data_presenter import banner_messages

    table = read_csv(write(tmp_path, "phones.csv", "ram,price\n4,1\nabc,0\n8,1\n6,0\n"))
    with pytest.raises(DataError) as raised:
        prepare(table, DataSettings())
    columns = list(table.frame.columns)
    messages = banner_messages(
        notice=None,
        data_error=str(raised.value),
        table=table,
        columns=columns,
        infos=describe_columns(table.frame),
        roles={"ram": "input", "price": "target"},
        missing="refuse",
        prepared=None,
    )
    assert [(m.column, m.row) for m in messages] == [("ram", 2)]
    assert messages[0].text.startswith("phones.csv，列 'ram'，第 2 行：")


def test_a_file_line_is_not_taken_for_a_data_row_in_chinese(chinese, tmp_path):
    from nnstudio.gui.widgets.banner_message import find_place

    ragged = write(tmp_path, "ragged.csv", "a,b,y\n1,2,0\n3,4\n5,6,1\n")
    with pytest.raises(DataError) as raised:
        read_csv(ragged)
    assert find_place(raised.value.message, ["a", "b", "y"]) == (None, None)
    twice = write(tmp_path, "twice.csv", "a,b,b\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as raised:
        read_csv(twice)
    assert "（第 2 列和第 3 列）" in raised.value.message
    assert find_place(raised.value.message)[1] is None  # a column number is not a row
    assert find_place("列 'b' 有 2 个空单元格（第 4、9、… 行）", ["b"]) == ("b", 4)

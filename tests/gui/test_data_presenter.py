"""What the data panel shows, decided without Qt: texts, banner messages, scatter points."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data import DATASETS, DataSettings, DataSource, Table, describe_columns, prepare
from nnstudio.gui.panels import data_presenter as presenter
from nnstudio.gui.panels.data_presenter import (
    MAX_SCATTER_POINTS,
    banner_messages,
    capitalize,
    column_tooltip,
    dataset_help,
    kind_tooltip,
    missing_tooltip,
    preview_caption,
    role_edit,
    role_tooltip,
    scatter_data,
    scatter_name,
    source_description,
    strip_where,
    summary_text,
    summary_tooltip,
    unprepared_text,
    use_button_state,
)
from nnstudio.gui.widgets.banner_message import BannerMessage

CSV = DataSource(kind="csv", path="/data/phones.csv")


def csv_table(frame: pd.DataFrame, **extra) -> Table:
    return Table(frame, CSV, "utf-8", ";", True, "/data/phones.csv", **extra)


def classes_frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n) * 10, "label": np.arange(n) % 2}
    )


# --- the source ------------------------------------------------------------------------------


def test_the_source_says_there_is_no_data_yet() -> None:
    assert source_description(DataSettings(), None, None, "#777777") == (
        "<b>No data yet.</b> Open a CSV file or pick a built-in dataset below.",
        "",
    )


def test_a_csv_source_names_the_file_its_size_encoding_and_delimiter() -> None:
    table = csv_table(classes_frame(1200))
    text, tip = source_description(DataSettings(source=CSV), table, None, "#777777")
    assert text == (
        "<b>phones.csv</b><br><span style='color:#777777;'>1,200 rows × 3 columns"
        " · utf-8, semicolon</span>"
    )
    assert tip == "/data/phones.csv\nEncoding utf-8, semicolon-separated"


def test_a_source_that_could_not_be_loaded_says_so() -> None:
    text, tip = source_description(DataSettings(source=CSV), None, "no such file", "#777777")
    assert text.endswith("could not be loaded</span>") and tip == "/data/phones.csv"


def test_a_builtin_source_is_named_by_its_label_with_its_help_as_tooltip() -> None:
    settings = DataSettings(source=DataSource(kind="builtin", name="xor"))
    text, tip = source_description(settings, None, None, "#777777")
    assert text == "<b>XOR (built-in)</b>"
    assert tip == DATASETS.get("xor").help


def test_a_dataset_help_says_where_its_rows_come_from() -> None:
    assert dataset_help(DATASETS.get("xor")).endswith(" Generated from a seed.")
    assert dataset_help(DATASETS.get("xor4")).endswith(" A fixed table, exactly as in the lessons.")
    assert dataset_help(DATASETS.get("iris")).endswith(" A real table bundled with scikit-learn.")


def test_the_dataset_button_offers_to_use_apply_or_says_in_use() -> None:
    xor = DataSettings(source=DataSource(kind="builtin", name="xor", params={"noise": 0.2}))
    defaults = DATASETS.get("xor").defaults()
    assert use_button_state(xor, "xor", {**defaults, "noise": 0.2})[:2] == ("In use", False)
    assert use_button_state(xor, "xor", defaults)[:2] == ("Apply changes", True)
    assert use_button_state(xor, "moons", defaults) == (
        "Use this dataset",
        True,
        "Replace the project's data with this dataset.",
    )


# --- the columns -----------------------------------------------------------------------------


def test_a_column_tooltip_gives_kind_range_examples_and_problem() -> None:
    frame = pd.DataFrame({"ram <GB>": ["4", "8", "abc", "4"]})
    info = describe_columns(frame, {"ram <GB>": "numeric"})[0]
    lines = column_tooltip(info, "#ff0000").split("<br>")
    assert lines[0] == f"<b>ram &lt;GB&gt;</b> (numeric, {info.dtype})"
    assert lines[-1] == f"<span style='color:#ff0000;'>{info.problem}</span>"
    assert info.problem and "abc" in info.problem
    numbers = describe_columns(pd.DataFrame({"x": [1.5, 3.0, 3.0]}))[0]
    assert column_tooltip(numbers, "#ff0000").split("<br>")[1:] == [
        "Range: 1.5 … 3",
        "2 different values, e.g. 1.5, 3",
    ]


def test_a_kind_tooltip_says_what_was_detected_and_whether_the_user_overrode_it() -> None:
    info = describe_columns(pd.DataFrame({"x": [1, 2]}))[0]
    assert kind_tooltip(info, "numeric", False) == (
        "Detected: numeric. Numeric columns are used as numbers; categorical ones as category "
        "names (one-hot encoded)."
    )
    assert kind_tooltip(info, "numeric", True).startswith("Detected: numeric. Overridden by you. ")


def test_missing_and_role_tooltips() -> None:
    assert missing_tooltip(0) == "No empty cells"
    assert missing_tooltip(3) == "3 empty cells"
    assert role_tooltip("target") == "The target: what the network learns to predict."
    assert role_tooltip("ignored") == "Ignored: not given to the network."
    assert role_tooltip("input") == "A feature: one of the network's inputs."


ROLES = {"id": "ignored", "a": "input", "b": "input", "y": "target"}


def test_a_new_target_replaces_the_old_and_forgets_its_class_order_and_task() -> None:
    edit = role_edit(DataSettings(ignored=("id",), task="regression"), ROLES, "a", "target")
    assert edit.text == "Make 'a' the target"
    assert edit.changes == {
        "targets": ("a",),
        "ignored": ("id",),
        "class_order": (),
        "task": "auto",
    }


def test_a_column_can_be_ignored_or_used_again_as_a_feature() -> None:
    settings = DataSettings(ignored=("id",))
    assert role_edit(settings, ROLES, "b", "ignored").changes == {
        "targets": ("y",),
        "ignored": ("id", "b"),
    }
    back = role_edit(settings, ROLES, "id", "input")
    assert back.text == "Use 'id' as a feature"
    assert back.changes == {"targets": ("y",), "ignored": ()}


def test_the_only_target_cannot_stop_being_the_target() -> None:
    edit = role_edit(DataSettings(), ROLES, "y", "ignored")
    assert edit.refused == "'y' is the target. To change it, set another column's role to target."
    assert edit.changes == {}
    two = {**ROLES, "a": "target"}
    assert role_edit(DataSettings(targets=("a", "y")), two, "y", "input").changes == {
        "targets": ("a",),
        "ignored": (),
    }


def test_the_preview_caption_counts_rows_and_explains_the_tints() -> None:
    assert preview_caption(None) == ""
    assert preview_caption(csv_table(classes_frame(1500))).startswith("1,500 rows · blue: target")


# --- the summary -----------------------------------------------------------------------------


def test_the_summary_counts_rows_features_and_classes() -> None:
    prepared = prepare(classes_frame(), DataSettings(split=(0.75, 0.25, 0.0)))
    assert (
        summary_text(prepared) == "30 train · 10 validation · 0 test · 2 features · 2 classes: 0, 1"
    )
    assert summary_tooltip(prepared) == "Inputs after encoding: a, b"


def test_a_regression_summary_names_its_target() -> None:
    frame = pd.DataFrame({"x": np.linspace(0, 1, 20), "price": np.linspace(0, 3.5, 20)})
    prepared = prepare(frame, DataSettings(split=(0.5, 0.5, 0.0)))
    assert summary_text(prepared).endswith("· 1 feature · regression of price")


def test_the_summary_says_why_there_is_no_prepared_data() -> None:
    assert unprepared_text("bad cell", "csv") == (
        "The data cannot be prepared yet: see the problem above."
    )
    assert unprepared_text(None, "none") == "No data yet."
    assert unprepared_text(None, "csv") == "Not prepared."


# --- the banner ------------------------------------------------------------------------------


def messy() -> tuple[Table, list]:
    frame = pd.DataFrame(
        {
            "id": [1, 2, None, 4],
            "f1": [0.5, None, None, 1.0],
            "f2": ["1", "x", "3", "4"],
            "label": [0, 1, 0, 1],
        }
    )
    table = csv_table(frame, warnings=["the first row looked like data"])
    return table, describe_columns(frame, {"f2": "numeric"})


def test_the_banner_reports_junk_and_empty_cells_that_will_block_preparation() -> None:
    table, infos = messy()
    roles = {"id": "ignored", "f1": "input", "f2": "input", "label": "target"}
    messages = banner_messages(
        notice=None,
        data_error=None,
        table=table,
        columns=list(table.frame.columns),
        infos=infos,
        roles=roles,
        missing="refuse",
        prepared=None,
    )
    junk = next(i for i in infos if i.name == "f2")
    assert messages == [
        BannerMessage(
            "error",
            "Column 'f1' has 2 empty cells (rows 2, 3); choose what to do with missing values "
            "under Preparation",
            "f1",
            2,
        ),
        BannerMessage("error", f"Column 'f2', {junk.problem}", "f2", 2),
        BannerMessage("info", "phones.csv: the first row looked like data"),
    ]


def test_the_banner_puts_the_notice_and_the_core_error_first_and_never_says_a_column_twice() -> (
    None
):
    table, infos = messy()
    roles = {"id": "input", "f1": "input", "f2": "input", "label": "target"}
    notice = BannerMessage("info", "'label' is the target.")
    messages = banner_messages(
        notice=notice,
        data_error="f2: column 'f2', row 2: 'x' is not a number",
        table=table,
        columns=list(table.frame.columns),
        infos=infos,
        roles=roles,
        missing="mean",
        prepared=None,
    )
    assert messages[:2] == [
        notice,
        BannerMessage("error", "column 'f2', row 2: 'x' is not a number", "f2", 2),
    ]
    assert [m.column for m in messages].count("f2") == 1
    # Filling missing values: empty cells block nothing.
    assert not any("empty" in m.text for m in messages)


def test_preparation_warnings_are_capitalised_and_point_at_their_column() -> None:
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "label": ["x", "x", "x", "x", "x", "y"]})
    prepared = prepare(frame, DataSettings(split=(0.5, 0.5, 0.0), stratify=True))
    assert prepared.warnings
    messages = banner_messages(
        notice=None,
        data_error=None,
        table=None,
        columns=["a", "label"],
        infos=[],
        roles={},
        missing="refuse",
        prepared=prepared,
    )
    assert [m.level for m in messages] == ["warning"] * len(prepared.warnings)
    assert messages[0].text == capitalize(prepared.warnings[0])


def test_a_core_errors_where_prefix_goes_when_the_message_names_the_place() -> None:
    table = csv_table(classes_frame())
    assert strip_where("a: column 'a' is empty", ["a"], table) == "column 'a' is empty"
    assert strip_where("/data/phones.csv: not a table", [], table) == "not a table"
    assert strip_where("split: too few rows", ["a"], table) == "split: too few rows"
    assert strip_where("no separator here", ["a"], table) == "no separator here"
    assert capitalize("too few rows") == "Too few rows" and capitalize("") == ""


# --- the scatter plot ------------------------------------------------------------------------


def test_two_numeric_inputs_are_drawn_with_their_raw_values_coloured_by_class() -> None:
    frame = classes_frame()
    prepared = prepare(frame, DataSettings(split=(0.75, 0.25, 0.0), scaling="standard"))
    data = scatter_data(prepared, frame)
    assert data.names == ["a", "b"]
    np.testing.assert_array_equal(data.x, frame["a"].to_numpy()[prepared.index_train])
    np.testing.assert_array_equal(data.y, frame["b"].to_numpy()[prepared.index_train])
    assert data.labels == ["0", "1"]
    assert data.color.tolist() == frame["label"].to_numpy()[prepared.index_train].tolist()
    assert data.caption == "30 training rows, raw values; colour shows the class"


def test_without_the_table_the_prepared_values_are_drawn() -> None:
    frame = classes_frame()
    prepared = prepare(frame, DataSettings(split=(0.75, 0.25, 0.0), scaling="standard"))
    data = scatter_data(prepared, None)
    np.testing.assert_allclose(data.x, prepared.x_train[:, 0].numpy())
    assert data.caption.startswith("30 training rows, prepared values")


def test_a_regression_scatter_plot_is_coloured_by_the_target() -> None:
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2, "y": np.arange(10.0)})
    prepared = prepare(frame, DataSettings(split=(1.0, 0.0, 0.0)))
    data = scatter_data(prepared, frame)
    assert data.labels is None
    assert data.caption == "10 training rows, raw values; colour shows y (0 dark … 9 light)"


def test_only_data_with_two_inputs_has_a_scatter_plot() -> None:
    frame = classes_frame().assign(c=1.0)
    prepared = prepare(frame, DataSettings(targets=("label",), split=(1.0, 0.0, 0.0)))
    assert scatter_data(prepared, frame) is None
    assert scatter_data(None, frame) is None


def test_a_big_dataset_draws_an_evenly_spaced_subset(monkeypatch) -> None:
    monkeypatch.setattr(presenter, "MAX_SCATTER_POINTS", 10)
    frame = classes_frame(40)
    prepared = prepare(frame, DataSettings(split=(1.0, 0.0, 0.0)))
    data = scatter_data(prepared, frame)
    assert len(data.x) == 10
    assert data.caption.startswith("10 of 40 training rows")
    assert MAX_SCATTER_POINTS == 5000


def test_a_class_named_by_a_bare_number_is_called_class_n_in_the_legend() -> None:
    assert scatter_name("3") == "class 3"
    assert scatter_name("-1") == "class -1"
    assert scatter_name("setosa") == "setosa"

"""The data half of the exported script: read, clean, split, fit and encode like NN Studio.

The script reads the data with pandas, not with NN Studio's own CSV reader, so before writing
it the exporter reads the file the way the script will and checks that every used column comes
out the same (numbers bit for bit, category and class names letter for letter). A file pandas
reads differently is refused with a message instead of giving a script that silently trains
on other numbers.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.data import DATASETS, PreparedData, Table
from nnstudio.core.data.columns import analyze_column
from nnstudio.core.data.data_settings import DataSettings
from nnstudio.core.errors import ExportError
from nnstudio.core.export.codegen import (
    INDENT,
    assign_dict,
    assign_list,
    call,
    comment,
    docstring,
    lit,
    string,
    with_comment,
)
from nnstudio.i18n import _

#: scikit-learn loaders for the bundled datasets: (function, class names as text, kwargs).
#: A built-in dataset missing here is written as a CSV beside the script instead.
BUNDLED: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "iris": ("load_iris", True, {}),
    "wine": ("load_wine", True, {}),
    "breast_cancer": ("load_breast_cancer", True, {}),
    "digits": ("load_digits", False, {}),
    "diabetes": ("load_diabetes", False, {"scaled": False}),
}

_ENCODING_NOTES = {
    "gb18030": "GB18030, a superset of GBK: Chinese Windows and Excel save CSV files so",
    "gbk": "GBK: Chinese Windows and Excel save CSV files so",
    "utf-8-sig": "UTF-8 with a byte-order mark, as Excel saves 'CSV UTF-8'",
}
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


@dataclass
class DataCode:
    """Generated data section plus files to write beside the script."""

    lines: list[str]
    #: file name (beside the script) → table to write as UTF-8 CSV.
    files: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Short description of where the data comes from, for the header.
    origin: str = ""


@dataclass
class _Read:
    """How the script reads a CSV (arguments of ``pd.read_csv`` and column fixes)."""

    path_expr: str
    path_note: str
    kwargs: list[tuple[str, str, str | None]]
    strip_names: bool = False


def data_section(
    settings: DataSettings, table: Table, prepared: PreparedData, script: Path
) -> DataCode:
    """Constants and functions ``load_table``, ``fit_inputs``, ``encode_inputs``,
    ``prepare_data`` reproducing ``prepare(table, settings)``."""
    pre = prepared.preprocessor
    classification = prepared.task == "classification"
    targets = list(prepared.target_names)
    features = pre.feature_columns
    categories = {c.name: list(c.categories) for c in pre.columns if c.kind == "categorical"}
    label_columns = [*categories, *(targets if classification else [])]
    files: dict[str, pd.DataFrame] = {}
    source = settings.source
    lines: list[str] = []

    if source.kind == "builtin" and source.name in BUNDLED:
        loader, _target, _names = BUNDLED[source.name]
        load_lines = _bundled_loader(source.name, classification)
        origin = f"scikit-learn's bundled {DATASETS.get(source.name).label} table, {loader}"
        fixes: dict[str, str] = {}
        if classification and not BUNDLED[source.name][1]:
            fixes[targets[0]] = "str"
        read = None
    else:
        if source.kind == "builtin":
            name = f"{script.stem}_data.csv"
            files[name] = table.frame
            read = _Read(
                path_expr=f"Path(__file__).parent / {string(name)}",
                path_note=(
                    f"The {DATASETS.get(source.name).label} table NN Studio generated for "
                    f"this project (same parameters and seed), saved beside this script."
                ),
                kwargs=[],
            )
            origin = f"{name} (NN Studio's generated {DATASETS.get(source.name).label} data)"
            text = table.frame.to_csv(index=False)
            frame = pd.read_csv(io.StringIO(text), **_read_kwargs(read))
        else:
            assert table.path is not None
            csv_path = Path(table.path)
            read = _csv_read(table, csv_path, script)
            origin = csv_path.name
            frame = _dry_read(table, read)
        fixes = _label_fixes(frame, label_columns)
        _check_same(table, frame, fixes, [*features, *targets], label_columns)
        load_lines = _csv_loader(read, fixes)

    lines += ["# --- the data " + "-" * 74, ""]
    if read is not None:
        lines += comment(read.path_note)
        lines.append(f"DATA_FILE = {read.path_expr}")
    lines += _column_constants(settings, prepared, features, targets, categories)
    lines += ["", ""]
    if any(kind == "float" for kind in fixes.values()):
        lines += [*_AS_LABEL, "", ""]
    lines += [*load_lines, "", ""]
    lines += [*_fit_inputs(pre, categories), "", ""]
    lines += [*_encode_inputs(pre, categories), "", ""]
    lines += _prepare_data(settings, prepared)
    return DataCode(lines, files, origin)


_AS_LABEL = [
    "def as_label(value: float) -> str:",
    *docstring(
        'A number used as a category or class name, written as NN Studio writes it: 3.0 → "3".',
        1,
    ),
    "    number = float(value)",
    "    return str(int(number)) if number.is_integer() else repr(number)",
]


# --- reading -------------------------------------------------------------------------------


def _csv_read(table: Table, csv_path: Path, script: Path) -> _Read:
    try:
        relative = os.path.relpath(csv_path, script.parent.resolve())
    except ValueError:  # another drive on Windows
        relative = None
    encoding = table.encoding
    delimiter = table.delimiter
    how = _ENCODING_NOTES.get(encoding.lower(), encoding)
    note = (
        f"The CSV file NN Studio read ({how}; fields separated by "
        f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))})"
    )
    if relative is not None:
        expr = f"Path(__file__).parent / {string(relative.replace(os.sep, '/'))}"
        note += ", found relative to this script's folder."
    else:
        expr = f"Path({string(csv_path.as_posix())})"
        note += "."
    kwargs: list[tuple[str, str, str | None]] = [
        ("encoding", lit(encoding), None),
        ("sep", lit(delimiter), None),
    ]
    if not table.has_header:
        kwargs += [
            ("header", "None", "the first line already holds data"),
            ("names", lit(list(table.frame.columns)), None),
        ]
    return _Read(expr, note, kwargs)


def _read_kwargs(read: _Read) -> dict[str, Any]:
    import ast

    return {k: ast.literal_eval(v) for k, v, _ in read.kwargs}


def _dry_read(table: Table, read: _Read) -> pd.DataFrame:
    """Read the CSV exactly as the script will (adding ``decimal=","`` or name stripping
    to ``read`` when the file needs them)."""
    assert table.path is not None
    kwargs = _read_kwargs(read)
    try:
        frame = pd.read_csv(table.path, **kwargs)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ExportError(
            _(
                "pandas cannot read {file} the way NN Studio does ({problem}); save it as a "
                "plain CSV file"
            ).format(file=Path(table.path).name, problem=exc)
        ) from None
    names = [str(c) for c in frame.columns]
    wanted = [str(c) for c in table.frame.columns]
    if names != wanted and [n.strip() for n in names] == wanted:
        read.strip_names = True
        frame.columns = [n.strip() for n in names]
    if kwargs.get("sep") != ",":
        numeric = [c for c in wanted if pd.api.types.is_numeric_dtype(table.frame[c].dtype)]
        if any(not pd.api.types.is_numeric_dtype(frame[c].dtype) for c in numeric if c in frame):
            again = pd.read_csv(table.path, decimal=",", **kwargs)
            if read.strip_names:
                again.columns = [str(n).strip() for n in again.columns]
            if all(pd.api.types.is_numeric_dtype(again[c].dtype) for c in numeric if c in again):
                read.kwargs.insert(2, ("decimal", lit(","), "decimal commas, as in 3,5"))
                frame = again
    return frame


def _label_fixes(frame: pd.DataFrame, columns: list[str]) -> dict[str, str]:
    """How each category/class column becomes NN Studio's text: "str", "float", "strip"."""
    fixes = {}
    for name in columns:
        if name not in frame:
            continue
        dtype = frame[name].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            fixes[name] = "str"
        elif pd.api.types.is_float_dtype(dtype):
            fixes[name] = "float"
        else:
            values = frame[name].dropna()
            if any(str(v) != str(v).strip() for v in values):
                fixes[name] = "strip"
    return fixes


def _apply_fix(series: pd.Series, fix: str | None) -> list[str | None]:
    """What the script's fix produces, as a list with None for empty cells."""
    if fix == "str":
        out = series.astype(str)
    elif fix == "float":
        out = series.map(
            lambda v: str(int(v)) if float(v).is_integer() else repr(float(v)), na_action="ignore"
        )
    elif fix == "strip":
        out = series.str.strip()
    else:
        out = series
    return [None if pd.isna(v) else str(v) for v in out.tolist()]


def _check_same(
    table: Table,
    frame: pd.DataFrame,
    fixes: dict[str, str],
    used: list[str],
    label_columns: list[str],
) -> None:
    """Refuse to export when pandas would read a used column differently from NN Studio."""
    label = table.label
    if len(frame) != len(table.frame):
        raise ExportError(
            _(
                "pandas reads {theirs} rows from {file} but NN Studio reads {ours}; remove blank "
                "or broken lines from the file"
            ).format(theirs=len(frame), file=label, ours=len(table.frame))
        )
    for name in used:
        if name not in frame:
            raise ExportError(
                _("pandas does not find column {name!r} in {file}; check the header line").format(
                    name=name, file=label
                )
            )
        if name in label_columns:
            ours = analyze_column(table.frame[name], "categorical").labels
            theirs = _apply_fix(frame[name], fixes.get(name))
            if ours != theirs:
                first = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b)
                raise ExportError(
                    _(
                        "pandas reads column {name!r} of {file} differently from NN Studio (row "
                        "{row}: {theirs!r}, not {ours!r}); make the cells plain text or numbers"
                    ).format(
                        name=name, file=label, row=first + 1, theirs=theirs[first], ours=ours[first]
                    )
                )
            continue
        ours_num = analyze_column(table.frame[name], "numeric").numbers
        series = frame[name]
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
            series.dtype
        ):
            raise ExportError(
                _(
                    "pandas does not read column {name!r} of {file} as numbers; write empty "
                    "cells as nothing (not as text) and use plain numbers"
                ).format(name=name, file=label)
            )
        theirs_num = series.to_numpy(dtype="float64", na_value=np.nan)
        if not np.array_equal(ours_num, theirs_num, equal_nan=True):
            raise ExportError(
                _(
                    "pandas reads the numbers of column {name!r} of {file} differently from NN "
                    "Studio; use plain numbers"
                ).format(name=name, file=label)
            )


def _csv_loader(read: _Read, fixes: dict[str, str]) -> list[str]:
    lines = ["def load_table() -> pd.DataFrame:"]
    lines += docstring("The table as NN Studio reads it: one row per data line.", 1)
    pad = INDENT * 2
    args = ["DATA_FILE", *(f"{k}={v}" for k, v, _ in read.kwargs)]
    one = call("table", "pd.read_csv", args, 1)
    if len(one) == 1:
        lines += one
    else:
        lines.append(f"{INDENT}table = pd.read_csv(")
        lines.append(f"{pad}DATA_FILE,")
        for key, value, note in read.kwargs:
            lines += with_comment(f"{key}={value},", note, 2)
        lines.append(f"{INDENT})")
    if read.strip_names:
        lines += comment("Column names without the spaces around them.", 1)
        lines.append(f"{INDENT}table.columns = table.columns.str.strip()")
    lines += _fix_lines(fixes)
    lines.append(f"{INDENT}return table")
    return lines


def _fix_lines(fixes: dict[str, str]) -> list[str]:
    if not fixes:
        return []
    lines = comment(
        'Category and class names are text, as in NN Studio ("3", not 3).',
        1,
    )
    for name, fix in fixes.items():
        col = f"table[{string(name)}]"
        expr = {
            "str": f"{col}.astype(str)",
            "float": f'{col}.map(as_label, na_action="ignore")',
            "strip": f"{col}.str.strip()",
        }[fix]
        lines.append(f"{INDENT}{col} = {expr}")
    return lines


def _bundled_loader(name: str, classification: bool) -> list[str]:
    loader, names, kwargs = BUNDLED[name]
    label = DATASETS.get(name).label
    args = ["as_frame=True", *(f"{k}={lit(v)}" for k, v in kwargs.items())]
    lines = ["def load_table() -> pd.DataFrame:"]
    lines += docstring(f"The {label} table, built as NN Studio builds it (scikit-learn's copy).", 1)
    lines += call("bunch", loader, args, 1)
    lines.append(f"{INDENT}table = bunch.data.copy()")
    if names:
        lines += with_comment(
            "table[TARGET] = bunch.target_names[bunch.target]", "class names, not 0, 1, 2", 1
        )
    else:
        lines.append(
            f"{INDENT}table[{'TARGET' if classification else 'TARGETS[0]'}] = bunch.target"
        )
        if classification:
            lines += comment('Class names are text, as NN Studio reads them ("3", not 3).', 1)
            lines.append(f"{INDENT}table[TARGET] = table[TARGET].astype(str)")
    lines.append(f"{INDENT}return table")
    return lines


# --- constants -----------------------------------------------------------------------------


def _column_constants(
    settings: DataSettings,
    prepared: PreparedData,
    features: list[str],
    targets: list[str],
    categories: dict[str, list[str]],
) -> list[str]:
    lines: list[str] = []
    if settings.ignored:
        shown = ", ".join(repr(c) for c in settings.ignored)
        lines += comment(f"Ignored columns (not used): {shown}.")
    lines += _with_note(assign_list("FEATURES", features), "input columns, in order")
    if prepared.task == "classification":
        lines += with_comment(f"TARGET = {lit(targets[0])}", "the column to predict")
    else:
        lines += _with_note(assign_list("TARGETS", targets), "the columns to predict")
    if categories:
        lines += comment(
            "Categorical inputs: one network input per category (one-hot), in the order "
            "NN Studio learnt them from the training rows."
        )
        lines += assign_dict("CATEGORIES", categories)
    if prepared.task == "classification":
        why = (
            "in the order chosen in NN Studio"
            if settings.class_order
            else "sorted, as NN Studio orders them"
        )
        lines += comment(
            f"Class names by class id ({why}): class 0 is {prepared.class_names[0]!r}."
        )
        lines += assign_list("CLASS_NAMES", list(prepared.class_names))
    lines += with_comment(
        f"SPLIT_SEED = {settings.seed}", "random_state of train_test_split (the data seed)"
    )
    return lines


def _with_note(lines: list[str], note: str) -> list[str]:
    if len(lines) == 1:
        out = with_comment(lines[0], note)
        return out
    return [*comment(note.capitalize() + "."), *lines]


# --- fitting and encoding ------------------------------------------------------------------


def _fit_inputs(pre: Any, categories: dict[str, list[str]]) -> list[str]:
    missing, scaling = pre.missing, pre.scaling
    fills = missing in ("mean", "most_frequent")
    has_numeric = any(c.kind == "numeric" for c in pre.columns)
    lines = ["def fit_inputs(train: pd.DataFrame) -> dict:"]
    needs = (fills) or (has_numeric and scaling != "none")
    if not needs:
        lines += docstring(
            "What preparing the inputs needs to learn from the training rows: nothing here "
            "(no scaling, no empty cells to fill).",
            1,
        )
        lines.append(f"{INDENT}return {{}}")
        return lines
    lines += docstring(
        "What preparing the inputs needs, learnt from the training rows only.\n\n"
        "Validation and test rows are then prepared exactly like new data the model will "
        "meet later: their own means or categories never leak into training.",
        1,
    )
    p1, p2 = INDENT, INDENT * 2
    lines.append(f"{p1}recipe = {{}}")
    lines.append(f"{p1}for name in FEATURES:")
    if categories:
        lines.append(f"{p2}if name in CATEGORIES:")
        if fills:
            lines += with_comment(
                'recipe[name] = {"fill": train[name].mode().iloc[0]}',
                "empty cells get the commonest category",
                3,
            )
        lines.append(f"{p2}{INDENT}continue")
    if not has_numeric:
        lines.append(f"{p1}return recipe")
        return lines
    lines.append(f'{p2}values = train[name].to_numpy(dtype="float64")')
    lines.append(f"{p2}step = {{}}")
    if fills:
        if missing == "mean":
            lines += with_comment(
                'step["fill"] = np.nanmean(values)', "empty cells get the training mean", 2
            )
        else:
            lines += with_comment(
                'step["fill"] = pd.Series(values).mode().iloc[0]',
                "empty cells get the commonest value",
                2,
            )
        lines.append(f'{p2}values = np.where(np.isnan(values), step["fill"], values)')
    if scaling == "standard":
        lines += comment(
            "Standardise: (value - mean) / standard deviation, like scikit-learn's "
            "StandardScaler; a constant column keeps the scale 1.",
            2,
        )
        lines.append(f"{p2}std = values.std()")
        lines.append(f'{p2}step["center"] = values.mean()')
        lines.append(f'{p2}step["scale"] = std if std > 0 else 1.0')
    elif scaling == "minmax":
        lines += comment(
            "Min-max scaling: (value - min) / (max - min), so the training rows span 0 to 1; "
            "a constant column keeps the scale 1.",
            2,
        )
        lines.append(f"{p2}span = values.max() - values.min()")
        lines.append(f'{p2}step["center"] = values.min()')
        lines.append(f'{p2}step["scale"] = span if span > 0 else 1.0')
    lines.append(f"{p2}recipe[name] = step")
    lines.append(f"{p1}return recipe")
    return lines


def _encode_inputs(pre: Any, categories: dict[str, list[str]]) -> list[str]:
    fills = pre.missing in ("mean", "most_frequent")
    scaling = pre.scaling
    has_numeric = any(c.kind == "numeric" for c in pre.columns)
    p1, p2, p3 = INDENT, INDENT * 2, INDENT * 3
    lines = ["def encode_inputs(table: pd.DataFrame, recipe: dict) -> np.ndarray:"]
    lines += docstring(
        "Network inputs (float32, one row per table row), computed as NN Studio does.", 1
    )
    if not categories and not fills and scaling == "none":
        lines += comment("The numbers are used as they are (no scaling).", 1)
        lines.append(f'{p1}return table[FEATURES].to_numpy(dtype="float64").astype("float32")')
        return lines
    lines.append(f"{p1}columns = []")
    lines.append(f"{p1}for name in FEATURES:")
    if categories:
        lines.append(f"{p2}if name in CATEGORIES:")
        lines += comment(
            "One-hot: one input per category, 1 where the row holds it (a category "
            "never seen in training gives all zeros).",
            3,
        )
        source = 'table[name].fillna(recipe[name]["fill"])' if fills else "table[name]"
        lines.append(f"{p3}labels = {source}.to_numpy(dtype=object)")
        lines.append(f"{p3}known = np.array(CATEGORIES[name], dtype=object)")
        lines.append(f'{p3}columns.append((labels[:, None] == known).astype("float64"))')
        lines.append(f"{p3}continue")
    if has_numeric:
        lines.append(f'{p2}values = table[name].to_numpy(dtype="float64")')
        if fills:
            lines.append(f'{p2}values = np.where(np.isnan(values), recipe[name]["fill"], values)')
        if scaling != "none":
            lines.append(
                f'{p2}columns.append((values - recipe[name]["center"]) / recipe[name]["scale"])'
            )
        else:
            lines.append(f"{p2}columns.append(values)")
    lines.append(f'{p1}return np.column_stack(columns).astype("float32")')
    return lines


# --- splitting -----------------------------------------------------------------------------


def _prepare_data(settings: DataSettings, prepared: PreparedData) -> list[str]:
    classification = prepared.task == "classification"
    pre = prepared.preprocessor
    p1, p2 = INDENT, INDENT * 2
    lines = ["def prepare_data() -> dict:"]
    lines += docstring(
        "Rows → tensors for training, validation and test, as NN Studio makes them.",
        1,
    )
    lines.append(f"{p1}table = load_table()")
    used = "[*FEATURES, TARGET]" if classification else "[*FEATURES, *TARGETS]"
    target_list = "[TARGET]" if classification else "TARGETS"
    if pre.missing == "drop":
        lines += comment("Rows with an empty cell in a used column are dropped.", 1)
        lines.append(f"{p1}table = table.dropna(subset={used}).reset_index(drop=True)")
    elif pre.missing in ("mean", "most_frequent"):
        lines += comment(
            "Rows without a target are dropped; empty input cells are filled later "
            "(see fit_inputs).",
            1,
        )
        lines.append(f"{p1}table = table.dropna(subset={target_list}).reset_index(drop=True)")
    if classification:
        lines += comment("Class names → class ids (the position in CLASS_NAMES).", 1)
        lines.append(f"{p1}class_ids = {{name: i for i, name in enumerate(CLASS_NAMES)}}")
        lines.append(f'{p1}y = table[TARGET].map(class_ids).to_numpy(dtype="int64")')
    else:
        lines += comment("Target values as float32 columns.", 1)
        lines.append(f'{p1}y = table[TARGETS].to_numpy(dtype="float64").astype("float32")')
    lines += ["", *_split_lines(settings, prepared), ""]
    lines += comment(
        "Fit on the training rows only, then prepare every part the same way.",
        1,
    )
    lines.append(f"{p1}recipe = fit_inputs(table.iloc[train_rows])")
    lines.append(f'{p1}data = {{"recipe": recipe}}')
    lines.append(f'{p1}parts = {{"train": train_rows, "val": val_rows, "test": test_rows}}')
    lines.append(f"{p1}for part, part_rows in parts.items():")
    lines.append(f"{p2}rows = table.iloc[part_rows]")
    lines.append(f'{p2}data[f"table_{{part}}"] = rows')
    lines.append(f'{p2}data[f"x_{{part}}"] = torch.from_numpy(encode_inputs(rows, recipe))')
    lines.append(f'{p2}data[f"y_{{part}}"] = torch.from_numpy(y[part_rows])')
    lines.append(f"{p1}return data")
    return lines


def _split_lines(settings: DataSettings, prepared: PreparedData) -> list[str]:
    train_f, val_f, test_f = settings.split
    p1 = INDENT
    stratify = prepared.stratified
    classification = prepared.task == "classification"
    lines = [f"{p1}rows = np.arange(len(table))"]
    if val_f == 0 and test_f == 0:
        lines += comment("Every row trains: there are no validation or test rows.", 1)
        lines.append(f"{p1}train_rows, val_rows, test_rows = rows, rows[:0], rows[:0]")
        return lines
    strat = ", stratify=y" if stratify else ""
    if stratify:
        keep = " keeping the class proportions in every part (stratify),"
    elif classification and settings.stratify:
        keep = (
            " at random (NN Studio could not keep the class proportions: a class has too few rows),"
        )
    else:
        keep = ""
    if val_f == 0 or test_f == 0:
        other = "val_rows" if test_f == 0 else "test_rows"
        empty = "test_rows" if test_f == 0 else "val_rows"
        part = "validation" if test_f == 0 else "test"
        lines += comment(
            f"Split the rows as NN Studio does: {train_f:g} for training, the rest for "
            f"{part},{keep} with scikit-learn's train_test_split and the data seed.",
            1,
        )
        lines += call(
            f"train_rows, {other}",
            "train_test_split",
            ["rows", f"train_size={lit(train_f)}", "random_state=SPLIT_SEED" + strat],
            1,
        )
        lines.append(f"{p1}{empty} = rows[:0]")
        return lines
    lines += comment(
        f"Split the rows as NN Studio does, with scikit-learn's train_test_split and the "
        f"data seed,{keep} first taking off the test rows ({test_f:g}), then splitting "
        f"the rest into training and validation (validation gets {val_f:g} of all rows).",
        1,
    )
    lines += call(
        "rest, test_rows",
        "train_test_split",
        ["rows", f"test_size={lit(test_f)}", "random_state=SPLIT_SEED" + strat],
        1,
    )
    strat_rest = ", stratify=y[rest]" if stratify else ""
    lines += call(
        "train_rows, val_rows",
        "train_test_split",
        [
            "rest",
            f"test_size={lit(val_f)} / ({lit(train_f)} + {lit(val_f)})",
            "random_state=SPLIT_SEED" + strat_rest,
        ],
        1,
    )
    return lines


__all__ = ["BUNDLED", "DataCode", "data_section"]

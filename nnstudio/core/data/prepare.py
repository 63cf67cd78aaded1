"""Settings + table → tensors ready for training: the one entry point, :func:`prepare`.

Order of work, and why: check every used column first (junk, infinities, missing values), so
the user hears about a bad cell before anything is computed; drop rows only when asked; split
the remaining rows; fit the :class:`Preprocessor` on the training rows alone; then encode every
part with it, exactly as new data will be encoded after training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from nnstudio.core.data.columns import (
    MAX_AUTO_CLASSES,
    MAX_FORCED_CLASSES,
    ColumnValues,
    analyze_column,
    format_label,
    looks_like_classes,
    quote,
    resolve_targets,
    rows_text,
    sorted_labels,
)
from nnstudio.core.data.data_settings import DataSettings
from nnstudio.core.data.preprocess import Preprocessor
from nnstudio.core.data.split import split_positions
from nnstudio.core.data.table import Table
from nnstudio.core.errors import DataError

#: One-hot encoding a column with more categories than this is refused (memory, and nothing
#: useful can be learnt from an identifier).
MAX_CATEGORIES = 1000
#: Categorical inputs with more values than this (and than half the rows) get a warning.
MANY_CATEGORIES = 50


@dataclass
class PreparedData:
    """Everything training needs, plus what the GUI shows about the data."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    #: Network input names after one-hot encoding, e.g. "品牌=苹果".
    feature_names: list[str]
    target_names: list[str]
    #: Classification only: class id → name ("0" … "3", or "低端", "中端", "高端").
    class_names: list[str]
    task: str
    n_features: int
    n_classes: int
    n_targets: int
    preprocessor: Preprocessor
    #: Row positions (0-based) in the original table of each part.
    index_train: np.ndarray
    index_val: np.ndarray
    index_test: np.ndarray
    #: (min, max) of each numeric input column over the kept rows, before scaling.
    raw_ranges: dict[str, tuple[float, float]]
    warnings: list[str] = field(default_factory=list)
    #: Input column → "numeric" | "categorical", as used.
    column_kinds: dict[str, str] = field(default_factory=dict)
    stratified: bool = False

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.x_val.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])


def column_roles(
    frame: pd.DataFrame, settings: DataSettings, *, strict: bool = True
) -> dict[str, str]:
    """Each column's role: "target", "ignored" or "input" (for the data panel).

    The one rule for roles: the settings' targets (the last column when none are set), the
    ignored columns, and every other column an input. A stored target that ``frame`` lacks
    is refused, unless ``strict`` is False: then the other columns keep their roles (the data
    panel still shows a table whose target went missing, while the banner says why).
    """
    try:
        targets = set(resolve_targets(frame, settings.targets))
    except DataError:
        if strict:
            raise
        targets = set(settings.targets)
    roles = {}
    for name in map(str, frame.columns):
        roles[name] = (
            "target" if name in targets else "ignored" if name in settings.ignored else "input"
        )
    return roles


def _frame_and_label(table_or_frame: Table | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if isinstance(table_or_frame, Table):
        frame, label = table_or_frame.frame, table_or_frame.label
    elif isinstance(table_or_frame, pd.DataFrame):
        frame, label = table_or_frame, ""
    else:
        raise DataError(f"expected a table, not {type(table_or_frame).__name__}", where="data")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DataError(f"{label or 'the table'} has two columns named {quote(twice)}", where=twice)
    frame = frame.reset_index(drop=True)
    frame.columns = names
    return frame, label


def prepare(table_or_frame: Table | pd.DataFrame, settings: DataSettings) -> PreparedData:
    """Check, split, fit and encode; every user problem is a one-line DataError."""
    if not isinstance(settings, DataSettings):
        raise DataError(f"expected data settings, not {type(settings).__name__}", where="data")
    frame, label = _frame_and_label(table_or_frame)
    prefix = f"{label}, " if label else ""
    if len(frame) == 0:
        raise DataError(f"{label or 'the table'} has no data rows", where="data")
    targets = resolve_targets(frame, settings.targets)
    features = [n for n in frame.columns if n not in targets and n not in settings.ignored]
    if not features:
        raise DataError(
            "no input columns are left: every column is a target or ignored", where="ignored"
        )
    used = [n for n in frame.columns if n in targets or n in features]
    columns = {n: analyze_column(frame[n], settings.kinds.get(n)) for n in used}
    for name in used:
        columns[name].raise_problem(label)

    task = _task(settings, targets, columns, prefix)
    warnings: list[str] = []
    keep = _rows_to_keep(settings, features, targets, columns, prefix, warnings)
    positions = np.flatnonzero(keep)

    class_names: list[str] = []
    class_ids = None
    if task == "classification":
        class_names, class_ids = _classes(settings, frame, targets[0], positions, prefix, warnings)
    for name in features:
        column = columns[name]
        if column.kind != "categorical":
            continue
        n_values = len({column.labels[i] for i in positions} - {None})
        if n_values > MAX_CATEGORIES:
            raise DataError(
                f"{prefix}column {quote(name)} has {n_values} different values, too "
                "many to one-hot encode; ignore it or make it numeric",
                where=name,
            )
        if n_values > MANY_CATEGORIES and n_values > len(positions) / 2:
            warnings.append(
                f"column {quote(name)} has {n_values} different values among "
                f"{len(positions)} rows; one-hot encoding makes {n_values} inputs "
                "(an identifier column is better ignored)"
            )

    split = split_positions(
        positions,
        settings.split,
        seed=settings.seed,
        labels=class_ids if settings.stratify and task == "classification" else None,
        class_names=class_names,
    )
    warnings.extend(split.warnings)

    kinds = {n: columns[n].kind for n in features}
    preprocessor = Preprocessor.fit(
        frame.iloc[split.train],
        features=features,
        targets=targets,
        kinds=kinds,
        task=task,
        class_names=class_names,
        scaling=settings.scaling,
        missing=settings.missing,
    )

    parts = {}
    for part, rows in (("training", split.train), ("validation", split.val), ("test", split.test)):
        subset = frame.iloc[rows]
        numbers = rows + 1
        x = preprocessor.transform(subset, row_numbers=numbers)
        warnings.extend(f"{part} rows: {w}" for w in preprocessor.warnings)
        y = preprocessor.encode_targets(subset, row_numbers=numbers)
        parts[part] = (
            torch.from_numpy(np.ascontiguousarray(x)),
            torch.from_numpy(np.ascontiguousarray(y)),
        )
    preprocessor.warnings = []

    raw_ranges = {}
    for name in features:
        column = columns[name]
        if column.kind == "numeric":
            kept = column.numbers[positions]
            kept = kept[np.isfinite(kept)]
            if kept.size:
                raw_ranges[name] = (float(kept.min()), float(kept.max()))

    return PreparedData(
        x_train=parts["training"][0],
        y_train=parts["training"][1],
        x_val=parts["validation"][0],
        y_val=parts["validation"][1],
        x_test=parts["test"][0],
        y_test=parts["test"][1],
        feature_names=preprocessor.feature_names,
        target_names=list(targets),
        class_names=class_names,
        task=task,
        n_features=preprocessor.n_features,
        n_classes=len(class_names),
        n_targets=1 if task == "classification" else len(targets),
        preprocessor=preprocessor,
        index_train=split.train,
        index_val=split.val,
        index_test=split.test,
        raw_ranges=raw_ranges,
        warnings=warnings,
        column_kinds=kinds,
        stratified=split.stratified,
    )


def _task(
    settings: DataSettings, targets: list[str], columns: Mapping[str, ColumnValues], prefix: str
) -> str:
    target_columns = [columns[n] for n in targets]
    task = settings.task
    if task == "auto":
        if len(targets) > 1:
            task = "regression"
        else:
            task = "classification" if looks_like_classes(target_columns[0]) else "regression"
    if task == "regression":
        for column in target_columns:
            if column.kind == "categorical":
                examples = list(dict.fromkeys(t for t in column.labels if t is not None))[:3]
                shown = ", ".join(quote(t) for t in examples)
                advice = (
                    "choose classification"
                    if len(targets) == 1
                    else "several targets are predicted together only as numbers"
                )
                raise DataError(
                    f"{prefix}target column {quote(column.name)} holds text "
                    f"({shown}); regression needs numbers: {advice}",
                    where=column.name,
                )
        return task
    if len(targets) > 1:
        raise DataError(
            "classification predicts one target column; choose one target or regression",
            where="targets",
        )
    column = target_columns[0]
    if column.kind == "numeric":
        present = column.numbers[~column.missing]
        distinct = np.unique(present)
        whole = bool(np.all(np.floor(distinct) == distinct))
        if distinct.size > MAX_FORCED_CLASSES or (not whole and distinct.size > MAX_AUTO_CLASSES):
            raise DataError(
                f"{prefix}target column {quote(column.name)} holds "
                f"{distinct.size} different numbers, too many to treat as classes; "
                "choose regression",
                where=column.name,
            )
    return task


def _rows_to_keep(
    settings: DataSettings,
    features: list[str],
    targets: list[str],
    columns: Mapping[str, ColumnValues],
    prefix: str,
    warnings: list[str],
) -> np.ndarray:
    n = len(next(iter(columns.values())).missing)
    used = [name for name in columns if name in features or name in targets]
    if settings.missing == "refuse":
        for name in used:
            empty = np.flatnonzero(columns[name].missing)
            if empty.size:
                cells = "empty cell" if empty.size == 1 else "empty cells"
                raise DataError(
                    f"{prefix}column {quote(name)} has {empty.size} {cells} "
                    f"({rows_text(list(empty))}); choose what to do with missing values: drop "
                    "those rows, fill with the mean, or fill with the most frequent value",
                    where=name,
                )
        return np.ones(n, dtype=bool)
    keep = np.ones(n, dtype=bool)
    for name in targets:
        empty = columns[name].missing
        if empty.any():
            warnings.append(
                f"dropped {int(empty.sum())} rows whose target {quote(name)} is "
                f"empty ({rows_text(list(np.flatnonzero(empty)))})"
            )
            keep &= ~empty
    if settings.missing == "drop":
        empty = np.zeros(n, dtype=bool)
        for name in features:
            empty |= columns[name].missing
        empty &= keep
        if empty.any():
            warnings.append(
                f"dropped {int(empty.sum())} rows with empty cells "
                f"({rows_text(list(np.flatnonzero(empty)))})"
            )
            keep &= ~empty
    if not keep.any():
        raise DataError(
            f"{prefix}no rows are left after dropping the rows with empty cells", where="missing"
        )
    return keep


def _classes(
    settings: DataSettings,
    frame: pd.DataFrame,
    target: str,
    positions: np.ndarray,
    prefix: str,
    warnings: list[str],
) -> tuple[list[str], np.ndarray]:
    """Class names (id order) and the class id of each kept row."""
    labels = analyze_column(frame[target], "categorical").labels
    present = [labels[i] for i in positions]
    seen = sorted_labels(present)
    if settings.class_order:
        order = [format_label(c) for c in settings.class_order]
        unlisted = [c for c in seen if c not in order]
        if unlisted:
            raise DataError(
                f"{prefix}the class order does not list class {quote(unlisted[0])} "
                f"of column {quote(target)}; list every class: "
                f"{', '.join(seen[:20])}",
                where="class_order",
            )
        absent = [c for c in order if c not in seen]
        if absent:
            warnings.append(
                f"class {quote(absent[0])} of the class order never occurs in "
                f"column {quote(target)}"
            )
        names = order
    else:
        names = seen
    if len(names) < 2:
        raise DataError(
            f"{prefix}target column {quote(target)} holds only one class "
            f"({quote(names[0]) if names else 'none'}); a classifier needs at "
            "least two",
            where=target,
        )
    index = {name: i for i, name in enumerate(names)}
    return names, np.array([index[label] for label in present], dtype="int64")

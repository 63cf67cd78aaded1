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

from nnstudio.core.data.columns import (
    MAX_AUTO_CLASSES,
    MAX_FORCED_CLASSES,
    ColumnValues,
    analyze_column,
    format_label,
    format_numbers,
    in_file,
    looks_like_classes,
    quote,
    resolve_targets,
    rows_text,
    sorted_labels,
    stored_numbers,
)
from nnstudio.core.data.data_settings import DataSettings
from nnstudio.core.data.preprocess import Preprocessor
from nnstudio.core.data.split import split_positions
from nnstudio.core.data.table import Table
from nnstudio.core.errors import DataError
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, _, ngettext

torch = lazy_module("torch", globals())

#: One-hot encoding a column with more categories than this is refused (memory, and nothing
#: useful can be learnt from an identifier).
MAX_CATEGORIES = 1000
#: Categorical inputs with more values than this (and than half the rows) get a warning.
MANY_CATEGORIES = 50


class _Tensor:
    """A field given a numpy array or a tensor, read as a tensor (sharing the array's memory).

    Why: :func:`prepare` runs when a project opens, long before a run, in a process that is
    ready to train without importing torch (the training process imports it). The six parts
    stay numpy arrays until one is first read, then become ``torch.from_numpy`` views: no copy,
    the same values. Sizes (:attr:`PreparedData.n_train`) are read without converting.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> torch.Tensor:
        if obj is None:
            raise AttributeError(self.slot)  # a dataclass field without a default
        value = obj.__dict__[self.slot]
        if isinstance(value, np.ndarray):
            value = obj.__dict__[self.slot] = torch.from_numpy(value)
        return value

    def __set__(self, obj: object, value: np.ndarray | torch.Tensor) -> None:
        obj.__dict__[self.slot] = value


@dataclass
class PreparedData:
    """Everything training needs, plus what the GUI shows about the data."""

    x_train: torch.Tensor = _Tensor()  # type: ignore[assignment]
    y_train: torch.Tensor = _Tensor()  # type: ignore[assignment]
    x_val: torch.Tensor = _Tensor()  # type: ignore[assignment]
    y_val: torch.Tensor = _Tensor()  # type: ignore[assignment]
    x_test: torch.Tensor = _Tensor()  # type: ignore[assignment]
    y_test: torch.Tensor = _Tensor()  # type: ignore[assignment]
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

    def array(self, part: str) -> np.ndarray:
        """A part (``"x_train"``, ``"y_val"``, …) as a numpy array, without importing torch:
        the array it was made from, or the tensor's values (on the CPU) if given a tensor."""
        value = self.__dict__["_" + part]
        if isinstance(value, np.ndarray):
            return value
        return value.detach().cpu().numpy()

    def _rows(self, part: str) -> int:
        """A part's number of rows, without making it a tensor (see :class:`_Tensor`)."""
        return int(self.__dict__["_" + part].shape[0])

    @property
    def n_train(self) -> int:
        return self._rows("x_train")

    @property
    def n_val(self) -> int:
        return self._rows("x_val")

    @property
    def n_test(self) -> int:
        return self._rows("x_test")


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
        raise DataError(
            _("expected a table, not {type}").format(type=type(table_or_frame).__name__),
            where="data",
        )
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        message = (
            _("{label} has two columns named {name}")
            if label
            else _("the table has two columns named {name}")
        )
        raise DataError(message.format(label=label, name=quote(twice)), where=twice)
    frame = frame.reset_index(drop=True)
    frame.columns = names
    return frame, label


def prepare(table_or_frame: Table | pd.DataFrame, settings: DataSettings) -> PreparedData:
    """Check, split, fit and encode; every user problem is a one-line DataError."""
    if not isinstance(settings, DataSettings):
        raise DataError(
            _("expected data settings, not {type}").format(type=type(settings).__name__),
            where="data",
        )
    frame, label = _frame_and_label(table_or_frame)
    if len(frame) == 0:
        message = _("{label} has no data rows") if label else _("the table has no data rows")
        raise DataError(message.format(label=label), where="data")
    targets = resolve_targets(frame, settings.targets)
    features = [n for n in frame.columns if n not in targets and n not in settings.ignored]
    if not features:
        raise DataError(
            _("no input columns are left: every column is a target or ignored"), where="ignored"
        )
    used = [n for n in frame.columns if n in targets or n in features]
    columns = {n: analyze_column(frame[n], settings.kinds.get(n)) for n in used}
    for name in used:
        columns[name].raise_problem(label)

    task = _task(settings, targets, columns, label)
    warnings: list[str] = []
    keep = _rows_to_keep(settings, features, targets, columns, label, warnings)
    positions = np.flatnonzero(keep)

    class_names: list[str] = []
    class_ids = None
    if task == "classification":
        class_names, class_ids = _classes(settings, frame, targets[0], positions, label, warnings)
    for name in features:
        column = columns[name]
        if column.kind != "categorical":
            continue
        n_values = len({column.labels[i] for i in positions} - {None})
        if n_values > MAX_CATEGORIES:
            message = _(
                "column {name} has {n} different values, too many to one-hot encode; ignore it "
                "or make it numeric"
            ).format(name=quote(name), n=n_values)
            raise DataError(in_file(label, message), where=name)
        if n_values > MANY_CATEGORIES and n_values > len(positions) / 2:
            warnings.append(
                _(
                    "column {name} has {n} different values among {rows} rows; one-hot "
                    "encoding makes {n} inputs (an identifier column is better ignored)"
                ).format(name=quote(name), n=n_values, rows=len(positions))
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
    # Fitting and encoding read the columns analysed above at the rows of each part: copying
    # the table's rows for each part and reading them again would hold a second table.
    preprocessor = Preprocessor.fit_columns(
        {n: columns[n] for n in features},
        split.train,
        targets=targets,
        task=task,
        class_names=class_names,
        scaling=settings.scaling,
        missing=settings.missing,
    )
    ids_by_row = None
    if class_ids is not None:
        ids_by_row = np.full(len(frame), -1, dtype="int64")
        ids_by_row[positions] = class_ids

    parts = {}
    for part, rows in (("training", split.train), ("validation", split.val), ("test", split.test)):
        x = preprocessor.transform_columns(columns, rows, row_numbers=rows + 1)
        about = _PART_WARNINGS[part]
        warnings.extend(_(about).format(warning=w) for w in preprocessor.warnings)
        if ids_by_row is not None:
            y = ids_by_row[rows]
        else:
            y = np.empty((len(rows), len(targets)), dtype="float32")
            for j, name in enumerate(targets):
                y[:, j] = columns[name].numbers[rows]
        parts[part] = (x, y)  # tensors when first read (see _Tensor)
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


#: A warning about the rows of one part of the split, by part.
_PART_WARNINGS = {
    "training": N_("training rows: {warning}"),
    "validation": N_("validation rows: {warning}"),
    "test": N_("test rows: {warning}"),
}


def _task(
    settings: DataSettings, targets: list[str], columns: Mapping[str, ColumnValues], label: str
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
                if len(targets) == 1:
                    message = _(
                        "target column {name} holds text ({examples}); regression needs "
                        "numbers: choose classification"
                    )
                else:
                    message = _(
                        "target column {name} holds text ({examples}); regression needs "
                        "numbers: several targets are predicted together only as numbers"
                    )
                message = message.format(name=quote(column.name), examples=shown)
                raise DataError(in_file(label, message), where=column.name)
        return task
    if len(targets) > 1:
        raise DataError(
            _("classification predicts one target column; choose one target or regression"),
            where="targets",
        )
    column = target_columns[0]
    if column.kind == "numeric":
        present = column.numbers[~column.missing]
        distinct = np.unique(present)
        whole = bool(np.all(np.floor(distinct) == distinct))
        if distinct.size > MAX_FORCED_CLASSES or (not whole and distinct.size > MAX_AUTO_CLASSES):
            message = _(
                "target column {name} holds {n} different numbers, too many to treat as "
                "classes; choose regression"
            ).format(name=quote(column.name), n=distinct.size)
            raise DataError(in_file(label, message), where=column.name)
    return task


def _rows_to_keep(
    settings: DataSettings,
    features: list[str],
    targets: list[str],
    columns: Mapping[str, ColumnValues],
    label: str,
    warnings: list[str],
) -> np.ndarray:
    n = len(next(iter(columns.values())).missing)
    used = [name for name in columns if name in features or name in targets]
    if settings.missing == "refuse":
        for name in used:
            empty = np.flatnonzero(columns[name].missing)
            if empty.size:
                message = ngettext(
                    "column {name} has {n} empty cell ({rows}); choose what to do with missing "
                    "values: drop those rows, fill with the mean, or fill with the most frequent "
                    "value",
                    "column {name} has {n} empty cells ({rows}); choose what to do with missing "
                    "values: drop those rows, fill with the mean, or fill with the most frequent "
                    "value",
                    empty.size,
                ).format(name=quote(name), n=empty.size, rows=rows_text(list(empty)))
                raise DataError(in_file(label, message), where=name)
        return np.ones(n, dtype=bool)
    keep = np.ones(n, dtype=bool)
    for name in targets:
        empty = columns[name].missing
        if empty.any():
            warnings.append(
                _("dropped {n} rows whose target {name} is empty ({rows})").format(
                    n=int(empty.sum()),
                    name=quote(name),
                    rows=rows_text(list(np.flatnonzero(empty))),
                )
            )
            keep &= ~empty
    if settings.missing == "drop":
        empty = np.zeros(n, dtype=bool)
        for name in features:
            empty |= columns[name].missing
        empty &= keep
        if empty.any():
            warnings.append(
                _("dropped {n} rows with empty cells ({rows})").format(
                    n=int(empty.sum()), rows=rows_text(list(np.flatnonzero(empty)))
                )
            )
            keep &= ~empty
    if not keep.any():
        raise DataError(
            in_file(label, _("no rows are left after dropping the rows with empty cells")),
            where="missing",
        )
    return keep


def _classes(
    settings: DataSettings,
    frame: pd.DataFrame,
    target: str,
    positions: np.ndarray,
    label: str,
    warnings: list[str],
) -> tuple[list[str], np.ndarray]:
    """Class names (id order) and the class id of each kept row."""
    labels, inverse = _class_labels(frame[target], positions)
    seen = sorted_labels(labels)
    if settings.class_order:
        order = [format_label(c) for c in settings.class_order]
        unlisted = [c for c in seen if c not in order]
        if unlisted:
            message = _(
                "the class order does not list class {name} of column {column}; list every "
                "class: {classes}"
            ).format(name=quote(unlisted[0]), column=quote(target), classes=", ".join(seen[:20]))
            raise DataError(in_file(label, message), where="class_order")
        absent = [c for c in order if c not in seen]
        if absent:
            warnings.append(
                _("class {name} of the class order never occurs in column {column}").format(
                    name=quote(absent[0]), column=quote(target)
                )
            )
        names = order
    else:
        names = seen
    if len(names) < 2:
        if names:
            message = _(
                "target column {column} holds only one class ({name}); a classifier needs at "
                "least two"
            ).format(column=quote(target), name=quote(names[0]))
        else:
            message = _(
                "target column {column} holds only one class (none); a classifier needs at "
                "least two"
            ).format(column=quote(target))
        raise DataError(in_file(label, message), where=target)
    index = {name: i for i, name in enumerate(names)}
    return names, np.array([index[label] for label in labels], dtype="int64")[inverse]


def _class_labels(series: pd.Series, positions: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct class labels of the kept rows and, for each kept row, its label's index.

    Each distinct value is turned into its label once (a million rows of a 0–3 class column
    are four labels, not a million strings); labels are those of ``analyze_column(series,
    "categorical")``.
    """
    numbers = stored_numbers(series)
    if numbers is not None:
        values, inverse = np.unique(numbers[positions], return_inverse=True)
        labels = format_numbers(values, np.isnan(values))
        if None not in labels and len(set(labels)) == len(labels):
            return list(labels), inverse.reshape(-1)
    texts = analyze_column(series, "categorical").labels
    present = [texts[i] for i in positions]
    unique = list(dict.fromkeys(present))
    index = {label: i for i, label in enumerate(unique)}
    return unique, np.array([index[label] for label in present], dtype="int64")

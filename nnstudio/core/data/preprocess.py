"""The fitted recipe that turns table columns into network inputs and targets.

It is fitted on the training rows only (fill values, categories, scaling statistics), so the
validation and test rows are treated exactly like new data the model will meet later; the same
object then encodes a new CSV for prediction. It is stored in projects as plain JSON (numbers
and strings, no pickle), so a saved model can prepare new data without the training table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.data.columns import (
    analyze_column,
    most_frequent,
    most_frequent_number,
    quote,
    row_number,
    rows_text,
    sorted_labels,
)
from nnstudio.core.data.data_settings import COLUMN_KINDS, MISSING_CHOICES, SCALING_CHOICES
from nnstudio.core.errors import DataError

FORMAT = "nnstudio.preprocessor"
VERSION = 1
TASKS = ("classification", "regression")
_WHERE = "preprocessor"


@dataclass
class ColumnRecipe:
    """How one input column becomes network inputs."""

    name: str
    kind: str
    #: Value put into empty cells (None: empty cells are refused).
    fill: float | str | None = None
    #: numeric: input = (value - center) / scale.
    center: float = 0.0
    scale: float = 1.0
    #: categorical: one input per category, in this (sorted) order.
    categories: list[str] = field(default_factory=list)

    @property
    def output_names(self) -> list[str]:
        if self.kind == "numeric":
            return [self.name]
        return [f"{self.name}={c}" for c in self.categories]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "fill": self.fill}
        if self.kind == "numeric":
            out.update(center=self.center, scale=self.scale)
        else:
            out["categories"] = list(self.categories)
        return out


def _fit_numeric(name: str, values: np.ndarray, missing: str, scaling: str) -> ColumnRecipe:
    fill: float | None = None
    if missing in ("mean", "most_frequent"):
        fill = (
            float(np.nanmean(values))
            if missing == "mean" and not np.isnan(values).all()
            else most_frequent_number(values)
        )
        if fill is None:
            raise DataError(
                f"column {quote(name)} has no values in the training rows to fill "
                "the empty cells with; drop those rows or ignore the column",
                where=name,
            )
        values = np.where(np.isnan(values), fill, values)
    center, scale = 0.0, 1.0
    if values.size and scaling == "standard":
        center, scale = float(values.mean()), float(values.std())
    elif values.size and scaling == "minmax":
        center, scale = float(values.min()), float(values.max() - values.min())
    if not math.isfinite(scale) or scale == 0.0:
        # A constant column: scikit-learn's StandardScaler also divides by 1.
        scale = 1.0
    if not math.isfinite(center):
        raise DataError(f"column {quote(name)} holds numbers too large to scale", where=name)
    return ColumnRecipe(name, "numeric", fill, center, scale)


def _fit_categorical(name: str, labels: list[str | None], missing: str) -> ColumnRecipe:
    present = [label for label in labels if label is not None]
    fill = most_frequent(present) if missing in ("mean", "most_frequent") else None
    if fill is None and missing in ("mean", "most_frequent"):
        raise DataError(
            f"column {quote(name)} has no values in the training rows to fill "
            "the empty cells with; drop those rows or ignore the column",
            where=name,
        )
    return ColumnRecipe(name, "categorical", fill, categories=sorted_labels(present))


class Preprocessor:
    """Columns → float32 inputs and targets; fitted once, then applied to any table."""

    def __init__(
        self,
        columns: Sequence[ColumnRecipe],
        target_columns: Sequence[str],
        task: str,
        class_names: Sequence[str] = (),
        scaling: str = "standard",
        missing: str = "refuse",
    ) -> None:
        self.columns = list(columns)
        self.target_columns = list(target_columns)
        self.task = task
        self.class_names = list(class_names)
        self.scaling = scaling
        self.missing = missing
        #: Warnings of the latest :meth:`transform` (values never seen in training, ...).
        self.warnings: list[str] = []

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        *,
        features: Sequence[str],
        targets: Sequence[str],
        kinds: Mapping[str, str],
        task: str,
        class_names: Sequence[str] = (),
        scaling: str = "standard",
        missing: str = "refuse",
    ) -> Preprocessor:
        """Learn fill values, categories and scaling from ``frame`` (the training rows).

        ``kinds`` must give every feature's kind, decided on the whole table, so a column
        cannot change kind just because of which rows landed in training.
        """
        recipes = []
        for name in features:
            column = analyze_column(frame[name], kinds[name])
            if column.kind == "numeric":
                recipes.append(_fit_numeric(name, column.numbers, missing, scaling))
            else:
                recipes.append(_fit_categorical(name, column.labels, missing))
        return cls(recipes, targets, task, class_names, scaling, missing)

    # -- what it produces --------------------------------------------------------------------
    @property
    def feature_columns(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def feature_names(self) -> list[str]:
        return [name for c in self.columns for name in c.output_names]

    @property
    def n_features(self) -> int:
        return sum(len(c.output_names) for c in self.columns)

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def column_kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.columns}

    # -- applying ----------------------------------------------------------------------------
    def _require(self, frame: pd.DataFrame, wanted: Sequence[str], what: str) -> pd.DataFrame:
        """``frame`` with text column names, checked to hold each wanted column once."""
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"expected a table, not {type(frame).__name__}", where=_WHERE)
        names = [str(c) for c in frame.columns]
        if any(not isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis(names, axis=1)
        lacking = [name for name in wanted if name not in names]
        if lacking:
            raise DataError(
                f"the model was {what} {', '.join(wanted)}; this CSV lacks {', '.join(lacking)}",
                where=lacking[0],
            )
        twice = [name for name in wanted if names.count(name) > 1]
        if twice:
            raise DataError(f"this CSV has two columns named {quote(twice[0])}", where=twice[0])
        return frame

    def transform(
        self, frame: pd.DataFrame, *, row_numbers: Sequence[int] | None = None
    ) -> np.ndarray:
        """Float32 inputs ``[rows, n_features]`` for ``frame``; extra columns are ignored.

        A category never seen in training becomes all zeros and a message in
        :attr:`warnings`; a missing column, junk, or an empty cell that the settings do not
        fill raises DataError. ``row_numbers`` are the rows named in messages.
        """
        frame = self._require(frame, self.feature_columns, "trained on columns")
        n = len(frame)
        out = np.zeros((n, self.n_features), dtype="float64")
        warnings: list[str] = []
        position = 0
        for recipe in self.columns:
            column = analyze_column(frame[recipe.name], recipe.kind, row_numbers)
            column.raise_problem(advice=False)
            empty = np.flatnonzero(column.missing)
            if empty.size and recipe.fill is None:
                verb = "is" if empty.size == 1 else "are"
                raise DataError(
                    f"column {quote(recipe.name)}, {rows_text(list(empty), row_numbers)} {verb} "
                    "empty, and the data settings do not fill missing values",
                    where=recipe.name,
                )
            if recipe.kind == "numeric":
                values = np.where(column.missing, recipe.fill or 0.0, column.numbers)
                out[:, position] = (values - recipe.center) / recipe.scale
                position += 1
                continue
            labels = [recipe.fill if label is None else label for label in column.labels]
            codes = _codes(labels, recipe.categories)
            known = codes >= 0
            out[np.flatnonzero(known), position + codes[known]] = 1.0
            unseen: Counter[str] = Counter(
                label for label, ok in zip(labels, known, strict=True) if not ok
            )
            first_unseen = int(np.flatnonzero(~known)[0]) if unseen else None
            if unseen:
                shown = ", ".join(quote(v) for v, _ in unseen.most_common(3))
                more = ", …" if len(unseen) > 3 else ""
                count = sum(unseen.values())
                first = row_number(first_unseen, row_numbers)
                what = (
                    f"row {first} has a value never seen in training ({shown}); it is"
                    if count == 1
                    else f"{count} rows (first: row {first}) have values never seen in training "
                    f"({shown}{more}); they are"
                )
                warnings.append(f"column {quote(recipe.name)}: {what} encoded as all zeros")
            position += len(recipe.categories)
        self.warnings = warnings
        return out.astype("float32")

    def encode_targets(
        self, frame: pd.DataFrame, *, row_numbers: Sequence[int] | None = None
    ) -> np.ndarray:
        """Class ids (int64 ``[rows]``) or target values (float32 ``[rows, k]``)."""
        what = "trained to predict column" + ("s" if len(self.target_columns) > 1 else "")
        frame = self._require(frame, self.target_columns, what)
        if self.task == "classification":
            name = self.target_columns[0]
            column = analyze_column(frame[name], "categorical", row_numbers)
            empty = np.flatnonzero(column.missing)
            if empty.size:
                raise DataError(
                    f"target column {quote(name)}, "
                    f"{rows_text(list(empty), row_numbers)}: the class is empty",
                    where=name,
                )
            ids = _codes(column.labels, self.class_names)
            unknown = np.flatnonzero(ids < 0)
            if unknown.size:
                i = int(unknown[0])
                known = ", ".join(self.class_names[:10])
                raise DataError(
                    f"target column {quote(name)}, row {row_number(i, row_numbers)}: class "
                    f"{quote(column.labels[i])} is not one the model knows ({known})",
                    where=name,
                )
            return ids
        out = np.empty((len(frame), len(self.target_columns)), dtype="float64")
        for j, name in enumerate(self.target_columns):
            column = analyze_column(frame[name], "numeric", row_numbers)
            column.raise_problem(advice=False)
            empty = np.flatnonzero(column.missing)
            if empty.size:
                raise DataError(
                    f"target column {quote(name)}, "
                    f"{rows_text(list(empty), row_numbers)}: the value is empty",
                    where=name,
                )
            out[:, j] = column.numbers
        return out.astype("float32")

    def decode_classes(self, indices: Iterable[Any]) -> list[str]:
        """Class names for class ids (ints, a numpy array or a tensor)."""
        if self.task != "classification":
            raise DataError("this model predicts numbers (regression), not classes", where=_WHERE)
        if hasattr(indices, "tolist"):
            indices = indices.tolist()
        if isinstance(indices, (int, np.integer)):
            indices = [indices]
        names = []
        for index in indices:
            if (
                isinstance(index, bool)
                or not isinstance(index, (int, np.integer))
                or not (0 <= index < len(self.class_names))
            ):
                raise DataError(
                    f"class id {index!r} is not between 0 and {len(self.class_names) - 1}",
                    where=_WHERE,
                )
            names.append(self.class_names[int(index)])
        return names

    # -- storage -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: lists, strings and finite floats only."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "task": self.task,
            "scaling": self.scaling,
            "missing": self.missing,
            "targets": list(self.target_columns),
            "class_names": list(self.class_names),
            "columns": [c.to_dict() for c in self.columns],
        }

    @classmethod
    def from_dict(cls, d: Any) -> Preprocessor:
        """Rebuild from :meth:`to_dict` output, checking every value (files can be edited)."""
        if not isinstance(d, Mapping):
            raise DataError(
                f"stored preprocessing must be a mapping, not {type(d).__name__}", where=_WHERE
            )
        if d.get("format") != FORMAT:
            raise DataError("stored preprocessing has the wrong format marker", where=_WHERE)
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise DataError(
                f"stored preprocessing version {version!r} is newer than this NN "
                "Studio understands",
                where=_WHERE,
            )
        task = _choice(d, "task", TASKS)
        scaling = _choice(d, "scaling", SCALING_CHOICES)
        missing = _choice(d, "missing", MISSING_CHOICES)
        targets = _texts(d, "targets", unique=True)
        if not targets:
            raise DataError("stored preprocessing names no target column", where=_WHERE)
        class_names = _texts(d, "class_names", unique=True)
        if task == "classification" and (len(targets) != 1 or not class_names):
            raise DataError(
                "stored classification needs one target column and its class names", where=_WHERE
            )
        raw_columns = d.get("columns")
        if not isinstance(raw_columns, list) or not raw_columns:
            raise DataError("stored preprocessing lists no input columns", where=_WHERE)
        columns = [_recipe(raw, i) for i, raw in enumerate(raw_columns)]
        names = [c.name for c in columns]
        if len(set(names)) != len(names) or set(names) & set(targets):
            raise DataError("stored preprocessing names a column twice", where=_WHERE)
        return cls(columns, targets, task, class_names, scaling, missing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Preprocessor) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Preprocessor({len(self.columns)} columns → {self.n_features} inputs, "
            f"{self.task}, targets {self.target_columns})"
        )


def _codes(labels: Sequence[str | None], names: Sequence[str]) -> np.ndarray:
    """Position of each label in ``names`` (int64), -1 where it is not there."""
    index = pd.Index(list(names), dtype=object)
    return index.get_indexer(pd.Index(list(labels), dtype=object)).astype("int64")


def _bad(message: str) -> DataError:
    return DataError(f"stored preprocessing: {message}", where=_WHERE)


def _choice(d: Mapping[str, Any], key: str, choices: Sequence[str]) -> str:
    value = d.get(key)
    if value not in choices:
        raise _bad(f"{key} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _texts(d: Mapping[str, Any], key: str, *, unique: bool = False) -> list[str]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(f"{key} must be a list of text")
    if unique and len(set(value)) != len(value):
        raise _bad(f"{key} holds a name twice")
    return list(value)


def _number(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(f"column {where}: {key} must be a finite number, not {value!r}")
    return float(value)


def _recipe(raw: Any, index: int) -> ColumnRecipe:
    if not isinstance(raw, Mapping):
        raise _bad(f"column {index + 1} must be a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _bad(f"column {index + 1} has no name")
    kind = raw.get("kind")
    if kind not in COLUMN_KINDS:
        raise _bad(f"column {quote(name)}: kind must be numeric or categorical, not {kind!r}")
    fill = raw.get("fill")
    if kind == "numeric":
        if fill is not None:
            fill = _number(raw, "fill", quote(name))
        center = _number(raw, "center", quote(name))
        scale = _number(raw, "scale", quote(name))
        if scale == 0.0:
            raise _bad(f"column {quote(name)}: scale must not be 0")
        return ColumnRecipe(name, kind, fill, center, scale)
    categories = _texts(raw, "categories", unique=True)
    if not categories:
        raise _bad(f"column {quote(name)} lists no categories")
    if fill is not None and not isinstance(fill, str):
        raise _bad(f"column {quote(name)}: fill must be text, not {fill!r}")
    return ColumnRecipe(name, kind, fill, categories=categories)

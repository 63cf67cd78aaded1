"""The fitted recipe that turns table columns into network inputs and targets.

It is fitted on the training rows only (fill values, categories, scaling statistics), so the
validation and test rows are treated exactly like new data the model will meet later; the same
object then encodes a new CSV for prediction. It is stored in projects as plain JSON (numbers
and strings, no pickle), so a saved model can prepare new data without the training table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.data.columns import (
    ColumnValues,
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
from nnstudio.i18n import N_, _, ngettext

FORMAT = "nnstudio.preprocessor"
VERSION = 1
TASKS = ("classification", "regression")
_WHERE = "preprocessor"
_NOTHING_TO_FILL = N_(
    "column {name} has no values in the training rows to fill the empty cells with; drop "
    "those rows or ignore the column"
)


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
            raise DataError(_(_NOTHING_TO_FILL).format(name=quote(name)), where=name)
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
        raise DataError(
            _("column {name} holds numbers too large to scale").format(name=quote(name)), where=name
        )
    return ColumnRecipe(name, "numeric", fill, center, scale)


def _fit_categorical(name: str, labels: list[str | None], missing: str) -> ColumnRecipe:
    present = [label for label in labels if label is not None]
    fill = most_frequent(present) if missing in ("mean", "most_frequent") else None
    if fill is None and missing in ("mean", "most_frequent"):
        raise DataError(_(_NOTHING_TO_FILL).format(name=quote(name)), where=name)
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
        columns = {name: analyze_column(frame[name], kinds[name]) for name in features}
        return cls.fit_columns(
            columns,
            None,
            targets=targets,
            task=task,
            class_names=class_names,
            scaling=scaling,
            missing=missing,
        )

    @classmethod
    def fit_columns(
        cls,
        columns: Mapping[str, ColumnValues],
        rows: np.ndarray | None,
        *,
        targets: Sequence[str],
        task: str,
        class_names: Sequence[str] = (),
        scaling: str = "standard",
        missing: str = "refuse",
    ) -> Preprocessor:
        """:meth:`fit` on the ``rows`` (all when None) of columns analysed on the whole table.

        :func:`~nnstudio.core.data.prepare.prepare` has every column analysed already; fitting
        on them spares a copy of the training part of the table (most of a big table).
        The features are the columns, in their order; each keeps the kind it was read with.
        """
        recipes = []
        for name, column in columns.items():
            if column.kind == "numeric":
                values = column.numbers if rows is None else column.numbers[rows]
                recipes.append(_fit_numeric(name, values, missing, scaling))
            else:
                labels = column.labels if rows is None else [column.labels[i] for i in rows]
                recipes.append(_fit_categorical(name, labels, missing))
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
    def _require(self, frame: pd.DataFrame, wanted: Sequence[str], lacks: str) -> pd.DataFrame:
        """``frame`` with text column names, checked to hold each wanted column once.

        ``lacks`` is the message (marked with ``N_``) for columns ``frame`` does not have,
        with ``{wanted}`` and ``{lacking}`` in it.
        """
        if not isinstance(frame, pd.DataFrame):
            raise DataError(
                _("expected a table, not {type}").format(type=type(frame).__name__), where=_WHERE
            )
        names = [str(c) for c in frame.columns]
        if any(not isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis(names, axis=1)
        lacking = [name for name in wanted if name not in names]
        if lacking:
            raise DataError(
                _(lacks).format(wanted=", ".join(wanted), lacking=", ".join(lacking)),
                where=lacking[0],
            )
        twice = [name for name in wanted if names.count(name) > 1]
        if twice:
            raise DataError(
                _("this CSV has two columns named {name}").format(name=quote(twice[0])),
                where=twice[0],
            )
        return frame

    def transform(
        self, frame: pd.DataFrame, *, row_numbers: Sequence[int] | None = None
    ) -> np.ndarray:
        """Float32 inputs ``[rows, n_features]`` for ``frame``; extra columns are ignored.

        A category never seen in training becomes all zeros and a message in
        :attr:`warnings`; a missing column, junk, or an empty cell that the settings do not
        fill raises DataError. ``row_numbers`` are the rows named in messages.
        """
        frame = self._require(
            frame,
            self.feature_columns,
            N_("the model was trained on columns {wanted}; this CSV lacks {lacking}"),
        )
        return self._encode(
            lambda recipe: analyze_column(frame[recipe.name], recipe.kind, row_numbers),
            len(frame),
            row_numbers,
        )

    def transform_columns(
        self,
        columns: Mapping[str, ColumnValues],
        rows: np.ndarray,
        *,
        row_numbers: Sequence[int] | None = None,
    ) -> np.ndarray:
        """:meth:`transform` of the ``rows`` of columns analysed on the whole table.

        Gives what ``transform(frame.iloc[rows])`` gives, without copying those rows of the
        table first; each column must have been read with its recipe's kind.
        """
        return self._encode(lambda recipe: columns[recipe.name].take(rows), len(rows), row_numbers)

    def _encode(
        self,
        column_of: Callable[[ColumnRecipe], ColumnValues],
        n: int,
        row_numbers: Sequence[int] | None,
    ) -> np.ndarray:
        """The inputs, written column by column straight into the float32 result.

        Each value is computed in float64 and rounded once on the way in, as converting a
        float64 result at the end would, without holding that float64 copy of every input.
        """
        out = np.zeros((n, self.n_features), dtype="float32")
        warnings: list[str] = []
        position = 0
        for recipe in self.columns:
            column = column_of(recipe)
            column.raise_problem(advice=False)
            empty = np.flatnonzero(column.missing)
            if empty.size and recipe.fill is None:
                raise DataError(
                    ngettext(
                        "column {name}, {rows} is empty, and the data settings do not fill "
                        "missing values",
                        "column {name}, {rows} are empty, and the data settings do not fill "
                        "missing values",
                        empty.size,
                    ).format(name=quote(recipe.name), rows=rows_text(list(empty), row_numbers)),
                    where=recipe.name,
                )
            if recipe.kind == "numeric":
                values = column.numbers
                if empty.size:
                    values = np.where(column.missing, recipe.fill or 0.0, values)
                values = values - recipe.center
                out[:, position] = np.divide(values, recipe.scale, out=values)
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
                if count == 1:
                    warning = _(
                        "column {name}: row {row} has a value never seen in training ({values}); "
                        "it is encoded as all zeros"
                    )
                else:
                    warning = _(
                        "column {name}: {n} rows (first: row {row}) have values never seen in "
                        "training ({values}); they are encoded as all zeros"
                    )
                warnings.append(
                    warning.format(name=quote(recipe.name), row=first, n=count, values=shown + more)
                )
            position += len(recipe.categories)
        self.warnings = warnings
        return out

    def encode_targets(
        self, frame: pd.DataFrame, *, row_numbers: Sequence[int] | None = None
    ) -> np.ndarray:
        """Class ids (int64 ``[rows]``) or target values (float32 ``[rows, k]``)."""
        if len(self.target_columns) > 1:
            lacks = N_(
                "the model was trained to predict columns {wanted}; this CSV lacks {lacking}"
            )
        else:
            lacks = N_("the model was trained to predict column {wanted}; this CSV lacks {lacking}")
        frame = self._require(frame, self.target_columns, lacks)
        if self.task == "classification":
            name = self.target_columns[0]
            column = analyze_column(frame[name], "categorical", row_numbers)
            empty = np.flatnonzero(column.missing)
            if empty.size:
                raise DataError(
                    _("target column {name}, {rows}: the class is empty").format(
                        name=quote(name), rows=rows_text(list(empty), row_numbers)
                    ),
                    where=name,
                )
            ids = _codes(column.labels, self.class_names)
            unknown = np.flatnonzero(ids < 0)
            if unknown.size:
                i = int(unknown[0])
                known = ", ".join(self.class_names[:10])
                raise DataError(
                    _(
                        "target column {name}, row {row}: class {value} is not one the model "
                        "knows ({known})"
                    ).format(
                        name=quote(name),
                        row=row_number(i, row_numbers),
                        value=quote(column.labels[i]),
                        known=known,
                    ),
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
                    _("target column {name}, {rows}: the value is empty").format(
                        name=quote(name), rows=rows_text(list(empty), row_numbers)
                    ),
                    where=name,
                )
            out[:, j] = column.numbers
        return out.astype("float32")

    def decode_classes(self, indices: Iterable[Any]) -> list[str]:
        """Class names for class ids (ints, a numpy array or a tensor)."""
        if self.task != "classification":
            raise DataError(
                _("this model predicts numbers (regression), not classes"), where=_WHERE
            )
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
                    _("class id {index!r} is not between 0 and {last}").format(
                        index=index, last=len(self.class_names) - 1
                    ),
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
                _("stored preprocessing must be a mapping, not {type}").format(
                    type=type(d).__name__
                ),
                where=_WHERE,
            )
        if d.get("format") != FORMAT:
            raise DataError(_("stored preprocessing has the wrong format marker"), where=_WHERE)
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise DataError(
                _(
                    "stored preprocessing version {version!r} is newer than this NN Studio "
                    "understands"
                ).format(version=version),
                where=_WHERE,
            )
        task = _choice(d, "task", TASKS)
        scaling = _choice(d, "scaling", SCALING_CHOICES)
        missing = _choice(d, "missing", MISSING_CHOICES)
        targets = _texts(d, "targets", unique=True)
        if not targets:
            raise DataError(_("stored preprocessing names no target column"), where=_WHERE)
        class_names = _texts(d, "class_names", unique=True)
        if task == "classification" and (len(targets) != 1 or not class_names):
            raise DataError(
                _("stored classification needs one target column and its class names"),
                where=_WHERE,
            )
        raw_columns = d.get("columns")
        if not isinstance(raw_columns, list) or not raw_columns:
            raise DataError(_("stored preprocessing lists no input columns"), where=_WHERE)
        columns = [_recipe(raw, i) for i, raw in enumerate(raw_columns)]
        names = [c.name for c in columns]
        if len(set(names)) != len(names) or set(names) & set(targets):
            raise DataError(_("stored preprocessing names a column twice"), where=_WHERE)
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
    # Translators: the project file's saved data preparation has a problem. Begin the
    # translation with the same words as "stored preprocessing" (the loader checks that the
    # section is not named twice).
    return DataError(_("stored preprocessing: {problem}").format(problem=message), where=_WHERE)


def _choice(d: Mapping[str, Any], key: str, choices: Sequence[str]) -> str:
    value = d.get(key)
    if value not in choices:
        raise _bad(
            _("{key} must be one of {choices}; got {value!r}").format(
                key=key, choices=", ".join(choices), value=value
            )
        )
    return value


def _texts(d: Mapping[str, Any], key: str, *, unique: bool = False) -> list[str]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(_("{key} must be a list of text").format(key=key))
    if unique and len(set(value)) != len(value):
        raise _bad(_("{key} holds a name twice").format(key=key))
    return list(value)


def _number(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(
            _("column {name}: {key} must be a finite number, not {value!r}").format(
                name=where, key=key, value=value
            )
        )
    return float(value)


def _recipe(raw: Any, index: int) -> ColumnRecipe:
    if not isinstance(raw, Mapping):
        raise _bad(_("column {number} must be a mapping").format(number=index + 1))
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _bad(_("column {number} has no name").format(number=index + 1))
    kind = raw.get("kind")
    if kind not in COLUMN_KINDS:
        raise _bad(
            _("column {name}: kind must be numeric or categorical, not {value!r}").format(
                name=quote(name), value=kind
            )
        )
    fill = raw.get("fill")
    if kind == "numeric":
        if fill is not None:
            fill = _number(raw, "fill", quote(name))
        center = _number(raw, "center", quote(name))
        scale = _number(raw, "scale", quote(name))
        if scale == 0.0:
            raise _bad(_("column {name}: scale must not be 0").format(name=quote(name)))
        return ColumnRecipe(name, kind, fill, center, scale)
    categories = _texts(raw, "categories", unique=True)
    if not categories:
        raise _bad(_("column {name} lists no categories").format(name=quote(name)))
    if fill is not None and not isinstance(fill, str):
        raise _bad(
            _("column {name}: fill must be text, not {value!r}").format(
                name=quote(name), value=fill
            )
        )
    return ColumnRecipe(name, kind, fill, categories=categories)

"""What preparation does to one column of the project's data, and why it is fitted on the
training rows only.

The app's :class:`~nnstudio.core.data.Preprocessor` learns its statistics (scaling centre
and spread, categories, fill values) from the *training* split, then applies them to every
split (:func:`~nnstudio.core.data.prepare`). Fitting them on all rows would let the
validation and test rows shape the inputs the model trains on — a leak that makes the
held-out scores look better than they will be on new data. :func:`preview_column` lays the
raw and prepared values of one column side by side and computes the statistics both ways,
so the difference a leak would make is a number the student can read.

Nothing here re-derives what the workspace holds: the table, the split and the fitted
recipe all come from the :class:`~nnstudio.core.data.PreparedData` the app trains on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.core.data import PreparedData, Table
from nnstudio.core.data.columns import analyze_column, sorted_labels
from nnstudio.core.data.preprocess import ColumnRecipe
from nnstudio.core.lessons.lesson_inputs import LessonInputError
from nnstudio.i18n import N_, Text

__all__ = [
    "PARTS",
    "ColumnPreview",
    "PreviewRow",
    "Stats",
    "fit_names",
    "input_columns",
    "preview_column",
]

#: Parts of the split, as ``PreparedData`` names them (marked for translation).
PARTS = {"train": N_("training"), "val": N_("validation"), "test": N_("test")}


@dataclass(frozen=True)
class Stats:
    """Summary of some values: count, mean, standard deviation (ddof 0, as the app scales)."""

    n: int
    mean: float
    std: float
    min: float
    max: float

    @classmethod
    def of(cls, values: np.ndarray) -> Stats:
        values = np.asarray(values, dtype="float64")
        if values.size == 0:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan)
        return cls(
            int(values.size),
            float(values.mean()),
            float(values.std()),
            float(values.min()),
            float(values.max()),
        )


@dataclass(frozen=True)
class PreviewRow:
    """One row of the table: its number (1-based), its part, the raw cell, the inputs."""

    row: int
    part: str
    raw: str
    prepared: tuple[float, ...]
    #: The inputs had the statistics been fitted on all rows (numeric columns).
    leaky: tuple[float, ...]


@dataclass(frozen=True)
class ColumnPreview:
    """One input column before and after preparation."""

    column: str
    kind: str
    #: The project's scaling: "none", "standard" or "minmax".
    scaling: str
    #: The network inputs this column became ("price", or "brand=A", "brand=B" …).
    outputs: tuple[str, ...]
    rows: tuple[PreviewRow, ...]
    #: Raw values (missing ones filled as the app fills them) of the training rows, of all
    #: kept rows, and the prepared values of the training and validation rows.
    raw_train: Stats
    raw_all: Stats
    prepared_train: Stats
    prepared_val: Stats
    #: The recipe the app fitted: input = (value − center) / scale.
    center: float
    scale: float
    #: The same two numbers fitted on all kept rows (training + validation + test).
    center_all: float
    scale_all: float
    #: Categorical: the categories fitted on the training rows, and on all rows.
    categories: tuple[str, ...] = ()
    categories_all: tuple[str, ...] = ()
    #: Categorical: the categories of the training rows, recomputed here to check the recipe.
    categories_train: tuple[str, ...] = ()
    n_train: int = 0
    n_all: int = 0

    @property
    def fitted_on_training(self) -> bool:
        """True when the app's recipe matches statistics of the training rows (no leak)."""
        if self.kind != "numeric":
            return self.categories == self.categories_train
        center, scale = _fit(self.scaling, self.raw_train)
        return _close(center, self.center) and _close(scale, self.scale)

    @property
    def leak_changes_fit(self) -> bool:
        """Whether fitting on all rows would give other statistics than the training split."""
        if self.kind != "numeric":
            return self.categories != self.categories_all
        if self.scaling == "none":
            return False
        return not (_close(self.center, self.center_all) and _close(self.scale, self.scale_all))


def fit_names(scaling: str) -> tuple[str, str]:
    """What ``center`` and ``scale`` are for a scaling (marked for translation)."""
    if scaling == "minmax":
        return N_("minimum"), N_("range (max − min)")
    return N_("mean"), N_("standard deviation")


def _close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))


def _fit(scaling: str, stats: Stats) -> tuple[float, float]:
    """The centre and scale the app's recipe takes from ``stats`` (see ``_fit_numeric``)."""
    if scaling == "standard":
        center, scale = stats.mean, stats.std
    elif scaling == "minmax":
        center, scale = stats.min, stats.max - stats.min
    else:
        center, scale = 0.0, 1.0
    if not np.isfinite(scale) or scale == 0.0:
        scale = 1.0
    return center, scale


def _recipe(prepared: PreparedData, column: str) -> ColumnRecipe:
    for recipe in prepared.preprocessor.columns:
        if recipe.name == column:
            return recipe
    raise LessonInputError(
        Text(N_("column {name} is not an input of the network"), name=column), where=column
    )


def input_columns(prepared: PreparedData) -> list[str]:
    """The table columns that feed the network, in order."""
    return [recipe.name for recipe in prepared.preprocessor.columns]


def preview_column(
    table: Table, prepared: PreparedData, column: str, *, rows: int = 10
) -> ColumnPreview:
    """Column ``column`` of ``table`` raw and prepared, for the first ``rows`` kept rows."""
    recipe = _recipe(prepared, column)
    frame = table.frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    values = analyze_column(frame[column], recipe.kind)
    parts = {
        "train": np.asarray(prepared.index_train, dtype="int64"),
        "val": np.asarray(prepared.index_val, dtype="int64"),
        "test": np.asarray(prepared.index_test, dtype="int64"),
    }
    x_parts = {
        "train": prepared.x_train.numpy(),
        "val": prepared.x_val.numpy(),
        "test": prepared.x_test.numpy(),
    }
    where: dict[int, tuple[str, int]] = {}
    for part, index in parts.items():
        for i, position in enumerate(index.tolist()):
            where[position] = (part, i)
    kept = np.sort(np.concatenate(list(parts.values())))
    outputs = tuple(recipe.output_names)
    start = prepared.feature_names.index(outputs[0])
    width = len(outputs)
    scaling = prepared.preprocessor.scaling

    if recipe.kind == "numeric":
        assert values.numbers is not None
        filled = np.where(
            values.missing, recipe.fill if recipe.fill is not None else np.nan, values.numbers
        )
        raw_train = Stats.of(filled[parts["train"]])
        raw_all = Stats.of(filled[kept])
        center_all, scale_all = _fit(scaling, raw_all)
        categories_all: tuple[str, ...] = ()
        categories_train: tuple[str, ...] = ()
    else:
        assert values.labels is not None
        labels = [recipe.fill if label is None else label for label in values.labels]
        raw_train = raw_all = Stats.of(np.zeros(0))
        center_all, scale_all = 0.0, 1.0
        categories_all = tuple(
            sorted_labels(labels[i] for i in kept.tolist() if labels[i] is not None)
        )
        categories_train = tuple(
            sorted_labels(labels[i] for i in parts["train"].tolist() if labels[i] is not None)
        )

    shown = []
    for position in kept[: max(0, rows)].tolist():
        part, i = where[position]
        prepared_values = tuple(float(v) for v in x_parts[part][i, start : start + width])
        if recipe.kind == "numeric":
            raw_text = values.texts[position] or ""
            leaky = (float((filled[position] - center_all) / scale_all),)
        else:
            raw_text = values.labels[position] or ""  # type: ignore[index]
            leaky = prepared_values
        shown.append(PreviewRow(position + 1, part, raw_text, prepared_values, leaky))

    train_inputs = x_parts["train"][:, start : start + width]
    val_inputs = x_parts["val"][:, start : start + width]
    return ColumnPreview(
        column=column,
        kind=recipe.kind,
        scaling=scaling,
        outputs=outputs,
        rows=tuple(shown),
        raw_train=raw_train,
        raw_all=raw_all,
        prepared_train=Stats.of(train_inputs[:, 0])
        if recipe.kind == "numeric"
        else Stats.of(train_inputs.ravel()),
        prepared_val=Stats.of(val_inputs[:, 0])
        if recipe.kind == "numeric"
        else Stats.of(val_inputs.ravel()),
        center=float(recipe.center),
        scale=float(recipe.scale),
        center_all=float(center_all),
        scale_all=float(scale_all),
        categories=tuple(recipe.categories),
        categories_all=categories_all,
        categories_train=categories_train,
        n_train=int(parts["train"].size),
        n_all=int(kept.size),
    )

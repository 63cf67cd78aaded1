"""Splitting rows into training, validation and test parts.

The split chooses rows exactly as scikit-learn's ``train_test_split`` does (with numpy alone:
:mod:`nnstudio.core.data.shuffle_split`), so a two-way split
(test fraction 0) reproduces the lessons' ``train_test_split(x, y, train_size=0.8,
random_state=88, stratify=y)`` row for row. A three-way split first takes the test rows off
(``test_size`` = test fraction), then splits the rest into training and validation with the
validation share of what is left (val / (train + val)), using the same seed both times.
:func:`balance_split` keeps the three percentages adding up to 100 while one is edited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.data.columns import quote
from nnstudio.core.data.shuffle_split import train_test_positions
from nnstudio.core.errors import DataError
from nnstudio.i18n import _


@dataclass(frozen=True)
class Split:
    """Row positions of each part (int64 arrays, possibly empty)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    stratified: bool
    warnings: tuple[str, ...] = ()


def _empty() -> np.ndarray:
    return np.zeros(0, dtype="int64")


def split_positions(
    positions: Sequence[int] | np.ndarray,
    fractions: tuple[float, float, float],
    *,
    seed: int,
    labels: Sequence[int] | np.ndarray | None = None,
    class_names: Sequence[str] = (),
) -> Split:
    """Split ``positions``; ``labels`` (class ids) keep class proportions in every part.

    When proportions cannot be kept (a class with a single row, or a part smaller than the
    number of classes) the split falls back to random and says so in ``warnings``.
    """
    positions = np.asarray(positions, dtype="int64")
    train_f, val_f, test_f = (float(f) for f in fractions)
    if labels is not None:
        labels = np.asarray(labels)
    warnings: list[str] = []
    if val_f == 0 and test_f == 0:
        return Split(positions.copy(), _empty(), _empty(), False)
    state = {"stratified": labels is not None}

    def cut(
        rows: np.ndarray, rows_labels: np.ndarray | None, **size: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        def parts(stratify: np.ndarray | None) -> tuple:
            a, b = train_test_positions(len(rows), seed=seed, stratify=stratify, **size)
            if rows_labels is None:
                return rows[a], rows[b], None, None
            return rows[a], rows[b], rows_labels[a], rows_labels[b]

        if rows_labels is not None and state["stratified"]:
            try:
                return parts(rows_labels)
            except ValueError:
                state["stratified"] = False
                warnings.append(_why_not_stratified(rows_labels, class_names))
        try:
            return parts(None)
        except ValueError:
            raise DataError(
                _(
                    "too few rows ({n}) to split as {train:g} training / {val:g} validation / "
                    "{test:g} test; change the split or add rows"
                ).format(n=len(positions), train=train_f, val=val_f, test=test_f),
                where="split",
            ) from None

    if val_f == 0 or test_f == 0:
        train, other, _unused, _labels = cut(positions, labels, train_size=train_f)
        val, test = (other, _empty()) if test_f == 0 else (_empty(), other)
    else:
        rest, test, rest_labels, _labels = cut(positions, labels, test_size=test_f)
        train, val, _unused, _labels = cut(rest, rest_labels, test_size=val_f / (train_f + val_f))
    as_int = [np.asarray(part, dtype="int64") for part in (train, val, test)]
    return Split(*as_int, stratified=state["stratified"], warnings=tuple(warnings))


def _why_not_stratified(labels: np.ndarray, class_names: Sequence[str]) -> str:
    counts = Counter(labels.tolist())
    rarest, n = min(counts.items(), key=lambda item: (item[1], item[0]))
    if n < 2:
        name = class_names[rarest] if 0 <= rarest < len(class_names) else str(rarest)
        return _(
            "class {name} has only 1 row, so the split cannot keep the class proportions; the "
            "rows were split at random instead"
        ).format(name=quote(name))
    return _(
        "a part of the split would hold fewer rows than the {n} classes, so the split cannot "
        "keep the class proportions; the rows were split at random instead"
    ).format(n=len(counts))


def balance_split(percentages: Sequence[float], changed: int) -> list[float]:
    """Training, validation and test percentages that add up to 100 after one was changed.

    The three parts always share all the rows, so changing one moves another: training or
    test changed, validation takes up the difference (then test, then training); validation
    changed, test takes it up, then training. Training always keeps at least 1 %. ``changed``
    is the index of the part that was set (0 training, 1 validation, 2 test).
    """
    train, val, test = (max(0.0, float(v)) for v in percentages)
    if changed == 0:
        train = min(max(train, 1.0), 100.0)
        val = 100.0 - train - test
        if val < 0:
            test, val = test + val, 0.0
    elif changed == 1:
        val = min(val, 99.0)
        test = 100.0 - train - val
        if test < 0:
            train, test = train + test, 0.0
    else:
        test = min(test, 99.0)
        val = 100.0 - train - test
        if val < 0:
            train, val = train + val, 0.0
    train = max(train, 1.0)
    parts = [round(train, 1), round(val, 1), round(test, 1)]
    parts[0] = round(100.0 - parts[1] - parts[2], 1)
    return parts

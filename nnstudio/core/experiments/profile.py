"""A data profile before training: what is in the table, and what will trouble a network.

Neural Designer and pandas-profiling taught practitioners to look at the data first: a column
that never changes teaches nothing, a copy of another column adds nothing, duplicate rows leak
between the training and validation splits, outliers pull a standardised input far from the
rest, and an unbalanced target makes accuracy flatter than it looks. This module measures all
of that with pandas, once, for the command line and the data panel alike.

Outliers follow Tukey's rule: a value below Q1 − 1.5·IQR or above Q3 + 1.5·IQR (IQR = Q3 − Q1,
quartiles by linear interpolation, pandas' default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nnstudio.core.data.columns import analyze_column

#: Histogram bins per numeric column.
HISTOGRAM_BINS = 20
#: Most frequent values kept per categorical column (the rest are counted as "other").
TOP_VALUES = 10
#: Tukey's outlier fence, in interquartile ranges beyond the quartiles.
IQR_FENCE = 1.5
#: Row numbers of duplicate rows kept (the count is always exact).
MAX_LISTED_ROWS = 50
#: A target with at most this many distinct values gets a class balance.
MAX_CLASSES = 50


@dataclass(frozen=True)
class ColumnProfile:
    """One column: its kind, its missing cells, its summary and its histogram."""

    name: str
    #: "numeric" or "categorical", as NN Studio reads the column.
    kind: str
    dtype: str
    count: int
    missing: int
    unique: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    std: float | None = None
    #: Values outside the 1.5·IQR fences (numeric columns).
    outliers: int = 0
    #: Numeric: counts per bin and the bin edges; categorical: counts per value (top first).
    counts: list[int] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    #: Every filled cell holds the same value (or the column is empty).
    constant: bool = False
    #: An earlier column with exactly the same cells, or None.
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "count": self.count,
            "missing": self.missing,
            "unique": self.unique,
            "min": self.minimum,
            "max": self.maximum,
            "mean": self.mean,
            "std": self.std,
            "outliers": self.outliers,
            "constant": self.constant,
            "duplicate_of": self.duplicate_of,
        }
        if self.kind == "numeric":
            out["histogram"] = {"counts": self.counts, "edges": self.edges}
        else:
            out["histogram"] = {"counts": self.counts, "values": self.values}
        return out


@dataclass(frozen=True)
class DataProfile:
    """The whole table: its columns, duplicate rows, target balance and correlations."""

    rows: int
    columns: list[ColumnProfile]
    duplicate_rows: int
    #: 1-based row numbers of rows that repeat an earlier row (the first few).
    duplicate_row_numbers: list[int]
    target: str | None
    #: Class → row count of the target (most frequent first); empty for a numeric target.
    class_balance: dict[str, int]
    #: Pearson correlation of the numeric columns (names in ``correlation_columns``).
    correlation_columns: list[str]
    correlation: np.ndarray
    outlier_rule: str = "1.5 IQR"

    @property
    def constant_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.constant]

    @property
    def duplicate_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.duplicate_of is not None]

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
            "constant_columns": self.constant_columns,
            "duplicate_columns": {
                c.name: c.duplicate_of for c in self.columns if c.duplicate_of is not None
            },
            "duplicate_rows": self.duplicate_rows,
            "duplicate_row_numbers": self.duplicate_row_numbers,
            "target": self.target,
            "class_balance": self.class_balance,
            "outlier_rule": self.outlier_rule,
            "correlation": {
                "columns": self.correlation_columns,
                "matrix": [
                    [None if not np.isfinite(v) else round(float(v), 6) for v in row]
                    for row in self.correlation
                ],
            },
        }


def _number(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def profile_frame(
    frame: pd.DataFrame, *, target: str | None = None, kinds: dict[str, str] | None = None
) -> DataProfile:
    """Profile ``frame``; ``target`` (default: the last column) gets a class balance when it
    holds classes; ``kinds`` overrides a column's automatic kind as the data settings do."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    kinds = kinds or {}
    if target is None and len(frame.columns):
        target = str(frame.columns[-1])
    numeric: dict[str, pd.Series] = {}
    columns: list[ColumnProfile] = []
    seen: dict[tuple, str] = {}
    for name in frame.columns:
        series = frame[name]
        values = analyze_column(series, kinds.get(name))
        missing = int(values.missing.sum())
        duplicate_of = _duplicate_of(name, series, seen)
        if values.kind == "numeric" and values.numbers is not None:
            numbers = pd.Series(values.numbers, name=name)
            numeric[name] = numbers
            columns.append(
                _numeric_profile(name, str(series.dtype), numbers, missing, duplicate_of)
            )
        else:
            labels = pd.Series(values.labels, name=name, dtype="object")
            columns.append(
                _categorical_profile(name, str(series.dtype), labels, missing, duplicate_of)
            )
    duplicated = frame.duplicated(keep="first").to_numpy()
    duplicate_rows = np.flatnonzero(duplicated) + 1
    balance: dict[str, int] = {}
    if target is not None and target in frame.columns:
        counts = frame[target].dropna().astype(str).value_counts()
        if len(counts) <= MAX_CLASSES:
            balance = {str(k): int(v) for k, v in counts.items()}
    names = list(numeric)
    if names:
        correlation = pd.DataFrame(numeric).corr(method="pearson").to_numpy()
    else:
        correlation = np.zeros((0, 0))
    return DataProfile(
        rows=len(frame),
        columns=columns,
        duplicate_rows=int(duplicated.sum()),
        duplicate_row_numbers=[int(r) for r in duplicate_rows[:MAX_LISTED_ROWS]],
        target=target,
        class_balance=balance,
        correlation_columns=names,
        correlation=correlation,
    )


def _duplicate_of(name: str, series: pd.Series, seen: dict[tuple, str]) -> str | None:
    """The first earlier column whose cells are exactly these, or None (and remember this)."""
    key = tuple(pd.util.hash_pandas_object(series.astype(str), index=False).tolist())
    if key in seen:
        return seen[key]
    seen[key] = name
    return None


def _numeric_profile(
    name: str, dtype: str, numbers: pd.Series, missing: int, duplicate_of: str | None
) -> ColumnProfile:
    filled = numbers.dropna()
    if filled.empty:
        return ColumnProfile(
            name, "numeric", dtype, 0, missing, 0, constant=True, duplicate_of=duplicate_of
        )
    q1, q3 = filled.quantile(0.25), filled.quantile(0.75)
    fence = IQR_FENCE * (q3 - q1)
    outliers = int(((filled < q1 - fence) | (filled > q3 + fence)).sum())
    counts, edges = np.histogram(filled.to_numpy(), bins=HISTOGRAM_BINS)
    unique = int(filled.nunique())
    return ColumnProfile(
        name,
        "numeric",
        dtype,
        count=int(filled.count()),
        missing=missing,
        unique=unique,
        minimum=_number(filled.min()),
        maximum=_number(filled.max()),
        mean=_number(filled.mean()),
        std=_number(filled.std()) if len(filled) > 1 else None,
        outliers=outliers,
        counts=[int(c) for c in counts],
        edges=[float(e) for e in edges],
        constant=unique <= 1,
        duplicate_of=duplicate_of,
    )


def _categorical_profile(
    name: str, dtype: str, labels: pd.Series, missing: int, duplicate_of: str | None
) -> ColumnProfile:
    counts = labels.dropna().value_counts()
    top = counts.iloc[:TOP_VALUES]
    values = [str(v) for v in top.index]
    shown = [int(c) for c in top]
    if len(counts) > TOP_VALUES:
        values.append("…")
        shown.append(int(counts.iloc[TOP_VALUES:].sum()))
    return ColumnProfile(
        name,
        "categorical",
        dtype,
        count=int(counts.sum()),
        missing=missing,
        unique=len(counts),
        counts=shown,
        values=values,
        constant=len(counts) <= 1,
        duplicate_of=duplicate_of,
    )


def strongest_correlations(profile: DataProfile, limit: int = 5) -> list[tuple[str, str, float]]:
    """The most correlated pairs of different numeric columns, strongest (by size) first."""
    names: Sequence[str] = profile.correlation_columns
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            value = float(profile.correlation[i, j])
            if np.isfinite(value):
                pairs.append((names[i], names[j], value))
    pairs.sort(key=lambda p: -abs(p[2]))
    return pairs[:limit]

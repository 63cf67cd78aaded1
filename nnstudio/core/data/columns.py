"""Column analysis: is a column numbers or categories, what is missing, what is junk.

One function, :func:`analyze_column`, decides how every cell is read; the column table in the
GUI (:func:`describe_columns`), :func:`~nnstudio.core.data.prepare.prepare` and the fitted
:class:`~nnstudio.core.data.preprocess.Preprocessor` all use it, so a column can never be
numbers in one place and text in another.

Rows in messages are 1-based data rows (the header is not counted), the way a student counts
the rows of a table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nnstudio.core.errors import DataError
from nnstudio.i18n import _, ngettext, pgettext

#: Cell texts read as "no value" (pandas' defaults), compared after stripping spaces.
NA_TOKENS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
        "+nan",
        "+NaN",
    }
)

#: An integer-valued target with at most this many distinct values is read as classes.
MAX_AUTO_CLASSES = 20
#: A forced classification refuses a numeric target with more distinct values than this.
MAX_FORCED_CLASSES = 50


#: :data:`NA_TOKENS` in lower case: the check ignores case ("NAN", "Null").
NA_LOWER = frozenset(token.lower() for token in NA_TOKENS)


def is_na_text(text: str) -> bool:
    """Does this (stripped) cell text mean "no value"? Case does not matter ("NAN", "Null")."""
    return text.lower() in NA_LOWER


def parse_number(text: str, *, decimal_comma: bool = False) -> float | None:
    """``float(text)`` for what a spreadsheet would call a number, else None.

    Python's ``float`` also accepts ``1_000``, which no spreadsheet writes, so that is refused;
    a spelling of NaN is not a number either (it is a missing value).
    """
    if "_" in text:
        return None
    if decimal_comma and "," in text:
        if "." in text or text.count(",") != 1:
            return None
        text = text.replace(",", ".")
    try:
        number = float(text)
    except (ValueError, OverflowError):
        return None
    return None if math.isnan(number) else number


def parse_texts(texts: Sequence[str | None], *, decimal_comma: bool = False) -> np.ndarray:
    """float64 per cell; NaN where the cell is None or is not a number.

    pandas parses the bulk (it gives the same floats as Python's ``float``); the few cells it
    refuses get a second chance with :func:`parse_number`.
    """
    cells = list(texts)
    if decimal_comma:
        cells = [
            t.replace(",", ".")
            if t is not None and "," in t and "." not in t and t.count(",") == 1
            else t
            for t in cells
        ]
    try:
        numbers = np.array(
            pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan
            ),
            dtype="float64",
        )  # a writable copy: pandas may hand back a read-only view
    except (ValueError, TypeError, OverflowError):
        numbers = np.full(len(cells), np.nan)
    for i in np.flatnonzero(np.isnan(numbers)):
        if cells[i] is not None:
            value = parse_number(cells[i])
            if value is not None:
                numbers[i] = value
    return numbers


def format_numbers(numbers: np.ndarray, missing: np.ndarray) -> tuple[str | None, ...]:
    """:func:`format_label` of every cell, fast for whole numbers; None where missing."""
    out = np.full(numbers.size, None, dtype=object)
    present = ~missing
    values = numbers[present]
    whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 1e15)
    texts = np.empty(values.size, dtype=object)
    texts[whole] = values[whole].astype("int64").astype(str).tolist()
    texts[~whole] = [repr(float(v)) for v in values[~whole]]
    out[present] = texts
    return tuple(out.tolist())


def format_label(value: object) -> str:
    """Text of a cell used as a category or class name: 3.0 → "3", 2.5 → "2.5"."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(value).strip()


def label_sort_key(labels: Iterable[str]):
    """Sort key putting numeric labels in numeric order ("2" before "10"), others by text."""
    labels = list(labels)
    numbers = [parse_number(label) for label in labels]
    if labels and all(n is not None and math.isfinite(n) for n in numbers):
        return lambda label: (parse_number(label), label)
    return lambda label: label


def sorted_labels(labels: Iterable[str]) -> list[str]:
    labels = list(dict.fromkeys(labels))
    return sorted(labels, key=label_sort_key(labels))


def quote(text: object, limit: int = 40) -> str:
    """Quoted, single-line, bounded text of a value for a message."""
    shown = repr(str(text))
    return shown if len(shown) <= limit else shown[: limit - 4] + "…" + shown[-1]


def row_number(position: int, rows: Sequence[int] | None = None) -> int:
    """The 1-based row a user sees for a 0-based position."""
    return int(rows[position]) if rows is not None else position + 1


def rows_text(positions: Sequence[int], rows: Sequence[int] | None = None, limit: int = 3) -> str:
    """``"rows 4, 9, 17, …"`` for the first few of ``positions``."""
    # Translators: joins the row numbers of "rows 4, 9, 17, …" (Chinese: "、").
    separator = pgettext("list of row numbers", ", ")
    shown = [str(row_number(p, rows)) for p in positions[:limit]]
    more = separator + "…" if len(positions) > limit else ""
    return ngettext("row {rows}", "rows {rows}", len(positions)).format(
        rows=separator.join(shown) + more
    )


def in_file(label: str, message: str) -> str:
    """``message`` said about the file or table ``label`` ("phones.csv, column 'ram', …");
    ``message`` alone when there is no label."""
    # Translators: {label} names a file or dataset, {message} says what is wrong in it.
    return _("{label}, {message}").format(label=label, message=message) if label else message


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return False


@dataclass
class ColumnValues:
    """How one column reads: numbers (numeric) or labels (categorical), and its problem."""

    name: str
    kind: str
    #: float64 with NaN where missing; numeric kind only.
    numbers: np.ndarray | None
    #: Text of each cell, None where missing; categorical kind only.
    labels: list[str | None] | None
    missing: np.ndarray
    #: ``"row 17: 'abc' is not a number"`` or "" when the column reads cleanly.
    problem: str = ""
    _texts: tuple[str | None, ...] | None = None
    #: The problem is a cell that is not a number (calling the column categorical fixes it).
    junk: bool = False

    @property
    def texts(self) -> tuple[str | None, ...]:
        """The text of each cell (None where missing); made on demand for number columns."""
        if self._texts is None:
            self._texts = format_numbers(self.numbers, self.missing)
        return self._texts

    @property
    def n_missing(self) -> int:
        return int(self.missing.sum())

    def take(self, rows: np.ndarray) -> ColumnValues:
        """These cells at ``rows`` (positions), as analysing just those rows with this
        column's kind would read them: each cell reads the same wherever it stands.

        Preparation takes the training, validation and test rows from one analysis of the
        whole table instead of copying the table's rows and reading them again. Only for a
        column without a problem (its message names a row of the whole table).
        """
        if self.problem:
            raise ValueError(f"column {self.name!r} has a problem: {self.problem}")
        return ColumnValues(
            self.name,
            self.kind,
            None if self.numbers is None else self.numbers[rows],
            None if self.labels is None else [self.labels[i] for i in rows],
            # A column without gaps (the usual big table) needs no gather of its gaps.
            self.missing[rows] if self.missing.any() else np.zeros(len(rows), dtype=bool),
        )

    def raise_problem(self, label: str = "", *, advice: bool = True) -> None:
        """Raise the column's problem as a DataError; ``label`` names the file, if any.

        ``advice`` adds what the user can do in the data settings (not for a trained model).
        """
        if self.problem:
            if advice and self.junk:
                message = _(
                    "column {name}, {problem}; fix the value or set the column's kind to "
                    "categorical"
                )
            else:
                message = _("column {name}, {problem}")
            message = message.format(name=quote(self.name), problem=self.problem)
            raise DataError(in_file(label, message), where=self.name)


def stored_numbers(series: pd.Series) -> np.ndarray | None:
    """float64 (NaN where empty) of a column stored as numbers or True/False; None for text.

    A float64 column comes back as it is stored, without a copy.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("float64")
    if pd.api.types.is_numeric_dtype(series.dtype) and not isinstance(
        series.dtype, pd.CategoricalDtype
    ):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    return None


def analyze_column(
    series: pd.Series, kind: str | None = None, rows: Sequence[int] | None = None
) -> ColumnValues:
    """Read ``series`` as numbers or categories; ``kind`` overrides the automatic choice.

    A text column is numeric when more than half of its filled cells are numbers; the cells
    that are not become the column's problem (junk such as ``"abc"`` or ``"12,3x"``), reported
    with their row, unless the user declares the column categorical. ``rows`` gives the row
    number of each cell for messages (default 1, 2, 3, ...).
    """
    name = str(series.name)
    numbers = stored_numbers(series)
    if numbers is not None:
        missing = np.isnan(numbers)
        if kind == "categorical":
            return _categorical(name, format_numbers(numbers, missing), missing)
        return _numeric(name, numbers, missing, None, np.zeros(0, dtype="int64"), rows)

    texts_list: list[str | None] = []
    for value in series.tolist():
        if _is_missing(value):
            texts_list.append(None)
            continue
        text = format_label(value)
        texts_list.append(None if is_na_text(text) else text)
    texts = tuple(texts_list)
    missing = np.array([t is None for t in texts], dtype=bool)
    if kind == "categorical":
        return _categorical(name, texts, missing)
    numbers = parse_texts(texts)
    junk = np.flatnonzero(np.isnan(numbers) & ~missing)
    n_present = int((~missing).sum())
    if kind is None and n_present and junk.size * 2 >= n_present:
        return _categorical(name, texts, missing)
    return _numeric(name, numbers, missing, texts, junk, rows)


def _categorical(name: str, texts: tuple[str | None, ...], missing: np.ndarray) -> ColumnValues:
    return ColumnValues(name, "categorical", None, list(texts), missing, "", texts)


def _numeric(
    name: str,
    numbers: np.ndarray,
    missing: np.ndarray,
    texts: tuple[str | None, ...] | None,
    junk: np.ndarray,
    rows: Sequence[int] | None,
) -> ColumnValues:
    column = ColumnValues(name, "numeric", numbers, None, missing, "", texts)
    infinite = np.flatnonzero(np.isinf(numbers))
    first_junk = int(junk[0]) if junk.size else None
    first_inf = int(infinite[0]) if infinite.size else None
    if first_junk is not None and (first_inf is None or first_junk < first_inf):
        column.problem = _("row {row}: {value} is not a number").format(
            row=row_number(first_junk, rows), value=quote(column.texts[first_junk])
        )
        column.junk = True
    elif first_inf is not None:
        column.problem = _("row {row}: {value} is infinite; use a finite number").format(
            row=row_number(first_inf, rows), value=quote(column.texts[first_inf])
        )
    return column


@dataclass(frozen=True)
class ColumnInfo:
    """One row of the data panel's column table."""

    name: str
    kind: str
    dtype: str
    n_missing: int
    n_unique: int
    examples: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    #: Why the column cannot be used as it is ("row 17: 'abc' is not a number"), or "".
    problem: str = ""


def describe_columns(
    frame: pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
) -> list[ColumnInfo]:
    """Summaries for the column table; never raises for junk (it is in ``problem``)."""
    kinds = kinds or {}
    infos = []
    for position, name in enumerate(frame.columns):
        series = frame.iloc[:, position]
        column = analyze_column(series, kinds.get(str(name)))
        minimum = maximum = None
        if column.kind == "numeric":
            present = column.numbers[~column.missing]
            distinct = pd.unique(present)
            n_unique = int(distinct.size)
            examples = format_numbers(distinct[:5], np.zeros(min(5, distinct.size), bool))
            if column._texts is not None:  # text as written, e.g. 'abc' among the numbers
                written = [t for t in column.texts if t is not None]
                examples = tuple(list(dict.fromkeys(written))[:5])
                n_unique = len(set(written))
            finite = present[np.isfinite(present)]
            if finite.size:
                minimum, maximum = float(finite.min()), float(finite.max())
        else:
            unique = list(dict.fromkeys(t for t in column.labels if t is not None))
            n_unique, examples = len(unique), tuple(unique[:5])
        infos.append(
            ColumnInfo(
                name=str(name),
                kind=column.kind,
                dtype=str(series.dtype),
                n_missing=column.n_missing,
                n_unique=n_unique,
                examples=tuple(examples),
                minimum=minimum,
                maximum=maximum,
                problem=column.problem,
            )
        )
    return infos


def resolve_targets(frame: pd.DataFrame, targets: Sequence[str]) -> list[str]:
    """The target column names, checked; no targets means the last column."""
    columns = [str(c) for c in frame.columns]
    if not columns:
        raise DataError(_("the table has no columns"), where="targets")
    if not targets:
        return [columns[-1]]
    for name in targets:
        if name not in columns:
            shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
            raise DataError(
                _("target column {name} is not in the data (columns: {columns})").format(
                    name=quote(name), columns=shown
                ),
                where=name,
            )
    return list(targets)


def looks_like_classes(column: ColumnValues) -> bool:
    """The automatic rule: text, or whole numbers with few distinct values for the rows."""
    if column.kind == "categorical":
        return True
    present = column.numbers[~column.missing]
    present = present[np.isfinite(present)]
    if present.size == 0:
        return False
    distinct = np.unique(present)
    if not np.all(np.floor(distinct) == distinct):
        return False
    if distinct.size <= 2:
        return True
    return distinct.size <= MAX_AUTO_CLASSES and distinct.size <= present.size / 2


def detect_task(
    frame: pd.DataFrame, targets: Sequence[str] = (), kinds: Mapping[str, str] | None = None
) -> str:
    """``"classification"`` or ``"regression"`` by the automatic rule.

    One target: text → classification; whole numbers with at most two distinct values, or at
    most 20 and no more than half the number of rows → classification (class names are the
    numbers as text, "0" … "3"); anything else → regression. Several targets are always
    regression (one output per column, which also serves multi-label 0/1 columns); a text
    column among several targets is refused. No targets means the last column.
    """
    kinds = kinds or {}
    names = resolve_targets(frame, targets)
    columns = [analyze_column(frame[name], kinds.get(name)) for name in names]
    if len(columns) > 1:
        for column in columns:
            if column.kind == "categorical":
                raise DataError(
                    _(
                        "target column {name} holds text; several targets can only be "
                        "predicted together as numbers (regression); choose one target"
                    ).format(name=quote(column.name)),
                    where=column.name,
                )
        return "regression"
    return "classification" if looks_like_classes(columns[0]) else "regression"


def most_frequent(labels: Iterable[str]) -> str | None:
    """The commonest label; ties go to the smallest, like scikit-learn's SimpleImputer."""
    counts = Counter(labels)
    if not counts:
        return None
    best = max(counts.values())
    return sorted_labels(label for label, n in counts.items() if n == best)[0]


def most_frequent_number(numbers: np.ndarray) -> float | None:
    numbers = numbers[~np.isnan(numbers)]
    if numbers.size == 0:
        return None
    values, counts = np.unique(numbers, return_counts=True)
    return float(values[np.argmax(counts)])

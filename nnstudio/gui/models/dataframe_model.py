"""A read-only Qt table model over a pandas DataFrame, fast enough for 100k+ rows.

Views ask only for the cells they paint, so nothing is formatted in advance: each column's
values are fetched as one numpy array the first time a cell of it is shown, and a cell's text,
colour and tooltip are computed on demand from that array. ``rowCount``/``columnCount`` are
O(1). The header names each column with its kind ("ram / numeric") and role, and colours tell
the student at a glance which column is the target, which are ignored, which cells are empty
and which hold junk that is not a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from nnstudio.core.data.columns import is_na_text, parse_number
from nnstudio.gui import theme
from nnstudio.gui.theme import IGNORED_TEXT, IGNORED_TINT, JUNK_TINT, MISSING_TINT, TARGET_TINT
from nnstudio.gui.widgets.labels import escape_html
from nnstudio.i18n import N_, _

_Index = QModelIndex | QPersistentModelIndex


#: What a missing cell shows: an empty-looking cell would be overlooked.
MISSING_TEXT = "—"

_OK, _MISSING, _JUNK = 0, 1, 2

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_CELL_ROLES = frozenset({_DISPLAY, _BACKGROUND, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _FONT})
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_JUNK_BRUSH = QBrush(JUNK_TINT)
_MISSING_BRUSH = QBrush(MISSING_TINT)
#: Column tints by role (features have none); the brushes are made once, not per cell.
_ROLE_TINTS = {"target": TARGET_TINT, "ignored": IGNORED_TINT}
_ROLE_BRUSHES = {role: QBrush(tint) for role, tint in _ROLE_TINTS.items()}
_IGNORED_TEXT_BRUSH = QBrush(IGNORED_TEXT)
_MUTED_BRUSH = QBrush(theme.MUTED_TEXT)

_ROLE_WORDS = {"target": N_("target"), "ignored": N_("ignored")}
#: A column's kind as the header names it (the model keeps the English key).
_KIND_WORDS = {"numeric": N_("numeric"), "categorical": N_("categorical"), "text": N_("text")}


def format_cell(value: Any) -> str:
    """Short text of one cell: whole floats without ".0", others with 6 significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return str(value)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, str):
        return is_na_text(value.strip())
    return False


class DataFrameModel(QAbstractTableModel):
    """Read-only model of a DataFrame with kind/role-aware headers and problem highlighting.

    ``kinds`` maps column names to "numeric"/"categorical" (as detected or overridden); text
    cells of a numeric column that are not numbers are shown as junk. ``roles`` maps column
    names to "target", "ignored" or "input" (see ``nnstudio.core.data.column_roles``).
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        parent: Any = None,
        *,
        kinds: Mapping[str, str] | None = None,
        roles: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._frame: pd.DataFrame | None = None
        self._names: list[str] = []
        self._n_rows = 0
        self._arrays: list[np.ndarray | None] = []
        self._text_columns: list[bool] = []
        self._kinds: dict[str, str] = {}
        self._roles: dict[str, str] = {}
        # One-cell cache: a view asks for ~8 roles of the same cell in a row.
        self._last: tuple[int, int, str, int] | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self.set_frame(frame, kinds=kinds, roles=roles)

    # --- public API --------------------------------------------------------------------------

    def set_frame(
        self,
        frame: pd.DataFrame | None,
        *,
        kinds: Mapping[str, str] | None = None,
        roles: Mapping[str, str] | None = None,
    ) -> None:
        """Show another frame (None: an empty model); O(columns), no cell is read here."""
        self.beginResetModel()
        self._frame = frame
        if frame is None:
            self._names, self._n_rows = [], 0
        else:
            self._names = [str(c) for c in frame.columns]
            self._n_rows = len(frame)
        self._arrays = [None] * len(self._names)
        self._text_columns = (
            [
                not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
                for dtype in frame.dtypes
            ]
            if frame is not None
            else []
        )
        self._kinds = dict(kinds or {})
        self._roles = dict(roles or {})
        self._last = None
        self.endResetModel()

    def frame(self) -> pd.DataFrame | None:
        return self._frame

    def set_kinds(self, kinds: Mapping[str, str]) -> None:
        """Column kinds for the header and junk detection; repaints without a reset."""
        kinds = dict(kinds)
        if kinds == self._kinds:
            return
        self._kinds = kinds
        self._last = None
        self._all_changed()

    def set_roles(self, roles: Mapping[str, str]) -> None:
        """Column roles ("target", "ignored", "input") for tints; repaints without a reset."""
        roles = dict(roles)
        if roles == self._roles:
            return
        self._roles = roles
        self._all_changed()

    def kinds(self) -> dict[str, str]:
        return dict(self._kinds)

    def roles(self) -> dict[str, str]:
        return dict(self._roles)

    def column_name(self, column: int) -> str:
        return self._names[column]

    def column_index(self, name: str) -> int:
        """Position of column ``name``, or -1."""
        try:
            return self._names.index(name)
        except ValueError:
            return -1

    def cell_text(self, row: int, column: int) -> str:
        """The text a view shows for a cell (for tests and copy)."""
        return self._cell(row, column)[2]

    def cell_status(self, row: int, column: int) -> str:
        """ "ok", "missing" or "junk" (a text cell in a numeric column)."""
        return ("ok", "missing", "junk")[self._cell(row, column)[3]]

    # --- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._n_rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every painted cell and role: plain int comparisons, handled roles only.
        if role not in _CELL_ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == _DISPLAY:
            return self._cell(row, column)[2]
        status = self._cell(row, column)[3]
        if role == _BACKGROUND:
            if status == _JUNK:
                return _JUNK_BRUSH
            if status == _MISSING:
                return _MISSING_BRUSH
            return self._column_brush(column)
        if role == _FOREGROUND:
            if self._roles.get(self._names[column]) == "ignored":
                return _IGNORED_TEXT_BRUSH
            return _MUTED_BRUSH if status == _MISSING else None
        if role == _ALIGNMENT:
            if status == _MISSING:
                return _CENTER
            numeric = self._kinds.get(self._names[column]) == "numeric"
            return _RIGHT if numeric or not self._text_columns[column] else _LEFT
        if role == _TOOLTIP:
            return self._cell_tooltip(row, column)
        return self._bold if status == _JUNK else None  # FontRole

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                # 1-based data rows, as in every message about the data.
                return str(section + 1)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if not 0 <= section < len(self._names):
            return None
        name = self._names[section]
        role_name = self._roles.get(name, "input")
        if role == Qt.ItemDataRole.DisplayRole:
            detail = self._header_kind(section)
            if role_name in _ROLE_WORDS:
                detail += f" · {_(_ROLE_WORDS[role_name])}"
            return f"{name}\n{detail}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._header_tooltip(section)
        if role == Qt.ItemDataRole.BackgroundRole:
            tint = self._role_tint(section)
            return QBrush(tint) if tint is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and role_name == "ignored":
            return QBrush(IGNORED_TEXT)
        if role == Qt.ItemDataRole.FontRole and role_name == "target":
            return self._bold
        return None

    # --- internals ---------------------------------------------------------------------------

    def _all_changed(self) -> None:
        if self._n_rows and self._names:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._n_rows - 1, len(self._names) - 1)
            )
        if self._names:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._names) - 1)

    def _array(self, column: int) -> np.ndarray:
        array = self._arrays[column]
        if array is None:
            assert self._frame is not None
            # One column at a time, when first shown: numeric columns are a zero-copy view.
            array = self._frame.iloc[:, column].to_numpy()
            self._arrays[column] = array
        return array

    def _cell(self, row: int, column: int) -> tuple[int, int, str, int]:
        last = self._last
        if last is not None and last[0] == row and last[1] == column:
            return last
        value = self._array(column)[row]
        if _is_missing(value):
            result = (row, column, MISSING_TEXT, _MISSING)
        else:
            text = format_cell(value)
            status = _OK
            if (
                self._text_columns[column]
                and isinstance(value, str)
                and self._kinds.get(self._names[column]) == "numeric"
                and parse_number(value.strip()) is None
            ):
                status = _JUNK
            result = (row, column, text, status)
        self._last = result
        return result

    def _column_brush(self, column: int) -> QBrush | None:
        return _ROLE_BRUSHES.get(self._roles.get(self._names[column]))

    def _role_tint(self, column: int) -> QColor | None:
        return _ROLE_TINTS.get(self._roles.get(self._names[column]))

    def _header_kind(self, column: int) -> str:
        """The column's kind as shown, in the current language."""
        kind = self._kinds.get(self._names[column])
        if not kind:
            kind = "text" if self._text_columns[column] else "numeric"
        return _(_KIND_WORDS[kind]) if kind in _KIND_WORDS else kind

    def _header_tooltip(self, column: int) -> str:
        name = self._names[column]
        role = self._roles.get(name, "input")
        if role == "target":
            role_text = _("the target: what the network learns to predict")
        elif role == "ignored":
            role_text = _("ignored: not given to the network")
        else:
            role_text = _("an input (feature) of the network")
        dtype = str(self._frame.dtypes.iloc[column]) if self._frame is not None else ""
        return _("<b>{name}</b><br>Kind: {kind} (stored as {dtype})<br>Role: {role}").format(
            name=escape_html(name), kind=self._header_kind(column), dtype=dtype, role=role_text
        )

    def _cell_tooltip(self, row: int, column: int) -> str | None:
        _row, _column, text, status = self._cell(row, column)
        if status == _MISSING:
            return _("Row {row}, column {column!r}: missing value (empty cell)").format(
                row=row + 1, column=self._names[column]
            )
        if status == _JUNK:
            return _(
                "Row {row}, column {column!r}: {text!r} is not a number in a numeric column. "
                "Fix the file, or set the column's kind to categorical."
            ).format(row=row + 1, column=self._names[column], text=text)
        return text if len(text) > 20 else None

"""Editors for declared parameters: one widget per
:class:`~nnstudio.core.catalogue.params.ParamSpec` kind.

Reusable by every panel that edits a component (the layer inspector, the training panel's
optimiser/loss/schedule, the data panel's dataset options). Two entry points:

``make_editor(spec, on_change=None, parent=None) -> ParamEditor``
    One editor for one parameter. ``on_change(value)`` is called (and the editor's
    ``value_changed(object)`` signal emitted) only when the *user* changes the value, always
    with the value already coerced by ``spec.coerce`` — never with invalid input.
    ``editor.set_value(v)`` shows a value from the model without emitting anything, so a
    view can follow the model (undo/redo) without echoing edits back.

``ParamForm(specs, parent=None)``
    A labelled form (QFormLayout) of editors for a list of specs, e.g. a component's
    ``params``. ``form.changed(name, value)`` reports user edits; ``form.set_values(dict)``
    shows model values silently; ``form.editor(name)`` returns one editor;
    ``form.set_row_visible(name, bool)`` hides rows that do not apply.

Typical use in a panel::

    form = ParamForm(OPTIMIZERS.get("adam").params)
    form.set_values(settings.optimiser)
    form.changed.connect(lambda name, value: push_command(name, value))
    # after a refused edit, or when the model changes elsewhere:
    form.set_values({name: model_value})

Editors by kind: ``int`` spin box; ``float`` spin box (log-scaled ``log_scale`` params such as
learning rates step 1 → 2 → 5 → 10 and show ``1e-4``); ``bool`` check box; ``choice`` combo;
``text`` line edit; ``int_or_auto`` spin box with an "auto" toggle; ``int_list``/``float_list``
line edit (``50, 125, 160``) with a red border and the reason as tooltip on bad input;
``matrix`` preview with an "Edit values…" table dialog; ``component`` combo of a registry's
entries plus a nested :class:`ParamForm` for the chosen entry's own parameters.

Hints (``editor.set_hints({...})``) pass context the spec cannot know, and nested component
editors forward them: ``matrix_shape`` ``(rows, cols)`` offers the size a weight matrix
needs; ``auto_value`` is the size an ``auto`` field currently resolves to; ``placeholder``
is shown in empty text fields.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QGuiApplication, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.params import AUTO, ParamError, ParamSpec, registry_named
from nnstudio.gui import theme
from nnstudio.gui.widgets.labels import add_entries, compact_combo
from nnstudio.i18n import _, ngettext

__all__ = [
    "ComponentEditor",
    "MatrixDialog",
    "ParamEditor",
    "ParamForm",
    "format_number",
    "make_editor",
]

_INT_LIMIT = 2_147_483_647
_FLOAT_LIMIT = 1e12
_W = TypeVar("_W", bound=QWidget)
_ERROR_STYLE = (
    f"QLineEdit {{ border: 1px solid {theme.ERROR.name()}; border-radius: 3px; padding: 1px 3px; }}"
)


# --- number formatting ----------------------------------------------------------------------


def format_number(value: float, decimals: int = 6) -> str:
    """Short text for a float: ``0.5``, ``100``, ``1e-4`` (never ``0.50000000``)."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e6:
        text = f"{value:.{max(0, decimals)}f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-", "-0") else "0"
    text = f"{value:.3e}"
    mantissa, exponent = text.split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _parse_float(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_PARTIAL_NUMBER = re.compile(r"^\s*[-+]?(\d*[.,]?\d*)([eE][-+]?\d*)?\s*$")


def _bounds(spec: ParamSpec, step: float, default_limit: float) -> tuple[float, float]:
    """Widget range from the spec; exclusive bounds move in by one ``step``."""
    lo = -default_limit if spec.minimum is None else float(spec.minimum)
    hi = default_limit if spec.maximum is None else float(spec.maximum)
    if spec.exclusive_min and spec.minimum is not None:
        lo += step
    if spec.exclusive_max and spec.maximum is not None:
        hi -= step
    return lo, hi


# --- the editor base ------------------------------------------------------------------------


class ParamEditor(QWidget):
    """Base of every editor: shows one value, reports user edits as coerced values.

    What varies between editors is how a value is put in their widgets: each passes that
    function as ``show`` (usually its own ``_show`` method, which runs only after the
    editor has built its widgets). Editors call :meth:`_commit` with whatever the user
    entered; invalid input is reported in place and never emitted.
    """

    #: The user changed the value; the argument is already coerced by ``spec.coerce``.
    value_changed = Signal(object)

    def __init__(
        self,
        spec: ParamSpec,
        show: Callable[[Any], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        # Puts a coerced value in the widgets; called with ``_updating`` set, so the
        # widgets' own change signals do not echo it back as a user edit.
        self._show_value = show
        self._value: Any = spec.default
        self._hints: dict[str, Any] = {}
        self._updating = False
        self.setToolTip(_(spec.help))
        # Preferred (not Fixed) height so wrapped notes inside an editor get their lines.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def value(self) -> Any:
        """The value currently shown (the last one set or committed)."""
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting; values that do not fit the spec show the default."""
        try:
            value = self.spec.coerce(value)
        except (ParamError, KeyError, TypeError, ValueError):
            value = self.spec.default
        self._value = value
        self._updating = True
        try:
            self._show_value(value)
        finally:
            self._updating = False

    def set_hints(self, hints: Mapping[str, Any]) -> None:
        """Context the spec cannot know (see the module docstring)."""
        self._hints = dict(hints)
        self._hints_changed()

    def hints(self) -> dict[str, Any]:
        return dict(self._hints)

    # -- for subclasses ----------------------------------------------------------------------

    def _hints_changed(self) -> None:
        """Called after :meth:`set_hints`; editors that use hints refresh here."""

    def _commit(self, raw: Any) -> bool:
        """Coerce ``raw``; emit when valid and different. Returns False for invalid input."""
        if self._updating:
            return True
        try:
            value = self.spec.coerce(raw)
        except (ParamError, KeyError, TypeError, ValueError) as exc:
            self._invalid(str(exc))
            return False
        self._valid()
        if value == self._value:
            return True
        self._value = value
        self.value_changed.emit(value)
        return True

    def _invalid(self, message: str) -> None:
        """Input that does not fit; default: put the shown value back."""
        self.set_value(self._value)

    def _valid(self) -> None:
        pass

    def _single(self, widget: _W) -> _W:
        """Make ``widget`` this editor's only field, explained by the parameter's help."""
        widget.setToolTip(_(self.spec.help))
        layout = QHBoxLayout(self)
        _fill(layout)
        layout.addWidget(widget)
        return widget


def _fill(layout: QHBoxLayout | QVBoxLayout) -> None:
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)


def _int_spin(spec: ParamSpec, parent: QWidget) -> QSpinBox:
    """A spin box over the spec's whole-number range (clamped to what QSpinBox can hold)."""
    spin = QSpinBox(parent)
    lo, hi = _bounds(spec, 1, _INT_LIMIT)
    spin.setRange(int(max(lo, -_INT_LIMIT)), int(min(hi, _INT_LIMIT)))
    spin.setKeyboardTracking(False)
    spin.setAccelerated(True)
    spin.setToolTip(_(spec.help))
    return spin


# --- numbers --------------------------------------------------------------------------------


class _TextSpinMixin:
    """Locale-free parsing ('.' decimals, ``1e-4``) for double spin boxes."""

    def validate(self, text: str, pos: int) -> object:
        body = text.strip()
        value = _parse_float(body)
        if value is not None:
            if self.minimum() <= value <= self.maximum():  # type: ignore[attr-defined]
                return QValidator.State.Acceptable, text, pos
            return QValidator.State.Intermediate, text, pos
        if _PARTIAL_NUMBER.match(body):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def valueFromText(self, text: str) -> float:
        value = _parse_float(text)
        return self.value() if value is None else value  # type: ignore[attr-defined]


class NumberSpinBox(_TextSpinMixin, QDoubleSpinBox):
    """A double spin box that shows ``0.5`` rather than ``0.5000``."""

    def textFromValue(self, value: float) -> str:
        return format_number(value, self.decimals())


class LogSpinBox(_TextSpinMixin, QDoubleSpinBox):
    """For learning rates and epsilons: shows ``1e-4`` and steps 1 → 2 → 5 → 10.

    A linear step of 0.001 is useless for a value that may be 1e-5 or 0.1; a 1-2-5 ladder
    visits the values people actually try in two or three clicks per decade.
    """

    def textFromValue(self, value: float) -> str:
        return format_number(value, self.decimals())

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _step in range(abs(steps)):
            value = self._ladder(value, steps > 0)
        self.setValue(min(self.maximum(), max(self.minimum(), value)))

    def _ladder(self, value: float, up: bool) -> float:
        smallest = max(10.0 ** -self.decimals(), self.minimum())
        if value <= 0:
            return _round_sig(smallest) if up else value
        k = math.floor(math.log10(value))
        ladder = [_round_sig(m * 10.0**e) for e in (k - 1, k, k + 1) for m in (1, 2, 5)]
        if up:
            return min(c for c in ladder if c > value * (1 + 1e-9))
        lower = [c for c in ladder if c < value * (1 - 1e-9)]
        nxt = max(lower) if lower else value
        if nxt < smallest:
            return self.minimum()
        return nxt

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.maximum():
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.minimum():
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


def _round_sig(value: float) -> float:
    return float(f"{value:.12g}")


class IntEditor(ParamEditor):
    """Whole numbers in the spec's range."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.spin = self._single(_int_spin(spec, self))
        self.spin.valueChanged.connect(self._commit)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.spin):
            self.spin.setValue(int(value))


class FloatEditor(ParamEditor):
    """Real numbers; ``log_scale`` specs get the 1-2-5 :class:`LogSpinBox`."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        decimals = max(0, spec.decimals)
        box: QDoubleSpinBox = LogSpinBox(self) if spec.log_scale else NumberSpinBox(self)
        box.setDecimals(decimals)
        lo, hi = _bounds(spec, 10.0**-decimals, _FLOAT_LIMIT)
        box.setRange(lo, hi)
        box.setSingleStep(_linear_step(lo, hi, decimals))
        box.setKeyboardTracking(False)
        self.spin = self._single(box)
        box.valueChanged.connect(self._commit)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.spin):
            self.spin.setValue(float(value))


def _linear_step(lo: float, hi: float, decimals: int) -> float:
    span = hi - lo
    if span <= 1.0 + 1e-9:
        step = 0.05 if decimals <= 3 else 0.01
    elif span <= 20:
        step = 0.1
    else:
        step = 1.0
    return max(step, 10.0**-decimals)


class IntOrAutoEditor(ParamEditor):
    """A size that may follow the data: spin box plus an "auto" toggle.

    With the ``auto_value`` hint the disabled spin box shows what ``auto`` resolves to now.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        layout = QHBoxLayout(self)
        _fill(layout)
        self.spin = _int_spin(spec, self)
        self.auto = QCheckBox(_("auto"), self)
        self.auto.setToolTip(
            _("Follow the data: the size is worked out from the loaded dataset and the task.")
            + "\n\n"
            + _(spec.help)
        )
        layout.addWidget(self.spin, 1)
        layout.addWidget(self.auto)
        self._last_number = spec.default if isinstance(spec.default, int) else self.spin.minimum()
        self.spin.valueChanged.connect(self._on_spin)
        self.auto.toggled.connect(self._on_auto)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        is_auto = value == AUTO
        if not is_auto:
            self._last_number = int(value)
        with QSignalBlocker(self.auto), QSignalBlocker(self.spin):
            self.auto.setChecked(is_auto)
            self.spin.setEnabled(not is_auto)
            self.spin.setValue(self._shown_number(is_auto))

    def _shown_number(self, is_auto: bool) -> int:
        resolved = self._hints.get("auto_value")
        if is_auto and isinstance(resolved, int):
            return resolved
        return self._last_number

    def _hints_changed(self) -> None:
        self.set_value(self._value)

    def _on_spin(self, number: int) -> None:
        if not self.auto.isChecked():
            self._last_number = number
            self._commit(number)

    def _on_auto(self, checked: bool) -> None:
        self.spin.setEnabled(not checked)
        if checked:
            self._commit(AUTO)
            with QSignalBlocker(self.spin):
                self.spin.setValue(self._shown_number(True))
        else:
            self._commit(self.spin.value())


# --- simple kinds ---------------------------------------------------------------------------


class BoolEditor(ParamEditor):
    """A check box labelled with the parameter's title (the form leaves its label empty)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.check = self._single(QCheckBox(_(spec.title), self))
        self.check.toggled.connect(self._commit)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.check):
            self.check.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    """One of the spec's fixed choices."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.combo = self._single(compact_combo(QComboBox(self), 6))
        for choice in spec.choices:
            label = spec.choice_label(choice)
            self.combo.addItem(_(label) if spec.choice_labels else label, choice)
        self.combo.currentIndexChanged.connect(
            lambda index: self._commit(self.combo.itemData(index))
        )
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(max(0, self.combo.findData(value)))


class TextEditor(ParamEditor):
    """Free text, committed when editing finishes (Enter or leaving the field)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.line = self._single(QLineEdit(self))
        self.line.editingFinished.connect(lambda: self._commit(self.line.text()))
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        self.line.setText(str(value))

    def _hints_changed(self) -> None:
        self.line.setPlaceholderText(str(self._hints.get("placeholder", "")))


class ListEditor(ParamEditor):
    """``int_list``/``float_list`` typed as ``50, 125, 160``; bad input turns the border red."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.line = self._single(QLineEdit(self))
        example = "50, 125, 160" if spec.kind == "int_list" else "0.5, 1, 2"
        self.line.setPlaceholderText(_("e.g. {example}").format(example=example))
        self.error: str | None = None
        self.line.textEdited.connect(self._check_live)
        self.line.editingFinished.connect(self._on_finished)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        self._valid()
        self.line.setText(_format_list(value, self.spec.kind))

    def _parse(self, text: str) -> Any:
        if not text.strip() and self.spec.optional:
            return None
        return self.spec.coerce(text)

    def _check_live(self, text: str) -> None:
        try:
            self._parse(text)
        except ParamError as exc:
            self._invalid(str(exc))
        else:
            self._valid()

    def _on_finished(self) -> None:
        try:
            value = self._parse(self.line.text())
        except ParamError as exc:
            self._invalid(str(exc))
            return
        if self._commit(value):
            self.line.setText(_format_list(self._value, self.spec.kind))

    def _invalid(self, message: str) -> None:
        # Keep the text so the user can fix it; say why in the tooltip and with a red frame.
        self.error = message
        self.line.setStyleSheet(_ERROR_STYLE)
        self.line.setToolTip(f"⚠ {message}\n\n{_(self.spec.help)}")

    def _valid(self) -> None:
        self.error = None
        self.line.setStyleSheet("")
        self.line.setToolTip(_(self.spec.help))


def _format_list(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "int_list":
        return ", ".join(str(int(v)) for v in value)
    return ", ".join(format_number(float(v), 8) for v in value)


# --- matrices -------------------------------------------------------------------------------


def _shape(matrix: Sequence[Sequence[float]] | None) -> tuple[int, int]:
    if not matrix:
        return 0, 0
    return len(matrix), len(matrix[0])


def _matrix_preview(matrix: Sequence[Sequence[float]] | None, limit: int = 42) -> str:
    if matrix is None:
        return _("not set")
    text = "; ".join(", ".join(format_number(v, 6) for v in row) for row in matrix)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MatrixDialog(QDialog):
    """A table of numbers sized rows × columns, for typing weights by hand.

    ``expected`` is the size the layer needs (units × inputs); a button resizes to it.
    Cells that are not numbers turn red and keep OK disabled.
    """

    def __init__(
        self,
        values: Sequence[Sequence[float]] | None,
        *,
        expected: tuple[int, int] | None = None,
        title: str = "",
        help_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or _("Edit values"))
        self.expected = expected
        layout = QVBoxLayout(self)
        if help_text:
            intro = QLabel(help_text, self)
            intro.setWordWrap(True)
            layout.addWidget(intro)

        size_row = QHBoxLayout()
        self.rows = QSpinBox(self)
        self.rows.setRange(1, 512)
        self.rows.setToolTip(_("Rows: one per unit (neuron) of the layer."))
        self.cols = QSpinBox(self)
        self.cols.setRange(1, 512)
        self.cols.setToolTip(_("Columns: one per input of each unit."))
        size_row.addWidget(QLabel(_("Rows"), self))
        size_row.addWidget(self.rows)
        size_row.addWidget(QLabel(_("× columns"), self))
        size_row.addWidget(self.cols)
        size_row.addStretch(1)
        self.fit_button = QPushButton(self)
        self.fit_button.setVisible(expected is not None)
        if expected is not None:
            self.fit_button.setText(
                _("Use layer size {rows}×{cols}").format(rows=expected[0], cols=expected[1])
            )
            self.fit_button.setToolTip(_("One row per unit, one column per input of the layer."))
        self.fit_button.clicked.connect(self._fit_expected)
        size_row.addWidget(self.fit_button)
        paste = QPushButton(_("Paste"), self)
        paste.setToolTip(
            _(
                "Paste numbers from the clipboard: one row per line, values separated by "
                "commas, spaces or tabs (e.g. copied from a lesson or a spreadsheet)."
            )
        )
        paste.clicked.connect(self.paste)
        size_row.addWidget(paste)
        layout.addLayout(size_row)

        self.table = QTableWidget(self)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        layout.addWidget(self.table, 1)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        matrix = [list(r) for r in values] if values else []
        if not matrix:
            r, c = expected or (1, 1)
            matrix = [[0.0] * c for _row in range(r)]
        self.set_matrix(matrix)
        self.rows.valueChanged.connect(self._resize)
        self.cols.valueChanged.connect(self._resize)
        self.table.itemChanged.connect(lambda _item: self._check())
        self.resize(min(720, 140 + 80 * self.table.columnCount()), 300)

    def set_matrix(self, matrix: Sequence[Sequence[float]]) -> None:
        rows, cols = _shape(matrix)
        with QSignalBlocker(self.rows), QSignalBlocker(self.cols), QSignalBlocker(self.table):
            self.rows.setValue(rows)
            self.cols.setValue(cols)
            self.table.setRowCount(rows)
            self.table.setColumnCount(cols)
            for i, row in enumerate(matrix):
                for j, v in enumerate(row):
                    self.table.setItem(i, j, QTableWidgetItem(format_number(float(v), 10)))
        self._label_headers()
        self._check()

    def matrix(self) -> list[list[float]] | None:
        """The typed numbers, or None while any cell is not a number."""
        out = []
        for i in range(self.table.rowCount()):
            row = []
            for j in range(self.table.columnCount()):
                item = self.table.item(i, j)
                value = _parse_float(item.text()) if item is not None and item.text() else 0.0
                if value is None:
                    return None
                row.append(value)
            out.append(row)
        return out

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        rows = [
            [_parse_float(x) for x in re.split(r"[,\s;]+", line.strip().strip("[](),")) if x]
            for line in re.split(r"\n|\]\s*,?\s*\[", text.strip())
            if line.strip().strip("[](),")
        ]
        if not rows or any(v is None for r in rows for v in r) or len({len(r) for r in rows}) > 1:
            self.status.setText(_("The clipboard does not hold a table of numbers."))
            return
        self.set_matrix(rows)  # type: ignore[arg-type]

    def _fit_expected(self) -> None:
        if self.expected is not None:
            with QSignalBlocker(self.rows), QSignalBlocker(self.cols):
                self.rows.setValue(self.expected[0])
                self.cols.setValue(self.expected[1])
            self._resize()

    def _resize(self) -> None:
        old_rows, old_cols = self.table.rowCount(), self.table.columnCount()
        with QSignalBlocker(self.table):
            self.table.setRowCount(self.rows.value())
            self.table.setColumnCount(self.cols.value())
            for i in range(self.table.rowCount()):
                for j in range(self.table.columnCount()):
                    if i >= old_rows or j >= old_cols or self.table.item(i, j) is None:
                        self.table.setItem(i, j, QTableWidgetItem("0"))
        self._label_headers()
        self._check()

    def _label_headers(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [_("in {number}").format(number=j + 1) for j in range(self.table.columnCount())]
        )
        self.table.setVerticalHeaderLabels(
            [_("unit {number}").format(number=i + 1) for i in range(self.table.rowCount())]
        )

    def _check(self) -> None:
        bad = 0
        with QSignalBlocker(self.table):
            for i in range(self.table.rowCount()):
                for j in range(self.table.columnCount()):
                    item = self.table.item(i, j)
                    ok = item is None or not item.text() or _parse_float(item.text()) is not None
                    bad += not ok
                    if item is not None:
                        item.setBackground(QBrush() if ok else _BAD_CELL)
        shape = (self.table.rowCount(), self.table.columnCount())
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok_button.setEnabled(bad == 0)
        if bad:
            self.status.setText(
                ngettext(
                    "{count} cell is not a number.", "{count} cells are not a number.", bad
                ).format(count=bad)
            )
            self.status.setStyleSheet(f"color: {theme.ERROR.name()};")
        elif self.expected is not None and shape != self.expected and shape != (1, 1):
            self.status.setText(
                _(
                    "This layer needs {rows}×{cols} (one row per unit, one column per input). "
                    "A single number fills everything."
                ).format(rows=self.expected[0], cols=self.expected[1])
            )
            self.status.setStyleSheet(f"color: {theme.WARNING_TEXT.name()};")
        else:
            self.status.setText("")
            self.status.setStyleSheet("")


_BAD_CELL = QBrush(theme.BAD_CELL_BG)


class MatrixEditor(ParamEditor):
    """A preview of an explicit matrix and a button opening :class:`MatrixDialog`."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        layout = QVBoxLayout(self)
        _fill(layout)
        layout.setSpacing(2)
        row = QHBoxLayout()
        _fill(row)
        self.preview = QLabel(self)
        self.preview.setToolTip(_(spec.help))
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.button = QPushButton(_("Edit values…"), self)
        self.button.setToolTip(_(spec.help))
        self.button.clicked.connect(self.open_dialog)
        row.addWidget(self.preview, 1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.note = QLabel(self)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        rows, cols = _shape(value)
        size = f"{rows}×{cols}" if value is not None else ""
        self.preview.setText(f"<b>{size}</b>&nbsp; {_matrix_preview(value)}")
        self.preview.setToolTip(
            "\n".join(", ".join(format_number(v, 8) for v in r) for r in value or [])
            + f"\n\n{_(self.spec.help)}"
        )
        self._update_note()

    def _hints_changed(self) -> None:
        self._update_note()

    def _update_note(self) -> None:
        # One short unwrapped line (nested forms do not grow for wrapped text); the
        # tooltip carries the explanation.
        expected = self._hints.get("matrix_shape")
        shape = _shape(self._value)
        if expected is None:
            self.note.setVisible(False)
            return
        rows, cols = expected
        count = shape[0] * shape[1]
        fits = tuple(expected) == shape or count == 1 or (rows == 1 and count == cols)
        if fits and count == 1 and tuple(expected) != (1, 1):
            text = _("One number fills all {rows}×{cols}").format(rows=rows, cols=cols)
            color = theme.MUTED_TEXT.name()
        elif fits:
            text = _("Fits this layer ({rows}×{cols}) ✓").format(rows=rows, cols=cols)
            color = theme.OK.name()
        else:
            text = _("Typed {typed_rows}×{typed_cols}; needs {rows}×{cols}").format(
                typed_rows=shape[0], typed_cols=shape[1], rows=rows, cols=cols
            )
            color = theme.ERROR.name()
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {color};")
        self.note.setToolTip(
            _(
                "This layer needs {rows}×{cols} values: one row per unit (neuron), one column "
                "per input. A single number fills the whole tensor."
            ).format(rows=rows, cols=cols)
        )
        self.note.setVisible(True)

    def open_dialog(self) -> None:
        dialog = MatrixDialog(
            self._value,
            expected=self._hints.get("matrix_shape"),
            title=_(self.spec.title),
            help_text=_(self.spec.help),
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            matrix = dialog.matrix()
            if matrix is not None and self._commit(matrix):
                self.set_value(self._value)


# --- nested components ----------------------------------------------------------------------


class ComponentEditor(ParamEditor):
    """A registry entry chosen by name, with editors for that entry's own parameters.

    Switching entries keeps parameters the old and new entry share (Kaiming normal →
    uniform keeps mode and nonlinearity), so exploring alternatives loses nothing.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, self._show, parent)
        self.registry = registry_named(spec.registry)
        layout = QVBoxLayout(self)
        _fill(layout)
        layout.setSpacing(4)
        self.combo = compact_combo(QComboBox(self), 8)
        add_entries(self.combo, self.registry, _entry_tooltip)
        layout.addWidget(self.combo)
        self.nested = QFrame(self)
        self.nested.setObjectName("nestedParams")
        self.nested.setStyleSheet(
            f"#nestedParams {{ border: none; border-left: 2px solid {theme.CARD_BORDER.name()}; "
            "margin-left: 2px; }"
        )
        nested_layout = QVBoxLayout(self.nested)
        nested_layout.setContentsMargins(10, 2, 0, 2)
        self.form = ParamForm((), self.nested)
        nested_layout.addWidget(self.form)
        layout.addWidget(self.nested)
        self.combo.currentIndexChanged.connect(self._on_combo)
        self.form.changed.connect(self._on_nested)
        self.set_value(spec.default)

    def current_name(self) -> str:
        return str(self.combo.currentData())

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(max(0, self.combo.findData(value["name"])))
        self._rebuild(value)

    def _rebuild(self, value: Mapping[str, Any]) -> None:
        entry = self.registry.get(value["name"])
        if tuple(self.form.specs) != tuple(entry.params):
            self.form.set_specs(entry.params)
            self.form.set_all_hints(self._hints)
        self.form.set_values({k: v for k, v in value.items() if k != "name"})
        self.nested.setVisible(bool(entry.params))
        tip = f"{_(self.spec.help)}\n\n{_(entry.label)}: {_entry_tooltip(entry)}"
        self.combo.setToolTip(tip)

    def _hints_changed(self) -> None:
        self.form.set_all_hints(self._hints)

    def _on_combo(self, index: int) -> None:
        name = self.combo.itemData(index)
        entry = self.registry.get(name)
        shared = {
            p.name: self._value[p.name]
            for p in entry.params
            if isinstance(self._value, Mapping) and p.name in self._value
        }
        kept = {}
        for key, val in shared.items():
            with contextlib.suppress(ParamError, KeyError):
                kept[key] = entry.param(key).coerce(val)
        value = {"name": name, **entry.defaults(), **kept}
        self._rebuild(value)
        if not self._commit(value):
            self._show(self._value)

    def _on_nested(self, name: str, nested_value: Any) -> None:
        value = {**self._value, name: nested_value}
        if not self._commit(value):
            self._show(self._value)


def _entry_tooltip(entry: Any) -> str:
    parts = [_(entry.help)]
    formula = getattr(entry, "formula", "")
    if formula:
        parts.append(_("Formula: {formula}").format(formula=formula))
    out_range = getattr(entry, "output_range", "")
    if out_range and hasattr(entry, "elementwise"):
        parts.append(_("Output range: {range}").format(range=out_range))
    return "\n".join(parts)


# --- the factory and the form ---------------------------------------------------------------

_EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "text": TextEditor,
    "int_or_auto": IntOrAutoEditor,
    "int_list": ListEditor,
    "float_list": ListEditor,
    "matrix": MatrixEditor,
    "component": ComponentEditor,
}


def make_editor(
    spec: ParamSpec,
    on_change: Callable[[Any], None] | None = None,
    parent: QWidget | None = None,
) -> ParamEditor:
    """The editor for ``spec.kind``; ``on_change(value)`` follows user edits (coerced)."""
    editor = _EDITORS[spec.kind](spec, parent)
    if on_change is not None:
        editor.value_changed.connect(on_change)
    return editor


class ParamForm(QWidget):
    """Labelled editors for a list of specs; ``changed(name, value)`` on user edits."""

    changed = Signal(str, object)

    def __init__(self, specs: Sequence[ParamSpec] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setHorizontalSpacing(10)
        self.layout_.setVerticalSpacing(6)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._editors: dict[str, ParamEditor] = {}
        self._labels: dict[str, QLabel] = {}
        self.specs: tuple[ParamSpec, ...] = ()
        self.set_specs(specs)

    def set_specs(self, specs: Sequence[ParamSpec]) -> None:
        """Replace every row (a different component was chosen)."""
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self._editors.clear()
        self._labels.clear()
        self.specs = tuple(specs)
        for spec in self.specs:
            editor = make_editor(spec, parent=self)
            editor.value_changed.connect(lambda value, n=spec.name: self.changed.emit(n, value))
            self._editors[spec.name] = editor
            if spec.kind == "bool":
                self.layout_.addRow("", editor)
                continue
            label = QLabel(_(spec.title), self)
            label.setToolTip(_(spec.help))
            label.setBuddy(editor)
            if spec.kind in ("component", "matrix"):
                label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                label.setContentsMargins(0, 4, 0, 0)
            self._labels[spec.name] = label
            self.layout_.addRow(label, editor)

    def editor(self, name: str) -> ParamEditor:
        return self._editors[name]

    def editors(self) -> dict[str, ParamEditor]:
        return dict(self._editors)

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show model values without emitting; names the form lacks are ignored."""
        for name, value in values.items():
            editor = self._editors.get(name)
            if editor is not None:
                editor.set_value(value)

    def values(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self._editors.items()}

    def set_hints(self, name: str, hints: Mapping[str, Any]) -> None:
        if name in self._editors:
            self._editors[name].set_hints(hints)

    def set_all_hints(self, hints: Mapping[str, Any]) -> None:
        for editor in self._editors.values():
            editor.set_hints(hints)

    def label_width(self) -> int:
        """Widest label, so a page can line up several forms."""
        return max((lb.sizeHint().width() for lb in self._labels.values()), default=0)

    def set_label_width(self, width: int) -> None:
        for label in self._labels.values():
            label.setMinimumWidth(width)

    def set_row_visible(self, name: str, visible: bool) -> None:
        """Hide a row that does not apply (custom class weights unless weighting is custom)."""
        editor = self._editors.get(name)
        if editor is not None:
            self.layout_.setRowVisible(editor, visible)

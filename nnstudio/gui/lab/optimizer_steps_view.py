"""The optimiser lesson's worked example as tables a student can poke: w = 1, E = w²/2.

One summary table puts every optimiser's w after each step side by side (the lesson's
0.99 → 0.9711, 0.982965, 0.968377 → 0.945788, 0.980003); one tab per optimiser shows the
state it keeps — velocity, accumulated squares, first and second moments with their
bias-corrected values — after every step, and the step written out with its numbers. The
numbers come from ``torch.optim`` itself (:mod:`nnstudio.core.lessons.optimizer_steps`);
the view only lays them out and lets the student change the hyper-parameters and the
number of steps. It needs no project: the example is the lesson's own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.optimizer_steps import (
    LESSON_OPTIMIZERS,
    MAX_STEPS,
    SYMBOLS,
    OptimizerLesson,
    StepRow,
    hand_line,
    number,
    run_optimizer,
)
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.gui.widgets.param_editors import LogSpinBox, NumberSpinBox
from nnstudio.i18n import _, pgettext

__all__ = ["OptimizerStepsView"]

#: Hyper-parameters spanning decades get the 1-2-5 ladder; the β's a linear step.
_LOG_PARAMS = ("lr", "eps")


def _item(text: str, *, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignRight) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    return table


class OptimizerTab(QWidget):
    """One optimiser: its hyper-parameters, update rule and a row per step."""

    changed = Signal()

    def __init__(self, spec: OptimizerLesson, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.rows: list[StepRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        params = QHBoxLayout()
        self.editors: dict[str, QDoubleSpinBox] = {}
        for name, value in spec.defaults.items():
            if name in _LOG_PARAMS:
                box: QDoubleSpinBox = LogSpinBox(self)
                box.setDecimals(12)
                box.setRange(1e-12, 10.0)
            else:
                box = NumberSpinBox(self)
                box.setDecimals(4)
                box.setRange(0.0, 0.9999)
                box.setSingleStep(0.01)
            box.setValue(value)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self.changed)
            box.setObjectName(f"param_{name}")
            params.addWidget(QLabel(SYMBOLS[name]))
            params.addWidget(box)
            self.editors[name] = box
        params.addStretch(1)
        layout.addLayout(params)
        self.formula = wrapped_label(spec.formula, self)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.formula.font())
        font.setBold(True)
        self.formula.setFont(font)
        layout.addWidget(self.formula)
        self.table = _table(self)
        layout.addWidget(self.table, 1)

    def settings(self) -> dict[str, float]:
        return {name: box.value() for name, box in self.editors.items()}

    def reset(self) -> None:
        """Back to the lesson's hyper-parameters."""
        for name, box in self.editors.items():
            box.blockSignals(True)
            box.setValue(self.spec.defaults[name])
            box.blockSignals(False)

    def show_rows(self, rows: list[StepRow]) -> None:
        """A row of numbers per step, each followed by a row with the step worked by hand.

        The worked step spans the whole table under its numbers, one formula per line, so
        it stays readable in a narrow dock (a table cell cannot scroll sideways).
        """
        self.rows = rows
        state = list(self.spec.state.items())
        headers = [
            pgettext("table column", "Step"),
            _("gradient g"),
            *[sym for _key, sym in state],
            "w",
        ]
        self.table.clear()
        self.table.clearSpans()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(max(0, 2 * len(rows) - 1))
        settings = self.settings()
        for row in rows:
            r = self.row_of(row.step)
            cells = [str(row.step), "—" if row.grad is None else number(row.grad)]
            cells += ["—" if row.step == 0 else number(row.state[key]) for key, _sym in state]
            cells.append(number(row.w))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, _item(text))
            if row.step == 0:
                continue
            hand = hand_line(self.spec.key, settings, rows[row.step - 1], row)
            item = _item(hand.replace(";  ", "\n"), align=Qt.AlignmentFlag.AlignLeft)
            item.setForeground(theme.DIM_TEXT)
            item.setToolTip(_("Step {step} worked by hand").format(step=row.step))
            self.table.setItem(r + 1, 0, item)
            self.table.setSpan(r + 1, 0, 1, len(headers))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()

    @staticmethod
    def row_of(step: int) -> int:
        """The table row of step ``step``'s numbers (its worked line is the next row)."""
        return 0 if step == 0 else 2 * step - 1

    def hand_text(self, step: int) -> str:
        """Step ``step`` (≥ 1) worked by hand, as shown."""
        return self.table.item(self.row_of(step) + 1, 0).text()

    def w_value(self, step: int) -> str:
        return self.table.item(self.row_of(step), self.table.columnCount() - 1).text()

    def state_value(self, step: int, key: str) -> str:
        """The state ``key`` after ``step`` steps as the table shows it (for tests)."""
        column = 2 + list(self.spec.state).index(key)
        return self.table.item(self.row_of(step), column).text()


class OptimizerStepsView(QWidget):
    """Each optimiser's steps on w = 1, E = w²/2, with the state it keeps."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The example is the lesson's own and independent of the open project; the
        # document is kept for the lab's common interface.
        self.document = document
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        intro = wrapped_label(
            _(
                "One weight w, loss E = w²/2 (so the gradient is w). Every optimiser starts "
                "at w = 1; the numbers come from torch.optim."
            ),
            self,
        )
        muted(intro)
        top.addWidget(intro, 1)
        top.addWidget(QLabel(_("Steps:")))
        self.steps = QSpinBox(self)
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(2)
        self.steps.valueChanged.connect(self.recompute)
        top.addWidget(self.steps)
        layout.addLayout(top)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.summary = _table(split)
        self.tabs = QTabWidget(split)
        self.pages: dict[str, OptimizerTab] = {}
        for spec in LESSON_OPTIMIZERS:
            page = OptimizerTab(spec, self.tabs)
            page.changed.connect(self.recompute)
            self.tabs.addTab(page, _(spec.label))
            self.pages[spec.key] = page
        split.addWidget(self.summary)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        self.recompute()

    def recompute(self) -> None:
        """Run every optimiser again with the settings shown."""
        steps = self.steps.value()
        results = {
            key: run_optimizer(key, page.settings(), steps=steps)
            for key, page in self.pages.items()
        }
        for key, page in self.pages.items():
            page.show_rows(results[key])
        self.summary.clear()
        self.summary.setColumnCount(1 + len(self.pages))
        self.summary.setHorizontalHeaderLabels(
            [
                pgettext("table column", "Step"),
                *[_(page.spec.label) for page in self.pages.values()],
            ]
        )
        self.summary.setRowCount(steps + 1)
        for r in range(steps + 1):
            self.summary.setItem(r, 0, _item(str(r)))
            for c, key in enumerate(self.pages, start=1):
                self.summary.setItem(r, c, _item(number(results[key][r].w)))
        header = self.summary.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

    def weights(self, key: str) -> list[str]:
        """The w column of optimiser ``key`` in the summary table, as shown."""
        column = 1 + list(self.pages).index(key)
        return [self.summary.item(r, column).text() for r in range(self.summary.rowCount())]

    def reset(self) -> None:
        """The lesson's settings again."""
        for page in self.pages.values():
            page.reset()
        self.steps.blockSignals(True)
        self.steps.setValue(2)
        self.steps.blockSignals(False)
        self.recompute()

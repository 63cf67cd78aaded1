"""Lab view "Losses and softmax": the loss lesson's examples, editable, term by term.

Each example shows the formula, the lesson's inputs (which the student may change), the
value ``torch.nn.functional`` returns to the lesson's precision, and a table of the
per-element terms whose mean it is. The computation is :mod:`nnstudio.core.lessons.losses`.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import UserFacingError
from nnstudio.core.lessons.losses import LESSON_LOSSES, LossTable, compute_loss, loss_lesson
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.number_table import NumberTable, formula_label, warning_label
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import _

__all__ = ["LossesView"]


class LossesView(QWidget):
    """The loss examples of the lesson; the lesson's inputs preloaded and editable."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The examples are the lesson's own numbers, not the project's: nothing to follow.
        self.document = document
        self.table_result: LossTable | None = None
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Example:")))
        self.example_combo = QComboBox()
        for lesson in LESSON_LOSSES:
            self.example_combo.addItem(_(lesson.title), lesson.key)
        top.addWidget(self.example_combo, 1)
        layout.addLayout(top)

        self.formula_label = formula_label()
        layout.addWidget(self.formula_label)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.fields: dict[str, QLineEdit] = {}
        self.pitfall_check = QCheckBox(_("Softmax layer before the loss (the lesson's pitfall)"))
        self.pitfall_check.setToolTip(
            _(
                "CrossEntropyLoss applies log-softmax itself: a Softmax layer in front of it "
                "applies softmax twice, and the loss no longer matches the lesson."
            )
        )
        layout.addWidget(self.pitfall_check)

        self.result_label = formula_label()
        bold = self.result_label.font()
        bold.setBold(True)
        self.result_label.setFont(bold)
        layout.addWidget(self.result_label)
        self.error_label = warning_label()
        layout.addWidget(self.error_label)
        self.table = NumberTable()
        layout.addWidget(self.table, 1)
        self.note_label = muted(wrapped_label())
        layout.addWidget(self.note_label)

        self.example_combo.currentIndexChanged.connect(self._on_example_changed)
        self.pitfall_check.toggled.connect(self.recompute)
        self._on_example_changed()

    # --- what the student does -------------------------------------------------------------

    def select(self, key: str) -> None:
        """Show example ``key`` ("l1", "mse", "smooth_l1", "bce", "cross_entropy", "softmax")."""
        self.example_combo.setCurrentIndex(self.example_combo.findData(key))

    @property
    def key(self) -> str:
        return self.example_combo.currentData()

    def _on_example_changed(self) -> None:
        lesson = loss_lesson(self.key)
        self.formula_label.setText(lesson.formula)
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for field in lesson.fields:
            edit = QLineEdit(field.default)
            edit.editingFinished.connect(self.recompute)
            self.fields[field.name] = edit
            self.form.addRow(_(field.label), edit)
        self.pitfall_check.blockSignals(True)
        self.pitfall_check.setChecked(False)
        self.pitfall_check.blockSignals(False)
        self.pitfall_check.setVisible(lesson.key == "cross_entropy")
        self.note_label.setText(_(lesson.note))
        self.recompute()

    def recompute(self) -> None:
        """Compute the example from the fields as they read now."""
        lesson = loss_lesson(self.key)
        inputs = {name: edit.text() for name, edit in self.fields.items()}
        try:
            result = compute_loss(lesson.key, inputs, softmax_first=self.pitfall_check.isChecked())
        except UserFacingError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.error_label.hide()
        self.table_result = result
        if lesson.key == "softmax":
            text = _("{call}: largest probability {value}, sum {total}").format(
                call=result.call, value=result.shown(), total=f"{result.total:.4f}"
            )
        else:
            text = f"{result.call} = {result.shown()}"
        if lesson.key == "cross_entropy" and self.pitfall_check.isChecked():
            text += "  " + _("(softmax applied twice: the lesson's {value} is wrong here)").format(
                value=f"{lesson.lesson_value:.4f}"
            )
        self.result_label.setText(text)
        decimals = [0 if isinstance(v, int) else 4 for v in result.rows[0]] if result.rows else 4
        self.table.set_rows([_(h) for h in result.headers], result.rows, decimals)

    def result_text(self) -> str:
        """The value as shown (for tests and for copying)."""
        return self.table_result.shown() if self.table_result else ""

"""Lab view "Dropout and batch norm": the two layers that behave differently in training.

Dropout: a tensor before and after ``nn.Dropout(p)`` (lesson p = 0.4), survivors scaled by
1/(1 − p), nothing changed in eval mode, a new mask at each re-sample. Batch norm: a few
batches through ``nn.BatchNorm1d``, each batch's mean and variance beside the running
statistics that move towards them by ``momentum``, and the last batch's output in train
mode (batch statistics) and eval mode (running statistics). The numbers come from
:mod:`nnstudio.core.lessons.dropout_bn`.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import UserFacingError
from nnstudio.core.lessons.dropout_bn import (
    LESSON_BN,
    LESSON_DROPOUT_INPUT,
    LESSON_P,
    BatchNormDemo,
    DropoutResult,
    batchnorm_demo,
    dropout_demo,
)
from nnstudio.core.lessons.lesson_inputs import parse_vector
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.number_table import NumberTable, formula_label, warning_label
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import _, ngettext

__all__ = ["DropoutBnView"]


def _mode_buttons(layout: QHBoxLayout) -> tuple[QRadioButton, QRadioButton, QButtonGroup]:
    train = QRadioButton(_("train mode"))
    evaluate = QRadioButton(_("eval mode"))
    train.setChecked(True)
    group = QButtonGroup(layout)
    group.addButton(train)
    group.addButton(evaluate)
    layout.addWidget(train)
    layout.addWidget(evaluate)
    return train, evaluate, group


class DropoutBnView(QWidget):
    """Two tabs: Dropout and BatchNorm1d, each with a train/eval toggle."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Lesson tensors, not the project's data: nothing of the workspace to follow.
        self.document = document
        self.dropout: DropoutResult | None = None
        self.bn: BatchNormDemo | None = None
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._build_dropout(), "Dropout")
        self.tabs.addTab(self._build_bn(), _("Batch norm (BN)"))
        self.update_dropout()
        self.update_bn()

    # --- dropout ---------------------------------------------------------------------------

    def _build_dropout(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.input_edit = QLineEdit(LESSON_DROPOUT_INPUT)
        form.addRow(_("Tensor x"), self.input_edit)
        row = QHBoxLayout()
        self.p_spin = QDoubleSpinBox()
        self.p_spin.setRange(0.0, 0.95)
        self.p_spin.setSingleStep(0.1)
        self.p_spin.setDecimals(2)
        self.p_spin.setValue(LESSON_P)
        row.addWidget(self.p_spin)
        row.addWidget(QLabel(_("seed")))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 1_000_000)
        row.addWidget(self.seed_spin)
        self.resample_button = QPushButton(_("Re-sample"))
        self.resample_button.setToolTip(_("Draw a new mask (the next seed)."))
        row.addWidget(self.resample_button)
        self.dropout_train, self.dropout_eval, self._dropout_group = _mode_buttons(row)
        row.addStretch(1)
        form.addRow("p", row)
        layout.addLayout(form)
        self.dropout_formula = formula_label()
        layout.addWidget(self.dropout_formula)
        self.dropout_error = warning_label()
        layout.addWidget(self.dropout_error)
        self.dropout_table = NumberTable()
        layout.addWidget(self.dropout_table, 1)
        layout.addWidget(
            muted(
                wrapped_label(
                    _(
                        "Dropped elements also get zero gradient. In eval mode (model.eval()) "
                        "dropout is off: the output is the input."
                    )
                ),
                small=True,
            )
        )
        self.input_edit.editingFinished.connect(self.update_dropout)
        self.p_spin.valueChanged.connect(self.update_dropout)
        self.seed_spin.valueChanged.connect(self.update_dropout)
        self.resample_button.clicked.connect(self.resample)
        self.dropout_train.toggled.connect(self.update_dropout)
        return page

    def resample(self) -> None:
        """A new mask: the next seed."""
        self.seed_spin.setValue(self.seed_spin.value() + 1)

    def set_dropout_training(self, training: bool) -> None:
        (self.dropout_train if training else self.dropout_eval).setChecked(True)

    def update_dropout(self, *_args: object) -> None:
        try:
            values = parse_vector(self.input_edit.text(), name="x")
            result = dropout_demo(
                values,
                self.p_spin.value(),
                seed=self.seed_spin.value(),
                training=self.dropout_train.isChecked(),
            )
        except UserFacingError as exc:
            self.dropout_error.setText(str(exc))
            self.dropout_error.show()
            return
        self.dropout_error.hide()
        self.dropout = result
        n = len(result.inputs)
        if result.training:
            text = ngettext(
                "p = {p:g}: {k} of {n} element zeroed; survivors × 1/(1 − {p:g}) = {scale:.4f}",
                "p = {p:g}: {k} of {n} elements zeroed; survivors × 1/(1 − {p:g}) = {scale:.4f}",
                n,
            ).format(p=result.p, k=result.n_dropped, n=n, scale=result.scale)
        else:
            text = _("eval mode: dropout does nothing, the output equals the input")
        self.dropout_formula.setText(text)
        headers = ["x", _("kept"), "dropout(x)"]
        rows = [
            (x, _("yes") if kept else _("dropped"), y)
            for x, kept, y in zip(result.inputs, result.kept, result.outputs, strict=True)
        ]
        tints = [None if kept else theme.IGNORED_TINT for kept in result.kept]
        self.dropout_table.set_rows(headers, rows, 4, tints=tints)

    # --- batch norm ------------------------------------------------------------------------

    def _build_bn(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("batches")))
        self.batches_spin = QSpinBox()
        self.batches_spin.setRange(1, 200)
        self.batches_spin.setValue(LESSON_BN["n_batches"])
        row.addWidget(self.batches_spin)
        row.addWidget(QLabel(_("batch size")))
        self.batch_size_spin = QSpinBox()
        self.batch_size_spin.setRange(2, 64)
        self.batch_size_spin.setValue(LESSON_BN["batch_size"])
        row.addWidget(self.batch_size_spin)
        row.addWidget(QLabel("momentum"))
        self.momentum_spin = QDoubleSpinBox()
        self.momentum_spin.setRange(0.0, 1.0)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setValue(LESSON_BN["momentum"])
        row.addWidget(self.momentum_spin)
        row.addWidget(QLabel(_("seed")))
        self.bn_seed_spin = QSpinBox()
        self.bn_seed_spin.setRange(0, 1_000_000)
        row.addWidget(self.bn_seed_spin)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(
            formula_label(
                "y = (x − mean) / √(var + eps) · γ + β,   eps = 1e-5;   "
                "running = (1 − momentum) · running + momentum · batch"
            )
        )
        layout.addWidget(QLabel(_("Statistics after each training batch (one row per feature):")))
        self.stats_table = NumberTable()
        layout.addWidget(self.stats_table, 2)
        modes = QHBoxLayout()
        modes.addWidget(QLabel(_("Last batch through the layer in")))
        self.bn_train, self.bn_eval, self._bn_group = _mode_buttons(modes)
        modes.addStretch(1)
        layout.addLayout(modes)
        self.output_table = NumberTable()
        layout.addWidget(self.output_table, 2)
        self.bn_note = muted(wrapped_label(), small=True)
        layout.addWidget(self.bn_note)
        for spin in (self.batches_spin, self.batch_size_spin, self.bn_seed_spin):
            spin.valueChanged.connect(self.update_bn)
        self.momentum_spin.valueChanged.connect(self.update_bn)
        self.bn_train.toggled.connect(self._show_bn_output)
        return page

    def set_bn_training(self, training: bool) -> None:
        (self.bn_train if training else self.bn_eval).setChecked(True)

    def update_bn(self, *_args: object) -> None:
        demo = batchnorm_demo(
            n_batches=self.batches_spin.value(),
            batch_size=self.batch_size_spin.value(),
            momentum=self.momentum_spin.value(),
            seed=self.bn_seed_spin.value(),
        )
        self.bn = demo
        headers = [
            _("batch"),
            _("feature"),
            _("batch mean"),
            _("batch var"),
            _("running mean"),
            _("running var"),
        ]
        rows = []
        for stats in demo.stats:
            for f in range(len(stats.mean)):
                rows.append(
                    (
                        stats.index,
                        f + 1,
                        stats.mean[f],
                        stats.var[f],
                        stats.running_mean[f],
                        stats.running_var[f],
                    )
                )
        self.stats_table.set_rows(headers, rows, [0, 0, 4, 4, 4, 4])
        self._show_bn_output()

    def _show_bn_output(self, *_args: object) -> None:
        demo = self.bn
        if demo is None:
            return
        training = self.bn_train.isChecked()
        output = demo.train_output if training else demo.eval_output
        n_features = len(demo.last_batch[0])
        headers = []
        for f in range(n_features):
            headers += [
                _("x (feature {n})").format(n=f + 1),
                _("y (feature {n})").format(n=f + 1),
            ]
        rows = [
            tuple(v for f in range(n_features) for v in (x[f], y[f]))
            for x, y in zip(demo.last_batch, output, strict=True)
        ]
        self.output_table.set_rows(headers, rows, 4)
        if training:
            self.bn_note.setText(
                _(
                    "Train mode normalises with this batch's own mean and variance: each "
                    "feature of the output has mean 0 and variance 1."
                )
            )
        else:
            self.bn_note.setText(
                _(
                    "Eval mode normalises with the running statistics: the output no longer "
                    "depends on the other samples of the batch (and is not centred while the "
                    "running mean is still far from the data's)."
                )
            )

"""Lab view "Perceptron rule": w ← w + η(y − ŷ)x, sample by sample, with the line moving.

A scatter of a logic gate (AND, OR, XOR) or of the project's training data (two inputs, two
classes), the decision line w·x + b = 0 drawn after every update, and the verdict: it
converges on separable data and never settles on XOR. Below, the lesson's hand-weighted
2-2-1 step network and its truth table. Play animates with a QTimer whose tick is
:meth:`PerceptronView.step_forward`, so tests drive it directly.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import UserFacingError
from nnstudio.core.lessons.lesson_inputs import format_vector, parse_matrix, parse_vector
from nnstudio.core.lessons.perceptron import (
    GATES,
    LESSON_LR,
    XOR_LESSON_WEIGHTS,
    EpochRecord,
    Perceptron,
    StepRecord,
    gate_data,
    xor_network,
)
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.number_table import NumberTable, formula_label, warning_label
from nnstudio.gui.plots.base import make_plot
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import N_, _, tr

__all__ = ["PerceptronView"]

PROJECT = "project"
GATE_TITLES = {"and": N_("AND (separable)"), "or": N_("OR (separable)"), "xor": N_("XOR")}
#: Milliseconds between two animated samples.
TICK_MS = 250


class PerceptronView(QWidget):
    """The perceptron rule on a 2-D scatter, and the XOR step network."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.unit: Perceptron | None = None
        self.last_step: StepRecord | None = None
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._build_rule(), _("Perceptron rule"))
        self.tabs.addTab(self._build_xor(), _("XOR step network"))
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.step_forward)
        for signal in (document.project_replaced, document.data_changed):
            signal.connect(self._on_project_data_changed)
        self._on_project_data_changed()
        self.update_xor()

    # --- the rule --------------------------------------------------------------------------

    def _build_rule(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Data")))
        self.data_combo = QComboBox()
        for key, title in GATE_TITLES.items():
            self.data_combo.addItem(_(title), key)
        bar.addWidget(self.data_combo)
        bar.addWidget(QLabel("η"))
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(3)
        self.lr_spin.setRange(0.001, 10.0)
        self.lr_spin.setSingleStep(0.05)
        self.lr_spin.setValue(LESSON_LR)
        bar.addWidget(self.lr_spin)
        bar.addStretch(1)
        layout.addLayout(bar)

        buttons = QHBoxLayout()
        self.step_button = QPushButton(_("Step"))
        self.step_button.setToolTip(_("Apply the rule to the next sample."))
        self.epoch_button = QPushButton(_("Epoch"))
        self.play_button = QPushButton(_("Play"))
        self.play_button.setCheckable(True)
        self.run_button = QPushButton(_("Run"))
        self.run_spin = QSpinBox()
        self.run_spin.setRange(1, 10000)
        self.run_spin.setValue(20)
        self.run_spin.setSuffix(_(" epochs"))
        self.reset_button = QPushButton(_("Reset"))
        for widget in (
            self.step_button,
            self.epoch_button,
            self.play_button,
            self.run_button,
            self.run_spin,
            self.reset_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        body = QHBoxLayout()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.BASE_BG)
        self.plot = make_plot(self.graphics.ci, 0, 0, x_label="x₁", y_label="x₂")
        self.plot.setAspectLocked(False)
        self.scatter = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.INK, width=0.8))
        self.plot.addItem(self.scatter)
        self.current = pg.ScatterPlotItem(
            size=20, brush=None, pen=pg.mkPen(theme.SELECTION, width=2.2)
        )
        self.plot.addItem(self.current)
        self.line = pg.PlotDataItem(pen=pg.mkPen(theme.ERROR, width=2.2))
        self.plot.addItem(self.line)
        body.addWidget(self.graphics, 3)
        side = QVBoxLayout()
        side.addWidget(formula_label("ŷ = step(w·x + b)\nw ← w + η(y − ŷ)x\nb ← b + η(y − ŷ)"))
        self.weights_label = formula_label()
        side.addWidget(self.weights_label)
        self.step_label = wrapped_label()
        side.addWidget(self.step_label)
        side.addStretch(1)
        body.addLayout(side, 2)
        layout.addLayout(body, 1)
        self.verdict_label = wrapped_label()
        bold = self.verdict_label.font()
        bold.setBold(True)
        self.verdict_label.setFont(bold)
        layout.addWidget(self.verdict_label)

        self.data_combo.currentIndexChanged.connect(self.reset)
        self.lr_spin.valueChanged.connect(self.reset)
        self.step_button.clicked.connect(self.step)
        self.epoch_button.clicked.connect(self.epoch)
        self.run_button.clicked.connect(self.run_epochs)
        self.reset_button.clicked.connect(self.reset)
        self.play_button.toggled.connect(self._on_play_toggled)
        return page

    def _on_project_data_changed(self) -> None:
        """Offer the project's training data when it is 2-D with two classes."""
        prepared = self.document.workspace.prepared
        usable = (
            prepared is not None
            and prepared.task == "classification"
            and prepared.n_features == 2
            and prepared.n_classes == 2
        )
        index = self.data_combo.findData(PROJECT)
        if usable and index < 0:
            self.data_combo.addItem(_("this project's training data"), PROJECT)
        elif not usable and index >= 0:
            self.data_combo.removeItem(index)
        if self.data_combo.currentData() == PROJECT or self.unit is None:
            self.reset()

    def select_data(self, key: str) -> None:
        """Choose "and", "or", "xor" or "project" (and start afresh)."""
        self.data_combo.setCurrentIndex(self.data_combo.findData(key))

    def _points(self) -> tuple[list, list]:
        key = self.data_combo.currentData()
        if key in GATES:
            return gate_data(key)
        prepared = self.document.workspace.prepared
        assert prepared is not None
        return prepared.x_train.tolist(), prepared.y_train.tolist()

    def reset(self, *_args: object) -> None:
        """Weights back to zero, first sample next."""
        self.play_button.setChecked(False)
        points, labels = self._points()
        self.unit = Perceptron(points, labels, lr=self.lr_spin.value())
        self.last_step = None
        xy = np.asarray(points, dtype=float)
        brushes = [pg.mkBrush(theme.class_color(int(y))) for y in labels]
        self.scatter.setData(x=xy[:, 0], y=xy[:, 1], brush=brushes)
        pad = 0.25 * max(1.0, float(np.ptp(xy)))
        self._x_range = (float(xy[:, 0].min()) - pad, float(xy[:, 0].max()) + pad)
        self._y_range = (float(xy[:, 1].min()) - pad, float(xy[:, 1].max()) + pad)
        self.plot.setXRange(*self._x_range, padding=0)
        self.plot.setYRange(*self._y_range, padding=0)
        self.plot.disableAutoRange()
        self._show()

    def step(self) -> StepRecord:
        """Apply the rule to the next sample (the Step button)."""
        assert self.unit is not None
        self.last_step = self.unit.step()
        self._show()
        return self.last_step

    def epoch(self) -> EpochRecord:
        """Finish the current pass over the samples (the Epoch button)."""
        assert self.unit is not None
        record = self.unit.epoch()
        self.last_step = self.unit.steps[-1]
        self._show()
        return record

    def run_epochs(self) -> None:
        """Run the chosen number of epochs, stopping once one makes no mistake."""
        assert self.unit is not None
        self.unit.train(self.run_spin.value())
        if self.unit.steps:
            self.last_step = self.unit.steps[-1]
        self._show()

    def step_forward(self) -> None:
        """One animation tick: one sample; the animation stops once converged."""
        self.step()
        if self.unit is not None and self.unit.converged and self.unit.position == 0:
            self.play_button.setChecked(False)

    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText(_("Pause") if on else _("Play"))
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _show(self) -> None:
        unit = self.unit
        assert unit is not None
        w = ", ".join(f"{v:.3g}" for v in unit.w)
        self.weights_label.setText(
            _("w = [{w}]   b = {b:.3g}").format(w=w, b=unit.b).replace("-", "−")
        )
        line = unit.boundary(*self._x_range) if len(unit.w) == 2 else None
        if line is None:
            self.line.setData([], [])
        else:
            self.line.setData([p[0] for p in line], [p[1] for p in line])
        step = self.last_step
        if step is None:
            self.step_label.setText(_("Next: sample 1. Press Step, Epoch or Play."))
            self.current.setData([], [])
        else:
            x = ", ".join(f"{v:.3g}" for v in step.x)
            text = _("Sample {n}: x = ({x}), y = {y}, ŷ = {y_hat}.").format(
                n=step.sample + 1, x=x, y=step.y, y_hat=step.y_hat
            )
            if step.updated:
                text += " " + _("Wrong: the weights move by η(y − ŷ)x.")
            else:
                text += " " + _("Right: nothing changes.")
            self.step_label.setText(text.replace("-", "−"))
            self.current.setData([step.x[0]], [step.x[1]])
        self.verdict_label.setText(tr(unit.verdict()))

    # --- the XOR network -------------------------------------------------------------------

    def _build_xor(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            wrapped_label(
                _(
                    "No single line separates XOR, but two step units feeding a third do: "
                    "unit h₁ is AND, unit h₂ is OR, and the output is “OR and not AND”."
                )
            )
        )
        form = QFormLayout()
        w = XOR_LESSON_WEIGHTS
        self.w1_edit = QLineEdit("; ".join(format_vector(r) for r in w["w1"]))
        self.b1_edit = QLineEdit(format_vector(w["b1"]))
        self.w2_edit = QLineEdit(format_vector(w["w2"]))
        self.b2_edit = QLineEdit(f"{w['b2']:g}")
        form.addRow(_("W1 (one row per hidden unit)"), self.w1_edit)
        form.addRow("b1", self.b1_edit)
        form.addRow("W2", self.w2_edit)
        form.addRow("b2", self.b2_edit)
        layout.addLayout(form)
        layout.addWidget(formula_label("h = step(W1·x + b1),   ŷ = step(W2·h + b2)"))
        self.xor_error = warning_label()
        layout.addWidget(self.xor_error)
        self.xor_table = NumberTable()
        layout.addWidget(self.xor_table, 1)
        self.xor_label = wrapped_label()
        layout.addWidget(self.xor_label)
        layout.addWidget(
            muted(
                wrapped_label(
                    _(
                        "The step's gradient is zero everywhere, so backpropagation cannot "
                        "learn these weights: that is why it needed sigmoid, tanh and ReLU."
                    )
                ),
                small=True,
            )
        )
        for edit in (self.w1_edit, self.b1_edit, self.w2_edit, self.b2_edit):
            edit.editingFinished.connect(self.update_xor)
        return page

    def update_xor(self) -> None:
        try:
            w1 = parse_matrix(self.w1_edit.text(), name="W1")
            b1 = parse_vector(self.b1_edit.text(), name="b1")
            w2 = parse_vector(self.w2_edit.text(), name="W2")
            b2 = parse_vector(self.b2_edit.text(), name="b2")
            if len(w1) != 2 or len(w1[0]) != 2 or len(b1) != 2 or len(w2) != 2 or len(b2) != 1:
                raise ValueError
        except UserFacingError as exc:
            self.xor_error.setText(str(exc))
            self.xor_error.show()
            return
        except ValueError:
            self.xor_error.setText(_("W1 is 2 × 2, b1 and W2 hold 2 numbers, b2 one."))
            self.xor_error.show()
            return
        self.xor_error.hide()
        table = xor_network(w1, b1, w2, b2[0])
        headers = ["x₁", "x₂", "h₁", "h₂", "ŷ", _("XOR")]
        rows = [(int(r.x[0]), int(r.x[1]), *r.hidden, r.output, r.expected) for r in table]
        self.xor_table.set_rows(headers, rows, 0)
        outputs = [r.output for r in table]
        if outputs == [r.expected for r in table]:
            self.xor_label.setText(
                _("Outputs {outputs}: this network computes XOR.").format(outputs=outputs)
            )
        else:
            self.xor_label.setText(_("Outputs {outputs}: not XOR.").format(outputs=outputs))

"""Lab view "Learning-rate schedules": the lesson's three schedules and the project's.

StepLR, MultiStepLR and ExponentialLR with the lesson's settings (lr 0.1, SGD momentum 0.9,
200 epochs) drawn as LR against epoch, beside the schedule of the open project; a table
reads the values at chosen epochs. Every curve comes from
:func:`~nnstudio.core.training.schedule_plan.plan_schedule`, the function behind
``nnstudio schedule``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import UserFacingError
from nnstudio.core.lessons.lesson_inputs import parse_vector
from nnstudio.core.lessons.schedules import (
    LESSON_EPOCHS,
    LESSON_LR,
    LESSON_MOMENTUM,
    LESSON_SCHEDULES,
    lesson_plans,
)
from nnstudio.core.training.schedule_plan import SchedulePlan, plan_settings
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.number_table import NumberTable, warning_label
from nnstudio.gui.plots.base import curve_item, make_plot, series_color, side_legend
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import _

__all__ = ["DEFAULT_EPOCHS_SHOWN", "SchedulesView"]

#: Epochs the table shows at first: either side of each of the lesson's drops.
DEFAULT_EPOCHS_SHOWN = "0, 49, 50, 100, 125, 160, 199"
PROJECT = "project"


class SchedulesView(QWidget):
    """LR-against-epoch curves of the lesson's schedules and of the project's schedule."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.plans: dict[str, SchedulePlan] = {}
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Initial lr")))
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 10.0)
        self.lr_spin.setSingleStep(0.01)
        self.lr_spin.setValue(LESSON_LR)
        bar.addWidget(self.lr_spin)
        bar.addWidget(QLabel(_("Epochs")))
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 10000)
        self.epochs_spin.setValue(LESSON_EPOCHS)
        bar.addWidget(self.epochs_spin)
        self.log_check = QCheckBox(_("Log scale"))
        bar.addWidget(self.log_check)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.settings_label = muted(
            wrapped_label(
                _(
                    "The lesson: SGD (momentum {momentum}), lr {lr}, {epochs} epochs; momentum "
                    "does not change the learning rate. Epochs count from 0, as in the "
                    "lesson's loop."
                ).format(momentum=LESSON_MOMENTUM, lr=LESSON_LR, epochs=LESSON_EPOCHS)
            ),
            small=True,
        )
        layout.addWidget(self.settings_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.BASE_BG)
        self.plot = make_plot(
            self.graphics.ci, 0, 0, x_label=_("epoch"), y_label=_("learning rate"), left_width=56
        )
        self.legend = side_legend(self.graphics.ci, 0, 1)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for i, schedule in enumerate(LESSON_SCHEDULES):
            curve = curve_item(self.plot, series_color(i), width=2.0)
            self.curves[schedule.key] = curve
            self.legend.addItem(curve, schedule.torch_name)
        self.curves[PROJECT] = curve_item(
            self.plot, theme.PLANNED, width=2.6, style=Qt.PenStyle.DashLine
        )
        self.legend.addItem(self.curves[PROJECT], _("this project"))
        splitter.addWidget(self.graphics)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Values at epochs")))
        self.epochs_edit = QLineEdit(DEFAULT_EPOCHS_SHOWN)
        row.addWidget(self.epochs_edit, 1)
        lower_layout.addLayout(row)
        self.table = NumberTable()
        lower_layout.addWidget(self.table, 1)
        self.project_label = muted(wrapped_label(), small=True)
        lower_layout.addWidget(self.project_label)
        self.error_label = warning_label()
        lower_layout.addWidget(self.error_label)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        self.lr_spin.valueChanged.connect(self.refresh)
        self.epochs_spin.valueChanged.connect(self.refresh)
        self.epochs_edit.editingFinished.connect(self._fill_table)
        self.log_check.toggled.connect(self._on_log_toggled)
        for signal in (
            document.project_replaced,
            document.training_settings_changed,
            document.data_changed,
        ):
            signal.connect(self.refresh)
        self.refresh()

    # --- computing -------------------------------------------------------------------------

    def refresh(self, *_args: object) -> None:
        """Plan the lesson's curves with the chosen lr/epochs, and the project's schedule."""
        epochs = self.epochs_spin.value()
        self.plans = dict(lesson_plans(self.lr_spin.value(), epochs))
        workspace = self.document.workspace
        prepared = workspace.prepared
        try:
            project_plan = plan_settings(
                workspace.project.training,
                n_train=prepared.n_train if prepared is not None else None,
            )
        except UserFacingError as exc:
            self.plans.pop(PROJECT, None)
            self.project_label.setText(_("This project's schedule: {problem}").format(problem=exc))
        else:
            self.plans[PROJECT] = project_plan
            settings = workspace.project.training
            self.project_label.setText(
                _(
                    "Dashed: this project's schedule, {schedule}, from lr {lr:g} over its "
                    "{epochs} epochs."
                ).format(
                    schedule=_(project_plan.label), lr=project_plan.base_lr, epochs=settings.epochs
                )
            )
        for key, curve in self.curves.items():
            plan = self.plans.get(key)
            if plan is None:
                curve.setData([], [])
                continue
            # Steps: epoch e's lr holds from e to e + 1, as a per-epoch scheduler does.
            x = np.arange(plan.epochs + 1, dtype=np.float64)
            curve.setData(x, np.asarray(plan.lrs), stepMode="center")
        self._fill_table()

    def _fill_table(self) -> None:
        try:
            wanted = [int(v) for v in parse_vector(self.epochs_edit.text(), name=_("epochs"))]
        except UserFacingError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.error_label.hide()
        # One row per schedule, one column per epoch: four rows fit under the plot in a dock.
        names = {s.key: s.torch_name for s in LESSON_SCHEDULES} | {PROJECT: _("this project")}
        headers = [_("epoch")] + [str(epoch) for epoch in wanted]
        rows = []
        for key, plan in self.plans.items():
            row: list[object] = [names[key]]
            row += [plan.lr_at(e) if 0 <= e < plan.epochs else None for e in wanted]
            rows.append(row)
        self.table.set_rows(headers, rows, [0] + [-4] * len(wanted))
        # The schedule names need room; every schedule's row stays visible in a small dock.
        self.table.fit_first_column()
        self.table.show_all_rows()

    def value_at(self, key: str, epoch: int) -> str:
        """The table's text for schedule ``key`` at ``epoch`` (a column must show that epoch)."""
        row = list(self.plans).index(key)
        column = self.table.headers().index(str(epoch))
        return self.table.texts()[row][column]

    def _on_log_toggled(self, on: bool) -> None:
        self.plot.setLogMode(y=on)

"""Train → Evaluate…: how good the trained network is, class by class, row by row.

Every figure comes from the Qt-free core (:func:`nnstudio.core.experiments.evaluation.
evaluate_project`), on rows the network never trained on (validation, and test when the
split keeps one); this dialog only lays them out: per-class precision/recall/F1 with support,
ROC and precision-recall curves (one per class against the rest, AUC in the legend), the
misclassified rows (sortable, exportable to CSV), and for regression the residuals against
the prediction, the error histogram and MAE/RMSE/R².

Computed on the GUI thread when the dialog opens or Refresh is pressed: evaluating is one
forward pass over the held-out rows, quick for the tables NN Studio trains on, and a result
that is not "live" needs no thread. Refused while training runs (the weights are changing).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import atomic
from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments.evaluation import (
    ClassificationEvaluation,
    ProjectEvaluation,
    RegressionEvaluation,
    evaluate_project,
)
from nnstudio.gui import theme
from nnstudio.gui.plots.base import series_color
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import N_, _

__all__ = ["EvaluationDialog", "misclassified_csv"]

SPLIT_NAMES = {"validation": N_("Validation rows"), "test": N_("Test rows"), "data": N_("Data")}


def misclassified_csv(evaluation: ClassificationEvaluation) -> str:
    """The misclassified rows as CSV: row, true, predicted, confidence, one column per class."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["row", "true", "predicted", "confidence", *(f"p_{c}" for c in evaluation.class_names)]
    )
    for m in evaluation.misclassified:
        writer.writerow(
            [
                m.row,
                m.true,
                m.predicted,
                f"{m.confidence:.6g}",
                *(f"{m.probabilities.get(c, 0.0):.6g}" for c in evaluation.class_names),
            ]
        )
    return out.getvalue()


class _Cell(QTableWidgetItem):
    """A read-only cell that sorts by ``key`` (a number or text), not by its shown text."""

    def __init__(self, text: str, key: Any = None) -> None:
        super().__init__(text)
        self.key = text if key is None else key
        self.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
        if not isinstance(self.key, str):
            self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.key, getattr(other, "key", None)
        if isinstance(a, str) or isinstance(b, str):
            return str(a).lower() < str(b).lower()
        return a < b


def _number(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "–"


def _plot(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.setBackground(theme.BASE_BG)
    plot = widget.getPlotItem()
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setTitle(title, color=theme.TEXT.name())
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    for name in ("left", "bottom"):
        plot.getAxis(name).setTextPen(pg.mkPen(theme.DIM_TEXT))
        plot.getAxis(name).setPen(pg.mkPen(theme.AXIS))
    return widget


class EvaluationDialog(QDialog):
    """The trained project's evaluation on its held-out rows (non-modal; Refresh recomputes).

    ``document`` is the window's ProjectDocument, only read.
    """

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.evaluation: ProjectEvaluation | None = None
        self.roc_items: list[pg.PlotDataItem] = []
        self.pr_items: list[pg.PlotDataItem] = []
        self.setWindowTitle(_("Evaluation"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Rows:"), self))
        self.split_combo = QComboBox(self)
        self.split_combo.currentIndexChanged.connect(self._show_split)
        top.addWidget(self.split_combo)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.refresh_button = QPushButton(_("Refresh"), self)
        self.refresh_button.setToolTip(_("Evaluate the weights as they are now"))
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self._build_classification_tabs()
        self._build_regression_tabs()
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        box.rejected.connect(self.close)
        layout.addWidget(box)
        self.refresh()

    # --- layout ----------------------------------------------------------------------------

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return table

    def _build_classification_tabs(self) -> None:
        self.class_table = self._table(
            [_("Class"), _("Precision"), _("Recall"), _("F1"), _("Support")]
        )
        self.roc_plot = _plot(
            _("ROC curves (one class against the rest)"),
            _("false-positive rate"),
            _("true-positive rate"),
        )
        self.pr_plot = _plot(_("Precision-recall curves"), _("recall"), _("precision"))
        wrong = QWidget(self)
        wrong_layout = QVBoxLayout(wrong)
        self.wrong_caption = QLabel("", wrong)
        self.wrong_caption.setWordWrap(True)
        wrong_layout.addWidget(self.wrong_caption)
        self.wrong_table = self._table([_("Row"), _("True class"), _("Predicted"), _("Confidence")])
        self.wrong_table.setSortingEnabled(True)
        wrong_layout.addWidget(self.wrong_table, 1)
        self.export_button = QPushButton(_("Export CSV…"), wrong)
        self.export_button.clicked.connect(self.export_misclassified)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        wrong_layout.addLayout(row)
        self.wrong_page = wrong
        self.classification_pages = [
            (self.class_table, N_("Per class")),
            (self.roc_plot, N_("ROC curves")),
            (self.pr_plot, N_("Precision-recall")),
            (wrong, N_("Misclassified rows")),
        ]

    def _build_regression_tabs(self) -> None:
        self.residual_plot = _plot(
            _("Residuals (true − predicted) against the prediction"), _("predicted"), _("residual")
        )
        self.error_plot = _plot(_("Error histogram"), _("residual"), _("rows"))
        self.regression_pages = [
            (self.residual_plot, N_("Residuals")),
            (self.error_plot, N_("Error histogram")),
        ]

    # --- computing -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Evaluate the project's weights now (refused while training changes them)."""
        self.evaluation = None
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        self.split_combo.blockSignals(False)
        self.tabs.clear()
        if self.document.lock_reason is not None:
            self.summary.setText(_("Training is running: evaluate when it has finished."))
            return
        try:
            self.evaluation = evaluate_project(self.document.project, importance=False)
        except NNStudioError as exc:
            self.summary.setText(error_text(exc))
            return
        pages = (
            self.classification_pages
            if self.evaluation.task == "classification"
            else self.regression_pages
        )
        for widget, title in pages:
            self.tabs.addTab(widget, _(title))
        self.split_combo.blockSignals(True)
        for split in self.evaluation.splits:
            self.split_combo.addItem(_(SPLIT_NAMES.get(split.split, split.split)), split.split)
        self.split_combo.blockSignals(False)
        self._show_split(0)

    def current(self) -> ClassificationEvaluation | RegressionEvaluation | None:
        if self.evaluation is None or not self.evaluation.splits:
            return None
        index = max(0, self.split_combo.currentIndex())
        return self.evaluation.splits[index]

    def _show_split(self, _index: int = 0) -> None:
        split = self.current()
        if isinstance(split, ClassificationEvaluation):
            self._show_classification(split)
        elif isinstance(split, RegressionEvaluation):
            self._show_regression(split)

    # --- classification --------------------------------------------------------------------

    def _show_classification(self, ev: ClassificationEvaluation) -> None:
        self.summary.setText(
            _("{rows} rows · accuracy {accuracy} · macro ROC AUC {auc}").format(
                rows=ev.rows, accuracy=_number(ev.accuracy), auc=_number(ev.roc_auc)
            )
        )
        reports = [*ev.classes, ev.macro, ev.weighted]
        averages = {"macro avg": _("macro average"), "weighted avg": _("weighted average")}
        self.class_table.setRowCount(len(reports))
        for row, c in enumerate(reports):
            name = averages.get(c.name, c.name) if row >= len(ev.classes) else c.name
            cells = [
                _Cell(name),
                _Cell(_number(c.precision), c.precision),
                _Cell(_number(c.recall), c.recall),
                _Cell(_number(c.f1), c.f1),
                _Cell(str(c.support), c.support),
            ]
            for col, cell in enumerate(cells):
                self.class_table.setItem(row, col, cell)
        self.roc_items = self._curves(self.roc_plot, ev.roc, _("AUC"), diagonal=True)
        self.pr_items = self._curves(self.pr_plot, ev.pr, _("AP"), diagonal=False)
        self.wrong_caption.setText(
            _("{count} of {rows} rows misclassified; the most confident mistakes first.").format(
                count=ev.n_misclassified, rows=ev.rows
            )
        )
        table = self.wrong_table
        table.setSortingEnabled(False)
        table.setRowCount(len(ev.misclassified))
        for row, m in enumerate(ev.misclassified):
            cells = [
                _Cell(str(m.row), m.row),
                _Cell(m.true),
                _Cell(m.predicted),
                _Cell(f"{m.confidence:.3f}", m.confidence),
            ]
            tip = ", ".join(f"{k}: {v:.3f}" for k, v in m.probabilities.items())
            for col, cell in enumerate(cells):
                cell.setToolTip(tip)
                table.setItem(row, col, cell)
        table.setSortingEnabled(True)
        self.export_button.setEnabled(bool(ev.misclassified))

    def _curves(
        self, widget: pg.PlotWidget, curves: list, area_name: str, *, diagonal: bool
    ) -> list[pg.PlotDataItem]:
        """One line per class, its area in the legend; returns the lines drawn."""
        plot = widget.getPlotItem()
        plot.clear()
        # One legend for the plot's lifetime: plot.clear() empties it with the curves.
        legend = plot.legend or plot.addLegend(offset=(-10, -10) if diagonal else (-10, 10))
        legend.setLabelTextColor(theme.TEXT)
        if diagonal:
            plot.plot([0, 1], [0, 1], pen=pg.mkPen(theme.AXIS, style=Qt.PenStyle.DashLine))
        items = []
        for i, curve in enumerate(curves):
            if not len(curve.x):
                continue
            item = plot.plot(
                np.asarray(curve.x),
                np.asarray(curve.y),
                pen=pg.mkPen(series_color(i), width=2),
                name=f"{curve.name} ({area_name} {_number(curve.area)})",
            )
            items.append(item)
        plot.setXRange(0, 1, padding=0.02)
        plot.setYRange(0, 1, padding=0.02)
        return items

    def export_misclassified(self, path: str | None = None) -> str | None:
        """Write the misclassified rows as CSV (atomically); returns the path written."""
        split = self.current()
        if not isinstance(split, ClassificationEvaluation):
            return None
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Export misclassified rows"), "misclassified.csv", _("CSV files (*.csv)")
            )
            if not path:
                return None
        try:
            atomic.write_text(path, misclassified_csv(split))
        except OSError as exc:
            self.summary.setText(error_text(exc))
            return None
        self.summary.setText(_("Exported {path}").format(path=path))
        return path

    # --- regression ------------------------------------------------------------------------

    def _show_regression(self, ev: RegressionEvaluation) -> None:
        parts = [
            _("{target}: MAE {mae} · RMSE {rmse} · R² {r2}").format(
                target=t.name, mae=_number(t.mae), rmse=_number(t.rmse), r2=_number(t.r2)
            )
            for t in ev.targets
        ]
        self.summary.setText(
            _("{rows} rows · {figures}").format(rows=ev.rows, figures="; ".join(parts))
        )
        residual = self.residual_plot.getPlotItem()
        errors = self.error_plot.getPlotItem()
        residual.clear()
        errors.clear()
        for i, t in enumerate(ev.targets):
            color = series_color(i)
            residual.plot(
                np.asarray(t.predicted),
                np.asarray(t.residuals),
                pen=None,
                symbol="o",
                symbolSize=5,
                symbolBrush=pg.mkBrush(color),
                symbolPen=None,
            )
            if len(t.counts):
                errors.addItem(
                    pg.BarGraphItem(
                        x0=t.edges[:-1],
                        x1=t.edges[1:],
                        height=t.counts,
                        brush=pg.mkBrush(color),
                        pen=pg.mkPen(theme.AXIS),
                    )
                )
        residual.addLine(y=0, pen=pg.mkPen(theme.AXIS, style=Qt.PenStyle.DashLine))

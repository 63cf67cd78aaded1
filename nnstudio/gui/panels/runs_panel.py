"""The Runs panel: every stored run in a sortable table, their curves overlaid, and a
parallel-coordinates view of settings against the final metric.

Comparing runs is most of a practitioner's work, so the panel answers the usual questions
without leaving the window: which run was best (sort a column), how their curves differ
(select several rows: their loss, metric or learning-rate curves share one plot and one
legend), which settings go with a good result (parallel coordinates: one vertical axis per
setting, one line per run, coloured by its final metric). Rename, star, delete and "go back
to this run" are undoable commands (:mod:`nnstudio.gui.run_commands`). The records are the
core's (:mod:`nnstudio.core.training.runs`); this panel only presents them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.training.runs import MAX_KEEP, RunRecord, diff_line
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.run_commands import (
    DeleteRunCommand,
    KeepRunsCommand,
    RenameRunCommand,
    RestoreRunCommand,
    StarRunCommand,
)
from nnstudio.i18n import N_, _

__all__ = ["COLUMNS", "CURVES", "RunsPanel", "headline_metric"]

#: Curve key → its name in the curve chooser (translated when shown).
CURVES: tuple[tuple[str, str], ...] = (
    ("val_loss", N_("Validation loss")),
    ("train_loss", N_("Training loss")),
    ("metric", N_("Metric (accuracy or RMSE)")),
    ("lr", N_("Learning rate")),
)
#: (key, heading) of the table's columns, in order; headings translated when shown.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("star", "★"),
    ("run", N_("Run")),
    ("when", N_("When")),
    ("changes", N_("Changes")),
    ("optimizer", N_("Optimiser")),
    ("lr", N_("lr")),
    ("batch", N_("Batch")),
    ("epochs", N_("Epochs")),
    ("params", N_("Parameters")),
    ("train_loss", N_("Train loss")),
    ("val_loss", N_("Val loss")),
    ("metric", N_("Metric")),
    ("best", N_("Best epoch")),
    ("seconds", N_("Seconds")),
    ("speed", N_("Samples/s")),
)
#: Line colours: Okabe–Ito without its faint yellow.
RUN_COLORS = tuple(c for c in theme.CLASS_COLORS if c != theme.FAINT_CLASS_COLOR)


def headline_metric(record: RunRecord) -> tuple[str, float | None]:
    """The metric a run is judged by in the table: validation accuracy, else RMSE, else train."""
    for key in ("val_accuracy", "val_rmse", "train_accuracy", "train_rmse"):
        if key in record.final:
            return key, record.final[key]
    return "", None


def _metric_text(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f} %" if key.endswith("accuracy") else f"{value:.4g}"


class _Item(QTableWidgetItem):
    """A cell that sorts by a number when it has one (text columns sort as text)."""

    def __init__(self, text: str, number: float | None = None) -> None:
        super().__init__(text)
        self.number = number
        self.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _Item) and self.number is not None and other.number is not None:
            return self.number < other.number
        return super().__lt__(other)


def _restore_tip(record: RunRecord | None) -> str:
    """The "Go back to run" tooltip for the selected run (``None``: none or several)."""
    if record is not None and record.weights_last is None:
        return _(
            "Restore this run's network and settings (undoable). It kept no weights (a "
            "search trial that was not the best), so the project is left untrained: train "
            "it again to get weights."
        )
    return _("Restore the selected run's network, settings and best weights (undoable).")


class RunsPanel(QWidget):
    """The dock "runs": table, overlay plot and parallel coordinates."""

    #: A run was restored into the canvas and settings (its history is now the project's).
    restored = Signal()
    #: The user asked for a controlled experiment ("train again, changing only …").
    experiment_requested = Signal()

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        bar = QHBoxLayout()
        self.restore_button = QToolButton()
        self.restore_button.setText(_("Go back to run"))
        self.restore_button.setToolTip(_restore_tip(None))
        self.restore_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.restore_button)
        self.restore_best = menu.addAction(
            _("Best epoch's weights"), lambda: self.restore_selected("best")
        )
        self.restore_last = menu.addAction(
            _("Last epoch's weights"), lambda: self.restore_selected("last")
        )
        self.restore_button.setMenu(menu)
        self.restore_button.clicked.connect(lambda: self.restore_selected("best"))
        self.star_button = QPushButton(_("Star"))
        self.star_button.setToolTip(_("Starred runs are never dropped by the limit."))
        self.star_button.clicked.connect(self.toggle_star)
        self.rename_button = QPushButton(_("Rename…"))
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button = QPushButton(_("Delete"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.experiment_button = QPushButton(_("Train again, changing only…"))
        self.experiment_button.setToolTip(
            _(
                "A controlled experiment: one run per value of one setting, all from the same "
                "initial weights and seed."
            )
        )
        self.experiment_button.clicked.connect(self.experiment_requested.emit)
        self.keep = QSpinBox()
        self.keep.setRange(1, MAX_KEEP)
        self.keep.setToolTip(
            _("How many unstarred runs the project keeps; older ones are dropped.")
        )
        self.keep.editingFinished.connect(self._keep_edited)
        for widget in (
            self.restore_button,
            self.star_button,
            self.rename_button,
            self.delete_button,
            self.experiment_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        keep_label = QLabel(_("Runs kept:"))
        keep_label.setToolTip(self.keep.toolTip())
        bar.addWidget(keep_label)
        bar.addWidget(self.keep)
        layout.addLayout(bar)

        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [heading if key == "star" else _(heading) for key, heading in COLUMNS]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The changes can be long: one line, cut with an ellipsis (the tooltip has them all).
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(3, 240)
        self.table.setWordWrap(False)
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected("best"))
        split.addWidget(self.table)

        self.tabs = QTabWidget()
        curves = QWidget()
        curves_layout = QVBoxLayout(curves)
        curves_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Curve:")))
        self.curve_choice = QComboBox()
        for key, title in CURVES:
            self.curve_choice.addItem(_(title), key)
        self.curve_choice.currentIndexChanged.connect(lambda _i: self.update_overlay())
        row.addWidget(self.curve_choice)
        self.hint = QLabel(_("Select several runs to overlay their curves."))
        self.hint.setStyleSheet(f"color: {theme.MUTED_TEXT.name()};")
        row.addWidget(self.hint, 1)
        curves_layout.addLayout(row)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", _("Epoch"))
        self.legend = self.plot.addLegend(offset=(-10, 10))
        curves_layout.addWidget(self.plot)
        self.tabs.addTab(curves, _("Curves"))
        self.parallel = pg.PlotWidget()
        self.parallel.hideAxis("left")
        self.parallel.setMouseEnabled(x=False, y=False)
        self.parallel.hideButtons()
        self.tabs.addTab(self.parallel, _("Settings vs. metric"))
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([230, 470])
        layout.addWidget(split)

        document.runs_changed.connect(self.refresh)
        document.project_replaced.connect(self.refresh)
        self.refresh()

    # --- the table -------------------------------------------------------------------------

    @property
    def records(self) -> list[RunRecord]:
        return list(self.document.project.runs.records)

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        out = []
        for row in rows:
            item = self.table.item(row, 1)
            if item is not None:
                out.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def select_runs(self, run_ids: Sequence[int]) -> None:
        """Select the rows of ``run_ids`` (the overlay follows)."""
        wanted = set(run_ids)
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 1)
            if item is not None and int(item.data(Qt.ItemDataRole.UserRole)) in wanted:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)
        self._selection_changed()

    def refresh(self) -> None:
        """Rebuild the table from the project's runs, keeping the selection."""
        keep = self.selected_ids()
        records = self.records
        self.keep.blockSignals(True)
        self.keep.setValue(self.document.project.runs.keep)
        self.keep.blockSignals(False)
        self.table.setSortingEnabled(False)
        self.table.blockSignals(True)
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            for column, item in enumerate(self._row(record)):
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.table.setSortingEnabled(True)
        self.select_runs([i for i in keep if any(r.id == i for r in records)])
        self.update_parallel()

    def _row(self, record: RunRecord) -> list[QTableWidgetItem]:
        key, value = headline_metric(record)
        training = record.training
        name = _Item(record.title, float(record.id))
        name.setData(Qt.ItemDataRole.UserRole, record.id)
        if record.experiment:
            # A controlled experiment varies one setting; a search may vary several.
            text = (
                _("Experiment {label}: {settings} vary")
                if "," in record.varied
                else _("Experiment {label}: only {setting} varies")
            )
            name.setToolTip(
                text.format(label=record.experiment, setting=record.varied, settings=record.varied)
            )
        changes = diff_line(record.changes)
        items = [
            _Item("★" if record.starred else "", 1.0 if record.starred else 0.0),
            name,
            _Item(record.created.replace("T", " ")[:16]),
            _Item(changes),
            _Item(training.optimizer["name"]),
            _Item(f"{training.lr:g}", training.lr),
            _Item(str(training.batch_size), float(training.batch_size)),
            _Item(str(record.epochs), float(record.epochs)),
            _Item(f"{record.parameters:,}", float(record.parameters)),
            _number(record.final.get("train_loss")),
            _number(record.final.get("val_loss")),
            _Item(_metric_text(key, value), value),
            _Item("—" if record.best_epoch is None else str(record.best_epoch), record.best_epoch),
            _Item(f"{record.seconds:.1f}", record.seconds),
            _Item(f"{record.samples_per_second:,.0f}", record.samples_per_second),
        ]
        items[3].setToolTip("\n".join(c.text().translated() for c in record.changes))
        return items

    # --- actions ---------------------------------------------------------------------------

    def _one(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def restore_selected(self, which: str = "best") -> bool:
        run_id = self._one()
        if run_id is None:
            return False
        ok = self.document.push(RestoreRunCommand(self.document, run_id, which))
        if ok:
            self.restored.emit()
        return ok

    def toggle_star(self) -> None:
        for run_id in self.selected_ids():
            record = self.document.project.runs.get(run_id)
            self.document.push(StarRunCommand(self.document, run_id, not record.starred))

    def rename_selected(self, name: str | None = None) -> None:
        run_id = self._one()
        if run_id is None:
            return
        record = self.document.project.runs.get(run_id)
        if name is None:
            name, ok = QInputDialog.getText(self, _("Rename run"), _("Name:"), text=record.title)
            if not ok:
                return
        self.document.push(RenameRunCommand(self.document, run_id, name))

    def delete_selected(self) -> None:
        for run_id in self.selected_ids():
            self.document.push(DeleteRunCommand(self.document, run_id))

    def _keep_edited(self) -> None:
        value = self.keep.value()
        if value != self.document.project.runs.keep:
            self.document.push(KeepRunsCommand(self.document, value))

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        one = len(ids) == 1
        self.restore_button.setEnabled(one)
        self._describe_restore(self.document.project.runs.get(ids[0]) if one else None)
        self.rename_button.setEnabled(one)
        self.star_button.setEnabled(bool(ids))
        self.delete_button.setEnabled(bool(ids))
        self.update_overlay()

    def _describe_restore(self, record: RunRecord | None) -> None:
        """Say what going back to ``record`` brings back: a search trial that was not the best
        kept no weights, so only its settings and network return (the menu's choice of
        weights then has nothing to choose)."""
        self.restore_button.setToolTip(_restore_tip(record))
        has_weights = record is None or record.weights_last is not None
        self.restore_best.setEnabled(has_weights)
        self.restore_last.setEnabled(has_weights)

    # --- the overlay -----------------------------------------------------------------------

    def curve_key(self, record: RunRecord) -> str:
        key = self.curve_choice.currentData()
        if key == "metric":
            return headline_metric(record)[0] or "train_loss"
        return key

    def update_overlay(self) -> None:
        """One curve per selected run (all runs when none is selected), one shared legend."""
        self.plot.clear()
        self.legend.clear()
        ids = self.selected_ids()
        records = [r for r in self.records if r.id in ids] if ids else []
        self.hint.setVisible(len(records) < 2)
        log_y = self.curve_choice.currentData() == "lr"
        self.plot.setLogMode(y=False)
        for index, record in enumerate(records):
            values = record.curve(self.curve_key(record))
            xs, ys = [], []
            for epoch, value in zip(record.history.epoch, values, strict=False):
                if value is not None and math.isfinite(value) and (value > 0 or not log_y):
                    xs.append(epoch)
                    ys.append(math.log10(value) if log_y else value)
            color = RUN_COLORS[index % len(RUN_COLORS)]
            self.plot.plot(xs, ys, pen=pg.mkPen(color, width=2), name=record.title)
        self.plot.setLabel("left", _(dict(CURVES)[self.curve_choice.currentData()]))

    def overlay_names(self) -> list[str]:
        """The names the legend shows, in order (what the tests and screenshots read)."""
        return [label.text for _sample, label in self.legend.items]

    # --- parallel coordinates ----------------------------------------------------------------

    def update_parallel(self) -> None:
        """One vertical axis per setting, one line per run, coloured by its final metric."""
        plot = self.parallel
        plot.clear()
        records = self.records
        if not records:
            return
        axes: list[tuple[str, list[float], bool]] = [
            (_("log₁₀ lr"), [math.log10(r.training.lr) for r in records], False),
            (_("Batch"), [float(r.training.batch_size) for r in records], False),
            (_("Epochs"), [float(r.epochs) for r in records], False),
            (
                _("log₁₀ parameters"),
                [math.log10(max(1, r.parameters)) for r in records],
                False,
            ),
            (_("Dropout p"), [_dropout(r) for r in records], False),
        ]
        key, _value = headline_metric(records[-1])
        metric = [r.final.get(key, math.nan) if key else math.nan for r in records]
        axes.append((_("Final metric"), metric, True))
        n = len(axes)
        spans = []
        for _title, values, _is_metric in axes:
            finite = [v for v in values if math.isfinite(v)]
            lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
            spans.append((lo, hi))
        finite_metric = [v for v in metric if math.isfinite(v)]
        m_lo, m_hi = (min(finite_metric), max(finite_metric)) if finite_metric else (0.0, 1.0)
        better_high = key.endswith("accuracy")
        cmap = pg.ColorMap([0.0, 1.0], [pg.mkColor(theme.RUNS_LOW), pg.mkColor(theme.RUNS_HIGH)])
        for i in range(n):
            plot.plot([i, i], [0, 1], pen=pg.mkPen(theme.MUTED_TEXT.name(), width=1))
            lo, hi = spans[i]
            # An axis every run shares one value on shows that value once, in the middle.
            ends = ((0.0, lo), (1.0, hi)) if hi > lo else ((0.5, lo),)
            for y, value in ends:
                text = pg.TextItem(f"{value:.3g}", color=theme.DIM_TEXT.name(), anchor=(0.5, 0))
                text.setPos(i, y + 0.08 if y > 0.0 else y)
                plot.addItem(text)
        for index in range(len(records)):
            ys = []
            for (lo, hi), (_title, values, _m) in zip(spans, axes, strict=True):
                v = values[index]
                if not math.isfinite(v):
                    ys.append(math.nan)
                else:
                    ys.append((v - lo) / (hi - lo) if hi > lo else 0.5)
            v = metric[index]
            share = (v - m_lo) / (m_hi - m_lo) if math.isfinite(v) and m_hi > m_lo else 0.5
            color = cmap.map(share if better_high else 1 - share, mode="qcolor")
            plot.plot(list(range(n)), ys, pen=pg.mkPen(color, width=2), connect="finite")
        plot.getAxis("bottom").setTicks([[(i, title) for i, (title, _v, _m) in enumerate(axes)]])
        plot.setXRange(-0.3, n - 0.7, padding=0)
        plot.setYRange(-0.1, 1.15, padding=0)


def _dropout(record: RunRecord) -> float:
    ps = [float(n["params"].get("p", 0.0)) for n in record.graph["nodes"] if n["type"] == "Dropout"]
    return max(ps) if ps else 0.0


def _number(value: float | None) -> _Item:
    return _Item("—" if value is None else f"{value:.4f}", value)

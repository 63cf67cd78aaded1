"""Train → Hyperparameter search…: an Optuna search over chosen settings, watched live.

The search itself is the core's (:func:`nnstudio.core.experiments.search.run_search`); this
dialog only chooses what to vary, runs it off the GUI thread and shows what comes back. Each
setting is written in the command line's own syntax (``1e-4:1e-1:log`` is a range on a log
scale, ``16,32,64`` a list), so what a student learns here works in ``nnstudio search`` too.

Why a plain Python thread rather than the training process: a search trains many short runs
of copies of the project and only reports finished trials, so the GUI thread has little to
draw; the thread shares nothing mutable with the window (the project is copied when the
search starts). Cancel sets the core's stop event: the running trial ends at its next batch
and no further trial starts. When the search ends (finished or cancelled) its trials join
the project's runs as one undoable step, so the Runs panel compares them; "Apply best" pushes
the best trial's settings as one undoable step, refused like any edit while training runs.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments.search import (
    SearchParam,
    SearchResult,
    TrialRecord,
    apply_params,
    parse_param,
)
from nnstudio.gui import theme
from nnstudio.gui.commands import MacroCommand, SetParamCommand, SetTrainingSettingsCommand
from nnstudio.gui.widgets.labels import muted
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import N_, _, ngettext, pgettext

__all__ = ["SETTING_ROWS", "SearchDialog", "SearchRunner", "apply_best_command"]

log = logging.getLogger(__name__)

#: The settings offered, their label and the range or list they start with. A range is
#: ``LOW:HIGH`` (``:log`` for a log scale), a list ``A,B,C`` (the command line's syntax).
SETTING_ROWS: tuple[tuple[str, str, str], ...] = (
    ("lr", N_("Learning rate"), "1e-4:1e-1:log"),
    ("batch_size", N_("Batch size"), "16,32,64"),
    ("optimizer", N_("Optimizer"), "sgd,adam,rmsprop"),
    ("units", N_("Units per hidden layer"), "8:128"),
    ("dropout", N_("Dropout p"), "0:0.5"),
    ("weight_decay", N_("Weight decay"), "1e-6:1e-2:log"),
)
SAMPLER_NAMES = (
    ("tpe", N_("TPE (learns from earlier trials)")),
    ("random", N_("Random")),
    ("grid", N_("Grid (5 points per range)")),
)
STATE_NAMES = {
    "complete": N_("complete"),
    "pruned": N_("pruned"),
    "fail": N_("failed"),
    "running": N_("running"),
}


def _state_text(state: str) -> str:
    return _(STATE_NAMES[state]) if state in STATE_NAMES else state


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def params_text(params: dict[str, Any]) -> str:
    """``lr=0.0123, optimizer=adam`` (values rounded for reading)."""
    return ", ".join(f"{name}={_value_text(value)}" for name, value in params.items())


class SearchRunner(QObject):
    """Runs one search in a Python thread, reporting through Qt signals (queued to the GUI)."""

    trial_done = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.cancelled = False

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, project: Any, params: list[SearchParam], **options: Any) -> None:
        from nnstudio.core.experiments.search import run_search

        self.stop_event = threading.Event()
        self.cancelled = False

        def work() -> None:
            try:
                result = run_search(
                    project,
                    params,
                    on_trial=self.trial_done.emit,
                    stop=self.stop_event,
                    **options,
                )
            except NNStudioError as exc:
                self.failed.emit(error_text(exc))
            except Exception as exc:  # a bug: say so instead of losing the thread silently
                log.error("search crashed:\n%s", traceback.format_exc())
                self.failed.emit(_("internal error: {error!r}").format(error=exc))
            else:
                self.finished.emit(result)

        self.thread = threading.Thread(target=work, name="nnstudio-search", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        """Stop the running trial at its next batch; no further trial starts."""
        self.cancelled = True
        self.stop_event.set()

    def shutdown(self, timeout_s: float = 60.0) -> bool:
        """Cancel and wait for the thread (the window is closing); True when it ended."""
        if self.thread is None:
            return True
        self.cancel()
        self.thread.join(timeout_s)
        return not self.thread.is_alive()


def apply_best_command(document: Any, params: dict[str, Any]) -> MacroCommand | None:
    """One undoable step setting the project to ``params`` (None when nothing changes).

    The core's :func:`apply_params` says what a trial changes; the step is the difference
    between that candidate and the open project: the training settings, and every layer
    parameter (width, dropout p) that differs.
    """
    project = document.project
    candidate = apply_params(project, params)
    macro = MacroCommand(_("Apply best search trial"))
    if candidate.training != project.training:
        SetTrainingSettingsCommand(document, candidate.training, parent=macro)
    graph = document.workspace.graph
    for node_id, node in candidate.graph.nodes.items():
        current = graph.node(node_id)
        for name, value in node.params.items():
            if current.params.get(name) != value:
                SetParamCommand(document, node_id, name, value, parent=macro)
    return macro if macro.steps else None


def _value_item(record: TrialRecord) -> QTableWidgetItem:
    """The Value cell: the trial's value, or for a pruned trial (Optuna gives it none) the
    last value it reported and when, greyed (it sorts with the trials without a value)."""
    value = record.value
    if value is not None and math.isfinite(value):
        return _NumberItem(f"{value:.4g}", value)
    if record.state != "pruned" or record.last_report is None:
        return _NumberItem("", None)
    epoch, last = record.last_report
    if math.isfinite(last):
        text = _("{value} at epoch {epoch}").format(value=f"{last:.4g}", epoch=epoch)
    else:
        text = _("not finite at epoch {epoch}").format(epoch=epoch)
    item = _NumberItem(text, None)
    item.setForeground(theme.MUTED_TEXT)
    item.setToolTip(
        _(
            "Pruned at epoch {epoch}: the search stopped this trial early, as it was doing "
            "worse than the median of the earlier trials at that epoch. A pruned trial has "
            "no final value; this is the last value it reported."
        ).format(epoch=epoch)
    )
    return item


class _NumberItem(QTableWidgetItem):
    """A cell that sorts by its number (missing values last)."""

    def __init__(self, text: str, key: float | None) -> None:
        super().__init__(text)
        self.key = key
        self.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.key, getattr(other, "key", None)
        if a is None or b is None:
            return a is not None and b is None
        return a < b


class SearchDialog(QDialog):
    """Choose settings to vary, run an Optuna search, watch its trials, apply the best.

    ``document`` is the window's ProjectDocument: read when a search starts (a copy is
    searched), written only by "Apply best".
    """

    search_finished = Signal(object)

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWindowTitle(_("Hyperparameter search"))
        self.setModal(False)
        self.resize(900, 640)
        self.runner = SearchRunner(self)
        self.runner.trial_done.connect(self._on_trial)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.result: SearchResult | None = None
        self.trials: list[TrialRecord] = []
        self.total = 0
        self._build()
        self._update_buttons()

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(split, 1)

        left = QWidget(split)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        settings = QGroupBox(_("Settings to search"), left)
        grid = QGridLayout(settings)
        self.checks: dict[str, QCheckBox] = {}
        self.specs: dict[str, QLineEdit] = {}
        for row, (name, label, default) in enumerate(SETTING_ROWS):
            check = QCheckBox(_(label), settings)
            spec = QLineEdit(default, settings)
            spec.setToolTip(
                _(
                    "LOW:HIGH is a range (add :log for a log scale, as for learning rates); "
                    "A,B,C is a list of values to choose from."
                )
            )
            check.toggled.connect(spec.setEnabled)
            check.setChecked(name == "lr")
            spec.setEnabled(name == "lr")
            grid.addWidget(check, row, 0)
            grid.addWidget(spec, row, 1)
            self.checks[name], self.specs[name] = check, spec
        hint = muted(
            QLabel(_("Range: 1e-4:1e-1:log or 8:128 · list: sgd,adam or 16,32,64"), settings),
            small=True,
        )
        hint.setWordWrap(True)
        grid.addWidget(hint, len(SETTING_ROWS), 0, 1, 2)
        left_layout.addWidget(settings)

        how = QGroupBox(_("Search"), left)
        form = QFormLayout(how)
        self.sampler = QComboBox(how)
        for key, label in SAMPLER_NAMES:
            self.sampler.addItem(_(label), key)
        form.addRow(_("Sampler:"), self.sampler)
        self.trial_count = QSpinBox(how)
        self.trial_count.setRange(1, 1000)
        self.trial_count.setValue(20)
        form.addRow(_("Trials:"), self.trial_count)
        self.pruning = QCheckBox(_("Stop hopeless trials early (pruning)"), how)
        self.pruning.setChecked(True)
        self.pruning.setToolTip(
            _(
                "A trial doing worse than the median of earlier trials at the same epoch is "
                "stopped, so the time goes to promising settings."
            )
        )
        form.addRow(self.pruning)
        left_layout.addWidget(how)
        left_layout.addStretch(1)

        right = QWidget(split)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel(_("Choose the settings to search, then press Start."), right)
        self.status.setWordWrap(True)
        right_layout.addWidget(self.status)
        self.progress = QProgressBar(right)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        right_layout.addWidget(self.progress)
        self.table = QTableWidget(0, 4, right)
        self.table.setHorizontalHeaderLabels(
            [pgettext("trial number", "#"), _("Settings"), _("Value"), _("State")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        right_layout.addWidget(self.table, 1)
        self.importance_box = QGroupBox(_("Parameter importances (Optuna)"), right)
        self.importance_layout = QGridLayout(self.importance_box)
        self.importance_box.hide()
        right_layout.addWidget(self.importance_box)
        self.best_label = QLabel("", right)
        self.best_label.setWordWrap(True)
        self.best_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right_layout.addWidget(self.best_label)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 570])

        buttons = QHBoxLayout()
        self.start_button = QPushButton(_("Start"), self)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(_("Cancel search"), self)
        self.cancel_button.setToolTip(_("Stop the running trial; no further trial starts"))
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button = QPushButton(_("Apply best"), self)
        self.apply_button.setToolTip(
            _("Put the best trial's settings into the project (one step, undoable)")
        )
        self.apply_button.clicked.connect(self.apply_best)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        box.rejected.connect(self.close)
        for button in (self.start_button, self.cancel_button, self.apply_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(box)
        layout.addLayout(buttons)

    # --- what to search --------------------------------------------------------------------

    def chosen_params(self) -> list[SearchParam]:
        """The ticked settings, parsed; raises NNStudioError naming a bad one."""
        return [
            parse_param(f"{name}={self.specs[name].text().strip()}")
            for name, _label, _default in SETTING_ROWS
            if self.checks[name].isChecked()
        ]

    def set_setting(self, name: str, spec: str | None) -> None:
        """Tick ``name`` with ``spec`` as its range or list, or untick it (None)."""
        self.checks[name].setChecked(spec is not None)
        if spec is not None:
            self.specs[name].setText(spec)

    # --- running ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.runner.running:
            return
        try:
            params = self.chosen_params()
        except NNStudioError as exc:
            self._say(error_text(exc))
            return
        if not params:
            self._say(_("Tick at least one setting to search."))
            return
        project = self.document.project
        # A copy: the window may edit its project while the search trains copies of this one.
        snapshot = dataclasses.replace(project, graph=project.graph.copy())
        self.result = None
        self.trials = []
        self.total = self.trial_count.value()
        self.table.setRowCount(0)
        self.best_label.setText("")
        self._clear_importances()
        self.progress.setRange(0, self.total)
        self.progress.setValue(0)
        self._say(_("Searching… the first trial is training."))
        self.runner.start(
            snapshot,
            params,
            trials=self.total,
            sampler=self.sampler.currentData(),
            pruning=self.pruning.isChecked(),
        )
        self._update_buttons()

    def cancel(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self._say(_("Cancelling: the running trial stops at its next batch…"))
            self.cancel_button.setEnabled(False)

    def shutdown(self) -> bool:
        return self.runner.shutdown()

    def _on_trial(self, record: TrialRecord) -> None:
        self.trials.append(record)
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, _NumberItem(str(record.number), record.number))
        settings = QTableWidgetItem(params_text(record.params))
        settings.setToolTip(params_text(record.params))
        self.table.setItem(row, 1, settings)
        self.table.setItem(row, 2, _value_item(record))
        state = QTableWidgetItem(_state_text(record.state))
        if record.message and record.state == "fail":
            state.setToolTip(record.message)
        self.table.setItem(row, 3, state)
        self.table.setSortingEnabled(sorting)
        self.progress.setValue(min(len(self.trials), self.total))
        self._say(
            _("Trial {done} of {total} finished.").format(done=len(self.trials), total=self.total)
        )

    def _on_finished(self, result: SearchResult) -> None:
        self.result = result
        self.runner.thread = None
        count = len(self.trials)
        if self.runner.cancelled:
            self._say(
                _("Search cancelled after {done} of {total} trials.").format(
                    done=count, total=self.total
                )
            )
        else:
            self._say(
                _("Search finished: {done} trials in {seconds:.1f} s.").format(
                    done=count, seconds=result.seconds
                )
            )
            self.progress.setValue(self.total)
        if result.best_number is not None and result.best_value is not None:
            self.best_label.setText(
                _("Best: trial {number}, {metric} = {value:.4g} ({params})").format(
                    number=result.best_number,
                    metric=result.metric,
                    value=result.best_value,
                    params=params_text(result.best_params),
                )
            )
        else:
            self.best_label.setText(_("No trial completed."))
        self._show_importances(result.importances)
        self._record_trials(result)
        self._update_buttons()
        self.search_finished.emit(result)

    def _record_trials(self, result: SearchResult) -> None:
        """Put the trials into the runs table as one undoable step.

        While training holds the project (edits refused) they are still recorded, outside
        the undo stack, like a controlled experiment's runs: a search's trials are never lost.
        """
        from nnstudio.core.experiments.search import add_search_runs
        from nnstudio.gui.run_commands import AddSearchRunsCommand

        if not result.runs:
            return
        if not self.document.push(AddSearchRunsCommand(self.document, result)):
            add_search_runs(self.document.project, result)
            self.document.workspace.announce_runs()
            self.document.mark_dirty()
        self.status.setText(
            self.status.text()
            + " "
            + ngettext(
                "Its trial is in the Runs panel.",
                "Its {n} trials are in the Runs panel.",
                len(result.runs),
            ).format(n=len(result.runs))
        )

    def _on_failed(self, message: str) -> None:
        self.runner.thread = None
        self._say(_("The search stopped: {reason}").format(reason=message))
        self._update_buttons()

    # --- importances -----------------------------------------------------------------------

    def _clear_importances(self) -> None:
        while self.importance_layout.count():
            item = self.importance_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.importance_box.hide()
        self.importance_bars: dict[str, QProgressBar] = {}

    def _show_importances(self, importances: dict[str, float]) -> None:
        """One bar per setting, longest first (fANOVA's share of the value's variance)."""
        self._clear_importances()
        if not importances:
            return
        ordered = sorted(importances.items(), key=lambda kv: -kv[1])
        for row, (name, share) in enumerate(ordered):
            label = QLabel(name, self.importance_box)
            bar = QProgressBar(self.importance_box)
            bar.setRange(0, 1000)
            bar.setValue(round(max(0.0, min(1.0, share)) * 1000))
            bar.setFormat(f"{share:.2f}")
            self.importance_layout.addWidget(label, row, 0)
            self.importance_layout.addWidget(bar, row, 1)
            self.importance_bars[name] = bar
        self.importance_box.show()

    # --- apply -----------------------------------------------------------------------------

    def apply_best(self) -> bool:
        """Push the best trial's settings as one undoable step; False when refused."""
        if self.result is None or not self.result.best_params:
            return False
        try:
            command = apply_best_command(self.document, self.result.best_params)
        except NNStudioError as exc:
            self._say(error_text(exc))
            return False
        if command is None:
            self._say(_("The project already has the best trial's settings."))
            return True
        if not self.document.push(command):
            self._say(_("Not applied: stop training first."))
            return False
        self._say(_("Applied the best trial's settings (Edit → Undo takes them back)."))
        return True

    # --- helpers ---------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _update_buttons(self) -> None:
        running = self.runner.running
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.apply_button.setEnabled(
            not running and self.result is not None and bool(self.result.best_params)
        )
        for widget in (*self.checks.values(), self.sampler, self.trial_count, self.pruning):
            widget.setEnabled(not running)
        for name, spec in self.specs.items():
            spec.setEnabled(not running and self.checks[name].isChecked())

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing cancels a running search (its thread ends after the current batch)."""
        if self.runner.running:
            self.runner.cancel()
        super().closeEvent(event)

"""The optimiser race dialog: pick 2–4 optimisers, race them, read the lesson's table.

Lesson 6 compares SGD, Adam and RMSprop after 5 epochs in a small table. Here a student
picks the contestants (pre-filled with that trio), presses Start, and watches their loss and
accuracy curves grow side by side, one colour each, from the very same initial weights; the
table (optimiser, final loss, validation loss, accuracy, epochs to reach a target loss,
processor seconds) fills in as they go, and can be sorted, copied or saved as CSV.

The dialog is non-modal and reads the document only when a race starts (it never changes
the project: a race is an experiment beside the real training). Closing it stops and joins
every run.

The contestants report far faster than anyone can read (hundreds of epochs a second each on
the lessons' data), and on a busy machine faster than the GUI thread can draw. So a report
only extends its contestant's history (cheap, whatever the race's length); the curves, the
cards and the table are redrawn together by one timer, spaced so that drawing takes at most a
quarter of the GUI thread however long the curves grow. A flood of reports — or a close with
hundreds of them still queued — thus costs one drawing per contestant, not one per report.
"""

from __future__ import annotations

import html
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import atomic
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons.race import (
    LESSON_TRIO,
    MAX_ENTRIES,
    RACE_COLUMNS,
    RaceEntry,
    RaceResult,
    build_race,
    entry_label,
    format_cell,
    race_csv,
    race_table,
)
from nnstudio.core.training import EpochReport, History
from nnstudio.gui import theme
from nnstudio.gui.race.race_runner import RaceRunner
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.gui.widgets.labels import add_entries, muted
from nnstudio.gui.widgets.param_editors import ParamForm, format_number
from nnstudio.i18n import N_, _, pgettext, tr

__all__ = ["MIN_ENTRIES", "EntryCard", "RaceDialog"]

MIN_ENTRIES = 2
#: Milliseconds between two redraws while racing, at the least (ten a second look live).
REDRAW_INTERVAL_MS = 100
#: The largest share of the GUI thread the redraws may take: the next redraw waits
#: ``cost / REDRAW_SHARE`` when drawing got slow (long curves, a busy machine).
REDRAW_SHARE = 0.25
#: A curve shows a dot on every epoch up to this many epochs; beyond, the dots would merge
#: into a line anyway, and pyqtgraph builds every dot in Python on each update.
DOT_LIMIT = 200
#: Parameters shown in a card without "More settings": the ones the lesson talks about.
KEY_PARAMS = {
    "sgd": ("lr", "momentum", "nesterov"),
    "adagrad": ("lr",),
    "rmsprop": ("lr", "alpha", "momentum"),
    "adam": ("lr", "beta1", "beta2"),
    "adamw": ("lr", "weight_decay"),
    "nadam": ("lr",),
    "lion": ("lr", "beta1", "beta2"),
}
REASON_TEXT = {
    "finished": N_("finished"),
    "stopped": N_("stopped"),
    "diverged": N_("diverged (NaN)"),
    "early_stopped": N_("stopped early"),
    "target_reached": N_("reached the target"),
}


def reason_text(reason: str) -> str:
    """How a contestant's run ended, in the current language."""
    return _(REASON_TEXT[reason]) if reason in REASON_TEXT else reason


class EntryCard(QFrame):
    """One contestant: its colour, an optional name, the optimiser and its settings."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, entry: RaceEntry, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = color
        self.setObjectName("raceCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            f"QFrame#raceCard {{ border: 1px solid {theme.CARD_BORDER.name()}; "
            f"border-top: 4px solid {color}; border-radius: 4px; "
            f"background: {theme.CARD_BG.name()}; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)

        head = QHBoxLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setToolTip(_("The name in the legend and the table (empty: automatic)"))
        self.name_edit.textEdited.connect(lambda _t: self.changed.emit())
        self.remove_button = QToolButton(self)
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(_("Remove this optimiser from the race"))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        head.addWidget(self.name_edit, 1)
        head.addWidget(self.remove_button)
        layout.addLayout(head)

        self.combo = QComboBox(self)
        add_entries(self.combo, OPTIMIZERS)
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        layout.addWidget(self.combo)
        self.form = ParamForm((), self)
        self.form.changed.connect(self._on_form_changed)
        layout.addWidget(self.form)
        self.lr_hint = muted(QLabel(self), small=True)
        layout.addWidget(self.lr_hint)
        self.more = QCheckBox(_("More settings"), self)
        self.more.setToolTip(_("Show every parameter of this optimiser"))
        self.more.toggled.connect(self._update_rows)
        layout.addWidget(self.more)
        layout.addStretch(1)
        self.status = QLabel("", self)
        self.status.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()};")
        layout.addWidget(self.status)

        self._values: dict[str, Any] = {}
        self.set_entry(entry)

    # --- the contestant --------------------------------------------------------------------

    def set_entry(self, entry: RaceEntry) -> None:
        comp = entry.component()
        self._values = comp
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(max(0, self.combo.findData(comp["name"])))
        self._rebuild()
        auto = entry_label(comp)
        self.name_edit.setText("" if entry.label == auto else entry.label)
        self._update_placeholder()

    def entry(self) -> RaceEntry:
        """The contestant as configured now (name empty: the automatic one)."""
        return RaceEntry(self.name_edit.text().strip(), dict(self._values))

    def label(self) -> str:
        return self.entry().label

    def set_running(self, running: bool) -> None:
        for widget in (self.name_edit, self.combo, self.form, self.more, self.remove_button):
            widget.setEnabled(not running)

    def set_status(self, text: str, color: str = theme.SECONDARY_TEXT.name()) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color};")

    # --- editing ---------------------------------------------------------------------------

    def _rebuild(self) -> None:
        spec = OPTIMIZERS.get(self._values["name"])
        self.form.set_specs(spec.params)
        self.form.set_values({k: v for k, v in self._values.items() if k != "name"})
        self._update_rows()
        self._update_hint()

    def _update_rows(self) -> None:
        keys = KEY_PARAMS.get(self._values["name"], ("lr",))
        for name in self.form.editors():
            self.form.set_row_visible(name, self.more.isChecked() or name in keys)

    def _update_hint(self) -> None:
        spec = OPTIMIZERS.get(self._values["name"])
        lo, hi = spec.usual_lr
        self.lr_hint.setText(
            _("usual lr for {optimizer}: {low} – {high}").format(
                optimizer=_(spec.label), low=format_number(lo), high=format_number(hi)
            )
        )

    def _update_placeholder(self) -> None:
        self.name_edit.setPlaceholderText(tr(entry_label(self._values)))

    def _on_combo_changed(self, _index: int) -> None:
        name = str(self.combo.currentData())
        spec = OPTIMIZERS.get(name)
        # Start from the new optimiser's own defaults (its usual lr), as the lesson does.
        self._values = {"name": name, **spec.defaults()}
        self.name_edit.clear()  # a name given to the old optimiser would now mislead
        self._rebuild()
        self._update_placeholder()
        self.changed.emit()

    def _on_form_changed(self, name: str, value: Any) -> None:
        self._values = {**self._values, name: value}
        self._update_placeholder()
        self.changed.emit()


class _SortItem(QTableWidgetItem):
    """A cell that sorts by its number (missing values last), not by its text."""

    def __init__(self, text: str, key: Any) -> None:
        super().__init__(text)
        self.key = key
        self.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.key, getattr(other, "key", None)
        if a is None or b is None:
            return a is not None and b is None
        if isinstance(a, str) or isinstance(b, str):
            return str(a).lower() < str(b).lower()
        return a < b


class RaceDialog(QDialog):
    """Race 2–4 optimisers on the document's network and data (non-modal).

    Parameters
    ----------
    document:
        The window's :class:`~nnstudio.gui.document.ProjectDocument`. Only read.
    """

    #: A race started (list of RaceEntry).
    race_started = Signal(list)
    #: A race ended (list of table rows, as :func:`nnstudio.core.lessons.race.race_table`).
    race_finished = Signal(list)

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.document = document
        self.setWindowTitle(_("Optimiser race"))
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1180, 820)
        self.runner = RaceRunner(self)
        self.runner.entry_events.connect(self._on_runner_entry_events)
        self.runner.entry_finished.connect(self._on_runner_entry_finished)
        self.runner.entry_failed.connect(self._on_runner_entry_failed)
        self.runner.race_finished.connect(self._on_runner_race_finished)
        self.cards: list[EntryCard] = []
        self.entries: list[RaceEntry] = []
        #: The colour of each contestant of the last race (cards may change afterwards).
        self.race_colors: list[str] = []
        self.histories: list[History] = []
        self.results: list[RaceResult | None] = []
        self.rows: list[dict[str, Any]] = []
        self._planned_epochs = 0
        self._curves: list[dict[str, Any]] = []
        #: Contestants with reports not drawn yet (see :meth:`_redraw`).
        self._dirty: set[int] = set()
        self._redraw_interval = REDRAW_INTERVAL_MS
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._redraw)

        intro = QLabel(
            _(
                "Train the <b>same network</b> from the <b>same initial weights</b> on the same "
                "batches with different optimisers, side by side, and compare them like the "
                "lesson's table. The project itself is not changed."
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()};")
        self.banner = ProblemBanner(self)

        self.cards_row = QHBoxLayout()
        self.cards_row.setSpacing(8)
        self.add_button = QPushButton(_("+ Add optimiser"), self)
        self.add_button.setToolTip(_("Race up to {n} optimisers").format(n=MAX_ENTRIES))
        self.add_button.clicked.connect(self.add_entry)
        self.cards_row.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)

        settings = QHBoxLayout()
        settings.addWidget(QLabel(_("Epochs"), self))
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 100_000)
        self.epochs.setToolTip(_("Every optimiser trains this many epochs (the lesson uses 5)"))
        settings.addWidget(self.epochs)
        settings.addSpacing(12)
        settings.addWidget(QLabel(_("Target loss"), self))
        self.target = QDoubleSpinBox(self)
        self.target.setDecimals(4)
        self.target.setRange(0.0, 1e6)
        self.target.setSingleStep(0.05)
        self.target.setSpecialValueText(_("none"))
        self.target.setValue(0.3)
        self.target.setToolTip(
            _(
                "The table counts the epochs each optimiser needs until its training loss is "
                "at or below this value (0: none)."
            )
        )
        self.target.valueChanged.connect(self._on_target_changed)
        settings.addWidget(self.target)
        hint = QLabel(_("(training loss)"), self)
        muted(hint)
        settings.addWidget(hint)
        settings.addStretch(1)
        self.status = QLabel("", self)
        self.status.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()};")
        settings.addWidget(self.status)
        settings.addSpacing(12)
        self.start_button = QPushButton(_("Start race"), self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_race)
        self.stop_button = QPushButton(_("Stop"), self)
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_race)
        settings.addWidget(self.start_button)
        settings.addWidget(self.stop_button)

        plots = QWidget(self)
        plots_box = QVBoxLayout(plots)
        plots_box.setContentsMargins(0, 0, 0, 0)
        plots_box.setSpacing(2)
        legend_row = QHBoxLayout()
        # The legend sits above the plots, where it never hides a curve.
        self.legend = QLabel("", plots)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        legend_row.addWidget(self.legend, 1)
        self.log_loss = QCheckBox(_("Loss on a log scale"), plots)
        self.log_loss.setToolTip(_("Show the loss on a logarithmic axis (late differences show)"))
        legend_row.addWidget(self.log_loss)
        plots_box.addLayout(legend_row)
        plots_row = QHBoxLayout()
        plots_box.addLayout(plots_row, 1)
        self.loss_plot = pg.PlotWidget(plots)
        self.loss_plot.setTitle(pgettext("plot title", "Loss"))
        self.loss_plot.setLabel("bottom", _("epoch"))
        self.loss_plot.setLabel("left", _("loss"))
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.target_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen(theme.MUTED_TEXT, width=1, style=Qt.PenStyle.DashLine),
            label=pgettext("race", "target"),
            labelOpts={
                "position": 0.06,
                "color": theme.MUTED_TEXT,
                "anchors": [(0, 1), (0, 1)],
            },
        )
        self.loss_plot.addItem(self.target_line, ignoreBounds=True)
        self.metric_plot = pg.PlotWidget(plots)
        self.metric_plot.setTitle(_("Validation accuracy"))
        self.metric_plot.setLabel("bottom", _("epoch"))
        self.metric_plot.setLabel("left", _("accuracy (%)"))
        self.metric_plot.showGrid(x=True, y=True, alpha=0.2)
        self.log_loss.toggled.connect(self._on_log_toggled)
        plots_row.addWidget(self.loss_plot, 1)
        plots_row.addWidget(self.metric_plot, 1)

        table_box = QWidget(self)
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(RACE_COLUMNS), table_box)
        self.table.setHorizontalHeaderLabels([_(h) for _k, h, _t in RACE_COLUMNS])
        for c, (_key, _heading, tip) in enumerate(RACE_COLUMNS):
            self.table.horizontalHeaderItem(c).setToolTip(_(tip))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(RACE_COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # race order until clicked
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        table_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.table_note = QLabel("", table_box)
        muted(self.table_note)
        buttons.addWidget(self.table_note, 1)
        self.copy_button = QPushButton(_("Copy table"), table_box)
        self.copy_button.setToolTip(_("Copy the table (tab-separated) to paste into a spreadsheet"))
        self.copy_button.clicked.connect(self.copy_table)
        self.csv_button = QPushButton(_("Export CSV…"), table_box)
        self.csv_button.clicked.connect(self._ask_export_csv)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.csv_button)
        table_layout.addLayout(buttons)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table, self.copy_table)
        copy.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # not the name fields

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(plots)
        splitter.addWidget(table_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([470, 190])

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(self.cards_row)
        layout.addLayout(settings)
        layout.addWidget(splitter, 1)

        for entry in LESSON_TRIO:
            self.add_entry(entry)
        self._sync_from_project()
        document.project_replaced.connect(self._on_document_project_replaced)
        document.analysis_changed.connect(self._on_document_changed)
        document.data_changed.connect(self._on_document_changed)
        document.locked_changed.connect(self._on_document_changed)
        document.training_settings_changed.connect(self._on_document_changed)
        self._update_state()
        self._on_target_changed(self.target.value())
        app = QCoreApplication.instance()
        if app is not None:  # never leave a run behind when the application quits
            app.aboutToQuit.connect(self.shutdown)

    # --- entries ---------------------------------------------------------------------------

    def add_entry(self, entry: RaceEntry | None = None) -> EntryCard | None:
        """Add a contestant (default: Adam at its usual lr); None when the race is full."""
        if len(self.cards) >= MAX_ENTRIES or self.runner.running:
            return None
        if not isinstance(entry, RaceEntry):
            entry = RaceEntry("", {"name": "adam"})
        used = {c.color for c in self.cards}
        color = next(c for c in theme.RACE_COLORS if c not in used)
        card = EntryCard(entry, color, self)
        card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        card.remove_requested.connect(self.remove_entry)
        card.changed.connect(self._on_card_changed)
        self.cards.append(card)
        self.cards_row.insertWidget(len(self.cards) - 1, card, 1)
        self._update_state()
        self._update_legend()
        return card

    def _on_card_changed(self) -> None:
        if not self.entries:
            self._update_legend()

    def remove_entry(self, card: EntryCard) -> None:
        if len(self.cards) <= MIN_ENTRIES or self.runner.running or card not in self.cards:
            return
        self.cards.remove(card)
        self.cards_row.removeWidget(card)
        card.hide()
        card.deleteLater()
        self._update_state()
        self._update_legend()

    def race_entries(self) -> list[RaceEntry]:
        """The contestants as the cards are set now, with distinct labels."""
        entries, seen = [], {}
        for card in self.cards:
            entry = card.entry()
            count = seen.get(entry.label, 0) + 1
            seen[entry.label] = count
            if count > 1:
                entry = RaceEntry(f"{entry.label} #{count}", entry.optimizer)
            entries.append(entry)
        return entries

    # --- the race --------------------------------------------------------------------------

    def blocking_reason(self) -> str | None:
        """Why a race cannot start now (None when it can)."""
        doc = self.document
        reason = doc.workspace.blocking_reason()
        if reason:
            return tr(reason)
        if doc.lock_reason is not None:
            return _(
                "Training is running in the main window: stop it first, so the race has "
                "the processor to itself."
            )
        return None

    def start_race(self) -> str | None:
        """Start the race; returns None, or why it cannot start (also shown in the banner)."""
        if self.runner.running:
            return _("The race is already running.")
        reason = self.blocking_reason()
        if reason is None:
            entries = self.race_entries()
            doc = self.document
            try:
                plans = build_race(
                    doc.project,
                    entries,
                    (doc.workspace.table, doc.workspace.prepared),
                    epochs=self.epochs.value(),
                )
            except NNStudioError as exc:
                reason = tr(str(exc))
        if reason is not None:
            self.banner.set_messages([BannerMessage("error", reason)])
            return reason
        self.banner.set_messages([])
        self.entries = entries
        self.race_colors = [card.color for card in self.cards]
        self.histories = [History() for _entry in entries]
        self.results = [None] * len(entries)
        self._planned_epochs = self.epochs.value()
        self._reset_plots(plans[0].prepared.task == "classification", plans[0].prepared.n_val > 0)
        for card in self.cards:
            card.set_status(_("epoch {epoch}/{total}").format(epoch=0, total=self._planned_epochs))
        self.table_note.setText("")  # the last race's verdict is not this race's
        self._fill_table()
        self.runner.start(plans, entries)
        self.status.setText(_("Racing…"))
        self._update_state()
        self.race_started.emit(list(entries))
        return None

    def stop_race(self) -> None:
        """Ask every contestant to stop after its current batch."""
        if self.runner.running:
            self.runner.stop()
            self.status.setText(_("Stopping…"))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop and join every run (window closing); True when no thread is left running."""
        return self.runner.shutdown(timeout_ms)

    def curve_data(self, index: int, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) drawn for contestant ``index``: ``train``, ``val`` or ``metric``."""
        item = self._curves[index][kind]
        x, y = item.getData()
        if x is None:
            return np.array([]), np.array([])
        return np.asarray(x), np.asarray(y)

    # --- table -----------------------------------------------------------------------------

    def copy_table(self) -> str:
        """Copy the table as shown (sorted) to the clipboard, tab-separated; returns the text."""
        headings = [
            self.table.horizontalHeaderItem(c).text() for c in range(self.table.columnCount())
        ]
        lines = ["\t".join(headings)]
        for r in range(self.table.rowCount()):
            cells = []
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                cells.append(item.text() if item is not None else "")
            lines.append("\t".join(cells))
        text = "\n".join(lines) + "\n"
        QGuiApplication.clipboard().setText(text)
        self.table_note.setText(_("Table copied: paste it into a spreadsheet or a report."))
        return text

    def export_csv(self, path: str | Path) -> Path:
        """Write the table (full precision) as CSV."""
        target = Path(path)
        atomic.write_text(target, race_csv(self.rows))
        self.table_note.setText(_("Saved {name}").format(name=target.name))
        return target

    def _ask_export_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export race table"), "optimiser-race.csv", _("CSV files (*.csv)")
        )
        if path:
            try:
                self.export_csv(path)
            except OSError as exc:
                text = _("Cannot save {path}: {error}").format(path=path, error=exc)
                self.banner.set_messages([BannerMessage("error", text)])

    def _current_results(self) -> list[RaceResult]:
        out = []
        for i, entry in enumerate(self.entries):
            done = self.results[i] if i < len(self.results) else None
            out.append(done or RaceResult(entry, self.histories[i], None, "running"))
        return out

    def _fill_table(self) -> None:
        target = self.target.value() or None
        self.rows = race_table(self._current_results(), target)
        metric = next((r["metric"] for r in self.rows if r["metric"]), "val_accuracy")
        headings = [_(h) for _k, h, _t in RACE_COLUMNS]
        if "rmse" in metric:
            headings[3] = "RMSE"
        self.table.setHorizontalHeaderLabels(headings)
        for c, (_key, _heading, tip) in enumerate(RACE_COLUMNS):
            self.table.horizontalHeaderItem(c).setToolTip(_(tip))
        finished = [r for r in self.rows if r["final_train_loss"] is not None]
        best = min(finished, key=lambda r: r["final_train_loss"]) if finished else None
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        bold = QFont()
        bold.setBold(True)
        for r, row in enumerate(self.rows):
            color = self.race_colors[r] if r < len(self.race_colors) else theme.TEXT.name()
            for c, (key, _heading, _tip) in enumerate(RACE_COLUMNS):
                text = format_cell(key, row)
                if key == "label":
                    text = f"■ {tr(row['label'])}"
                    if row["reason"] not in ("finished", "running"):
                        text += f"  ({reason_text(row['reason'])})"
                item = _SortItem(text, row.get(key) if key != "label" else r)
                if key == "label":
                    item.setForeground(QColor(color))
                    item.setToolTip(tr(row["label"]))
                else:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if best is not None and row is best and key in ("label", "final_train_loss"):
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(sorting)
        if best is not None and not self.runner.running and all(self.results):
            reached = [r for r in self.rows if r["epochs_to_target"] is not None]
            if reached:
                fastest = min(reached, key=lambda r: r["epochs_to_target"])
                note = _(
                    "Lowest final loss: {best}. First to the target: {fastest} (epoch {epoch})."
                ).format(
                    best=tr(best["label"]),
                    fastest=tr(fastest["label"]),
                    epoch=fastest["epochs_to_target"],
                )
            elif target is not None:
                note = _("Lowest final loss: {best}. None reached the target loss.").format(
                    best=tr(best["label"])
                )
            else:
                note = _("Lowest final loss: {best}.").format(best=tr(best["label"]))
            self.table_note.setText(note)

    # --- plots -----------------------------------------------------------------------------

    def _reset_plots(self, classification: bool, has_val: bool) -> None:
        for plot in (self.loss_plot, self.metric_plot):
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
        self._update_legend()
        if classification:
            self.metric_plot.setTitle(
                _("Validation accuracy") if has_val else _("Training accuracy")
            )
            self.metric_plot.setLabel("left", _("accuracy (%)"))
        else:
            self.metric_plot.setTitle(_("Validation RMSE") if has_val else _("Training RMSE"))
            self.metric_plot.setLabel("left", "RMSE")
        self._curves = []
        self._dirty.clear()
        self._redraw_timer.stop()
        self._redraw_interval = REDRAW_INTERVAL_MS
        for color in self.race_colors:
            train = _epoch_curve(self.loss_plot, color)
            val = self.loss_plot.plot(
                [], [], pen=pg.mkPen(color, width=1.6, style=Qt.PenStyle.DashLine)
            )
            metric = _epoch_curve(self.metric_plot, color)
            self._curves.append({"train": train, "val": val, "metric": metric})
        for plot in (self.loss_plot, self.metric_plot):
            plot.setXRange(0.5, max(2, self._planned_epochs) + 0.5, padding=0)
            plot.enableAutoRange(axis="y")

    def _draw(self, index: int) -> None:
        h = self.histories[index]
        curves = self._curves[index]
        x = np.asarray(h.epoch, dtype=float)
        if len(x) > DOT_LIMIT:
            for kind in ("train", "metric"):
                if curves[kind].opts["symbol"] is not None:
                    curves[kind].setSymbol(None)
        curves["train"].setData(x, _finite(h.train_loss))
        if any(v is not None for v in h.val_loss):
            curves["val"].setData(x, _finite(h.val_loss))
        key = _metric_key(h)
        if key:
            values = _finite(h.metrics[key])
            if key.endswith("accuracy"):
                values = values * 100.0
            curves["metric"].setData(x, values)

    def _update_legend(self) -> None:
        if self.entries:  # the curves shown are the last race's
            labels = list(zip(self.race_colors, [tr(e.label) for e in self.entries], strict=True))
        else:
            labels = [(card.color, tr(card.label())) for card in self.cards]
        parts = [
            f"<span style='color:{color}; font-size:15px'>■</span>&nbsp;{html.escape(label)}"
            for color, label in labels
        ]
        training, validation = pgettext("split", "training"), pgettext("split", "validation")
        parts.append(
            f"<span style='color:{theme.MUTED_TEXT.name()}'>━ {html.escape(training)} &nbsp; "
            f"╍╍ {html.escape(validation)}</span>"
        )
        self.legend.setText(" &nbsp;&nbsp; ".join(parts))

    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._on_target_changed(self.target.value())

    def _on_target_changed(self, value: float) -> None:
        if value > 0:
            self.target_line.setPos(math.log10(value) if self.log_loss.isChecked() else value)
            self.target_line.label.setFormat(_("target {value:g}").format(value=value))
            self.target_line.show()
        else:
            self.target_line.hide()
        if self.entries:
            self._fill_table()

    # --- runner signals --------------------------------------------------------------------

    def _set_card_status(
        self, index: int, text: str, color: str = theme.SECONDARY_TEXT.name()
    ) -> None:
        if index < len(self.cards):
            self.cards[index].set_status(text, color)

    def _on_runner_entry_events(self, index: int, events: list) -> None:
        """Keep the reports; drawing them waits for the redraw timer (see the module doc)."""
        if index >= len(self.histories):
            return
        history = self.histories[index]
        for event in events:
            if isinstance(event, EpochReport):
                history.add_epoch(event)
                self._dirty.add(index)
        if self._dirty and not self._redraw_timer.isActive():
            self._redraw_timer.start(self._redraw_interval)

    def _redraw(self) -> None:
        """Draw every contestant with undrawn reports, and the table, once."""
        self._redraw_timer.stop()
        if not self._dirty:
            return
        started = time.perf_counter()
        for index in sorted(self._dirty):
            self._draw_running(index)
        self._dirty.clear()
        self._fill_table()
        cost_ms = (time.perf_counter() - started) * 1000
        self._redraw_interval = max(REDRAW_INTERVAL_MS, round(cost_ms / REDRAW_SHARE))

    def _draw_running(self, index: int) -> None:
        """Draw a contestant still racing, and say on its card how far it got."""
        h = self.histories[index]
        self._draw(index)
        if h.epoch:
            self._set_card_status(
                index,
                _("epoch {epoch}/{total} · loss {loss:.4f}").format(
                    epoch=h.epoch[-1], total=self._planned_epochs, loss=h.train_loss[-1]
                ),
            )

    def _on_runner_entry_finished(self, index: int, result: RaceResult) -> None:
        self.results[index] = result
        self.histories[index] = result.history
        # Its final curve now; the others' pending reports keep waiting for the timer (or
        # their own end), so a close with a long queue still draws each contestant once.
        self._dirty.discard(index)
        self._draw(index)
        color = (theme.OK if result.reason == "finished" else theme.WARNING_TEXT).name()
        self._set_card_status(index, reason_text(result.reason), color)
        self._fill_table()

    def _on_runner_entry_failed(self, index: int, message: str) -> None:
        self._dirty.discard(index)  # what it reported before failing, drawn now
        self._draw(index)
        self._set_card_status(index, _("failed"), theme.ERROR.name())
        text = _("{contestant}: {message}").format(
            contestant=tr(self.entries[index].label), message=tr(message)
        )
        self.banner.set_messages([*self.banner.messages(), BannerMessage("error", text)])

    def _on_runner_race_finished(self, _results: list) -> None:
        self._redraw()  # a contestant that failed may have reports not drawn yet
        stopped = any(r is not None and r.reason == "stopped" for r in self.results)
        self.status.setText(_("Race stopped.") if stopped else _("Race finished."))
        self._fill_table()
        self._update_state()
        self.race_finished.emit(list(self.rows))

    # --- state -----------------------------------------------------------------------------

    def _update_state(self) -> None:
        running = self.runner.running
        for card in self.cards:
            card.set_running(running)
            card.remove_button.setVisible(len(self.cards) > MIN_ENTRIES)
        self.add_button.setVisible(len(self.cards) < MAX_ENTRIES)
        self.add_button.setEnabled(not running)
        self.epochs.setEnabled(not running)
        self.stop_button.setEnabled(running)
        reason = None if running else self.blocking_reason()
        self.start_button.setEnabled(not running and reason is None)
        self.start_button.setToolTip(reason or _("Train every optimiser from the same start"))
        if not running:
            self.banner.set_messages([BannerMessage("error", reason)] if reason else [])

    def _sync_from_project(self) -> None:
        self.epochs.setValue(int(self.document.project.training.epochs))

    def _on_document_project_replaced(self) -> None:
        self.shutdown()
        # The last race belonged to the old project: start from a clean sheet.
        self.entries, self.race_colors, self.histories, self.results = [], [], [], []
        self._reset_plots(True, True)
        self._fill_table()
        self.status.setText("")
        self.table_note.setText("")
        for card in self.cards:
            card.set_status("")
        self._sync_from_project()
        self._update_state()

    def _on_document_changed(self, *_args: Any) -> None:
        if not self.runner.running:
            self._update_state()

    # --- Qt --------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        self._update_state()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        # Escape and the window's close button both end here: never leave a run behind.
        self.shutdown()
        self._update_state()
        super().done(result)


def _epoch_curve(plot: pg.PlotWidget, color: str) -> pg.PlotDataItem:
    """A contestant's solid per-epoch curve, a dot on every epoch (up to :data:`DOT_LIMIT`)."""
    return plot.plot(
        [],
        [],
        pen=pg.mkPen(color, width=2.2),
        symbol="o",
        symbolSize=5,
        symbolBrush=color,
        symbolPen=None,
    )


def _finite(values: list[float | None]) -> np.ndarray:
    """Curve values with None as NaN (pyqtgraph leaves a gap).

    numpy turns None into NaN itself, in C: a Python loop here would cost a long race's
    whole history on every redraw.
    """
    return np.array(values, dtype=float)


def _metric_key(history: History) -> str:
    for key in ("val_accuracy", "train_accuracy", "val_rmse", "train_rmse"):
        if history.metrics.get(key):
            return key
    return ""

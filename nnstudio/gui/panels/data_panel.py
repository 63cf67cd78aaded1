"""The data panel: choose a table, say what each column is, decide how it is prepared.

Everything shown here is read from the :class:`~nnstudio.gui.document.ProjectDocument`
(``project.data``, ``table``, ``prepared``, ``data_error``) and every user edit becomes ONE
:class:`~nnstudio.gui.commands.SetDataSettingsCommand`; the panel then redraws itself from the
document's signals, so undo/redo and project replacement need no special code. While the panel
writes model values into its widgets (``_syncing``), widget signals are ignored: that is what
keeps a redraw from pushing new commands.

What the panel says and shows (texts, banner messages, scatter points) is decided in the
Qt-free :mod:`nnstudio.gui.panels.data_presenter`; data facts (column roles, split balance)
come from the core. This module builds widgets, fills them, and turns edits into commands.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.params import ParamError, check_params
from nnstudio.core.data import (
    DATASETS,
    ColumnInfo,
    DataSettings,
    DataSource,
    Table,
    balance_split,
    column_roles,
    default_settings_for,
    describe_columns,
    detect_task,
    resolve_path,
    trust,
)
from nnstudio.core.errors import DataEncodingError, NNStudioError
from nnstudio.core.workspace import LoadedData, load_data
from nnstudio.gui import theme
from nnstudio.gui.commands import SetDataSettingsCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.models.dataframe_model import DataFrameModel
from nnstudio.gui.panels.data_loader import BackgroundRead
from nnstudio.gui.panels.data_opening import ENCODING_CHOICES, OpenResult, open_csv
from nnstudio.gui.panels.data_presenter import (
    banner_messages,
    column_tooltip,
    dataset_help,
    kind_tooltip,
    kind_word,
    missing_tooltip,
    preview_caption,
    role_edit,
    role_tooltip,
    scatter_data,
    scatter_name,
    source_description,
    summary_text,
    summary_tooltip,
    unprepared_text,
    use_button_state,
)
from nnstudio.gui.widgets.banner import BannerMessage, ProblemBanner
from nnstudio.gui.widgets.labels import compact_combo, escape_html, muted, tip_label, wrapped_label
from nnstudio.gui.widgets.param_editors import ParamForm
from nnstudio.gui.widgets.sync import SyncGuard
from nnstudio.i18n import N_, _, pgettext, tr

#: What the role combo says, and the role name used by ``column_roles``.
ROLE_CHOICES = (
    (N_("feature"), "input"),
    (N_("target"), "target"),
    (N_("ignore"), "ignored"),
)
MISSING_LABELS = {
    "refuse": N_("Report empty cells"),
    "drop": N_("Drop rows with empty cells"),
    "mean": N_("Fill with the column mean"),
    "most_frequent": N_("Fill with the most frequent value"),
}
MISSING_HELP = N_(
    "What to do with empty cells. 'Report' stops with the column and rows so you can fix the "
    "file; dropping loses those rows; filling keeps them (mean for numbers, most frequent "
    "value for categories), computed on the training rows only."
)
SCALING_LABELS = {
    "none": N_("None (raw values)"),
    "standard": N_("Standardise (mean 0, sd 1)"),
    "minmax": N_("Min–max to [0, 1]"),
}
SCALING_HELP = N_(
    "Puts every numeric input on the same scale, fitted on the training rows. Inputs of very "
    "different sizes (battery 500–2000 vs. cores 1–8) make training slow or unstable; "
    "standardising is the lesson's first fix."
)
#: Files up to this size are read at once on the GUI thread (a fraction of a second, no
#: dialog worth showing), which also keeps :meth:`DataPanel.load_csv` synchronous for small
#: files; larger ones are read in a worker thread with a progress dialog and Cancel.
SYNC_READ_BYTES = 2 << 20
ENCODING_HELP = N_(
    "How the file's bytes become text. Automatic reads UTF-8 and, failing that, GBK, or "
    "Latin-1 when every line reads as Western words; choose another when the names and "
    "categories look garbled or the file is refused."
)
TASK_LABELS = {"classification": N_("Classification"), "regression": N_("Regression")}
#: A task as named inside a sentence ("Auto (classification)", the undo text "Task: auto").
TASK_WORDS = {
    "auto": N_("auto"),
    "classification": N_("classification"),
    "regression": N_("regression"),
}
TASK_HELP = N_(
    "Classification predicts a class (a category); regression predicts a number. Auto decides "
    "from the target: text, or a few whole numbers, means classes."
)
SPLIT_HELP = N_(
    "How the rows are shared out: the network learns from the training rows, validation rows "
    "show during training whether it generalises, and test rows are kept for one final check. "
    "The three parts always add up to 100 %."
)
SEED_HELP = N_("Seed of the random split: the same seed always puts the same rows in each part.")
STRATIFY_HELP = N_(
    "Keep the share of every class the same in each part (classification only): a small "
    "validation set then still sees every class."
)
#: The column table grows up to this many rows, then scrolls inside itself.
MAX_COLUMN_ROWS = 24


def _choice_row(
    form: QFormLayout,
    title: str,
    help_text: str,
    labels: Mapping[str, str],
    on_changed: Callable[[int], None],
) -> QComboBox:
    """A form row choosing one of ``labels`` (key → text); the help shows on label and combo.

    ``title`` is shown as given; ``help_text`` and the labels are catalogue texts, translated
    here.
    """
    parent = form.parentWidget()
    combo = compact_combo(QComboBox(parent), 8)
    for key, label in labels.items():
        combo.addItem(_(label), key)
    combo.setToolTip(_(help_text))
    combo.currentIndexChanged.connect(on_changed)
    form.addRow(tip_label(title, _(help_text), parent), combo)
    return combo


class _StepReader:
    """Reads the big data file an undo or redo switches to with the panel's reader first.

    Undo of "Open big.csv" would otherwise read the file before it on the GUI thread,
    freezing the window with no way out; the document asks this reader first (see
    :class:`~nnstudio.gui.document.DataReader`), and a cancelled read undoes nothing.
    """

    def __init__(self, reader: BackgroundRead, document: ProjectDocument) -> None:
        self.reader = reader
        self.document = document

    def busy(self) -> str:
        return self.reader.label() if self.reader.busy() else ""

    def read_first(self, settings: DataSettings, done: Callable[[LoadedData], None]) -> bool:
        source, base_dir = settings.source, self.document.project.base_dir
        if source.kind != "csv":
            return False
        try:
            size = resolve_path(source.path, base_dir).stat().st_size
        except (OSError, ValueError):
            return False  # the step's own load reports what is wrong with the file
        if size <= SYNC_READ_BYTES:
            return False
        self.reader.start(
            Path(source.path).name,
            lambda should_stop: load_data(settings, base_dir, should_stop=should_stop),
            done,
            cancel_note=_("Cancel undoes or redoes nothing: the project stays as it is."),
            cancelled_text=_("Reading {name} was cancelled; nothing was undone or redone."),
        )
        return True


class DataPanel(QWidget):
    """Source, column roles, preparation and a preview of the project's data.

    Public entry points for the main window: :meth:`load_csv` (File ▸ Open data…, window-level
    drops) and :meth:`use_builtin`.
    """

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.document = document
        #: Set while the panel writes model values into its widgets.
        self._syncing = SyncGuard()
        #: A problem that is not the document's (a CSV that could not be opened, a refused
        #: edit); shown in the banner until the data changes.
        self._notice: BannerMessage | None = None
        self._shown_table: Table | None = None
        self._auto_infos: tuple[Table, list[ColumnInfo]] | None = None
        self._override_infos: dict[tuple[str, str], ColumnInfo] = {}
        self._table_columns: list[str] = []
        self._role_combos: dict[str, QComboBox] = {}
        self._kind_combos: dict[str, QComboBox] = {}
        self._infos: list[ColumnInfo] = []
        self._roles: dict[str, str] = {}
        self._dataset_shown = ""
        self._source_kind_shown: str | None = None
        self._scatter_was_available = False
        #: A file just refused for its encoding: the encoding choice reads it again.
        self._refused_file: Path | None = None
        #: Reads big files off the GUI thread (progress dialog, Cancel).
        self.reader = BackgroundRead(self)
        self.reader.cancelled.connect(self._on_reader_cancelled)
        # Undo and Redo read a big file they switch to with the same reader (and Cancel).
        document.data_reader = _StepReader(self.reader, document)
        self.setAcceptDrops(True)
        self._build()
        document.data_changed.connect(self._on_document_data_changed)
        document.data_settings_changed.connect(self._on_document_data_settings_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        self.refresh()

    # --- public API --------------------------------------------------------------------------

    def load_csv(self, path: str | os.PathLike[str], encoding: str | None = None) -> bool:
        """Use the CSV file at ``path``, its last column as the target: one undo step.

        ``encoding`` (a codec name or "auto") defaults to the one set for this file, else
        "auto". A file up to :data:`SYNC_READ_BYTES` is read at once and the result says
        whether it was used; a file that cannot be read is reported in the banner and the
        project is left unchanged (False). A larger file is read in a worker thread (True:
        started), with a progress dialog and Cancel; :attr:`reader`'s ``finished`` signal
        says when it is done.
        """
        file = Path(os.fspath(path)).expanduser().absolute()
        if encoding is None:
            encoding = self._encoding_for(file)
        try:
            size = file.stat().st_size if file.is_file() else 0
        except OSError:
            size = 0  # the read says what is wrong
        if size <= SYNC_READ_BYTES:
            self.reader.cancel()
            return self._finish_open(file, open_csv(file, encoding))
        self.reader.start(
            file.name,
            lambda should_stop: open_csv(file, encoding, should_stop),
            lambda result: self._finish_open(file, result),
        )
        return True

    def open_dialog(self) -> None:
        """Ask for a CSV file and use it (File ▸ Load CSV…, the Open button)."""
        self._on_open_button_clicked()

    def cancel_load(self) -> bool:
        """Cancel a read running in the background; the data stays as it was."""
        return self.reader.cancel()

    def choose_encoding(self, encoding: str) -> bool:
        """Read the file again as ``encoding``: the file just refused, else the project's.

        For the project's own file this is one undoable step that sets ``source.encoding``.
        """
        if self._refused_file is not None:
            return self.load_csv(self._refused_file, encoding)
        source = self._settings.source
        if source.kind != "csv" or source.encoding == encoding:
            return False
        settings = self._settings.replace(source=dataclasses.replace(source, encoding=encoding))
        text = _("Encoding: {name}").format(name=_encoding_name(encoding))
        file = Path(source.path)
        base_dir = self.document.project.base_dir
        try:
            size = resolve_path(source.path, base_dir).stat().st_size
        except OSError:
            size = 0
        if size <= SYNC_READ_BYTES:
            return self._push(settings, text)
        self.reader.start(
            file.name,
            lambda should_stop: load_data(settings, base_dir, should_stop=should_stop),
            lambda loaded: self._switch_to(loaded, text),
        )
        return True

    def use_builtin(self, name: str, params: Mapping[str, Any] | None = None) -> bool:
        """Use built-in dataset ``name`` (``params`` override its defaults): one undo step.

        Another dataset starts from :func:`default_settings_for`; new parameters for the
        dataset already in use keep the user's roles and preparation choices.
        """
        try:
            spec = DATASETS.get(name)
            values = check_params(spec, dict(params or {}))
        except ParamError as exc:
            self._set_notice("error", tr(str(exc)))
            return False
        current = self.document.project.data
        source = DataSource(kind="builtin", name=spec.name, params=values)
        if current.source.kind == "builtin" and current.source.name == spec.name:
            settings = current.replace(source=source)
            text = _("Change {dataset} dataset").format(dataset=_(spec.label))
        else:
            settings = default_settings_for(spec.name).replace(source=source)
            text = _("Use {dataset} dataset").format(dataset=_(spec.label))
        return self._push(settings, text)

    def select_column(self, name: str, row: int = 0) -> None:
        """Select column ``name`` in the preview; ``row`` (1-based, 0 = none) is scrolled to."""
        column = self.model.column_index(name)
        if column < 0:
            return
        self.view_tabs.setCurrentIndex(0)
        selection = self.preview.selectionModel()
        self.preview.selectColumn(column)
        index = self.model.index(max(0, row - 1), column)
        flags = QItemSelectionModel.SelectionFlag
        if row:
            # The problem cell stays unselected so its red or amber tint shows inside the
            # highlighted column; it gets the focus frame instead.
            selection.select(index, flags.Deselect)
        selection.setCurrentIndex(index, flags.NoUpdate)
        self.preview.scrollTo(
            index,
            QAbstractItemView.ScrollHint.PositionAtCenter
            if row
            else QAbstractItemView.ScrollHint.EnsureVisible,
        )
        if name in self._table_columns:
            with QSignalBlocker(self.columns_table):
                self.columns_table.selectRow(self._table_columns.index(name))

    def scatter_available(self) -> bool:
        """Whether the data has a 2-D picture (the scatter tab is enabled)."""
        return self.view_tabs.isTabEnabled(1)

    def set_builtin_expanded(self, expanded: bool) -> None:
        """Show or fold away the built-in dataset picker."""
        self.builtin_toggle.setChecked(expanded)
        self._on_builtin_toggle_toggled(expanded)

    def refresh(self) -> None:
        """Redraw every widget from the document (never pushes a command)."""
        with self._syncing:
            self._sync_source()
            self._sync_columns()
            self._sync_preparation()
            self._sync_summary()
            self._sync_plot()
            self._sync_preview()
            self._sync_banner()

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        self.banner = ProblemBanner(self)
        self.banner.place_activated.connect(self._on_banner_place_activated)
        self.banner.set_footer(self._build_encoding_offer())
        outer.addWidget(self.banner)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        scroll = QScrollArea(self.splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(scroll)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 2, 0)
        column.setSpacing(8)
        column.addWidget(self._build_source())
        column.addWidget(self._build_columns())
        column.addWidget(self._build_preparation())
        column.addStretch(1)
        scroll.setWidget(content)
        self.scroll_area = scroll
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self._build_views())
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 330])
        outer.addWidget(self.splitter, 1)

    def _build_source(self) -> QGroupBox:
        box = QGroupBox(_("Data source"), self)
        layout = QVBoxLayout(box)
        layout.setSpacing(6)
        self.source_label = wrapped_label("", box)
        self.source_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.source_label)

        self.open_button = QPushButton(_("Open CSV…"), box)
        self.open_button.setToolTip(
            _(
                "Read a table from a CSV file (comma, semicolon or tab separated; UTF-8 or "
                "GBK). You can also drop a .csv file onto this panel."
            )
        )
        self.open_button.clicked.connect(self._on_open_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        drop_hint = muted(QLabel(_("or drop a .csv file here"), box), small=True)
        row.addWidget(drop_hint, 1)
        layout.addLayout(row)

        encoding_row = QHBoxLayout()
        self.encoding_label = QLabel(_("Encoding:"), box)
        encoding_row.addWidget(self.encoding_label)
        self.encoding_combo = compact_combo(QComboBox(box), 12)
        for codec, label in ENCODING_CHOICES:
            self.encoding_combo.addItem(_(label), codec)
        self.encoding_combo.setToolTip(_(ENCODING_HELP))
        self.encoding_label.setToolTip(_(ENCODING_HELP))
        self.encoding_combo.currentIndexChanged.connect(self._on_encoding_combo_changed)
        encoding_row.addWidget(self.encoding_combo, 1)
        layout.addLayout(encoding_row)

        self.builtin_toggle = QToolButton(box)
        self.builtin_toggle.setText(_("Built-in teaching datasets"))
        self.builtin_toggle.setCheckable(True)
        self.builtin_toggle.setAutoRaise(True)
        self.builtin_toggle.setStyleSheet("QToolButton { border: none; padding: 2px 0; }")
        self.builtin_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.builtin_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.builtin_toggle.setToolTip(
            _(
                "Small generated datasets (XOR, spirals, …) and real tables bundled with "
                "scikit-learn (iris, digits, …): no file needed."
            )
        )
        self.builtin_toggle.toggled.connect(self._on_builtin_toggle_toggled)
        layout.addWidget(self.builtin_toggle)
        self.builtin_box = QWidget(box)
        inner = QVBoxLayout(self.builtin_box)
        inner.setContentsMargins(4, 0, 0, 0)
        inner.setSpacing(6)
        self.dataset_combo = QComboBox(self.builtin_box)
        self.dataset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.dataset_combo.setMinimumContentsLength(12)
        for spec in DATASETS:
            self.dataset_combo.addItem(_(spec.label), spec.name)
            self.dataset_combo.setItemData(
                self.dataset_combo.count() - 1, _(spec.help), Qt.ItemDataRole.ToolTipRole
            )
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_changed)
        inner.addWidget(self.dataset_combo)
        self.dataset_help = muted(wrapped_label("", self.builtin_box), small=True)
        inner.addWidget(self.dataset_help)
        self.dataset_form = ParamForm((), self.builtin_box)
        self.dataset_form.changed.connect(self._on_dataset_form_changed)
        inner.addWidget(self.dataset_form)
        self.use_button = QPushButton(_("Use this dataset"), self.builtin_box)
        self.use_button.clicked.connect(self._on_use_button_clicked)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.use_button)
        inner.addLayout(button_row)
        layout.addWidget(self.builtin_box)
        self.builtin_box.setVisible(False)
        self._show_dataset(self.dataset_combo.currentData())
        return box

    def _build_encoding_offer(self) -> QWidget:
        """The banner's row of encodings, shown when a file's text could not be decoded."""
        offer = QWidget(self)
        row = QHBoxLayout(offer)
        row.setContentsMargins(24, 2, 0, 0)
        row.setSpacing(4)
        row.addWidget(QLabel(_("Read the file as:"), offer))
        self.encoding_buttons: dict[str, QPushButton] = {}
        for codec, label in ENCODING_CHOICES[1:]:
            button = QPushButton(_encoding_name(codec), offer)
            button.setToolTip(_(label))
            button.clicked.connect(lambda _checked=False, c=codec: self.choose_encoding(c))
            row.addWidget(button)
            self.encoding_buttons[codec] = button
        row.addStretch(1)
        self.encoding_offer = offer
        offer.setVisible(False)
        return offer

    def _sync_encoding_offer(self) -> None:
        """Offer the encodings when the file shown as refused could not be decoded."""
        exception = self.document.workspace.data_exception
        wanted = self._refused_file is not None or (
            self._notice is None
            and isinstance(exception, DataEncodingError)
            and self._settings.source.kind == "csv"
        )
        self.encoding_offer.setVisible(wanted)

    def _build_columns(self) -> QGroupBox:
        box = QGroupBox(_("Columns"), self)
        layout = QVBoxLayout(box)
        # Every pixel counts in a 360 px dock: the name column gets what the combos leave.
        layout.setContentsMargins(4, 6, 4, 6)
        self.columns_table = QTableWidget(0, 4, box)
        self.columns_table.setHorizontalHeaderLabels(
            [_("Column"), _("Kind"), _("Missing"), _("Role")]
        )
        header_tips = (
            _(
                "Column name (hover for examples, range and problems; click to find it in the "
                "preview)."
            ),
            _(
                "Numeric columns are used as numbers; categorical ones as category names "
                "(one-hot encoded). Detected automatically; change it when the guess is wrong."
            ),
            _("How many cells are empty."),
            _(
                "feature: an input of the network · target: what it learns to predict · "
                "ignore: left out (identifiers, leaks)."
            ),
        )
        for index, tip in enumerate(header_tips):
            item = self.columns_table.horizontalHeaderItem(index)
            item.setToolTip(tip)
        header = self.columns_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.columns_table.fontMetrics()
        # Just wide enough for the longest choice (or its heading) plus the combo's arrow,
        # in whatever language they are shown.
        kinds = (kind_word("numeric"), kind_word("categorical"), _("Kind"))
        roles = (*(_(label) for label, _role in ROLE_CHOICES), _("Role"))
        widths = {
            1: max(metrics.horizontalAdvance(text) for text in kinds) + 28,
            2: metrics.horizontalAdvance(_("Missing")) + 12,
            3: max(metrics.horizontalAdvance(text) for text in roles) + 28,
        }
        for index, width in widths.items():
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(index, width)
        header.setHighlightSections(False)
        self.columns_table.verticalHeader().setVisible(False)
        self.columns_table.verticalHeader().setDefaultSectionSize(26)
        self.columns_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.columns_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.columns_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns_table.setWordWrap(False)
        self.columns_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.columns_table.cellClicked.connect(self._on_columns_table_cell_clicked)
        # Five rows stay visible however short the dock; the panel scrolls instead.
        self.columns_table.setMinimumHeight(26 * 5 + metrics.height() + 12)
        layout.addWidget(self.columns_table)
        self.columns_hint = muted(
            wrapped_label(_("Open a CSV file or pick a built-in dataset to see its columns."), box),
            small=True,
        )
        layout.addWidget(self.columns_hint)
        return box

    def _build_preparation(self) -> QGroupBox:
        box = QGroupBox(_("Preparation"), self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.missing_combo = _choice_row(
            form, _("Missing values"), MISSING_HELP, MISSING_LABELS, self._on_missing_combo_changed
        )
        self.scaling_combo = _choice_row(
            form, _("Scaling"), SCALING_HELP, SCALING_LABELS, self._on_scaling_combo_changed
        )

        split = QWidget(box)
        grid = QGridLayout(split)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        self.split_spins: list[QDoubleSpinBox] = []
        titles = (
            pgettext("split", "train"),
            pgettext("split", "validation"),
            pgettext("split", "test"),
        )
        for index, title in enumerate(titles):
            caption = muted(QLabel(title, split), small=True)
            grid.addWidget(caption, 0, index)
            spin = QDoubleSpinBox(split)
            spin.setDecimals(1)
            spin.setRange(1.0 if index == 0 else 0.0, 100.0 if index == 0 else 99.0)
            spin.setSingleStep(5.0)
            spin.setSuffix(" %")
            spin.setKeyboardTracking(False)
            spin.setToolTip(_(SPLIT_HELP))
            spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.UpDownArrows)
            spin.setMinimumWidth(40)
            spin.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            spin.valueChanged.connect(lambda _v, i=index: self._on_split_spin_changed(i))
            grid.addWidget(spin, 1, index)
            self.split_spins.append(spin)
        self.train_spin, self.val_spin, self.test_spin = self.split_spins
        form.addRow(tip_label(_("Split"), _(SPLIT_HELP), box), split)

        self.seed_spin = QSpinBox(box)
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip(_(SEED_HELP))
        self.seed_spin.valueChanged.connect(self._on_seed_spin_changed)
        form.addRow(tip_label(_("Split seed"), _(SEED_HELP), box), self.seed_spin)

        self.stratify_check = QCheckBox(_("Stratify by class"), box)
        self.stratify_check.setToolTip(_(STRATIFY_HELP))
        self.stratify_check.toggled.connect(self._on_stratify_check_toggled)
        form.addRow("", self.stratify_check)

        self.task_combo = _choice_row(
            form,
            _("Task"),
            TASK_HELP,
            {"auto": N_("Auto"), **TASK_LABELS},
            self._on_task_combo_changed,
        )
        return box

    def _build_views(self) -> QWidget:
        """The lower pane: the table and (for 2-D data) a scatter plot, then the summary."""
        import pyqtgraph as pg

        from nnstudio.gui.widgets.plot_legend import LegendAbove

        pane = QWidget(self)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        self.view_tabs = QTabWidget(pane)
        self.view_tabs.setDocumentMode(True)

        table_page = QWidget(self.view_tabs)
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 4, 0, 0)
        table_layout.setSpacing(2)
        self.model = DataFrameModel(parent=self)
        self.preview = QTableView(table_page)
        self.preview.setModel(self.model)
        self.preview.setWordWrap(False)
        self.preview.setCornerButtonEnabled(False)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.preview.horizontalHeader()
        header.setDefaultSectionSize(80)
        header.setResizeContentsPrecision(200)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.preview.setMinimumHeight(120)
        table_layout.addWidget(self.preview)
        self.preview_caption = muted(wrapped_label("", table_page), small=True)
        table_layout.addWidget(self.preview_caption)
        self.view_tabs.addTab(table_page, _("Table"))

        plot_page = QWidget(self.view_tabs)
        plot_layout = QVBoxLayout(plot_page)
        plot_layout.setContentsMargins(0, 4, 0, 0)
        plot_layout.setSpacing(2)
        self.scatter = pg.PlotWidget(parent=plot_page)
        self.scatter.setMinimumHeight(120)
        self.scatter.setMenuEnabled(False)
        self.scatter.showGrid(x=True, y=True, alpha=0.15)
        # Above the points, not over them: a dataset such as XOR fills every corner.
        self.scatter_legend = LegendAbove(self.scatter.getPlotItem(), max_columns=5)
        plot_layout.addWidget(self.scatter, 1)
        self.scatter_caption = muted(wrapped_label("", plot_page), small=True)
        plot_layout.addWidget(self.scatter_caption)
        self.scatter_items: list[Any] = []
        self.plot_page = plot_page
        self.view_tabs.addTab(plot_page, _("Scatter plot"))
        self.view_tabs.setTabToolTip(
            1, _("The training rows of a dataset with two inputs, one colour per class.")
        )
        self.view_tabs.setTabEnabled(1, False)
        self._add_profile_tab()
        layout.addWidget(self.view_tabs, 1)

        self.summary_label = wrapped_label("", pane)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setStyleSheet(
            f"background: {theme.SUMMARY_BG.name()}; border: 1px solid "
            f"{theme.SUMMARY_BORDER.name()}; border-radius: 3px; padding: 4px 6px;"
        )
        layout.addWidget(self.summary_label)
        return pane

    def _add_profile_tab(self) -> None:
        """The "Profile" tab: the table's data profile (its own module)."""
        from nnstudio.gui.panels.profile_view import ProfileView

        self.profile_view = ProfileView(self.document, self.view_tabs)
        index = self.view_tabs.addTab(self.profile_view, _("Profile"))
        self.view_tabs.setTabToolTip(
            index,
            _(
                "Each column's type, missing cells, range, mean, outliers and histogram; "
                "constant and duplicate columns and rows; the class balance and correlations."
            ),
        )

    # --- syncing from the document -----------------------------------------------------------

    @property
    def _settings(self) -> DataSettings:
        return self.document.project.data

    def _frame(self) -> pd.DataFrame | None:
        table = self.document.workspace.table
        return table.frame if table is not None else None

    def _sync_source(self) -> None:
        settings, table = self._settings, self.document.workspace.table
        source = settings.source
        text, tip = source_description(
            settings, table, self.document.workspace.data_error, theme.MUTED_TEXT.name()
        )
        self.source_label.setText(text)
        self.source_label.setToolTip(tip)
        self._sync_encoding(source)
        if source.kind != self._source_kind_shown:
            # The picker opens for built-in data (and for none); a CSV keeps it folded away.
            self._source_kind_shown = source.kind
            self.set_builtin_expanded(source.kind != "csv")
        if source.kind == "builtin" and source.name in DATASETS:
            index = self.dataset_combo.findData(source.name)
            with QSignalBlocker(self.dataset_combo):
                self.dataset_combo.setCurrentIndex(index)
            self._show_dataset(source.name, source.params)
        else:
            self._update_use_button()

    def _sync_encoding(self, source: DataSource) -> None:
        """The encoding field shows the CSV file's ``source.encoding`` (only a CSV has one)."""
        combo = self.encoding_combo
        encoding = source.encoding if source.kind == "csv" else "auto"
        index = combo.findData(encoding)
        if index < 0:
            # A codec the project file names that the list lacks: shown as it is stored.
            combo.addItem(encoding, encoding)
            index = combo.count() - 1
        with QSignalBlocker(combo):
            combo.setCurrentIndex(index)
        combo.setEnabled(source.kind == "csv")
        self.encoding_label.setEnabled(source.kind == "csv")

    def _show_dataset(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Show built-in dataset ``name``'s help and parameters in the picker."""
        spec = DATASETS.get(name)
        values = {**spec.defaults(), **dict(params or {})}
        if name != self._dataset_shown:
            self.dataset_form.set_specs(spec.params)
            self._dataset_shown = name
        self.dataset_form.set_values(values)
        self.dataset_form.setVisible(bool(spec.params))
        self.dataset_help.setText(dataset_help(spec))
        self.dataset_combo.setToolTip(_(spec.help))
        self._update_use_button()

    def _update_use_button(self) -> None:
        text, enabled, tip = use_button_state(
            self._settings, self.dataset_combo.currentData(), self.dataset_form.values()
        )
        self.use_button.setText(text)
        self.use_button.setEnabled(enabled)
        self.use_button.setToolTip(tip)

    def _column_infos(self, table: Table, kinds: Mapping[str, str]) -> list[ColumnInfo]:
        """Column summaries (with kind overrides), cached: describing a big table is slow."""
        # Keyed by the table object itself (not its id, which a new table may reuse).
        if self._auto_infos is None or self._auto_infos[0] is not table:
            self._auto_infos = (table, describe_columns(table.frame))
            self._override_infos.clear()
        infos = []
        for info in self._auto_infos[1]:
            kind = kinds.get(info.name)
            if kind is None or kind == info.kind:
                infos.append(info)
                continue
            if (info.name, kind) not in self._override_infos:
                self._override_infos[(info.name, kind)] = describe_columns(
                    table.frame[[info.name]], {info.name: kind}
                )[0]
            infos.append(self._override_infos[(info.name, kind)])
        return infos

    def _auto_kind(self, name: str) -> str | None:
        if self._auto_infos is None:
            return None
        for info in self._auto_infos[1]:
            if info.name == name:
                return info.kind
        return None

    def _sync_columns(self) -> None:
        table, settings = self.document.workspace.table, self._settings
        if table is None:
            self._infos, self._roles = [], {}
            self._table_columns = []
            self._role_combos.clear()
            self._kind_combos.clear()
            self.columns_table.setRowCount(0)
            self.columns_table.setVisible(False)
            self.columns_hint.setVisible(True)
            return
        self.columns_table.setVisible(True)
        self.columns_hint.setVisible(False)
        self._infos = self._column_infos(table, settings.kinds)
        # A stored target this table lacks is reported in the banner; the rest show as they are.
        self._roles = column_roles(table.frame, settings, strict=False)
        names = [info.name for info in self._infos]
        if names != self._table_columns:
            self._rebuild_column_rows(names)
        for row, info in enumerate(self._infos):
            self._fill_column_row(row, info, self._roles.get(info.name, "input"))
        self._fit_columns_table()

    def _rebuild_column_rows(self, names: Sequence[str]) -> None:
        table = self.columns_table
        table.setRowCount(0)
        table.setRowCount(len(names))
        self._role_combos.clear()
        self._kind_combos.clear()
        for row, name in enumerate(names):
            table.setItem(row, 0, QTableWidgetItem(name))
            kind = QComboBox(table)
            kind.setFrame(False)
            kind.addItem(kind_word("numeric"), "numeric")
            kind.addItem(kind_word("categorical"), "categorical")
            kind.currentIndexChanged.connect(lambda _i, n=name: self._on_kind_combo_changed(n))
            table.setCellWidget(row, 1, kind)
            self._kind_combos[name] = kind
            missing = QTableWidgetItem()
            missing.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 2, missing)
            role = QComboBox(table)
            role.setFrame(False)
            for label, key in ROLE_CHOICES:
                role.addItem(_(label), key)
            role.currentIndexChanged.connect(lambda _i, n=name: self._on_role_combo_changed(n))
            table.setCellWidget(row, 3, role)
            self._role_combos[name] = role
        self._table_columns = list(names)

    def _fill_column_row(self, row: int, info: ColumnInfo, role: str) -> None:
        table = self.columns_table
        name_item = table.item(row, 0)
        auto = self._auto_kind(info.name)
        name_item.setToolTip(column_tooltip(info, theme.ERROR.name()))
        font = name_item.font()
        font.setBold(role == "target")
        font.setItalic(role == "ignored")
        name_item.setFont(font)
        if info.problem and role != "ignored":
            name_item.setText(f"⚠ {info.name}")
            name_item.setForeground(theme.ERROR)
        else:
            name_item.setText(info.name)
            name_item.setForeground(
                theme.MUTED_TEXT if role == "ignored" else self.palette().text().color()
            )
        kind_combo = self._kind_combos[info.name]
        kind_combo.setCurrentIndex(max(0, kind_combo.findData(info.kind)))
        kinds = self._settings.kinds
        kind_combo.setToolTip(
            kind_tooltip(info, auto, info.name in kinds and kinds[info.name] != auto)
        )
        missing = table.item(row, 2)
        missing.setText(str(info.n_missing))
        missing.setForeground(theme.WARNING.darker(130) if info.n_missing else theme.MUTED_TEXT)
        missing.setToolTip(missing_tooltip(info.n_missing))
        role_combo = self._role_combos[info.name]
        role_combo.setCurrentIndex(max(0, role_combo.findData(role)))
        role_combo.setToolTip(role_tooltip(role))

    def _fit_columns_table(self) -> None:
        """Tall enough to show up to 24 columns without an inner scroll bar."""
        table = self.columns_table
        rows = min(table.rowCount(), MAX_COLUMN_ROWS)
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += rows * table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(max(height, 60))

    def _sync_preparation(self) -> None:
        settings = self._settings
        self.missing_combo.setCurrentIndex(max(0, self.missing_combo.findData(settings.missing)))
        self.scaling_combo.setCurrentIndex(max(0, self.scaling_combo.findData(settings.scaling)))
        for spin, fraction in zip(self.split_spins, settings.split, strict=True):
            spin.setValue(round(fraction * 100.0, 1))
        self.seed_spin.setValue(min(settings.seed, self.seed_spin.maximum()))
        self.stratify_check.setChecked(settings.stratify)
        detected = self._detected_task()
        self.task_combo.setItemText(
            0,
            _("Auto ({task})").format(task=_(TASK_WORDS.get(detected, detected)))
            if detected
            else _("Auto"),
        )
        self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(settings.task)))
        task = settings.task if settings.task != "auto" else detected
        self.stratify_check.setEnabled(task != "regression")

    def _detected_task(self) -> str | None:
        prepared, frame = self.document.workspace.prepared, self._frame()
        settings = self._settings
        if settings.task == "auto" and prepared is not None:
            return prepared.task
        if frame is None:
            return None
        try:
            return detect_task(frame, settings.targets, settings.kinds)
        except NNStudioError:
            return None

    def _sync_summary(self) -> None:
        p = self.document.workspace.prepared
        if p is None:
            text = unprepared_text(self.document.workspace.data_error, self._settings.source.kind)
            self.summary_label.setText(escape_html(text))
            return
        self.summary_label.setText(escape_html(summary_text(p)))
        self.summary_label.setToolTip(summary_tooltip(p))

    def _sync_plot(self) -> None:
        import pyqtgraph as pg

        for item in self.scatter_items:
            self.scatter.removeItem(item)
        self.scatter_items = []
        self.scatter_legend.clear()
        data = scatter_data(self.document.workspace.prepared, self._frame())
        available = data is not None
        self.view_tabs.setTabEnabled(1, available)
        if available != self._scatter_was_available:
            # A 2-D dataset is best understood as a picture: show it when it appears.
            self.view_tabs.setCurrentIndex(1 if available else 0)
            self._scatter_was_available = available
        if data is None:
            self.scatter_caption.setText("")
            return
        x, y, names, color_by, labels = data.x, data.y, data.names, data.color, data.labels
        plot = self.scatter.getPlotItem()
        plot.setLabel("bottom", names[0])
        plot.setLabel("left", names[1])
        if labels is not None:
            for k, label in enumerate(labels):
                mask = color_by == k
                color = theme.class_color(k)
                item = pg.ScatterPlotItem(
                    x[mask],
                    y[mask],
                    size=6,
                    pen=pg.mkPen(color.darker(140), width=0.6),
                    brush=pg.mkBrush(color),
                    name=scatter_name(label),
                )
                self.scatter.addItem(item)
                self.scatter_items.append(item)
        else:
            cmap = pg.colormap.get("viridis")
            lo, hi = float(np.nanmin(color_by)), float(np.nanmax(color_by))
            scaled = (color_by - lo) / (hi - lo) if hi > lo else np.zeros_like(color_by)
            brushes = [pg.mkBrush(c) for c in cmap.map(scaled, mode="qcolor")]
            item = pg.ScatterPlotItem(x, y, size=6, pen=None, brush=brushes)
            self.scatter.addItem(item)
            self.scatter_items.append(item)
        self.scatter_caption.setText(data.caption)
        plot.enableAutoRange()

    def _sync_preview(self) -> None:
        table = self.document.workspace.table
        kinds = {info.name: info.kind for info in self._infos}
        if table is not self._shown_table:
            self._shown_table = table
            self.model.set_frame(
                table.frame if table is not None else None, kinds=kinds, roles=self._roles
            )
            if table is not None:
                header = self.preview.horizontalHeader()
                self.preview.resizeColumnsToContents()
                for column in range(self.model.columnCount()):
                    # Room for the bold two-line header ("price / numeric · target").
                    width = header.sectionSize(column) + 14
                    header.resizeSection(column, min(max(width, 60), 180))
        else:
            before = self.model.kinds()
            self.model.set_kinds(kinds)
            self.model.set_roles(self._roles)
            header = self.preview.horizontalHeader()
            for name, kind in kinds.items():
                if before.get(name) != kind:
                    # "numeric" → "categorical" makes the header wider: keep it readable.
                    column = self.model.column_index(name)
                    wanted = min(header.sectionSizeHint(column) + 14, 180)
                    if header.sectionSize(column) < wanted:
                        header.resizeSection(column, wanted)
        self.preview_caption.setText(preview_caption(table))

    def _sync_banner(self) -> None:
        self._sync_encoding_offer()
        doc = self.document
        self.banner.set_messages(
            banner_messages(
                notice=self._notice,
                data_error=doc.workspace.data_error,
                table=doc.workspace.table,
                columns=self._table_columns,
                infos=self._infos,
                roles=self._roles,
                missing=self._settings.missing,
                prepared=doc.workspace.prepared,
            )
        )

    # --- document signals --------------------------------------------------------------------

    def _on_document_data_changed(self) -> None:
        self._notice, self._refused_file = None, None
        self.refresh()

    def _on_document_data_settings_changed(self, _settings: object) -> None:
        # The table follows in data_changed; here only what depends on settings alone.
        with self._syncing:
            self._sync_preparation()

    def _on_document_project_replaced(self) -> None:
        # No refresh: the workspace announces the new project's data right after
        # (data_changed), which refreshes every widget once.
        self.reader.cancel()
        self._notice, self._refused_file = None, None
        self._shown_table = None

    # --- user edits --------------------------------------------------------------------------

    def _push(self, settings: DataSettings, text: str, merge_key: str = "") -> bool:
        """Push one command for ``settings``; a refused edit puts the widgets back."""
        if settings == self._settings:
            return True
        command = SetDataSettingsCommand(self.document, settings, text, merge_key)
        if not self.document.push(command):
            self.refresh()
            return False
        return True

    def _edit(self, text: str, merge_key: str = "", **changes: Any) -> bool:
        if self._syncing:
            return False
        try:
            settings = self._settings.replace(**changes)
        except NNStudioError as exc:
            self._set_notice("error", tr(str(exc)))
            self.refresh()
            return False
        return self._push(settings, text, merge_key)

    def _encoding_for(self, file: Path) -> str:
        """The encoding set for ``file`` when it is the project's data file, else auto."""
        source = self._settings.source
        base_dir = self.document.project.base_dir
        if source.kind == "csv" and resolve_path(source.path, base_dir) == file:
            return source.encoding
        return "auto"

    def _finish_open(self, file: Path, result: OpenResult) -> bool:
        """Use what :func:`open_csv` read (on the GUI thread), or say why it cannot be."""
        if result.loaded is None:
            assert result.error is not None
            text = _("Could not open {name}: {error}").format(
                name=file.name, error=tr(result.error.message)
            )
            self._set_notice("error", text)
            self._refused_file = file if isinstance(result.error, DataEncodingError) else None
            self._sync_encoding_offer()
            self.document.message.emit(text)
            return False
        self._remember_folder(file)
        trust.allow(file)  # the user chose it: the project may read it wherever it lies
        settings = result.loaded.settings
        if settings == self.document.project.data:
            # Opening the same file again re-reads it (it may have been edited meanwhile).
            self.document.workspace.prime_data(result.loaded)
            self.document.workspace.reload_data()
            return True
        return self._switch_to(result.loaded, _("Open {name}").format(name=file.name))

    def _switch_to(self, loaded: LoadedData, text: str) -> bool:
        """Push the command for ``loaded.settings``; its load uses the table read already."""
        workspace = self.document.workspace
        workspace.prime_data(loaded)
        try:
            return self._push(loaded.settings, text)
        finally:
            workspace.prime_data(None)

    def _on_reader_cancelled(self, text: str) -> None:
        self.document.message.emit(text)

    def _set_notice(self, level: str, text: str) -> None:
        self._notice = BannerMessage(level, text)
        with self._syncing:
            self._sync_banner()

    def _on_open_button_clicked(self) -> None:
        from nnstudio.gui.preferences import AppSettings

        start = AppSettings().last_dir("data")
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Open CSV file"),
            start,
            _("CSV files (*.csv *.txt *.tsv)") + ";;" + _("All files (*)"),
        )
        if path:
            self.load_csv(path)

    @staticmethod
    def _remember_folder(file: Path) -> None:
        from nnstudio.gui.preferences import AppSettings

        AppSettings().set_last_dir("data", file.parent)

    def _on_encoding_combo_changed(self, _index: int) -> None:
        if self._syncing:
            return
        self._refused_file = None
        if not self.choose_encoding(self.encoding_combo.currentData()):
            self.refresh()

    def _on_builtin_toggle_toggled(self, checked: bool) -> None:
        self.builtin_toggle.setArrowType(
            Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow
        )
        self.builtin_box.setVisible(checked)

    def _on_dataset_combo_changed(self, _index: int) -> None:
        name = self.dataset_combo.currentData()
        source = self._settings.source
        params = source.params if source.kind == "builtin" and source.name == name else None
        self._show_dataset(name, params)

    def _on_dataset_form_changed(self, _name: str, _value: object) -> None:
        self._update_use_button()

    def _on_use_button_clicked(self) -> None:
        self.use_builtin(self.dataset_combo.currentData(), self.dataset_form.values())

    def _on_role_combo_changed(self, name: str) -> None:
        if self._syncing or self.document.workspace.table is None:
            return
        edit = role_edit(self._settings, self._roles, name, self._role_combos[name].currentData())
        if edit.refused:
            self._set_notice("info", edit.refused)
            self.refresh()
            return
        self._edit(edit.text, **edit.changes)

    def _on_kind_combo_changed(self, name: str) -> None:
        if self._syncing:
            return
        kind = self._kind_combos[name].currentData()
        kinds = dict(self._settings.kinds)
        if kind == self._auto_kind(name):
            kinds.pop(name, None)
        else:
            kinds[name] = kind
        self._edit(
            _("Treat {name!r} as {kind}").format(name=name, kind=kind_word(kind)), kinds=kinds
        )

    def _on_columns_table_cell_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._table_columns):
            self.select_column(self._table_columns[row])

    def _on_banner_place_activated(self, column: str, row: int) -> None:
        self.select_column(column, row)

    def _on_missing_combo_changed(self, _index: int) -> None:
        choice = self.missing_combo.currentData()
        text = _("Missing values: {choice}").format(choice=_(MISSING_LABELS[choice]).lower())
        self._edit(text, missing=choice)

    def _on_scaling_combo_changed(self, _index: int) -> None:
        choice = self.scaling_combo.currentData()
        self._edit(_("Scaling: {choice}").format(choice=_(SCALING_LABELS[choice])), scaling=choice)

    def _on_split_spin_changed(self, changed: int) -> None:
        if self._syncing:
            return
        values = [spin.value() for spin in self.split_spins]
        values = balance_split(values, changed)
        with self._syncing:
            for spin, value in zip(self.split_spins, values, strict=True):
                spin.setValue(value)
        fractions = tuple(round(v / 100.0, 4) for v in values)
        self._edit(_("Change split"), merge_key="split", split=fractions)

    def _on_seed_spin_changed(self, value: int) -> None:
        self._edit(_("Change split seed"), merge_key="seed", seed=value)

    def _on_stratify_check_toggled(self, checked: bool) -> None:
        text = _("Stratify split") if checked else _("Do not stratify split")
        self._edit(text, stratify=checked)

    def _on_task_combo_changed(self, _index: int) -> None:
        choice = self.task_combo.currentData()
        self._edit(_("Task: {task}").format(task=_(TASK_WORDS.get(choice, choice))), task=choice)

    # --- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_csv(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if _dropped_csv(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_csv(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_csv(path)


def _encoding_name(codec: str) -> str:
    """An encoding's short name for buttons and undo texts ("Latin-1"), or the codec's."""
    short = {
        "auto": _("automatic"),
        "utf-8": "UTF-8",
        "gb18030": "GB18030 / GBK",
        "latin-1": "Latin-1",
        "utf-16": "UTF-16",
    }
    return short.get(codec, codec)


def _dropped_csv(event: Any) -> str | None:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith((".csv", ".tsv", ".txt")):
            return url.toLocalFile()
    return None

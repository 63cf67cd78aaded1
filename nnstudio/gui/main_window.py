"""The main window: wires the canvas, panels, plots and the training controller together.

The window is built in two steps. ``__init__`` creates the shell — actions, menus, toolbar,
status bar and empty docks — importing nothing but Qt, so it can be painted at once.
:meth:`start` then imports the engine (torch) and the widgets, opens the project and enables
the actions. Widgets never talk to each other directly: this module connects their signals.
"""

from __future__ import annotations

import gc
import html
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QProcess, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStyle,
    QToolBar,
)

from nnstudio import i18n
from nnstudio.gui import theme
from nnstudio.gui.engine_loader import engine_loader
from nnstudio.gui.preferences import AppSettings, data_dir
from nnstudio.gui.widgets.texts import error_text, plain_action_text
from nnstudio.gui.window_layout import (
    LAYOUT_VERSION,
    layout_is_usable,
    read_layout,
    restore_docks,
    restore_geometry,
    write_layout,
)
from nnstudio.gui.workbench import Workbench
from nnstudio.i18n import N_, _, ngettext, pgettext, tr

if TYPE_CHECKING:
    from nnstudio.core.project import Project
    from nnstudio.core.training.progress import RunProgress
    from nnstudio.gui.canvas.view import CanvasView
    from nnstudio.gui.document import ProjectDocument

#: File → Open's filters (translated when the dialog opens; the patterns stay as they are).
PROJECT_FILTERS = (
    N_("NN Studio projects (*.nnsproj *.json)"),
    N_("Data files (*.csv *.tsv *.txt)"),
    N_("All files (*)"),
)
#: Export format → (dialog title, file suffix, file kind); titles and kinds translated at use.
EXPORT_FORMATS = {
    "python": (N_("Export as Python script"), ".py", N_("Python scripts")),
    "onnx": (N_("Export as ONNX model"), ".onnx", N_("ONNX models")),
    "torchscript": (N_("Export as TorchScript model"), ".pt", N_("TorchScript models")),
}
#: Files that File → Open and drag-and-drop treat as data for the open project.
DATA_SUFFIXES = (".csv", ".tsv", ".txt")
AUTOSAVE_MS = 60_000

#: (object name, title, default area) of every dock, in creation order. The object names
#: key the saved layout and never change; the titles are translated when the docks are made.
DOCKS = (
    ("palette", N_("Layers"), Qt.DockWidgetArea.LeftDockWidgetArea),
    ("history", N_("History"), Qt.DockWidgetArea.LeftDockWidgetArea),
    ("inspector", N_("Inspector"), Qt.DockWidgetArea.RightDockWidgetArea),
    ("data", N_("Data"), Qt.DockWidgetArea.RightDockWidgetArea),
    ("training", N_("Training setup"), Qt.DockWidgetArea.RightDockWidgetArea),
    ("plots", N_("Training plots"), Qt.DockWidgetArea.BottomDockWidgetArea),
    ("neurons", N_("Neurons"), Qt.DockWidgetArea.BottomDockWidgetArea),
    ("problems", N_("Problems"), Qt.DockWidgetArea.BottomDockWidgetArea),
)


#: Lab views that read best as a table beside the canvas (the others go below, with the plots).
RIGHT_LAB_VIEWS = frozenset({"summary"})
#: Preferences: show the start page at every launch / it was shown once (first launch).
START_PAGE_KEY = "lessons/show_start_page"
START_PAGE_SEEN_KEY = "lessons/start_page_seen"


def project_filter() -> str:
    """The Open dialog's filter line, in the current language."""
    return ";;".join(_(text) for text in PROJECT_FILTERS)


def samples_dir() -> Path:
    """Bundled samples: ``$NNSTUDIO_SAMPLES`` or the repository's ``samples/`` folder."""
    env = os.environ.get("NNSTUDIO_SAMPLES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "samples"


def default_sample() -> Path:
    return samples_dir() / "spirals.nnsproj"


class _FirstPaintFilter(QObject):
    """Reports the first paint of the window (for the start-up benchmark)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Paint, QEvent.Type.UpdateRequest):
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.window.first_painted.emit)
        return False


class MainWindow(QMainWindow):
    """NN Studio's one window."""

    first_painted = Signal()
    #: Ready to train: the default (or given) project is open, its data prepared, Train
    #: enabled. torch is not needed for that; it is imported afterwards (``gui/engine_loader.py``).
    ready = Signal()
    #: The saved (or default) dock arrangement has been applied to the real panels.
    layout_settled = Signal()

    def __init__(self, settings: AppSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.document: ProjectDocument | None = None
        #: The views, once the engine is loaded (:meth:`start`).
        self.workbench: Workbench | None = None
        self.docks: dict[str, QDockWidget] = {}
        self.actions_by_name: dict[str, QAction] = {}
        self.controller = None
        self.recovery = None
        self.run_progress: RunProgress | None = None
        #: A run asked for before torch was in this process (see :meth:`_start_run`).
        self._waiting_start: Callable[[], str | None] | None = None
        #: Set by View → Language: start a new NN Studio once this window has closed.
        self._restart_after_close = False
        #: The app starts the training process early; tests leave it to the first run.
        self.prewarm_training = False
        #: The app offers the lessons' start page at the first launch; tests ask for it.
        self.offer_start_page = False
        #: Lesson docks made on first use: "task" and "lab_<view key>" → dock.
        self.lab_docks: dict[str, QDockWidget] = {}
        #: Docks the open project's classroom section hid (shown again when it no longer does).
        self._classroom_hidden: set[str] = set()
        self.start_page = None
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self.setWindowTitle("NN Studio")
        self.setMinimumSize(QSize(960, 600))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        # The right-hand panels (inspector, data, training setup) run the full height: their
        # tables and forms need it more than the plots need the last few hundred pixels.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_teaching_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_docks()
        self._build_status_bar()
        placeholder = QLabel(_("Opening NN Studio…"))
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setStyleSheet(f"color: {theme.MUTED_TEXT.name()}; font-size: 15px;")
        self.setCentralWidget(placeholder)
        self._restore_layout()
        self.installEventFilter(_FirstPaintFilter(self))
        self._set_enabled(False)

    # --- shell -----------------------------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        slot=None,
        shortcut=None,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        K = QKeySequence
        a = self._action
        a(
            "new",
            _("&New"),
            self.new_project,
            K(K.StandardKey.New),
            _("Start an empty network"),
            sp.SP_FileIcon,
        )
        a(
            "open",
            _("&Open…"),
            self.open_dialog,
            K(K.StandardKey.Open),
            _("Open a project file"),
            sp.SP_DialogOpenButton,
        )
        a(
            "save",
            _("&Save"),
            self.save,
            K(K.StandardKey.Save),
            _("Save the project"),
            sp.SP_DialogSaveButton,
        )
        a(
            "save_as",
            _("Save &As…"),
            self.save_as,
            K(K.StandardKey.SaveAs),
            _("Save the project under a new name"),
        )
        a(
            "export_python",
            _("Python script…"),
            lambda: self.export("python"),
            tip=_("A standalone, readable PyTorch script that trains this network"),
        )
        a(
            "export_onnx",
            _("ONNX model…"),
            lambda: self.export("onnx"),
            tip=_("The trained model for ONNX runtimes"),
        )
        a(
            "export_torchscript",
            _("TorchScript model…"),
            lambda: self.export("torchscript"),
            tip=_("The trained model for torch.jit.load"),
        )
        a("quit", _("&Quit"), self.close, K(K.StandardKey.Quit))
        a("cut", _("Cu&t"), lambda: self._canvas().cut_selection(), K(K.StandardKey.Cut))
        a("copy", _("&Copy"), lambda: self._canvas().copy_selection(), K(K.StandardKey.Copy))
        a("paste", _("&Paste"), lambda: self._canvas().paste(), K(K.StandardKey.Paste))
        a(
            "duplicate",
            _("D&uplicate"),
            lambda: self._canvas().duplicate_selection(),
            K("Ctrl+D"),
            _("Copy the selected layers next to themselves"),
        )
        a(
            "delete",
            _("&Delete"),
            lambda: self._canvas().delete_selection(),
            [K(K.StandardKey.Delete), K("Backspace")],
            _("Delete the selected layers and connections"),
        )
        a(
            "select_all",
            _("Select &All"),
            lambda: self._canvas().select_all(),
            K(K.StandardKey.SelectAll),
        )
        a(
            "auto_layout",
            _("Auto &Layout"),
            lambda: self._canvas().auto_layout(),
            K("Ctrl+L"),
            _("Arrange the network left to right"),
        )
        a(
            "quick_build",
            _("&Quick Build…"),
            self.focus_quick_build,
            K("Ctrl+B"),
            _("Type a chain such as 20-128-256-4 relu to create it in one step"),
        )
        a(
            "zoom_in",
            _("Zoom &In"),
            lambda: self._canvas().zoom_in(),
            [K(K.StandardKey.ZoomIn), K("Ctrl+=")],
        )
        a("zoom_out", _("Zoom &Out"), lambda: self._canvas().zoom_out(), K(K.StandardKey.ZoomOut))
        a(
            "fit",
            _("&Fit Network"),
            lambda: self._canvas().fit_all(),
            K("Ctrl+0"),
            _("Zoom to show the whole network"),
        )
        a("reset_layout", _("&Reset Window Layout"), self.reset_layout)
        a(
            "train",
            _("&Train"),
            self.train,
            K("F5"),
            _("Train the network (continues a stopped run; Reset weights starts afresh)"),
            sp.SP_MediaPlay,
        )
        a(
            "pause",
            _("&Pause"),
            self.pause_training,
            K("F6"),
            _("Pause or resume training"),
            sp.SP_MediaPause,
        )
        a(
            "stop",
            _("S&top"),
            self.stop_training,
            K("Shift+F5"),
            _("Stop training (takes effect within one batch)"),
            sp.SP_MediaStop,
        )
        a(
            "step",
            _("Step &Batch"),
            self.step_batch,
            K("F10"),
            _("Train on one batch, then pause: watch a single weight update"),
            sp.SP_MediaSkipForward,
        )
        a(
            "step_epoch",
            _("Step &Epoch"),
            self.step_epoch,
            K("Ctrl+F10"),
            _("Train one epoch, then pause"),
            sp.SP_MediaSeekForward,
        )
        a(
            "reset_weights",
            _("&Reset Weights"),
            self.reset_weights,
            None,
            _("Forget the trained weights: the next run starts from fresh initial weights"),
            sp.SP_BrowserReload,
        )
        a(
            "race",
            _("Optimiser &Race…"),
            self.show_race,
            K("Ctrl+R"),
            _("Race SGD, Adam, RMSprop… from the same initial weights and compare them"),
        )
        a("shortcuts", _("&Keyboard Shortcuts"), self.show_shortcuts, K("F1"))
        a("about", _("&About NN Studio"), self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        get = self.actions_by_name
        file_menu = bar.addMenu(_("&File"))
        file_menu.addActions([get["new"], get["open"]])
        self.recent_menu = file_menu.addMenu(_("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.samples_menu = file_menu.addMenu(_("Open Sa&mple"))
        self.samples_menu.aboutToShow.connect(self._fill_samples_menu)
        file_menu.addSeparator()
        file_menu.addActions([get["save"], get["save_as"]])
        export_menu = file_menu.addMenu(_("&Export"))
        export_menu.addActions(
            [get["export_python"], get["export_onnx"], get["export_torchscript"]]
        )
        self.export_menu = export_menu
        self._add_teaching_export_actions(export_menu)
        file_menu.addSeparator()
        self.load_data_action = file_menu.addAction(_("Load &CSV…"), self.load_csv_dialog)
        file_menu.addSeparator()
        file_menu.addAction(get["quit"])

        self.edit_menu = bar.addMenu(_("&Edit"))
        self.view_menu = bar.addMenu(_("&View"))
        self._build_lessons_menu(bar)
        self.train_menu = bar.addMenu(_("&Train"))
        self.train_menu.addActions([get["train"], get["pause"], get["stop"]])
        self.train_menu.addSeparator()
        self.train_menu.addActions([get["step"], get["step_epoch"], get["reset_weights"]])
        self.train_menu.addSeparator()
        self.train_menu.addAction(get["race"])
        self._add_experiment_actions(self.train_menu)
        self._build_threads_menu()
        help_menu = bar.addMenu(_("&Help"))
        help_menu.addActions([get["shortcuts"], get["start_page"], get["about"]])

    def _build_threads_menu(self) -> None:
        """Train → Threads: the automatic rule (idle cores) or a fixed count, remembered."""
        menu = self.train_menu.addMenu(_("T&hreads"))
        menu.setToolTipsVisible(True)
        self.threads_menu = menu
        group = QActionGroup(menu)
        chosen = self.settings.training_threads()
        cores = os.cpu_count() or 1
        for count in (None, *range(1, cores + 1)):
            if count is None:
                text = _("Automatic (the cores idle now)")
            else:
                text = ngettext("{n} thread", "{n} threads", count).format(n=count)
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(count == chosen)
            action.setToolTip(
                _(
                    "How many threads train the network. Automatic uses the cores no other "
                    "program is using, so a busy computer never slows training to a crawl."
                )
            )
            group.addAction(action)
            action.triggered.connect(
                lambda _checked=False, c=count: self.settings.set_training_threads(c)
            )

    def _fill_edit_menu(self) -> None:
        get = self.actions_by_name
        menu = self.edit_menu
        menu.clear()
        menu.addActions([get["undo"], get["redo"]])
        menu.addSeparator()
        menu.addActions(
            [
                get["cut"],
                get["copy"],
                get["paste"],
                get["duplicate"],
                get["delete"],
                get["select_all"],
            ]
        )
        menu.addSeparator()
        menu.addActions([get["quick_build"], get["auto_layout"]])

    def _fill_view_menu(self) -> None:
        get = self.actions_by_name
        menu = self.view_menu
        menu.clear()
        menu.addActions([get["zoom_in"], get["zoom_out"], get["fit"]])
        menu.addSeparator()
        panels = menu.addMenu(_("&Panels"))
        for dock in self.docks.values():
            panels.addAction(dock.toggleViewAction())
        menu.addAction(get["reset_layout"])
        menu.addSeparator()
        self.language_menu = menu.addMenu(_("&Language"))
        group = QActionGroup(self.language_menu)
        current = i18n.language()
        for code, name in i18n.LANGUAGES.items():
            action = self.language_menu.addAction(name)  # each language in its own words
            action.setCheckable(True)
            action.setChecked(code == current)
            action.setData(code)
            group.addAction(action)
            action.triggered.connect(lambda _checked=False, c=code: self.choose_language(c))
        self._add_teaching_view_actions(menu)

    def choose_language(self, code: str) -> None:
        """Remember ``code`` for the next start and offer to restart now."""
        if code == i18n.language() and self.settings.language() in (None, code):
            return
        self.settings.set_language(code)
        self.settings.sync()
        answer = QMessageBox.question(
            self,
            _("Language"),
            _(
                "NN Studio will speak the chosen language after a restart. Restart now?\n\n"
                "(You will be asked about unsaved changes first.)"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._restart_after_close = True
            if not self.close():
                self._restart_after_close = False

    def _build_toolbar(self) -> None:
        get = self.actions_by_name
        bar = QToolBar(pgettext("toolbar", "Main"), self)
        bar.setObjectName("toolbar_main")
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addActions([get["new"], get["open"], get["save"]])
        bar.addSeparator()
        self._undo_anchor = bar.addSeparator()
        bar.addActions([get["train"], get["pause"], get["stop"], get["step"], get["step_epoch"]])
        bar.addSeparator()
        bar.addAction(get["reset_weights"])
        self.toolbar = bar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_docks(self) -> None:
        for name, title, area in DOCKS:
            dock = QDockWidget(_(title), self)
            dock.setObjectName(f"dock_{name}")
            dock.setWidget(QLabel(""))
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self._default_dock_layout()
        # Kept to return to: arranging the docks again by tabifying them while the real
        # panels are in them leaves orphaned widgets behind (a crash at garbage collection).
        self._default_state = self.saveState(LAYOUT_VERSION)

    def _default_dock_layout(self) -> None:
        d = self.docks
        for dock in d.values():
            dock.setFloating(False)
            dock.show()
        self.tabifyDockWidget(d["inspector"], d["data"])
        self.tabifyDockWidget(d["data"], d["training"])
        self.tabifyDockWidget(d["palette"], d["history"])
        self.tabifyDockWidget(d["plots"], d["neurons"])
        self.tabifyDockWidget(d["neurons"], d["problems"])
        d["inspector"].raise_()
        d["palette"].raise_()
        d["plots"].raise_()
        self._size_docks()

    def _size_docks(self) -> None:
        """Canvas gets the room: narrow palette, inspector wide enough for its forms."""
        d = self.docks
        width = max(self.width(), 1280)
        # The data panel's tables need ~380 px; on a wide screen give it a quarter.
        side = min(520, max(380, int(width * 0.27)))
        self.resizeDocks([d["palette"], d["inspector"]], [200, side], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [d["plots"]], [max(220, int(self.height() * 0.3))], Qt.Orientation.Vertical
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.run_label = QLabel("")
        self.run_label.setStyleSheet(f"color: {theme.SECONDARY_TEXT.name()}; padding-right: 8px;")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        bar.addPermanentWidget(self.run_label)
        bar.addPermanentWidget(self.progress)

    def _restore_layout(self) -> None:
        """The saved size at once; the saved docks once the real panels are in them."""
        self._saved_layout = read_layout(self.settings)
        restore_geometry(self, self._saved_layout)

    def _settle_layout(self) -> None:
        """Apply the saved dock arrangement now that the real panels are in their docks.

        The default arrangement is used when none was saved, when it does not apply (an older
        version's) or when it would leave the canvas too little room (another screen).
        """
        if not restore_docks(self, self._saved_layout):
            self._size_docks()  # the docks already stand in their default places
            return
        self.layout().activate()
        if not layout_is_usable(self):
            self._apply_default_layout()

    def _apply_default_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        for name in ("inspector", "palette", "plots"):
            self.docks[name].raise_()
        self._size_docks()

    def _settle_layout_later(self) -> None:
        self._settle_layout()
        self._restore_presentation_mode()
        self.layout_settled.emit()

    def reset_layout(self) -> None:
        self._apply_default_layout()
        self.resize(max(self.width(), 1280), max(self.height(), 800))

    def _set_enabled(self, enabled: bool) -> None:
        # Undo and Redo follow the history and the edit lock (HistoryActions), never this.
        for name, action in self.actions_by_name.items():
            if name not in ("quit", "about", "shortcuts", "reset_layout", "undo", "redo"):
                action.setEnabled(enabled)

    # --- start-up --------------------------------------------------------------------------

    def start(self, path: str | os.PathLike[str] | None = None) -> None:
        """Import the engine, build the real widgets and open ``path`` or the default sample."""
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self.statusBar().showMessage(_("Loading the engine…"))
        try:
            self._create_workbench()
            restored = self._offer_recovery()
            if not restored:
                opened = False
                if path is not None:
                    opened = self.open_project(Path(path))
                if not opened:
                    self.open_sample(default_sample(), quiet=path is not None)
        finally:
            QApplication.restoreOverrideCursor()
        self._set_enabled(True)
        self._update_actions()
        self._autosave.timeout.connect(self._autosave_now)
        self._autosave.start()
        # Everything imported so far lives for the whole session: keep the garbage collector
        # from rescanning it, which otherwise causes 70–130 ms pauses during canvas edits.
        # No collection first: start-up leaves only a little garbage, and collecting Qt
        # wrappers torn down half-way (a window being closed) can crash PySide. Each run
        # freezes what is alive when it starts and lets go when it ends (gui/gc_policy.py).
        gc.freeze()
        # The real panels' size hints settle on the next turn of the event loop.
        QTimer.singleShot(0, self, self._settle_layout_later)
        QTimer.singleShot(50, self, lambda: self._canvas().fit_all())
        if self.prewarm_training:
            # Start the training process (it imports torch; started from a thread of its
            # own, see TrainingController.prewarm) while the user looks around, and import
            # torch here too, in a background thread, for what this process does with it
            # later (planning a run, the neuron view's weights, the lessons). The process
            # waits half a second, while the layout settles (Train pressed sooner starts it).
            QTimer.singleShot(500, self.controller.prewarm)
        self.ready.emit()
        if self.prewarm_training:
            engine_loader().load()
        self._maybe_show_start_page()

    def _freeze_engine(self) -> None:
        """torch's objects (some 100,000) live for the session, like those frozen at "ready"
        (:meth:`start`): freeze them too, or the next full collection walks them all."""
        gc.freeze()

    def _create_workbench(self) -> None:
        from nnstudio.gui.canvas.view import CanvasView
        from nnstudio.gui.document import ProjectDocument
        from nnstudio.gui.history_actions import HistoryActions, HistoryView
        from nnstudio.gui.inspector.inspector import InspectorPanel
        from nnstudio.gui.neuron_view import NeuronView
        from nnstudio.gui.palette import LayerPalette
        from nnstudio.gui.panels.data_panel import DataPanel
        from nnstudio.gui.panels.problems_panel import ProblemsPanel
        from nnstudio.gui.panels.training_panel import TrainingPanel
        from nnstudio.gui.plots.panel import TrainingPlotsPanel
        from nnstudio.gui.recovery import RecoveryManager
        from nnstudio.gui.theme import configure_pyqtgraph
        from nnstudio.gui.workers import TrainingController

        configure_pyqtgraph()
        doc = ProjectDocument(parent=self)
        self.document = doc
        doc.unlock_handler = self._unlock_for_edit
        doc.message.connect(self.show_message)
        doc.modified_changed.connect(lambda _m: self._update_title())
        doc.project_replaced.connect(self._update_title)
        doc.analysis_changed.connect(lambda _a: self._update_actions())
        doc.data_changed.connect(self._update_actions)

        self.history_actions = HistoryActions(doc, self)
        undo, redo = self.history_actions.undo, self.history_actions.redo
        undo.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        redo.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
        self.actions_by_name["undo"], self.actions_by_name["redo"] = undo, redo
        self.toolbar.insertActions(self._undo_anchor, [undo, redo])
        self._fill_edit_menu()

        canvas = CanvasView(doc)
        self.setCentralWidget(canvas)
        canvas.setFocus()
        palette = LayerPalette()
        inspector = InspectorPanel(doc)
        data = DataPanel(doc)
        training = TrainingPanel(doc)
        loader = engine_loader()
        loader.imported.connect(training.refresh)  # the devices torch knows of
        loader.imported.connect(self._freeze_engine)
        problems = ProblemsPanel(doc)
        history = HistoryView(doc)
        history.setEmptyLabel(_("<opened project>"))
        self.history_actions.lock_with(history)
        self.workbench = Workbench(
            canvas=canvas,
            palette=palette,
            history=history,
            inspector=inspector,
            data=data,
            training=training,
            plots=TrainingPlotsPanel(doc),
            neurons=NeuronView(doc),
            problems=problems,
        )
        for name, widget in self.workbench.docked().items():
            self.docks[name].setWidget(widget)
        self._build_runs_dock(doc)
        self._fill_view_menu()
        self._settle_layout()

        canvas.selection_changed.connect(self._on_selection_changed)
        canvas.message.connect(self.show_message)
        palette.layer_requested.connect(lambda t: canvas.add_layer(t))
        palette.quick_build_requested.connect(self.quick_build)
        problems.node_activated.connect(self._on_problem_activated)

        self.controller = TrainingController(doc, self)
        self.controller.state_changed.connect(self._on_state_changed)
        self.controller.run_started.connect(self._on_run_started)
        self.controller.events_ready.connect(self._on_training_events)
        self.controller.run_finished.connect(self._on_run_finished)
        self.controller.run_failed.connect(self._on_run_failed)
        self.controller.process_notice.connect(self._on_process_notice)
        self.workbench.plots.stop_keep_best_requested.connect(self._on_stop_keep_best_requested)
        doc.locked_changed.connect(canvas.set_read_only)
        self._wire_lessons(doc)

        self.recovery = RecoveryManager(data_dir())

    def _build_runs_dock(self, doc) -> None:
        """The Runs dock: every stored run, compared; beside the training plots by default."""
        from nnstudio.gui.panels.runs_panel import RunsPanel

        panel = RunsPanel(doc)
        dock = QDockWidget(_("Runs"), self)
        dock.setObjectName("runs")
        dock.setWidget(panel)
        self.docks["runs"] = dock
        if not self.restoreDockWidget(dock):
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            self.tabifyDockWidget(self.docks["plots"], dock)
            self.docks["plots"].raise_()
        self.runs_panel = panel
        panel.restored.connect(lambda: self.workbench.plots.show_history(self.project.history))
        panel.experiment_requested.connect(self.open_experiment_dialog)

    def open_experiment_dialog(self) -> None:
        """ "Train again, changing only X" (a controlled experiment)."""
        from nnstudio.gui.panels.experiment_dialog import ExperimentDialog

        dialog = getattr(self, "experiment_dialog", None)
        if dialog is None:
            dialog = ExperimentDialog(self.document, self)
            self.experiment_dialog = dialog
        dialog.show()
        dialog.raise_()

    # --- projects --------------------------------------------------------------------------

    @property
    def project(self) -> Project:
        assert self.document is not None
        return self.document.project

    def _show_project(self, project: Project, *, dirty: bool = False) -> None:
        assert self.document is not None
        self.document.replace_project(project)
        if dirty:
            self.document.mark_dirty()
        # The plots load the project's saved curves themselves when it replaces the other.
        QTimer.singleShot(0, self, lambda: self._canvas().fit_all())
        self._on_selection_changed([])
        self._update_title()
        self._update_actions()
        if self.document.workspace.data_error and project.data.source.kind == "csv":
            QTimer.singleShot(0, self._offer_locate_data)
            QTimer.singleShot(0, self._ask_outside_data)

    def open_project(self, path: Path) -> bool:
        """Open the project at ``path`` (a CSV file is offered as the project's data instead).

        The file is read before anything is asked: the Save/Discard question comes only when
        the open project will really be replaced.
        """
        from nnstudio.core.errors import NNStudioError
        from nnstudio.core.project import load_project

        path = Path(path)
        if path.suffix.lower() in DATA_SUFFIXES:
            return self._offer_as_data(path)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            project = load_project(path)
        except NNStudioError as exc:
            QApplication.restoreOverrideCursor()
            if not path.exists():
                self.settings.remove_recent(path)
            QMessageBox.critical(self, _("Cannot open project"), _one_line(exc))
            return False
        QApplication.restoreOverrideCursor()
        if not self._ready_to_replace():
            return False
        if self._open_in_background(project, path):
            return True
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._show_project(project)
        finally:
            QApplication.restoreOverrideCursor()
        self._opened(path)
        return True

    def _opened(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.set_last_dir("project", path)
        self.show_message(_("Opened {path}").format(path=path))

    def _open_in_background(self, project: Project, path: Path) -> bool:
        """Read a project's big CSV file in the data panel's background read; False when
        the file is small enough to read at once (or no CSV file).

        The window stays responsive, with the data panel's progress dialog and Cancel after a
        moment; the project is shown once its data is read (and prepared), and Cancel leaves
        the project open before as it was.
        """
        from nnstudio.core.data.sources import resolve_path
        from nnstudio.core.workspace import load_data
        from nnstudio.gui.panels.data_panel import SYNC_READ_BYTES

        source = project.data.source
        if source.kind != "csv":
            return False
        try:
            size = resolve_path(source.path, project.base_dir).stat().st_size
        except (OSError, ValueError):
            return False  # the ordinary open says what is wrong with the file
        if size <= SYNC_READ_BYTES:
            return False
        settings, base_dir = project.data, project.base_dir

        def shown(loaded) -> None:
            assert self.document is not None
            workspace = self.document.workspace
            workspace.prime_data(loaded)  # the open's load takes the table read already
            try:
                self._show_project(project)
            finally:
                workspace.prime_data(None)
            self._opened(path)

        self.workbench.data.reader.start(
            Path(source.path).name,
            lambda should_stop: load_data(settings, base_dir, should_stop=should_stop),
            shown,
            cancel_note=_("Cancel keeps the project you have open now."),
            cancelled_text=_("Reading {name} was cancelled; the open project is unchanged."),
        )
        self.show_message(_("Opening {path}: reading its data…").format(path=path))
        return True

    def _offer_as_data(self, path: Path) -> bool:
        """A CSV chosen in File → Open: offer to use it as the open project's data."""
        answer = QMessageBox.question(
            self,
            _("Open data file"),
            _(
                "{file} is a data file, not an NN Studio project.\n\nLoad it as the data "
                "of “{project}”? (One step you can undo.)"
            ).format(file=path.name, project=self.project.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self.load_csv(str(path))

    def open_sample(self, path: Path, *, quiet: bool = False) -> bool:
        """Open a bundled sample as an untitled copy, so saving never overwrites the sample."""
        from nnstudio.core.errors import NNStudioError
        from nnstudio.core.project import Project, load_project

        try:
            project = load_project(path)
        except NNStudioError as exc:
            if not quiet:
                QMessageBox.critical(self, _("Cannot open sample"), _one_line(exc))
                return False
            project = Project()
            project.graph.add_node("Input")
        if not self._ready_to_replace():
            return False
        project.path = None
        self._show_project(project)
        self.show_message(
            _("Opened sample “{name}” — Save As to keep your changes").format(name=project.name)
        )
        return True

    def new_project(self) -> None:
        from nnstudio.core.project import Project

        if not self._ready_to_replace():
            return
        project = Project()
        project.graph.add_node("Input", position=(0.0, 0.0))
        self._show_project(project)

    def open_dialog(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open project"), self.settings.last_dir("project"), project_filter()
        )
        if path:
            self.open_project(Path(path))

    def save(self) -> bool:
        if self.project.path is None or self.project.path.suffix == ".json":
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self) -> bool:
        start = self.project.path or Path(self.settings.last_dir("project")) / (
            _safe_filename(self.project.name) + ".nnsproj"
        )
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save project as"), str(start), _("NN Studio projects (*.nnsproj)")
        )
        if not path:
            return False
        target = Path(path)
        if target.suffix != ".nnsproj":
            target = target.with_suffix(".nnsproj")
        from nnstudio.core.project.project_file import UNTITLED

        if self.project.name == UNTITLED:
            # The file's name names the project (window title, exported script's header).
            self.project.name = target.stem
        return self._save_to(target)

    def _save_to(self, path: Path) -> bool:
        from nnstudio.core.errors import NNStudioError
        from nnstudio.core.project import save_project

        assert self.document is not None
        self._drop_stale_weights()
        old_recovery = self.recovery.current if self.recovery else None
        try:
            save_project(self.project, path)
        except NNStudioError as exc:
            QMessageBox.critical(self, _("Cannot save project"), _one_line(exc))
            return False
        if self.recovery is not None and old_recovery is not None:
            self.recovery.discard()
        self.document.mark_saved()
        self.settings.add_recent(path)
        self.settings.set_last_dir("project", path)
        self._update_title()
        self.show_message(_("Saved {path}").format(path=path))
        return True

    def _drop_stale_weights(self) -> None:
        """Trained weights that no longer fit the edited network are not saved."""
        from nnstudio.core.errors import NNStudioError
        from nnstudio.core.training.plan import trained_model

        if self.project.weights is None:
            return
        try:
            trained_model(self.project)
        except NNStudioError:
            self.project.clear_training()
            self.show_message(
                _(
                    "The network changed since training: its old weights were "
                    "dropped (train again to save new ones)"
                )
            )

    def export(self, fmt: str) -> None:
        """Export the project as ``fmt`` (python, onnx, torchscript) where the user chooses.

        The dialog opens in the project's folder (else the last export folder) and suggests
        the project file's name.
        """
        from nnstudio.core.errors import NNStudioError

        title, suffix, kind = EXPORT_FORMATS[fmt]
        project = self.project
        stem = project.path.stem if project.path else _safe_filename(project.name)
        folder = project.path.parent if project.path else Path(self.settings.last_dir("export"))
        path, _filter = QFileDialog.getSaveFileName(
            self, _(title), str(folder / (stem + suffix)), f"{_(kind)} (*{suffix})"
        )
        if not path:
            return
        try:
            from nnstudio.core.export import export_project

            written = export_project(self.project, fmt, path)
        except (NNStudioError, ImportError) as exc:
            QMessageBox.critical(self, _("Cannot export"), _one_line(exc))
            return
        self.settings.set_last_dir("export", path)
        self.show_message(_("Exported {path}").format(path=written))

    def load_csv_dialog(self) -> None:
        self.docks["data"].raise_()
        self.workbench.data.open_dialog()

    def load_csv(self, path: str) -> bool:
        self.docks["data"].raise_()
        self.settings.set_last_dir("data", path)
        return bool(self.workbench.data.load_csv(path))

    def _ask_outside_data(self) -> None:
        """The project's data file lies outside its folder: ask before it is read."""
        from nnstudio.core.data.trust import OutsideDataError
        from nnstudio.gui.outside_data import ask_outside_data

        if self.document is None:
            return
        error = self.document.workspace.data_exception
        if isinstance(error, OutsideDataError) and ask_outside_data(self, error):
            self.document.workspace.reload_data()

    def _offer_locate_data(self) -> None:
        assert self.document is not None
        source = self.project.data.source
        missing = source.path and not Path(source.path).exists()
        if not missing:
            return
        answer = QMessageBox.warning(
            self,
            _("Data file not found"),
            _(
                "The project's data file was not found:\n{path}\n\nThe project is open; "
                "point to the file to use it."
            ).format(path=source.path),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Ignore,
        )
        if answer == QMessageBox.StandardButton.Open:
            path, _filter = QFileDialog.getOpenFileName(
                self,
                _("Locate data file"),
                str(Path(source.path).parent),
                ";;".join((_("CSV files (*.csv *.txt *.tsv)"), _("All files (*)"))),
            )
            if path:
                from nnstudio.core.data import DataSource, trust
                from nnstudio.gui.commands import SetDataSettingsCommand

                trust.allow(path)  # the user pointed at it

                new = self.project.data.replace(
                    source=DataSource(
                        kind="csv", path=path, encoding=source.encoding, delimiter=source.delimiter
                    )
                )
                self.document.push(
                    SetDataSettingsCommand(self.document, new, _("Locate data file"))
                )

    def _ready_to_replace(self) -> bool:
        """Stop training and ask about unsaved changes before another project replaces this."""
        if self.document is None:
            return True
        if self.controller is not None and self.controller.running:
            answer = QMessageBox.question(
                self,
                _("Training is running"),
                _("Training is still running. Stop it and continue?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            self.controller.shutdown()
        return self.maybe_save()

    def maybe_save(self) -> bool:
        """Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if self.document is None or not self.document.modified:
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Unsaved changes"))
        box.setText(_("Save the changes to “{name}”?").format(name=self.project.name))
        box.setInformativeText(_("Your changes will be lost if you don't save them."))
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            self.recent_menu.addAction(_("(none)")).setEnabled(False)
            return
        for i, f in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{i % 10} {Path(f).name}")
            action.setToolTip(f)
            action.setStatusTip(f)
            action.triggered.connect(lambda _checked=False, p=f: self._open_recent(p))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(
            _("Clear list"), lambda: self.settings.set_value("files/recent", [])
        )

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            QMessageBox.warning(
                self,
                _("File not found"),
                _("{path}\nno longer exists; it was removed from the list.").format(path=path),
            )
            self.settings.remove_recent(path)
            return
        self.open_project(Path(path))

    def _fill_samples_menu(self) -> None:
        from nnstudio.core.project.archive import read_project_name

        self.samples_menu.clear()
        for path in sorted(samples_dir().glob("*.nnsproj")):
            title = read_project_name(path) or path.stem
            action = self.samples_menu.addAction(f"{title}  ({path.stem})")
            action.triggered.connect(lambda _checked=False, p=path: self.open_sample(p))
        if self.samples_menu.isEmpty():
            self.samples_menu.addAction(_("(no samples found)")).setEnabled(False)

    # --- lessons ---------------------------------------------------------------------------

    def _build_lessons_menu(self, bar) -> None:
        """Lessons (between View and Train): the course in order, then the teacher's tools."""
        from nnstudio.core.lessons.catalogue import LESSONS

        menu = bar.addMenu(_("&Lessons"))
        self.lessons_menu = menu
        for number, item in enumerate(LESSONS, start=1):
            # The first nine get a mnemonic digit; the title is the translated lesson title.
            label = f"&{number}  {_(item.title)}" if number < 10 else f"{number}  {_(item.title)}"
            menu.addAction(
                self._action(
                    f"lesson_{item.key}",
                    label,
                    lambda _checked=False, key=item.key: self.open_lesson(key),
                    tip=_("Open the lesson's project, its views and its task"),
                )
            )
        menu.addSeparator()
        menu.addAction(
            self._action(
                "lock_students",
                _("Lock for &students…"),
                self.lock_for_students,
                tip=_("Choose the settings students cannot change and the panels they do not see"),
            )
        )
        menu.addAction(
            self._action(
                "unlock_teacher",
                _("&Unlock (teacher)"),
                self.unlock_for_teacher,
                tip=_("Lift every lock and show every hidden panel (one step you can undo)"),
            )
        )
        self._action("start_page", _("&Start Page"), self.show_start_page)

    def _wire_lessons(self, doc: ProjectDocument) -> None:
        doc.project_replaced.connect(self._apply_classroom)
        doc.classroom_changed.connect(lambda _classroom: self._apply_classroom())
        # After the canvas's own handler: the graph lock outlives a training run's lock.
        doc.locked_changed.connect(lambda _locked: self._show_locks())

    def open_lesson(self, key: str) -> bool:
        """Open lesson ``key``'s bundled project (as an untitled copy), its views and its task.

        Asks about unsaved changes the way Open does; False when the user cancelled or the
        file could not be read.
        """
        from dataclasses import replace

        from nnstudio.core.lessons.catalogue import lesson

        item = lesson(key)
        if not self.open_sample(samples_dir() / item.project):
            return False
        # The bundle's own name is English; the lesson is named in the user's language.
        self.show_message(
            _("Opened the lesson “{title}” — Save As to keep your changes").format(
                title=_(item.title)
            )
        )
        classroom = self.project.classroom
        if classroom.lesson != key:
            # An older sample serves this lesson: tag it, so saving keeps the lesson.
            assert self.document is not None
            self.document.workspace.set_classroom(replace(classroom, lesson=key))
        for name in item.panels:
            if name in self.docks and name not in self._classroom_hidden:
                self.docks[name].show()
                self.docks[name].raise_()
        for view in item.views:
            dock = self.lab_docks.get(f"lab_{view}")
            if dock is not None and dock.isVisible():
                dock.raise_()
        task = self.lab_docks.get("task")
        if task is not None and task.isVisible():
            task.raise_()
        return True

    def _lesson_dock(self, name: str, title: str, widget, area: Qt.DockWidgetArea) -> QDockWidget:
        """A lesson dock, placed where the saved layout had it, else beside its neighbours.

        ``restoreDockWidget`` puts a dock made after the layout was restored where the saved
        state says; a dock the state does not know is tabified with the inspector (right)
        or with the plots (bottom).
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.lab_docks[name] = dock
        if not self.restoreDockWidget(dock):
            self.addDockWidget(area, dock)
            bottom = area == Qt.DockWidgetArea.BottomDockWidgetArea
            neighbour = self.docks["plots" if bottom else "inspector"]
            if neighbour.isVisible() and not neighbour.isFloating():
                self.tabifyDockWidget(neighbour, dock)
            if bottom:
                self.resizeDocks(
                    [dock], [max(300, int(self.height() * 0.42))], Qt.Orientation.Vertical
                )
        return dock

    def _lab_dock(self, key: str) -> QDockWidget | None:
        """The dock of lab view ``key``, made on first use; None when no view is registered
        under that key (the lesson opens without it)."""
        from nnstudio.gui.lab.registry import lab_view

        name = f"lab_{key}"
        if name in self.lab_docks:
            return self.lab_docks[name]
        try:
            spec = lab_view(key)
            widget = spec.create(self.document)
        except (KeyError, ImportError, AttributeError):
            return None
        area = (
            Qt.DockWidgetArea.RightDockWidgetArea
            if key in RIGHT_LAB_VIEWS
            else Qt.DockWidgetArea.BottomDockWidgetArea
        )
        return self._lesson_dock(name, _(spec.title), widget, area)

    def _task_dock(self) -> QDockWidget:
        from nnstudio.gui.lab.lessons import TaskPanel

        dock = self.lab_docks.get("task")
        if dock is None:
            dock = QDockWidget(_("Task"), self)
            dock.setObjectName("task")
            dock.setWidget(TaskPanel())
            self.lab_docks["task"] = dock
            if not self.restoreDockWidget(dock):
                # Below the right-hand panels, not a tab among them: the task stays in view
                # while the student works in the inspector or a lesson view.
                # (splitDockWidget would tabify it: the inspector sits in a tab group.)
                self.addDockWidget(
                    Qt.DockWidgetArea.RightDockWidgetArea, dock, Qt.Orientation.Vertical
                )
                self.resizeDocks([dock], [230], Qt.Orientation.Vertical)
        return dock

    @property
    def task_panel(self):
        """The Task panel (None until a lesson or a teacher's task was shown)."""
        dock = self.lab_docks.get("task")
        return dock.widget() if dock is not None else None

    def _apply_classroom(self) -> None:
        """Show the open project's lesson views, task, locks and hidden panels."""
        from nnstudio.core.lessons.catalogue import find_lesson
        from nnstudio.gui.lab.lessons import lesson_task

        if self.document is None or self.workbench is None:
            return
        classroom = self.project.classroom
        item = find_lesson(classroom.lesson)
        wanted = {f"lab_{key}" for key in (item.views if item is not None else ())}
        for key in item.views if item is not None else ():
            dock = self._lab_dock(key)
            if dock is not None:
                dock.show()
        for name, dock in self.lab_docks.items():
            if name.startswith("lab_") and name not in wanted:
                dock.hide()
        title, task = lesson_task(classroom)
        if task:
            dock = self._task_dock()
            dock.widget().show_task(title, task)
            dock.show()
        elif "task" in self.lab_docks:
            self.lab_docks["task"].hide()
        self._apply_hidden(classroom.hidden)
        self._show_locks()
        self.actions_by_name["unlock_teacher"].setEnabled(
            bool(classroom.locked or classroom.hidden)
        )

    def _all_docks(self) -> dict[str, QDockWidget]:
        return {**self.docks, **self.lab_docks}

    def _apply_hidden(self, hidden) -> None:
        docks = self._all_docks()
        hidden = {name for name in hidden if name in docks}
        for name in self._classroom_hidden - hidden:
            docks[name].toggleViewAction().setVisible(True)
            docks[name].show()
        for name in hidden:
            docks[name].hide()
            # Not offered in View → Panels either: the teacher hid it.
            docks[name].toggleViewAction().setVisible(False)
        self._classroom_hidden = hidden

    def _show_locks(self) -> None:
        from nnstudio.gui.lab.lessons import show_locks

        if self.document is None or self.workbench is None:
            return
        show_locks(
            self.workbench,
            self.project.classroom.locked,
            training=self.document.lock_reason is not None,
        )

    def lock_panel_titles(self) -> dict[str, str]:
        """Dock name → title of every panel a teacher may hide."""
        return {name: dock.windowTitle() for name, dock in self._all_docks().items()}

    def lock_for_students(self) -> None:
        """Lessons → Lock for students…: the teacher's choice becomes one undoable edit."""
        from nnstudio.gui.commands import SetClassroomCommand
        from nnstudio.gui.lab.lessons import LockDialog

        assert self.document is not None
        dialog = LockDialog(self.project.classroom, self.lock_panel_titles(), self)
        self.lock_dialog = dialog
        if dialog.exec() != LockDialog.DialogCode.Accepted:
            return
        new = dialog.classroom()
        if new != self.project.classroom:
            self.document.push(SetClassroomCommand(self.document, new, _("Lock for students")))
            self.show_message(_("Locked for students — save the project to hand it out"))

    def unlock_for_teacher(self) -> None:
        """Lessons → Unlock (teacher): every lock and hidden panel lifted in one step."""
        from dataclasses import replace

        from nnstudio.gui.commands import SetClassroomCommand

        assert self.document is not None
        classroom = self.project.classroom
        if not (classroom.locked or classroom.hidden):
            return
        new = replace(classroom, locked=(), hidden=())
        self.document.push(SetClassroomCommand(self.document, new, _("Unlock (teacher)")))
        self.show_message(_("Unlocked: every setting can be changed again"))

    def show_start_page(self) -> None:
        """Help → Start Page (and the first launch): the lessons of the course."""
        from nnstudio.gui.lab.lessons import StartPage

        if not self.isVisible():
            return  # closed meanwhile: a page shown now would keep the app running alone
        if self.start_page is None:
            page = StartPage(_as_bool(self.settings.value(START_PAGE_KEY, False)), self)
            page.lesson_chosen.connect(self.open_lesson)
            page.show_at_start_changed.connect(
                lambda on: self.settings.set_value(START_PAGE_KEY, bool(on))
            )
            self.start_page = page
        self.start_page.show()
        self.start_page.raise_()
        self.start_page.activateWindow()

    def _maybe_show_start_page(self) -> None:
        """The start page at the first launch, later only when the user asked for it."""
        if not self.offer_start_page:
            return
        first = not _as_bool(self.settings.value(START_PAGE_SEEN_KEY, False))
        if first or _as_bool(self.settings.value(START_PAGE_KEY, False)):
            self.settings.set_value(START_PAGE_SEEN_KEY, True)
            QTimer.singleShot(0, self, self.show_start_page)

    # --- recovery --------------------------------------------------------------------------

    def _offer_recovery(self) -> bool:
        from nnstudio.core.errors import NNStudioError

        assert self.recovery is not None
        left = self.recovery.begin_session()
        for item in left:
            if item.original:
                text = _(
                    "NN Studio did not close properly last time. An automatic copy of {name} "
                    "with unsaved changes was found. Restore it?"
                ).format(name=item.original.name)
            else:
                text = _(
                    "NN Studio did not close properly last time. An automatic copy of an "
                    "untitled project with unsaved changes was found. Restore it?"
                )
            answer = QMessageBox.question(
                self,
                _("Restore unsaved work?"),
                text,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                try:
                    project = self.recovery.restore(item)
                except NNStudioError as exc:
                    QMessageBox.warning(self, _("Cannot restore"), _one_line(exc))
                    continue
                item.recovery.unlink(missing_ok=True)
                self._show_project(project, dirty=True)
                self.show_message(_("Restored unsaved work — save it to keep it"))
                return True
            item.recovery.unlink(missing_ok=True)
        return False

    def _autosave_now(self) -> None:
        from nnstudio.core.errors import NNStudioError

        if self.document is None or self.recovery is None or not self.document.modified:
            return
        try:
            self.recovery.autosave(self.project)
        except NNStudioError as exc:
            self.show_message(_("Autosave failed: {error}").format(error=_one_line(exc)))

    # --- canvas / selection ----------------------------------------------------------------

    def _canvas(self) -> CanvasView:
        """The canvas (its actions are enabled only once the views exist)."""
        assert self.workbench is not None
        return self.workbench.canvas

    def _on_selection_changed(self, ids: list) -> None:
        self.workbench.inspector.show_nodes(list(ids))
        if ids:
            self.docks["inspector"].raise_()

    def _on_problem_activated(self, node_id: str) -> None:
        self.workbench.canvas.select_nodes([node_id], center=True)

    def focus_quick_build(self) -> None:
        self.docks["palette"].show()
        self.docks["palette"].raise_()
        self.workbench.palette.focus_quick_build()

    def quick_build(self, text: str) -> None:
        error = self._canvas().quick_build(text)
        if error:
            self.show_message(error)
            QMessageBox.warning(self, _("Quick build"), error)

    # --- training --------------------------------------------------------------------------

    def train(self) -> None:
        assert self.controller is not None
        if self.controller.state == "paused":
            self.controller.resume()
            return
        self._start_run(lambda: self.controller.start())

    def _start_run(self, starter) -> None:
        loader = engine_loader()
        if self._waiting_start is not None or not loader.when_imported(self._start_waiting_run):
            # Pressed as the app opened, while torch still arrives in the background: the
            # run starts once it is in (a second), and the window stays free meanwhile
            # instead of freezing on the import. Pressed again: still one run.
            self._waiting_start = starter
            self.show_message(_("Loading the engine: training starts in a moment…"))
            if self.controller is not None:
                self.controller.prewarm()  # its torch import overlaps this process's
            return
        problem = loader.failure()
        if problem is not None:
            self.show_message(problem)
            QMessageBox.critical(self, _("Cannot train"), problem)
            return
        self._configure_watch()
        reason = starter()
        if reason:
            reason = tr(reason)
            self.show_message(reason)
            QMessageBox.information(self, _("Cannot train yet"), reason)

    def _start_waiting_run(self) -> None:
        starter, self._waiting_start = self._waiting_start, None
        if starter is not None:
            self._start_run(starter)

    def _configure_watch(self) -> None:
        """Which live snapshots this run sends: fixed when the run starts."""
        if self.controller is None:
            return
        options = self.workbench.plots.watch_options()
        options = self.workbench.neurons.watch_options(options)
        self.controller.watch = replace(options, threads=self.settings.training_threads())
        self.controller.watch = self._with_tensorboard(self.controller.watch)

    def pause_training(self) -> None:
        assert self.controller is not None
        if self.controller.state == "running":
            self.controller.pause()

    def stop_training(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def step_batch(self) -> None:
        assert self.controller is not None
        self._start_run(self.controller.step_batch)

    def step_epoch(self) -> None:
        assert self.controller is not None
        self._start_run(self.controller.step_epoch)

    def reset_weights(self) -> None:
        if self.controller is None or self.controller.running:
            return
        self.controller.reset_weights()
        self.workbench.plots.reset()
        self.show_message(_("Weights reset: the next run starts from fresh initial weights"))
        self._update_actions()

    def show_race(self) -> None:
        from nnstudio.gui.race import RaceDialog

        dialog = self.workbench.race
        if dialog is None:
            dialog = RaceDialog(self.document, self)
            dialog.race_finished.connect(
                lambda _rows: self.show_message(_("Optimiser race finished"))
            )
            self.workbench.race = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _unlock_for_edit(self, reason: str) -> bool:
        answer = QMessageBox.question(
            self,
            _("Training is running"),
            _(
                "Training is running. Stop it to make this change?\n\n(The weights trained so "
                "far are kept.)"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes or self.controller is None:
            return False
        return self.controller.shutdown()

    def _on_run_started(self, plan) -> None:
        if not self.workbench.neurons.isVisible():
            self.docks["plots"].raise_()  # unless the user is watching the neurons
        self.progress.setRange(0, max(1, plan.job.settings.epochs))
        self.progress.setValue(plan.job.start_epoch)
        # Translators: %v is the epochs done, %m the epochs of the run (Qt fills them in).
        self.progress.setFormat(_("epoch %v / %m"))
        self.progress.show()
        from nnstudio.core.training.progress import RunProgress

        self.run_progress = RunProgress(epochs=plan.job.settings.epochs)
        self.workbench.plots.run_started(plan)
        self._freeze_long_lived(True)
        for warning in plan.warnings:
            self.show_message(_("Warning: {message}").format(message=tr(warning.message)))

    def _on_training_events(self, events: list) -> None:
        from nnstudio.gui.frames import set_value_later

        self.workbench.plots.consume(events)
        self.workbench.neurons.consume(events)
        progress = self.run_progress
        if progress is not None:
            progress.consume(events)
            if progress.started:
                set_value_later(self.progress, progress.epochs_done)
                self.run_label.setText(progress.text())

    def _on_state_changed(self, state: str) -> None:
        """Paused time is not training time (the status bar's clock and samples/s)."""
        if self.run_progress is not None:
            if state == "paused":
                self.run_progress.pause()
            elif state == "running":
                self.run_progress.resume()
        self._update_actions()

    def _on_run_finished(self, result) -> None:
        self.progress.hide()
        message = tr(result.message)
        self.show_message(message, 15000)
        self.workbench.plots.run_finished(result)
        self._freeze_long_lived(False)
        if result.reason == "diverged":
            QMessageBox.warning(self, _("Training diverged"), message)
        self._update_actions()

    @staticmethod
    def _freeze_long_lived(frozen: bool) -> None:
        """Keep what is alive when a run starts out of the garbage collections until it
        ends: a full collection then no longer stalls the live plots (gui/gc_policy.py)."""
        from nnstudio.gui.gc_policy import gui_thread_collector

        collector = gui_thread_collector(QApplication.instance())
        if collector is not None:
            (collector.hold_still if frozen else collector.let_go)()

    def _on_stop_keep_best_requested(self) -> None:
        """The diverging banner's choice: end the run with its best epoch's weights."""
        if self.controller is not None:
            self.controller.stop(keep_best=True)

    def _on_process_notice(self, message: str) -> None:
        """The training process's handshake failed: said in a box, not only in the log."""
        self.show_message(message)
        QMessageBox.warning(self, _("Training process refused"), message)

    def _on_run_failed(self, message: str) -> None:
        self.progress.hide()
        self.run_label.setText("")
        self.workbench.plots.run_failed()
        self._freeze_long_lived(False)
        QMessageBox.critical(self, _("Training stopped"), tr(message))
        self._update_actions()

    # --- state -----------------------------------------------------------------------------

    def _update_actions(self) -> None:
        if self.document is None or self.controller is None:
            return
        state = self.controller.state
        busy = state in ("running", "paused", "stopping")
        get = self.actions_by_name
        blocked = self.document.workspace.blocking_reason()
        get["train"].setEnabled(state in ("idle", "paused"))
        get["train"].setText(
            _("&Resume")
            if state == "paused"
            else (
                _("Con&tinue") if state == "idle" and self.controller.can_resume() else _("&Train")
            )
        )
        tip = tr(blocked) if blocked else _("Train the network (F5)")
        get["train"].setToolTip(tip if state == "idle" else _("Resume training (F5)"))
        # While paused, Train reads "Resume"; Pause only pauses a running run.
        get["pause"].setEnabled(state == "running")
        get["stop"].setEnabled(state in ("running", "paused"))
        get["step"].setEnabled(state in ("idle", "paused"))
        get["step_epoch"].setEnabled(state in ("idle", "paused"))
        get["reset_weights"].setEnabled(not busy and self.project.weights is not None)
        for name in (
            "new",
            "open",
            "cut",
            "paste",
            "duplicate",
            "delete",
            "auto_layout",
            "quick_build",
        ):
            get[name].setEnabled(not busy)
        if not busy:
            self.run_label.setText("")

    def _update_title(self) -> None:
        if self.document is None:
            return
        project = self.project
        if project.path:
            title = _("{name} — {file}[*] — NN Studio").format(
                name=project.name, file=project.path.name
            )
        else:
            title = _("{name} (unsaved)[*] — NN Studio").format(name=project.name)
        self.setWindowTitle(title)
        self.setWindowModified(self.document.modified)

    def show_message(self, text: str, timeout: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout)

    # --- help ------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = []
        for action in self.actions_by_name.values():
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
            )
            if keys:
                rows.append(
                    f"<tr><td><b>{html.escape(keys)}</b></td><td>"
                    f"{html.escape(plain_action_text(action.text()))}</td></tr>"
                )
        for gesture, effect in (
            (_("Wheel / middle-drag"), _("Zoom / pan the canvas")),
            (_("Drag port → port"), _("Connect two layers")),
        ):
            rows.append(
                f"<tr><td><b>{html.escape(gesture)}</b></td><td>{html.escape(effect)}</td></tr>"
            )
        QMessageBox.information(
            self, _("Keyboard shortcuts"), "<table cellspacing=6>" + "".join(rows) + "</table>"
        )

    def show_about(self) -> None:
        from nnstudio import __version__

        # Marked outside the f-string: the extractor does not look inside f-strings.
        what = _("Build, train and understand neural networks by pointing and clicking.")
        credits = _("PySide6 · PyTorch · pyqtgraph. Open source.")
        QMessageBox.about(
            self,
            _("About NN Studio"),
            f"<h3>NN Studio {__version__}</h3><p>{what}</p><p>{credits}</p>",
        )

    # --- Qt events -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if not path:
                continue
            suffix = Path(path).suffix.lower()
            if suffix in (".nnsproj", ".json"):
                self.open_project(Path(path))
            elif suffix in DATA_SUFFIXES:
                self.load_csv(path)
            else:
                self.show_message(
                    _("{name}: drop a .csv file or a .nnsproj project").format(name=Path(path).name)
                )
            event.acceptProposedAction()
            return

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller is not None and self.controller.running:
            answer = QMessageBox.question(
                self,
                _("Training is running"),
                _("Training is still running. Stop it and quit?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.controller.shutdown()
        race = self.workbench.race if self.workbench is not None else None
        if race is not None and race.runner.running:
            answer = QMessageBox.question(
                self,
                _("Optimiser race is running"),
                _("An optimiser race is running. Stop it and quit?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if race is not None:
            race.shutdown()
        self._shutdown_search()
        if not self.maybe_save():
            event.ignore()
            return
        normal = self._leave_presentation_for_close()
        write_layout(self.settings, self, state=normal)
        self.settings.sync()
        self._autosave.stop()
        if self.recovery is not None:
            self.recovery.end_session()
        if self.controller is not None:
            self.controller.close_process()
        # Dialogs left open (the start page, a search, a report) are windows of their own:
        # one still showing would keep the app running after its main window closed.
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.close()
        event.accept()
        if self._restart_after_close:
            reopen = [str(self.project.path)] if self.document and self.project.path else []
            QProcess.startDetached(sys.executable, ["-m", "nnstudio", *reopen])

    # --- teaching mode: presentation mode and the lesson report ------------------------------

    def _build_teaching_actions(self) -> None:
        """Presentation mode (F11) and File → Export → Lesson report.

        Presentation mode's key is F11, not F5: F5 has always been Train, and the plots' own
        hints tell students to press it.
        """
        self.presentation = None
        self._action(
            "presentation",
            _("&Presentation Mode"),
            self.set_presentation_mode,
            QKeySequence("F11"),
            _("Large fonts and thick lines for a projector; fewer panels (F11 again to leave)"),
            checkable=True,
        )
        self._action(
            "export_report",
            _("Lesson &report (HTML, PDF)…"),
            self.export_lesson_report,
            tip=_(
                "One page to hand in: the network, its parameters, settings, curves, final "
                "metrics, confusion matrix and your notes"
            ),
        )

    def _add_teaching_export_actions(self, menu) -> None:
        menu.addSeparator()
        menu.addAction(self.actions_by_name["export_report"])

    def _add_teaching_view_actions(self, menu) -> None:
        menu.addSeparator()
        menu.addAction(self.actions_by_name["presentation"])

    def set_presentation_mode(self, on: bool) -> None:
        """Enter or leave presentation mode (View → Presentation Mode, F11); remembered."""
        if self.workbench is None:
            return
        if self.presentation is None:
            from nnstudio.gui.presentation import PresentationMode

            self.presentation = PresentationMode(self, self.docks, self.workbench)
        self.presentation.set_active(bool(on))
        action = self.actions_by_name["presentation"]
        if action.isChecked() != bool(on):
            action.setChecked(bool(on))
        self.settings.set_presentation_mode(bool(on))

    def _restore_presentation_mode(self) -> None:
        if self.settings.presentation_mode() and self.workbench is not None:
            self.set_presentation_mode(True)

    def _leave_presentation_for_close(self) -> QByteArray | None:
        """The normal layout is what gets saved (returned here when the mode was on); the
        mode itself is remembered apart."""
        if self.presentation is not None and self.presentation.active:
            normal = self.presentation.leave()
            self.settings.set_presentation_mode(True)
            return normal
        return None

    def export_lesson_report(self) -> None:
        """File → Export → Lesson report: the student's notes, then where to write it."""
        from nnstudio.gui.report_dialog import ReportDialog

        dialog = ReportDialog(self.document, self.workbench.canvas, self.settings, self)
        self._report_dialog = dialog
        dialog.written.connect(
            lambda path: self.show_message(_("Exported {path}").format(path=path))
        )
        dialog.open()

    # --- experiments: hyperparameter search, evaluation, TensorBoard --------------------------

    def _add_experiment_actions(self, menu) -> None:
        """Train → Hyperparameter search…, Evaluate…, Also write TensorBoard logs to…"""
        menu.addAction(
            self._action(
                "search",
                _("Hyperparameter &Search…"),
                self.show_search,
                tip=_("Search learning rate, batch size, optimiser, width… with Optuna"),
            )
        )
        menu.addAction(
            self._action(
                "evaluate",
                _("&Evaluate…"),
                self.show_evaluation,
                tip=_("Per-class scores, ROC and precision-recall curves, misclassified rows"),
            )
        )
        action = self._action(
            "tensorboard",
            _("Also write &TensorBoard logs to…"),
            self.choose_tensorboard_dir,
            tip=_("Each run also writes TensorBoard event files (scalars, histograms, HParams)"),
            checkable=True,
        )
        action.setChecked(self.settings.tensorboard_dir() is not None)
        menu.addAction(action)

    def show_search(self) -> None:
        from nnstudio.gui.search_dialog import SearchDialog

        dialog = getattr(self, "search_dialog", None)
        if dialog is None:
            dialog = SearchDialog(self.document, self)
            dialog.search_finished.connect(
                lambda _result: self.show_message(_("Hyperparameter search finished"))
            )
            self.search_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _shutdown_search(self) -> None:
        dialog = getattr(self, "search_dialog", None)
        if dialog is not None:
            dialog.shutdown()

    def show_evaluation(self) -> None:
        from nnstudio.gui.evaluation_dialog import EvaluationDialog

        dialog = EvaluationDialog(self.document, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.evaluation_dialog = dialog
        dialog.show()

    def choose_tensorboard_dir(self, on: bool) -> None:
        """Turn the TensorBoard option on (asking for the folder) or off; remembered."""
        action = self.actions_by_name["tensorboard"]
        if not on:
            self.settings.set_tensorboard_dir(None)
            return
        folder = QFileDialog.getExistingDirectory(
            self, _("Write TensorBoard logs to"), self.settings.last_tensorboard_dir()
        )
        if not folder:
            action.setChecked(False)
            return
        self.settings.set_tensorboard_dir(folder)
        self.show_message(
            _("Each run also writes TensorBoard logs into {folder}").format(folder=folder)
        )

    def _with_tensorboard(self, watch):
        """``watch`` plus a TensorBoard writer when the option is on: one sub-folder per run
        (project name and time), so TensorBoard lists the runs side by side."""
        folder = self.settings.tensorboard_dir()
        if not folder:
            return watch
        from nnstudio.core.experiments.tensorboard import TensorBoardRun

        stem = _safe_filename(self.project.path.stem if self.project.path else "project")
        run_dir = Path(folder) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        board = TensorBoardRun.for_project(run_dir, self.project)
        return replace(watch, listeners=(*watch.listeners, board))


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _one_line(exc: BaseException) -> str:
    """An error on one line, in the user's language."""
    return " ".join(error_text(exc).split())


def _safe_filename(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in name).strip()
    return cleaned or "project"


__all__ = ["MainWindow", "default_sample", "samples_dir"]

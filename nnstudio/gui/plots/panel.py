"""The training plots dock: one tab per lesson-sized view, fed live by the training worker.

``consume`` must stay cheap however many events arrive: it appends everything to the shared
:class:`~nnstudio.gui.plots.record.RunRecord` (numpy buffers) and marks the views whose topics
changed as stale. The live views (the visible one) then redraw at most every
:data:`REDRAW_INTERVAL_MS`, each in a turn of the event loop of its own
(:mod:`~nnstudio.gui.frames`), never inside the handling of a report. Hidden tabs catch
up when they are shown; when a run ends, every live view redraws at once.

Each tab's view (its pyqtgraph plots) is built when it is first shown or asked for: seven
views cost a noticeable part of the start-up, and a student may never open most of them. A
view built late starts stale and draws everything from the shared record, like a view that
was built early and marked stale all along.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QElapsedTimer, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QToolButton, QVBoxLayout, QWidget

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.probes import Grid, decision_boundary
from nnstudio.core.training.reports import History
from nnstudio.core.training.runtime.batching import WatchOptions
from nnstudio.core.training.safety import Diverging
from nnstudio.core.training.training_settings import steps_per_epoch
from nnstudio.gui import theme
from nnstudio.gui.frames import FrameBudget, frame_budget
from nnstudio.gui.plots.activation_plot import ActivationView
from nnstudio.gui.plots.base import PlotContext, PlotView
from nnstudio.gui.plots.boundary_plot import BoundaryView, eligible
from nnstudio.gui.plots.diverging_banner import DivergingBanner
from nnstudio.gui.plots.gradient_plot import GradientView
from nnstudio.gui.plots.loss_plot import LossView
from nnstudio.gui.plots.lr_plot import LearningRateView, plan_for
from nnstudio.gui.plots.record import BOUNDARY, PLAN, RESULTS, RUN, RunRecord
from nnstudio.gui.plots.results_plot import ResultsView
from nnstudio.gui.plots.weights_plot import WeightsView
from nnstudio.i18n import _

__all__ = ["TrainingPlotsPanel"]


#: Shortest time between two redraws of the visible plot during a run (5 per second).
REDRAW_INTERVAL_MS = 200

#: The tabs, in order: each view's class (built on first use, see :meth:`_view_at`).
VIEW_CLASSES: tuple[type[PlotView], ...] = (
    LossView,
    LearningRateView,
    ActivationView,
    GradientView,
    WeightsView,
    BoundaryView,
    ResultsView,
)


class TrainingPlotsPanel(QWidget):
    """Live training plots for one :class:`~nnstudio.gui.document.ProjectDocument`."""

    #: The diverging banner's "Stop and keep best weights" (the window stops the run).
    stop_keep_best_requested = Signal()

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.document = document
        self.record = RunRecord()
        self.context = PlotContext(self.record, document)
        self.running = False
        #: The model of the last finished run (safe to use: its thread has ended).
        self._model: Any = None
        self._expects = "logits"
        self._since_redraw = QElapsedTimer()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._refresh_visible)

        #: Presentation mode's scale, and what puts the plots back when it ends.
        self.presentation_scale = 1.0
        self._presentation_undo: list = []
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        #: The views built so far, by tab index; the other tabs hold an empty placeholder.
        self._built: dict[int, PlotView] = {}
        #: The learning-rate plan the LR view shows (kept here while it is not built).
        self._lr_plan: Any = None
        for cls in VIEW_CLASSES:
            self.tabs.addTab(QWidget(), _(cls.title).replace("&", "&&"))
        self.tabs.setCornerWidget(self._export_buttons(), Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        # Above the tabs: it must be seen whichever plot is shown.
        self.diverging_banner = DivergingBanner(self)
        self.diverging_banner.stop_requested.connect(self.stop_keep_best_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.diverging_banner)
        layout.addWidget(self.tabs)

        document.project_replaced.connect(self._on_document_project_replaced)
        document.training_settings_changed.connect(self._on_document_training_settings_changed)
        document.data_changed.connect(self._on_document_data_changed)
        self._update_plan()

    # --- the views, built on first use ----------------------------------------------------

    @property
    def views(self) -> list[PlotView]:
        """Every tab's view (building those not built yet)."""
        return [self._view_at(index) for index in range(len(VIEW_CLASSES))]

    @property
    def loss(self) -> LossView:
        return self._view_at(0)

    @property
    def lr(self) -> LearningRateView:
        return self._view_at(1)

    @property
    def activations(self) -> ActivationView:
        return self._view_at(2)

    @property
    def gradients(self) -> GradientView:
        return self._view_at(3)

    @property
    def weights(self) -> WeightsView:
        return self._view_at(4)

    @property
    def boundary(self) -> BoundaryView:
        return self._view_at(5)

    @property
    def results(self) -> ResultsView:
        return self._view_at(6)

    def built_views(self) -> list[PlotView]:
        """The views built so far (the others will draw from the record when built)."""
        return list(self._built.values())

    def _view_at(self, index: int) -> Any:
        view = self._built.get(index)
        if view is None:
            view = self._build_view(index)
        return view

    def _build_view(self, index: int) -> PlotView:
        """Build tab ``index``'s view and put it in place of its placeholder.

        Everything it shows comes from the record and the context (it starts stale); the
        panel's own state that views are told about (the LR plan, the results' model source)
        is handed over here. Presentation mode builds every view when it starts.
        """
        view = VIEW_CLASSES[index](self.context)
        self._built[index] = view
        view.set_live(self.running)
        if isinstance(view, ResultsView):
            view.model_source = self._model_source
        if isinstance(view, LearningRateView):
            view.set_plan(self._lr_plan)
        # Swapping the page must not look like the user changing tabs.
        blocker = QSignalBlocker(self.tabs)
        current = self.tabs.currentIndex()
        placeholder = self.tabs.widget(index)
        text = self.tabs.tabText(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, view, text)
        self.tabs.setCurrentIndex(current)
        del blocker
        placeholder.deleteLater()
        return view

    def _export_buttons(self) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 4, 0)
        row.setSpacing(2)
        for text, tip, slot in (
            ("PNG", _("Save the current plot as a PNG image"), self._export_png),
            ("CSV", _("Save the numbers behind the current plot as CSV"), self._export_csv),
        ):
            button = QToolButton(box)
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            row.addWidget(button)
        return box

    def _export_png(self) -> None:
        self.current_view().ask_export_png()

    def _export_csv(self) -> None:
        self.current_view().ask_export_csv()

    # --- the main window's API -------------------------------------------------------------

    def watch_options(self) -> WatchOptions:
        """Which snapshots the worker should take for these plots."""
        prepared = self.document.workspace.prepared
        grid = None
        sample = None
        if prepared is not None:
            ok, _why = eligible(prepared)
            if ok and prepared.n_train:
                grid = Grid.around(prepared.array("x_train"))
            for x in (prepared.x_val, prepared.x_train):
                if len(x):
                    sample = x[0].clone()
                    break
        # None of these views draws WeightsFrame snapshots (the weight histograms come with
        # the layer statistics), so they are not asked for.
        return WatchOptions(boundary=grid, weights=False, sample=sample)

    def run_started(self, plan: Any) -> None:
        """A run begins: fresh curves (or the saved ones, when it resumes)."""
        self.running = True
        self._model = None
        self.context.plan = plan
        job = plan.job
        if job.start_epoch > 0 and job.history.epochs_done:
            self.record.load_history(job.history, self._steps_for(plan))
        else:
            self.record.clear()
        self.record.clear_live()
        self.record.steps_per_epoch = self._steps_for(plan)
        self.record.start_epoch = job.start_epoch
        self.record.planned_epochs = job.settings.epochs
        self._expects = LOSSES.get(job.settings.loss["name"]).expects
        self._invalidate_results()
        self._set_lr_plan(plan_for(job.settings, plan.prepared.n_train))
        for view in self.built_views():
            view.reset()
        self.diverging_banner.clear()
        self._set_live(True)
        self._mark({RUN, PLAN, RESULTS}, all_views=True)

    def consume(self, events: list) -> None:
        """Take a batch of training events; redraw the visible plot once."""
        for event in events:
            if isinstance(event, Diverging) and self.running:
                self.diverging_banner.show_diverging(event)
        changed = self.record.ingest(events)
        if changed:
            self._mark(changed, throttled=True)

    def run_finished(self, result: Any) -> None:
        """The run ended and its thread is gone: its model can now be evaluated here."""
        self.running = False
        plan = self.context.plan
        changed = {RESULTS, RUN}
        if plan is not None:
            self._model = plan.model
            if self._final_boundary(plan):
                changed.add(BOUNDARY)
        if result.history.diverged_at:
            self.record.add_divergences(result.history.diverged_at)
        self.diverging_banner.run_ended(result.message)
        self._invalidate_results()
        self._set_live(False)
        self._mark(changed)

    def run_failed(self) -> None:
        """The run ended with an error and no result: leave the running state all the same.

        Without this the panel would go on budgeting its redraws and ignoring new settings
        (both only meant for a run in progress) until some later run finished.
        """
        self.running = False
        self.diverging_banner.clear()
        self._set_live(False)
        self._mark({RUN, PLAN}, all_views=True)

    def _final_boundary(self, plan: Any) -> bool:
        """Paint the boundary of the final weights (the last live snapshot may be a few
        batches older), so it agrees with the Results tab."""
        frame = self.record.boundary
        if frame is None or not eligible(plan.prepared)[0]:
            return False
        epoch = int(self.record.epoch.last(frame.epoch)) if self.record.has_epochs else frame.epoch
        step = max(frame.step, self.record.last_step)
        try:
            self.record.boundary = decision_boundary(
                plan.model, frame.grid, self._expects, epoch=epoch, step=step
            )
        except (RuntimeError, ValueError):  # keep the live frame rather than fail the finish
            return False
        return True

    def reset(self) -> None:
        """Forget all curves (the weights were reset)."""
        self.record.clear()
        self._redraw_record()

    def show_history(self, history: History) -> None:
        """Draw a reopened project's saved curves."""
        self.record.load_history(history, self._steps_for(None))
        self._redraw_record()

    def _redraw_record(self) -> None:
        """The record was replaced: drop the run's model and plan, redraw every view from it."""
        self._forget_run()
        self._mark({RUN, PLAN, RESULTS}, all_views=True)

    def _forget_run(self) -> None:
        """Drop the run's model and plan; every view draws from the record when next shown."""
        self.context.plan = None
        self._model = None
        self._invalidate_results()
        for view in self.built_views():
            view.reset()
        self._update_plan()

    # --- helpers ---------------------------------------------------------------------------

    def view(self, title: str) -> PlotView:
        """The view whose tab is called ``title`` (in English, whatever the language shown)."""
        for index, cls in enumerate(VIEW_CLASSES):
            if cls.title == title:
                return self._view_at(index)
        raise KeyError(title)

    def current_view(self) -> PlotView:
        return self._view_at(self.tabs.currentIndex())

    def show_tab(self, title: str) -> PlotView:
        """Bring a tab forward (and bring it up to date)."""
        view = self.view(title)
        self.tabs.setCurrentWidget(view)
        view.ensure_fresh()
        return view

    def set_presentation_scale(self, factor: float) -> None:
        """Large fonts and thick lines in every view for a projector (1.0: as usual).

        Leaving puts back exactly the fonts and pens there were before entering.
        """
        for restore in reversed(self._presentation_undo):
            restore()
        self._presentation_undo = []
        self.presentation_scale = factor
        if factor != 1.0:
            for view in self.views:
                view.ensure_fresh()
                self._presentation_undo.append(view.present(factor))

    def live_views(self) -> list[PlotView]:
        """The views kept fresh while a run trains: the tab on screen (none while hidden)."""
        return [self.current_view()] if self.isVisible() else []

    def refresh_all(self) -> None:
        """Redraw every stale view now, visible or not (exports, tests)."""
        for view in self.views:
            view.ensure_fresh()

    def _steps_for(self, plan: Any) -> int:
        settings = plan.job.settings if plan is not None else self.document.project.training
        prepared = plan.prepared if plan is not None else self.document.workspace.prepared
        if prepared is None:
            return 0
        return steps_per_epoch(prepared.n_train, settings.batch_size)

    def _model_source(self) -> tuple[Any, str] | None:
        if self.running:
            return None
        if self._model is not None:
            return self._model, self._expects
        project = self.document.project
        if project.weights is None or self.document.workspace.prepared is None:
            return None
        from nnstudio.core.training.plan import trained_model

        try:
            model = trained_model(project)
        except NNStudioError:
            return None
        self._model = model
        self._expects = LOSSES.get(project.training.loss["name"]).expects
        return self._model, self._expects

    def _update_plan(self) -> None:
        prepared = self.document.workspace.prepared
        settings = self.document.project.training
        self._set_lr_plan(plan_for(settings, prepared.n_train if prepared is not None else None))

    def _set_lr_plan(self, plan: Any) -> None:
        self._lr_plan = plan
        view = self._built.get(VIEW_CLASSES.index(LearningRateView))
        if view is not None:
            view.set_plan(plan)

    def _invalidate_results(self) -> None:
        """Forget the results computed (a view not built yet has none)."""
        view = self._built.get(VIEW_CLASSES.index(ResultsView))
        if view is not None:
            view.invalidate()

    def _mark(self, changed: set[str], *, all_views: bool = False, throttled: bool = False) -> None:
        for view in self.built_views():
            if all_views or view.topics & changed:
                view.dirty = True
        if not throttled:
            self._refresh_visible()
            return
        # Live runs redraw at most REDRAW_INTERVAL_MS apart: painting holds Python's GIL,
        # and every millisecond the GUI thread paints is one the training thread waits.
        wait = REDRAW_INTERVAL_MS - self._since_redraw.elapsed()
        if wait <= 0 or not self._since_redraw.isValid():
            self._refresh_visible()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(int(wait))

    def _refresh_visible(self) -> None:
        """Bring the live views up to date: while a run trains, each in a turn of the event
        loop of its own (a view still queued from the last time keeps its place); otherwise
        now (the run ended, a tab was chosen, the record was replaced)."""
        self._redraw_timer.stop()
        self._since_redraw.start()
        budget = self._frames()
        for view in self.live_views():
            if self.running:
                if view.dirty:
                    budget.request(view, view.ensure_fresh)
            else:
                budget.cancel(view)
                view.ensure_fresh()

    def _set_live(self, live: bool) -> None:
        """Every view draws fast while a run trains, finely when it ends (a view built
        later takes the state it is built in)."""
        for view in self.built_views():
            view.set_live(live)

    def _frames(self) -> FrameBudget:
        """The frame budget the live views' redraws share (the GUI thread's, unless a test
        gave the panel its own as ``frames``)."""
        frames = getattr(self, "frames", None)
        return frames if frames is not None else frame_budget()

    def _on_tab_changed(self, _index: int) -> None:
        self._refresh_visible()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._refresh_visible()

    # --- document signals ------------------------------------------------------------------

    def _on_document_project_replaced(self) -> None:
        """Another project: its saved curves (none for a new one), drawn once.

        Nothing is redrawn here: the workspace announces the new project's data right after
        (``data_changed``), and that redraws the visible tab. (Clearing, redrawing, then
        loading the saved curves and redrawing again drew the visible tab three times.)
        """
        self.running = False
        self._set_live(False)
        self.record.load_history(self.document.project.history, self._steps_for(None))
        self._forget_run()

    def _on_document_training_settings_changed(self, _settings: object) -> None:
        if self.running:
            return  # the run follows the plan it started with
        self._update_plan()
        self._mark({PLAN})

    def _on_document_data_changed(self) -> None:
        if self.running:
            return
        self.context.plan = None  # its prepared data is no longer the document's
        self._model = None
        self._invalidate_results()
        self._update_plan()
        self._mark({PLAN, RESULTS}, all_views=True)

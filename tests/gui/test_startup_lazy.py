"""What the start-up leaves for later, and that leaving it changes nothing a user sees.

Issue 12: the default project must be ready to train sooner. The plots dock builds each tab's
view (its pyqtgraph plots) only when the tab is first shown or asked for; these tests check
that the app's real start-up builds only the visible tab, and that a tab built after a run
draws exactly what a tab built before it does. They never measure time
(bench/bench_gui.py does).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.core.training.probes import Grid, decision_boundary
from nnstudio.core.training.reports import BatchReport, EpochReport, History
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.plots import TrainingPlotsPanel
from nnstudio.gui.plots.loss_plot import LossView
from nnstudio.gui.plots.panel import VIEW_CLASSES
from tests.gui.startup_process import run_startup_script

REPO = Path(__file__).resolve().parents[2]

READY_SCRIPT = """
import json
import nnstudio.gui.main_window as mw

seen = {}
original = mw.MainWindow.__init__


def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    window = self

    def ready():
        plots = window.workbench.plots
        seen["built"] = sorted(plots._built)
        seen["current"] = plots.tabs.currentIndex()
        seen["plots_visible"] = plots.isVisible()
        seen["current_is_view"] = plots.tabs.currentWidget() is plots._built.get(
            plots.tabs.currentIndex()
        )

    self.ready.connect(ready)


def start(self, path=None):
    import sys

    seen["at_start"] = sorted(m for m in ("pandas", "jsonschema", "pyqtgraph") if m in sys.modules)
    original_start(self, path)


original_start = mw.MainWindow.start
mw.MainWindow.__init__ = init
mw.MainWindow.start = start
from nnstudio.gui.app import run_app

code = run_app(None, argv=["nnstudio"])
print(json.dumps({"code": code, **seen}))
"""


def run_script(tmp_path, script: str) -> dict:
    """Run ``script`` (which starts the real app, quitting when ready) in a fresh process."""
    return run_startup_script(tmp_path, script, scope="lazy")


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> dict:
    """One real start-up of the app (on the default project), quitting when ready."""
    return run_script(tmp_path_factory.mktemp("start"), READY_SCRIPT)


def test_at_ready_only_the_visible_plot_tab_has_built_its_plots(started):
    result = started

    assert result["code"] == 0
    assert result["plots_visible"]
    assert result["built"] == [result["current"]]
    assert result["current_is_view"]


def test_the_gui_thread_imports_the_first_screen_s_packages_right_after_the_first_paint(started):
    # MainWindow.start builds the workbench and opens the project: the first screen's slow
    # packages are imported just before it (gui/preload.py's import_first_screen), once the
    # window has painted, not before the first paint.
    assert started["at_start"] == ["jsonschema", "pandas", "pyqtgraph"]


# --- a tab built late draws what a tab built early draws --------------------------------------

_LIVE: list[TrainingPlotsPanel] = []


@pytest.fixture(scope="module", autouse=True)
def _release_panels(qapp):
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _LIVE.clear()


@pytest.fixture(scope="module")
def spirals_run(qapp):
    """A 3-epoch spirals run: its document, plan, every event (with boundaries) and result."""
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    project.training = project.training.replace(epochs=3)
    document = ProjectDocument(project)
    document.workspace.reload_data()
    document.revalidate()
    workspace = document.workspace
    plan = plan_run(project, loaded=(workspace.table, workspace.prepared))
    grid = Grid.around(workspace.prepared.x_train.numpy(), resolution=30)
    expects = LOSSES.get(project.training.loss["name"]).expects
    events: list = []

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, BatchReport) and event.step % 10 == 0:
            events.append(
                decision_boundary(plan.model, grid, expects, epoch=event.epoch, step=event.step)
            )

    # Layer statistics every 5 batches: what the activation, gradient and weight tabs draw.
    result = train(plan.job, on_event, policy=ReportPolicy(detail_every=5))
    return document, plan, events, result


def _panel(qtbot, document: ProjectDocument) -> TrainingPlotsPanel:
    panel = TrainingPlotsPanel(document)
    qtbot.addWidget(panel)
    _LIVE.append(panel)
    panel.resize(1280, 300)
    panel.show()
    return panel


def _drawn(view) -> list:
    """Everything a view's plots draw: each curve's points, each image's pixels."""
    out: list = []
    for plot in view.plots():
        for item in plot.items:
            if isinstance(item, pg.PlotDataItem):
                out.append(("curve", item.xData, item.yData))
            elif isinstance(item, pg.ImageItem):
                out.append(("image", item.image))
    return out


def _same(a, b) -> bool:
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    return a == b


def test_a_plot_tab_built_after_a_run_draws_exactly_what_one_built_before_it_draws(
    qtbot, spirals_run
):
    document, plan, events, result = spirals_run
    early = _panel(qtbot, document)
    assert len(early.views) == len(VIEW_CLASSES)  # every tab built before the run
    late = _panel(qtbot, document)
    assert early.built_views() != [] and len(late.built_views()) == 1  # the visible one

    for panel in (early, late):
        panel.run_started(plan)
        for start in range(0, len(events), 37):
            panel.consume(events[start : start + 37])
        panel.run_finished(result)

    for cls in VIEW_CLASSES:
        before = early.show_tab(cls.title)
        after = late.show_tab(cls.title)
        drawn = _drawn(before)
        assert drawn, cls.title
        assert _same(drawn, _drawn(after)), cls.title
        assert before.readout.text() == after.readout.text(), cls.title


# --- one refresh per panel when a project opens ------------------------------------------------


def test_opening_a_project_refreshes_the_data_panel_and_the_visible_plot_once(
    open_window, monkeypatch, spirals_run
):
    _document, plan, events, result = spirals_run
    counts: Counter = Counter()
    for cls, key in ((DataPanel, "data"), (LossView, "loss")):
        original = cls.refresh

        def counted(self, *args, _original=original, _key=key, **kwargs):
            counts[_key] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "refresh", counted)
    # A trained project: its saved curves are what the plots must show once it is open.
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    project.training = project.training.replace(epochs=3)
    store_result(project, plan, result)
    project.history = History.from_dict(result.history.to_dict())
    window = open_window()
    window.start()
    counts.clear()

    window._show_project(project)

    assert counts == {"data": 1, "loss": 1}
    loss = window.workbench.plots.loss
    assert window.workbench.plots.current_view() is loss and loss.isVisible()
    epochs = [e for e in events if isinstance(e, EpochReport)]
    np.testing.assert_allclose(loss.train_curve.yData, [e.train_loss for e in epochs])
    np.testing.assert_allclose(loss.val_curve.yData, [e.val_loss for e in epochs])

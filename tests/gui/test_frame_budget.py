"""The live views' redraws are spread over the event loop's turns (issue 12, "UI while training").

While a run trains, a report's handling only records and marks views stale; each stale live
view then redraws in a turn of its own (``nnstudio/gui/frames.py``), so that no single
task of the GUI thread redraws every view. These tests count turns, jobs and drawn points,
never times: they wait on conditions.
"""

from __future__ import annotations

import dataclasses
import gc
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QProgressBar

from nnstudio.core.training import EpochReport, ReportPolicy, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.probes import weights_frame
from nnstudio.gui.frames import FrameBudget, set_value_later
from nnstudio.gui.gc_policy import GuiThreadCollector
from nnstudio.gui.neuron_view import NeuronView
from tests.gui.plot_panels import panel_of, release_panels  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("release_panels")


@pytest.fixture(scope="module")
def spirals_run(qapp):
    """A short headless run of the spirals sample: its plan and every report it sent."""
    panel_doc = panel_document()
    plan = plan_run(
        panel_doc.project, loaded=(panel_doc.workspace.table, panel_doc.workspace.prepared)
    )
    plan.job = dataclasses.replace(plan.job, settings=plan.job.settings.replace(epochs=4))
    events: list = []
    result = train(plan.job, events.append, policy=ReportPolicy(detail_every=5))
    return SimpleNamespace(plan=plan, events=events, result=result)


def panel_document():
    from pathlib import Path

    from nnstudio.core.project import load_project
    from nnstudio.gui.document import ProjectDocument

    repo = Path(__file__).resolve().parents[2]
    document = ProjectDocument(load_project(repo / "samples" / "spirals.nnsproj"))
    document.workspace.reload_data()
    document.revalidate()
    return document


def live_panel(qtbot, run, every_tab: bool = True):
    """A panel in a run, with a budget of its own, every tab counting as on screen."""
    panel = panel_of(qtbot)
    panel.frames = FrameBudget(panel)
    if every_tab:
        panel.live_views = lambda: list(panel.views)
    panel.run_started(run.plan)
    qtbot.waitUntil(lambda: not panel.frames.pending(), timeout=20_000)
    panel.frames.turns.clear()
    return panel


def epochs_drawn(panel) -> int:
    y = panel.loss.train_curve.yData
    return 0 if y is None else len(y)


def test_one_turn_runs_at_most_the_budgeted_jobs_oldest_first(qtbot):
    budget = FrameBudget(per_turn=1)
    ran: list[str] = []
    for name in "abcde":
        budget.request(name, lambda name=name: ran.append(name))
    budget.request("b", lambda: ran.append("B"))  # stale again: keeps its place, newest job
    qtbot.waitUntil(lambda: len(ran) == 5, timeout=10_000)
    assert ran == ["a", "B", "c", "d", "e"]
    assert budget.turns == [("a",), ("b",), ("c",), ("d",), ("e",)]


def test_a_job_of_a_deleted_view_is_skipped(qtbot):
    budget = FrameBudget()
    ran: list[str] = []
    gone = QObject()
    budget.request(gone, lambda: ran.append("gone"))
    budget.request("kept", lambda: ran.append("kept"))
    import shiboken6

    shiboken6.delete(gone)
    qtbot.waitUntil(lambda: ran == ["kept"], timeout=10_000)
    assert not budget.pending()


def test_handling_a_report_of_a_run_draws_nothing_and_every_stale_view_gets_its_turn(
    qtbot, spirals_run
):
    panel = live_panel(qtbot, spirals_run)
    panel.consume(spirals_run.events)
    stale = [view for view in panel.views if view.dirty]
    assert len(stale) >= 4  # loss, learning rate, weights, gradients, boundary…
    assert epochs_drawn(panel) == 0  # the report's handling drew nothing
    qtbot.waitUntil(lambda: not any(view.dirty for view in panel.views), timeout=20_000)
    assert all(len(turn) == 1 for turn in panel.frames.turns)
    assert {key for turn in panel.frames.turns for key in turn} == set(stale)
    assert epochs_drawn(panel) == 4


def test_a_view_made_stale_again_while_queued_is_drawn_once(qtbot, spirals_run):
    panel = live_panel(qtbot, spirals_run)
    half = len(spirals_run.events) // 2
    panel.consume(spirals_run.events[:half])
    panel._refresh_visible()  # the throttle let a second report through before the turns
    panel.consume(spirals_run.events[half:])
    panel._refresh_visible()
    qtbot.waitUntil(lambda: not panel.frames.pending(), timeout=20_000)
    drawn = [key for turn in panel.frames.turns for key in turn]
    assert len(drawn) == len(set(drawn))


def test_the_latest_report_is_drawn_when_the_reports_stop(qtbot, spirals_run):
    """A paused run sends no more reports: its last one still reaches the screen."""
    panel = live_panel(qtbot, spirals_run, every_tab=False)
    epochs = [e for e in spirals_run.events if isinstance(e, EpochReport)]
    last = spirals_run.events.index(epochs[-1])
    panel.consume(spirals_run.events[:last])
    panel.consume(spirals_run.events[last:])  # within the throttle: no redraw asked now
    qtbot.waitUntil(lambda: epochs_drawn(panel) == len(epochs), timeout=20_000)
    assert panel.loss.train_curve.yData[-1] == pytest.approx(epochs[-1].train_loss)


def test_the_end_of_a_run_draws_every_live_view_at_once_and_antialiased(qtbot, spirals_run):
    panel = live_panel(qtbot, spirals_run)
    panel.consume(spirals_run.events)
    assert all(view.live for view in panel.views)
    assert panel.loss.train_curve.curve.opts["antialias"] is False  # fast while training
    panel.run_finished(spirals_run.result)
    assert not any(view.dirty for view in panel.views)
    assert epochs_drawn(panel) == 4
    assert not panel.frames.pending()
    assert panel.loss.train_curve.curve.opts["antialias"] is True


def test_a_new_run_keeps_the_weights_grid_when_its_layers_are_the_same(qtbot, spirals_run):
    panel = live_panel(qtbot, spirals_run)
    panel.consume(spirals_run.events)
    panel.run_finished(spirals_run.result)
    weights = panel.weights
    grid = dict(weights.histograms)
    assert grid
    panel.run_started(spirals_run.plan)
    qtbot.waitUntil(lambda: not panel.frames.pending(), timeout=20_000)
    assert weights.histograms == grid  # kept while the first statistics are on their way
    assert all(not hist.data for hist in grid.values())  # the old run's numbers are gone
    panel.consume(spirals_run.events)
    qtbot.waitUntil(lambda: not weights.dirty, timeout=20_000)
    assert weights.histograms == grid
    assert all(hist.data for hist in grid.values())


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_the_progress_bar_moves_without_painting_inside_the_report_handler(qtbot):
    bar = QProgressBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 100)
    bar.show()
    qtbot.waitExposed(bar)
    counter = PaintCounter()
    bar.installEventFilter(counter)
    set_value_later(bar, 42)
    assert bar.value() == 42
    assert counter.paints == 0
    qtbot.waitUntil(lambda: counter.paints > 0, timeout=10_000)


def test_the_neuron_view_draws_a_run_s_newest_frame_in_a_later_turn(qtbot, spirals_run):
    document = panel_document()
    view = NeuronView(document)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    model = spirals_run.plan.model
    frames = [
        weights_frame(model, view.weights_grid(), sample=view.sample_row(), epoch=e, step=e)
        for e in (1, 2)
    ]
    applied: list[int] = []
    original = view._apply

    def counted(frame, source):
        applied.append(frame.epoch)
        original(frame, source)

    view._apply = counted
    document.set_locked("training")
    try:
        view.consume([frames[0]])
        view.consume([frames[1]])
        assert applied == []  # not inside the report's handling
        qtbot.waitUntil(lambda: applied == [2], timeout=10_000)
        assert view.frame is frames[1]
        assert view.caption.text().startswith("Live: epoch 2")
    finally:
        document.set_locked(None)


def test_a_full_collection_waits_until_the_oldest_generation_grew_by_a_quarter(monkeypatch):
    collector = GuiThreadCollector()
    try:
        collected: list[int] = []
        # Every generation past its threshold, as after a long run's allocations.
        monkeypatch.setattr(gc, "get_count", lambda: (10_000, 100, 100))
        monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
        monkeypatch.setattr(gc, "get_objects", lambda generation=None: [None] * 1_100)
        collector.long_lived = 1_000  # grew by 10 %: not yet
        collector.check()
        collector.long_lived = 800  # grew by 37.5 %: now
        collector.check()
        assert collected == [1, 2]
        assert collector.long_lived == 1_100
    finally:
        collector.stop()
        collector.deleteLater()


def test_budgeted_views_still_hold_the_reported_numbers(qtbot, spirals_run):
    panel = live_panel(qtbot, spirals_run)
    panel.consume(spirals_run.events)
    qtbot.waitUntil(lambda: not any(view.dirty for view in panel.views), timeout=20_000)
    epochs = [e for e in spirals_run.events if isinstance(e, EpochReport)]
    assert np.allclose(panel.loss.train_curve.yData, [e.train_loss for e in epochs])

"""Faults a teacher found in the plots (issue 8): clipped and covered text, one-step runs,
a validation curve drawn pale, and no word when a run overfits.

The checks are geometric where the fault was: a message must lie inside the view that clips
it, a legend or caption must not cover a single data point, an axis must frame what it
shows. Scene coordinates are used throughout, as the painter sees them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsTextItem

from nnstudio.core.project import load_project
from nnstudio.core.training import (
    BatchReport,
    EpochReport,
    History,
    ReportPolicy,
    RunPaused,
    RunStarted,
    TrainingControl,
    train,
)
from nnstudio.core.training.plan import plan_run
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.inspector.activation_plot import ActivationPlot
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.plots import TrainingPlotsPanel
from tests.gui.test_plots import feed, make_run

REPO = Path(__file__).resolve().parents[2]

#: Panels are kept alive until the module ends (see test_plots._LIVE_PANELS for why).
_LIVE: list = []


@pytest.fixture(scope="module", autouse=True)
def _release_widgets(qapp):
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _LIVE.clear()


def settle() -> None:
    """Let deferred layouts and resizes happen (no waiting: only queued events run)."""
    for _ in range(4):
        QApplication.processEvents()


def document_of(sample: str) -> ProjectDocument:
    document = ProjectDocument(load_project(REPO / "samples" / f"{sample}.nnsproj"))
    document.workspace.reload_data()
    document.revalidate()
    return document


def panel_of(qtbot, document: ProjectDocument, size=(1280, 250)) -> TrainingPlotsPanel:
    panel = TrainingPlotsPanel(document)
    qtbot.addWidget(panel)
    _LIVE.append(panel)
    panel.resize(*size)
    panel.show()
    settle()
    return panel


def scene_points(plot: pg.PlotItem, xs: Iterable[float], ys: Iterable[float]) -> list[QPointF]:
    """Where the data points (x, y) land in the scene (points outside the view are left out)."""
    vb = plot.vb
    log_y = plot.ctrl.logYCheck.isChecked()
    inside = vb.sceneBoundingRect()
    out = []
    for x, y in zip(xs, ys, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)) or (log_y and y <= 0):
            continue
        point = vb.mapViewToScene(QPointF(float(x), math.log10(y) if log_y else float(y)))
        if inside.contains(point):
            out.append(point)
    return out


def visible_legends(scene: QGraphicsScene) -> list[pg.LegendItem]:
    return [i for i in scene.items() if isinstance(i, pg.LegendItem) and i.isVisible()]


def assert_uncovered(cover: QRectF, points: list[QPointF], what: str) -> None:
    covered = [p for p in points if cover.contains(p)]
    assert not covered, f"{what}: {len(covered)} data points under {cover}"


def disjoint(a: QRectF, b: QRectF) -> bool:
    """True when ``a`` and ``b`` share no area (touching edges is fine)."""
    overlap = a.intersected(b)
    return overlap.width() < 0.5 or overlap.height() < 0.5


# --- 1. the decision-boundary message is never clipped ---------------------------------------


@pytest.mark.parametrize("width", [1280, 890, 640, 420])
def test_the_boundary_message_wraps_and_stays_whole_inside_its_plot(qtbot, width):
    document = document_of("mobile_price")
    assert document.workspace.prepared.n_features == 20
    panel = panel_of(qtbot, document, (width, 250))
    view = panel.show_tab("Decision boundary")
    settle()
    assert "needs 2 input features (this data has 20)" in view.hint.shown
    text = view.hint.item.sceneBoundingRect()
    frame = view.plot.vb.sceneBoundingRect()  # the view box clips what sticks out of it
    assert frame.contains(text), f"{text} is clipped by {frame}"
    # The words are all there, wrapped onto lines, not elided.
    assert "this data has 20" in view.hint.item.toPlainText().replace("\u2029", " ")
    # With nothing to paint, the message gets the dock's width, not a third of it.
    assert frame.width() >= 0.8 * view.graphics.width()


# --- 2. legends and captions never cover data ----------------------------------------------


def test_the_inspector_activation_legend_leaves_the_tanh_curves_uncovered(qtbot):
    plot = ActivationPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 230)
    plot.show()
    plot.set_activation("tanh")
    settle()
    item = plot.plot.getPlotItem()
    points = scene_points(item, plot.x, plot.f) + scene_points(item, plot.x, plot.df)
    assert len(points) > 400  # both curves, left of −3.5 included
    legend = plot.legend.sceneBoundingRect()
    assert [label.text for _sample, label in plot.legend.items] == ["f(z)", "f′(z)"]
    assert_uncovered(legend, points, "inspector f/f′ legend")
    assert disjoint(legend, item.vb.sceneBoundingRect())


@pytest.fixture(scope="module")
def tanh_run(qapp):
    def tanh(project):
        for node in project.graph.nodes.values():
            if node.type == "Dense" and node.params["activation"]["name"] == "relu":
                project.graph.set_param(node.id, "activation", {"name": "tanh"})

    return make_run("spirals", epochs=2, edit=tanh)


def test_the_activations_tab_legend_leaves_the_function_curves_uncovered(qtbot, tanh_run):
    panel = panel_of(qtbot, tanh_run.document)
    feed(panel, tanh_run)
    view = panel.show_tab("Activations")
    settle()
    points = []
    for _comp, f_item, df_item in view.functions.values():
        points += scene_points(view.fplot, f_item.xData, f_item.yData)
        points += scene_points(view.fplot, df_item.xData, df_item.yData)
    assert len(points) > 700
    for legend in visible_legends(view.graphics.scene()):
        assert_uncovered(legend.sceneBoundingRect(), points, "activations tab legend")
        assert disjoint(legend.sceneBoundingRect(), view.fplot.vb.sceneBoundingRect())


def caption_items(scene: QGraphicsScene, needle: str) -> list[QGraphicsTextItem]:
    """Text items of the scene whose text contains ``needle`` (wherever a view put them)."""
    return [
        i
        for i in scene.items()
        if isinstance(i, QGraphicsTextItem) and i.isVisible() and needle in i.toPlainText()
    ]


def test_weight_statistics_are_written_outside_the_histogram_bars(qtbot, tanh_run):
    panel = panel_of(qtbot, tanh_run.document)
    feed(panel, tanh_run)
    view = panel.show_tab("Weights")
    settle()
    assert len(view.histograms) == 3
    for hist in view.histograms.values():
        assert hist.caption.text.startswith("mean ") and " · std " in hist.caption.text
    captions = caption_items(view.graphics.scene(), " · std ")
    assert len(captions) == 3
    for caption in captions:
        rect = caption.sceneBoundingRect()
        for hist in view.histograms.values():
            assert disjoint(rect, hist.plot.vb.sceneBoundingRect()), "caption over the bars"


def test_the_xor_scatter_legend_covers_no_point(qtbot):
    document = ProjectDocument()
    panel = DataPanel(document)
    qtbot.addWidget(panel)
    _LIVE.append(panel)
    panel.resize(360, 800)
    panel.show()
    assert panel.use_builtin("xor")
    settle()
    item = panel.scatter.getPlotItem()
    points = []
    for scatter in panel.scatter_items:
        x, y = scatter.getData()
        points += scene_points(item, x, y)
    assert len(points) == document.workspace.prepared.n_train
    legend = panel.scatter_legend
    assert [label.text for _sample, label in legend.items] == ["class 0", "class 1"]
    assert_uncovered(legend.sceneBoundingRect(), points, "scatter legend")
    assert disjoint(legend.sceneBoundingRect(), item.vb.sceneBoundingRect())


# --- 3. a one-step run of the backprop lesson ------------------------------------------------


def one_step_events(document: ProjectDocument) -> tuple[object, list]:
    """What Step Batch (F10) delivers for ``document``: run start, one batch, its reports."""
    plan = plan_run(
        document.project, loaded=(document.workspace.table, document.workspace.prepared)
    )
    control = TrainingControl(start_paused=True)
    control.step_batch(1)
    events: list = []

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, RunPaused):
            control.stop()  # the app stays paused here; the test needs no more

    train(plan.job, on_event, control, ReportPolicy(detail_every=1))
    end = next(i for i, e in enumerate(events) if isinstance(e, RunPaused))
    return plan, events[: end + 1]


def shown_hints(view) -> list[str]:
    return [h.shown for h in view.metrics.hints.values() if h.shown]


def test_metric_placeholders_are_never_duplicated_before_training(qtbot):
    panel = panel_of(qtbot, document_of("regression"))
    loss = panel.show_tab("Loss & metric")
    assert shown_hints(loss) == ["RMSE and R² appear after\nthe first epoch."]
    # The backprop lesson has no validation rows: R² (validation only) is not promised.
    panel = panel_of(qtbot, document_of("backprop_lesson"))
    loss = panel.show_tab("Loss & metric")
    assert shown_hints(loss) == ["RMSE appears after\nthe first epoch."]


def test_one_step_of_the_backprop_lesson_draws_points_on_a_sensible_axis(qtbot):
    document = document_of("backprop_lesson")
    panel = panel_of(qtbot, document)
    # A long run was on screen before (a reopened project): its 200-epoch axis must not
    # be kept for the single step.
    epochs = list(range(1, 201))
    panel.show_history(
        History(
            epoch=epochs,
            train_loss=[1.0 / e for e in epochs],
            val_loss=[None] * 200,
            lr=[0.5] * 200,
            metrics={},
            batch_loss=[1.0 / e for e in epochs],
            batch_lr=[0.5] * 200,
            diverged_at=[],
        )
    )
    panel.show_tab("Loss & metric")
    panel.show_tab("Gradients")
    plan, events = one_step_events(document)
    panel.run_started(plan)
    # The worker's first delivery may hold the batch without its epoch report yet.
    first = next(i for i, e in enumerate(events) if isinstance(e, BatchReport)) + 1
    panel.consume(events[:first])
    loss = panel.show_tab("Loss & metric")
    loss.ensure_fresh()
    settle()
    assert loss.batch_curve.scatter.isVisible() and len(loss.batch_curve.scatter.data) == 1
    (x_lo, x_hi), _ = loss.plot.vb.viewRange()
    assert -0.5 <= x_lo <= 0.0 and 1.0 <= x_hi <= 1.5, (x_lo, x_hi)
    panel.consume(events[first:])
    loss.ensure_fresh()
    settle()
    (report,) = [e for e in events if isinstance(e, EpochReport)]
    # The loss: one marked point at epoch 1, on an axis from the run's start to it.
    assert loss.train_curve.scatter.isVisible() and len(loss.train_curve.scatter.data) == 1
    (x_lo, x_hi), (y_lo, y_hi) = loss.plot.vb.viewRange()
    assert -0.5 <= x_lo <= 0.0 and 1.0 <= x_hi <= 1.5
    assert y_lo < report.train_loss < y_hi and y_hi - y_lo <= report.train_loss
    # No card for a metric that was never recorded (R² needs validation rows).
    assert loss.metrics.names == ("rmse",)
    assert shown_hints(loss) == []
    rmse = loss.metrics.plots["rmse"]
    (x_lo, x_hi), _ = rmse.vb.viewRange()
    assert -0.5 <= x_lo <= 0.0 and 1.0 <= x_hi <= 1.5
    # Gradients: every layer's one norm is a visible marker, and the headline speaks of them.
    grads = panel.show_tab("Gradients")
    settle()
    assert set(grads.curves) == {
        n.id for n in document.workspace.graph.nodes.values() if n.type == "Dense"
    }
    for item in grads.curves.values():
        assert item.scatter.isVisible() and len(item.scatter.data) == 1
        assert scene_points(grads.plot, item.xData, item.yData)  # inside the view
    (x_lo, x_hi), _ = grads.plot.vb.viewRange()
    assert -0.5 <= x_lo <= 0.0 and 1.0 <= x_hi <= 1.5
    assert "dense_1" in grads.readout.text() and "dense_2" in grads.readout.text()


def test_a_gradient_headline_needs_points_on_the_plot(qtbot):
    document = document_of("backprop_lesson")
    panel = panel_of(qtbot, document)
    plan, events = one_step_events(document)
    panel.run_started(plan)
    panel.consume(events)
    grads = panel.show_tab("Gradients")
    first = next(iter(grads.curves))
    # A zero norm is a gap on the log axis: nothing drawn there, nothing claimed about it.
    panel.record.layers[first].grad_norm.clear()
    panel.record.layers[first].grad_norm.append(0.0)
    grads.dirty = True
    grads.ensure_fresh()
    assert "gradient is" not in grads.readout.text()
    assert "vanishing" not in grads.readout.text()


# --- 4. the validation curve is never drawn pale -------------------------------------------

STEPS = 15


def long_run_events(epochs: int, val: np.ndarray, train_loss: np.ndarray) -> list:
    """A run as the worker reports it: 15 batches per epoch, then the epoch's report."""
    rng = np.random.default_rng(0)
    events: list = [RunStarted(epochs, STEPS, STEPS * 32, 0, "cpu")]
    step = 0
    for e in range(1, epochs + 1):
        for b in range(1, STEPS + 1):
            step += 1
            noisy = float(train_loss[e - 1] * rng.uniform(0.05, 2.0))
            events.append(BatchReport(e, b, step, noisy, 0.01, 32))
        events.append(
            EpochReport(
                e,
                float(train_loss[e - 1]),
                float(val[e - 1]),
                {"train_accuracy": 0.9, "val_accuracy": 0.8},
                0.01,
                1.0,
                1000.0,
            )
        )
    return events


def spirals_like(epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Spirals for many epochs: validation bottoms out, then climbs back to the top."""
    e = np.arange(1, epochs + 1, dtype=np.float64)
    train_loss = 0.6 * np.exp(-e / 40) + 1e-4
    val = np.where(e < 200, 0.35 * np.exp(-e / 30) + 0.08, 0.08 + (e - 200) * 0.004)
    return val, train_loss


@pytest.mark.parametrize("log_scale", [True, False])
def test_the_validation_curve_is_never_drawn_under_a_legend(qtbot, log_scale):
    epochs = 330  # past the 4096-batch buffer doubling (epoch 273) and the reported ≈270
    val, train_loss = spirals_like(epochs)
    panel = panel_of(qtbot, document_of("spirals"), (890, 250))
    loss = panel.show_tab("Loss & metric")
    loss.log_scale.setChecked(log_scale)
    events = long_run_events(epochs, val, train_loss)
    for i in range(0, len(events), 97):  # in deliveries, as the worker sends them
        panel.consume(events[i : i + 97])
        loss.ensure_fresh()
    settle()
    assert len(panel.record.batch_x) > 4096
    pen = loss.val_curve.opts["pen"]
    assert pen.color().name() == "#ff7f0e" and pen.color().alpha() == 255
    assert loss.val_curve.opacity() == 1.0
    points = scene_points(loss.plot, loss.val_curve.xData, loss.val_curve.yData)
    assert len(points) == epochs
    for legend in visible_legends(loss.graphics.scene()):
        assert_uncovered(legend.sceneBoundingRect(), points, "a legend over the validation loss")


# --- 5. the overfitting hint ----------------------------------------------------------------


def phone_like(epochs: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's phone run: validation 0.3 at epoch 20, then up to 1.2; training → 0."""
    e = np.arange(1, epochs + 1, dtype=np.float64)
    train_loss = 1.4 * np.exp(-e / 12.0)
    val = np.where(e <= 20, 1.4 - 1.1 * (e - 1) / 19, 0.3 + 0.9 * (e - 20) / (epochs - 20))
    return val, train_loss


def epoch_events(val: np.ndarray, train_loss: np.ndarray) -> list:
    events: list = [RunStarted(len(val), 1, 32, 0, "cpu")]
    for e, (v, t) in enumerate(zip(val, train_loss, strict=True), start=1):
        events.append(EpochReport(e, float(t), float(v), {}, 0.01, 1.0, 1000.0))
    return events


def test_an_overfitting_run_gets_a_hint_that_names_early_stopping(qtbot):
    document = document_of("mobile_price")
    panel = panel_of(qtbot, document)
    loss = panel.show_tab("Loss & metric")
    val, train_loss = phone_like()
    events = epoch_events(val, train_loss)
    panel.consume(events[:30])  # ten epochs after the turn: not sustained yet
    loss.ensure_fresh()
    assert not loss.overfitting_banner.isVisible()
    panel.consume(events[30:])
    loss.ensure_fresh()
    settle()
    banner = loss.overfitting_banner
    assert banner.isVisible() and banner.level() == "warning"
    text = banner.text()
    assert text.startswith("Overfitting:")
    assert "rose from its best, 0.3 at epoch 20, to 1.2" in text
    assert "early stopping (Training setup)" in text
    # Beside the plots, whole: not over them and not cut off at the bottom of the dock.
    graphics = loss.graphics.geometry()
    assert banner.geometry().left() >= graphics.right()
    label = banner.labels()[0]
    assert label.height() >= label.heightForWidth(label.width())
    assert banner.geometry().bottom() <= loss.rect().bottom()
    # A new run starts without it; so does a reset.
    panel.run_started(
        plan_run(document.project, loaded=(document.workspace.table, document.workspace.prepared))
    )
    loss.ensure_fresh()
    assert not banner.isVisible() and loss.overfitting is None
    panel.consume(events)
    loss.ensure_fresh()
    assert banner.isVisible()
    panel.reset()
    loss.ensure_fresh()
    assert not banner.isVisible()


def test_the_hint_says_when_early_stopping_is_already_on(qtbot):
    document = document_of("mobile_price")
    settings = document.project.training
    early = settings.early_stopping.__class__(enabled=True, patience=30)
    document.workspace.set_training_settings(settings.replace(early_stopping=early))
    panel = panel_of(qtbot, document)
    loss = panel.show_tab("Loss & metric")
    panel.consume(epoch_events(*phone_like()))
    loss.ensure_fresh()
    assert "Early stopping is on (patience 30)" in loss.overfitting_banner.text()


def test_a_run_that_only_fluctuates_gets_no_overfitting_hint(qtbot):
    panel = panel_of(qtbot, document_of("mobile_price"))
    loss = panel.show_tab("Loss & metric")
    rng = np.random.default_rng(3)
    val = 0.6 + rng.uniform(-0.2, 0.2, 300)
    train_loss = 0.5 + rng.uniform(-0.1, 0.1, 300)
    panel.consume(epoch_events(val, train_loss))
    loss.ensure_fresh()
    assert not loss.overfitting_banner.isVisible()
    assert loss.overfitting is None

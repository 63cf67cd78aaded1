"""The training plots draw exactly what training reported, and export it.

Each test feeds real training events (a short run on the spirals or regression sample) to the
panel in chunks, as the worker does, and compares the data held by the plot items with the
reports: the curves must BE the numbers, not merely exist.
"""

from __future__ import annotations

import csv
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.catalogue.schedules import planned_lrs
from nnstudio.core.project import load_project
from nnstudio.core.training import (
    BatchReport,
    EpochReport,
    Histogram,
    History,
    LayerStats,
    ReportPolicy,
    RunEnded,
    RunStarted,
    TrainingResult,
    train,
)
from nnstudio.core.training.plan import RunPlan, plan_run, store_result
from nnstudio.core.training.probes import BoundaryFrame, Grid, decision_boundary
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.plots import GrowableBuffer, TrainingPlotsPanel, ema
from nnstudio.gui.plots.boundary_plot import image_rect
from nnstudio.gui.plots.export import Table, write_tables

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(tempfile.gettempdir()) / "nnstudio-plots"


#: Layer statistics every 5 batches: what the activation, gradient and weight tabs draw.
DETAIL = ReportPolicy(detail_every=5)


@dataclass
class Run:
    """A finished short training run and everything it reported."""

    document: ProjectDocument
    plan: RunPlan
    events: list
    result: TrainingResult
    grid: Grid | None

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def make_run(
    sample: str,
    *,
    epochs: int = 3,
    edit: Callable | None = None,
    boundary_every: int = 10,
    policy: ReportPolicy = DETAIL,
) -> Run:
    """Train ``sample`` for a few epochs headlessly, recording every event (and boundaries)."""
    project = load_project(REPO / "samples" / f"{sample}.nnsproj")
    project.training = project.training.replace(epochs=epochs)
    if edit is not None:
        edit(project)
    document = ProjectDocument(project)
    document.workspace.reload_data()
    document.revalidate()
    plan = plan_run(project, loaded=(document.workspace.table, document.workspace.prepared))
    prepared = document.workspace.prepared
    grid = None
    if prepared.task == "classification" and prepared.n_features == 2:
        grid = Grid.around(prepared.x_train.numpy(), resolution=40)
    expects = LOSSES.get(project.training.loss["name"]).expects
    events: list = []

    def on_event(event: object) -> None:
        events.append(event)
        if grid is not None and isinstance(event, BatchReport) and event.step % boundary_every == 0:
            events.append(
                decision_boundary(plan.model, grid, expects, epoch=event.epoch, step=event.step)
            )

    result = train(plan.job, on_event, policy=policy)
    return Run(document, plan, events, result, grid)


@pytest.fixture(scope="module")
def spirals(qapp) -> Run:
    return make_run("spirals")


@pytest.fixture(scope="module")
def regression(qapp) -> Run:
    return make_run("regression")


#: Test panels are top-level widgets owned by Python. Signal connections make reference
#: cycles, so without this list the garbage collector may free one while pytest-qt still
#: processes its paint events after the test body, deleting the C++ widget mid-paint (a
#: segfault). In the app the dock owns the panel, so this concerns tests only.
_LIVE_PANELS: list[TrainingPlotsPanel] = []


@pytest.fixture(scope="module", autouse=True)
def _release_panels(qapp):
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    _LIVE_PANELS.clear()


def make_panel(qtbot, document: ProjectDocument, size=(1280, 300)) -> TrainingPlotsPanel:
    panel = TrainingPlotsPanel(document)
    qtbot.addWidget(panel)
    _LIVE_PANELS.append(panel)
    panel.resize(*size)
    panel.show()
    return panel


def feed(panel: TrainingPlotsPanel, run: Run, chunk: int = 37, finish: bool = True) -> None:
    """Deliver a run as the worker would: run_started, lists of events, run_finished."""
    panel.run_started(run.plan)
    for i in range(0, len(run.events), chunk):
        panel.consume(run.events[i : i + chunk])
    if finish:
        panel.run_finished(run.result)


def reference_ema(values, beta: float) -> list[float]:
    """The lesson's loop: S_1 = Y_1, then S_t = β·S_{t−1} + (1−β)·Y_t."""
    out: list[float] = []
    for y in values:
        out.append(y if not out else beta * out[-1] + (1 - beta) * y)
    return out


def total_variation(values) -> float:
    return float(np.abs(np.diff(np.asarray(values))).sum())


def shot(panel: TrainingPlotsPanel, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    assert panel.grab().save(str(path))
    return path


# --- buffers and smoothing ------------------------------------------------------------------


def test_growable_buffer_doubles_and_keeps_views_valid():
    buf = GrowableBuffer(capacity=2)
    buf.append(1.0)
    first = buf.view()
    buf.extend([2.0, 3.0, 4.0, 5.0])
    assert buf.capacity == 8  # 2 → 4 → 8
    assert buf.view().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert first.tolist() == [1.0]  # an older view still shows what it showed
    assert not buf.view().flags.writeable
    buf.clear()
    assert len(buf) == 0 and buf.view().size == 0


def test_ema_is_the_lessons_weighted_average_and_larger_beta_is_smoother():
    torch.manual_seed(0)
    temperature = (torch.randn(30) * 10).tolist()
    smooth = {beta: ema(np.array(temperature), beta) for beta in (0.5, 0.9)}
    for beta, values in smooth.items():
        np.testing.assert_allclose(values, reference_ema(temperature, beta), rtol=1e-12)
    assert total_variation(smooth[0.9]) < total_variation(smooth[0.5])


def test_ema_skips_nan_instead_of_poisoning_the_rest():
    values = ema(np.array([1.0, math.nan, 3.0]), 0.5)
    assert values[0] == 1.0 and math.isnan(values[1]) and values[2] == 2.0


# --- loss and metric ------------------------------------------------------------------------


def test_loss_curves_hold_exactly_the_reported_losses(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    loss = panel.show_tab("Loss & metric")
    epochs = spirals.of(EpochReport)
    batches = spirals.of(BatchReport)
    assert len(epochs) == 3
    np.testing.assert_array_equal(loss.train_curve.xData, [e.epoch for e in epochs])
    np.testing.assert_array_equal(loss.train_curve.yData, [e.train_loss for e in epochs])
    np.testing.assert_array_equal(loss.val_curve.yData, [e.val_loss for e in epochs])
    np.testing.assert_array_equal(loss.batch_curve.yData, [b.loss for b in batches])
    steps = spirals.of(RunStarted)[0].steps_per_epoch
    np.testing.assert_allclose(
        loss.batch_curve.xData, [b.epoch - 1 + b.batch / steps for b in batches]
    )
    # The last batch of an epoch sits where that epoch's report sits.
    assert loss.batch_curve.xData[steps - 1] == pytest.approx(1.0)
    assert loss.hint.shown is None


def test_smoothing_slider_gives_the_reference_ema_and_09_is_smoother(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    loss = panel.show_tab("Loss & metric")
    raw = [b.loss for b in spirals.of(BatchReport)]
    curves = {}
    for beta in (0.5, 0.9):
        loss.set_beta(beta)
        assert loss.slider.value() == round(beta * 100)
        assert loss.beta_label.text() == f"Smoothing β = {beta:.2f}"
        curves[beta] = np.array(loss.ema_curve.yData)
        np.testing.assert_allclose(curves[beta], reference_ema(raw, beta), rtol=1e-9)
    assert total_variation(curves[0.9]) < total_variation(curves[0.5])
    assert "S_t = β·S_{t−1} + (1−β)·Y_t" in loss.slider.toolTip()
    assert "not bias-corrected" in loss.slider.toolTip()


def test_metric_plot_shows_accuracy_per_epoch(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    loss = panel.show_tab("Loss & metric")
    epochs = spirals.of(EpochReport)
    assert loss.metrics.names == ("accuracy",)
    train = loss.metrics.curves[("accuracy", "train")]
    val = loss.metrics.curves[("accuracy", "val")]
    np.testing.assert_allclose(train.yData, [e.metrics["train_accuracy"] * 100 for e in epochs])
    np.testing.assert_allclose(val.yData, [e.metrics["val_accuracy"] * 100 for e in epochs])


def test_regression_metrics_are_rmse_and_r2(qtbot, regression):
    panel = make_panel(qtbot, regression.document)
    feed(panel, regression)
    loss = panel.show_tab("Loss & metric")
    epochs = regression.of(EpochReport)
    assert loss.metrics.names == ("rmse", "r2")
    np.testing.assert_allclose(
        loss.metrics.curves[("rmse", "val")].yData, [e.metrics["val_rmse"] for e in epochs]
    )
    np.testing.assert_allclose(
        loss.metrics.curves[("r2", "val")].yData, [e.metrics["val_r2"] for e in epochs]
    )


# --- learning rate --------------------------------------------------------------------------


def lr_view_after(qtbot, schedule: dict, epochs: int) -> tuple[Any, float, dict]:
    """The Learning rate tab after a spirals run with ``schedule``; (view, base lr, plan)."""

    def use_schedule(project):
        project.training = project.training.replace(schedule=schedule)

    run = make_run("spirals", epochs=epochs, edit=use_schedule)
    panel = make_panel(qtbot, run.document)
    feed(panel, run)
    view = panel.show_tab("Learning rate")
    settings = run.plan.job.settings
    steps = run.of(RunStarted)[0].steps_per_epoch
    base = settings.optimizer["lr"]
    return view, base, planned_lrs(settings.schedule, base, epochs, steps)


def test_planned_lr_curve_is_planned_lrs_and_steplr_steps(qtbot):
    schedule = {"name": "step", "step_size": 1, "gamma": 0.5}
    view, base, planned = lr_view_after(qtbot, schedule, epochs=3)
    np.testing.assert_allclose(view.planned_curve.yData, planned["epoch"])
    np.testing.assert_allclose(view.planned_curve.xData, [0, 1, 2, 3])  # epoch steps
    np.testing.assert_allclose(view.epoch_curve.yData, [base, base / 2, base / 4])
    np.testing.assert_allclose(view.epoch_curve.yData, planned["epoch"])
    assert not view.batch_curve.isVisible()


def test_per_batch_schedule_draws_the_batch_lr_over_the_plan(qtbot):
    view, _base, planned = lr_view_after(qtbot, {"name": "onecycle"}, epochs=2)
    np.testing.assert_allclose(view.planned_curve.yData, planned["batch"])
    assert view.batch_curve.isVisible()
    np.testing.assert_allclose(view.batch_curve.yData, planned["batch"], rtol=1e-6)


def test_changing_training_settings_updates_the_planned_curve(qtbot, spirals):
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    document = ProjectDocument(project)
    document.workspace.reload_data()
    panel = make_panel(qtbot, document)
    view = panel.show_tab("Learning rate")
    assert np.allclose(view.planned_curve.yData, project.training.optimizer["lr"])
    settings = project.training.replace(epochs=10, schedule={"name": "exponential", "gamma": 0.5})
    document.workspace.set_training_settings(settings)
    expected = planned_lrs(settings.schedule, settings.optimizer["lr"], 10)["epoch"]
    np.testing.assert_allclose(view.planned_curve.yData, expected)


# --- activations, gradients, weights --------------------------------------------------------


def test_one_derivative_histogram_per_activation_layer(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Activations")
    stats = spirals.of(LayerStats)[-1]
    assert set(view.histograms) == set(stats.deriv)  # the hidden ReLU layers
    graph = spirals.document.workspace.graph
    for nid, hist in view.histograms.items():
        assert hist.name == graph.nodes[nid].name
        np.testing.assert_array_equal(hist.counts, stats.deriv[nid].counts)
        np.testing.assert_array_equal(hist.bars.xData, stats.deriv[nid].edges)
        assert f"dead {stats.dead[nid] * 100:.0f} %" in hist.caption.text
    assert [c["name"] for c, _f, _df in view.functions.values()] == ["relu"]
    _comp, f_item, df_item = next(iter(view.functions.values()))
    assert f_item.xData[0] == pytest.approx(-6.0) and f_item.xData[-1] == pytest.approx(6.0)
    assert set(np.unique(df_item.yData)) <= {0.0, 1.0}


def test_sigmoid_histograms_stay_within_the_derivative_range(qtbot):
    def sigmoid(project):
        for node in project.graph.nodes.values():
            if node.type == "Dense" and node.params["activation"]["name"] == "relu":
                project.graph.set_param(node.id, "activation", {"name": "sigmoid"})

    run = make_run("spirals", epochs=1, edit=sigmoid)
    panel = make_panel(qtbot, run.document)
    feed(panel, run)
    view = panel.show_tab("Activations")
    assert len(view.histograms) == 2
    for hist in view.histograms.values():
        lo, hi = hist.plot.vb.viewRange()[0]
        assert lo >= 0.0 and hi <= 0.25 + 1e-9
        assert hist.bars.xData.min() >= 0 and hist.bars.xData.max() <= 0.25 + 1e-6
    comp, f_item, df_item = next(iter(view.functions.values()))
    assert comp["name"] == "sigmoid" and max(df_item.yData) == pytest.approx(0.25, abs=1e-3)
    # The range box redraws f and f′ over the new range.
    view.range_box.setValue(20.0)
    comp, f_item, _df = next(iter(view.functions.values()))
    assert f_item.xData[0] == pytest.approx(-20.0)


def test_gradient_curves_are_named_after_the_layers(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Gradients")
    stats = spirals.of(LayerStats)
    graph = spirals.document.workspace.graph
    names = [label.text for _sample, label in view.legend.items]
    assert names == [graph.nodes[nid].name for nid in view.curves]
    assert names == ["dense_1", "dense_2", "dense_3"]
    for nid, item in view.curves.items():
        np.testing.assert_allclose(item.yData, [s.grad_norm[nid] for s in stats])
    assert view.plot.ctrl.logYCheck.isChecked()


def test_weight_histograms_follow_the_latest_statistics(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Weights")
    last = spirals.of(LayerStats)[-1]
    assert set(view.histograms) == set(last.weight_hist)
    for nid, hist in view.histograms.items():
        np.testing.assert_array_equal(hist.data["weights"][1], last.weight_hist[nid].counts)
        np.testing.assert_array_equal(hist.data["biases"][1], last.bias_hist[nid].counts)
        lo, hi = hist.plot.vb.viewRange()[0]
        assert lo <= last.weight_hist[nid].edges[0] and hi >= last.weight_hist[nid].edges[-1]


# --- decision boundary and results ----------------------------------------------------------


def test_boundary_image_has_the_grid_shape_and_rect(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Decision boundary")
    frame = [e for e in spirals.events if isinstance(e, BoundaryFrame)][-1]
    res = frame.grid.resolution
    assert view.image.image.shape[:2] == (res, res)
    placed = view.image.mapRectToParent(view.image.boundingRect())
    expected = image_rect(frame.grid)
    for a, b in (
        (placed.left(), expected.left()),
        (placed.top(), expected.top()),
        (placed.width(), expected.width()),
        (placed.height(), expected.height()),
    ):
        assert a == pytest.approx(b, rel=1e-6)
    # Pixel centres sit on the grid's sample points: first column centre = x_min.
    assert placed.left() + placed.width() / (2 * res) == pytest.approx(frame.grid.x_min)
    # Bottom-left pixel (row 0 = y_min) is coloured by p at (x_min, y_min).
    n_train = spirals.document.workspace.prepared.n_train
    assert sum(len(item.data) for item in view.train_points) == n_train
    assert len(view.isocurves) == 1  # two classes: one boundary line at p = 0.5
    assert view.hint.shown is None
    # When the run finishes the picture is of the final weights (matching Results).
    expects = LOSSES.get(spirals.plan.job.settings.loss["name"]).expects
    final = decision_boundary(spirals.plan.model, frame.grid, expects)
    np.testing.assert_allclose(panel.record.boundary.probs, final.probs, atol=1e-6)


def test_boundary_explains_itself_when_it_cannot_be_drawn(qtbot, regression):
    panel = make_panel(qtbot, regression.document)
    feed(panel, regression)
    view = panel.show_tab("Decision boundary")
    assert "classification" in view.hint.shown
    assert view.image.image is None


def test_watch_options_ask_for_the_boundary_only_when_it_can_be_drawn(qtbot, spirals, regression):
    panel = make_panel(qtbot, spirals.document)
    options = panel.watch_options()
    prepared = spirals.document.workspace.prepared
    assert options.boundary == Grid.around(prepared.x_train.numpy())
    assert options.weights is False
    assert torch.equal(options.sample, prepared.x_val[0])
    assert make_panel(qtbot, regression.document).watch_options().boundary is None


def test_results_confusion_matrix_counts_the_validation_split(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Results")
    prepared = spirals.document.workspace.prepared
    assert view.split_box.currentText() == "validation"
    assert int(view.results.matrix.sum()) == prepared.n_val
    assert view.table.rowCount() == len(prepared.class_names) + 1
    assert len(view.labels) == len(prepared.class_names) ** 2
    # The diagonal over the total is the reported validation accuracy of the last epoch.
    last = spirals.of(EpochReport)[-1]
    assert view.results.accuracy == pytest.approx(last.metrics["val_accuracy"])
    view.split_box.setCurrentText("training")
    assert int(view.results.matrix.sum()) == prepared.n_train


def test_results_regression_plots_predicted_against_true(qtbot, regression):
    panel = make_panel(qtbot, regression.document)
    feed(panel, regression)
    view = panel.show_tab("Results")
    n_val = regression.document.workspace.prepared.n_val
    assert sum(len(item.data) for item in view.scatter) == n_val
    x, y = view.identity.getData()
    np.testing.assert_allclose(x, y)  # the y = x line
    last = regression.of(EpochReport)[-1]
    assert view.results.metrics["rmse"] == pytest.approx(last.metrics["val_rmse"], rel=1e-5)


def test_results_are_empty_while_training_runs(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals, finish=False)
    view = panel.show_tab("Results")
    assert view.results is None
    assert "finishes" in view.hint.shown


# --- history, divergence, reset -------------------------------------------------------------


def test_show_history_restores_the_curves_of_a_trained_project(qtbot, spirals):
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    project.training = project.training.replace(epochs=3)
    store_result(project, spirals.plan, spirals.result)
    project.history = History.from_dict(spirals.result.history.to_dict())  # as saved on disk
    document = ProjectDocument(project)
    document.workspace.reload_data()
    panel = make_panel(qtbot, document)
    panel.show_history(project.history)
    loss = panel.show_tab("Loss & metric")
    epochs = spirals.of(EpochReport)
    batches = spirals.of(BatchReport)
    np.testing.assert_allclose(loss.train_curve.yData, [e.train_loss for e in epochs])
    np.testing.assert_allclose(loss.val_curve.yData, [e.val_loss for e in epochs])
    np.testing.assert_allclose(loss.batch_curve.yData, [b.loss for b in batches])
    np.testing.assert_allclose(loss.batch_curve.xData[-1], 3.0)
    lr = panel.show_tab("Learning rate")
    np.testing.assert_allclose(lr.epoch_curve.yData, [e.lr for e in epochs])
    # A trained project also has results, computed from its saved weights.
    results = panel.show_tab("Results")
    assert int(results.results.matrix.sum()) == document.workspace.prepared.n_val


def test_divergence_draws_a_red_marker_live_and_from_history(qtbot):
    def explode(project):
        project.training = project.training.replace(
            optimizer={"name": "sgd", "lr": 5.0, "momentum": 0.9}
        )

    run = make_run("regression", epochs=3, edit=explode)
    assert run.result.reason == "diverged"
    ((epoch, batch),) = run.result.history.diverged_at
    panel = make_panel(qtbot, run.document)
    feed(panel, run, finish=False)
    loss = panel.show_tab("Loss & metric")
    steps = run.of(RunStarted)[0].steps_per_epoch
    assert [line.value() for line in loss.divergence_lines] == [
        pytest.approx(epoch - 1 + batch / steps)
    ]
    assert "NaN" in loss.divergence_lines[0].label.format
    panel.run_finished(run.result)
    assert len(loss.divergence_lines) == 1  # not drawn twice
    for view in panel.views:  # exploding weights and gradients still draw (or explain)
        panel.show_tab(view.title)
    # Reopened: the marker comes back from History.diverged_at.
    saved = History.from_dict(run.result.history.to_dict())
    panel.reset()
    assert loss.divergence_lines == []
    panel.show_history(saved)
    assert [line.value() for line in loss.divergence_lines] == [
        pytest.approx(epoch - 1 + batch / steps)
    ]


def test_nan_in_history_leaves_a_gap_not_a_crash(qtbot, spirals):
    history = History(
        epoch=[1, 2, 3],
        train_loss=[1.0, math.nan, 0.5],
        val_loss=[1.2, None, 0.7],
        lr=[0.1, 0.1, 0.1],
        metrics={"train_accuracy": [0.5, None, 0.7]},
        batch_loss=[1.0, math.nan, 0.8, 0.5],
        batch_lr=[0.1] * 4,
        diverged_at=[[2, 1]],
    )
    panel = make_panel(qtbot, spirals.document)
    panel.show_history(history)
    loss = panel.show_tab("Loss & metric")
    assert math.isnan(loss.train_curve.yData[1]) and math.isnan(loss.val_curve.yData[1])
    assert math.isnan(loss.ema_curve.yData[1]) and loss.ema_curve.yData[2] == pytest.approx(0.98)
    assert len(loss.divergence_lines) == 1


def test_reset_clears_every_plot(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    panel.refresh_all()
    panel.reset()
    panel.refresh_all()
    loss = panel.view("Loss & metric")
    assert loss.train_curve.yData is None or len(loss.train_curve.yData) == 0
    assert loss.batch_curve.yData is None or len(loss.batch_curve.yData) == 0
    assert loss.hint.shown
    assert panel.view("Learning rate").epoch_curve.yData is None
    assert panel.view("Gradients").curves == {}
    assert panel.view("Weights").histograms == {}
    assert all(h.edges.size == 0 for h in panel.view("Activations").histograms.values())
    assert panel.view("Decision boundary").image.image is None
    assert panel.view("Results").results is None or panel.view("Results").results.n > 0
    assert len(panel.record.batch_x) == 0 and panel.record.layers == {}


def test_project_replaced_clears_the_curves(qtbot, spirals):
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    document = ProjectDocument(project)
    document.workspace.reload_data()
    panel = make_panel(qtbot, document)
    feed(panel, spirals)
    document.replace_project(load_project(REPO / "samples" / "regression.nnsproj"))
    loss = panel.show_tab("Loss & metric")
    assert not panel.record.has_epochs
    assert loss.train_curve.yData is None or len(loss.train_curve.yData) == 0


# --- laziness, export, hover, speed ---------------------------------------------------------


def test_hidden_tabs_update_only_when_shown(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    panel.show_tab("Loss & metric")
    feed(panel, spirals)
    gradients = panel.view("Gradients")
    assert gradients.dirty and gradients.curves == {}  # not drawn while hidden
    panel.tabs.setCurrentWidget(gradients)
    assert not gradients.dirty and len(gradients.curves) == 3


def test_export_png_and_csv_hold_the_plotted_numbers(qtbot, spirals, tmp_path):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    loss = panel.show_tab("Loss & metric")
    png = loss.export_png(tmp_path / "loss.png")
    image = QImage(str(png))
    assert png.stat().st_size > 0 and not image.isNull() and image.width() > 0
    written = loss.export_csv(tmp_path / "loss.csv")
    assert [p.name for p in written] == ["loss.csv", "loss-batches.csv"]
    with written[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    np.testing.assert_array_equal([float(r["epoch"]) for r in rows], loss.train_curve.xData)
    np.testing.assert_allclose([float(r["train_loss"]) for r in rows], loss.train_curve.yData)
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], loss.val_curve.yData)
    with written[1].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch_position", "batch_loss", "smoothed_beta_0.90"]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], loss.batch_curve.yData)
    np.testing.assert_allclose([float(r[2]) for r in rows[1:]], loss.ema_curve.yData)
    # Every other tab exports too.
    for view in panel.views:
        assert view.export_png(tmp_path / f"{view.file_stem}.png").stat().st_size > 0
        assert view.export_csv(tmp_path / f"{view.file_stem}.csv")


def test_menu_and_corner_buttons_export_the_current_tab(qtbot, spirals, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    panel.show_tab("Gradients")
    target = tmp_path / "picked"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target) + a[2][-4:], "")
    )
    actions = {a.text(): a for a in panel.current_view().menu_actions()}
    assert set(actions) == {"Save as PNG…", "Save data as CSV…", "Reset zoom"}
    actions["Save as PNG…"].trigger()
    assert (tmp_path / "picked.png").stat().st_size > 0
    panel._export_csv()  # the CSV button in the tab bar's corner
    rows = (tmp_path / "picked.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "layer,node_id,epoch_position,grad_norm"
    assert len(rows) - 1 == 3 * len(spirals.of(LayerStats))


def test_results_csv_is_the_confusion_matrix(qtbot, spirals, tmp_path):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    view = panel.show_tab("Results")
    written = view.export_csv(tmp_path / "results.csv")
    with written[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    matrix = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_array_equal(matrix, view.results.matrix)


def test_csv_writes_nan_as_empty_cells(tmp_path):
    (path,) = write_tables(tmp_path / "t", [Table("t", ("a", "b"), ([1.5, math.nan], [1, 2]))])
    assert path.read_text(encoding="utf-8").splitlines() == ["a,b", "1.5,1", ",2"]


def test_hover_reads_out_the_nearest_point(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    feed(panel, spirals)
    loss = panel.show_tab("Loss & metric")
    loss.per_batch.setChecked(False)
    QApplication.processEvents()
    x, y = loss.val_curve.xData[1], loss.val_curve.yData[1]
    scene = loss.plot.vb.mapViewToScene(QPointF(x, y))
    loss._on_mouse_moved(scene)
    assert loss.readout.text() == f"validation loss: epoch 2 → {y:.4g}"
    # Histograms read out the bin under the mouse.
    view = panel.show_tab("Activations")
    hist = next(iter(view.histograms.values()))
    scene = hist.plot.vb.mapViewToScene(QPointF(0.99, 1.0))
    view._on_mouse_moved(scene)
    assert view.readout.text().startswith(f"{hist.name}: f′ in [")
    # The boundary reads out probabilities.
    view = panel.show_tab("Decision boundary")
    QApplication.processEvents()
    grid = view.frame.grid
    center = QPointF((grid.x_min + grid.x_max) / 2, (grid.y_min + grid.y_max) / 2)
    scene = view.plot.vb.mapViewToScene(center)
    view._on_mouse_moved(scene)
    assert "p(0)" in view.readout.text() and "→ class" in view.readout.text()


def synthetic_events(n_batches: int = 2000, n_epochs: int = 10, n_layers: int = 5) -> list:
    steps = n_batches // n_epochs
    rng = np.random.default_rng(0)
    hist = Histogram(rng.integers(0, 50, 30), np.linspace(-1, 1, 31))
    deriv = Histogram(rng.integers(0, 50, 30), np.linspace(0, 0.25, 31))
    ids = [f"n{i}" for i in range(n_layers)]
    events: list = []
    step = 0
    for epoch in range(1, n_epochs + 1):
        for batch in range(1, steps + 1):
            step += 1
            events.append(BatchReport(epoch, batch, step, float(rng.random()), 0.01, 32))
            if step % 100 == 0:
                events.append(
                    LayerStats(
                        epoch,
                        step,
                        dict.fromkeys(ids, 0.1),
                        dict.fromkeys(ids, hist),
                        dict.fromkeys(ids, hist),
                        dict.fromkeys(ids, (0.0, 1.0, -1, 1)),
                        dict.fromkeys(ids, deriv),
                        dict.fromkeys(ids, 0.1),
                        dict.fromkeys(ids, 0.0),
                    )
                )
        events.append(EpochReport(epoch, 0.5, 0.6, {"train_accuracy": 0.8}, 0.01, 1.0, 1000.0))
    return events


def test_consume_of_thousands_of_batches_is_one_cheap_call(qtbot, spirals, capsys):
    panel = make_panel(qtbot, spirals.document)
    events = synthetic_events()
    for title in ("Loss & metric", "Gradients", "Weights"):
        panel.run_started(spirals.plan)
        panel.show_tab(title)
        panel.consume(events[:120])  # the first drawing builds the plots: not measured
        start = time.perf_counter()
        panel.consume(events)
        ms = (time.perf_counter() - start) * 1000
        with capsys.disabled():
            print(
                f"\nconsume(2000 batches + 10 epochs + stats of 5 layers), {title} shown: "
                f"{ms:.1f} ms"
            )
    n = sum(isinstance(e, BatchReport) for e in events[:120]) + 2000
    assert len(panel.record.batch_loss) == n
    loss = panel.show_tab("Loss & metric")  # drawn lazily, now that it is shown
    assert len(loss.batch_curve.yData) == n


def test_finishing_a_run_ending_event_alone_is_safe(qtbot, spirals):
    panel = make_panel(qtbot, spirals.document)
    panel.run_started(spirals.plan)
    panel.consume([RunEnded("stopped", "Stopped by request.", 0)])
    assert panel.record.ended.reason == "stopped"


# --- screenshots ----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", ["spirals", "regression"])
def test_screenshots_of_every_tab(qtbot, sample, spirals, regression):
    run = spirals if sample == "spirals" else regression
    panel = make_panel(qtbot, run.document)
    feed(panel, run)
    for height in (300, 600):
        panel.resize(1280, height)
        for view in panel.views:
            panel.show_tab(view.title)
            name = view.file_stem
            path = shot(panel, f"{sample}-{name}-{height}")
            assert QImage(str(path)).height() == height

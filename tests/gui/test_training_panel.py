"""TrainingPanel: one undoable command per edit, merged spin-box drags, model-following views."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QApplication

from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.schedules import planned_lrs
from nnstudio.core.project import load_project
from nnstudio.core.training.training_settings import steps_per_epoch
from nnstudio.gui.commands import SetTrainingSettingsCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.training_panel import TrainingPanel, usual_lr_text
from tests.gui.helpers import show_styled

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SHOTS = Path("/tmp/nnstudio-screens")


def _document(name: str | None = None) -> ProjectDocument:
    doc = ProjectDocument(load_project(SAMPLES / f"{name}.nnsproj") if name else None)
    doc.workspace.reload_data()
    doc.revalidate()
    return doc


def _panel(qtbot, doc: ProjectDocument) -> TrainingPanel:
    panel = TrainingPanel(doc)
    qtbot.addWidget(panel)
    return panel


def _choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


@pytest.fixture
def mobile(qtbot) -> tuple[TrainingPanel, ProjectDocument]:
    doc = _document("mobile_price")
    return _panel(qtbot, doc), doc


def test_shows_the_project_settings(mobile):
    panel, doc = mobile
    s = doc.project.training
    assert panel.loss_combo.currentData() == "cross_entropy"
    assert panel.optimizer_combo.currentData() == "adam"
    assert panel.lr_editor.value() == pytest.approx(1e-4)
    assert panel.lr_hint.text() == "usual for Adam: 1e-4 – 0.001"
    assert panel.epochs_editor.value() == s.epochs == 50
    assert panel.batch_mode_combo.currentData() == "mini"
    assert panel.batch_size_spin.value() == 8 and panel.batch_size_spin.isEnabled()
    assert panel.batch_hint.text().startswith("200 iterations per epoch")
    assert panel.banner.isHidden()
    assert doc.undo_stack.count() == 0


def test_choosing_sgd_shows_only_its_parameters(mobile):
    panel, doc = mobile
    _choose(panel.optimizer_combo, "sgd")
    assert doc.project.training.optimizer["name"] == "sgd"
    assert doc.project.training.lr == pytest.approx(0.01)  # SGD's own usual start
    assert list(panel.optimizer_form.editors()) == [
        "momentum",
        "dampening",
        "nesterov",
        "weight_decay",
    ]
    assert panel.lr_hint.text() == "usual for SGD: 0.01 – 0.1"
    assert panel.lr_editor.value() == pytest.approx(0.01)
    panel.optimizer_form.editor("momentum").spin.setValue(0.9)
    assert doc.project.training.optimizer["momentum"] == pytest.approx(0.9)
    panel.optimizer_form.editor("nesterov").check.setChecked(True)
    assert doc.project.training.optimizer["nesterov"] is True
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert panel.optimizer_form.editor("momentum").value() == 0.0
    doc.undo_stack.undo()
    assert panel.optimizer_combo.currentData() == "adam"
    assert "beta1" in panel.optimizer_form.editors()


def test_learning_rate_edits_merge_into_one_undo_step(mobile):
    panel, doc = mobile
    spin = panel.lr_editor.spin
    spin.setValue(0.0005)
    spin.setValue(0.002)
    spin.stepBy(1)  # the 1-2-5 ladder: 0.002 → 0.005
    assert doc.project.training.optimizer["lr"] == pytest.approx(0.005)
    assert doc.undo_stack.count() == 1
    assert "yours is higher" in panel.lr_hint.text()
    doc.undo_stack.undo()
    assert doc.project.training.lr == pytest.approx(1e-4)
    assert spin.value() == pytest.approx(1e-4)
    assert "yours is" not in panel.lr_hint.text()
    doc.undo_stack.redo()
    assert spin.value() == pytest.approx(0.005)


def test_weight_decay_and_l1(mobile):
    panel, doc = mobile
    panel.optimizer_form.editor("weight_decay").spin.setValue(0.01)
    assert doc.project.training.optimizer["weight_decay"] == pytest.approx(0.01)
    panel.l1_editor.spin.setValue(0.001)
    assert doc.project.training.l1 == pytest.approx(0.001)
    assert doc.undo_stack.count() == 2


def test_step_schedule_preview_equals_planned_lrs(qtbot, mobile):
    panel, doc = mobile
    _choose(panel.schedule_combo, "step")
    s = doc.project.training
    assert s.schedule == {"name": "step", "step_size": 50, "gamma": 0.5}
    assert set(panel.schedule_form.editors()) == {"step_size", "gamma"}
    steps = steps_per_epoch(doc.workspace.prepared.n_train, s.batch_size)
    expected = planned_lrs(s.schedule, s.lr, s.epochs, steps)
    x, y = panel.schedule_curve.getData()
    assert np.array_equal(y, expected["epoch"])
    assert np.array_equal(x, np.arange(1, s.epochs + 1))
    # The plan follows the parameters and the epochs.
    panel.schedule_form.editor("step_size").spin.setValue(10)
    panel.epochs_editor.spin.setValue(40)
    s = doc.project.training
    _, y = panel.schedule_curve.getData()
    assert np.array_equal(y, planned_lrs(s.schedule, s.lr, 40, steps)["epoch"])
    assert y[10] == pytest.approx(s.lr * 0.5)


def test_per_batch_schedule_plots_every_batch(qtbot, mobile):
    panel, doc = mobile
    _choose(panel.schedule_combo, "onecycle")
    s = doc.project.training
    steps = panel.steps_per_epoch()
    assert steps == 200
    expected = planned_lrs(s.schedule, s.lr, s.epochs, steps)
    _, batch = panel.schedule_batch_curve.getData()
    assert np.array_equal(batch, expected["batch"])
    assert "after every batch" in panel.schedule_caption.text()


def test_batch_modes_map_to_batch_sizes(mobile):
    panel, doc = mobile
    _choose(panel.batch_mode_combo, "single")
    assert doc.project.training.batch_size == 1
    assert not panel.batch_size_spin.isEnabled()
    assert panel.batch_hint.text() == "1,600 iterations per epoch: one row at a time"
    _choose(panel.batch_mode_combo, "full")
    assert doc.project.training.batch_size == 0
    assert panel.batch_hint.text().startswith("1 iteration per epoch")
    _choose(panel.batch_mode_combo, "mini")
    assert doc.project.training.batch_size == 8  # the last mini-batch size comes back
    assert panel.batch_size_spin.isEnabled()
    panel.batch_size_spin.setValue(64)
    panel.batch_size_spin.setValue(100)
    assert doc.project.training.batch_size == 100
    assert panel.batch_hint.text() == "16 iterations per epoch (1,600 training rows ÷ 100)"
    assert doc.undo_stack.count() == 4  # the two size edits merged
    doc.undo_stack.undo()
    assert panel.batch_size_spin.value() == 8


def test_shuffle_seed_epochs_and_device(mobile):
    panel, doc = mobile
    panel.shuffle_editor.check.setChecked(False)
    panel.seed_editor.spin.setValue(3)
    panel.epochs_editor.spin.setValue(120)
    s = doc.project.training
    assert (s.shuffle, s.seed, s.epochs) == (False, 3, 120)
    devices = [panel.device_combo.itemData(i) for i in range(panel.device_combo.count())]
    if torch.cuda.is_available():
        assert devices == ["auto", "cpu", "cuda"]
    else:
        assert devices == ["auto", "cpu"]
    _choose(panel.device_combo, "cpu")
    assert doc.project.training.device == "cpu"


def test_early_stopping_group(mobile):
    panel, doc = mobile
    form = panel.early_form
    assert not form.editor("patience").isEnabled()
    form.editor("enabled").check.setChecked(True)
    assert doc.project.training.early_stopping.enabled
    assert form.editor("patience").isEnabled()
    form.editor("patience").spin.setValue(7)
    form.editor("patience").spin.setValue(9)
    _choose(form.editor("monitor").combo, "val_accuracy")
    early = doc.project.training.early_stopping
    assert (early.patience, early.monitor, early.restore_best) == (9, "val_accuracy", True)
    assert doc.undo_stack.count() == 3
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert not form.editor("patience").isEnabled()
    assert form.editor("patience").value() == 5


def test_compatibility_banner_for_cross_entropy_on_regression(qtbot):
    doc = _document("regression")  # built-in sine, MSE
    panel = _panel(qtbot, doc)
    assert panel.banner.isHidden()
    _choose(panel.loss_combo, "cross_entropy")
    qtbot.waitUntil(lambda: not panel.banner.isHidden(), timeout=2000)
    assert panel.banner.level() == "error"
    assert "Cross-entropy needs class labels" in panel.banner.text()
    assert set(panel.loss_form.editors()) == {"label_smoothing", "weighting", "class_weights"}
    assert panel.loss_form.editor("class_weights").isHidden()  # only for custom weights
    _choose(panel.loss_combo, "mse")
    qtbot.waitUntil(lambda: panel.banner.isHidden(), timeout=2000)
    assert doc.workspace.blocking_reason() is None


def test_banner_says_why_train_is_blocked(qtbot):
    doc = _document()
    panel = _panel(qtbot, doc)
    assert panel.banner.level() == "info"
    assert "Load a dataset first" in panel.banner.text()
    assert "Load data" in panel.batch_hint.text()


def test_refused_edits_while_training_restore_widgets(qtbot, mobile):
    panel, doc = mobile
    doc.set_locked("Training…")
    with qtbot.waitSignal(doc.message):
        panel.lr_editor.spin.setValue(0.01)
    assert doc.project.training.lr == pytest.approx(1e-4)
    assert panel.lr_editor.spin.value() == pytest.approx(1e-4)
    _choose(panel.optimizer_combo, "sgd")
    assert panel.optimizer_combo.currentData() == "adam"
    assert "beta1" in panel.optimizer_form.editors()
    _choose(panel.batch_mode_combo, "full")
    assert panel.batch_mode_combo.currentData() == "mini"
    assert panel.batch_size_spin.isEnabled()
    panel.early_form.editor("enabled").check.setChecked(True)
    assert not panel.early_form.editor("enabled").check.isChecked()
    assert doc.undo_stack.count() == 0
    doc.set_locked(None)
    _choose(panel.optimizer_combo, "sgd")
    assert doc.project.training.optimizer["name"] == "sgd"


def test_follows_commands_and_project_replacement(qtbot, mobile):
    panel, doc = mobile
    new = doc.project.training.replace(
        optimizer={"name": "rmsprop", "lr": 0.01, "alpha": 0.9}, epochs=7, batch_size=0
    )
    doc.push(SetTrainingSettingsCommand(doc, new))
    assert panel.optimizer_combo.currentData() == "rmsprop"
    assert panel.optimizer_form.editor("alpha").value() == pytest.approx(0.9)
    assert panel.epochs_editor.value() == 7
    assert panel.batch_mode_combo.currentData() == "full"
    assert doc.undo_stack.count() == 1
    doc.replace_project(load_project(SAMPLES / "spirals.nnsproj"))
    assert panel.optimizer_combo.currentData() == "adam"
    assert panel.lr_editor.value() == pytest.approx(0.005)
    assert panel.epochs_editor.value() == 200
    assert panel.batch_hint.text() == "15 iterations per epoch (480 training rows ÷ 32)"


def test_usual_lr_text():
    assert usual_lr_text(OPTIMIZERS.get("lion")) == "usual for Lion: 1e-5 – 1e-4"


def test_tooltips_come_from_the_specs(mobile):
    panel, _ = mobile
    assert "Learning rate" in panel.lr_label.toolTip()
    index = panel.optimizer_combo.findData("sgd")
    from PySide6.QtCore import Qt

    assert "momentum" in panel.optimizer_combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert "Weight decay" in panel.optimizer_form.editor("weight_decay").toolTip()


def test_screenshot_step_schedule(qtbot):
    """The lesson's set-up: SGD lr 0.1, momentum 0.9, 200 epochs, StepLR(50, 0.5)."""
    doc = _document("mobile_price")
    panel = _panel(qtbot, doc)
    _choose(panel.optimizer_combo, "sgd")
    panel.lr_editor.spin.setValue(0.1)
    panel.optimizer_form.editor("momentum").spin.setValue(0.9)
    panel.epochs_editor.spin.setValue(200)
    _choose(panel.schedule_combo, "step")
    _, y = panel.schedule_curve.getData()
    assert y[0] == pytest.approx(0.1) and y[50] == pytest.approx(0.05)
    assert y[199] == pytest.approx(0.0125)

    SHOTS.mkdir(parents=True, exist_ok=True)
    show_styled(panel)
    # Scroll so the schedule and its plot are in view.
    panel.scroll_area.ensureWidgetVisible(panel.schedule_plot, 0, 8)
    QApplication.processEvents()
    assert panel.grab().save(str(SHOTS / "training_panel_step.png"))
    assert (
        panel.scroll_area.widget()
        .grab()
        .save(str(SHOTS / "training_panel_step_scrolled_content.png"))
    )

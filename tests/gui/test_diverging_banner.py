"""A diverging run is announced above the plots while it runs, and can be stopped with its
best weights (issue 13, class 8, the window's half)."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.project import load_project
from nnstudio.core.training import BatchReport, ReportPolicy, TrainingControl, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.safety import Diverging
from nnstudio.gui.commands import SetTrainingSettingsCommand
from nnstudio.gui.plots.diverging_banner import DivergingBanner
from nnstudio.i18n import tr
from tests.conftest import REPO

SAMPLES = REPO / "samples"
#: Milliseconds any wait on the training process may take (it starts by importing torch, on a
#: machine that may be busy); a healthy run needs a small part of this.
TRAINING = 120_000
#: More epochs than the run can reach before the stop arrives: it ends by the button.
EPOCHS = 200_000


def diverging_settings(training):
    """SGD at learning rate 10 on iris: the loss climbs from 3e6 to 3e23 within 4 epochs."""
    sgd = OPTIMIZERS.normalize("sgd")
    sgd["lr"] = 10.0
    return training.replace(optimizer=sgd, epochs=EPOCHS)


@pytest.fixture
def window(open_window):
    win = open_window(size=(1280, 800))
    win.start(SAMPLES / "iris.nnsproj")
    # One torch thread in the training process, as in the run that checks its weights here.
    win.settings.set_training_threads(1)
    doc = win.document
    doc.push(SetTrainingSettingsCommand(doc, diverging_settings(doc.project.training)))
    return win


def the_same_run_ended_at(epoch: int) -> dict[str, torch.Tensor]:
    """The weights the same seeded run has after ``epoch`` epochs, trained here."""
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = diverging_settings(project.training).replace(epochs=epoch)
    plan = plan_run(project)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(plan.job, policy=ReportPolicy(batches=False))
    finally:
        torch.set_num_threads(threads)
    return plan.job.model.state_dict()


def test_a_diverging_run_is_announced_and_its_button_keeps_the_best_epochs_weights(window, qtbot):
    controller = window.controller
    banner = window.workbench.plots.diverging_banner
    assert banner.isHidden()
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: banner.found is not None, timeout=TRAINING)
    found = banner.found
    assert not banner.isHidden() and banner.level() == "warning"
    assert controller.running
    text = banner.text()
    assert "The training loss is rising" in text
    assert f"at epoch {found.epoch}" in text and f"at epoch {found.best_epoch}" in text
    assert banner.stop_button.isVisible() and banner.stop_button.toolTip()
    assert banner.dismiss_button.isVisible() and banner.dismiss_button.toolTip()

    qtbot.mouseClick(banner.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not controller.running, timeout=TRAINING)
    result = controller.last_result
    assert result is not None and result.reason == "stopped"
    assert result.restored_best and result.best_epoch is not None
    assert result.epochs_run < EPOCHS
    kept = f"the weights of epoch {result.best_epoch}"
    # The banner now says how the run ended, and which epoch's weights it kept.
    assert kept in tr(result.message) and kept in banner.text()
    assert banner.level() == "info" and not banner.stop_button.isVisible()
    # The run's model holds exactly the weights the same run had at the end of that epoch,
    # and the project keeps them.
    weights = controller.plan.job.model.state_dict()
    expected = the_same_run_ended_at(result.best_epoch)
    assert set(weights) == set(expected)
    for key, value in expected.items():
        assert torch.equal(weights[key], value), key
    stored = window.document.project.weights
    for key, value in stored.items():
        assert torch.equal(value, weights[f"layers.{key}"]), key


def test_dismissing_the_warning_lets_the_run_go_on(qtbot):
    banner = DivergingBanner()
    qtbot.addWidget(banner)
    banner.show()
    stops: list[bool] = []
    banner.stop_requested.connect(lambda: stops.append(True))
    banner.show_diverging(Diverging(4, 3.2e23, 2.9e6, 1, "rise"))
    assert banner.isVisible() and "3.2e+23 at epoch 4" in banner.text()
    qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden() and stops == []
    banner.run_ended("Finished 10 epochs.")  # nothing to say: the user dismissed it
    assert banner.isHidden()


def test_the_stop_button_asks_once(qtbot):
    banner = DivergingBanner()
    qtbot.addWidget(banner)
    banner.show()
    stops: list[bool] = []
    banner.stop_requested.connect(lambda: stops.append(True))
    banner.show_diverging(Diverging(4, 3.2e23, 2.9e6, 1, "rise"))
    qtbot.mouseClick(banner.stop_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(banner.stop_button, Qt.MouseButton.LeftButton)
    assert stops == [True] and not banner.stop_button.isEnabled()


def test_a_stop_in_the_middle_of_an_epoch_keeps_a_whole_epochs_weights():
    """The banner's stop lands wherever the run is: the loss of an epoch cut short covers only
    its first batches (here 0.46 after 4 of 8, against 0.59 for the whole epoch 14), so it
    must not pass for the best epoch, whose weights the stop keeps."""
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = diverging_settings(project.training).replace(epochs=30)
    plan = plan_run(project)
    control = TrainingControl()

    def on_event(event: object) -> None:
        if isinstance(event, BatchReport) and (event.epoch, event.batch) == (14, 4):
            control.stop(keep_best=True)

    result = train(plan.job, on_event, control, policy=ReportPolicy(batches=True))
    assert result.reason == "stopped" and result.epochs_run == 14
    assert result.restored_best and result.best_epoch is not None and result.best_epoch < 14
    assert f"the weights of epoch {result.best_epoch}" in result.message
    expected = the_same_run_ended_at(result.best_epoch)
    for key, value in plan.job.model.state_dict().items():
        assert torch.equal(value, expected[key]), key

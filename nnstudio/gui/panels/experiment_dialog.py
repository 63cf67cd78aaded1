""" "Train again, changing only X": the dialog of a controlled experiment.

The user picks one setting and its values; the core
(:mod:`nnstudio.core.experiments.controlled`) plans one run per value from the same initial
weights and seed. The runs train one after the other in a worker thread (the window stays
responsive, Stop ends the current run within a batch), and each finished run is recorded in
the project in the GUI thread, so the runs table fills as they finish.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments.controlled import (
    EXPERIMENT_POLICY,
    SETTINGS,
    Experiment,
    build_experiment,
    parse_values,
    record_variant,
)
from nnstudio.core.training import TrainingControl, train
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.workers import release_worker
from nnstudio.i18n import _, tr

__all__ = ["ExperimentDialog", "suggested_values"]

log = logging.getLogger(__name__)


def suggested_values(setting: str, project: Any) -> str:
    """Values to start from: around the current learning rate or batch size, usual names."""
    training = project.training
    if setting == "lr":
        lr = training.lr
        return ", ".join(f"{v:g}" for v in (lr * 10, lr, lr / 10))
    if setting == "batch_size":
        b = training.batch_size or 32
        return ", ".join(str(v) for v in (max(1, b // 2), b, b * 2))
    return {
        "optimizer": "sgd, adam, rmsprop",
        "schedule": "constant, cosine",
        "weight_init": "xavier_uniform, kaiming_uniform",
        "activation": "relu, tanh, sigmoid",
        "dropout": "0, 0.2, 0.5",
    }[setting]


class _Worker(QObject):
    """Trains the experiment's plans one after the other in its thread."""

    finished = Signal(int, object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, experiment: Experiment, control: TrainingControl) -> None:
        super().__init__()
        self.experiment = experiment
        self.control = control

    @Slot()
    def run(self) -> None:
        try:
            for index, plan in enumerate(self.experiment.plans):
                result = train(plan.job, None, self.control, EXPERIMENT_POLICY)
                self.finished.emit(index, result)
                if result.reason == "stopped":
                    break
        except NNStudioError as exc:
            self.failed.emit(tr(str(exc)))
        except Exception as exc:  # a bug: say so rather than lose the thread silently
            log.error("experiment crashed:\n%s", traceback.format_exc())
            self.failed.emit(_("internal error: {error!r}").format(error=exc))
        self.done.emit()


class ExperimentDialog(QDialog):
    """Pick a setting and its values, then train one run per value."""

    #: Every run of the experiment finished (or it was stopped or failed).
    experiment_done = Signal()

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Train again, changing only…"))
        self.document = document
        self.experiment: Experiment | None = None
        self.control: TrainingControl | None = None
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._failed = False
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Every run starts from the same initial weights and seed; only the chosen "
                "setting changes, so the comparison is fair."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.setting = QComboBox()
        for key, (title, _family) in SETTINGS.items():
            self.setting.addItem(_(title), key)
        self.values = QLineEdit()
        self.values.setToolTip(_("Values separated by commas."))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100_000)
        self.epochs.setValue(document.project.training.epochs)
        form.addRow(_("Setting:"), self.setting)
        form.addRow(_("Values:"), self.values)
        form.addRow(_("Epochs:"), self.epochs)
        layout.addLayout(form)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.run_button = QPushButton(_("Run"))
        self.run_button.setDefault(True)
        self.stop_button = QPushButton(_("Stop"))
        self.stop_button.setEnabled(False)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.ActionRole)
        close.clicked.connect(self.close)
        self.run_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        layout.addWidget(buttons)
        self.setting.currentIndexChanged.connect(self._setting_changed)
        self._setting_changed()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _setting_changed(self) -> None:
        key = self.setting.currentData()
        self.values.setText(suggested_values(key, self.document.project))

    def start(self) -> bool:
        """Plan and start the runs; False (with the reason shown) when they cannot start."""
        if self.running:
            return False
        workspace = self.document.workspace
        reason = workspace.blocking_reason()
        if reason:
            self.status.setText(tr(reason))
            return False
        key = self.setting.currentData()
        try:
            values = parse_values(key, self.values.text())
            loaded = (workspace.table, workspace.prepared)
            self.experiment = build_experiment(
                self.document.project, key, values, loaded, epochs=self.epochs.value()
            )
        except NNStudioError as exc:
            self.status.setText(tr(str(exc)))
            return False
        self.control = TrainingControl()
        self._thread = QThread(self)
        self._thread.setObjectName("nnstudio-experiment")
        self._worker = _Worker(self.experiment, self.control)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.done.connect(self._on_done)
        self._failed = False
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.setText(_("Training run 1 of {n}…").format(n=len(values)))
        self._thread.start()
        return True

    def stop(self) -> None:
        if self.control is not None:
            self.control.stop()

    @Slot(int, object)
    def _on_finished(self, index: int, result: Any) -> None:
        experiment = self.experiment
        assert experiment is not None
        record_variant(
            self.document.project,
            experiment.projects[index],
            experiment.plans[index],
            result,
            experiment,
        )
        self.document.workspace.announce_runs()
        self.document.mark_dirty()
        n = len(experiment.plans)
        if index + 1 < n:
            self.status.setText(_("Training run {i} of {n}…").format(i=index + 2, n=n))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._failed = True
        self.status.setText(message)

    @Slot()
    def _on_done(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
            self._thread.deleteLater()
        if self._worker is not None:
            release_worker(self._worker)
            self._worker.done.disconnect()
        self._thread, self._worker, self.control = None, None, None
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if not self._failed:
            self.status.setText(_("Done: the runs are in the Runs panel."))
        self.experiment_done.emit()

    def closeEvent(self, event) -> None:
        if self._thread is not None:
            self.stop()
            self._thread.quit()
            self._thread.wait(10_000)
        super().closeEvent(event)

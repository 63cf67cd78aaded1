"""Train → Evaluate… (the core's figures, laid out) and Train → TensorBoard logs from the app."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nnstudio.core.experiments.evaluation import evaluate_project
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.evaluation_dialog import EvaluationDialog
from tests.conftest import REPO
from tests.gui.helpers import shot, shown

SAMPLES = REPO / "samples"
#: Milliseconds a training run from the app may take on a very busy machine.
TRAINING = 120_000


def _trained(name: str, epochs: int):
    project = load_project(SAMPLES / name)
    project.training = project.training.replace(epochs=epochs)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    return project


def _dialog(qtbot, project) -> EvaluationDialog:
    document = ProjectDocument(project)
    dialog = shown(qtbot, EvaluationDialog(document), (900, 640))
    dialog._test_document = document
    return dialog


def test_the_class_table_shows_the_cores_figures_and_one_roc_curve_per_class(qtbot, tmp_path):
    project = _trained("iris.nnsproj", 8)
    dialog = _dialog(qtbot, project)
    core = evaluate_project(project, importance=False).splits[0]
    assert dialog.split_combo.count() >= 1
    table = dialog.class_table
    assert table.rowCount() == len(core.classes) + 2  # and the macro and weighted averages
    for row, c in enumerate(core.classes):
        assert table.item(row, 0).text() == c.name
        assert table.item(row, 1).text() == f"{c.precision:.3f}"
        assert table.item(row, 2).text() == f"{c.recall:.3f}"
        assert table.item(row, 3).text() == f"{c.f1:.3f}"
        assert table.item(row, 4).text() == str(c.support)
    assert table.item(len(core.classes), 3).text() == f"{core.macro.f1:.3f}"
    assert len(dialog.roc_items) == len(core.class_names) == 3
    assert len(dialog.pr_items) == 3
    legend = [item.name() for item in dialog.roc_items]
    assert legend == [f"{c.name} (AUC {c.area:.3f})" for c in core.roc]
    assert dialog.wrong_table.rowCount() == len(core.misclassified)
    dialog.tabs.setCurrentIndex(1)
    shot(dialog, "evaluation_roc")

    if core.misclassified:
        written = dialog.export_misclassified(str(tmp_path / "wrong.csv"))
        with Path(written).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert [int(r["row"]) for r in rows] == [m.row for m in core.misclassified]


def test_a_regression_shows_its_errors(qtbot):
    project = _trained("regression.nnsproj", 5)
    dialog = _dialog(qtbot, project)
    core = evaluate_project(project, importance=False).splits[0]
    target = core.targets[0]
    assert f"MAE {target.mae:.3f}" in dialog.summary.text()
    assert f"RMSE {target.rmse:.3f}" in dialog.summary.text()
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == ["Residuals", "Error histogram"]


def test_an_untrained_project_says_to_train_first(qtbot):
    dialog = _dialog(qtbot, load_project(SAMPLES / "iris.nnsproj"))
    assert "train the project first" in dialog.summary.text()
    assert dialog.tabs.count() == 0


@pytest.mark.timeout(300)
def test_a_run_from_the_app_also_writes_tensorboard_events(open_window, qtbot, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from nnstudio.gui.commands import SetTrainingSettingsCommand

    window = open_window()
    window.start(SAMPLES / "iris.nnsproj")
    logs = tmp_path / "tb"
    window.settings.set_tensorboard_dir(str(logs))
    doc = window.document
    doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(epochs=3)))
    results = []
    window.controller.run_finished.connect(results.append)
    window.actions_by_name["train"].trigger()
    qtbot.waitUntil(lambda: bool(results), timeout=TRAINING)
    runs = [p for p in logs.iterdir() if p.is_dir()]
    assert len(runs) == 1 and runs[0].name.startswith("iris-")
    events = EventAccumulator(str(runs[0]), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"loss/train", "loss/val", "lr", "metrics/val_accuracy"} <= scalars
    assert [e.step for e in events.Scalars("loss/train")] == [1, 2, 3]
    histograms = set(events.Tags()["histograms"])
    assert any(tag.startswith("weights/") for tag in histograms)
    assert any(tag.startswith("gradients/") for tag in histograms)


def test_the_tensorboard_choice_is_remembered(open_window, tmp_path):
    window = open_window()
    assert not window.actions_by_name["tensorboard"].isChecked()
    window.settings.set_tensorboard_dir(str(tmp_path))
    assert window.settings.tensorboard_dir() == str(tmp_path)
    window.settings.set_tensorboard_dir(None)
    assert window.settings.tensorboard_dir() is None
    assert window.settings.last_tensorboard_dir() == str(tmp_path)

"""The course's lessons: every bundled file opens and holds the lesson's own numbers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import torch

from nnstudio.core.lessons.catalogue import LESSONS, find_lesson, lesson
from nnstudio.core.lessons.summary import model_summary
from nnstudio.core.project import load_project
from nnstudio.core.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def open_lesson(key: str):
    return load_project(SAMPLES / lesson(key).project)


def dense_layers(project) -> list:
    return [n for n in project.graph.nodes.values() if n.type == "Dense"]


def test_the_course_is_in_the_order_of_the_lessons() -> None:
    keys = [item.key for item in LESSONS]
    assert keys[:11] == [
        "network",
        "activations",
        "initialization",
        "losses",
        "backprop",
        "optimizers",
        "ewa",
        "schedules",
        "dropout_bn",
        "perceptron",
        "xor",
    ]
    assert keys.index("phone_untuned") < keys.index("phone_tuned")
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("item", LESSONS, ids=lambda item: item.key)
def test_every_lessons_file_exists_and_opens_without_errors(item) -> None:
    path = SAMPLES / item.project
    assert path.is_file(), path
    project = load_project(path)
    workspace = Workspace(project)
    assert workspace.data_error is None
    assert workspace.analysis.ok, [p.message for p in workspace.analysis.errors]
    assert item.title and item.task


def test_every_lesson_names_the_views_the_course_asks_for() -> None:
    views = {item.key: item.views for item in LESSONS}
    assert views["network"] == ("summary",)
    assert views["backprop"] == ("backprop",)
    assert views["optimizers"] == ("optimizer_steps", "trajectories")
    assert views["perceptron"] == views["xor"] == ("perceptron",)
    assert "preprocessing" in views["phone_untuned"] and "preprocessing" in views["phone_tuned"]
    assert lesson("phone_tuned").panels == ("plots",)


def test_the_generated_lesson_files_name_their_lesson_and_task() -> None:
    for item in LESSONS:
        if not item.project.startswith("lessons/"):
            continue
        project = open_lesson(item.key)
        assert project.classroom.lesson == item.key
        assert project.classroom.task == item.task
        assert not project.classroom.locked and not project.classroom.hidden


def test_the_network_lesson_counts_12_8_6_parameters_26_in_total() -> None:
    project = open_lesson("network")
    workspace = Workspace(project)
    summary = model_summary(project.graph, workspace.analysis)
    dense = [row for row in summary.rows if row.layer_type == "Dense"]
    assert [row.units for row in dense] == [3, 2, 2]
    assert [row.total for row in dense] == [12, 8, 6]
    assert [(row.weights, row.biases) for row in dense] == [(9, 3), (6, 2), (4, 2)]
    assert summary.total == 26 == summary.trainable and summary.frozen == 0
    assert workspace.prepared.n_features == 3
    inits = [n.params["weight_init"]["name"] for n in dense_layers(project)]
    assert inits[:2] == ["xavier_normal", "kaiming_normal"]
    acts = [n.params["activation"]["name"] for n in dense_layers(project)]
    assert acts == ["sigmoid", "relu", "softmax"]


def test_the_summary_counts_what_a_torch_module_holds() -> None:
    from nnstudio.core.training.plan import plan_run

    project = open_lesson("dropout_bn")
    workspace = Workspace(project)
    summary = model_summary(project.graph, workspace.analysis)
    model = plan_run(project).job.model
    assert summary.total == sum(p.numel() for p in model.parameters())


def test_the_losses_bundle_holds_the_worked_l1_and_mse_example() -> None:
    project = open_lesson("losses")
    assert project.training.loss["name"] == "l1"
    with open(SAMPLES / "lessons" / "losses.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pred = torch.tensor([float(r["prediction"]) for r in rows])
    true = torch.tensor([float(r["target"]) for r in rows])
    assert pred.tolist() == pytest.approx([1.0, 1.0, 1.9]) and true.tolist() == [2.0, 2.0, 2.0]
    # The one neuron starts as w = 1, b = 0: its output is the prediction column.
    (neuron,) = dense_layers(project)
    assert neuron.params["weight_init"]["values"] == [[1.0]]
    assert neuron.params["bias_init"]["values"] == [[0.0]]
    assert round(torch.nn.functional.l1_loss(pred, true).item(), 2) == 0.70
    assert round(torch.nn.functional.mse_loss(pred, true).item(), 2) == 0.67


def test_the_dropout_bundle_holds_p_0_4_bn_and_l1_and_early_stopping() -> None:
    project = open_lesson("dropout_bn")
    dropouts = [n.params["p"] for n in project.graph.nodes.values() if n.type == "Dropout"]
    norms = [n.params for n in project.graph.nodes.values() if n.type == "BatchNorm1d"]
    assert dropouts and set(dropouts) == {0.4}
    assert len(norms) == 1 and norms[0]["eps"] == 1e-5 and norms[0]["momentum"] == 0.1
    assert project.training.l1 == 0.001
    early = project.training.early_stopping
    assert early.enabled and early.patience == 5 and early.restore_best


def test_the_schedule_bundle_holds_steplr_50_0_5_and_sgd_0_1_momentum_0_9() -> None:
    training = open_lesson("schedules").training
    assert dict(training.schedule) == {"name": "step", "step_size": 50, "gamma": 0.5}
    assert training.optimizer["name"] == "sgd"
    assert training.optimizer["lr"] == 0.1 and training.optimizer["momentum"] == 0.9
    assert training.epochs == 200


def test_the_optimizer_bundles_use_momentum_0_9() -> None:
    for key in ("optimizers", "ewa"):
        optimizer = open_lesson(key).training.optimizer
        assert optimizer["name"] == "sgd" and optimizer["momentum"] == 0.9
    assert open_lesson("optimizers").training.epochs == 5


def _units(project) -> list[int]:
    workspace = Workspace(project)
    order = workspace.analysis.order
    return [workspace.analysis.sizes[nid] for nid in order]


def test_the_untuned_phone_recipe_matches_the_case_study() -> None:
    project = open_lesson("phone_untuned")
    assert _units(project) == [20, 128, 256, 4]
    assert {n.params["activation"]["name"] for n in dense_layers(project)[:-1]} == {"sigmoid"}
    assert project.data.scaling == "none"
    assert project.training.loss["name"] == "cross_entropy"
    assert project.training.optimizer["name"] == "sgd"
    assert project.training.optimizer["lr"] == 1e-3
    assert project.training.optimizer.get("momentum", 0.0) == 0.0
    assert (project.training.batch_size, project.training.epochs) == (8, 50)
    assert project.data.split[:2] == (0.8, 0.2) and project.data.seed == 88
    assert project.data.stratify
    assert "0.5475" in lesson("phone_untuned").task


def test_the_tuned_phone_recipe_matches_the_case_study() -> None:
    project = open_lesson("phone_tuned")
    assert _units(project) == [20, 128, 256, 512, 128, 4]
    assert {n.params["activation"]["name"] for n in dense_layers(project)[:-1]} == {"sigmoid"}
    assert project.data.scaling == "standard"
    assert project.training.optimizer["name"] == "adam"
    assert project.training.optimizer["lr"] == 1e-4
    assert (project.training.batch_size, project.training.epochs) == (8, 50)
    assert project.data.split[:2] == (0.8, 0.2) and project.data.seed == 88
    assert "0.9625" in lesson("phone_tuned").task


def test_the_phone_lessons_read_the_bundled_synthetic_csv_by_a_relative_path() -> None:
    import json
    import zipfile

    for key in ("phone_untuned", "phone_tuned"):
        with zipfile.ZipFile(SAMPLES / lesson(key).project) as archive:
            doc = json.loads(archive.read("project.json"))
        assert doc["data"]["source"]["path"] == "../mobile_price_synthetic.csv"


def test_tasks_quote_the_lessons_numbers() -> None:
    numbers = {
        "network": ["12", "8", "6", "26"],
        "backprop": ["0.298371", "0.082167", "0.358916"],
        "optimizers": ["0.9711", "0.982965", "0.945788", "0.980003"],
        "losses": ["0.70", "0.67", "1.14", "0.6868", "1.1201"],
        "activations": ["0.25", "0.7392"],
        "schedules": ["50", "125", "160", "0.95"],
        "dropout_bn": ["0.4", "1e-5"],
    }
    for key, wanted in numbers.items():
        task = lesson(key).task
        for number in wanted:
            assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", task), (key, number)


def test_an_unknown_lesson_key_is_none_not_an_error() -> None:
    assert find_lesson("no_such_lesson") is None
    with pytest.raises(KeyError):
        lesson("no_such_lesson")

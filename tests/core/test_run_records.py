"""Run records: every run kept in the project, compared with the previous one, restorable."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest
import torch

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project, save_project
from nnstudio.core.project.migrations import CURRENT_VERSION, migrate
from nnstudio.core.training import train
from nnstudio.core.training.plan import load_data, plan_run, store_result
from nnstudio.core.training.runs import (
    DEFAULT_KEEP,
    Change,
    capture_state,
    diff_line,
    human_diff,
    state_of_record,
)
from nnstudio.core.training.training_settings import EarlyStopping
from nnstudio.core.workspace import Workspace
from nnstudio.i18n import set_language, tr

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "samples" / "iris.nnsproj"


@pytest.fixture(scope="module")
def loaded():
    project = load_project(IRIS)
    return load_data(project)


def _train(project, loaded, **changes):
    if changes:
        project.training = project.training.replace(**changes)
    plan = plan_run(project, loaded=loaded)
    result = train(plan.job)
    return store_result(project, plan, result), plan, result


def test_a_run_becomes_a_record_with_settings_curves_metrics_and_weights(loaded):
    project = load_project(IRIS)
    record, plan, result = _train(project, loaded, epochs=4)
    assert project.runs.records == [record] and record.id == 1
    assert record.seed == project.training.seed and record.training == project.training
    assert record.graph == project.graph.to_dict()
    assert record.parameters == sum(p.numel() for p in plan.model.parameters()) > 0
    assert record.history.epoch == [1, 2, 3, 4] and record.history.batch_loss == []
    assert record.final["val_loss"] == pytest.approx(result.history.val_loss[-1])
    assert record.best_epoch == result.best_epoch
    assert record.seconds > 0 and record.samples_per_second > 0 and record.created
    assert record.changes == [] and record.previous is None
    for key, value in record.weights_last.items():
        assert torch.equal(value, project.weights[key])


def test_the_best_epochs_weights_are_kept_when_the_last_epoch_was_not_the_best(loaded):
    project = load_project(IRIS)
    # A learning rate far too large: the validation loss does not fall every epoch.
    record, _plan, _result = _train(
        project,
        loaded,
        epochs=12,
        early_stopping=EarlyStopping(enabled=False, monitor="val_loss"),
        optimizer={"name": "sgd", "lr": 3.0},
    )
    losses = record.history.val_loss
    best = min(range(len(losses)), key=lambda i: losses[i]) + 1
    assert record.best_epoch == best and best != record.history.epoch[-1]
    assert record.best["val_loss"] == pytest.approx(min(losses))
    assert record.weights_best is not None
    assert any(
        not torch.equal(record.weights_best[k], record.weights_last[k]) for k in record.weights_last
    )


def test_the_diff_names_what_changed_since_the_previous_run(loaded):
    project = load_project(IRIS)
    first, _plan, _result = _train(
        project, loaded, epochs=2, optimizer={"name": "adam", "lr": 0.01}
    )
    hidden = next(n for n in project.graph.nodes.values() if n.type == "Dense")
    output = next(iter(project.graph.outputs_of(hidden.id)))
    project.graph.remove_edge(hidden.id, output)
    dropout = project.graph.add_node("Dropout", {"p": 0.2}, name="drop")
    project.graph.add_edge(hidden.id, dropout.id)
    project.graph.add_edge(dropout.id, output)
    second, _plan, _result = _train(project, loaded, optimizer={"name": "adam", "lr": 0.001})
    assert second.previous == first.id
    lines = [
        str(line) for line in human_diff(first.training, second.training, first.graph, second.graph)
    ]
    assert lines[0] == "lr 0.01 → 0.001"
    assert "dropout added" in lines
    assert diff_line(second.changes).startswith("lr 0.01 → 0.001, dropout added")


def test_the_diff_is_shown_in_the_readers_language():
    change = Change("setting", "batch_size", "32", "64")
    assert str(change.text()) == "batch size 32 → 64"
    try:
        set_language("zh_CN")
        shown = tr(change.text())
        assert "32 → 64" in shown and "batch size" not in shown
        assert tr(Change("dropout_added").text()) != "dropout added"
    finally:
        set_language("en")


def test_records_round_trip_through_a_saved_file(loaded, tmp_path):
    project = load_project(IRIS)
    _train(project, loaded, epochs=3)
    _train(project, loaded, epochs=12, optimizer={"name": "sgd", "lr": 3.0})
    project.runs.records[0].name = "baseline"
    project.runs.records[1].starred = True
    path = save_project(project, tmp_path / "runs.nnsproj")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        doc = json.loads(archive.read("project.json"))
    assert doc["format_version"] == CURRENT_VERSION == 4
    assert {
        "runs/1.last.safetensors",
        "runs/2.last.safetensors",
        "runs/2.best.safetensors",
    } <= names
    assert "runs/1.best.safetensors" not in names  # its best epoch was its last
    again = load_project(path)
    assert [r.to_dict() for r in again.runs.records] == [r.to_dict() for r in project.runs.records]
    for before, after in zip(project.runs.records, again.runs.records, strict=True):
        for which in ("last", "best"):
            a, b = before.weights(which), after.weights(which)
            assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert again.runs.next_id == 3


def test_restoring_a_run_brings_back_graph_settings_and_weights_and_can_be_undone(loaded):
    project = load_project(IRIS)
    workspace = Workspace(project)
    _train(project, loaded, epochs=3, optimizer={"name": "adam", "lr": 0.01})
    first = project.runs.records[0]
    hidden = next(n for n in project.graph.nodes.values() if n.type == "Dense")
    project.graph.set_param(hidden.id, "units", 5)
    _train(project, loaded, epochs=2, optimizer={"name": "sgd", "lr": 0.1})
    before = capture_state(project)
    workspace.apply_state(state_of_record(first, "best"))
    assert project.graph.to_dict() == first.graph
    assert project.training == first.training
    assert all(torch.equal(project.weights[k], first.weights("best")[k]) for k in project.weights)
    assert project.epochs_trained == 3 and workspace.analysis.ok
    workspace.trained_model()  # the restored weights fit the restored network
    workspace.apply_state(before)
    assert project.graph.to_dict() == before.graph and project.training == before.training
    assert project.graph.node(hidden.id).params["units"] == 5


def test_the_limit_drops_the_oldest_unstarred_runs(loaded):
    project = load_project(IRIS)
    project.runs.set_keep(2)
    _train(project, loaded, epochs=1)
    project.runs.records[0].starred = True
    for _ in range(3):
        _train(project, loaded, epochs=1)
    assert [r.id for r in project.runs.records] == [1, 3, 4]
    assert project.runs.records[0].starred
    dropped = project.runs.set_keep(1)
    assert [r.id for r in dropped] == [3] and [r.id for r in project.runs.records] == [1, 4]


def test_a_version_3_file_migrates_to_an_empty_run_list(tmp_path):
    with zipfile.ZipFile(IRIS) as archive:
        doc = json.loads(archive.read("project.json"))
    doc["format_version"] = 3
    doc.pop("runs", None)
    migrated = migrate(doc)
    assert migrated["format_version"] == 4 and "runs" not in migrated
    path = tmp_path / "v3.json"
    path.write_text(json.dumps(doc), "utf-8")
    project = load_project(path)
    assert project.runs.records == [] and project.runs.keep == DEFAULT_KEEP
    assert "runs" not in project.to_document()


def test_a_run_member_no_record_names_is_refused(loaded, tmp_path):
    project = load_project(IRIS)
    _train(project, loaded, epochs=1)
    path = save_project(project, tmp_path / "a.nnsproj")
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["runs/9.last.safetensors"] = members["runs/1.last.safetensors"]
    bad = tmp_path / "bad.nnsproj"
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ProjectError, match="no stored run names"):
        load_project(bad)


def test_weights_that_do_not_fit_their_runs_network_are_refused(loaded, tmp_path):
    project = load_project(IRIS)
    _train(project, loaded, epochs=1)
    record = project.runs.records[0]
    record.weights_last = {k: torch.zeros(3) for k in record.weights_last}
    with pytest.raises(ProjectError):
        save_project(copy.copy(project), tmp_path / "x.nnsproj")
    assert not (tmp_path / "x.nnsproj").exists()

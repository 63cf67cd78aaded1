"""The optimiser race: a fair start (same weights, same batches) and the lesson's table."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
import torch

from nnstudio.core.errors import NNStudioError, TrainingError
from nnstudio.core.lessons.race import (
    LESSON_TRIO,
    RACE_COLUMNS,
    RaceEntry,
    RaceResult,
    build_race,
    entry_label,
    epochs_to_target,
    format_cell,
    race_csv,
    race_table,
    run_race,
)
from nnstudio.core.project import load_project
from nnstudio.core.training import EpochReport, History, TrainingSettings, train
from nnstudio.core.training.plan import load_data

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "samples" / "iris.nnsproj"


@pytest.fixture(scope="module")
def iris():
    project = load_project(IRIS)
    return project, load_data(project)


@pytest.fixture(scope="module")
def raced(iris):
    project, loaded = iris
    plans = build_race(project, LESSON_TRIO, loaded, epochs=5)
    initial = [{k: v.clone() for k, v in p.model.state_dict().items()} for p in plans]
    seen: list[tuple[int, object]] = []
    results = run_race(plans, LESSON_TRIO, lambda i, e: seen.append((i, e)))
    return plans, initial, results, seen


def test_entries_normalize_and_label_like_the_lesson():
    sgd = RaceEntry("", {"name": "sgd", "momentum": 0.9}, 0.05)
    assert sgd.optimizer["lr"] == 0.05 and sgd.lr == 0.05 and sgd.optimizer["nesterov"] is False
    assert sgd.label == "SGD lr 0.05 · momentum 0.9"
    assert entry_label({"name": "adam", "lr": 1e-3}) == "Adam lr 0.001"
    assert [e.lr for e in LESSON_TRIO] == [0.01, 1e-3, 1e-3]
    assert LESSON_TRIO[0].optimizer["momentum"] == 0.9
    with pytest.raises(TrainingError, match="no parameter"):
        RaceEntry("bad", {"name": "adam", "momentum": 0.9})
    with pytest.raises(TrainingError):
        RaceEntry("bad", {"name": "sgd"}, -1.0)


def test_every_entry_starts_from_identical_weights_with_its_own_optimizer(iris, raced):
    project, _loaded = iris
    plans, initial, _results, _seen = raced
    assert len(plans) == 3
    first = initial[0]
    for state in initial[1:]:
        assert state.keys() == first.keys()
        assert all(torch.equal(state[k], first[k]) for k in first)
    # ...and they are the project's own seeded initial weights, in separate tensors.
    assert plans[0].model is not plans[1].model
    assert plans[0].model.state_dict()[next(iter(first))].data_ptr() != (
        plans[1].model.state_dict()[next(iter(first))].data_ptr()
    )
    for plan, entry in zip(plans, LESSON_TRIO, strict=True):
        s = plan.job.settings
        assert dict(s.optimizer) == entry.component()
        assert s.epochs == 5 and s.batch_size == project.training.batch_size
        assert s.seed == project.training.seed and dict(s.schedule) == dict(
            project.training.schedule
        )
        assert s.early_stopping.enabled is False
        assert plan.job.start_epoch == 0 and plan.prepared is plans[0].prepared


def test_initial_weights_equal_a_plain_seeded_build(iris):
    project, loaded = iris
    from nnstudio.core.training.plan import plan_run

    reference = plan_run(project, loaded=loaded).model.state_dict()
    plans = build_race(project, LESSON_TRIO[:2], loaded, epochs=1)
    for key, value in reference.items():
        assert torch.equal(plans[1].model.state_dict()[key], value)


def test_race_table_rows_match_the_histories(raced):
    _plans, _initial, results, seen = raced
    assert [r.reason for r in results] == ["finished"] * 3
    rows = race_table(results, target_loss=0.9)
    assert [r["label"] for r in rows] == [e.label for e in LESSON_TRIO]
    assert [r["optimizer"] for r in rows] == ["sgd", "adam", "rmsprop"]
    for row, result, index in zip(rows, results, range(3), strict=True):
        h = result.history
        assert row["epochs_run"] == 5 and h.epoch == [1, 2, 3, 4, 5]
        assert row["final_train_loss"] == pytest.approx(h.train_loss[-1])
        assert row["final_val_loss"] == pytest.approx(h.val_loss[-1])
        assert row["metric"] == "val_accuracy"
        assert row["final_metric"] == pytest.approx(h.metrics["val_accuracy"][-1])
        assert 0.0 <= row["final_metric"] <= 1.0 and math.isfinite(row["final_train_loss"])
        assert row["epochs_to_target"] == epochs_to_target(h.train_loss, 0.9)
        assert row["seconds"] > 0
        epochs = [e for i, e in seen if i == index and isinstance(e, EpochReport)]
        assert [e.train_loss for e in epochs] == h.train_loss
    # Different update rules from the same start really do end in different places.
    finals = {round(r["final_train_loss"], 6) for r in rows}
    assert len(finals) == 3


def test_each_race_run_equals_a_plain_run_with_that_optimizer(iris, raced):
    """Racing changes nothing but the optimiser: a solo run reproduces the numbers exactly."""
    project, loaded = iris
    _plans, _initial, results, _seen = raced
    solo_project = load_project(IRIS)
    solo_project.training = TrainingSettings.from_dict(
        {**project.training.to_dict(), "optimizer": LESSON_TRIO[1].component(), "epochs": 5}
    )
    from nnstudio.core.training.plan import plan_run

    solo = train(plan_run(solo_project, loaded=loaded).job)
    assert solo.history.train_loss == pytest.approx(results[1].history.train_loss, rel=1e-6)


def test_epochs_to_target():
    assert epochs_to_target([1.0, 0.5, 0.2, 0.1], 0.3) == 3
    assert epochs_to_target([1.0, 0.5], 0.3) is None
    assert epochs_to_target([1.0, float("nan"), 0.3], 0.3) == 3
    assert epochs_to_target([0.1], None) is None


def test_table_formats_like_the_seed_notes_and_exports_csv():
    history = History()
    history.add_epoch(EpochReport(1, 0.5, 0.45, {"val_accuracy": 0.8}, 0.01, 0.1, 1.0))
    history.add_epoch(EpochReport(2, 0.32, 0.3, {"val_accuracy": 0.921}, 0.01, 0.1, 1.0))
    result = RaceResult(LESSON_TRIO[0], history, 1.234)
    rows = race_table([result], target_loss=0.4)
    row = rows[0]
    assert row["epochs_to_target"] == 2
    assert format_cell("final_train_loss", row) == "0.3200"
    assert format_cell("final_metric", row) == "92.1 %"
    assert format_cell("epochs_to_target", row) == "2"
    assert format_cell("seconds", row) == "1.23"
    assert format_cell("epochs_to_target", race_table([result], 0.1)[0]) == "—"
    headings = [h for _k, h, _t in RACE_COLUMNS]
    assert headings[:4] == ["Optimiser", "Final loss", "Val loss", "Accuracy"]
    assert "Epochs to target" in headings
    parsed = list(csv.DictReader(io.StringIO(race_csv(rows))))
    assert parsed[0]["label"] == "SGD (momentum 0.9)"
    assert float(parsed[0]["final_metric"]) == pytest.approx(0.921)
    assert parsed[0]["epochs_to_target"] == "2"


def test_regression_reports_rmse():
    history = History()
    history.add_epoch(EpochReport(1, 0.5, 0.4, {"val_rmse": 0.63, "val_r2": 0.5}, 0.01, 0.1, 1.0))
    row = race_table([RaceResult(LESSON_TRIO[1], history)], None)[0]
    assert row["metric"] == "val_rmse" and format_cell("final_metric", row) == "0.63"


def test_refuses_what_cannot_race(iris):
    project, loaded = iris
    with pytest.raises(TrainingError):
        build_race(project, [], loaded)
    with pytest.raises(TrainingError, match="at most"):
        build_race(project, LESSON_TRIO * 2, loaded)
    broken = load_project(IRIS)
    output = list(broken.graph.nodes)[-1]
    broken.graph.remove_node(output)
    broken.graph.add_node("Dense", {"units": 7})
    with pytest.raises(NNStudioError):
        build_race(broken, LESSON_TRIO, loaded)

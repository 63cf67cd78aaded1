"""Stop at a target: a run ends at the first epoch that reaches the accuracy or loss asked
for ("who gets to 95 % first"), says so, and projects without a target are unchanged."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import TrainingError
from nnstudio.core.project import load_project
from nnstudio.core.training import ReportPolicy, StopTarget, TrainingSettings, train
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.training_settings import parse_target
from nnstudio.i18n import set_language, tr
from tests.conftest import REPO

IRIS = REPO / "samples" / "iris.nnsproj"
REGRESSION = REPO / "samples" / "regression.nnsproj"


def run(path, **changes):
    project = load_project(path)
    project.training = project.training.replace(**changes)
    return train(plan_run(project).job, policy=ReportPolicy(batches=False))


def test_iris_stops_at_the_first_epoch_whose_validation_accuracy_reaches_the_target():
    full = run(IRIS, epochs=30)
    accuracy = full.history.metrics["val_accuracy"]
    first = next(i for i, a in enumerate(accuracy) if a >= 0.95) + 1
    assert first < 30, "the lesson's iris network must reach 95 % within 30 epochs"

    result = run(IRIS, epochs=30, stop_at=StopTarget("accuracy", 0.95))

    assert result.reason == "target_reached"
    assert result.epochs_run == first
    # The same seed trains the same way: the stopped run is the full run cut short.
    assert result.history.metrics["val_accuracy"] == accuracy[:first]
    shown = int(accuracy[first - 1] * 1000) / 10
    assert result.message == (
        f"Reached the target: validation accuracy {shown:.1f} % ≥ 95 % at epoch {first}."
    )
    assert result.summary()["reason"] == "target_reached"


def test_a_loss_target_stops_at_the_first_epoch_whose_validation_loss_is_at_most_it():
    full = run(IRIS, epochs=30)
    losses = full.history.val_loss
    goal = round(losses[11], 4) + 1e-4  # a loss reached around the twelfth epoch
    first = next(i for i, v in enumerate(losses) if v <= goal) + 1

    result = run(IRIS, epochs=30, stop_at=StopTarget("loss", goal))

    assert result.reason == "target_reached"
    assert result.epochs_run == first
    assert result.message.startswith("Reached the target: validation loss ")
    assert result.message.endswith(f" ≤ {goal:g} at epoch {first}.")


def test_an_unreached_target_lets_the_run_finish_all_its_epochs():
    result = run(IRIS, epochs=3, stop_at=StopTarget("accuracy", 1.0))
    assert result.reason == "finished"
    assert result.epochs_run == 3


def test_an_accuracy_target_on_a_regression_task_is_refused_before_training():
    with pytest.raises(TrainingError, match="classification"):
        run(REGRESSION, epochs=2, stop_at=StopTarget("accuracy", 0.9))


def test_the_closing_message_is_translated_when_shown():
    result = run(IRIS, epochs=30, stop_at=StopTarget("accuracy", 0.95))
    try:
        set_language("zh_CN")
        shown = tr(result.message)
    finally:
        set_language("en")
    assert shown != result.message
    assert "95 %" in shown and str(result.epochs_run) in shown


def test_settings_without_a_target_write_no_stop_at_field():
    assert "stop_at" not in TrainingSettings().to_dict()
    assert TrainingSettings.from_dict(TrainingSettings().to_dict()).stop_at is None


def test_a_target_round_trips_through_the_settings_dict():
    settings = TrainingSettings(stop_at=StopTarget("loss", 0.1))
    data = settings.to_dict()
    assert data["stop_at"] == {"metric": "loss", "value": 0.1}
    assert TrainingSettings.from_dict(data) == settings
    assert TrainingSettings.from_dict(
        {"stop_at": {"metric": "accuracy", "value": 0.9}}
    ).stop_at == (StopTarget("accuracy", 0.9))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"metric": "accuracy", "value": 95}, "fraction"),
        ({"metric": "speed", "value": 1}, "speed"),
        ({"metric": "loss", "value": 0.1, "when": 3}, "when"),
        ("accuracy=0.95", "object"),
    ],
)
def test_a_bad_target_in_a_file_is_one_clear_error(data, words):
    with pytest.raises(TrainingError, match=words):
        TrainingSettings.from_dict({"stop_at": data})


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("accuracy=0.95", StopTarget("accuracy", 0.95)),
        ("accuracy=95%", StopTarget("accuracy", 0.95)),
        ("loss=0.1", StopTarget("loss", 0.1)),
        (" Loss = 0.25 ", StopTarget("loss", 0.25)),
    ],
)
def test_the_command_line_form_of_a_target_is_read(text, target):
    assert parse_target(text) == target


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("accuracy", "accuracy=FRACTION"),
        ("speed=3", "accuracy=FRACTION"),
        ("loss=abc", "not a number"),
        ("loss=nan", "not a number"),
        ("accuracy=1.5", "fraction"),
        ("loss=-1", "≥ 0"),
    ],
)
def test_a_bad_command_line_target_says_what_is_wrong(text, words):
    with pytest.raises(TrainingError, match=words):
        parse_target(text)

"""``nnstudio train --stop-at``: a run that ends at a target, and one line for a bad target."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.project import load_project
from tests.cli.helpers import SAMPLES, run_cli

IRIS = SAMPLES / "iris.nnsproj"


def test_train_stops_at_the_accuracy_target_and_says_why(capsys):
    code, out, err = run_cli(capsys, "train", IRIS, "--epochs", "30", "--json")
    assert code == 0, err
    full = json.loads(out)
    assert full["epochs_run"] == 30

    code, out, err = run_cli(
        capsys, "train", IRIS, "--epochs", "30", "--stop-at", "accuracy=0.95", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["reason"] == "target_reached"
    assert data["val_accuracy"] >= 0.95
    assert data["epochs_run"] < 30
    assert data["message"].startswith("Reached the target: validation accuracy ")
    assert data["message"].endswith(f"≥ 95 % at epoch {data['epochs_run']}.")


def test_train_accepts_a_percentage_and_prints_the_reason(capsys):
    code, out, err = run_cli(capsys, "train", IRIS, "--epochs", "30", "--stop-at", "accuracy=95%")
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("Reached the target: validation accuracy ")
    assert "≥ 95 %" in first


def test_train_stops_at_a_loss_target_and_saves_it_in_the_project(capsys, tmp_path):
    saved = tmp_path / "out.nnsproj"
    code, out, err = run_cli(
        capsys,
        "train",
        IRIS,
        "--epochs",
        "40",
        "--stop-at",
        "loss=0.4",
        "--json",
        "--save",
        saved,
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["reason"] == "target_reached"
    assert data["val_loss"] <= 0.4
    assert data["message"].endswith(f"≤ 0.4 at epoch {data['epochs_run']}.")
    project = load_project(saved)
    assert project.training.stop_at is not None
    assert (project.training.stop_at.metric, project.training.stop_at.value) == ("loss", 0.4)


def test_stop_at_none_removes_a_saved_target(capsys, tmp_path):
    with_target = tmp_path / "target.nnsproj"
    code, _, err = run_cli(
        capsys, "train", IRIS, "--epochs", "1", "--stop-at", "loss=0.01", "--save", with_target
    )
    assert code == 0, err
    code, out, err = run_cli(
        capsys, "train", with_target, "--epochs", "2", "--stop-at", "none", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["reason"] == "finished"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("accuracy", "accuracy=FRACTION or loss=VALUE"),
        ("speed=3", "accuracy=FRACTION or loss=VALUE"),
        ("loss=fast", "is not a number"),
        ("accuracy=1.5", "fraction in (0, 1]"),
        ("loss=-0.1", "≥ 0"),
    ],
)
def test_a_bad_target_is_one_line_on_stderr_with_exit_code_2(capsys, target, words):
    code, out, err = run_cli(capsys, "train", IRIS, "--epochs", "1", "--stop-at", target)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("nnstudio train: error: ")
    assert words in err


def test_an_accuracy_target_on_a_regression_project_is_one_line_with_exit_code_2(capsys):
    code, _out, err = run_cli(
        capsys, "train", SAMPLES / "regression.nnsproj", "--stop-at", "accuracy=0.9"
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "classification" in err

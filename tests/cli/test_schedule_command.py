"""``nnstudio schedule FILE [--epochs N] [--json]``: the planned learning rate per epoch."""

from __future__ import annotations

import json

import pytest

from nnstudio import i18n
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training.schedule_plan import plan_schedule
from tests.cli.helpers import SAMPLES, run_cli


@pytest.fixture(autouse=True)
def english_afterwards():
    """``--lang zh_CN`` switches the whole process; the other tests expect English."""
    yield
    i18n.set_language("en")


def _lesson_project(tmp_path, schedule: dict, *, lr: float = 0.1, epochs: int = 200):
    """The perceptron sample with the schedule lesson's settings (lr 0.1, 200 epochs)."""
    project = load_project(SAMPLES / "perceptron.nnsproj")
    project.training = project.training.replace(
        schedule=schedule,
        epochs=epochs,
        optimizer={"name": "sgd", "lr": lr, "momentum": 0.9},
    )
    path = tmp_path / "lesson.nnsproj"
    save_project(project, path)
    return path


def test_steplr_prints_one_line_per_epoch_with_the_lessons_drops(capsys, tmp_path):
    path = _lesson_project(tmp_path, {"name": "step", "step_size": 50, "gamma": 0.5})
    code, out, err = run_cli(capsys, "schedule", path)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 200
    assert lines[0] == "epoch 0  lr 0.1"
    assert lines[49] == "epoch 49  lr 0.1"
    assert lines[50] == "epoch 50  lr 0.05"
    assert lines[199] == "epoch 199  lr 0.0125"


def test_json_is_a_list_of_epoch_and_lr(capsys, tmp_path):
    path = _lesson_project(tmp_path, {"name": "exponential", "gamma": 0.95})
    code, out, _err = run_cli(capsys, "schedule", path, "--epochs", "3", "--json")
    assert code == 0
    plan = json.loads(out)
    assert [p["epoch"] for p in plan] == [0, 1, 2]
    assert [p["lr"] for p in plan] == pytest.approx([0.1, 0.095, 0.09025])
    assert set(plan[0]) == {"epoch", "lr"}


def test_multistep_drops_at_the_milestones(capsys, tmp_path):
    path = _lesson_project(
        tmp_path, {"name": "multistep", "milestones": [50, 125, 160], "gamma": 0.5}
    )
    code, out, _err = run_cli(capsys, "schedule", path, "--json")
    lrs = [p["lr"] for p in json.loads(out)]
    assert code == 0
    assert [lrs[e] for e in (0, 50, 125, 160)] == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_epochs_default_to_the_projects(capsys):
    code, out, _err = run_cli(capsys, "schedule", SAMPLES / "perceptron.nnsproj", "--json")
    assert code == 0 and len(json.loads(out)) == 20


def test_a_per_batch_schedule_reads_the_data_to_size_its_epochs(capsys, tmp_path):
    path = _lesson_project(tmp_path, {"name": "onecycle"}, epochs=4)
    code, out, _err = run_cli(capsys, "schedule", path, "--json")
    lrs = [p["lr"] for p in json.loads(out)]
    assert code == 0 and len(lrs) == 4
    # 160 training rows at batch size 1: 160 batches an epoch, as training will count them.
    expected = plan_schedule({"name": "onecycle"}, 0.1, 4, steps=160).lrs
    assert lrs == pytest.approx(expected)
    assert expected != pytest.approx(plan_schedule({"name": "onecycle"}, 0.1, 4, steps=1).lrs)
    # One-cycle starts at a 25th of its peak, 10× the lr.
    assert lrs[0] == pytest.approx(0.04) and max(lrs) > 0.1


@pytest.mark.parametrize(
    "args",
    [
        ("schedule", "missing.nnsproj"),
        ("schedule", SAMPLES / "perceptron.nnsproj", "--epochs", "0"),
        ("schedule", SAMPLES / "perceptron.nnsproj", "--epochs", "x"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, args):
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1


def test_lines_are_translated_but_json_is_the_same_in_every_language(capsys, tmp_path):
    path = _lesson_project(tmp_path, {"name": "step", "step_size": 50, "gamma": 0.5})
    _code, english_json, _err = run_cli(capsys, "schedule", path, "--json")
    code, chinese_json, _err = run_cli(capsys, "--lang", "zh_CN", "schedule", path, "--json")
    assert code == 0 and chinese_json == english_json
    code, out, _err = run_cli(capsys, "--lang", "zh_CN", "schedule", path, "--epochs", "1")
    assert code == 0
    assert out.splitlines() == [i18n._("epoch {epoch}  lr {lr:.6g}").format(epoch=0, lr=0.1)]
    assert out != "epoch 0  lr 0.1\n"
    code, _out, err = run_cli(capsys, "--lang", "zh_CN", "schedule", path, "--epochs", "0")
    assert code == 2 and "错误" in err

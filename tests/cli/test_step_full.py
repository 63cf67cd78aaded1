"""``nnstudio step``: the sigmoid's slope written as out·(1 − out), ``--full`` writes every
value, and counts read right in the singular ("1 unit", "1 epoch")."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio import i18n
from nnstudio.core.lessons.backprop_text import _matrix
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result
from tests.cli.helpers import SAMPLES, run_cli

LESSON = SAMPLES / "backprop_lesson.nnsproj"
IRIS = SAMPLES / "iris.nnsproj"


def test_the_sigmoid_slope_is_written_as_out_times_one_minus_out(capsys):
    code, out, _err = run_cli(capsys, "step", LESSON)
    assert code == 0
    assert "∂out_o1/∂net_o1 = out_o1·(1 − out_o1) = 0.751365 × (1 − 0.751365) = 0.186816" in out
    assert "∂out_h1/∂net_h1 = out_h1·(1 − out_h1) = 0.593270 × (1 − 0.593270) = 0.241301" in out


def test_full_writes_every_value_instead_of_an_ellipsis(capsys):
    code, cut, _err = run_cli(capsys, "step", IRIS)
    assert code == 0
    assert "…" in cut
    assert "more rows" in cut
    code, full, _err = run_cli(capsys, "step", IRIS, "--full")
    assert code == 0
    assert "…" not in full
    assert "more rows" not in full
    # The batch of 16 rows of 4 inputs is there in full: 16 lines under "input x".
    lines = full.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("input x (16×4)"))
    assert all(lines[start + 1 + r].strip().startswith("[") for r in range(16))
    assert lines[start + 17].strip().startswith("target")


def test_full_does_not_change_the_json(capsys):
    _code, plain, _err = run_cli(capsys, "step", LESSON, "--json")
    _code, full, _err = run_cli(capsys, "step", LESSON, "--json", "--full")
    assert json.loads(plain) == json.loads(full)


def test_one_unit_is_written_in_the_singular(capsys):
    code, out, _err = run_cli(capsys, "step", SAMPLES / "perceptron.nnsproj")
    assert code == 0
    assert "(Dense, 1 unit, " in out
    assert "1 units" not in out
    _code, lesson, _err = run_cli(capsys, "step", LESSON)
    assert "(Dense, 2 units, Sigmoid)" in lesson


def test_one_trained_epoch_is_written_in_the_singular(capsys, tmp_path):
    project = load_project(LESSON)
    project.training = project.training.replace(epochs=1)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    path = save_project(project, tmp_path / "one_epoch.nnsproj")
    code, out, _err = run_cli(capsys, "step", path)
    assert code == 0
    assert "trained weights (1 epoch)" in out


def test_one_more_row_is_written_in_the_singular():
    assert _matrix(torch.zeros(7, 2), "")[-1] == "… 1 more row"
    assert _matrix(torch.zeros(8, 2), "")[-1] == "… 2 more rows"
    assert _matrix(torch.zeros(8, 2), "", full=True)[-1] == "[0.000000, 0.000000]"


def test_the_chinese_text_keeps_the_slope_formula(capsys):
    code, out, _err = run_cli(capsys, "step", LESSON, "--lang", "zh_CN")
    assert code == 0
    assert "out_o1·(1 − out_o1) = 0.751365 × (1 − 0.751365) = 0.186816" in out


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")

"""``nnstudio evaluate``, ``profile`` and ``search``: one JSON object, readable text, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nnstudio.core.project import load_project
from tests.cli.helpers import SAMPLES, run_cli


@pytest.fixture
def trained_iris(tmp_path, capsys):
    out = tmp_path / "iris.nnsproj"
    code, _, err = run_cli(
        capsys, "train", SAMPLES / "iris.nnsproj", "--epochs", "20", "--quiet", "--save", out
    )
    assert code == 0, err
    return out


def test_evaluate_prints_per_class_scores_and_json_with_every_split(trained_iris, capsys):
    code, out, _ = run_cli(capsys, "evaluate", trained_iris, "--json")
    assert code == 0
    doc = json.loads(out)
    assert [s["split"] for s in doc["splits"]] == ["validation", "test"]
    first = doc["splits"][0]
    assert [c["class"] for c in first["classes"]] == ["setosa", "versicolor", "virginica"]
    assert sum(c["support"] for c in first["classes"]) == first["rows"]
    assert len(first["roc"]) == 3 and 0.5 <= first["roc_auc"] <= 1.0
    assert doc["importance"]["metric"] == "log_loss"
    code, out, _ = run_cli(capsys, "evaluate", trained_iris, "--no-importance")
    assert code == 0
    assert "macro avg" in out and "ROC AUC" in out and "permutation" not in out


def test_evaluate_refuses_an_untrained_project_in_one_line(capsys):
    code, _, err = run_cli(capsys, "evaluate", SAMPLES / "iris.nnsproj")
    assert code == 2
    assert err.count("\n") == 1 and "train" in err


def test_profile_prints_json_that_agrees_with_pandas(capsys):
    csv = SAMPLES / "mobile_price_synthetic.csv"
    code, out, _ = run_cli(capsys, "profile", csv, "--json")
    assert code == 0
    doc = json.loads(out)
    frame = pd.read_csv(csv)
    assert doc["rows"] == len(frame)
    assert [c["name"] for c in doc["columns"]] == list(frame.columns)
    for column in doc["columns"]:
        if column["kind"] == "numeric":
            assert column["mean"] == pytest.approx(frame[column["name"]].mean())
    code, out, _ = run_cli(capsys, "profile", csv)
    assert code == 0 and "1.5" in out


def test_search_saves_the_project_with_the_best_settings(tmp_path, capsys):
    pytest.importorskip("optuna")
    best = tmp_path / "best.nnsproj"
    code, out, err = run_cli(
        capsys,
        "search",
        SAMPLES / "xor_step.nnsproj",
        "--param",
        "lr=1e-3:1:log",
        "--param",
        "optimizer=sgd,adam",
        "--trials",
        "4",
        "--save",
        best,
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["trials"]) == 4 and set(doc["best_params"]) == {"lr", "optimizer"}
    saved = load_project(best)
    assert saved.training.optimizer["name"] == doc["best_params"]["optimizer"]
    assert saved.training.lr == pytest.approx(doc["best_params"]["lr"])

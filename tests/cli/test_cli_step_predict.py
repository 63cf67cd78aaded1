"""``nnstudio step`` and ``nnstudio predict``: stable output, and one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nnstudio.cli import main
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import ReportPolicy, train
from nnstudio.core.training.plan import plan_run, store_result

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
LESSON = str(SAMPLES / "backprop_lesson.nnsproj")
BRAND = str(SAMPLES / "brand_price.nnsproj")
BRAND_CSV = str(SAMPLES / "brand_price.csv")


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def trained_brand(tmp_path_factory: pytest.TempPathFactory) -> str:
    project = load_project(BRAND)
    project.training = project.training.replace(epochs=2)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job, policy=ReportPolicy(batches=False)))
    return str(save_project(project, tmp_path_factory.mktemp("cli") / "brand.nnsproj"))


def test_step_json_has_the_lesson_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["step", LESSON, "--json"]) == 0
    out, _ = capsys.readouterr()
    data = json.loads(out)  # exactly one JSON object
    assert data["loss"]["value"] == pytest.approx(0.298371, abs=5e-7)
    assert data["weights"] == "initial"
    output = data["layers"][-1]
    assert output["a"][0] == pytest.approx([0.751365, 0.772928], abs=5e-7)
    assert output["parameters"]["weight"]["grad"][0] == pytest.approx(
        [0.082167, 0.082668], abs=5e-7
    )
    assert output["parameters"]["weight"]["after"][1] == pytest.approx(
        [0.511301, 0.561370], abs=5e-7
    )
    assert data["gradient_check"]["max_rel_diff"] < 1e-6


def test_step_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["step", LESSON, "--sample", "0"]) == 0
    out, _ = capsys.readouterr()
    assert "= 0.741365 × 0.186816 × 0.593270 = 0.082167" in out
    assert "w1 = 0.150000 − 0.5 × 0.000438568 = 0.149781" in out


def test_step_refuses_a_sample_outside_the_training_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["step", str(SAMPLES / "xor_step.nnsproj"), "--sample", "12"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = one_error_line(err)
    assert line.startswith("nnstudio step: error: ")
    assert "sample 12 is outside the 4 training rows" in line


def test_step_refuses_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["step", str(tmp_path / "nope.nnsproj")]) == 2
    assert "nope.nnsproj" in one_error_line(capsys.readouterr().err)


def test_predict_writes_a_csv(
    trained_brand: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    assert main(["predict", trained_brand, "--data", BRAND_CSV, "-o", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "wrote 600 predictions" in err
    frame = pd.read_csv(target, encoding="utf-8")
    assert list(frame.columns) == [
        "品牌",
        "屏幕尺寸",
        "内存",
        "存储",
        "摄像头像素",
        "价格区间",
        "predicted",
        "p(低端)",
        "p(中端)",
        "p(高端)",
    ]
    assert set(frame["predicted"]) <= {"低端", "中端", "高端"}
    sums = frame[["p(低端)", "p(中端)", "p(高端)"]].sum(axis=1)
    assert sums.between(1 - 1e-6, 1 + 1e-6).all()


def test_predict_to_standard_output(trained_brand: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", trained_brand, "--data", BRAND_CSV]) == 0
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].endswith("predicted,p(低端),p(中端),p(高端)")
    assert len(lines) == 601


def test_predict_refuses_an_untrained_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", BRAND, "--data", BRAND_CSV]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("nnstudio predict: error: ")
    assert "train the project first" in line


def test_predict_names_the_missing_column(
    trained_brand: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "partial.csv"
    pd.read_csv(BRAND_CSV, encoding="gbk").drop(columns=["存储"]).to_csv(path, index=False)
    assert main(["predict", trained_brand, "--data", str(path)]) == 2
    assert "lacks 存储" in one_error_line(capsys.readouterr().err)


def test_predict_refuses_a_missing_csv(
    trained_brand: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["predict", trained_brand, "--data", str(tmp_path / "none.csv")]) == 2
    assert "none.csv does not exist" in one_error_line(capsys.readouterr().err)

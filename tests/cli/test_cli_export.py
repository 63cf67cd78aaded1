"""``nnstudio export FILE --to python|onnx|torchscript -o OUT`` end to end."""

from __future__ import annotations

import ast
import json

import pytest
import torch

from tests.cli.helpers import SAMPLES, run_cli


def test_export_python_writes_a_standalone_script(capsys, tmp_path):
    target = tmp_path / "iris.py"
    code, out, err = run_cli(
        capsys, "export", SAMPLES / "iris.nnsproj", "--to", "python", "-o", target
    )
    assert code == 0, err
    assert out == "" and err.strip() == f"wrote {target}"
    text = target.read_text("utf-8")
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"json", "math", "pathlib", "numpy", "pandas", "torch", "sklearn"}
    assert "class Net(nn.Module)" in text and "load_iris(as_frame=True)" in text


def test_export_python_of_generated_data_writes_the_csv_beside(capsys, tmp_path):
    target = tmp_path / "spirals.py"
    code, _, err = run_cli(
        capsys, "export", SAMPLES / "spirals.nnsproj", "--to", "python", "-o", target
    )
    assert code == 0, err
    data = tmp_path / "spirals_data.csv"
    assert data.read_text("utf-8").splitlines()[0] == "x1,x2,label"
    assert len(data.read_text("utf-8").splitlines()) == 601
    assert 'Path(__file__).parent / "spirals_data.csv"' in target.read_text("utf-8")


def test_export_onnx_of_an_untrained_project_is_one_line_on_stderr(capsys, tmp_path):
    target = tmp_path / "iris.onnx"
    code, out, err = run_cli(
        capsys, "export", SAMPLES / "iris.nnsproj", "--to", "onnx", "-o", target
    )
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("nnstudio export: error: train the project first")
    assert not target.exists()


def test_export_trained_project_to_onnx_and_torchscript(capsys, tmp_path):
    trained = tmp_path / "iris_trained.nnsproj"
    code, _, err = run_cli(
        capsys, "train", SAMPLES / "iris.nnsproj", "--epochs", "2", "--quiet", "--save", trained
    )
    assert code == 0, err
    onnx_file, ts_file = tmp_path / "iris.onnx", tmp_path / "iris.pt"
    code, _, err = run_cli(capsys, "export", trained, "--to", "onnx", "-o", onnx_file)
    assert code == 0, err
    assert err.strip() == f"wrote {onnx_file}"
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(onnx_file))
    onnx.checker.check_model(model)
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["class_names"]) == ["setosa", "versicolor", "virginica"]

    code, _, err = run_cli(capsys, "export", trained, "--to", "torchscript", "-o", ts_file)
    assert code == 0, err
    module = torch.jit.load(str(ts_file))
    assert module(torch.zeros(3, 4)).shape == (3, 3)


def test_export_refusals_are_one_line_with_exit_code_2(capsys, tmp_path):
    code, _, err = run_cli(
        capsys,
        "export",
        SAMPLES / "iris.nnsproj",
        "--to",
        "python",
        "-o",
        tmp_path / "no" / "such" / "folder" / "m.py",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "does not exist" in err
    code, _, err = run_cli(
        capsys, "export", tmp_path / "missing.nnsproj", "--to", "python", "-o", tmp_path / "m.py"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(
        capsys, "export", SAMPLES / "iris.nnsproj", "--to", "keras", "-o", tmp_path / "m.h5"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "invalid choice" in err

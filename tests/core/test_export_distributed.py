"""The exported script's ``--distributed``: plain PyTorch DDP that a cluster can run.

Two CPU processes under torchrun (gloo) must print the results one process prints, for a
mini-batch project with an averaged loss and for the perceptron's summed loss with one row
per batch (so one process has no row in every batch).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio.core.export import export_project
from nnstudio.core.project import load_project, save_project
from tests.conftest import REPO

#: A hard limit against a hung process group, not a check on speed.
TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def _result(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0].removeprefix("RESULT "))


def _script(tmp_path: Path, sample: str, epochs: int) -> Path:
    project = load_project(REPO / "samples" / f"{sample}.nnsproj")
    project.training = project.training.replace(epochs=epochs)
    saved = save_project(project, tmp_path / f"{sample}.nnsproj")
    return export_project(load_project(saved), "python", tmp_path / "train.py", distributed=True)


@pytest.mark.parametrize(("sample", "epochs"), [("iris", 8), ("perceptron", 2)])
def test_the_exported_script_trains_on_two_processes_like_on_one(tmp_path, sample, epochs):
    script = _script(tmp_path, sample, epochs)
    alone = subprocess.run(
        [sys.executable, script.name],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert alone.returncode == 0, alone.stderr
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    command += ["--master-port", str(_free_port()), script.name, "--distributed"]
    together = subprocess.run(
        command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert together.returncode == 0, together.stderr
    one, two = _result(alone.stdout), _result(together.stdout)
    assert two["epochs_run"] == one["epochs_run"] == epochs
    assert set(two) == set(one)
    for key, value in one.items():
        if isinstance(value, float):
            assert two[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
    for key, value in one["last_epoch"].items():
        assert two["last_epoch"][key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
    # Process 0 alone reports: the row count is printed once.
    assert together.stdout.count("training,") == 1


def test_the_scripts_distributed_option_without_torchrun_says_how_to_start_it(tmp_path):
    script = _script(tmp_path, "iris", 1)
    run = subprocess.run(
        [sys.executable, script.name, "--distributed"],
        cwd=tmp_path,
        env={k: v for k, v in _env().items() if k not in ("RANK", "WORLD_SIZE")},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert run.returncode == 1
    assert "torchrun --nproc-per-node N" in run.stderr


def test_the_plain_export_has_no_distributed_code(tmp_path):
    project = load_project(REPO / "samples" / "iris.nnsproj")
    text = export_project(project, "python", tmp_path / "plain.py").read_text("utf-8")
    assert "DistributedDataParallel" not in text and "argparse" not in text


def test_every_process_of_the_distributed_script_leaves_without_finalization(tmp_path):
    """Rank 0 after its report and the others after training end through leave_processes
    (os._exit once the work is written), as the command line does; alone it returns."""
    import ast

    script = _script(tmp_path, "iris", 1)
    tree = ast.parse(script.read_text("utf-8"))
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    calls = [n for n in ast.walk(main) if isinstance(n, ast.Call) and getattr(n.func, "id", None)]
    assert [c.func.id for c in calls].count("leave_processes") == 2
    assert ast.unparse(main.body[-1]) == "leave_processes(world)"
    leave = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "leave_processes"
    )
    assert "os._exit(0)" in ast.unparse(leave) and "if world > 1" in ast.unparse(leave)

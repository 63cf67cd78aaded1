"""``torchrun … -m nnstudio train FILE --distributed`` and ``--amp`` on the command line.

Two CPU processes (gloo) train the iris sample; process 0 alone prints the JSON result and
writes the project, and both match a single-process run of the same global batch.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from nnstudio.core.project import load_project
from tests.cli.helpers import SAMPLES, run_cli
from tests.conftest import REPO

IRIS = SAMPLES / "iris.nnsproj"
#: A hard limit against a hung process group, not a check on speed.
TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nnstudio(args: list[str], *, processes: int = 0) -> subprocess.CompletedProcess:
    """``python -m nnstudio ARGS`` alone, or under torchrun with ``processes`` processes."""
    launcher = [sys.executable]
    if processes:
        launcher += ["-m", "torch.distributed.run", "--nproc-per-node", str(processes)]
        launcher += ["--master-port", str(_free_port())]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*launcher, "-m", "nnstudio", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    common = ["train", str(IRIS), "--epochs", "12", "--json", "--threads", "1"]
    alone = _nnstudio([*common, "--save", str(out / "alone.nnsproj")])
    together = _nnstudio(
        [*common, "--distributed", "--save", str(out / "together.nnsproj")], processes=2
    )
    return out, alone, together


def test_two_processes_train_like_one_with_the_same_global_batch(runs):
    out, alone, together = runs
    assert alone.returncode == 0, alone.stderr
    assert together.returncode == 0, together.stderr
    one, two = json.loads(alone.stdout), json.loads(together.stdout)
    assert two["processes"] == 2 and "processes" not in one
    assert two["epochs_run"] == one["epochs_run"] == 12
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert two[key] == pytest.approx(one[key], rel=1e-5), key
    first = load_project(out / "alone.nnsproj")
    second = load_project(out / "together.nnsproj")
    assert second.epochs_trained == 12
    assert second.history.train_loss == pytest.approx(first.history.train_loss, rel=1e-5)
    assert first.weights is not None and second.weights is not None
    for name, tensor in first.weights.items():
        torch.testing.assert_close(second.weights[name], tensor, rtol=1e-5, atol=1e-6)


def test_only_process_zero_prints_the_result(runs):
    _out, _alone, together = runs
    # One JSON object on stdout: the other process printed nothing.
    assert len(together.stdout.strip().splitlines()) == 1
    assert json.loads(together.stdout)["saved"].endswith("together.nnsproj")


def test_distributed_without_torchrun_is_one_line_with_exit_code_2(capsys, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run_cli(capsys, "train", IRIS, "--epochs", "1", "--distributed", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("nnstudio train: error: --distributed needs the environment torchrun")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a CPU machine")
def test_mixed_precision_on_the_cpu_is_one_line_with_exit_code_2(capsys):
    code, out, err = run_cli(capsys, "train", IRIS, "--epochs", "1", "--amp", "--json")
    assert code == 2 and out == ""
    assert err == (
        "nnstudio train: error: mixed precision needs a CUDA GPU; this run would train on the CPU\n"
    )


def test_the_export_option_is_refused_for_model_formats(capsys, tmp_path):
    code, _out, err = run_cli(
        capsys, "export", IRIS, "--to", "onnx", "-o", tmp_path / "m.onnx", "--distributed"
    )
    assert code == 2
    assert "--distributed applies to the Python script (--to python) only" in err

"""``--threads N`` (before or after the command) and ``NNSTUDIO_THREADS``: checked, one line."""

from __future__ import annotations

import json

import pytest
import torch

from nnstudio.cli import main
from tests.conftest import REPO

SPIRALS = str(REPO / "samples" / "spirals.nnsproj")


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(
    "argv",
    [
        ["--threads", "1", "train", SPIRALS, "--epochs", "1", "--json"],
        ["train", SPIRALS, "--epochs", "1", "--json", "--threads=1"],
    ],
)
def test_threads_is_accepted_before_or_after_the_command(argv, capsys):
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["epochs_run"] == 1
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize(
    ("argv", "env", "words"),
    [
        (["train", SPIRALS, "--threads", "abc"], None, "--threads must be a whole number"),
        (["train", SPIRALS, "--threads", "0"], None, "--threads must be between 1 and"),
        (["validate", SPIRALS], "abc", "NNSTUDIO_THREADS must be a whole number"),
        (["train", SPIRALS], "0", "NNSTUDIO_THREADS must be between 1 and"),
    ],
)
def test_a_bad_thread_count_is_one_line_and_exit_2(argv, env, words, capsys, monkeypatch):
    if env is not None:
        monkeypatch.setenv("NNSTUDIO_THREADS", env)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_the_threads_error_speaks_chinese(capsys):
    assert main(["--lang", "zh_CN", "train", SPIRALS, "--threads", "0"]) == 2
    err = capsys.readouterr().err
    assert "--threads" in err and "1024" in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)

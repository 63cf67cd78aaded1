"""On the command line a project reads data outside its folder only with ``--data`` or
``--allow-outside-data``; otherwise one line on stderr and exit 2 (issue 13, class 7)."""

from __future__ import annotations

import json
import zipfile

import pytest

from nnstudio.core.data import trust
from tests.cli.helpers import run_cli
from tests.core.test_outside_data import SECRETS, make_project, write_csv

#: Every command that may read the project's data, with what it needs besides the file.
COMMANDS = [
    ("train", ["--quiet"]),
    ("validate", []),
    ("summary", []),
    ("step", []),
    ("export", ["--to", "python", "-o", "{tmp}/out.py"]),
    ("report", ["-o", "{tmp}/report.html"]),
]


@pytest.fixture(autouse=True)
def _fresh_session():
    trust.forget()
    yield
    trust.forget()


@pytest.fixture
def received(tmp_path):
    """A project whose data path is ``../secret.csv``."""
    write_csv(tmp_path / "secret.csv")
    return make_project(tmp_path / "proj", "../secret.csv")


@pytest.mark.parametrize(("command", "extra"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_every_command_refuses_outside_data_in_one_line_with_exit_2(
    capsys, tmp_path, received, command, extra
):
    args = [a.format(tmp=tmp_path) for a in extra]
    code, out, err = run_cli(capsys, command, received, *args)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str((tmp_path / "secret.csv").resolve()) in err
    assert "--allow-outside-data" in err
    assert not any(secret in out + err for secret in SECRETS)


def test_train_with_allow_outside_data_reads_the_file(capsys, tmp_path, received):
    code, out, _err = run_cli(
        capsys,
        "train",
        received,
        "--json",
        "--allow-outside-data",
        "--save",
        tmp_path / "t.nnsproj",
    )
    assert code == 0
    assert json.loads(out)["epochs_run"] == 1


def test_train_with_data_named_on_the_command_line_reads_it(capsys, tmp_path, received):
    code, out, _err = run_cli(
        capsys, "train", received, "--json", "--data", tmp_path / "secret.csv"
    )
    assert code == 0
    assert json.loads(out)["reason"] == "finished"


def test_a_permission_given_to_one_command_does_not_carry_over_to_the_next(
    capsys, tmp_path, received
):
    assert run_cli(capsys, "validate", received, "--allow-outside-data")[0] == 0
    assert run_cli(capsys, "validate", received)[0] == 2


def test_a_refused_train_saves_nothing(capsys, tmp_path, received):
    out = tmp_path / "copy.nnsproj"
    code, _out, _err = run_cli(capsys, "train", received, "--save", out)
    assert code == 2
    assert not out.exists()
    with zipfile.ZipFile(received) as archive:
        assert not any(s.encode() in archive.read("project.json") for s in SECRETS)

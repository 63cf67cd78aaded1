"""What the command-line tests share: the bundled samples and an in-process ``nnstudio`` run."""

from __future__ import annotations

from nnstudio.cli import main
from tests.conftest import REPO

SAMPLES = REPO / "samples"


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    """``nnstudio ARGS…`` in this process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err

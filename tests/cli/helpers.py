"""What the command-line tests share: the bundled samples and an in-process ``nnstudio`` run."""

from __future__ import annotations

from pathlib import Path

from nnstudio.cli import main
from tests.conftest import REPO

SAMPLES = REPO / "samples"


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    """``nnstudio ARGS…`` in this process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def mixed_encoding_line(capsys, folder: Path, csv: Path) -> str:
    """``validate`` on a project reading ``csv``: the one line that refuses its mixed text
    encodings (the command fails without a traceback)."""
    from nnstudio.core.data.data_settings import DataSettings, DataSource
    from nnstudio.core.project.project_file import Project, save_project

    project = Project(
        data=DataSettings(source=DataSource(kind="csv", path=str(csv)), targets=("y",))
    )
    saved = save_project(project, folder / "p.nnsproj")
    code, out, err = run_cli(capsys, "validate", saved)
    assert code != 0
    text = err + out
    assert "Traceback" not in text
    line = next(li for li in text.splitlines() if "mixes text encodings" in li)
    assert "source.encoding" in line
    return line

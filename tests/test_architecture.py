"""The architecture is enforced, not hoped for: import-linter's contracts in pyproject.toml.

- the core imports neither Qt, pyqtgraph, the GUI nor the command line;
- the command line may open the GUI; both stand on the core, never the reverse;
- the GUI's views (canvas, inspector, panels, plots, neuron view, race) do not import each
  other — they meet in ``main_window``;
- no package of ``nnstudio`` imports in a circle (imports inside functions count).

A contract that cannot fail proves nothing, so the last test breaks each one in a copy of the
package and checks that import-linter says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytest.importorskip("importlinter")

CONTRACTS = (
    "The core is Qt-free and knows nothing of the GUI or the command line",
    "The command line opens the GUI; both stand on the core",
    "GUI views do not import each other (they meet in main_window)",
    "No import circles",
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the repository's contracts, on the package found under ``root``."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
            "--config",
            str(REPO / "pyproject.toml"),
            "--no-cache",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_contract_is_kept() -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    for name in CONTRACTS:
        assert f"{name} KEPT" in done.stdout


def test_each_contract_fails_when_broken(tmp_path: Path) -> None:
    copy = tmp_path / "nnstudio"
    shutil.copytree(REPO / "nnstudio", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "core" / "qt_leak.py").write_text("import PySide6.QtCore\n")
    (copy / "gui" / "backwards.py").write_text("import nnstudio.cli\n")
    (copy / "gui" / "plots" / "peek.py").write_text("import nnstudio.gui.canvas.scene\n")
    (copy / "core" / "errors_user.py").write_text("import nnstudio.core.workspace\n")
    errors = (copy / "core" / "errors.py").read_text()
    (copy / "core" / "errors.py").write_text(errors + "\nfrom nnstudio.core import errors_user\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    for name in CONTRACTS:
        assert f"{name} BROKEN" in done.stdout, done.stdout[-3000:]
    assert "nnstudio.core.qt_leak -> PySide6" in done.stdout


def test_the_architecture_diagram_matches_the_code() -> None:
    sys.path.insert(0, str(REPO / "docs"))
    try:
        from architecture_diagram import mermaid
    finally:
        sys.path.pop(0)
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawn = text.split("<!-- diagram:start -->\n", 1)[1].split("\n<!-- diagram:end -->", 1)[0]
    assert drawn == mermaid(), "run python docs/architecture_diagram.py and paste its output"

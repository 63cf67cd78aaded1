"""What the interrupted-save tests share: a project big enough to interrupt mid-write, the
temporary files a save leaves, and a poll that gives up when the child ends.

The command line's (tests/cli/test_interrupted_save.py) and the app's
(tests/gui/test_kill_during_save.py) tests interrupt the same kind of save at moments reached
by conditions, never by sleeping.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from nnstudio.cli import main
from nnstudio.core.project import load_project, save_project
from tests.conftest import REPO


def make_big_project(folder: Path) -> Path:
    """iris with two hidden layers of 1,500 units, trained one epoch: a save of tens of MB,
    so that a signal can land in the middle of writing it."""
    project = load_project(REPO / "samples" / "iris.nnsproj")
    graph = project.graph
    hidden = graph.by_name("dense_1")
    output = graph.by_name("dense_2")
    graph.set_param(hidden.id, "units", 1500)
    graph.remove_edge(hidden.id, output.id)
    extra = graph.add_node("Dense", {"units": 1500, "activation": {"name": "relu"}}, name="wide")
    graph.add_edge(hidden.id, extra.id)
    graph.add_edge(extra.id, output.id)
    project.training = project.training.replace(epochs=1)
    path = folder / "big.nnsproj"
    save_project(project, path)
    assert main(["train", str(path), "--quiet", "--save", str(path)]) == 0
    assert load_project(path).weights is not None
    return path


def temporaries(folder: Path) -> list[Path]:
    """The save temporaries (``.NAME.PID-TOKEN.tmp``) anywhere below ``folder``."""
    return list(folder.rglob("*.tmp")) if folder.exists() else []


def wait_until(condition, process: subprocess.Popen, deadline: float) -> bool:
    """Poll ``condition`` until it holds, the child ends or the deadline passes."""
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.001)  # a poll interval, not a wait for something to happen
    return False

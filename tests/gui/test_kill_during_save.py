"""The app killed (SIGKILL) while it saves or autosaves: no file is ever half-written.

A child process runs the real main window offscreen and saves a big project over and over
(File ▸ Save, then an autosave). The test kills it at random moments, each reached by
waiting on a condition (a temporary file of the save holding a random number of bytes),
never by sleeping. After every kill the project file and the recovery copy each load, and
the next save sweeps the temporary the killed save left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnstudio.core.project import load_project, save_project
from tests.conftest import REPO
from tests.interrupted_saves import make_big_project, temporaries, wait_until

ROUNDS = 4
ROUND_LIMIT_S = 180


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project big enough that a signal can land in the middle of saving it."""
    return make_big_project(tmp_path_factory.mktemp("kill-save"))


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_killing_the_app_mid_save_leaves_every_file_whole_and_no_stale_temporary(
    big_project: Path, tmp_path: Path
) -> None:
    rng = random.Random(13)
    project = tmp_path / "big.nnsproj"
    project.write_bytes(big_project.read_bytes())
    data_dir = tmp_path / "appdata"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NNSTUDIO_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }
    size = project.stat().st_size
    killed_writing = 0
    for round_ in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.gui.save_forever", str(project), str(tmp_path / "s.ini")],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            threshold = rng.randrange(0, size)
            folders = (project.parent, data_dir)

            def writing(threshold: int = threshold, folders=folders) -> bool:
                return any(
                    p.exists() and p.stat().st_size >= threshold
                    for folder in folders
                    for p in temporaries(folder)
                )

            deadline = time.monotonic() + ROUND_LIMIT_S
            reached = wait_until(writing, child, deadline)
            child.send_signal(signal.SIGKILL)
            _out, err = child.communicate(timeout=60)
            assert child.returncode == -signal.SIGKILL, err[-2000:]
            assert reached, f"round {round_}: no save was seen in time"
            killed_writing += 1
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        saved = load_project(project)  # the old file intact or the new one complete
        assert saved.weights is not None
        for recovery in data_dir.rglob("*.nnsproj"):
            assert load_project(recovery).weights is not None
        # The next save sweeps what the killed one left behind.
        save_project(saved, project)
        assert [p for p in temporaries(project.parent)] == []
    assert killed_writing == ROUNDS

"""Run a start-up script of the real app in a fresh process and read the JSON it prints last.

The start-up tests (lazy imports, "ready", lazily built plot tabs) each need a process of its
own: what is imported at start can only be seen in a process that imported nothing before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def run_startup_script(tmp_path: Path, script: str, *, scope: str | None = None) -> dict:
    """Run ``script`` offscreen with private data (and, with ``scope``, private settings that
    quit the app when it is ready); returns the JSON object on its last line of output."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NNSTUDIO_DATA_DIR=str(tmp_path))
    if scope is not None:
        env["NNSTUDIO_SETTINGS_SCOPE"] = f"nnstudio-test-{scope}-{os.getpid()}"
        env["NNSTUDIO_QUIT_WHEN_READY"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=240,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])

"""How fast the app appears, and how fast the canvas answers on a 200-layer network.

1. Start-up: launches ``nnstudio`` (offscreen) several times and reads the times it reports
   from process start (interpreter launch included, measured from before ``Popen``) to the
   first painted window and to "ready" (engine imported, default project open, data loaded).
2. Canvas: runs ``bench/bench_canvas_ops.py`` (add, move, delete, undo, connect, paste, auto
   layout on 200 nodes, each including re-validation and a repaint).

    python bench/bench_gui.py [--runs 5] [--nodes 200]

Targets (issue 4): first window under 1.5 s; every edit on a 200-node graph under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


FLOOR = "import time, PySide6.QtWidgets, torch; print(time.time())"


def floor_once() -> float:
    """Seconds for a bare interpreter to import PySide6.QtWidgets and torch (the floor)."""
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", FLOOR], capture_output=True, text=True, timeout=120, check=True
    )
    return float(out.stdout.strip()) - t0


def startup(runs: int) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        NNSTUDIO_REPORT_STARTUP="1",
        NNSTUDIO_QUIT_WHEN_READY="1",
        NNSTUDIO_SETTINGS_SCOPE="nnstudio-bench",
    )
    first, ready, floor = [], [], []
    for _ in range(runs):
        floor.append(floor_once())  # interleaved: the same machine state for both
        with tempfile.TemporaryDirectory() as tmp:
            env["NNSTUDIO_DATA_DIR"] = tmp
            env["NNSTUDIO_T0"] = repr(time.time())
            proc = subprocess.run(
                [sys.executable, "-m", "nnstudio"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
        first.append(float(marks["first_paint"]))
        ready.append(float(marks["ready"]))
    print(f"start-up ({runs} runs, offscreen, from process launch):")
    print(
        f"  first painted window  median {statistics.median(first):.2f} s   "
        f"min {min(first):.2f}  max {max(first):.2f}   (target < 1.5 s)"
    )
    print(
        f"  ready to train        median {statistics.median(ready):.2f} s   "
        f"min {min(ready):.2f}  max {max(ready):.2f}"
    )
    print(
        f"  floor: import PySide6.QtWidgets + torch  median {statistics.median(floor):.2f} s"
        f"   min {min(floor):.2f}  max {max(floor):.2f}"
    )
    ratio = statistics.median(ready) / statistics.median(floor)
    print(f"  ready / floor = {ratio:.2f}x   (target <= 1.3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--skip-canvas", action="store_true")
    args = parser.parse_args()
    startup(args.runs)
    if not args.skip_canvas:
        print()
        subprocess.run(
            [sys.executable, str(HERE / "bench_canvas_ops.py"), "--nodes", str(args.nodes)],
            check=False,
        )


if __name__ == "__main__":
    main()

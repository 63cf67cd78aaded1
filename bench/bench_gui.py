"""How fast the app appears, and how fast the canvas answers on a 200-layer network.

1. Start-up: launches ``nnstudio`` (offscreen) several times and reads the times it reports
   from process start (interpreter launch included, measured from before ``Popen``) to the
   first painted window and to "ready" (engine imported, default project open, data loaded).
2. Canvas: runs ``bench/bench_canvas_ops.py`` (add, move, delete, undo, connect, paste, auto
   layout on 200 nodes, each including re-validation and a repaint).

    python bench/bench_gui.py [--runs 5] [--nodes 200]
    python bench/bench_gui.py --runs 3 --skip-canvas --baseline OTHER_CHECKOUT

``--baseline`` starts another checkout's app (``PYTHONPATH=OTHER_CHECKOUT``) in the same
rounds, and every line gains the CPU seconds of the whole process (it quits at "ready"): a
before/after that a busy machine tilts less than wall-clock time.

Targets (issue 4): first window under 1.5 s; every edit on a 200-node graph under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


FLOOR = "import time, PySide6.QtWidgets, torch; print(time.time())"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def floor_once() -> tuple[float, float]:
    """Seconds (wall, CPU) for a bare interpreter to import PySide6.QtWidgets and torch."""
    cpu, t0 = _cpu(), time.time()
    out = subprocess.run(
        [sys.executable, "-c", FLOOR], capture_output=True, text=True, timeout=120, check=True
    )
    return float(out.stdout.strip()) - t0, _cpu() - cpu


def app_once(tree: str | None) -> tuple[float, float, float]:
    """(first paint, ready, CPU seconds) of one launch of the app in ``tree`` (None: this one)."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        NNSTUDIO_REPORT_STARTUP="1",
        NNSTUDIO_QUIT_WHEN_READY="1",
        NNSTUDIO_SETTINGS_SCOPE="nnstudio-bench",
    )
    if tree is not None:
        env["PYTHONPATH"] = tree
    with tempfile.TemporaryDirectory() as tmp:
        env["NNSTUDIO_DATA_DIR"] = tmp
        env["NNSTUDIO_T0"] = repr(time.time())
        cpu = _cpu()
        proc = subprocess.run(
            [sys.executable, "-m", "nnstudio"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        cpu = _cpu() - cpu
    marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
    return float(marks["first_paint"]), float(marks["ready"]), cpu


def startup(runs: int, baseline: str | None = None) -> None:
    trees: dict[str, str | None] = {"this": None}
    if baseline:
        trees = {"baseline": baseline, **trees}
    first: dict[str, list[float]] = {k: [] for k in trees}
    ready: dict[str, list[float]] = {k: [] for k in trees}
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    floor, floor_cpu = [], []
    for _ in range(runs):
        wall, used = floor_once()  # interleaved: the same machine state for all
        floor.append(wall)
        floor_cpu.append(used)
        for name, tree in trees.items():
            paint, done, used = app_once(tree)
            first[name].append(paint)
            ready[name].append(done)
            cpu[name].append(used)
    med = statistics.median
    print(f"start-up ({runs} runs, offscreen, from process launch):")
    print(
        f"  floor: import PySide6.QtWidgets + torch  median {med(floor):.2f} s"
        f"   min {min(floor):.2f}  max {max(floor):.2f}   CPU {med(floor_cpu):.2f} s"
    )
    for name in trees:
        label = "" if len(trees) == 1 else f"[{name}] "
        print(
            f"  {label}first painted window  median {med(first[name]):.2f} s   "
            f"min {min(first[name]):.2f}  max {max(first[name]):.2f}   (target < 0.5 s)"
        )
        print(
            f"  {label}ready to train        median {med(ready[name]):.2f} s   "
            f"min {min(ready[name]):.2f}  max {max(ready[name]):.2f}   CPU {med(cpu[name]):.2f} s"
        )
        print(
            f"  {label}ready / floor = {med(ready[name]) / med(floor):.2f}x   (target <= 1.3x)"
            f"   CPU / floor CPU = {med(cpu[name]) / med(floor_cpu):.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--skip-canvas", action="store_true")
    parser.add_argument("--baseline", help="another checkout to start in the same rounds")
    args = parser.parse_args()
    startup(args.runs, args.baseline)
    if not args.skip_canvas:
        print()
        subprocess.run(
            [sys.executable, str(HERE / "bench_canvas_ops.py"), "--nodes", str(args.nodes)],
            check=False,
        )


if __name__ == "__main__":
    main()

"""How fast the app appears, and how fast the canvas answers on a 200-layer network.

1. Start-up: launches ``nnstudio`` (offscreen) several times and reads the times it reports
   from process start (interpreter launch included, measured from before ``Popen``) to the
   first painted window and to "ready".

   "Ready" (``MainWindow.ready``) means ready to train: the default project open, its data
   read and prepared, Train enabled, and the event loop free to take input (the window quits
   on the next turn of the loop, so "ready" includes no work queued after it). torch is not
   needed for that in the GUI process (the training process imports it itself); a background
   thread imports it after "ready". Each line also gives: the CPU seconds of the whole
   process (it quits at "ready", waiting for that import), the GUI thread's own CPU seconds
   until "ready" and whether torch was in the process by then (older trees: when it came).
   Both CPU figures are hardly moved by other programs using the machine, wall-clock times
   are. Each round also starts each tree twice more: once to press Train the moment it is
   ready (the seconds from that press to the first epoch report: the training process is
   started by the press, or was being started, and imports torch itself), and once to
   measure how late a 5 ms timer fires from "ready" until torch is in the GUI process
   (what a user clicking around meanwhile feels of the background import).

   The floor is a bare interpreter importing PySide6.QtWidgets and torch (issue 12's target:
   ready within 1.3x the floor). Every process runs with Python's bytecode cache on (as an
   installed app has it, ``pip`` compiles it; ``PYTHONDONTWRITEBYTECODE`` is dropped) and one
   unmeasured launch of each tree comes first, so neither side compiles its sources in a
   measured run.
2. Canvas: runs ``bench/bench_canvas_ops.py`` (add, move, delete, undo, connect, paste, auto
   layout on 200 nodes, each including re-validation and a repaint).

    python bench/bench_gui.py [--runs 5] [--nodes 200]
    python bench/bench_gui.py --runs 3 --skip-canvas --baseline OTHER_CHECKOUT

``--baseline`` starts another checkout's app (``PYTHONPATH=OTHER_CHECKOUT``) in the same,
interleaved rounds; medians are compared.

Targets (issues 4 and 12): first window under 0.5 s; ready within 1.3x the floor; every edit
on a 200-node graph under 50 ms.
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


def _environment() -> dict[str, str]:
    """This environment with the bytecode cache on (see the module's docstring)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def floor_once() -> tuple[float, float]:
    """Seconds (wall, CPU) for a bare interpreter to import PySide6.QtWidgets and torch."""
    cpu, t0 = _cpu(), time.time()
    out = subprocess.run(
        [sys.executable, "-c", FLOOR],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=_environment(),
    )
    return float(out.stdout.strip()) - t0, _cpu() - cpu


def app_once(tree: str | None) -> dict[str, float]:
    """The start-up marks of one launch of the app in ``tree`` (None: this one): first_paint,
    ready and "cpu" (the process's CPU seconds), plus ready_main_cpu and torch_imported
    where the tree reports them."""
    env = dict(
        _environment(),
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
            # ``-m`` puts the working directory first on the path: it must be the tree's own.
            cwd=tree if tree is not None else HERE.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        cpu = _cpu() - cpu
    marks = {
        key: float(value)
        for key, value in (
            line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1
        )
    }
    if "ready" not in marks:
        raise SystemExit(f"the app in {tree or 'this tree'} did not report ready:\n{proc.stderr}")
    return {**marks, "cpu": cpu}


#: Starts the app in the tree on the path, presses Train the moment it is ready (on the next
#: turn of the event loop, like a click) and prints the seconds until the first epoch report
#: arrives; works on any checkout (it uses only the window's actions and signals).
TRAIN_AT_READY = """
import os, time
from PySide6.QtCore import QTimer
import nnstudio.gui.main_window as mw

original = mw.MainWindow.__init__


def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    window, pressed = self, []

    def press():
        pressed.append(time.time())
        window.actions_by_name["train"].trigger()

    def events(batch):
        if pressed and any(type(e).__name__ == "EpochReport" for e in batch):
            print(f"first_epoch {time.time() - pressed[0]:.3f}", flush=True)
            window.controller.shutdown()
            window.controller.close_process()
            os._exit(0)

    self.ready.connect(lambda: QTimer.singleShot(0, press))
    self.ready.connect(lambda: self.controller.events_ready.connect(events))


mw.MainWindow.__init__ = init
from nnstudio.gui.app import run_app

run_app(None, argv=["nnstudio"])
"""


def _script_marks(tree: str | None, script: str, what: str, key: str) -> dict[str, float]:
    """Run ``script`` (it starts the app) against ``tree`` and read its "name value" lines;
    exits naming ``what`` when ``key`` is not among them."""
    root = tree if tree is not None else str(HERE.parent)
    env = dict(
        _environment(),
        QT_QPA_PLATFORM="offscreen",
        NNSTUDIO_SETTINGS_SCOPE="nnstudio-bench",
        PYTHONPATH=root,
    )
    with tempfile.TemporaryDirectory() as tmp:
        env["NNSTUDIO_DATA_DIR"] = tmp
        proc = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
    if key not in marks:
        raise SystemExit(f"no {what} in {root}:\n{proc.stderr[-2000:]}")
    return {name: float(value) for name, value in marks.items()}


def train_at_ready_once(tree: str | None) -> float:
    """Seconds from pressing Train at "ready" to the first epoch report, in ``tree``."""
    marks = _script_marks(tree, TRAIN_AT_READY, "epoch report after Train at ready", "first_epoch")
    return marks["first_epoch"]


#: Starts the app in the tree on the path and, from "ready" until torch has been imported in
#: the app's process (and 0.3 s more), measures how late a 5 ms timer fires: what a user
#: feels of the background import while clicking around. Prints the largest lateness, the
#: 99th percentile and when torch arrived (seconds after ready).
AFTER_READY = """
import os, sys, time
from PySide6.QtCore import QTimer
import nnstudio.gui.main_window as mw

original = mw.MainWindow.__init__


def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    window, late, marks = self, [], {}
    timer = QTimer(self)
    timer.setInterval(5)

    def tick():
        now = time.perf_counter()
        late.append(max(0.0, now - marks["last"] - 0.005))
        marks["last"] = now
        mod = sys.modules.get("torch")
        spec = getattr(mod, "__spec__", None)
        if "torch_at" not in marks and mod is not None and not getattr(spec, "_initializing", 1):
            marks["torch_at"] = now
        if now - marks.get("torch_at", now + 1) > 0.3 or now - marks["ready"] > 10:
            timer.stop()
            late.sort()
            p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
            print(f"after_ready_max {late[-1] * 1000:.1f}", flush=True)
            print(f"after_ready_p99 {p99 * 1000:.1f}", flush=True)
            arrived = marks.get("torch_at", now) - marks["ready"]
            print(f"torch_after_ready {arrived:.3f}", flush=True)
            window.controller.close_process()
            os._exit(0)

    def ready():
        marks["ready"] = marks["last"] = time.perf_counter()
        timer.timeout.connect(tick)
        timer.start()

    self.ready.connect(ready)


mw.MainWindow.__init__ = init
from nnstudio.gui.app import run_app

run_app(None, argv=["nnstudio"])
"""


def after_ready_once(tree: str | None) -> dict[str, float]:
    """The event loop's lateness while torch arrives after "ready", in ``tree``."""
    return _script_marks(tree, AFTER_READY, "lateness after ready", "after_ready_max")


def _line(label: str, values: list[float], extra: str = "") -> str:
    med = statistics.median(values)
    return f"  {label:<24} median {med:.2f} s   min {min(values):.2f}  max {max(values):.2f}{extra}"


def startup(runs: int, baseline: str | None = None) -> None:
    trees: dict[str, str | None] = {"this": None}
    if baseline:
        trees = {"baseline": baseline, **trees}
    for tree in trees.values():
        app_once(tree)  # unmeasured: bytecode written, files in the page cache
    marks: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    floor, floor_cpu = [], []
    for round_ in range(runs):
        wall, used = floor_once()  # interleaved: the same machine state for all
        floor.append(wall)
        floor_cpu.append(used)
        order = list(trees.items())
        if round_ % 2:
            order.reverse()  # neither tree always runs right after the other's training
        for name, tree in order:
            marks[name].append(app_once(tree))
            marks[name][-1]["first_epoch"] = train_at_ready_once(tree)
            marks[name][-1].update(after_ready_once(tree))
    med = statistics.median
    print(f"start-up ({runs} runs, offscreen, from process launch):")
    print(_line("floor: PySide6 + torch", floor, f"   CPU {med(floor_cpu):.2f} s"))
    for name in trees:
        label = "" if len(trees) == 1 else f"[{name}] "

        def series(key: str, name: str = name) -> list[float]:
            return [m[key] for m in marks[name] if key in m]

        ready, cpu = series("ready"), series("cpu")
        print(_line(f"{label}first painted window", series("first_paint"), "   (target < 0.5 s)"))
        print(_line(f"{label}ready to train", ready, f"   CPU {med(cpu):.2f} s"))
        if series("ready_main_cpu"):
            torch_at = series("torch_imported")  # older trees: when torch arrived
            where = (
                f"torch imported at median {med(torch_at):.2f} s"
                if torch_at
                else f"torch in by then in {sum(series('torch_at_ready')):.0f} of {len(ready)} runs"
            )
            print(
                f"  {label}GUI thread CPU until ready  median {med(series('ready_main_cpu')):.2f} s"
                f"   {where}"
            )
        print(_line(f"{label}Train at ready → epoch 1", series("first_epoch")))
        print(
            f"  {label}after ready, until torch is in"
            f" (median {med(series('torch_after_ready')):.2f} s later):"
            f" event loop late by at most {med(series('after_ready_max')):.1f} ms"
            f" (p99 {med(series('after_ready_p99')):.1f} ms; medians over runs)"
        )
        print(
            f"  {label}ready / floor = {med(ready) / med(floor):.2f}x   (target <= 1.3x)"
            f"   CPU / floor CPU = {med(cpu) / med(floor_cpu):.2f}x"
        )
    if baseline:
        this, base = marks["this"], marks["baseline"]
        ratio = med([m["ready"] for m in this]) / med([m["ready"] for m in base])
        cpu_ratio = med([m["cpu"] for m in this]) / med([m["cpu"] for m in base])
        print(f"  this / baseline: ready {ratio:.2f}x   CPU {cpu_ratio:.2f}x")


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

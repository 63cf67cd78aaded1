"""Does training in the app keep the window responsive, and at what cost to training speed?

Opens the real main window (offscreen), trains a project with the live plots showing, and
meanwhile a 10 ms timer in the GUI thread measures how late each of its ticks arrives (event
loop latency). The same run is then trained headless, in one process, side by side:

- headless with the worker's thread count (the worker leaves a core for the GUI), and
- headless with torch's default thread count, for reference.

    python bench/bench_training_ui.py [--project samples/spirals.nnsproj] [--epochs 200]
        [--every-plot] [--profile OUT.prof]

``--every-plot`` puts the neuron view beside the plots (so the run sends weight snapshots and
the neurons redraw) and redraws every plot tab as soon as it is stale, not only the one in
front: the worst case of a student watching everything. ``--profile`` runs cProfile in the
GUI thread during the run, prints its top functions with their share of the GUI thread's time,
and the GUI thread's CPU milliseconds per second of training (less load-dependent than the
lateness figures on a busy machine).

Targets (issue 12): event-loop lateness p99 ≤ 16 ms (one frame at 60 Hz); in-app throughput
≥ 0.9× headless.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.core.project import load_project  # noqa: E402
from nnstudio.core.training import ReportPolicy, train  # noqa: E402
from nnstudio.core.training.plan import plan_run  # noqa: E402
from nnstudio.core.training.runtime.batching import worker_threads  # noqa: E402


def open_bench_window(size: tuple[int, int]):
    """The real main window, shown, with throw-away settings and data folder, collecting
    garbage as the app does; returns the application and the window."""
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.preferences import AppSettings

    os.environ["NNSTUDIO_DATA_DIR"] = tempfile.mkdtemp()
    app = QApplication.instance() or QApplication([])
    if not os.environ.get("BENCH_AUTOMATIC_GC"):
        # As the app does (nnstudio/gui/app.py): collect garbage in the GUI thread only.
        try:
            from nnstudio.gui.gc_policy import collect_in_gui_thread
        except ImportError:  # a tree from before the fix (side-by-side runs)
            print("automatic garbage collection (this tree has no gui/gc_policy.py)")
        else:
            collect_in_gui_thread(app)
    settings = AppSettings(
        QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    )
    window = MainWindow(settings)
    window.resize(*size)
    return app, window


def show_neurons_beside(window) -> None:
    """The neuron view docked beside the plots, so both are visible and live (in the main
    window they share a tab group: one hides the other)."""
    from PySide6.QtCore import Qt

    dock = window.docks["neurons"]
    window.removeDockWidget(dock)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.show()
    window.docks["plots"].show()


def in_app(
    project_path: Path,
    epochs: int,
    data: str | None,
    every_plot: bool = False,
    profile: Path | None = None,
) -> tuple[list[float], object, float]:
    """Train in the window; returns the lateness probes, the result and the GUI thread's
    CPU seconds during the run."""
    from nnstudio.gui.commands import SetDataSettingsCommand, SetTrainingSettingsCommand

    app, window = open_bench_window((1280, 800))
    window.show()
    window.start(project_path)
    doc = window.document
    if data:
        from nnstudio.core.data import DataSource

        doc.push(
            SetDataSettingsCommand(
                doc,
                doc.project.data.replace(
                    source=DataSource(kind="csv", path=str(Path(data).resolve()))
                ),
            )
        )
    doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(epochs=epochs)))
    every_view = QTimer()
    if every_plot:
        show_neurons_beside(window)
        every_view.setInterval(200)
        every_view.timeout.connect(window.workbench.plots.refresh_all)
    app.processEvents()

    lateness: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setInterval(10)

    def tick() -> None:
        elapsed = clock.restart()
        lateness.append(max(0.0, elapsed - 10.0))

    probe.timeout.connect(tick)
    results: list = []
    window.controller.run_finished.connect(results.append)
    window.controller.run_failed.connect(lambda m: results.append(m))
    # The app's own event loop (not a polling loop), left when the run ends.
    loop = QEventLoop()
    window.controller.run_finished.connect(lambda _r: loop.quit())
    window.controller.run_failed.connect(lambda _m: loop.quit())
    profiler = cProfile.Profile() if profile is not None else None
    cpu = time.thread_time()
    if profiler is not None:
        profiler.enable()
    window.train()
    clock.start()
    probe.start()
    every_view.start()
    if not results:
        loop.exec()
    if profiler is not None:
        profiler.disable()
    cpu = time.thread_time() - cpu
    probe.stop()
    every_view.stop()
    window.document.mark_saved()
    window.close()
    if isinstance(results[0], str):
        raise SystemExit(f"training failed: {results[0]}")
    if profiler is not None:
        profiler.dump_stats(str(profile))
    return lateness, results[0], cpu


def headless(project_path: Path, epochs: int, data: str | None, threads: int) -> object:
    project = load_project(project_path)
    if data:
        from nnstudio.core.data import DataSource

        project.data = project.data.replace(
            source=DataSource(kind="csv", path=str(Path(data).resolve()))
        )
    project.training = project.training.replace(epochs=epochs)
    plan = plan_run(project)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return train(plan.job, lambda e: None, policy=ReportPolicy(batches=False))
    finally:
        torch.set_num_threads(previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO / "samples" / "spirals.nnsproj")
    parser.add_argument("--data", help="replace the project's CSV")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--every-plot", action="store_true", help="neurons and every tab live")
    parser.add_argument("--profile", type=Path, help="cProfile the GUI thread into this file")
    parser.add_argument("--top", type=int, default=25, help="functions of the profile shown")
    args = parser.parse_args()
    if args.data:
        # The project and its data side by side in one folder: data outside a project's
        # folder makes the app ask first (a modal question nobody answers offscreen).
        folder = Path(tempfile.mkdtemp())
        shutil.copy(args.project, folder / args.project.name)
        shutil.copy(args.data, folder / Path(args.data).name)
        args.project, args.data = folder / args.project.name, str(folder / Path(args.data).name)
    default_threads = torch.get_num_threads()
    threads = worker_threads()

    lateness, app_result, gui_cpu = in_app(
        args.project, args.epochs, args.data, args.every_plot, args.profile
    )
    solo = headless(args.project, args.epochs, args.data, threads)
    full = headless(args.project, args.epochs, args.data, default_threads)

    lateness.sort()
    p50 = statistics.median(lateness)
    p99 = lateness[min(len(lateness) - 1, int(0.99 * len(lateness)))]
    print(
        f"project {args.project.name}, {args.epochs} epochs, {os.cpu_count()} cores; "
        f"worker uses {threads} torch thread(s)"
    )
    print(
        f"GUI event loop during training: {len(lateness)} probes of 10 ms, lateness "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lateness[-1]:.1f} ms   (target p99 ≤ 16)"
    )
    rate = app_result.samples_per_second
    print(
        f"GUI thread CPU during the run: {gui_cpu:.2f} s over {app_result.seconds:.2f} s of "
        f"training = {1000 * gui_cpu / max(app_result.seconds, 1e-9):.0f} ms per second"
        + ("   (every plot tab and the neuron view live)" if args.every_plot else "")
    )
    print(f"in the app (live plots):      {rate:>10,.0f} samples/s  {app_result.seconds:6.2f} s")
    print(
        f"headless, {threads} thread(s):         {solo.samples_per_second:>10,.0f} "
        f"samples/s  {solo.seconds:6.2f} s   app/headless {rate / solo.samples_per_second:.2f}×"
        "   (target ≥ 0.9)"
    )
    print(
        f"headless, {default_threads} thread(s) (default): {full.samples_per_second:>10,.0f} "
        f"samples/s  {full.seconds:6.2f} s   app/headless {rate / full.samples_per_second:.2f}×"
    )
    if args.profile is not None:
        print_profile(args.profile, args.top)


def print_profile(path: Path, top: int) -> None:
    """The GUI thread's costliest functions, by own time and by time including callees."""
    stats = pstats.Stats(str(path))
    total = stats.total_tt or 1e-9
    rows = stats.stats  # type: ignore[attr-defined]
    print(f"\nGUI thread profile: {total:.2f} s in Python-visible calls")
    for title, index in (("own time", 2), ("including callees", 3)):
        print(f"top {top} by {title}:   share   seconds   calls  function")
        ranked = sorted(rows.items(), key=lambda kv: kv[1][index], reverse=True)[:top]
        for (file, line, name), (_cc, calls, tt, ct, _callers) in ranked:
            value = tt if index == 2 else ct
            where = f"{Path(file).name}:{line}" if line else file
            print(f"  {100 * value / total:6.1f}%  {value:8.3f}  {calls:6d}  {name} ({where})")


if __name__ == "__main__":
    main()

"""Does training in the app keep the window responsive, and at what cost to training speed?

Opens the real main window (offscreen), trains a project with the live plots showing, and
meanwhile a 10 ms timer in the GUI thread measures how late each of its ticks arrives (event
loop lateness). Each round trains the same run three ways, side by side in one process:

- **floor**: in the same window, with the same reports arriving and the same snapshots taken,
  but with the views not redrawing (every plot view's ``refresh`` and the neuron view's
  drawing of a frame do nothing): the lateness that the machine's load, the reports' handling
  and the probe itself cause. The app cannot do better than this on this machine right now.
- **live**: the same, with every view drawing;
- **headless** with the worker's thread count (the worker leaves a core for the GUI).

    python bench/bench_training_ui.py [--project samples/spirals.nnsproj] [--epochs 200]
        [--rounds 2] [--every-plot] [--profile OUT.prof] [--top 20]

``--every-plot`` puts the neuron view beside the plots (so the run sends weight snapshots and
the neurons redraw) and keeps every plot tab fresh as if all were on screen, not only the one
in front: the worst case of a student watching everything. The lateness counts only once the
run's first report has arrived (the training process is up), until it ends.

Every event the GUI thread handles is timed (``QApplication.notify``): the table printed
names the kinds of top-level tasks (event type and receiver) by their longest and total
time, the paints by view, and how many tasks took longer than one 60 Hz frame (16 ms) —
a count that depends less on the machine's load than the lateness does. ``--profile`` adds
one more live run under cProfile (not counted in the figures) and prints its top functions.

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
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QSettings, QTimer  # noqa: E402
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


#: A task of the GUI thread longer than this misses a frame at 60 Hz.
FRAME_MS = 16.0


class TimedApplication(QApplication):
    """The application, timing every event its GUI thread handles while ``recording``.

    Top-level events (not sent from inside another one's handling) are the event loop's
    tasks: each is keyed by its event type and receiver. Paint events are also keyed by the
    view they paint, at any depth (a window's UpdateRequest paints all its dirty views).
    """

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.recording = False
        self._gui = threading.get_ident()
        self._depth = 0
        self.clear()

    def clear(self) -> None:
        #: key → [count, total ms, max ms]
        self.tasks: dict[str, list[float]] = {}
        self.paints: dict[str, list[float]] = {}
        #: The views' data refreshes, by view (live runs only).
        self.refreshes: dict[str, list[float]] = {}
        self.long_tasks = 0
        #: Tasks that took more than a frame of the GUI thread's own processor time: the
        #: app's share of the long tasks, whatever else the machine runs.
        self.long_cpu_tasks = 0

    def notify(self, receiver: Any, event: Any) -> bool:
        if not self.recording or threading.get_ident() != self._gui:
            return super().notify(receiver, event)
        kind = event.type()
        self._depth += 1
        start = time.perf_counter()
        cpu = time.thread_time() if self._depth == 1 else 0.0
        try:
            return super().notify(receiver, event)
        finally:
            ms = 1000 * (time.perf_counter() - start)
            self._depth -= 1
            if self._depth == 0:
                _add(self.tasks, f"{kind.name} → {_receiver_name(receiver)}", ms)
                if ms > FRAME_MS:
                    self.long_tasks += 1
                if 1000 * (time.thread_time() - cpu) > FRAME_MS:
                    self.long_cpu_tasks += 1
            if kind == QEvent.Type.Paint:
                _add(self.paints, _view_name(receiver), ms)


def _add(table: dict[str, list[float]], key: str, ms: float) -> None:
    """Count, total ms, longest ms, and how many took longer than a frame."""
    row = table.get(key)
    if row is None:
        table[key] = [1, ms, ms, int(ms > FRAME_MS)]
    else:
        row[0] += 1
        row[1] += ms
        row[2] = max(row[2], ms)
        row[3] += ms > FRAME_MS


def _receiver_name(obj: Any) -> str:
    """Class name, with the parent's for Qt's generic helpers (a QTimer, a viewport)."""
    try:
        name = type(obj).__name__
        label = obj.objectName()
        if name in ("QTimer", "QWidget", "QObject", "QWidgetWindow", "QWindow"):
            parent = obj.parent()
            if parent is not None:
                name += f"<{type(parent).__name__}>"
        return f"{name} '{label}'" if label else name
    except RuntimeError:  # deleted while handling the event
        return "(deleted)"


def _view_name(obj: Any) -> str:
    """The nearest NN Studio widget around ``obj`` (which tab or view a paint was for)."""
    try:
        for _level in range(6):
            if obj is None:
                break
            if type(obj).__module__.startswith("nnstudio"):
                return type(obj).__name__
            obj = obj.parent()
    except RuntimeError:
        return "(deleted)"
    return "(other)"


@dataclass
class RunFigures:
    """One in-app run: lateness probes (ms), the result, GUI CPU s, and the event tables."""

    lateness: list[float]
    result: Any
    gui_cpu: float
    tasks: dict[str, list[float]]
    paints: dict[str, list[float]]
    refreshes: dict[str, list[float]]
    long_tasks: int
    long_cpu_tasks: int

    def percentiles(self) -> tuple[float, float, float]:
        values = sorted(self.lateness) or [0.0]
        p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
        return statistics.median(values), p99, values[-1]


class InAppBench:
    """One window that trains the same run again and again, live or with its views silent."""

    def __init__(self, project_path: Path, epochs: int, data: str | None, every_plot: bool):
        from nnstudio.gui.commands import SetDataSettingsCommand, SetTrainingSettingsCommand

        self.app, self.window = open_bench_window((1280, 800))
        window = self.window
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
        self.every_view = QTimer()
        self.every_view.setObjectName("bench: every tab")
        if every_plot:
            show_neurons_beside(window)
            plots = window.workbench.plots
            if hasattr(plots, "live_views"):
                # Every tab counts as on screen: the panel's own scheduling keeps them fresh.
                plots.live_views = lambda: list(plots.views)
            else:  # a tree from before the frame budget: redraw them all 5 times a second
                self.every_view.setInterval(200)
                self.every_view.timeout.connect(plots.refresh_all)
        self.app.processEvents()

    def run(self, live: bool, profile: Path | None = None) -> RunFigures:
        """Train once from fresh weights; ``live``: the views draw (else the floor run)."""
        app, window = self.app, self.window
        window.reset_weights()
        silenced = self._time_views() if live else self._silence()
        lateness: list[float] = []
        clock = QElapsedTimer()
        probe = QTimer()
        probe.setObjectName("bench: probe")
        probe.setInterval(10)
        started = [False]

        def tick() -> None:
            elapsed = clock.restart()
            if started[0]:
                lateness.append(max(0.0, elapsed - 10.0))

        cpu = [0.0]

        def first_report(_events: list) -> None:
            if not started[0]:
                started[0] = True
                cpu[0] = time.thread_time()
                if isinstance(app, TimedApplication):
                    app.clear()
                    app.recording = True
                if profiler is not None:
                    profiler.enable()

        probe.timeout.connect(tick)
        controller = window.controller
        results: list = []
        loop = QEventLoop()

        def ended(outcome: Any) -> None:
            results.append(outcome)
            loop.quit()

        controller.events_ready.connect(first_report)
        controller.run_finished.connect(ended)
        controller.run_failed.connect(ended)
        profiler = cProfile.Profile() if profile is not None else None
        window.train()
        clock.start()
        probe.start()
        if self.every_view.interval() > 0:
            self.every_view.start()
        if not results:
            loop.exec()  # the app's own event loop, left when the run ends
        if profiler is not None:
            profiler.disable()
        cpu_s = time.thread_time() - cpu[0]
        if isinstance(app, TimedApplication):
            app.recording = False
        probe.stop()
        self.every_view.stop()
        controller.events_ready.disconnect(first_report)
        controller.run_finished.disconnect(ended)
        controller.run_failed.disconnect(ended)
        for obj, name in silenced:
            delattr(obj, name)
        if isinstance(results[0], str):
            raise SystemExit(f"training failed: {results[0]}")
        if profiler is not None:
            profiler.dump_stats(str(profile))
        timed = app if isinstance(app, TimedApplication) else None
        return RunFigures(
            lateness,
            results[0],
            cpu_s,
            dict(timed.tasks) if timed else {},
            dict(timed.paints) if timed else {},
            dict(timed.refreshes) if timed else {},
            timed.long_tasks if timed else 0,
            timed.long_cpu_tasks if timed else 0,
        )

    def _time_views(self) -> list[tuple[Any, str]]:
        """Time every view's data refresh (instance attributes wrapping the methods)."""
        app = self.app
        workbench = self.window.workbench
        wrapped: list[tuple[Any, str]] = []
        if not isinstance(app, TimedApplication):
            return wrapped

        def timed(obj: Any, name: str) -> None:
            method = getattr(obj, name)
            key = f"{type(obj).__name__}.{name}"

            def wrapper(*args: Any) -> Any:
                start = time.perf_counter()
                try:
                    return method(*args)
                finally:
                    if app.recording:
                        _add(app.refreshes, key, 1000 * (time.perf_counter() - start))

            setattr(obj, name, wrapper)
            wrapped.append((obj, name))

        for view in workbench.plots.views:
            timed(view, "refresh")
        timed(workbench.neurons, "_apply")
        return wrapped

    def _silence(self) -> list[tuple[Any, str]]:
        """Make every view's drawing a no-op (instance attributes hiding the methods)."""
        workbench = self.window.workbench
        silenced: list[tuple[Any, str]] = []
        for view in workbench.plots.views:
            view.refresh = lambda: None
            silenced.append((view, "refresh"))
        workbench.neurons._apply = lambda _frame, _source: None
        silenced.append((workbench.neurons, "_apply"))
        return silenced

    def close(self) -> None:
        self.window.document.mark_saved()
        self.window.close()


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
    parser.add_argument("--rounds", type=int, default=2, help="floor, live, headless rounds")
    parser.add_argument("--every-plot", action="store_true", help="neurons and every tab live")
    parser.add_argument("--profile", type=Path, help="cProfile one more live run into this file")
    parser.add_argument("--top", type=int, default=12, help="rows of each table shown")
    args = parser.parse_args()
    if args.data:
        # The project and its data side by side in one folder: data outside a project's
        # folder makes the app ask first (a modal question nobody answers offscreen).
        folder = Path(tempfile.mkdtemp())
        shutil.copy(args.project, folder / args.project.name)
        shutil.copy(args.data, folder / Path(args.data).name)
        args.project, args.data = folder / args.project.name, str(folder / Path(args.data).name)
    threads = worker_threads()
    if QApplication.instance() is None:
        TimedApplication([])
    bench = InAppBench(args.project, args.epochs, args.data, args.every_plot)
    floors: list[RunFigures] = []
    lives: list[RunFigures] = []
    solos: list[Any] = []
    for round_ in range(args.rounds):
        # Alternate the order, so that a drift of the machine's load favours neither.
        for live in (False, True) if round_ % 2 == 0 else (True, False):
            (lives if live else floors).append(bench.run(live))
        solos.append(headless(args.project, args.epochs, args.data, threads))
        f, v, h = floors[-1], lives[-1], solos[-1]
        print(
            f"round {round_ + 1}: lateness p99 floor {f.percentiles()[1]:.1f} ms, "
            f"live {v.percentiles()[1]:.1f} ms; samples/s floor "
            f"{f.result.samples_per_second:,.0f}, live {v.result.samples_per_second:,.0f}, "
            f"headless {h.samples_per_second:,.0f}",
            flush=True,
        )
    if args.profile is not None:
        bench.run(True, args.profile)
    bench.close()

    print(
        f"\nproject {args.project.name}, {args.epochs} epochs, {os.cpu_count()} cores; worker "
        f"uses {threads} torch thread(s); {args.rounds} round(s), medians"
        + ("; every plot tab and the neuron view live" if args.every_plot else "")
    )
    print(
        "                         lateness p50    p99    max   tasks>16ms (CPU)  GUI CPU ms/epoch"
        "  samples/s  ÷headless"
    )
    solo_rate = statistics.median(h.samples_per_second for h in solos)
    for name, runs in (("floor (views silent)", floors), ("live", lives)):
        p50, p99, top = (statistics.median(r.percentiles()[i] for r in runs) for i in range(3))
        longs = statistics.median(r.long_tasks for r in runs)
        cpu_longs = statistics.median(r.long_cpu_tasks for r in runs)
        cpu = statistics.median(1000 * r.gui_cpu / max(1, r.result.epochs_run) for r in runs)
        rate = statistics.median(r.result.samples_per_second for r in runs)
        ratio = statistics.median(
            r.result.samples_per_second / h.samples_per_second
            for r, h in zip(runs, solos, strict=True)
        )
        print(
            f"{name:<22} {p50:10.1f} {p99:6.1f} {top:6.1f} {longs:12.0f} ({cpu_longs:3.0f})"
            f" {cpu:17.2f}"
            f" {rate:10,.0f} {ratio:9.2f}×"
        )
    print(f"{'headless':<22} {'':62} {solo_rate:10,.0f}")
    live_p99 = statistics.median(r.percentiles()[1] for r in lives)
    floor_p99 = statistics.median(r.percentiles()[1] for r in floors)
    print(
        f"live p99 {live_p99:.1f} ms vs floor {floor_p99:.1f} ms: "
        f"×{live_p99 / max(floor_p99, 0.1):.2f}"
        "   (targets: live p99 ≤ 16 ms; live ÷ headless ≥ 0.9×)"
    )
    ratio = statistics.median(
        v.result.samples_per_second / f.result.samples_per_second
        for v, f in zip(lives, floors, strict=True)
    )
    print(f"in-app throughput live ÷ floor (what drawing costs training): {ratio:.2f}×")
    for name, runs in (("live", lives), ("floor", floors)):
        print_tasks(name, runs, args.top)
    if args.profile is not None:
        print_profile(args.profile, args.top)


def print_tasks(name: str, runs: list[RunFigures], top: int) -> None:
    """The GUI thread's tasks over all ``runs``: the longest kinds, the costliest in total."""
    tasks: dict[str, list[float]] = {}
    paints: dict[str, list[float]] = {}
    refreshes: dict[str, list[float]] = {}
    for run in runs:
        for table, mine in (
            (tasks, run.tasks),
            (paints, run.paints),
            (refreshes, run.refreshes),
        ):
            for key, (count, total, worst, longer) in mine.items():
                row = table.setdefault(key, [0, 0.0, 0.0, 0])
                row[0] += count
                row[1] += total
                row[2] = max(row[2], worst)
                row[3] += longer
    epochs = sum(r.result.epochs_run for r in runs) or 1
    print(f"\nGUI thread tasks, {name} runs ({len(runs)}), {epochs} epochs in all:")
    for title, index, table in (
        ("most often longer than 16 ms", 3, tasks),
        ("longest", 2, tasks),
        ("costliest in total", 1, tasks),
        ("paints by view, costliest in total", 1, paints),
        ("views' data refreshes, costliest in total", 1, refreshes),
    ):
        if not table:
            continue
        print(f"  {title}:   max ms   total ms   count  >16 ms  ms/epoch  event → receiver")
        ranked = sorted(table.items(), key=lambda kv: kv[1][index], reverse=True)[:top]
        for key, (count, total, worst, longer) in ranked:
            print(
                f"    {worst:22.1f} {total:10.1f} {count:7.0f} {longer:7.0f} "
                f"{total / epochs:9.2f}  {key}"
            )


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

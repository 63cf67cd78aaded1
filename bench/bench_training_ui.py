"""Does training in the app keep the window responsive, and at what cost to training speed?

Opens the real main window (offscreen), trains a project with the live plots showing, and
meanwhile a 10 ms timer in the GUI thread measures how late each of its ticks arrives (event
loop latency). The same run is then trained headless, in one process, side by side:

- headless with the worker's thread count (the worker leaves a core for the GUI), and
- headless with torch's default thread count, for reference.

    python bench/bench_training_ui.py [--project samples/spirals.nnsproj] [--epochs 200]

Targets (issue 5): event-loop latency p99 under 50 ms; in-app throughput ≥ 0.8× headless.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.core.project import load_project  # noqa: E402
from nnstudio.core.training import ReportPolicy, train  # noqa: E402
from nnstudio.core.training.plan import plan_run  # noqa: E402
from nnstudio.core.training.runtime.batching import worker_threads  # noqa: E402


def in_app(project_path: Path, epochs: int, data: str | None) -> tuple[list[float], object]:
    from nnstudio.gui.commands import SetDataSettingsCommand, SetTrainingSettingsCommand
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.preferences import AppSettings

    os.environ["NNSTUDIO_DATA_DIR"] = tempfile.mkdtemp()
    app = QApplication.instance() or QApplication([])
    settings = AppSettings(
        QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    )
    window = MainWindow(settings)
    window.resize(1280, 800)
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
    window.train()
    clock.start()
    probe.start()
    while not results:
        app.processEvents()
        time.sleep(0.001)
    probe.stop()
    window.document.mark_saved()
    window.close()
    if isinstance(results[0], str):
        raise SystemExit(f"training failed: {results[0]}")
    return lateness, results[0]


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
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    threads = worker_threads()

    lateness, app_result = in_app(args.project, args.epochs, args.data)
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
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lateness[-1]:.1f} ms   (target p99 < 50)"
    )
    rate = app_result.samples_per_second
    print(f"in the app (live plots):      {rate:>10,.0f} samples/s  {app_result.seconds:6.2f} s")
    print(
        f"headless, {threads} thread(s):         {solo.samples_per_second:>10,.0f} "
        f"samples/s  {solo.seconds:6.2f} s   app/headless {rate / solo.samples_per_second:.2f}×"
        "   (target ≥ 0.8)"
    )
    print(
        f"headless, {default_threads} thread(s) (default): {full.samples_per_second:>10,.0f} "
        f"samples/s  {full.seconds:6.2f} s   app/headless {rate / full.samples_per_second:.2f}×"
    )


if __name__ == "__main__":
    main()

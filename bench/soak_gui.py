"""Soak in the app: a long run in the real main window with every live plot drawing.

Memory that grows with the length of a run (a plot buffer that keeps every batch, a scene
item never removed, a snapshot kept per report) shows only in long runs, and only where the
live plots draw. This opens the real main window (offscreen), shows the neuron view beside
the plots (so the run sends weight snapshots and the neurons redraw), trains a small sample
for ``--epochs`` epochs, and while it trains

- redraws every plot tab (loss, learning rate, activation derivatives, gradients, weights,
  decision boundary) as soon as it is stale, not just the one in front, so each of them
  draws the whole run as a student flicking through the tabs would see it;
- takes the resident set size of the GUI process and of the training child every
  ``--every`` seconds, with the epoch reached.

It prints the curve and, after ``--warmup`` epochs, the least-squares growth per 1,000 epochs
of each process, and the points the per-batch loss curve holds at the end.

    QT_QPA_PLATFORM=offscreen python bench/soak_gui.py [--project samples/spirals.nnsproj]
        [--epochs 5000] [--every 3] [--warmup 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# Shared with the other benchmarks (run as scripts, so bench/ is on the path).
from bench_training_ui import open_bench_window, show_neurons_beside  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from soak import slope  # noqa: E402


def rss_kib(pid: int | str = "self") -> int | None:
    """Resident set size of a process (Linux /proc), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children() -> list[int]:
    """Process ids whose parent is this process (the training child)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name is in parentheses and may hold spaces: split after it.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            found.append(int(entry.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO / "samples" / "spirals.nnsproj")
    parser.add_argument("--data", help="replace the project's CSV")
    parser.add_argument("--epochs", type=int, default=5_000)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between samples")
    parser.add_argument("--warmup", type=int, default=1_000, help="epochs left out of the fit")
    parser.add_argument("--no-neurons", action="store_true", help="leave the neuron view hidden")
    parser.add_argument("--front-only", action="store_true", help="redraw only the front tab")
    parser.add_argument("--shot", type=Path, help="save a picture of the window at the end")
    args = parser.parse_args()

    from nnstudio.gui.commands import SetDataSettingsCommand, SetTrainingSettingsCommand

    app, window = open_bench_window((1600, 1000))
    window.show()
    window.start(args.project)
    doc = window.document
    if args.data:
        from nnstudio.core.data import DataSource

        source = DataSource(kind="csv", path=str(Path(args.data).resolve()))
        doc.push(SetDataSettingsCommand(doc, doc.project.data.replace(source=source)))
    doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(epochs=args.epochs)))
    # The neurons out of the plots' tab group, side by side, so both are visible and live.
    if not args.no_neurons:
        show_neurons_beside(window)
    app.processEvents()
    plots = window.workbench.plots

    # Every tab draws what is stale, at the panel's own pace (5 per second).
    every_view = QTimer()
    every_view.setInterval(200)
    every_view.timeout.connect(plots.refresh_all)

    curve: list[tuple[float, int, int, int | None]] = []
    started = time.perf_counter()

    def epoch_now() -> int:
        progress = window.run_progress
        return progress.epochs_done if progress is not None else 0

    def sample() -> None:
        kids = children()
        child = sum(k for k in (rss_kib(p) for p in kids) if k) if kids else None
        curve.append((time.perf_counter() - started, epoch_now(), rss_kib() or 0, child))

    sampler = QTimer()
    sampler.setInterval(int(args.every * 1000))
    sampler.timeout.connect(sample)

    results: list = []
    window.controller.run_finished.connect(results.append)
    window.controller.run_failed.connect(lambda m: results.append(m))
    window.train()
    if not args.front_only:
        every_view.start()
    sampler.start()
    sample()
    while not results:
        app.processEvents()
        time.sleep(0.002)
    sample()
    every_view.stop()
    sampler.stop()
    seconds = time.perf_counter() - started
    record = plots.record
    loss_view = plots.view("Loss & metric")
    plots.refresh_all()
    shown = len(loss_view.batch_curve.xData) if loss_view.batch_curve.xData is not None else 0
    if args.shot:
        app.processEvents()
        window.grab().save(str(args.shot))
        neurons = window.docks["neurons"]
        neurons.grab().save(str(args.shot.with_name(f"{args.shot.stem}-neurons.png")))
    neurons_live = window.workbench.neurons.isVisible()
    window.document.mark_saved()
    window.close()
    if isinstance(results[0], str):
        raise SystemExit(f"training failed: {results[0]}")
    result = results[0]

    batches = getattr(record.batch_loss, "count", len(record.batch_loss))
    print(
        f"{args.project.name}: {result.epochs_run} epochs, {batches} batches, {seconds:.0f} s "
        f"in the app, every plot tab and the neuron view live "
        f"(neurons visible: {neurons_live}, weight snapshots: "
        f"{window.controller.watch.weights})"
    )
    print(f"per-batch loss curve at the end: {len(record.batch_loss)} points kept, {shown} drawn")
    print(f"{'s':>6} {'epoch':>7} {'GUI MiB':>9} {'child MiB':>10}")
    for t, epoch, gui, child in curve:
        child_text = f"{child / 1024:>10.1f}" if child else f"{'-':>10}"
        print(f"{t:>6.0f} {epoch:>7} {gui / 1024:>9.1f} {child_text}")
    # The last sample is taken after the run ended: the finished run's history (every batch)
    # and the final evaluation arrive then, once; it is shown but left out of the growth.
    during, final = curve[:-1], curve[-1]
    print(
        f"after the run ended: GUI {final[2] / 1024:.1f} MiB"
        + (f", child {final[3] / 1024:.1f} MiB" if final[3] else "")
    )
    after = [c for c in during if c[1] >= args.warmup]
    if len(after) < 3:
        print("too few samples after warm-up")
        return
    epochs = [float(c[1]) for c in after]
    gui = [float(c[2]) for c in after]
    per_1000 = slope(epochs, gui) * 1000
    print(
        f"while training, after warm-up (epoch ≥ {args.warmup}): GUI first "
        f"{gui[0] / 1024:.1f} MiB, last {gui[-1] / 1024:.1f} MiB, "
        f"max {max(gui) / 1024:.1f} MiB, slope {per_1000:+.1f} KiB per 1,000 epochs"
    )
    kid = [(float(c[1]), float(c[3])) for c in after if c[3]]
    if len(kid) >= 3:
        ks = [k for _e, k in kid]
        per_1000 = slope([e for e, _k in kid], ks) * 1000
        print(
            f"while training, after warm-up: child first {ks[0] / 1024:.1f} MiB, last "
            f"{ks[-1] / 1024:.1f} MiB, max {max(ks) / 1024:.1f} MiB, "
            f"slope {per_1000:+.1f} KiB per 1,000 epochs"
        )


if __name__ == "__main__":
    main()

"""Soak: many epochs of a small sample, headless and in-process, with resident memory recorded.

Memory that grows with the number of epochs (a report kept per batch, a snapshot never
dropped, a history that copies itself) shows up only in long runs. This trains the XOR sample
(or another project) for ``--epochs`` epochs through the same engine the app and the command
line use, with the GUI's reporting (per-batch reports), taking the process's resident set size
every ``--every`` epochs, and prints the curve's summary after warm-up: first, last and
maximum RSS, and the least-squares slope in KiB per 1,000 epochs.

    python bench/soak.py [--project samples/xor_step.nnsproj] [--epochs 10000] [--every 250]

The engine's own history grows by design (one float per epoch, one per batch with per-batch
reports); the slope printed beside it is what that history alone accounts for.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nnstudio.core.project import load_project  # noqa: E402
from nnstudio.core.training import EpochReport, ReportPolicy, train  # noqa: E402
from nnstudio.core.training.plan import plan_run  # noqa: E402
from nnstudio.core.training.reports import BATCH_LIMIT  # noqa: E402


def rss_kib() -> int:
    """Resident set size now (Linux: /proc; elsewhere the peak, the best there is)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO / "samples" / "xor_step.nnsproj")
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--warmup", type=int, default=1_000, help="epochs left out of the fit")
    args = parser.parse_args()

    project = load_project(args.project)
    project.training = project.training.replace(epochs=args.epochs)
    plan = plan_run(project)
    curve: list[tuple[int, int]] = [(0, rss_kib())]
    batches = [0]

    def on_event(event: object) -> None:
        if isinstance(event, EpochReport) and event.epoch % args.every == 0:
            curve.append((event.epoch, rss_kib()))
        elif type(event).__name__ == "BatchReport":
            batches[0] += 1

    started = time.perf_counter()
    result = train(plan.job, on_event, policy=ReportPolicy(batches=True))
    seconds = time.perf_counter() - started
    print(f"{args.project.name}: {result.epochs_run} epochs, {batches[0]} batches, {seconds:.0f} s")
    print(f"{'epoch':>7} {'RSS MiB':>9}")
    for epoch, kib in curve:
        print(f"{epoch:>7} {kib / 1024:>9.1f}")
    after = [(e, k) for e, k in curve if e >= args.warmup]
    if len(after) < 2:
        print("too few points after warm-up")
        return
    kibs = [k for _e, k in after]
    per_1000 = slope([e for e, _k in after], kibs) * 1000
    # A float in a Python list costs about 32 bytes (the object and its pointer); the history
    # keeps epoch, losses, lr and metrics per epoch, and loss and lr per batch up to its bound
    # (BATCH_LIMIT points; past it the batch curves stop growing).
    epochs = max(1, result.epochs_run)
    per_batch = 2 * min(batches[0], BATCH_LIMIT) / epochs
    history_kib = ((4 + len(result.history.metrics)) + per_batch) * 32 * 1000 / 1024
    print(
        f"after warm-up (epoch ≥ {args.warmup}): first {kibs[0] / 1024:.1f} MiB, last "
        f"{kibs[-1] / 1024:.1f} MiB, max {max(kibs) / 1024:.1f} MiB, slope "
        f"{per_1000:+.1f} KiB per 1,000 epochs (the history's own floats, over the run: about "
        f"{history_kib:.1f} KiB per 1,000 epochs)"
    )


if __name__ == "__main__":
    main()

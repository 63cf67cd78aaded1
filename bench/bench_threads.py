"""How many torch threads to train with, on an idle machine and on a busy one.

Trains the case study's tuned network with ``nnstudio train`` in a fresh process for each
thread choice — 1 thread, every core, and the default (no ``NNSTUDIO_THREADS``) — first on an
idle machine, then beside competing busy processes (pure-Python loops, one per core by
default). Each choice runs ``--rounds`` times, interleaved, and the median samples per second
is reported with the default's ratio to the better of the two fixed choices.

    python bench/bench_threads.py [--epochs 3] [--rounds 3] [--busy 2] [--csv PATH]

The data is the real phone table when ``../shared`` is beside the repository, else the bundled
synthetic table with the same columns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "mobile_price_train.csv"
SYNTHETIC = REPO / "samples" / "mobile_price_synthetic.csv"
PROJECT = REPO / "samples" / "mobile_price.nnsproj"


def train_once(threads: int | None, epochs: int, csv: Path) -> float:
    """Samples per second of one ``nnstudio train`` in a fresh process."""
    env = dict(os.environ)
    env.pop("NNSTUDIO_THREADS", None)
    env.pop("OMP_NUM_THREADS", None)
    env.pop("MKL_NUM_THREADS", None)
    if threads is not None:
        env["NNSTUDIO_THREADS"] = str(threads)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnstudio",
            "train",
            str(PROJECT),
            "--data",
            str(csv),
            "--target",
            "price_range",
            "--epochs",
            str(epochs),
            "--json",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return float(json.loads(done.stdout)["samples_per_second"])


def measure(label: str, epochs: int, rounds: int, csv: Path) -> dict[str, float]:
    cores = os.cpu_count() or 1
    choices = {"1 thread": 1, f"{cores} threads": cores, "default": None}
    seen: dict[str, list[float]] = {name: [] for name in choices}
    for _round in range(rounds):
        for name, threads in choices.items():
            seen[name].append(train_once(threads, epochs, csv))
    medians = {name: statistics.median(values) for name, values in seen.items()}
    best_fixed = max(medians["1 thread"], medians[f"{cores} threads"])
    print(f"\n{label}")
    for name, value in medians.items():
        print(f"  {name:<12} {value:>10,.0f} samples/s")
    print(f"  default / best fixed choice: {medians['default'] / best_fixed:.2f}×")
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--csv", type=Path, default=REAL if REAL.exists() else SYNTHETIC)
    args = parser.parse_args()
    print(f"data {args.csv.name}; {os.cpu_count()} cores; {args.epochs} epochs per run")
    measure("idle machine", args.epochs, args.rounds, args.csv)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        measure(f"beside {args.busy} busy processes", args.epochs, args.rounds, args.csv)
    finally:
        for process in busy:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()

"""Two processes with DistributedDataParallel (gloo) against one process, on this machine.

Trains the case study's network on the bundled phone table with ``nnstudio train`` in fresh
processes: one process with one thread and with every core, and ``torchrun --nproc-per-node 2
… --distributed`` with the cores shared between the two processes. Each choice runs
``--rounds`` times, interleaved; the median training throughput (the JSON's
``samples_per_second``, start-up not counted) and wall time are printed, each with its ratio
to the better one-process run.
Run at two batch sizes: a small batch is all communication (one gradient exchange and one
loss sum per step), a large one gives each process more arithmetic per exchange. When a CUDA
GPU is present it also prints the one-process GPU figures, with and without ``--amp``.

    python bench/bench_distributed.py [--epochs 10] [--rounds 3] [--batch 8 256]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "samples" / "mobile_price.nnsproj"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(
    processes: int, threads: int, epochs: int, batch: int, extra: list[str]
) -> tuple[float, float]:
    """(samples per second while training, wall seconds) of one fresh run."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NNSTUDIO_THREADS": str(threads)}
    command = [sys.executable]
    if processes:
        command += ["-m", "torch.distributed.run", "--nproc-per-node", str(processes)]
        command += ["--master-port", str(free_port())]
    command += ["-m", "nnstudio", "train", str(PROJECT), "--json", "--epochs", str(epochs)]
    command += ["--batch-size", str(batch), *extra]
    if processes:
        command.append("--distributed")
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout)["samples_per_second"], wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, nargs="+", default=[8, 256])
    args = parser.parse_args()

    import torch

    print(f"{os.cpu_count()} cores, torch {torch.__version__}, {args.epochs} epochs")
    print(f"{'batch':>6} {'run':<28} {'samples/s':>10} {'wall s':>7} {'ratio':>6}")
    print("ratio: to the better one-process CPU run at the same batch size")
    for batch in args.batch:
        cores = os.cpu_count() or 1
        share = max(1, cores // 2)
        choices = {
            "1 process, 1 thread": (0, 1),
            f"1 process, {cores} threads": (0, cores),
            f"2 processes x {share} (gloo DDP)": (2, share),
        }
        rates: dict[str, list[float]] = {name: [] for name in choices}
        walls: dict[str, list[float]] = {name: [] for name in choices}
        for _ in range(args.rounds):
            for name, (processes, threads) in choices.items():
                rate, wall = run(processes, threads, args.epochs, batch, ["--device", "cpu"])
                rates[name].append(rate)
                walls[name].append(wall)
        base = max(statistics.median(rates[name]) for name in list(choices)[:2])
        for name in choices:
            rate = statistics.median(rates[name])
            wall = statistics.median(walls[name])
            print(f"{batch:>6} {name:<28} {rate:>10.0f} {wall:>7.1f} {rate / base:>6.2f}")
        if torch.cuda.is_available():
            for name, extra in (("1 process, CUDA", []), ("1 process, CUDA --amp", ["--amp"])):
                rate, wall = run(0, 1, args.epochs, batch, ["--device", "cuda", *extra])
                print(f"{batch:>6} {name:<28} {rate:>10.0f} {wall:>7.1f} {rate / base:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Loading a large CSV: NN Studio's whole data path against its floor, side by side.

Generates (once, seeded, in a temporary folder kept between runs) a table of ``--rows`` rows ×
20 columns — 19 numeric inputs (floats and small integers) and a ``label`` column of 4
classes — then, in fresh processes with the rounds interleaved, measures:

* the floor: ``import torch, pandas; pandas.read_csv(FILE)`` — what any PyTorch program that
  reads the table pays;
* NN Studio: ``nnstudio summary PROJECT --data FILE --target label`` — read, sniffed, typed,
  checked, split, scaled and turned into tensors, then the network summarised (the project is
  the bundled phone-price sample, whose input size is ``auto``).

Each child's wall time, CPU time and peak resident memory (``ru_maxrss`` from ``os.wait4``)
are printed, with the ratios of the medians. Memory is also given above a bare
``import torch, pandas`` (the imports alone hold about 250 MB), as a multiple of the file's
size: what the table costs.

    python bench/bench_big_table.py [--rows 1000000] [--rounds 3] [--folder DIR]

``--engine c`` / ``--engine pyarrow`` sets ``NNSTUDIO_CSV_ENGINE`` for NN Studio's runs (the
default lets it choose: pyarrow when installed).
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

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "samples" / "mobile_price.nnsproj"
N_FLOAT, N_INT = 15, 4


def make_table(rows: int, folder: Path) -> Path:
    """The seeded table, written once per row count (about 170 bytes a row).

    Written by a child process: a child's peak memory (``ru_maxrss``) starts from what the
    parent held when it forked, so the parent must stay small.
    """
    path = folder / f"big-{rows}.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, __file__, "--write", str(path), "--rows", str(rows)], check=True
        )
    return path


def write_table(rows: int, path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(12)
    names = [f"f{j + 1}" for j in range(N_FLOAT)] + [f"n{j + 1}" for j in range(N_INT)]
    line = ",".join(["%.5f"] * N_FLOAT + ["%d"] * (N_INT + 1))
    partial = path.with_suffix(".part")
    with open(partial, "w", encoding="utf-8", newline="") as out:
        out.write(",".join([*names, "label"]) + "\n")
        chunk = 100_000
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            floats = rng.normal(0, 50, size=(n, N_FLOAT))
            ints = rng.integers(0, 1000, size=(n, N_INT))
            label = (floats[:, 0] > 0).astype(int) + 2 * (ints[:, 0] > 500)
            table = np.column_stack([floats, ints, label]).tolist()
            out.write("".join(line % tuple(row) + "\n" for row in table))
    partial.replace(path)


FLOOR = "import sys, torch, pandas; pandas.read_csv(sys.argv[1])"


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO
    )
    # os.wait4 reports the rusage of exactly this child (not of all children together).
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{error}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--folder", type=Path, default=Path(tempfile.gettempdir()) / "nnstudio-bench"
    )
    parser.add_argument("--engine", choices=("auto", "c", "pyarrow"), default="auto")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_table(args.rows, args.write)
        return

    started = time.perf_counter()
    csv = make_table(args.rows, args.folder)
    size = csv.stat().st_size
    print(
        f"{csv} — {args.rows:,} rows × 20 columns, {size / 1e6:.0f} MB "
        f"(ready in {time.perf_counter() - started:.1f} s); {os.cpu_count()} cores"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if args.engine != "auto":
        env["NNSTUDIO_CSV_ENGINE"] = args.engine
    commands = {
        "imports only (import torch, pandas)": [sys.executable, "-c", "import torch, pandas"],
        "floor (import torch, pandas; read_csv)": [sys.executable, "-c", FLOOR, str(csv)],
        "nnstudio summary --data": [
            sys.executable,
            "-m",
            "nnstudio",
            "summary",
            str(PROJECT),
            "--data",
            str(csv),
            "--target",
            "label",
        ],
    }
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for round_ in range(args.rounds):
        for name, command in commands.items():
            seconds, cpu, peak = run_child(command, env)
            runs[name].append((seconds, cpu, peak))
            print(
                f"  round {round_ + 1}: {name:<40} {seconds:6.2f} s  cpu {cpu:6.2f} s  "
                f"peak {peak / 1e6:6.0f} MB"
            )
    print()
    base = max(peak for _s, _c, peak in runs["imports only (import torch, pandas)"])
    medians = {}
    for name in commands:
        wall = statistics.median(s for s, _c, _p in runs[name])
        cpu = statistics.median(c for _s, c, _p in runs[name])
        peak = max(p for _s, _c, p in runs[name])
        medians[name] = wall, cpu
        print(
            f"{name:<40} median {wall:6.2f} s  cpu {cpu:6.2f} s   peak RSS {peak / 1e6:6.0f} MB; "
            f"above imports {(peak - base) / 1e6:5.0f} MB = {(peak - base) / size:.2f}× the file"
        )
    (floor, floor_cpu), (ours, ours_cpu) = list(medians.values())[1:]
    print(
        f"nnstudio / floor: {ours / floor:.2f}× wall, {ours_cpu / floor_cpu:.2f}× cpu "
        "(target ≤ 1.3×; data memory < 3× the file)"
    )


if __name__ == "__main__":
    main()

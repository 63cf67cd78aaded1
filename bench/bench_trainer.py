"""Training-engine throughput against a hand-written loop and the lessons' DataLoader loop.

All three train the same model (same seeded initial weights), on the same tensors, with the
same optimiser, for the same number of epochs, and all three compute the per-epoch training
loss and validation accuracy — so the ratio measures only what the engine adds (reports,
callbacks, NaN checks, stop/pause checkpoints, metric bookkeeping). Rounds are interleaved and
the median is reported, so background noise hits all three alike.

    python bench/bench_trainer.py [--csv ../shared/data/mobile_price_train.csv] [--rounds 3]
    python bench/bench_trainer.py --weight-guard [--rounds 7]
    python bench/bench_trainer.py --synthetic --batch 256 --baseline-engine OLD/engine.py

``--baseline-engine`` adds a column for another version of ``core/training/engine.py`` (say
the previous commit's, from ``git show HEAD~1:nnstudio/core/training/engine.py``), run in
the same rounds: a before/after figure that the machine's load cannot tilt. That file still
imports today's helpers (``safety.py``, the loss modules ...); ``--baseline-rev REV`` instead
loads the whole ``nnstudio`` package of git revision ``REV`` beside today's, so a change that
spans several modules is compared whole.

Every figure is a median over interleaved rounds, after one unmeasured run of each loop;
ratios are given in wall-clock time and in CPU time of this process (``time.process_time``),
which another process's load tilts less. The engine reports every batch, as for the app, to
the app's own pacing (``runtime.batching.EventBatcher``): lists handed on every 0.1 s and
dropped. ``--keep-reports`` keeps them all in one list instead, which the hand loop has no
counterpart for: ten thousand report objects per run at batch 8 that outlive it, so that
every few runs one of Python's full garbage collections (about 0.3 s here) falls into a
random engine run.

Prints a table of samples per second and ratios (engine / hand loop, engine / DataLoader), then
the phone-price recipe beside scikit-learn's MLPClassifier.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nnstudio.core.catalogue.layers import ShapeContext  # noqa: E402
from nnstudio.core.data import DataSettings, DataSource, load_table, prepare  # noqa: E402
from nnstudio.core.network.builder import build_model  # noqa: E402
from nnstudio.core.network.graph import Graph  # noqa: E402
from nnstudio.core.training import TrainingSettings  # noqa: E402
from nnstudio.core.training.runtime.batching import EventBatcher  # noqa: E402

#: Keep every report of an engine run in one list (set by --keep-reports).
KEEP_REPORTS = False

#: Hidden layers of the model under test (sigmoid): the tuned recipe, or the lesson's first
#: network on the large synthetic set.
HIDDEN = (128, 256, 512, 128)
LESSON_HIDDEN = (128, 256)
DEFAULT_CSV = REPO.parent / "shared" / "data" / "mobile_price_train.csv"
FALLBACK_CSV = REPO / "samples" / "mobile_price_synthetic.csv"


def load(csv: Path):
    settings = DataSettings(
        source=DataSource(kind="csv", path=str(csv)),
        targets=("price_range",),
        scaling="standard",
        split=(0.8, 0.2, 0.0),
        seed=88,
    )
    return prepare(load_table(settings.source), settings)


def synthetic(rows: int = 100_000, features: int = 20, classes: int = 4, seed: int = 0):
    """A large table like the phone data: 20 features, 4 classes from a noisy linear teacher."""
    from types import SimpleNamespace

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, features, generator=g)
    teacher = torch.randn(features, classes, generator=g)
    y = (x @ teacher + 0.5 * torch.randn(rows, classes, generator=g)).argmax(dim=1)
    cut = int(rows * 0.8)
    return SimpleNamespace(
        x_train=x[:cut],
        y_train=y[:cut],
        x_val=x[cut:],
        y_val=y[cut:],
        task="classification",
        n_classes=classes,
        n_features=features,
    )


def graph(n_in: int, n_out: int) -> Graph:
    g = Graph()
    prev = g.add_node("Input", {"size": n_in})
    for units in HIDDEN:
        node = g.add_node("Dense", {"units": units, "activation": "sigmoid"})
        g.add_edge(prev.id, node.id)
        prev = node
    out = g.add_node("Dense", {"units": n_out, "activation": "identity"})
    g.add_edge(prev.id, out.id)
    return g


def model_for(data) -> nn.Module:
    return build_model(
        graph(data.n_features, data.n_classes),
        ShapeContext(data.n_features, data.n_classes),
        seed=0,
    )


def val_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        acc = float((model(x).argmax(1) == y).float().mean())
    model.train()
    return acc


def run_engine(data, batch: int, epochs: int, lr: float, engine=None) -> tuple[float, float]:
    """Seconds (wall clock) and the last validation accuracy of one engine run."""
    from nnstudio.core.training import engine as current

    engine = engine or current
    settings = TrainingSettings(
        loss="cross_entropy",
        optimizer={"name": "adam", "lr": lr},
        epochs=epochs,
        batch_size=batch,
        seed=0,
        device="cpu",
    )
    job = engine.TrainingJob(model_for(data), data, settings)
    # GUI-like: every batch reported, to the app's own pacing (reports handed on in lists
    # every 0.1 s, then dropped), or all kept in one list (--keep-reports, the old consumer).
    on_event = [].append if KEEP_REPORTS else EventBatcher(lambda reports: None)
    t = time.perf_counter()
    result = engine.train(job, on_event, policy=engine.ReportPolicy())
    seconds = time.perf_counter() - t
    return seconds, result.history.metrics["val_accuracy"][-1]


def load_engine(path: Path):
    """``path`` (another version of engine.py) as a module, beside the current engine."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_engine", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_engine"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def load_revision(rev: str):
    """The engine module of the ``nnstudio`` package at git revision ``rev``, loaded beside
    today's package.

    The old tree is unpacked into a temporary folder and imported under the same package
    name while today's modules are set aside; then today's are put back. The old modules
    keep their own references to each other (taken at import), so the old engine runs with
    the old helpers while the benchmark's own code keeps using today's.
    """
    import importlib
    import subprocess
    import tarfile
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bench-trainer-"))
    archive = subprocess.run(
        ["git", "archive", rev, "nnstudio"], cwd=REPO, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    ours = {k: m for k, m in sys.modules.items() if k == "nnstudio" or k.startswith("nnstudio.")}
    for key in ours:
        del sys.modules[key]
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module("nnstudio.core.training.engine")
        # Everything the old engine may import lazily at run time, loaded now from the old tree.
        for name in ("reports", "safety", "stats", "metrics", "control"):
            importlib.import_module(f"nnstudio.core.training.{name}")
    finally:
        sys.path.remove(str(folder))
        for key in [k for k in sys.modules if k == "nnstudio" or k.startswith("nnstudio.")]:
            del sys.modules[key]
        sys.modules.update(ours)
    return module


def run_hand(data, batch: int, epochs: int, lr: float) -> tuple[float, float]:
    """The loop a careful PyTorch user writes: batches by indexing in-memory tensors."""
    model = model_for(data)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    x, y = data.x_train, data.y_train
    n = len(x)
    acc = 0.0
    t = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            out = model(x[idx])
            loss = loss_fn(out, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        acc = val_accuracy(model, data.x_val, data.y_val)
    return time.perf_counter() - t, acc


def run_dataloader(data, batch: int, epochs: int, lr: float) -> tuple[float, float]:
    """The lessons' loop: TensorDataset + DataLoader(shuffle=True) rebuilt every epoch."""
    model = model_for(data)
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    dataset = TensorDataset(data.x_train, data.y_train)
    acc = 0.0
    t = time.perf_counter()
    for _ in range(epochs):
        loader = DataLoader(dataset, shuffle=True, batch_size=batch)
        total = 0.0
        for xb, yb in loader:
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        acc = val_accuracy(model, data.x_val, data.y_val)
    return time.perf_counter() - t, acc


def sklearn_comparison(data, epochs: int) -> None:
    from sklearn.neural_network import MLPClassifier

    x_train, y_train = data.x_train.numpy(), data.y_train.numpy()
    x_val, y_val = data.x_val.numpy(), data.y_val.numpy()
    clf = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        activation="logistic",
        solver="adam",
        learning_rate_init=1e-4,
        batch_size=8,
        max_iter=epochs,
        random_state=0,
        tol=0.0,
        n_iter_no_change=epochs + 1,
    )
    import warnings

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(x_train, y_train)
    sk_seconds = time.perf_counter() - t
    sk_acc = float((clf.predict(x_val) == y_val).mean())
    nn_seconds, nn_acc = run_engine(data, 8, epochs, 1e-4)
    print(
        f"\nphone-price tuned recipe ({'-'.join(map(str, HIDDEN))} sigmoid, Adam 1e-4, "
        f"batch 8, {epochs} epochs):"
    )
    print(f"  {'NN Studio engine':<26}{nn_seconds:8.2f} s   val accuracy {nn_acc:.4f}")
    print(f"  {'scikit-learn MLPClassifier':<26}{sk_seconds:8.2f} s   val accuracy {sk_acc:.4f}")
    print(f"  time ratio sklearn / engine: {sk_seconds / nn_seconds:.2f}×")


def weight_guard_cost(rounds: int) -> None:
    """The engine with and without its weight checks (``core/training/safety.py``), side by
    side, on a tiny network where per-step overhead weighs most (20-16-4, batch 8 and 32)."""
    from contextlib import contextmanager

    from nnstudio.core.training import safety

    @contextmanager
    def guard(on: bool):
        every, finite = safety.CHECK_EVERY, safety.WeightGuard.finite
        if not on:
            safety.CHECK_EVERY = 1 << 62
            safety.WeightGuard.finite = lambda self: True  # type: ignore[method-assign]
        try:
            yield
        finally:
            safety.CHECK_EVERY, safety.WeightGuard.finite = every, finite  # type: ignore

    global HIDDEN
    HIDDEN = (16,)
    data = synthetic(rows=20_000)
    print(f"weight checks every {safety.CHECK_EVERY} steps and at each epoch's end, 20-16-4 relu")
    print(f"{'batch':>6} {'off s':>8} {'on s':>8} {'on/off':>8}   (median of {rounds} rounds)")
    for batch in (8, 32):
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(rounds):
            for on in (False, True):
                with guard(on):
                    seconds, _acc = run_engine(data, batch, 3, 1e-3)
                times[on].append(seconds)
        off, on_ = statistics.median(times[False]), statistics.median(times[True])
        print(f"{batch:>6} {off:>8.3f} {on_:>8.3f} {on_ / off:>7.3f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--csv", type=Path, default=DEFAULT_CSV if DEFAULT_CSV.exists() else FALLBACK_CSV
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--samples",
        type=int,
        default=120_000,
        help="training samples per measurement (sets the epoch count)",
    )
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument(
        "--weight-guard",
        action="store_true",
        help="only measure what the engine's weight checks cost (on against off)",
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="100k synthetic rows of 20 features and the lesson's 20-128-256-4 network "
        "instead of the phone data and the tuned network",
    )
    parser.add_argument(
        "--batch", type=int, action="append", help="batch size to measure (repeatable)"
    )
    parser.add_argument(
        "--baseline-engine",
        type=Path,
        help="another engine.py to measure beside this one, in the same rounds",
    )
    parser.add_argument(
        "--keep-reports",
        action="store_true",
        help="keep all of an engine run's reports in one list, as this benchmark did before "
        "2026-12-04 (tens of thousands of objects that live on, so Python's full garbage "
        "collections of the whole process land in random engine runs)",
    )
    parser.add_argument(
        "--baseline-rev",
        help="a git revision whose whole nnstudio package is measured beside this one",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    global KEEP_REPORTS
    KEEP_REPORTS = args.keep_reports
    if args.weight_guard:
        weight_guard_cost(args.rounds)
        return
    global HIDDEN
    if args.synthetic:
        HIDDEN = LESSON_HIDDEN
        data, name = synthetic(), "synthetic table"
    else:
        data, name = load(args.csv), args.csv.name
    n = len(data.x_train)
    print(
        f"data: {name}, {n} training rows, {data.n_features} features; model "
        f"{data.n_features}-{'-'.join(map(str, HIDDEN))}-{data.n_classes} sigmoid, Adam; "
        f"torch {torch.__version__}, {args.threads} threads, {args.rounds} rounds (median)"
    )
    print(
        f"\n{'batch':>6} {'engine':>12} {'hand loop':>12} {'DataLoader':>12} "
        f"{'eng/hand':>9} {'eng/DL':>8}   (samples per second, wall clock)"
    )
    runners = {"engine": run_engine, "hand": run_hand, "dataloader": run_dataloader}
    if args.baseline_engine or args.baseline_rev:
        baseline = (
            load_revision(args.baseline_rev)
            if args.baseline_rev
            else load_engine(args.baseline_engine)
        )
        runners["baseline"] = lambda *a: run_engine(*a, engine=baseline)
    cpu_lines = []
    for batch in args.batch or (8, 64, 256):
        epochs = max(1, args.samples // n)
        times: dict[str, list[float]] = {k: [] for k in runners}
        cpu: dict[str, list[float]] = {k: [] for k in runners}
        # One unmeasured run each first: the first run of a process pays one-time work
        # (lazy imports, allocator growth) that would otherwise fall on whoever runs first.
        for fn in runners.values():
            fn(data, batch, 1, 1e-4)
        for _ in range(args.rounds):
            for name, fn in runners.items():
                c = time.process_time()
                seconds, _acc = fn(data, batch, epochs, 1e-4)
                cpu[name].append(time.process_time() - c)
                times[name].append(seconds)
        rate = {k: epochs * n / statistics.median(v) for k, v in times.items()}
        print(
            f"{batch:>6} {rate['engine']:>12,.0f} {rate['hand']:>12,.0f} "
            f"{rate['dataloader']:>12,.0f} {rate['engine'] / rate['hand']:>8.3f}× "
            f"{rate['engine'] / rate['dataloader']:>7.2f}×"
            + (
                f"   baseline/hand {rate['baseline'] / rate['hand']:.3f}×"
                f"  engine/baseline {rate['engine'] / rate['baseline']:.3f}×"
                if "baseline" in rate
                else ""
            )
        )
        med = {k: statistics.median(v) for k, v in cpu.items()}
        cpu_lines.append(
            f"{batch:>6} {med['engine']:>9.3f} {med['hand']:>9.3f} "
            f"{med['hand'] / med['engine']:>8.3f}×"
            + (
                f" {med['baseline']:>9.3f} {med['hand'] / med['baseline']:>12.3f}×"
                f" {med['baseline'] / med['engine']:>15.3f}×"
                if "baseline" in med
                else ""
            )
        )
    print(
        f"\n{'batch':>6} {'engine s':>9} {'hand s':>9} {'eng/hand':>9}"
        + (
            f" {'baseline s':>9} {'baseline/hand':>13} {'engine/baseline':>16}"
            if "baseline" in runners
            else ""
        )
        + "   (CPU seconds of this process, median; ratios as throughput)"
    )
    for line in cpu_lines:
        print(line)
    if not args.skip_sklearn and not args.synthetic:
        sklearn_comparison(data, 50)


if __name__ == "__main__":
    main()

"""Does pruning pay? A 20-trial Optuna search on the phone data, with and without pruning.

    python bench/bench_search.py [--trials 20] [--epochs 20] [--batch-size 32] [--csv PATH]

Both searches use the same sampler (TPE, seed 0) and the same settings (learning rate on a
log range, SGD or Adam); without pruning every trial trains all its epochs, which is what 20
full trials cost. Printed side by side: seconds, trials pruned, epochs trained, best value,
and the ratio of the two times. The data is /work/shared/data/mobile_price_train.csv when it
is there (the Kaggle table, 2000 rows), else samples/mobile_price_synthetic.csv.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nnstudio.core.data import DataSource, trust
from nnstudio.core.experiments.search import parse_param, run_search
from nnstudio.core.project import load_project

REPO = Path(__file__).resolve().parents[1]
SHARED_CSV = Path("/work/shared/data/mobile_price_train.csv")
SYNTHETIC_CSV = REPO / "samples" / "mobile_price_synthetic.csv"


def phone_project(csv: Path, epochs: int, batch_size: int):
    # The bench names its CSV itself (like --data on the command line): allow reading it
    # from outside the samples folder the project was opened from.
    trust.allow(csv)
    project = load_project(REPO / "samples" / "mobile_price.nnsproj")
    project.data = project.data.replace(
        source=DataSource(kind="csv", path=str(csv.resolve())),
        targets=("price_range",),
        ignored=(),
        kinds={},
        class_order=(),
    )
    project.preprocessor = None
    project.clear_training()
    project.training = project.training.replace(epochs=epochs, batch_size=batch_size)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args()
    csv = args.csv or (SHARED_CSV if SHARED_CSV.exists() else SYNTHETIC_CSV)
    project = phone_project(csv, args.epochs, args.batch_size)
    params = [parse_param("lr=1e-4:1e-1:log"), parse_param("optimizer=sgd,adam")]
    print(f"data: {csv}  trials: {args.trials}  epochs: {args.epochs}  batch: {args.batch_size}")
    results = {}
    for pruning in (True, False):
        result = run_search(project, params, trials=args.trials, pruning=pruning, seed=0)
        results[pruning] = result
        pruned = sum(t.state == "pruned" for t in result.trials)
        epochs = sum(len(t.curve) for t in result.trials)
        name = "with pruning" if pruning else "20 full trials" if args.trials == 20 else "full"
        print(
            f"{name:>15}: {result.seconds:7.1f} s  pruned {pruned:2d}/{len(result.trials)}  "
            f"epochs trained {epochs:4d}  best {result.metric} {result.best_value:.4f}"
        )
    ratio = results[True].seconds / results[False].seconds
    print(f"ratio (pruning / full): {ratio:.2f}  ({1 / ratio:.1f}x faster)")


if __name__ == "__main__":
    main()

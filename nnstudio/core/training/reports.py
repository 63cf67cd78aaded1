"""What a training run tells whoever watches it, and the history it leaves behind.

Reports are frozen dataclasses of plain floats and numpy arrays (never live tensors), so they
can cross threads and be kept by plots without holding on to the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RunStarted:
    epochs: int
    steps_per_epoch: int
    n_train: int
    start_epoch: int
    device: str


@dataclass(frozen=True)
class BatchReport:
    """One weight update. ``step`` counts updates since the run (or resumed run) began."""

    epoch: int
    batch: int
    step: int
    loss: float
    lr: float
    samples: int


@dataclass(frozen=True)
class Histogram:
    counts: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class LayerStats:
    """Per-layer internals at one moment: what the gradient-flow, weight and f′ plots draw.

    Keys are node ids. ``deriv`` holds the histogram of f′(z) over the batch for every layer
    with an activation; ``dead`` the fraction of ReLU-family units that were 0 for the whole
    batch.
    """

    epoch: int
    step: int
    grad_norm: Mapping[str, float]
    weight_hist: Mapping[str, Histogram]
    bias_hist: Mapping[str, Histogram]
    weight_summary: Mapping[str, tuple[float, float, float, float]]
    deriv: Mapping[str, Histogram]
    deriv_mean: Mapping[str, float]
    dead: Mapping[str, float]


@dataclass(frozen=True)
class EpochReport:
    epoch: int
    train_loss: float
    val_loss: float | None
    metrics: Mapping[str, float]
    lr: float
    seconds: float
    samples_per_second: float
    improved: bool = False


@dataclass(frozen=True)
class RunPaused:
    epoch: int
    step: int


@dataclass(frozen=True)
class RunEnded:
    """``reason``: finished, stopped, early_stopped, target_reached or diverged."""

    reason: str
    message: str
    epochs_run: int
    #: (epoch, batch) where the loss became non-finite, for a diverged run.
    diverged_at: tuple[int, int] | None = None


@dataclass
class History:
    """Per-epoch and per-batch curves. JSON-safe via :meth:`to_dict` (NaN stored as null)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    metrics: dict[str, list[float | None]] = field(default_factory=dict)
    batch_loss: list[float] = field(default_factory=list)
    batch_lr: list[float] = field(default_factory=list)
    #: (epoch, batch) where a run diverged, so plots can mark it.
    diverged_at: list[list[int]] = field(default_factory=list)

    def add_epoch(self, report: EpochReport) -> None:
        n = len(self.epoch)
        self.epoch.append(report.epoch)
        self.train_loss.append(report.train_loss)
        self.val_loss.append(report.val_loss)
        self.lr.append(report.lr)
        for key, value in report.metrics.items():
            self.metrics.setdefault(key, [None] * n).append(value)
        for values in self.metrics.values():
            if len(values) < n + 1:
                values.append(None)

    @property
    def epochs_done(self) -> int:
        return len(self.epoch)

    def last(self, key: str) -> float | None:
        if key in ("train_loss", "val_loss", "lr"):
            values = getattr(self, key)
        else:
            values = self.metrics.get(key, [])
        return values[-1] if values else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": list(self.epoch),
            "train_loss": _clean(self.train_loss),
            "val_loss": _clean(self.val_loss),
            "lr": _clean(self.lr),
            "metrics": {k: _clean(v) for k, v in self.metrics.items()},
            "batch_loss": _clean(self.batch_loss),
            "batch_lr": _clean(self.batch_lr),
            "diverged_at": [list(x) for x in self.diverged_at],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        def floats(values: Any) -> list[float | None]:
            return [None if v is None else float(v) for v in (values or [])]

        return cls(
            epoch=[int(e) for e in data.get("epoch", [])],
            train_loss=[math.nan if v is None else v for v in floats(data.get("train_loss"))],
            val_loss=floats(data.get("val_loss")),
            lr=[math.nan if v is None else v for v in floats(data.get("lr"))],
            metrics={str(k): floats(v) for k, v in (data.get("metrics") or {}).items()},
            batch_loss=[math.nan if v is None else v for v in floats(data.get("batch_loss"))],
            batch_lr=[math.nan if v is None else v for v in floats(data.get("batch_lr"))],
            diverged_at=[[int(a), int(b)] for a, b in data.get("diverged_at", [])],
        )


def _clean(values: list[Any]) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else float(v) for v in values]

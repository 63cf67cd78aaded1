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


#: Per-batch points a History keeps. Every batch is a loss and a learning rate (two Python
#: floats, ~64 bytes): kept without end, a long run's history grew ~1.3 MiB per 1,000 epochs in
#: the training process and in the saved file. No lesson, test or ordinary run reaches this
#: many batches, so for them the per-batch curves stay exact; a longer run halves its curves
#: here, as the plots' :class:`~nnstudio.core.training.series.BoundedSeries` does (6.4 MB at most).
BATCH_LIMIT = 100_000

#: The greatest ``batch_stride`` a history may claim: 2**30 batches per point is already far
#: beyond any run; a file claiming more is damaged or hostile.
MAX_BATCH_STRIDE = 2**30


def batch_stride_valid(stride: Any, points: int) -> bool:
    """Whether ``stride`` can be the stride of per-batch curves of ``points`` points.

    A stride is a power of two from 1 to :data:`MAX_BATCH_STRIDE` (each halving doubles it),
    and a halved history (stride above 1) never holds more than :data:`BATCH_LIMIT` points.
    """
    if isinstance(stride, bool) or not isinstance(stride, int):
        return False
    if stride < 1 or stride > MAX_BATCH_STRIDE or stride & (stride - 1):
        return False
    return stride == 1 or points <= BATCH_LIMIT


@dataclass
class History:
    """Per-epoch and per-batch curves. JSON-safe via :meth:`to_dict` (NaN stored as null).

    Per-epoch curves are exact. Per-batch curves (``batch_loss``, ``batch_lr``: plain lists,
    appended through :meth:`add_batch`) are exact up to :data:`BATCH_LIMIT` points; at the
    limit each neighbouring pair is replaced by its mean and ``batch_stride`` doubles, so each
    point then stands for ``batch_stride`` consecutive batches (the mean of their finite
    values). Batches of a group still being gathered are not in the lists (nor saved): at
    most ``batch_stride - 1`` batches, and only after a run went past the limit.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    metrics: dict[str, list[float | None]] = field(default_factory=dict)
    batch_loss: list[float] = field(default_factory=list)
    batch_lr: list[float] = field(default_factory=list)
    #: (epoch, batch) where a run diverged, so plots can mark it.
    diverged_at: list[list[int]] = field(default_factory=list)
    #: Consecutive batches each per-batch point stands for (1 until the limit is reached).
    batch_stride: int = 1
    #: The group being gathered once ``batch_stride`` > 1: batches, finite losses, their sum,
    #: finite learning rates, their sum.
    _pending: list[float] = field(
        default_factory=lambda: [0, 0, 0.0, 0, 0.0], init=False, repr=False, compare=False
    )

    def add_batch(self, loss: float, lr: float) -> None:
        """Record one weight update (the per-batch curves stay within :data:`BATCH_LIMIT`)."""
        if self.batch_stride == 1:
            self.batch_loss.append(loss)
            self.batch_lr.append(lr)
        else:
            pending = self._pending
            pending[0] += 1
            if math.isfinite(loss):
                pending[1] += 1
                pending[2] += loss
            if math.isfinite(lr):
                pending[3] += 1
                pending[4] += lr
            if pending[0] < self.batch_stride:
                return
            self.batch_loss.append(pending[2] / pending[1] if pending[1] else math.nan)
            self.batch_lr.append(pending[4] / pending[3] if pending[3] else math.nan)
            self._pending = [0, 0, 0.0, 0, 0.0]
        if len(self.batch_loss) >= BATCH_LIMIT:
            self._halve_batches()

    @property
    def batches_recorded(self) -> int:
        """Batches the per-batch points stand for (the group being gathered left out)."""
        return len(self.batch_loss) * self.batch_stride

    def _halve_batches(self) -> None:
        """Average neighbouring pairs until under the limit, doubling the stride each time.

        The lists are changed in place, so whoever holds them sees the new points. An odd
        last point (only in a file written before histories were bounded) becomes the start
        of the group being gathered, so no batch is lost.
        """
        while len(self.batch_loss) >= BATCH_LIMIT:
            stride = self.batch_stride
            n = len(self.batch_loss)
            if n % 2:
                loss, lr = self.batch_loss.pop(), self.batch_lr.pop()
                pending = self._pending
                pending[0] += stride
                if math.isfinite(loss):
                    pending[1] += stride
                    pending[2] += loss * stride
                if math.isfinite(lr):
                    pending[3] += stride
                    pending[4] += lr * stride
            self.batch_loss[:] = _pair_means(self.batch_loss)
            self.batch_lr[:] = _pair_means(self.batch_lr)
            self.batch_stride = stride * 2

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
        } | ({"batch_stride": self.batch_stride} if self.batch_stride > 1 else {})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        def floats(values: Any) -> list[float | None]:
            return [None if v is None else float(v) for v in (values or [])]

        batch_loss = [math.nan if v is None else v for v in floats(data.get("batch_loss"))]
        stride = data.get("batch_stride", 1)
        if not batch_stride_valid(stride, len(batch_loss)):
            raise ValueError(f"batch_stride {stride!r} is impossible")
        history = cls(
            epoch=[int(e) for e in data.get("epoch", [])],
            train_loss=[math.nan if v is None else v for v in floats(data.get("train_loss"))],
            val_loss=floats(data.get("val_loss")),
            lr=[math.nan if v is None else v for v in floats(data.get("lr"))],
            metrics={str(k): floats(v) for k, v in (data.get("metrics") or {}).items()},
            batch_loss=batch_loss,
            batch_lr=[math.nan if v is None else v for v in floats(data.get("batch_lr"))],
            diverged_at=[[int(a), int(b)] for a, b in data.get("diverged_at", [])],
            batch_stride=stride,
        )
        # A file from before the bound may hold more points: bring it within the limit now.
        if len(history.batch_loss) >= BATCH_LIMIT:
            history._halve_batches()
        return history


def _pair_means(values: list[float]) -> list[float]:
    """The mean of each neighbouring pair's finite values (NaN for a pair with none)."""
    out: list[float] = []
    for a, b in zip(values[0::2], values[1::2], strict=False):
        if math.isfinite(a):
            out.append((a + b) / 2 if math.isfinite(b) else a)
        else:
            out.append(b if math.isfinite(b) else math.nan)
    return out


def _clean(values: list[Any]) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else float(v) for v in values]

"""When does a run overfit? The rule behind the plots' teaching hint, kept free of Qt.

Overfitting shows in the loss curves as a validation loss that turns and climbs while the
training loss keeps falling: the network memorises the training rows instead of learning
what carries over to new ones. Validation losses are noisy, so the rule looks at a moving
average and asks for a clear, sustained rise, never a single bad epoch:

* the validation loss, averaged over the last ``smoothing`` epochs, has stayed clearly above
  its best average for the last ``patience`` epochs: by ``rise`` (relative), by ``min_rise``
  (absolute) and by ``noise`` times the loss's own epoch-to-epoch scatter, so that a noisy
  curve's lucky low point is not taken for the turn, and
* the averaged training loss is now lower than it was when validation was at its best.

A run whose losses only fluctuate, or whose training loss climbs too (a learning rate that
is too high, not overfitting), gets no verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Overfitting", "detect_overfitting"]


@dataclass(frozen=True)
class Overfitting:
    """The evidence for overfitting, in the raw numbers a student can find on the plot."""

    #: Epoch of the lowest validation loss (the weights early stopping would restore).
    best_epoch: int
    best_val_loss: float
    #: Epoch and losses of the latest report.
    epoch: int
    val_loss: float
    train_loss: float
    #: Training loss at ``best_epoch``: it has fallen since, while validation rose.
    train_at_best: float

    @property
    def epochs_since_best(self) -> int:
        return self.epoch - self.best_epoch


def _trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of each value and the ``window - 1`` before it (only where all exist)."""
    sums = np.cumsum(np.concatenate(([0.0], values)))
    return (sums[window:] - sums[:-window]) / window


def detect_overfitting(
    epochs: Sequence[float] | np.ndarray,
    train_loss: Sequence[float] | np.ndarray,
    val_loss: Sequence[float] | np.ndarray,
    *,
    smoothing: int = 5,
    patience: int = 10,
    rise: float = 0.25,
    min_rise: float = 0.01,
    noise: float = 3.0,
) -> Overfitting | None:
    """The evidence that the curves show overfitting now, or None.

    Parameters
    ----------
    epochs, train_loss, val_loss
        One value per epoch report; epochs whose losses are not finite (no validation split,
        a diverged epoch) are left out.
    smoothing
        Epochs in the moving average that evens out the validation noise.
    patience
        How many of the latest epochs the averaged validation loss must all sit clearly
        above its best.
    rise, min_rise, noise
        "Clearly above": by ``rise`` times the best, by at least ``min_rise``, and by
        ``noise`` times the scatter of the validation loss from one epoch to the next.
    """
    e = np.asarray(epochs, dtype=np.float64).reshape(-1)
    t = np.asarray(train_loss, dtype=np.float64).reshape(-1)
    v = np.asarray(val_loss, dtype=np.float64).reshape(-1)
    n = min(len(e), len(t), len(v))
    e, t, v = e[:n], t[:n], v[:n]
    keep = np.isfinite(e) & np.isfinite(t) & np.isfinite(v)
    e, t, v = e[keep], t[keep], v[keep]
    window = max(1, int(smoothing))
    patience = max(1, int(patience))
    if len(v) < window + patience:
        return None
    v_avg = _trailing_mean(v, window)
    t_avg = _trailing_mean(t, window)
    best = int(np.argmin(v_avg))
    floor = float(v_avg[best])
    threshold = floor + max(rise * abs(floor), min_rise, noise * _scatter(v))
    if len(v_avg) - 1 - best < patience or not (v_avg[-patience:] >= threshold).all():
        return None
    if not t_avg[-1] < t_avg[best]:
        return None  # the training loss rose too: unstable training, not overfitting
    raw_best = int(np.argmin(v))
    return Overfitting(
        best_epoch=_epoch(e[raw_best]),
        best_val_loss=float(v[raw_best]),
        epoch=_epoch(e[-1]),
        val_loss=float(v[-1]),
        train_loss=float(t[-1]),
        train_at_best=float(t[raw_best]),
    )


def _scatter(values: np.ndarray) -> float:
    """Robust standard deviation of the epoch-to-epoch noise (a steady trend is not noise).

    From the median absolute deviation of the differences between neighbouring epochs:
    a difference of two independent noisy values has √2 times their spread.
    """
    diffs = np.diff(values)
    if diffs.size < 2:
        return 0.0
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return 1.4826 * mad / math.sqrt(2.0)


def _epoch(value: float) -> int:
    return int(value) if math.isfinite(value) else 0

"""Dropout and batch normalisation as numbers (seed notes §8).

Dropout: in training mode each element is zeroed with probability ``p`` and every survivor
is multiplied by 1/(1 − p), so the expected sum stays the same; in eval mode nothing changes.
BatchNorm1d: in training mode each feature is normalised with the *batch's* mean and (biased)
variance, and the running statistics move towards them by ``momentum`` (the running variance
takes the unbiased variance); in eval mode the running statistics are used instead, so the
output no longer depends on the other samples of the batch.

Everything random happens in a forked RNG seeded by the caller: a re-sample with the same
seed gives the same mask, and the global random state is never disturbed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.lessons.lesson_inputs import LessonInputError
from nnstudio.i18n import N_, Text

__all__ = [
    "LESSON_BN",
    "LESSON_DROPOUT_INPUT",
    "LESSON_P",
    "BatchNormDemo",
    "BatchStats",
    "DropoutResult",
    "batchnorm_demo",
    "dropout_demo",
]

#: The lesson's dropout probability (nn.Dropout(p=0.4)).
LESSON_P = 0.4
#: The default input: easy to read before and after (survivors become 1.6667, 3.3333, ...).
LESSON_DROPOUT_INPUT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"


@dataclass(frozen=True)
class DropoutResult:
    """One pass of a tensor through ``nn.Dropout(p)``."""

    inputs: tuple[float, ...]
    kept: tuple[bool, ...]
    outputs: tuple[float, ...]
    p: float
    training: bool
    seed: int

    @property
    def scale(self) -> float:
        """What survivors are multiplied by in training mode: 1/(1 − p)."""
        return 1.0 / (1.0 - self.p)

    @property
    def n_dropped(self) -> int:
        return sum(not k for k in self.kept)


def dropout_demo(
    inputs: Sequence[float], p: float = LESSON_P, *, seed: int = 0, training: bool = True
) -> DropoutResult:
    """``inputs`` through dropout with probability ``p``, the mask drawn from ``seed``."""
    if not 0.0 <= p < 1.0:
        raise LessonInputError(Text(N_("p must be at least 0 and below 1, not {p:g}"), p=p))
    if not inputs:
        raise LessonInputError(Text(N_("type at least one number")))
    x = torch.tensor([float(v) for v in inputs])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        # Run on ones first: the mask alone (an input of 0 would hide whether it survived),
        # then reseed so the real pass draws the very same mask.
        mask = F.dropout(torch.ones_like(x), p, training=training) != 0
        torch.manual_seed(seed)
        out = nn.Dropout(p).train(training)(x)
    return DropoutResult(
        tuple(x.tolist()),
        tuple(bool(k) for k in mask.tolist()),
        tuple(out.tolist()),
        float(p),
        training,
        int(seed),
    )


@dataclass(frozen=True)
class BatchStats:
    """One training batch through BatchNorm1d: its statistics and the running ones after it."""

    index: int
    mean: tuple[float, ...]
    #: Biased variance (divides by n): what the batch is normalised with.
    var: tuple[float, ...]
    #: Unbiased variance (divides by n − 1): what the running variance moves towards.
    var_unbiased: tuple[float, ...]
    running_mean: tuple[float, ...]
    running_var: tuple[float, ...]


@dataclass(frozen=True)
class BatchNormDemo:
    """A few batches through one BatchNorm1d, then the last batch in train and eval mode."""

    batches: tuple[tuple[tuple[float, ...], ...], ...]
    stats: tuple[BatchStats, ...]
    momentum: float
    eps: float
    #: The last batch normalised with its own statistics (training mode).
    train_output: tuple[tuple[float, ...], ...]
    #: The same batch normalised with the running statistics (eval mode).
    eval_output: tuple[tuple[float, ...], ...]

    @property
    def last_batch(self) -> tuple[tuple[float, ...], ...]:
        return self.batches[-1]


#: The lesson's BatchNorm1d settings (PyTorch's defaults) and a small demo shape.
LESSON_BN = {"momentum": 0.1, "eps": 1e-5, "n_batches": 3, "batch_size": 4, "n_features": 2}
#: Feature means and spreads of the demo batches: far from 0 and 1, so normalising shows.
_CENTERS = (5.0, -2.0, 10.0, 0.5)
_SPREADS = (2.0, 0.5, 3.0, 1.0)


def batchnorm_demo(
    *,
    n_batches: int = 3,
    batch_size: int = 4,
    n_features: int = 2,
    momentum: float = 0.1,
    eps: float = 1e-5,
    seed: int = 0,
) -> BatchNormDemo:
    """Draw ``n_batches`` batches (seeded) and push them through ``nn.BatchNorm1d``.

    γ = 1 and β = 0 (as initialised), so the outputs show the normalisation alone.
    """
    if batch_size < 2:
        raise LessonInputError(Text(N_("batch norm needs at least 2 samples per batch")))
    if not 0.0 <= momentum <= 1.0:
        raise LessonInputError(Text(N_("momentum must be between 0 and 1, not {m:g}"), m=momentum))
    n_features = max(1, min(n_features, len(_CENTERS)))
    centers = torch.tensor(_CENTERS[:n_features])
    spreads = torch.tensor(_SPREADS[:n_features])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        draws = [
            torch.randn(batch_size, n_features) * spreads + centers
            for _ in range(max(1, n_batches))
        ]
    # One decimal: numbers a student can average in their head.
    draws = [torch.round(b * 10) / 10 for b in draws]
    bn = nn.BatchNorm1d(n_features, eps=eps, momentum=momentum)
    bn.train()
    stats = []
    train_output = torch.empty(0)
    with torch.no_grad():
        for i, batch in enumerate(draws):
            train_output = bn(batch)
            stats.append(
                BatchStats(
                    i + 1,
                    tuple(batch.mean(0).tolist()),
                    tuple(batch.var(0, unbiased=False).tolist()),
                    tuple(batch.var(0, unbiased=True).tolist()),
                    tuple(bn.running_mean.tolist()),
                    tuple(bn.running_var.tolist()),
                )
            )
        bn.eval()
        eval_output = bn(draws[-1])
    return BatchNormDemo(
        tuple(tuple(tuple(row) for row in b.tolist()) for b in draws),
        tuple(stats),
        float(momentum),
        float(eps),
        tuple(tuple(row) for row in train_output.tolist()),
        tuple(tuple(row) for row in eval_output.tolist()),
    )

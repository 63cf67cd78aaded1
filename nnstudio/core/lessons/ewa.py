"""The exponentially weighted average lesson: 30 days of temperatures, smoothed with β.

The lesson draws ``torch.manual_seed(0); torch.randn(30) * 10`` as the temperatures and
smooths them with S_1 = Y_1, S_t = β·S_{t−1} + (1−β)·Y_t for β = 0.5 and 0.9 ("larger β →
smoother"). This module recreates those exact numbers (from a private generator seeded 0, so
the app's global random state is left alone) and adds the textbook variant started from 0,
with and without bias correction. The smoothing itself is
:mod:`nnstudio.core.training.smoothing`, the one the loss plot uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nnstudio.core.training.smoothing import ema, ewa_from_zero

__all__ = [
    "EWA_DAYS",
    "EWA_SEED",
    "LESSON_BETA",
    "LESSON_BETAS",
    "EwaResult",
    "lesson_temperatures",
    "smooth_temperatures",
]

#: The lesson's ELEMENT_NUMBER: 30 days.
EWA_DAYS = 30
#: torch.manual_seed(0) in the lesson.
EWA_SEED = 0
#: The two β the lesson plots, and the one it calls the usual default.
LESSON_BETAS = (0.5, 0.9)
LESSON_BETA = 0.9


def lesson_temperatures(days: int = EWA_DAYS, seed: int = EWA_SEED) -> np.ndarray:
    """``torch.randn(days) * 10`` after seeding with ``seed``: the lesson's temperatures.

    A generator of its own draws the same numbers as ``torch.manual_seed`` would (both are
    CPU Mersenne twisters seeded alike) without moving the global random state.
    """
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(days, generator=generator) * 10).to(torch.float64).numpy()


@dataclass(frozen=True)
class EwaResult:
    """The raw series and its three smoothings for one β."""

    beta: float
    days: np.ndarray
    raw: np.ndarray
    #: The lesson's loop: S_1 = Y_1.
    lesson: np.ndarray
    #: From S_0 = 0 without correction: starts near 0, catches up after about 1/(1−β) days.
    from_zero: np.ndarray
    #: From S_0 = 0 divided by 1 − β^t.
    corrected: np.ndarray

    @property
    def window(self) -> float:
        """Roughly how many recent values the average spans: 1/(1−β)."""
        return float("inf") if self.beta >= 1.0 else 1.0 / (1.0 - self.beta)


def smooth_temperatures(beta: float, raw: np.ndarray | None = None) -> EwaResult:
    """All the lesson's smoothings of ``raw`` (default: the lesson's temperatures)."""
    values = lesson_temperatures() if raw is None else np.asarray(raw, dtype=np.float64)
    return EwaResult(
        beta=float(beta),
        days=np.arange(1, len(values) + 1, dtype=np.float64),
        raw=values,
        lesson=ema(values, beta),
        from_zero=ewa_from_zero(values, beta, bias_correction=False),
        corrected=ewa_from_zero(values, beta, bias_correction=True),
    )

"""Exponentially weighted averages: the one smoothing of the app.

The optimiser lesson introduces S_t = β·S_{t−1} + (1−β)·Y_t on 30 days of temperatures
before Momentum, RMSprop and Adam reuse it. The loss plot smooths per-batch losses with the
same rule and the EWA lesson view draws the temperatures with it, so both live here, Qt-free.

Two ways of starting are taught:

- the lesson's code starts at the first value (S_1 = Y_1), which needs no correction;
- the textbook form starts from S_0 = 0, which drags the first values towards 0; dividing by
  1 − β^t (bias correction, as Adam does) removes that drag.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ema", "ema_continue", "ewa_from_zero"]


def ema_continue(
    values: np.ndarray, beta: float, state: float | None
) -> tuple[np.ndarray, float | None]:
    """Continue an exponential moving average over ``values`` from ``state``.

    S_t = β·S_{t−1} + (1−β)·Y_t, started at the first value (S_1 = Y_1, as the lesson does;
    no bias correction is needed because it does not start from 0). Non-finite values are
    skipped: the average keeps its state and the output has NaN there, so a diverged batch
    leaves a gap instead of poisoning everything after it.
    Returns the smoothed values and the new state.
    """
    out = np.empty(len(values), dtype=np.float64)
    s = state
    b = float(beta)
    a = 1.0 - b
    isfinite = math.isfinite
    for i, y in enumerate(values.tolist()):
        if not isfinite(y):
            out[i] = math.nan
            continue
        s = y if s is None else b * s + a * y
        out[i] = s
    return out, s


def ema(values: np.ndarray, beta: float) -> np.ndarray:
    """The exponential moving average of a whole series (see :func:`ema_continue`)."""
    return ema_continue(np.asarray(values, dtype=np.float64), beta, None)[0]


def ewa_from_zero(values: np.ndarray, beta: float, *, bias_correction: bool) -> np.ndarray:
    """The textbook average started from S_0 = 0, with or without bias correction.

    Without correction the first values are pulled towards 0 (S_1 = (1−β)·Y_1: only a tenth
    of the first day at β = 0.9). With it each S_t is divided by 1 − β^t, the weight the
    average has gathered so far, which is what Adam does to its two moments.
    """
    y = np.asarray(values, dtype=np.float64).reshape(-1)
    b = float(beta)
    out = np.empty(len(y), dtype=np.float64)
    s = 0.0
    for t, value in enumerate(y.tolist(), start=1):
        s = b * s + (1.0 - b) * value
        if bias_correction:
            weight = 1.0 - b**t
            out[t - 1] = s / weight if weight > 0.0 else value
        else:
            out[t - 1] = s
    return out

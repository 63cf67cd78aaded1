"""Growable numpy buffers and the exponential moving average, for curves that grow live.

A training run appends thousands of points per second; re-creating arrays (or Python lists
converted on every redraw) would cost O(n) per update. A buffer whose capacity doubles costs
amortised O(1) per value and hands pyqtgraph a zero-copy view of the filled part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["GrowableBuffer", "ema", "ema_continue"]


class GrowableBuffer:
    """A 1-D float array that grows by doubling its capacity.

    :meth:`view` returns the filled slice without copying. Values already written never
    change, so a view handed to a plot stays valid even after the buffer reallocates.
    """

    __slots__ = ("_data", "_size")

    def __init__(self, capacity: int = 256, dtype: type | np.dtype = np.float64) -> None:
        self._data = np.empty(max(1, int(capacity)), dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    def _reserve(self, needed: int) -> None:
        if needed <= self._data.shape[0]:
            return
        capacity = self._data.shape[0]
        while capacity < needed:
            capacity *= 2
        grown = np.empty(capacity, dtype=self._data.dtype)
        grown[: self._size] = self._data[: self._size]
        self._data = grown

    def append(self, value: float) -> None:
        self._reserve(self._size + 1)
        self._data[self._size] = value
        self._size += 1

    def extend(self, values: Iterable[float] | np.ndarray) -> None:
        arr = np.asarray(values, dtype=self._data.dtype).reshape(-1)
        n = arr.shape[0]
        if n == 0:
            return
        self._reserve(self._size + n)
        self._data[self._size : self._size + n] = arr
        self._size += n

    def view(self) -> np.ndarray:
        """The filled part (a read-only view: plots must not write into our storage)."""
        out = self._data[: self._size]
        out.flags.writeable = False
        return out

    def last(self, default: float = math.nan) -> float:
        return float(self._data[self._size - 1]) if self._size else default

    def clear(self) -> None:
        self._size = 0


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

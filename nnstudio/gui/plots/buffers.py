"""Growable numpy buffers (and the core's bounded series and moving average), for live curves.

A training run appends thousands of points per second; re-creating arrays (or Python lists
converted on every redraw) would cost O(n) per update. A buffer whose capacity doubles costs
amortised O(1) per value and hands pyqtgraph a zero-copy view of the filled part. It suits
curves of one point per epoch; per-batch curves use the core's :class:`BoundedSeries`, whose
memory stays bounded however long the run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

# The bounded series and the smoothing are the core's (the smoothing is shared with the EWA
# lesson); re-exported for the plots.
from nnstudio.core.training.series import BoundedSeries, doubled_capacity, next_version
from nnstudio.core.training.smoothing import ema, ema_continue

__all__ = ["BoundedSeries", "GrowableBuffer", "ema", "ema_continue"]


class GrowableBuffer:
    """A 1-D float array that grows by doubling its capacity.

    :meth:`view` returns the filled slice without copying. Values already written never
    change, so a view handed to a plot stays valid even after the buffer reallocates.
    """

    __slots__ = ("_data", "_size", "version")

    def __init__(self, capacity: int = 256, dtype: type | np.dtype = np.float64) -> None:
        self._data = np.empty(max(1, int(capacity)), dtype=dtype)
        self._size = 0
        #: Changes whenever :meth:`view` may return something else (plots skip redraws);
        #: unique among all buffers and series, so a rebuilt record never repeats one.
        self.version = next_version()

    def __len__(self) -> int:
        return self._size

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    def _reserve(self, needed: int) -> None:
        if needed <= self._data.shape[0]:
            return
        grown = np.empty(doubled_capacity(self._data.shape[0], needed), dtype=self._data.dtype)
        grown[: self._size] = self._data[: self._size]
        self._data = grown

    def append(self, value: float) -> None:
        self._reserve(self._size + 1)
        self._data[self._size] = value
        self._size += 1
        self.version = next_version()

    def extend(self, values: Iterable[float] | np.ndarray) -> None:
        arr = np.asarray(values, dtype=self._data.dtype).reshape(-1)
        n = arr.shape[0]
        if n == 0:
            return
        self._reserve(self._size + n)
        self._data[self._size : self._size + n] = arr
        self._size += n
        self.version = next_version()

    def view(self) -> np.ndarray:
        """The filled part (a read-only view: plots must not write into our storage)."""
        out = self._data[: self._size]
        out.flags.writeable = False
        return out

    def last(self, default: float = math.nan) -> float:
        return float(self._data[self._size - 1]) if self._size else default

    def clear(self) -> None:
        self._size = 0
        self.version = next_version()

"""A per-batch curve with bounded memory, however long the run.

A run appends one loss (and one learning rate, one x position) per batch: 10,000 epochs of
a few hundred batches are millions of values, and a plot buffer that keeps them all grows
without end while a screen a thousand pixels wide can show only a thousand of them.
:class:`BoundedSeries` keeps at most ``limit`` points: when it is full it halves itself,
replacing each pair of neighbouring points by their mean, and from then on averages
``stride`` raw values into one point (the stride doubles at every halving). So the curve
stays a faithful, evenly downsampled picture of the whole run: every point is the mean of
the same number of consecutive raw values, the mean of the curve is the mean of the data
(up to the values still being gathered), and memory is O(limit).

Series appended in lockstep (x, loss and learning rate of the same batches, created with the
same limit) halve at the same moments, so their points stay paired.

A mean hides a spike (one batch whose loss jumps): created with ``envelope=True`` the series
also keeps, per point, the least and greatest raw value it stands for, so a plot can draw the
spikes where they were, as pyqtgraph's own peak downsampling does on screen.

Non-finite values (a diverged batch) are left out of a mean; a point whose raw values are all
non-finite is NaN, so a plot still shows the gap.

It lives in the core (no Qt) so that anything keeping a per-batch curve can use it; the GUI's
plot record does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np

__all__ = ["DEFAULT_LIMIT", "BoundedSeries", "doubled_capacity", "next_version"]

#: One counter for every series: a version is never reused, even by a series made later in
#: place of a cleared one, so "same version" always means "same data".
next_version = itertools.count(1).__next__

#: Points kept per series: 20,000 float64 are 160 kB, and still ~10 points per pixel of a
#: wide plot, so the downsampling is invisible on screen.
DEFAULT_LIMIT = 20_000


class BoundedSeries:
    """A 1-D float64 curve that keeps at most ``limit`` points (see the module docstring).

    ``len()`` is the number of points kept (what :meth:`view` returns); :attr:`count` is
    the number of raw values appended. :meth:`view` returns the points without copying; a
    halving builds a new array, so a view handed out earlier never changes under its holder.
    """

    __slots__ = (
        "_count",
        "_data",
        "_first",
        "_hi",
        "_last",
        "_limit",
        "_lo",
        "_pending_finite",
        "_pending_hi",
        "_pending_lo",
        "_pending_n",
        "_pending_sum",
        "_size",
        "_stride",
        "version",
    )

    def __init__(
        self, limit: int = DEFAULT_LIMIT, capacity: int = 1024, *, envelope: bool = False
    ) -> None:
        # An even limit keeps every point the mean of exactly ``stride`` raw values.
        self._limit = max(2, int(limit) + (int(limit) % 2))
        size = min(self._limit, max(1, int(capacity)))
        self._data = np.empty(size, dtype=np.float64)
        # With ``envelope`` each point also keeps the least and greatest raw value it stands
        # for: a mean hides a single diverging batch, which a student should still see.
        self._lo = np.empty(size, dtype=np.float64) if envelope else None
        self._hi = np.empty(size, dtype=np.float64) if envelope else None
        self.clear()

    def clear(self) -> None:
        self._size = 0
        self._count = 0
        self._stride = 1
        self._pending_sum = 0.0
        self._pending_n = 0  # raw values gathered for the next point
        self._pending_finite = 0  # of which finite (the mean's divisor)
        self._pending_lo = math.inf
        self._pending_hi = -math.inf
        self._first = math.nan
        self._last = math.nan
        #: Changes whenever :meth:`view` may return something else (plots skip redraws);
        #: unique among all series.
        self.version = next_version()

    # --- queries ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def capacity(self) -> int:
        """Points the storage has room for now (never more than :attr:`limit`)."""
        return int(self._data.shape[0])

    @property
    def count(self) -> int:
        """Raw values appended since the last :meth:`clear`."""
        return self._count

    @property
    def stride(self) -> int:
        """Raw values averaged into each point (1 until the first halving)."""
        return self._stride

    def view(self) -> np.ndarray:
        """The points kept (read-only: plots must not write into our storage)."""
        out = self._data[: self._size]
        out.flags.writeable = False
        return out

    def envelope(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(least, greatest) raw value behind each point, or None without ``envelope``."""
        if self._lo is None or self._hi is None:
            return None
        lo, hi = self._lo[: self._size], self._hi[: self._size]
        lo.flags.writeable = False
        hi.flags.writeable = False
        return lo, hi

    def first(self, default: float = math.nan) -> float:
        """The first raw value appended, exactly (the first point is a mean once halved)."""
        return self._first if self._count else default

    def last(self, default: float = math.nan) -> float:
        """The latest raw value appended, exactly."""
        return self._last if self._count else default

    # --- appending -------------------------------------------------------------------------

    def append(self, value: float) -> None:
        self.extend(np.asarray([value], dtype=np.float64))

    def extend(self, values: Iterable[float] | np.ndarray) -> None:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        n = arr.shape[0]
        if n == 0:
            return
        if not self._count:
            self._first = float(arr[0])
        self._last = float(arr[-1])
        self._count += n
        self.version = next_version()
        i = 0
        while i < n:
            if self._stride == 1 and not self._pending_n:
                # The common case before the first halving: copy a block straight in.
                take = min(n - i, self._limit - self._size)
                if take:
                    self._reserve(self._size + take)
                    self._data[self._size : self._size + take] = arr[i : i + take]
                    if self._lo is not None and self._hi is not None:
                        part = arr[i : i + take]
                        part = np.where(np.isfinite(part), part, math.nan)
                        self._lo[self._size : self._size + take] = part
                        self._hi[self._size : self._size + take] = part
                    self._size += take
                    i += take
                if self._size >= self._limit:
                    self._halve()
                continue
            # Finish the point being gathered, then whole points of ``stride`` values.
            need = self._stride - self._pending_n
            chunk = arr[i : i + need]
            finite = chunk[np.isfinite(chunk)]
            self._pending_sum += float(finite.sum())
            self._pending_n += chunk.shape[0]
            self._pending_finite += finite.shape[0]
            if finite.shape[0]:
                self._pending_lo = min(self._pending_lo, float(finite.min()))
                self._pending_hi = max(self._pending_hi, float(finite.max()))
            i += chunk.shape[0]
            if self._pending_n == self._stride:
                self._emit()
            whole = (n - i) // self._stride
            room = self._limit - self._size
            if whole and room:
                k = min(whole, room)
                block = arr[i : i + k * self._stride].reshape(k, self._stride)
                self._reserve(self._size + k)
                self._data[self._size : self._size + k] = _nanmean_rows(block)
                if self._lo is not None and self._hi is not None:
                    lo, hi = _nan_extremes_rows(block)
                    self._lo[self._size : self._size + k] = lo
                    self._hi[self._size : self._size + k] = hi
                self._size += k
                i += k * self._stride
            if self._size >= self._limit:
                self._halve()

    # --- internals -------------------------------------------------------------------------

    def _emit(self) -> None:
        finite = self._pending_finite
        value = self._pending_sum / finite if finite else math.nan
        self._reserve(self._size + 1)
        self._data[self._size] = value
        if self._lo is not None and self._hi is not None:
            self._lo[self._size] = self._pending_lo if finite else math.nan
            self._hi[self._size] = self._pending_hi if finite else math.nan
        self._size += 1
        self._pending_lo = math.inf
        self._pending_hi = -math.inf
        self._pending_sum = 0.0
        self._pending_n = 0
        self._pending_finite = 0
        if self._size >= self._limit:
            self._halve()

    def _reserve(self, needed: int) -> None:
        if needed <= self._data.shape[0]:
            return
        size = min(doubled_capacity(self._data.shape[0], needed), self._limit)
        self._data = _grown(self._data, self._size, size)
        if self._lo is not None and self._hi is not None:
            self._lo = _grown(self._lo, self._size, size)
            self._hi = _grown(self._hi, self._size, size)

    def _halve(self) -> None:
        """Replace each pair of points by its mean and double the stride (a new array)."""
        pairs = self._data[: self._size - self._size % 2].reshape(-1, 2)
        halved = np.empty(self._limit, dtype=np.float64)
        m = pairs.shape[0]
        halved[:m] = _nanmean_rows(pairs)
        self._data = halved
        if self._lo is not None and self._hi is not None:
            even = self._size - self._size % 2
            lo = np.empty(self._limit, dtype=np.float64)
            hi = np.empty(self._limit, dtype=np.float64)
            # fmin/fmax ignore a NaN beside a number: a gap shrinks to the half with data.
            lo[:m] = np.fmin(self._lo[0:even:2], self._lo[1:even:2])
            hi[:m] = np.fmax(self._hi[0:even:2], self._hi[1:even:2])
            self._lo, self._hi = lo, hi
        self._size = m
        self._stride *= 2


def doubled_capacity(capacity: int, needed: int) -> int:
    """``capacity`` doubled until it holds ``needed`` items: a growing buffer's next size,
    so that appending n items copies O(n) items in all."""
    while capacity < needed:
        capacity *= 2
    return capacity


def _grown(data: np.ndarray, used: int, size: int) -> np.ndarray:
    grown = np.empty(size, dtype=np.float64)
    grown[:used] = data[:used]
    return grown


def _nan_extremes_rows(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's least and greatest finite value; NaN for a row with none (no warning)."""
    finite = np.isfinite(block)
    lo = np.where(finite, block, np.inf).min(axis=1)
    hi = np.where(finite, block, -np.inf).max(axis=1)
    none = ~finite.any(axis=1)
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi


def _nanmean_rows(block: np.ndarray) -> np.ndarray:
    """The mean of each row's finite values; NaN for a row with none (no warning)."""
    finite = np.isfinite(block)
    counts = finite.sum(axis=1)
    sums = np.where(finite, block, 0.0).sum(axis=1)
    out = np.full(block.shape[0], math.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out

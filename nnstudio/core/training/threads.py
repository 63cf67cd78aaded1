"""How many threads torch trains with: a rule that never collapses on a busy machine.

Torch's default uses one thread per core. On an idle machine that is right for large layers,
but NN Studio's networks are small (a few hundred thousand weights) and a batch's work is
split into slices of microseconds: when other processes hold the cores, each slice waits for
the scheduler and the threads wait for each other at every operation. Measured on a 2-core
machine beside two busy processes, all threads trained the tuned phone network at 18
samples/s where one thread gave 2,121 (``bench/bench_threads.py``, docs/benchmarks.md).

The rule: use the cores that are idle now (``os.cpu_count()`` minus the one-minute load
average, rounded down), at least 1 and at most every core; the GUI's training child leaves
one core to the window. An explicit choice (``--threads N``, ``NNSTUDIO_THREADS`` or the
app's preference) always wins.
"""

from __future__ import annotations

import math
import os

from nnstudio.core.errors import UserFacingError
from nnstudio.i18n import N_, Text

#: The environment variable that fixes the thread count (validated like ``--threads``).
THREADS_ENV = "NNSTUDIO_THREADS"
#: More threads than this is a typing mistake, not a machine.
MAX_THREADS = 1024


def parse_threads(value: str | int, source: str = "--threads") -> int:
    """``value`` as a thread count (1 … MAX_THREADS); a one-line error naming ``source``."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserFacingError(
            Text(
                N_("{source} must be a whole number of threads, not {value!r}"),
                source=source,
                value=str(value),
            )
        ) from None
    if not 1 <= number <= MAX_THREADS:
        raise UserFacingError(
            Text(
                N_("{source} must be between 1 and {most}, not {value}"),
                source=source,
                most=MAX_THREADS,
                value=number,
            )
        )
    return number


def requested_threads(option: str | int | None = None) -> int | None:
    """The thread count the user asked for: ``option`` (``--threads``), else the environment."""
    if option is not None:
        return parse_threads(option)
    env = os.environ.get(THREADS_ENV)
    if env is None or not env.strip():
        return None
    return parse_threads(env, THREADS_ENV)


def idle_cores(cpu_count: int | None = None, load: float | None = None) -> int:
    """Cores nobody else is using now (at least 0)."""
    cores = cpu_count or os.cpu_count() or 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # Windows has no load average
            load = 0.0
    return max(0, math.floor(cores - load + 0.5))


def choose_threads(
    requested: int | None = None,
    *,
    reserve: int = 0,
    cpu_count: int | None = None,
    load: float | None = None,
) -> int:
    """Threads to train with: ``requested`` if given, else the idle cores less ``reserve``.

    ``load`` is the one-minute load average (read from the system when None); it includes
    this process only if it is already busy, which it is not before training starts.
    """
    if requested is not None:
        return requested
    cores = cpu_count or os.cpu_count() or 1
    free = idle_cores(cores, load) - reserve
    return max(1, min(cores - reserve, free))


def apply_threads(count: int) -> int:
    """Make torch use ``count`` intra-op threads; returns it."""
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


__all__ = [
    "MAX_THREADS",
    "THREADS_ENV",
    "apply_threads",
    "choose_threads",
    "idle_cores",
    "parse_threads",
    "requested_threads",
]

"""Count the tensor operations a piece of training runs, by name (``argmax``, ``isfinite`` ...).

The engine's overhead tests (issue 12's trainer target) compare operation counts, never times:
a count is the same on a busy machine and an idle one.
"""

from __future__ import annotations

from collections import Counter

from torch.utils._python_dispatch import TorchDispatchMode


class CountOps(TorchDispatchMode):
    """Counts every tensor operation dispatched while it is active, by its name."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))

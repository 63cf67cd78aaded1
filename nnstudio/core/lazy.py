"""Package names that load their module on first use (PEP 562), for packages on a hot path.

``from nnstudio.core.training import train`` should keep working, yet the training process
imports ``nnstudio.core.training.runtime.child`` — and with it every package above — before it
may import torch (it must connect to the app first). So those packages re-export lazily: a
name's module is imported when the name is first looked up, then the name is kept.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``homes`` maps each exported name to the sub-module (relative to ``package``) that
    defines it. Use as::

        __all__, __getattr__, __dir__ = lazy_exports(__name__, {"train": "engine", ...})
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return sorted(homes), __getattr__, __dir__

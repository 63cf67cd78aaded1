"""Package names that load their module on first use (PEP 562), for packages on a hot path.

``from nnstudio.core.training import train`` should keep working, yet the training process
imports ``nnstudio.core.training.runtime.child`` — and with it every package above — before it
may import torch (it must connect to the app first). So those packages re-export lazily: a
name's module is imported when the name is first looked up, then the name is kept.
"""

from __future__ import annotations

import importlib
import sys
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


class LazyModule:
    """A stand-in for a module, imported when one of its attributes is first read.

    Why: torch takes about a second to import, and the app must be ready to train (project
    open, data read, Train enabled) without it — the training process imports torch itself.
    Modules that only *call* torch (the catalogues' builders, the project's weights) name it
    through this stand-in, so importing them costs nothing and torch arrives when something
    first uses it. On that first read the stand-in puts the real module in the importing
    module's namespace under its name, so every later lookup is the plain global lookup of the
    real module (no cost in a training loop). Classes that subclass torch's (``nn.Module``)
    cannot wait: they live in modules imported only when a model is built.
    """

    __slots__ = ("_as_name", "_module_name", "_namespace")

    def __init__(self, module_name: str, namespace: dict[str, Any], as_name: str) -> None:
        self._module_name = module_name
        self._namespace = namespace
        self._as_name = as_name

    def _load(self) -> Any:
        module = importlib.import_module(self._module_name)
        if self._namespace.get(self._as_name) is self:
            self._namespace[self._as_name] = module
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._module_name!r}>"


def lazy_module(module_name: str, namespace: dict[str, Any], as_name: str | None = None) -> Any:
    """``torch = lazy_module("torch", globals())``: see :class:`LazyModule`.

    ``as_name`` is the global name it stands under (default: the last part of the module's
    name, as ``import torch.nn as nn`` would bind).
    """
    return LazyModule(module_name, namespace, as_name or module_name.rsplit(".", 1)[-1])


def imported(module_name: str) -> Any | None:
    """The module if it is imported *completely* (not half-way, in another thread), else None.

    Why: a background thread imports torch while the app starts; ``sys.modules`` holds torch
    from the moment its import begins, so a module found there may still lack its attributes.
    """
    module = sys.modules.get(module_name)
    if module is None or getattr(getattr(module, "__spec__", None), "_initializing", False):
        return None
    return module


def is_tensor(value: object) -> bool:
    """Whether ``value`` is a torch tensor, without importing torch: while torch is not
    imported, nothing can be one."""
    torch = imported("torch")
    return torch is not None and isinstance(value, torch.Tensor)

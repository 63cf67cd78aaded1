"""Look up a registry by family name, for parameters whose value is a nested component.

Imports are deferred so that the catalogue modules can declare ``component`` parameters that
point at each other without import cycles.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nnstudio.core.params import Registry

_HOMES = {
    "activation": ("nnstudio.core.activations", "ACTIVATIONS"),
    "initialiser": ("nnstudio.core.initialisers", "INITIALISERS"),
    "layer": ("nnstudio.core.layers", "LAYERS"),
    "loss": ("nnstudio.core.losses", "LOSSES"),
    "optimiser": ("nnstudio.core.optimisers", "OPTIMISERS"),
    "schedule": ("nnstudio.core.schedules", "SCHEDULES"),
}


def registry_named(family: str) -> Registry[Any]:
    module, attr = _HOMES[family]
    return getattr(import_module(module), attr)

"""Look up a registry by family name, for parameters whose value is a nested component.

Imports are deferred so that the catalogue modules can declare ``component`` parameters that
point at each other without import cycles.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nnstudio.core.catalogue.params import Registry

_HOMES = {
    "activation": ("nnstudio.core.catalogue.activations", "ACTIVATIONS"),
    "initialiser": ("nnstudio.core.catalogue.initializers", "INITIALIZERS"),
    "layer": ("nnstudio.core.catalogue.layers", "LAYERS"),
    "loss": ("nnstudio.core.catalogue.losses", "LOSSES"),
    "optimiser": ("nnstudio.core.catalogue.optimizers", "OPTIMIZERS"),
    "schedule": ("nnstudio.core.catalogue.schedules", "SCHEDULES"),
}


def registry_named(family: str) -> Registry[Any]:
    module, attr = _HOMES[family]
    return getattr(import_module(module), attr)

"""Pure dict → dict upgrades, one per format version, applied in order on load.

Each step takes the parsed ``project.json`` of version N and returns a new document of version
N+1; it never changes its argument, touches files or builds objects, and it does not consult
the catalogues (which move on while old files stay as they were), so every old fixture can be
tested on its own and keeps meaning what it meant.

Version history
---------------
1  A hand-writable JSON description: ``layers`` is a list of layers in a chain (no ids, no
   edges, parameters beside ``type``), components may be plain names (``"activation":
   "relu"``), training's optimiser was ``optimiser`` with the learning rate beside it as
   ``lr`` (Adam when only ``lr`` is given). Still accepted as a bare ``.json`` file, which is
   how teachers write projects by hand.
2  The graph format: ``graph`` with node ids, positions and edges (any DAG), every component
   a ``{"name": ...}`` object, training holds a complete ``optimizer`` component with its
   ``lr``; zipped with weights, optimiser state and history.
3  An optional ``classroom`` section (lesson key, task text, locked settings, hidden panels)
   that teachers use to hand out lessons. Version 2 files have none: they migrate unchanged.
4  An optional ``runs`` section (every training run: settings, graph, curves, metrics) with
   each run's last and best weights as ``runs/<id>.<last|best>.safetensors`` members.
   Version 3 files kept no runs: they migrate unchanged, with an empty run list.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from nnstudio.core.errors import ProjectError
from nnstudio.i18n import _

CURRENT_VERSION = 4
FORMAT = "nnstudio-project"

#: Version 1 layer parameters and training fields that name a component (frozen: v1 is history).
_V1_LAYER_COMPONENTS = ("activation", "weight_init", "bias_init")
_V1_TRAINING_COMPONENTS = ("loss", "schedule")
_V1_DEFAULT_OPTIMIZER = "adam"
_V1_X_STEP = 220.0


def _component(value: Any) -> Any:
    """``"relu"`` → ``{"name": "relu"}``; anything else is left for the schema to judge."""
    return {"name": value} if isinstance(value, str) else value


def migrate_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    layers = doc.pop("layers", None)
    if not isinstance(layers, list):
        raise ProjectError(
            _(
                'a version 1 project needs a "layers" list (one object per layer, e.g. '
                '{"type": "Dense", "units": 8})'
            )
        )
    nodes: list[dict[str, Any]] = []
    if not layers or not (isinstance(layers[0], dict) and layers[0].get("type") == "Input"):
        layers = [{"type": "Input"}, *layers]
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
            raise ProjectError(
                _(
                    'layer {number} of the version 1 "layers" list needs a "type" (e.g. "Dense")'
                ).format(number=index + 1)
            )
        params = {k: v for k, v in layer.items() if k not in ("type", "name", "note")}
        for key in _V1_LAYER_COMPONENTS:
            if key in params:
                params[key] = _component(params[key])
        node: dict[str, Any] = {
            "id": f"n{index + 1:03d}",
            "type": layer["type"],
            "type_version": 1,
            "params": params,
            "position": [index * _V1_X_STEP, 0.0],
        }
        for key in ("name", "note"):
            if key in layer:
                node[key] = layer[key]
        nodes.append(node)
    edges = [[a["id"], b["id"]] for a, b in itertools.pairwise(nodes)]
    doc["graph"] = {"nodes": nodes, "edges": edges}
    training = doc.get("training")
    if isinstance(training, dict):
        optimizer = training.pop("optimiser", None)
        lr = training.pop("lr", None)
        if optimizer is not None or lr is not None:
            if "optimizer" in training:
                raise ProjectError(
                    _(
                        'the version 1 training settings give both "optimiser" and "optimizer"; '
                        "keep one"
                    )
                )
            component = _component(optimizer if optimizer is not None else _V1_DEFAULT_OPTIMIZER)
            if isinstance(component, dict):
                component = dict(component)
                if lr is not None:
                    component["lr"] = lr
            training["optimizer"] = component
        for key in _V1_TRAINING_COMPONENTS:
            if key in training:
                training[key] = _component(training[key])
    doc["format_version"] = 2
    return doc


def migrate_v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 only adds the optional ``classroom`` section: nothing else changes."""
    doc = copy.deepcopy(doc)
    doc["format_version"] = 3
    return doc


def migrate_v3_to_v4(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 4 only adds the optional ``runs`` section: nothing else changes."""
    doc = copy.deepcopy(doc)
    doc["format_version"] = 4
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: migrate_v1_to_v2,
    2: migrate_v2_to_v3,
    3: migrate_v3_to_v4,
}


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed project document up to :data:`CURRENT_VERSION` (``doc`` is not changed)."""
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(
            _('"format_version" must be a whole number from 1 to {current}, not {value}').format(
                current=CURRENT_VERSION, value=_shown(version)
            )
        )
    if version > CURRENT_VERSION:
        raise ProjectError(
            _(
                "this project was made by a newer NN Studio (format version {version}); this "
                "version reads format versions up to {current}. Update NN Studio to open it"
            ).format(version=version, current=CURRENT_VERSION)
        )
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["format_version"]
    return doc


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"

"""Pure dict → dict upgrades, one per format version, applied in order on load.

Each step takes the parsed ``project.json`` of version N and returns version N+1. Steps never
touch files or build objects, so every old fixture can be tested on its own.

Version history
---------------
1  A hand-writable JSON description: ``layers`` is a list of layers in a chain (no ids, no
   edges), training's optimiser was ``optimiser`` and the learning rate sat beside it as
   ``lr``. Still accepted as a ``.json`` file, which is how teachers write projects by hand.
2  The graph format: ``graph`` with node ids, positions and edges (any DAG), training holds a
   complete ``optimizer`` component with its ``lr``; zipped with weights and history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnstudio.core.errors import ProjectError

CURRENT_VERSION = 2
FORMAT = "nnstudio-project"


def migrate_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    layers = doc.pop("layers", None)
    if not isinstance(layers, list):
        raise ProjectError("a version 1 project needs a 'layers' list")
    nodes, edges = [], []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
            raise ProjectError(f"layer {index + 1} of the version 1 project has no type")
        node_id = f"n{index + 1:03d}"
        nodes.append(
            {
                "id": node_id,
                "type": layer["type"],
                "type_version": 1,
                "name": layer.get("name") or f"{layer['type'].lower()}_{index + 1}",
                "params": {k: v for k, v in layer.items() if k not in ("type", "name")},
                "position": [index * 220.0, 0.0],
                "note": "",
                "trainable": True,
            }
        )
        if index:
            edges.append([nodes[index - 1]["id"], node_id])
    doc["graph"] = {"nodes": nodes, "edges": edges}
    training = doc.get("training")
    if isinstance(training, dict):
        optimiser = training.pop("optimiser", None)
        lr = training.pop("lr", None)
        if optimiser is not None:
            component = {"name": optimiser} if isinstance(optimiser, str) else dict(optimiser)
            if lr is not None:
                component["lr"] = lr
            training["optimizer"] = component
    doc["format_version"] = 2
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: migrate_v1_to_v2}


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed project document up to :data:`CURRENT_VERSION`."""
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"format_version must be a whole number ≥ 1, not {version!r}")
    if version > CURRENT_VERSION:
        raise ProjectError(
            f"this project was made by a newer NN Studio (format version "
            f"{version}); this version reads up to {CURRENT_VERSION}. Update "
            "NN Studio to open it"
        )
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["format_version"]
    return doc

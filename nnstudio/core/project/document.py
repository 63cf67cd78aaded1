"""The project: what students hand in and teachers hand out, and its file.

A project file is a zip (``.nnsproj``) holding ``project.json`` (graph, data and training
settings, fitted preprocessing, UI state), ``weights.safetensors``, ``optimizer.safetensors``
and ``history.json``. A bare ``project.json`` (any version) is accepted too, which is how
projects are written by hand. Loading goes in stages — read allow-listed members, parse strict
JSON, refuse newer versions, migrate, validate against the JSON Schema, build objects, check
weights against the network — and every failure is a :class:`ProjectError` naming the cause.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from nnstudio import __version__
from nnstudio.core.data import DataSettings, DataSource, Preprocessor
from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.graph import Graph
from nnstudio.core.project import archive, tensors
from nnstudio.core.project.migrations import CURRENT_VERSION, FORMAT, migrate
from nnstudio.core.training.reports import History
from nnstudio.core.training.settings import TrainingSettings

SUFFIX = ".nnsproj"


@dataclass
class Project:
    """Graph + data settings + training settings + (optionally) what training produced."""

    graph: Graph = field(default_factory=Graph)
    data: DataSettings = field(default_factory=DataSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    name: str = "Untitled"
    description: str = ""
    ui: dict[str, Any] = field(default_factory=dict)
    #: Fitted preprocessing (scaler, encoders, class names) of the data the weights learned.
    preprocessor: Preprocessor | None = None
    #: ``<node_id>.<param>`` → tensor; None until trained.
    weights: dict[str, torch.Tensor] | None = None
    optimizer_state: dict[str, Any] | None = None
    schedule_state: dict[str, Any] | None = None
    epochs_trained: int = 0
    history: History = field(default_factory=History)
    #: Where the project was last loaded from or saved to.
    path: Path | None = None

    @property
    def base_dir(self) -> Path | None:
        return self.path.parent if self.path else None

    def clear_training(self) -> None:
        """Forget trained state (after the network changed, the old weights no longer fit)."""
        self.weights = None
        self.optimizer_state = None
        self.schedule_state = None
        self.epochs_trained = 0
        self.history = History()

    def to_document(self, base_dir: Path | None = None) -> dict[str, Any]:
        """``project.json`` contents; the CSV path is stored relative to ``base_dir``."""
        graph = self.graph.to_dict()
        for node in graph["nodes"]:
            node["type_version"] = 1
        data = self.data.to_dict()
        source = data.get("source", {})
        if source.get("kind") == "csv" and source.get("path") and base_dir is not None:
            source["path"] = _relative(source["path"], base_dir)
        state: dict[str, Any] = {
            "epochs_trained": self.epochs_trained,
            "weights": self.weights is not None,
        }
        if self.schedule_state is not None:
            state["schedule"] = tensors.json_safe(self.schedule_state)
        return {
            "format": FORMAT,
            "format_version": CURRENT_VERSION,
            "app_version": __version__,
            "name": self.name,
            "description": self.description,
            "graph": graph,
            "data": data,
            "training": self.training.to_dict(),
            "preprocessor": self.preprocessor.to_dict() if self.preprocessor else None,
            "state": state,
            "ui": tensors.json_safe(self.ui),
        }


def _relative(path: str, base_dir: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        return path.replace(os.sep, "/")
    try:
        return os.path.relpath(p, base_dir).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return str(p)


def _resolve(path: str, base_dir: Path) -> str:
    p = Path(path)
    return str(p if p.is_absolute() else (base_dir / p).resolve())


@cache
def schema() -> dict[str, Any]:
    text = resources.files("nnstudio.core.project").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def _parse_json(data: bytes, what: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not allowed in JSON")

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectError(f"{what} is not text (not UTF-8): not an NN Studio project") from None
    try:
        return json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:
        raise ProjectError(f"{what} is not valid JSON ({exc})") from None


def _validate(doc: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema()).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "the top level"
        raise ProjectError(
            f"project.json does not follow the format at {where}: {_short(err.message)}"
        )


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def document_to_project(doc: Any, *, base_dir: Path | None = None) -> Project:
    """Turn a parsed (any version) ``project.json`` into a Project, or raise ProjectError."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectError('this is not an NN Studio project (no "format": "nnstudio-project")')
    doc = migrate(doc)
    _validate(doc)
    try:
        graph = Graph.from_dict(doc["graph"])
        data = DataSettings.from_dict(doc["data"])
        if base_dir is not None and data.source.kind == "csv" and data.source.path:
            source = data.source
            data = data.replace(
                source=DataSource(
                    kind=source.kind,
                    path=_resolve(source.path, base_dir),
                    name=source.name,
                    params=dict(source.params),
                    encoding=source.encoding,
                    delimiter=source.delimiter,
                )
            )
        training = TrainingSettings.from_dict(doc["training"])
        pre = doc.get("preprocessor")
        preprocessor = Preprocessor.from_dict(pre) if pre else None
    except ProjectError:
        raise
    except NNStudioError as exc:
        raise ProjectError(str(exc)) from None
    state = doc.get("state") or {}
    return Project(
        graph=graph,
        data=data,
        training=training,
        name=doc.get("name") or "Untitled",
        description=doc.get("description", ""),
        ui=tensors.from_json_safe(doc.get("ui", {})),
        preprocessor=preprocessor,
        epochs_trained=state.get("epochs_trained", 0),
        schedule_state=tensors.from_json_safe(state["schedule"]) if state.get("schedule") else None,
    )


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file (zip or bare JSON). Raises :class:`ProjectError` naming the problem."""
    path = Path(path)
    members = archive.read_members(path)
    where = str(path)
    try:
        doc = _parse_json(members["project.json"], "project.json")
        project = document_to_project(doc, base_dir=path.parent.resolve())
        state = doc.get("state") or {}
        if "history.json" in members:
            raw = _parse_json(members["history.json"], "history.json")
            if not isinstance(raw, dict):
                raise ProjectError("history.json must hold an object")
            try:
                project.history = History.from_dict(raw)
            except (TypeError, ValueError, KeyError) as exc:
                raise ProjectError(f"history.json is malformed ({exc})") from None
        if "weights.safetensors" in members:
            weights = tensors.decode_tensors(members["weights.safetensors"], "weights.safetensors")
            _check_against_graph(project, weights)
            project.weights = weights
        optimizer_meta = state.get("optimizer")
        if optimizer_meta is not None and project.weights is not None:
            project.optimizer_state = tensors.decode_optimizer(
                members.get("optimizer.safetensors"), optimizer_meta
            )
    except ProjectError as exc:
        raise ProjectError(exc.message, where=where) from None
    project.path = path
    return project


def _check_against_graph(project: Project, weights: Mapping[str, torch.Tensor]) -> None:
    """Build the network the weights belong to and compare names, shapes and values."""
    from nnstudio.core.session import shape_context_for

    try:
        ctx = shape_context_for(project.preprocessor, project.training)
        from nnstudio.core.builder import build_model

        model = build_model(project.graph, ctx)
    except NNStudioError as exc:
        raise ProjectError(
            f"the project holds weights but its network cannot be built: {exc}"
        ) from None
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    tensors.check_weights(model, weights, names)


def save_project(project: Project, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the project atomically; the previous file survives any failure."""
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ProjectError("choose where to save the project")
    base = target.parent.resolve()
    doc = project.to_document(base)
    members: dict[str, bytes] = {}
    if project.weights is not None:
        members["weights.safetensors"] = tensors.encode_tensors(project.weights)
        if project.optimizer_state is not None:
            data, meta = tensors.encode_optimizer(project.optimizer_state)
            members["optimizer.safetensors"] = data
            doc["state"]["optimizer"] = meta
    members["history.json"] = json.dumps(project.history.to_dict(), allow_nan=False).encode()
    members = {
        "project.json": json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False).encode(
            "utf-8"
        ),
        **members,
    }
    archive.write_atomic(target, members)
    project.path = target
    return target

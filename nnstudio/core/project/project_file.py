"""The project: what students hand in and teachers hand out, and its file.

A project file is a zip (``.nnsproj``) holding ``project.json`` (graph, data and training
settings, fitted preprocessing, UI state), ``weights.safetensors``, ``optimizer.safetensors``
and ``history.json``; ``docs/project-format.md`` describes it. A bare ``project.json`` (any
version) is accepted too, which is how projects are written by hand.

Loading goes in stages — read allow-listed members, parse strict JSON, refuse newer versions,
migrate, validate against the JSON Schema, build objects, check weights and optimiser state
against the network (built on torch's ``meta`` device, so a crafted size costs no memory) —
and every failure is one :class:`ProjectError` naming the file once and the cause. Nothing in a
file is ever executed: no pickle, no ``torch.load``, no ``eval``, and names become code only
through the catalogues. Saving checks the result with the same stages before it replaces the
previous file, so NN Studio never writes a project it would refuse to open.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from nnstudio import __version__
from nnstudio.core.data import DataSettings, DataSource, Preprocessor
from nnstudio.core.errors import DataError, GraphError, NNStudioError, ProjectError, TrainingError
from nnstudio.core.lazy import lazy_module
from nnstudio.core.network.builder import (
    LAYERS_PREFIX,
    TooLargeToCheck,
    build_shape_model,
    check_weights,
)
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import archive, tensors
from nnstudio.core.project.classroom import Classroom, check_sizes
from nnstudio.core.project.migrations import CURRENT_VERSION, FORMAT, migrate
from nnstudio.core.training.plan import shape_context_for
from nnstudio.core.training.reports import (
    BATCH_LIMIT,
    MAX_BATCH_STRIDE,
    History,
    batch_stride_valid,
)
from nnstudio.core.training.runs import RunLog
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.i18n import N_, _, tr

torch = lazy_module("torch", globals())

SUFFIX = ".nnsproj"
#: Deeper JSON than this is not a project but an attempt to exhaust the parser's stack.
MAX_DEPTH = 64
#: More JSON objects than this in one member is not a project (a thousand layers of a few
#: objects each, plus settings and preprocessing, stay far below).
MAX_OBJECTS = 200_000
#: Longer integers than this are not settings (Python would also spend time converting them).
MAX_INT_DIGITS = 40
DOC_HINT = N_("see docs/project-format.md")
#: Largest network built for real just to check saved weights (most are checked on meta).
MAX_CHECK_PARAMS = 50_000_000
#: Bytes a tensor member may hold beyond what its network needs before it is refused unread.
SLACK_BYTES = 1024 * 1024
#: The name of a project nobody has named yet: stored as it is (English) in the project and
#: compared with; shown as ``_(UNTITLED)``.
UNTITLED = N_("Untitled")


@dataclass
class Project:
    """Graph + data settings + training settings + (optionally) what training produced."""

    graph: Graph = field(default_factory=Graph)
    data: DataSettings = field(default_factory=DataSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    name: str = UNTITLED
    description: str = ""
    ui: dict[str, Any] = field(default_factory=dict)
    #: What a teacher handed out with the project: lesson, task, locks, hidden panels.
    classroom: Classroom = field(default_factory=Classroom)
    #: Fitted preprocessing (scaler, encoders, class names) of the data the weights learned.
    preprocessor: Preprocessor | None = None
    #: ``<node_id>.<param>`` → tensor; None until trained.
    weights: dict[str, torch.Tensor] | None = None
    optimizer_state: dict[str, Any] | None = None
    schedule_state: dict[str, Any] | None = None
    epochs_trained: int = 0
    history: History = field(default_factory=History)
    #: Every stored training run, with its settings, curves and weights (format version 4).
    runs: RunLog = field(default_factory=RunLog)
    #: Where the project was last loaded from or saved to (relative CSV paths start here).
    path: Path | None = None
    #: What the last load or save wants the user to know (not saved): an upgraded format,
    #: trained weights left out because they no longer fit the network, ...
    notices: list[str] = field(default_factory=list, compare=False)

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
        """``project.json`` contents; the CSV path is stored relative to ``base_dir``.

        A relative CSV path in memory is relative to where the project was (its
        :attr:`base_dir`, or the working folder for a new project), so Save As into another
        folder rewrites it to still name the same file.
        """
        graph = self.graph.to_dict()
        for node in graph["nodes"]:
            node["type_version"] = 1
        data = self.data.to_dict()
        source = data["source"]
        if source.get("kind") == "csv" and source.get("path") and base_dir is not None:
            source["path"] = _relative(_absolute(source["path"], self.base_dir), base_dir)
        state: dict[str, Any] = {
            "epochs_trained": self.epochs_trained,
            "weights": self.weights is not None,
        }
        if self.schedule_state is not None and self.weights is not None:
            state["schedule"] = tensors.json_safe(self.schedule_state)
        doc = {
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
        if not self.classroom.empty:
            doc["classroom"] = self.classroom.to_dict()
        if not self.runs.empty:
            doc["runs"] = self.runs.to_dict()
        return doc


# --- paths ----------------------------------------------------------------------------------


def _absolute(path: str, base_dir: Path | None) -> Path:
    """``path`` as an absolute, normalised path (symlinks are kept: users think in names)."""
    p = Path(path)
    if not p.is_absolute():
        p = (base_dir if base_dir is not None else Path.cwd()) / p
    return Path(os.path.abspath(p))


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return os.path.relpath(path, os.path.abspath(base_dir)).replace(os.sep, "/")
    except ValueError:  # another drive on Windows: only an absolute path can name it
        return str(path)


def _resolve(path: str, base_dir: Path) -> str:
    """A stored CSV path made absolute: relative paths start at the project's folder."""
    if not Path(path).is_absolute():
        path = path.replace("\\", "/")  # written on Windows, read anywhere
    return str(_absolute(path, base_dir))


# --- JSON -----------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``project.json`` that the loader enforces."""
    text = resources.files("nnstudio.core.project").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator(definition: str | None = None) -> Any:
    from jsonschema import Draft202012Validator

    full = schema()
    if definition is None:
        return Draft202012Validator(full)
    return Draft202012Validator({"$defs": full["$defs"], "$ref": f"#/$defs/{definition}"})


class _TooManyObjects(ValueError):
    """Raised from inside the parser to stop it at :data:`MAX_OBJECTS`."""


def _parse_json(data: bytes, what: str) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys, bounded numbers and depth."""

    def constant(name: str) -> Any:
        raise ValueError(
            _("{name} is not a number JSON allows (write a number, or null)").format(name=name)
        )

    def real(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(_("the number {number} is too large").format(number=text[:40]))
        return value

    def whole(text: str) -> int:
        if len(text.lstrip("-")) > MAX_INT_DIGITS:
            raise ValueError(_("the number {number}… is too large").format(number=text[:40]))
        return int(text)

    objects = 0

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal objects
        objects += 1
        if objects > MAX_OBJECTS:
            # Raised while parsing: a document of millions of objects stops here, not after
            # it has been built, checked and validated.
            raise _TooManyObjects
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(
                    _("the key {key!r} appears twice in one object").format(key=key[:80])
                )
            out[key] = value
        return out

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(
            _(
                "{what} is not UTF-8 text (bad byte at position {position}); save it as UTF-8"
            ).format(what=what, position=exc.start)
        ) from None
    try:
        value = json.loads(
            text,
            parse_constant=constant,
            parse_float=real,
            parse_int=whole,
            object_pairs_hook=pairs,
        )
    except RecursionError:
        raise ProjectError(
            _("{what} is nested too deeply to be a project").format(what=what)
        ) from None
    except _TooManyObjects:
        raise ProjectError(
            _("{what} holds more than {limit:,} objects; a project holds far fewer").format(
                what=what, limit=MAX_OBJECTS
            )
        ) from None
    except ValueError as exc:
        raise ProjectError(
            _("{what} is not valid JSON ({problem})").format(what=what, problem=_short(str(exc)))
        ) from None
    _check_tree(value, what)
    return value


def _check_tree(value: Any, what: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and text that is not valid Unicode.

    Iterative, so a hostile depth cannot exhaust the stack; lone surrogates (``"\\ud800"``)
    are legal JSON escapes but could never be saved again as UTF-8.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str):
                _check_text(item, what)
            continue
        if depth > MAX_DEPTH:
            raise ProjectError(
                _("{what} is nested more than {depth} levels deep").format(
                    what=what, depth=MAX_DEPTH
                )
            )
        stack.extend((child, depth + 1) for child in children)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProjectError(
            _(
                "{what} holds text with an invalid Unicode escape (a lone surrogate such as "
                "\\ud800); correct or remove it"
            ).format(what=what)
        ) from None


def _check_limits(doc: Any, what: str = "project.json", definition: str | None = None) -> None:
    """Refuse a field longer than the schema allows, naming it, before the full validation.

    The schema's ``maxItems``, ``maxLength`` and ``maxProperties`` are the caps on every list,
    text and free-form object a project holds (the classroom's task, names, notes, the
    description, 200,000 layers...). Checked here alone, by one walk along the schema's
    ``properties``/``items``/``$ref`` (linear in the document), so a document far too large
    is refused at once with the field and both sizes, instead of after the validator has
    judged every item of it. The validator still checks everything else afterwards.
    """
    full = schema()
    root = full if definition is None else {"$ref": f"#/$defs/{definition}"}
    stack: list[tuple[Any, Any, tuple[Any, ...]]] = [(doc, root, ())]
    while stack:
        value, rule, path = stack.pop()
        while isinstance(rule, dict) and "$ref" in rule:
            rule = full["$defs"][rule["$ref"].rsplit("/", 1)[-1]]
        if not isinstance(rule, dict):
            continue
        size, limit, unit = None, None, ""
        if isinstance(value, str) and "maxLength" in rule:
            size, limit, unit = len(value), rule["maxLength"], N_("characters")
        elif isinstance(value, list) and "maxItems" in rule:
            size, limit, unit = len(value), rule["maxItems"], N_("items")
        elif isinstance(value, dict) and "maxProperties" in rule:
            size, limit, unit = len(value), rule["maxProperties"], N_("entries")
        if size is not None and size > limit:
            raise ProjectError(
                _(
                    "{what} does not follow the format at {location}: it is too long: {size:,} "
                    "{unit}, at most {limit:,} are allowed ({hint})"
                ).format(
                    what=what,
                    location=_json_path(path),
                    size=size,
                    unit=_(unit),
                    limit=limit,
                    hint=_(DOC_HINT),
                )
            )
        if isinstance(value, dict) and isinstance(rule.get("properties"), dict):
            for key, sub in rule["properties"].items():
                if key in value:
                    stack.append((value[key], sub, (*path, key)))
        elif isinstance(value, list) and isinstance(rule.get("items"), dict):
            stack.extend((item, rule["items"], (*path, i)) for i, item in enumerate(value))


def _validate(doc: Any, what: str = "project.json", definition: str | None = None) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator(definition).iter_errors(doc))
    if error is None:
        return
    location = _json_path(error.absolute_path)
    layer = _layer_name(doc, list(error.absolute_path))
    message = error.message
    shown = repr(error.instance)
    if len(shown) > 80:  # a long value would drown what is wrong with it
        message = message.replace(shown, _short(shown, 60))
    # jsonschema words ``problem`` itself, in English.
    if layer is None:
        text = _("{what} does not follow the format at {location}: {problem} ({hint})")
    else:
        text = _(
            "{what} does not follow the format at {location} (layer {layer!r}): {problem} ({hint})"
        )
    raise ProjectError(
        text.format(
            what=what,
            location=location,
            layer=layer,
            problem=_short(message, 300),
            hint=_(DOC_HINT),
        )
    )


def _json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or _("the top level")


def _layer_name(doc: Any, path: list[Any]) -> str | None:
    """The (shortened) name of the layer the error sits inside, if it is a named node."""
    if len(path) >= 3 and path[:2] == ["graph", "nodes"] and isinstance(path[2], int):
        try:
            name = doc["graph"]["nodes"][path[2]].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        if isinstance(name, str) and name:
            return _short(name, 60)
    return None


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- loading --------------------------------------------------------------------------------

#: Errors a builder may raise on input the schema let through; turned into ProjectError so a
#: loader fed anything raises nothing else (anything not listed is a bug to fix, not hide).
_BUILD_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


def _build(section: str, make: Callable[[], Any], what: str = "project.json") -> Any:
    """Run one build step; its errors become a ProjectError that names ``section`` once."""
    try:
        return make()
    except ProjectError:
        raise
    except GraphError as exc:
        if exc.where:
            text = _("the network in {what} is invalid: layer {layer!r}: {problem}")
        else:
            text = _("the network in {what} is invalid: {problem}")
        raise ProjectError(
            text.format(what=what, layer=exc.where, problem=tr(exc.message))
        ) from None
    except NNStudioError as exc:
        message = tr(exc.message)
        if not message.startswith(_(section)):
            message = f"{_(section)}: {message}"
        raise ProjectError(f"{what}: {message}") from None
    except _BUILD_ERRORS as exc:
        raise ProjectError(
            _("{what}: {section} cannot be read ({problem})").format(
                what=what, section=_(section), problem=_short(str(exc))
            )
        ) from None


def _check_versions(doc: dict[str, Any]) -> None:
    """Per-layer versions: a layer type that changed meaning in a newer NN Studio is refused."""
    nodes = doc.get("graph", {}).get("nodes") if isinstance(doc.get("graph"), dict) else None
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        version = node.get("type_version", 1)
        if isinstance(version, int) and not isinstance(version, bool) and version > 1:
            name = node.get("name") or node.get("id")
            raise ProjectError(
                _(
                    "layer {name!r} uses version {version} of the {type} layer type, made by a "
                    "newer NN Studio; update NN Studio to open it"
                ).format(
                    name=_short(str(name), 60),
                    version=version,
                    type=_short(str(node.get("type")), 40),
                )
            )


def _document_stage(doc: Any, base_dir: Path | None) -> tuple[Project, dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectError(
            _('is not an NN Studio project: its JSON has no "format": "{format}" ({hint})').format(
                format=FORMAT, hint=_(DOC_HINT)
            )
        )
    old_version = doc.get("format_version")
    doc = migrate(doc)
    _check_versions(doc)
    check_sizes(doc.get("classroom"))
    _check_limits(doc)
    _validate(doc)
    graph: Graph = _build(N_("the network"), lambda: Graph.from_dict(doc["graph"]))
    counts = Counter(node.name for node in graph.nodes.values())
    twice = sorted(name for name, count in counts.items() if count > 1)
    if twice:
        raise ProjectError(
            _("two layers are named {name!r} in project.json; give each layer its own name").format(
                name=twice[0]
            )
        )
    data: DataSettings = _build(N_("data settings"), lambda: DataSettings.from_dict(doc["data"]))
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
    training: TrainingSettings = _build(
        N_("training settings"), lambda: TrainingSettings.from_dict(doc.get("training", {}))
    )
    classroom: Classroom = _build(
        N_("the classroom settings"), lambda: Classroom.from_dict(doc.get("classroom"))
    )
    runs: RunLog = _build(N_("the stored runs"), lambda: RunLog.from_dict(doc.get("runs")))
    pre = doc.get("preprocessor")
    preprocessor = (
        _build(N_("stored preprocessing"), lambda: Preprocessor.from_dict(pre)) if pre else None
    )
    state = doc.get("state") or {}
    project = Project(
        graph=graph,
        data=data,
        training=training,
        name=doc.get("name") or UNTITLED,
        description=doc.get("description", ""),
        ui=tensors.from_json_safe(doc.get("ui", {})),
        classroom=classroom,
        preprocessor=preprocessor,
        epochs_trained=state.get("epochs_trained", 0),
        runs=runs,
    )
    if old_version != CURRENT_VERSION:
        project.notices.append(
            _(
                "this project was written in format version {old}; saving it writes version "
                "{new}, which older NN Studio versions cannot open"
            ).format(old=old_version, new=CURRENT_VERSION)
        )
    return project, doc


def document_to_project(doc: Any, *, base_dir: Path | None = None) -> Project:
    """Turn a parsed (any version) ``project.json`` into a Project, or raise ProjectError.

    Trained state is not part of ``project.json`` alone; :func:`load_project` adds it.
    """
    return _document_stage(doc, base_dir)[0]


def _history(data: bytes) -> History:
    raw = _parse_json(data, "history.json")
    _check_limits(raw, "history.json", "history")
    _validate(raw, "history.json", "history")
    n = len(raw.get("epoch", []))
    for key in ("train_loss", "val_loss", "lr"):
        if len(raw.get(key, [])) != n:
            raise ProjectError(
                _(
                    "history.json is inconsistent: {n} epochs but {count} {key} values (a "
                    "damaged file)"
                ).format(n=n, count=len(raw.get(key, [])), key=key)
            )
    for key, values in raw.get("metrics", {}).items():
        if len(values) != n:
            raise ProjectError(
                _("history.json is inconsistent: {n} epochs but {count} {key} values").format(
                    n=n, count=len(values), key=key
                )
            )
    if len(raw.get("batch_loss", [])) != len(raw.get("batch_lr", [])):
        raise ProjectError(_("history.json is inconsistent: batch_loss and batch_lr differ"))
    _check_batch_stride(raw)
    return _build(N_("the history"), lambda: History.from_dict(raw), "history.json")


def _check_batch_stride(raw: Mapping[str, Any]) -> None:
    """Refuse a per-batch stride no bounded history can have, in one line (no traceback)."""
    stride = raw.get("batch_stride", 1)
    if not batch_stride_valid(stride, len(raw.get("batch_loss", []))):
        raise ProjectError(
            _(
                "history.json is damaged: batch_stride is {stride}, but it must be a power of "
                "two from 1 to {most}, with at most {limit} per-batch values when above 1"
            ).format(stride=_short(repr(stride), 40), most=MAX_BATCH_STRIDE, limit=BATCH_LIMIT)
        )


def _decode(members: Mapping[str, bytes], base_dir: Path | None, *, bare: bool) -> Project:
    """All load stages after reading; raises ProjectError (without ``where``)."""
    text = members["project.json"]
    if bare and not text.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        # Not a zip and not a JSON object: say what it is not, rather than "bad JSON".
        raise ProjectError(
            _(
                "is not an NN Studio project: it is neither a project archive (.nnsproj) nor a "
                "project.json text"
            )
        )
    doc = _parse_json(text, "project.json")
    project, doc = _document_stage(doc, base_dir)
    if "history.json" in members:
        project.history = _history(members["history.json"])
    _attach_trained_state(project, doc.get("state") or {}, members)
    _attach_run_weights(project, (doc.get("runs") or {}).get("records", []), members)
    return project


def _attach_run_weights(
    project: Project, raw_records: list[dict[str, Any]], members: Mapping[str, bytes]
) -> None:
    """Each run's last and best weights, checked against that run's own network.

    Every member a record names must be there, and no run member may be left over: a
    half-written run is a damaged file, not something to guess about.
    """
    expected: set[str] = set()
    for raw, record in zip(raw_records, project.runs.records, strict=True):
        flags = raw.get("weights") or {}
        model = None
        for which in ("last", "best"):
            if not flags.get(which):
                continue
            name = RunLog.member(record.id, which)
            expected.add(name)
            if name not in members:
                raise ProjectError(
                    _("run {number} names {member}, which the archive does not hold").format(
                        number=record.id, member=name
                    )
                )
            weights = tensors.decode_tensors(members[name], name)
            if model is None:
                model = _meta_model(
                    Project(
                        graph=Graph.from_dict(record.graph),
                        training=record.training,
                        preprocessor=record.preprocessor,
                    )
                )
            graph_names = {n["id"]: n.get("name", n["id"]) for n in record.graph["nodes"]}
            check_weights(model, weights, graph_names)
            setattr(record, f"weights_{which}", weights)
    extra = sorted(n for n in members if archive.is_run_member(n) and n not in expected)
    if extra:
        raise ProjectError(
            _("the archive holds {member}, which no stored run names").format(member=extra[0])
        )


def _attach_trained_state(
    project: Project, state: Mapping[str, Any], members: Mapping[str, bytes]
) -> None:
    """Weights, optimiser and schedule state, each checked against the project's network."""
    says_trained = bool(state.get("weights", False))
    has_weights = "weights.safetensors" in members
    optimizer_meta = state.get("optimizer")
    if says_trained != has_weights:
        raise ProjectError(
            _("project.json says the project is trained but weights.safetensors is missing")
            if says_trained
            else _(
                "the archive holds weights.safetensors but project.json says the project is "
                'untrained ("state": {"weights": false})'
            )
        )
    if (optimizer_meta is not None) != ("optimizer.safetensors" in members):
        raise ProjectError(
            _(
                "the optimiser state is incomplete: project.json and optimizer.safetensors must "
                "come together"
            )
        )
    if not has_weights:
        if optimizer_meta is not None:
            raise ProjectError(_("the project holds optimiser state but no weights"))
        return
    model = _meta_model(project)
    need = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    # Room for what the exact checks after reading explain better (numbers of another dtype,
    # a changed network); far more than that is refused before reading.
    _check_tensor_member(members, "weights.safetensors", 2 * need + SLACK_BYTES, model)
    if "optimizer.safetensors" in members:
        # An optimiser keeps at most a few buffers per parameter (Adam: two, and a step).
        _check_tensor_member(members, "optimizer.safetensors", 8 * need + SLACK_BYTES, model)
    weights = tensors.decode_tensors(members["weights.safetensors"], "weights.safetensors")
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    check_weights(model, weights, names)
    project.weights = weights
    if optimizer_meta is None and state.get("schedule") is None:
        return
    optimizer, controller, labels = _reference_optimizer(project, model, names)
    if optimizer_meta is not None:
        raw = tensors.decode_optimizer(members.get("optimizer.safetensors"), optimizer_meta)
        project.optimizer_state = tensors.conform_optimizer(raw, optimizer.state_dict(), labels)
    if state.get("schedule") is not None:
        project.schedule_state = _schedule_state(
            controller.state_dict(), tensors.from_json_safe(state["schedule"])
        )


def _check_tensor_member(
    members: Mapping[str, bytes], name: str, need: int, model: torch.nn.Module
) -> None:
    """Refuse a tensor member larger than the network's numbers, before reading its numbers.

    ``need`` is what the network (built on meta, so free) honestly takes. The header is read
    alone (its metadata checked); a member holding more bytes of numbers than ``need`` is
    refused from the sizes its archive entry and header declare, so a crafted member within
    the archive's caps is never expanded.
    """
    size = archive.member_size(members, name)
    header, numbers = tensors.read_header(
        lambda n: archive.member_head(members, name, n), size, name
    )
    declared = max(
        (
            int(entry["data_offsets"][1])
            for key, entry in header.items()
            if key != "__metadata__"
            and isinstance(entry, dict)
            and isinstance(entry.get("data_offsets"), list)
            and len(entry["data_offsets"]) == 2
            and isinstance(entry["data_offsets"][1], int)
        ),
        default=0,
    )
    held = max(declared, numbers)
    if held > need:
        count = sum(p.numel() for p in model.parameters())
        honest = sum(t.numel() * t.element_size() for t in model.state_dict().values())
        raise ProjectError(
            _(
                "{name} holds {size:,} bytes of numbers, but the network has {count:,} "
                "parameters ({need:,} bytes): not this network's, refused before reading"
            ).format(name=name, size=held, count=count, need=honest)
        )


def _meta_model(project: Project) -> torch.nn.Module:
    """The network the weights belong to, on the meta device: shapes without memory.

    An initialiser that must read its values back (a single typed bias) cannot run on meta;
    then the network is built for real, if its size (counted by formula first) is honest.
    """

    def make() -> torch.nn.Module:
        ctx = shape_context_for(project.preprocessor, project.training)
        try:
            return build_shape_model(project.graph, ctx, max_params=MAX_CHECK_PARAMS)
        except TooLargeToCheck as exc:
            raise ProjectError(
                _("{problem}, more than a project file holds").format(problem=tr(exc.message))
            ) from None

    try:
        return make()
    except ProjectError:
        raise
    except (NNStudioError, RuntimeError, *_BUILD_ERRORS) as exc:
        message = tr(exc.message) if isinstance(exc, NNStudioError) else str(exc)
        raise ProjectError(
            _(
                "the project holds trained weights but its network cannot be built ({problem}): "
                "fix the network or reset the training"
            ).format(problem=_short(message))
        ) from None


def _reference_optimizer(
    project: Project, model: torch.nn.Module, names: Mapping[str, str]
) -> tuple[Any, Any, list[str]]:
    """The project's optimiser and schedule controller on ``model`` (meta) after one zero
    step, and a label per trained parameter: what saved state is compared with."""
    from nnstudio.core.catalogue.optimizers import build_optimizer
    from nnstudio.core.catalogue.schedules import make_controller

    named = [(k, p) for k, p in model.named_parameters() if p.requires_grad]
    labels = []
    for key, _param in named:
        node, _dot, param = key.removeprefix(LAYERS_PREFIX).partition(".")
        labels.append(f"{names.get(node, node)}.{param}")
    if not named:
        raise ProjectError(
            _("the project holds optimiser state but every layer is frozen: reset the training")
        )
    training = project.training
    try:
        optimizer, _state = tensors.reference_optimizer_state(
            [p for _key, p in named], lambda ps: build_optimizer(training.optimizer, ps)
        )
        controller = make_controller(
            training.schedule, optimizer, epochs=training.epochs, steps_per_epoch=1
        )
    except (NNStudioError, *_BUILD_ERRORS) as exc:
        raise ProjectError(
            _("the saved optimiser state cannot be checked ({problem}); reset the training").format(
                problem=_short(str(exc))
            )
        ) from None
    return optimizer, controller, labels


def _schedule_state(reference: Mapping[str, Any], saved: Any) -> dict[str, Any] | None:
    """The schedule state conformed to the project's schedule; None when it belongs to another.

    The trainer ignores a state saved for another schedule (or other schedule settings), so
    such a state is dropped here rather than kept and checked.
    """
    if not isinstance(saved, dict):
        raise ProjectError(_("the saved schedule state must be an object"))
    if saved.get("name") != reference["name"] or saved.get("component") != reference["component"]:
        return None
    groups = saved.get("groups", [])
    if not isinstance(groups, list) or len(groups) != len(reference["groups"]):
        raise ProjectError(_("the saved schedule state does not fit the optimiser: reset training"))
    return {
        "name": reference["name"],
        "component": reference["component"],
        "scheduler": tensors.conform(saved.get("scheduler"), reference["scheduler"], _("schedule")),
        "groups": tensors.conform(groups, reference["groups"], _("schedule groups")),
    }


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file (zip or bare JSON). Raises :class:`ProjectError` naming the problem.

    A bare ``project.json`` opens as an unsaved ``.nnsproj`` beside it, so Save never turns
    the hand-written file into a zip.
    """
    path = Path(path)
    try:
        with archive.open_members(path) as (members, is_archive):
            project = _decode(members, Path(os.path.abspath(path.parent)), bare=not is_archive)
    except ProjectError as exc:
        raise ProjectError(exc.message, where=str(path)) from None
    project.path = path if is_archive else path.with_suffix(SUFFIX)
    return project


# --- saving ---------------------------------------------------------------------------------


def _dump(value: Any, what: str) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError) as exc:
        raise ProjectError(
            _("{what} cannot be written ({problem})").format(what=what, problem=_short(str(exc)))
        ) from None


def encode_project(project: Project, base_dir: Path) -> dict[str, bytes]:
    """The archive members of ``project`` saved in ``base_dir``.

    Trained state that no longer fits the network (it was edited after training) is left
    out, with a notice, because a file holding it could not be opened again.
    """
    doc = project.to_document(base_dir)
    members: dict[str, bytes] = {}
    if project.weights is not None:
        trained = {"weights.safetensors": tensors.encode_tensors(project.weights)}
        if project.optimizer_state is not None:
            data, meta = tensors.encode_optimizer(project.optimizer_state)
            trained["optimizer.safetensors"] = data
            doc["state"]["optimizer"] = meta
        probe = Project(
            graph=project.graph, training=project.training, preprocessor=project.preprocessor
        )
        try:
            _attach_trained_state(probe, doc["state"], trained)
        except ProjectError as exc:
            doc["state"] = {"epochs_trained": 0, "weights": False}
            project.notices.append(
                _(
                    "the trained weights were left out of the file because they no longer fit "
                    "the network ({problem})"
                ).format(problem=exc.message)
            )
        else:
            members.update(trained)
    members = {"project.json": _dump(doc, "project.json"), **members}
    members["history.json"] = _dump(project.history.to_dict(), "history.json")
    for record in project.runs.records:
        for which in ("last", "best"):
            weights = getattr(record, f"weights_{which}")
            if weights is not None:
                members[RunLog.member(record.id, which)] = tensors.encode_tensors(weights)
    return members


def save_project(project: Project, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the project atomically; the previous file survives any failure.

    The bytes are checked by the loader's own stages before anything is written, so a
    project NN Studio saves is one it can open.
    """
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ProjectError(_("choose where to save the project"))
    where = str(target)
    base = Path(os.path.abspath(target.parent))
    project.notices.clear()
    try:
        members = encode_project(project, base)
        _decode(members, base, bare=False)
    except ProjectError as exc:
        raise ProjectError(
            _("was not saved: {problem}; the previous file is unchanged").format(
                problem=exc.message
            ),
            where=where,
        ) from None
    except (DataError, TrainingError, GraphError) as exc:  # pragma: no cover - defensive
        raise ProjectError(_("was not saved: {problem}").format(problem=exc), where=where) from None
    archive.write_atomic(target, archive.zip_bytes(members))
    project.path = target
    return target

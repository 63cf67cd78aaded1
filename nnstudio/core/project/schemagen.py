"""Build ``schema.json`` and the catalogue part of ``docs/project-format.md`` from the code.

The schema the loader enforces is a checked-in file (so it can be read, reviewed and cited),
but the names and parameters it allows come from the catalogues (layers, activations, ...). A
test compares the file with :func:`build_schema`, so a new layer type or parameter cannot be
added without the schema and the documentation following. Regenerate both with::

    python -m nnstudio.core.project.schemagen
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nnstudio.core.catalogue.params import ParamSpec, Registry, registry_named

#: Registries whose components appear as ``{"name": ..., <param>: ...}`` objects in files.
FAMILIES = ("activation", "initialiser", "loss", "optimiser", "schedule")
SCHEMA_ID = "https://nnstudio.dev/schema/project-4.json"
DOC_BEGIN = "<!-- BEGIN GENERATED CATALOGUE (python -m nnstudio.core.project.schemagen) -->"
DOC_END = "<!-- END GENERATED CATALOGUE -->"

TEXT = 10_000
LONG_TEXT = 1_000_000
NAME = {"type": "string", "maxLength": 1000}
COLUMN = {"type": "string", "maxLength": 1000}
#: Canvas coordinates: generous, but a finite range keeps the canvas usable.
COORD = {"type": "number", "minimum": -1e7, "maximum": 1e7}
NODE_ID = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"}
#: Building a graph takes time quadratic in its size (each edge is checked against the
#: others), so the caps bound what a crafted file can cost; lessons use a few dozen layers.
MAX_NODES = 1000
MAX_EDGES = 1500
MAX_COLUMNS = 2000


def _names(registry: Registry[Any], spec_name: str) -> list[str]:
    """The canonical name and every alias of one component."""
    aliases = sorted(a for a, target in registry.aliases.items() if target == spec_name)
    return [spec_name, *aliases]


def _number(spec: ParamSpec, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    if spec.minimum is not None:
        out["exclusiveMinimum" if spec.exclusive_min else "minimum"] = spec.minimum
    if spec.maximum is not None:
        out["exclusiveMaximum" if spec.exclusive_max else "maximum"] = spec.maximum
    return out


def param_schema(spec: ParamSpec) -> dict[str, Any]:
    """JSON Schema of one declared parameter's value, as NN Studio writes it."""
    kind = spec.kind
    if kind == "int":
        out = _number(spec, "integer")
    elif kind == "float":
        out = _number(spec, "number")
    elif kind == "bool":
        out = {"type": "boolean"}
    elif kind == "choice":
        out = {"enum": list(spec.choices)}
    elif kind == "text":
        out = {"type": "string", "maxLength": TEXT}
    elif kind == "int_or_auto":
        out = {"anyOf": [_number(spec, "integer"), {"const": "auto"}]}
    elif kind == "int_list":
        out = {"type": "array", "maxItems": 10_000, "items": _number(spec, "integer")}
    elif kind == "float_list":
        out = {"type": "array", "maxItems": 10_000, "items": _number(spec, "number")}
    elif kind == "matrix":
        out = {
            "type": "array",
            "maxItems": 100_000,
            "items": {"type": "array", "maxItems": 100_000, "items": {"type": "number"}},
        }
    elif kind == "component":
        out = {"$ref": f"#/$defs/{spec.registry}"}
    else:  # pragma: no cover - ParamSpec refuses other kinds
        raise AssertionError(kind)
    if spec.optional:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _params_object(params: tuple[ParamSpec, ...], *, extra: dict[str, Any]) -> dict[str, Any]:
    properties = dict(extra)
    properties.update({p.name: param_schema(p) for p in params})
    return {"properties": properties, "additionalProperties": False}


def _chooser(
    registry: Registry[Any], *, key: str, params_key: str | None, title: str
) -> dict[str, Any]:
    """An object whose ``key`` picks a component and whose parameters follow that choice.

    ``params_key`` None: the parameters sit beside the name (``{"name": "adam", "lr": ...}``);
    otherwise in a nested object (a layer node's ``"params"``).
    """
    names = [n for spec in registry for n in _names(registry, spec.name)]
    branches = []
    for spec in registry:
        when = {"properties": {key: {"enum": _names(registry, spec.name)}}, "required": [key]}
        if params_key is None:
            then = _params_object(spec.params, extra={key: True})
        else:
            then = {"properties": {params_key: _params_object(spec.params, extra={})}}
        branches.append({"if": when, "then": then})
    return {
        "title": title,
        "type": "object",
        "required": [key],
        "properties": {key: {"enum": names}},
        "allOf": branches,
    }


def _dataset_source() -> dict[str, Any]:
    from nnstudio.core.data.data_settings import DELIMITERS, SOURCE_KINDS
    from nnstudio.core.data.datasets import DATASETS

    datasets = _chooser(DATASETS, key="name", params_key="params", title="built-in dataset")
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": list(SOURCE_KINDS)},
            "path": {"type": "string", "maxLength": 4096},
            "name": {"type": "string", "maxLength": 200},
            "params": {"type": "object"},
            "encoding": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
            "delimiter": {"enum": list(DELIMITERS)},
        },
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "builtin"}}, "required": ["kind"]},
                "then": {"required": ["name"], **datasets},
                "else": {"properties": {"params": {"maxProperties": 0}}},
            }
        ],
    }


def _data() -> dict[str, Any]:
    from nnstudio.core.data.data_settings import (
        COLUMN_KINDS,
        MISSING_CHOICES,
        SCALING_CHOICES,
        TASK_CHOICES,
    )
    from nnstudio.core.data.seeds import MAX_SEED

    # Data settings check their lists pairwise: the caps keep a crafted file from making
    # that slow, and are far above any table a student trains on.
    columns = {"type": "array", "maxItems": MAX_COLUMNS, "uniqueItems": True, "items": COLUMN}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "source": {"$ref": "#/$defs/source"},
            "targets": columns,
            "ignored": columns,
            "kinds": {
                "type": "object",
                "maxProperties": MAX_COLUMNS,
                "additionalProperties": {"enum": list(COLUMN_KINDS)},
            },
            "missing": {"enum": list(MISSING_CHOICES)},
            "scaling": {"enum": list(SCALING_CHOICES)},
            "split": {
                "type": "array",
                "minItems": 2,
                "maxItems": 3,
                "items": {"type": "number", "minimum": 0, "maximum": 1},
            },
            "seed": {"type": "integer", "minimum": 0, "maximum": MAX_SEED},
            "stratify": {"type": "boolean"},
            "task": {"enum": list(TASK_CHOICES)},
            "class_order": columns,
        },
    }


def _training() -> dict[str, Any]:
    from dataclasses import fields

    from nnstudio.core.training.training_settings import (
        EarlyStopping,
        StopTarget,
        TrainingSettings,
        settings_param,
        target_param,
    )

    components = {"loss": "loss", "optimizer": "optimiser", "schedule": "schedule"}
    props: dict[str, Any] = {}
    for f in fields(TrainingSettings):
        if f.name in components:
            props[f.name] = {"$ref": f"#/$defs/{components[f.name]}"}
        elif f.name == "early_stopping":
            props[f.name] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    e.name: param_schema(settings_param(e.name)) for e in fields(EarlyStopping)
                },
            }
        elif f.name == "stop_at":
            # Optional and left out when unset; the value's range depends on the metric
            # (accuracy is a fraction), which loading checks.
            props[f.name] = {
                "type": "object",
                "additionalProperties": False,
                "required": ["metric", "value"],
                "properties": {
                    t.name: param_schema(target_param(t.name)) for t in fields(StopTarget)
                },
            }
        else:
            props[f.name] = param_schema(settings_param(f.name))
    return {"type": "object", "additionalProperties": False, "properties": props}


def _preprocessor() -> dict[str, Any]:
    from nnstudio.core.data import preprocess
    from nnstudio.core.data.data_settings import MISSING_CHOICES, SCALING_CHOICES

    finite = {"type": "number"}
    numeric = {
        "required": ["name", "kind", "center", "scale"],
        "properties": {
            "name": True,
            "kind": True,
            "fill": {"type": ["number", "null"]},
            "center": finite,
            "scale": {"type": "number", "not": {"const": 0}},
        },
        "additionalProperties": False,
    }
    categorical = {
        "required": ["name", "kind", "categories"],
        "properties": {
            "name": True,
            "kind": True,
            "fill": {"type": ["string", "null"]},
            "categories": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100_000,
                "uniqueItems": True,
                "items": COLUMN,
            },
        },
        "additionalProperties": False,
    }
    column = {
        "type": "object",
        "required": ["name", "kind"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 1000},
            "kind": {"enum": ["numeric", "categorical"]},
        },
        "allOf": [
            {"if": {"properties": {"kind": {"const": "numeric"}}}, "then": numeric},
            {"if": {"properties": {"kind": {"const": "categorical"}}}, "then": categorical},
        ],
    }
    names = {"type": "array", "maxItems": 10_000, "uniqueItems": True, "items": COLUMN}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "format",
            "version",
            "task",
            "scaling",
            "missing",
            "targets",
            "class_names",
            "columns",
        ],
        "properties": {
            "format": {"const": preprocess.FORMAT},
            "version": {"type": "integer", "minimum": 1, "maximum": preprocess.VERSION},
            "task": {"enum": list(preprocess.TASKS)},
            "scaling": {"enum": list(SCALING_CHOICES)},
            "missing": {"enum": list(MISSING_CHOICES)},
            "targets": {**names, "minItems": 1},
            "class_names": names,
            "columns": {"type": "array", "minItems": 1, "maxItems": 10_000, "items": column},
        },
    }


def _graph() -> dict[str, Any]:
    from nnstudio.core.catalogue.layers import LAYERS

    node = _chooser(LAYERS, key="type", params_key="params", title="layer")
    node["required"] = ["id", "type"]
    node["additionalProperties"] = False
    node["properties"] = {
        "id": NODE_ID,
        "type": node["properties"]["type"],
        "type_version": {"type": "integer", "minimum": 1, "maximum": 1},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "params": {"type": "object"},
        "position": {"type": "array", "minItems": 2, "maxItems": 2, "items": COORD},
        "note": {"type": "string", "maxLength": LONG_TEXT},
        "trainable": {"type": "boolean"},
    }
    return {
        "type": "object",
        "required": ["nodes", "edges"],
        "additionalProperties": False,
        "properties": {
            "nodes": {"type": "array", "maxItems": MAX_NODES, "items": {"$ref": "#/$defs/node"}},
            "edges": {
                "type": "array",
                "maxItems": MAX_EDGES,
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": NODE_ID},
            },
        },
    }, node


def _state() -> dict[str, Any]:
    groups = {"type": "array", "maxItems": 64, "items": {"type": "object"}}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "epochs_trained": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000},
            "weights": {"type": "boolean"},
            "optimizer": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["param_groups"],
                        "additionalProperties": False,
                        "properties": {"param_groups": groups, "scalars": {"type": "object"}},
                    },
                ]
            },
            "schedule": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "maxLength": 64},
                            "component": {"type": "object"},
                            "scheduler": {"type": ["object", "null"]},
                            "groups": groups,
                        },
                    },
                ]
            },
        },
    }


def _history() -> dict[str, Any]:
    from nnstudio.core.training.reports import MAX_BATCH_STRIDE

    series = {"type": "array", "maxItems": 10_000_000, "items": {"type": ["number", "null"]}}
    return {
        "title": "history.json",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "epoch": {
                "type": "array",
                "maxItems": 10_000_000,
                "items": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
            },
            "train_loss": series,
            "val_loss": series,
            "lr": series,
            "metrics": {
                "type": "object",
                "maxProperties": 100,
                "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,63}$"},
                "additionalProperties": series,
            },
            "batch_loss": series,
            "batch_lr": series,
            # Written only once a long run's per-batch curves were halved (reports.History).
            "batch_stride": {"type": "integer", "minimum": 1, "maximum": MAX_BATCH_STRIDE},
            "diverged_at": {
                "type": "array",
                "maxItems": 100_000,
                "items": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
                },
            },
        },
    }


def _classroom() -> dict[str, Any]:
    """A teacher's lesson hand-out; sizes are checked first, with messages naming the field."""
    from nnstudio.core.project import classroom as c

    name = {"type": "string", "maxLength": c.MAX_NAME_CHARS}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "lesson": {"type": "string", "maxLength": c.MAX_LESSON_CHARS},
            "task": {"type": "string", "maxLength": c.MAX_TASK_CHARS},
            "locked": {
                "type": "array",
                "maxItems": c.MAX_NAMES,
                "items": {"enum": list(c.LOCKABLE)},
            },
            "hidden": {"type": "array", "maxItems": c.MAX_NAMES, "items": name},
        },
    }


def _runs() -> dict[str, Any]:
    """The stored runs (format version 4): each with its settings, graph and curves."""
    from nnstudio.core.training import runs as r

    values = {
        "type": "object",
        "maxProperties": 100,
        "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,63}$"},
        "additionalProperties": {"type": "number"},
    }
    text = {"type": "string", "maxLength": r.MAX_NAME_CHARS}
    short = {"type": "string", "maxLength": 1000}
    change = {
        "type": "object",
        "additionalProperties": False,
        "required": ["what"],
        "properties": {
            "what": {
                "enum": [
                    "setting",
                    "param",
                    "layer_added",
                    "layer_removed",
                    "dropout_added",
                    "dropout_removed",
                    "wiring",
                ]
            },
            "key": short,
            "old": short,
            "new": short,
            "layer": short,
        },
    }
    record = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "training", "graph", "data", "history"],
        "properties": {
            "id": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
            "created": {"type": "string", "maxLength": 64},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "training": {"$ref": "#/$defs/training"},
            "graph": {"$ref": "#/$defs/graph"},
            "data": {"$ref": "#/$defs/data"},
            "preprocessor": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/preprocessor"}]},
            "history": {"$ref": "#/$defs/history"},
            "parameters": {"type": "integer", "minimum": 0, "maximum": 10**12},
            "epochs": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000},
            "reason": {
                "enum": ["finished", "stopped", "early_stopped", "target_reached", "diverged"]
            },
            "seconds": {"type": "number", "minimum": 0},
            "samples_per_second": {"type": "number", "minimum": 0},
            "device": {"type": "string", "maxLength": 64},
            "monitor": {"type": "string", "maxLength": 64},
            "best_epoch": {"type": ["integer", "null"], "minimum": 1},
            "final": values,
            "best": values,
            "changes": {"type": "array", "maxItems": 1000, "items": change},
            "previous": {"type": ["integer", "null"], "minimum": 1},
            "name": text,
            "starred": {"type": "boolean"},
            "experiment": text,
            "varied": {"type": "string", "maxLength": 64},
            "weights": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"last": {"type": "boolean"}, "best": {"type": "boolean"}},
            },
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "keep": {"type": "integer", "minimum": 1, "maximum": r.MAX_KEEP},
            "next_id": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
            "records": {"type": "array", "maxItems": r.MAX_KEEP, "items": record},
        },
    }


def build_schema() -> dict[str, Any]:
    """The complete JSON Schema of ``project.json`` (format version 4)."""
    from nnstudio.core.project.migrations import CURRENT_VERSION, FORMAT

    graph, node = _graph()
    defs: dict[str, Any] = {
        "node": node,
        "source": _dataset_source(),
        "preprocessor": _preprocessor(),
        "state": _state(),
        "history": _history(),
        # Stored runs repeat the graph, data and training settings of their time.
        "graph": graph,
        "data": _data(),
        "training": _training(),
    }
    for family in FAMILIES:
        defs[family] = _chooser(registry_named(family), key="name", params_key=None, title=family)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"NN Studio project (project.json, format version {CURRENT_VERSION})",
        "description": "Written by NN Studio; documented in docs/project-format.md. "
        "GENERATED by python -m nnstudio.core.project.schemagen: do not edit by hand.",
        "type": "object",
        "required": ["format", "format_version", "graph", "data", "training"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"const": CURRENT_VERSION},
            "app_version": {"type": "string", "maxLength": 64},
            "name": {"type": "string", "maxLength": 1000},
            "description": {"type": "string", "maxLength": LONG_TEXT},
            "graph": graph,
            "data": _data(),
            "training": _training(),
            "preprocessor": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/preprocessor"}]},
            "state": {"$ref": "#/$defs/state"},
            "ui": {"type": "object", "maxProperties": 1000},
            "classroom": _classroom(),
            "runs": _runs(),
        },
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=1, ensure_ascii=False) + "\n"


# --- documentation ------------------------------------------------------------------------


def _describe_value(spec: ParamSpec) -> str:
    kind = spec.kind
    text = {
        "int": "integer",
        "float": "number",
        "bool": "true/false",
        "choice": " / ".join(f"`{c}`" for c in spec.choices),
        "text": "text",
        "int_or_auto": '`"auto"` or integer',
        "int_list": "list of integers",
        "float_list": "list of numbers",
        "matrix": "list of rows of numbers",
        "component": f"{spec.registry} object",
    }[kind]
    bounds = []
    if spec.minimum is not None:
        bounds.append(f"{'>' if spec.exclusive_min else '≥'} {_number_text(spec.minimum)}")
    if spec.maximum is not None:
        bounds.append(f"{'<' if spec.exclusive_max else '≤'} {_number_text(spec.maximum)}")
    if bounds:
        text += " " + ", ".join(bounds)
    if spec.optional:
        text += " or null"
    return text


def _number_text(value: float) -> str:
    if float(value).is_integer() and abs(value) >= 10_000:
        return f"{int(value):,}".replace(",", " ")
    return f"{value:g}"


def _default(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _table(registry: Registry[Any], heading: str, key: str) -> list[str]:
    lines = [f"### {heading}", "", f"| `{key}` | aliases | parameters (default) |", "|---|---|---|"]
    for spec in registry:
        aliases = ", ".join(f"`{a}`" for a in _names(registry, spec.name)[1:]) or "—"
        params = "<br>".join(
            f"`{p.name}`: {_describe_value(p)} ({_default(p.default)})" for p in spec.params
        )
        lines.append(f"| `{spec.name}` | {aliases} | {params or '—'} |")
    lines.append("")
    return lines


def catalogue_markdown() -> str:
    """Tables of every name and parameter the schema allows, for the format document."""
    from nnstudio.core.catalogue.layers import LAYERS
    from nnstudio.core.data.datasets import DATASETS

    lines = [DOC_BEGIN, ""]
    lines += _table(LAYERS, "Layer types (`graph.nodes[].type` and its `params`)", "type")
    for family, heading in (
        ("activation", 'Activations (`{"name": ...}` objects in `activation` parameters)'),
        ("initialiser", "Initialisers (`weight_init`, `bias_init`)"),
        ("loss", "Losses (`training.loss`)"),
        ("optimiser", "Optimisers (`training.optimizer`)"),
        ("schedule", "Learning-rate schedules (`training.schedule`)"),
    ):
        lines += _table(registry_named(family), heading, "name")
    lines += _table(DATASETS, "Built-in datasets (`data.source.name` and its `params`)", "name")
    lines.append(DOC_END)
    return "\n".join(lines)


def doc_with_catalogue(doc: str) -> str:
    """``doc`` with its generated section replaced by the current catalogue."""
    start, end = doc.index(DOC_BEGIN), doc.index(DOC_END) + len(DOC_END)
    return doc[:start] + catalogue_markdown() + doc[end:]


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    (here / "schema.json").write_text(schema_text(), "utf-8")
    doc_path = here.parents[2] / "docs" / "project-format.md"
    if doc_path.exists():
        doc_path.write_text(doc_with_catalogue(doc_path.read_text("utf-8")), "utf-8")
    print(f"wrote {here / 'schema.json'} and the catalogue in {doc_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

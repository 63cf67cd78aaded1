"""What data a project uses and how it is prepared: two frozen, JSON-safe records.

:class:`DataSource` says where the table comes from (a CSV file or a built-in teaching
dataset); :class:`DataSettings` adds every choice the user makes in the data panel (targets,
ignored columns, kinds, missing values, scaling, split). Both validate themselves on creation so
an invalid value is reported where it was typed or read, not later in the middle of training.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.data.datasets import DATASETS
from nnstudio.core.data.seeds import MAX_SEED
from nnstudio.core.errors import DataError
from nnstudio.i18n import N_, _

SOURCE_KINDS = ("none", "csv", "builtin")
DELIMITERS = ("auto", ",", ";", "\t")
#: The kinds a column can be read as; also what the data panel shows (``_(kind)``).
COLUMN_KINDS = (
    # Translators: a column kind: the column holds numbers.
    N_("numeric"),
    # Translators: a column kind: the column holds categories (text labels).
    N_("categorical"),
)
MISSING_CHOICES = ("refuse", "drop", "mean", "most_frequent")
SCALING_CHOICES = ("none", "standard", "minmax")
TASK_CHOICES = ("auto", "classification", "regression")

#: Where a bad setting is reported (the ``where`` of its DataError), translated when raised.
_SETTINGS_WHERE = N_("data settings")


def is_text_encoding(name: object) -> bool:
    """Whether ``name`` is a codec that turns bytes into text.

    ``codecs.lookup`` also knows codecs that are not text encodings — ``rot13`` (str to
    str), ``hex``, ``base64``, ``uu_codec``, ``zlib`` (bytes to bytes) — and ``bytes.decode``
    refuses those with a ``LookupError``; a project file may name any of them, so every
    check of an encoding asks this instead.
    """
    if not isinstance(name, str) or "\x00" in name:
        return False
    try:
        info = codecs.lookup(name)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True))


def _bad(field_name: str, message: str) -> DataError:
    """The DataError for a bad setting; ``field_name`` is the setting's key, as in the file."""
    return DataError(f"{field_name}: {message}", where=_(_SETTINGS_WHERE))


def _check_text(field_name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _bad(field_name, _("must be text, not {value!r}").format(value=value))
    return value


def _check_choice(field_name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise _bad(
            field_name,
            _("must be one of {choices}; got {value!r}").format(choices=shown, value=value),
        )
    return value


def _check_names(field_name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _bad(
            field_name, _("must be a list of column names, not {value!r}").format(value=value)
        )
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise _bad(
                field_name, _("must hold column names (text), not {value!r}").format(value=name)
            )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _bad(field_name, _("names {name!r} twice").format(name=duplicates[0]))
    return names


def _json_safe(field_name: str, value: Any) -> Any:
    """Copy ``value`` keeping only what survives ``json.dumps``/``loads`` unchanged."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(field_name, _("must hold finite numbers, not {value!r}").format(value=value))
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(field_name, v) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _bad(field_name, _("keys must be text, not {value!r}").format(value=key))
            out[key] = _json_safe(field_name, item)
        return out
    raise _bad(field_name, _("cannot store {value!r} in a project file").format(value=value))


def _stable_hash(data: Mapping[str, Any]) -> int:
    return hash(json.dumps(data, sort_keys=True, ensure_ascii=False))


@dataclass(frozen=True)
class DataSource:
    """Where the table comes from. ``path`` is kept as stored (it may be project-relative)."""

    kind: str = "none"
    path: str = ""
    name: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    encoding: str = "auto"
    delimiter: str = "auto"

    def __post_init__(self) -> None:
        _check_choice("source.kind", self.kind, SOURCE_KINDS)
        _check_text("source.path", self.path)
        _check_text("source.name", self.name)
        if not isinstance(self.params, Mapping):
            raise _bad(
                "source.params",
                _("must be a mapping of parameters, not {value!r}").format(value=self.params),
            )
        object.__setattr__(self, "params", _json_safe("source.params", self.params))
        _check_text("source.encoding", self.encoding)
        if self.encoding != "auto" and not is_text_encoding(self.encoding):
            raise _bad(
                "source.encoding",
                _("unknown text encoding {value!r}").format(value=self.encoding),
            )
        _check_choice("source.delimiter", self.delimiter, DELIMITERS)

    def __hash__(self) -> int:
        return _stable_hash(self.to_dict())

    @property
    def label(self) -> str:
        """Short name for messages: the file's base name or the dataset's name."""
        if self.kind == "csv":
            return self.path.replace("\\", "/").rsplit("/", 1)[-1] or _("the CSV file")
        if self.kind == "builtin":
            return self.name or _("the built-in dataset")
        return _("no data")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "name": self.name,
            "params": _json_safe("source.params", self.params),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
        }

    @classmethod
    def from_dict(cls, d: Any) -> DataSource:
        """Build from a project file's dict; unknown keys and bad values raise DataError."""
        if not isinstance(d, Mapping):
            raise _bad("source", _("must be a mapping, not {value!r}").format(value=d))
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise _bad(f"source.{unknown[0]}", _("is not a data source field"))
        source = cls(**{k: d[k] for k in known if k in d})
        if source.kind == "builtin" and source.name not in DATASETS:
            known_names = ", ".join(DATASETS.names())
            raise _bad(
                "source.name",
                _("unknown built-in dataset {name!r} (known: {known})").format(
                    name=source.name, known=known_names
                ),
            )
        return source


def _check_split(value: Any) -> tuple[float, float, float]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise _bad(
            "split",
            _("must be three fractions (train, validation, test), not {value!r}").format(
                value=value
            ),
        )
    parts = []
    for part in value:
        if isinstance(part, bool) or not isinstance(part, (int, float)):
            raise _bad("split", _("fractions must be numbers, not {value!r}").format(value=part))
        part = float(part)
        if not math.isfinite(part) or part < 0:
            raise _bad("split", _("fractions must be ≥ 0; got {value:g}").format(value=part))
        parts.append(part)
    if len(parts) == 2:
        parts.append(0.0)
    train, val, test = parts
    if train <= 0:
        raise _bad("split", _("the training fraction must be more than 0"))
    if abs(train + val + test - 1.0) > 1e-6:
        raise _bad(
            "split",
            _("fractions must add up to 1; {train:g} + {val:g} + {test:g} = {total:g}").format(
                train=train, val=val, test=test, total=train + val + test
            ),
        )
    return (train, val, test)


@dataclass(frozen=True)
class DataSettings:
    """Every data-panel choice. Immutable: edits go through :meth:`replace` (undo-friendly)."""

    source: DataSource = field(default_factory=DataSource)
    #: Empty means "the last column".
    targets: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    #: Per-column kind override, ``"numeric"`` or ``"categorical"``.
    kinds: Mapping[str, str] = field(default_factory=dict)
    missing: str = "refuse"
    scaling: str = "standard"
    split: tuple[float, float, float] = (0.8, 0.2, 0.0)
    seed: int = 0
    stratify: bool = True
    task: str = "auto"
    #: Optional explicit class order, e.g. ("低端", "中端", "高端"): class id = position.
    class_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.source, DataSource):
            raise _bad("source", _("must be a DataSource, not {value!r}").format(value=self.source))
        set_ = object.__setattr__
        set_(self, "targets", _check_names("targets", self.targets))
        set_(self, "ignored", _check_names("ignored", self.ignored))
        both = [n for n in self.targets if n in self.ignored]
        if both:
            raise _bad(
                "ignored",
                _("column {name!r} is a target and cannot also be ignored").format(name=both[0]),
            )
        if not isinstance(self.kinds, Mapping):
            raise _bad(
                "kinds",
                _("must map column names to a kind, not {value!r}").format(value=self.kinds),
            )
        kinds = {}
        for name, kind in self.kinds.items():
            if not isinstance(name, str):
                raise _bad(
                    "kinds", _("column names must be text, not {value!r}").format(value=name)
                )
            kinds[name] = _check_choice(f"kinds[{name!r}]", kind, COLUMN_KINDS)
        set_(self, "kinds", kinds)
        _check_choice("missing", self.missing, MISSING_CHOICES)
        _check_choice("scaling", self.scaling, SCALING_CHOICES)
        set_(self, "split", _check_split(self.split))
        seed = self.seed
        whole_float = isinstance(seed, float) and seed.is_integer()
        if (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)) or whole_float:
            set_(self, "seed", int(seed))
        else:
            raise _bad("seed", _("must be a whole number, not {value!r}").format(value=seed))
        if not 0 <= self.seed <= MAX_SEED:
            raise _bad(
                "seed",
                _("must be between 0 and {maximum}; got {value}").format(
                    maximum=MAX_SEED, value=self.seed
                ),
            )
        if not isinstance(self.stratify, bool):
            raise _bad(
                "stratify", _("must be true or false, not {value!r}").format(value=self.stratify)
            )
        _check_choice("task", self.task, TASK_CHOICES)
        set_(self, "class_order", _check_names("class_order", self.class_order))

    def __hash__(self) -> int:
        return _stable_hash(self.to_dict())

    def replace(self, **changes: Any) -> DataSettings:
        """A copy with ``changes`` applied and validated (raises DataError naming the field)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(k for k in changes if k not in known)
        if unknown:
            raise _bad(unknown[0], _("is not a data setting"))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "targets": list(self.targets),
            "ignored": list(self.ignored),
            "kinds": dict(self.kinds),
            "missing": self.missing,
            "scaling": self.scaling,
            "split": list(self.split),
            "seed": self.seed,
            "stratify": self.stratify,
            "task": self.task,
            "class_order": list(self.class_order),
        }

    @classmethod
    def from_dict(cls, d: Any) -> DataSettings:
        """Build from a project file's dict; missing keys take defaults, unknown keys refused."""
        if not isinstance(d, Mapping):
            raise _bad("data", _("must be a mapping, not {value!r}").format(value=d))
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise _bad(unknown[0], _("is not a data setting"))
        values = {k: d[k] for k in known if k in d}
        if "source" in values:
            values["source"] = DataSource.from_dict(values["source"])
        return cls(**values)


def default_settings_for(name: str) -> DataSettings:
    """Data settings that work for a built-in dataset: its target, task and class order."""
    try:
        spec = DATASETS.get(name)
    except ParamError as exc:
        raise DataError(str(exc), where="source.name") from None
    return DataSettings(
        source=DataSource(kind="builtin", name=spec.name, params=spec.defaults()),
        targets=(spec.target,),
        task=spec.task,
        class_order=spec.class_order,
        stratify=spec.task == "classification",
        split=spec.split,
        scaling=spec.scaling,
    )

"""Declared parameters and the registries built from them.

Every configurable thing in NN Studio (layer types, activations, initialisers, losses,
optimisers, schedules) is a :class:`ComponentSpec` that declares its parameters as
:class:`ParamSpec` objects. One declaration serves four readers: validation of values coming
from files and users, the GUI inspector (which picks an editor by ``kind``), tooltips (``help``
teaches what the parameter does) and code export.

A configured component is stored as a plain dict ``{"name": ..., <param>: <value>, ...}`` so it
round-trips through JSON unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Generic, TypeVar

AUTO = "auto"

#: Kinds an editor exists for. ``component`` values are nested ``{"name": ...}`` dicts chosen
#: from another registry (an activation inside a Dense layer, for instance).
PARAM_KINDS = (
    "int",
    "float",
    "bool",
    "choice",
    "text",
    "int_or_auto",
    "int_list",
    "float_list",
    "matrix",
    "component",
)


class ParamError(ValueError):
    """A value does not fit its declaration; the message says why in user terms."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: what it is called, what it may hold, and what it means."""

    name: str
    kind: str
    default: Any
    help: str
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    #: True when the bound itself is not allowed (a dropout p of exactly 1, a zero lr).
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    #: For ``component`` parameters: the name of the registry the value is chosen from.
    registry: str = ""
    #: Log-scaled spin boxes suit learning rates and epsilons.
    log_scale: bool = False
    decimals: int = 4
    #: ``matrix``/``float_list`` values may be left empty (``None``) to mean "not set".
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParamError`."""
        kind = self.kind
        if value is None and self.optional:
            return None
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
                return value.lower() in ("true", "yes")
            raise ParamError(f"{self.title} must be true or false, not {value!r}")
        if kind == "int_or_auto" and isinstance(value, str) and value.strip().lower() == AUTO:
            return AUTO
        if kind in ("int", "int_or_auto"):
            number = _as_number(value, self.title)
            if number != int(number):
                raise ParamError(f"{self.title} must be a whole number, not {value!r}")
            number = int(number)
            self._check_range(number)
            return number
        if kind == "float":
            number = float(_as_number(value, self.title))
            if not math.isfinite(number):
                raise ParamError(f"{self.title} must be a finite number, not {value!r}")
            self._check_range(number)
            return number
        if kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices)
                raise ParamError(f"{self.title} must be one of {allowed}; got {value!r}")
            return value
        if kind == "text":
            if not isinstance(value, str):
                raise ParamError(f"{self.title} must be text, not {value!r}")
            return value
        if kind in ("int_list", "float_list"):
            items = _as_list(value, self.title)
            cast = int if kind == "int_list" else float
            out = []
            for item in items:
                number = _as_number(item, self.title)
                if kind == "int_list" and number != int(number):
                    raise ParamError(f"{self.title} must hold whole numbers; got {item!r}")
                if not math.isfinite(float(number)):
                    raise ParamError(f"{self.title} must hold finite numbers; got {item!r}")
                self._check_range(number)
                out.append(cast(number))
            return out
        if kind == "matrix":
            rows = _as_list(value, self.title)
            matrix = [
                [float(_as_number(x, self.title)) for x in _as_list(r, self.title)] for r in rows
            ]
            if len({len(r) for r in matrix}) > 1:
                raise ParamError(f"{self.title}: every row must have the same length")
            if any(not math.isfinite(x) for r in matrix for x in r):
                raise ParamError(f"{self.title} must hold finite numbers")
            return matrix
        if kind == "component":
            return registry_named(self.registry).normalize(value, what=self.title)
        raise AssertionError(kind)  # pragma: no cover - guarded by __post_init__

    def _check_range(self, number: float) -> None:
        lo, hi = self.minimum, self.maximum
        if lo is not None and (number < lo or (self.exclusive_min and number == lo)):
            sign = ">" if self.exclusive_min else "≥"
            raise ParamError(f"{self.title} must be {sign} {lo:g}; got {number:g}")
        if hi is not None and (number > hi or (self.exclusive_max and number == hi)):
            sign = "<" if self.exclusive_max else "≤"
            raise ParamError(f"{self.title} must be {sign} {hi:g}; got {number:g}")


def _as_number(value: Any, title: str) -> float:
    if isinstance(value, bool):
        raise ParamError(f"{title} must be a number, not {value!r}")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ParamError(f"{title} must be a number, not {value!r}")


def _as_list(value: Any, title: str) -> list[Any]:
    if isinstance(value, str):
        parts = [p for p in value.replace(";", ",").split(",") if p.strip()]
        return parts
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ParamError(f"{title} must be a list, not {value!r}")


@dataclass(frozen=True)
class ComponentSpec:
    """Something a user picks by name and configures by parameters."""

    name: str
    label: str
    help: str
    params: tuple[ParamSpec, ...] = ()

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


S = TypeVar("S", bound=ComponentSpec)


@dataclass
class Registry(Generic[S]):
    """Components of one family, looked up by name; the only way names in files become code."""

    family: str
    _specs: dict[str, S] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, spec: S, *aliases: str) -> S:
        if spec.name in self._specs:
            raise ValueError(f"{self.family} {spec.name!r} registered twice")
        self._specs[spec.name] = spec
        for alias in aliases:
            self.aliases[alias] = spec.name
        return spec

    def get(self, name: str) -> S:
        key = self.aliases.get(name, name)
        try:
            return self._specs[key]
        except KeyError:
            known = ", ".join(self._specs)
            raise ParamError(f"unknown {self.family} {name!r} (known: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs or name in self.aliases

    def __iter__(self) -> Iterator[S]:
        return iter(self._specs.values())

    def names(self) -> list[str]:
        return list(self._specs)

    def normalize(self, value: Any, *, what: str | None = None) -> dict[str, Any]:
        """Turn ``"relu"`` or ``{"name": "relu", ...}`` into a complete, checked dict.

        Missing parameters get their defaults; unknown ones are refused, so a typo in a hand
        written project is reported instead of silently ignored.
        """
        what = what or self.family
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
            raise ParamError(f"{what} must name a {self.family}, not {value!r}")
        spec = self.get(value["name"])
        return {"name": spec.name, **check_params(spec, value, skip=("name",))}


#: Where each family's registry lives, for ``component`` parameters that name another family
#: (an activation inside a Dense layer). The catalogue modules import this one, so the lookup
#: imports them by name when first asked instead of at the top: each module can declare
#: components of the others without an import cycle.
_HOMES = {
    "activation": ("nnstudio.core.catalogue.activations", "ACTIVATIONS"),
    "initialiser": ("nnstudio.core.catalogue.initializers", "INITIALIZERS"),
    "layer": ("nnstudio.core.catalogue.layers", "LAYERS"),
    "loss": ("nnstudio.core.catalogue.losses", "LOSSES"),
    "optimiser": ("nnstudio.core.catalogue.optimizers", "OPTIMIZERS"),
    "schedule": ("nnstudio.core.catalogue.schedules", "SCHEDULES"),
}


def registry_named(family: str) -> Registry[Any]:
    """The registry of ``family`` ("activation", "initialiser", "layer", "loss", ...)."""
    module, attr = _HOMES[family]
    return getattr(import_module(module), attr)


def check_params(
    spec: ComponentSpec, values: Mapping[str, Any], *, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Validate ``values`` against ``spec.params``; fill defaults; refuse unknown names."""
    known = {p.name for p in spec.params}
    unknown = [k for k in values if k not in known and k not in skip]
    if unknown:
        raise ParamError(
            f"{spec.label} has no parameter {unknown[0]!r}"
            + (f" (it has: {', '.join(sorted(known))})" if known else "")
        )
    out: dict[str, Any] = {}
    for p in spec.params:
        out[p.name] = p.coerce(values[p.name]) if p.name in values else _copy(p.default)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def describe(component: Mapping[str, Any], registry: Registry[Any]) -> str:
    """Short human text for a configured component: ``"Leaky ReLU (slope 0.01)"``."""
    spec = registry.get(component["name"])
    shown = [
        f"{p.title.lower()} {_fmt(component.get(p.name, p.default))}"
        for p in spec.params
        if p.kind in ("int", "float", "choice", "bool", "int_or_auto")
        and component.get(p.name, p.default) != p.default
    ]
    return spec.label + (f" ({', '.join(shown)})" if shown else "")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

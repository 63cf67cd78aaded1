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

from nnstudio.core.errors import UserFacingError
from nnstudio.i18n import N_, Text, _

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


class ParamError(UserFacingError, ValueError):
    """A value does not fit its declaration; the message says why in user terms.

    Raised with an English :class:`~nnstudio.i18n.Text`: ``str(exc)`` shows it in the user's
    language, ``exc.message`` keeps it English for problems that go into JSON.
    """


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: what it is called, what it may hold, and what it means."""

    name: str
    kind: str
    default: Any
    #: English, marked with ``N_``: shown with ``_()`` (the tooltip that teaches the parameter).
    help: str
    #: English, marked with ``N_``; empty: the name, capitalised (see :attr:`title`).
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    #: True when the bound itself is not allowed (a dropout p of exactly 1, a zero lr).
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    #: What people read for each of :attr:`choices` (English, marked with ``N_``); empty: the
    #: choices themselves. The stored value stays the choice, in every language.
    choice_labels: tuple[str, ...] = ()
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
        if self.choice_labels and len(self.choice_labels) != len(self.choices):
            raise ValueError(f"{self.name}: one label per choice")

    def choice_label(self, choice: str) -> str:
        """The English label of ``choice`` (``_()`` shows it translated)."""
        if self.choice_labels and choice in self.choices:
            return self.choice_labels[self.choices.index(choice)]
        return str(choice)

    @property
    def title(self) -> str:
        """The English name people read (``_(spec.title)`` shows it translated)."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def shown_title(self) -> Text:
        """:attr:`title` as a message parameter: English in JSON, translated when shown."""
        return Text(self.title)

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParamError`."""
        kind = self.kind
        title = self.shown_title
        if value is None and self.optional:
            return None
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
                return value.lower() in ("true", "yes")
            raise ParamError(
                Text(N_("{title} must be true or false, not {value!r}"), title=title, value=value)
            )
        if kind == "int_or_auto" and isinstance(value, str) and value.strip().lower() == AUTO:
            return AUTO
        if kind in ("int", "int_or_auto"):
            number = _as_number(value, title)
            if number != int(number):
                raise ParamError(
                    Text(
                        N_("{title} must be a whole number, not {value!r}"),
                        title=title,
                        value=value,
                    )
                )
            number = int(number)
            self._check_range(number)
            return number
        if kind == "float":
            number = float(_as_number(value, title))
            if not math.isfinite(number):
                raise ParamError(
                    Text(
                        N_("{title} must be a finite number, not {value!r}"),
                        title=title,
                        value=value,
                    )
                )
            self._check_range(number)
            return number
        if kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices)
                raise ParamError(
                    Text(
                        N_("{title} must be one of {allowed}; got {value!r}"),
                        title=title,
                        allowed=allowed,
                        value=value,
                    )
                )
            return value
        if kind == "text":
            if not isinstance(value, str):
                raise ParamError(
                    Text(N_("{title} must be text, not {value!r}"), title=title, value=value)
                )
            return value
        if kind in ("int_list", "float_list"):
            items = _as_list(value, title)
            cast = int if kind == "int_list" else float
            out = []
            for item in items:
                number = _as_number(item, title)
                if kind == "int_list" and number != int(number):
                    raise ParamError(
                        Text(
                            N_("{title} must hold whole numbers; got {item!r}"),
                            title=title,
                            item=item,
                        )
                    )
                if not math.isfinite(float(number)):
                    raise ParamError(
                        Text(
                            N_("{title} must hold finite numbers; got {item!r}"),
                            title=title,
                            item=item,
                        )
                    )
                self._check_range(number)
                out.append(cast(number))
            return out
        if kind == "matrix":
            rows = _as_list(value, title)
            matrix = [[float(_as_number(x, title)) for x in _as_list(r, title)] for r in rows]
            if len({len(r) for r in matrix}) > 1:
                raise ParamError(
                    Text(N_("{title}: every row must have the same length"), title=title)
                )
            if any(not math.isfinite(x) for r in matrix for x in r):
                raise ParamError(Text(N_("{title} must hold finite numbers"), title=title))
            return matrix
        if kind == "component":
            return registry_named(self.registry).normalize(value, what=title)
        raise AssertionError(kind)  # pragma: no cover - guarded by __post_init__

    def _check_range(self, number: float) -> None:
        lo, hi = self.minimum, self.maximum
        template = N_("{title} must be {sign} {bound:g}; got {number:g}")
        if lo is not None and (number < lo or (self.exclusive_min and number == lo)):
            sign = ">" if self.exclusive_min else "≥"
            raise ParamError(
                Text(template, title=self.shown_title, sign=sign, bound=lo, number=number)
            )
        if hi is not None and (number > hi or (self.exclusive_max and number == hi)):
            sign = "<" if self.exclusive_max else "≤"
            raise ParamError(
                Text(template, title=self.shown_title, sign=sign, bound=hi, number=number)
            )


def _as_number(value: Any, title: str) -> float:
    if isinstance(value, bool):
        raise ParamError(
            Text(N_("{title} must be a number, not {value!r}"), title=title, value=value)
        )
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ParamError(Text(N_("{title} must be a number, not {value!r}"), title=title, value=value))


def _as_list(value: Any, title: str) -> list[Any]:
    if isinstance(value, str):
        parts = [p for p in value.replace(";", ",").split(",") if p.strip()]
        return parts
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ParamError(Text(N_("{title} must be a list, not {value!r}"), title=title, value=value))


@dataclass(frozen=True)
class ComponentSpec:
    """Something a user picks by name and configures by parameters.

    ``label`` and ``help`` are English, marked with ``N_`` where declared; views show them
    with ``_()``, code export writes them as they are.
    """

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

# One whole message per family, so a translation can put the family's noun where its
# language wants it (the English is kept word for word, "a activation" included).
_UNKNOWN = {
    "activation": N_("unknown activation {name!r} (known: {known})"),
    "initialiser": N_("unknown initialiser {name!r} (known: {known})"),
    "layer": N_("unknown layer {name!r} (known: {known})"),
    "loss": N_("unknown loss {name!r} (known: {known})"),
    "optimiser": N_("unknown optimiser {name!r} (known: {known})"),
    "schedule": N_("unknown schedule {name!r} (known: {known})"),
    "dataset": N_("unknown dataset {name!r} (known: {known})"),
}
#: For a registry outside the catalogue and the datasets (none today): English only.
_UNKNOWN_FAMILY = "unknown {family} {name!r} (known: {known})"
_MUST_NAME_FAMILY = "{what} must name a {family}, not {value!r}"
_MUST_NAME = {
    "activation": N_("{what} must name a activation, not {value!r}"),
    "initialiser": N_("{what} must name a initialiser, not {value!r}"),
    "layer": N_("{what} must name a layer, not {value!r}"),
    "loss": N_("{what} must name a loss, not {value!r}"),
    "optimiser": N_("{what} must name a optimiser, not {value!r}"),
    "schedule": N_("{what} must name a schedule, not {value!r}"),
    "dataset": N_("{what} must name a dataset, not {value!r}"),
}


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
            template = _UNKNOWN.get(self.family)
            if template is None:
                message = Text(
                    _UNKNOWN_FAMILY,
                    family=self.family,
                    name=name,
                    known=known,
                )
            else:
                message = Text(template, name=name, known=known)
            raise ParamError(message) from None

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
            template = _MUST_NAME.get(self.family)
            if template is None:
                raise ParamError(
                    Text(
                        _MUST_NAME_FAMILY,
                        what=what,
                        family=self.family,
                        value=value,
                    )
                )
            raise ParamError(Text(template, what=what, value=value))
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
        label = Text(spec.label)
        if known:
            raise ParamError(
                Text(
                    N_("{label} has no parameter {name!r} (it has: {known})"),
                    label=label,
                    name=unknown[0],
                    known=", ".join(sorted(known)),
                )
            )
        raise ParamError(
            Text(N_("{label} has no parameter {name!r}"), label=label, name=unknown[0])
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
    """Short human text for a configured component: ``"Leaky ReLU (slope 0.01)"``.

    In the current language: it is made to be shown at once (canvas captions).
    """
    spec = registry.get(component["name"])
    shown = [
        f"{_(p.title).lower()} {_fmt(component.get(p.name, p.default))}"
        for p in spec.params
        if p.kind in ("int", "float", "choice", "bool", "int_or_auto")
        and component.get(p.name, p.default) != p.default
    ]
    if not shown:
        return _(spec.label)
    return _("{label} ({settings})").format(label=_(spec.label), settings=", ".join(shown))


def short_label(label: str) -> str:
    """A catalogue label in the current language without its aside in parentheses:
    ``"Identity (linear)"`` → ``"Identity"`` (``"恒等（线性）"`` → ``"恒等"``)."""
    text = _(label)
    for opening in (" (", "（"):
        text = text.split(opening)[0]
    return text


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

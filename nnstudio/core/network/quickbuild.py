"""Quick build: type ``20-128-256-4 relu`` and get the whole multilayer perceptron.

The syntax is the way a lecture writes a network down:

* layer sizes separated by ``-`` or spaces. The first is the input (a number of features, or
  ``auto`` to follow the loaded data); the last is the output layer (a number, or ``auto`` to
  follow the task); the ones in between are hidden Dense layers;
* optionally one activation name for the hidden layers (default ``relu``);
* options ``out=<activation>`` for the output layer (default ``identity``: raw scores suit
  regression and CrossEntropyLoss), ``dropout=<p>`` for a Dropout after every hidden layer,
  and ``act=<activation>`` as a spelled-out alternative to the bare activation name.

Examples: ``20-128-256-4 relu``, ``auto-64-32-auto tanh``, ``3-5-5-2 relu out=softmax``,
``2 16 16 1 sigmoid``, ``784-128-10 relu dropout=0.2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.core.catalogue.params import AUTO, ParamError
from nnstudio.core.errors import GraphError
from nnstudio.i18n import N_, Text

EXAMPLE = "20-128-256-4 relu"
#: A typo like 2-2-2-...-2 with hundreds of layers would only freeze the canvas.
MAX_HIDDEN = 100

#: Shown with ``_()`` (English here, marked for translation).
SYNTAX_HELP = N_(
    "Sizes from input to output, then the hidden activation and options.\n"
    "  20-128-256-4 relu            20 inputs, hidden 128 and 256 (ReLU), 4 outputs\n"
    "  auto-64-32-auto tanh         sizes follow the loaded data and task\n"
    "  3-5-5-2 relu out=softmax     output activation (default: identity)\n"
    "  784-128-10 relu dropout=0.2  Dropout after every hidden layer\n"
    "Sizes may also be separated by spaces: 2 16 16 1 sigmoid"
)


@dataclass(frozen=True)
class QuickBuildSpec:
    """A parsed quick-build line: sizes and activations of a plain multilayer perceptron."""

    input_size: int | str
    hidden: tuple[int, ...]
    output_units: int | str
    activation: str = "relu"
    output_activation: str = "identity"
    dropout: float | None = None


def _fail(message: str) -> GraphError:
    return GraphError(
        Text(N_("Quick build: {problem} (example: {example})"), problem=message, example=EXAMPLE)
    )


def _activation(token: str, what: str) -> str:
    name = token.strip().lower().replace("-", "_")
    if name and name in ACTIVATIONS:
        return ACTIVATIONS.get(name).name
    known = ", ".join(ACTIVATIONS.names())
    raise _fail(
        Text(
            N_("{token!r} is not {what} (activations: {known})"),
            token=token,
            what=what,
            known=known,
        )
    )


def _size_token(token: str) -> list[str] | None:
    """The parts of ``128`` or ``20-128-4`` if every part is a size-like word, else None."""
    parts = token.split("-")
    if all(p.isdigit() or p.lower() == AUTO for p in parts):
        return parts
    return None


#: A size out of range, by its place in the line (whole sentences: they translate whole).
_OUT_OF_RANGE = {
    "input": N_("the input size {raw} must be between {low:,} and {high:,}"),
    "hidden": N_("the hidden size {raw} must be between {low:,} and {high:,}"),
    "output": N_("the output size {raw} must be between {low:,} and {high:,}"),
}


def _check_size(raw: str, position: str, *, allow_auto: bool) -> int | str:
    if raw.lower() == AUTO:
        if not allow_auto:
            raise _fail(
                Text(
                    N_(
                        "'auto' only fits the first size (input) or the last (output); hidden "
                        "layers need a number of units"
                    )
                )
            )
        return AUTO
    spec = LAYERS.get("Input" if position == "input" else "Dense")
    param = spec.param("size" if position == "input" else "units")
    try:
        return param.coerce(int(raw))
    except ParamError:
        low, high = int(param.minimum or 1), int(param.maximum or 0)
        raise _fail(
            Text(
                _OUT_OF_RANGE[position],
                raw=raw,
                low=low,
                high=high,
            )
        ) from None


def parse_quick_build(text: str) -> QuickBuildSpec:
    """Read a quick-build line; raises :class:`GraphError` saying what is wrong."""
    # "20 - 128 - 4" reads as "20-128-4"; commas separate like spaces.
    tokens = re.sub(r"\s*-\s*", "-", text.replace(",", " ")).split()
    if not tokens:
        raise _fail(Text(N_("type the layer sizes from input to output")))
    sizes: list[str] = []
    activation: str | None = None
    out_activation = "identity"
    dropout: float | None = None
    for token in tokens:
        if "=" in token:
            key, _sep, value = token.partition("=")
            key = key.strip().lower()
            if not value.strip():
                raise _fail(Text(N_("{key}= needs a value"), key=key))
            if key in ("out", "output"):
                out_activation = _activation(value, Text(N_("an activation for out=")))
            elif key in ("act", "activation", "hidden"):
                activation = _activation(value, Text(N_("an activation for act=")))
            elif key == "dropout":
                try:
                    p = float(value)
                except ValueError:
                    raise _fail(Text(N_("dropout={value} is not a number"), value=value)) from None
                if not 0.0 <= p < 1.0:
                    raise _fail(
                        Text(N_("dropout={value} must be at least 0 and below 1"), value=value)
                    )
                dropout = p or None
            else:
                raise _fail(
                    Text(N_("unknown option {key!r}; options are out=, dropout= and act="), key=key)
                )
            continue
        parts = _size_token(token)
        if parts is not None:
            if activation is not None and sizes:
                raise _fail(
                    Text(
                        N_("sizes must come before the activation; {token!r} comes after"),
                        token=token,
                    )
                )
            sizes.extend(parts)
            continue
        looks_numeric = token.lstrip("-").replace(".", "", 1).isdigit()
        if looks_numeric or ("-" in token and any(c.isdigit() for c in token)):
            raise _fail(
                Text(
                    N_("{token!r}: sizes are whole numbers above 0, separated by '-'"), token=token
                )
            )
        if activation is not None:
            raise _fail(
                Text(
                    N_("give one hidden activation, not {first!r} and {second!r}"),
                    first=activation,
                    second=token,
                )
            )
        activation = _activation(token, Text(N_("a layer size or an activation")))
    if len(sizes) < 2:
        raise _fail(Text(N_("give at least an input size and an output size")))
    if len(sizes) - 2 > MAX_HIDDEN:
        raise _fail(
            Text(
                N_("{n} hidden layers is more than the {maximum} allowed"),
                n=len(sizes) - 2,
                maximum=MAX_HIDDEN,
            )
        )
    input_size = _check_size(sizes[0], "input", allow_auto=True)
    hidden = tuple(int(_check_size(s, "hidden", allow_auto=False)) for s in sizes[1:-1])
    output = _check_size(sizes[-1], "output", allow_auto=True)
    return QuickBuildSpec(
        input_size=input_size,
        hidden=hidden,
        output_units=output,
        activation=activation or "relu",
        output_activation=out_activation,
        dropout=dropout,
    )


def quick_build_layers(spec: QuickBuildSpec) -> list[tuple[str, dict[str, Any]]]:
    """The chain as ``(layer_type, params)`` pairs, from the Input to the output layer."""
    layers: list[tuple[str, dict[str, Any]]] = [("Input", {"size": spec.input_size})]
    for units in spec.hidden:
        layers.append(("Dense", {"units": units, "activation": {"name": spec.activation}}))
        if spec.dropout:
            layers.append(("Dropout", {"p": spec.dropout}))
    layers.append(
        ("Dense", {"units": spec.output_units, "activation": {"name": spec.output_activation}})
    )
    return layers


__all__ = ["EXAMPLE", "SYNTAX_HELP", "QuickBuildSpec", "parse_quick_build", "quick_build_layers"]

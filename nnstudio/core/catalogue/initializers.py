"""Weight and bias initialisers, with the formulas the initialisation lesson teaches.

fan_in is the number of inputs of a neuron (d in the lesson) and fan_out the number of neurons
in the layer, computed from the Dense layer's weight matrix so that a bias initialiser such as
±1/√fan_in uses the same d as the weight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.params import ComponentSpec, ParamError, ParamSpec, Registry
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text

torch = lazy_module("torch", globals())
nn = lazy_module("torch.nn", globals())

Apply = Callable[["torch.Tensor", Mapping[str, Any], int, int], None]


@dataclass(frozen=True)
class InitSpec(ComponentSpec):
    """``apply(tensor, params, fan_in, fan_out)`` fills the tensor in place (under no_grad)."""

    apply: Apply = lambda t, p, fi, fo: None
    #: True when every unit of a layer starts identical: symmetry is never broken.
    constant: bool = False
    #: Python (torch) expression for code export; ``{t}`` is the tensor.
    code: str = ""
    #: How the formula reads, shown in tooltips and the docs (with ``_()``: some hold words).
    formula: str = ""


def _kaiming_gain(p: Mapping[str, Any]) -> float:
    nl = p.get("nonlinearity", "relu")
    return nn.init.calculate_gain(nl, p.get("negative_slope", 0.0) if nl == "leaky_relu" else None)


def _kaiming_fan(p: Mapping[str, Any], fan_in: int, fan_out: int) -> int:
    return fan_in if p.get("mode", "fan_in") == "fan_in" else fan_out


def _explicit(t: torch.Tensor, p: Mapping[str, Any], fan_in: int, fan_out: int) -> None:
    values = torch.tensor(p.get("values") or [], dtype=t.dtype)
    if values.numel() == 1:
        t.fill_(float(values.reshape(-1)[0]))
        return
    if values.numel() != t.numel():
        want = "×".join(str(s) for s in t.shape)
        raise ParamError(
            Text(
                N_(
                    "explicit values hold {count} numbers; this tensor needs {shape} = "
                    "{size} (one row per unit, one column per input)"
                ),
                count=values.numel(),
                shape=want,
                size=t.numel(),
            )
        )
    t.copy_(values.reshape(t.shape))


def _default(t: torch.Tensor, p: Mapping[str, Any], fan_in: int, fan_out: int) -> None:
    # What nn.Linear.reset_parameters does: kaiming_uniform(a=√5) for weights, which is
    # U(±1/√fan_in), and U(±1/√fan_in) for biases.
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    nn.init.uniform_(t, -bound, bound)


_MODE = ParamSpec(
    "mode",
    "choice",
    "fan_in",
    N_("fan_in keeps the forward signal's variance; fan_out the backward gradient's."),
    label=N_("Mode"),
    choices=("fan_in", "fan_out"),
)
_NONLIN = ParamSpec(
    "nonlinearity",
    "choice",
    "relu",
    N_("The activation that follows, which sets the gain (√2 for ReLU)."),
    label=N_("Nonlinearity"),
    choices=("relu", "leaky_relu", "linear", "sigmoid", "tanh", "selu"),
    choice_labels=(
        N_("ReLU (gain √2)"),
        N_("Leaky ReLU"),
        N_("Linear (gain 1)"),
        N_("Sigmoid (gain 1)"),
        N_("Tanh (gain 5/3)"),
        N_("SELU (gain 3/4)"),
    ),
)
_SLOPE = ParamSpec(
    "negative_slope",
    "float",
    0.0,
    N_("Negative slope of the leaky ReLU that follows (only with leaky_relu)."),
    label=N_("Slope"),
    minimum=0.0,
    maximum=1.0,
)
_GAIN = ParamSpec(
    "gain",
    "float",
    1.0,
    N_("Multiplies the spread of the values."),
    label=N_("Gain"),
    minimum=0.0,
    maximum=100.0,
)

INITIALIZERS: Registry[InitSpec] = Registry("initialiser")
_add = INITIALIZERS.add

_add(
    InitSpec(
        "default",
        N_("PyTorch default"),
        N_(
            "What nn.Linear does on its own: uniform in ±1/√fan_in (weights use kaiming_uniform "
            "with a = √5, which comes to the same bound)."
        ),
        apply=_default,
        code="",
        formula="U(−1/√fan_in, 1/√fan_in)",
    ),
    "pytorch",
)
_add(
    InitSpec(
        "uniform",
        N_("Uniform (a, b)"),
        N_("Every value drawn uniformly between a and b."),
        params=(
            ParamSpec("a", "float", -0.1, N_("Lower bound."), minimum=-1e6, maximum=1e6),
            ParamSpec("b", "float", 0.1, N_("Upper bound."), minimum=-1e6, maximum=1e6),
        ),
        apply=lambda t, p, fi, fo: nn.init.uniform_(t, p.get("a", -0.1), p.get("b", 0.1)),
        code="nn.init.uniform_({t}, {a!r}, {b!r})",
        formula="U(a, b)",
    )
)
_add(
    InitSpec(
        "uniform_fan_in",
        N_("Uniform ±1/√fan_in"),
        N_(
            "Uniform in (−1/√d, 1/√d) where d is the number of inputs of the neuron: the lesson's "
            "first initialiser, and PyTorch's own default."
        ),
        apply=_default,
        code="nn.init.uniform_({t}, -1 / math.sqrt({fan_in}), 1 / math.sqrt({fan_in}))",
        formula="U(−1/√d, 1/√d)",
    )
)
_add(
    InitSpec(
        "normal",
        N_("Normal (mean, std)"),
        N_("Values drawn from a normal distribution. Normal(0, 1) is too wide for large layers."),
        params=(
            ParamSpec(
                "mean",
                "float",
                0.0,
                N_("Centre of the distribution."),
                label=N_("Mean"),
                minimum=-1e6,
                maximum=1e6,
            ),
            ParamSpec(
                "std",
                "float",
                1.0,
                N_("Standard deviation (spread)."),
                label=N_("Std"),
                minimum=0.0,
                maximum=1e6,
            ),
        ),
        apply=lambda t, p, fi, fo: nn.init.normal_(t, p.get("mean", 0.0), p.get("std", 1.0)),
        code="nn.init.normal_({t}, {mean!r}, {std!r})",
        formula="N(mean, std²)",
    )
)
_add(
    InitSpec(
        "zeros",
        N_("Zeros"),
        N_(
            "All zero. Fine for biases; for weights every unit stays identical (no symmetry "
            "breaking)."
        ),
        apply=lambda t, p, fi, fo: nn.init.zeros_(t),
        constant=True,
        code="nn.init.zeros_({t})",
        formula="0",
    ),
    "zero",
)
_add(
    InitSpec(
        "ones",
        N_("Ones"),
        N_("All one: like zeros, every unit of the layer learns the same thing."),
        apply=lambda t, p, fi, fo: nn.init.ones_(t),
        constant=True,
        code="nn.init.ones_({t})",
        formula="1",
    ),
    "one",
)
_add(
    InitSpec(
        "constant",
        N_("Constant"),
        N_("Every value the same constant: symmetric, so every unit learns the same thing."),
        params=(
            ParamSpec(
                "value",
                "float",
                0.1,
                N_("The constant."),
                label=N_("Value"),
                minimum=-1e6,
                maximum=1e6,
            ),
        ),
        apply=lambda t, p, fi, fo: nn.init.constant_(t, p.get("value", 0.1)),
        constant=True,
        code="nn.init.constant_({t}, {value!r})",
        formula="c",
    )
)
_add(
    InitSpec(
        "xavier_uniform",
        N_("Xavier/Glorot uniform"),
        N_(
            "Uniform in ±gain·√(6/(fan_in+fan_out)): keeps variance steady for sigmoid/tanh layers."
        ),
        params=(_GAIN,),
        apply=lambda t, p, fi, fo: nn.init.uniform_(
            t, *(lambda b: (-b, b))(p.get("gain", 1.0) * math.sqrt(6.0 / (fi + fo)))
        ),
        code="nn.init.xavier_uniform_({t}, gain={gain!r})",
        formula="U(±√(6/(fan_in+fan_out)))",
    ),
    "glorot_uniform",
)
_add(
    InitSpec(
        "xavier_normal",
        N_("Xavier/Glorot normal"),
        N_("Normal with std = gain·√(2/(fan_in+fan_out)): for sigmoid/tanh layers."),
        params=(_GAIN,),
        apply=lambda t, p, fi, fo: nn.init.normal_(
            t, 0.0, p.get("gain", 1.0) * math.sqrt(2.0 / (fi + fo))
        ),
        code="nn.init.xavier_normal_({t}, gain={gain!r})",
        formula="N(0, 2/(fan_in+fan_out))",
    ),
    "glorot_normal",
)
_add(
    InitSpec(
        "kaiming_uniform",
        N_("Kaiming/He uniform"),
        N_(
            "Uniform in ±gain·√(3/fan): √(6/fan_in) for ReLU layers, so signals neither shrink nor "
            "grow through many ReLUs."
        ),
        params=(_MODE, _NONLIN, _SLOPE),
        apply=lambda t, p, fi, fo: nn.init.uniform_(
            t, *(lambda b: (-b, b))(_kaiming_gain(p) * math.sqrt(3.0 / _kaiming_fan(p, fi, fo)))
        ),
        code="nn.init.kaiming_uniform_({t}, a={negative_slope!r}, mode={mode!r}, "
        "nonlinearity={nonlinearity!r})",
        formula=N_("U(±√(6/fan_in)) for ReLU"),
    ),
    "he_uniform",
)
_add(
    InitSpec(
        "kaiming_normal",
        N_("Kaiming/He normal"),
        N_("Normal with std = gain/√fan: √(2/fan_in) for ReLU layers."),
        params=(_MODE, _NONLIN, _SLOPE),
        apply=lambda t, p, fi, fo: nn.init.normal_(
            t, 0.0, _kaiming_gain(p) / math.sqrt(_kaiming_fan(p, fi, fo))
        ),
        code="nn.init.kaiming_normal_({t}, a={negative_slope!r}, mode={mode!r}, "
        "nonlinearity={nonlinearity!r})",
        formula=N_("N(0, 2/fan_in) for ReLU"),
    ),
    "he_normal",
)
_add(
    InitSpec(
        "orthogonal",
        N_("Orthogonal"),
        N_("A (semi-)orthogonal matrix: rows are perpendicular, so no direction is squashed."),
        params=(_GAIN,),
        apply=lambda t, p, fi, fo: (
            nn.init.orthogonal_(t, gain=p.get("gain", 1.0))
            if t.dim() >= 2
            else nn.init.normal_(t, 0.0, p.get("gain", 1.0))
        ),
        code="nn.init.orthogonal_({t}, gain={gain!r})",
        formula=N_("QR of N(0, 1)"),
    )
)
_add(
    InitSpec(
        "explicit",
        N_("Explicit values"),
        N_(
            "Type the numbers yourself (one row per unit, one column per input), as the backprop "
            "lesson does. A single number fills the whole tensor."
        ),
        params=(
            ParamSpec(
                "values",
                "matrix",
                [[0.0]],
                N_("Rows are units, columns are inputs; a bias is one row."),
                label=N_("Values"),
            ),
        ),
        apply=_explicit,
        constant=False,
        code="",
        formula=N_("as typed"),
    ),
    "values",
)


def apply_initializer(
    tensor: torch.Tensor, component: Mapping[str, Any], fan_in: int, fan_out: int
) -> None:
    """Fill ``tensor`` in place as ``component`` says; PyTorch's default leaves it as built."""
    spec = INITIALIZERS.get(component["name"])
    if spec.name == "default":
        return
    with torch.no_grad():
        spec.apply(tensor, component, fan_in, fan_out)


def is_symmetric(component: Mapping[str, Any]) -> bool:
    """True when the initialiser gives every unit the same starting values.

    Explicit values count as symmetric when every row (unit) is the same, or when a single
    number fills the tensor; a one-row bias is symmetric when all its values are equal.
    """
    spec = INITIALIZERS.get(component["name"])
    if spec.constant:
        return True
    if spec.name == "explicit":
        rows = component.get("values") or [[0.0]]
        if len(rows) == 1:
            return len(set(rows[0])) <= 1
        return all(r == rows[0] for r in rows)
    if spec.name == "uniform":
        return component.get("a") == component.get("b")
    if spec.name == "normal":
        return component.get("std") == 0
    return False

"""The activation lesson: f and f′ of any catalogue activation, where it saturates, and when
to use it.

The lesson plots every activation and its derivative over x in [−20, 20] with 1000 points,
f′ by autograd (:func:`nnstudio.core.catalogue.activations.curve` does exactly that). The
explorer adds what the lesson says in words: sigmoid saturates beyond |x| ≈ 6, tanh beyond
≈ 3, and one piece of advice per activation. Values at a single x (the read-out under the
cursor) are computed afresh by autograd, not read off the sampled curve, so sigmoid′(0) is
exactly 0.25 and tanh′(0) exactly 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nnstudio.core.catalogue.activations import ACTIVATIONS, curve, derivative
from nnstudio.i18n import N_

__all__ = [
    "LESSON_ACTIVATIONS",
    "LESSON_POINTS",
    "LESSON_RANGE",
    "SATURATION",
    "ActivationCurve",
    "activation_curve",
    "advice",
    "saturation_zones",
    "value_at",
]

#: x in [−20, 20] with 1000 points, as the lesson samples it; also the widest range offered.
LESSON_RANGE = (-20.0, 20.0)
LESSON_POINTS = 1000
#: What the lesson plots first, in its order.
LESSON_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")

#: |x| beyond which the lesson calls the activation saturated (f′ ≈ 0, learning stalls).
SATURATION: Mapping[str, float] = {"sigmoid": 6.0, "tanh": 3.0}

# The lesson's advice, one line per activation (seed notes §2); others show their catalogue
# help, which says the same kind of thing.
_ADVICE: Mapping[str, str] = {
    "sigmoid": N_(
        "Range (0, 1), slope at most 0.25: gradients vanish within about 5 layers, and the "
        "output is not zero-centred. Saturates outside about [−6, 6] (useful in [−3, 3]). "
        "Use it for a binary output only."
    ),
    "tanh": N_(
        "Range (−1, 1), zero-centred, slope at most 1; saturates beyond about ±3. Converges "
        "faster than sigmoid: hidden layers may use tanh with a sigmoid output."
    ),
    "relu": N_(
        "max(0, x): slope 0 or 1, cheap to compute, and sparse. The first choice for hidden "
        "layers; a neuron whose input stays negative outputs 0 for ever (a dead neuron)."
    ),
    "leaky_relu": N_(
        "A small slope for x < 0 keeps neurons from dying: the fallback when ReLU misbehaves."
    ),
    "softmax": N_(
        "Turns the scores of all classes into probabilities that sum to 1: the output of a "
        "multi-class network (drawn here for two logits, [x, 0])."
    ),
    "identity": N_("f(x) = x: the output layer of a regression network."),
}


@dataclass(frozen=True)
class ActivationCurve:
    """One activation sampled for plotting: x, f(x) and f′(x) (autograd)."""

    name: str
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray


def _component(name: str | Mapping[str, Any]) -> dict[str, Any]:
    return ACTIVATIONS.normalize(name)


def activation_curve(
    name: str | Mapping[str, Any],
    x_min: float = LESSON_RANGE[0],
    x_max: float = LESSON_RANGE[1],
    points: int = LESSON_POINTS,
) -> ActivationCurve:
    """f and f′ of one activation over [x_min, x_max], as the lesson draws them."""
    comp = _component(name)
    x, f, df = curve(comp, x_min, x_max, points)
    return ActivationCurve(comp["name"], np.asarray(x), np.asarray(f), np.asarray(df))


def value_at(name: str | Mapping[str, Any], x: float) -> tuple[float, float]:
    """(f(x), f′(x)) at one point, by autograd (softmax: the two-logit view, like the plot)."""
    comp = _component(name)
    spec = ACTIVATIONS.get(comp["name"])
    module = spec.build(comp, 1)
    if spec.elementwise:
        z = torch.tensor([[float(x)]])
        with torch.no_grad():
            f = module(z)
        return float(f[0, 0]), float(derivative(module, z)[0, 0])
    logits = torch.tensor([[float(x), 0.0]], requires_grad=True)
    out = module(logits)[0, 0]
    (grad,) = torch.autograd.grad(out, logits)
    return float(out.detach()), float(grad[0, 0])


def saturation_zones(name: str, x_min: float, x_max: float) -> list[tuple[float, float]]:
    """The parts of [x_min, x_max] where the lesson calls ``name`` saturated (may be none)."""
    limit = SATURATION.get(name)
    if limit is None:
        return []
    zones = [(x_min, min(-limit, x_max)), (max(limit, x_min), x_max)]
    return [(lo, hi) for lo, hi in zones if hi > lo]


def advice(name: str) -> str:
    """The lesson's advice for ``name`` (English, marked for translation: show it with _())."""
    return _ADVICE.get(name) or ACTIVATIONS.get(name).help

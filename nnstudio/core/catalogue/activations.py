"""Activation functions: what they compute, how they are built, and their derivatives.

The derivative f′ is always obtained by autograd, exactly as the lessons do it, so a plot of
f′ shows what backpropagation really multiplies by. Softmax and LogSoftmax are not element-wise;
for them the plots use the two-logit view ``softmax([x, 0])[0]`` and the histograms use the
diagonal of the Jacobian, ∂a_i/∂z_i.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.params import ComponentSpec, ParamSpec, Registry
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_

torch = lazy_module("torch", globals())
nn = lazy_module("torch.nn", globals())
torch_classes = lazy_module("nnstudio.core.catalogue.torch_classes", globals())


@dataclass(frozen=True)
class ActivationSpec(ComponentSpec):
    """An activation: ``build(params, units)`` returns the torch module."""

    build: Callable[[Mapping[str, Any], int], nn.Module] = lambda p, n: nn.Identity()
    #: False for step: its gradient is zero, so nothing before it learns by backprop.
    trainable_by_gradient: bool = True
    elementwise: bool = True
    #: Output range as a student would write it, e.g. "(0, 1)".
    output_range: str = "(-∞, ∞)"
    #: Torch expression for code export; ``{...}`` fields are filled from the parameters.
    code: str = "nn.Identity()"


ACTIVATIONS: Registry[ActivationSpec] = Registry("activation")
_add = ACTIVATIONS.add


_add(
    ActivationSpec(
        "identity",
        N_("Identity (linear)"),
        N_("Passes z through unchanged: the output layer of a regression network."),
        build=lambda p, n: nn.Identity(),
        code="nn.Identity()",
    ),
    "linear",
    "none",
)

_add(
    ActivationSpec(
        "step",
        N_("Step (Heaviside)"),
        N_(
            "1 if z ≥ 0 else 0: the perceptron's threshold unit. Its gradient is zero, which is "
            "why backpropagation needs smooth activations."
        ),
        params=(
            ParamSpec(
                "gradient",
                "choice",
                "zero",
                N_(
                    "zero: the true derivative (nothing before the step learns). "
                    "straight-through: pretend the step is the identity when going backwards — "
                    "with ½·Σ squared error and SGD on single samples this is the perceptron "
                    "rule."
                ),
                label=N_("Gradient"),
                choices=("zero", "straight-through"),
                choice_labels=(N_("Zero"), N_("Straight-through")),
            ),
        ),
        build=lambda p, n: torch_classes.Step(p.get("gradient") == "straight-through"),
        trainable_by_gradient=False,
        output_range="{0, 1}",
        code="Step(straight_through={st})",
    ),
    "heaviside",
)
_add(
    ActivationSpec(
        "sigmoid",
        N_("Sigmoid"),
        N_(
            "σ(z) = 1/(1+e^−z), range (0, 1). Its slope is at most 0.25 and almost 0 beyond |z| "
            "≈ 6, so stacked sigmoid layers make gradients vanish. Use it for a binary output."
        ),
        build=lambda p, n: nn.Sigmoid(),
        output_range="(0, 1)",
        code="nn.Sigmoid()",
    ),
    "logistic",
)
_add(
    ActivationSpec(
        "tanh",
        N_("Tanh"),
        N_(
            "tanh(z), range (−1, 1), zero-centred, slope up to 1; saturates beyond about ±3. "
            "Converges faster than sigmoid in hidden layers."
        ),
        build=lambda p, n: nn.Tanh(),
        output_range="(-1, 1)",
        code="nn.Tanh()",
    )
)
_add(
    ActivationSpec(
        "relu",
        N_("ReLU"),
        N_(
            "max(0, z): slope 0 or 1, cheap, the usual first choice for hidden layers. A unit "
            "whose input stays negative outputs 0 for ever (a dead neuron)."
        ),
        build=lambda p, n: nn.ReLU(),
        output_range="[0, ∞)",
        code="nn.ReLU()",
    )
)
_add(
    ActivationSpec(
        "leaky_relu",
        N_("Leaky ReLU"),
        N_("z for z > 0, slope·z otherwise: a small negative slope keeps units from dying."),
        params=(
            ParamSpec(
                "negative_slope",
                "float",
                0.01,
                N_("Slope for z < 0 (0.01 is usual; 0 gives plain ReLU)."),
                label=N_("Slope"),
                minimum=0.0,
                maximum=1.0,
            ),
        ),
        build=lambda p, n: nn.LeakyReLU(p.get("negative_slope", 0.01)),
        code="nn.LeakyReLU({negative_slope!r})",
    ),
    "leakyrelu",
)
_add(
    ActivationSpec(
        "prelu",
        N_("PReLU"),
        N_("Leaky ReLU whose negative slope is learned during training."),
        params=(
            ParamSpec(
                "per_unit",
                "bool",
                False,
                N_("Learn one slope per unit instead of one for the whole layer."),
                label=N_("One slope per unit"),
            ),
            ParamSpec(
                "init",
                "float",
                0.25,
                N_("Starting value of the learned slope."),
                label=N_("Initial slope"),
                minimum=0.0,
                maximum=1.0,
            ),
        ),
        build=lambda p, n: nn.PReLU(n if p.get("per_unit") else 1, init=p.get("init", 0.25)),
        code="nn.PReLU({num_parameters}, init={init!r})",
    )
)
_add(
    ActivationSpec(
        "elu",
        N_("ELU"),
        N_(
            "z for z > 0, α(e^z − 1) otherwise: smooth, with negative outputs that pull the mean "
            "towards zero."
        ),
        params=(
            ParamSpec(
                "alpha",
                "float",
                1.0,
                N_("Value the output approaches for very negative z is −α."),
                label=N_("Alpha"),
                minimum=0.0,
                exclusive_min=True,
                maximum=100.0,
            ),
        ),
        build=lambda p, n: nn.ELU(p.get("alpha", 1.0)),
        code="nn.ELU({alpha!r})",
    )
)
_add(
    ActivationSpec(
        "selu",
        N_("SELU"),
        N_(
            "Scaled ELU with fixed constants chosen so that activations keep mean 0 and variance 1 "
            "(use with LeCun-normal init)."
        ),
        build=lambda p, n: nn.SELU(),
        code="nn.SELU()",
    )
)
_add(
    ActivationSpec(
        "gelu",
        N_("GELU"),
        N_("z·Φ(z): a smooth ReLU used in transformers."),
        params=(
            ParamSpec(
                "approximate",
                "choice",
                "none",
                N_("'tanh' uses the faster tanh approximation of Φ."),
                label=N_("Approximate"),
                choices=("none", "tanh"),
                choice_labels=(N_("None (exact)"), N_("Tanh approximation")),
            ),
        ),
        build=lambda p, n: nn.GELU(approximate=p.get("approximate", "none")),
        code="nn.GELU(approximate={approximate!r})",
    )
)
_add(
    ActivationSpec(
        "silu",
        N_("SiLU (Swish)"),
        N_("z·σ(z): smooth, non-monotonic, often a little better than ReLU in deep networks."),
        build=lambda p, n: nn.SiLU(),
        code="nn.SiLU()",
    ),
    "swish",
)
_add(
    ActivationSpec(
        "softplus",
        N_("Softplus"),
        N_("log(1 + e^{βz})/β: a smooth ReLU whose derivative is the sigmoid."),
        params=(
            ParamSpec(
                "beta",
                "float",
                1.0,
                N_("Sharpness: larger β is closer to ReLU."),
                label=N_("Beta"),
                minimum=0.0,
                exclusive_min=True,
                maximum=100.0,
            ),
            ParamSpec(
                "threshold",
                "float",
                20.0,
                N_("Above β·z > threshold the function is linear (for numerical stability)."),
                label=N_("Threshold"),
                minimum=0.0,
                maximum=1000.0,
            ),
        ),
        build=lambda p, n: nn.Softplus(p.get("beta", 1.0), p.get("threshold", 20.0)),
        code="nn.Softplus({beta!r}, {threshold!r})",
    )
)
_add(
    ActivationSpec(
        "mish",
        N_("Mish"),
        N_("z·tanh(softplus(z)): smooth and self-regularising."),
        build=lambda p, n: nn.Mish(),
        code="nn.Mish()",
    )
)
_add(
    ActivationSpec(
        "hardtanh",
        N_("Hardtanh"),
        N_("z clipped to [min, max]: a cheap piecewise-linear tanh."),
        params=(
            ParamSpec(
                "min_val",
                "float",
                -1.0,
                N_("Lower clip value."),
                label=N_("Minimum"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
            ParamSpec(
                "max_val",
                "float",
                1.0,
                N_("Upper clip value."),
                label=N_("Maximum"),
                minimum=-1000.0,
                maximum=1000.0,
            ),
        ),
        build=lambda p, n: nn.Hardtanh(p.get("min_val", -1.0), p.get("max_val", 1.0)),
        code="nn.Hardtanh({min_val!r}, {max_val!r})",
    )
)
_add(
    ActivationSpec(
        "softmax",
        N_("Softmax"),
        N_(
            "e^{z_i}/Σe^{z_j}: turns scores into probabilities that sum to 1. CrossEntropyLoss "
            "already applies it, so do not put it before that loss."
        ),
        build=lambda p, n: nn.Softmax(dim=1),
        elementwise=False,
        output_range="(0, 1), Σ = 1",
        code="nn.Softmax(dim=1)",
    )
)
_add(
    ActivationSpec(
        "log_softmax",
        N_("LogSoftmax"),
        N_("log of softmax: pair it with NLLLoss (together they equal CrossEntropyLoss)."),
        build=lambda p, n: nn.LogSoftmax(dim=1),
        elementwise=False,
        output_range="(-∞, 0]",
        code="nn.LogSoftmax(dim=1)",
    ),
    "logsoftmax",
)


def build_activation(component: Mapping[str, Any], units: int = 1) -> nn.Module:
    """Torch module for a normalised activation component."""
    return ACTIVATIONS.get(component["name"]).build(component, units)


def derivative(module: nn.Module, z: torch.Tensor, *, elementwise: bool = True) -> torch.Tensor:
    """∂a_i/∂z_i for every element of ``z`` (batch × units), by autograd.

    For element-wise activations one backward pass of Σa gives every diagonal term at once.
    For softmax-like ones the diagonal of the per-row Jacobian is computed from the outputs
    (softmax: s(1−s); log-softmax: 1−s), which is what autograd would give per element.
    """
    if not elementwise:
        s = torch.softmax(z.detach(), dim=1)
        return 1.0 - s if isinstance(module, nn.LogSoftmax) else s * (1.0 - s)
    with torch.enable_grad():
        zz = z.detach().clone().requires_grad_(True)
        out = module(zz)
        (grad,) = torch.autograd.grad(out.sum(), zz, allow_unused=True)
    return torch.zeros_like(zz) if grad is None else grad.detach()


def curve(
    component: Mapping[str, Any] | str,
    x_min: float = -20.0,
    x_max: float = 20.0,
    points: int = 1000,
) -> tuple[Any, Any, Any]:
    """(x, f(x), f′(x)) as numpy arrays for plotting an activation, as the lessons draw them."""
    comp = ACTIVATIONS.normalize(component)
    spec = ACTIVATIONS.get(comp["name"])
    module = spec.build(comp, 1)
    x = torch.linspace(x_min, x_max, points)
    if spec.elementwise:
        with torch.no_grad():
            y = module(x.unsqueeze(1)).squeeze(1)
        dy = derivative(module, x.unsqueeze(1)).squeeze(1)
    else:
        # Two logits [x, 0]: the probability of the first class as its score varies.
        logits = torch.stack([x, torch.zeros_like(x)], dim=1).requires_grad_(True)
        out = module(logits)[:, 0]
        (g,) = torch.autograd.grad(out.sum(), logits)
        y, dy = out.detach(), g[:, 0]
    return x.numpy(), y.numpy(), dy.numpy()

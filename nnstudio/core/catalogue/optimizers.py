"""Optimisers: the update rules the optimiser lesson compares, plus Lion, which torch lacks.

Defaults are PyTorch's, except SGD's learning rate: the lessons (and PyTorch before 2.2) start
SGD at 0.01, while current PyTorch defaults to 0.001.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.params import ComponentSpec, ParamSpec, Registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text

torch = lazy_module("torch", globals())
torch_classes = lazy_module("nnstudio.core.catalogue.torch_classes", globals())

Params = Iterable["torch.nn.Parameter"]


@dataclass(frozen=True)
class OptimSpec(ComponentSpec):
    """An optimiser: ``build(parameters, params)`` returns the torch optimiser."""

    build: Callable[[Params, Mapping[str, Any]], torch.optim.Optimizer] = lambda ps, p: (
        torch.optim.SGD(ps, lr=p.get("lr", 0.01))
    )
    #: The lessons' rule of thumb for the learning rate, (low, high).
    usual_lr: tuple[float, float] = (0.01, 0.1)
    #: Torch expression for code export; ``{params}`` is the parameters expression and the
    #: other ``{...}`` fields are filled from the parameters.
    code: str = ""


# --------------------------------------------------------------------------- parameters


def _lr(default: float) -> ParamSpec:
    return ParamSpec(
        "lr",
        "float",
        default,
        N_(
            "Learning rate: how far each step moves the weights. Too big and the loss jumps or "
            "explodes; too small and training crawls."
        ),
        label=N_("Learning rate"),
        minimum=0.0,
        exclusive_min=True,
        maximum=10.0,
        log_scale=True,
        decimals=8,
    )


def _wd(default: float = 0.0, *, decoupled: bool = False) -> ParamSpec:
    text = (
        N_(
            "Weight decay (decoupled L2): every step shrinks each weight by lr·λ·w, separately "
            "from the gradient step. Keeps weights small to fight overfitting."
        )
        if decoupled
        else N_(
            "Weight decay = L2 regularisation: adds λ·w to every gradient, pulling weights "
            "towards 0 to fight overfitting."
        )
    )
    return ParamSpec(
        "weight_decay",
        "float",
        default,
        text,
        label=N_("Weight decay (λ)"),
        minimum=0.0,
        maximum=10.0,
        decimals=6,
    )


def _eps(default: float) -> ParamSpec:
    return ParamSpec(
        "eps",
        "float",
        default,
        N_("Tiny number added to the denominator so a near-zero history never divides by zero."),
        label="ε",
        minimum=0.0,
        maximum=1.0,
        log_scale=True,
        decimals=12,
    )


def _beta(name: str, default: float, text: str) -> ParamSpec:
    return ParamSpec(
        name,
        "float",
        default,
        text,
        label=name.replace("beta", "β"),
        minimum=0.0,
        maximum=1.0,
        exclusive_max=True,
        decimals=6,
    )


_BETA1 = N_("Memory of past gradients (momentum): 0.9 averages roughly the last 10 steps.")
_BETA2 = N_("Memory of past squared gradients, which scale each weight's step.")


def _sgd(ps: Params, p: Mapping[str, Any]) -> torch.optim.Optimizer:
    if p.get("nesterov") and (p.get("momentum", 0.0) <= 0 or p.get("dampening", 0.0) != 0):
        raise TrainingError(
            Text(
                N_(
                    "Nesterov momentum needs momentum above 0 and dampening 0: set "
                    "them, or turn Nesterov off"
                )
            )
        )
    return torch.optim.SGD(
        ps,
        lr=p["lr"],
        momentum=p["momentum"],
        dampening=p["dampening"],
        weight_decay=p["weight_decay"],
        nesterov=p["nesterov"],
    )


def _adam_like(name: str) -> Callable[..., torch.optim.Optimizer]:
    """The builder of ``torch.optim.<name>``, an Adam-like optimiser (named, so that torch is
    imported when one is built, not when the catalogue is)."""

    def build(ps: Params, p: Mapping[str, Any]) -> torch.optim.Optimizer:
        return getattr(torch.optim, name)(
            ps,
            lr=p["lr"],
            betas=(p["beta1"], p["beta2"]),
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            amsgrad=p["amsgrad"],
        )

    return build


OPTIMIZERS: Registry[OptimSpec] = Registry("optimiser")
_add = OPTIMIZERS.add

_add(
    OptimSpec(
        "sgd",
        N_("SGD"),
        N_(
            "Stochastic gradient descent: w ← w − lr·gradient, optionally with momentum, which "
            "keeps moving in the direction of recent steps."
        ),
        params=(
            _lr(0.01),
            ParamSpec(
                "momentum",
                "float",
                0.0,
                N_(
                    "Fraction of the previous step kept in the next one (0.9 is usual): rolls "
                    "through small bumps and speeds up along steady slopes."
                ),
                label=N_("Momentum"),
                minimum=0.0,
                maximum=1.0,
                exclusive_max=True,
            ),
            ParamSpec(
                "dampening",
                "float",
                0.0,
                N_("Shrinks the new gradient's share of the momentum (0 is usual)."),
                label=N_("Dampening"),
                minimum=0.0,
                maximum=1.0,
            ),
            ParamSpec(
                "nesterov",
                "bool",
                False,
                N_(
                    "Nesterov momentum: look ahead along the momentum before taking the "
                    "gradient (needs momentum > 0)."
                ),
                label=N_("Nesterov"),
            ),
            _wd(),
        ),
        build=_sgd,
        usual_lr=(0.01, 0.1),
        code="torch.optim.SGD({params}, lr={lr!r}, momentum={momentum!r}, "
        "dampening={dampening!r}, weight_decay={weight_decay!r}, nesterov={nesterov!r})",
    )
)
_add(
    OptimSpec(
        "adagrad",
        N_("AdaGrad"),
        N_(
            "Divides each weight's step by the root of the sum of all its past squared gradients: "
            "rarely updated weights take bigger steps, but the learning rate only ever shrinks, "
            "sometimes too early."
        ),
        params=(
            _lr(0.01),
            ParamSpec(
                "lr_decay",
                "float",
                0.0,
                N_("Also shrink the lr by 1/(1 + steps·decay)."),
                label=N_("LR decay"),
                minimum=0.0,
                maximum=1.0,
                decimals=6,
            ),
            _wd(),
            _eps(1e-10),
            ParamSpec(
                "initial_accumulator_value",
                "float",
                0.0,
                N_("Starting value of the sum of squared gradients (larger: gentler first steps)."),
                label=N_("Initial accumulator"),
                minimum=0.0,
                maximum=1e6,
            ),
        ),
        build=lambda ps, p: torch.optim.Adagrad(
            ps,
            lr=p["lr"],
            lr_decay=p["lr_decay"],
            weight_decay=p["weight_decay"],
            eps=p["eps"],
            initial_accumulator_value=p["initial_accumulator_value"],
        ),
        usual_lr=(1e-3, 1e-1),
        code="torch.optim.Adagrad({params}, lr={lr!r}, lr_decay={lr_decay!r}, "
        "weight_decay={weight_decay!r}, eps={eps!r}, "
        "initial_accumulator_value={initial_accumulator_value!r})",
    )
)
_add(
    OptimSpec(
        "rmsprop",
        N_("RMSprop"),
        N_(
            "Like AdaGrad, but keeps a moving average of squared gradients instead of the sum, so "
            "the step size can recover."
        ),
        params=(
            _lr(0.01),
            ParamSpec(
                "alpha",
                "float",
                0.99,
                N_(
                    "Smoothing of the squared-gradient average (0.9–0.99): larger remembers longer."
                ),
                label="α",
                minimum=0.0,
                maximum=1.0,
                decimals=6,
            ),
            _eps(1e-8),
            ParamSpec(
                "momentum",
                "float",
                0.0,
                N_("Momentum applied to the scaled steps (0: none)."),
                label=N_("Momentum"),
                minimum=0.0,
                maximum=1.0,
                exclusive_max=True,
            ),
            ParamSpec(
                "centered",
                "bool",
                False,
                N_(
                    "Divide by the variance of the gradient rather than its raw square "
                    "(steadier, a little slower)."
                ),
                label=N_("Centered"),
            ),
            _wd(),
        ),
        build=lambda ps, p: torch.optim.RMSprop(
            ps,
            lr=p["lr"],
            alpha=p["alpha"],
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            momentum=p["momentum"],
            centered=p["centered"],
        ),
        usual_lr=(1e-4, 1e-2),
        code="torch.optim.RMSprop({params}, lr={lr!r}, alpha={alpha!r}, eps={eps!r}, "
        "weight_decay={weight_decay!r}, momentum={momentum!r}, centered={centered!r})",
    )
)
_ADAM_PARAMS = (
    _beta("beta1", 0.9, _BETA1),
    _beta("beta2", 0.999, _BETA2),
    _eps(1e-8),
    ParamSpec(
        "amsgrad",
        "bool",
        False,
        N_(
            "Never let the squared-gradient memory shrink (the AMSGrad fix for rare "
            "non-convergence)."
        ),
        label=N_("AMSGrad"),
    ),
)
_add(
    OptimSpec(
        "adam",
        N_("Adam"),
        N_(
            "Momentum plus RMSprop-style scaling, with bias correction for the first steps: the "
            "usual first choice."
        ),
        params=(_lr(1e-3), *_ADAM_PARAMS, _wd()),
        build=_adam_like("Adam"),
        usual_lr=(1e-4, 1e-3),
        code="torch.optim.Adam({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}, "
        "weight_decay={weight_decay!r}, amsgrad={amsgrad!r})",
    )
)
_add(
    OptimSpec(
        "adamw",
        N_("AdamW"),
        N_(
            "Adam with decoupled weight decay: the decay shrinks weights directly instead of going "
            "through Adam's scaling, which regularises better."
        ),
        params=(_lr(1e-3), *_ADAM_PARAMS, _wd(0.01, decoupled=True)),
        build=_adam_like("AdamW"),
        usual_lr=(1e-4, 1e-3),
        code="torch.optim.AdamW({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}, "
        "weight_decay={weight_decay!r}, amsgrad={amsgrad!r})",
    )
)
_add(
    OptimSpec(
        "nadam",
        N_("NAdam"),
        N_("Adam with Nesterov momentum: looks ahead along the momentum before scaling the step."),
        params=(
            _lr(2e-3),
            _beta("beta1", 0.9, _BETA1),
            _beta("beta2", 0.999, _BETA2),
            _eps(1e-8),
            _wd(),
            ParamSpec(
                "momentum_decay",
                "float",
                4e-3,
                N_("How fast the momentum schedule warms up (PyTorch's 0.004 is usual)."),
                label=N_("Momentum decay"),
                minimum=0.0,
                maximum=1.0,
                decimals=6,
            ),
        ),
        build=lambda ps, p: torch.optim.NAdam(
            ps,
            lr=p["lr"],
            betas=(p["beta1"], p["beta2"]),
            eps=p["eps"],
            weight_decay=p["weight_decay"],
            momentum_decay=p["momentum_decay"],
        ),
        usual_lr=(1e-4, 1e-3),
        code="torch.optim.NAdam({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}, "
        "weight_decay={weight_decay!r}, momentum_decay={momentum_decay!r})",
    )
)
_add(
    OptimSpec(
        "lion",
        N_("Lion"),
        N_(
            "Moves every weight by ±lr, the sign of a blend of momentum and gradient (2023): "
            "memory-light; use a learning rate 3–10× smaller than Adam's."
        ),
        params=(
            _lr(1e-4),
            _beta(
                "beta1",
                0.9,
                N_("Blend of momentum and the new gradient that decides the step's sign."),
            ),
            _beta("beta2", 0.99, N_("Memory of the momentum itself (longer than β1).")),
            _wd(0.0, decoupled=True),
        ),
        build=lambda ps, p: torch_classes.Lion(
            ps, lr=p["lr"], betas=(p["beta1"], p["beta2"]), weight_decay=p["weight_decay"]
        ),
        usual_lr=(1e-5, 1e-4),
        code="Lion({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), "
        "weight_decay={weight_decay!r})",
    )
)


def build_optimizer(component: Mapping[str, Any], parameters: Params) -> torch.optim.Optimizer:
    """Torch optimiser for a component; torch's own refusals become a :class:`TrainingError`."""
    comp = OPTIMIZERS.normalize(component)
    spec = OPTIMIZERS.get(comp["name"])
    try:
        return spec.build(parameters, comp)
    except ValueError as exc:
        if "empty parameter list" in str(exc):
            raise TrainingError(
                Text(N_("the network has no trainable weights to optimise"))
            ) from exc
        raise TrainingError(
            Text(N_("{label} cannot start: {error}"), label=Text(spec.label), error=str(exc))
        ) from exc


def lr_of(component: Mapping[str, Any]) -> float:
    """The learning rate a component asks for (its default when not set)."""
    return float(OPTIMIZERS.normalize(component)["lr"])

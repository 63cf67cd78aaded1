"""Loss functions, the target formats they need, and plain-words checks that they fit.

Datasets hand every loss the same two target formats: classification targets are int64 class
indices ``[N]`` and regression targets are float32 ``[N, k]``. Each built loss converts that to
what its torch loss wants (a float 0/1 column for BCE, a float ``[N, 1]`` for MSE against one
output unit...) so no model has to know about it, and so ``[N]`` against ``[N, 1]`` is never
silently broadcast into an ``[N, N]`` comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.params import ComponentSpec, ParamSpec, Registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text

torch = lazy_module("torch", globals())
F = lazy_module("torch.nn.functional", globals(), "F")
nn = lazy_module("torch.nn", globals())
torch_classes = lazy_module("nnstudio.core.catalogue.torch_classes", globals())

TARGET_KINDS = ("class_index", "binary", "float")
EXPECTS = ("logits", "probabilities", "log_probabilities", "any")


@dataclass(frozen=True)
class LossSpec(ComponentSpec):
    """A loss: ``build(params, class_weights)`` returns a module taking dataset targets."""

    build: Callable[[Mapping[str, Any], torch.Tensor | None], nn.Module] = lambda p, w: nn.MSELoss()
    #: "class_index" (int64 [N]), "binary" (0/1 against an [N, 1] output) or "float" ([N, k]).
    target: str = "float"
    #: What the network's output should be: "logits", "probabilities", "log_probabilities"
    #: or "any" (a regression value).
    expects: str = "any"
    #: Torch expression for code export; ``{...}`` fields are filled from the parameters, and
    #: ``{weight}`` with the class-weight tensor expression (or ``None``).
    code: str = "nn.MSELoss()"
    #: Short name used inside messages ("MSE", "Cross-entropy").
    short: str = ""

    def __post_init__(self) -> None:
        if self.target not in TARGET_KINDS:
            raise ValueError(f"unknown loss target kind {self.target!r}")
        if self.expects not in EXPECTS:
            raise ValueError(f"unknown loss output kind {self.expects!r}")

    @property
    def uses_class_weights(self) -> bool:
        return any(p.name == "weighting" for p in self.params)


# --------------------------------------------------------------------------- target formats


def _shape(t: torch.Tensor) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _column_pair(output: torch.Tensor, target: torch.Tensor) -> bool:
    """True when one is ``[N]`` and the other ``[N, 1]``: the same numbers, laid out differently."""
    if output.numel() != target.numel():
        return False
    return (output.dim() == 2 and output.shape[1] == 1 and target.dim() == 1) or (
        output.dim() == 1 and target.dim() == 2 and target.shape[1] == 1
    )


def _range(target: torch.Tensor) -> tuple[int, int]:
    """Smallest and largest class index in one device round trip ((0, 0) when empty).

    Checked on every batch because an out-of-range class makes CUDA abort with an opaque
    device-side assertion instead of a message a student can act on.
    """
    if not target.numel():
        return 0, 0
    lo, hi = torch.stack(torch.aminmax(target.long())).tolist()
    return int(lo), int(hi)


def _regression_target(output: torch.Tensor, target: torch.Tensor, what: str) -> torch.Tensor:
    if (
        not target.is_floating_point()
        and output.dim() == 2
        and output.shape[1] > 1
        and target.dim() == 1
    ):
        # Class indices against one output per class: compare with one-hot vectors.
        units = output.shape[1]
        lo, hi = _range(target)
        if lo < 0 or hi >= units:
            raise TrainingError(
                Text(
                    N_(
                        "{what} compares {units} output units with one-hot classes, but the "
                        "target holds class {label}: give the output layer one unit per class"
                    ),
                    what=Text(what),
                    units=units,
                    label=lo if lo < 0 else hi,
                )
            )
        return F.one_hot(target.long(), units).to(output.dtype)
    target = target.to(output.dtype)
    if target.shape == output.shape:
        return target
    if _column_pair(output, target):
        return target.reshape(output.shape)
    raise TrainingError(
        Text(
            N_(
                "{what} compares the output {output} with the target {target}: "
                "give the output layer one unit per target column"
            ),
            what=Text(what),
            output=_shape(output),
            target=_shape(target),
        )
    )


def _binary_target(output: torch.Tensor, target: torch.Tensor, what: str) -> torch.Tensor:
    if not target.is_floating_point() and target.numel():
        bad = (target < 0) | (target > 1)
        if bool(bad.any()):
            raise TrainingError(
                Text(
                    N_(
                        "{what} needs classes 0 and 1, but the target holds class "
                        "{label}: use cross-entropy with one output unit per class"
                    ),
                    what=Text(what),
                    label=int(target[bad][0]),
                )
            )
    target = target.to(output.dtype)
    if target.shape == output.shape:
        return target
    if _column_pair(output, target):
        return target.reshape(output.shape)
    raise TrainingError(
        Text(
            N_(
                "{what} compares the output {output} with the target {target}: "
                "give the output layer 1 unit (the probability of class 1)"
            ),
            what=Text(what),
            output=_shape(output),
            target=_shape(target),
        )
    )


def _class_target(output: torch.Tensor, target: torch.Tensor, what: str) -> torch.Tensor:
    if target.is_floating_point() and target.shape == output.shape:
        return target.to(output.dtype)  # one probability per class (soft labels)
    if target.dim() == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.is_floating_point():
        if not bool(torch.equal(target, target.round())):
            raise TrainingError(
                Text(
                    N_(
                        "{what} needs class labels but the target is continuous: use MSE, or "
                        "set the task to classification"
                    ),
                    what=Text(what),
                )
            )
        target = target.long()
    if output.dim() != 2 or target.dim() != 1 or target.shape[0] != output.shape[0]:
        raise TrainingError(
            Text(
                N_(
                    "{what} needs an output [N, classes] and class labels [N], not "
                    "{output} and {target}: give the output layer one unit per class"
                ),
                what=Text(what),
                output=_shape(output),
                target=_shape(target),
            )
        )
    units = output.shape[1]
    lo, hi = _range(target)
    if lo < 0 or hi >= units:
        raise TrainingError(
            Text(
                N_(
                    "{what}: the target holds class {label} but the output has {units} "
                    "units (classes 0–{last}): give the output layer one unit per class"
                ),
                what=Text(what),
                label=lo if lo < 0 else hi,
                units=units,
                last=units - 1,
            )
        )
    return target.long()


CONVERT_TARGET = {
    "float": _regression_target,
    "binary": _binary_target,
    "class_index": _class_target,
}


# --------------------------------------------------------------------------- the catalogue

_WEIGHTING = ParamSpec(
    "weighting",
    "choice",
    "none",
    N_(
        "none: every sample counts the same. balanced: rare classes count more "
        "(n_samples / (n_classes × count)). custom: type one weight per class."
    ),
    label=N_("Class weights"),
    choices=("none", "balanced", "custom"),
    choice_labels=(N_("None"), N_("Balanced"), N_("Custom")),
)
_CLASS_WEIGHTS = ParamSpec(
    "class_weights",
    "float_list",
    [],
    N_("One weight per class, in class order (used when class weights is custom)."),
    label=N_("Custom weights"),
    minimum=0.0,
    maximum=1e6,
)


def _weights(p: Mapping[str, Any], class_weights: torch.Tensor | None) -> torch.Tensor | None:
    if class_weights is not None:
        return torch.as_tensor(class_weights, dtype=torch.float32)
    weighting = p.get("weighting", "none")
    if weighting == "custom":
        custom = [float(w) for w in p.get("class_weights") or []]
        if not custom:
            raise TrainingError(
                Text(N_("custom class weights are empty: type one weight per class"))
            )
        return torch.tensor(custom)
    if weighting == "balanced":
        raise TrainingError(
            Text(
                N_(
                    "balanced class weights are computed from the training targets: compute "
                    "them with class_weights_for() before building the loss"
                )
            )
        )
    return None


LOSSES: Registry[LossSpec] = Registry("loss")
_add = LOSSES.add

_add(
    LossSpec(
        "mse",
        N_("MSE (mean squared error)"),
        N_(
            "Mean of (output − target)²: the usual regression loss. Squaring punishes big errors "
            "much more than small ones."
        ),
        build=lambda p, w: torch_classes.DatasetLoss(nn.MSELoss(), "float", N_("MSE")),
        target="float",
        expects="any",
        code="nn.MSELoss()",
        short=N_("MSE"),
    ),
    "mse_loss",
)
_add(
    LossSpec(
        "l1",
        N_("L1 / MAE (mean absolute error)"),
        N_(
            "Mean of |output − target|: less bothered by outliers than MSE, in the target's own "
            "units."
        ),
        build=lambda p, w: torch_classes.DatasetLoss(nn.L1Loss(), "float", N_("L1 loss")),
        target="float",
        expects="any",
        code="nn.L1Loss()",
        short=N_("L1 loss"),
    ),
    "mae",
    "l1_loss",
)
_add(
    LossSpec(
        "smooth_l1",
        N_("Smooth L1"),
        N_(
            "Squared error for small errors (|e| < β), absolute error beyond: MSE's smoothness "
            "near zero with L1's calm about outliers."
        ),
        params=(
            ParamSpec(
                "beta",
                "float",
                1.0,
                N_("Where the loss switches from squared to absolute error."),
                label="β",
                minimum=0.0,
                maximum=1e6,
            ),
        ),
        build=lambda p, w: torch_classes.DatasetLoss(
            nn.SmoothL1Loss(beta=p.get("beta", 1.0)), "float", N_("Smooth L1")
        ),
        target="float",
        expects="any",
        code="nn.SmoothL1Loss(beta={beta!r})",
        short=N_("Smooth L1"),
    )
)
_add(
    LossSpec(
        "huber",
        N_("Huber"),
        N_("Like Smooth L1 but scaled by δ, so large errors grow with slope δ: robust regression."),
        params=(
            ParamSpec(
                "delta",
                "float",
                1.0,
                N_("Where the loss switches from squared to absolute error."),
                label="δ",
                minimum=0.0,
                exclusive_min=True,
                maximum=1e6,
            ),
        ),
        build=lambda p, w: torch_classes.DatasetLoss(
            nn.HuberLoss(delta=p.get("delta", 1.0)), "float", N_("Huber")
        ),
        target="float",
        expects="any",
        code="nn.HuberLoss(delta={delta!r})",
        short=N_("Huber loss"),
    )
)
_add(
    LossSpec(
        "half_sse",
        N_("½·Σ squared error"),
        N_(
            "½·Σ(output − target)² summed over the whole batch, as the backprop lesson writes it; "
            "the ½ cancels the 2 of the derivative."
        ),
        build=lambda p, w: torch_classes.DatasetLoss(
            torch_classes.HalfSSELoss(), "float", N_("½·Σ squared error")
        ),
        target="float",
        expects="any",
        code="lambda output, target: 0.5 * ((output - target) ** 2).sum()",
        short=N_("½·Σ squared error"),
    ),
    "sse",
)
_add(
    LossSpec(
        "bce",
        N_("BCE (binary cross-entropy)"),
        N_(
            "−[y·log p + (1−y)·log(1−p)] for a probability p from a sigmoid output: two classes, "
            "one output unit."
        ),
        build=lambda p, w: torch_classes.DatasetLoss(nn.BCELoss(), "binary", N_("BCE")),
        target="binary",
        expects="probabilities",
        code="nn.BCELoss()",
        short=N_("BCE"),
    ),
    "binary_cross_entropy",
)
_add(
    LossSpec(
        "bce_with_logits",
        N_("BCE with logits"),
        N_(
            "Sigmoid + binary cross-entropy in one numerically safe step: leave the output layer "
            "without an activation."
        ),
        params=(
            ParamSpec(
                "pos_weight",
                "float",
                1.0,
                N_(
                    "How much a class-1 sample counts compared with a class-0 one "
                    "(> 1 when class 1 is rare)."
                ),
                label=N_("Positive weight"),
                minimum=0.0,
                exclusive_min=True,
                maximum=1e6,
            ),
        ),
        build=lambda p, w: torch_classes.DatasetLoss(
            nn.BCEWithLogitsLoss(
                pos_weight=None
                if p.get("pos_weight", 1.0) == 1.0
                else torch.tensor([float(p["pos_weight"])])
            ),
            "binary",
            N_("BCE with logits"),
        ),
        target="binary",
        expects="logits",
        code="nn.BCEWithLogitsLoss(pos_weight=torch.tensor([{pos_weight!r}]))",
        short=N_("BCE with logits"),
    ),
    "bcewithlogits",
)
_add(
    LossSpec(
        "cross_entropy",
        N_("Cross-entropy"),
        N_(
            "Softmax + negative log of the true class's probability, for several classes. Takes "
            "raw scores: do not put a softmax before it."
        ),
        params=(
            ParamSpec(
                "label_smoothing",
                "float",
                0.0,
                N_(
                    "Aim at 1 − ε for the true class instead of 1, spreading ε over the others: "
                    "discourages over-confidence."
                ),
                label=N_("Label smoothing"),
                minimum=0.0,
                maximum=1.0,
                exclusive_max=True,
            ),
            _WEIGHTING,
            _CLASS_WEIGHTS,
        ),
        build=lambda p, w: torch_classes.DatasetLoss(
            nn.CrossEntropyLoss(
                weight=_weights(p, w), label_smoothing=p.get("label_smoothing", 0.0)
            ),
            "class_index",
            N_("Cross-entropy"),
        ),
        target="class_index",
        expects="logits",
        code="nn.CrossEntropyLoss(weight={weight}, label_smoothing={label_smoothing!r})",
        short=N_("Cross-entropy"),
    ),
    "ce",
    "crossentropy",
)
_add(
    LossSpec(
        "nll",
        N_("NLL (negative log-likelihood)"),
        N_(
            "−log-probability of the true class. Needs a LogSoftmax output; LogSoftmax + NLL is "
            "exactly cross-entropy."
        ),
        params=(_WEIGHTING, _CLASS_WEIGHTS),
        build=lambda p, w: torch_classes.DatasetLoss(
            nn.NLLLoss(weight=_weights(p, w)), "class_index", N_("NLL loss")
        ),
        target="class_index",
        expects="log_probabilities",
        code="nn.NLLLoss(weight={weight})",
        short=N_("NLL loss"),
    ),
    "nll_loss",
)


def build_loss(
    component: Mapping[str, Any], class_weights: torch.Tensor | None = None
) -> nn.Module:
    """Torch module for a loss component; ``class_weights`` come from :func:`class_weights_for`."""
    comp = LOSSES.normalize(component)
    spec = LOSSES.get(comp["name"])
    return spec.build(comp, class_weights if spec.uses_class_weights else None)


def balanced_class_weights(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """n_samples / (n_classes · count_c), so every class adds up to the same total weight.

    A class that never occurs gets weight 1 (neutral) rather than 0 or ∞: it cannot affect
    the training loss, and a validation batch made only of that class still gives a finite
    loss instead of 0/0.
    """
    y = torch.as_tensor(y).reshape(-1).long()
    counts = torch.bincount(y[(y >= 0) & (y < n_classes)], minlength=n_classes)[:n_classes]
    counts = counts.to(torch.float32)
    n = float(counts.sum())
    weights = torch.ones(n_classes, dtype=torch.float32)
    present = counts > 0
    if n > 0:
        weights[present] = n / (n_classes * counts[present])
    return weights


def class_weights_for(
    component: Mapping[str, Any], y_train: torch.Tensor, n_classes: int
) -> torch.Tensor | None:
    """The class-weight tensor a loss component asks for, or None for unweighted."""
    comp = LOSSES.normalize(component)
    spec = LOSSES.get(comp["name"])
    if not spec.uses_class_weights:
        return None
    weighting = comp["weighting"]
    if weighting == "none":
        return None
    if weighting == "balanced":
        return balanced_class_weights(y_train, n_classes)
    custom = [float(w) for w in comp["class_weights"] or []]
    if len(custom) != n_classes:
        template = (
            N_(
                "custom class weights give {n} number but the target has {classes} classes: "
                "type one weight per class"
            )
            if len(custom) == 1
            else N_(
                "custom class weights give {n} numbers but the target has {classes} classes: "
                "type one weight per class"
            )
        )
        raise TrainingError(Text(template, n=len(custom), classes=n_classes))
    if not any(w > 0 for w in custom):
        raise TrainingError(
            Text(N_("custom class weights are all zero: give at least one class a positive weight"))
        )
    return torch.tensor(custom, dtype=torch.float32)


# --------------------------------------------------------------------------- fit checks


def _canonical_act(name: str | None) -> str | None:
    if name is None or name not in ACTIVATIONS:
        return name
    return ACTIVATIONS.get(name).name


def _act_name(name: str) -> str:
    return ACTIVATIONS.get(name).label if name in ACTIVATIONS else name


def _units(n: int) -> Text:
    # Text has no plural forms: the English form is chosen here and both are translated.
    return Text(N_("{n} unit"), n=n) if n == 1 else Text(N_("{n} units"), n=n)


def check_loss(
    component: Mapping[str, Any],
    *,
    task: str,
    n_classes: int,
    n_targets: int,
    output_units: int,
    output_activation: str | None,
    target_name: str | None = None,
) -> list[str]:
    """What to change when the loss, the output layer and the target do not fit (empty: fine).

    ``task`` is "classification" or "regression"; ``output_activation`` is the activation
    name of the output layer, or None when it is not known (then it is not checked). The
    messages are :class:`~nnstudio.i18n.Text`: English (``validate --json`` prints them),
    translated where shown with ``tr()``.
    """
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task!r}")
    comp = LOSSES.normalize(component)
    spec = LOSSES.get(comp["name"])
    what = Text(spec.short or spec.label)
    if target_name:
        target = Text(N_("the target '{name}'"), name=target_name)
        target_start = Text(N_("The target '{name}'"), name=target_name)
    else:
        target = Text(N_("the target"))
        target_start = Text(N_("The target"))
    act = _canonical_act(output_activation)
    act_name = Text(_act_name(act)) if act is not None else None
    out: list[str] = []

    if spec.target == "class_index":
        if task == "regression":
            out.append(
                Text(
                    N_(
                        "{what} needs class labels but {target} is continuous: use MSE, or "
                        "set the task to classification"
                    ),
                    what=what,
                    target=target,
                )
            )
            return out
        if output_units != n_classes:
            if output_units == 1 and n_classes == 2:
                template = N_(
                    "{what} needs one output unit per class: give the output layer "
                    "{n_classes} units (it has {units}) (or keep 1 unit and use BCE with logits)"
                )
            else:
                template = N_(
                    "{what} needs one output unit per class: give the output layer "
                    "{n_classes} units (it has {units})"
                )
            out.append(Text(template, what=what, n_classes=n_classes, units=output_units))
        if spec.name == "cross_entropy" and act == "softmax":
            out.append(
                Text(
                    N_(
                        "{what} applies softmax itself, so a Softmax output layer applies it "
                        "twice: set the output activation to identity"
                    ),
                    what=what,
                )
            )
        if spec.name == "nll" and act is not None and act != "log_softmax":
            out.append(
                Text(
                    N_(
                        "{what} expects log-probabilities but the output activation is "
                        "{activation}: set it to LogSoftmax, or use cross-entropy"
                    ),
                    what=what,
                    activation=act_name,
                )
            )
        return out

    if spec.target == "binary":
        if task == "regression":
            out.append(
                Text(
                    N_(
                        "{what} needs classes 0 and 1 but {target} is continuous: use MSE, "
                        "or set the task to classification"
                    ),
                    what=what,
                    target=target,
                )
            )
            return out
        if n_classes > 2:
            out.append(
                Text(
                    N_(
                        "{what} is for two classes but {target} has {n_classes}: use "
                        "cross-entropy with {n_classes} output units"
                    ),
                    what=what,
                    target=target,
                    n_classes=n_classes,
                )
            )
        if output_units != 1:
            out.append(
                Text(
                    N_(
                        "{what} needs 1 output unit (the probability of class 1): give the "
                        "output layer 1 unit (it has {units})"
                    ),
                    what=what,
                    units=output_units,
                )
            )
        if spec.name == "bce" and act is not None and act != "sigmoid":
            out.append(
                Text(
                    N_(
                        "{what} expects probabilities but the output activation is "
                        "{activation}: use BCE with logits, or add a sigmoid"
                    ),
                    what=what,
                    activation=act_name,
                )
            )
        if spec.name == "bce_with_logits" and act == "sigmoid":
            out.append(
                Text(
                    N_(
                        "{what} applies the sigmoid itself but the output layer already has "
                        "one: set the output activation to identity, or use BCE"
                    ),
                    what=what,
                )
            )
        return out

    # Regression losses.
    if task == "regression":
        if output_units != n_targets:
            template = (
                N_("{target} has {n} column but the output layer has {units}: give it {wanted}")
                if n_targets == 1
                else N_(
                    "{target} has {n} columns but the output layer has {units}: give it {wanted}"
                )
            )
            out.append(
                Text(
                    template,
                    target=target_start,
                    n=n_targets,
                    units=_units(output_units),
                    wanted=_units(n_targets),
                )
            )
        return out
    # A regression loss on class labels works only as 0/1 numbers or one-hot vectors.
    fits = output_units == n_classes or (output_units == 1 and n_classes <= 2)
    if not fits:
        out.append(
            Text(
                N_(
                    "{what} compares numbers but {target} holds {n_classes} classes and the "
                    "output has {units}: use cross-entropy with {n_classes} output units"
                ),
                what=what,
                target=target,
                n_classes=n_classes,
                units=_units(output_units),
            )
        )
    return out

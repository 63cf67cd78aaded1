"""The layer catalogue: every node type a user can place on the canvas.

Every tensor between layers is ``[batch, n]``, so a shape is the single number ``n``. Each
:class:`LayerSpec` says how many inputs it takes, how ``n`` follows from its inputs
(``infer``), and how to build its torch module (``build``). Nothing else in NN Studio knows
about particular layer types except code export and lint, which read the same specs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.activations import ACTIVATIONS, build_activation
from nnstudio.core.catalogue.initializers import INITIALIZERS, apply_initializer
from nnstudio.core.catalogue.params import (
    AUTO,
    ComponentSpec,
    ParamError,
    ParamSpec,
    Registry,
    describe,
    short_label,
)
from nnstudio.core.errors import UserFacingError
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text, _

nn = lazy_module("torch.nn", globals())
torch_classes = lazy_module("nnstudio.core.catalogue.torch_classes", globals())


class ShapeError(UserFacingError, ValueError):
    """A node's output size cannot be worked out; the message says why.

    Raised with an English :class:`~nnstudio.i18n.Text` (``exc.message``) that ``str(exc)``
    shows in the user's language. ``code`` names the kind of problem for the problems list.
    """

    def __init__(self, message: str, *, code: str = "shape") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ShapeContext:
    """What the data says about sizes: features after preprocessing and outputs the task needs.

    ``None`` means "no data chosen yet", which makes an ``auto`` size a problem to report.
    """

    n_features: int | None = None
    n_outputs: int | None = None
    #: Rows in one training batch (None: unknown). Only the memory estimate reads it, so it
    #: takes no part in comparing contexts: sizes are what a context is compared for.
    batch_rows: int | None = field(default=None, compare=False)


Infer = Callable[[Mapping[str, Any], list[int], ShapeContext, bool], int]
Build = Callable[[Mapping[str, Any], list[int], int, ShapeContext], "nn.Module"]


@dataclass(frozen=True)
class LayerSpec(ComponentSpec):
    """One node type of the canvas."""

    category: str = "Core"
    min_inputs: int = 1
    #: ``None``: any number (merge nodes).
    max_inputs: int | None = 1
    infer: Infer = lambda p, ins, ctx, out: ins[0]
    build: Build = lambda p, ins, n, ctx: nn.Identity()
    #: Colour of the node's header on the canvas (a teaching cue, not decoration).
    color: str = "#5b7bb4"

    @property
    def is_input(self) -> bool:
        return self.max_inputs == 0


# --- torch modules -----------------------------------------------------------------------


# --- shape rules -------------------------------------------------------------------------


def parse_select(text: str, total: int | None) -> tuple[int, int] | None:
    """``""``/``"all"`` → every column; ``"2:5"`` → columns 2, 3, 4. None if ``total`` unknown."""
    text = (text or "").strip().lower()
    if total is None:
        return None
    if text in ("", "all", ":"):
        return 0, total
    parts = text.split(":")
    try:
        if len(parts) == 1:
            start = int(parts[0])
            stop = start + 1
        elif len(parts) == 2:
            start = int(parts[0]) if parts[0].strip() else 0
            stop = int(parts[1]) if parts[1].strip() else total
        else:
            raise ValueError
    except ValueError:
        raise ShapeError(
            Text(N_("feature selection {text!r} is not 'all' or 'start:stop'"), text=text)
        ) from None
    if start < 0:
        start += total
    if stop < 0:
        stop += total
    if not 0 <= start < stop <= total:
        raise ShapeError(
            Text(
                N_("feature selection {text!r} is outside the {total} features"),
                text=text,
                total=total,
            )
        )
    return start, stop


def _infer_input(p: Mapping[str, Any], ins: list[int], ctx: ShapeContext, out: bool) -> int:
    size = p.get("size", AUTO)
    span = parse_select(p.get("select", ""), ctx.n_features)
    if size == AUTO:
        if span is None:
            raise ShapeError(
                Text(
                    N_(
                        "input size is 'auto' but no data is loaded: load a dataset or "
                        "type the number of features"
                    )
                ),
                code="auto_no_data",
            )
        return span[1] - span[0]
    if span is not None and size != span[1] - span[0]:
        raise ShapeError(
            Text(
                N_(
                    "input size is {size} but the data has {n} features "
                    "(set it to 'auto' to follow the data)"
                ),
                size=size,
                n=span[1] - span[0],
            )
        )
    return int(size)


def _build_input(p: Mapping[str, Any], ins: list[int], n: int, ctx: ShapeContext) -> nn.Module:
    span = parse_select(p.get("select", ""), ctx.n_features)
    if span is None:
        return torch_classes.InputLayer(0, n, n)
    return torch_classes.InputLayer(span[0], span[1], ctx.n_features or n)


def _infer_dense(p: Mapping[str, Any], ins: list[int], ctx: ShapeContext, out: bool) -> int:
    units = p.get("units", 8)
    if units == AUTO:
        if not out:
            raise ShapeError(
                Text(N_("'auto' units only fit the output layer (they follow the task)"))
            )
        if ctx.n_outputs is None:
            raise ShapeError(
                Text(
                    N_(
                        "units are 'auto' but no data is loaded, so the number of outputs "
                        "is unknown"
                    )
                ),
                code="auto_no_data",
            )
        return ctx.n_outputs
    return int(units)


def _build_dense(p: Mapping[str, Any], ins: list[int], n: int, ctx: ShapeContext) -> nn.Module:
    fan_in = ins[0]
    layer = torch_classes.DenseLayer(
        fan_in, n, bool(p.get("bias", True)), build_activation(p["activation"], n)
    )
    apply_initializer(layer.weight, p["weight_init"], fan_in, n)
    if layer.bias is not None:
        apply_initializer(layer.bias, p["bias_init"], fan_in, n)
    return layer


def _infer_add(p: Mapping[str, Any], ins: list[int], ctx: ShapeContext, out: bool) -> int:
    if len(set(ins)) > 1:
        sizes = ", ".join(f"[batch, {n}]" for n in ins)
        raise ShapeError(
            Text(N_("Add needs inputs of the same shape; it gets {sizes}"), sizes=sizes)
        )
    return ins[0]


# --- the catalogue -----------------------------------------------------------------------

_TRAINABLE_NOTE = N_("Weights of a frozen layer do not change during training.")

LAYERS: Registry[LayerSpec] = Registry("layer")
_add = LAYERS.add

_add(
    LayerSpec(
        "Input",
        N_("Input"),
        N_("Where the data enters: one value per feature. Inputs are not parameters."),
        params=(
            ParamSpec(
                "size",
                "int_or_auto",
                AUTO,
                N_("Number of features; 'auto' follows the loaded data after encoding."),
                label=N_("Size"),
                minimum=1,
                maximum=1_000_000,
            ),
            ParamSpec(
                "select",
                "text",
                "",
                N_(
                    "Which feature columns this input takes: empty for all, or start:stop "
                    "(for networks with several inputs)."
                ),
                label=N_("Features"),
            ),
        ),
        category=N_("Core"),
        min_inputs=0,
        max_inputs=0,
        infer=_infer_input,
        build=_build_input,
        color="#4f8f6a",
    )
)
_add(
    LayerSpec(
        "Dense",
        N_("Dense (fully connected)"),
        N_(
            "Every unit computes z = w·x + b over all inputs, then a = f(z). A layer of n units "
            "with d inputs has n·(d+1) parameters."
        ),
        params=(
            ParamSpec(
                "units",
                "int_or_auto",
                8,
                N_(
                    "Number of neurons. 'auto' on the output layer follows the task: one per "
                    "class for cross-entropy, 1 for binary or single-target regression."
                ),
                label=N_("Units"),
                minimum=1,
                maximum=100_000,
            ),
            ParamSpec(
                "activation",
                "component",
                {"name": "relu"},
                N_(
                    "f applied to z. Hidden layers: ReLU first; output: identity for "
                    "regression, sigmoid for binary, none before CrossEntropyLoss."
                ),
                label=N_("Activation"),
                registry="activation",
            ),
            ParamSpec(
                "bias",
                "bool",
                True,
                N_("Add a learned offset b to every unit."),
                label=N_("Use bias"),
            ),
            ParamSpec(
                "weight_init",
                "component",
                {"name": "default"},
                N_(
                    "How the weights start. Random and scaled to the layer (He for ReLU, "
                    "Xavier for sigmoid/tanh); constant values never break symmetry."
                ),
                registry="initialiser",
                label=N_("Weight init"),
            ),
            ParamSpec(
                "bias_init",
                "component",
                {"name": "default"},
                N_("How the biases start; zeros is the usual choice."),
                registry="initialiser",
                label=N_("Bias init"),
            ),
        ),
        category=N_("Core"),
        infer=_infer_dense,
        build=_build_dense,
        color="#5b7bb4",
    ),
    "Linear",
)
_add(
    LayerSpec(
        "Activation",
        N_("Activation"),
        N_("Applies f element-wise (softmax: per row) without any weights."),
        params=(
            ParamSpec(
                "activation",
                "component",
                {"name": "relu"},
                N_("The function f."),
                label=N_("Activation"),
                registry="activation",
            ),
        ),
        category=N_("Core"),
        build=lambda p, ins, n, ctx: build_activation(p["activation"], n),
        color="#8a6bb4",
    )
)
_add(
    LayerSpec(
        "Dropout",
        N_("Dropout"),
        N_(
            "During training, zeroes each value with probability p and scales survivors by 1/(1−p) "
            "(5× at p = 0.8); does nothing in evaluation. Fights over-fitting."
        ),
        params=(
            ParamSpec(
                "p",
                "float",
                0.5,
                N_("Probability of dropping each value."),
                minimum=0.0,
                maximum=1.0,
                exclusive_max=True,
                decimals=3,
            ),
        ),
        category=N_("Regularisation"),
        build=lambda p, ins, n, ctx: nn.Dropout(p.get("p", 0.5)),
        color="#b48a5b",
    )
)
_add(
    LayerSpec(
        "BatchNorm1d",
        N_("Batch normalisation"),
        N_(
            "Normalises each feature over the batch, then scales by a learned γ and shifts by β. "
            "Evaluation uses running averages of mean and variance."
        ),
        params=(
            ParamSpec(
                "eps",
                "float",
                1e-5,
                N_("Added to the variance so it is never zero."),
                label="ε",
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
                log_scale=True,
                decimals=8,
            ),
            ParamSpec(
                "momentum",
                "float",
                0.1,
                N_("Weight of the newest batch in the running mean/variance."),
                label=N_("Momentum"),
                minimum=0.0,
                maximum=1.0,
            ),
            ParamSpec(
                "affine",
                "bool",
                True,
                N_("Learn the scale γ and shift β."),
                label=N_("Learn γ and β"),
            ),
        ),
        category=N_("Regularisation"),
        build=lambda p, ins, n, ctx: nn.BatchNorm1d(
            n, eps=p.get("eps", 1e-5), momentum=p.get("momentum", 0.1), affine=p.get("affine", True)
        ),
        color="#b45b7b",
    ),
    "BatchNorm",
)
_add(
    LayerSpec(
        "Add",
        N_("Add (skip connection)"),
        N_(
            "Sums its inputs element by element; all must have the same size. A residual "
            "connection lets gradients bypass layers."
        ),
        min_inputs=2,
        max_inputs=None,
        category=N_("Merge"),
        infer=_infer_add,
        build=lambda p, ins, n, ctx: torch_classes.AddLayer(),
        color="#6b8a8a",
    )
)
_add(
    LayerSpec(
        "Concat",
        N_("Concatenate"),
        N_("Places its inputs side by side: the output size is the sum of the input sizes."),
        min_inputs=2,
        max_inputs=None,
        category=N_("Merge"),
        infer=lambda p, ins, ctx, out: sum(ins),
        build=lambda p, ins, n, ctx: torch_classes.ConcatLayer(),
        color="#6b8a8a",
    )
)


def normalize_params(layer_type: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Complete and check a node's parameters; raises :class:`ParamError` with the reason."""
    from nnstudio.core.catalogue.params import check_params

    return check_params(LAYERS.get(layer_type), params)


def count_params(layer_type: str, params: Mapping[str, Any], ins: list[int], n: int) -> int:
    """Learnable numbers in a node, by formula (no module needed): n·(d+1) for Dense."""
    if layer_type == "Dense":
        count = n * ins[0] + (n if params.get("bias", True) else 0)
        act = params.get("activation", {})
        if act.get("name") == "prelu":
            count += n if act.get("per_unit") else 1
        return count
    if layer_type == "BatchNorm1d":
        return 2 * n if params.get("affine", True) else 0
    if layer_type == "Activation" and params.get("activation", {}).get("name") == "prelu":
        return n if params["activation"].get("per_unit") else 1
    return 0


def _sized(value: Any, resolved: int | None) -> str:
    """``auto`` with the size it resolved to reads ``4 (auto)``: the number is what matters."""
    if value == "auto" and resolved is not None:
        return _("{size} (auto)").format(size=resolved)
    return f"{value}"


#: Initialiser labels as a canvas caption shortens them (the full labels are in the catalogue).
_SHORT_INIT = {
    "Kaiming/He uniform": N_("He uniform"),
    "Kaiming/He normal": N_("He normal"),
    "Xavier/Glorot uniform": N_("Xavier uniform"),
    "Xavier/Glorot normal": N_("Xavier normal"),
}


def node_caption(layer_type: str, params: Mapping[str, Any], resolved: int | None = None) -> str:
    """What a canvas node shows under its title: ``"Dense 128 · ReLU · He normal"``.

    ``resolved`` is the layer's output size once known, shown beside an ``auto`` size. In the
    current language: captions are made to be shown at once.
    """
    if layer_type == "Dense":
        parts = [
            _("Dense {size}").format(size=_sized(params.get("units"), resolved)),
            short_label(ACTIVATIONS.get(params["activation"]["name"]).label),
        ]
        init = params.get("weight_init", {}).get("name", "default")
        if init != "default":
            label = INITIALIZERS.get(init).label
            parts.append(_(_SHORT_INIT.get(label, label)))
        if not params.get("bias", True):
            parts.append(_("no bias"))
        return " · ".join(parts)
    if layer_type == "Activation":
        return describe(params["activation"], ACTIVATIONS)
    if layer_type == "Dropout":
        return f"Dropout p={params.get('p', 0.5):g}"
    if layer_type == "BatchNorm1d":
        return "BatchNorm1d"
    if layer_type == "Input":
        sel = (params.get("select") or "").strip()
        caption = _("Input {size}").format(size=_sized(params.get("size"), resolved))
        return caption + (f" [{sel}]" if sel else "")
    return _(LAYERS.get(layer_type).label)


__all__ = [
    "LAYERS",
    "LayerSpec",
    "ParamError",
    "ShapeContext",
    "ShapeError",
    "count_params",
    "node_caption",
    "normalize_params",
]

"""Teaching warnings: mistakes the lessons warn about, shown in amber without blocking training.

Each rule returns :class:`Problem` objects with severity ``warning`` attached to the node at
fault, a one-line message and a hint that explains why it matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnstudio.core.catalogue.initializers import is_symmetric
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.network.analysis import WARNING, Analysis, Problem
from nnstudio.core.network.graph import Graph
from nnstudio.i18n import N_, Text

SATURATING = ("sigmoid", "tanh")
#: A learning rate this many times outside the optimiser's usual range is "far" outside.
LR_FACTOR = 5.0
#: Raw inputs whose values reach beyond this, unscaled, get a warning.
LARGE_INPUT = 10.0


def _activation(graph: Graph, node_id: str) -> str | None:
    act = graph.nodes[node_id].params.get("activation")
    return act.get("name") if isinstance(act, Mapping) else None


def _symmetric_layer(params: Mapping) -> bool:
    """Every unit starts identical: same weights and the same (or no) bias."""
    if params.get("units") == 1:
        return False
    bias_same = not params.get("bias", True) or is_symmetric(params["bias_init"])
    return is_symmetric(params["weight_init"]) and bias_same


def lint(
    graph: Graph,
    analysis: Analysis,
    *,
    loss: Mapping[str, Any] | None = None,
    optimizer: Mapping[str, Any] | None = None,
    scaling: str | None = None,
    raw_ranges: Mapping[str, tuple[float, float]] | None = None,
) -> list[Problem]:
    """All teaching warnings for a drawing that analysed without structural errors.

    ``loss`` and ``optimizer`` are the training settings' components (``{"name": ...}``
    dicts, the optimizer's holding ``lr``): the network is linted against what will train it,
    without knowing the training settings themselves. Without them the rules about the loss
    and the learning rate are skipped.
    """
    out: list[Problem] = []
    if not analysis.order:
        return out
    output = analysis.output_id
    loss_name = loss["name"] if loss is not None else None
    out_act = _activation(graph, output) if output else None

    if output and loss_name == "cross_entropy" and out_act == "softmax":
        out.append(
            Problem(
                WARNING,
                "softmax_before_ce",
                Text(N_("Softmax before CrossEntropyLoss: softmax is applied twice.")),
                output,
                hint=Text(
                    N_(
                        "CrossEntropyLoss = LogSoftmax + NLLLoss and expects raw scores (logits). "
                        "Use the identity activation on the output layer; apply softmax only to "
                        "read probabilities."
                    )
                ),
            )
        )
    if output and loss_name == "nll" and out_act != "log_softmax":
        out.append(
            Problem(
                WARNING,
                "nll_without_log_softmax",
                Text(N_("NLLLoss expects log-probabilities: end the network with LogSoftmax.")),
                output,
                hint=Text(
                    N_("Or switch to CrossEntropyLoss on raw scores, which does both steps.")
                ),
            )
        )
    if output and loss_name == "bce" and out_act != "sigmoid":
        out.append(
            Problem(
                WARNING,
                "bce_without_sigmoid",
                Text(
                    N_(
                        "BCE expects probabilities but the output has no sigmoid: use "
                        "BCEWithLogits."
                    )
                ),
                output,
                hint=Text(
                    N_(
                        "BCEWithLogitsLoss applies the sigmoid itself, in a numerically "
                        "stable way; or give the output layer a sigmoid activation."
                    )
                ),
            )
        )
    if output and loss_name == "bce_with_logits" and out_act == "sigmoid":
        out.append(
            Problem(
                WARNING,
                "sigmoid_before_bce_logits",
                Text(N_("Sigmoid before BCEWithLogits: the sigmoid is applied twice.")),
                output,
                hint=Text(N_("Use the identity activation on the output layer, or plain BCE.")),
            )
        )

    hidden = [nid for nid in analysis.order if nid != output and _activation(graph, nid)]
    run = 0
    for nid in analysis.order:
        if nid == output:
            break
        act = _activation(graph, nid)
        if act is None:
            continue
        run = run + 1 if act in SATURATING else 0
        if run >= 3:
            out.append(
                Problem(
                    WARNING,
                    "vanishing_gradients",
                    Text(
                        N_("{name}: {run} stacked {activation} layers — gradients may vanish."),
                        name=graph.nodes[nid].name,
                        run=run,
                        activation=act,
                    ),
                    nid,
                    hint=Text(
                        N_(
                            "The slope of sigmoid is at most 0.25 (tanh 1) and near 0 when "
                            "saturated; multiplied through several layers the gradient of early "
                            "layers shrinks towards 0. Prefer ReLU in hidden layers, or add "
                            "BatchNorm."
                        )
                    ),
                )
            )

    for nid in hidden:
        node = graph.nodes[nid]
        if node.type == "Dense" and _symmetric_layer(node.params):
            out.append(
                Problem(
                    WARNING,
                    "symmetric_init",
                    Text(
                        N_(
                            "{name}: every weight starts the same, so every unit learns the same "
                            "thing."
                        ),
                        name=node.name,
                    ),
                    nid,
                    hint=Text(
                        N_(
                            "Identical starting weights get identical gradients: the layer "
                            "behaves like a single unit. Use a random initialiser (He for ReLU, "
                            "Xavier for sigmoid/tanh)."
                        )
                    ),
                )
            )
        if (
            _activation(graph, nid) == "step"
            and node.params["activation"].get("gradient") == "zero"
        ):
            out.append(
                Problem(
                    WARNING,
                    "step_no_gradient",
                    Text(
                        N_(
                            "{name}: the step function has zero gradient, so layers before it "
                            "cannot learn by backpropagation."
                        ),
                        name=node.name,
                    ),
                    nid,
                    hint=Text(
                        N_(
                            "Use sigmoid, tanh or ReLU to train, or the straight-through option "
                            "for the perceptron rule."
                        )
                    ),
                )
            )

    if scaling == "none" and raw_ranges:
        wide = [
            (name, lo, hi)
            for name, (lo, hi) in raw_ranges.items()
            if max(abs(lo), abs(hi)) > LARGE_INPUT
        ]
        if wide:
            name, lo, hi = max(wide, key=lambda item: item[2] - item[1])
            target = analysis.input_ids[0] if analysis.input_ids else None
            if len(wide) > 1:
                message = Text(
                    N_(
                        "Inputs are not scaled: {column!r} spans {lo:g} to {hi:g} ({n} columns "
                        "exceed ±{limit:g})."
                    ),
                    column=name,
                    lo=lo,
                    hi=hi,
                    n=len(wide),
                    limit=LARGE_INPUT,
                )
            else:
                message = Text(
                    N_("Inputs are not scaled: {column!r} spans {lo:g} to {hi:g}."),
                    column=name,
                    lo=lo,
                    hi=hi,
                )
            out.append(
                Problem(
                    WARNING,
                    "unscaled_inputs",
                    message,
                    target,
                    hint=Text(
                        N_(
                            "Large raw inputs saturate sigmoid/tanh units and make the loss "
                            "surface badly conditioned. Choose Standardise in the data panel."
                        )
                    ),
                )
            )

    if optimizer is not None:
        spec = OPTIMIZERS.get(optimizer["name"])
        lo, hi = spec.usual_lr
        lr = float(optimizer["lr"])
        if lr < lo / LR_FACTOR or lr > hi * LR_FACTOR:
            out.append(
                Problem(
                    WARNING,
                    "unusual_lr",
                    Text(
                        N_(
                            "Learning rate {lr:g} is far from the usual range for {optimizer} "
                            "({lo:g}–{hi:g})."
                        ),
                        lr=lr,
                        optimizer=Text(spec.label),
                        lo=lo,
                        hi=hi,
                    ),
                    None,
                    hint=Text(
                        N_(
                            "Too high and the loss jumps around or becomes NaN; too low and "
                            "training crawls. Rules of thumb: SGD 0.1–0.01, Adam 1e-3–1e-4, "
                            "Lion 1e-4–1e-5."
                        )
                    ),
                )
            )
    return out

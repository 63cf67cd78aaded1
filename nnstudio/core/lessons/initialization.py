"""The initialisation lesson on the user's own network: pick an initialiser per Dense layer,
push one batch through, and see what each layer's activations look like.

The lesson lists the initialisers with their formulas (fan_in = d = the inputs of a neuron,
fan_out = its outputs): uniform ±1/√d, normal(0, 1), zeros, ones, a constant, Kaiming/He
normal (std √(2/fan_in)) and uniform (limit √(6/fan_in)), Xavier/Glorot normal (std
√(2/(fan_in + fan_out))) and uniform (limit √(6/(fan_in + fan_out))). It warns that zeros,
ones and constants never break symmetry — every neuron of the layer computes, and learns,
the same thing — which this module detects from the activations themselves.

Nothing here edits the project: the graph is copied, the copy gets the chosen initialisers,
and the model is built with the project's seed under a forked random state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nnstudio.core.catalogue.initializers import INITIALIZERS
from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.data import PreparedData
from nnstudio.core.network.analysis import analyze
from nnstudio.core.network.builder import build_model
from nnstudio.core.network.graph import Graph
from nnstudio.i18n import N_

__all__ = [
    "BATCH",
    "HISTOGRAM_BINS",
    "InitFormula",
    "LayerActivity",
    "dense_layers",
    "exploration_inputs",
    "explore",
    "init_formulas",
]

#: Rows pushed through the network: enough for a histogram, cheap for any teaching network.
BATCH = 256
HISTOGRAM_BINS = 30


@dataclass(frozen=True)
class InitFormula:
    """One formula of the lesson with this layer's fan_in and fan_out filled in."""

    label: str
    #: e.g. "std = √(2/(fan_in+fan_out)) = √(2/(3+5)) = 0.5000"
    text: str
    value: float


def init_formulas(fan_in: int, fan_out: int) -> list[InitFormula]:
    """Xavier/He normal std and uniform limit, and ±1/√d, for one layer's fans."""
    both = fan_in + fan_out
    rows = [
        (
            N_("Uniform ±1/√d (PyTorch default)"),
            "limit = 1/√fan_in = 1/√{fi}",
            1.0 / math.sqrt(fan_in),
        ),
        (
            N_("Xavier/Glorot normal"),
            "std = √(2/(fan_in+fan_out)) = √(2/({fi}+{fo}))",
            math.sqrt(2.0 / both),
        ),
        (
            N_("Xavier/Glorot uniform"),
            "limit = √(6/(fan_in+fan_out)) = √(6/({fi}+{fo}))",
            math.sqrt(6.0 / both),
        ),
        (N_("Kaiming/He normal"), "std = √(2/fan_in) = √(2/{fi})", math.sqrt(2.0 / fan_in)),
        (N_("Kaiming/He uniform"), "limit = √(6/fan_in) = √(6/{fi})", math.sqrt(6.0 / fan_in)),
    ]
    return [
        InitFormula(label, f"{text.format(fi=fan_in, fo=fan_out)} = {value:.4f}", value)
        for label, text, value in rows
    ]


@dataclass(frozen=True)
class LayerActivity:
    """What one Dense layer's outputs look like for one batch."""

    node_id: str
    name: str
    fan_in: int
    fan_out: int
    #: The weight initialiser used (a normalised catalogue component).
    init: Mapping[str, Any]
    mean: float
    std: float
    counts: np.ndarray
    edges: np.ndarray
    #: True when every neuron of the layer gives the same output for every row.
    identical: bool
    #: True when every neuron has the same weights (its bias may still tell it apart).
    same_weights: bool
    #: The bias initialiser used.
    bias_init: Mapping[str, Any] = field(default_factory=dict)

    @property
    def formulas(self) -> list[InitFormula]:
        return init_formulas(self.fan_in, self.fan_out)


def dense_layers(graph: Graph, ctx: ShapeContext | None = None) -> list[tuple[str, int, int]]:
    """(node id, fan_in, fan_out) of every Dense layer in order; empty when the graph is
    not valid (the workspace's analysis says why)."""
    result = analyze(graph, ctx)
    if not result.ok:
        return []
    out = []
    for nid in result.order:
        if graph.nodes[nid].type != "Dense":
            continue
        (source,) = graph.inputs_of(nid)
        out.append((nid, result.sizes[source], result.sizes[nid]))
    return out


def exploration_inputs(
    graph: Graph,
    ctx: ShapeContext | None,
    prepared: PreparedData | None,
    *,
    batch: int = BATCH,
    seed: int = 0,
) -> torch.Tensor | None:
    """The batch to push through: the prepared training rows when loaded, else standard
    normal rows of the input's width (None when the width is unknown)."""
    if prepared is not None and len(prepared.x_train):
        return prepared.x_train[:batch].to(torch.float32)
    result = analyze(graph, ctx)
    if not result.ok or len(result.input_ids) != 1:
        return None
    width = result.sizes[result.input_ids[0]]
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, width, generator=generator)


def _identical(a: torch.Tensor) -> bool:
    if a.shape[1] < 2:
        return False
    return bool(torch.allclose(a, a[:, :1].expand_as(a), rtol=1e-5, atol=1e-7))


def explore(
    graph: Graph,
    ctx: ShapeContext | None,
    inputs: torch.Tensor,
    choices: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    zero_bias: bool = False,
    seed: int = 0,
) -> list[LayerActivity]:
    """Each Dense layer's activity for ``inputs`` with ``choices`` (node id → weight
    initialiser) replacing the project's; the project's graph is not touched.

    ``zero_bias`` starts every Dense bias at 0, as the lesson does: PyTorch's random biases
    would otherwise tell apart neurons whose weights are all the same.
    """
    work = graph.copy()
    for nid, component in (choices or {}).items():
        work.set_param(nid, "weight_init", INITIALIZERS.normalize(component))
    if zero_bias:
        for nid, _fan_in, _fan_out in dense_layers(work, ctx):
            work.set_param(nid, "bias_init", INITIALIZERS.normalize("zeros"))
    with torch.random.fork_rng(devices=[]):
        model = build_model(work, ctx, seed=seed)
    with torch.no_grad():
        parts = model.trace(inputs)
    out = []
    for nid, fan_in, fan_out in dense_layers(work, ctx):
        a = parts[nid]["a"].detach().to(torch.float64)
        values = a.reshape(-1).numpy()
        finite = values[np.isfinite(values)]
        if len(finite):
            counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS)
        else:
            counts, edges = np.zeros(HISTOGRAM_BINS, dtype=np.int64), np.linspace(0, 1, 31)
        out.append(
            LayerActivity(
                node_id=nid,
                name=work.nodes[nid].name,
                fan_in=fan_in,
                fan_out=fan_out,
                init=dict(work.nodes[nid].params["weight_init"]),
                mean=float(finite.mean()) if len(finite) else math.nan,
                std=float(finite.std()) if len(finite) else math.nan,
                counts=counts,
                edges=edges,
                identical=_identical(a),
                same_weights=_identical(model.layers[nid].weight.detach().T),
                bias_init=dict(work.nodes[nid].params.get("bias_init") or {}),
            )
        )
    return out

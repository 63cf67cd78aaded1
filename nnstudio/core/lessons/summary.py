"""The model summary of the first lesson: parameters per layer, as torchsummary prints them.

Each row is one layer of the open graph in network order, with its output width, its
weights and biases counted by formula (``n·d`` weights and ``n`` biases for a Dense layer of
``n`` neurons with ``d`` inputs; inputs are not parameters) and whether they train. The
sizes come from the workspace's analysis, so ``auto`` layers count what they resolved to.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnstudio.core.catalogue.layers import count_params
from nnstudio.core.network.analysis import Analysis
from nnstudio.core.network.graph import Graph


@dataclass(frozen=True)
class SummaryRow:
    """One layer: name, type, output width (None when unknown) and its parameters."""

    node_id: str
    name: str
    layer_type: str
    units: int | None
    weights: int | None
    biases: int | None
    trainable: bool

    @property
    def total(self) -> int | None:
        if self.weights is None or self.biases is None:
            return None
        return self.weights + self.biases


@dataclass(frozen=True)
class ModelSummary:
    rows: tuple[SummaryRow, ...]

    @property
    def complete(self) -> bool:
        """True when every layer's count is known (the network is valid)."""
        return all(row.total is not None for row in self.rows)

    @property
    def total(self) -> int:
        return sum(row.total or 0 for row in self.rows)

    @property
    def trainable(self) -> int:
        return sum(row.total or 0 for row in self.rows if row.trainable)

    @property
    def frozen(self) -> int:
        return self.total - self.trainable


def _split(layer_type: str, params: dict, ins: list[int], units: int) -> tuple[int, int]:
    """(weights, biases) of one layer; biases are a Dense layer's b and a BN layer's β."""
    total = count_params(layer_type, params, ins, units)
    if layer_type == "Dense":
        biases = units if params.get("bias", True) else 0
    elif layer_type == "BatchNorm1d":
        biases = units if params.get("affine", True) else 0
    else:
        biases = 0
    return total - biases, biases


def model_summary(graph: Graph, analysis: Analysis) -> ModelSummary:
    """The summary of ``graph`` with the sizes ``analysis`` inferred."""
    sizes = analysis.sizes
    ins: dict[str, list[str]] = {}
    for edge in graph.edges:
        ins.setdefault(edge.target, []).append(edge.source)
    order = [nid for nid in analysis.order if nid in graph.nodes] or list(graph.nodes)
    rows = []
    for nid in order:
        node = graph.nodes[nid]
        units = sizes.get(nid)
        sources = ins.get(nid, [])
        weights = biases = None
        if node.type == "Input":
            weights, biases = 0, 0
        elif units is not None and all(s in sizes for s in sources):
            try:
                weights, biases = _split(
                    node.type, dict(node.params), [sizes[s] for s in sources], units
                )
            except (IndexError, KeyError, TypeError, ValueError):
                weights = biases = None
        rows.append(
            SummaryRow(nid, node.name, node.type, units, weights, biases, bool(node.trainable))
        )
    return ModelSummary(tuple(rows))


__all__ = ["ModelSummary", "SummaryRow", "model_summary"]

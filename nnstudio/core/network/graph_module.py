"""The torch module a network graph becomes: its layers run in topological order.

Apart from :mod:`nnstudio.core.network.builder` because defining an ``nn.Module`` subclass
needs torch, and the builder's summaries and checks are used before any network is built, in
a process that is ready to train without importing torch.
"""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.catalogue.torch_classes import DenseLayer


class GraphModule(nn.Module):
    """Runs the layers in topological order; a plain chain takes a faster path."""

    def __init__(
        self,
        layers: dict[str, nn.Module],
        order: list[str],
        sources: dict[str, list[str]],
        output_id: str,
        input_ids: list[str],
        activation_names: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        #: node id → activation name, for every node that applies one (Dense, Activation).
        self.activation_names = dict(activation_names or {})
        self.layers = nn.ModuleDict(layers)
        self.order = list(order)
        self.sources = {k: list(v) for k, v in sources.items()}
        self.output_id = output_id
        self.input_ids = list(input_ids)
        self.is_chain = (
            len(input_ids) == 1
            and all(len(self.sources[n]) == 1 for n in order if n not in input_ids)
            and self._chain_order() == order
        )
        self._chain = [self.layers[n] for n in order] if self.is_chain else []

    def _chain_order(self) -> list[str]:
        nxt = {s[0]: n for n, s in self.sources.items() if len(s) == 1}
        out, current = [], self.input_ids[0] if self.input_ids else None
        while current is not None:
            out.append(current)
            current = nxt.get(current)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.is_chain:
            for layer in self._chain:
                x = layer(x)
            return x
        values: dict[str, torch.Tensor] = {}
        for nid in self.order:
            layer = self.layers[nid]
            if nid in self.input_ids:
                values[nid] = layer(x)
            else:
                values[nid] = layer(*[values[s] for s in self.sources[nid]])
        return values[self.output_id]

    def activation_module(self, node_id: str) -> nn.Module | None:
        """The activation a node applies (Dense: its ``activation``; Activation: itself)."""
        if node_id not in self.activation_names:
            return None
        layer = self.layers[node_id]
        return layer.activation if isinstance(layer, DenseLayer) else layer

    def trace(self, x: torch.Tensor) -> dict[str, dict[str, torch.Tensor]]:
        """Every node's output ``a``, plus ``z`` for Dense layers: for inspection and plots.

        The tensors stay in the autograd graph so a caller can ``retain_grad`` them.
        """
        values: dict[str, torch.Tensor] = {}
        parts: dict[str, dict[str, torch.Tensor]] = {}
        for nid in self.order:
            layer = self.layers[nid]
            args = [x] if nid in self.input_ids else [values[s] for s in self.sources[nid]]
            if isinstance(layer, DenseLayer):
                z, a = layer.forward_parts(args[0])
                parts[nid] = {"input": args[0], "z": z, "a": a}
            else:
                a = layer(*args)
                parts[nid] = {"input": args[0], "a": a} if len(args) == 1 else {"a": a}
            values[nid] = a
        return parts

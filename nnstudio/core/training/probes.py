"""Snapshots of a model taken between batches, for the live classroom views.

The training loop hands reports to a callback in the training thread; a watcher (the GUI
worker) can call these functions from that callback, where touching the model is safe, and
send the plain numpy results across threads. Each takes milliseconds for the small networks
the views are meant for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.core.lazy import lazy_module
from nnstudio.core.training.metrics import probabilities

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule


torch = lazy_module("torch", globals())
torch_classes = lazy_module("nnstudio.core.catalogue.torch_classes", globals())


@dataclass(frozen=True)
class Grid:
    """A rectangle of the 2-feature input plane sampled ``resolution`` × ``resolution``."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    resolution: int = 80

    @classmethod
    def around(cls, features: np.ndarray, resolution: int = 80, margin: float = 0.15) -> Grid:
        lo, hi = features.min(axis=0), features.max(axis=0)
        pad = (hi - lo) * margin + 1e-6
        return cls(
            float(lo[0] - pad[0]),
            float(hi[0] + pad[0]),
            float(lo[1] - pad[1]),
            float(hi[1] + pad[1]),
            resolution,
        )

    def points(self) -> torch.Tensor:
        xs = torch.linspace(self.x_min, self.x_max, self.resolution)
        ys = torch.linspace(self.y_min, self.y_max, self.resolution)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


@dataclass(frozen=True)
class BoundaryFrame:
    """Class probabilities over a grid: ``probs[row, col, class]`` (rows follow y)."""

    epoch: int
    step: int
    grid: Grid
    probs: np.ndarray


@dataclass(frozen=True)
class WeightsFrame:
    """Every Dense layer's weights and biases, plus per-neuron maps over a grid if asked.

    ``maps[node_id]`` is ``[units, res, res]``: each neuron's activation over the input plane.
    ``sample`` holds z and a of every Dense unit for one reference input (hover read-outs).
    """

    epoch: int
    step: int
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    maps: dict[str, np.ndarray]
    grid: Grid | None
    sample: dict[str, dict[str, np.ndarray]] | None = None


@contextmanager
def _evaluating(model: GraphModule) -> Iterator[None]:
    """Evaluation mode without gradients, restoring training mode after (mid-run safe)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def decision_boundary(
    model: GraphModule, grid: Grid, expects: str, *, epoch: int = 0, step: int = 0
) -> BoundaryFrame:
    device = next(model.parameters()).device
    with _evaluating(model):
        out = model(grid.points().to(device))
        probs = probabilities(out, expects).float().cpu().numpy()
    return BoundaryFrame(
        epoch, step, grid, probs.reshape(grid.resolution, grid.resolution, -1).copy()
    )


def weights_frame(
    model: GraphModule,
    grid: Grid | None = None,
    *,
    epoch: int = 0,
    step: int = 0,
    max_units: int = 64,
    sample: torch.Tensor | None = None,
) -> WeightsFrame:
    weights: dict[str, np.ndarray] = {}
    biases: dict[str, np.ndarray] = {}
    maps: dict[str, np.ndarray] = {}
    for nid, layer in model.layers.items():
        if isinstance(layer, torch_classes.DenseLayer):
            weights[nid] = layer.weight.detach().cpu().numpy().copy()
            if layer.bias is not None:
                biases[nid] = layer.bias.detach().cpu().numpy().copy()
    if grid is not None:
        device = next(model.parameters()).device
        with _evaluating(model):
            parts = model.trace(grid.points().to(device))
        res = grid.resolution
        for nid, part in parts.items():
            if nid in weights and weights[nid].shape[0] <= max_units:
                a = part["a"].float().cpu().numpy()
                maps[nid] = a.T.reshape(-1, res, res).copy()
    values = neuron_values(model, sample) if sample is not None else None
    return WeightsFrame(epoch, step, weights, biases, maps, grid, values)


def neuron_values(model: GraphModule, x: torch.Tensor) -> dict[str, dict[str, np.ndarray]]:
    """z and a of every Dense unit for one sample (the neuron view's hover read-out)."""
    device = next(model.parameters()).device
    with _evaluating(model):
        parts = model.trace(x.reshape(1, -1).to(device))
    out = {}
    for nid, part in parts.items():
        if "z" in part:
            out[nid] = {
                "z": part["z"][0].cpu().numpy().copy(),
                "a": part["a"][0].cpu().numpy().copy(),
            }
    return out

"""Per-layer internals for the teaching plots: gradient flow, weights, f′(z), dead units.

Collected only on the batches the caller asks for (see ``ReportPolicy``), from a forward pass
the engine makes anyway, so a run that nobody watches pays nothing for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnstudio.core.catalogue.activations import ACTIVATIONS, derivative
from nnstudio.core.lazy import lazy_module
from nnstudio.core.training.reports import Histogram, LayerStats

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule


torch = lazy_module("torch", globals())
nn = lazy_module("torch.nn", globals())


def _histogram(values: torch.Tensor, bins: int, value_range=None) -> Histogram:
    """Counts over ``bins`` equal bins; robust to NaN, infinities and huge values.

    A diverging run produces weights such as 1e38, whose range cannot be cut into finite
    bins: those fall back to one bin holding everything rather than failing the run.
    """
    flat = values.detach().reshape(-1).float().cpu().numpy().astype(np.float64)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return Histogram(np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1))
    lo, hi = value_range or (float(flat.min()), float(flat.max()))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    try:
        counts, edges = np.histogram(flat, bins=bins, range=(lo, hi))
    except ValueError:
        counts = np.zeros(bins, dtype=np.int64)
        counts[0] = flat.size
        edges = np.linspace(lo, lo + 1.0, bins + 1)
    return Histogram(counts.astype(np.int64), edges)


def derivative_range(module: nn.Module) -> tuple[float, float] | None:
    """Fixed histogram ranges for well-known activations so frames of an animation line up."""
    if isinstance(module, nn.Sigmoid):
        return 0.0, 0.25
    if isinstance(module, (nn.Tanh, nn.ReLU, nn.Identity, nn.Hardtanh, nn.Softmax)):
        return 0.0, 1.0
    return None


def collect(
    model: GraphModule,
    parts: dict[str, dict[str, torch.Tensor]] | None,
    *,
    epoch: int,
    step: int,
    bins: int = 30,
) -> LayerStats:
    """Gather per-layer statistics after a backward pass (grads present) and a traced forward."""
    grad_norm: dict[str, float] = {}
    weight_hist: dict[str, Histogram] = {}
    bias_hist: dict[str, Histogram] = {}
    summary: dict[str, tuple[float, float, float, float]] = {}
    deriv: dict[str, Histogram] = {}
    deriv_mean: dict[str, float] = {}
    dead: dict[str, float] = {}
    for nid, layer in model.layers.items():
        weight = getattr(layer, "weight", None)
        if isinstance(weight, torch.Tensor):
            grads = [p.grad.reshape(-1) for p in layer.parameters() if p.grad is not None]
            grad_norm[nid] = float(torch.cat(grads).norm()) if grads else 0.0
            w = weight.detach()
            weight_hist[nid] = _histogram(w, bins)
            summary[nid] = (
                float(w.mean()),
                float(w.std()) if w.numel() > 1 else 0.0,
                float(w.min()),
                float(w.max()),
            )
            bias = getattr(layer, "bias", None)
            if isinstance(bias, torch.Tensor):
                bias_hist[nid] = _histogram(bias, bins)
        if parts is None or nid not in parts or "input" not in parts[nid]:
            continue
        act = model.activation_module(nid)
        if act is None or isinstance(act, nn.Identity):
            continue
        z = parts[nid]["z"] if "z" in parts[nid] else parts[nid]["input"]
        spec = ACTIVATIONS.get(model.activation_names[nid])
        d = derivative(act, z, elementwise=spec.elementwise)
        deriv[nid] = _histogram(d, bins, derivative_range(act))
        deriv_mean[nid] = float(d.abs().mean())
        if isinstance(act, nn.ReLU):
            a = parts[nid]["a"].detach()
            dead[nid] = float((a <= 0).all(dim=0).float().mean())
    return LayerStats(
        epoch, step, grad_norm, weight_hist, bias_hist, summary, deriv, deriv_mean, dead
    )

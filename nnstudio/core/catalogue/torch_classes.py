"""The catalogue's classes that subclass torch's: layer modules, the step activation, the
losses fed from a data set, and the Lion optimiser.

Why apart: a class that subclasses ``nn.Module`` needs torch when it is defined, and the
catalogues are read long before any model is built (the palette, the inspector, checking a
project), in a process that should be ready to train without importing torch (the training
process imports it). The catalogues' builders import this module when they first build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnstudio.core.catalogue.losses import CONVERT_TARGET

# --- layer modules (the layer catalogue builds these) ---------------------------------


class InputLayer(nn.Module):
    """Selects this input's columns from the feature matrix (all of them by default)."""

    def __init__(self, start: int, stop: int, total: int) -> None:
        super().__init__()
        self.start, self.stop, self.total = start, stop, total

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.start == 0 and self.stop == self.total:
            return x
        return x[:, self.start : self.stop]


class DenseLayer(nn.Linear):
    """z = W·a_prev + b followed by the chosen activation: one fully connected layer.

    Keeping z and a in one module means the weight keys stay ``<node>.weight`` and
    ``<node>.bias`` while the inspector can still ask for z separately.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool, activation: nn.Module
    ) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(super().forward(x))

    def forward_parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = super().forward(x)
        return z, self.activation(z)


class AddLayer(nn.Module):
    """Element-wise sum of equally sized inputs: a residual (skip) connection."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ConcatLayer(nn.Module):
    """Inputs side by side along the feature axis."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


# --- the step activation --------------------------------------------------------------


class Step(nn.Module):
    """Heaviside step, 1 where z ≥ 0: the threshold logic unit of the perceptron lesson.

    Its true derivative is zero everywhere, so by default nothing before it learns. With
    ``straight_through`` the backward pass pretends the step was the identity; with a ½·Σ
    squared-error loss and SGD on single samples that is exactly Rosenblatt's perceptron rule
    w ← w + η(y − ŷ)x.
    """

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hard = (x >= 0).to(x.dtype)
        if self.straight_through:
            return x + (hard - x).detach()
        # 0·x keeps the result attached to the graph with a zero gradient, so training runs
        # (and teaches that nothing moves) instead of failing.
        return hard + 0.0 * x

    def extra_repr(self) -> str:
        return "straight_through=True" if self.straight_through else ""


# --- losses ---------------------------------------------------------------------------


class DatasetLoss(nn.Module):
    """A torch loss fed straight from a dataset's targets, converted as the loss needs."""

    def __init__(self, loss: nn.Module, target: str, what: str) -> None:
        super().__init__()
        self.loss = loss
        self.target = target
        self.what = what
        #: Set by :meth:`verify_all`: every class label is known to fit, so batches skip the
        #: per-batch range check (a device round trip that costs more than the loss itself).
        self.verified = False

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.passes_through(output, target):
            return self.loss(output, target)
        return self.loss(output, CONVERT_TARGET[self.target](output, target, self.what))

    def passes_through(self, output: torch.Tensor, target: torch.Tensor) -> bool:
        """Whether batches shaped like these reach the torch loss unchanged: labels already
        verified class indices. The training loop then calls :attr:`loss` itself, one
        module call less per batch."""
        return (
            self.verified
            and self.target == "class_index"
            and target.dim() == 1
            and target.dtype == torch.long
            and output.dim() == 2
        )

    def verify_all(self, output_row: torch.Tensor, target: torch.Tensor) -> None:
        """Check a whole split's targets once against the output width (raises TrainingError).

        ``output_row`` is one row of real network output; it is only expanded, not copied.
        """
        if len(target) and output_row.dim() == 2:
            CONVERT_TARGET[self.target](output_row[:1].expand(len(target), -1), target, self.what)
        self.verified = True

    def extra_repr(self) -> str:
        return f"target={self.target!r}"


class HalfSSELoss(nn.Module):
    """½·Σ(output − target)², summed over the batch: the loss of the worked backprop example.

    Summing instead of averaging is what makes the lesson's gradients (and the perceptron
    rule) come out exactly; it also means the step size grows with the batch size.
    """

    #: Read like torch's own losses' ``reduction`` (several processes weight their shares
    #: of a batch by it).
    reduction = "sum"

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((output - target) ** 2).sum()


# --- optimisers -----------------------------------------------------------------------


class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

    Every weight moves by exactly ±lr (the sign of an interpolated momentum), so only one
    state tensor is kept (half of Adam's memory) and the usual lr is 3–10× smaller than
    Adam's. Per step, with gradient g and momentum m::

        w ← w − lr·λ·w                       (decoupled weight decay)
        w ← w − lr·sign(β1·m + (1 − β1)·g)
        m ← β2·m + (1 − β2)·g
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta <= 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(  # type: ignore[override]
        self, closure: Callable[[], float] | None = None
    ) -> float | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if grad.is_sparse:
                    raise RuntimeError("Lion does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                exp_avg = state["exp_avg"]
                if wd != 0:
                    p.mul_(1.0 - lr * wd)
                update = exp_avg.mul(beta1).add_(grad, alpha=1.0 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(grad, alpha=1.0 - beta2)
        return loss

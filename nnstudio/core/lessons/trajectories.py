"""Optimizer trajectories: six update rules walking down the same 2-D surface.

The optimiser lesson works each rule by hand on w = 1, loss w²/2 (SGD with momentum 0.9 →
0.99 → 0.9711, AdaGrad → 0.99 → 0.982965, RMSprop α 0.9 → 0.968377 → 0.945788, Adam
β (0.9, 0.99) → 0.99 → 0.980003). Here the same rules, built by the app's optimizer catalogue
(``torch.optim`` where it has them), move a point (x, y) over a surface: the lesson's bowl
½(x² + y²) from (1, 1) — each coordinate is then exactly the lesson's w — and three surfaces
that show why the rules differ: a ravine (steep across, flat along), a saddle (flat at the
start) and Rosenbrock's curved valley.

Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
arXiv:2302.06675) is not in ``torch.optim``; the catalogue's
:class:`~nnstudio.core.catalogue.torch_classes.Lion` implements its update,
w ← w − lr·sign(β1·m + (1−β1)·g), m ← β2·m + (1−β2)·g, and is used here too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nnstudio.core.catalogue.optimizers import OPTIMIZERS, build_optimizer
from nnstudio.i18n import N_

__all__ = [
    "DIVERGED_AT",
    "OPTIMIZER_CHOICES",
    "SURFACES",
    "OptimizerChoice",
    "Surface",
    "Trajectory",
    "TrajectoryRace",
    "optimizer_choice",
    "surface",
    "surface_grid",
]

#: A point this far out has diverged: it stops, and the view says so.
DIVERGED_AT = 1e6

Fn = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Surface:
    """A loss over (x, y); ``fn`` works on torch tensors and numpy arrays alike."""

    key: str
    label: str
    formula: str
    fn: Fn
    start: tuple[float, float]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    #: Where the lowest point is (drawn as a star); None when there are two (the saddle).
    minimum: tuple[float, float] | None
    #: A learning rate per optimizer key that shows each rule at its typical best here.
    lrs: Mapping[str, float] = field(default_factory=dict)
    #: The image is drawn on log(1 + f − f_min) when f spans many orders (Rosenbrock).
    log_scale: bool = False

    def loss(self, x: float, y: float) -> float:
        return float(self.fn(x, y))


SURFACES: tuple[Surface, ...] = (
    Surface(
        "bowl",
        N_("Bowl (the lesson's w²/2)"),
        "f = ½(x² + y²)",
        lambda x, y: 0.5 * (x * x + y * y),
        start=(1.0, 1.0),
        x_range=(-1.5, 1.5),
        y_range=(-1.5, 1.5),
        minimum=(0.0, 0.0),
        # The lesson's own rates (its worked values).
        lrs={
            "sgd": 0.01,
            "momentum": 0.01,
            "adagrad": 0.01,
            "rmsprop": 0.01,
            "adam": 0.01,
            "lion": 0.01,
        },
    ),
    Surface(
        "ravine",
        N_("Ravine"),
        "f = ½(0.1·x² + 10·y²)",
        lambda x, y: 0.5 * (0.1 * x * x + 10.0 * y * y),
        start=(-4.5, 1.0),
        x_range=(-5.0, 5.0),
        y_range=(-2.0, 2.0),
        minimum=(0.0, 0.0),
        lrs={
            "sgd": 0.18,
            "momentum": 0.02,
            "adagrad": 0.5,
            "rmsprop": 0.05,
            "adam": 0.1,
            "lion": 0.05,
        },
    ),
    Surface(
        "saddle",
        N_("Saddle"),
        "f = ½x² + ¼y⁴ − ½y²",
        lambda x, y: 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y,
        start=(-2.5, 0.001),
        x_range=(-3.0, 3.0),
        y_range=(-2.0, 2.0),
        minimum=None,
        lrs={
            "sgd": 0.1,
            "momentum": 0.02,
            "adagrad": 0.3,
            "rmsprop": 0.02,
            "adam": 0.05,
            "lion": 0.03,
        },
    ),
    Surface(
        "rosenbrock",
        N_("Rosenbrock"),
        "f = (1 − x)² + 100·(y − x²)²",
        lambda x, y: (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2,
        start=(-1.2, 1.0),
        x_range=(-2.0, 2.0),
        y_range=(-1.0, 3.0),
        minimum=(1.0, 1.0),
        lrs={
            "sgd": 0.001,
            "momentum": 0.0002,
            "adagrad": 0.3,
            "rmsprop": 0.01,
            "adam": 0.05,
            "lion": 0.005,
        },
        log_scale=True,
    ),
)


def surface(key: str) -> Surface:
    for item in SURFACES:
        if item.key == key:
            return item
    raise KeyError(key)


@dataclass(frozen=True)
class OptimizerChoice:
    """One contestant: a catalogue optimizer with the lesson's settings, lr left open."""

    key: str
    label: str
    settings: Mapping[str, Any]

    def component(self, lr: float) -> dict[str, Any]:
        return OPTIMIZERS.normalize({**self.settings, "lr": float(lr)})


OPTIMIZER_CHOICES: tuple[OptimizerChoice, ...] = (
    OptimizerChoice("sgd", N_("SGD"), {"name": "sgd"}),
    OptimizerChoice("momentum", N_("Momentum"), {"name": "sgd", "momentum": 0.9}),
    OptimizerChoice("adagrad", N_("AdaGrad"), {"name": "adagrad"}),
    # The lesson's RMSprop uses α = 0.9 and its Adam β = (0.9, 0.99).
    OptimizerChoice("rmsprop", N_("RMSprop"), {"name": "rmsprop", "alpha": 0.9}),
    OptimizerChoice("adam", N_("Adam"), {"name": "adam", "beta1": 0.9, "beta2": 0.99}),
    OptimizerChoice("lion", N_("Lion"), {"name": "lion", "beta1": 0.9, "beta2": 0.99}),
)


def optimizer_choice(key: str) -> OptimizerChoice:
    for item in OPTIMIZER_CHOICES:
        if item.key == key:
            return item
    raise KeyError(key)


class Trajectory:
    """One optimizer's walk from ``start``: the points it visited and the loss at each."""

    def __init__(
        self, surface: Surface, choice: OptimizerChoice, lr: float, start: tuple[float, float]
    ) -> None:
        self.surface, self.choice, self.lr = surface, choice, float(lr)
        self.start = (float(start[0]), float(start[1]))
        self._w = torch.tensor(self.start, dtype=torch.float64, requires_grad=True)
        self._optimizer = build_optimizer(choice.component(self.lr), [self._w])
        self.path: list[tuple[float, float]] = [self.start]
        self.losses: list[float] = [surface.loss(*self.start)]
        self.diverged = False

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def point(self) -> tuple[float, float]:
        return self.path[-1]

    @property
    def loss(self) -> float:
        return self.losses[-1]

    def step(self, n: int = 1) -> None:
        """Take ``n`` optimizer steps (none once diverged)."""
        for _ in range(int(n)):
            if self.diverged:
                return
            self._optimizer.zero_grad()
            loss = self.surface.fn(self._w[0], self._w[1])
            loss.backward()
            self._optimizer.step()
            x, y = (float(v) for v in self._w.detach())
            if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > DIVERGED_AT:
                self.diverged = True
                return
            self.path.append((x, y))
            self.losses.append(self.surface.loss(x, y))

    def path_array(self) -> np.ndarray:
        return np.asarray(self.path, dtype=np.float64)


class TrajectoryRace:
    """Every contestant on one surface from one start; lrs default to the surface's."""

    def __init__(
        self,
        surface: Surface,
        start: tuple[float, float] | None = None,
        lrs: Mapping[str, float] | None = None,
        choices: tuple[OptimizerChoice, ...] = OPTIMIZER_CHOICES,
    ) -> None:
        self.surface = surface
        self.start = start or surface.start
        self.choices = choices
        self.lrs = {c.key: float(surface.lrs.get(c.key, 0.01)) for c in choices}
        self.lrs.update({k: float(v) for k, v in (lrs or {}).items()})
        self.trajectories: dict[str, Trajectory] = {}
        self.reset()

    def reset(self, start: tuple[float, float] | None = None) -> None:
        """Every contestant back to the start (a new one when given)."""
        if start is not None:
            self.start = (float(start[0]), float(start[1]))
        self.trajectories = {
            c.key: Trajectory(self.surface, c, self.lrs[c.key], self.start) for c in self.choices
        }

    def set_lr(self, key: str, lr: float) -> None:
        """A new rate for one contestant: it starts over (the others keep their walk)."""
        self.lrs[key] = float(lr)
        self.trajectories[key] = Trajectory(
            self.surface, optimizer_choice(key), self.lrs[key], self.start
        )

    def step(self, n: int = 1) -> None:
        for trajectory in self.trajectories.values():
            trajectory.step(n)

    @property
    def steps(self) -> int:
        return max((t.steps for t in self.trajectories.values()), default=0)


def surface_grid(item: Surface, n: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, z) with z[i, j] = f(xs[i], ys[j]) over the surface's window (log when asked)."""
    xs = np.linspace(*item.x_range, n)
    ys = np.linspace(*item.y_range, n)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    z = np.asarray(item.fn(gx, gy), dtype=np.float64)
    if item.log_scale:
        z = np.log1p(z - z.min())
    return xs, ys, z

"""Rosenblatt's perceptron rule, one sample at a time, and the hand-weighted XOR network
(seed notes §9).

A threshold logic unit computes ŷ = step(w·x + b) (1 where z ≥ 0, as the app's Step
activation). The rule w ← w + η(y − ŷ)x, b ← b + η(y − ŷ) changes the weights only when a
sample is misclassified. On linearly separable data (AND, OR) an epoch without a single
mistake comes, and from then on nothing moves; on XOR no line separates the classes, so
every epoch still makes mistakes and the line wanders forever. Two step units feeding a
third solve XOR with weights set by hand — but the step's gradient is zero, which is why
backpropagation needed sigmoid, tanh and ReLU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from nnstudio.core.catalogue.torch_classes import Step
from nnstudio.core.lessons.lesson_inputs import LessonInputError
from nnstudio.i18n import N_, Text, ngettext

__all__ = [
    "GATES",
    "LESSON_LR",
    "XOR_LESSON_WEIGHTS",
    "EpochRecord",
    "Perceptron",
    "StepRecord",
    "XorRow",
    "gate_data",
    "xor_network",
]

#: The lesson sample's learning rate (samples/perceptron.nnsproj: SGD lr 0.1).
LESSON_LR = 0.1
_INPUTS = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
#: Logic gates on the four corners of the unit square: inputs in the lesson's order
#: (0,0), (1,0), (0,1), (1,1), and each gate's output.
GATES: dict[str, tuple[int, ...]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
}


def gate_data(name: str) -> tuple[list[tuple[float, float]], list[int]]:
    """The four points of gate ``name`` ("and", "or", "xor") and their labels."""
    return [tuple(p) for p in _INPUTS], list(GATES[name])  # type: ignore[misc]


_STEP = Step()


def _step(z: float) -> int:
    return int(_STEP(torch.tensor(float(z))).item())


@dataclass(frozen=True)
class StepRecord:
    """One application of the rule to one sample."""

    sample: int
    x: tuple[float, ...]
    y: int
    y_hat: int
    w_before: tuple[float, ...]
    b_before: float
    w_after: tuple[float, ...]
    b_after: float

    @property
    def updated(self) -> bool:
        return self.y != self.y_hat


@dataclass(frozen=True)
class EpochRecord:
    """One pass over every sample: how many it got wrong, and the weights at its end."""

    epoch: int
    mistakes: int
    w: tuple[float, ...]
    b: float


class Perceptron:
    """One threshold unit trained by the perceptron rule, sample by sample, in a fixed order.

    :meth:`step` applies the rule to the next sample, :meth:`epoch` to every sample left in
    the current pass; both return what they did, so a view can animate and a test can check.
    """

    def __init__(
        self,
        points: Sequence[Sequence[float]],
        labels: Sequence[int],
        *,
        lr: float = LESSON_LR,
        w: Sequence[float] | None = None,
        b: float = 0.0,
    ) -> None:
        if not points or len(points) != len(labels):
            raise LessonInputError(Text(N_("give one label (0 or 1) per point")))
        if any(int(y) not in (0, 1) for y in labels):
            raise LessonInputError(Text(N_("the perceptron's labels are 0 and 1")))
        if not lr > 0:
            raise LessonInputError(Text(N_("the learning rate must be positive")))
        self.points = [tuple(float(v) for v in p) for p in points]
        self.labels = [int(y) for y in labels]
        dim = len(self.points[0])
        self.lr = float(lr)
        self.w = [0.0] * dim if w is None else [float(v) for v in w]
        self.b = float(b)
        #: Index of the next sample within the current epoch.
        self.position = 0
        #: Completed epochs.
        self.epochs_done = 0
        self._mistakes = 0
        self.history: list[EpochRecord] = []
        self.steps: list[StepRecord] = []

    # --- the rule --------------------------------------------------------------------------

    def predict(self, x: Sequence[float]) -> int:
        return _step(sum(wi * xi for wi, xi in zip(self.w, x, strict=True)) + self.b)

    def step(self) -> StepRecord:
        """Apply w ← w + η(y − ŷ)x, b ← b + η(y − ŷ) to the next sample."""
        i = self.position
        x, y = self.points[i], self.labels[i]
        y_hat = self.predict(x)
        w_before, b_before = tuple(self.w), self.b
        error = y - y_hat
        if error:
            self.w = [wi + self.lr * error * xi for wi, xi in zip(self.w, x, strict=True)]
            self.b += self.lr * error
            self._mistakes += 1
        record = StepRecord(i, x, y, y_hat, w_before, b_before, tuple(self.w), self.b)
        self.steps.append(record)
        self.position += 1
        if self.position == len(self.points):
            self.position = 0
            self.epochs_done += 1
            self.history.append(
                EpochRecord(self.epochs_done, self._mistakes, tuple(self.w), self.b)
            )
            self._mistakes = 0
        return record

    def epoch(self) -> EpochRecord:
        """Finish the current pass (a whole one when at its start) and report it."""
        self.step()
        while self.position != 0:
            self.step()
        return self.history[-1]

    def train(self, epochs: int) -> EpochRecord | None:
        """Run up to ``epochs`` passes, stopping after the first one without mistakes."""
        last = None
        for _ in range(epochs):
            last = self.epoch()
            if last.mistakes == 0:
                break
        return last

    # --- what it has learnt ----------------------------------------------------------------

    @property
    def converged(self) -> bool:
        """True once a whole epoch made no mistake: the rule will never move again."""
        return bool(self.history) and self.history[-1].mistakes == 0

    def mistakes(self) -> int:
        """Points the current weights misclassify."""
        return sum(self.predict(x) != y for x, y in zip(self.points, self.labels, strict=True))

    def boundary(self, x_min: float, x_max: float) -> tuple[tuple[float, float], ...] | None:
        """Two points of the line w·x + b = 0 spanning [x_min, x_max] (2-D only; None when
        w = 0 and there is no line)."""
        if len(self.w) != 2:
            return None
        w1, w2 = self.w
        if abs(w2) > 1e-12:
            return tuple((x, -(w1 * x + self.b) / w2) for x in (x_min, x_max))  # type: ignore[return-value]
        if abs(w1) > 1e-12:
            x = -self.b / w1
            return ((x, x_min), (x, x_max))
        return None

    def verdict(self) -> str:
        """What the epochs so far show, as a :class:`~nnstudio.i18n.Text` (show with ``tr``)."""
        n = self.epochs_done
        if self.converged:
            first = next(r.epoch for r in self.history if r.mistakes == 0)
            return Text(
                ngettext(
                    "Converged: epoch {epoch} made no mistake, so the weights stop changing "
                    "(the data is linearly separable). {n} epoch run.",
                    "Converged: epoch {epoch} made no mistake, so the weights stop changing "
                    "(the data is linearly separable). {n} epochs run.",
                    n,
                ),
                epoch=first,
                n=n,
            )
        if n == 0:
            return Text(N_("Not trained yet: step through the samples or run an epoch."))
        last = self.history[-1].mistakes
        return Text(
            ngettext(
                "After {n} epoch the rule has not settled ({k} mistakes in the last epoch). "
                "It never settles when no straight line separates the classes, as in XOR.",
                "After {n} epochs the rule has not settled ({k} mistakes in the last epoch). "
                "It never settles when no straight line separates the classes, as in XOR.",
                n,
            ),
            n=n,
            k=last,
        )


# --- the hand-weighted XOR network ----------------------------------------------------------

#: The lesson's 2-2-1 step network: W1 = ones(2, 2), b1 = [−1.5, −0.5], W2 = [−1, 1]ᵀ,
#: b2 = −0.5 (the weights of samples/xor_step.nnsproj).
XOR_LESSON_WEIGHTS = {
    "w1": ((1.0, 1.0), (1.0, 1.0)),
    "b1": (-1.5, -0.5),
    "w2": (-1.0, 1.0),
    "b2": -0.5,
}


@dataclass(frozen=True)
class XorRow:
    """One row of the truth table: the input, both hidden units, the output, XOR itself."""

    x: tuple[float, float]
    hidden: tuple[int, int]
    output: int
    expected: int


def xor_network(
    w1: Sequence[Sequence[float]] = XOR_LESSON_WEIGHTS["w1"],  # type: ignore[assignment]
    b1: Sequence[float] = XOR_LESSON_WEIGHTS["b1"],  # type: ignore[assignment]
    w2: Sequence[float] = XOR_LESSON_WEIGHTS["w2"],  # type: ignore[assignment]
    b2: float = XOR_LESSON_WEIGHTS["b2"],  # type: ignore[assignment]
) -> list[XorRow]:
    """The truth table of step(W2·step(W1·x + b1) + b2) on (0,0), (1,0), (0,1), (1,1).

    ``w1`` is torch's ``Linear.weight`` layout: one row per hidden unit. With the lesson's
    weights unit 1 is AND (fires only above 1.5), unit 2 is OR, and the output is "OR and
    not AND" — XOR.
    """
    x = torch.tensor(_INPUTS)
    layer1 = torch.nn.Linear(2, 2)
    layer2 = torch.nn.Linear(2, 1)
    with torch.no_grad():
        layer1.weight.copy_(torch.tensor(w1, dtype=torch.float32))
        layer1.bias.copy_(torch.tensor(b1, dtype=torch.float32))
        layer2.weight.copy_(torch.tensor([list(w2)], dtype=torch.float32))
        layer2.bias.copy_(torch.tensor([b2], dtype=torch.float32))
        hidden = _STEP(layer1(x))
        out = _STEP(layer2(hidden))
    return [
        XorRow(
            _INPUTS[i],  # type: ignore[arg-type]
            (int(hidden[i, 0]), int(hidden[i, 1])),
            int(out[i, 0]),
            GATES["xor"][i],
        )
        for i in range(4)
    ]

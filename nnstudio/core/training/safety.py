"""Keeping a run's weights usable: a finite fallback, and a warning before the loss blows up.

A non-finite loss is easy to see, but it is not the only way a run breaks. One optimiser step
with a huge gradient can overflow the weights while the loss it was computed from was still
finite; a run that ends on such a step would "finish" with weights that cannot be saved, and a
copy taken at the start of the next epoch would already be broken. So :class:`WeightGuard`
checks the weights themselves (every :data:`CHECK_EVERY` steps and at every epoch's end, one
device sync per check, see ``bench/bench_trainer.py``) and only ever keeps a copy it has seen to
be finite, and it says exactly which copy was put back.

Long before a loss becomes NaN a teaching tool should say that the run is getting worse, not
better: :class:`DivergenceWatch` applies a simple, explainable rule to the epochs' training
losses (see :data:`RISE_FACTOR`) and reports it once, as :class:`Diverging`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text

torch = lazy_module("torch", globals())

#: Steps between two checks of the weights inside an epoch (each epoch's end is checked too).
#: One check costs one sync; every 16 steps keeps it well under 1 % of a small network's step.
CHECK_EVERY = 16
#: A loss this many times its lowest value so far...
RISE_FACTOR = 10.0
#: ...for this many epochs in a row (or growing by :data:`GROWTH_FACTOR` each epoch as many
#: times), and above the run's first loss, is "diverging".
RISE_EPOCHS = 3
GROWTH_FACTOR = 2.0


def all_finite(tensors: Iterable[torch.Tensor]) -> bool:
    """Whether every floating-point value in ``tensors`` is finite, with a single sync.

    A sum is finite only when every value in it is (NaN and ±inf carry through an addition),
    so one sum per tensor answers "all finite" in the usual case: ``isfinite(t).all()`` makes
    a flag per value and costs about twenty times as much (bench_trainer.py --weight-guard).
    Only when a sum is not finite, which large but finite values can also cause by
    overflowing, is every value looked at, so the answer is exactly the per-value one.
    """
    floats = [t for t in tensors if t.is_floating_point()]
    if not floats:
        return True
    # Summed as float32 whatever the tensor's type, so that the sums stack (and float16
    # values do not overflow their sum at 65504).
    sums = torch.stack([t.sum(dtype=torch.float32) for t in floats])
    if bool(torch.isfinite(sums).all()):
        return True
    return bool(torch.stack([torch.isfinite(t).all() for t in floats]).all())


def state_finite(state: Any) -> bool:
    """Whether every tensor in a (nested) optimiser or schedule state is finite."""
    found: list[torch.Tensor] = []

    def walk(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, float) and not math.isfinite(value):
            found.append(torch.tensor(value))

    walk(state)
    return all_finite(found)


class WeightGuard:
    """Checks a model's weights and keeps the last copy of them known to be finite.

    ``start_epoch`` is the number of epochs the model has already been trained for, so the
    copy it starts with can be named ("the initial weights", "the weights this run started
    from").
    """

    def __init__(self, model: torch.nn.Module, start_epoch: int, every: int | None = None):
        self.model = model
        #: Steps between two checks: step number ``k`` (from 1) is checked when ``k % every``
        #: is 0 (the training loop reads this once, not a method per step).
        self.every = max(1, CHECK_EVERY if every is None else every)
        self.start_epoch = start_epoch
        self.kept: dict[str, torch.Tensor] | None = None
        #: Epochs trained when :attr:`kept` was taken.
        self.kept_epoch = start_epoch
        #: The copy with the lowest training loss so far, and the epoch it ended.
        self.best: dict[str, torch.Tensor] | None = None
        self.best_epoch: int | None = None
        # The state's tensors share storage with the live parameters and buffers (optimiser
        # steps and load_state_dict update them in place), so they are listed once.
        self._watched = [t for t in model.state_dict().values() if t.is_floating_point()]

    def finite(self) -> bool:
        """Whether the model's weights and buffers are all finite now."""
        return all_finite(self._watched)

    def remember(
        self,
        epochs_done: int,
        *,
        best: bool = False,
        copy: dict[str, torch.Tensor] | None = None,
    ) -> None:
        """Keep a copy of the weights after ``epochs_done`` epochs, if they are finite.

        Called at the start of every epoch, after the previous epoch's end was checked (the
        first call checks the starting weights itself). ``best``: this copy ended the epoch
        with the lowest training loss so far. ``copy``: a copy of exactly these weights that
        the caller already took and never changes (the loop's best-epoch snapshot), kept as
        it is instead of copying the weights a second time.
        """
        if self.kept is None and not self.finite():
            return
        self.kept = copy if copy is not None else self._copy()
        self.kept_epoch = epochs_done
        if best:
            self.best, self.best_epoch = self.kept, epochs_done

    def _copy(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def restore(self) -> Text:
        """Put the last finite copy back; says which weights the model now holds."""
        if self.kept is None:
            return Text(N_("no finite weights were left to keep"))
        self.model.load_state_dict(self.kept)
        if self.kept_epoch == 0:
            return Text(N_("the initial weights were restored"))
        if self.kept_epoch == self.start_epoch:
            return Text(
                N_("the weights this run started from (after epoch {epoch}) were restored"),
                epoch=self.kept_epoch,
            )
        return Text(
            N_("the weights from the end of epoch {epoch} (the last finite ones) were restored"),
            epoch=self.kept_epoch,
        )

    def restore_best(self) -> bool:
        """Put the copy with the lowest training loss back; False when there is none."""
        if self.best is None:
            return False
        self.model.load_state_dict(self.best)
        return True


@dataclass(frozen=True)
class Diverging:
    """A run whose training loss is rising away from its best (reported once per run).

    The fields are what ``train --json`` prints under ``"diverging"``.
    """

    epoch: int
    loss: float
    best_loss: float
    best_epoch: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> Text:
        """The warning, for the command line and the training panel."""
        return Text(
            N_(
                "The training loss is rising: {loss:.4g} at epoch {epoch}, against {best:.4g} at "
                "epoch {best_epoch}. The run is diverging; lower the learning rate, or stop and "
                "keep the best weights."
            ),
            loss=self.loss,
            epoch=self.epoch,
            best=self.best_loss,
            best_epoch=self.best_epoch,
        )


class DivergenceWatch:
    """The rule that calls a run diverging, fed one training loss per epoch.

    Diverging: for :data:`RISE_EPOCHS` epochs in a row the loss is at least
    :data:`RISE_FACTOR` times the lowest so far ("rise"), or it grew by
    :data:`GROWTH_FACTOR` or more from each epoch to the next ("growth"); in both cases it
    must also be above the run's first loss, so that a run that learnt a lot and then wobbles
    near zero is not called diverging.
    """

    def __init__(self) -> None:
        self.first: float | None = None
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.previous: float | None = None
        self.risen = 0
        self.grown = 0
        self.found: Diverging | None = None

    def update(self, epoch: int, loss: float) -> tuple[bool, Diverging | None]:
        """Take epoch ``epoch``'s loss; returns (a new lowest loss?, the warning when it
        is first found, else None)."""
        if not math.isfinite(loss):
            return False, None
        improved = self.best is None or loss < self.best
        if self.first is None:
            self.first = loss
        if improved:
            self.best, self.best_epoch = loss, epoch
        above_start = loss > self.first
        self.risen = self.risen + 1 if above_start and loss >= RISE_FACTOR * self.best else 0
        grew = (
            self.previous is not None
            and self.previous > 0
            and loss >= GROWTH_FACTOR * self.previous
        )
        self.grown = self.grown + 1 if above_start and grew else 0
        self.previous = loss
        if self.found is None and (self.risen >= RISE_EPOCHS or self.grown >= RISE_EPOCHS):
            assert self.best is not None and self.best_epoch is not None
            rule = "rise" if self.risen >= RISE_EPOCHS else "growth"
            self.found = Diverging(epoch, loss, self.best, self.best_epoch, rule)
            return improved, self.found
        return improved, None


__all__ = [
    "CHECK_EVERY",
    "DivergenceWatch",
    "Diverging",
    "WeightGuard",
    "all_finite",
    "state_finite",
]

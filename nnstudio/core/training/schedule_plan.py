"""The learning rate a project's schedule will use in each epoch, known before training.

One function, :func:`plan_schedule`, serves ``nnstudio schedule`` and the lab's schedule view,
so the command line and the plot can never disagree. It replays the schedule through the
catalogue (:func:`~nnstudio.core.catalogue.schedules.planned_lrs`, torch's own schedulers on a
dummy parameter). Epochs are counted from 0, as the lessons' loops do
(``for epoch in range(max_epoch): lr_list.append(scheduler.get_last_lr())``), so the lr
listed for epoch 50 is the one the lessons' plots show at x = 50.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.catalogue.schedules import SCHEDULES, planned_lrs
from nnstudio.core.errors import TrainingError
from nnstudio.core.training.training_settings import TrainingSettings, steps_per_epoch
from nnstudio.i18n import N_, Text

__all__ = ["MAX_PLANNED_EPOCHS", "SchedulePlan", "plan_schedule", "plan_settings"]

#: Longer plans are refused: a million lines help nobody, and per-batch plans grow with it.
MAX_PLANNED_EPOCHS = 100_000


@dataclass(frozen=True)
class SchedulePlan:
    """The planned learning rate of each epoch (the lr in effect at its first batch)."""

    #: The schedule's component dict, normalised (defaults filled in).
    schedule: Mapping[str, Any]
    #: The schedule's English label, marked for translation (show with ``_()``).
    label: str
    base_lr: float
    lrs: tuple[float, ...]
    steps_per_epoch: int = 1
    per_batch: bool = False
    #: Reduce-on-plateau: the cuts depend on results, so the plan is constant.
    needs_metric: bool = False

    @property
    def epochs(self) -> int:
        return len(self.lrs)

    def lr_at(self, epoch: int) -> float:
        """The learning rate of ``epoch`` (0-based, like the lessons' loops)."""
        return self.lrs[epoch]

    def to_json(self) -> list[dict[str, float | int]]:
        """``[{"epoch": 0, "lr": 0.1}, ...]``: what ``nnstudio schedule --json`` prints."""
        return [{"epoch": e, "lr": lr} for e, lr in enumerate(self.lrs)]


def plan_schedule(
    schedule: Mapping[str, Any] | str,
    base_lr: float,
    epochs: int,
    *,
    steps: int = 1,
) -> SchedulePlan:
    """Plan ``schedule`` from ``base_lr`` over ``epochs`` epochs of ``steps`` batches.

    Raises :class:`~nnstudio.core.errors.TrainingError` for settings the schedule refuses.
    """
    epochs = int(epochs)
    if epochs < 1 or epochs > MAX_PLANNED_EPOCHS:
        raise TrainingError(
            Text(
                N_("the number of epochs must be between 1 and {most}, not {n}"),
                most=MAX_PLANNED_EPOCHS,
                n=epochs,
            )
        )
    if not base_lr > 0:
        raise TrainingError(Text(N_("the learning rate must be positive, not {lr:g}"), lr=base_lr))
    try:
        component = SCHEDULES.normalize(schedule)
    except ParamError as exc:
        raise TrainingError(exc.message, where=exc.where) from None
    spec = SCHEDULES.get(component["name"])
    steps = max(1, int(steps)) if spec.per_batch else 1
    lrs = planned_lrs(component, float(base_lr), epochs, steps)["epoch"]
    return SchedulePlan(
        component,
        spec.label,
        float(base_lr),
        tuple(float(v) for v in lrs),
        steps,
        spec.per_batch,
        spec.needs_metric,
    )


def plan_settings(
    settings: TrainingSettings, *, n_train: int | None = None, epochs: int | None = None
) -> SchedulePlan:
    """The plan of a project's training settings: its schedule, learning rate and epochs.

    ``n_train`` (training rows) sizes the epochs of per-batch schedules (one-cycle, warm-up);
    without it an epoch counts as one batch. ``epochs`` overrides the project's.
    """
    steps = steps_per_epoch(int(n_train or 0), settings.batch_size)
    return plan_schedule(
        settings.schedule,
        settings.lr,
        settings.epochs if epochs is None else epochs,
        steps=steps,
    )

"""The learning-rate schedule lesson (seed notes §7): three schedules as LR-against-epoch.

The lesson trains one weight with SGD (lr 0.1, momentum 0.9) for 200 epochs under StepLR
(step 50, γ 0.5), MultiStepLR (milestones 50, 125, 160, γ 0.5) and ExponentialLR (γ 0.95),
and plots ``scheduler.get_last_lr()`` per epoch. Momentum does not change the learning rate,
so the curves are planned through the app's catalogue exactly as a project's schedule is
(:func:`~nnstudio.core.training.schedule_plan.plan_schedule`): the lesson's curves and the
project's curve come from the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnstudio.core.training.schedule_plan import SchedulePlan, plan_schedule

__all__ = [
    "LESSON_EPOCHS",
    "LESSON_LR",
    "LESSON_MOMENTUM",
    "LESSON_SCHEDULES",
    "LessonSchedule",
    "lesson_plans",
]

LESSON_LR = 0.1
LESSON_MOMENTUM = 0.9
LESSON_EPOCHS = 200


@dataclass(frozen=True)
class LessonSchedule:
    """One of the lesson's schedules: the torch class it uses and its settings."""

    key: str
    torch_name: str
    component: dict[str, Any]

    def call(self) -> str:
        """The lesson's line of code, e.g. ``StepLR(optimizer, step_size=50, gamma=0.5)``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.component.items() if k != "name")
        return f"{self.torch_name}(optimizer, {args})"


LESSON_SCHEDULES: tuple[LessonSchedule, ...] = (
    LessonSchedule("step", "StepLR", {"name": "step", "step_size": 50, "gamma": 0.5}),
    LessonSchedule(
        "multistep",
        "MultiStepLR",
        {"name": "multistep", "milestones": [50, 125, 160], "gamma": 0.5},
    ),
    LessonSchedule("exponential", "ExponentialLR", {"name": "exponential", "gamma": 0.95}),
)


def lesson_plans(lr: float = LESSON_LR, epochs: int = LESSON_EPOCHS) -> dict[str, SchedulePlan]:
    """The three lesson curves, by key ("step", "multistep", "exponential")."""
    return {s.key: plan_schedule(s.component, lr, epochs) for s in LESSON_SCHEDULES}

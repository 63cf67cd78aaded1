"""The ``classroom`` section of a project: what a teacher hands out with a lesson.

A teacher can attach a lesson key (a bundled lesson of :mod:`nnstudio.core.lessons.catalogue`),
a task text for the student, the settings students may not change and the panels they do not
see. The section is plain data: the GUI shows the task, disables and hides what it names, and
the document refuses edits of a locked setting (so no panel can bypass a lock).

Locks name *settings*, not widgets: ``"graph"`` (the whole network drawing), ``"data"`` (the
data settings) and ``"training.<group>"`` for the groups of the training panel. The mapping
from a training-settings change to the locks it touches is here, Qt-free, so the command line
and tests judge edits exactly as the window does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.errors import ProjectError
from nnstudio.i18n import N_, _

#: The longest task text a project holds (a page of instructions is a few thousand).
MAX_TASK_CHARS = 20_000
#: The longest lesson key (keys are short identifiers like ``backprop``).
MAX_LESSON_CHARS = 64
#: At most this many names in ``locked`` and in ``hidden`` each, each at most this long.
MAX_NAMES = 64
MAX_NAME_CHARS = 64

#: Setting name → its title (shown in the Lock dialog and in the "teacher locked" tooltip).
LOCKABLE: dict[str, str] = {
    "graph": N_("The network (canvas, layers, inspector)"),
    "data": N_("Data settings"),
    "training.loss": N_("Loss"),
    "training.optimizer": N_("Optimiser and learning rate"),
    "training.schedule": N_("Learning-rate schedule"),
    "training.run": N_("Epochs, batches, shuffling and seed"),
    "training.regularization": N_("Regularisation (L1)"),
    "training.early_stopping": N_("Early stopping"),
}

#: ``TrainingSettings`` field → the lock that covers it. ``device`` is the student's machine,
#: never the lesson's, so no lock covers it.
TRAINING_FIELD_LOCKS: dict[str, str] = {
    "loss": "training.loss",
    "optimizer": "training.optimizer",
    "schedule": "training.schedule",
    "epochs": "training.run",
    "batch_size": "training.run",
    "shuffle": "training.run",
    "seed": "training.run",
    "l1": "training.regularization",
    "early_stopping": "training.early_stopping",
}


@dataclass(frozen=True)
class Classroom:
    """Lesson key, the student's task, locked settings and hidden panels (dock names)."""

    lesson: str = ""
    task: str = ""
    locked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "locked", tuple(dict.fromkeys(self.locked)))
        object.__setattr__(self, "hidden", tuple(dict.fromkeys(self.hidden)))

    @property
    def empty(self) -> bool:
        return not (self.lesson or self.task or self.locked or self.hidden)

    def is_locked(self, name: str) -> bool:
        return name in self.locked

    def to_dict(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "task": self.task,
            "locked": list(self.locked),
            "hidden": list(self.hidden),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Classroom:
        """Build from a validated ``classroom`` object (unknown lock names are refused)."""
        if not raw:
            return cls()
        check_sizes(raw)
        locked = tuple(raw.get("locked", ()))
        unknown = [name for name in locked if name not in LOCKABLE]
        if unknown:
            raise ProjectError(
                _("classroom.locked names a setting NN Studio does not know: {name!r}").format(
                    name=unknown[0][:MAX_NAME_CHARS]
                )
            )
        return cls(
            lesson=str(raw.get("lesson", "")),
            task=str(raw.get("task", "")),
            locked=locked,
            hidden=tuple(raw.get("hidden", ())),
        )


def check_sizes(raw: Any) -> None:
    """Refuse a ``classroom`` section too large to be a teacher's, naming the field.

    Runs before the schema, whose generic "is too long" would show the whole text.
    """
    if not isinstance(raw, Mapping):
        return
    limits = (("lesson", MAX_LESSON_CHARS), ("task", MAX_TASK_CHARS))
    for key, limit in limits:
        value = raw.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise ProjectError(
                _(
                    "classroom.{field} is too large: {size} characters, at most {limit} are allowed"
                ).format(field=key, size=len(value), limit=limit)
            )
    for key in ("locked", "hidden"):
        names = raw.get(key)
        if not isinstance(names, list):
            continue
        if len(names) > MAX_NAMES:
            raise ProjectError(
                _(
                    "classroom.{field} is too large: {size} names, at most {limit} are allowed"
                ).format(field=key, size=len(names), limit=MAX_NAMES)
            )
        for name in names:
            if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
                raise ProjectError(
                    _(
                        "classroom.{field} holds a name of {size} characters, at most {limit} "
                        "are allowed"
                    ).format(field=key, size=len(name), limit=MAX_NAME_CHARS)
                )


def training_locks(old: Any, new: Any) -> set[str]:
    """The locks a change of training settings from ``old`` to ``new`` touches."""
    return {
        lock
        for name, lock in TRAINING_FIELD_LOCKS.items()
        if getattr(old, name, None) != getattr(new, name, None)
    }


def refused(touched: Iterable[str], classroom: Classroom) -> list[str]:
    """The locked settings among ``touched``, in the order of :data:`LOCKABLE`."""
    touched = set(touched)
    return [name for name in LOCKABLE if name in touched and classroom.is_locked(name)]


__all__ = [
    "LOCKABLE",
    "MAX_TASK_CHARS",
    "TRAINING_FIELD_LOCKS",
    "Classroom",
    "check_sizes",
    "refused",
    "training_locks",
]

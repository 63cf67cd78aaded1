"""The lab's views by key: what the Lessons menu and the lesson catalogue name.

A view is a ``QWidget`` subclass taking ``(document, parent)``; it reads
``document.workspace`` and never re-derives what the workspace holds. Each entry names its
class as ``"module:Class"`` and is imported only when the view is first shown: most sessions
never open a lesson, and start-up must not pay for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from nnstudio.i18n import N_

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from nnstudio.gui.document import ProjectDocument


@dataclass(frozen=True)
class LabViewSpec:
    """One lab view: its key, its dock title (English, translated when shown) and its class."""

    key: str
    title: str
    target: str

    def view_class(self) -> type[QWidget]:
        module, _sep, name = self.target.partition(":")
        return getattr(import_module(module), name)

    def create(self, document: ProjectDocument, parent: QWidget | None = None) -> QWidget:
        return self.view_class()(document, parent)


# One line per view; keep the lesson order of the course.
LAB_VIEWS: tuple[LabViewSpec, ...] = (
    LabViewSpec(
        "backprop", N_("Backprop step-through"), "nnstudio.gui.lab.backprop_view:BackpropView"
    ),
    LabViewSpec(
        "optimizer_steps",
        N_("Optimizer steps"),
        "nnstudio.gui.lab.optimizer_steps_view:OptimizerStepsView",
    ),
)


def lab_view(key: str) -> LabViewSpec:
    """The view registered under ``key`` (KeyError names it if there is none)."""
    for spec in LAB_VIEWS:
        if spec.key == key:
            return spec
    raise KeyError(key)


__all__ = ["LAB_VIEWS", "LabViewSpec", "lab_view"]

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


def _here(target: str) -> str:
    """``module:Class`` of a module in this package."""
    return f"nnstudio.gui.lab.{target}"


# One entry per view, in the lesson order of the course.
LAB_VIEWS: tuple[LabViewSpec, ...] = (
    LabViewSpec("summary", N_("Model summary"), _here("summary_view:SummaryView")),
    LabViewSpec(
        "activations", N_("Activation explorer"), _here("activations_view:ActivationsView")
    ),
    LabViewSpec(
        "initialization",
        N_("Initialization explorer"),
        _here("initialization_view:InitializationView"),
    ),
    LabViewSpec("losses", N_("Losses and softmax"), _here("losses_view:LossesView")),
    LabViewSpec("backprop", N_("Backprop step-through"), _here("backprop_view:BackpropView")),
    LabViewSpec(
        "optimizer_steps", N_("Optimizer steps"), _here("optimizer_steps_view:OptimizerStepsView")
    ),
    LabViewSpec(
        "trajectories", N_("Optimizer trajectories"), _here("trajectories_view:TrajectoriesView")
    ),
    LabViewSpec("ewa", N_("Exponentially weighted average"), _here("ewa_view:EwaView")),
    LabViewSpec("schedules", N_("Learning-rate schedules"), _here("schedules_view:SchedulesView")),
    LabViewSpec("dropout_bn", N_("Dropout and batch norm"), _here("dropout_bn_view:DropoutBnView")),
    LabViewSpec("perceptron", N_("Perceptron rule"), _here("perceptron_view:PerceptronView")),
    LabViewSpec(
        "preprocessing", N_("Preprocessing preview"), _here("preprocessing_view:PreprocessingView")
    ),
)


def lab_view(key: str) -> LabViewSpec:
    """The view registered under ``key`` (KeyError names it if there is none)."""
    for spec in LAB_VIEWS:
        if spec.key == key:
            return spec
    raise KeyError(key)


__all__ = ["LAB_VIEWS", "LabViewSpec", "lab_view"]

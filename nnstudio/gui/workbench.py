"""The main window's views, by name and type.

The window builds them once the engine is loaded (:meth:`MainWindow.start`) and wires their
signals; nothing else looks a view up. Holding them as typed attributes (instead of a dict
of widgets looked up by string) lets a reader and a type checker follow every connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QUndoView, QWidget

    from nnstudio.gui.canvas.view import CanvasView
    from nnstudio.gui.inspector.inspector import InspectorPanel
    from nnstudio.gui.neuron_view import NeuronView
    from nnstudio.gui.palette import LayerPalette
    from nnstudio.gui.panels.data_panel import DataPanel
    from nnstudio.gui.panels.problems_panel import ProblemsPanel
    from nnstudio.gui.panels.training_panel import TrainingPanel
    from nnstudio.gui.plots.panel import TrainingPlotsPanel
    from nnstudio.gui.race import RaceDialog


@dataclass
class Workbench:
    """Every view of one window; the dock named like each field holds it."""

    canvas: CanvasView
    palette: LayerPalette
    history: QUndoView
    inspector: InspectorPanel
    data: DataPanel
    training: TrainingPanel
    plots: TrainingPlotsPanel
    neurons: NeuronView
    problems: ProblemsPanel
    #: The optimizer race, made on first use.
    race: RaceDialog | None = None

    def docked(self) -> dict[str, QWidget]:
        """Dock name → the view it holds (the canvas is the central widget)."""
        return {
            "palette": self.palette,
            "history": self.history,
            "inspector": self.inspector,
            "data": self.data,
            "training": self.training,
            "plots": self.plots,
            "neurons": self.neurons,
            "problems": self.problems,
        }


__all__ = ["Workbench"]

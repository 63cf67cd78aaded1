"""Live training plots: loss, metric, learning rate, activations, gradients, weights,
decision boundary and results, in one dock panel (:class:`TrainingPlotsPanel`)."""

from nnstudio.gui.plots.buffers import GrowableBuffer, ema
from nnstudio.gui.plots.panel import TrainingPlotsPanel

__all__ = ["GrowableBuffer", "TrainingPlotsPanel", "ema"]

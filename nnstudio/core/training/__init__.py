"""Training: settings, the loop, its controls, reports and metrics (no Qt); :mod:`.plan` turns a
project into a run and back, :mod:`.predict` applies a trained project to new rows, and
:mod:`.runtime` runs training in its own process (or a thread) and watches it.

The names below are loaded on first use (see :mod:`nnstudio.core.lazy`): the training process
passes through this package before it may import torch.
"""

from __future__ import annotations

from nnstudio.core.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BatchReport": "reports",
        "EarlyStopping": "training_settings",
        "EpochReport": "reports",
        "Histogram": "reports",
        "History": "reports",
        "LayerStats": "reports",
        "ReportPolicy": "engine",
        "RunEnded": "reports",
        "RunPaused": "reports",
        "RunStarted": "reports",
        "StopTarget": "training_settings",
        "TrainingControl": "control",
        "TrainingJob": "engine",
        "TrainingResult": "engine",
        "TrainingSettings": "training_settings",
        "resolve_device": "engine",
        "train": "engine",
    },
)

"""Training: settings, the loop, its controls, reports and metrics (no Qt); :mod:`.plan` turns a
project into a run and back, :mod:`.predict` applies a trained project to new rows."""

from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import (
    ReportPolicy,
    TrainingJob,
    TrainingResult,
    resolve_device,
    train,
)
from nnstudio.core.training.reports import (
    BatchReport,
    EpochReport,
    Histogram,
    History,
    LayerStats,
    RunEnded,
    RunPaused,
    RunStarted,
)
from nnstudio.core.training.training_settings import EarlyStopping, TrainingSettings

__all__ = [
    "BatchReport",
    "EarlyStopping",
    "EpochReport",
    "Histogram",
    "History",
    "LayerStats",
    "ReportPolicy",
    "RunEnded",
    "RunPaused",
    "RunStarted",
    "TrainingControl",
    "TrainingJob",
    "TrainingResult",
    "TrainingSettings",
    "resolve_device",
    "train",
]

"""The optimiser race: the same network and initial weights, several optimisers side by side."""

from nnstudio.gui.race.race_dialog import EntryCard, RaceDialog
from nnstudio.gui.race.race_runner import RaceRunner, RaceWorker

__all__ = ["EntryCard", "RaceDialog", "RaceRunner", "RaceWorker"]

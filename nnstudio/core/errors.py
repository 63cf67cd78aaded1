"""The only exceptions a user ever sees.

Every failure that reaches the GUI or the command line is an :class:`NNStudioError` whose
message is one line naming what is wrong and where (file, column, row, node). Anything else
escaping the core is a bug in NN Studio, not a user mistake.
"""

from __future__ import annotations


class NNStudioError(Exception):
    """Base class: a problem the user can understand and fix."""

    kind = "error"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class GraphError(NNStudioError):
    """The network drawing cannot be built (cycle, shape mismatch, bad parameter...)."""

    kind = "graph"


class DataError(NNStudioError):
    """The data cannot be read or prepared (bad CSV, missing column, junk values...)."""

    kind = "data"


class TrainingError(NNStudioError):
    """Training cannot start or had to stop (incompatible loss, divergence...)."""

    kind = "training"


class ProjectError(NNStudioError):
    """A project file cannot be read or written."""

    kind = "project"


class ExportError(NNStudioError):
    """A model cannot be exported in the requested format."""

    kind = "export"

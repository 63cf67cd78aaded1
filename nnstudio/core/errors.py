"""The only exceptions a user ever sees.

Every failure that reaches the GUI or the command line is an :class:`NNStudioError` whose
message is one line naming what is wrong and where (file, column, row, node). Anything else
escaping the core is a bug in NN Studio, not a user mistake.

Messages are raised in English as :class:`~nnstudio.i18n.Text` (or as text already
translated) and *shown* in the user's language: ``str(exc)`` translates when it is asked, so
every place that shows an error — a message box, the status bar, the command line — speaks
the language chosen then, while ``exc.message`` keeps the English text for JSON output,
problem lists and comparisons that must not change with the language.
"""

from __future__ import annotations

from nnstudio.i18n import tr


class UserFacingError(Exception):
    """An error whose ``str()`` is its message in the user's language.

    ``message`` is the message as raised (a :class:`~nnstudio.i18n.Text` is English and
    translates when shown); ``where`` names the place (file, column, layer) and is never
    translated — it is a name, and views strip it with the ASCII ``": "`` after it.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        text = tr(self.message)
        return f"{self.where}: {text}" if self.where else text

    @property
    def english(self) -> str:
        """The message as raised, with its place: the same in every language."""
        return f"{self.where}: {self.message}" if self.where else str(self.message)


class NNStudioError(UserFacingError):
    """Base class: a problem the user can understand and fix."""

    kind = "error"


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


class DataEncodingError(DataError):
    """The data file's bytes do not decode in the encoding tried (or in no single one).

    A subclass of its own so that a view can offer the fix (choosing the file's encoding)
    without reading the message's words.
    """


class Cancelled(Exception):
    """A long operation stopped because its caller asked it to (a Cancel button).

    Not an :class:`NNStudioError`: nothing went wrong, so nothing is reported as a failure;
    whoever asked to stop says so in its own words.
    """

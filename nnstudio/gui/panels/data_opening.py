"""Opening a CSV file for the data panel, without Qt, so it can run in a worker thread.

A big file takes seconds to read and as long again to prepare; the data panel runs
:func:`open_csv` off the GUI thread and pushes the undoable command only when it is done,
so a cancelled read leaves the project exactly as it was. Everything here is Qt-free: the
function is also what the panel runs at once for a small file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core.data import DataSettings, DataSource, Table, load_table, prepare, read_csv
from nnstudio.core.errors import Cancelled, NNStudioError
from nnstudio.core.workspace import LoadedData
from nnstudio.i18n import N_

#: The encodings the panel offers, codec name first ("auto" tries UTF-8, then GB18030).
ENCODING_CHOICES = (
    ("auto", N_("Automatic (UTF-8, GBK or Latin-1)")),
    ("utf-8", N_("UTF-8 (Unicode, the usual choice)")),
    ("gb18030", N_("GB18030 / GBK (Chinese Windows)")),
    ("latin-1", N_("Latin-1 (Western European)")),
    ("utf-16", N_("UTF-16 (Unicode, two bytes per letter)")),
)

#: Rows read to learn a file's columns when the full read failed.
_HEAD_ROWS = 60


@dataclass(frozen=True)
class OpenResult:
    """What opening a file gave: data for the project, or why the file cannot be used.

    ``loaded`` is None when the file cannot be opened at all (``error`` says why, and the
    project stays unchanged); otherwise it holds the settings to switch to and the table
    read with them, or the error a later row met (shown in the banner after switching).
    """

    loaded: LoadedData | None
    error: NNStudioError | None = None


def settings_for_file(path: Path, table: Table, encoding: str) -> DataSettings:
    """A newly opened CSV file's settings: its last column as the target."""
    names = [str(c) for c in table.frame.columns]
    return DataSettings(
        source=DataSource(kind="csv", path=str(path), encoding=encoding),
        targets=(names[-1],) if names else (),
        stratify=True,
    )


def open_csv(
    path: Path, encoding: str = "auto", should_stop: Callable[[], bool] | None = None
) -> OpenResult:
    """Read and prepare the CSV at ``path`` as a newly opened file; raises only Cancelled.

    The whole file is read once. When that fails, the first rows decide what the user sees:
    a file whose first rows cannot be read is not opened at all, one that fails further
    down is opened and its error shown where the data's problems are shown.
    """
    source = DataSource(kind="csv", path=str(path), encoding=encoding)
    try:
        table = load_table(source, should_stop=should_stop)
    except NNStudioError as exc:
        try:
            head = read_csv(path, encoding=encoding, max_rows=_HEAD_ROWS, should_stop=should_stop)
        except NNStudioError as head_exc:
            return OpenResult(None, head_exc)
        return OpenResult(LoadedData(settings_for_file(path, head, encoding), error=exc))
    settings = settings_for_file(path, table, encoding)
    if should_stop is not None and should_stop():
        raise Cancelled("preparing the data was cancelled")
    try:
        return OpenResult(LoadedData(settings, table, prepare(table, settings)))
    except NNStudioError as exc:
        return OpenResult(LoadedData(settings, table, None, exc))


__all__ = ["ENCODING_CHOICES", "OpenResult", "open_csv", "settings_for_file"]

"""Turning a :class:`DataSource` into a :class:`Table`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from nnstudio.core.data.csv_io import read_csv
from nnstudio.core.data.data_settings import DataSource
from nnstudio.core.data.datasets import make_dataset
from nnstudio.core.data.table import Table
from nnstudio.core.data.trust import check_readable
from nnstudio.core.errors import DataError
from nnstudio.i18n import _


def resolve_path(path: str, base_dir: str | os.PathLike[str] | None = None) -> Path:
    """Absolute path of a stored CSV path; relative paths are relative to ``base_dir``.

    Projects store paths relative to the project file so a folder can be moved or shared.
    """
    file = Path(path).expanduser()
    if not file.is_absolute() and base_dir is not None:
        file = Path(base_dir).expanduser() / file
    return file.absolute()


def load_table(
    source: DataSource,
    base_dir: str | os.PathLike[str] | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> Table:
    """Read the CSV or make the built-in dataset that ``source`` names.

    ``base_dir`` is the project's folder: a CSV outside it is read only once the user allowed
    it (:mod:`.trust`), so a received project cannot pull in the user's other files.
    ``should_stop`` lets a CSV read be cancelled (see :func:`~.csv_io.read_csv`).
    """
    if not isinstance(source, DataSource):
        raise DataError(
            _("expected a data source, not {value!r}").format(value=source), where="source"
        )
    if source.kind == "csv":
        if not source.path.strip():
            raise DataError(_("no CSV file is chosen"), where="source.path")
        path = resolve_path(source.path, base_dir)
        check_readable(path, base_dir)
        table = read_csv(
            path,
            encoding=source.encoding,
            delimiter=source.delimiter,
            should_stop=should_stop,
        )
        table.source = source
        return table
    if source.kind == "builtin":
        frame = make_dataset(source.name, source.params)
        return Table(
            frame=frame, source=source, encoding="builtin", delimiter="", has_header=True, path=None
        )
    raise DataError(
        _("no data is chosen: open a CSV file or pick a built-in dataset"), where="source"
    )

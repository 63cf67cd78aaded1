"""Writing exported files: atomically (:mod:`nnstudio.core.atomic`), errors worded for export."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from nnstudio.core.atomic import NotARegularFile, replacing
from nnstudio.core.errors import ExportError
from nnstudio.i18n import _


@contextlib.contextmanager
def temporary_beside(target: Path) -> Iterator[Path]:
    """A fresh temporary path in ``target``'s folder; moved onto ``target`` on success."""
    try:
        with replacing(target) as temp:
            yield temp
    except NotARegularFile as exc:
        raise ExportError(
            _("cannot write {path}: {reason}; give the name of a file").format(
                path=target, reason=exc.strerror
            )
        ) from None
    except OSError as exc:
        raise ExportError(
            _("cannot write {path}: {reason}").format(path=target, reason=exc.strerror or exc)
        ) from None


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one."""
    with temporary_beside(target) as temp:
        temp.write_bytes(data)


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Let ``writer`` fill a temporary file, then move it onto ``target``."""
    with temporary_beside(target) as temp:
        writer(temp)


__all__ = ["temporary_beside", "write_atomic", "write_with"]

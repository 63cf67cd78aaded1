"""One way to write a file: a temporary file beside it, then an atomic rename.

Every file NN Studio writes (projects, exports) goes through :func:`replacing`, so a reader
always sees the old file or the whole new one, and a failure — or an interruption — leaves
no temporary file behind. New files get the usual permissions (the umask applies) and a
replaced file keeps its own, instead of ``mkstemp``'s owner-only 0600, so a shared folder
stays shared. A symbolic link is saved through, as editors do, instead of being replaced.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


class FolderNotWritable(OSError):
    """The temporary file could not be created: the folder is missing or read-only."""


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``target``; move it onto ``target`` on success.

    Whatever the ``with`` block writes to the path is flushed to disk before the rename.
    ``OSError`` reaches the caller (which words it for the user) — :class:`FolderNotWritable`
    when the folder takes no new file; the temporary file is removed on any exit that does
    not complete the rename.
    """
    path = Path(target)
    if path.is_symlink():
        path = path.resolve()
    folder = path.parent
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = None
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        os.close(os.open(temp, flags, 0o666))
    except OSError as exc:
        raise FolderNotWritable(exc.errno, exc.strerror) from None
    try:
        yield temp
        _fsync_file(temp)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)


def write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`replacing`)."""
    with replacing(target) as temp, open(temp, "wb") as handle:
        handle.write(data)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = ["FolderNotWritable", "replacing", "write_bytes"]

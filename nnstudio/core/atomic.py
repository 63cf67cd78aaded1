"""One way to write a file: a temporary file beside it, then an atomic rename.

Every file NN Studio writes (projects, autosave copies, exports, predictions, plot tables)
goes through :func:`replacing`, so a reader always sees the old file or the whole new one.

- **Any exit cleans up.** The temporary file is removed on every exit that does not complete
  the rename — an ``OSError``, but also ``KeyboardInterrupt`` or ``SystemExit`` — and a
  process killed outright (SIGKILL, a power cut) leaves one behind that the next write
  beside the same target sweeps away: temporaries are named ``.NAME.PID-TOKEN.tmp``, so one
  whose process is gone, or which is older than :data:`STALE_AFTER_S`, is known to be dead.
- **Only regular files are replaced.** A rename would silently put a regular file in place
  of a device (``/dev/null``), a named pipe or a folder, so an existing target must be a
  regular file, or a symbolic link to one the user owns (saved through, as editors do); any
  other target is refused with :class:`NotARegularFile` before anything is written.
- **The caller can tell what was saved.** Inside :func:`recording`, every completed rename
  is noted, even when an interruption arrives just after it, so the command line can say
  "saved" instead of "interrupted" when the file is in fact complete.

New files get the usual permissions (the umask applies) and a replaced file keeps its own,
instead of ``mkstemp``'s owner-only 0600, so a shared folder stays shared.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nnstudio.i18n import _

#: A temporary file this old is dead even if a process with its id runs (ids are reused).
STALE_AFTER_S = 15 * 60
_TEMP = re.compile(r"\.(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")
#: The naming before the process id was part of it: swept by age only.
_OLD_TEMP = re.compile(r"\.[0-9a-f]{8}\.tmp$")
#: The lists :func:`recording` hands out, innermost last.
_recorders: list[list[Path]] = []


class FolderNotWritable(OSError):
    """The temporary file could not be created: the folder is missing or read-only."""


class NotARegularFile(OSError):
    """The target exists and is not a regular file; ``strerror`` says what it is."""


@contextlib.contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``target``; move it onto ``target`` on success.

    Whatever the ``with`` block writes to the path is flushed to disk before the rename.
    ``OSError`` reaches the caller (which words it for the user) — :class:`NotARegularFile`
    when the target may not be replaced, :class:`FolderNotWritable` when the folder takes no
    new file; the temporary file is removed on any exit that does not complete the rename.
    """
    path = writable_target(target)
    folder = path.parent
    sweep_stale(folder, path.name)
    mode = _mode_of(path)
    temp = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # The stage decides the clean-up: an interruption can land between any two lines, even
    # just after the rename, and then there is no temporary left and the target is complete.
    renaming = False
    try:
        try:
            os.close(os.open(temp, flags, 0o666))
        except OSError as exc:
            raise FolderNotWritable(exc.errno, exc.strerror) from None
        yield temp
        _fsync_file(temp)
        if mode is not None:
            os.chmod(temp, mode)
        writable_target(path)  # again: the target may have changed while we wrote
        renaming = True
        os.replace(temp, path)
        _note_written(path)
    except BaseException:
        if renaming and not os.path.lexists(temp):
            _note_written(path)  # the rename happened; what interrupted us came after it
        else:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    _fsync_folder(folder)


@contextlib.contextmanager
def open_replacing(
    target: str | os.PathLike[str], *, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """A text handle whose contents replace ``target`` when the block ends (see
    :func:`replacing`): for writers that want a file object (``csv``, pandas)."""
    with replacing(target) as temp, open(temp, "w", encoding=encoding, newline=newline) as handle:
        yield handle


def write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`replacing`)."""
    with replacing(target) as temp, open(temp, "wb") as handle:
        handle.write(data)


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``target`` atomically (see :func:`replacing`)."""
    write_bytes(target, text.encode(encoding))


def writable_target(target: str | os.PathLike[str]) -> Path:
    """The path to replace for ``target``: itself, or the file a symbolic link points to.

    Raises :class:`NotARegularFile` when ``target`` exists and is a folder, a device, a named
    pipe or a socket, or is a link to something other than a regular file the user owns (a
    link to another user's file, or to nothing, would write where the user did not choose).
    """
    path = Path(target)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return path
    except OSError:
        return path  # e.g. a folder we cannot search: creating the temporary says why
    if stat.S_ISLNK(info.st_mode):
        real = Path(os.path.realpath(path))
        try:
            info = real.stat()
        except OSError:
            raise _refusal(_("it is a link to nothing (a missing file)"), path) from None
        if not stat.S_ISREG(info.st_mode):
            raise _refusal(_what_it_is(info.st_mode, link=True), path)
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise _refusal(_("it is a link to a file that belongs to another user"), path)
        return real
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(_what_it_is(info.st_mode, link=False), path)
    return path


def check_writable(target: str | os.PathLike[str]) -> Path:
    """Refuse ``target`` before any work is done for it (a long training run, an export):
    :class:`NotARegularFile` as :func:`writable_target` says, :class:`FolderNotWritable` when
    its folder does not exist. Returns the path that will be replaced."""
    path = writable_target(target)
    if not path.parent.is_dir():
        raise FolderNotWritable(
            errno.ENOENT, _("the folder does not exist"), str(path.parent or ".")
        )
    return path


def sweep_stale(folder: Path, name: str) -> list[Path]:
    """Remove dead temporaries of ``name`` in ``folder``: those of a process that no longer
    runs, and any older than :data:`STALE_AFTER_S`. Returns what was removed.

    Only regular files of our own naming that the user owns are touched; a live writer's
    temporary (its process runs, and it is recent) is left alone.
    """
    prefix = f".{name}."
    removed: list[Path] = []
    try:
        entries = [entry for entry in os.listdir(folder) if entry.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        rest = entry[len(name) + 1 :]
        match = _TEMP.fullmatch(rest)
        if match is None and _OLD_TEMP.fullmatch(rest) is None:
            continue
        candidate = folder / entry
        try:
            info = candidate.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            continue
        old = now - info.st_mtime > STALE_AFTER_S
        dead = match is not None and not _alive(int(match["pid"]))
        if old or dead:
            with contextlib.suppress(OSError):
                os.unlink(candidate)
                removed.append(candidate)
    return removed


@contextlib.contextmanager
def recording() -> Iterator[list[Path]]:
    """Collect every target whose new contents were completely written during the block,
    even if an interruption (Ctrl+C) arrived right after the rename."""
    written: list[Path] = []
    _recorders.append(written)
    try:
        yield written
    finally:
        _recorders.remove(written)


def _note_written(path: Path) -> None:
    for written in _recorders:
        if path not in written:
            written.append(path)


def _mode_of(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def _what_it_is(mode: int, *, link: bool) -> str:
    if stat.S_ISDIR(mode):
        text = _("it is a link to a folder") if link else _("it is a folder")
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        text = _("it is a link to a device") if link else _("it is a device, not a file")
    elif stat.S_ISFIFO(mode):
        text = _("it is a link to a named pipe") if link else _("it is a named pipe (FIFO)")
    elif stat.S_ISSOCK(mode):
        text = _("it is a link to a socket") if link else _("it is a socket")
    else:
        text = _("it is not a regular file")
    return text


def _refusal(reason: str, path: Path) -> NotARegularFile:
    return NotARegularFile(0, reason, str(path))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # our own: maybe another thread's write in progress
    if os.name != "posix":
        return True  # no cheap check: the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but is not ours to signal
    return True


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


__all__ = [
    "STALE_AFTER_S",
    "FolderNotWritable",
    "NotARegularFile",
    "check_writable",
    "open_replacing",
    "recording",
    "replacing",
    "sweep_stale",
    "writable_target",
    "write_bytes",
    "write_text",
]

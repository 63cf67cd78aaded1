"""Which data files a project may read without asking: those in its own folder.

A project received from someone else names its data file, and NN Studio reads it, learns from
it and saves what it needs (class names, category lists, column names) into the trained
project. A path such as ``../secret.csv`` or ``/home/me/.ssh/known_hosts`` would turn "open
and train this lesson" into "copy one of my files into a project I send back". So a project
reads a file outside the folder it was opened from only with the user's say-so: the GUI asks
(showing the resolved path) and remembers the answer for that file for the session
(:func:`allow`); the command line wants ``--data`` or ``--allow-outside-data``.

"Outside" is decided on real paths (symlinks resolved), so a link inside the folder that
points elsewhere is outside too. The bundled samples folder is trusted as a whole, from any
project: its files are NN Studio's own and public (its lessons share one CSV one level up,
``samples/lessons/x.nnsproj`` reads ``../mobile_price_synthetic.csv``, and a sample saved into
the user's folder still reads its CSV there).

A project that was never saved (no folder) reads what the user chose in this session, so it
is not checked.
"""

from __future__ import annotations

import os
from pathlib import Path

from nnstudio.core.errors import DataError
from nnstudio.i18n import N_, Text

#: The samples shipped with NN Studio (next to the package in a checkout or an install).
SAMPLES_DIR = Path(__file__).resolve().parents[3] / "samples"

_allowed: set[Path] = set()
_allow_all = False


class OutsideDataError(DataError):
    """The project's data file lies outside the project's folder and was not allowed.

    :attr:`path` is the resolved file, what the user is asked about.
    """

    def __init__(self, path: Path, folder: Path) -> None:
        super().__init__(
            Text(
                N_(
                    "the project's data file {path} is outside the project's folder {folder}; "
                    "it is read only when you allow it (on the command line: --data FILE or "
                    "--allow-outside-data)"
                ),
                path=str(path),
                folder=str(folder),
            ),
            where="source.path",
        )
        self.path = path
        self.folder = folder


def real(path: str | os.PathLike[str]) -> Path:
    """``path`` with every symlink resolved (what is really read)."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_outside(file: str | os.PathLike[str], project_dir: str | os.PathLike[str]) -> bool:
    """Whether reading ``file`` for a project in ``project_dir`` needs the user's say-so."""
    path, folder = real(file), real(project_dir)
    if _under(path, folder):
        return False
    return not _under(path, real(SAMPLES_DIR))


def allow(file: str | os.PathLike[str]) -> None:
    """The user allowed ``file`` to be read (for the rest of this session)."""
    _allowed.add(real(file))


def allow_all(on: bool = True) -> None:
    """Allow every file (``--allow-outside-data``; tests)."""
    global _allow_all
    _allow_all = on


def forget() -> None:
    """Forget every answer (tests; a new session starts with none)."""
    global _allow_all
    _allowed.clear()
    _allow_all = False


def is_allowed(file: str | os.PathLike[str]) -> bool:
    return _allow_all or real(file) in _allowed


def check_readable(
    file: str | os.PathLike[str], project_dir: str | os.PathLike[str] | None
) -> None:
    """Raise :class:`OutsideDataError` when a project in ``project_dir`` may not read
    ``file`` yet; a project without a folder (never saved) may read anything."""
    if project_dir is None or not is_outside(file, project_dir) or is_allowed(file):
        return
    raise OutsideDataError(real(file), real(project_dir))


__all__ = [
    "SAMPLES_DIR",
    "OutsideDataError",
    "allow",
    "allow_all",
    "check_readable",
    "forget",
    "is_allowed",
    "is_outside",
    "real",
]

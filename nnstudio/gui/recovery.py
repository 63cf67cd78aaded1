"""Crash safety: autosave to a recovery file beside the project, offered back after a crash.

The user's own file is never written by autosave. A recovery copy goes next to it
(``name.nnsproj.recovery``) or, for an untitled project, into the per-user data folder. A
session marker records that the app is running; a clean exit removes it and the recovery
copy, so finding a marker at start-up means the last session crashed.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core import atomic
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project, save_project

RECOVERY_SUFFIX = ".recovery"
MARKER = "session.json"


def recovery_path_for(project_path: Path | None, data_dir: Path) -> Path:
    if project_path is not None:
        return project_path.with_name(project_path.name + RECOVERY_SUFFIX)
    return data_dir / f"untitled-{os.getpid()}.nnsproj{RECOVERY_SUFFIX}"


@dataclass(frozen=True)
class Recoverable:
    recovery: Path
    original: Path | None


class RecoveryManager:
    """Writes recovery copies and remembers them in the session marker."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.current: Path | None = None
        self._original: Path | None = None

    # --- session marker --------------------------------------------------------------------

    @property
    def marker(self) -> Path:
        return self.data_dir / MARKER

    def begin_session(self) -> list[Recoverable]:
        """Start a session; returns recovery files left by a crashed previous one."""
        left = self._leftovers()
        self._write_marker()
        return left

    def end_session(self) -> None:
        """Clean exit: remove the recovery copy and the marker."""
        self.discard()
        with contextlib.suppress(FileNotFoundError):
            self.marker.unlink()

    def _write_marker(self) -> None:
        data = {
            "pid": os.getpid(),
            "recovery": str(self.current) if self.current else None,
            "original": str(self._original) if self._original else None,
        }
        atomic.write_text(self.marker, json.dumps(data))

    def _leftovers(self) -> list[Recoverable]:
        try:
            data = json.loads(self.marker.read_text("utf-8"))
        except (FileNotFoundError, ValueError, OSError):
            return []
        if not isinstance(data, dict):
            return []
        pid = data.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and _alive(pid):
            return []  # another NN Studio is running: its files are not ours to offer
        recovery = data.get("recovery")
        if not recovery or not Path(recovery).exists():
            return []
        original = data.get("original")
        return [Recoverable(Path(recovery), Path(original) if original else None)]

    # --- autosave --------------------------------------------------------------------------

    def autosave(self, project: Project) -> Path:
        """Save a copy for recovery; the project's own path and file are left untouched."""
        original = project.path
        target = recovery_path_for(original, self.data_dir)
        if self.current is not None and self.current != target:
            self.discard()
        try:
            save_project(project, target)
        finally:
            project.path = original
        self.current, self._original = target, original
        self._write_marker()
        return target

    def discard(self) -> None:
        if self.current is not None:
            with contextlib.suppress(FileNotFoundError):
                self.current.unlink()
            self.current = None
            self._original = None
            if self.marker.exists():
                self._write_marker()

    @staticmethod
    def restore(item: Recoverable) -> Project:
        """Load a recovery copy as an unsaved version of the original project."""
        from nnstudio.core.project import load_project

        project = load_project(item.recovery)
        project.path = item.original
        return project


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


__all__ = ["NNStudioError", "Recoverable", "RecoveryManager", "recovery_path_for"]

"""Settings remembered between runs: recent files, last folders (the window layout is in
:mod:`nnstudio.gui.window_layout`).

Tests set ``NNSTUDIO_SETTINGS_SCOPE`` so they never touch a user's real settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "NNStudio"
MAX_RECENT = 10


def scope() -> str:
    return os.environ.get("NNSTUDIO_SETTINGS_SCOPE", "NN Studio")


class AppSettings:
    """Typed access to QSettings (INI format, so it is a readable file on every platform)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.qs = settings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, scope()
        )

    # --- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.qs.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent(self, path: str | Path) -> None:
        text = str(Path(path).resolve())
        files = [f for f in self.recent_files() if f != text]
        self.qs.setValue("files/recent", [text, *files][:MAX_RECENT])

    def remove_recent(self, path: str | Path) -> None:
        text = str(path)
        self.qs.setValue("files/recent", [f for f in self.recent_files() if f != text])

    # --- folders ---------------------------------------------------------------------------

    def last_dir(self, kind: str) -> str:
        """Last folder used for ``kind`` (project, data, export); home if none."""
        value = self.qs.value(f"paths/last_{kind}_dir", "")
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    def set_last_dir(self, kind: str, path: str | Path) -> None:
        p = Path(path)
        self.qs.setValue(f"paths/last_{kind}_dir", str(p if p.is_dir() else p.parent))

    # --- language --------------------------------------------------------------------------

    def language(self) -> str | None:
        """The language chosen in View → Language, or None to follow the system."""
        value = self.qs.value("ui/language", "")
        return str(value) if value else None

    def set_language(self, code: str | None) -> None:
        self.qs.setValue("ui/language", code or "")

    def training_threads(self) -> int | None:
        """Torch threads chosen in Train → Threads, or None for the automatic rule."""
        try:
            value = int(self.qs.value("training/threads", 0) or 0)
        except (TypeError, ValueError):
            return None
        return value if value > 0 else None

    def set_training_threads(self, count: int | None) -> None:
        self.qs.setValue("training/threads", count or 0)

    def tensorboard_dir(self) -> str | None:
        """Train → "Also write TensorBoard logs to…": the folder, or None when off."""
        if str(self.qs.value("training/tensorboard_on", False)).lower() not in ("true", "1"):
            return None
        value = self.qs.value("training/tensorboard_dir", "")
        return str(value) if value else None

    def last_tensorboard_dir(self) -> str:
        """The folder last chosen (kept while the option is off, offered when it is on again)."""
        return str(self.qs.value("training/tensorboard_dir", "") or "")

    def set_tensorboard_dir(self, folder: str | None) -> None:
        self.qs.setValue("training/tensorboard_on", folder is not None)
        if folder:
            self.qs.setValue("training/tensorboard_dir", folder)

    # --- presentation mode -----------------------------------------------------------------

    def presentation_mode(self) -> bool:
        """Whether View → Presentation Mode was on when NN Studio last closed (off at first)."""
        value = self.qs.value("ui/presentation_mode", False)
        return value is True or str(value).lower() in ("true", "1")

    def set_presentation_mode(self, on: bool) -> None:
        self.qs.setValue("ui/presentation_mode", bool(on))

    def value(self, key: str, default=None):
        return self.qs.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.qs.setValue(key, value)

    def remove(self, key: str) -> None:
        self.qs.remove(key)

    def sync(self) -> None:
        self.qs.sync()


def data_dir() -> Path:
    """Per-user folder for recovery files of untitled projects and the session marker.

    ``NNSTUDIO_DATA_DIR`` overrides it (tests point it at a temporary folder).
    """
    override = os.environ.get("NNSTUDIO_DATA_DIR")
    if override:
        path = Path(override)
        path.mkdir(parents=True, exist_ok=True)
        return path
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(base or Path.home() / ".nnstudio") / scope().replace(" ", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path

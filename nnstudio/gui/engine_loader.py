"""torch for the GUI process, imported in the background; views that need it are called back.

The app is ready to train before torch is in its process (``gui/preload.py``). A view that
needs torch to draw something (the neuron view's weights) asks :meth:`EngineLoader.
when_imported`: it draws now if torch is in, else once the background import is done — in
the GUI thread, never waiting on the import (which would freeze the window for a second).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal

from nnstudio.core.lazy import imported
from nnstudio.gui.preload import failed, start_preload
from nnstudio.i18n import _


class EngineLoader(QObject):
    """One per application: starts the background import and says when it is done."""

    #: torch is imported (emitted from the preload thread: slots run queued, in their own).
    imported = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: list[Callable[[], None]] = []
        self.imported.connect(self._call_back)

    def load(self) -> None:
        """Start the background import (once per process; later calls do nothing)."""
        start_preload(on_done=self._done)

    def when_imported(self, callback: Callable[[], None]) -> bool:
        """True if torch is imported now (or its import failed: :meth:`failure` says why);
        else start importing it, call ``callback`` (once, in the GUI thread) when it is done,
        and return False."""
        if imported("torch") is not None or "torch" in failed:
            return True
        if callback not in self._waiting:
            self._waiting.append(callback)
        self.load()
        return False

    def failure(self) -> str | None:
        """What to tell the user if torch could not be imported (a broken installation):
        nothing can be trained or drawn from weights then."""
        error = failed.get("torch")
        if error is None:
            return None
        return _(
            "PyTorch could not be loaded: {error}. Reinstall it (see the README) and start "
            "NN Studio again."
        ).format(error=error)

    def _done(self) -> None:  # in the preload thread
        with contextlib.suppress(RuntimeError):  # the application is being torn down
            self.imported.emit()

    def _call_back(self) -> None:
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            with contextlib.suppress(RuntimeError):  # its view was deleted meanwhile
                callback()


def engine_loader() -> EngineLoader:
    """The application's loader (made on first use, a child of the application)."""
    app = QCoreApplication.instance()
    existing = app.findChild(EngineLoader) if app is not None else None
    return existing if existing is not None else EngineLoader(app)

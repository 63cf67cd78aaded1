"""Import torch in a background thread while the window appears.

torch alone takes about a second to import. The main thread meanwhile creates the
application, builds the window shell and paints it. Python runs one thread at a time, so the
two overlap only where one of them waits for the disk or runs code that lets go of Python's
global lock (loading shared libraries, some of Qt's work); the first paint is not held up,
and whatever the thread has imported by then is no longer on the way to "ready". When
:meth:`MainWindow.start` then imports the engine, Python's per-module import locks make it
wait for whatever the thread has not finished yet — never import a module twice or half.

The other slow packages the first screen needs (pandas, jsonschema, pyqtgraph; none needs
torch) are imported by the GUI thread itself right after the first paint
(:func:`import_first_screen`), while torch is still arriving: the GUI thread would otherwise
sit waiting for torch with nothing to do, and then import them after it, on the way to
"ready". (Before, the preload thread imported pandas after torch, while the GUI thread
waited for it.)

Only third-party packages that create no Qt objects at import and never import NN Studio are
preloaded: the main thread's modules wait for them, they never wait for the main thread's,
so the two threads cannot each hold an import the other needs (Python would then hand one of
them a half-initialised module). The packages the GUI thread imports meanwhile never import
torch, and torch imports none of them, so neither thread waits for the other's package (they
share only packages such as numpy, which import neither).
"""

from __future__ import annotations

import importlib
import threading
import time

#: What the background thread imports: torch (about a second).
PRELOAD = ("torch",)
#: What the GUI thread imports right after the first paint, while torch arrives: the first
#: screen's other slow packages (pandas a third of a second, pyqtgraph a tenth).
FIRST_SCREEN = ("pandas", "jsonschema", "pyqtgraph")

_thread: threading.Thread | None = None
#: Module name → wall-clock time (``time.time()``) the thread finished importing it: the
#: start-up report says when torch arrived.
imported_at: dict[str, float] = {}


def start_preload(modules: tuple[str, ...] = PRELOAD) -> threading.Thread:
    """Start importing ``modules`` in a daemon thread (once per process) and return it."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(
            target=_import_all, args=(modules,), name="nnstudio-preload", daemon=True
        )
        _thread.start()
    return _thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the main thread imports it again and reports the error itself
            return
        imported_at[name] = time.time()


def import_first_screen(modules: tuple[str, ...] = FIRST_SCREEN) -> None:
    """Import ``modules`` now, on the calling (GUI) thread; a failure is left to the import
    that needs the module, which reports it."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            return

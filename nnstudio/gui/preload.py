"""Import the engine's heavy modules in a background thread while the window appears.

torch alone takes about a second to import. The main thread meanwhile creates the
application, builds the window shell and paints it. Python runs one thread at a time, so the
two overlap only where one of them waits for the disk or runs code that lets go of Python's
global lock (loading shared libraries, some of Qt's work); the first paint is not held up,
and whatever the thread has imported by then is no longer on the way to "ready". When
:meth:`MainWindow.start` then imports the engine, Python's per-module import locks make it
wait for whatever the thread has not finished yet — never import a module twice or half.

Only third-party packages that create no Qt objects at import and never import NN Studio are
preloaded: the main thread's modules wait for them, they never wait for the main thread's,
so the two threads cannot each hold an import the other needs (Python would then hand one of
them a half-initialised module).
"""

from __future__ import annotations

import importlib
import threading

#: In import order, the slowest first (torch about a second, pandas a third of that).
PRELOAD = ("torch", "pandas", "jsonschema")

_thread: threading.Thread | None = None


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

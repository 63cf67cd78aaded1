"""Import torch in a background thread once the app is ready to train.

What "ready" needs (the window, the canvas, the default project with its data read and
prepared, Train enabled) needs no torch: the catalogues, the project file and the prepared
data name torch lazily (:func:`nnstudio.core.lazy.lazy_module`), and the training process
imports torch itself. So the GUI thread reaches "ready" first, and only then does this thread
import torch (about a second), for what the GUI process does with it later: planning a run
(building the network), the neuron view's weights, the lessons, exports.

Why not earlier, overlapping the start: Python runs one thread at a time, so a thread
importing torch while the GUI thread builds the window only stretches the GUI thread's work
(it waited 0.27 s on torch's import lock before "ready"); the two overlap only where one
waits for the disk. After "ready" the GUI thread is idle until the user acts, so the import
takes its turns between the user's events; the event loop keeps answering.

If the GUI thread needs torch before the thread is done (Train pressed at once), its import
waits for the thread's: Python's per-module import locks never import a module twice or
half. Only third-party packages that create no Qt objects at import and never import NN
Studio are preloaded, so the two threads never each hold an import the other needs.

The other slow packages the first screen needs (pandas, jsonschema, pyqtgraph) are imported
by the GUI thread itself right after the first paint (:func:`import_first_screen`).
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: What the background thread imports: torch (about a second).
PRELOAD = ("torch",)
#: torch's own native libraries that call no Python (loaded first, see :func:`load_native`).
TORCH_NATIVE = ("libc10", "libtorch_cpu", "libc10_cuda", "libtorch_cuda", "libtorch")
#: What the GUI thread imports right after the first paint: the first screen's slow packages
#: (pandas a third of a second, pyqtgraph a tenth).
FIRST_SCREEN = ("pandas", "jsonschema", "pyqtgraph")

_thread: threading.Thread | None = None
_lock = threading.Lock()
_done = False
_waiting: list[Callable[[], None]] = []
#: Module name → wall-clock time (``time.time()``) the thread finished importing it (it stops
#: at the first failure).
imported_at: dict[str, float] = {}
#: Module name → the error its import raised in the thread (a broken installation).
failed: dict[str, BaseException] = {}


def start_preload(
    modules: tuple[str, ...] = PRELOAD, on_done: Callable[[], None] | None = None
) -> threading.Thread:
    """Start importing ``modules`` in a background thread (once per process) and return it.

    ``on_done`` is called once the thread is done (in that thread; at once, in this one, if
    it was done already), whether or not the imports succeeded: a failure is reported by the
    import that needs the module.
    """
    global _thread
    with _lock:
        call_now = _done and on_done is not None
        if on_done is not None and not _done:
            _waiting.append(on_done)
        if _thread is None:
            # Not a daemon: Python waits for it at exit. An interpreter that shuts down while
            # torch's libraries initialise in another thread crashes (the window closed within
            # a second of "ready"); waiting costs at most the rest of the import.
            _thread = threading.Thread(
                target=_import_all, args=(modules,), name="nnstudio-preload", daemon=False
            )
            _thread.start()
        thread = _thread
    if call_now:
        on_done()
    return thread


def load_native(package: str = "torch", names: tuple[str, ...] = TORCH_NATIVE) -> int:
    """Load ``package``'s native libraries ``names`` (from its ``lib`` folder) with Python's
    lock released; returns how many were loaded.

    Why: importing torch loads some 500 MB of C++ libraries whose start-up code runs inside
    the loader, and Python holds its global lock through an extension module's loading: the
    GUI thread could not run for 0.2–0.25 s (measured: the longest pause of a 1 ms timer
    while torch imports). A foreign function called through ``ctypes`` runs with the lock
    released, so ``dlopen`` called that way loads the same files while the GUI thread keeps
    its turns; torch's own import then finds them loaded. Only libraries that call no Python
    are loaded so (``libtorch_python`` is left to torch). Any failure leaves it to torch.
    """
    if sys.platform not in ("linux", "darwin"):
        return 0
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return 0
    folder = Path(next(iter(spec.submodule_search_locations))) / "lib"
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    try:
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
    except (OSError, AttributeError):
        return 0
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    loaded = 0
    for name in names:
        path = folder / (name + suffix)
        if path.is_file() and dlopen(str(path).encode(), os.RTLD_NOW):
            loaded += 1
    return loaded


def _import_all(modules: tuple[str, ...]) -> None:
    global _done
    try:
        for name in modules:
            if name == "torch" and "torch" not in sys.modules:
                load_native()
            try:
                importlib.import_module(name)
            except Exception as exc:  # kept for whoever needs the module (see ``failed``)
                failed[name] = exc
                break
            imported_at[name] = time.time()
    finally:
        with _lock:
            _done = True
            callbacks = list(_waiting)
            _waiting.clear()
        for callback in callbacks:
            callback()


def import_first_screen(modules: tuple[str, ...] = FIRST_SCREEN) -> None:
    """Import ``modules`` now, on the calling (GUI) thread; a failure is left to the import
    that needs the module, which reports it."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            return

"""Python's cyclic garbage collector runs in the GUI thread only.

The collector runs in whichever thread happens to allocate past its threshold. While a run
trains, the thread relaying the training child's reports allocates a lot (it unpickles every
report), so collections often start there, and they free the plots' and the neuron view's
cyclic garbage: pyqtgraph items and other Qt wrappers. Shiboken must then defer the C++
deletion to the GUI thread, and that path crashed the app (a segmentation fault in
``BindingManager::runDeletionInMainThread`` during a repaint, seconds into a long run with the
live plots drawing; ``bench/soak_gui.py`` hit it in most runs). pyqtgraph's documentation gives
the remedy used here: switch automatic collection off and collect from a timer in the GUI
thread, following the collector's own thresholds, so the pauses stay as short as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector", "collect_in_gui_thread", "gui_thread_collector"]

#: How often the GUI thread looks at the collector's counts.
INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """Collects garbage from a timer in the thread it lives in (the GUI thread)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        #: Objects in the oldest generation after the last full collection (at first, now).
        self.long_lived = len(gc.get_objects(2))
        #: Whether the objects alive when a run started are frozen (see :meth:`hold_still`).
        self.frozen = False
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> int:
        """Collect the generations that automatic collection would have collected by now."""
        counts = gc.get_count()
        found = 0
        if counts[0] > self.thresholds[0]:
            generation = 0
            if counts[1] > self.thresholds[1]:
                generation = 1
                if counts[2] > self.thresholds[2] and self._full_collection_due():
                    generation = 2
            found = gc.collect(generation)
            if generation == 2:
                self.long_lived = len(gc.get_objects(2))
        return found

    def _full_collection_due(self) -> bool:
        """CPython's own rule for the oldest generation, which ``gc.collect(2)`` skips: a
        full collection only once the objects that reached it since the last one are a
        quarter of those it kept then.

        Without it, every tenth collection of the middle generation was a full one: with
        torch and the window loaded that walks some 200,000 objects, 50–250 ms in the GUI
        thread every few seconds of a run (the longest of its tasks while training).
        Counting the oldest generation takes a few milliseconds.
        """
        return len(gc.get_objects(2)) - self.long_lived > self.long_lived // 4

    def hold_still(self) -> None:
        """A run starts: leave every object alive now out of the collections until it ends.

        What exists when a run starts (torch, Qt's wrappers, the window, the project) is
        almost all long-lived, and a full collection walked all of it: 50-90 ms of the GUI
        thread at once, the longest task left while the plots drew live. Frozen
        (``gc.freeze``, which moves them to the permanent generation in constant time) they
        are skipped, and the run's own objects are collected as before. Idempotent.
        """
        if self.frozen:
            return
        gc.freeze()
        self.frozen = True
        self.long_lived = len(gc.get_objects(2))

    def let_go(self) -> None:
        """The run ended: the frozen objects are collectable again (a project closed since
        must not leak), and the next full collection walks them once, between runs.

        Python has one permanent generation, so this also lets go of what the window froze
        when it became ready (``MainWindow.start``). That costs no pause by itself: between
        runs a full collection waits until the oldest generation grew by a quarter
        (:meth:`_full_collection_due`), and the next run freezes everything again.
        """
        if not self.frozen:
            return
        gc.unfreeze()
        self.frozen = False
        self.long_lived = len(gc.get_objects(2))

    def stop(self) -> None:
        """Give collection back to Python (as it was before) and leave the application."""
        self.timer.stop()
        self.let_go()
        self.setParent(None)
        if self._was_enabled:
            gc.enable()


def collect_in_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector for the application's lifetime (call from the GUI thread)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)


def gui_thread_collector(app: QObject | None) -> GuiThreadCollector | None:
    """The application's collector, if one was installed (the app installs it; tests and
    embedding code may not)."""
    return app.findChild(GuiThreadCollector) if app is not None else None

"""Application start-up: paint the window first, import the heavy parts after.

torch alone takes over a second to import, so the window shell (menus, docks, toolbar) is
shown before any of the core is imported; :meth:`MainWindow.start` then loads the engine and
the project on the next turn of the event loop, with a busy cursor and a status message.
"""

from __future__ import annotations

import os
import sys
import time

#: Wall-clock origin for start-up reports: the launcher's time if it passed one (the
#: benchmark does, so interpreter start-up counts), else this module's import.
START = float(os.environ.get("NNSTUDIO_T0") or time.time())


def _apply_style(app) -> None:
    from PySide6.QtGui import QPalette

    from nnstudio.gui import theme

    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, theme.WINDOW_BG)
    palette.setColor(QPalette.ColorRole.Base, theme.BASE_BG)
    palette.setColor(QPalette.ColorRole.AlternateBase, theme.ALTERNATE_BG)
    palette.setColor(QPalette.ColorRole.Highlight, theme.SELECTION)
    palette.setColor(QPalette.ColorRole.Button, theme.BUTTON_BG)
    app.setPalette(palette)
    app.setStyleSheet(
        f"QDockWidget::title {{ padding: 4px 8px; background: {theme.DOCK_TITLE_BG.name()}; }}"
        "QToolBar { spacing: 4px; padding: 2px; }"
        "QStatusBar::item { border: none; }"
        "QGroupBox { font-weight: 600; }"
    )


def _collect_in_gui_thread(app):
    """Garbage collection in the GUI thread only (see ``gui/gc_policy.py``: a collection
    started by the thread relaying training reports crashed the app)."""
    from nnstudio.gui.gc_policy import collect_in_gui_thread

    return collect_in_gui_thread(app)


def _report_ready() -> None:
    """The start-up report's lines at "ready" (``NNSTUDIO_REPORT_STARTUP``, for the benchmark).

    ``ready``: seconds from the launch; ``ready_main_cpu``: CPU seconds the GUI thread used
    until then (hardly changed by other programs using the machine); ``torch_at_ready``: 1 if
    torch was imported (even half-way) in this process by then, else 0 (it should be 0: torch
    is imported after "ready", see ``gui/preload.py``).
    """
    now = time.time()
    print(f"ready {now - START:.3f}", flush=True)
    print(f"ready_main_cpu {time.thread_time():.3f}", flush=True)
    print(f"torch_at_ready {int('torch' in sys.modules)}", flush=True)


def run_app(
    path: str | None = None, argv: list[str] | None = None, language: str | None = None
) -> int:
    """Open the main window (on ``path`` or the default sample) and run the event loop.

    ``language`` (``nnstudio --lang``) overrides, for this session, the language chosen in
    View → Language, which otherwise follows the system's.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio import __version__
    from nnstudio.gui.language import apply_language
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.preferences import AppSettings
    from nnstudio.gui.preload import import_first_screen

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("NN Studio")
    app.setOrganizationName("NNStudio")
    app.setApplicationVersion(__version__)
    _apply_style(app)
    _collect_in_gui_thread(app)
    settings = AppSettings()
    apply_language(app, language or settings.language())
    window = MainWindow(settings)
    window.prewarm_training = True
    window.offer_start_page = True
    if os.environ.get("NNSTUDIO_REPORT_STARTUP"):
        window.first_painted.connect(
            lambda: print(f"first_paint {time.time() - START:.3f}", flush=True)
        )
        window.ready.connect(_report_ready)
    started = []

    def start_once() -> None:
        if not started:
            started.append(True)
            import_first_screen()
            window.start(path)

    # Load the engine only once the window has been painted (or after a short grace period
    # on platforms that paint lazily), so the user sees it at once.
    window.first_painted.connect(lambda: QTimer.singleShot(0, start_once))
    QTimer.singleShot(400, start_once)
    window.show()
    if os.environ.get("NNSTUDIO_QUIT_WHEN_READY"):
        window.ready.connect(lambda: QTimer.singleShot(0, window.close))
    return app.exec()

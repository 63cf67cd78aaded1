"""Opens and closes the main window several times on one settings file; prints what it saw.

Run in a child process by ``test_window_layout.py`` so that the offscreen screen can have a
chosen size (``QT_QPA_PLATFORM=offscreen:configfile=…``). Each launch builds a new window on
the same INI file, waits until its layout has settled, records the window's and the panels'
sizes, optionally changes something as a user would, and closes it (which saves the layout).

Usage: python relaunch_window.py SETTINGS.ini LAUNCHES [maximized] [widen-layers] [cramp-canvas]
"""

from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.preferences import AppSettings

TIMEOUT_S = 120


def wait_for(app: QApplication, condition) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents()


def measure(win: MainWindow) -> dict:
    canvas = win.centralWidget()
    return {
        "window": list(win.geometry().getRect()),
        "maximized": win.isMaximized(),
        "layers": win.docks["palette"].width(),
        "inspector": win.docks["inspector"].width(),
        "plots": win.docks["plots"].height(),
        "canvas": [canvas.width(), canvas.height()],
        "visible": sorted(n for n, d in win.docks.items() if d.isVisible()),
    }


def main() -> None:
    ini, launches = sys.argv[1], int(sys.argv[2])
    flags = set(sys.argv[3:])
    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    seen = []
    for i in range(launches):
        win = MainWindow(AppSettings(QSettings(ini, QSettings.Format.IniFormat)))
        settled: list[bool] = []
        win.layout_settled.connect(lambda s=settled: s.append(True))
        if i == 0 and "maximized" in flags:
            win.setWindowState(win.windowState() | Qt.WindowState.WindowMaximized)
        win.show()
        win.start()
        wait_for(app, lambda s=settled: bool(s))
        for _ in range(5):
            app.sendPostedEvents()
            app.processEvents()
        seen.append(measure(win))
        if i == 0 and "cramp-canvas" in flags:
            # As a user dragging the splitters: the side panels eat the canvas.
            win.resizeDocks(
                [win.docks["palette"], win.docks["inspector"]],
                [700, 700],
                Qt.Orientation.Horizontal,
            )
            for _ in range(5):
                app.processEvents()
            seen[-1]["after_user"] = measure(win)
        if i == 0 and "widen-layers" in flags:
            win.resizeDocks([win.docks["palette"]], [300], Qt.Orientation.Horizontal)
            for _ in range(5):
                app.processEvents()
            seen[-1]["after_user"] = measure(win)
        win.document.mark_saved()
        win.close()
        win.controller.close_process()
        win.deleteLater()
        app.sendPostedEvents()
        app.processEvents()
    print(json.dumps({"platform": os.environ.get("QT_QPA_PLATFORM"), "launches": seen}))


if __name__ == "__main__":
    main()

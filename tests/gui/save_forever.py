"""A child for test_kill_during_save: the app (offscreen) saving a big project over and over.

Run as ``python -m tests.gui.save_forever PROJECT SETTINGS_INI``. It opens PROJECT in the
real main window, then alternates File ▸ Save and an autosave, changing the project's name
before each so every save writes new content, and prints one line per finished save. It
never ends by itself: the test kills it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication


def main() -> None:
    project_path, ini = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(sys.argv[:1])
    from nnstudio.gui.main_window import MainWindow
    from nnstudio.gui.preferences import AppSettings

    win = MainWindow(AppSettings(QSettings(ini, QSettings.Format.IniFormat)))
    win.show()
    win.start(project_path)
    assert win.project.path == project_path, win.project.path
    round_ = 0
    while True:
        round_ += 1
        win.project.name = f"round {round_}"
        assert win.save()
        print(f"saved {round_}", flush=True)
        win.project.name = f"autosave {round_}"
        win.document.mark_dirty()  # autosave only saves modified work
        win._autosave_now()
        print(f"autosaved {round_}", flush=True)
        app.processEvents()


if __name__ == "__main__":
    main()

"""The first window imports only what it needs: no scikit-learn, no torch._dynamo.

scikit-learn is for its built-in datasets and some metrics; torch._dynamo comes with the first
torch optimiser a process makes. Either costs seconds before the default project is ready to
train (issue 12: ready within 1.3x a bare import of PySide6.QtWidgets and torch).
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.catalogue import schedules
from tests.gui.startup_process import run_startup_script

SCRIPT = """
import json, os, sys, tempfile
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.preferences import AppSettings
settings = AppSettings(QSettings(tempfile.mkdtemp() + "/s.ini", QSettings.Format.IniFormat))
window = MainWindow(settings)
window.show()
window.start()
app.processEvents()
ready = window.document.workspace.prepared is not None
window.document.mark_saved()
if window.recovery is not None:
    window.recovery.end_session()
print(json.dumps({"ready": ready, "modules": sorted(
    m for m in ("sklearn", "scipy", "torch._dynamo") if m in sys.modules)}))
"""


def test_the_default_project_opens_without_scikit_learn_or_dynamo(tmp_path):
    result = run_startup_script(tmp_path, SCRIPT)
    assert result == {"ready": True, "modules": []}


def test_a_constant_plan_is_the_same_without_an_optimizer(monkeypatch):
    for name in sorted(schedules.CONSTANT_PLANS):
        fast = schedules.planned_lrs(name, 0.01, 6, 4)
        monkeypatch.setattr(schedules, "CONSTANT_PLANS", frozenset())
        slow = schedules.planned_lrs(name, 0.01, 6, 4)
        monkeypatch.undo()
        assert np.array_equal(fast["epoch"], slow["epoch"])
        assert np.array_equal(fast["batch"], slow["batch"])

"""The app's start as a user meets it: a light first window, then the default project ready.

Issue 12: ready to train within 1.3x a bare import of PySide6.QtWidgets and torch. These tests
run the real start-up path (``run_app``) in a fresh process and check what it has imported
and done at the first paint and when it says "ready" — never how long it took
(bench/bench_gui.py measures that). torch is not needed to be ready: the GUI process imports
it in the background afterwards (gui/preload.py), and the training process imports it itself.
"""

from __future__ import annotations

from tests.conftest import REPO
from tests.gui.startup_process import run_startup_script

#: Modules the first window and the default project must not need.
NEVER = ("sklearn", "scipy", "torch._dynamo", "matplotlib")
#: Modules the window shell must not import before its first paint (the GUI thread's work;
#: torch and the core may already be arriving in the background thread).
NOT_AT_FIRST_PAINT = ("pyqtgraph", "nnstudio.gui.canvas.view", "nnstudio.gui.plots.panel")

SCRIPT = """
import json, sys
import nnstudio.gui.main_window as mw

seen = {}
watched = %(watched)r
original = mw.MainWindow.__init__


def loaded():
    return sorted(m for m in watched if m in sys.modules)


def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    window = self

    def painted():
        seen.setdefault("first_paint", loaded())

    def ready():
        workbench = window.workbench
        seen["ready"] = {
            "modules": loaded(),
            "train_enabled": window.actions_by_name["train"].isEnabled(),
            "prepared": window.document.workspace.prepared is not None,
            "painted_first": "first_paint" in seen,
            "profile_built": workbench.data.profile_view._built,
        }

    self.first_painted.connect(painted)
    self.ready.connect(ready)


mw.MainWindow.__init__ = init
from nnstudio.gui.app import run_app

code = run_app(None, argv=["nnstudio"])
print(json.dumps({"code": code, **seen}))
"""


def start_app(tmp_path) -> dict:
    watched = sorted({*NEVER, *NOT_AT_FIRST_PAINT, "torch", "pandas"})
    return run_startup_script(tmp_path, SCRIPT % {"watched": watched}, scope="ready")


def test_the_first_window_paints_before_the_engine_and_the_default_project_is_ready_to_train(
    tmp_path,
):
    result = start_app(tmp_path)

    assert result["code"] == 0
    painted = set(result["first_paint"])
    assert not painted & {*NEVER, *NOT_AT_FIRST_PAINT}, painted
    ready = result["ready"]
    assert ready["painted_first"]
    # "Ready" means what it says: the data is prepared and Train can be pressed.
    assert ready["prepared"]
    assert ready["train_enabled"]
    assert "pandas" in ready["modules"]
    assert "torch" not in ready["modules"]
    assert not set(ready["modules"]) & set(NEVER)
    # The data panel's Profile tab starts hidden: its table and plots wait until it is shown.
    assert ready["profile_built"] is False


def test_opening_a_project_keeps_the_weights_tab_s_empty_plot_instead_of_rebuilding_it(qtbot):
    from nnstudio.core.project import load_project
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.plots import TrainingPlotsPanel

    document = ProjectDocument()
    panel = TrainingPlotsPanel(document)
    qtbot.addWidget(panel)
    empty = panel.weights.empty_plot
    assert empty is not None

    # Opening a project resets every view twice (the project, then its saved curves).
    document.replace_project(load_project(REPO / "samples" / "spirals.nnsproj"))
    panel.show_history(document.project.history)

    assert panel.weights.empty_plot is empty
    assert panel.weights.histograms == {}

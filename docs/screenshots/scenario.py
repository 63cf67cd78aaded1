"""Put the real app into a state worth a screenshot (used with ../shared/tools/screenshot).

    ../shared/tools/screenshot docs/screenshots/main.png 30 -- \
        python docs/screenshots/scenario.py default

Scenarios: default, validation, data, profile, training, boundary, activations, neurons,
race, and lesson:KEY (a lesson opened from the Lessons menu), presentation (F11 while training).
``NNSTUDIO_LANG=zh_CN`` takes the same shot in Chinese (the ``*-zh_CN-*.png`` files).
The window opens maximised on the virtual screen; training scenarios train the default
sample for a few seconds and then pause, so the plots hold a run in progress.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from nnstudio.gui.app import _apply_style  # noqa: E402
from nnstudio.gui.commands import (  # noqa: E402
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    MacroCommand,
    MoveNodesCommand,
    SetTrainingSettingsCommand,
)
from nnstudio.gui.language import apply_language  # noqa: E402
from nnstudio.gui.main_window import MainWindow  # noqa: E402
from nnstudio.gui.preferences import AppSettings  # noqa: E402
from nnstudio.i18n import _  # noqa: E402


def main() -> None:
    scenario = sys.argv[1] if len(sys.argv) > 1 else "default"
    os.environ.setdefault("NNSTUDIO_DATA_DIR", tempfile.mkdtemp())
    from PySide6.QtCore import QSettings

    app = QApplication(sys.argv[:1])
    app.setApplicationName("NN Studio")
    _apply_style(app)
    apply_language(app, os.environ.get("NNSTUDIO_LANG") or "en")
    settings = AppSettings(
        QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    )
    window = MainWindow(settings)
    # No window manager on a virtual screen: size the window to the screen ourselves.
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    QTimer.singleShot(300, lambda: stage(window, scenario))
    app.exec()


def stage(window: MainWindow, scenario: str) -> None:
    if scenario == "presentation":  # F11 while a run trains, as a teacher projects it
        window.start()
        window._size_docks()
        window.train()
        # After the start-up's own layout passes (fit, dock sizes), as a teacher presses F11.
        QTimer.singleShot(2000, window.actions_by_name["presentation"].trigger)
        QTimer.singleShot(8000, window.pause_training)
        return
    if scenario.startswith("lesson:"):  # lesson:KEY opens that lesson from the Lessons menu
        window.start()
        window._size_docks()
        window.open_lesson(scenario.partition(":")[2])
        return
    sample = (
        REPO
        / "samples"
        / ("mobile_price.nnsproj" if scenario in ("data", "profile") else "spirals.nnsproj")
    )
    window.start(sample if scenario in ("data", "profile") else None)
    window._size_docks()
    doc = window.document
    if scenario == "validation":
        # A skip connection from the input into the last hidden layer: [batch, 2] + [batch, 32]
        # cannot be added, which the canvas shows in red.
        ids = list(doc.workspace.graph.nodes)
        macro = MacroCommand("Add a skip connection")
        DisconnectCommand(doc, ids[2], ids[3], parent=macro)
        add = AddNodeCommand(doc, "Add", position=(690.0, 150.0), parent=macro)
        ConnectCommand(doc, ids[2], add.node_id, parent=macro)
        ConnectCommand(doc, ids[0], add.node_id, parent=macro)
        ConnectCommand(doc, add.node_id, ids[3], parent=macro)
        MoveNodesCommand(
            doc,
            {ids[3]: doc.workspace.graph.nodes[ids[3]].position},
            {ids[3]: (920.0, 0.0)},
            parent=macro,
        )
        doc.push(macro)
        window.workbench.canvas.select_nodes([add.node_id])
        window.docks["problems"].raise_()
        QTimer.singleShot(200, lambda: window._canvas_call("fit_all"))
    elif scenario == "data":
        window.docks["data"].raise_()
    elif scenario == "profile":  # the data panel's Profile tab, given the room a user drags
        window.docks["data"].raise_()
        panel = window.docks["data"].widget()
        panel.view_tabs.setCurrentWidget(panel.profile_view)

        def widen_and_select_ram() -> None:  # after the start-up's own dock sizing
            width = int(window.width() * 0.62)
            window.resizeDocks([window.docks["data"]], [width], Qt.Orientation.Horizontal)
            panel.splitter.setSizes([120, 2000])
            view = panel.profile_view
            rows = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
            if "ram" in rows:
                view.table.selectRow(rows.index("ram"))

        QTimer.singleShot(2500, widen_and_select_ram)
    elif scenario in ("training", "boundary", "activations", "neurons"):
        tab = {
            "training": "Loss & metric",
            "boundary": "Decision boundary",
            "activations": "Activations",
        }.get(scenario)
        window.docks["training"].raise_()
        if scenario == "neurons":
            window.docks["neurons"].raise_()  # open before Train, so the run sends weights
            # A teacher drags the panel taller to show the class every neuron.
            height = int(window.height() * 0.58)
            window.resizeDocks([window.docks["neurons"]], [height], Qt.Orientation.Vertical)
        # More epochs than a few seconds can train, so the shot shows a run in progress.
        longer = doc.project.training.replace(epochs=1000)
        doc.push(SetTrainingSettingsCommand(doc, longer, _("Epochs")))
        window.train()
        if tab:
            window.workbench.plots.show_tab(tab)
        QTimer.singleShot(6000, window.pause_training)
    elif scenario == "race":
        window.open_sample(REPO / "samples" / "iris.nnsproj")
        window.show_race()
        dialog = window.workbench.race
        dialog.resize(1100, 700)
        QTimer.singleShot(500, dialog.start_race)


if __name__ == "__main__":
    main()

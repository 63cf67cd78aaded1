"""The main window driven as a user would: build, edit, undo, data, save/reopen, recovery."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.project import load_project
from nnstudio.gui.commands import AddNodeCommand
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.window_layout import read_layout
from tests.conftest import REPO
from tests.gui.conftest import ini_settings

SAMPLES = REPO / "samples"
Btn = QMessageBox.StandardButton


@pytest.fixture
def window(open_window):
    return open_window(size=(1280, 800))


def started(win, path=None):
    win.start(path)
    return win


def test_shell_paints_before_the_engine_loads(window):
    assert window.document is None
    assert not window.actions_by_name["train"].isEnabled()
    assert window.actions_by_name["quit"].isEnabled()


def test_opens_default_sample_ready_to_train(window):
    started(window)
    doc = window.document
    assert doc.project.name == "Two spirals"
    assert len(doc.workspace.graph.nodes) == 4 and doc.workspace.prepared is not None
    assert doc.workspace.blocking_reason() is None
    assert window.actions_by_name["train"].isEnabled()
    assert "Two spirals" in window.windowTitle()
    assert doc.project.path is None  # a sample opens as an untitled copy


def test_build_connect_edit_undo_redo_as_a_user(window, qtbot):
    started(window)
    window.new_project()
    doc, canvas = window.document, window.workbench.canvas
    (input_id,) = list(doc.workspace.graph.nodes)
    canvas.select_nodes([input_id])
    window.workbench.palette.layer_requested.emit("Dense")
    dense_id = next(n for n in doc.workspace.graph.nodes if n != input_id)
    assert doc.workspace.graph.inputs_of(dense_id) == [input_id]
    assert canvas.selected_node_ids() == [dense_id]

    inspector = window.workbench.inspector
    spin = inspector.layer_page.form.editor("units").spin
    spin.setValue(16)
    assert doc.workspace.graph.nodes[dense_id].params["units"] == 16
    assert window.isWindowModified()

    undo, redo = window.actions_by_name["undo"], window.actions_by_name["redo"]
    undo.trigger()
    assert doc.workspace.graph.nodes[dense_id].params["units"] == 8
    assert spin.value() == 8
    undo.trigger()
    assert dense_id not in doc.workspace.graph.nodes
    redo.trigger()
    redo.trigger()
    assert doc.workspace.graph.nodes[dense_id].params["units"] == 16
    assert doc.workspace.graph.inputs_of(dense_id) == [input_id]


def test_validation_error_appears_and_clears(window, qtbot):
    started(window, SAMPLES / "iris.nnsproj")
    doc = window.document
    problems = window.workbench.problems
    assert problems.counts()[0] == 0
    cmd = AddNodeCommand(doc, "Dense", position=(0, 300))
    doc.push(cmd)
    doc.revalidate()
    assert problems.counts()[0] >= 1
    assert any(p.node_id == cmd.node_id for p in doc.workspace.analysis.errors)
    assert window.workbench.canvas.node_item(cmd.node_id).toolTip()
    window.actions_by_name["undo"].trigger()
    doc.revalidate()
    assert problems.counts()[0] == 0


def test_load_csv_set_target_save_and_reopen(window, tmp_path):
    started(window)
    csv = tmp_path / "phones.csv"
    csv.write_text(
        "ram,battery,price\n"
        + "".join(f"{1000 + 37 * i % 900},{2000 + i},{i % 3}\n" for i in range(60)),
        "utf-8",
    )
    window.load_csv(str(csv))
    doc = window.document
    assert doc.workspace.table is not None and list(doc.workspace.table.frame.columns) == [
        "ram",
        "battery",
        "price",
    ]
    assert doc.workspace.prepared is not None and doc.workspace.prepared.n_features == 2
    data = window.workbench.data
    data._role_combos["battery"].setCurrentIndex(data._role_combos["battery"].findData("ignored"))
    assert doc.project.data.ignored == ("battery",)
    assert doc.workspace.prepared.n_features == 1

    target = tmp_path / "mine.nnsproj"
    assert window._save_to(target)
    assert not window.isWindowModified()
    saved_graph = doc.workspace.graph.to_dict()
    window.new_project()
    assert window.open_project(target)
    doc = window.document
    assert doc.workspace.graph.to_dict() == saved_graph
    assert doc.project.data.ignored == ("battery",)
    assert Path(doc.project.data.source.path) == csv
    assert doc.workspace.prepared is not None and doc.workspace.prepared.n_features == 1
    assert str(target.resolve()) in window.settings.recent_files()


def test_unsaved_changes_ask_before_closing(window, dialogs):
    started(window)
    doc = window.document
    doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300)))
    dialogs.answers = [Btn.Cancel]
    assert not window.close()
    assert "Save the changes" in dialogs.asked[-1]
    dialogs.answers = [Btn.Discard]
    assert window.close()


def test_broken_project_file_gives_a_message_and_keeps_work(window, dialogs, tmp_path):
    started(window)
    doc = window.document
    before = doc.workspace.graph.to_dict()
    bad = tmp_path / "bad.nnsproj"
    bad.write_bytes(b"\x89PNG not a project")
    assert not window.open_project(bad)
    assert "Cannot open project" in dialogs.asked[-1]
    assert doc.workspace.graph.to_dict() == before


def test_autosave_writes_recovery_beside_project_and_restores_after_crash(
    window, dialogs, tmp_path, qtbot, monkeypatch
):
    started(window)
    target = tmp_path / "work.nnsproj"
    window._save_to(target)
    doc = window.document
    doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300), name="unsaved_dropout"))
    window._autosave_now()
    recovery = target.with_name(target.name + ".recovery")
    assert recovery.exists()
    assert target.read_bytes() != recovery.read_bytes()
    assert "unsaved_dropout" not in {n.name for n in load_project(target).graph.nodes.values()}

    # A second window with the same data folder finds the crashed session's copy.
    other = MainWindow(ini_settings(tmp_path / "s2.ini"))
    qtbot.addWidget(other)
    window.recovery.marker.write_text(
        window.recovery.marker.read_text().replace(str(__import__("os").getpid()), "999999")
    )
    monkeypatch.setattr("nnstudio.gui.recovery._alive", lambda pid: False)
    dialogs.answers = [Btn.Yes]
    other.start()
    assert "Restore unsaved work" in "".join(dialogs.asked)
    names = {n.name for n in other.document.workspace.graph.nodes.values()}
    assert "unsaved_dropout" in names
    assert other.document.modified and other.project.path == target
    other.document.mark_saved()
    other.recovery.end_session()


def test_clean_close_removes_recovery_copy(window, tmp_path):
    started(window)
    target = tmp_path / "w.nnsproj"
    window._save_to(target)
    doc = window.document
    doc.push(AddNodeCommand(doc, "Dropout", position=(0, 300)))
    window._autosave_now()
    recovery = target.with_name(target.name + ".recovery")
    assert recovery.exists()
    window._save_to(target)
    assert not recovery.exists()
    assert window.close()
    assert not window.recovery.marker.exists()


def test_open_sample_menu_lists_samples(window):
    started(window)
    window._fill_samples_menu()
    texts = [a.text() for a in window.samples_menu.actions()]
    assert any("mobile_price" in t for t in texts) and any("brand_price" in t for t in texts)


def test_side_panels_get_the_room_their_tables_need(window, qtbot):
    """At 1280×800 the data panel runs the full height beside the plots and shows its tables."""
    started(window, SAMPLES / "mobile_price.nnsproj")
    window.docks["data"].raise_()
    qtbot.waitUntil(lambda: window.docks["data"].isVisible())
    data, plots = window.docks["data"], window.docks["plots"]
    panel = window.workbench.data

    def laid_out() -> None:
        assert data.height() > 0.7 * window.centralWidget().parentWidget().height()
        assert plots.geometry().right() < data.geometry().left()  # plots stop at the panel
        assert 380 <= data.width() <= 520
        assert panel.columns_table.height() >= 5 * 26

    # The raised dock settles over a few event-loop turns: wait for the layout, not a time.
    qtbot.waitUntil(laid_out, timeout=10_000)


def test_window_layout_is_remembered(window, tmp_path, qtbot):
    started(window)
    window.docks["problems"].hide()
    window.document.mark_saved()
    geometry = window.geometry()
    window.close()
    settings = window.settings
    assert read_layout(settings).rect == geometry
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    again.start()
    assert not again.docks["problems"].isVisible()
    assert again.docks["plots"].isVisible()

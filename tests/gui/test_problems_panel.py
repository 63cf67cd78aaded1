"""The Problems panel lists what the document found and leads the user to the layer at fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.data.data_settings import default_settings_for
from nnstudio.core.network.analysis import ERROR, WARNING
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project
from nnstudio.gui.commands import AddNodeCommand, SetParamCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.problems_panel import ProblemsPanel, collect_problems
from tests.gui.helpers import open_document, shot, shown


def chain_graph(output_activation: str = "identity") -> tuple[Graph, dict[str, str]]:
    g = Graph()
    ids = {
        "input": g.add_node("Input", {"size": 3}, name="input").id,
        "hidden": g.add_node("Dense", {"units": 4, "activation": "relu"}, name="hidden").id,
        "out": g.add_node("Dense", {"units": 2, "activation": output_activation}, name="output").id,
    }
    g.add_edge(ids["input"], ids["hidden"])
    g.add_edge(ids["hidden"], ids["out"])
    return g, ids


@pytest.fixture
def doc(qtbot) -> Iterator[ProjectDocument]:
    with open_document(*chain_graph()) as document:
        yield document


@pytest.fixture
def panel(qtbot, doc) -> ProblemsPanel:
    return shown(qtbot, ProblemsPanel(doc), (320, 360))


def click_row(qtbot, panel: ProblemsPanel, row: int) -> None:
    item = panel.list.item(row)
    rect = panel.list.visualItemRect(item)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_valid_network_without_data_has_no_problems(panel, doc):
    assert panel.entries == []
    assert panel.list.isHidden()
    assert panel.summary_text() == "No problems in the network"
    assert "dataset" in panel.detail_label.text()


def test_ready_to_train_when_data_fits(qtbot):
    g = Graph()
    i = g.add_node("Input", {"size": "auto"}, name="input")
    h = g.add_node("Dense", {"units": 4, "activation": "tanh"}, name="hidden")
    o = g.add_node("Dense", {"units": "auto", "activation": "identity"}, name="output")
    g.add_edge(i.id, h.id)
    g.add_edge(h.id, o.id)
    project = Project(graph=g, data=default_settings_for("xor"))
    document = ProjectDocument(project)
    document.workspace.reload_data()
    document.revalidate()
    widget = ProblemsPanel(document)
    qtbot.addWidget(widget)
    assert document.workspace.blocking_reason() is None
    assert widget.summary_text() == "No problems — ready to train"
    assert widget.detail_label.isHidden()


def test_dangling_layer_is_listed_and_clicking_it_selects_the_layer(panel, doc, qtbot):
    command = AddNodeCommand(doc, "Dense", {"units": 3}, name="loose")
    doc.push(command)
    doc.revalidate()

    errors, warnings = panel.counts()
    assert errors >= 1
    assert warnings == 0
    assert panel.summary_text() == f"{errors} error{'s' if errors > 1 else ''}"
    rows = [e for e in panel.entries if e.node_id == command.node_id]
    assert rows
    assert all(e.severity == ERROR and e.title == "loose" for e in rows)
    assert any("not connected" in e.message for e in rows)
    assert panel.list.item(0).toolTip()  # the hint explains what to do

    row = next(i for i, e in enumerate(panel.entries) if e.node_id == command.node_id)
    with qtbot.waitSignal(panel.node_activated, timeout=1000) as blocker:
        click_row(qtbot, panel, row)
    assert blocker.args == [command.node_id]
    shot(panel, "problems_errors")

    # Fixing it (undo the add) clears the list.
    doc.undo_stack.undo()
    doc.revalidate()
    assert panel.entries == []
    assert panel.list.count() == 0
    assert panel.summary_text() == "No problems in the network"


def test_updates_on_the_documents_own_revalidation(panel, doc, qtbot):
    doc.push(AddNodeCommand(doc, "Dropout", {}, name="stray"))
    qtbot.waitUntil(lambda: panel.counts()[0] > 0, timeout=1000)  # coalesced pass


def test_lint_warning_is_amber_and_does_not_block(panel, doc):
    # The default loss is cross-entropy: a softmax output applies softmax twice.
    doc.push(SetParamCommand(doc, doc.ids["out"], "activation", {"name": "softmax"}))
    doc.revalidate()
    assert panel.counts() == (0, 1)
    entry = panel.entries[0]
    assert entry.severity == WARNING
    assert entry.title == "output"
    assert "Softmax" in entry.message
    assert entry.hint
    assert panel.summary_text() == "1 warning"
    assert "Training can start" in panel.detail_label.text()
    shot(panel, "problems_warning")


def test_errors_come_before_warnings(panel, doc):
    doc.push(SetParamCommand(doc, doc.ids["out"], "activation", {"name": "softmax"}))
    doc.push(AddNodeCommand(doc, "Dense", {}, name="loose"))
    doc.revalidate()
    severities = [e.severity for e in collect_problems(doc)]
    assert severities == sorted(severities, key=lambda s: s != ERROR)


def test_data_error_and_compatibility_are_listed(panel, doc, qtbot):
    doc.workspace.data_error = "mobile.csv: no column named 'price_range'"
    doc.workspace.compatibility = [
        "CrossEntropyLoss needs one output per class (4); the output has 2."
    ]
    doc.data_changed.emit()

    titles = [e.title for e in panel.entries]
    assert titles == ["Data", "Loss ↔ output"]
    assert panel.summary_text() == "2 errors"
    assert panel.entries[1].node_id == doc.ids["out"]  # the output layer is the one to change

    # The data row belongs to no layer: clicking it emits nothing.
    with qtbot.assertNotEmitted(panel.node_activated):
        click_row(qtbot, panel, 0)
    qtbot.wait(350)
    with qtbot.waitSignal(panel.node_activated, timeout=1000) as blocker:
        click_row(qtbot, panel, 1)
    assert blocker.args == [doc.ids["out"]]
    shot(panel, "problems_data")


def test_follows_a_replaced_project(panel, doc):
    g = Graph()
    g.add_node("Dense", {}, name="alone")
    doc.replace_project(Project(graph=g), load_data=False)
    assert any(e.title == "alone" for e in panel.entries)


def test_rows_wrap_instead_of_clipping(panel, doc):
    doc.workspace.compatibility = [
        "A very long explanation that cannot possibly fit on one line of a narrow dock and "
        "must therefore wrap onto several lines instead of being cut off at the edge."
    ]
    doc.data_changed.emit()
    QApplication.processEvents()
    item = panel.list.item(0)
    one_line = panel.list.fontMetrics().height()
    assert panel.list.visualItemRect(item).height() > 3 * one_line

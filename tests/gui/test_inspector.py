"""The inspector and its parameter editors: the model drives the view and the view edits the model.

Edits go through the undo stack (and come back on undo), repeated spin-box steps merge, the
activation plot shows exactly ``activations.curve``, the summary matches ``summarize`` (the
lesson's 3→3→2→2 network has 26 parameters) and edits are refused while training runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from nnstudio.core.catalogue.activations import curve
from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.schedules import SCHEDULES
from nnstudio.core.network.builder import summarize
from nnstudio.core.network.graph import Graph
from nnstudio.core.project import Project
from nnstudio.gui.commands import SetParamCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.inspector.activation_plot import PLOT_POINTS, PLOT_RANGE
from nnstudio.gui.inspector.inspector import InspectorPanel
from nnstudio.gui.widgets.param_editors import (
    ComponentEditor,
    FloatEditor,
    IntOrAutoEditor,
    ListEditor,
    LogSpinBox,
    MatrixDialog,
    MatrixEditor,
    ParamForm,
    format_number,
    make_editor,
)
from tests.gui.helpers import open_document, shot, shown


def lesson_graph() -> tuple[Graph, dict[str, str]]:
    """The parameter-count lesson: Linear(3,3)+xavier → Sigmoid → Linear(3,2)+He → ReLU → …"""
    g = Graph()
    ids = {}
    ids["input"] = g.add_node("Input", {"size": 3}, name="input").id
    ids["h1"] = g.add_node(
        "Dense",
        {"units": 3, "activation": "sigmoid", "weight_init": {"name": "xavier_normal"}},
        name="hidden_1",
    ).id
    ids["h2"] = g.add_node(
        "Dense",
        {"units": 2, "activation": "relu", "weight_init": {"name": "kaiming_normal"}},
        name="hidden_2",
    ).id
    ids["out"] = g.add_node("Dense", {"units": 2, "activation": "softmax"}, name="output").id
    g.add_edge(ids["input"], ids["h1"])
    g.add_edge(ids["h1"], ids["h2"])
    g.add_edge(ids["h2"], ids["out"])
    return g, ids


@pytest.fixture
def doc(qtbot) -> Iterator[ProjectDocument]:
    with open_document(*lesson_graph()) as document:
        yield document


@pytest.fixture
def panel(qtbot, doc) -> InspectorPanel:
    return shown(qtbot, InspectorPanel(doc), (320, 800))


def settle(doc: ProjectDocument) -> None:
    """Run the coalesced validation now instead of on the next event-loop turn."""
    doc.revalidate()


# --- one layer: edit → model → undo → view ----------------------------------------------------


def test_editing_units_pushes_a_command_and_undo_restores_the_editor(panel, doc):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    units = panel.layer_page.form.editor("units")
    assert units.spin.value() == 3

    units.spin.setValue(5)
    assert doc.workspace.graph.nodes[h1].params["units"] == 5
    assert doc.undo_stack.count() == 1

    doc.undo_stack.undo()
    assert doc.workspace.graph.nodes[h1].params["units"] == 3
    assert units.spin.value() == 3

    doc.undo_stack.redo()
    assert units.spin.value() == 5


def test_repeated_spin_box_steps_merge_into_one_undo_step(panel, doc):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    spin = panel.layer_page.form.editor("units").spin
    for _ in range(4):
        spin.stepUp()
    assert doc.workspace.graph.nodes[h1].params["units"] == 7
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.workspace.graph.nodes[h1].params["units"] == 3
    assert spin.value() == 3


def test_edits_of_different_params_stay_separate_steps(panel, doc):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    form = panel.layer_page.form
    form.editor("units").spin.setValue(4)
    form.editor("bias").check.setChecked(False)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert form.editor("bias").check.isChecked()
    assert form.editor("units").spin.value() == 4


def test_view_follows_changes_made_elsewhere(panel, doc):
    h2 = doc.ids["h2"]
    panel.show_nodes([h2])
    doc.push(SetParamCommand(doc, h2, "activation", {"name": "tanh"}))
    page = panel.layer_page
    assert page.form.editor("activation").combo.currentData() == "tanh"
    _, f, _ = curve({"name": "tanh"}, *PLOT_RANGE, PLOT_POINTS)
    np.testing.assert_allclose(page.plot.f_curve.getData()[1], f)


def test_activation_combo_updates_the_plot_with_exact_curve_values(panel, doc):
    h2 = doc.ids["h2"]
    panel.show_nodes([h2])
    page = panel.layer_page
    combo = page.form.editor("activation").combo
    combo.setCurrentIndex(combo.findData("sigmoid"))

    assert doc.workspace.graph.nodes[h2].params["activation"] == {"name": "sigmoid"}
    x, f, df = curve({"name": "sigmoid"}, *PLOT_RANGE, PLOT_POINTS)
    px, pf = page.plot.f_curve.getData()
    _, pdf = page.plot.df_curve.getData()
    np.testing.assert_allclose(px, x)
    np.testing.assert_allclose(pf, f)
    np.testing.assert_allclose(pdf, df)
    assert pdf.max() == pytest.approx(0.25, abs=1e-3)  # the lesson's point about sigmoid

    doc.undo_stack.undo()
    _, relu_f, _ = curve({"name": "relu"}, *PLOT_RANGE, PLOT_POINTS)
    np.testing.assert_allclose(page.plot.f_curve.getData()[1], relu_f)
    assert combo.currentData() == "relu"


def test_leaky_relu_shows_its_slope_and_edits_it(panel, doc):
    h2 = doc.ids["h2"]
    panel.show_nodes([h2])
    editor = panel.layer_page.form.editor("activation")
    assert isinstance(editor, ComponentEditor)
    assert not editor.nested.isVisibleTo(editor)  # ReLU has no parameters
    editor.combo.setCurrentIndex(editor.combo.findData("leaky_relu"))
    assert editor.nested.isVisibleTo(editor)
    slope = editor.form.editor("negative_slope")
    slope.spin.setValue(0.2)
    assert doc.workspace.graph.nodes[h2].params["activation"] == {
        "name": "leaky_relu",
        "negative_slope": 0.2,
    }
    _, f, _ = curve({"name": "leaky_relu", "negative_slope": 0.2}, *PLOT_RANGE, PLOT_POINTS)
    np.testing.assert_allclose(panel.layer_page.plot.f_curve.getData()[1], f)
    doc.undo_stack.undo()
    # Whatever the undo step covers (choice and slope may merge), the view shows the model.
    assert editor.value() == doc.workspace.graph.nodes[h2].params["activation"]
    assert editor.combo.currentData() == doc.workspace.graph.nodes[h2].params["activation"]["name"]


def test_kaiming_initializer_shows_mode_and_nonlinearity(panel, doc):
    panel.show_nodes([doc.ids["h2"]])
    editor = panel.layer_page.form.editor("weight_init")
    assert editor.combo.currentData() == "kaiming_normal"
    assert set(editor.form.editors()) == {"mode", "nonlinearity", "negative_slope"}
    mode = editor.form.editor("mode").combo
    mode.setCurrentIndex(mode.findData("fan_out"))
    assert doc.workspace.graph.nodes[doc.ids["h2"]].params["weight_init"]["mode"] == "fan_out"
    # Switching to the uniform variant keeps the shared settings.
    editor.combo.setCurrentIndex(editor.combo.findData("kaiming_uniform"))
    assert doc.workspace.graph.nodes[doc.ids["h2"]].params["weight_init"] == {
        "name": "kaiming_uniform",
        "mode": "fan_out",
        "nonlinearity": "relu",
        "negative_slope": 0.0,
    }


def test_explicit_weights_offer_the_layer_size(panel, doc):
    h2 = doc.ids["h2"]
    panel.show_nodes([h2])
    editor = panel.layer_page.form.editor("weight_init")
    editor.combo.setCurrentIndex(editor.combo.findData("explicit"))
    settle(doc)
    matrix = editor.form.editor("values")
    assert isinstance(matrix, MatrixEditor)
    assert matrix.hints()["matrix_shape"] == (2, 3)  # 2 units × 3 inputs
    assert "One number fills all 2×3" in matrix.note.text()
    doc.push(SetParamCommand(doc, h2, "weight_init", {"name": "explicit", "values": [[1.0, 2.0]]}))
    settle(doc)
    assert matrix.note.text() == "Typed 1×2; needs 2×3"


def test_dense_page_teaches_the_parameter_formula(panel, doc):
    panel.show_nodes([doc.ids["h1"]])
    page = panel.layer_page
    assert page.shape_value.text() == "[batch, 3]"
    assert "n·(d+1) = 3·(3+1) = 12" in page.params_value.text()
    page.form.editor("bias").check.setChecked(False)
    settle(doc)
    assert "n·d = 3·3 = 9" in page.params_value.text()


def test_hovering_the_plot_reads_out_f_and_its_slope(panel, doc):
    panel.show_nodes([doc.ids["h1"]])  # sigmoid
    text = panel.layer_page.plot.show_value(0.0)
    assert "f(z) = 0.5" in text
    assert "f′(z) = 0.25" in text


def test_frozen_layer_shows_unchecked_trainable_and_toggle_is_undoable(panel, doc):
    h1 = doc.ids["h1"]
    doc.workspace.graph.set_attribute(h1, "trainable", False)
    panel.show_nodes([h1])
    check = panel.layer_page.trainable_check
    assert not check.isChecked()
    check.setChecked(True)
    assert doc.workspace.graph.nodes[h1].trainable
    doc.undo_stack.undo()
    assert not doc.workspace.graph.nodes[h1].trainable
    assert not check.isChecked()


def test_rename_is_undoable_and_duplicates_are_refused(panel, doc):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    page = panel.layer_page
    page.name_edit.setText("first_hidden")
    page.name_edit.editingFinished.emit()
    assert doc.workspace.graph.nodes[h1].name == "first_hidden"

    page.name_edit.setText("output")
    page.name_edit.editingFinished.emit()
    assert doc.workspace.graph.nodes[h1].name == "first_hidden"
    assert page.name_edit.text() == "first_hidden"
    assert not page.name_error.isHidden()
    assert "already called" in page.name_error.text()
    assert doc.undo_stack.count() == 1

    doc.undo_stack.undo()
    assert page.name_edit.text() == "hidden_1"
    assert page.name_error.isHidden()


def test_note_is_committed_when_editing_finishes(panel, doc):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    page = panel.layer_page
    page.note_edit.setPlainText("Xavier suits sigmoid layers.")
    page.commit_note()
    assert doc.workspace.graph.nodes[h1].note == "Xavier suits sigmoid layers."
    doc.undo_stack.undo()
    assert page.note_edit.toPlainText() == ""


def test_edits_are_refused_and_restored_while_training(panel, doc, qtbot):
    h1 = doc.ids["h1"]
    panel.show_nodes([h1])
    doc.set_locked("Training…")
    assert not panel.banner.isHidden()
    page = panel.layer_page
    with qtbot.waitSignal(doc.message, timeout=1000):
        page.form.editor("units").spin.setValue(9)
    assert doc.workspace.graph.nodes[h1].params["units"] == 3
    assert page.form.editor("units").spin.value() == 3

    combo = page.form.editor("activation").combo
    combo.setCurrentIndex(combo.findData("tanh"))
    assert doc.workspace.graph.nodes[h1].params["activation"] == {"name": "sigmoid"}
    assert combo.currentData() == "sigmoid"

    page.trainable_check.setChecked(False)
    assert doc.workspace.graph.nodes[h1].trainable
    assert page.trainable_check.isChecked()

    page.name_edit.setText("renamed")
    page.name_edit.editingFinished.emit()
    assert page.name_edit.text() == "hidden_1"
    assert doc.undo_stack.count() == 0

    panel.show_nodes([h1, doc.ids["h2"]])
    panel.selection_page.trainable_check.click()
    assert doc.workspace.graph.nodes[h1].trainable
    assert panel.selection_page.trainable_check.isChecked()
    panel.show_nodes([h1])
    page = panel.layer_page

    doc.set_locked(None)
    assert panel.banner.isHidden()
    page.form.editor("units").spin.setValue(9)
    assert doc.workspace.graph.nodes[h1].params["units"] == 9


def test_input_page_shows_auto_size_resolution(panel, doc):
    panel.show_nodes([doc.ids["input"]])
    size = panel.layer_page.form.editor("size")
    assert isinstance(size, IntOrAutoEditor)
    assert not size.auto.isChecked()
    assert panel.layer_page.trainable_check.isHidden()  # inputs have no weights
    assert "Inputs are not parameters" in panel.layer_page.params_note.text()


# --- several layers ------------------------------------------------------------------------


def test_bulk_trainable_toggle_is_one_undo_step(panel, doc):
    ids = [doc.ids["h1"], doc.ids["h2"], doc.ids["out"]]
    panel.show_nodes(ids)
    page = panel.selection_page
    assert panel.stack.currentWidget() is page
    assert page.title.text() == "3 layers selected"
    assert "26" in page.params_label.text()
    assert page.trainable_check.isChecked()

    page.trainable_check.click()
    assert not any(doc.workspace.graph.nodes[i].trainable for i in ids)
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Freeze 3 layers"

    doc.undo_stack.undo()
    assert all(doc.workspace.graph.nodes[i].trainable for i in ids)
    assert page.trainable_check.checkState() == Qt.CheckState.Checked


def test_mixed_selection_shows_partial_state(panel, doc):
    doc.workspace.graph.set_attribute(doc.ids["h1"], "trainable", False)
    panel.show_nodes([doc.ids["h1"], doc.ids["h2"]])
    check = panel.selection_page.trainable_check
    assert check.checkState() == Qt.CheckState.PartiallyChecked
    check.click()
    assert doc.workspace.graph.nodes[doc.ids["h1"]].trainable
    assert doc.workspace.graph.nodes[doc.ids["h2"]].trainable


# --- nothing selected: the model summary ---------------------------------------------------------


def test_summary_table_matches_summarize(panel, doc):
    panel.show_nodes([])
    view = panel.summary
    expected = summarize(doc.workspace.graph, doc.workspace.shape_context)
    assert expected.total_params == 26
    assert view.summary == expected
    assert view.table.rowCount() == 4
    assert [view.table.item(r, 3).text() for r in range(4)] == ["0", "12", "8", "6"]
    assert view.total_label.text() == "26"
    assert view.trainable_label.text() == "26"
    assert view.frozen_label.text() == "0"


def test_summary_follows_freezing_and_invalid_graphs(panel, doc):
    panel.show_nodes([])
    view = panel.summary
    doc.workspace.graph.set_attribute(doc.ids["h1"], "trainable", False)
    settle(doc)
    assert view.trainable_label.text() == "14"
    assert view.frozen_label.text() == "12"
    assert view.table.item(1, 4).text() == "❄"

    doc.workspace.graph.add_node("Dense", {"units": 4}, name="loose")
    settle(doc)
    assert view.table.isHidden()
    assert not view.message.isHidden()
    assert "loose" in view.message.text()


def test_summary_row_activation_names_the_layer(panel, doc, qtbot):
    panel.show_nodes([])
    item = panel.summary.table.item(2, 0)
    with qtbot.waitSignal(panel.node_activated, timeout=1000) as blocker:
        panel.summary.table.itemDoubleClicked.emit(item)
    assert blocker.args == [doc.ids["h2"]]


def test_removing_the_shown_layer_returns_to_the_summary(panel, doc):
    panel.show_nodes([doc.ids["out"]])
    doc.workspace.graph.remove_node(doc.ids["out"])
    assert panel.layer_page is None
    assert panel.stack.currentWidget() is panel.summary_page


def test_follows_the_new_graph_after_project_replaced(panel, doc):
    graph, ids = lesson_graph()
    doc.replace_project(Project(graph=graph))
    assert panel.stack.currentWidget() is panel.summary_page
    panel.show_nodes([ids["h1"]])
    graph.set_param(ids["h1"], "units", 6)
    assert panel.layer_page.form.editor("units").spin.value() == 6


# --- the editors on their own -----------------------------------------------------------------


def test_log_spin_box_steps_one_two_five_and_shows_scientific(qtbot):
    got = []
    editor = make_editor(OPTIMIZERS.get("adam").param("lr"), got.append)
    qtbot.addWidget(editor)
    assert isinstance(editor, FloatEditor)
    assert isinstance(editor.spin, LogSpinBox)
    assert editor.spin.text() == "0.001"
    editor.spin.stepBy(1)
    editor.spin.stepBy(1)
    editor.spin.stepBy(-3)
    assert got == pytest.approx([0.002, 0.005, 0.0005])
    editor.set_value(1e-4)
    assert editor.spin.text() == "1e-4"
    assert len(got) == 3  # set_value never emits
    assert format_number(2.5e-5) == "2.5e-5"


def test_list_editor_flags_bad_input_and_keeps_the_last_good_value(qtbot):
    got = []
    editor = make_editor(SCHEDULES.get("multistep").param("milestones"), got.append)
    qtbot.addWidget(editor)
    assert isinstance(editor, ListEditor)
    assert editor.line.text() == "50, 125, 160"
    editor.line.setText("50, soon")
    editor.line.textEdited.emit("50, soon")
    editor.line.editingFinished.emit()
    assert got == []
    assert editor.error is not None
    assert "border" in editor.line.styleSheet()
    assert "⚠" in editor.line.toolTip()
    assert editor.value() == [50, 125, 160]

    editor.line.setText("30; 60")
    editor.line.editingFinished.emit()
    assert got == [[30, 60]]
    assert editor.error is None
    assert editor.line.styleSheet() == ""
    assert editor.line.text() == "30, 60"


def test_every_catalogue_form_round_trips_defaults_silently(qtbot):
    from nnstudio.core.catalogue.losses import LOSSES

    for registry in (LAYERS, OPTIMIZERS, SCHEDULES, LOSSES):
        for component in registry:
            form = ParamForm(component.params)
            qtbot.addWidget(form)
            emitted = []
            form.changed.connect(lambda n, v, e=emitted: e.append((n, v)))
            form.set_values(component.defaults())
            assert form.values() == component.defaults(), component.name
            assert emitted == []
            for spec in component.params:
                assert form.editor(spec.name).toolTip() == spec.help


def test_junk_values_never_crash_an_editor(qtbot):
    for spec in LAYERS.get("Dense").params + LAYERS.get("Input").params:
        editor = make_editor(spec)
        qtbot.addWidget(editor)
        for junk in (None, "nonsense", -5, [1, "x"], {"name": "nope"}):
            editor.set_value(junk)
        assert editor.value() == spec.coerce(spec.default) or editor.value() is not None


def test_form_rows_can_be_hidden_and_report_changes(qtbot):
    from nnstudio.core.catalogue.losses import LOSSES

    form = ParamForm(LOSSES.get("cross_entropy").params)
    qtbot.addWidget(form)
    form.show()
    form.set_row_visible("class_weights", False)
    assert form.editor("class_weights").isHidden()
    with qtbot.waitSignal(form.changed, timeout=1000) as blocker:
        combo = form.editor("weighting").combo
        combo.setCurrentIndex(combo.findData("custom"))
    assert blocker.args == ["weighting", "custom"]


def test_layer_problems_show_in_the_header(panel, doc):
    h2 = doc.ids["h2"]
    doc.push(SetParamCommand(doc, h2, "weight_init", {"name": "explicit", "values": [[1.0, 2.0]]}))
    settle(doc)
    panel.show_nodes([h2])
    page = panel.layer_page
    assert not page.problems_label.isHidden()
    assert "2×3" in page.problems_label.text()
    shot(panel, "inspector_layer_problem")


def test_int_or_auto_toggle(qtbot):
    got = []
    editor = make_editor(LAYERS.get("Dense").param("units"), got.append)
    qtbot.addWidget(editor)
    editor.set_hints({"auto_value": 4})
    editor.auto.setChecked(True)
    assert got == ["auto"]
    assert not editor.spin.isEnabled()
    assert editor.spin.value() == 4
    editor.auto.setChecked(False)
    assert got[-1] == 4


def test_matrix_dialog_sizes_to_the_layer_and_refuses_non_numbers(qtbot):
    dialog = MatrixDialog([[0.15, 0.2], [0.25, 0.3]], expected=(2, 3))
    qtbot.addWidget(dialog)
    assert dialog.matrix() == [[0.15, 0.2], [0.25, 0.3]]
    dialog.fit_button.click()
    assert (dialog.table.rowCount(), dialog.table.columnCount()) == (2, 3)
    assert dialog.matrix() == [[0.15, 0.2, 0.0], [0.25, 0.3, 0.0]]
    dialog.table.item(0, 0).setText("abc")
    assert dialog.matrix() is None
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.table.item(0, 0).setText("1e-1")
    assert dialog.matrix()[0][0] == pytest.approx(0.1)
    shot(dialog, "matrix_dialog")
    dialog.done(QDialog.DialogCode.Rejected)


# --- screenshots (look at them: /tmp/nnstudio-shots/*.png) -----------------------------------


def test_screenshots(panel, doc, qtbot):
    panel.show_nodes([])
    assert shot(panel, "inspector_summary").exists()
    panel.show_nodes([doc.ids["h2"]])
    panel.layer_page.plot.show_value(1.0)
    shot(panel, "inspector_dense")
    panel.show_nodes([doc.ids["input"]])
    shot(panel, "inspector_input")
    panel.show_nodes([doc.ids["h1"], doc.ids["h2"]])
    shot(panel, "inspector_selection")
    panel.resize(320, 1100)
    panel.show_nodes([doc.ids["h1"]])
    weight = panel.layer_page.form.editor("weight_init")
    weight.combo.setCurrentIndex(weight.combo.findData("explicit"))
    act = panel.layer_page.form.editor("activation")
    act.combo.setCurrentIndex(act.combo.findData("leaky_relu"))
    settle(doc)
    qtbot.wait(50)  # widgets added to a shown layout appear on the next event-loop turn
    shot(panel, "inspector_dense_explicit")
    # Nothing may be clipped at the dock's width: the page never needs a horizontal scroll.
    assert panel.scroll.widget().minimumSizeHint().width() <= 320

"""The backprop step-through shows the lesson's worked example digit for digit."""

from __future__ import annotations

import pytest

from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.backprop_view import MAX_DRAWN_UNITS, BackpropView
from nnstudio.gui.lab.registry import lab_view
from tests.conftest import REPO

SAMPLES = REPO / "samples"


@pytest.fixture
def lesson_view(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(SAMPLES / "backprop_lesson.nnsproj"))
    view = BackpropView(document)
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    yield view
    document.undo_stack.clear()


def test_the_view_is_registered_under_its_key(qtbot):
    spec = lab_view("backprop")
    assert spec.title == "Backprop step-through"
    assert spec.view_class() is BackpropView


def test_forward_reveals_net_and_out_layer_by_layer(lesson_view):
    view = lesson_view
    assert view.neuron_text("i1") == "i1 = 0.050000"
    assert view.neuron_text("h1") == "net ?\nout ?"
    assert view.step_forward()
    assert view.neuron_text("h1") == "net 0.377500\nout 0.593270"
    assert view.neuron_text("h2") == "net 0.392500\nout 0.596884"
    assert view.neuron_text("o1") == "net ?\nout ?"
    assert view.step_forward()
    assert view.neuron_text("o1") == "net 1.105906\nout 0.751365"
    assert view.neuron_text("o2") == "net 1.224921\nout 0.772928"
    assert "E = 0.298371" in view.loss_label.text()
    assert not view.step_forward()


def test_the_forward_button_animates_with_a_timer_until_the_output(lesson_view, qtbot):
    view = lesson_view
    view.forward_button.click()
    assert view.timer.isActive()
    qtbot.waitUntil(lambda: view.forward_done, timeout=10_000)
    assert not view.timer.isActive()
    assert view.neuron_text("o2") == "net 1.224921\nout 0.772928"


def test_edges_carry_the_weights_then_their_gradients_then_old_to_new(lesson_view):
    view = lesson_view
    assert view.edge_text("w5") == "w5 = 0.400000"
    view.backward_button.click()
    grads = {name: view.edge_text(name).splitlines()[1] for name in ("w1", "w5", "w7", "w8")}
    assert grads == {
        "w1": "∂E/∂w1 = 0.000438568",
        "w5": "∂E/∂w5 = 0.082167",
        "w7": "∂E/∂w7 = -0.022603",
        "w8": "∂E/∂w8 = -0.022740",
    }
    view.apply_button.click()
    assert view.edge_text("w5") == "w5 = 0.400000\n→ 0.358916"
    assert view.edge_text("w6") == "w6 = 0.450000\n→ 0.408666"
    assert view.edge_text("w7") == "w7 = 0.500000\n→ 0.511301"
    assert view.edge_text("w8") == "w8 = 0.550000\n→ 0.561370"
    assert view.edge_text("w1") == "w1 = 0.150000\n→ 0.149781"
    assert view.edge_text("w4") == "w4 = 0.300000\n→ 0.299502"


def test_w5s_chain_rule_is_written_as_the_lesson_writes_it(lesson_view):
    view = lesson_view
    view.select_name("w5")
    assert "Run the backward pass" in view.chain_text()
    assert "0.082167" not in view.chain_text()
    view.show_backward()
    text = view.chain_text()
    assert "∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in text
    assert "∂E/∂out_o1 = out_o1 − target_o1 = 0.751365 − 0.010000 = 0.741365" in text
    assert "∂out_o1/∂net_o1 = out_o1·(1 − out_o1) = 0.751365 × (1 − 0.751365) = 0.186816" in text
    assert "∂net_o1/∂w5 = out_h1 = 0.593270" in text
    assert "∂E/∂w5 = 0.741365 × 0.186816 × 0.593270 = 0.082167" in text
    view.apply_step()
    assert "w5 = 0.400000 − 0.5 × 0.082167 = 0.358916" in view.chain_text()


def test_w1_sums_its_paths_through_o1_and_o2(lesson_view):
    view = lesson_view
    view.show_backward()
    view.weight_combo.setCurrentIndex(view.weight_combo.findText("w1"))
    assert view.selected.name == "w1"
    text = view.chain_text()
    assert "∂E/∂w1 sums the paths through o1, o2:" in text
    assert "= 0.741365 × 0.186816 × 0.400000 × 0.241301 × 0.050000 = 0.000668396" in text
    assert "= (-0.217072) × 0.175510 × 0.500000 × 0.241301 × 0.050000 = -0.000229828" in text
    assert "∂E/∂w1 = 0.000668396 + (-0.000229828) = 0.000438568" in text


def test_clicking_an_edge_selects_its_weight(lesson_view, qtbot):
    from PySide6.QtCore import Qt

    view = lesson_view
    edge = next(e for e in view.edges.values() if e.ref.name == "w7")
    point = view.network.mapFromScene(edge.line().pointAt(0.5))
    qtbot.mouseClick(view.network.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert view.selected.name == "w7"
    assert view.weight_combo.currentText() == "w7"


def test_the_table_lists_every_parameter_with_autograd_beside_the_numeric_gradient(
    lesson_view,
):
    view = lesson_view
    assert set(view.table_column(2).values()) == {"—"}
    view.show_backward()
    autograd, numeric = view.table_column(2), view.table_column(3)
    assert len(autograd) == 12
    assert autograd["w5"] == numeric["w5"] == "0.082167"
    assert autograd["w1"] == numeric["w1"] == "0.000438568"
    assert autograd["b_o1"] == "0.138499"
    assert autograd["b_h1"] == "0.00877136"
    assert view.table_column(4)["w5"] == "—"
    view.apply_step()
    after = view.table_column(4)
    assert [after[f"w{i}"] for i in range(5, 9)] == ["0.358916", "0.408666", "0.511301", "0.561370"]
    assert [after[f"w{i}"] for i in range(1, 5)] == ["0.149781", "0.199561", "0.249751", "0.299502"]


def test_the_digits_of_the_backward_pass_and_the_update_agree(lesson_view):
    view = lesson_view
    view.apply_step()
    for name in ("w1", "w5", "w8", "b_o2"):
        view.select_name(name)
        grad = view.table_column(2)[name]
        assert f"{grad}" in view.chain_text()
        assert view.table_column(4)[name] in view.chain_text()


def test_a_big_network_draws_a_few_neurons_per_layer_and_keeps_the_table_complete(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(SAMPLES / "iris.nnsproj"))
    view = BackpropView(document)
    qtbot.addWidget(view)
    view.row_spin.setValue(5)
    layer = next(nid for nid, n, _p in view._drawn_layers() if n > MAX_DRAWN_UNITS)
    assert view.more_labels[layer].text().startswith("+ ")
    drawn = sum(1 for nid, _j in view.units if nid == layer)
    assert drawn == MAX_DRAWN_UNITS - 1
    n_params = sum(p.before.numel() for p in view.report.parameters)
    assert view.table_model.rowCount() == n_params
    assert view.report.rows == [5]
    assert view.row_values.text().startswith(f"table row {view.report.table_rows[0]}:")
    document.undo_stack.clear()


def test_the_row_picker_shows_the_users_csv_values(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(SAMPLES / "brand_price.nnsproj"))
    view = BackpropView(document)
    qtbot.addWidget(view)
    view.row_spin.setValue(2)
    row = view.report.table_rows[0]
    frame = document.workspace.table.frame
    first = frame.columns[0]
    assert f"{first}={frame.iloc[row - 1][first]}" in view.row_values.text()
    assert view.row_spin.maximum() == document.workspace.prepared.n_train - 1
    document.undo_stack.clear()


def test_without_data_the_view_says_why_and_draws_nothing(qtbot):
    view = BackpropView(ProjectDocument())
    qtbot.addWidget(view)
    assert view.report is None
    assert view.message.text()
    assert not view.forward_button.isEnabled()
    assert not view.units

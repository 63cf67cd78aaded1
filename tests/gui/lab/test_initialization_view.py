"""The initialization explorer: the open network's layers, their statistics, symmetry, and
an undoable, lock-aware "Apply to project"."""

from __future__ import annotations

import math

import pytest

from nnstudio.core.project import Project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.initialization_view import InitializationView
from nnstudio.gui.lab.registry import lab_view
from tests.core.helpers import dense_chain
from tests.gui.helpers import shown


@pytest.fixture
def document():
    document = ProjectDocument(Project(graph=dense_chain([3, 3, 2], activation="tanh")))
    document.revalidate()
    yield document
    document.undo_stack.clear()


@pytest.fixture
def view(qtbot, document):
    return shown(qtbot, InitializationView(document), (900, 560))


def test_the_view_is_registered_under_its_key():
    assert lab_view("initialization").view_class() is InitializationView


def test_every_dense_layer_is_listed_with_its_fans_and_statistics(view):
    assert [(i.name, i.fan_in, i.fan_out) for i in view.layers] == [
        ("dense_1", 3, 3),
        ("dense_2", 3, 3),
        ("dense_3", 3, 2),
    ]
    assert view.table.rowCount() == 3
    assert view.table.item(0, 1).text() == "3 → 3"
    assert float(view.table.item(0, 4).text()) == pytest.approx(view.layer("dense_1").std, abs=1e-4)
    assert "random normal rows" in view.source.text()


def test_the_formulas_fill_in_the_selected_layers_fans(view):
    view.table.selectRow(2)
    text = view.formulas.text()
    assert "fan_in = 3, fan_out = 2" in text
    assert f"√(2/(3+2)) = {math.sqrt(2 / 5):.4f}" in text
    assert f"√(2/3) = {math.sqrt(2 / 3):.4f}" in text


def test_constant_weights_with_zero_biases_show_identical_neurons(view):
    view.zero_bias.setChecked(True)
    view.set_choice(view.layers[0].node_id, "ones")
    assert view.layer("dense_1").identical
    assert "All 3 neurons of dense_1 are identical" in view.symmetry.text()
    assert view.table.item(0, 5).text() == "identical neurons"


def test_with_random_biases_the_view_says_only_the_weights_are_the_same(view):
    view._combos[view.layers[1].node_id].setCurrentIndex(
        view._combos[view.layers[1].node_id].findData("zeros")
    )
    assert view.layer("dense_2").same_weights and not view.layer("dense_2").identical
    assert "All 3 neurons of dense_2 have the same weights" in view.symmetry.text()


def test_each_layer_has_a_histogram_of_its_activations(view):
    _plot, bars = view.histograms[view.layers[0].node_id]
    _edges, counts = bars.getData()
    assert sum(counts) == 256 * 3


def test_trying_an_initializer_does_not_edit_the_project(view, document):
    nid = view.layers[0].node_id
    view.set_choice(nid, "kaiming_normal")
    assert document.workspace.graph.node(nid).params["weight_init"]["name"] == "default"
    assert not document.undo_stack.canUndo()


def test_apply_to_project_is_one_undoable_step(view, document):
    nid = view.layers[0].node_id
    view.set_choice(nid, "xavier_normal")
    assert view.apply()
    assert document.workspace.graph.node(nid).params["weight_init"]["name"] == "xavier_normal"
    assert document.undo_stack.count() == 1
    document.undo()
    assert document.workspace.graph.node(nid).params["weight_init"]["name"] == "default"


def test_apply_is_refused_while_training_owns_the_model(view, document):
    nid = view.layers[0].node_id
    view.set_choice(nid, "zeros")
    document.set_locked("Training is running")
    assert not view.apply_button.isEnabled()
    assert not view.apply()
    assert document.workspace.graph.node(nid).params["weight_init"]["name"] == "default"
    document.set_locked(None)
    assert view.apply_button.isEnabled()


def test_an_edit_of_the_network_is_followed(view, document):
    document.workspace.graph.set_param(view.layers[0].node_id, "units", 5)
    assert view.layer("dense_1").fan_out == 5


def test_an_empty_project_says_what_is_missing(qtbot):
    view = shown(qtbot, InitializationView(ProjectDocument()), (700, 450))
    assert view.layers == []
    assert "Dense layers" in view.source.text()

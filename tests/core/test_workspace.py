"""The workspace: one project, its derived state, and one source of events for every view."""

from __future__ import annotations

import gc

from nnstudio.core.events import Signal
from nnstudio.core.project import load_project
from nnstudio.core.training import train
from nnstudio.core.workspace import Workspace
from tests.conftest import REPO

SAMPLES = REPO / "samples"


class View:
    """A view as the GUI would write one: it connects bound methods and never disconnects."""

    def __init__(self, workspace: Workspace) -> None:
        self.seen: list[tuple[str, object]] = []
        events = workspace.events
        events.data_settings_changed.connect(self.on_data_settings)
        events.training_settings_changed.connect(self.on_training_settings)
        events.data_changed.connect(self.on_data)
        events.analysis_changed.connect(self.on_analysis)
        events.node_added.connect(self.on_node_added)
        events.project_replaced.connect(self.on_project_replaced)

    def on_data_settings(self, settings):
        self.seen.append(("data_settings", settings))

    def on_training_settings(self, settings):
        self.seen.append(("training_settings", settings))

    def on_data(self):
        self.seen.append(("data", None))

    def on_analysis(self, analysis):
        self.seen.append(("analysis", analysis))

    def on_node_added(self, node):
        self.seen.append(("node_added", node.name))

    def on_project_replaced(self):
        self.seen.append(("project_replaced", None))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.seen]


def test_a_view_follows_data_and_training_settings_through_the_workspace():
    workspace = Workspace(load_project(SAMPLES / "iris.nnsproj"))
    view = View(workspace)
    assert workspace.prepared.n_train > 0
    before = workspace.prepared.n_train

    data = workspace.project.data.replace(split=(0.5, 0.5, 0.0))
    workspace.set_data_settings(data)
    assert view.kinds() == ["data_settings", "data", "analysis"]
    assert view.seen[0][1] is data
    assert workspace.prepared.n_train < before  # the data was prepared again, once

    view.seen.clear()
    training = workspace.project.training.replace(epochs=7)
    workspace.set_training_settings(training)
    assert view.kinds() == ["training_settings", "analysis"]
    assert workspace.project.training.epochs == 7


def test_graph_edits_reach_views_from_whichever_project_is_open():
    workspace = Workspace(load_project(SAMPLES / "iris.nnsproj"))
    view = View(workspace)
    old_graph = workspace.graph
    workspace.replace_project(load_project(SAMPLES / "spirals.nnsproj"))
    assert view.kinds()[:2] == ["project_replaced", "data"]
    assert view.kinds()[-1] == "analysis"
    view.seen.clear()
    workspace.graph.add_node("Dense", name="new_layer")
    assert ("node_added", "new_layer") in view.seen
    view.seen.clear()
    old_graph.add_node("Dense", name="ghost")  # the closed project says nothing any more
    assert view.seen == []


def test_a_view_that_goes_away_needs_no_cleanup():
    workspace = Workspace(load_project(SAMPLES / "iris.nnsproj"))
    view = View(workspace)
    assert len(workspace.events.node_added) == 1
    del view
    gc.collect()
    workspace.graph.add_node("Dense")  # must not call a dead view
    assert len(workspace.events.node_added) == 0


def test_a_plain_function_listener_is_held_until_disconnected():
    signal = Signal()
    calls: list[int] = []
    signal.connect(lambda x: calls.append(x))
    gc.collect()
    signal.emit(3)
    assert calls == [3]
    listener = calls.append
    signal.connect(listener)
    signal.disconnect(listener)
    signal.emit(4)
    assert calls == [3, 4]


def trained(sample: str, epochs: int = 2) -> Workspace:
    """A workspace whose project has just been trained for ``epochs``."""
    workspace = Workspace(load_project(SAMPLES / f"{sample}.nnsproj"))
    workspace.set_training_settings(workspace.project.training.replace(epochs=epochs))
    plan = workspace.plan_run(resume=False)
    workspace.store_result(plan, train(plan.job))
    return workspace


def test_sizes_come_from_the_data_when_loaded_else_from_saved_preprocessing():
    workspace = trained("iris")
    from_data = workspace.shape_context
    assert from_data == type(from_data)(n_features=4, n_outputs=3)
    without_data = Workspace(workspace.project, load_data=False)
    assert without_data.prepared is None
    assert without_data.shape_context == from_data  # from the saved preprocessing
    assert Workspace(load_project(SAMPLES / "iris.nnsproj"), load_data=False).shape_context == (
        type(from_data)()
    )


def test_a_data_problem_is_kept_for_views_and_raised_for_the_command_line(tmp_path):
    project = load_project(SAMPLES / "iris.nnsproj")
    project.data = project.data.replace(
        source=project.data.source.__class__(kind="csv", path=str(tmp_path / "gone.csv"))
    )
    workspace = Workspace(project)
    assert workspace.prepared is None and "gone.csv" in (workspace.data_error or "")
    assert workspace.blocking_reason().startswith("Data problem:")
    try:
        workspace.require_data()
    except Exception as exc:  # the pipeline's own error, unchanged
        assert str(exc) == workspace.data_error
    else:
        raise AssertionError("require_data did not raise")


def test_training_settings_decide_whether_a_run_can_continue():
    workspace = trained("iris")
    assert workspace.project.weights is not None
    epochs = workspace.project.epochs_trained
    workspace.set_training_settings(workspace.project.training.replace(epochs=epochs + 5))
    assert workspace.can_resume()
    workspace.set_training_settings(workspace.project.training.replace(epochs=epochs))
    assert not workspace.can_resume()
    workspace.clear_training()
    assert workspace.project.weights is None and not workspace.can_resume()

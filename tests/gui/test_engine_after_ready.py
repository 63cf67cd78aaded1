"""torch arrives in the GUI process after "ready"; what needs it waits for it without freezing.

Issue 12: ready to train without torch in the GUI process (gui/preload.py). The neuron view
draws the network's neurons at once and their weights when the engine is in; the device list
says what it knows before torch can tell whether there is a GPU; and in the real app, Train
pressed the moment it is ready trains, and the engine arriving later brings the weights.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nnstudio.core.project import load_project
from nnstudio.gui import engine_loader as loader_module
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.engine_loader import EngineLoader, engine_loader
from nnstudio.gui.neuron_view import NeuronItem, NeuronView
from nnstudio.gui.panels import training_panel
from nnstudio.gui.panels.training_panel import TrainingPanel
from tests.gui.startup_process import run_startup_script

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine_not_in(monkeypatch):
    """torch "not imported yet": the loader's background import is held until ``arrive()``."""
    pending: list = []
    monkeypatch.setattr(loader_module, "imported", lambda name: None)
    monkeypatch.setattr(
        loader_module, "start_preload", lambda on_done=None: pending.append(on_done)
    )

    def arrive() -> None:
        monkeypatch.setattr(loader_module, "imported", lambda name: object())
        for on_done in pending:
            on_done()

    return arrive


def _document(name: str) -> ProjectDocument:
    document = ProjectDocument(load_project(REPO / "samples" / f"{name}.nnsproj"))
    document.workspace.reload_data()
    document.revalidate()
    return document


def _shown_neuron_view(qtbot) -> NeuronView:
    """The spirals sample's neuron view, shown and refreshed."""
    view = NeuronView(_document("spirals"))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.refresh()
    return view


def test_the_neuron_view_draws_neurons_at_once_and_weights_when_the_engine_arrives(
    qtbot, engine_not_in
):
    view = _shown_neuron_view(qtbot)

    assert len([i for i in view.scene.items() if isinstance(i, NeuronItem)]) == 2 + 32 + 32 + 2
    assert view.frame is None
    assert "Loading the engine" in view.caption.text()

    engine_not_in()

    qtbot.waitUntil(lambda: view.frame is not None, timeout=10_000)
    assert "Initial weights (seed 0)" in view.caption.text()


def test_the_loader_calls_each_waiting_view_back_once(qtbot, engine_not_in):
    loader = EngineLoader()
    calls: list[str] = []

    def wait_a() -> None:
        calls.append("a")

    assert loader.when_imported(wait_a) is False
    assert loader.when_imported(wait_a) is False  # asked twice, called once
    assert loader.when_imported(lambda: calls.append("b")) is False
    engine_not_in()

    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5_000)
    assert sorted(calls) == ["a", "b"]
    assert loader.when_imported(wait_a) is True
    assert engine_loader() is engine_loader()  # one per application


@pytest.mark.parametrize(
    ("cuda", "wanted", "devices", "auto_text"),
    [
        (None, "auto", ["auto", "cpu"], "Auto (GPU when present)"),
        (None, "cuda", ["auto", "cpu", "cuda"], "Auto (GPU when present)"),
        (False, "auto", ["auto", "cpu"], "Auto (CPU here)"),
        (False, "cuda", ["auto", "cpu", "cuda"], "Auto (CPU here)"),
        (True, "auto", ["auto", "cpu", "cuda"], "Auto (GPU when present)"),
    ],
)
def test_the_device_list_before_and_after_torch_can_tell(
    qtbot, monkeypatch, cuda, wanted, devices, auto_text
):
    monkeypatch.setattr(training_panel, "cuda_available", lambda: cuda)
    document = _document("spirals")
    document.project.training = document.project.training.replace(device=wanted)
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    panel.refresh()

    combo = panel.device_combo
    assert [combo.itemData(i) for i in range(combo.count())] == devices
    assert combo.itemText(0) == auto_text
    assert combo.currentData() == wanted
    if cuda is False and wanted == "cuda":
        assert combo.itemText(2) == "CUDA GPU (not available here)"


#: The real app: Train pressed at "ready" (torch not yet in), then the first epoch arrives,
#: and the neuron view shows weights once the engine is in.
TRAIN_AT_READY = """
import json, os, sys
from PySide6.QtCore import QTimer
import nnstudio.gui.main_window as mw

seen = {}
original = mw.MainWindow.__init__


def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    window = self

    def finish(reason):
        seen["end"] = reason
        seen["neuron_frame"] = window.workbench.neurons.frame is not None
        window.controller.shutdown()
        window.controller.close_process()
        print(json.dumps(seen), flush=True)
        os._exit(0)

    def events(batch):
        if any(type(e).__name__ == "EpochReport" for e in batch) and "epoch" not in seen:
            seen["epoch"] = True
            poll()

    def poll():
        if window.workbench.neurons.frame is not None or seen.get("polls", 0) > 1200:
            finish("done")
        else:
            seen["polls"] = seen.get("polls", 0) + 1
            QTimer.singleShot(50, poll)

    def ready():
        seen["torch_at_ready"] = "torch" in sys.modules
        QTimer.singleShot(0, press)

    def press():
        seen["train_enabled"] = window.actions_by_name["train"].isEnabled()
        window.controller.events_ready.connect(events)
        window.controller.run_failed.connect(lambda text: finish("failed: " + text))
        window.actions_by_name["train"].trigger()

    self.ready.connect(ready)


mw.MainWindow.__init__ = init
from nnstudio.gui.app import run_app

run_app(None, argv=["nnstudio"])
"""


def test_train_pressed_the_moment_the_app_is_ready_trains_and_the_weights_follow(tmp_path):
    result = run_startup_script(tmp_path, TRAIN_AT_READY)

    assert result["torch_at_ready"] is False
    assert result["train_enabled"] is True
    assert result["epoch"] is True
    assert result["end"] == "done"
    assert result["neuron_frame"] is True


def test_the_training_process_starts_in_the_background_without_holding_the_window(
    qtbot, tmp_path, monkeypatch
):
    from nnstudio.core.training.runtime.protocol import KEY_VARIABLE
    from nnstudio.gui.workers import TrainingController
    from tests.core.test_training_runtime import with_site_hook

    # The training process connects back only after a second: prewarm must not wait for it.
    with_site_hook(
        monkeypatch,
        tmp_path,
        f"import os, time\nif {KEY_VARIABLE!r} in os.environ:\n    time.sleep(1.0)\n",
    )
    monkeypatch.delenv("NNSTUDIO_TRAIN_IN_THREAD", raising=False)
    document = _document("iris")
    controller = TrainingController(document)
    try:
        controller.prewarm()
        starting = controller._starting
        assert starting is not None and not starting.done()  # returned before it connected
        assert controller._process is None
        controller.prewarm()  # asked again while it starts: still the one process
        assert controller._starting is starting

        qtbot.waitUntil(lambda: controller._process is not None, timeout=120_000)
        assert controller._starting is None
        assert controller._process.alive
        # Train then uses that process (not the thread fallback).
        assert controller.start() is None
        assert controller._process is not None
        assert controller.shutdown()
    finally:
        controller.close_process()


def test_train_pressed_before_the_engine_arrives_starts_one_run_once_it_is_in(
    open_window, qtbot, engine_not_in
):
    window = open_window(size=(1280, 800))
    window.start()
    assert window.actions_by_name["train"].isEnabled()
    started: list = []
    window.controller.run_started.connect(started.append)

    window.actions_by_name["train"].trigger()
    window.actions_by_name["train"].trigger()  # impatient: pressed twice

    assert window.controller.state == "idle"  # no run yet, and the window is not blocked
    assert "training starts in a moment" in window.statusBar().currentMessage()
    engine_not_in()

    qtbot.waitUntil(lambda: len(started) == 1, timeout=60_000)
    qtbot.waitUntil(lambda: window.controller.state == "idle", timeout=120_000)
    assert len(started) == 1  # one run, not two
    assert window.document.project.epochs_trained > 0


@pytest.fixture
def torch_broken(monkeypatch):
    """The background import of torch failed (a broken installation)."""
    from nnstudio.gui import preload

    monkeypatch.setattr(loader_module, "imported", lambda name: None)
    monkeypatch.setitem(preload.failed, "torch", ImportError("libtorch_cpu.so: cannot open"))


def test_a_failed_engine_import_is_said_once_in_the_neuron_view_never_waited_on(
    qtbot, torch_broken
):
    view = _shown_neuron_view(qtbot)

    text = view.caption.text()
    assert "PyTorch could not be loaded" in text and "libtorch_cpu.so" in text
    assert engine_loader()._waiting == []  # nothing waits for an import that is over
    assert view.frame is None


def test_train_with_a_failed_engine_import_says_why_and_starts_nothing(
    open_window, dialogs, torch_broken
):
    window = open_window(size=(1280, 800))
    window.start()

    window.actions_by_name["train"].trigger()

    assert window.controller.state == "idle"
    assert window._waiting_start is None
    assert "PyTorch could not be loaded" in window.statusBar().currentMessage()
    assert any(
        text.startswith("critical: Cannot train:") and "libtorch_cpu.so" in text
        for text in dialogs.asked
    )


def test_the_preload_keeps_a_failed_import_and_still_calls_back(monkeypatch):
    from nnstudio.gui import preload

    called: list[str] = []
    monkeypatch.setattr(preload, "_done", False)
    monkeypatch.setattr(preload, "_waiting", [lambda: called.append("done")])
    monkeypatch.setattr(preload, "failed", {})
    monkeypatch.setattr(preload, "imported_at", {})

    preload._import_all(("json", "nnstudio_no_such_module", "csv"))

    assert called == ["done"]
    assert preload._done is True
    assert isinstance(preload.failed["nnstudio_no_such_module"], ImportError)
    assert set(preload.imported_at) == {"json"}  # stopped at the failure


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="torch's libraries as .so")
def test_torch_s_native_libraries_are_found_and_loaded_by_path():
    from nnstudio.gui.preload import load_native

    # libc10, libtorch_cpu and libtorch in a CPU build (their CUDA siblings where present).
    assert load_native() >= 3
    assert load_native("nnstudio_no_such_package") == 0
    assert load_native("json") == 0  # a package without a lib folder

"""While a run trains, a full garbage collection skips what was alive when it started.

A full collection walked every object of the process (torch, Qt's wrappers, the window): the
GUI thread's longest task while the plots drew live (issue 12, "UI while training"). The
collector freezes those objects when a run starts and lets go of them when it ends, so that
nothing that becomes garbage later is kept for ever. These tests count objects and check what
is collected, never times.
"""

from __future__ import annotations

import gc
import weakref

import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.gui.gc_policy import GuiThreadCollector, collect_in_gui_thread
from tests.conftest import REPO

TRAINING = 120_000


class Node:
    """A cycle of two of these is garbage only the cyclic collector can free."""

    other: Node | None = None


def cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def collector(qapp):
    made = GuiThreadCollector()
    yield made
    made.stop()


def test_a_full_collection_in_a_run_walks_only_the_run_s_objects(collector):
    gc.collect()
    before = len(gc.get_objects(2))
    collector.hold_still()
    assert gc.get_freeze_count() >= before
    assert len(gc.get_objects(2)) < before // 10
    collector.let_go()
    assert gc.get_freeze_count() == 0


def test_garbage_made_during_a_run_is_collected_during_the_run(collector):
    collector.hold_still()
    ref = cycle()
    gc.collect()
    assert ref() is None


def test_what_was_frozen_and_became_garbage_is_collected_once_the_run_ends(collector):
    holder = [cycle()]
    keep = holder[0]()  # alive (referenced) when the run starts
    collector.hold_still()
    collector.hold_still()  # idempotent
    del keep
    gc.collect()
    assert holder[0]() is not None  # frozen: skipped while the run trains
    collector.let_go()
    gc.collect()
    assert holder[0]() is None  # no leak once the run is over


@pytest.mark.timeout(300)
def test_the_window_freezes_the_long_lived_objects_for_the_length_of_a_run(open_window, qtbot):
    from nnstudio.gui.commands import SetTrainingSettingsCommand

    installed = collect_in_gui_thread(QApplication.instance())
    try:
        window = open_window()
        window.start(REPO / "samples" / "iris.nnsproj")
        doc = window.document
        doc.push(SetTrainingSettingsCommand(doc, doc.project.training.replace(epochs=3)))
        during: list[int] = []
        results: list = []
        window.controller.events_ready.connect(lambda _events: during.append(gc.get_freeze_count()))
        window.controller.run_finished.connect(results.append)
        window.actions_by_name["train"].trigger()
        qtbot.waitUntil(lambda: bool(results), timeout=TRAINING)
        assert during and min(during) > 0
        assert not installed.frozen and gc.get_freeze_count() == 0
    finally:
        installed.stop()

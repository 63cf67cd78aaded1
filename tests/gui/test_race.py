"""The optimiser race dialog: real races on iris, the lesson's table, clean shutdown."""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.lessons.race import LESSON_TRIO, RaceEntry
from nnstudio.core.project import Project, load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.race import RaceDialog, RaceRunner

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(tempfile.gettempdir()) / "nnstudio-class"


@pytest.fixture(autouse=True)
def keep_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def dialog(qtbot):
    document = ProjectDocument()
    document.replace_project(load_project(REPO / "samples" / "iris.nnsproj"))
    dlg = RaceDialog(document)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    assert dlg.shutdown(60_000)
    assert not any(t.isRunning() for t in dlg.runner.threads())


def race(qtbot, dlg: RaceDialog, epochs: int, timeout: int = 60_000) -> list:
    dlg.epochs.setValue(epochs)
    with qtbot.waitSignal(dlg.race_finished, timeout=timeout) as blocker:
        assert dlg.start_race() is None
        assert dlg.runner.running and not dlg.start_button.isEnabled()
        assert dlg.stop_button.isEnabled()
    return blocker.args[0]


def test_prefilled_with_the_lessons_trio(dialog):
    assert [c.entry() for c in dialog.cards] == [
        RaceEntry(e.label, e.optimizer) for e in LESSON_TRIO
    ]
    sgd = dialog.cards[0]
    assert sgd.form.editor("lr").value() == 0.01 and sgd.form.editor("momentum").value() == 0.9
    assert dialog.cards[1].form.editor("lr").value() == 1e-3
    assert dialog.cards[2].entry().optimizer["name"] == "rmsprop"
    assert dialog.cards[2].form.editor("lr").value() == 1e-3
    assert dialog.epochs.value() == dialog.document.project.training.epochs
    assert dialog.start_button.isEnabled() and not dialog.banner.isVisible()
    headings = [dialog.table.horizontalHeaderItem(c).text() for c in range(6)]
    assert headings == [
        "Optimiser",
        "Final loss",
        "Val loss",
        "Accuracy",
        "Epochs to target",
        "CPU s",
    ]


def test_entries_can_be_edited_added_and_removed_within_limits(dialog):
    card = dialog.cards[1]
    card.combo.setCurrentIndex(card.combo.findData("lion"))
    assert card.entry().optimizer["name"] == "lion" and card.entry().lr == 1e-4
    assert card.name_edit.placeholderText() == "Lion lr 0.0001"
    assert card.name_edit.text() == "" and card.entry().label == "Lion lr 0.0001"
    rows = card.form.layout_
    assert not rows.isRowVisible(card.form.editor("weight_decay"))
    assert rows.isRowVisible(card.form.editor("beta1"))
    card.more.setChecked(True)
    assert rows.isRowVisible(card.form.editor("weight_decay"))
    card.form.editor("lr").set_value(3e-4)
    card.form.changed.emit("lr", 3e-4)
    assert card.entry().lr == 3e-4
    assert dialog.add_entry() is not None and len(dialog.cards) == 4
    assert dialog.add_entry() is None and not dialog.add_button.isVisible()
    for extra in list(dialog.cards):
        dialog.remove_entry(extra)
    assert len(dialog.cards) == 2
    assert not dialog.cards[0].remove_button.isVisible()
    # Two identical contestants still get distinct names.
    dialog.cards[1].set_entry(dialog.cards[0].entry())
    labels = [e.label for e in dialog.race_entries()]
    assert len(set(labels)) == 2 and labels[1].endswith("#2")


def test_two_optimizers_race_on_iris(qtbot, dialog, monkeypatch):
    initial: list[dict] = []
    start = RaceRunner.start

    def recording_start(self, plans, entries):
        initial.extend({k: v.clone() for k, v in p.model.state_dict().items()} for p in plans)
        start(self, plans, entries)

    monkeypatch.setattr(RaceRunner, "start", recording_start)
    dialog.remove_entry(dialog.cards[2])
    rows = race(qtbot, dialog, epochs=3)

    # Identical initial weights for both contestants.
    assert len(initial) == 2
    assert all(torch.equal(initial[0][k], initial[1][k]) for k in initial[0])
    # The table: two rows, finite numbers.
    assert [r["label"] for r in rows] == ["SGD (momentum 0.9)", "Adam"]
    assert dialog.table.rowCount() == 2
    for r, row in enumerate(rows):
        assert row["epochs_run"] == 3 and row["reason"] == "finished"
        assert math.isfinite(row["final_train_loss"]) and math.isfinite(row["final_val_loss"])
        assert 0.0 <= row["final_metric"] <= 1.0 and row["metric"] == "val_accuracy"
        assert row["seconds"] is not None and row["seconds"] > 0
        x, y = dialog.curve_data(r, "train")
        assert list(x) == [1, 2, 3] and list(y) == pytest.approx(dialog.histories[r].train_loss)
        assert len(dialog.curve_data(r, "val")[0]) == 3
        _x, acc = dialog.curve_data(r, "metric")
        assert list(acc) == pytest.approx(
            [100 * v for v in dialog.histories[r].metrics["val_accuracy"]]
        )
        assert dialog.table.item(r, 1).text() == f"{row['final_train_loss']:.4f}"
        assert dialog.table.item(r, 3).text() == f"{100 * row['final_metric']:.1f} %"
    assert not any(t.isRunning() for t in dialog.runner.threads())
    assert dialog.start_button.isEnabled() and not dialog.stop_button.isEnabled()
    assert "finished" in dialog.cards[0].status.text()
    assert dialog.status.text() == "Race finished."
    # The race restores torch's thread count for the rest of the application.
    assert torch.get_num_threads() == dialog.runner._threads_before
    # The project is untouched: a race is an experiment beside it.
    assert dialog.document.project.weights is None


def test_table_sorts_copies_and_exports(qtbot, dialog, tmp_path):
    dialog.target.setValue(1.05)
    rows = race(qtbot, dialog, epochs=4)
    assert len(rows) == 3
    # Sorting by final loss puts the lowest first.
    dialog.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    shown = [float(dialog.table.item(r, 1).text()) for r in range(3)]
    assert shown == sorted(shown)
    text = dialog.copy_table()
    assert QApplication.clipboard().text() == text
    lines = text.splitlines()
    assert lines[0].split("\t")[:4] == ["Optimiser", "Final loss", "Val loss", "Accuracy"]
    assert len(lines) == 4
    path = dialog.export_csv(tmp_path / "race.csv")
    with path.open(encoding="utf-8") as handle:
        parsed = list(csv.DictReader(handle))
    assert [p["label"] for p in parsed] == [e.label for e in LESSON_TRIO]
    for p, row in zip(parsed, rows, strict=True):
        assert float(p["final_train_loss"]) == pytest.approx(row["final_train_loss"])
        expected = "" if row["epochs_to_target"] is None else str(row["epochs_to_target"])
        assert p["epochs_to_target"] == expected
    assert any(r["epochs_to_target"] is not None for r in rows)
    # Another project: the old race's results go, its settings come.
    dialog.document.replace_project(load_project(REPO / "samples" / "regression.nnsproj"))
    assert dialog.table.rowCount() == 0 and not dialog.loss_plot.listDataItems()
    assert dialog.epochs.value() == 300


def test_regression_races_report_rmse(qtbot, dialog):
    dialog.document.replace_project(load_project(REPO / "samples" / "regression.nnsproj"))
    dialog.remove_entry(dialog.cards[2])
    rows = race(qtbot, dialog, epochs=2)
    assert [r["metric"] for r in rows] == ["val_rmse", "val_rmse"]
    assert dialog.table.horizontalHeaderItem(3).text() == "RMSE"
    assert dialog.metric_plot.plotItem.titleLabel.text == "Validation RMSE"
    assert dialog.table.item(0, 3).text() == f"{rows[0]['final_metric']:.4g}"


def test_closing_mid_race_stops_and_joins_every_thread(qtbot, dialog):
    dialog.epochs.setValue(100_000)
    assert dialog.start_race() is None
    threads = dialog.runner.threads()
    assert len(threads) == 3
    qtbot.waitUntil(lambda: all(h.epochs_done >= 1 for h in dialog.histories), timeout=60_000)
    assert all(t.isRunning() for t in threads)
    dialog.close()
    assert not any(t.isRunning() for t in threads)
    assert not dialog.runner.running
    assert all(r is not None and r.reason == "stopped" for r in dialog.results)
    assert dialog.table.rowCount() == 3


def test_stop_button_ends_the_race(qtbot, dialog):
    dialog.epochs.setValue(100_000)
    assert dialog.start_race() is None
    qtbot.waitUntil(lambda: all(h.epochs_done >= 1 for h in dialog.histories), timeout=60_000)
    with qtbot.waitSignal(dialog.race_finished, timeout=60_000):
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Race stopped."
    assert not any(t.isRunning() for t in dialog.runner.threads())
    assert "stopped" in dialog.table.item(0, 0).text()


def test_blocked_with_a_clear_message_when_the_project_cannot_train(qtbot):
    document = ProjectDocument()
    document.replace_project(Project())
    dlg = RaceDialog(document)
    qtbot.addWidget(dlg)
    dlg.show()
    assert not dlg.start_button.isEnabled()
    assert dlg.banner.isVisible() and "Load a dataset first" in dlg.banner.text()
    assert dlg.start_race() == document.workspace.blocking_reason()
    assert not dlg.runner.threads()
    # Opening a real project lifts the block.
    document.replace_project(load_project(REPO / "samples" / "iris.nnsproj"))
    qtbot.waitUntil(lambda: dlg.start_button.isEnabled(), timeout=3000)
    assert not dlg.banner.isVisible()
    # While the main window trains, the race waits.
    document.set_locked("Training is running")
    assert not dlg.start_button.isEnabled() and "stop it first" in dlg.banner.text()
    document.set_locked(None)
    assert dlg.start_button.isEnabled()


def test_screenshot_after_a_short_race(qtbot, dialog):
    dialog.resize(1180, 820)
    race(qtbot, dialog, epochs=20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "optimiser_race_iris.png"))

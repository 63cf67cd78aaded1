"""DataPanel: user edits become one undoable command each, and the panel follows the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from nnstudio.core.data import DataSettings, DataSource, balance_split, default_settings_for
from nnstudio.core.project import load_project
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.panels.data_presenter import summary_text
from tests.gui.helpers import show_styled

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SHOTS = Path("/tmp/nnstudio-screens")


def _screenshot(widget, name: str) -> Path:
    """Save what the widget looks like at 360 × 800, the size of a dock."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    show_styled(widget)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    inner = getattr(widget, "scroll_area", None)
    if inner is not None:
        inner.widget().grab().save(str(SHOTS / f"{name}_scrolled_content.png"))
    return path


def _write_csv(path: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(3)
    lines = ["f1,f2,f3,label"]
    for i in range(n):
        f1, f2, f3 = rng.normal(size=3)
        lines.append(f"{f1:.4f},{f2 * 100:.3f},{f3 + 5:.4f},{i % 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_junk_csv(path: Path) -> Path:
    rng = np.random.default_rng(1)
    lines = ["ram,battery,brand,price"]
    for i in range(40):
        ram = str(int(rng.integers(500, 4000))) if i != 16 else "12.3x"
        battery = "" if i in (3, 9) else str(int(rng.integers(500, 2000)))
        lines.append(f"{ram},{battery},{['apple', 'mi', 'huawei'][i % 3]},{i % 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def doc(qtbot) -> ProjectDocument:
    return ProjectDocument()


@pytest.fixture
def panel(qtbot, doc) -> DataPanel:
    widget = DataPanel(doc)
    qtbot.addWidget(widget)
    return widget


def _loaded(qtbot, tmp_path: Path) -> tuple[DataPanel, ProjectDocument]:
    doc = ProjectDocument()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert panel.load_csv(_write_csv(tmp_path / "three.csv"))
    return panel, doc


def _choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


# --- loading -------------------------------------------------------------------------------


def test_empty_document_shows_no_data(panel, doc):
    assert "No data yet" in panel.source_label.text()
    assert panel.columns_table.isHidden()
    assert panel.model.rowCount() == 0
    assert not panel.scatter_available()


def test_load_csv_sets_table_prepared_and_one_command(qtbot, panel, doc, tmp_path):
    path = _write_csv(tmp_path / "three.csv")
    assert panel.load_csv(str(path))
    assert doc.undo_stack.count() == 1
    settings = doc.project.data
    assert settings.source == DataSource(kind="csv", path=str(path))
    assert settings.targets == ("label",)  # the last column
    assert doc.workspace.table is not None and doc.workspace.table.frame.shape == (60, 4)
    assert doc.workspace.prepared is not None and doc.workspace.prepared.n_classes == 3
    assert "three.csv" in panel.source_label.text()
    assert panel.columns_table.rowCount() == 4
    assert panel.model.rowCount() == 60
    assert panel.model.headerData(3, Qt.Orientation.Horizontal) == "label\nnumeric · target"
    assert panel.summary_label.text().startswith("48 train · 12 validation · 0 test")
    # The folder is remembered for the next Open dialog.
    from nnstudio.gui.preferences import AppSettings

    assert AppSettings().value("paths/last_data_dir") == str(tmp_path)


def test_unreadable_csv_is_reported_and_changes_nothing(panel, doc, tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3,4,5,6\n", encoding="utf-8")
    assert not panel.load_csv(bad)
    assert doc.undo_stack.count() == 0
    assert doc.project.data.source.kind == "none"
    assert panel.banner.level() == "error"
    assert "ragged.csv" in panel.banner.text() and "line 3" in panel.banner.text()


def test_dropping_a_csv_file_loads_it(qtbot, panel, doc, tmp_path):
    path = _write_csv(tmp_path / "dropped.csv")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(event)
    assert doc.project.data.source.path == str(path)
    assert doc.workspace.table is not None


# --- column roles and kinds ----------------------------------------------------------------


def test_ignore_a_column_then_undo_restores_the_combo(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    combo = panel._role_combos["f1"]
    _choose(combo, "ignored")
    assert doc.project.data.ignored == ("f1",)
    assert doc.workspace.prepared.n_features == 2
    assert panel.model.roles()["f1"] == "ignored"
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.project.data.ignored == ()
    assert combo.currentData() == "input"
    assert panel.model.roles()["f1"] == "input"
    assert doc.undo_stack.count() == 2  # following the model pushed nothing
    doc.undo_stack.redo()
    assert combo.currentData() == "ignored"


def test_choose_another_target(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    _choose(panel._role_combos["f3"], "target")
    settings = doc.project.data
    assert settings.targets == ("f3",)
    assert panel._role_combos["label"].currentData() == "input"
    assert doc.workspace.prepared.task == "regression"
    assert panel.task_combo.itemText(0) == "Auto (regression)"
    doc.undo_stack.undo()
    assert doc.project.data.targets == ("label",)
    assert panel._role_combos["f3"].currentData() == "input"
    assert panel._role_combos["label"].currentData() == "target"


def test_the_only_target_cannot_become_a_feature(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    combo = panel._role_combos["label"]
    _choose(combo, "input")
    assert doc.project.data.targets == ("label",)
    assert combo.currentData() == "target"
    assert doc.undo_stack.count() == 1
    assert "set another column's role to target" in panel.banner.text()


def test_override_a_column_kind(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    _choose(panel._kind_combos["f1"], "categorical")
    assert doc.project.data.kinds == {"f1": "categorical"}
    assert panel.model.headerData(0, Qt.Orientation.Horizontal).startswith("f1\ncategorical")
    # Back to the detected kind removes the override instead of storing it.
    _choose(panel._kind_combos["f1"], "numeric")
    assert doc.project.data.kinds == {}


# --- preparation ---------------------------------------------------------------------------


def test_scaling_changes_prepared_data(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    standardized = doc.workspace.prepared.x_train.clone()
    assert abs(float(standardized[:, 1].mean())) < 1e-5
    _choose(panel.scaling_combo, "none")
    assert doc.project.data.scaling == "none"
    raw = doc.workspace.prepared.x_train
    assert not torch.allclose(raw, standardized)
    assert float(raw[:, 1].abs().max()) > 10  # f2 is about 100 times bigger, unscaled
    doc.undo_stack.undo()
    assert panel.scaling_combo.currentData() == "standard"


def test_split_spin_boxes_keep_the_sum_and_merge(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    panel.train_spin.setValue(70.0)
    assert panel.val_spin.value() == pytest.approx(30.0)
    panel.test_spin.setValue(10.0)
    assert panel.val_spin.value() == pytest.approx(20.0)
    assert doc.project.data.split == pytest.approx((0.7, 0.2, 0.1))
    p = doc.workspace.prepared
    assert p.n_train + p.n_val + p.n_test == 60 and p.n_test == 6
    assert f"{p.n_train} train · {p.n_val} validation · 6 test" in panel.summary_label.text()
    assert doc.undo_stack.count() == 2  # both edits of the split are one step
    doc.undo_stack.undo()
    assert [s.value() for s in panel.split_spins] == [80.0, 20.0, 0.0]
    assert doc.workspace.prepared.n_train == 48


def test_seed_changes_the_split_and_edits_merge(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    before = doc.workspace.prepared.index_train.copy()
    panel.seed_spin.setValue(7)
    panel.seed_spin.setValue(8)
    assert doc.project.data.seed == 8
    assert not np.array_equal(doc.workspace.prepared.index_train, before)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert panel.seed_spin.value() == 0
    assert np.array_equal(doc.workspace.prepared.index_train, before)


def test_task_and_stratify(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    assert panel.task_combo.itemText(0) == "Auto (classification)"
    _choose(panel.task_combo, "regression")
    assert doc.workspace.prepared.task == "regression"
    assert not panel.stratify_check.isEnabled()
    doc.undo_stack.undo()
    assert panel.stratify_check.isEnabled()
    panel.stratify_check.setChecked(False)
    assert doc.project.data.stratify is False


def test_balance_split_rules():
    assert balance_split([70, 20, 0], 0) == [70.0, 30.0, 0.0]
    assert balance_split([80, 30, 0], 1) == [70.0, 30.0, 0.0]
    assert balance_split([80, 20, 30], 2) == [70.0, 0.0, 30.0]
    assert balance_split([100, 20, 10], 0) == [100.0, 0.0, 0.0]
    assert balance_split([95, 20, 10], 0) == [95.0, 0.0, 5.0]
    assert sum(balance_split([33.3, 33.3, 50], 2)) == pytest.approx(100.0)


# --- problems ------------------------------------------------------------------------------


def test_junk_csv_banner_names_column_and_row(qtbot, panel, doc, tmp_path):
    assert panel.load_csv(_write_junk_csv(tmp_path / "junk.csv"))
    assert doc.workspace.data_error is not None
    messages = panel.banner.messages()
    assert messages[0].level == "error"
    assert "column 'ram', row 17: '12.3x' is not a number" in messages[0].text
    assert (messages[0].column, messages[0].row) == ("ram", 17)
    # What blocks next is said now, too: the empty cells of 'battery'.
    assert any(m.column == "battery" and "rows 4, 10" in m.text for m in messages)
    assert panel.columns_table.item(0, 0).text() == "⚠ ram"
    column = panel.model.column_index("ram")
    assert panel.model.cell_status(16, column) == "junk"

    panel.banner.activate(0)
    current = panel.preview.currentIndex()
    assert (current.row(), current.column()) == (16, column)
    selected = panel.preview.selectionModel().selectedIndexes()
    assert selected and {index.column() for index in selected} == {column}

    # Declaring the column categorical removes its problem; filling the gaps removes the rest.
    _choose(panel._kind_combos["ram"], "categorical")
    _choose(panel.missing_combo, "mean")
    assert doc.workspace.data_error is None
    assert panel.banner.level() != "error"
    _screenshot(panel, "data_panel_fixed_junk")


def test_screenshot_data_error(qtbot, panel, doc, tmp_path):
    assert panel.load_csv(_write_junk_csv(tmp_path / "junk.csv"))
    panel.banner.activate(0)
    path = _screenshot(panel, "data_panel_error")
    assert path.exists()


# --- built-in datasets and the scatter plot ------------------------------------------------


def test_builtin_picker_loads_spirals_and_shows_the_scatter(qtbot, panel, doc):
    assert panel.builtin_toggle.isChecked()  # open while there is no data
    _choose(panel.dataset_combo, "spirals")
    assert set(panel.dataset_form.editors()) == {"n_samples", "noise", "seed", "n_classes", "turns"}
    panel.dataset_form.editor("n_samples").spin.setValue(200)
    assert doc.undo_stack.count() == 0  # parameters apply with the button
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == 1
    source = doc.project.data.source
    assert (source.kind, source.name, source.params["n_samples"]) == ("builtin", "spirals", 200)
    assert doc.workspace.prepared.n_classes == 2 and doc.workspace.prepared.n_features == 2
    assert panel.scatter_available()
    assert panel.view_tabs.currentIndex() == 1
    assert len(panel.scatter_items) == 2
    assert [label.text for _, label in panel.scatter_legend.items] == ["class 0", "class 1"]
    shown = sum(len(item.data) for item in panel.scatter_items)
    assert shown == doc.workspace.prepared.n_train
    assert panel.use_button.text() == "In use" and not panel.use_button.isEnabled()
    # New parameters for the dataset in use keep the preparation choices.
    _choose(panel.scaling_combo, "minmax")
    panel.dataset_form.editor("noise").spin.setValue(0.2)
    assert panel.use_button.text() == "Apply changes"
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert doc.project.data.source.params["noise"] == pytest.approx(0.2)
    assert doc.project.data.scaling == "minmax"


def test_use_builtin_regression_colors_by_value(qtbot, panel, doc):
    assert panel.use_builtin("sine")
    assert doc.project.data == default_settings_for("sine")
    # One input column: no 2-D picture.
    assert not panel.scatter_available()
    assert panel.use_builtin("line", {"n_samples": 50})
    assert doc.project.data.source.params["n_samples"] == 50
    assert doc.undo_stack.count() == 2


def test_two_feature_regression_scatter_is_colored_by_value(qtbot, panel, doc, tmp_path):
    rng = np.random.default_rng(0)
    lines = ["x1,x2,y"] + [
        f"{a:.4f},{b:.4f},{a * 2 + b + 0.01 * i:.4f}"
        for i, (a, b) in enumerate(rng.normal(size=(50, 2)))
    ]
    path = tmp_path / "plane.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert panel.load_csv(path)
    assert doc.workspace.prepared.task == "regression"
    assert panel.scatter_available()
    assert len(panel.scatter_items) == 1
    assert len(panel.scatter_items[0].data) == doc.workspace.prepared.n_train
    assert "colour shows y" in panel.scatter_caption.text()


def test_screenshot_spirals_sample(qtbot):
    doc = ProjectDocument(load_project(SAMPLES / "spirals.nnsproj"))
    doc.workspace.reload_data()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert panel.scatter_available()
    assert panel.view_tabs.currentIndex() == 1
    assert panel.dataset_combo.currentData() == "spirals"
    assert panel.dataset_form.editor("n_samples").value() == 600
    _screenshot(panel, "data_panel_spirals")


def test_screenshot_mobile_price_sample(qtbot):
    doc = ProjectDocument(load_project(SAMPLES / "mobile_price.nnsproj"))
    doc.workspace.reload_data()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert doc.workspace.prepared is not None
    assert summary_text(doc.workspace.prepared) == (
        "1600 train · 400 validation · 0 test · 20 features · 4 classes: 0, 1, 2, 3"
    )
    assert panel.summary_label.text() == summary_text(doc.workspace.prepared)
    assert panel.seed_spin.value() == 88
    assert panel.columns_table.rowCount() == 21
    assert not panel.builtin_toggle.isChecked()  # a CSV project keeps the picker folded
    _screenshot(panel, "data_panel_mobile_price")


# --- following the model -------------------------------------------------------------------


def test_refused_edit_while_training_restores_widgets(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    doc.set_locked("Training…")
    with qtbot.waitSignal(doc.message) as blocker:
        _choose(panel.scaling_combo, "minmax")
    assert blocker.args == ["Training…"]
    assert doc.project.data.scaling == "standard"
    assert panel.scaling_combo.currentData() == "standard"
    _choose(panel._role_combos["f2"], "ignored")
    assert panel._role_combos["f2"].currentData() == "input"
    panel.seed_spin.setValue(5)
    assert panel.seed_spin.value() == 0
    assert doc.undo_stack.count() == 1


def test_undo_restores_every_widget_without_pushing(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    _choose(panel.missing_combo, "drop")
    _choose(panel.scaling_combo, "minmax")
    panel.train_spin.setValue(60.0)
    panel.seed_spin.setValue(3)
    _choose(panel.task_combo, "regression")
    _choose(panel._role_combos["f2"], "ignored")
    count = doc.undo_stack.count()
    assert count == 7
    while doc.undo_stack.canUndo() and doc.undo_stack.index() > 1:
        doc.undo_stack.undo()
    assert doc.undo_stack.count() == count
    assert panel.missing_combo.currentData() == "refuse"
    assert panel.scaling_combo.currentData() == "standard"
    assert [s.value() for s in panel.split_spins] == [80.0, 20.0, 0.0]
    assert panel.seed_spin.value() == 0
    assert panel.task_combo.currentData() == "auto"
    assert panel._role_combos["f2"].currentData() == "input"


def test_project_replaced_and_settings_set_elsewhere(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    doc.replace_project(load_project(SAMPLES / "spirals.nnsproj"))
    assert panel.dataset_combo.currentData() == "spirals"
    assert panel.columns_table.rowCount() == 3
    assert panel.model.rowCount() == 600
    assert panel.scatter_available()
    assert panel.view_tabs.currentIndex() == 1
    assert panel.builtin_toggle.isChecked()
    # Any command (from another view, a script) shows up here too.
    from nnstudio.gui.commands import SetDataSettingsCommand

    new = doc.project.data.replace(scaling="none", seed=4)
    doc.push(SetDataSettingsCommand(doc, new))
    assert panel.scaling_combo.currentData() == "none"
    assert panel.seed_spin.value() == 4
    doc.replace_project(load_project(SAMPLES / "iris.nnsproj"))
    assert [s.value() for s in panel.split_spins] == [70.0, 15.0, 15.0]
    assert not panel.scatter_available()


def test_reopening_the_same_file_reloads_without_a_command(qtbot, tmp_path):
    panel, doc = _loaded(qtbot, tmp_path)
    path = tmp_path / "three.csv"
    _write_csv(path, n=30)
    with qtbot.waitSignal(doc.data_changed):
        assert panel.load_csv(path)
    assert doc.undo_stack.count() == 1
    assert panel.model.rowCount() == 30


def test_data_settings_keep_validating(panel, doc):
    # A project whose stored target is missing from the table still shows its columns.
    doc.project.data = DataSettings(
        source=DataSource(kind="builtin", name="xor", params={}), targets=("nope",)
    )
    doc.workspace.reload_data()
    assert doc.workspace.data_error is not None
    assert panel.columns_table.rowCount() == 3
    assert panel.banner.level() == "error"

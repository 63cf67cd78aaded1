"""A file the core refuses for its encoding gets a choice of encodings, undoable."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.core.data import DataSettings, DataSource
from nnstudio.core.errors import DataEncodingError
from nnstudio.gui.commands import SetDataSettingsCommand
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.panels.data_panel import DataPanel


def _write_mixed(path: Path) -> Path:
    """UTF-8 lines next to Latin-1 lines: no single encoding reads every row."""
    lines = [b"x,colour"]
    for i in range(12):
        colour = "rêd".encode() if i % 2 else "blüe".encode("latin-1")
        lines.append(str(i).encode() + b"," + colour)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def panel(qtbot) -> DataPanel:
    widget = DataPanel(ProjectDocument())
    qtbot.addWidget(widget)
    widget.resize(360, 800)
    widget.show()
    return widget


def test_opening_a_file_of_mixed_encodings_offers_the_encodings_and_latin1_loads_it(
    panel, tmp_path
):
    mixed = _write_mixed(tmp_path / "mixed.csv")
    assert not panel.load_csv(mixed)
    assert "mixes text encodings" in panel.banner.text()
    assert panel.encoding_offer.isVisible()
    assert list(panel.encoding_buttons) == ["utf-8", "gb18030", "latin-1", "utf-16"]
    assert panel.document.project.data.source.kind == "none"

    panel.encoding_buttons["latin-1"].click()
    workspace = panel.document.workspace
    assert workspace.data_error is None
    assert panel.document.project.data.source.encoding == "latin-1"
    assert set(workspace.table.frame["colour"]) == {"rÃªd", "blüe"}
    assert panel.encoding_combo.currentData() == "latin-1"
    assert not panel.encoding_offer.isVisible()
    panel.document.undo_stack.undo()
    assert panel.document.project.data.source.kind == "none"


def test_choosing_latin1_for_the_projects_file_is_one_step_that_undo_takes_back_to_auto(
    panel, tmp_path
):
    mixed = _write_mixed(tmp_path / "mixed.csv")
    doc = panel.document
    settings = DataSettings(source=DataSource(kind="csv", path=str(mixed)), targets=("colour",))
    assert doc.push(SetDataSettingsCommand(doc, settings, "Open mixed.csv"))
    assert isinstance(doc.workspace.data_exception, DataEncodingError)
    assert "source.encoding" in panel.banner.text()
    assert panel.encoding_offer.isVisible()
    assert panel.encoding_combo.currentData() == "auto"

    panel.encoding_buttons["latin-1"].click()
    assert doc.workspace.data_error is None and doc.workspace.table is not None
    assert doc.project.data.source.encoding == "latin-1"
    assert doc.undo_stack.undoText() == "Encoding: Latin-1"
    assert not panel.encoding_offer.isVisible()

    doc.undo_stack.undo()
    assert doc.project.data.source.encoding == "auto"
    assert panel.encoding_combo.currentData() == "auto"
    assert isinstance(doc.workspace.data_exception, DataEncodingError)
    assert panel.encoding_offer.isVisible()


def test_the_encoding_field_sets_the_source_encoding_of_the_csv_in_use(panel, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_text("a,b\n1,rêd\n2,blüe\n3,rêd\n", encoding="latin-1")
    assert panel.load_csv(latin)
    combo = panel.encoding_combo
    assert combo.isEnabled() and combo.currentData() == "auto"
    combo.setCurrentIndex(combo.findData("utf-8"))
    doc = panel.document
    assert doc.project.data.source.encoding == "utf-8"
    assert doc.undo_stack.undoText() == "Encoding: UTF-8"
    assert isinstance(doc.workspace.data_exception, DataEncodingError)
    assert panel.encoding_offer.isVisible()  # the wrong choice is refused, with the choice
    doc.undo_stack.undo()
    assert doc.project.data.source.encoding == "auto"
    assert doc.workspace.data_error is None
    assert not panel.encoding_offer.isVisible()


def test_the_encoding_field_is_off_for_built_in_data(panel):
    assert panel.use_builtin("xor")
    assert not panel.encoding_combo.isEnabled()
    assert panel.encoding_combo.currentData() == "auto"


def test_reopening_the_projects_file_keeps_the_encoding_chosen_for_it(panel, tmp_path):
    mixed = _write_mixed(tmp_path / "mixed.csv")
    assert not panel.load_csv(mixed)
    panel.encoding_buttons["latin-1"].click()
    assert panel.load_csv(mixed)
    assert panel.document.project.data.source.encoding == "latin-1"
    assert panel.document.workspace.data_error is None

"""A big table in the data panel: the preview formats only the cells it shows.

Counted, not timed: the number of cells turned into text while the panel shows 200,000 rows
and scrolls through them must stay that of a screenful or two (plus the few hundred rows the
column widths are measured on), not grow with the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.models import dataframe_model
from nnstudio.gui.panels.data_panel import DataPanel
from tests.gui.helpers import show_styled

ROWS = 200_000


def _write(path: Path) -> Path:
    rng = np.random.default_rng(4)
    values = np.column_stack([rng.normal(size=(ROWS, 4)), rng.integers(0, 3, size=ROWS)])
    np.savetxt(
        path, values, fmt=["%.5f"] * 4 + ["%d"], delimiter=",", header="a,b,c,d,label", comments=""
    )
    return path


@pytest.mark.timeout(600)
def test_a_200k_row_table_formats_only_the_cells_on_screen(qtbot, tmp_path, monkeypatch):
    formatted = []
    original = dataframe_model.format_cell

    def counting(value):
        formatted.append(value)
        return original(value)

    monkeypatch.setattr(dataframe_model, "format_cell", counting)
    panel = DataPanel(ProjectDocument())
    qtbot.addWidget(panel)
    # A file this big is read in the background (the data panel's cancellable read).
    with qtbot.waitSignal(panel.reader.finished, timeout=120_000):
        assert panel.load_csv(_write(tmp_path / "big.csv"))
    show_styled(panel, (900, 700))
    panel.view_tabs.setCurrentWidget(panel.preview.parentWidget())
    QApplication.processEvents()
    model = panel.model
    assert model.rowCount() == ROWS and model.columnCount() == 5
    # Column widths are measured on at most a few hundred rows; nothing else is formatted.
    assert 0 < len(formatted) <= 400 * 5

    formatted.clear()
    bar = panel.preview.verticalScrollBar()
    for value in (bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        QApplication.processEvents()
    visible = (
        panel.preview.viewport().height() // panel.preview.verticalHeader().defaultSectionSize()
    )
    assert len(formatted) <= 2 * (visible + 2) * 5
    assert model.cell_text(ROWS - 1, 4) in {"0", "1", "2"}

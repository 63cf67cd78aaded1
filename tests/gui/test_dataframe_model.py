"""DataFrameModel: lazy cells, kind/role headers, problem highlighting, speed on big frames."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from nnstudio.gui.models.dataframe_model import (
    IGNORED_TEXT,
    JUNK_TINT,
    MISSING_TEXT,
    MISSING_TINT,
    TARGET_TINT,
    DataFrameModel,
)

DISPLAY = Qt.ItemDataRole.DisplayRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole


@pytest.fixture
def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ram": [2549, 2631, 1000, 4000],
            "weight": [0.5, np.nan, 1.25, 3.0],
            "brand": ["苹果", None, "abc", "小米"],
            "price": [1, 2, 0, 3],
        }
    )


def test_counts_and_cells(qtbot, small_frame):
    model = DataFrameModel(small_frame)
    assert model.rowCount() == 4
    assert model.columnCount() == 4
    assert model.data(model.index(0, 0), DISPLAY) == "2549"
    assert model.data(model.index(0, 1), DISPLAY) == "0.5"
    assert model.data(model.index(3, 1), DISPLAY) == "3"
    assert model.data(model.index(0, 2), DISPLAY) == "苹果"
    # Row headers count data rows from 1, like every message about the data.
    assert model.headerData(0, Qt.Orientation.Vertical, DISPLAY) == "1"


def test_header_shows_kind_and_role(qtbot, small_frame):
    model = DataFrameModel(
        small_frame,
        kinds={"ram": "numeric", "brand": "categorical"},
        roles={"price": "target", "weight": "ignored"},
    )
    assert model.headerData(0, Qt.Orientation.Horizontal, DISPLAY) == "ram\nnumeric"
    assert model.headerData(2, Qt.Orientation.Horizontal, DISPLAY) == "brand\ncategorical"
    assert model.headerData(3, Qt.Orientation.Horizontal, DISPLAY) == "price\nnumeric · target"
    assert "ignored" in model.headerData(1, Qt.Orientation.Horizontal, DISPLAY)
    assert model.data(model.index(0, 3), BACKGROUND).color() == TARGET_TINT
    fg = model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole)
    assert fg.color() == IGNORED_TEXT


def test_missing_and_junk_cells_are_highlighted(qtbot, small_frame):
    model = DataFrameModel(small_frame)
    assert model.data(model.index(1, 1), DISPLAY) == MISSING_TEXT
    assert model.data(model.index(1, 1), BACKGROUND).color() == MISSING_TINT
    assert model.cell_status(1, 2) == "missing"
    assert "missing" in model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole)
    # "abc" is junk only once the column is known to be numeric.
    assert model.cell_status(2, 2) == "ok"
    with qtbot.waitSignal(model.dataChanged):
        model.set_kinds({"brand": "numeric"})
    assert model.cell_status(2, 2) == "junk"
    assert model.data(model.index(2, 2), BACKGROUND).color() == JUNK_TINT
    assert "not a number" in model.data(model.index(2, 2), Qt.ItemDataRole.ToolTipRole)


def test_roles_update_without_reset(qtbot, small_frame):
    model = DataFrameModel(small_frame)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.headerDataChanged):
        model.set_roles({"ram": "target"})
    assert model.data(model.index(0, 0), BACKGROUND).color() == TARGET_TINT
    assert not resets
    assert model.column_index("price") == 3
    assert model.column_index("nope") == -1


def test_empty_model(qtbot):
    model = DataFrameModel()
    assert model.rowCount() == 0 and model.columnCount() == 0
    model.set_frame(pd.DataFrame({"a": [1]}))
    assert model.rowCount() == 1


def test_big_frame_is_fast(qtbot):
    """200k × 30 rows: construction and scrolling must not touch every cell."""
    rng = np.random.default_rng(0)
    n = 200_000
    columns = {f"f{j}": rng.normal(size=n) for j in range(28)}
    columns["city"] = np.array(["a", "b", None, "d"] * (n // 4), dtype=object)
    columns["label"] = rng.integers(0, 4, size=n)
    frame = pd.DataFrame(columns)

    view = QTableView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    start = time.perf_counter()
    model = DataFrameModel(frame, kinds={c: "numeric" for c in frame.columns})
    view.setModel(model)
    qtbot.wait(1)
    bar = view.verticalScrollBar()
    for value in np.linspace(0, bar.maximum(), 20):
        bar.setValue(int(value))
        view.viewport().repaint()
    view.scrollToBottom()
    view.viewport().repaint()
    elapsed = time.perf_counter() - start
    print(f"\nDataFrameModel 200k x 30: construct + 20 scroll repaints in {elapsed * 1000:.0f} ms")
    assert model.rowCount() == n
    last = model.index(n - 1, 29)
    assert model.data(last, DISPLAY) == str(frame["label"].iloc[-1])

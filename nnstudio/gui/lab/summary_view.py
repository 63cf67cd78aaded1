"""The model summary of the first lesson: a torchsummary-style table of the open network.

One row per layer (name, type, output shape, weights, biases, parameters) and the totals
below, read from the workspace's analysis (:mod:`nnstudio.core.lessons.summary`), so ``auto``
layers count what they resolved to. It follows every edit: change a layer's units and the
counts change with it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons.summary import ModelSummary, model_summary
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.i18n import N_, _

#: Column titles, in order (translated when shown).
COLUMNS = (
    N_("Layer"),
    N_("Type"),
    N_("Output shape"),
    N_("Weights"),
    N_("Biases"),
    N_("Param #"),
)
#: A number not known because the network is not valid yet.
UNKNOWN = "—"


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


class SummaryView(QWidget):
    """The summary table and its totals (Total / Trainable / Non-trainable params)."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.summary: ModelSummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.rule = muted(
            wrapped_label(
                _(
                    "A layer of n neurons with d inputs has n·(d+1) parameters: n·d weights "
                    "and n biases. Inputs are not parameters."
                ),
                self,
            )
        )
        layout.addWidget(self.rule)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(title) for title in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.total_label = QLabel(self)
        self.total_label.setFont(theme.heading_font(1))
        self.trainable_label = QLabel(self)
        self.frozen_label = QLabel(self)
        for label in (self.total_label, self.trainable_label, self.frozen_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        document.analysis_changed.connect(lambda _analysis: self.refresh())
        document.project_replaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Count again from the workspace's graph and analysis."""
        workspace = self.document.workspace
        summary = model_summary(workspace.graph, workspace.analysis)
        self.summary = summary
        self.table.setRowCount(len(summary.rows))
        for row, entry in enumerate(summary.rows):
            shape = UNKNOWN if entry.units is None else f"[-1, {entry.units}]"
            cells = (
                entry.name,
                entry.layer_type,
                shape,
                _count(entry.weights),
                _count(entry.biases),
                _count(entry.total),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        total = f"{summary.total:,}" if summary.complete else UNKNOWN
        self.total_label.setText(_("Total params: {count}").format(count=total))
        self.trainable_label.setText(
            _("Trainable params: {count}").format(count=f"{summary.trainable:,}")
        )
        self.frozen_label.setText(
            _("Non-trainable params: {count}").format(count=f"{summary.frozen:,}")
        )

    def column_values(self, column: int) -> list[str]:
        """The texts of one column, top to bottom (what a student reads)."""
        return [self.table.item(row, column).text() for row in range(self.table.rowCount())]


__all__ = ["SummaryView"]

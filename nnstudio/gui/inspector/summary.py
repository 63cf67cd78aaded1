"""The model summary shown when nothing is selected: the lesson's torchsummary-style table.

Rows come from :func:`nnstudio.core.network.builder.summarize`, so the numbers are the ones the
command line prints and the lessons check (3→3→2→2 has 26 parameters).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.errors import NNStudioError
from nnstudio.core.network.builder import Summary, summarize
from nnstudio.core.network.graph import Graph
from nnstudio.gui import theme
from nnstudio.gui.widgets.labels import escape_html, muted
from nnstudio.gui.widgets.texts import error_text, format_shape
from nnstudio.i18n import N_, _, pgettext

__all__ = ["ModelSummaryView"]

#: Column headings (in English; :func:`_headings` gives them in the user's language).
COLUMNS = ("Layer", "Type", "Output", "Params", "Train")
_HEADER_TIPS = (
    N_("The layer's name on the canvas."),
    N_("The layer type."),
    N_("Output shape [batch, units]; -1 stands for any batch size."),
    N_("Learnable numbers in the layer: n·(d+1) for a Dense layer of n units with d inputs."),
    N_("✓ trainable; ❄ frozen (its weights do not change during training)."),
)


def _headings() -> list[str]:
    """The column headings, translated (one call each, so every heading is extracted)."""
    return [
        _("Layer"),
        _("Type"),
        _("Output"),
        _("Params"),
        # Translators: heading of the column that shows ✓ (trainable) or ❄ (frozen).
        pgettext("model summary column", "Train"),
    ]


TEACHING = N_(
    "A layer of n units with d inputs has n·(d+1) parameters: n·d weights and n biases. "
    "Inputs are not parameters."
)


class ModelSummaryView(QWidget):
    """Table of layers with output shapes and parameter counts, plus totals.

    Shows the validation message instead when the network cannot be summarised yet.
    """

    #: A row was activated (double-click/Enter): the id of its layer.
    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setStyleSheet(
            f"QLabel {{ background: {theme.ERROR_BOX_BG.name()}; border: 1px solid "
            f"{theme.ERROR_BOX_BORDER.name()}; border-radius: 4px; padding: 6px; "
            f"color: {theme.ERROR_BOX_TEXT.name()}; }}"
        )
        layout.addWidget(self.message)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(_headings())
        for i, tip in enumerate(_HEADER_TIPS):
            self.table.horizontalHeaderItem(i).setToolTip(_(tip))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.itemActivated.connect(self._on_item_activated)
        self.table.itemDoubleClicked.connect(self._on_item_activated)
        layout.addWidget(self.table)

        totals = QGridLayout()
        totals.setContentsMargins(2, 0, 2, 0)
        totals.setHorizontalSpacing(12)
        totals.setVerticalSpacing(2)
        self.total_label = QLabel(self)
        self.trainable_label = QLabel(self)
        self.frozen_label = QLabel(self)
        for row, (title, value) in enumerate(
            (
                (_("Total params"), self.total_label),
                (_("Trainable params"), self.trainable_label),
                (_("Non-trainable params"), self.frozen_label),
            )
        ):
            name = QLabel(title, self)
            if row == 0:
                name.setFont(theme.heading_font(0))
                value.setFont(theme.heading_font(0))
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            totals.addWidget(name, row, 0)
            totals.addWidget(value, row, 1)
        self.totals = QWidget(self)
        self.totals.setLayout(totals)
        layout.addWidget(self.totals)

        self.note = QLabel(_(TEACHING), self)
        self.note.setWordWrap(True)
        muted(self.note)
        layout.addWidget(self.note)

        self.summary: Summary | None = None
        self.error: str | None = None

    def refresh(self, graph: Graph, ctx: ShapeContext | None) -> None:
        """Recompute from the model (cheap: formulas only, no torch module is built)."""
        try:
            summary = summarize(graph, ctx)
        except NNStudioError as exc:
            self.show_error(error_text(exc))
            return
        self.show_summary(summary)

    def show_error(self, message: str) -> None:
        self.summary, self.error = None, message
        title = escape_html(_("No summary yet."))
        lead = escape_html(_("The network cannot be built:"))
        where = escape_html(_("The Problems panel lists everything to fix."))
        self.message.setText(
            f"<b>{title}</b> {lead}<br>{escape_html(message)}<br>"
            f"<span style='color:{theme.MUTED_TEXT.name()}'>{where}</span>"
        )
        self.message.setVisible(True)
        self.table.setVisible(False)
        self.totals.setVisible(False)

    def show_summary(self, summary: Summary) -> None:
        self.summary, self.error = summary, None
        self.message.setVisible(False)
        self.table.setVisible(True)
        self.totals.setVisible(True)
        self.table.setRowCount(len(summary.rows))
        muted = QBrush(theme.MUTED_TEXT)
        for i, row in enumerate(summary.rows):
            shape = format_shape(row.output_shape[1])  # as the canvas writes it
            cells = (
                row.name,
                row.type,
                shape,
                f"{row.params:,}",
                "✓" if row.trainable else "❄",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.node_id)
                if col >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    item.setToolTip(
                        _("Trainable") if row.trainable else _("Frozen: these weights stay fixed.")
                    )
                elif col == 0:
                    item.setToolTip(
                        _("{name} ({type}) — double-click to select it").format(
                            name=row.name, type=row.type
                        )
                    )
                if row.params == 0 and col == 3:
                    item.setForeground(muted)
                self.table.setItem(i, col, item)
        self._fit_height()
        frozen = summary.total_params - summary.trainable_params
        self.total_label.setText(f"{summary.total_params:,}")
        self.trainable_label.setText(f"{summary.trainable_params:,}")
        self.frozen_label.setText(f"{frozen:,}")

    def _fit_height(self) -> None:
        # The panel scrolls as a whole; a table with its own scroll bar inside it is awkward.
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        for i in range(self.table.rowCount()):
            height += self.table.rowHeight(i)
        self.table.setFixedHeight(height)

    def _on_item_activated(self, item: QTableWidgetItem) -> None:
        node_id = item.data(Qt.ItemDataRole.UserRole)
        if node_id:
            self.node_activated.emit(str(node_id))

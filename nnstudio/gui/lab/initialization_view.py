"""Initialization explorer: try an initialiser per Dense layer of the open network and see
each layer's activations for one batch — mean, std, a histogram, and identical neurons.

The lesson lists the initialisers with their formulas and warns that zeros, ones and
constants never break symmetry. Here the student picks one per layer of their *own*
network (the prepared data's first rows are pushed through, or standard normal rows when no
data is loaded), reads the formulas with the layer's fan_in and fan_out filled in, and sees
the symmetry happen. Nothing changes in the project until "Apply to project", which is one
undoable step and is refused while training owns the model. The numbers come from
:mod:`nnstudio.core.lessons.initialization`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.initializers import INITIALIZERS
from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons.initialization import (
    LayerActivity,
    dense_layers,
    exploration_inputs,
    explore,
)
from nnstudio.gui import theme
from nnstudio.gui.commands import MacroCommand, SetParamCommand
from nnstudio.gui.plots.base import HINT_COLOR, make_plot, series_color
from nnstudio.gui.theme import with_alpha
from nnstudio.i18n import _, ngettext

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument

__all__ = ["InitializationView"]

#: Initialisers offered (explicit values need typing a matrix: the inspector does that).
CHOICES = tuple(spec.name for spec in INITIALIZERS if spec.name != "explicit")
#: Histograms shown side by side; deeper networks show their first ones.
MAX_HISTOGRAMS = 6
COLUMNS = ("layer", "fans", "init", "mean", "std", "symmetry")


class InitializationView(QWidget):
    """Per-layer initialiser choice for the open network, with activation statistics."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        #: node id → the weight initialiser tried here (a normalised component)
        self.choices: dict[str, dict[str, Any]] = {}
        self.layers: list[LayerActivity] = []
        self._combos: dict[str, QComboBox] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        self.source = QLabel(self)
        self.source.setStyleSheet(f"color: {HINT_COLOR};")
        self.source.setWordWrap(True)
        bar.addWidget(self.source, 1)
        self.zero_bias = QCheckBox(_("Zero biases (as the lesson)"), self)
        self.zero_bias.setToolTip(
            _(
                "Start every bias at 0. PyTorch's default biases are random, which tells "
                "apart neurons whose weights are all the same."
            )
        )
        self.zero_bias.toggled.connect(lambda _on: self.recompute())
        bar.addWidget(self.zero_bias)
        self.apply_button = QPushButton(_("Apply to project"), self)
        self.apply_button.setToolTip(
            _("Use these initialisers in the project (one step you can undo).")
        )
        self.apply_button.clicked.connect(self.apply)
        bar.addWidget(self.apply_button)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(splitter)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(COLUMNS), top)
        self.table.setHorizontalHeaderLabels(
            [_("Layer"), _("fan_in → fan_out"), _("Weight init"), _("Mean"), _("Std"), ""]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_formulas)
        top_layout.addWidget(self.table, 1)
        self.symmetry = QLabel(top)
        self.symmetry.setWordWrap(True)
        self.symmetry.setStyleSheet(f"color: {theme.WARNING_TEXT.name()};")
        top_layout.addWidget(self.symmetry)
        self.formulas = QLabel(top)
        self.formulas.setWordWrap(True)
        self.formulas.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top_layout.addWidget(self.formulas)
        splitter.addWidget(top)
        self.graphics = pg.GraphicsLayoutWidget(splitter)
        self.graphics.setMinimumHeight(120)
        splitter.addWidget(self.graphics)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        #: node id → (plot, histogram item)
        self.histograms: dict[str, tuple[pg.PlotItem, pg.PlotDataItem]] = {}

        for signal in (document.project_replaced, document.data_changed):
            signal.connect(self.reload)
        document.graph_changed.connect(self.recompute)
        document.locked_changed.connect(self._locked)
        self._locked(document.lock_reason is not None)
        self.reload()

    # --- what tests and the buttons drive ------------------------------------------------------

    def reload(self) -> None:
        """Forget the choices tried here and start from the project's initialisers."""
        self.choices = {}
        self.recompute()

    def set_choice(self, node_id: str, component: str | Mapping[str, Any]) -> None:
        """Try ``component`` as ``node_id``'s weight initialiser (the project is unchanged)."""
        self.choices[node_id] = INITIALIZERS.normalize(component)
        self.recompute()

    def layer(self, name: str) -> LayerActivity:
        """The statistics of the Dense layer called ``name``."""
        for item in self.layers:
            if item.name == name:
                return item
        raise KeyError(name)

    def apply(self) -> bool:
        """Put the tried initialisers into the project as one undoable step.

        False when there is nothing to change or the document refuses (training owns the
        model; the document tells the user why).
        """
        graph = self.document.workspace.graph
        macro = MacroCommand(_("Apply initializers"))
        for item in self.layers:
            node = graph.nodes.get(item.node_id)
            if node is None:
                continue
            if dict(node.params.get("weight_init") or {}) != dict(item.init):
                SetParamCommand(self.document, item.node_id, "weight_init", dict(item.init), macro)
            if self.zero_bias.isChecked() and node.params.get("bias_init") != item.bias_init:
                SetParamCommand(
                    self.document, item.node_id, "bias_init", dict(item.bias_init), macro
                )
        if not macro.steps:
            return False
        return self.document.push(macro)

    # --- computing and showing ---------------------------------------------------------------

    def recompute(self) -> None:
        workspace = self.document.workspace
        graph, ctx = workspace.graph, workspace.shape_context
        self.layers = []
        message = ""
        try:
            found = dense_layers(graph, ctx)
            inputs = exploration_inputs(
                graph, ctx, workspace.prepared, seed=workspace.project.training.seed
            )
            if not found:
                message = _("Build a valid network with Dense layers to explore it here.")
            elif inputs is None:
                message = _("Load data or give the Input layer a size to explore the network.")
            else:
                ids = {nid for nid, _fi, _fo in found}
                self.choices = {k: v for k, v in self.choices.items() if k in ids}
                self.layers = explore(
                    graph,
                    ctx,
                    inputs,
                    self.choices,
                    zero_bias=self.zero_bias.isChecked(),
                    seed=workspace.project.training.seed,
                )
                if workspace.prepared is not None:
                    message = ngettext(
                        "{n} row of the training data pushed through the network.",
                        "{n} rows of the training data pushed through the network.",
                        len(inputs),
                    ).format(n=len(inputs))
                else:
                    message = ngettext(
                        "No data loaded: {n} random normal row pushed through the network.",
                        "No data loaded: {n} random normal rows pushed through the network.",
                        len(inputs),
                    ).format(n=len(inputs))
        except NNStudioError as exc:
            message = str(exc)
        self.source.setText(message)
        self._fill_table()
        self._fill_histograms()
        self._fill_symmetry()
        self._show_formulas()

    def _fill_table(self) -> None:
        selected = self._selected_row()
        self.table.setRowCount(len(self.layers))
        self._combos = {}
        for row, item in enumerate(self.layers):
            name = QTableWidgetItem(item.name)
            name.setData(Qt.ItemDataRole.UserRole, item.node_id)
            name.setForeground(pg.mkColor(series_color(row)))
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(f"{item.fan_in} → {item.fan_out}"))
            combo = QComboBox(self.table)
            for choice in CHOICES:
                combo.addItem(_(INITIALIZERS.get(choice).label), choice)
            combo.setCurrentIndex(max(0, combo.findData(item.init["name"])))
            combo.currentIndexChanged.connect(
                lambda _i, nid=item.node_id, c=combo: self.set_choice(nid, c.currentData())
            )
            self.table.setCellWidget(row, 2, combo)
            self._combos[item.node_id] = combo
            for col, value in ((3, item.mean), (4, item.std)):
                cell = QTableWidgetItem(_fmt(value))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
            self.table.setItem(row, 5, QTableWidgetItem(self._symmetry_word(item)))
        if self.layers:
            self.table.selectRow(min(selected, len(self.layers) - 1))

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else 0

    @staticmethod
    def _symmetry_word(item: LayerActivity) -> str:
        if item.identical:
            return _("identical neurons")
        if item.same_weights:
            return _("same weights")
        return ""

    def _fill_symmetry(self) -> None:
        lines = []
        for item in self.layers:
            if item.identical:
                lines.append(
                    ngettext(
                        "All {n} neuron of {layer} is identical.",
                        "All {n} neurons of {layer} are identical: they compute, and will "
                        "learn, the same thing (symmetry is never broken).",
                        item.fan_out,
                    ).format(n=item.fan_out, layer=item.name)
                )
            elif item.same_weights:
                lines.append(
                    ngettext(
                        "The {n} neuron of {layer} has the same weights as the others.",
                        "All {n} neurons of {layer} have the same weights; only their random "
                        "biases tell them apart (tick “Zero biases” to see them identical).",
                        item.fan_out,
                    ).format(n=item.fan_out, layer=item.name)
                )
        self.symmetry.setText("\n".join(lines))
        self.symmetry.setVisible(bool(lines))

    def _show_formulas(self) -> None:
        if not self.layers:
            self.formulas.setText("")
            return
        item = self.layers[min(self._selected_row(), len(self.layers) - 1)]
        rows = "".join(
            f"<tr><td>{_(f.label)}</td><td>&nbsp;&nbsp;{f.text}</td></tr>" for f in item.formulas
        )
        self.formulas.setText(
            _("{layer}: fan_in = {fan_in}, fan_out = {fan_out}").format(
                layer=item.name, fan_in=item.fan_in, fan_out=item.fan_out
            )
            + f"<table>{rows}</table>"
        )

    def _fill_histograms(self) -> None:
        self.graphics.clear()
        self.histograms = {}
        for index, item in enumerate(self.layers[:MAX_HISTOGRAMS]):
            plot = make_plot(
                self.graphics.ci,
                0,
                index,
                title=item.name,
                left_width=34,
                x_label=_("activation"),
            )
            plot.setMouseEnabled(x=False, y=False)
            color = series_color(index)
            bars = pg.PlotDataItem(
                item.edges,
                item.counts,
                stepMode="center",
                fillLevel=0,
                brush=pg.mkBrush(with_alpha(color, 120)),
                pen=pg.mkPen(color),
            )
            plot.addItem(bars)
            self.histograms[item.node_id] = (plot, bars)

    def _locked(self, locked: bool) -> None:
        self.apply_button.setEnabled(not locked)
        self.apply_button.setToolTip(
            _("Training owns the model: stop it to change the project.")
            if locked
            else _("Use these initialisers in the project (one step you can undo).")
        )


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"

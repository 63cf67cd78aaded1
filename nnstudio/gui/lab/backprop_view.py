"""The backprop lesson, step by step, on the open project: forward, backward, update.

The network is drawn with each neuron's net and out and each weight's value. *Forward*
reveals the layers one by one (a QTimer calls :meth:`BackpropView.step_forward`, which a
test calls directly); *Backward* writes ∂E/∂w on every edge and, for the selected weight
(click an edge, pick it in the combo or in the table), the chain-rule factors as the
lesson writes them — for a hidden weight such as w1 the sum over its paths through the
next layer; *Apply step* shows old → new. A table lists every parameter with autograd's
gradient beside the finite-difference one.

All numbers come from :func:`~nnstudio.core.lessons.backprop.inspect_step` on one
training row of the workspace's prepared data, and are written with the step text's own
rounding (:func:`~nnstudio.core.lessons.backprop_text.number`), so the backward pass, the
table, the update and ``nnstudio step`` show the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons.backprop import LayerStep, StepReport, inspect_step
from nnstudio.core.lessons.backprop_paths import (
    ParamRef,
    ParamTable,
    WeightChain,
    dense_layers,
    numeric_gradients,
    plain_sgd,
    unit_prefixes,
    weight_chain,
)
from nnstudio.core.lessons.backprop_text import number
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.labels import muted, wrapped_label
from nnstudio.gui.widgets.texts import error_text, escape_html
from nnstudio.i18n import _, ngettext, tr

__all__ = ["MAX_DRAWN_UNITS", "MAX_PATHS_SHOWN", "BackpropView", "WeightTableModel"]

#: At most this many neurons of a layer are drawn; the rest are counted ("+ 12 more").
MAX_DRAWN_UNITS = 8
#: Edge labels are written when two drawn layers have at most this many edges between them.
MAX_LABELLED_EDGES = 16
#: A hidden weight's paths listed one by one, at most (the sum is always shown).
MAX_PATHS_SHOWN = 8
#: Milliseconds between two layers of the forward animation.
FORWARD_INTERVAL_MS = 700
#: Input columns of the row picker's description (the tooltip has them all).
MAX_ROW_VALUES = 8

_X_GAP, _Y_GAP, _R = 420.0, 150.0, 22.0


def _p(v: float) -> str:
    """A factor inside a product: negative numbers in parentheses, as the step text does."""
    s = number(v)
    return f"({s})" if v < 0 else s


@dataclass
class _Unit:
    node_id: str
    index: int
    name: str  #: i1, h1, o1
    center: QPointF


class _Edge(QGraphicsLineItem):
    """A weight's edge: clicking it selects the weight."""

    def __init__(self, ref: ParamRef, view: BackpropView) -> None:
        super().__init__()
        self.ref = ref
        self._view = view
        self.label: _Label | None = None
        #: Where along the edge its label sits (0 at the source).
        self.t = 0.5
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def shape(self):
        from PySide6.QtGui import QPainterPath, QPainterPathStroker

        path = QPainterPath(self.line().p1())
        path.lineTo(self.line().p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(path)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._view.select(self.ref)
        event.accept()


class _Label(QGraphicsRectItem):
    """Text on a white card, so an edge's line never strikes through its numbers."""

    def __init__(self, font: QFont) -> None:
        super().__init__()
        self.item = QGraphicsSimpleTextItem(self)
        self.item.setFont(font)
        self.setBrush(QBrush(theme.with_alpha(theme.EDGE_LABEL_BG, 230)))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setZValue(2)

    def text(self) -> str:
        return self.item.text()

    def setText(self, text: str) -> None:
        self.item.setText(text)
        rect = self.item.boundingRect()
        self.setRect(rect.adjusted(-2, -1, 2, 1))

    def setBrush(self, brush) -> None:
        if isinstance(brush, QColor):
            self.item.setBrush(brush)
            return
        super().setBrush(brush)

    def font(self) -> QFont:
        return self.item.font()

    def setFont(self, font: QFont) -> None:
        self.item.setFont(font)
        self.setText(self.item.text())


class _NetworkView(QGraphicsView):
    """Keeps the whole drawing in sight when the dock is resized."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-12, -12, 12, 12)
        if rect.isValid():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)


class WeightTableModel(QAbstractTableModel):
    """Every parameter: value, autograd's ∂E/∂w, the finite difference, the new value.

    A model (not a QTableWidget) so a network of tens of thousands of weights stays
    complete and quick. Columns not reached yet in the step-through show "—".
    """

    COLUMNS = 5

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.refs: ParamTable | list[ParamRef] = []
        self.numeric: dict[tuple[str, tuple[int, ...]], float] = {}
        self.show_grads = False
        self.show_after = False

    def set_refs(self, refs: ParamTable | list[ParamRef], numeric: dict) -> None:
        self.beginResetModel()
        self.refs, self.numeric = refs, numeric
        self.endResetModel()

    def set_stage(self, grads: bool, after: bool) -> None:
        self.show_grads, self.show_after = grads, after
        if self.refs:
            self.dataChanged.emit(self.index(0, 2), self.index(len(self.refs) - 1, 4))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.refs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            _("Parameter"),
            _("Value"),
            _("∂E/∂w (autograd)"),
            _("∂E/∂w (numeric)"),
            _("New value"),
        )[section]

    def text(self, row: int, column: int) -> str:
        ref = self.refs[row]
        if column == 0:
            return ref.name
        if column == 1:
            return number(ref.before)
        if column == 2:
            return number(ref.grad) if self.show_grads and ref.grad is not None else "—"
        if column == 3:
            value = self.numeric.get((ref.label, ref.index))
            return number(value) if self.show_grads and value is not None else "—"
        return number(ref.after) if self.show_after else "—"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3 and self.show_grads:
            ref = self.refs[index.row()]
            if (ref.label, ref.index) not in self.numeric:
                return _("not checked: the gradient check perturbs an evenly spread selection")
        return None


class BackpropView(QWidget):
    """One training step of the open project, shown the way the lesson works it."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.report: StepReport | None = None
        self.params: ParamTable | list[ParamRef] = []
        self.selected: ParamRef | None = None
        #: Dense layers revealed by the forward pass (0: only the inputs).
        self.stage = 0
        self.backward_shown = False
        self.applied = False
        self.units: dict[tuple[str, int], _Unit] = {}
        self.neuron_labels: dict[tuple[str, int], QGraphicsSimpleTextItem] = {}
        self.edges: dict[tuple[str, tuple[int, ...]], _Edge] = {}
        self.more_labels: dict[str, QGraphicsSimpleTextItem] = {}
        self._building = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Training row:")))
        self.row_spin = QSpinBox(self)
        self.row_spin.setKeyboardTracking(False)
        self.row_spin.valueChanged.connect(self.refresh)
        row.addWidget(self.row_spin)
        self.row_values = QLabel(self)
        muted(self.row_values)
        self.row_values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A phone's twenty columns must not widen the dock: the label is cut, the tooltip
        # has every value.
        self.row_values.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.row_values, 1)
        layout.addLayout(row)

        buttons = QHBoxLayout()
        self.forward_button = QPushButton(_("Forward ▶"), self)
        self.forward_button.setToolTip(_("Compute net and out layer by layer"))
        self.forward_button.clicked.connect(self.play_forward)
        self.backward_button = QPushButton(_("◀ Backward"), self)
        self.backward_button.setToolTip(_("∂E/∂w of every weight by the chain rule"))
        self.backward_button.clicked.connect(self.show_backward)
        self.apply_button = QPushButton(_("Apply step"), self)
        self.apply_button.setToolTip(_("One optimiser step: old → new weights"))
        self.apply_button.clicked.connect(self.apply_step)
        self.reset_button = QPushButton(_("Start over"), self)
        self.reset_button.clicked.connect(self.start_over)
        for button in (
            self.forward_button,
            self.backward_button,
            self.apply_button,
            self.reset_button,
        ):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(QLabel(_("Weight:")))
        self.weight_combo = QComboBox(self)
        self.weight_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.weight_combo.setMaxVisibleItems(20)
        self.weight_combo.currentIndexChanged.connect(self._combo_chosen)
        buttons.addWidget(self.weight_combo)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.message = wrapped_label("", self)
        layout.addWidget(self.message)

        # The drawing is wide and the factors' lines long: both get the whole width.
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.scene = QGraphicsScene(self)
        self.network = _NetworkView(self.scene, split)
        self.network.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.network.setBackgroundBrush(QBrush(theme.CANVAS_BG))
        self.tabs = QTabWidget(split)
        self.chain = QTextBrowser(self.tabs)
        self.chain.setOpenLinks(False)
        self.tabs.addTab(self.chain, _("Chain rule"))
        self.table_model = WeightTableModel(self)
        self.table = QTableView(self.tabs)
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(lambda index: self.select(self.table_model.refs[index.row()]))
        self.tabs.addTab(self.table, _("All weights"))
        split.addWidget(self.network)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        self.split = split
        layout.addWidget(split, 1)
        self.loss_label = QLabel(self)
        layout.addWidget(self.loss_label)

        self.timer = QTimer(self)
        self.timer.setInterval(FORWARD_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        # Several document signals often arrive together: recompute once, after them.
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.refresh)
        for signal in (
            document.project_replaced,
            document.graph_changed,
            document.data_changed,
            document.run_stored,
            document.training_settings_changed,
        ):
            signal.connect(self._pending.start)
        self.refresh()

    # --- computing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Inspect one step of the chosen training row again; the step-through starts over."""
        self._pending.stop()
        self.timer.stop()
        workspace = self.document.workspace
        self.report = None
        prepared = workspace.prepared
        reason = workspace.blocking_reason()
        if reason is None and prepared is not None:
            self.row_spin.blockSignals(True)
            self.row_spin.setRange(0, max(0, prepared.n_train - 1))
            self.row_spin.blockSignals(False)
            try:
                self.report = inspect_step(
                    workspace.project,
                    sample=self.row_spin.value(),
                    loaded=(workspace.table, prepared),  # type: ignore[arg-type]
                )
            except NNStudioError as exc:
                reason = error_text(exc)
        self.message.setText(tr(reason) if reason else "")
        self.message.setVisible(bool(reason))
        self.row_spin.setEnabled(self.report is not None)
        for button in (
            self.forward_button,
            self.backward_button,
            self.apply_button,
            self.reset_button,
        ):
            button.setEnabled(self.report is not None)
        self._show_row_values()
        self.params = ParamTable(self.report) if self.report else []
        self.table_model.set_refs(
            self.params, numeric_gradients(self.report) if self.report else {}
        )
        previous = self.selected
        self.selected = None
        self.stage, self.backward_shown, self.applied = 0, False, False
        self._draw()
        self._fill_combo()
        keep = None
        if previous is not None and isinstance(self.params, ParamTable):
            keep = self.params.find(previous.node_id, previous.param, previous.index)
        self.select(keep or self._default_weight())
        self._update_stage()

    def _default_weight(self) -> ParamRef | None:
        """The lesson's first example: the output layer's first weight (w5)."""
        dense = dense_layers(self.report) if self.report else []
        if dense and isinstance(self.params, ParamTable):
            found = self.params.find(dense[-1].node_id, "weight", (0, 0))
            if found is not None:
                return found
        return self.params[0] if len(self.params) else None

    def _show_row_values(self) -> None:
        """The chosen row as the user's table has it (a phone's battery_power=842, …)."""
        workspace = self.document.workspace
        report, table = self.report, workspace.table
        if report is None or table is None:
            self.row_values.setText("")
            self.row_values.setToolTip("")
            return
        row = report.table_rows[0] - 1
        frame = table.frame
        values = [f"{col}={frame.iloc[row][col]}" for col in frame.columns]
        shown = values[:MAX_ROW_VALUES] + (["…"] if len(values) > MAX_ROW_VALUES else [])
        text = _("table row {row}: {values}").format(row=row + 1, values=", ".join(shown))
        self.row_values.setText(text)
        self.row_values.setToolTip(", ".join(values))

    # --- the step-through --------------------------------------------------------------------

    @property
    def n_layers(self) -> int:
        return len(dense_layers(self.report)) if self.report else 0

    @property
    def forward_done(self) -> bool:
        return self.report is not None and self.stage >= self.n_layers

    def step_forward(self) -> bool:
        """Reveal the next layer's net and out; False when the forward pass was complete."""
        if self.report is None or self.forward_done:
            self.timer.stop()
            return False
        self.stage += 1
        self._update_stage()
        if self.forward_done:
            self.timer.stop()
        return True

    def play_forward(self) -> None:
        """Animate the forward pass from the start, one layer per tick."""
        if self.report is None:
            return
        self.stage, self.backward_shown, self.applied = 0, False, False
        self._update_stage()
        self.timer.start()

    def _tick(self) -> None:
        self.step_forward()

    def show_backward(self) -> None:
        """∂E/∂w on every edge (the forward pass completes first)."""
        if self.report is None:
            return
        self.timer.stop()
        self.stage = self.n_layers
        self.backward_shown = True
        self._update_stage()

    def apply_step(self) -> None:
        """Old → new weights after one optimiser step."""
        if self.report is None:
            return
        self.show_backward()
        self.applied = True
        self._update_stage()

    def start_over(self) -> None:
        self.timer.stop()
        self.stage, self.backward_shown, self.applied = 0, False, False
        self._update_stage()

    # --- selecting a weight --------------------------------------------------------------------

    def _fill_combo(self) -> None:
        """Every parameter of a small network; of a big one, those drawn (the table has all)."""
        self._building = True
        self.weight_combo.clear()
        drawn = {(e.ref.node_id, e.ref.index) for e in self.edges.values()}
        # Layer by layer: the drawn weights, then the drawn neurons' biases.
        order = [nid for nid, _n, _p in self._drawn_layers()]
        for nid in order:
            for edge in self.edges.values():
                if edge.ref.node_id == nid and (nid, edge.ref.index) in drawn:
                    self.weight_combo.addItem(edge.ref.name, edge.ref)
            for unit_id, j in self.units:
                if unit_id != nid or not isinstance(self.params, ParamTable):
                    continue
                bias = self.params.find(nid, "bias", (j,))
                if bias is not None:
                    self.weight_combo.addItem(bias.name, bias)
        self._building = False

    def _combo_chosen(self, index: int) -> None:
        if self._building or index < 0:
            return
        ref = self.weight_combo.itemData(index)
        if ref is not None:
            self.select(ref)

    def select(self, ref: ParamRef | None) -> None:
        """Make ``ref`` the weight whose chain rule is shown (edge, combo and table follow)."""
        self.selected = ref
        self._building = True
        found = -1
        for i in range(self.weight_combo.count()):
            if self.weight_combo.itemData(i) == ref:
                found = i
                break
        self.weight_combo.setCurrentIndex(found)
        self._building = False
        if ref is not None and isinstance(self.params, ParamTable):
            self.table.selectRow(self.params.position(ref))
        self._style_edges()
        self._write_chain()

    def select_name(self, name: str) -> None:
        """Select a parameter by its shown name ("w1", "b_o2", "dense_2.weight[0, 1]")."""
        for i in range(self.weight_combo.count()):
            if self.weight_combo.itemText(i) == name:
                self.select(self.weight_combo.itemData(i))
                return
        self.select(next(r for r in self.params if r.name == name))

    # --- drawing ---------------------------------------------------------------------------

    def _drawn_layers(self) -> list[tuple[str, int, str]]:
        """(node id, units, name prefix) of the input and every Dense layer, in order."""
        report = self.report
        if report is None:
            return []
        dense = dense_layers(report)
        prefix = unit_prefixes(report)
        first = dense[0] if dense else None
        out = []
        if first is not None and first.input is not None:
            out.append((first.sources[0] if first.sources else "", first.input.shape[1], "i"))
        for layer in dense:
            assert layer.z is not None
            out.append((layer.node_id, layer.z.shape[1], prefix[layer.node_id]))
        return out

    def _draw(self) -> None:
        self.scene.clear()
        self.units.clear()
        self.neuron_labels.clear()
        self.edges.clear()
        self.more_labels.clear()
        if self.report is None:
            return
        layers = self._drawn_layers()
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        for li, (nid, n, pref) in enumerate(layers):
            shown = n if n <= MAX_DRAWN_UNITS else MAX_DRAWN_UNITS - 1
            top = -(shown - 1) * _Y_GAP / 2
            for j in range(shown):
                center = QPointF(li * _X_GAP, top + j * _Y_GAP)
                name = f"{pref}{j + 1}"
                self.units[(nid, j)] = _Unit(nid, j, name, center)
            if shown < n:
                more = QGraphicsSimpleTextItem(
                    ngettext("+ {n} more", "+ {n} more", n - shown).format(n=n - shown)
                )
                more.setFont(font)
                more.setBrush(theme.MUTED_TEXT)
                more.setPos(li * _X_GAP - 30, top + shown * _Y_GAP - _Y_GAP / 2)
                self.scene.addItem(more)
                self.more_labels[nid] = more
        # Edges first, so neurons are drawn over them.
        for li in range(1, len(layers)):
            src, n_src, _p1 = layers[li - 1]
            dst, n_dst, _p2 = layers[li]
            pairs = [
                (j, k)
                for j in range(n_dst)
                for k in range(n_src)
                if (dst, j) in self.units and (src, k) in self.units
            ]
            labelled = len(pairs) <= MAX_LABELLED_EDGES
            for j, k in pairs:
                assert isinstance(self.params, ParamTable)
                ref = self.params.find(dst, "weight", (j, k))
                if ref is None:
                    continue
                a, b = self.units[(src, k)].center, self.units[(dst, j)].center
                edge = _Edge(ref, self)
                edge.setLine(a.x() + _R, a.y(), b.x() - _R, b.y())
                edge.setZValue(0)
                self.scene.addItem(edge)
                if labelled:
                    label = _Label(font)
                    self.scene.addItem(label)
                    edge.label = label
                    # Edges into one neuron are labelled at one distance from it, a
                    # different one per neuron: labels of crossing edges stay apart.
                    shown_dst = min(
                        n_dst, MAX_DRAWN_UNITS - 1 if n_dst > MAX_DRAWN_UNITS else n_dst
                    )
                    edge.t = 0.3 + 0.4 * (j / max(1, shown_dst - 1))
                self.edges[(dst, (j, k))] = edge
        for (nid, j), unit in self.units.items():
            circle = QGraphicsEllipseItem(
                unit.center.x() - _R, unit.center.y() - _R, 2 * _R, 2 * _R
            )
            circle.setBrush(QBrush(theme.NODE_BG))
            circle.setPen(QPen(theme.NODE_BORDER, 2))
            circle.setZValue(3)
            self.scene.addItem(circle)
            name = QGraphicsSimpleTextItem(unit.name, circle)
            bold = QFont(font)
            bold.setBold(True)
            name.setFont(bold)
            rect = name.boundingRect()
            name.setPos(unit.center.x() - rect.width() / 2, unit.center.y() - rect.height() / 2)
            values = QGraphicsSimpleTextItem()
            values.setFont(font)
            values.setZValue(4)
            values.setPos(unit.center.x() - _R, unit.center.y() + _R + 2)
            self.scene.addItem(values)
            self.neuron_labels[(nid, j)] = values
        self.network.fit()

    def _layer(self, node_id: str) -> LayerStep | None:
        if self.report is None:
            return None
        return next((layer for layer in self.report.layers if layer.node_id == node_id), None)

    def _update_stage(self) -> None:
        report = self.report
        if report is None:
            self.loss_label.setText("")
            self.chain.setHtml("")
            self.table_model.set_stage(False, False)
            return
        dense = dense_layers(report)
        revealed = {layer.node_id for layer in dense[: self.stage]}
        for (nid, j), label in self.neuron_labels.items():
            unit = self.units[(nid, j)]
            layer = self._layer(nid)
            if layer is None or layer.chain is None:
                label.setText(f"{unit.name} = {number(float(report.x[0, j]))}")
            elif nid in revealed and layer.z is not None:
                net, out = float(layer.z[0, j]), float(layer.a[0, j])
                label.setText(f"net {number(net)}\nout {number(out)}")
            else:
                label.setText("net ?\nout ?")
        for edge in self.edges.values():
            if edge.label is None:
                continue
            ref = edge.ref
            if self.applied:
                # Two lines, as wide as the backward pass's: neighbouring labels stay apart.
                text = f"{ref.name} = {number(ref.before)}\n→ {number(ref.after)}"
            elif self.backward_shown and ref.grad is not None:
                text = f"{ref.name} = {number(ref.before)}\n∂E/∂{ref.name} = {number(ref.grad)}"
            else:
                text = f"{ref.name} = {number(ref.before)}"
            edge.label.setText(text)
        self._place_edge_labels()
        if self.forward_done:
            self.loss_label.setText(
                _("Loss ({loss}): E = {value}").format(
                    loss=_(report.loss_label), value=number(report.loss)
                )
                + "   "
                + _("output: {values}").format(
                    values=", ".join(number(float(v)) for v in report.output.reshape(-1)[:8])
                )
            )
        else:
            self.loss_label.setText(
                _("Forward pass: layer {done} of {total}").format(
                    done=self.stage, total=self.n_layers
                )
            )
        self.table_model.set_stage(self.backward_shown, self.applied)
        self.backward_button.setEnabled(True)
        self._style_edges()
        self._write_chain()

    def _place_edge_labels(self) -> None:
        """Labels near each edge's source end, as the lesson's figure places them: edges
        leaving one neuron fan out there, so their labels stay apart."""
        for edge in self.edges.values():
            if edge.label is None:
                continue
            point = edge.line().pointAt(edge.t)
            rect = edge.label.rect()
            edge.label.setPos(point.x() - rect.width() / 2, point.y() - rect.height() / 2)
            edge.label.setBrush(theme.INK)

    def _style_edges(self) -> None:
        grads = [abs(e.ref.grad) for e in self.edges.values() if e.ref.grad is not None]
        largest = max(grads) if grads else 0.0
        for edge in self.edges.values():
            ref = edge.ref
            if ref == self.selected:
                pen = QPen(theme.SELECTION, 5)
            elif self.backward_shown and ref.grad is not None and largest > 0:
                color = theme.POSITIVE_WEIGHT if ref.grad >= 0 else theme.NEGATIVE_WEIGHT
                pen = QPen(color, 1 + 3 * abs(ref.grad) / largest)
            else:
                pen = QPen(theme.EDGE, 1.5)
            edge.setPen(pen)
            if edge.label is not None:
                bold = QFont(edge.label.font())
                bold.setBold(ref == self.selected)
                edge.label.setFont(bold)

    # --- the chain rule ------------------------------------------------------------------------

    def current_chain(self) -> WeightChain | None:
        if self.report is None or self.selected is None:
            return None
        return weight_chain(self.report, self.selected, number)

    def _write_chain(self) -> None:
        ref = self.selected
        if self.report is None or ref is None:
            self.chain.setHtml("")
            return
        lines: list[str] = []
        name = ref.name
        lines.append(f"<b>{escape_html(name)} = {number(ref.before)}</b>")
        if not self.backward_shown:
            lines.append(
                escape_html(
                    _("Run the backward pass to see ∂E/∂{name} by the chain rule.").format(
                        name=name
                    )
                )
            )
            self.chain.setHtml("<br>".join(lines))
            return
        chain = self.current_chain()
        if chain is None:
            if ref.grad is not None:
                lines.append(f"∂E/∂{escape_html(name)} = {number(ref.grad)}")
        else:
            lines.extend(self._chain_lines(chain))
        numeric = numeric_gradients(self.report).get((ref.label, ref.index))
        check = _("autograd {autograd}, finite differences {numeric}").format(
            autograd=number(ref.grad) if ref.grad is not None else "—",
            numeric=number(numeric) if numeric is not None else "—",
        )
        lines.append("")
        lines.append(escape_html(check))
        if self.applied:
            lines.append("")
            lines.append(escape_html(self._update_line(ref)))
        self.chain.setHtml(
            "<div style='font-family: monospace; white-space: pre-wrap'>"
            + "<br>".join(lines)
            + "</div>"
        )

    def _chain_lines(self, chain: WeightChain) -> list[str]:
        ref = chain.ref
        name = ref.name
        lines = []
        symbols = " · ".join(f.symbol for f in chain.paths[0].factors)
        if len(chain.paths) == 1:
            path = chain.paths[0]
            lines.append(escape_html(f"∂E/∂{name} = {symbols}"))
            for f in path.factors:
                lines.append("&nbsp;&nbsp;" + escape_html(self._factor_line(f)))
            product = " × ".join(_p(f.value) for f in path.factors)
            lines.append(f"<b>{escape_html(f'∂E/∂{name} = {product} = {number(path.value)}')}</b>")
        else:
            vias = ", ".join(p.via for p in chain.paths[:MAX_PATHS_SHOWN])
            if len(chain.paths) > MAX_PATHS_SHOWN:
                vias += ", …"
            lines.append(
                escape_html(
                    _("∂E/∂{name} sums the paths through {units}:").format(name=name, units=vias)
                )
            )
            # The factors the paths share (this unit's slope and input) are written once.
            shared = chain.paths[0].factors[-2:]
            for path in chain.paths[:MAX_PATHS_SHOWN]:
                lines.append(
                    "&nbsp;&nbsp;"
                    + escape_html(
                        _("through {unit}:").format(unit=path.via)
                        + " "
                        + " · ".join(f.symbol for f in path.factors)
                    )
                )
                product = " × ".join(_p(f.value) for f in path.factors)
                lines.append(
                    "&nbsp;&nbsp;&nbsp;&nbsp;" + escape_html(f"= {product} = {number(path.value)}")
                )
            hidden = len(chain.paths) - MAX_PATHS_SHOWN
            if hidden > 0:
                lines.append(
                    "&nbsp;&nbsp;"
                    + escape_html(
                        ngettext("+ {n} more path", "+ {n} more paths", hidden).format(n=hidden)
                    )
                )
            lines.append(escape_html(_("where:")))
            seen: set[str] = set()
            for path in chain.paths[:MAX_PATHS_SHOWN]:
                for f in path.factors[:-2]:
                    if f.symbol not in seen:
                        seen.add(f.symbol)
                        lines.append("&nbsp;&nbsp;" + escape_html(self._factor_line(f)))
            for f in shared:
                lines.append("&nbsp;&nbsp;" + escape_html(self._factor_line(f)))
            terms = " + ".join(_p(p.value) for p in chain.paths[:MAX_PATHS_SHOWN])
            if hidden > 0:
                terms += " + …"
            lines.append(f"<b>{escape_html(f'∂E/∂{name} = {terms} = {number(chain.rebuilt)}')}</b>")
        if chain.l1_term:
            lines.append(
                escape_html(
                    _("(includes the L1 penalty's λ·sign(w) = {value})").format(
                        value=number(chain.l1_term)
                    )
                )
            )
        return lines

    @staticmethod
    def _factor_line(f) -> str:
        parts = [f.symbol]
        if f.form:
            parts.append(f.form)
        if f.numbers:
            parts.append(f.numbers)
        parts.append(number(f.value))
        return " = ".join(parts)

    def _update_line(self, ref: ParamRef) -> str:
        assert self.report is not None
        if plain_sgd(self.report) and ref.grad is not None:
            return (
                f"{ref.name} = {number(ref.before)} − {self.report.lr:g} × {_p(ref.grad)} "
                f"= {number(ref.after)}"
            )
        return _("{optimizer}: {name} {before} → {after}").format(
            optimizer=_(self.report.optimizer_label),
            name=ref.name,
            before=number(ref.before),
            after=number(ref.after),
        )

    # --- for tests and screenshots -------------------------------------------------------------

    def neuron_text(self, name: str) -> str:
        """What the drawing writes under neuron ``name`` ("h1", "o2", "i1")."""
        for key, unit in self.units.items():
            if unit.name == name:
                return self.neuron_labels[key].text()
        raise KeyError(name)

    def edge_text(self, name: str) -> str:
        """The label on the edge of weight ``name``."""
        for edge in self.edges.values():
            if edge.ref.name == name:
                return edge.label.text() if edge.label else ""
        raise KeyError(name)

    def chain_text(self) -> str:
        return self.chain.toPlainText()

    def table_column(self, column: int) -> dict[str, str]:
        """Parameter name → the table's text in ``column``."""
        model = self.table_model
        return {model.refs[r].name: model.text(r, column) for r in range(model.rowCount())}

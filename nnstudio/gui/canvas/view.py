"""The canvas widget: zoom, pan, selection, drop target and every canvas-wide edit.

:class:`CanvasView` is what the main window embeds. It owns a :class:`CanvasScene` bound to
the document and offers the editing verbs (delete, copy, paste, duplicate, add, auto layout,
quick build) the window wires to menus and toolbars. Every edit is one command pushed through
:meth:`ProjectDocument.push`; the view never touches the graph itself and follows it only
through the scene.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QLineF, QMimeData, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QCursor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QGraphicsView, QMenu, QWidget

from nnstudio.core.catalogue.layers import LAYERS
from nnstudio.core.errors import GraphError
from nnstudio.core.network.graph import Graph
from nnstudio.core.network.layout import layered_layout
from nnstudio.core.network.quickbuild import parse_quick_build, quick_build_layers
from nnstudio.gui import theme
from nnstudio.gui.canvas.items.edge_item import EdgeItem
from nnstudio.gui.canvas.items.layer_item import NODE_HEIGHT, NODE_WIDTH, LayerItem
from nnstudio.gui.canvas.scene import CanvasScene
from nnstudio.gui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    MacroCommand,
    MoveNodesCommand,
    RemoveNodeCommand,
    insert_subgraph_command,
)
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import _, ngettext

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument

#: Drag-and-drop payload from the layer palette: the layer type's name as UTF-8 text.
LAYER_MIME = "application/x-nnstudio-layer"
#: Clipboard payload: JSON of ``Graph.subgraph_dict`` plus a format tag.
GRAPH_MIME = "application/x-nnstudio-graph"
GRAPH_FORMAT = "nnstudio-graph"

#: Column and row spacing of generated positions (same as the auto layout's defaults).
X_STEP = 230.0
Y_STEP = 140.0
GRID = 10.0
MIN_ZOOM = 0.15
MAX_ZOOM = 3.0
ZOOM_STEP = 1.25
#: "Fit" never magnifies past 100 %: a two-layer network should not fill a 4K screen.
FIT_MAX_ZOOM = 1.0
_SCENE_EXTENT = 100_000.0
_MINOR = 20.0
_MAJOR = 100.0


def _snap(value: float) -> float:
    return float(round(value / GRID) * GRID)


class CanvasView(QGraphicsView):
    """The network editor: a zoomable, pannable view of the document's graph."""

    #: Ids of the selected layers, in graph order, whenever the selection changes.
    selection_changed = Signal(list)
    #: A sentence for the status bar (refused gestures, failed pastes, invalid connections).
    message = Signal(str)
    #: A card was double-clicked.
    node_activated = Signal(str)
    #: The zoom factor changed (1.0 = 100 %).
    zoom_changed = Signal(float)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._scene = CanvasScene(document, self)
        self.setScene(self._scene)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        half = _SCENE_EXTENT / 2
        self.setSceneRect(QRectF(-half, -half, _SCENE_EXTENT, _SCENE_EXTENT))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 180)

        self._read_only = False
        #: Presentation mode's magnification (1.0: the usual drawing).
        self.presentation_scale = 1.0
        self._pan_last: QPointF | None = None
        self._space_held = False
        self._shown = False
        self._paste_key = ""
        self._paste_count = 0
        self._last_selection: list[str] = []

        self._scene.selectionChanged.connect(self._on_scene_selection_changed)
        self._scene.message.connect(self.message)
        self._scene.node_activated.connect(self.node_activated)
        document.locked_changed.connect(self._on_document_locked_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        if document.lock_reason is not None:
            self.set_read_only(True)

    # --- access ------------------------------------------------------------------------------

    @property
    def canvas_scene(self) -> CanvasScene:
        return self._scene

    @property
    def graph(self) -> Graph:
        return self.document.workspace.graph

    def node_item(self, node_id: str) -> LayerItem | None:
        return self._scene.node_item(node_id)

    def edge_item(self, source: str, target: str) -> EdgeItem | None:
        return self._scene.edge_item(source, target)

    # --- selection ---------------------------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        """Ids of the selected layers, in graph order."""
        return self._scene.selected_node_ids()

    def select_nodes(self, ids: Iterable[str], *, center: bool = False) -> None:
        """Select exactly these layers (e.g. from the problems list); optionally scroll to them."""
        ids = list(ids)
        self._scene.select_nodes(ids)
        if center:
            rect = self._items_rect(ids)
            if not rect.isNull():
                self.centerOn(rect.center())

    def select_all(self) -> None:
        """Select every layer."""
        self._scene.select_nodes(self.graph.nodes)

    def _on_scene_selection_changed(self) -> None:
        ids = self.selected_node_ids()
        if ids != self._last_selection:
            self._last_selection = ids
            self.selection_changed.emit(ids)

    # --- read-only ---------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        # The canvas is the main work area: ask for most of a 1280×800 window.
        return QSize(720, 480)

    def set_read_only(self, read_only: bool) -> None:
        """Refuse every edit (while training owns the model); gestures explain why.

        The view also follows the document's ``locked_changed`` on its own.
        """
        self._read_only = bool(read_only)
        self._scene.set_read_only(self._read_only)

    def is_read_only(self) -> bool:
        return self._read_only

    def _on_document_locked_changed(self, locked: bool) -> None:
        self.set_read_only(locked)

    def _editable(self) -> bool:
        if self._read_only:
            self.message.emit(self._scene.lock_message())
            return False
        return True

    # --- edits -------------------------------------------------------------------------------

    def delete_selection(self, text: str = "") -> bool:
        """Delete selected layers (with their connections) and selected connections: one step."""
        ids = self.selected_node_ids()
        gone = set(ids)
        edges = [
            e for e in self._scene.selected_edges() if e.source not in gone and e.target not in gone
        ]
        if not ids and not edges:
            return False
        if not self._editable():
            return False
        doc = self.document
        macro = MacroCommand(text or self._delete_text(ids, len(edges)))
        # One RemoveNodeCommand per layer (what remove_nodes_command builds), then the
        # selected connections between layers that stay.
        for node_id in ids:
            RemoveNodeCommand(doc, node_id, parent=macro)
        for e in edges:
            DisconnectCommand(doc, e.source, e.target, parent=macro)
        return doc.push(macro)

    def _delete_text(self, ids: list[str], n_edges: int) -> str:
        """The history's name for deleting these layers and ``n_edges`` connections."""
        layers = (
            _("{count} layers").format(count=len(ids))
            if len(ids) > 1
            else (self.graph.node(ids[0]).name if ids else "")
        )
        connections = ngettext("{count} connection", "{count} connections", n_edges).format(
            count=n_edges
        )
        if ids and n_edges:
            return _("Delete {layers} and {connections}").format(
                layers=layers, connections=connections
            )
        return _("Delete {what}").format(what=layers if ids else connections)

    def copy_selection(self) -> bool:
        """Put the selected layers and the connections between them on the clipboard."""
        ids = self.selected_node_ids()
        if not ids:
            return False
        payload = {"format": GRAPH_FORMAT, "version": 1, **self.graph.subgraph_dict(ids)}
        mime = QMimeData()
        mime.setData(GRAPH_MIME, QByteArray(json.dumps(payload).encode("utf-8")))
        mime.setText(json.dumps(payload, indent=1))
        QApplication.clipboard().setMimeData(mime)
        self._paste_key, self._paste_count = "", 0
        return True

    def cut_selection(self) -> bool:
        """Copy, then delete the selection (one undo step)."""
        if not self.selected_node_ids() or not self._editable():
            return False
        return self.copy_selection() and self.delete_selection(_("Cut"))

    def paste(self, at: QPointF | None = None) -> list[str]:
        """Insert the clipboard's layers; returns (and selects) the new ids.

        They land with their top-left corner at ``at`` (scene coordinates), else under the
        mouse when it is over the canvas, else offset from the originals (further at each
        repeated paste, so copies do not pile up).
        """
        payload = self._clipboard_graph()
        if payload is None:
            self.message.emit(_("The clipboard holds no layers to paste."))
            return []
        if not payload["nodes"] or not self._editable():
            return []
        xs = [float(n["position"][0]) for n in payload["nodes"]]
        ys = [float(n["position"][1]) for n in payload["nodes"]]
        if at is None:
            at = self._mouse_scene_pos()
        if at is not None:
            offset = (_snap(at.x() - min(xs)), _snap(at.y() - min(ys)))
        else:
            key = json.dumps(payload, sort_keys=True)
            self._paste_count = self._paste_count + 1 if key == self._paste_key else 1
            self._paste_key = key
            offset = (40.0 * self._paste_count, 40.0 * self._paste_count)
        count = len(payload["nodes"])
        cmd, ids = insert_subgraph_command(
            self.document,
            payload,
            offset,
            ngettext("Paste {count} layer", "Paste {count} layers", count).format(count=count),
        )
        if not self.document.push(cmd):
            return []
        self.select_nodes(ids)
        return ids

    def duplicate_selection(self) -> list[str]:
        """Copy the selection just below itself (one step); the copies become the selection."""
        ids = self.selected_node_ids()
        if not ids or not self._editable():
            return []
        sub = self.graph.subgraph_dict(ids)
        ys = [n["position"][1] for n in sub["nodes"]]
        offset = (0.0, _snap(max(ys) - min(ys) + Y_STEP))
        cmd, new_ids = insert_subgraph_command(self.document, sub, offset, _("Duplicate"))
        if not self.document.push(cmd):
            return []
        self.select_nodes(new_ids)
        return new_ids

    def add_layer(
        self, layer_type: str, position: QPointF | tuple[float, float] | None = None
    ) -> str | None:
        """Add a layer (double-click in the palette); returns its id, or None if refused.

        With ``position`` (top-left, scene coordinates) it goes there. Otherwise, when one
        layer is selected, the new one is appended: placed to its right and connected from
        it (unless the new layer is an Input), and selected, so repeated double-clicks build
        a chain. With no single selection it goes to the middle of the view.
        """
        if layer_type not in LAYERS:
            self.message.emit(_("Unknown layer type {name!r}.").format(name=layer_type))
            return None
        layer_type = LAYERS.get(layer_type).name
        if not self._editable():
            return None
        if position is not None:
            pos = (position.x(), position.y()) if isinstance(position, QPointF) else position
            return self._add_node(layer_type, (float(pos[0]), float(pos[1])))
        selected = self.selected_node_ids()
        if len(selected) == 1:
            anchor = self.graph.node(selected[0])
            pos = self._free_spot(anchor.position[0] + X_STEP, anchor.position[1])
            if LAYERS.get(layer_type).is_input:
                return self._add_node(layer_type, pos)
            return self._append_node(layer_type, pos, anchor.id)
        center = self.mapToScene(self.viewport().rect().center())
        pos = self._free_spot(
            _snap(center.x() - NODE_WIDTH / 2), _snap(center.y() - NODE_HEIGHT / 2)
        )
        return self._add_node(layer_type, pos)

    def drop_layer(self, layer_type: str, scene_pos: QPointF) -> str | None:
        """What dropping a palette entry does: add the layer centred on ``scene_pos``."""
        if layer_type not in LAYERS:
            self.message.emit(_("Unknown layer type {name!r}.").format(name=layer_type))
            return None
        if not self._editable():
            return None
        pos = (_snap(scene_pos.x() - NODE_WIDTH / 2), _snap(scene_pos.y() - NODE_HEIGHT / 2))
        return self._add_node(LAYERS.get(layer_type).name, pos)

    def auto_layout(self) -> bool:
        """Arrange the layers left to right (one undo step) and fit them in the view."""
        graph = self.graph
        if not graph.nodes or not self._editable():
            return False
        layout = layered_layout(graph, x_step=X_STEP, y_step=Y_STEP)
        # Keep the drawing where it was: align the new top-left with the old one.
        ox = min(n.position[0] for n in graph.nodes.values())
        oy = min(n.position[1] for n in graph.nodes.values())
        old: dict[str, tuple[float, float]] = {}
        new: dict[str, tuple[float, float]] = {}
        for nid, (x, y) in layout.items():
            target = (_snap(ox) + x, _snap(oy) + y)
            if target != graph.nodes[nid].position:
                old[nid], new[nid] = graph.nodes[nid].position, target
        if not new:
            self.fit_all()
            return False
        if not self.document.push(MoveNodesCommand(self.document, old, new, _("Auto layout"))):
            return False
        self.fit_all()
        return True

    def quick_build(self, text: str) -> str | None:
        """Build a multilayer perceptron from ``20-128-256-4 relu``; returns an error or None.

        On an empty canvas the chain starts at the origin. Otherwise it is placed to the
        right of the existing drawing, with its own Input and *not* connected to it, so
        nothing already built changes; the new layers become the selection. One undo step.
        """
        try:
            spec = parse_quick_build(text)
        except GraphError as exc:
            return error_text(exc)
        if self._read_only:
            return self._scene.lock_message()
        graph = self.graph
        if graph.nodes:
            x0 = _snap(max(n.position[0] for n in graph.nodes.values()) + 1.5 * X_STEP)
            y0 = _snap(min(n.position[1] for n in graph.nodes.values()))
        else:
            x0 = y0 = 0.0
        doc = self.document
        macro = MacroCommand(_("Quick build {chain}").format(chain=" ".join(text.split())))
        ids = []
        for i, (layer_type, params) in enumerate(quick_build_layers(spec)):
            cmd = AddNodeCommand(doc, layer_type, params, (x0 + i * X_STEP, y0), parent=macro)
            ids.append(cmd.node_id)
        for source, target in pairwise(ids):
            ConnectCommand(doc, source, target, parent=macro)
        if not doc.push(macro):
            return doc.lock_reason or self._scene.lock_message()
        self.select_nodes(ids)
        self.fit_all()
        return None

    def _add_node(self, layer_type: str, pos: tuple[float, float]) -> str | None:
        cmd = AddNodeCommand(self.document, layer_type, position=pos)
        if not self.document.push(cmd):
            return None
        self.select_nodes([cmd.node_id])
        self._ensure_visible(cmd.node_id)
        return cmd.node_id

    def _append_node(self, layer_type: str, pos: tuple[float, float], source: str) -> str | None:
        doc = self.document
        if doc.lock_reason is not None:
            # Let the document refuse (or ask to stop training) as for any other edit.
            return self._add_node(layer_type, pos)
        macro = MacroCommand(
            _("Add {layer} after {name}").format(
                layer=_(LAYERS.get(layer_type).label), name=doc.workspace.graph.node(source).name
            )
        )
        cmd = AddNodeCommand(doc, layer_type, position=pos, parent=macro)
        ConnectCommand(doc, source, cmd.node_id, parent=macro)
        doc.push(macro)
        if cmd.node_id not in doc.workspace.graph.nodes:
            return None
        self.select_nodes([cmd.node_id])
        self._ensure_visible(cmd.node_id)
        return cmd.node_id

    def _mouse_scene_pos(self) -> QPointF | None:
        """Where the mouse points on the canvas, or None when it is elsewhere."""
        vp = self.viewport()
        local = vp.mapFromGlobal(QCursor.pos())
        if not vp.rect().contains(local) or not self.isVisible():
            return None
        return self.mapToScene(local)

    def _free_spot(self, x: float, y: float) -> tuple[float, float]:
        """``(x, y)`` or the first free slot below it, so new cards do not cover old ones."""
        taken = [n.position for n in self.graph.nodes.values()]
        for _attempt in range(1000):
            if not any(
                abs(px - x) < NODE_WIDTH + 20 and abs(py - y) < NODE_HEIGHT + 20 for px, py in taken
            ):
                break
            y += Y_STEP
        return (x, y)

    def _clipboard_graph(self) -> dict[str, Any] | None:
        mime = QApplication.clipboard().mimeData()
        if mime is None:
            return None
        if mime.hasFormat(GRAPH_MIME):
            raw = bytes(mime.data(GRAPH_MIME).data()).decode("utf-8", "replace")
        elif mime.hasText():
            raw = mime.text()
        else:
            return None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        return _checked_payload(data)

    # --- zoom and pan ------------------------------------------------------------------------

    def zoom(self) -> float:
        """Current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Zoom to ``factor`` around the view's centre (clamped to 15 %–300 %)."""
        self._zoom_by(factor / self.zoom())

    def zoom_in(self) -> None:
        """Magnify one step around the view's centre."""
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        """Shrink one step around the view's centre."""
        self._zoom_by(1 / ZOOM_STEP)

    def reset_zoom(self) -> None:
        """Back to 100 %, keeping the centre."""
        self.set_zoom(1.0)

    def set_presentation_scale(self, factor: float) -> None:
        """Draw for a projector: ``factor`` times the zoom (so every text on the cards is that
        much larger) and that much thicker lines; 1.0 is the usual drawing.

        Fitting the network may then magnify up to ``factor`` × 100 %, so a small network
        fills the canvas instead of sitting small in its middle.
        """
        previous = self.presentation_scale
        if math.isclose(previous, factor):
            return
        self.presentation_scale = factor
        self.canvas_scene.line_scale = factor
        self._zoom_by(factor / previous)
        self.canvas_scene.update()

    def center_on_network(self) -> None:
        """Put the middle of the network in the middle of the view, keeping the zoom."""
        rect = self._items_rect(self.graph.nodes)
        if not rect.isNull():
            self.centerOn(rect.center())

    def fit_all(self) -> None:
        """Show every layer (Ctrl+0), never magnifying past 100 % (or the presentation
        scale)."""
        rect = self._items_rect(self.graph.nodes)
        if rect.isNull():
            self.set_zoom(1.0)
            self.centerOn(NODE_WIDTH / 2, NODE_HEIGHT / 2)
            return
        rect.adjust(-48, -48, 48, 48)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        most = FIT_MAX_ZOOM * self.presentation_scale
        if self.zoom() > most or self.zoom() < MIN_ZOOM:
            self.set_zoom(min(most, max(MIN_ZOOM, self.zoom())))
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def _zoom_by(self, factor: float, *, at: QPointF | None = None) -> None:
        """Scale by ``factor`` keeping the scene point under viewport point ``at`` in place
        (the view's centre when None)."""
        current = self.zoom()
        target = min(MAX_ZOOM, max(MIN_ZOOM, current * factor))
        if math.isclose(target, current):
            return
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        pinned = self.mapToScene(at.toPoint()) if at is not None else None
        self.scale(target / current, target / current)
        self.setTransformationAnchor(anchor)
        if pinned is not None and at is not None:
            # Qt's AnchorUnderMouse uses the last mouse *move*; anchor on the wheel's own
            # position instead, which also holds for synthetic and touchpad events.
            drift = QPointF(self.mapFromScene(pinned)) - at
            self._pan_by(-drift)
        self.zoom_changed.emit(self.zoom())

    def _items_rect(self, ids: Iterable[str]) -> QRectF:
        rect = QRectF()
        for nid in ids:
            item = self._scene.node_item(nid)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def _ensure_visible(self, node_id: str) -> None:
        item = self._scene.node_item(node_id)
        if item is not None:
            self.ensureVisible(item, 40, 40)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self._zoom_by(1.0015**delta, at=event.position())
        event.accept()

    def _pan_by(self, delta: QPointF) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(delta.x()))
        v.setValue(v.value() - round(delta.y()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held
        ):
            self._pan_last = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None:
            self._pan_by(event.position() - self._pan_last)
            self._pan_last = event.position()
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_last = None
            if self._space_held:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # --- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if self._scene.connection_in_progress():
                self._scene.cancel_connection()
            else:
                self._scene.clearSelection()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            if self._pan_last is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: Any) -> None:
        self._space_held = False
        super().focusOutEvent(event)

    # --- drag and drop from the palette -----------------------------------------------------

    @staticmethod
    def layer_type_from_mime(mime: QMimeData) -> str | None:
        """The layer type a palette drag carries, or None if it carries something else."""
        if not mime.hasFormat(LAYER_MIME):
            return None
        name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8", "replace").strip()
        return LAYERS.get(name).name if name in LAYERS else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.layer_type_from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.layer_type_from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        layer_type = self.layer_type_from_mime(event.mimeData())
        if layer_type is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.drop_layer(layer_type, self.mapToScene(event.position().toPoint()))
        self.setFocus()

    # --- context menu ------------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.itemAt(event.pos())
        while item is not None and not isinstance(item, (LayerItem, EdgeItem)):
            item = item.parentItem()
        if item is not None and not item.isSelected():
            self._scene.clearSelection()
            item.setSelected(True)
        scene_pos = self.mapToScene(event.pos())
        has_nodes = bool(self.selected_node_ids())
        has_any = has_nodes or bool(self._scene.selected_edges())
        editable = not self._read_only
        menu = QMenu(self)

        def add(text: str, slot: Any, enabled: bool = True, key: Any = None) -> QAction:
            action = menu.addAction(text)
            action.triggered.connect(slot)
            action.setEnabled(enabled)
            if key is not None:
                action.setShortcut(QKeySequence(key))
                action.setShortcutVisibleInContextMenu(True)
            return action

        add(_("Cut"), self.cut_selection, has_nodes and editable, QKeySequence.StandardKey.Cut)
        add(_("Copy"), self.copy_selection, has_nodes, QKeySequence.StandardKey.Copy)
        add(
            _("Paste"),
            lambda: self.paste(scene_pos),
            editable and self._clipboard_graph() is not None,
            QKeySequence.StandardKey.Paste,
        )
        add(_("Duplicate"), self.duplicate_selection, has_nodes and editable, "Ctrl+D")
        add(
            _("Delete"),
            self.delete_selection,
            has_any and editable,
            QKeySequence.StandardKey.Delete,
        )
        menu.addSeparator()
        add(
            _("Select all"),
            self.select_all,
            bool(self.graph.nodes),
            QKeySequence.StandardKey.SelectAll,
        )
        add(_("Auto layout"), self.auto_layout, bool(self.graph.nodes) and editable)
        add(_("Fit to window"), self.fit_all, True, "Ctrl+0")
        menu.exec(event.globalPos())

    # --- painting ----------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, theme.CANVAS_BG)
        zoom = self.zoom()
        # Keep lines at least ~12 px apart on screen: far out, a coarser grid.
        steps = [(_MAJOR if zoom >= 0.25 else 5 * _MAJOR, theme.CANVAS_GRID)]
        if zoom >= 0.5:
            minor = QColor(theme.CANVAS_GRID)
            minor.setAlpha(110)
            steps.insert(0, (_MINOR, minor))
        for step, color in steps:
            left = math.floor(rect.left() / step) * step
            top = math.floor(rect.top() / step) * step
            lines = []
            x = left
            while x < rect.right():
                lines.append(QLineF(x, rect.top(), x, rect.bottom()))
                x += step
            y = top
            while y < rect.bottom():
                lines.append(QLineF(rect.left(), y, rect.right(), y))
                y += step
            pen = QPen(color, 0)  # cosmetic: one pixel at every zoom
            painter.setPen(pen)
            painter.drawLines(lines)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self.graph.nodes:
            return
        # An empty canvas says how to start instead of staring back blankly.
        painter.save()
        painter.resetTransform()
        area = QRectF(self.viewport().rect())
        title = QFont()
        title.setPixelSize(17)
        title.setBold(True)
        body = QFont()
        body.setPixelSize(13)
        painter.setPen(theme.MUTED_TEXT)
        painter.setFont(title)
        painter.drawText(
            area.adjusted(0, 0, 0, -30), Qt.AlignmentFlag.AlignCenter, _("Start your network")
        )
        painter.setFont(body)
        painter.drawText(
            area.adjusted(24, 30, -24, 0),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            _("Drag an Input layer from the palette, or type  2-16-16-1 relu  in Quick build."),
        )
        painter.restore()

    # --- lifecycle ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.fit_all()

    def _on_document_project_replaced(self) -> None:
        self._last_selection = []
        self.fit_all()


def _checked_payload(data: Any) -> dict[str, Any] | None:
    """The clipboard graph if it is well formed (ids, positions, known layers), else None."""
    if not isinstance(data, Mapping) or not isinstance(data.get("nodes"), list):
        return None
    nodes, edges = data["nodes"], data.get("edges", [])
    if not isinstance(edges, list):
        return None
    for raw in nodes:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            return None
        pos = raw.get("position")
        if not (
            isinstance(pos, (list, tuple))
            and len(pos) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in pos)
        ):
            return None
    for edge in edges:
        if not (isinstance(edge, (list, tuple)) and len(edge) == 2):
            return None
    sub = {"nodes": list(nodes), "edges": [list(e) for e in edges]}
    try:
        Graph.from_dict(sub)  # layer types from the catalogue only, parameters checked
    except (GraphError, KeyError, TypeError, ValueError, AttributeError):
        return None
    return sub


__all__ = ["GRAPH_MIME", "LAYER_MIME", "X_STEP", "Y_STEP", "CanvasView"]

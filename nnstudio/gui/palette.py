"""The layer palette: every layer type, grouped and explained, ready to drag onto the canvas.

Entries come straight from the catalogue (:data:`nnstudio.core.catalogue.layers.LAYERS`), so a new
layer type appears here with its colour and teaching text without touching this file. The
palette knows nothing about the canvas: it starts drags carrying :data:`LAYER_MIME` and emits
``layer_requested`` / ``quick_build_requested``; the main window connects those.
"""

from __future__ import annotations

import html
from functools import cache

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalogue.layers import LAYERS, LayerSpec
from nnstudio.core.network.quickbuild import SYNTAX_HELP
from nnstudio.gui import theme
from nnstudio.i18n import _

#: Drag payload understood by the canvas: the layer type's name as UTF-8 text. The canvas
#: defines the same constant (the two modules do not import each other).
LAYER_MIME = "application/x-nnstudio-layer"
#: Category order of the palette; categories not listed follow alphabetically.
CATEGORY_ORDER = ("Core", "Regularisation", "Merge")
QUICK_BUILD_PLACEHOLDER = "20-128-256-4 relu"

_TYPE_ROLE = Qt.ItemDataRole.UserRole
_SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


@cache
def swatch_icon(color: str, size: int = 16) -> QIcon:
    """A rounded square in the layer's canvas colour, so palette and canvas match."""
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x: crisp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(color).darker(125))
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(QRectF(1.5, 2.5, size - 3, size - 5), 3, 3)
    painter.end()
    return QIcon(pixmap)


def layer_mime_data(layer_type: str) -> QMimeData:
    """The payload of a palette drag (also what tests use to simulate a drop)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
    mime.setText(layer_type)
    return mime


def _tooltip(spec: LayerSpec) -> str:
    """Name, help and how to use a layer type, in the user's language (the catalogue's texts
    are marked where defined and translated here, where they are shown)."""
    inputs = (
        _("Takes no inputs.")
        if spec.max_inputs == 0
        else _("Takes any number of inputs.")
        if spec.max_inputs is None
        else _("Takes one input.")
    )
    how = _("Drag onto the canvas, or double-click to append after the selected layer.")
    return (
        f"<b>{html.escape(_(spec.label))}</b><br>{html.escape(_(spec.help))}"
        f"<br><span style='color:{theme.MUTED_TEXT.name()}'>{html.escape(inputs)} "
        f"{html.escape(how)}</span>"
    )


def _syntax_tooltip() -> str:
    return f"<pre>{html.escape(_(SYNTAX_HELP))}</pre>"


class _LayerTree(QTreeWidget):
    """The list itself: a drag source that also turns Enter into a request."""

    activated_type = Signal(str)

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME, "text/plain"]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        types = [it.data(0, _TYPE_ROLE) for it in items if it.data(0, _TYPE_ROLE)]
        return layer_mime_data(types[0] if types else "")

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            layer_type = item.data(0, _TYPE_ROLE) if item is not None else None
            if layer_type:
                self.activated_type.emit(layer_type)
                event.accept()
                return
        super().keyPressEvent(event)


class LayerPalette(QWidget):
    """Layer types by category, a filter box, and the quick-build line."""

    #: Double-click or Enter on a layer type: the window appends it to the canvas.
    layer_requested = Signal(str)
    #: Enter in the quick-build box, with its text.
    quick_build_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LayerPalette")

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(_("Filter layers…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(
            _("Type part of a name or description; Enter adds the first match.")
        )
        self.filter_edit.textChanged.connect(self.set_filter)
        self.filter_edit.returnPressed.connect(self._on_filter_return_pressed)
        self.filter_edit.installEventFilter(self)

        self.tree = _LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setIconSize(QSize(16, 16))
        self.tree.setUniformRowHeights(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setStyleSheet("QTreeWidget { border: none; } QTreeWidget::item { padding: 3px; }")
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        self.tree.activated_type.connect(self.layer_requested)

        quick_label = QLabel(_("Quick build"))
        quick_label.setStyleSheet(f"color: {theme.MUTED_TEXT.name()}; font-weight: 600;")
        self.quick_edit = QLineEdit()
        self.quick_edit.setPlaceholderText(QUICK_BUILD_PLACEHOLDER)
        self.quick_edit.setToolTip(_syntax_tooltip())
        self.quick_edit.setClearButtonEnabled(True)
        self.quick_edit.returnPressed.connect(self._on_quick_edit_return_pressed)
        self.quick_edit.textEdited.connect(lambda _t: self.show_quick_build_error(None))
        build = QToolButton()
        build.setText(_("Build"))
        build.setToolTip(_("Create the network typed on the left (Enter does the same)."))
        build.clicked.connect(self._on_quick_edit_return_pressed)
        self.quick_button = build

        quick_row = QHBoxLayout()
        quick_row.setContentsMargins(0, 0, 0, 0)
        quick_row.setSpacing(4)
        quick_row.addWidget(self.quick_edit, 1)
        quick_row.addWidget(build)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(quick_label)
        layout.addLayout(quick_row)

        self._populate()

    def sizeHint(self) -> QSize:
        # A narrow dock by default: the canvas deserves the width.
        return QSize(230, 420)

    # --- content -----------------------------------------------------------------------------

    def _populate(self) -> None:
        by_category: dict[str, list[LayerSpec]] = {}
        for spec in LAYERS:
            by_category.setdefault(spec.category, []).append(spec)
        order = [c for c in CATEGORY_ORDER if c in by_category]
        order += sorted(c for c in by_category if c not in CATEGORY_ORDER)
        bold = self.font()
        bold.setBold(True)
        for category in order:
            group = QTreeWidgetItem([_(category)])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            group.setForeground(0, theme.MUTED_TEXT)
            self.tree.addTopLevelItem(group)
            for spec in by_category[category]:
                item = QTreeWidgetItem([_(spec.label)])
                item.setIcon(0, swatch_icon(spec.color))
                item.setToolTip(0, _tooltip(spec))
                item.setData(0, _TYPE_ROLE, spec.name)
                # English and translated words both find a layer: a teacher may say "Dense".
                words = (spec.name, spec.label, spec.help, category)
                search = " ".join((*words, *(_(w) for w in words[1:]))).lower()
                item.setData(0, _SEARCH_ROLE, search)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                group.addChild(item)
            group.setExpanded(True)

    def categories(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]

    def _layer_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            out.extend(group.child(j) for j in range(group.childCount()))
        return out

    def layer_item(self, layer_type: str) -> QTreeWidgetItem | None:
        for item in self._layer_items():
            if item.data(0, _TYPE_ROLE) == layer_type:
                return item
        return None

    def visible_layer_types(self) -> list[str]:
        """Layer types the filter currently shows, top to bottom."""
        return [it.data(0, _TYPE_ROLE) for it in self._layer_items() if not it.isHidden()]

    # --- filtering ---------------------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only layer types whose name, label, help or category contain every word."""
        if self.filter_edit.text() != text:
            self.filter_edit.setText(text)  # re-enters through textChanged
            return
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                hit = all(w in item.data(0, _SEARCH_ROLE) for w in words)
                item.setHidden(not hit)
                shown += hit
            group.setHidden(shown == 0)
        visible = self.visible_layer_types()
        current = self.tree.currentItem()
        if visible and (current is None or current.isHidden() or not current.data(0, _TYPE_ROLE)):
            self.tree.setCurrentItem(self.layer_item(visible[0]))

    def filter_text(self) -> str:
        return self.filter_edit.text()

    def _on_filter_return_pressed(self) -> None:
        visible = self.visible_layer_types()
        if visible and self.filter_edit.text().strip():
            current = self.tree.currentItem()
            chosen = current.data(0, _TYPE_ROLE) if current is not None else None
            self.layer_requested.emit(chosen if chosen in visible else visible[0])

    def eventFilter(self, obj: object, event: object) -> bool:
        # Down arrow in the filter box moves into the list, as in a launcher.
        if (
            obj is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self.tree.setFocus()
            return True
        return super().eventFilter(obj, event)

    def _on_tree_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        layer_type = item.data(0, _TYPE_ROLE)
        if layer_type:
            self.layer_requested.emit(layer_type)

    # --- quick build -------------------------------------------------------------------------

    def focus_quick_build(self) -> None:
        """Put the cursor in the quick-build box (Ctrl+B in the main window)."""
        self.quick_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.quick_edit.selectAll()

    def _on_quick_edit_return_pressed(self) -> None:
        text = self.quick_edit.text().strip()
        if text:
            self.quick_build_requested.emit(text)

    def show_quick_build_error(self, error: str | None) -> None:
        """Mark the quick-build box red with ``error`` as its tooltip (None clears it)."""
        if error:
            self.quick_edit.setStyleSheet(
                f"QLineEdit {{ border: 1px solid {theme.ERROR.name()}; }}"
            )
            self.quick_edit.setToolTip(html.escape(error))
        else:
            self.quick_edit.setStyleSheet("")
            self.quick_edit.setToolTip(_syntax_tooltip())


__all__ = ["LAYER_MIME", "LayerPalette", "layer_mime_data", "swatch_icon"]

"""The Problems panel: everything that stops training (red) or is worth knowing (amber).

Collects three sources the workspace keeps up to date: structural errors and teaching lint
from ``workspace.analysis.problems``, loss/output/target mismatches from
``workspace.compatibility`` and a data loading failure from ``workspace.data_error``. Each row
names the layer at fault and says what is wrong; its tooltip explains why and what to change.
Clicking a row emits :attr:`ProblemsPanel.node_activated` so the main window can select and
centre that layer on the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QModelIndex, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.network.analysis import ERROR, WARNING
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.widgets.labels import escape_html, muted
from nnstudio.i18n import _, ngettext, tr

__all__ = ["ProblemEntry", "ProblemsPanel", "collect_problems", "problem_icon"]

_NODE_ROLE = Qt.ItemDataRole.UserRole
_SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 1
_TITLE_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class ProblemEntry:
    """One row of the panel, whatever its source."""

    severity: str
    title: str
    message: str
    hint: str = ""
    node_id: str | None = None
    source: str = "network"


def collect_problems(document: ProjectDocument) -> list[ProblemEntry]:
    """Rows for the panel: errors first, each group in the order the checks found them.

    The core's messages are English :class:`~nnstudio.i18n.Text` (they also go into JSON);
    the rows hold them translated, as they are shown.
    """
    graph = document.workspace.graph
    analysis = document.workspace.analysis
    entries: list[ProblemEntry] = []
    if document.workspace.data_error:
        entries.append(
            ProblemEntry(
                ERROR,
                _("Data"),
                tr(document.workspace.data_error),
                _(
                    "The dataset could not be read or prepared. Fix it in the Data panel: choose "
                    "another file, or change the target and feature columns."
                ),
                source="data",
            )
        )
    for p in analysis.problems:
        node = graph.nodes.get(p.node_id) if p.node_id else None
        if node is not None:
            title = node.name
        elif p.edge is not None and p.edge.source in graph.nodes and p.edge.target in graph.nodes:
            title = f"{graph.nodes[p.edge.source].name} → {graph.nodes[p.edge.target].name}"
        else:
            title = _("Network")
        entries.append(
            ProblemEntry(
                p.severity,
                title,
                _strip_prefix(tr(p.message), title),
                tr(p.hint),
                p.node_id if node is not None else None,
            )
        )
    output = analysis.output_id if analysis.output_id in graph.nodes else None
    for message in document.workspace.compatibility:
        entries.append(
            ProblemEntry(
                ERROR,
                _("Loss ↔ output"),
                tr(message),
                _(
                    "The loss, the output layer and the target must fit together. Change the "
                    "loss in the Training panel, or the output layer's units or activation."
                ),
                output,
                source="compatibility",
            )
        )
    return [e for e in entries if e.severity == ERROR] + [e for e in entries if e.severity != ERROR]


def _strip_prefix(message: str, name: str) -> str:
    """'dense_1: units must be ≥ 1' under the title dense_1 reads better without the name.

    A translated message may put a full-width colon after the name (``dense_1：…``).
    """
    for prefix in (f"{name}: ", f"{name}："):
        if message.startswith(prefix):
            rest = message[len(prefix) :].lstrip()
            return rest[:1].upper() + rest[1:]
    return message


# --- icons ----------------------------------------------------------------------------------


def problem_icon(severity: str, size: int = 16) -> QIcon:
    """Red disc for errors, amber triangle for warnings, green disc with a tick for 'ok'."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    if severity == WARNING:
        path = QPainterPath()
        path.moveTo(s / 2, 1.5)
        path.lineTo(s - 1, s - 1.5)
        path.lineTo(1, s - 1.5)
        path.closeSubpath()
        p.fillPath(path, theme.WARNING)
        _draw_bang(p, s, theme.WARNING_MARK, top=s * 0.38, bottom=s * 0.68, dot=s * 0.80)
    elif severity == ERROR:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.ERROR)
        p.drawEllipse(QRect(1, 1, size - 2, size - 2))
        _draw_bang(p, s, theme.TEXT_ON_COLOR, top=s * 0.25, bottom=s * 0.58, dot=s * 0.74)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.OK)
        p.drawEllipse(QRect(1, 1, size - 2, size - 2))
        pen = QPen(theme.TEXT_ON_COLOR, s * 0.13)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.drawPolyline(
            [QPointF(s * 0.28, s * 0.52), QPointF(s * 0.44, s * 0.68), QPointF(s * 0.72, s * 0.34)]
        )
    p.end()
    return QIcon(pixmap)


def _draw_bang(p: QPainter, s: float, color: QColor, *, top: float, bottom: float, dot: float):
    pen = QPen(color, s * 0.13)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(s / 2, top), QPointF(s / 2, bottom))
    p.drawPoint(QPointF(s / 2, dot))


# --- the list -------------------------------------------------------------------------------


class _ProblemDelegate(QStyledItemDelegate):
    """Icon, layer name in bold, then the message wrapped to the panel's width."""

    PAD = 6
    ICON = 16

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        view = self.parent()
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else 300
        return max(80, width - self.ICON - 3 * self.PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        width = self._text_width(option)
        bold = QFont(option.font)
        bold.setBold(True)
        title_h = QFontMetrics(bold).height()
        message = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        rect = QFontMetrics(option.font).boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), message
        )
        return QSize(width, title_h + rect.height() + 2 * self.PAD + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self.initStyleOption(option, index)
        painter.save()
        style = option.widget.style() if option.widget else None
        text = QStyleOptionViewItem(option)
        text.text = ""
        text.icon = QIcon()
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active
        fg = option.palette.color(
            group,
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text,
        )
        r = option.rect
        severity = str(index.data(_SEVERITY_ROLE))
        icon_rect = QRect(r.left() + self.PAD, r.top() + self.PAD + 1, self.ICON, self.ICON)
        problem_icon(severity, self.ICON).paint(painter, icon_rect)
        left = icon_rect.right() + self.PAD + 1
        width = r.right() - left - self.PAD
        bold = QFont(option.font)
        bold.setBold(True)
        title_h = QFontMetrics(bold).height()
        painter.setFont(bold)
        painter.setPen(fg)
        title = QFontMetrics(bold).elidedText(
            str(index.data(_TITLE_ROLE) or ""), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(
            QRect(left, r.top() + self.PAD, width, title_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            title,
        )
        painter.setFont(option.font)
        if not selected:
            painter.setPen(QColor(theme.TEXT))
        painter.drawText(
            QRect(left, r.top() + self.PAD + title_h + 1, width, r.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            | int(Qt.TextFlag.TextWordWrap),
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
        )
        painter.setPen(theme.ROW_DIVIDER)
        painter.drawLine(r.left() + self.PAD, r.bottom(), r.right() - self.PAD, r.bottom())
        painter.restore()


class _ProblemList(QListWidget):
    """Re-measures rows when its width changes, so wrapped messages never clip."""

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()


class ProblemsPanel(QWidget):
    """List of problems with a count in the header; clicking one selects its layer."""

    #: The user picked a problem that belongs to a layer: that layer's id.
    node_activated = Signal(str)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.entries: list[ProblemEntry] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        header = QWidget(self)
        header.setObjectName("problemsHeader")
        header.setStyleSheet(
            f"#problemsHeader {{ border-bottom: 1px solid {theme.SEPARATOR.name()}; }}"
        )
        head = QHBoxLayout(header)
        head.setContentsMargins(10, 8, 10, 8)
        head.setSpacing(8)
        self.header_icon = QLabel(header)
        self.header_icon.setFixedSize(18, 18)
        head.addWidget(self.header_icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(1)
        self.summary_label = QLabel(header)
        self.summary_label.setFont(theme.heading_font(0))
        self.summary_label.setWordWrap(True)
        texts.addWidget(self.summary_label)
        self.detail_label = QLabel(header)
        self.detail_label.setWordWrap(True)
        muted(self.detail_label)
        texts.addWidget(self.detail_label)
        head.addLayout(texts, 1)
        layout.addWidget(header)

        self.list = _ProblemList(self)
        self.list.setItemDelegate(_ProblemDelegate(self.list))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        self.list.setMouseTracking(True)
        self.list.itemClicked.connect(self._on_list_item)
        self.list.itemActivated.connect(self._on_list_item)
        layout.addWidget(self.list, 1)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        muted(self.empty_label)
        # Padding in the style sheet: a label with a style sheet loses contents margins set
        # in code when it is polished, and its text then ran from edge to edge.
        self.empty_label.setStyleSheet(
            self.empty_label.styleSheet() + " padding: 24px 16px 16px 16px;"
        )
        self.empty_label.setText(
            _(
                "Nothing to fix. Problems appear here as you build: a layer left unconnected, "
                "sizes that do not match, a loss that does not fit the output."
            )
        )
        layout.addWidget(self.empty_label, 1)
        self._last_emit = QElapsedTimer()
        self._last_id: str | None = None

        document.analysis_changed.connect(self._on_document_changed)
        document.data_changed.connect(self._on_document_changed)
        document.project_replaced.connect(self._on_document_changed)
        self.refresh()

    # -- public -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the rows from the document (cheap; runs after each validation pass)."""
        self.entries = collect_problems(self.document)
        self.list.clear()
        for entry in self.entries:
            item = QListWidgetItem(entry.message)
            item.setData(_NODE_ROLE, entry.node_id)
            item.setData(_SEVERITY_ROLE, entry.severity)
            item.setData(_TITLE_ROLE, entry.title)
            tip = f"<b>{escape_html(entry.title)}</b>: {escape_html(entry.message)}"
            if entry.hint:
                tip += f"<br><br>{escape_html(entry.hint)}"
            if entry.node_id:
                tip += "<br><br><i>" + _("Click to select the layer on the canvas.") + "</i>"
            item.setToolTip(tip)
            self.list.addItem(item)
        self.list.setCurrentRow(-1)
        self._update_header()

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) currently listed."""
        errors = sum(e.severity == ERROR for e in self.entries)
        return errors, len(self.entries) - errors

    def summary_text(self) -> str:
        return self.summary_label.text()

    # -- internals --------------------------------------------------------------------------

    def _update_header(self) -> None:
        errors, warnings = self.counts()
        self.list.setVisible(bool(self.entries))
        self.empty_label.setVisible(not self.entries)
        if errors or warnings:
            parts = []
            if errors:
                parts.append(ngettext("{n} error", "{n} errors", errors).format(n=errors))
            if warnings:
                parts.append(ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings))
            if len(parts) == 2:
                # Translators: the Problems panel's header: "2 errors", "1 warning".
                summary = _("{errors}, {warnings}").format(errors=parts[0], warnings=parts[1])
            else:
                summary = parts[0]
            self.summary_label.setText(summary)
            severity = ERROR if errors else WARNING
            detail = (
                _("Fix the errors to train. Click a row to find the layer.")
                if errors
                else _("Training can start; the warnings explain common pitfalls.")
            )
        else:
            reason = self.document.workspace.blocking_reason()
            severity = "ok"
            if reason is None:
                self.summary_label.setText(_("No problems — ready to train"))
                detail = ""
            else:
                self.summary_label.setText(_("No problems in the network"))
                detail = tr(reason)
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))
        self.header_icon.setPixmap(problem_icon(severity, 18).pixmap(18, 18))

    def _on_document_changed(self, *_args: object) -> None:
        self.refresh()

    def _on_list_item(self, item: QListWidgetItem) -> None:
        node_id = item.data(_NODE_ROLE)
        if not node_id:
            return
        # A double click is a click and an activation: tell the window once.
        repeated = node_id == self._last_id and self._last_emit.isValid()
        if repeated and self._last_emit.elapsed() < 300:
            return
        self._last_id = str(node_id)
        self._last_emit.start()
        self.node_activated.emit(str(node_id))

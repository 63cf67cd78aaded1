"""File → Export → Lesson report: the student's notes, then one HTML page (and a PDF).

The report itself is built Qt-free by :mod:`nnstudio.core.export.report`; this dialog adds
what only the GUI has — the network as the canvas draws it (a PNG) and the notes the student
types — and writes through the atomic writer. The PDF beside the page is printed by
:mod:`nnstudio.gui.report_pdf`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGraphicsView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.export.report import LessonReport, build_report, write_report
from nnstudio.gui import theme
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.language import CJK_FONTS
from nnstudio.gui.preferences import AppSettings
from nnstudio.gui.widgets.texts import error_text
from nnstudio.i18n import _, tr

#: The network picture's width in pixels at most (sharp in the page, small in the file).
PICTURE_WIDTH = 1400
#: Room around the network in the picture, in scene units.
PICTURE_MARGIN = 24


def network_png(view: QGraphicsView, node_rect: QRectF) -> bytes | None:
    """The network as the canvas draws it (cards and connections, no grid), as PNG bytes."""
    if node_rect.isNull():
        return None
    source = node_rect.adjusted(-PICTURE_MARGIN, -PICTURE_MARGIN, PICTURE_MARGIN, PICTURE_MARGIN)
    scale = min(2.0, PICTURE_WIDTH / source.width())
    image = QImage(
        int(source.width() * scale), int(source.height() * scale), QImage.Format.Format_ARGB32
    )
    image.fill(theme.PRESENTATION_BG)
    scene = view.scene()
    selected = scene.selectedItems()
    for item in selected:  # the picture shows the network, not what was last clicked
        item.setSelected(False)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), source)
    painter.end()
    for item in selected:
        item.setSelected(True)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class ReportDialog(QDialog):
    """Notes, a PDF option, and Export…; ``written`` says each file made."""

    written = Signal(str)

    def __init__(
        self,
        document: ProjectDocument,
        canvas: QGraphicsView,
        settings: AppSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.canvas = canvas
        self.settings = settings
        self.setWindowTitle(_("Export lesson report"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "One page to hand in: the network, its parameter table, the training settings, "
                "the curves, the final metrics, the confusion matrix and your notes."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(QLabel(_("Your notes:"), self))
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setPlaceholderText(
            _("What did you try, what did you see, what would you change?")
        )
        layout.addWidget(self.notes_edit, 1)
        self.pdf_check = QCheckBox(_("Also write a PDF beside it"), self)
        self.pdf_check.setChecked(bool(settings.value("report/pdf", True) in (True, "true")))
        layout.addWidget(self.pdf_check)
        buttons = QDialogButtonBox(self)
        self.export_button = buttons.addButton(_("Export…"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_export_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def report(self) -> LessonReport:
        """The report of the project as it stands, with the picture and the notes."""
        workspace = self.document.workspace
        picture = network_png(self.canvas, self._network_rect())
        last = getattr(workspace, "last_result", None)
        closing = tr(last.message) if last is not None else ""
        return build_report(
            workspace,
            notes=self.notes_edit.toPlainText(),
            network_png=picture,
            fonts=CJK_FONTS,
            closing=closing,
        )

    def export_to(self, path: str | Path) -> list[Path]:
        """Write the HTML page at ``path`` (and the PDF beside it when asked); returns the
        files written. Raises ``OSError`` or :class:`NNStudioError` when that fails."""
        html_path = Path(path)
        if html_path.suffix.lower() not in (".html", ".htm"):
            html_path = html_path.with_suffix(".html")
        report = self.report()
        written = [write_report(report, html_path)]
        if self.pdf_check.isChecked():
            from nnstudio.gui.report_pdf import write_pdf

            written.append(write_pdf(report, html_path.with_suffix(".pdf")))
        for file in written:
            self.written.emit(str(file))
        return written

    def _network_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.canvas.scene().items():
            if item.parentItem() is None and item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def _on_export_clicked(self) -> None:
        project = self.document.project
        stem = project.path.stem if project.path else (project.name or "report")
        stem = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in stem).strip() or "report"
        folder = project.path.parent if project.path else Path(self.settings.last_dir("export"))
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export lesson report"),
            str(folder / f"{stem}-report.html"),
            _("Web pages (*.html)"),
        )
        if not path:
            return
        self.settings.set_value("report/pdf", self.pdf_check.isChecked())
        try:
            self.export_to(path)
        except (OSError, NNStudioError) as exc:
            text = error_text(exc) if isinstance(exc, NNStudioError) else str(exc)
            QMessageBox.critical(self, _("Cannot export"), " ".join(text.split()))
            return
        self.settings.set_last_dir("export", path)
        self.accept()


__all__ = ["ReportDialog", "network_png"]

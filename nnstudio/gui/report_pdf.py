"""The lesson report as a PDF, printed by Qt from the report's own HTML.

Why Qt and not a browser: Qt is already here (no extra dependency), and its rich-text engine
prints tables, headings and images well. It draws no inline SVG, so the curves are rendered
from the report's SVG text into images (``QSvgRenderer``) and handed to the document as
resources; the canvas picture is the same PNG the HTML embeds. The command line uses this
too, through an offscreen ``QGuiApplication`` (:func:`ensure_gui_app`); the core stays Qt-free.

Chinese is drawn by the CJK fonts of :mod:`nnstudio.gui.language`: the document's font names
the UI family first and those fallbacks after it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

from nnstudio.core.atomic import replacing
from nnstudio.core.export.report import LessonReport
from nnstudio.gui import theme
from nnstudio.gui.language import CJK_FONTS

#: Dots per inch of the PDF's layout; charts are drawn at twice their size, then smoothed down.
RESOLUTION = 96
CHART_SCALE = 2


def ensure_gui_app() -> QGuiApplication:
    """A Qt application to print with: the running one, else an offscreen one (the command
    line has no window and may have no display).

    A full ``QApplication``, not only a ``QGuiApplication``: a process can hold one Qt
    application for its life, and one that later shows a widget (tests, an app opened after
    the command) needs the full kind.
    """
    app = QGuiApplication.instance()
    if app is None:
        from PySide6.QtWidgets import QApplication

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app


def svg_image(svg: str, scale: int = CHART_SCALE) -> QImage:
    """An SVG text drawn into an image ``scale`` times its own size, on white."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    image = QImage(size.width() * scale, size.height() * scale, QImage.Format.Format_ARGB32)
    image.fill(theme.PRESENTATION_BG)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if scale != 1:
        # Drawn large, then brought to the size the page lays out: Qt's rich text reserves
        # the image's pixel height, whatever its device pixel ratio says.
        image = image.scaled(
            size.width(),
            size.height(),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


def report_document(report: LessonReport) -> QTextDocument:
    """The report laid out by Qt: its HTML with the charts and picture as resources."""
    ensure_gui_app()
    doc = QTextDocument()
    font = QFont()
    font.setFamilies([QFont().defaultFamily(), *CJK_FONTS])
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    for name, svg in report.chart_svgs().items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), svg_image(svg))
    if report.network_png:
        picture = QImage.fromData(report.network_png)
        shown_width, shown_height = report.picture_size()
        if picture.width() > shown_width > 0:
            picture = picture.scaled(
                shown_width,
                shown_height,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("network.png"), picture)
    doc.setHtml(report.to_html(images="resources"))
    return doc


def write_pdf(report: LessonReport, path: str | Path) -> Path:
    """Print ``report`` to an A4 PDF at ``path`` (atomically); returns the path."""
    target = Path(path)
    doc = report_document(report)
    with replacing(target) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(RESOLUTION)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setTitle(report.title)
        writer.setCreator("NN Studio")
        rect = writer.pageLayout().paintRectPixels(RESOLUTION)
        doc.setPageSize(QSizeF(rect.width(), rect.height()))
        doc.print_(writer)
        del writer  # closes the file before it is renamed into place
    return target


__all__ = ["ensure_gui_app", "report_document", "svg_image", "write_pdf"]

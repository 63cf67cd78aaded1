"""Presentation mode: NN Studio readable on a 1280×720 projector from the back of a room.

Entering makes every font :data:`FACTOR` times larger (the window's widgets, the canvas and
the plots), draws thicker lines and darker text, gives the canvas and the plots the room, and
hides what a class does not need to see (:data:`HIDDEN_DOCKS`, the training panel's advanced
settings). Everything it changes is saved in memory first, and leaving puts exactly that back:
the docks' arrangement (``saveState`` bytes), the fonts, the palette, the canvas's zoom and
scroll position, the plots' fonts and pens.

It only drives the views through their own presentation methods
(:meth:`CanvasView.set_presentation_scale`, :meth:`TrainingPlotsPanel.set_presentation_scale`,
:meth:`TrainingPanel.advanced_boxes`); the main window owns one :class:`PresentationMode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QPointF, Qt
from PySide6.QtGui import QFont, QPalette, QTransform
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

from nnstudio.gui import theme
from nnstudio.gui.window_layout import LAYOUT_VERSION

if TYPE_CHECKING:
    from nnstudio.gui.workbench import Workbench

#: How much larger fonts are and how much thicker lines are while presenting.
FACTOR = 1.5
#: Docks hidden while presenting: building tools and the edit history, which a class watching
#: a network train does not read from the back of the room.
HIDDEN_DOCKS = ("palette", "history", "problems")
#: The docks brought to the front: the plots below the canvas, the training setup beside it.
RAISED_DOCKS = ("plots", "training")
#: Share of the window's height the plots get, and of its width the side panel gets.
PLOTS_SHARE = 0.42
SIDE_SHARE = 0.34
#: Private version number of the in-memory ``saveState`` (never written to settings).
_STATE_VERSION = 0x7E5


@dataclass
class _Saved:
    """What presentation mode changed, as it was before."""

    state: QByteArray
    #: The same arrangement in the format the settings keep (``write_layout``).
    layout: QByteArray
    font: QFont
    palette: QPalette
    transform: QTransform
    center: QPointF
    hidden_boxes: dict[QWidget, bool]


class PresentationMode:
    """Enters and leaves presentation mode for one main window."""

    def __init__(
        self, window: QMainWindow, docks: dict[str, QDockWidget], workbench: Workbench
    ) -> None:
        self.window = window
        self.docks = docks
        self.workbench = workbench
        self._saved: _Saved | None = None

    @property
    def active(self) -> bool:
        return self._saved is not None

    def set_active(self, on: bool) -> None:
        if on:
            self.enter()
        else:
            self.leave()

    def enter(self) -> None:
        """Large fonts, thick lines, high contrast, big canvas and plots, fewer panels."""
        if self._saved is not None:
            return
        app = QApplication.instance()
        window, canvas = self.window, self.workbench.canvas
        boxes = self.workbench.training.advanced_boxes()
        self._saved = _Saved(
            state=window.saveState(_STATE_VERSION),
            layout=window.saveState(LAYOUT_VERSION),
            font=QFont(app.font()),
            palette=QPalette(app.palette()),
            transform=QTransform(canvas.transform()),
            center=canvas.mapToScene(canvas.viewport().rect().center()),
            hidden_boxes={box: box.isHidden() for box in boxes},
        )
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * FACTOR)
        _set_app_font(app, font)
        app.setPalette(high_contrast(app.palette()))
        for box in boxes:
            box.hide()
        for name in HIDDEN_DOCKS:
            self.docks[name].hide()
        for name in RAISED_DOCKS:
            self.docks[name].show()
            self.docks[name].raise_()
        window.resizeDocks(
            [self.docks["plots"]],
            [int(window.height() * PLOTS_SHARE)],
            Qt.Orientation.Vertical,
        )
        window.resizeDocks(
            [self.docks["training"]],
            [int(window.width() * SIDE_SHARE)],
            Qt.Orientation.Horizontal,
        )
        self.workbench.plots.set_presentation_scale(FACTOR)
        # Exactly FACTOR times the zoom the class saw (so every card's text is that much
        # larger), centred on the network; Fit (Ctrl+0) now magnifies up to FACTOR × 100 %.
        canvas.set_presentation_scale(FACTOR)
        canvas.center_on_network()

    def leave(self) -> QByteArray | None:
        """Back to exactly the layout, fonts and view there were before :meth:`enter`.

        Returns the docks' arrangement as it was then, in the settings' format (None when the
        mode was not on): what a window closed in presentation mode saves, rather than its
        arrangement read back after the restore — views built for the projector may still
        post size hints of their own after it, and the user's layout must not drift.
        """
        saved, self._saved = self._saved, None
        if saved is None:
            return None
        app = QApplication.instance()
        canvas = self.workbench.canvas
        self.workbench.plots.set_presentation_scale(1.0)
        canvas.set_presentation_scale(1.0)
        canvas.setTransform(saved.transform)
        canvas.centerOn(saved.center)
        canvas.zoom_changed.emit(canvas.zoom())
        for box, hidden in saved.hidden_boxes.items():
            box.setHidden(hidden)
        app.setPalette(saved.palette)
        _set_app_font(app, saved.font)
        # The re-polish posts font and layout events; let them land before the docks get
        # their saved sizes back, or they would move them again afterwards.
        QApplication.sendPostedEvents()
        self.window.restoreState(saved.state, _STATE_VERSION)
        # Restoring shows docks and re-polishes panels with the normal font, which can post
        # size hints of their own; once they have landed, the saved sizes are set once more
        # (a second restore of the same state is a no-op when nothing moved).
        QApplication.sendPostedEvents()
        self.window.restoreState(saved.state, _STATE_VERSION)
        return saved.layout


def high_contrast(palette: QPalette) -> QPalette:
    """``palette`` with black text on white, for enabled widgets only: disabled ones keep
    their grey, so a class still sees what cannot be pressed."""
    out = QPalette(palette)
    role = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for r in (role.WindowText, role.Text, role.ButtonText, role.ToolTipText):
            out.setColor(group, r, theme.PRESENTATION_TEXT)
        out.setColor(group, role.Base, theme.PRESENTATION_BG)
    return out


def _set_app_font(app: QApplication, font: QFont) -> None:
    """``app.setFont`` that reaches every widget although the app has a style sheet.

    With an application style sheet, Qt does not pass a new application font on to widgets
    already polished (the docks kept their size on a real screen); setting the same sheet
    again re-polishes them with the new font.
    """
    app.setFont(font)
    sheet = app.styleSheet()
    if sheet:
        app.setStyleSheet(sheet)


__all__ = ["FACTOR", "HIDDEN_DOCKS", "PresentationMode", "high_contrast"]

"""Saving and restoring the main window's size and dock arrangement across launches.

Qt's own ``saveGeometry``/``restoreState`` pair is not enough on its own, for three reasons
seen in practice:

- The dock state must be applied *after* the real panels are in their docks. The window is
  painted first with empty placeholder docks (the engine loads afterwards); swapping the real,
  much larger widgets in makes ``QMainWindow`` hand their size hints the space, and a state
  restored earlier is lost: the Layers panel grew to 500 px and the canvas shrank to its
  minimum on every relaunch.
- ``restoreGeometry`` guesses the window frame, which on some X11 set-ups shrinks the window
  by the frame's size at every launch. The normal (un-maximised) client rectangle and the
  maximised flag are stored instead, and restored exactly.
- A state from an older dock set or another screen can produce a cramped layout. States carry
  :data:`LAYOUT_VERSION`; a restored layout is checked (:func:`layout_is_usable`) and the
  default arrangement is used when the canvas would be too small to work in.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QMainWindow

from nnstudio.gui.preferences import AppSettings

#: Bump when the set or the roles of the docks change: older states are then ignored.
LAYOUT_VERSION = 3
#: Size of a new window (clipped to the screen).
DEFAULT_SIZE = QSize(1280, 800)
#: The canvas must keep at least this share of the window's width and height.
MIN_CANVAS_SHARE = (0.3, 0.3)


@dataclass(frozen=True)
class SavedLayout:
    """What the window looked like when it was closed."""

    rect: QRect
    maximized: bool
    screen: QSize
    state: QByteArray | None


def read_layout(settings: AppSettings) -> SavedLayout | None:
    """The layout saved by this version of the app, or None (first launch or an old format)."""
    try:
        version = int(settings.value("window/layout_version", 0) or 0)
        rect = [int(v) for v in _as_list(settings.value("window/rect"))]
        screen = [int(v) for v in _as_list(settings.value("window/screen"))]
    except (TypeError, ValueError):
        return None
    if version != LAYOUT_VERSION or len(rect) != 4 or len(screen) != 2:
        return None
    state = settings.value("window/state")
    return SavedLayout(
        rect=QRect(*rect),
        maximized=_as_bool(settings.value("window/maximized", False)),
        screen=QSize(*screen),
        state=state if isinstance(state, QByteArray) and not state.isEmpty() else None,
    )


def write_layout(
    settings: AppSettings, window: QMainWindow, state: QByteArray | None = None
) -> None:
    """Remember the window's normal rectangle, maximised flag, screen and dock state
    (``state``: the docks' arrangement to keep instead of the window's current one)."""
    maximized = window.isMaximized()
    rect = window.normalGeometry() if maximized else window.geometry()
    if not rect.isValid():
        rect = window.geometry()
    screen = _screen_of(window)
    avail = screen.availableGeometry().size() if screen is not None else QSize(0, 0)
    settings.set_value("window/layout_version", LAYOUT_VERSION)
    settings.set_value("window/rect", [rect.x(), rect.y(), rect.width(), rect.height()])
    settings.set_value("window/maximized", maximized)
    settings.set_value("window/screen", [avail.width(), avail.height()])
    if state is None:
        state = window.saveState(LAYOUT_VERSION)
    settings.set_value("window/state", state)
    # The formats of version 0.1, which restore badly (see the module's docstring).
    settings.remove("window/geometry")


def restore_geometry(window: QMainWindow, saved: SavedLayout | None) -> None:
    """Give the window its saved rectangle, fitted into the screen it will appear on."""
    screen = QGuiApplication.screenAt(saved.rect.center()) if saved is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
    if saved is not None and avail.contains(saved.rect):
        window.setGeometry(saved.rect)
    else:
        wanted = saved.rect.size() if saved is not None else DEFAULT_SIZE
        size = wanted.boundedTo(avail.size()).expandedTo(window.minimumSize())
        rect = QRect(avail.topLeft(), size)
        rect.moveCenter(avail.center())
        window.setGeometry(rect)
    if saved is not None and saved.maximized:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def restore_docks(window: QMainWindow, saved: SavedLayout | None) -> bool:
    """Apply the saved dock arrangement; False when there is none or it does not apply.

    Call once the real panels are in their docks (see the module's docstring).
    """
    if saved is None or saved.state is None:
        return False
    window.layout().activate()
    return bool(window.restoreState(saved.state, LAYOUT_VERSION))


def layout_is_usable(window: QMainWindow) -> bool:
    """True when the central canvas keeps enough room to work in."""
    central = window.centralWidget()
    if central is None or not window.isVisible():
        return True
    share_w, share_h = MIN_CANVAS_SHARE
    size = central.size()
    return size.width() >= share_w * window.width() and size.height() >= share_h * window.height()


def _screen_of(window: QMainWindow) -> QScreen | None:
    return window.screen() or QGuiApplication.primaryScreen()


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split(",")
    return list(value)


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


__all__ = [
    "LAYOUT_VERSION",
    "SavedLayout",
    "layout_is_usable",
    "read_layout",
    "restore_docks",
    "restore_geometry",
    "write_layout",
]

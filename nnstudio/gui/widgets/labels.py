"""Small label and combo-box helpers shared by the panels, the inspector and the race dialog.

Every side panel builds the same few kinds of widget: a grey help line under a choice, a
wrapped caption that must not widen its dock, a form label that explains itself in a
tooltip, and a combo of registry entries. Building them in one place keeps the panels
looking alike and lets a style change happen once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QWidget

from nnstudio.gui import theme
from nnstudio.gui.widgets.texts import escape_html
from nnstudio.i18n import _

__all__ = [
    "MUTED_STYLE",
    "add_entries",
    "compact_combo",
    "escape_html",
    "muted",
    "tip_label",
    "wrapped_label",
]

#: Style sheet of secondary text (help lines, captions, hints).
MUTED_STYLE = f"color: {theme.MUTED_TEXT.name()};"


def muted(label: QLabel, *, small: bool = False) -> QLabel:
    """Grey ``label`` (and make it smaller): help that should not compete with the controls."""
    label.setStyleSheet(MUTED_STYLE + (" font-size: 11px;" if small else ""))
    return label


def wrapped_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A word-wrapped label that takes the width it is given instead of widening its dock."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def tip_label(text: str, tip: str, parent: QWidget) -> QLabel:
    """A form row's label carrying the field's help, so hovering either explains it.

    ``text`` and ``tip`` are usually a parameter's title and help from the catalogue (marked,
    not translated): shown translated here (a text translated already stays as it is).
    """
    label = QLabel(_(text), parent)
    label.setToolTip(_(tip))
    return label


def compact_combo(combo: QComboBox, min_chars: int) -> QComboBox:
    """Let a combo shrink to ``min_chars`` characters: long entry labels must not widen a dock."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_chars)
    return combo


def _help_of(entry: Any) -> str:
    return _(entry.help)


def add_entries(
    combo: QComboBox, entries: Iterable[Any], tooltip: Callable[[Any], str] = _help_of
) -> None:
    """One item per registry entry: label shown, name as data, ``tooltip(entry)`` on hover.

    Labels and help come from the catalogue (marked, not translated): shown translated here.
    A ``tooltip`` passed in translates its own text.
    """
    for entry in entries:
        combo.addItem(_(entry.label), entry.name)
        combo.setItemData(combo.count() - 1, tooltip(entry), Qt.ItemDataRole.ToolTipRole)

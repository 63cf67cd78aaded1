"""Small widgets shared by the data and training panels: the problem banner and helpers.

The banner is where a panel says, before the user presses Train, what is wrong and where
("column 'ram', row 17: 'abc' is not a number"), with a link that shows the place.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui import theme
from nnstudio.gui.widgets.banner_message import LEVELS, BannerMessage
from nnstudio.i18n import _, tr

__all__ = ["BannerMessage", "ProblemBanner"]

#: More lines than this would push the panel out of sight; the rest go in a tooltip.
MAX_SHOWN = 5

_STYLE = {
    # background, border, text
    level: tuple(color.name() for color in colors)
    for level, colors in (
        ("error", (theme.ERROR_BG, theme.ERROR, theme.ERROR_INK)),
        ("warning", (theme.WARNING_BG, theme.WARNING, theme.WARNING_INK)),
        ("info", (theme.INFO_BG, theme.INFO, theme.INFO_INK)),
    )
}
_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


class ProblemBanner(QFrame):
    """A coloured box listing problems, worst first; hidden when there is nothing to say.

    Messages with a column become links; clicking one emits ``place_activated(column, row)``
    (row is 0 when the message names no row).
    """

    place_activated = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemBanner")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._layout.setSpacing(4)
        self._messages: list[BannerMessage] = []
        self._labels: list[QLabel] = []
        self._rows: list[QWidget] = []
        self._footer: QWidget | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setVisible(False)

    def messages(self) -> list[BannerMessage]:
        return list(self._messages)

    def text(self) -> str:
        """Plain text of every message as shown, one per line (for tests and copying)."""
        return "\n".join(tr(m.text) for m in self._messages)

    def level(self) -> str | None:
        """The worst level shown, or None when the banner is empty."""
        return self._messages[0].level if self._messages else None

    def labels(self) -> list[QLabel]:
        return list(self._labels)

    def set_footer(self, widget: QWidget | None) -> None:
        """Keep ``widget`` (a row of choices that fix the problem) below the messages.

        Its owner shows or hides it; the banner only keeps it last.
        """
        if self._footer is not None:
            self._layout.removeWidget(self._footer)
        self._footer = widget
        if widget is not None:
            widget.setParent(self)
            self._layout.addWidget(widget)

    def set_messages(self, messages: Sequence[BannerMessage]) -> None:
        ordered = sorted(messages, key=lambda m: LEVELS.index(m.level))
        if ordered == self._messages:
            return
        self._messages = ordered
        for row in self._rows:
            # Hidden now: deleteLater only runs on the next event-loop turn.
            row.hide()
            self._layout.removeWidget(row)
            row.deleteLater()
        self._labels, self._rows = [], []
        shown = ordered if len(ordered) <= MAX_SHOWN else ordered[: MAX_SHOWN - 1]
        for index, message in enumerate(shown):
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(6)
            icon = QLabel(row)
            icon.setPixmap(self.style().standardIcon(_ICONS[message.level]).pixmap(16, 16))
            icon.setAlignment(Qt.AlignmentFlag.AlignTop)
            icon.setFixedWidth(18)
            line.addWidget(icon)
            label = QLabel(self._html(message, index), row)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.LinksAccessibleByMouse
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.linkActivated.connect(self._on_label_link_activated)
            if message.column is not None:
                label.setToolTip(
                    _("Click “show” to find column {column!r} in the preview").format(
                        column=message.column
                    )
                )
            line.addWidget(label, 1)
            self._layout.addWidget(row)
            self._rows.append(row)
            self._labels.append(label)
        if len(shown) < len(ordered):
            hidden = ordered[len(shown) :]
            more = QLabel(
                _("… and {count} more (hover to read them)").format(count=len(hidden)), self
            )
            more.setToolTip("\n".join(tr(m.text) for m in hidden))
            more.setStyleSheet(f"color: {theme.BANNER_MORE_TEXT.name()}; padding-left: 24px;")
            self._layout.addWidget(more)
            self._rows.append(more)
        if self._footer is not None:
            self._layout.removeWidget(self._footer)
            self._layout.addWidget(self._footer)
        if ordered:
            background, border, _ink = _STYLE[ordered[0].level]
            self.setStyleSheet(
                f"QFrame#problemBanner {{ background: {background}; "
                f"border: 1px solid {border}; border-left: 4px solid {border}; "
                "border-radius: 3px; }"
            )
        self.setVisible(bool(ordered))

    def activate(self, index: int) -> None:
        """Act as if the link of message ``index`` was clicked."""
        self._on_label_link_activated(f"place:{index}")

    def _html(self, message: BannerMessage, index: int) -> str:
        _background, border, color = _STYLE[message.level]
        text = html.escape(tr(message.text))
        link = ""
        if message.column is not None:
            show = html.escape(_("show"))
            link = (
                f' &nbsp;<a href="place:{index}" style="color:{border}; font-weight:600;">'
                f"{show}</a>"
            )
        return f'<span style="color:{color};">{text}</span>{link}'

    def _on_label_link_activated(self, href: str) -> None:
        if not href.startswith("place:"):
            return
        message = self._messages[int(href.split(":", 1)[1])]
        if message.column is not None:
            self.place_activated.emit(message.column, message.row or 0)

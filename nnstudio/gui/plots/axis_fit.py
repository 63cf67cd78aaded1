"""Vertical axes whose tick labels never run into the axis title.

The plots give their left axis a fixed width (44 px) so that stacked plots line up. A run
whose loss explodes to ``1e+24`` gets tick labels wider than that: pyqtgraph then draws them
over the rotated axis title ("loss"), or drops them. :class:`FittedTickLabels` writes large
and tiny numbers as short scientific labels (``5e24``, ``2e-5``: no ``+``, no leading zero
in the exponent) and, when the labels still need more room than the fixed width, widens the
axis to fit them beside the title; when they fit again, it goes back to the fixed width.
"""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter

__all__ = ["FittedTickLabels", "short_tick_label"]

#: Pixels kept between the axis title and the widest tick label.
TITLE_GAP = 2.0

_EXPONENT = re.compile(r"e([+-])0*(\d+)")


def short_tick_label(text: str) -> str:
    """``1e+24`` → ``1e24``, ``5e-05`` → ``5e-5``; other labels unchanged."""
    return _EXPONENT.sub(lambda m: f"e{'-' if m.group(1) == '-' else ''}{m.group(2)}", text)


def _text_width(p: QPainter, text: str) -> float:
    """A label's width as pyqtgraph's AxisItem measures it before drawing it."""
    return p.boundingRect(QRectF(0, 0, 100, 100), Qt.AlignmentFlag.AlignCenter, text).width()


class FittedTickLabels:
    """Mixin for a vertical :class:`pyqtgraph.AxisItem` (put it first among the bases).

    ``setWidth(w)`` keeps ``w`` as the axis's usual width; the labels of each new set of
    ticks may widen it beyond that (:meth:`fit_width`), never narrow it below.
    """

    #: The width asked for with ``setWidth`` (None: pyqtgraph sizes the axis itself).
    base_width: float | None = None

    def setWidth(self, w: float | None = None) -> None:
        self.base_width = w
        super().setWidth(w)  # type: ignore[misc]

    #: The labels of each tick level asked for while the ticks are laid out (else None).
    _levels: list[list[str]] | None = None

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = [
            short_tick_label(s)
            for s in super().tickStrings(values, scale, spacing)  # type: ignore[misc]
        ]
        if self._levels is not None:
            self._levels.append(strings)
        return strings

    def generateDrawSpecs(self, p: Any) -> Any:
        """Lay out the ticks as pyqtgraph does, then fit the width to the labels shown.

        pyqtgraph asks for the labels of every tick level but draws a finer level only when
        its labels do not crowd the axis: fitting to all of them would widen the axis for
        labels nobody sees. A level counts when any of its labels is drawn (the coarsest is
        always drawn); a label too wide for the axis is left out by pyqtgraph, which is why
        the level's labels count, not only the ones drawn.
        """
        self._levels = []
        try:
            specs = super().generateDrawSpecs(p)  # type: ignore[misc]
            levels = self._levels
        finally:
            self._levels = None
        if specs is None:
            return specs
        drawn = {text for _rect, _flags, text in specs[2]}
        shown = [s for i, level in enumerate(levels) if i == 0 or drawn & set(level) for s in level]
        # Measured as pyqtgraph measures them: with this painter, in the tick font.
        p.save()
        font = self.style.get("tickFont")  # type: ignore[attr-defined]
        if font is not None:
            p.setFont(font)
        try:
            widest = max((_text_width(p, s) for s in shown if s), default=0.0)
        finally:
            p.restore()
        self.fit_width(widest)
        return specs

    def needed_width(self, widest: float) -> float:
        """The width that shows labels up to ``widest`` pixels wide right-aligned at the
        ticks, clear of the title."""
        axis: Any = self
        room = widest + axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"])
        if axis.label is not None and axis.label.isVisible():
            # The title is drawn rotated along the axis's outer edge (pyqtgraph nudges it a
            # little outside): the labels start where it ends.
            title = axis.label.mapRectToParent(axis.label.boundingRect())
            inside = title.right() if axis.orientation == "left" else axis.width() - title.left()
            room += max(0.0, inside) + TITLE_GAP
        return room

    def fit_width(self, widest: float) -> None:
        """Widen the axis for labels up to ``widest`` pixels wide if its usual width is too
        small for them (or go back to it)."""
        axis: Any = self
        if self.base_width is None or axis.orientation not in ("left", "right"):
            return
        width = max(float(self.base_width), float(math.ceil(self.needed_width(widest))))
        if width != axis.fixedWidth:
            super().setWidth(width)  # type: ignore[misc]

"""Guard against Qt bindings known to corrupt the interpreter (see pyproject's pins)."""

from __future__ import annotations

import sys


def test_void_qt_calls_keep_none_alive(qapp):
    from PySide6.QtWidgets import QGraphicsRectItem

    item = QGraphicsRectItem()
    if sys.version_info >= (3, 12):
        return  # None is immortal there; the bug cannot bite
    before = sys.getrefcount(None)
    for i in range(2000):
        item.setPos(i, i)
    # A faulty binding drops one reference per call (PySide6 6.12.0 on Python 3.11).
    assert sys.getrefcount(None) >= before - 100

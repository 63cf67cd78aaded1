"""A tiny observer so views can follow the model without the model knowing about Qt.

Listeners that are bound methods are held weakly, as napari's events hold theirs: when the
object behind a method goes away, so does its connection, and a view that is closed needs
no hand-written cleanup. Plain functions and lambdas are held strongly (a lambda held weakly
would vanish at once); whoever connects one disconnects it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


class _Strong:
    """A strong reference with the interface of :class:`weakref.WeakMethod`."""

    __slots__ = ("slot",)

    def __init__(self, slot: Callable[..., Any]) -> None:
        self.slot = slot

    def __call__(self) -> Callable[..., Any]:
        return self.slot

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Strong) and other.slot == self.slot

    def __hash__(self) -> int:
        return hash(self.slot)


def _reference(slot: Callable[..., Any]) -> Callable[[], Callable[..., Any] | None]:
    if getattr(slot, "__self__", None) is not None and hasattr(slot, "__func__"):
        return weakref.WeakMethod(slot)  # type: ignore[arg-type]
    return _Strong(slot)


class Signal:
    """Listeners called in connection order by :meth:`emit` (bound methods held weakly)."""

    __slots__ = ("__weakref__", "_slots")

    def __init__(self) -> None:
        self._slots: list[Callable[[], Callable[..., Any] | None]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        ref = _reference(slot)
        if ref not in self._slots:
            self._slots.append(ref)

    def disconnect(self, slot: Callable[..., Any] | None = None) -> None:
        if slot is None:
            self._slots.clear()
            return
        ref = _reference(slot)
        if ref in self._slots:
            self._slots.remove(ref)

    def emit(self, *args: Any) -> None:
        for ref in list(self._slots):
            slot = ref()
            if slot is None:
                if ref in self._slots:
                    self._slots.remove(ref)
                continue
            slot(*args)

    def __len__(self) -> int:
        self._slots = [ref for ref in self._slots if ref() is not None]
        return len(self._slots)

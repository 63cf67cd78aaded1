"""A guard that keeps a panel's redraw from echoing back as user edits.

Panels follow the model: when it changes they write the new values into their widgets, and
those widgets then emit the same signals a user's edit would. Handlers check the guard and
ignore signals raised while the panel itself is writing.
"""

from __future__ import annotations

from types import TracebackType

__all__ = ["SyncGuard"]


class SyncGuard:
    """``with guard:`` marks a redraw from the model (nestable); ``if guard:`` asks if one runs."""

    def __init__(self) -> None:
        self._depth = 0

    def __enter__(self) -> None:
        self._depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1

    def __bool__(self) -> bool:
        return self._depth > 0

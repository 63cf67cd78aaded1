"""What the latest analysis says about each card and connection of the canvas.

The scene computes these from the workspace's analysis; the items only draw them. Kept apart
from both so that the items never import the scene that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeStatus:
    """What the latest analysis says about one node, as the card shows it."""

    severity: str | None = None
    #: ``(severity, message, hint)`` for each problem, errors first.
    problems: tuple[tuple[str, str, str], ...] = ()
    size: int | None = None
    n_params: int | None = None
    is_output: bool = False


@dataclass(frozen=True)
class EdgeStatus:
    """What the latest analysis says about one connection."""

    size: int | None = None
    error: bool = False


__all__ = ["EdgeStatus", "NodeStatus"]

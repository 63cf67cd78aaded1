"""The network canvas: a scene that mirrors the graph and a view that edits it by commands."""

from __future__ import annotations

from nnstudio.gui.canvas.scene import CanvasScene
from nnstudio.gui.canvas.status import EdgeStatus, NodeStatus
from nnstudio.gui.canvas.view import GRAPH_MIME, LAYER_MIME, CanvasView

__all__ = ["GRAPH_MIME", "LAYER_MIME", "CanvasScene", "CanvasView", "EdgeStatus", "NodeStatus"]

"""Graphics items of the canvas: layer cards, their ports, and the edges between them."""

from __future__ import annotations

from nnstudio.gui.canvas.items.base import CanvasItem
from nnstudio.gui.canvas.items.edge_item import EdgeItem, bezier_path
from nnstudio.gui.canvas.items.layer_item import (
    HEADER_HEIGHT,
    NODE_HEIGHT,
    NODE_WIDTH,
    LayerItem,
    fit_footer,
    format_params,
    format_shape,
)
from nnstudio.gui.canvas.items.port_item import PortItem

__all__ = [
    "HEADER_HEIGHT",
    "NODE_HEIGHT",
    "NODE_WIDTH",
    "CanvasItem",
    "EdgeItem",
    "LayerItem",
    "PortItem",
    "bezier_path",
    "fit_footer",
    "format_params",
    "format_shape",
]

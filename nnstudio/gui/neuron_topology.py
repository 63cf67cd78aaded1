"""What the neuron view draws, worked out without Qt: columns, weights, places and looks.

The neuron view (:mod:`nnstudio.gui.neuron_view`) only draws and handles events; everything it
draws is decided here, in plain Python and numpy, so it can be tested without a window:
which circles a network has and which weight joins which two of them (:func:`topology_for`),
where each circle stands (:func:`unit_positions`), how a weight line looks for its value
(:func:`weight_codes`, :func:`code_look`, :class:`LayerScale`), how a bias ring looks
(:func:`bias_ring`), the colours of the per-neuron heat maps (:func:`heatmap_rgba`) and how
far a fit may zoom (:func:`fit_scale`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.catalogue.layers import parse_select
from nnstudio.i18n import _, ngettext

__all__ = [
    "LEVELS",
    "MAX_ALPHA",
    "MAX_FIT_SCALE",
    "MAX_LINE",
    "MAX_RING",
    "MAX_UNITS",
    "MIN_ALPHA",
    "MIN_COLUMN_GAP",
    "MIN_FIT_SCALE",
    "MIN_LINE",
    "MIN_RING",
    "RADIUS",
    "ROW_GAP",
    "Column",
    "Connection",
    "LayerScale",
    "Topology",
    "bias_ring",
    "code_look",
    "column_gap",
    "diverging_rgb",
    "fit_scale",
    "heatmap_rgba",
    "line_between",
    "network_bounds",
    "topology_for",
    "unit_positions",
    "weight_codes",
]

#: Largest layer drawn in full; bigger networks get a note and the offer to show the first N.
MAX_UNITS = 64

# Geometry in scene units.
RADIUS = 16.0
ROW_GAP = 2 * RADIUS + 5.0
MIN_COLUMN_GAP = 190.0
#: Weight lines: width and opacity grow with |w| in LEVELS steps (pens are cached per step).
LEVELS = 12
MIN_LINE = 0.35
MAX_LINE = 6.5
MIN_ALPHA = 55
MAX_ALPHA = 235
MIN_RING = 1.2
MAX_RING = 5.0
#: Largest zoom-in when fitting a tiny network (a 2-2-1 net should not fill the screen).
MAX_FIT_SCALE = 1.6
#: The smallest scale a fit uses; a taller network scrolls (a short dock stays legible).
MIN_FIT_SCALE = 0.3
#: A layer's line widths follow its largest |w| only when that leaves [this share, 100 %].
SCALE_HYSTERESIS = 0.7

Point = tuple[float, float]


# --- topology --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of circles: the input features, or one Dense layer."""

    key: str
    title: str
    caption: str
    units: int
    shown: int
    labels: tuple[str, ...]
    node_id: str | None
    activation: str = ""


@dataclass(frozen=True)
class Connection:
    """The weight matrix of one Dense layer and where each of its inputs comes from.

    ``origins[i]`` lists the (column, unit) circles that feed input ``i`` (one for a plain
    chain; several after an Add; none for units that are not drawn).
    """

    node_id: str
    column: int
    in_features: int
    origins: tuple[tuple[tuple[int, int], ...], ...]


@dataclass(frozen=True)
class Topology:
    columns: tuple[Column, ...]
    connections: tuple[Connection, ...]
    #: Largest layer, and whether it is over :data:`MAX_UNITS`.
    widest: int
    big: bool
    limit: int


def topology_for(
    graph: Any,
    analysis: Any,
    n_features: int | None,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    limit: int | None = None,
) -> Topology | None:
    """Columns and weight connections for ``graph`` (None when it has no Dense layer).

    ``limit`` caps the units drawn per column (None: all). Size-preserving layers (Activation,
    Dropout, BatchNorm) pass their input's circles through; Concat joins them; Add merges them.
    """
    order = list(analysis.order)
    sizes = dict(analysis.sizes)
    if not order or not any(graph.nodes[n].type == "Dense" for n in order if n in graph.nodes):
        return None
    inputs = [n for n in order if graph.nodes[n].type == "Input"]
    total = n_features or max((sizes.get(n, 0) for n in inputs), default=0)
    cap = limit if limit is not None else total + 10**9
    names = list(feature_names or [])
    if len(names) != total:
        names = [f"x{i + 1}" for i in range(total)]
    columns = [
        Column(
            "input",
            _("Input"),
            ngettext("{count} feature", "{count} features", total).format(count=total),
            total,
            min(total, cap),
            tuple(names[: min(total, cap)]),
            None,
        )
    ]
    connections: list[Connection] = []
    origins: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {}
    widest = total
    dense_ids = [n for n in order if graph.nodes[n].type == "Dense"]
    for nid in order:
        node = graph.nodes[nid]
        sources = [s for s in graph.inputs_of(nid) if s in origins]
        size = sizes.get(nid, 0)
        if node.type == "Input":
            span = parse_select(node.params.get("select", ""), total) or (0, total)
            origins[nid] = tuple(
                ((0, k),) if k < columns[0].shown else () for k in range(span[0], span[1])
            )
        elif node.type == "Dense":
            col = len(columns)
            shown = min(size, cap)
            widest = max(widest, size)
            act = node.params.get("activation", {})
            act_name = act.get("name", "") if isinstance(act, dict) else str(act)
            labels: tuple[str, ...] = ()
            if nid == dense_ids[-1] and class_names and len(class_names) == size:
                labels = tuple(str(c) for c in class_names[:shown])
            columns.append(
                Column(
                    nid,
                    node.name,
                    ngettext("{count} unit", "{count} units", size).format(count=size)
                    + (f" · {act_name}" if act_name else ""),
                    size,
                    shown,
                    labels,
                    nid,
                    act_name,
                )
            )
            feed = origins[sources[0]] if sources else ()
            connections.append(Connection(nid, col, len(feed), feed))
            origins[nid] = tuple(((col, j),) if j < shown else () for j in range(size))
        elif node.type == "Concat":
            origins[nid] = tuple(o for s in sources for o in origins[s])
        elif node.type == "Add":
            width = size or (len(origins[sources[0]]) if sources else 0)
            origins[nid] = tuple(
                tuple(o for s in sources if i < len(origins[s]) for o in origins[s][i])
                for i in range(width)
            )
        else:
            origins[nid] = origins[sources[0]] if sources else ()
    big = widest > MAX_UNITS
    return Topology(tuple(columns), tuple(connections), widest, big, cap if limit else 0)


# --- where things stand ----------------------------------------------------------------------


def column_gap(topology: Topology) -> float:
    """Distance between neighbouring columns: wider for tall columns.

    The lines between two tall columns would otherwise merge into a solid block.
    """
    tallest = max(c.shown for c in topology.columns)
    return max(MIN_COLUMN_GAP, 0.55 * tallest * ROW_GAP)


def unit_positions(topology: Topology) -> list[list[Point]]:
    """Scene centre of every drawn circle, column by column; each column centred on y = 0."""
    gap = column_gap(topology)
    return [
        [(c * gap, (u - (column.shown - 1) / 2) * ROW_GAP) for u in range(column.shown)]
        for c, column in enumerate(topology.columns)
    ]


def network_bounds(positions: Sequence[Sequence[Point]]) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the circles at ``positions``, rims included."""
    xs = [x for column in positions for x, _y in column] or [0.0]
    ys = [y for column in positions for _x, y in column] or [0.0]
    return (
        min(xs) - RADIUS,
        min(ys) - RADIUS,
        max(xs) - min(xs) + 2 * RADIUS,
        max(ys) - min(ys) + 2 * RADIUS,
    )


def line_between(start: Point, end: Point) -> tuple[float, float, float, float]:
    """A weight line from rim to rim of two circles centred at ``start`` and ``end``."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    return (
        start[0] + ux * RADIUS,
        start[1] + uy * RADIUS,
        end[0] - ux * RADIUS,
        end[1] - uy * RADIUS,
    )


def fit_scale(
    view_width: float, view_height: float, network_width: float, network_height: float
) -> float:
    """The zoom that shows a network in the room a view leaves for it.

    Never larger than :data:`MAX_FIT_SCALE`; below :data:`MIN_FIT_SCALE` only when the width
    demands it: neurons become specks and labels collide, so a tall network scrolls instead.
    """
    scale = min(view_width / network_width, view_height / network_height, MAX_FIT_SCALE)
    return max(scale, min(MIN_FIT_SCALE, view_width / network_width))


# --- how things look -------------------------------------------------------------------------


def weight_codes(values: np.ndarray, scale: float) -> np.ndarray:
    """One look per weight: ``LEVELS`` magnitude steps, plus ``LEVELS`` when w ≥ 0.

    ``scale`` is the |w| drawn thickest (see :class:`LayerScale`). Two weights with the same
    code are drawn the same, so a frame restyles only the lines whose code changed.
    """
    level = np.rint(np.clip(np.abs(values) / scale, 0, 1) * (LEVELS - 1)).astype(np.int64)
    return np.where(values >= 0, LEVELS, 0) + level


def code_look(code: int) -> tuple[bool, int, float]:
    """(positive, alpha 0–255, width) of a weight line of look ``code``."""
    frac = (code % LEVELS) / (LEVELS - 1)
    return (
        code >= LEVELS,
        int(MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * frac),
        MIN_LINE + (MAX_LINE - MIN_LINE) * frac,
    )


class LayerScale:
    """The |w| drawn thickest in each layer: its largest weight, with some hysteresis.

    Following the maximum exactly would restyle (and re-rasterise) every line of the layer
    whenever the largest weight moves a little; keeping the scale until the maximum leaves
    [70 %, 100 %] of it changes only the lines whose own weight moved.
    """

    def __init__(self) -> None:
        self._scales: dict[str, float] = {}

    def clear(self) -> None:
        """Forget every layer's scale: the next values set it exactly."""
        self._scales.clear()

    def __call__(self, node_id: str, values: np.ndarray) -> float:
        top = float(np.abs(values).max()) if len(values) else 0.0
        if not math.isfinite(top) or top <= 0:
            top = 1.0
        scale = self._scales.get(node_id)
        if scale is None or top > scale or top < SCALE_HYSTERESIS * scale:
            scale = top
            self._scales[node_id] = scale
        return scale


def bias_ring(bias: float, scale: float) -> tuple[bool, float] | None:
    """(positive, width) of a bias ring, scaled by the layer's largest |b| ``scale``.

    None when the layer's biases are all (nearly) zero or not finite: a plain grey ring.
    """
    if scale <= 1e-12 or not math.isfinite(scale):
        return None
    frac = min(1.0, abs(float(bias)) / scale)
    return bias >= 0, MIN_RING + (MAX_RING - MIN_RING) * frac


def diverging_rgb(t: np.ndarray, positive: Sequence[int], negative: Sequence[int]) -> np.ndarray:
    """RGB (float) for ``t`` in [−1, 1]: ``negative`` ← white → ``positive``; NaN is white."""
    t = np.clip(np.nan_to_num(t, nan=0.0), -1.0, 1.0)[..., None]
    white = np.float32(255.0)
    side = np.where(
        t >= 0, np.asarray(positive, dtype=np.float32), np.asarray(negative, dtype=np.float32)
    )
    return white + (side - white) * np.abs(t)


def heatmap_rgba(maps: np.ndarray, positive: Sequence[int], negative: Sequence[int]) -> np.ndarray:
    """RGBA pixels ``[units, rows, cols, 4]`` of maps ``[units, rows(y up), cols(x)]``.

    Each map is scaled by its own largest |a|, so a quiet unit still shows its shape; image
    rows go down where y goes up, so the rows are flipped.
    """
    maps = np.asarray(maps, dtype=np.float32)
    scale = np.abs(maps).reshape(len(maps), -1).max(axis=1)
    scale[~np.isfinite(scale) | (scale < 1e-12)] = 1.0
    rgb = diverging_rgb(maps / scale[:, None, None], positive, negative)[:, ::-1]
    units, rows, cols = maps.shape
    rgba = np.empty((units, rows, cols, 4), dtype=np.uint8)
    rgba[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    return rgba

"""Automatic left-to-right arrangement of a drawing (the canvas's "Auto layout").

A Sugiyama-style layered layout, small enough to read in one sitting:

1. break cycles (a drawing loaded from a file may contain one) by ignoring DFS back edges;
2. put every node in the column of its longest path from a source (inputs on the left);
3. add invisible "dummy" nodes where an edge skips columns, so skip connections get a lane
   of their own instead of running through the cards they jump over;
4. order each column by barycentre sweeps, keeping the order with the fewest crossings;
5. give each column vertical positions close to the mean of its neighbours while keeping
   cards apart (isotonic regression, so branches fan out symmetrically).

Nodes without any connection go in an extra column on the right. The result depends only on
the graph's node and edge order, so the same drawing always gets the same layout.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnstudio.core.network.graph import Graph

#: Sweeps of the crossing-reduction and coordinate phases (each is cheap; more rarely helps).
_ORDER_SWEEPS = 8
_COORD_SWEEPS = 16
#: Vertical separation, as a fraction of ``y_step``, when one or both neighbours are dummies.
_DUMMY_SEP = 0.6
_DUMMY_DUMMY_SEP = 0.35
#: How much harder a long edge's lane resists being pushed than an ordinary card.
_LANE_WEIGHT = 8.0
_GRID = 10.0

Vertex = Hashable


def layered_layout(
    graph: Graph, *, x_step: float = 230.0, y_step: float = 140.0
) -> dict[str, tuple[float, float]]:
    """Positions (top-left of each card) for every node: first column at x = 0, top card at y = 0.

    Parameters
    ----------
    graph
        The drawing; only its nodes and edges are read.
    x_step, y_step
        Distance between columns and between neighbouring cards in one column.
    """
    ids = list(graph.nodes)
    if not ids:
        return {}
    rank = {nid: i for i, nid in enumerate(ids)}
    succ: dict[str, list[str]] = {nid: [] for nid in ids}
    pred: dict[str, list[str]] = {nid: [] for nid in ids}
    for edge in graph.edges:
        s, t = edge.source, edge.target
        if s in succ and t in succ and s != t and t not in succ[s]:
            succ[s].append(t)
            pred[t].append(s)

    connected = [nid for nid in ids if succ[nid] or pred[nid]]
    isolated = [nid for nid in ids if not (succ[nid] or pred[nid])]

    dag = _acyclic_edges(connected, succ)
    layer = _longest_path_layers(connected, dag)
    layers, up, down = _with_dummies(connected, dag, layer, rank)
    _order_layers(layers, up, down)
    ys = _assign_y(layers, up, down, y_step)

    positions: dict[str, tuple[float, float]] = {}
    for col, vertices in enumerate(layers):
        for v in vertices:
            if not _is_dummy(v):
                positions[v] = (col * x_step, ys[v])
    if positions:
        top = min(y for _, y in positions.values())
        positions = {nid: (x, y - top) for nid, (x, y) in positions.items()}
    extra_col = len(layers) if connected else 0
    for i, nid in enumerate(isolated):
        positions[nid] = (extra_col * x_step, i * y_step)
    return {nid: (_snap(positions[nid][0]), _snap(positions[nid][1])) for nid in ids}


def count_crossings(graph: Graph, positions: dict[str, tuple[float, float]]) -> int:
    """Edge crossings between straight edges of adjacent columns (for tests and tuning)."""
    by_pair: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for e in graph.edges:
        (x1, y1), (x2, y2) = positions[e.source], positions[e.target]
        by_pair.setdefault((x1, x2), []).append((y1, y2))
    total = 0
    for segments in by_pair.values():
        for i, (a1, a2) in enumerate(segments):
            for b1, b2 in segments[i + 1 :]:
                if (a1 - b1) * (a2 - b2) < 0:
                    total += 1
    return total


# --- phases ------------------------------------------------------------------------------


def _acyclic_edges(nodes: list[str], succ: dict[str, list[str]]) -> dict[str, list[str]]:
    """Successor lists without the DFS back edges: what is left is a DAG."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    dag: dict[str, list[str]] = {nid: [] for nid in nodes}
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                mark = state.get(child)
                if mark == 1:
                    continue  # back edge: closes a loop, ignore it for layout
                dag[node].append(child)
                if mark is None:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return dag


def _longest_path_layers(nodes: list[str], dag: dict[str, list[str]]) -> dict[str, int]:
    indegree = {nid: 0 for nid in nodes}
    for nid in nodes:
        for t in dag[nid]:
            indegree[t] += 1
    layer = {nid: 0 for nid in nodes}
    queue = [nid for nid in nodes if indegree[nid] == 0]
    head = 0
    while head < len(queue):
        nid = queue[head]
        head += 1
        for t in dag[nid]:
            layer[t] = max(layer[t], layer[nid] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return layer


def _with_dummies(
    nodes: list[str],
    dag: dict[str, list[str]],
    layer: dict[str, int],
    rank: dict[str, int],
) -> tuple[list[list[Vertex]], dict[Vertex, list[Vertex]], dict[Vertex, list[Vertex]]]:
    """Columns of vertices (node ids and dummy tuples) and their links between columns."""
    n_layers = max(layer.values(), default=-1) + 1
    layers: list[list[Vertex]] = [[] for _ in range(n_layers)]
    up: dict[Vertex, list[Vertex]] = {}
    down: dict[Vertex, list[Vertex]] = {}
    for nid in sorted(nodes, key=rank.__getitem__):
        layers[layer[nid]].append(nid)
        up.setdefault(nid, [])
        down.setdefault(nid, [])
    for s in sorted(nodes, key=rank.__getitem__):
        for t in dag[s]:
            previous: Vertex = s
            for col in range(layer[s] + 1, layer[t]):
                dummy = ("dummy", s, t, col)
                layers[col].append(dummy)
                up[dummy] = [previous]
                down[dummy] = []
                down[previous].append(dummy)
                previous = dummy
            down[previous].append(t)
            up[t].append(previous)
    return layers, up, down


def _order_layers(
    layers: list[list[Vertex]], up: dict[Vertex, list[Vertex]], down: dict[Vertex, list[Vertex]]
) -> None:
    """Barycentre sweeps in place; keeps the ordering with the fewest crossings seen."""
    best = [list(col) for col in layers]
    best_crossings = _crossings(layers, down)
    for sweep in range(_ORDER_SWEEPS):
        if best_crossings == 0:
            break
        downward = sweep % 2 == 0
        cols = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for col in cols:
            ref = layers[col - 1] if downward else layers[col + 1]
            where = {v: i for i, v in enumerate(ref)}
            links = up if downward else down
            current = {v: i for i, v in enumerate(layers[col])}

            def key(v: Vertex, where=where, links=links, current=current) -> tuple[float, int]:
                ns = [where[n] for n in links[v] if n in where]
                return (sum(ns) / len(ns) if ns else float(current[v]), current[v])

            layers[col].sort(key=key)
        crossings = _crossings(layers, down)
        if crossings < best_crossings:
            best_crossings = crossings
            best = [list(col) for col in layers]
    layers[:] = best


def _crossings(layers: list[list[Vertex]], down: dict[Vertex, list[Vertex]]) -> int:
    total = 0
    for col in range(len(layers) - 1):
        where = {v: i for i, v in enumerate(layers[col + 1])}
        segments = [(i, where[t]) for i, v in enumerate(layers[col]) for t in down[v] if t in where]
        for a in range(len(segments)):
            a1, a2 = segments[a]
            for b1, b2 in segments[a + 1 :]:
                if (a1 - b1) * (a2 - b2) < 0:
                    total += 1
    return total


def _assign_y(
    layers: list[list[Vertex]],
    up: dict[Vertex, list[Vertex]],
    down: dict[Vertex, list[Vertex]],
    y_step: float,
) -> dict[Vertex, float]:
    """Vertical positions: near the neighbours' mean, never closer than the separation.

    Edges are drawn as one curve from end to end, so a skip connection stays clear of the
    cards it jumps over only if it runs straight: the dummies of a long edge move together
    (towards the mean of the whole lane, its two ends included) and the ends sit on the lane.
    """
    chains: dict[Vertex, list[Vertex]] = {}
    lanes_of: dict[Vertex, list[Vertex]] = {}
    for col in layers:
        for v in col:
            if _is_dummy(v):
                key = v[1:3]  # (source, target)
                if key not in chains:
                    chains[key] = [v[1], v[2]]
                    lanes_of.setdefault(v[1], []).append(key)
                    lanes_of.setdefault(v[2], []).append(key)
                chains[key].append(v)
    y: dict[Vertex, float] = {}
    col_offsets = [_offsets(col, y_step) for col in layers]
    for col, offsets in zip(layers, col_offsets, strict=True):
        mid = offsets[-1] / 2 if offsets else 0.0
        for v, off in zip(col, offsets, strict=True):
            y[v] = off - mid

    def lane_y(key: Vertex) -> float:
        members = chains[key]
        return sum(y[m] for m in members) / len(members)

    for sweep in range(_COORD_SWEEPS):
        downward = sweep % 2 == 0
        cols = range(len(layers)) if downward else range(len(layers) - 1, -1, -1)
        for c in cols:
            col = layers[c]
            desired, weights = [], []
            for v in col:
                if _is_dummy(v):
                    desired.append(lane_y(v[1:3]))
                    weights.append(_LANE_WEIGHT)
                    continue
                weights.append(1.0)
                if v in lanes_of:  # the end of a skip connection sits on its lane
                    keys = lanes_of[v]
                    desired.append(sum(lane_y(k) for k in keys) / len(keys))
                    continue
                ns = (up if downward else down)[v] or (down if downward else up)[v]
                desired.append(sum(y[n] for n in ns) / len(ns) if ns else y[v])
            fitted = _separate(desired, col_offsets[c], weights)
            for v, value in zip(col, fitted, strict=True):
                y[v] = value
    return y


def _is_dummy(v: Vertex) -> bool:
    return isinstance(v, tuple)


def _offsets(col: list[Vertex], y_step: float) -> list[float]:
    """Cumulative minimum distances from the first vertex of a column."""
    out = [0.0] * len(col)
    for i in range(1, len(col)):
        dummies = _is_dummy(col[i - 1]) + _is_dummy(col[i])
        sep = (1.0, _DUMMY_SEP, _DUMMY_DUMMY_SEP)[dummies] * y_step
        out[i] = out[i - 1] + sep
    return out


def _separate(desired: list[float], offsets: list[float], weights: list[float]) -> list[float]:
    """Weighted least-squares positions in the given order, at least the separations apart.

    Subtracting the offsets turns "y[i+1] - y[i] >= sep" into "z is non-decreasing", which
    pool-adjacent-violators solves exactly.
    """
    blocks: list[list[float]] = []  # [mean, weight, count]
    for z, w in zip((d - o for d, o in zip(desired, offsets, strict=True)), weights, strict=True):
        blocks.append([z, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    z_fit: list[float] = []
    for mean, _, count in blocks:
        z_fit.extend([mean] * int(count))
    return [z + o for z, o in zip(z_fit, offsets, strict=True)]


def _snap(value: float) -> float:
    return float(round(value / _GRID) * _GRID) + 0.0


__all__ = ["count_crossings", "layered_layout"]

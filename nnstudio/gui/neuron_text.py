"""What the neuron view says, composed without Qt: hover read-outs, ranges, captions, notes.

Every sentence of :mod:`nnstudio.gui.neuron_view` is written here from plain data (the
:class:`~nnstudio.gui.neuron_topology.Topology`, a
:class:`~nnstudio.core.training.probes.WeightsFrame`, the reference input), so the wording can
be tested without a window and the view only places the text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnstudio.core.training.probes import WeightsFrame
from nnstudio.gui.neuron_topology import MAX_UNITS, Topology
from nnstudio.i18n import N_, _, tr

__all__ = [
    "HOVER_HINT",
    "READOUT_SEPARATOR",
    "big_network_note",
    "caption_text",
    "format_value",
    "legend_html",
    "map_range_text",
    "neuron_text",
    "problem_note",
    "readout_line",
    "run_started_text",
    "sample_description",
    "shortened_readout",
    "unit_name",
    "vector_text",
    "weight_text",
]

#: Separator of the read-out's parts (the hover text's lines) below the drawing.
READOUT_SEPARATOR = "  ·  "
#: What the read-out says while nothing is hovered (translated where it is shown).
HOVER_HINT = N_("Hover a neuron or a weight to read its values.")


def format_value(value: float) -> str:
    """Four significant digits with a real minus sign (what hover texts show)."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    text = f"{float(value):.4g}"
    return text.replace("-", "−")


def vector_text(values: Sequence[float], limit: int = 6) -> str:
    """ "[0.31, −1.2, …]": the first ``limit`` values of an input row."""
    items = [format_value(float(v)) for v in list(values)[:limit]]
    more = ", …" if len(values) > limit else ""
    return "[" + ", ".join(items) + more + "]"


def readout_line(text: str) -> str:
    """A hover text (one part per line) as the one-line read-out below the drawing."""
    return text.replace("\n", READOUT_SEPARATOR)


def shortened_readout(text: str, width_of: Callable[[str], float], room: float) -> str | None:
    """The longest start of read-out ``text``, cut only between parts, that fits ``room``.

    ``width_of`` measures a text (a font's advance). ``text`` itself when it fits; a start of
    its parts ending in "…" otherwise; None when not even the first part fits (the caller
    elides it mid-text, as a last resort).
    """
    if width_of(text) <= room:
        return text
    parts = text.split(READOUT_SEPARATOR)
    for keep in range(len(parts) - 1, 0, -1):
        shorter = READOUT_SEPARATOR.join([*parts[:keep], "…"])
        if width_of(shorter) <= room:
            return shorter
    return None


def sample_description(prepared: Any) -> str:
    """ "for validation row 1: x = [0.31, −1.2]" (what the read-outs refer to)."""
    if prepared is None:
        return _("no data loaded: z and a need an input row")
    for text, x in (
        (N_("for validation row 1: x = {x}"), prepared.x_val),
        (N_("for training row 1: x = {x}"), prepared.x_train),
    ):
        if len(x):
            return _(text).format(x=vector_text(x[0]))
    return _("the dataset has no rows")


def unit_name(topology: Topology, column: int, unit: int) -> str:
    """ "input x1", "dense_2 unit 3 (setosa)": a circle as the read-outs name it."""
    col = topology.columns[column]
    if column == 0:
        name = col.labels[unit] if unit < len(col.labels) else f"x{unit + 1}"
        return _("input {name}").format(name=name)
    if unit < len(col.labels):
        return _("{layer} unit {number} ({label})").format(
            layer=col.title, number=unit + 1, label=col.labels[unit]
        )
    return _("{layer} unit {number}").format(layer=col.title, number=unit + 1)


def neuron_text(
    topology: Topology,
    frame: WeightsFrame | None,
    column: int,
    unit: int,
    x: Sequence[float] | None,
    where: str,
) -> str:
    """What hovering a neuron reads out: its name, z, a and bias for the reference input.

    ``x`` is the reference input row (None without data); ``where`` says which row it is
    (:func:`sample_description`).
    """
    col = topology.columns[column]
    if column == 0:
        value = format_value(float(x[unit])) if x is not None else "—"
        return f"{unit_name(topology, 0, unit)}\nx = {value}  ({where})"
    lines = [unit_name(topology, column, unit)]
    values = (frame.sample or {}).get(col.node_id) if frame is not None else None
    if values is not None:
        z = float(values["z"][unit])
        a = float(values["a"][unit])
        lines.append(f"z = w·x + b = {format_value(z)}")
        lines.append(f"a = {col.activation or 'f'}(z) = {format_value(a)}")
    if frame is not None:
        bias = frame.biases.get(col.node_id)
        lines.append(
            _("bias b = {value}").format(value=format_value(float(bias[unit])))
            if bias is not None
            else _("no bias")
        )
    lines.append(where)
    return "\n".join(lines)


def weight_text(
    topology: Topology,
    frame: WeightsFrame | None,
    node_id: str,
    out_unit: int,
    in_unit: int,
    source: tuple[int, int],
) -> str:
    """What hovering a weight reads out: the two circles it joins, and its value.

    ``source`` is the (column, unit) circle the weight's input comes from.
    """
    column = next(c for c, col in enumerate(topology.columns) if col.node_id == node_id)
    text = _("weight from {source} to {target}").format(
        source=unit_name(topology, *source), target=unit_name(topology, column, out_unit)
    )
    if frame is not None and node_id in frame.weights:
        value = float(frame.weights[node_id][out_unit, in_unit])
        text += f"\nw = {format_value(value)}"
    return text


def map_range_text(
    topology: Topology | None, frame: WeightsFrame | None, column: int, unit: int
) -> str:
    """What a neuron's heat map spans: "a from −0.8 to 2.1" (or why it is blank)."""
    if frame is None or topology is None or frame.grid is None:
        return ""
    if column == 0:
        g = frame.grid
        lo, hi = (g.x_min, g.x_max) if unit == 0 else (g.y_min, g.y_max)
        return _("x from {low} to {high}").format(low=format_value(lo), high=format_value(hi))
    maps = frame.maps.get(topology.columns[column].node_id)
    if maps is None or unit >= len(maps):
        return ""
    values = maps[unit]
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if max(abs(lo), abs(hi)) < 1e-12:
        return _("a = 0 everywhere (a dead unit)")
    return _("a from {low} to {high}").format(low=format_value(lo), high=format_value(hi))


def caption_text(source: str, topology: Topology | None) -> str:
    """The line above the drawing: where the weights come from, and any unit limit."""
    limit = (
        "  ·  " + _("first {count} units of each layer").format(count=topology.limit)
        if topology is not None and topology.limit
        else ""
    )
    return source + limit


def legend_html(maps: bool, positive: str, negative: str) -> str:
    """The legend below the drawing; ``positive``/``negative`` are the weight colours."""
    fill = (
        _("fill = the neuron's output over the input plane")
        if maps
        else _("fill = activation a for the reference input")
    )
    colours = _("{positive} positive {negative} negative weight").format(
        positive=f"<span style='color:{positive}'>━━</span>",
        negative=f"<span style='color:{negative}'>━━</span>",
    )
    parts = (colours, _("thickness = |w| (per layer)"), _("ring = bias"), fill)
    return " &nbsp;·&nbsp; ".join(parts)


def big_network_note(topology: Topology) -> str:
    """Why a network is not drawn, and what can be drawn of it instead."""
    widest = max(topology.columns, key=lambda c: c.units)
    return _(
        "This network is too big to draw every neuron: {layer} has {units:,} units, and the "
        "drawing stays readable up to {limit} per layer.\nYou can still watch the first units "
        "of each layer and their weights."
    ).format(layer=widest.title, units=widest.units, limit=MAX_UNITS)


def problem_note(analysis: Any) -> str:
    """What the view says instead of a drawing while the network has errors."""
    problem = tr(analysis.errors[0].message) if analysis is not None and analysis.errors else ""
    note = _("Fix the network's problems to see its neurons.")
    return note + (f"\n\n{problem}" if problem else "")


def run_started_text(sending: bool) -> str:
    """The caption when a run starts: whether it will send weights to watch."""
    if sending:
        return _("Training: waiting for the first weights…")
    return _(
        "This run started with the view hidden, so it sends no weights: "
        "keep this tab open when you press Train to watch them change."
    )

"""How much memory a network will take, worked out from the drawing before anything is built.

A layer of 100,000 units after another of 100,000 holds ten billion weights (40 GB), and a
chain of Concat layers doubles its width at every step; torch would try to allocate either
and the machine would swap, or the process would die, long after ``validate`` said "OK". So
the analysis estimates, by formula and in time linear in the graph, the memory a run needs
and reports a network above this computer's limit as an error naming the layer that takes
most of it. Validation, ``train``/``step``/``export`` (they build through the analysis) and
the window's Train button all refuse through that one problem.

The estimate is deliberately rough and on the generous side of real use: every parameter is
counted four times (the weight, its gradient and up to two optimiser buffers, as Adam keeps)
and every activation of a batch three times (the value kept for backpropagation, its
gradient and one intermediate such as a Dense layer's z), at four bytes a number.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nnstudio.core.catalogue.layers import count_params
from nnstudio.core.network.graph import Graph
from nnstudio.i18n import N_, Text

BYTES_PER_NUMBER = 4
#: Weight, gradient and two optimiser buffers (Adam's moments) per trained parameter.
COPIES_PER_PARAMETER = 4
#: A frozen parameter is only read.
COPIES_PER_FROZEN_PARAMETER = 1
#: Value kept for backpropagation, its gradient, one intermediate (a Dense layer's z).
COPIES_PER_ACTIVATION = 3
#: Share of the physical memory one network may take: the rest is the system's, the data's
#: and the window's.
DEFAULT_FRACTION = 0.5
#: Used when the physical memory cannot be read (a platform without ``sysconf``).
FALLBACK_LIMIT = 4 * 1024**3
#: Overrides the limit, in bytes or with a unit (``NNSTUDIO_MEMORY_LIMIT=2G``): for tests, and
#: for a teacher who knows the machine better than the formula.
LIMIT_VARIABLE = "NNSTUDIO_MEMORY_LIMIT"
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


class LimitSettingError(ValueError):
    """``NNSTUDIO_MEMORY_LIMIT`` holds something that is not a size."""


def physical_memory() -> int | None:
    """Bytes of physical memory, or None when the platform does not say."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    if pages <= 0 or page_size <= 0:
        return None
    return int(pages) * int(page_size)


def parse_size(text: str) -> int:
    """``"2G"``, ``"512M"``, ``"1.5GB"`` or a number of bytes → bytes (LimitSettingError)."""
    match = _SIZE.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise LimitSettingError(text)
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def memory_limit(environ: Mapping[str, str] | None = None) -> int:
    """The most memory one network may need on this computer, in bytes.

    ``NNSTUDIO_MEMORY_LIMIT`` when set (LimitSettingError if it is not a size), else half of
    the physical memory.
    """
    environ = os.environ if environ is None else environ
    setting = environ.get(LIMIT_VARIABLE, "").strip()
    if setting:
        return parse_size(setting)
    physical = physical_memory()
    return int(physical * DEFAULT_FRACTION) if physical else FALLBACK_LIMIT


@dataclass(frozen=True)
class LayerMemory:
    """One layer's share of the estimate."""

    node_id: str
    parameters: int
    parameter_bytes: int
    activation_bytes: int

    @property
    def total(self) -> int:
        return self.parameter_bytes + self.activation_bytes


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated bytes a training run of a network needs, layer by layer."""

    layers: tuple[LayerMemory, ...]
    batch_rows: int

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers)

    @property
    def largest(self) -> LayerMemory | None:
        return max(self.layers, key=lambda layer: layer.total, default=None)


def estimate_memory(
    graph: Graph,
    order: Sequence[str],
    sizes: Mapping[str, int],
    inputs_of: Mapping[str, Iterable[str]],
    batch_rows: int | None,
) -> MemoryEstimate:
    """The memory a run needs, by formula (nothing is allocated); linear in the graph.

    ``batch_rows`` is the number of rows in one batch (None: unknown, counted as one row, so
    only the weights matter).
    """
    rows = max(1, batch_rows or 1)
    layers = []
    for nid in order:
        node = graph.nodes[nid]
        width = sizes[nid]
        count = count_params(node.type, node.params, [sizes[s] for s in inputs_of[nid]], width)
        copies = COPIES_PER_PARAMETER if node.trainable else COPIES_PER_FROZEN_PARAMETER
        layers.append(
            LayerMemory(
                node_id=nid,
                parameters=count,
                parameter_bytes=count * BYTES_PER_NUMBER * copies,
                activation_bytes=rows * width * BYTES_PER_NUMBER * COPIES_PER_ACTIVATION,
            )
        )
    return MemoryEstimate(tuple(layers), rows)


def format_bytes(size: int) -> str:
    """``42.0 GB``: binary units up to TB, then TB with an exponent (a Concat chain's width)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB" if value < 10_000 else f"{value:.3g} TB"


def too_large_message(graph: Graph, estimate: MemoryEstimate, limit: int) -> Text | None:
    """Why the network does not fit this computer, naming the layer that takes most (or None).

    English :class:`~nnstudio.i18n.Text`, starting with the layer's name as every problem
    about one layer does.
    """
    total = estimate.total
    largest = estimate.largest
    if total <= limit or largest is None:
        return None
    node = graph.nodes[largest.node_id]
    width = estimate_width(estimate, largest.node_id)
    if largest.parameter_bytes >= largest.activation_bytes:
        template = N_(
            "{name}: the network needs about {total} of memory to train, more than the {limit} "
            "this computer allows; this layer's {count:,} weights take {part} (with their "
            "gradients and optimiser state). Use fewer units"
        )
    else:
        template = N_(
            "{name}: the network needs about {total} of memory to train, more than the {limit} "
            "this computer allows; this layer's {width:,} values per row take {part} for a batch "
            "of {rows:,} rows. Use fewer units, fewer Concat inputs or a smaller batch"
        )
    return Text(
        template,
        name=node.name,
        total=format_bytes(total),
        limit=format_bytes(limit),
        count=largest.parameters,
        part=format_bytes(largest.total),
        width=width,
        rows=estimate.batch_rows,
    )


def estimate_width(estimate: MemoryEstimate, node_id: str) -> int:
    """The width (values per row) a layer's activation estimate stands for."""
    for layer in estimate.layers:
        if layer.node_id == node_id:
            per_row = BYTES_PER_NUMBER * COPIES_PER_ACTIVATION * estimate.batch_rows
            return layer.activation_bytes // per_row
    return 0


__all__ = [
    "LIMIT_VARIABLE",
    "LayerMemory",
    "LimitSettingError",
    "MemoryEstimate",
    "estimate_memory",
    "format_bytes",
    "memory_limit",
    "parse_size",
    "physical_memory",
    "too_large_message",
]

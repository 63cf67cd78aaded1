"""The backprop lesson's names and chain-rule paths, read out of a :class:`StepReport`.

The lesson numbers the weights w1, w2, … row by row through the layers, calls the units
h1, h2 (hidden) and o1, o2 (output), and derives each gradient as a product of factors:
∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5, and for a hidden weight such as w1
a *sum over the paths* through every unit of the next layer. The step text and the lab's
backprop view both need exactly these names and factors, so they are computed here, once,
from the report :func:`~nnstudio.core.lessons.backprop.inspect_step` made — the view then
shows the same digits as ``nnstudio step``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.lessons.backprop import LayerStep, StepReport

#: Networks with at most this many weights get the lesson's names (w1, w2, …, b_h1).
SMALL_NET_WEIGHTS = 64

__all__ = [
    "SMALL_NET_WEIGHTS",
    "ChainPath",
    "Factor",
    "ParamRef",
    "ParamTable",
    "WeightChain",
    "dense_layers",
    "first_weight_numbers",
    "numeric_gradients",
    "param_refs",
    "plain_sgd",
    "refs_by_key",
    "slope_form",
    "slope_numbers",
    "unit_prefixes",
    "weight_chain",
]


@dataclass(frozen=True)
class ParamRef:
    """One parameter element: where it lives and what the lesson calls it."""

    node_id: str
    param: str  #: "weight", "bias", …
    index: tuple[int, ...]
    label: str  #: ``<layer name>.<param>`` as in the report and its gradient check
    name: str  #: "w5", "b_o1" (small networks) or "dense_2.weight[0, 1]"
    before: float
    grad: float | None
    after: float
    trainable: bool


@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product: its symbol, value, and how it is worked out."""

    symbol: str  #: "∂out_o1/∂net_o1"
    value: float
    #: The factor as a formula of values the student already has ("out_o1·(1 − out_o1)"),
    #: or "" when it is read off directly.
    form: str = ""
    #: ``form`` with the numbers put in ("0.751365 × (1 − 0.751365)"), or "".
    numbers: str = ""


@dataclass(frozen=True)
class ChainPath:
    """One path from the weight to the loss: the product of its factors."""

    via: str  #: the unit of the next layer it goes through ("o1"), "" for a direct path
    factors: list[Factor]
    value: float


@dataclass
class WeightChain:
    """A weight's or bias's gradient as the lesson derives it, beside autograd's."""

    ref: ParamRef
    unit: str  #: the unit the parameter feeds ("h1")
    paths: list[ChainPath] = field(default_factory=list)
    #: Σ over the paths (plus λ·sign(w) with an L1 penalty).
    rebuilt: float = 0.0
    l1_term: float = 0.0

    @property
    def autograd(self) -> float | None:
        return self.ref.grad


def dense_layers(report: StepReport) -> list[LayerStep]:
    """The Dense layers, in order: the ones the lesson numbers."""
    return [layer for layer in report.layers if layer.chain is not None]


def unit_prefixes(report: StepReport) -> dict[str, str]:
    """Lesson-style unit prefixes: o for the output layer, h for hidden Dense layers."""
    dense = dense_layers(report)
    hidden = [layer for layer in dense if not layer.is_output]
    names = {}
    for layer in dense:
        if layer.is_output:
            names[layer.node_id] = "o"
        elif len(hidden) == 1:
            names[layer.node_id] = "h"
        else:
            names[layer.node_id] = f"h{hidden.index(layer) + 1}_"
    return names


def first_weight_numbers(report: StepReport) -> dict[str, int]:
    """The lesson number of each Dense layer's first weight: w1, w2, … row by row."""
    first: dict[str, int] = {}
    count = 1
    for layer in dense_layers(report):
        first[layer.node_id] = count
        count += layer.chain.grad_weight.numel() if layer.chain else 0
    return first


def _small(report: StepReport) -> bool:
    n = sum(layer.chain.grad_weight.numel() for layer in dense_layers(report) if layer.chain)
    return n <= SMALL_NET_WEIGHTS


class ParamTable:
    """Every parameter element of a report, made into a :class:`ParamRef` only when asked.

    The phone network of the case study has over 200,000 weights: a table of them all
    must not build 200,000 objects up front, so this holds each tensor once (as flat
    lists) and answers by position or by (node id, param, index).
    """

    def __init__(self, report: StepReport) -> None:
        self._small = _small(report)
        self._prefix = unit_prefixes(report)
        self._first = first_weight_numbers(report)
        #: (layer node id, ParamStep, flat before, flat grad, flat after, start position)
        self._tensors: list[tuple[str, Any, list[float], list[float] | None, list[float], int]] = []
        self._by_key: dict[tuple[str, str], int] = {}
        count = 0
        for layer in report.layers:
            for ps in layer.params:
                grad = ps.grad.reshape(-1).tolist() if ps.grad is not None else None
                self._by_key[(layer.node_id, ps.param)] = len(self._tensors)
                self._tensors.append(
                    (
                        layer.node_id,
                        ps,
                        ps.before.reshape(-1).tolist(),
                        grad,
                        ps.after.reshape(-1).tolist(),
                        count,
                    )
                )
                count += ps.before.numel()
        self._starts = [t[5] for t in self._tensors]
        self._len = count

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, position: int) -> ParamRef:
        if not 0 <= position < self._len:
            raise IndexError(position)
        which = bisect_right(self._starts, position) - 1
        return self._ref(which, position - self._starts[which])

    def find(self, node_id: str, param: str, index: tuple[int, ...]) -> ParamRef | None:
        """The element ``index`` of ``param`` in layer ``node_id``, if there is one."""
        which = self._by_key.get((node_id, param))
        if which is None:
            return None
        shape = tuple(self._tensors[which][1].before.shape)
        if len(index) != len(shape) or not all(
            0 <= i < n for i, n in zip(index, shape, strict=True)
        ):
            return None
        flat = 0
        for i, n in zip(index, shape, strict=True):
            flat = flat * n + i
        return self._ref(which, flat)

    def position(self, ref: ParamRef) -> int:
        """Where ``ref`` stands in the table."""
        which = self._by_key[(ref.node_id, ref.param)]
        shape = tuple(self._tensors[which][1].before.shape)
        flat = 0
        for i, n in zip(ref.index, shape, strict=True):
            flat = flat * n + i
        return self._starts[which] + flat

    def _ref(self, which: int, i: int) -> ParamRef:
        node_id, ps, before, grad, after, _start = self._tensors[which]
        index = _unravel(i, tuple(ps.before.shape))
        if self._small and node_id in self._first and ps.param == "weight":
            name = f"w{self._first[node_id] + i}"
        elif self._small and node_id in self._prefix and ps.param == "bias":
            name = f"b_{self._prefix[node_id]}{i + 1}"
        else:
            name = f"{ps.label}[{', '.join(map(str, index))}]"
        return ParamRef(
            node_id=node_id,
            param=ps.param,
            index=index,
            label=ps.label,
            name=name,
            before=before[i],
            grad=None if grad is None else grad[i],
            after=after[i],
            trainable=ps.trainable,
        )


def param_refs(report: StepReport) -> list[ParamRef]:
    """Every parameter element, layer by layer (weights row by row, then biases)."""
    table = ParamTable(report)
    return [table[i] for i in range(len(table))]


def _unravel(i: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for size in reversed(shape):
        out.append(i % size)
        i //= size
    return tuple(reversed(out))


def numeric_gradients(report: StepReport) -> dict[tuple[str, tuple[int, ...]], float]:
    """The gradient check's central differences by (label, index); unchecked ones absent."""
    return {(e.label, e.index): e.numeric for e in report.grad_check.entries}


def plain_sgd(report: StepReport) -> bool:
    """Whether the update is the lesson's w ← w − lr·∂E/∂w (SGD, no momentum, no decay)."""
    settings = OPTIMIZERS.normalize(report.optimizer_settings)
    return (
        report.optimizer_name == "sgd"
        and report.optimizer_state == "fresh"
        and not settings.get("momentum")
        and not settings.get("weight_decay")
    )


def slope_form(activation: str | None, unit: str) -> str:
    """∂out/∂net written with out itself, as the lesson does: out·(1 − out) for sigmoid."""
    if activation == "sigmoid":
        return f"out_{unit}·(1 − out_{unit})"
    if activation == "tanh":
        return f"1 − out_{unit}²"
    return ""


def slope_numbers(activation: str | None, out: str) -> str:
    """:func:`slope_form` with the output's value ``out`` (already written) put in."""
    if activation == "sigmoid":
        return f"{out} × (1 − {out})"
    if activation == "tanh":
        return f"1 − {out}²"
    return ""


def _input_name(report: StepReport, layer: LayerStep, k: int) -> str:
    """What feeds input ``k`` of ``layer``: out_h2 from a Dense layer, i3 from the input."""
    prefix = unit_prefixes(report)
    source = layer.sources[0] if len(layer.sources) == 1 else ""
    if source in prefix:
        return f"out_{prefix[source]}{k + 1}"
    return f"i{k + 1}"


def weight_chain(
    report: StepReport, ref: ParamRef, fmt: Callable[[float], str] | None = None
) -> WeightChain | None:
    """The chain-rule paths of one Dense weight or bias, for a one-sample report.

    An output weight has one path: ∂E/∂out · ∂out/∂net · ∂net/∂w. A hidden weight whose
    layer feeds exactly one Dense layer has one path through every unit of that layer
    (∂E/∂out_o1 · ∂out_o1/∂net_o1 · w5 · ∂out_h1/∂net_h1 · i1, …) and its gradient is their
    sum; deeper layers start each path at that unit's ∂E/∂net. ``fmt`` writes the numbers
    inside the factors' forms (the caller's rounding, so the digits match its own).
    Returns None for parameters that are not a Dense weight or bias, or for a batch.
    """
    if len(report.rows) != 1 or ref.param not in ("weight", "bias"):
        return None
    by_id = {layer.node_id: layer for layer in report.layers}
    layer = by_id.get(ref.node_id)
    if layer is None or layer.chain is None:
        return None
    fmt = fmt or (lambda v: f"{v:.6f}")
    c = layer.chain
    prefix = unit_prefixes(report)
    first = first_weight_numbers(report)
    j = ref.index[0]
    unit = f"{prefix[layer.node_id]}{j + 1}"
    wname = ref.name if ref.name.startswith(("w", "b_")) and _small(report) else "w"
    if ref.param == "weight":
        k = ref.index[1]
        source = _input_name(report, layer, k)
        last = Factor(f"∂net_{unit}/∂{wname}", float(c.dz_dw[0, k]), source)
    else:
        last = Factor(f"∂net_{unit}/∂{wname}", 1.0)

    # Where ∂E/∂out of this unit comes from: the loss, or the units of one next layer.
    consumers = [lay for lay in report.layers if layer.node_id in lay.sources]
    nxt = consumers[0] if len(consumers) == 1 and consumers[0].chain is not None else None
    paths: list[ChainPath] = []
    if not c.elementwise:
        factors = [Factor(f"∂E/∂net_{unit}", float(c.dE_dz[0, j])), last]
        paths.append(ChainPath("", factors, _product(factors)))
    else:
        slope = _slope(layer, unit, j, fmt)
        if layer.is_output or nxt is None:
            factors = [_dE_dout(report, layer, unit, j, fmt), slope, last]
            paths.append(ChainPath("", factors, _product(factors)))
        else:
            n = nxt.chain
            assert n is not None
            q = prefix[nxt.node_id]
            weight = next(pp for pp in nxt.params if pp.param == "weight").before
            fan_in = n.dz_dw.shape[1]
            for kk in range(n.dE_dz.shape[1]):
                via = f"{q}{kk + 1}"
                w_index = first[nxt.node_id] + kk * fan_in + j
                w_sym = f"w{w_index}" if _small(report) else f"{nxt.name}.weight[{kk}, {j}]"
                link = Factor(f"∂net_{via}/∂out_{unit}", float(weight[kk, j]), w_sym)
                if nxt.is_output and n.elementwise:
                    head = [
                        _dE_dout(report, nxt, via, kk, fmt),
                        _slope(nxt, via, kk, fmt),
                    ]
                else:
                    head = [Factor(f"∂E/∂net_{via}", float(n.dE_dz[0, kk]))]
                factors = [*head, link, slope, last]
                paths.append(ChainPath(via, factors, _product(factors)))
    total = sum(p.value for p in paths)
    l1 = 0.0
    if c.l1_term and ref.param == "weight":
        l1 = report.l1 * (1.0 if ref.before > 0 else -1.0 if ref.before < 0 else 0.0)
    return WeightChain(ref, unit, paths, total + l1, l1)


def _slope(layer: LayerStep, unit: str, j: int, fmt: Callable[[float], str]) -> Factor:
    c = layer.chain
    assert c is not None
    out = float(layer.a[0, j])
    return Factor(
        f"∂out_{unit}/∂net_{unit}",
        float(c.da_dz[0, j]),
        slope_form(layer.activation, unit),
        slope_numbers(layer.activation, fmt(out)),
    )


def _dE_dout(
    report: StepReport, layer: LayerStep, unit: str, j: int, fmt: Callable[[float], str]
) -> Factor:
    c = layer.chain
    assert c is not None
    value = float(c.dE_da[0, j])
    y = report.y
    if (
        layer.is_output
        and report.loss_name == "half_sse"
        and y.is_floating_point()
        and y.numel() == c.dE_da.shape[1]
    ):
        out, target = float(layer.a[0, j]), float(y.reshape(-1)[j])
        shown = fmt(target)
        if target < 0:
            shown = f"({shown})"
        return Factor(
            f"∂E/∂out_{unit}", value, f"out_{unit} − target_{unit}", f"{fmt(out)} − {shown}"
        )
    return Factor(f"∂E/∂out_{unit}", value)


def _product(factors: list[Factor]) -> float:
    value = 1.0
    for f in factors:
        value *= f.value
    return value


def refs_by_key(refs: list[ParamRef]) -> Mapping[tuple[str, str, tuple[int, ...]], ParamRef]:
    """Parameter elements by (node id, param, index), for looking one up."""
    return {(r.node_id, r.param, r.index): r for r in refs}

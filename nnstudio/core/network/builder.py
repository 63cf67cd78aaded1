"""Graph → ``torch.nn.Module``, and the parameter summary the lessons print.

The module keeps one sub-module per node under ``layers.<node_id>`` so weights map one to one
to canvas nodes (project files store them as ``<node_id>.<param>``). Modules are created in
topological order right after ``torch.manual_seed(seed)``, which is what a hand-written
``nn.Module`` does, so a seeded NN Studio network starts from the same weights as the lesson's.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnstudio.core.catalogue.layers import LAYERS, ShapeContext, count_params
from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.errors import GraphError, ProjectError
from nnstudio.core.lazy import lazy_module
from nnstudio.core.network.analysis import Analysis, analyze
from nnstudio.core.network.graph import Graph
from nnstudio.core.safe_text import printable
from nnstudio.i18n import N_, Text, _

if TYPE_CHECKING:
    from nnstudio.core.network.graph_module import GraphModule

torch = lazy_module("torch", globals())
nn = lazy_module("torch.nn", globals())
graph_module = lazy_module("nnstudio.core.network.graph_module", globals())


@dataclass(frozen=True)
class SummaryRow:
    node_id: str
    name: str
    type: str
    output_shape: tuple[int, int]
    params: int
    trainable: bool


@dataclass(frozen=True)
class Summary:
    """The parameter table (torchsummary style) with totals."""

    rows: tuple[SummaryRow, ...]
    total_params: int
    trainable_params: int

    def to_dict(self) -> dict[str, object]:
        return {
            "layers": [
                {
                    "id": r.node_id,
                    "name": r.name,
                    "type": r.type,
                    "output_shape": list(r.output_shape),
                    "params": r.params,
                    "trainable": r.trainable,
                }
                for r in self.rows
            ],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
        }

    def table(self) -> str:
        """The table as text, in the current language (``nnstudio summary`` prints it)."""
        head = (
            _pad(_("Layer (type)"), 32)
            + _pad(_("Output shape"), 16, right=True)
            + _pad(_("Param #"), 12, right=True)
        )
        rule = "=" * _width(head)
        lines = [head, rule]
        for r in self.rows:
            # A layer name comes from the project: escaped, so it cannot drive the terminal.
            label = f"{printable(r.name)} ({r.type})" + ("" if r.trainable else " " + _("[frozen]"))
            lines.append(
                _pad(label, 32)
                + _pad(str(list(r.output_shape)), 16, right=True)
                + _pad(f"{r.params:,}", 12, right=True)
            )
        lines += [
            rule,
            _("Total params: {n:,}").format(n=self.total_params),
            _("Trainable params: {n:,}").format(n=self.trainable_params),
            _("Non-trainable params: {n:,}").format(n=self.total_params - self.trainable_params),
        ]
        return "\n".join(lines)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (like ``:<width``/``:>width``)."""
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def require_valid(graph: Graph, ctx: ShapeContext | None = None) -> Analysis:
    """Analyse and raise :class:`GraphError` naming the first blocking problem."""
    result = analyze(graph, ctx)
    if result.errors:
        first = result.errors[0]
        more = len(result.errors) - 1
        if not more:
            raise GraphError(first.message)
        template = (
            N_("{problem} (and {n} more problem)")
            if more == 1
            else N_("{problem} (and {n} more problems)")
        )
        raise GraphError(Text(template, problem=first.message, n=more))
    return result


def summarize(graph: Graph, ctx: ShapeContext | None = None, batch: int = -1) -> Summary:
    """Parameter table by formula; works for any valid graph without building it."""
    result = require_valid(graph, ctx)
    rows = []
    for nid in result.order:
        node = graph.nodes[nid]
        in_sizes = [result.sizes[s] for s in graph.inputs_of(nid)]
        n = result.sizes[nid]
        count = count_params(node.type, node.params, in_sizes, n)
        rows.append(SummaryRow(nid, node.name, node.type, (batch, n), count, node.trainable))
    total = sum(r.params for r in rows)
    trainable = sum(r.params for r in rows if r.trainable)
    return Summary(tuple(rows), total, trainable)


def build_model(
    graph: Graph, ctx: ShapeContext | None = None, *, seed: int | None = None
) -> GraphModule:
    """Build the torch module; frozen nodes get ``requires_grad=False`` parameters."""
    ctx = ctx or ShapeContext()
    result = require_valid(graph, ctx)
    if seed is not None:
        torch.manual_seed(seed)
    layers: dict[str, nn.Module] = {}
    sources = {nid: graph.inputs_of(nid) for nid in result.order}
    for nid in result.order:
        node = graph.nodes[nid]
        spec = LAYERS.get(node.type)
        in_sizes = [result.sizes[s] for s in sources[nid]]
        try:
            module = spec.build(node.params, in_sizes, result.sizes[nid], ctx)
        except ParamError as exc:
            raise GraphError(exc.message, where=node.name) from None
        for p in module.parameters():
            p.requires_grad_(node.trainable)
        layers[nid] = module
    assert result.output_id is not None
    activations = {
        nid: graph.nodes[nid].params["activation"]["name"]
        for nid in result.order
        if "activation" in graph.nodes[nid].params
    }
    return graph_module.GraphModule(
        layers, result.order, sources, result.output_id, result.input_ids, activations
    )


class TooLargeToCheck(GraphError):
    """A network that would have to be built for real to check shapes, and is too large."""


def build_shape_model(
    graph: Graph, ctx: ShapeContext | None = None, *, max_params: int = 50_000_000
) -> GraphModule:
    """The network with the right parameter shapes, at no memory cost where possible.

    Used to check saved weights against a network: it is built on torch's ``meta`` device, so
    a crafted size costs nothing. An initialiser that must read its values back (a single
    typed bias) cannot run on meta; then the network is built for real — without touching the
    global random state — if its size, counted by formula first, is at most ``max_params``
    (otherwise :class:`TooLargeToCheck`).
    """
    try:
        with torch.device("meta"):
            return build_model(graph, ctx)
    except RuntimeError:
        total = summarize(graph, ctx).total_params
        if total > max_params:
            raise TooLargeToCheck(Text(N_("the network has {n:,} parameters"), n=total)) from None
        with torch.random.fork_rng(devices=[]):
            return build_model(graph, ctx)


# --- weights by node ------------------------------------------------------------------------

#: Keys of a built module's ``state_dict`` start with this (its ``layers`` ModuleDict); saved
#: weights leave it out and are keyed ``<node_id>.<param>``.
LAYERS_PREFIX = "layers."


def model_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """``<node_id>.<param>`` → tensor, including buffers such as BatchNorm running stats."""
    return {
        k[len(LAYERS_PREFIX) :] if k.startswith(LAYERS_PREFIX) else k: v.detach().cpu().clone()
        for k, v in model.state_dict().items()
    }


def check_weights(
    model: torch.nn.Module, weights: Mapping[str, torch.Tensor], names: Mapping[str, str]
) -> None:
    """Refuse weights that do not fit the network exactly or hold NaN/inf.

    Only names, shapes and dtypes of ``model`` are read, so it may live on the meta device.
    """
    expected = {
        k[len(LAYERS_PREFIX) :] if k.startswith(LAYERS_PREFIX) else k: v
        for k, v in model.state_dict().items()
    }

    def label(key: str) -> str:
        node, _dot, param = key.partition(".")
        return f"{names.get(node, node)}.{param}" if param else repr(key)

    extra = [k for k in weights if k not in expected]
    if extra:
        raise ProjectError(
            Text(
                N_(
                    "the saved weights include {key}, which this network does not have "
                    "(the network was changed after training): train it again"
                ),
                key=label(extra[0]),
            )
        )
    missing = [k for k in expected if k not in weights]
    if missing:
        raise ProjectError(
            Text(
                N_(
                    "the saved weights lack {key} (the network was changed after "
                    "training): train it again"
                ),
                key=label(missing[0]),
            )
        )
    for key, ref in expected.items():
        got = weights[key]
        if tuple(got.shape) != tuple(ref.shape):
            raise ProjectError(
                Text(
                    N_(
                        "the saved weights for {key} have shape {shape} but the "
                        "network needs {needed} (the network or its data changed after "
                        "training): train it again"
                    ),
                    key=label(key),
                    shape=list(got.shape),
                    needed=list(ref.shape),
                )
            )
        if got.dtype != ref.dtype:
            raise ProjectError(
                Text(
                    N_("the saved weights for {key} are {dtype}, but the network needs {needed}"),
                    key=label(key),
                    dtype=got.dtype,
                    needed=ref.dtype,
                )
            )
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise ProjectError(
                Text(
                    N_(
                        "the saved weights for {key} contain NaN or infinite values: the "
                        "training diverged or the file is damaged; train it again"
                    ),
                    key=label(key),
                )
            )


def load_into(model: torch.nn.Module, weights: Mapping[str, torch.Tensor]) -> None:
    model.load_state_dict({LAYERS_PREFIX + k: v for k, v in weights.items()})

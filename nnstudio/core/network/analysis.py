"""Validation and shape inference: what is wrong with a drawing, and every tensor's size.

:func:`analyze` never raises for a user's mistake. It returns an :class:`Analysis` whose
``problems`` each name the node or edge at fault, so the canvas can outline it in red and the
problems list can say what to change. It runs after every edit, so it stays linear in the
size of the graph.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from nnstudio.core.catalogue.layers import LAYERS, ShapeContext, ShapeError
from nnstudio.core.catalogue.params import AUTO, ParamError, check_params
from nnstudio.core.network.graph import Edge, Graph
from nnstudio.core.network.memory import (
    LIMIT_VARIABLE,
    LimitSettingError,
    estimate_memory,
    memory_limit,
    too_large_message,
)
from nnstudio.i18n import N_, Text, tr

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error: blocks training) or worth knowing (warning: a teaching lint).

    ``message`` and ``hint`` are :class:`~nnstudio.i18n.Text`: English (``validate --json``
    prints them), shown translated with ``tr()``. A message about one layer starts with the
    layer's name and ``": "`` in every language, so views can drop the name under a heading
    that shows it.
    """

    severity: str
    code: str
    message: str
    node_id: str | None = None
    edge: Edge | None = None
    #: A longer explanation for tooltips: why it matters and what to change.
    hint: str = ""

    def __str__(self) -> str:
        return tr(self.message)


@dataclass
class Analysis:
    """Result of :func:`analyze`: problems, topological order, output node and sizes."""

    problems: list[Problem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    output_id: str | None = None
    input_ids: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def edge_size(self, edge: Edge) -> int | None:
        return self.sizes.get(edge.source)

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node_id == node_id]


def analyze(graph: Graph, ctx: ShapeContext | None = None) -> Analysis:
    """Check ``graph`` and infer every node's output width under the data context ``ctx``."""
    ctx = ctx or ShapeContext()
    result = Analysis()
    add = result.problems.append
    nodes = graph.nodes
    if not nodes:
        add(
            Problem(
                ERROR,
                "empty",
                Text(N_("The network is empty: drag an Input layer onto the canvas.")),
                hint=Text(
                    N_("Every network starts with an Input layer that receives the features.")
                ),
            )
        )
        return result

    params_ok = _check_params(graph, add)

    ins: dict[str, list[str]] = {nid: [] for nid in nodes}
    outs: dict[str, list[str]] = {nid: [] for nid in nodes}
    for e in graph.edges:
        ins[e.target].append(e.source)
        outs[e.source].append(e.target)

    order = _topological(nodes, ins, outs)
    if len(order) < len(nodes):
        stuck = [nid for nid in nodes if nid not in set(order)]
        for nid in stuck:
            add(
                Problem(
                    ERROR,
                    "cycle",
                    Text(N_("{name} is part of a loop."), name=nodes[nid].name),
                    nid,
                    hint=Text(
                        N_(
                            "Data must flow one way from the inputs to the output; remove one "
                            "of the connections that closes the loop."
                        )
                    ),
                )
            )
        return result
    result.order = order

    inputs = [nid for nid in order if LAYERS.get(nodes[nid].type).is_input]
    result.input_ids = inputs
    if not inputs:
        add(
            Problem(
                ERROR,
                "no_input",
                Text(N_("The network has no Input layer.")),
                hint=Text(N_("Add an Input layer and connect it to the first hidden layer.")),
            )
        )

    for nid in order:
        spec = LAYERS.get(nodes[nid].type)
        n_in = len(ins[nid])
        name = nodes[nid].name
        if n_in < spec.min_inputs:
            if n_in == 0:
                msg = Text(N_("{name} has no input: connect a layer into it."), name=name)
            else:
                msg = Text(
                    N_("{name} needs at least {minimum} inputs; it has {n}."),
                    name=name,
                    minimum=spec.min_inputs,
                    n=n_in,
                )
            add(Problem(ERROR, "missing_input", msg, nid))
        elif spec.max_inputs is not None and n_in > spec.max_inputs:
            add(
                Problem(
                    ERROR,
                    "too_many_inputs",
                    Text(
                        N_(
                            "{name} takes {maximum} input but has {n}; merge them with "
                            "an Add or Concat layer first."
                        ),
                        name=name,
                        maximum=spec.max_inputs,
                        n=n_in,
                    ),
                    nid,
                )
            )

    from_input = _reachable(inputs, outs)
    sinks = [nid for nid in order if not outs[nid] and nid in from_input]
    for nid in order:
        if nid in from_input:
            continue
        node = nodes[nid]
        if not ins[nid] and not outs[nid]:
            add(
                Problem(
                    ERROR,
                    "dangling",
                    Text(N_("{name} is not connected to anything."), name=node.name),
                    nid,
                    hint=Text(N_("Connect it into the network or delete it.")),
                )
            )
        elif ins[nid]:
            add(
                Problem(
                    ERROR, "unreachable", Text(N_("No input reaches {name}."), name=node.name), nid
                )
            )
    if inputs:
        real_sinks = [s for s in sinks if not LAYERS.get(nodes[s].type).is_input or outs[s]]
        lone_inputs = [s for s in sinks if s not in real_sinks]
        if not real_sinks:
            for s in lone_inputs:
                add(
                    Problem(
                        ERROR,
                        "no_path",
                        Text(
                            N_(
                                "Nothing follows {name}: there is no path from the input "
                                "to an output layer."
                            ),
                            name=nodes[s].name,
                        ),
                        s,
                    )
                )
        else:
            for s in lone_inputs:
                add(
                    Problem(
                        ERROR,
                        "dangling",
                        Text(N_("{name} is not connected to anything."), name=nodes[s].name),
                        s,
                        hint=Text(N_("Connect it into the network or delete it.")),
                    )
                )
            if len(real_sinks) > 1:
                names = ", ".join(nodes[s].name for s in real_sinks)
                for s in real_sinks:
                    add(
                        Problem(
                            ERROR,
                            "many_outputs",
                            Text(
                                N_(
                                    "The network ends in {n} places ({names}); it "
                                    "needs exactly one output layer."
                                ),
                                n=len(real_sinks),
                                names=names,
                            ),
                            s,
                            hint=Text(
                                N_(
                                    "Connect the extra ends into the output (Add or Concat) "
                                    "or delete them."
                                )
                            ),
                        )
                    )
            else:
                result.output_id = real_sinks[0]

    if params_ok:
        _infer_sizes(graph, ctx, ins, result)
        if not result.errors and len(result.sizes) == len(nodes):
            _check_memory(graph, ctx, ins, result)
    return result


def _check_memory(graph: Graph, ctx: ShapeContext, ins, result: Analysis) -> None:
    """An error when training the network would need more memory than this computer allows.

    By formula, before anything is allocated: see :mod:`nnstudio.core.network.memory`.
    """
    try:
        limit = memory_limit()
    except LimitSettingError as exc:
        result.problems.append(
            Problem(
                ERROR,
                "memory_limit_setting",
                Text(
                    N_("{variable}={value} is not a size such as 4G or 512M; correct or unset it"),
                    variable=LIMIT_VARIABLE,
                    value=repr(str(exc))[:60],
                ),
            )
        )
        return
    estimate = estimate_memory(graph, result.order, result.sizes, ins, ctx.batch_rows)
    message = too_large_message(graph, estimate, limit)
    if message is not None:
        largest = estimate.largest
        result.problems.append(
            Problem(
                ERROR,
                "too_large",
                message,
                largest.node_id if largest else None,
                hint=Text(
                    N_(
                        "NN Studio estimates the memory from the layer sizes before training "
                        "and refuses a network that would exhaust this computer."
                    )
                ),
            )
        )


def _check_params(graph: Graph, add) -> bool:
    ok = True
    for nid, node in graph.nodes.items():
        try:
            check_params(LAYERS.get(node.type), node.params)
        except ParamError as exc:
            ok = False
            add(Problem(ERROR, "bad_param", _layer_says(node.name, exc.message), nid))
    return ok


def _topological(nodes, ins, outs) -> list[str]:
    indegree = {nid: len(ins[nid]) for nid in nodes}
    queue = deque(nid for nid in nodes if indegree[nid] == 0)
    order = []
    while queue:
        nid = queue.popleft()
        order.append(nid)
        for t in outs[nid]:
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return order


def _reachable(starts: list[str], outs: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        nid = stack.pop()
        if nid not in seen:
            seen.add(nid)
            stack.extend(outs[nid])
    return seen


def _infer_sizes(graph: Graph, ctx: ShapeContext, ins, result: Analysis) -> None:
    nodes = graph.nodes
    for nid in result.order:
        node = nodes[nid]
        spec = LAYERS.get(node.type)
        sources = ins[nid]
        if len(sources) < spec.min_inputs or (
            spec.max_inputs is not None and len(sources) > spec.max_inputs
        ):
            continue
        if any(s not in result.sizes for s in sources):
            continue
        in_sizes = [result.sizes[s] for s in sources]
        is_output = nid == result.output_id
        try:
            size = spec.infer(node.params, in_sizes, ctx, is_output)
        except ShapeError as exc:
            result.problems.append(
                Problem(ERROR, exc.code, _layer_says(node.name, exc.message), nid)
            )
            continue
        result.sizes[nid] = size
        if node.type == "Dense":
            _check_explicit(node, in_sizes[0], size, result)


def _check_explicit(node, fan_in: int, units: int, result: Analysis) -> None:
    for key, shape in (("weight_init", (units, fan_in)), ("bias_init", (1, units))):
        init = node.params.get(key) or {}
        if init.get("name") != "explicit" or (key == "bias_init" and not node.params["bias"]):
            continue
        values = init.get("values") or []
        count = sum(len(r) for r in values)
        if count == 1:
            continue
        rows, cols = len(values), (len(values[0]) if values else 0)
        fits = (rows, cols) == shape or (key == "bias_init" and count == units)
        if not fits:
            if key == "weight_init":
                template = N_(
                    "{name}: the typed weights are {rows}×{cols} but this layer needs {need} "
                    "(one row per unit, one column per input)."
                )
                need = f"{shape[0]}×{shape[1]}"
            else:
                template = N_(
                    "{name}: the typed biases are {rows}×{cols} but this layer needs {need} "
                    "(one row per unit, one column per input)."
                )
                need = f"{units}"
            result.problems.append(
                Problem(
                    ERROR,
                    "explicit_shape",
                    Text(template, name=node.name, rows=rows, cols=cols, need=need),
                    node.id,
                )
            )


def _layer_says(name: str, message: str) -> Text:
    """``"<layer>: <message>"``; the message (a ``Text``) is translated with it when shown."""
    # Translators: a layer's name, then what is wrong with it. Keep "{name}: " at the start
    # (with the ASCII colon and space): views drop it under a heading that names the layer.
    template = N_("{name}: {problem}")
    return Text(template, name=name, problem=message)


def output_units_for(task: str, n_classes: int, n_targets: int, loss_name: str | None) -> int:
    """How many units an ``auto`` output layer gets, from the task and the chosen loss."""
    if task == "classification":
        if loss_name in ("bce", "bce_with_logits") and n_classes <= 2:
            return 1
        return n_classes
    return max(1, n_targets)


__all__ = ["AUTO", "ERROR", "WARNING", "Analysis", "Problem", "analyze", "output_units_for"]

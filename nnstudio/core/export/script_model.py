"""The network half of the exported script: an ``nn.Module`` written out layer by layer.

Layers are created in NN Studio's topological order and, when any layer has a chosen
initialiser, ``init_weights`` re-seeds and replays NN Studio's draws (PyTorch's default for each
``nn.Linear``, then the chosen initialiser) layer by layer, so the script starts from exactly the
weights NN Studio starts from.
"""

from __future__ import annotations

import string as _string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.initializers import INITIALIZERS
from nnstudio.core.catalogue.layers import ShapeContext, parse_select
from nnstudio.core.export.codegen import INDENT, comment, docstring, identifier, lit, with_comment
from nnstudio.core.network.analysis import Analysis
from nnstudio.core.network.graph import Graph


class _LitFormatter(_string.Formatter):
    """``str.format`` where ``!r`` writes a literal in the script's style (double quotes)."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "r":
            return lit(value)
        return super().convert_field(value, conversion)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill a catalogue ``code`` template with parameter values."""
    return _LitFormatter().format(template, **values)


@dataclass
class ModelCode:
    lines: list[str]
    #: Extra classes (Step) placed before the network.
    helpers: list[str] = field(default_factory=list)
    #: Attribute name of every node's main module (None for Input/Add/Concat).
    names: dict[str, str] = field(default_factory=dict)
    summary: str = ""


STEP_CLASS = '''class Step(nn.Module):
    """Heaviside step: 1 where z >= 0, else 0 (the perceptron's threshold unit).

    Its true gradient is zero everywhere, so nothing before it learns by backpropagation.
    With straight_through=True the backward pass treats the step as the identity instead
    (with 1/2 sum of squared errors and SGD on single samples: the perceptron rule).
    """

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hard = (x >= 0).to(x.dtype)
        if self.straight_through:
            return x + (hard - x).detach()
        # 0 * x keeps the result in the autograd graph with a zero gradient.
        return hard + 0.0 * x'''


def activation_code(component: Mapping[str, Any], units: int) -> str | None:
    """Module expression for an activation; None for the identity (nothing to apply).

    The catalogue templates are used where they are complete; Step and PReLU need values
    the templates do not name (``st``, ``num_parameters``), given here.
    """
    spec = ACTIVATIONS.get(component["name"])
    if spec.name == "identity":
        return None
    if spec.name == "step":
        return (
            "Step(straight_through=True)"
            if component.get("gradient") == "straight-through"
            else "Step()"
        )
    if spec.name == "prelu":
        n = units if component.get("per_unit") else 1
        return f"nn.PReLU(num_parameters={n}, init={lit(float(component.get('init', 0.25)))})"
    if spec.name == "gelu" and component.get("approximate", "none") == "none":
        return "nn.GELU()"
    return render(spec.code, component)


def uses_step(graph: Graph) -> bool:
    for node in graph.nodes.values():
        act = node.params.get("activation")
        if isinstance(act, dict) and ACTIVATIONS.get(act["name"]).name == "step":
            return True
    return False


def _init_note(component: Mapping[str, Any]) -> str:
    spec = INITIALIZERS.get(component["name"])
    if spec.name == "explicit":
        return "the values typed in NN Studio"
    return f"{spec.label}, {spec.formula}" if spec.formula else spec.label


def init_lines(
    target: str, component: Mapping[str, Any], fan_in: int, fan_out: int, shape: tuple[int, ...]
) -> list[str]:
    """Statements that fill ``target`` (a weight or bias) like NN Studio's initialiser.

    ``nn.init`` functions that need a matrix (Xavier, Kaiming, orthogonal) cannot take a bias
    vector, so for biases the same formula is written with ``uniform_``/``normal_`` and NN
    Studio's fan_in/fan_out of the layer, exactly as NN Studio applies it.
    """
    name = INITIALIZERS.get(component["name"]).name
    p = component
    bias = len(shape) == 1
    if name == "default":
        return []
    if name == "uniform":
        return [f"nn.init.uniform_({target}, a={lit(p['a'])}, b={lit(p['b'])})"]
    if name == "uniform_fan_in":
        bound = f"1 / math.sqrt({fan_in})"
        return [f"nn.init.uniform_({target}, -{bound}, {bound})"]
    if name == "normal":
        return [f"nn.init.normal_({target}, mean={lit(p['mean'])}, std={lit(p['std'])})"]
    if name in ("zeros", "ones"):
        return [f"nn.init.{name}_({target})"]
    if name == "constant":
        return [f"nn.init.constant_({target}, {lit(p['value'])})"]
    gain = float(p.get("gain", 1.0))
    gain_arg = "" if gain == 1.0 else f", gain={lit(gain)}"
    gain_mul = "" if gain == 1.0 else f"{lit(gain)} * "
    if name == "xavier_uniform":
        if not bias:
            return [f"nn.init.xavier_uniform_({target}{gain_arg})"]
        return [
            f"bound = {gain_mul}math.sqrt(6 / ({fan_in} + {fan_out}))",
            f"nn.init.uniform_({target}, -bound, bound)",
        ]
    if name == "xavier_normal":
        if not bias:
            return [f"nn.init.xavier_normal_({target}{gain_arg})"]
        return [
            f"std = {gain_mul}math.sqrt(2 / ({fan_in} + {fan_out}))",
            f"nn.init.normal_({target}, 0.0, std)",
        ]
    if name in ("kaiming_uniform", "kaiming_normal"):
        nonlin = p.get("nonlinearity", "relu")
        slope = float(p.get("negative_slope", 0.0))
        mode = p.get("mode", "fan_in")
        if not bias:
            args = [target]
            if nonlin == "leaky_relu":
                args.append(f"a={lit(slope)}")
            if mode != "fan_in":
                args.append(f"mode={lit(mode)}")
            args.append(f"nonlinearity={lit(nonlin)}")
            return [f"nn.init.{name}_({', '.join(args)})"]
        gain_expr = (
            f"nn.init.calculate_gain({lit(nonlin)}, {lit(slope)})"
            if nonlin == "leaky_relu"
            else f"nn.init.calculate_gain({lit(nonlin)})"
        )
        fan = fan_in if mode == "fan_in" else fan_out
        if name == "kaiming_uniform":
            return [
                f"bound = {gain_expr} * math.sqrt(3 / {fan})",
                f"nn.init.uniform_({target}, -bound, bound)",
            ]
        return [f"std = {gain_expr} / math.sqrt({fan})", f"nn.init.normal_({target}, 0.0, std)"]
    if name == "orthogonal":
        if not bias:
            return [f"nn.init.orthogonal_({target}{gain_arg})"]
        return [f"nn.init.normal_({target}, 0.0, {lit(gain)})"]
    if name == "explicit":
        values = [float(v) for row in (p.get("values") or [[0.0]]) for v in row]
        if len(values) == 1:
            return [f"{target}.fill_({lit(values[0])})"]
        nested = _nest(values, shape)
        return [f"{target}.copy_(torch.tensor({lit(nested)}))"]
    raise AssertionError(name)  # pragma: no cover - every catalogue entry is handled


def _nest(values: list[float], shape: tuple[int, ...]) -> Any:
    if len(shape) == 1:
        return list(values)
    cols = shape[1]
    return [values[i * cols : (i + 1) * cols] for i in range(shape[0])]


def model_section(graph: Graph, analysis: Analysis, ctx: ShapeContext) -> ModelCode:
    """The ``Net`` class for a valid graph analysed with ``ctx``."""
    order = analysis.order
    sizes = analysis.sizes
    sources = {nid: graph.inputs_of(nid) for nid in order}
    taken: set[str] = set()
    names: dict[str, str] = {}
    for nid in order:
        node = graph.nodes[nid]
        names[nid] = identifier(node.name, node.type.lower(), taken)
    act_names: dict[str, str] = {}
    act_exprs: dict[str, str] = {}
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Dense":
            expr = activation_code(node.params["activation"], sizes[nid])
            if expr is not None:
                act = ACTIVATIONS.get(node.params["activation"]["name"]).name
                act_names[nid] = identifier(f"{names[nid]}_{act}", f"{names[nid]}_act", taken)
                act_exprs[nid] = expr

    init_lines_all: list[str] = []
    body: list[str] = []
    summary: list[str] = []
    custom_init = False
    p2 = INDENT * 2
    for nid in order:
        node = graph.nodes[nid]
        name = names[nid]
        n = sizes[nid]
        ins = [sizes[s] for s in sources[nid]]
        frozen = not node.trainable
        if node.type == "Input":
            summary.append(f"Input ({n})")
            continue
        if node.type == "Dense":
            params = node.params
            bias = bool(params.get("bias", True))
            d = ins[0]
            count = n * d + (n if bias else 0)
            formula = f"{n}·({d} + 1)" if bias else f"{n}·{d}"
            act_label = ACTIVATIONS.get(params["activation"]["name"]).label.split(" (")[0]
            units = "unit" if n == 1 else "units"
            body += comment(f"{name}: {d} inputs → {n} {units}, {formula} = {count} parameters", 2)
            args = f"{d}, {n}" + ("" if bias else ", bias=False")
            body.append(f"{p2}self.{name} = nn.Linear({args})")
            if nid in act_exprs:
                body.append(f"{p2}self.{act_names[nid]} = {act_exprs[nid]}")
            shown = "" if nid not in act_exprs else f", {act_label}"
            summary.append(f"{name} (Dense {n}{shown})")
            if frozen:
                body += with_comment(
                    f"self.{name}.requires_grad_(False)", "frozen: training leaves it as it is", 2
                )
                if nid in act_names and params["activation"]["name"] == "prelu":
                    body.append(f"{p2}self.{act_names[nid]}.requires_grad_(False)")
            w_init, b_init = params["weight_init"], params["bias_init"]
            lines = init_lines(f"self.{name}.weight", w_init, d, n, (n, d))
            blines = init_lines(f"self.{name}.bias", b_init, d, n, (n,)) if bias else []
            custom_init = custom_init or bool(lines or blines)
            init_lines_all += with_comment(
                f"self.{name}.reset_parameters()",
                "PyTorch's default, as nn.Linear draws it" if lines or blines else None,
                2,
            )
            if lines:
                init_lines_all += comment(f"then the weights: {_init_note(w_init)}", 2)
                init_lines_all += [p2 + line for line in lines]
            if blines:
                init_lines_all += comment(f"then the biases: {_init_note(b_init)}", 2)
                init_lines_all += [p2 + line for line in blines]
            continue
        if node.type == "Activation":
            expr = activation_code(node.params["activation"], n) or "nn.Identity()"
            body.append(f"{p2}self.{name} = {expr}")
            summary.append(f"{name} ({expr.split('(')[0].removeprefix('nn.')})")
        elif node.type == "Dropout":
            body.append(f"{p2}self.{name} = nn.Dropout(p={lit(float(node.params['p']))})")
            summary.append(f"{name} (Dropout {node.params['p']:g})")
        elif node.type == "BatchNorm1d":
            args = [str(n)]
            if node.params.get("eps", 1e-5) != 1e-5:
                args.append(f"eps={lit(float(node.params['eps']))}")
            if node.params.get("momentum", 0.1) != 0.1:
                args.append(f"momentum={lit(float(node.params['momentum']))}")
            if not node.params.get("affine", True):
                args.append("affine=False")
            body.append(f"{p2}self.{name} = nn.BatchNorm1d({', '.join(args)})")
            summary.append(f"{name} (BatchNorm1d)")
        elif node.type in ("Add", "Concat"):
            summary.append(f"{name} ({node.type})")
            continue
        else:  # pragma: no cover - the catalogue has no other types
            raise AssertionError(node.type)
        if frozen and node.type in ("Activation", "BatchNorm1d"):
            body.append(f"{p2}self.{name}.requires_grad_(False)")

    chain = _is_chain(analysis, sources)
    lines = ["class Net(nn.Module):"]
    arrow = " → ".join(summary)
    how = "" if chain else "Layers in the order they run: "
    lines += docstring(f"The network drawn in NN Studio.\n\n{how}{arrow}.", 1)
    lines += ["", f"{INDENT}def __init__(self) -> None:", f"{p2}super().__init__()"]
    note = (
        "Layers are created in NN Studio's order: each nn.Linear draws its random "
        "starting weights in turn, so the same seed gives the same weights."
    )
    if not custom_init:
        note += " They keep PyTorch's default: uniform in ±1/√fan_in, as in NN Studio."
    lines += comment(note, 2)
    lines += body
    if custom_init:
        lines.append(f"{p2}self.init_weights()")
        lines += ["", f"{INDENT}@torch.no_grad()", f"{INDENT}def init_weights(self) -> None:"]
        lines += docstring(
            "Starting weights as chosen in NN Studio, layer by layer.\n\n"
            "NN Studio sets each layer's starting values right after creating it, so the "
            "random numbers are drawn layer by layer in this order. Seeding again and "
            "replaying that order gives exactly NN Studio's starting weights.",
            2,
        )
        lines.append(f"{p2}torch.manual_seed(SEED)")
        lines += init_lines_all
    lines += ["", f"{INDENT}def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    lines += _forward(graph, analysis, sources, names, act_names, ctx, chain)
    return ModelCode(lines, [STEP_CLASS] if uses_step(graph) else [], names, arrow)


def _is_chain(analysis: Analysis, sources: dict[str, list[str]]) -> bool:
    """The same rule as NN Studio's GraphModule: one input, one source per layer, in order."""
    order, inputs = analysis.order, analysis.input_ids
    if len(inputs) != 1 or any(len(sources[n]) != 1 for n in order if n not in inputs):
        return False
    nxt = {s[0]: n for n, s in sources.items() if len(s) == 1}
    out, current = [], inputs[0]
    while current is not None:
        out.append(current)
        current = nxt.get(current)
    return out == order


def _select(graph: Graph, nid: str, ctx: ShapeContext, n: int) -> tuple[int, int] | None:
    """Column span an Input takes, or None when it takes every feature."""
    total = ctx.n_features if ctx.n_features is not None else n
    span = parse_select(graph.nodes[nid].params.get("select", ""), total)
    if span is None or span == (0, total):
        return None
    return span


def _forward(
    graph: Graph,
    analysis: Analysis,
    sources: dict[str, list[str]],
    names: dict[str, str],
    act_names: dict[str, str],
    ctx: ShapeContext,
    chain: bool,
) -> list[str]:
    p2 = INDENT * 2
    lines: list[str] = []
    if chain:
        for nid in analysis.order:
            node = graph.nodes[nid]
            name = names[nid]
            if node.type == "Input":
                span = _select(graph, nid, ctx, analysis.sizes[nid])
                if span:
                    lines += with_comment(
                        f"x = x[:, {span[0]}:{span[1]}]",
                        f"the Input takes features {span[0]} to {span[1] - 1}",
                        2,
                    )
                continue
            lines.append(f"{p2}x = self.{name}(x)")
            if nid in act_names:
                lines.append(f"{p2}x = self.{act_names[nid]}(x)")
        lines.append(f"{p2}return x")
        return lines
    var: dict[str, str] = {}
    inputs = analysis.input_ids
    for nid in analysis.order:
        node = graph.nodes[nid]
        name = names[nid]
        src = [var[s] for s in sources[nid]]
        if node.type == "Input":
            span = _select(graph, nid, ctx, analysis.sizes[nid])
            if span is None and len(inputs) == 1:
                var[nid] = "x"
                continue
            var[nid] = name
            if span is None:
                lines += with_comment(f"{name} = x", "this Input takes every feature", 2)
            else:
                lines += with_comment(
                    f"{name} = x[:, {span[0]}:{span[1]}]",
                    f"features {span[0]} to {span[1] - 1}",
                    2,
                )
            continue
        var[nid] = name
        if node.type == "Dense":
            lines.append(f"{p2}{name} = self.{name}({src[0]})")
            if nid in act_names:
                lines.append(f"{p2}{name} = self.{act_names[nid]}({name})")
        elif node.type == "Add":
            lines += with_comment(f"{name} = {' + '.join(src)}", "Add: a skip connection", 2)
        elif node.type == "Concat":
            lines += with_comment(
                f"{name} = torch.cat([{', '.join(src)}], dim=1)", "Concat: side by side", 2
            )
        else:
            lines.append(f"{p2}{name} = self.{name}({src[0]})")
    assert analysis.output_id is not None
    lines.append(f"{p2}return {var[analysis.output_id]}")
    return lines


__all__ = ["STEP_CLASS", "ModelCode", "activation_code", "init_lines", "model_section", "render"]

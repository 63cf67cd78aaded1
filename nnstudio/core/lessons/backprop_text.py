"""One backpropagation step written out like the lesson: forward, chain rule, update, check.

:func:`step_text` turns the numbers :func:`~nnstudio.core.lessons.backprop.inspect_step`
computed into what ``nnstudio step`` prints. Only the wording lives here, so the computation
can be read (and tested) without the text, and the text changed without touching the maths.

The text is written in the current language; formulas, numbers and layer names stay as they
are. Label columns are padded by terminal width, so Chinese labels line up too.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator, Mapping

import torch

from nnstudio.core.catalogue.activations import ACTIVATIONS
from nnstudio.core.catalogue.params import short_label
from nnstudio.core.lessons.backprop import FD_FLOOR, LayerStep, StepReport
from nnstudio.core.lessons.backprop_paths import (
    SMALL_NET_WEIGHTS,
    first_weight_numbers,
    plain_sgd,
    slope_form,
    slope_numbers,
    unit_prefixes,
)
from nnstudio.core.safe_text import printable
from nnstudio.i18n import _, ngettext, pgettext, tr

__all__ = ["SHOW_COLS", "SHOW_FEATURES", "SHOW_ROWS", "SMALL_NET_WEIGHTS", "number", "step_text"]

#: Matrices in the text are cut to this many rows and columns (unless ``full``).
SHOW_ROWS, SHOW_COLS = 6, 8
#: A sample's inputs are listed up to this many features (unless ``full``).
SHOW_FEATURES = 12


def step_text(report: StepReport, *, full: bool = False) -> str:
    """The step written out like the lesson: forward, chain rule, update, check.

    ``full`` writes every row and column of every matrix and vector instead of cutting
    them with "…" (long for big networks, but nothing is left out). Every line is one line
    on a terminal: layer, feature and class names come from the project, so their control
    characters are escaped (:func:`printable`).
    """
    return "\n".join(printable(line) for line in _text_lines(report, full))


def number(v: float) -> str:
    """A number as the step text writes it: the backprop view uses the same digits."""
    return _f(v)


def _f(v: float) -> str:
    """6 decimals like the lesson; tiny values keep 6 significant digits instead."""
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0.000000"  # never "-0.000000"
    if round(abs(v), 6) >= 0.01:
        return f"{v:.6f}"
    return f"{v:.6g}" if abs(v) >= 1e-4 else f"{v:.5e}"


def _p(v: float) -> str:
    """A factor inside a product: negative numbers in parentheses."""
    s = _f(v)
    return f"({s})" if v < 0 else s


def _formatter(t: torch.Tensor) -> Callable[[float], str]:
    """One format for a whole matrix, so its columns line up: fixed, or scientific if tiny."""
    if not t.is_floating_point():
        return lambda v: str(int(v))
    finite = t[torch.isfinite(t)]
    largest = float(finite.abs().max()) if finite.numel() else 0.0
    return _fixed if largest == 0 or largest >= 0.01 else _scientific


def _fixed(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    text = f"{v:.6f}"
    return "0.000000" if text == "-0.000000" else text


def _scientific(v: float) -> str:
    return f"{v:.4e}" if v and math.isfinite(v) else ("0" if v == 0 else str(v))


def _vec(
    t: torch.Tensor, limit: int | None = SHOW_COLS, fmt: Callable[[float], str] | None = None
) -> str:
    """A vector in brackets; ``limit`` None writes every value."""
    fmt = fmt or _formatter(t)
    flat = t.reshape(-1)
    values = [float(v) for v in (flat if limit is None else flat[:limit])]
    more = ", …" if limit is not None and t.numel() > limit else ""
    return "[" + ", ".join(fmt(v) for v in values) + more + "]"


def _matrix(t: torch.Tensor | None, indent: str, full: bool = False) -> list[str]:
    """A matrix (or vector) as lines, cut to SHOW_ROWS × SHOW_COLS unless ``full``."""
    if t is None:
        return [indent + "—"]
    limit = None if full else SHOW_COLS
    if t.dim() <= 1:
        return [indent + _vec(t, limit)]
    rows = t.shape[0]
    shown = rows if full else min(rows, SHOW_ROWS)
    fmt = _formatter(t if full else t[:SHOW_ROWS, :SHOW_COLS])
    lines = [indent + _vec(t[r], limit, fmt=fmt) for r in range(shown)]
    if rows > shown:
        more = rows - shown
        lines.append(indent + ngettext("… {n} more row", "… {n} more rows", more).format(n=more))
    return lines


def _shape(t: torch.Tensor) -> str:
    return "×".join(str(s) for s in t.shape)


def _label(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


def _act_label(name: str | None) -> str:
    """An activation's catalogue label in the current language (its name if unknown)."""
    if name is None:
        return ""
    return _(ACTIVATIONS.get(name).label) if name in ACTIVATIONS else name


def _act_short(name: str | None) -> str:
    """The label without its aside, for formulas: ``a = Identity(z)``."""
    if name is None:
        return ""
    return short_label(ACTIVATIONS.get(name).label) if name in ACTIVATIONS else name


def _text_lines(r: StepReport, full: bool = False) -> Iterator[str]:
    dense = [layer for layer in r.layers if layer.chain is not None]
    n_weights = sum(layer.chain.grad_weight.numel() for layer in dense if layer.chain)
    batch = len(r.rows)
    small = batch == 1 and n_weights <= SMALL_NET_WEIGHTS
    prefix = unit_prefixes(r)
    # Lesson numbering: w1, w2, ... row by row through the Dense layers in order.
    first_w = first_weight_numbers(r)

    def matrix(t: torch.Tensor | None, indent: str) -> list[str]:
        return _matrix(t, indent, full)

    yield _("One step of backpropagation — {project}").format(project=r.project)
    if r.weights == "trained":
        state = ngettext(
            "trained weights ({n} epoch)", "trained weights ({n} epochs)", r.epochs_trained
        ).format(n=r.epochs_trained)
    else:
        state = _("initial weights (not trained yet: what training starts from)")
    yield _("Weights: {state}; the network is in training mode.").format(state=state)
    if batch == 1:
        yield _("Data: training sample {row} of {n} (table row {table_row}).").format(
            row=r.rows[0], n=r.n_train, table_row=r.table_rows[0]
        )
    else:
        yield _("Data: the first batch, training samples 0–{last} of {n}.").format(
            last=batch - 1, n=r.n_train
        )
    for note in r.notes:
        yield _("Note: {note}.").format(note=tr(note))
    if batch == 1:
        names = r.feature_names
        cut = len(names) if full else SHOW_FEATURES
        shown = "  ".join(f"{n}={_f(float(v))}" for n, v in zip(names, r.x[0][:cut], strict=False))
        more = "  …" if len(names) > cut else ""
        yield "  " + _label(pgettext("backprop step", "input"), 8) + shown + more
        target = _label(pgettext("backprop step", "target"), 8)
        if r.task == "classification":
            cls = int(r.y.reshape(-1)[0])
            label = r.class_names[cls] if 0 <= cls < len(r.class_names) else cls
            yield "  " + target + _("class {index} ({name})").format(index=cls, name=label)
        else:
            values = r.y.reshape(-1)
            shown = "  ".join(
                f"{n}={_f(float(v))}" for n, v in zip(r.target_names, values, strict=False)
            )
            yield "  " + target + shown
    else:
        yield "  " + _("input x ({shape}):").format(shape=_shape(r.x))
        yield from matrix(r.x, "    ")
        yield "  " + _("target ({shape}):").format(shape=_shape(r.y))
        yield from matrix(r.y, "    ")

    yield ""
    yield _("FORWARD PASS")
    for layer in r.layers:
        if layer.type == "Input":
            continue
        yield _layer_title(layer)
        if layer.chain is not None and layer.z is not None:
            p = prefix[layer.node_id]
            if small:
                for j in range(layer.z.shape[1]):
                    z = float(layer.z[0, j])
                    a = float(layer.a[0, j])
                    yield f"  net_{p}{j + 1} = {_f(z)}   out_{p}{j + 1} = {_f(a)}"
            else:
                yield "  z = a_prev·Wᵀ + b:"
                yield from matrix(layer.z, "    ")
                yield f"  a = {_act_short(layer.activation)}(z):"
                yield from matrix(layer.a, "    ")
        else:
            yield "  " + _("output:")
            yield from matrix(layer.a, "    ")
    output = _vec(r.output[0], None if full else SHOW_COLS) if batch == 1 else _shape(r.output)
    yield "  " + _("network output: {output}").format(output=output)
    loss = _(r.loss_label)
    if r.l1:
        yield _("Loss ({loss}): E = {data} + L1 penalty {penalty} (λ = {l1:g}) = {total}").format(
            loss=loss, data=_f(r.data_loss), penalty=_f(r.l1_penalty), l1=r.l1, total=_f(r.loss)
        )
    else:
        yield _("Loss ({loss}): E = {data}").format(loss=loss, data=_f(r.data_loss))

    yield ""
    yield _("BACKWARD PASS (chain rule, from the output back)")
    consumers: dict[str, list[str]] = {}
    for layer in r.layers:
        for s in layer.sources:
            consumers.setdefault(s, []).append(layer.node_id)
    by_id = {layer.node_id: layer for layer in r.layers}
    for layer in reversed(r.layers):
        if layer.type == "Input":
            continue
        c = layer.chain
        if c is None:
            if layer.dE_da is not None:
                yield _layer_title(layer)
                yield "  ∂E/∂output:"
                yield from matrix(layer.dE_da, "    ")
            continue
        yield _layer_title(layer)
        p = prefix[layer.node_id]
        users = consumers.get(layer.node_id, [])
        if small:
            target = r.y if r.loss_name == "half_sse" and r.y.is_floating_point() else None
            yield from _small_backward(layer, p, users, by_id, prefix, first_w, target)
        else:
            yield f"  ∂E/∂a ({_shape(c.dE_da)}):"
            yield from matrix(c.dE_da, "    ")
            yield "  " + _("∂a/∂z (activation slope):")
            yield from matrix(c.da_dz, "    ")
            yield "  δ = ∂E/∂z = ∂E/∂a ⊙ ∂a/∂z:" if c.elementwise else "  δ = ∂E/∂z = Jᵀ·∂E/∂a:"
            yield from matrix(c.dE_dz, "    ")
            term = " + λ·sign(W)" if c.l1_term else ""
            yield f"  ∂E/∂W = δᵀ·a_prev{term} ({_shape(c.grad_weight)}):"
            yield from matrix(c.grad_weight, "    ")
            if c.grad_bias is not None:
                yield "  " + _("∂E/∂b = Σ over the batch of δ:")
                yield from matrix(c.grad_bias, "    ")
        if c.matches is None:
            yield "  " + _("(frozen layer: autograd computes no weight gradient)")
        else:
            mark = "✓" if c.matches else _("✗ DIFFERENT")
            yield "  " + _(
                "check: chain rule (δᵀ·a_prev) = autograd {mark} (largest |difference| {diff:.1e})"
            ).format(mark=mark, diff=c.max_abs_diff)

    yield ""
    yield from _update_lines(r, small, prefix, first_w, full)

    yield ""
    g = r.grad_check
    worst = g.worst
    yield _(
        "GRADIENT CHECK: central differences (E(w+h) − E(w−h)) / 2h with h = {h:g}, in float64"
    ).format(h=g.h)
    scope = _("every parameter") if g.checked == g.total else _("an evenly spread selection")
    yield "  " + ngettext(
        "{checked} of {total} parameter checked ({scope})",
        "{checked} of {total} parameters checked ({scope})",
        g.total,
    ).format(checked=g.checked, total=g.total, scope=scope)
    yield "  " + _(
        "relative difference = |autograd − numeric| / max(|autograd|, |numeric|, "
        "{floor:.0%} of the largest gradient)"
    ).format(floor=FD_FLOOR)
    if worst is not None:
        if not g.meaningful:
            mark = _("(not meaningful here)")
        elif g.max_rel_diff < 1e-4:
            mark = "✓"
        else:
            mark = _("✗ autograd and finite differences disagree")
        where = f"{worst.label}[{', '.join(map(str, worst.index))}]"
        yield "  " + _(
            "largest relative difference {diff:.1e} at {where}: autograd {autograd}, "
            "numeric {numeric} {mark}"
        ).format(
            diff=g.max_rel_diff,
            where=where,
            autograd=_f(worst.autograd),
            numeric=_f(worst.numeric),
            mark=mark,
        )
    if g.reason:
        yield "  " + _("note: {reason}").format(reason=tr(g.reason))


def _layer_title(layer: LayerStep) -> str:
    if layer.chain is not None and layer.z is not None:
        units = int(layer.z.shape[1])
        values = {"name": layer.name, "units": units}
        values["activation"] = _act_label(layer.activation)
        if layer.is_output:
            return ngettext(
                "{name} (Dense, {units} unit, {activation}) — output layer",
                "{name} (Dense, {units} units, {activation}) — output layer",
                units,
            ).format(**values)
        return ngettext(
            "{name} (Dense, {units} unit, {activation})",
            "{name} (Dense, {units} units, {activation})",
            units,
        ).format(**values)
    if layer.is_output:
        return _("{name} ({type}) — output layer").format(name=layer.name, type=layer.type)
    return f"{layer.name} ({layer.type})"


def _small_backward(
    layer: LayerStep,
    p: str,
    users: list[str],
    by_id: Mapping[str, LayerStep],
    prefix: Mapping[str, str],
    first_w: Mapping[str, int],
    target: torch.Tensor | None,
) -> Iterator[str]:
    """Per-unit and per-weight chain-rule lines, as the lesson writes them (one sample)."""
    c = layer.chain
    assert c is not None
    units = c.dE_dz.shape[1]
    fan_in = c.dz_dw.shape[1]
    # ½·Σ(out − target)² has the lesson's ∂E/∂out = out − target: show the subtraction.
    half_sse = target is not None and target.numel() == units
    target_row = target.reshape(-1) if target is not None else torch.zeros(0)
    # How ∂E/∂out arrives: from the loss, or summed over the paths through the next layer.
    nxt = by_id.get(users[0]) if len(users) == 1 else None
    for j in range(units):
        u = f"{p}{j + 1}"
        de = float(c.dE_da[0, j])
        if layer.is_output and half_sse:
            out, target = float(layer.a[0, j]), float(target_row[j])
            yield f"  ∂E/∂out_{u} = out_{u} − target_{u} = {_f(out)} − {_p(target)} = {_f(de)}"
        elif layer.is_output:
            yield f"  ∂E/∂out_{u} = {_f(de)}   " + _("(from the loss)")
        elif nxt is not None and nxt.chain is not None:
            q = prefix[nxt.node_id]
            w_after = first_w[nxt.node_id]
            n_in = nxt.chain.dz_dw.shape[1]
            weight = next(pp for pp in nxt.params if pp.param == "weight").before
            terms, values = [], []
            for k in range(nxt.chain.dE_dz.shape[1]):
                wn = w_after + k * n_in + j
                terms.append(f"∂E/∂net_{q}{k + 1} · w{wn}")
                values.append(f"{_p(float(nxt.chain.dE_dz[0, k]))} × {_p(float(weight[k, j]))}")
            yield (f"  ∂E/∂out_{u} = {' + '.join(terms)} = {' + '.join(values)} = {_f(de)}")
        else:
            yield f"  ∂E/∂out_{u} = {_f(de)}   " + _("(summed over every path to the loss)")
        slope = float(c.da_dz[0, j])
        delta = float(c.dE_dz[0, j])
        # The lesson writes the sigmoid's slope with its output: out·(1 − out).
        form = slope_form(layer.activation, u)
        if form:
            numbers = slope_numbers(layer.activation, _f(float(layer.a[0, j])))
            form = f"{form} = {numbers} = "
        yield f"  ∂out_{u}/∂net_{u} = {form}{_f(slope)}   ∂E/∂net_{u} = {_f(delta)}"
    w0 = first_w[layer.node_id]
    for j in range(units):
        u = f"{p}{j + 1}"
        for k in range(fan_in):
            n = w0 + j * fan_in + k
            de = float(c.dE_da[0, j])
            slope = float(c.da_dz[0, j])
            a_prev = float(c.dz_dw[0, k])
            grad = float(c.grad_weight[j, k])
            if c.elementwise:
                yield (
                    f"  ∂E/∂w{n} = ∂E/∂out_{u} · ∂out_{u}/∂net_{u} · ∂net_{u}/∂w{n} = "
                    f"{_p(de)} × {_p(slope)} × {_p(a_prev)} = {_f(grad)}"
                    + ("   (+ λ·sign(w))" if c.l1_term else "")
                )
            else:
                yield (
                    f"  ∂E/∂w{n} = ∂E/∂net_{u} · ∂net_{u}/∂w{n} = "
                    f"{_p(float(c.dE_dz[0, j]))} × {_p(a_prev)} = {_f(grad)}"
                )
    if c.grad_bias is not None:
        for j in range(units):
            u = f"{p}{j + 1}"
            yield (
                f"  ∂E/∂b_{u} = ∂E/∂net_{u} · ∂net_{u}/∂b_{u} = "
                f"{_p(float(c.dE_dz[0, j]))} × 1 = {_f(float(c.grad_bias[j]))}"
            )


def _update_lines(
    r: StepReport,
    small: bool,
    prefix: Mapping[str, str],
    first_w: Mapping[str, int],
    full: bool = False,
) -> Iterator[str]:
    sgd = plain_sgd(r)
    rule = "w ← w − lr·∂E/∂w" if sgd else _("one step of its update rule")
    if r.optimizer_state == "saved":
        template = _(
            "UPDATE: {optimizer}, lr = {lr:g}, continuing the saved optimiser state: {rule}"
        )
    else:
        template = _("UPDATE: {optimizer}, lr = {lr:g}: {rule}")
    yield template.format(optimizer=_(r.optimizer_label), lr=r.lr, rule=rule)
    for layer in r.layers:
        for ps in layer.params:
            frozen = "" if ps.trainable else " " + _("(frozen)")
            if small and layer.node_id in first_w and ps.param in ("weight", "bias"):
                p = prefix[layer.node_id]
                before = ps.before.reshape(-1)
                after = ps.after.reshape(-1)
                grad = ps.grad.reshape(-1) if ps.grad is not None else None
                for i in range(before.numel()):
                    if ps.param == "weight":
                        name = f"w{first_w[layer.node_id] + i}"
                    else:
                        name = f"b_{p}{i + 1}"
                    b, a = float(before[i]), float(after[i])
                    if sgd and grad is not None:
                        yield (
                            f"  {name} = {_f(b)} − {r.lr:g} × {_p(float(grad[i]))} = {_f(a)}"
                            f"{frozen}"
                        )
                    else:
                        yield f"  {name}: {_f(b)} → {_f(a)}{frozen}"
                continue
            change = (ps.after - ps.before).abs()
            yield f"  {ps.label} ({_shape(ps.before)}){frozen}: " + _(
                "mean |change| {mean:.3e}, largest {largest:.3e}"
            ).format(
                mean=float(change.mean()) if change.numel() else 0.0,
                largest=float(change.max()) if change.numel() else 0.0,
            )
            if full:
                yield "    " + pgettext("backprop step", "before")
                yield from _matrix(ps.before, "      ", full=True)
                yield "    " + pgettext("backprop step", "after")
                yield from _matrix(ps.after, "      ", full=True)
            elif ps.before.numel() <= SHOW_COLS * 2:
                yield (
                    "    "
                    + _label(pgettext("backprop step", "before"), 7)
                    + _vec(ps.before, SHOW_COLS * 2)
                )
                yield (
                    "    "
                    + _label(pgettext("backprop step", "after"), 7)
                    + _vec(ps.after, SHOW_COLS * 2)
                )

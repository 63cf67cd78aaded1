"""One step of backpropagation with every number shown: the lesson's worked example, live.

:func:`inspect_step` runs exactly what one training step does — forward pass in training mode,
the loss (plus the L1 penalty), ``backward()``, one optimiser step — on a *copy* of the
project's network, and keeps every intermediate value: each Dense layer's input ``a_prev``,
``z`` and ``a``, the chain-rule factors ∂E/∂a, ∂a/∂z and ∂z/∂w, the gradients autograd
computed, the same gradients rebuilt by hand from those factors, the parameters before and
after the step, and a finite-difference check of autograd. Students see that backpropagation
is nothing but the chain rule, and that the chain rule is what PyTorch does.

Every random thing (seeded initial weights, dropout masks) happens inside a forked RNG, so
inspecting never disturbs the global random state, and the live project is never changed.
:mod:`nnstudio.core.lessons.backprop_text` writes the report out as the lesson does.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from nnstudio.core.catalogue.activations import ACTIVATIONS, derivative
from nnstudio.core.catalogue.losses import LOSSES, build_loss, class_weights_for
from nnstudio.core.catalogue.optimizers import OPTIMIZERS, build_optimizer
from nnstudio.core.catalogue.schedules import make_controller
from nnstudio.core.catalogue.torch_classes import DenseLayer
from nnstudio.core.errors import TrainingError
from nnstudio.core.network.builder import LAYERS_PREFIX
from nnstudio.core.network.graph_module import GraphModule
from nnstudio.core.project import Project
from nnstudio.core.training.engine import epoch_seed, l1_weights
from nnstudio.core.training.training_settings import steps_per_epoch
from nnstudio.i18n import N_, Text

if TYPE_CHECKING:
    from nnstudio.core.data import PreparedData, Table

#: Step of the central differences (in float64, where rounding stays near 1e-10·|E|).
FD_STEP = 1e-6
#: At most this many parameters are perturbed one by one in the gradient check...
FD_MAX_PARAMS = 2000
#: ...fewer when a forward pass is big (about this many multiply-adds in all), never fewer
#: than FD_MIN_PARAMS.
FD_WORK = 4e9
FD_MIN_PARAMS = 20
#: Differences are relative to max(|autograd|, |numeric|, FD_FLOOR × the largest |gradient|):
#: central differences carry a rounding error near 1e-10·|E| that would swamp gradients far
#: smaller than the others (which barely move the weights anyway).
FD_FLOOR = 1e-2


# --------------------------------------------------------------------------- the report


@dataclass
class ParamStep:
    """One parameter tensor: value before, gradient (autograd), value after the step."""

    key: str  #: ``<node_id>.<param>``, as in project files
    label: str  #: ``<layer name>.<param>``, for people
    param: str  #: "weight", "bias", "activation.weight" (PReLU)...
    trainable: bool
    before: torch.Tensor
    grad: torch.Tensor | None
    after: torch.Tensor


@dataclass
class ChainRule:
    """A Dense layer's gradients rebuilt from the chain-rule factors, beside autograd's."""

    dE_da: torch.Tensor  #: ∂E/∂a, batch × units (summed over every consumer of a)
    da_dz: torch.Tensor  #: ∂a_i/∂z_i, the diagonal of the activation's Jacobian
    dE_dz: torch.Tensor  #: δ = ∂E/∂a ⊙ ∂a/∂z (full Jacobian for softmax-like activations)
    dz_dw: torch.Tensor  #: ∂z_j/∂W_jk = a_prev_k: the layer's input
    grad_weight: torch.Tensor  #: δᵀ·a_prev (+ λ·sign(W) with an L1 penalty)
    grad_bias: torch.Tensor | None  #: Σ over the batch of δ
    l1_term: bool  #: whether λ·sign(W) was added to match an L1 penalty
    elementwise: bool
    max_abs_diff: float | None  #: largest |chain rule − autograd|; None when frozen
    matches: bool | None


@dataclass
class LayerStep:
    """Everything one node computed and received, in topological order."""

    node_id: str
    name: str
    type: str
    activation: str | None
    is_output: bool
    sources: list[str]
    input: torch.Tensor | None  #: a_prev (None for merge nodes with several inputs)
    z: torch.Tensor | None  #: Dense only
    a: torch.Tensor
    dE_da: torch.Tensor | None
    chain: ChainRule | None
    params: list[ParamStep] = field(default_factory=list)


@dataclass
class GradEntry:
    """One checked parameter element: autograd beside the central difference."""

    label: str
    index: tuple[int, ...]
    autograd: float
    numeric: float
    abs_diff: float
    rel_diff: float


@dataclass
class GradCheck:
    """The finite-difference check: how many were checked and the worst disagreement."""

    h: float
    checked: int
    total: int
    max_abs_diff: float
    max_rel_diff: float
    entries: list[GradEntry]
    #: False when the network has step units: then finite differences measure jumps.
    meaningful: bool = True
    #: Why the check is not meaningful: a :class:`~nnstudio.i18n.Text` (English in JSON).
    reason: str = ""

    @property
    def worst(self) -> GradEntry | None:
        return max(self.entries, key=lambda e: e.rel_diff) if self.entries else None


@dataclass
class StepReport:
    """Result of :func:`inspect_step`. Tensors are CPU float32 copies, detached."""

    project: str
    weights: str  #: "trained" or "initial"
    epochs_trained: int
    rows: list[int]  #: positions in the training split
    table_rows: list[int]  #: 1-based data rows of the table (as in error messages)
    n_train: int
    task: str
    feature_names: list[str]
    target_names: list[str]
    class_names: list[str]
    x: torch.Tensor
    y: torch.Tensor
    output: torch.Tensor
    loss_name: str
    loss_label: str
    data_loss: float
    l1: float
    l1_penalty: float
    loss: float
    layers: list[LayerStep]
    optimizer_name: str
    optimizer_label: str
    optimizer_settings: dict[str, Any]
    lr: float
    optimizer_state: str  #: "fresh" or "saved" (continues the project's optimiser state)
    grad_check: GradCheck
    #: :class:`~nnstudio.i18n.Text` notes: English in ``step --json``, translated when shown.
    notes: list[str] = field(default_factory=list)

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (lists of floats; NaN/∞ become null).

        Keys: ``project``, ``weights`` ("trained"/"initial"), ``epochs_trained``, ``rows``
        (training-split positions), ``table_rows`` (1-based table rows), ``n_train``,
        ``task``, ``feature_names``, ``target_names``, ``class_names``, ``input`` (batch ×
        features), ``target``, ``output``, ``loss`` {``name``, ``label``, ``data_loss``,
        ``l1``, ``l1_penalty``, ``value``}, ``layers`` (topological order; each {``id``,
        ``name``, ``type``, ``activation``, ``is_output``, ``sources``, ``input`` = a_prev,
        ``z``, ``a``, ``dE_da``, ``chain_rule`` (Dense only: ``dE_da``, ``da_dz``, ``dE_dz``,
        ``dz_dw``, ``grad_weight``, ``grad_bias`` rebuilt by hand, ``l1_term``,
        ``elementwise``, ``max_abs_diff`` and ``matches_autograd`` against autograd),
        ``parameters`` {param: {``key``, ``shape``, ``trainable``, ``before``, ``grad``
        (autograd), ``after``}}}), ``optimizer`` {``name``, ``label``, ``lr``, ``settings``,
        ``state``}, ``gradient_check`` {``method``, ``h``, ``dtype``, ``checked``, ``total``,
        ``max_abs_diff``, ``max_rel_diff``, ``worst``, ``entries``}, ``notes``.
        """
        check = self.grad_check
        worst = check.worst
        return {
            "project": self.project,
            "weights": self.weights,
            "epochs_trained": self.epochs_trained,
            "rows": list(self.rows),
            "table_rows": list(self.table_rows),
            "n_train": self.n_train,
            "task": self.task,
            "feature_names": list(self.feature_names),
            "target_names": list(self.target_names),
            "class_names": list(self.class_names),
            "input": _plain(self.x),
            "target": _plain(self.y),
            "output": _plain(self.output),
            "loss": {
                "name": self.loss_name,
                "label": self.loss_label,
                "data_loss": _num(self.data_loss),
                "l1": self.l1,
                "l1_penalty": _num(self.l1_penalty),
                "value": _num(self.loss),
            },
            "layers": [_layer_dict(layer) for layer in self.layers],
            "optimizer": {
                "name": self.optimizer_name,
                "label": self.optimizer_label,
                "lr": self.lr,
                "settings": dict(self.optimizer_settings),
                "state": self.optimizer_state,
            },
            "gradient_check": {
                "method": "central differences (E(w+h) - E(w-h)) / 2h",
                "h": check.h,
                "dtype": "float64",
                "relative_difference": "|autograd - numeric| / max(|autograd|, |numeric|, "
                f"{FD_FLOOR:g} * largest |autograd|)",
                "meaningful": check.meaningful,
                "reason": check.reason,
                "checked": check.checked,
                "total": check.total,
                "max_abs_diff": _num(check.max_abs_diff),
                "max_rel_diff": _num(check.max_rel_diff),
                "worst": _entry_dict(worst) if worst else None,
                "entries": [_entry_dict(e) for e in check.entries],
            },
            "notes": list(self.notes),
        }

    @property
    def parameters(self) -> list[ParamStep]:
        return [p for layer in self.layers for p in layer.params]

    def layer(self, name: str) -> LayerStep:
        """A layer's step by node name or id."""
        for layer in self.layers:
            if name in (layer.name, layer.node_id):
                return layer
        raise KeyError(name)


def _num(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _plain(t: torch.Tensor | None) -> Any:
    """Nested lists of floats; non-finite values become None (strict JSON has no NaN)."""
    if t is None:
        return None
    t = t.detach().cpu()
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        return _finite_lists(t.double().tolist())
    return t.tolist()


def _finite_lists(value: Any) -> Any:
    if isinstance(value, list):
        return [_finite_lists(v) for v in value]
    return value if math.isfinite(value) else None


def _layer_dict(layer: LayerStep) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": layer.node_id,
        "name": layer.name,
        "type": layer.type,
        "activation": layer.activation,
        "is_output": layer.is_output,
        "sources": list(layer.sources),
        "input": _plain(layer.input),
        "z": _plain(layer.z),
        "a": _plain(layer.a),
        "dE_da": _plain(layer.dE_da),
    }
    if layer.chain is not None:
        c = layer.chain
        out["chain_rule"] = {
            "dE_da": _plain(c.dE_da),
            "da_dz": _plain(c.da_dz),
            "dE_dz": _plain(c.dE_dz),
            "dz_dw": _plain(c.dz_dw),
            "grad_weight": _plain(c.grad_weight),
            "grad_bias": _plain(c.grad_bias),
            "l1_term": c.l1_term,
            "elementwise": c.elementwise,
            "max_abs_diff": _num(c.max_abs_diff),
            "matches_autograd": c.matches,
        }
    out["parameters"] = {
        p.param: {
            "key": p.key,
            "shape": list(p.before.shape),
            "trainable": p.trainable,
            "before": _plain(p.before),
            "grad": _plain(p.grad),
            "after": _plain(p.after),
        }
        for p in layer.params
    }
    return out


def _entry_dict(e: GradEntry) -> dict[str, Any]:
    return {
        "parameter": e.label,
        "index": list(e.index),
        "autograd": _num(e.autograd),
        "numeric": _num(e.numeric),
        "abs_diff": _num(e.abs_diff),
        "rel_diff": _num(e.rel_diff),
    }


# --------------------------------------------------------------------------- the step


def inspect_step(
    project: Project,
    *,
    sample: int | None = None,
    loaded: tuple[Table, PreparedData] | None = None,
) -> StepReport:
    """One training step of ``project`` on a copy, with every intermediate value.

    ``sample`` picks one row of the training split; without it the first batch (in order,
    no shuffle) of the project's batch size is used. Trained weights are used when the
    project has them, else the initial weights training would start from. ``loaded`` is
    the table and prepared data a workspace already holds (the lab's views pass it, so the
    data is not read again for every row a student picks); without it the data is loaded.
    """
    from nnstudio.core.training.plan import plan_run

    with torch.random.fork_rng(devices=[]):
        trained = project.weights is not None
        plan = plan_run(project, resume=trained, loaded=loaded)
        prepared = plan.prepared
        settings = project.training
        n = prepared.n_train
        if n == 0:
            raise TrainingError(
                Text(
                    N_("the training split is empty: load data or give training a larger fraction")
                )
            )
        rows = _rows(sample, n, settings.batch_size)
        index = torch.tensor(rows, dtype=torch.long)
        x = prepared.x_train.index_select(0, index).float()
        y = prepared.y_train.index_select(0, index)

        model = copy.deepcopy(plan.model).cpu().float()
        model.train()
        weights = (
            class_weights_for(settings.loss, prepared.y_train, prepared.n_classes)
            if prepared.task == "classification"
            else None
        )
        loss_fn = build_loss(settings.loss, weights)
        # The dropout masks the engine's next epoch would draw.
        seed = epoch_seed(settings.seed, plan.job.start_epoch)

        if len(rows) == 1 and any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
            raise TrainingError(
                Text(
                    N_(
                        "batch normalisation needs at least 2 samples per batch in training "
                        "mode: inspect a batch instead of one sample"
                    )
                )
            )
        # Forward and backward pass, keeping every intermediate tensor's gradient.
        _seed(seed)
        x_in = x.clone().requires_grad_(True)
        try:
            parts = model.trace(x_in)
        except (RuntimeError, ValueError) as exc:
            raise TrainingError(
                Text(N_("the forward pass failed: {error}"), error=_first_line(exc))
            ) from None
        for tensors in parts.values():
            for t in tensors.values():
                if t.requires_grad:
                    t.retain_grad()
        output = parts[model.output_id]["a"]
        data_loss = loss_fn(output, y)
        l1 = float(settings.l1)
        penalty = _l1_penalty(model, l1)
        loss = data_loss + penalty if l1 else data_loss
        if loss.requires_grad:
            loss.backward()

        layers = _layer_steps(project, model, parts, l1)
        opt_name, lr, state_source, notes = _optimizer_step(project, model, layers, n)
        check = _gradient_check(model, loss_fn, x, y, l1, seed, _labels(project, model))

    loss_spec = LOSSES.get(settings.loss["name"])
    return StepReport(
        project=project.name,
        weights="trained" if trained else "initial",
        epochs_trained=project.epochs_trained if trained else 0,
        rows=rows,
        table_rows=[int(prepared.index_train[r]) + 1 for r in rows],
        n_train=n,
        task=prepared.task,
        feature_names=list(prepared.feature_names),
        target_names=list(prepared.target_names),
        class_names=list(prepared.class_names),
        x=x.detach().clone(),
        y=y.detach().clone(),
        output=output.detach().clone(),
        loss_name=loss_spec.name,
        loss_label=loss_spec.label,
        data_loss=data_loss.item(),
        l1=l1,
        l1_penalty=penalty.item() if l1 else 0.0,
        loss=loss.item(),
        layers=layers,
        optimizer_name=opt_name,
        optimizer_label=OPTIMIZERS.get(opt_name).label,
        optimizer_settings=dict(settings.optimizer),
        lr=lr,
        optimizer_state=state_source,
        grad_check=check,
        notes=notes,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _rows(sample: int | None, n: int, batch_size: int) -> list[int]:
    if sample is None:
        batch = n if batch_size <= 0 else min(batch_size, n)
        return list(range(batch))
    if isinstance(sample, bool) or not isinstance(sample, int):
        raise TrainingError(
            Text(N_("the sample must be a row number, not {sample!r}"), sample=sample)
        )
    if not 0 <= sample < n:
        template = (
            N_("sample {sample} is outside the {n} training row (choose 0–{last})")
            if n == 1
            else N_("sample {sample} is outside the {n} training rows (choose 0–{last})")
        )
        raise TrainingError(Text(template, sample=sample, n=n, last=n - 1))
    return [sample]


def _l1_penalty(model: nn.Module, l1: float) -> torch.Tensor:
    if not l1:
        return torch.zeros(())
    weights = l1_weights(model)
    if not weights:
        return torch.zeros(())
    return l1 * sum(w.abs().sum() for w in weights)


def _labels(project: Project, model: nn.Module) -> dict[str, str]:
    """Parameter name in the module → ``<layer name>.<param>``."""
    out = {}
    for name, _param in model.named_parameters():
        key = name[len(LAYERS_PREFIX) :] if name.startswith(LAYERS_PREFIX) else name
        node_id, _dot, param = key.partition(".")
        node = project.graph.nodes.get(node_id)
        out[name] = f"{node.name if node else node_id}.{param}"
    return out


def _grad_of(t: torch.Tensor | None) -> torch.Tensor | None:
    if t is None or not t.requires_grad:
        return None
    return t.grad.detach().clone() if t.grad is not None else torch.zeros_like(t.detach())


def _jacobian_product(module: nn.Module, z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Jᵀ·g for softmax-like activations (every a_i depends on every z_j)."""
    s = torch.softmax(z, dim=1)
    if isinstance(module, nn.LogSoftmax):
        return g - s * g.sum(dim=1, keepdim=True)
    return s * (g - (g * s).sum(dim=1, keepdim=True))


def _layer_steps(
    project: Project, model: GraphModule, parts: Mapping[str, Mapping[str, torch.Tensor]], l1: float
) -> list[LayerStep]:
    steps = []
    for nid in model.order:
        node = project.graph.nodes[nid]
        layer = model.layers[nid]
        part = parts[nid]
        a = part["a"]
        dE_da = _grad_of(a)
        z = part.get("z")
        a_prev = part.get("input")
        chain = None
        if isinstance(layer, DenseLayer) and z is not None and a_prev is not None:
            chain = _chain_rule(model, nid, layer, a_prev.detach(), z, dE_da, l1)
        act = model.activation_names.get(nid)
        steps.append(
            LayerStep(
                node_id=nid,
                name=node.name,
                type=node.type,
                activation=act,
                is_output=nid == model.output_id,
                sources=list(model.sources.get(nid, [])),
                input=a_prev.detach().clone() if a_prev is not None else None,
                z=z.detach().clone() if z is not None else None,
                a=a.detach().clone(),
                dE_da=dE_da,
                chain=chain,
            )
        )
    return steps


def _chain_rule(
    model: GraphModule,
    nid: str,
    layer: DenseLayer,
    a_prev: torch.Tensor,
    z: torch.Tensor,
    dE_da: torch.Tensor | None,
    l1: float,
) -> ChainRule:
    act_name = model.activation_names.get(nid, "identity")
    elementwise = ACTIVATIONS.get(act_name).elementwise if act_name in ACTIVATIONS else True
    zd = z.detach()
    g = dE_da if dE_da is not None else torch.zeros_like(zd)
    da_dz = derivative(layer.activation, zd, elementwise=elementwise)
    dE_dz = g * da_dz if elementwise else _jacobian_product(layer.activation, zd, g)
    W = layer.weight
    grad_w = dE_dz.t() @ a_prev
    l1_term = bool(l1) and W.requires_grad and W.dim() > 1
    if l1_term:
        grad_w = grad_w + l1 * torch.sign(W.detach())
    grad_b = dE_dz.sum(dim=0) if layer.bias is not None else None
    diffs = []
    if W.grad is not None:
        diffs.append(float((grad_w - W.grad).abs().max()))
    if layer.bias is not None and layer.bias.grad is not None and grad_b is not None:
        diffs.append(float((grad_b - layer.bias.grad).abs().max()))
    if diffs:
        # Both sides are float32 sums in a different order: equal up to rounding.
        scale = float(W.grad.abs().max()) if W.grad is not None else 0.0
        max_diff = max(diffs)
        matches = max_diff <= 1e-6 + 1e-4 * scale
    else:
        max_diff, matches = None, None
    return ChainRule(
        dE_da=g.clone(),
        da_dz=da_dz,
        dE_dz=dE_dz.detach(),
        dz_dw=a_prev.clone(),
        grad_weight=grad_w.detach(),
        grad_bias=grad_b.detach() if grad_b is not None else None,
        l1_term=l1_term,
        elementwise=elementwise,
        max_abs_diff=max_diff,
        matches=matches,
    )


def _optimizer_step(
    project: Project, model: GraphModule, layers: list[LayerStep], n_train: int
) -> tuple[str, float, str, list[str]]:
    """One optimiser step on a copy holding the same gradients; fills every ParamStep.

    Set up as the training loop does it: the project's optimiser, its saved state when the
    weights are trained, and the learning-rate schedule, so the lr is the one training would
    use for this step (a warm-up, for example, starts low).
    """
    notes: list[str] = []
    settings = project.training
    stepped = copy.deepcopy(model)
    for p_copy, p in zip(stepped.parameters(), model.parameters(), strict=True):
        p_copy.grad = None if p.grad is None else p.grad.detach().clone()
    trainable = [p for p in stepped.parameters() if p.requires_grad]
    component = OPTIMIZERS.normalize(settings.optimizer)
    name = component["name"]
    state = "fresh"
    lr = float(component["lr"])
    if trainable:
        optimizer = build_optimizer(component, trainable)
        if project.weights is not None and project.optimizer_state:
            try:
                optimizer.load_state_dict(copy.deepcopy(project.optimizer_state))
                state = "saved"
            except (ValueError, KeyError, RuntimeError):
                optimizer = build_optimizer(component, trainable)
                notes.append(
                    Text(N_("the saved optimiser state does not fit this network; started fresh"))
                )
        controller = make_controller(
            settings.schedule,
            optimizer,
            epochs=settings.epochs,
            steps_per_epoch=steps_per_epoch(n_train, settings.batch_size),
        )
        if state == "saved" and project.schedule_state:
            try:
                controller.load_state_dict(copy.deepcopy(project.schedule_state))
            except (ValueError, KeyError, TypeError, RuntimeError):
                notes.append(
                    Text(N_("the saved schedule state does not fit; the schedule starts over"))
                )
        lr = float(controller.lr())
        optimizer.step()
    else:
        notes.append(Text(N_("every layer is frozen: the step changes nothing")))

    after = dict(stepped.named_parameters())
    by_node: dict[str, LayerStep] = {layer.node_id: layer for layer in layers}
    for pname, p in model.named_parameters():
        key = pname[len(LAYERS_PREFIX) :] if pname.startswith(LAYERS_PREFIX) else pname
        node_id, _dot, param = key.partition(".")
        layer = by_node.get(node_id)
        if layer is None:
            continue
        layer.params.append(
            ParamStep(
                key=key,
                label=f"{layer.name}.{param}",
                param=param,
                trainable=p.requires_grad,
                before=p.detach().clone(),
                grad=None if p.grad is None else p.grad.detach().clone(),
                after=after[pname].detach().clone(),
            )
        )
    return name, lr, state, notes


def _chosen(numels: Sequence[int], cap: int) -> list[list[int]]:
    """Flat indices to check in each tensor: all when few, else evenly spread, deterministic.

    Every tensor gets a share proportional to its size (at least a few elements, so small
    bias vectors are always checked).
    """
    total = sum(numels)
    if total <= cap:
        return [list(range(k)) for k in numels]
    out = []
    for k in numels:
        quota = min(k, max(min(k, 8), cap * k // total))
        out.append([i * k // quota for i in range(quota)])
    return out


def _fd_quota(n_rows: int, n_params: int) -> int:
    """How many parameters to perturb: FD_MAX_PARAMS, fewer when each forward pass is big."""
    per_check = 2 * max(1, n_rows) * max(1, n_params)
    return max(FD_MIN_PARAMS, min(FD_MAX_PARAMS, int(FD_WORK // per_check)))


def _gradient_check(
    model: GraphModule,
    loss_fn: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    l1: float,
    seed: int,
    labels: Mapping[str, str],
) -> GradCheck:
    """Central differences in float64 against float64 autograd, on a float64 copy.

    Both sides are float64 so the check measures autograd, not float32 rounding. Dropout
    draws the same mask for every evaluation (the generator is re-seeded), so E is one
    deterministic function of the weights.
    """
    model64 = copy.deepcopy(model).double()
    model64.train()
    for p in model64.parameters():
        p.grad = None
    loss64 = copy.deepcopy(loss_fn).double()
    x64 = x.detach().double()
    y64 = y.detach().double() if y.is_floating_point() else y.detach()
    random = _has_randomness(model64)
    jumps = sorted(
        {
            ACTIVATIONS.get(name).label
            for name in model.activation_names.values()
            if name in ACTIVATIONS and not ACTIVATIONS.get(name).trainable_by_gradient
        }
    )
    reason = (
        Text(
            N_(
                "{activations} jumps instead of sloping: autograd uses a stand-in slope and "
                "finite differences measure the jump, so the two need not agree"
            ),
            # One name (step is the only such activation) is a catalogue label: translated.
            activations=Text(jumps[0]) if len(jumps) == 1 else ", ".join(jumps),
        )
        if jumps
        else ""
    )

    def energy() -> torch.Tensor:
        if random:
            _seed(seed)
        value = loss64(model64(x64), y64)
        if l1:
            value = value + _l1_penalty(model64, l1)
        return value

    named = [(n, p) for n, p in model64.named_parameters() if p.requires_grad]
    total = sum(p.numel() for _, p in named)
    if not named:
        return GradCheck(FD_STEP, 0, 0, 0.0, 0.0, [], not jumps, reason)
    value = energy()
    grads = torch.autograd.grad(value, [p for _, p in named], allow_unused=True)
    grads = [
        torch.zeros_like(p) if g is None else g for (_, p), g in zip(named, grads, strict=True)
    ]
    floor = max(FD_FLOOR * max(float(g.abs().max()) for g in grads), 1e-300)
    cap = _fd_quota(len(x64), sum(p.numel() for p in model64.parameters()))
    picks = _chosen([p.numel() for _, p in named], cap)
    entries: list[GradEntry] = []
    with torch.no_grad():
        for (name, p), g, chosen in zip(named, grads, picks, strict=True):
            flat = p.view(-1)
            gflat = g.reshape(-1)
            for i in chosen:
                old = float(flat[i])
                flat[i] = old + FD_STEP
                plus = energy().item()
                flat[i] = old - FD_STEP
                minus = energy().item()
                flat[i] = old
                numeric = (plus - minus) / (2 * FD_STEP)
                auto = float(gflat[i])
                diff = abs(auto - numeric)
                rel = diff / max(abs(auto), abs(numeric), floor)
                if not math.isfinite(diff):
                    diff = rel = math.inf
                entries.append(
                    GradEntry(labels[name], _unravel(i, p.shape), auto, numeric, diff, rel)
                )
    return GradCheck(
        FD_STEP,
        len(entries),
        total,
        max((e.abs_diff for e in entries), default=0.0),
        max((e.rel_diff for e in entries), default=0.0),
        entries,
        not jumps,
        reason,
    )


def _has_randomness(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.dropout._DropoutNd) for m in model.modules())


def _seed(seed: int) -> None:
    """Seed the CPU generator only (``torch.manual_seed`` also queues CUDA work: slow)."""
    torch.default_generator.manual_seed(seed)


def _unravel(i: int, shape: torch.Size) -> tuple[int, ...]:
    out = []
    for size in reversed(shape):
        out.append(i % size)
        i //= size
    return tuple(reversed(out))


__all__ = [
    "FD_MAX_PARAMS",
    "FD_STEP",
    "ChainRule",
    "GradCheck",
    "GradEntry",
    "LayerStep",
    "ParamStep",
    "StepReport",
    "inspect_step",
]

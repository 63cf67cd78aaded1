"""The training half of the exported script: loss, optimiser, schedule and the loop.

The loop mirrors :func:`nnstudio.core.training.engine.train` statement for statement where it
matters for the numbers: ``torch.manual_seed(seed)`` before training (dropout), a separate
``torch.Generator().manual_seed(seed)`` for the batch order, one ``torch.randperm`` per epoch
(only when shuffling mini-batches), the same loss conversions, L1 penalty, NaN guard, early
stopping and schedule stepping. Values that NN Studio derives at run time (OneCycle's peak,
cosine length, warm-up steps) are written the way NN Studio derives them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from nnstudio.core.catalogue.losses import LOSSES
from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.schedules import SCHEDULES
from nnstudio.core.export.codegen import (
    INDENT,
    call,
    comment,
    docstring,
    lit,
    split_call,
    with_comment,
)
from nnstudio.core.export.script_model import render
from nnstudio.core.training.training_settings import TrainingSettings

LION_CLASS = '''class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023): every weight moves by exactly +-lr, the sign of a blend of
    momentum and gradient. One state tensor per weight (half of Adam's memory).

    Per step, with gradient g and momentum m:
        w <- w - lr * weight_decay * w            (decoupled weight decay)
        w <- w - lr * sign(beta1 * m + (1 - beta1) * g)
        m <- beta2 * m + (1 - beta2) * g
    """

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        defaults = {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                if wd != 0:
                    p.mul_(1.0 - lr * wd)
                update = exp_avg.mul(beta1).add_(p.grad, alpha=1.0 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(p.grad, alpha=1.0 - beta2)
        return loss'''

SNAPSHOT = '''def snapshot(model: nn.Module) -> dict:
    """A copy of every weight (and BatchNorm running average), to go back to later."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}'''

HALF_SSE = '''def half_sse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1/2 sum of (output - target)^2 over the whole batch (the backprop lesson's loss)."""
    return 0.5 * ((output - target) ** 2).sum()'''


PROCESSES = '''def start_processes(distributed: bool) -> tuple[int, int, torch.device]:
    """This process's rank, the number of processes, and the device to train on.

    Alone (no --distributed): process 0 of 1, on the CPU. Under torchrun with --distributed:
    every process joins the group torchrun describes in its environment, one GPU each with
    nccl when there are GPUs, else on the CPU with gloo.
    """
    if not distributed:
        return 0, 1, torch.device("cpu")
    if "RANK" not in os.environ:
        raise SystemExit(
            "--distributed needs torchrun: torchrun --nproc-per-node N this_script.py "
            "--distributed"
        )
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size(), device


def all_sum(value: float, device: torch.device) -> float:
    """The sum of a number over all the processes."""
    total = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(total)
    return float(total)


def leave_processes(world: int) -> None:
    """End a process of a torchrun job once its work is done, without finalization.

    gloo's worker threads outlive destroy_process_group, and one still releasing the last
    collective's tensors while Python finalizes can abort the process after its work is done
    (SIGABRT). Leaving with os._exit, output flushed, gives that thread nothing to race.
    """
    if world > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)'''


def settings_block(s: TrainingSettings, *, monitor: str | None) -> list[str]:
    """``SEED``, ``EPOCHS``, ... constants with what they mean."""
    lines = ["# --- training settings, as in the NN Studio project " + "-" * 36, ""]
    lines += with_comment(
        f"SEED = {s.seed}", "starting weights, batch order and dropout repeat with it"
    )
    lines += with_comment(f"EPOCHS = {s.epochs}", "passes over the whole training set")
    lines += with_comment(
        f"BATCH_SIZE = {s.batch_size}", "rows per update: 0 = all (batch GD), 1 = one (SGD)"
    )
    lines += with_comment(
        f"SHUFFLE = {s.shuffle}", "mini-batches visit the rows in a new random order each epoch"
    )
    if s.l1 > 0:
        lines += with_comment(
            f"L1 = {lit(float(s.l1))}", "L1 penalty: adds L1 * sum(|w|) of the weight matrices"
        )
    early = s.early_stopping
    if early.enabled and monitor:
        lines += with_comment(
            f"PATIENCE = {early.patience}",
            f"early stopping: epochs without a better {monitor} before stopping",
        )
        lines += with_comment(
            f"MIN_DELTA = {lit(float(early.min_delta))}", "smallest change that counts as better"
        )
    return lines


# --- loss ------------------------------------------------------------------------------------


def loss_section(s: TrainingSettings, *, task: str, n_classes: int, output_units: int) -> list[str]:
    """``make_loss(y_train)``: NN Studio's loss, with the target conversion it makes."""
    comp = LOSSES.normalize(s.loss)
    spec = LOSSES.get(comp["name"])
    name = spec.name
    p1 = INDENT
    lines: list[str] = []
    if name == "half_sse":
        lines += [*HALF_SSE.split("\n"), "", ""]
    lines.append("def make_loss(y_train: torch.Tensor):")
    lines += docstring(f"The loss NN Studio uses for this project: {spec.label}.", 1)
    lines += comment(spec.help, 1)
    args: list[str] = []
    if spec.uses_class_weights and comp.get("weighting", "none") != "none":
        if comp["weighting"] == "balanced":
            lines += comment(
                "Balanced class weights: n_samples / (n_classes * count), so every class "
                "adds up to the same total weight (a class that never occurs gets 1).",
                1,
            )
            lines.append(
                f"{p1}counts = torch.bincount(y_train, minlength=len(CLASS_NAMES)).float()"
            )
            lines += call(
                "weights",
                "torch.where",
                ["counts > 0", "len(y_train) / (len(CLASS_NAMES) * counts)", "1.0"],
                1,
            )
        else:
            weights = [float(w) for w in comp["class_weights"]]
            lines += comment("Class weights, one per class in CLASS_NAMES order.", 1)
            lines.append(f"{p1}weights = torch.tensor({lit(weights)})")
        args.append("weight=weights")
    if name == "cross_entropy" and comp.get("label_smoothing", 0.0):
        args.append(f"label_smoothing={lit(float(comp['label_smoothing']))}")
    if name == "bce_with_logits" and comp.get("pos_weight", 1.0) != 1.0:
        args.append(f"pos_weight=torch.tensor([{lit(float(comp['pos_weight']))}])")
    if name in ("smooth_l1", "huber"):
        key = "beta" if name == "smooth_l1" else "delta"
        if comp.get(key, 1.0) != 1.0:
            args.append(f"{key}={lit(float(comp[key]))}")
    ctor = {
        "mse": "nn.MSELoss",
        "l1": "nn.L1Loss",
        "smooth_l1": "nn.SmoothL1Loss",
        "huber": "nn.HuberLoss",
        "bce": "nn.BCELoss",
        "bce_with_logits": "nn.BCEWithLogitsLoss",
        "cross_entropy": "nn.CrossEntropyLoss",
        "nll": "nn.NLLLoss",
    }
    criterion = "half_sse" if name == "half_sse" else f"{ctor[name]}({', '.join(args)})"
    convert = _conversion(spec.target, task, n_classes, output_units)
    if convert is None:
        lines.append(f"{p1}return {criterion}")
        return lines
    note, expr = convert
    lines.append(f"{p1}criterion = {criterion}")
    lines += ["", f"{p1}def loss_fn(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:"]
    lines += comment(note, 2)
    lines.append(f"{INDENT * 2}return criterion(output, {expr})")
    lines += ["", f"{p1}return loss_fn"]
    return lines


def _conversion(
    target: str, task: str, n_classes: int, output_units: int
) -> tuple[str, str] | None:
    """What NN Studio's DatasetLoss does to the dataset targets for this loss (None: nothing)."""
    if target == "class_index":
        return None
    if target == "binary":
        return (
            "Classes 0 and 1 as numbers, one per row like the single output unit.",
            "y.to(output.dtype).reshape(output.shape)",
        )
    if task == "regression":
        return None
    if output_units > 1:
        return (
            "A regression loss compares numbers: class ids become one-hot rows "
            "(1 for the true class, 0 elsewhere).",
            f"nn.functional.one_hot(y, {output_units}).to(output.dtype)",
        )
    return (
        "A regression loss compares numbers: class ids 0/1 against the single output unit.",
        "y.to(output.dtype).reshape(output.shape)",
    )


def predictions_section(task: str, output_units: int, expects: str) -> list[str]:
    """``class_ids(output)`` (classification) and ``evaluate(...)``."""
    p1 = INDENT
    lines: list[str] = []
    if task == "classification":
        lines.append("def class_ids(output: torch.Tensor) -> torch.Tensor:")
        if output_units == 1:
            threshold = 0.5 if expects == "probabilities" else 0.0
            what = "a probability" if expects == "probabilities" else "a score"
            lines += docstring(
                f"Class 1 where the single output ({what}) is above {threshold:g}, else 0.", 1
            )
            lines.append(f"{p1}return (output.reshape(-1) > {lit(threshold)}).long()")
        else:
            lines += docstring("The predicted class of every row: the highest output.", 1)
            lines.append(f"{p1}return output.argmax(dim=1)")
        lines += ["", ""]
    lines.append(
        "def evaluate(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor) -> dict:"
    )
    what = "accuracy" if task == "classification" else "RMSE, MAE and R²"
    lines += docstring(f"Loss and {what} on one part of the data, in evaluation mode.", 1)
    lines.append(f"{p1}was_training = model.training")
    lines += with_comment("model.eval()", "dropout off, BatchNorm uses its running averages", 1)
    lines.append(f"{p1}with torch.no_grad():")
    lines.append(f"{p1 * 2}output = model(x)")
    lines.append(f"{p1 * 2}loss = float(loss_fn(output, y))")
    lines.append(f"{p1}model.train(was_training)")
    if task == "classification":
        lines.append(f"{p1}accuracy = float((class_ids(output) == y).double().mean())")
        lines.append(f'{p1}return {{"loss": loss, "accuracy": accuracy}}')
        return lines
    lines.append(f"{p1}error = output.reshape(y.shape).double() - y.double()")
    lines.append(f"{p1}ss_res = float((error**2).sum())")
    lines.append(f"{p1}ss_tot = float(((y.double() - y.double().mean(dim=0)) ** 2).sum())")
    lines.append(f"{p1}return {{")
    lines.append(f'{p1 * 2}"loss": loss,')
    lines.append(f'{p1 * 2}"rmse": float((error**2).mean()) ** 0.5,')
    lines.append(f'{p1 * 2}"mae": float(error.abs().mean()),')
    lines += with_comment(
        '"r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),',
        "1 = perfect, 0 = no better than the mean",
        2,
    )
    lines.append(f"{p1}}}")
    return lines


# --- optimiser and schedule ----------------------------------------------------------------


def optimizer_lines(s: TrainingSettings) -> list[str]:
    comp = OPTIMIZERS.normalize(s.optimizer)
    spec = OPTIMIZERS.get(comp["name"])
    lines = comment(f"Optimiser: {spec.label}. {spec.help}", 1)
    func, args = _call_parts(render(spec.code, {**comp, "params": "params"}))
    lines += call("optimizer", func, args, 1)
    return lines


def _call_parts(code: str) -> tuple[str, list[str]]:
    """A catalogue entry's one-line constructor as (callee, arguments), to re-wrap it."""
    split = split_call(code)
    if split is None:
        raise ValueError(f"not a single call: {code!r}")
    _indent, func, args = split
    return func, args


def schedule_lines(s: TrainingSettings, steps_per_epoch: int) -> tuple[list[str], str | None]:
    """Statements creating ``scheduler`` and when it steps: "batch", "epoch", "metric"."""
    comp = SCHEDULES.normalize(s.schedule)
    spec = SCHEDULES.get(comp["name"])
    name = spec.name
    if name == "constant":
        return [], None
    values: dict[str, Any] = dict(comp)
    opt = OPTIMIZERS.normalize(s.optimizer)
    if name == "cosine":
        values["t_max"] = comp["t_max"] or max(1, s.epochs)
    elif name == "multistep":
        values["milestones"] = sorted(comp["milestones"])
    elif name == "onecycle":
        values["max_lr"] = comp["max_lr"] or 10.0 * float(opt["lr"])
        has_momentum = "beta1" in opt or float(opt.get("momentum", 0.0)) > 0
        values["cycle_momentum"] = bool(comp["cycle_momentum"]) and has_momentum
    elif name == "warmup" and round(comp["warmup_epochs"] * steps_per_epoch) <= 0:
        return [], None  # NN Studio skips a warm-up shorter than one batch
    lines = comment(f"Learning-rate schedule: {spec.label}. {spec.help}", 1)
    if name == "onecycle":
        args = [
            "optimizer",
            f"max_lr={lit(float(values['max_lr']))}",
            "total_steps=max(1, EPOCHS * steps_per_epoch)",
            f"pct_start={lit(float(values['pct_start']))}",
            f"anneal_strategy={lit(values['anneal_strategy'])}",
            f"cycle_momentum={values['cycle_momentum']}",
            f"div_factor={lit(float(values['div_factor']))}",
            f"final_div_factor={lit(float(values['final_div_factor']))}",
        ]
        lines += call("scheduler", "torch.optim.lr_scheduler.OneCycleLR", args, 1)
        return lines, "batch"
    if name == "warmup":
        args = [
            "optimizer",
            f"start_factor={lit(float(values['start_factor']))}",
            "end_factor=1.0",
            f"total_iters=round({lit(float(values['warmup_epochs']))} * steps_per_epoch)",
        ]
        lines += call("scheduler", "torch.optim.lr_scheduler.LinearLR", args, 1)
        return lines, "batch"
    code = render(spec.code, {**values, "optimizer": "optimizer", "epochs": "EPOCHS"})
    func, args = _call_parts(code)
    lines += call("scheduler", func, args, 1)
    return lines, ("metric" if spec.needs_metric else "epoch")


# --- the loop --------------------------------------------------------------------------------


def train_section(
    s: TrainingSettings,
    *,
    task: str,
    has_val: bool,
    monitor: str | None,
    steps_per_epoch: int,
    distributed: bool = False,
) -> list[str]:
    """``train(model, data) -> history``, mirroring NN Studio's training loop.

    ``distributed`` adds what several processes need (``train(model, data, rank, world)``
    with DistributedDataParallel); without it the loop is the plain one-process loop.
    """
    classification = task == "classification"
    p1, p2, p3, p4 = INDENT, INDENT * 2, INDENT * 3, INDENT * 4
    early = s.early_stopping
    sched, when = schedule_lines(s, steps_per_epoch)
    lines = [*SNAPSHOT.split("\n"), "", ""]
    if distributed:
        lines += [*PROCESSES.split("\n"), "", ""]
        lines.append(
            "def train(model: nn.Module, data: dict, rank: int = 0, world: int = 1) -> dict:"
        )
        lines += docstring(
            "Train the network as NN Studio does: same seeds, same batches, same updates.\n\n"
            "With several processes (world > 1) each takes every world-th row of every batch,\n"
            "and DistributedDataParallel averages their gradients: together they make the same\n"
            "updates. Returns the history: one value per finished epoch for every metric.",
            1,
        )
    else:
        lines.append("def train(model: nn.Module, data: dict) -> dict:")
        lines += docstring(
            "Train the network as NN Studio does: same seeds, same batches, same updates.\n\n"
            "Returns the history: one value per finished epoch for every metric.",
            1,
        )
    lines.append(f'{p1}x_train, y_train = data["x_train"], data["y_train"]')
    if has_val:
        lines.append(f'{p1}x_val, y_val = data["x_val"], data["y_val"]')
    lines += textwrap.indent(
        textwrap.dedent(
            """\
            n = len(x_train)
            batch_size = n if BATCH_SIZE <= 0 else min(BATCH_SIZE, n)
            steps_per_epoch = math.ceil(n / batch_size)
            """
        ),
        p1,
    ).splitlines()
    lines.append("")
    lines.append(f"{p1}model.train()")
    if distributed:
        lines += comment(
            "With several processes the forward passes go through DDP, which averages the "
            "gradients of all of them in backward().",
            1,
        )
        lines.append(f"{p1}net = model")
        lines.append(f"{p1}if world > 1:")
        lines.append(f'{p2}gpu = [x_train.device] if x_train.device.type == "cuda" else None')
        lines.append(f"{p2}net = DistributedDataParallel(model, device_ids=gpu)")
    lines.append(f"{p1}loss_fn = make_loss(y_train)")
    lines += comment("Only weights that may change are optimised (frozen layers are not).", 1)
    lines.append(f"{p1}params = [p for p in model.parameters() if p.requires_grad]")
    lines += optimizer_lines(s)
    lines += sched
    if s.l1 > 0:
        lines += comment(
            "The L1 penalty covers the weight matrices of trainable layers, not the biases.",
            1,
        )
        lines.append(f"{p1}l1_weights = [")
        lines.append(f"{p2}p")
        lines.append(f"{p2}for name, p in model.named_parameters()")
        lines.append(f'{p2}if p.requires_grad and name.endswith("weight") and p.dim() > 1')
        lines.append(f"{p1}]")
    keys = ["train_loss", "train_accuracy" if classification else "train_rmse"]
    if has_val:
        keys += (
            ["val_loss", "val_accuracy"]
            if classification
            else ["val_loss", "val_rmse", "val_mae", "val_r2"]
        )
    if when is not None:
        keys.append("lr")
    lines.append(f"{p1}history = {{{', '.join(f'{lit(k)}: []' for k in keys)}}}")
    if len(lines[-1]) > 88:
        lines.pop()
        lines.append(f"{p1}history = {{")
        lines += [f"{p2}{lit(k)}: []," for k in keys]
        lines.append(f"{p1}}}")
    stopping = early.enabled and monitor in keys
    if stopping:
        lines += comment(
            f"Early stopping watches {monitor}"
            + (", and goes back to the best epoch's weights." if early.restore_best else "."),
            1,
        )
        if early.restore_best:
            lines.append(f"{p1}best_value, best_epoch, best_state, since_best = None, 0, None, 0")
        else:
            lines.append(f"{p1}best_value, best_epoch, since_best = None, 0, 0")
    lines.append(f"{p1}for epoch in range(EPOCHS):")
    lines += comment("Weights to go back to if the loss explodes (the NaN guard).", 2)
    lines.append(f"{p2}safe_state = snapshot(model)")
    lines += comment(
        "Mini-batches take the rows in a new random order every epoch; a full batch keeps "
        "their order.",
        2,
    )
    lines += comment(
        "Every epoch has its own seed for the batch order and the dropout masks, as in NN "
        "Studio (so a stopped run can resume exactly).",
        2,
    )
    lines.append(f"{p2}epoch_seed = (SEED * 1_000_003 + epoch) % 2**63")
    lines.append(f"{p2}torch.manual_seed(epoch_seed)")
    lines.append(f"{p2}if SHUFFLE and batch_size < n:")
    lines.append(f"{p3}shuffle_gen = torch.Generator().manual_seed(epoch_seed)")
    lines.append(f"{p3}order = torch.randperm(n, generator=shuffle_gen)")
    lines.append(f"{p2}else:")
    lines.append(f"{p3}order = torch.arange(n)")
    if distributed:
        lines.append(f"{p2}order = order.to(x_train.device)")
    tracked = "correct" if classification else "squared_error"
    lines.append(f"{p2}running, {tracked}, seen = 0.0, 0, 0")
    lines.append(f"{p2}for b in range(steps_per_epoch):")
    if distributed:
        lines += _distributed_batch(s)
    else:
        lines.append(f"{p3}rows = order[b * batch_size : (b + 1) * batch_size]")
        lines.append(f"{p3}xb, yb = x_train[rows], y_train[rows]")
        lines += with_comment("output = model(xb)", "forward pass", 3)
        lines.append(f"{p3}loss = loss_fn(output, yb)")
    if s.l1 > 0:
        lines.append(f"{p3}loss = loss + L1 * sum(w.abs().sum() for w in l1_weights)")
    lines.append(f"{p3}value = loss.item()")
    if distributed:
        lines.append(f"{p3}if world > 1:")
        lines += comment("The whole batch's loss, the same in every process.", 4)
        lines.append(f"{p4}value = all_sum(value, x_train.device) / world")
    lines.append(f"{p3}if not math.isfinite(value):")
    lines += comment("The loss exploded: stop, keeping weights that still hold finite numbers.", 4)
    said = [
        f"{p4}print(",
        f'{p4}{INDENT}f"Epoch {{epoch + 1}}, batch {{b + 1}}: the loss became NaN or "',
        f'{p4}{INDENT}"infinite, so training stopped. Lower the learning rate or "',
        f'{p4}{INDENT}"scale the inputs."',
        f"{p4})",
    ]
    lines += [f"{p4}if rank == 0:", *(INDENT + line for line in said)] if distributed else said
    lines.append(f"{p4}state = model.state_dict().values()")
    lines.append(f"{p4}if not all(torch.isfinite(t).all() for t in state):")
    lines.append(f"{p4}{INDENT}model.load_state_dict(safe_state)")
    lines.append(f"{p4}return history")
    lines += with_comment(
        "optimizer.zero_grad()", "gradients add up unless cleared before each step", 3
    )
    lines += with_comment("loss.backward()", "backpropagation: every gradient", 3)
    lines += with_comment("optimizer.step()", "update the weights", 3)
    if when == "batch" and SCHEDULES.normalize(s.schedule)["name"] == "onecycle":
        lines += comment(
            "One cycle reaches its lowest rate at its last planned step and stays there.", 3
        )
        lines.append(f"{p3}if scheduler.last_epoch < scheduler.total_steps - 1:")
        lines.append(f"{p4}scheduler.step()")
    elif when == "batch":
        lines.append(f"{p3}scheduler.step()")
    if distributed:
        lines.append(f"{p3}running += value * (hi - lo)")
        lines.append(f"{p3}seen += hi - lo")
        lines.append(f"{p3}if share:")
        if classification:
            lines.append(f"{p4}correct += int((class_ids(output.detach()) == yb).sum())")
        else:
            lines.append(f"{p4}error = output.detach().reshape(yb.shape) - yb")
            lines.append(f"{p4}squared_error += float((error**2).sum())")
        lines.append(f"{p2}if world > 1:")
        lines += comment("Add up what every process counted on its rows.", 3)
        lines.append(f"{p3}{tracked} = all_sum({tracked}, x_train.device)")
    else:
        lines.append(f"{p3}running += value * len(yb)")
        lines.append(f"{p3}seen += len(yb)")
        if classification:
            lines.append(f"{p3}correct += int((class_ids(output.detach()) == yb).sum())")
        else:
            lines.append(
                f"{p3}squared_error += float(((output.detach().reshape(yb.shape) - yb) ** 2).sum())"
            )
    lines.append(f'{p2}history["train_loss"].append(running / seen)')
    if classification:
        lines.append(f'{p2}history["train_accuracy"].append(correct / seen)')
    else:
        lines.append(f"{p2}width = y_train.shape[1] if y_train.dim() > 1 else 1")
        lines.append(f'{p2}history["train_rmse"].append(math.sqrt(squared_error / (seen * width)))')
    if has_val:
        if distributed:
            lines += comment(
                "Every process scores the whole validation set with the same weights, so all "
                "of them agree on early stopping and on the schedule.",
                2,
            )
        lines.append(f"{p2}val = evaluate(model, loss_fn, x_val, y_val)")
        lines.append(f"{p2}for key, value in val.items():")
        lines.append(f'{p3}history[f"val_{{key}}"].append(value)')
    if when is not None:
        lines += with_comment(
            'history["lr"].append(optimizer.param_groups[0]["lr"])', "the learning rate now", 2
        )
    if stopping:
        better = (
            "current - best_value > MIN_DELTA"
            if early.maximize
            else "best_value - current > MIN_DELTA"
        )
        lines.append(f"{p2}current = history[{lit(monitor)}][-1]")
        lines.append(f"{p2}if math.isfinite(current):")
        lines.append(f"{p3}if best_value is None or {better}:")
        lines.append(f"{p4}best_value, best_epoch, since_best = current, epoch + 1, 0")
        if early.restore_best:
            lines.append(f"{p4}best_state = snapshot(model)")
        lines.append(f"{p3}else:")
        lines.append(f"{p4}since_best += 1")
    if when == "epoch":
        lines.append(f"{p2}scheduler.step()")
    elif when == "metric":
        key = "val_loss" if has_val else "train_loss"
        lines += with_comment(f'scheduler.step(history["{key}"][-1])', "it watches the loss", 2)
    if distributed:
        lines.append(f"{p2}report = (epoch + 1) % max(1, EPOCHS // 10) == 0 or epoch == 0")
        lines.append(f"{p2}if rank == 0 and report:")
    else:
        lines.append(f"{p2}if (epoch + 1) % max(1, EPOCHS // 10) == 0 or epoch == 0:")
    lines.append(f'{p3}shown = "  ".join(f"{{k}} {{v[-1]:.4g}}" for k, v in history.items())')
    lines.append(f'{p3}print(f"epoch {{epoch + 1}}/{{EPOCHS}}  {{shown}}")')
    if stopping:
        lines.append(f"{p2}if since_best >= PATIENCE:")
        if distributed:
            lines.append(f"{p3}if rank == 0:")
            lines += [
                f"{p4}print(",
                f'{p4}{INDENT}f"Early stopping: {monitor} did not improve for {{PATIENCE}} "',
                f'{p4}{INDENT}f"epochs (best {{best_value:.4g}} at epoch {{best_epoch}})."',
                f"{p4})",
            ]
        else:
            lines += [
                f"{p3}print(",
                f'{p4}f"Early stopping: {monitor} did not improve for {{PATIENCE}} epochs "',
                f'{p4}f"(best {{best_value:.4g}} at epoch {{best_epoch}})."',
                f"{p3})",
            ]
        if early.restore_best:
            lines += with_comment(
                "model.load_state_dict(best_state)", "back to the best epoch's weights", 3
            )
        lines.append(f"{p3}break")
    lines.append(f"{p1}return history")
    return lines


def _distributed_batch(s: TrainingSettings) -> list[str]:
    """This process's rows of a batch and its weighted loss (several processes)."""
    p3, p4 = INDENT * 3, INDENT * 4
    lines = [f"{p3}lo, hi = b * batch_size, min((b + 1) * batch_size, n)"]
    lines += comment(
        "This process's rows of the batch: every world-th one (all of them when alone).", 3
    )
    lines.append(f"{p3}rows = order[lo + rank : hi : world]")
    lines.append(f"{p3}share = len(rows) * world / (hi - lo)")
    lines.append(f"{p3}if len(rows) == 0:")
    lines += comment(
        "Fewer rows than processes: take part in the gradient exchange, counting for nothing.",
        4,
    )
    lines.append(f"{p4}rows = order[lo : lo + 1]")
    lines.append(f"{p3}xb, yb = x_train[rows], y_train[rows]")
    lines += with_comment("output = net(xb)", "forward pass", 3)
    lines.append(f"{p3}loss = loss_fn(output, yb)")
    lines.append(f"{p3}if world > 1:")
    if _sums(s):
        lines += comment(
            "DDP averages the gradients; the loss sums its rows, so the average times the "
            "number of processes is the whole batch's gradient (a process without rows "
            "adds nothing).",
            4,
        )
        lines.append(f"{p4}loss = loss * (world if share else 0)")
    else:
        lines += comment(
            "DDP averages the gradients; weighting each process by its share of the rows "
            "makes that the whole batch's gradient.",
            4,
        )
        lines.append(f"{p4}loss = loss * share")
    return lines


def _distributed_start() -> list[str]:
    """``main()``'s start with ``--distributed``: join the processes, train, and let only
    process 0 go on to report."""
    p1, p2, p3 = INDENT, INDENT * 2, INDENT * 3
    lines = [f"{p1}parser = argparse.ArgumentParser(description=__doc__.split(chr(10))[0])"]
    lines += [
        f"{p1}parser.add_argument(",
        f'{p2}"--distributed",',
        f'{p2}action="store_true",',
        f'{p2}help="train in every process torchrun starts (DistributedDataParallel)",',
        f"{p1})",
    ]
    lines.append(f"{p1}args = parser.parse_args()")
    lines.append(f"{p1}rank, world, device = start_processes(args.distributed)")
    lines.append(f"{p1}data = prepare_data()")
    lines += [
        f"{p1}if rank == 0:",
        f"{p2}print(",
        f"{p3}f\"{{len(data['x_train'])}} training, {{len(data['x_val'])}} validation \"",
        f"{p3}f\"and {{len(data['x_test'])}} test rows; {{data['x_train'].shape[1]}} inputs\"",
        f"{p2})",
    ]
    lines += with_comment("torch.manual_seed(SEED)", "the same starting weights as NN Studio", 1)
    lines.append(f"{p1}model = Net()")
    lines += comment("Tensors go to the training device once, not batch by batch.", 1)
    lines.append(f"{p1}on_device = {{")
    lines.append(f"{p2}key: value.to(device) if isinstance(value, torch.Tensor) else value")
    lines.append(f"{p2}for key, value in data.items()")
    lines.append(f"{p1}}}")
    lines.append(f"{p1}history = train(model.to(device), on_device, rank, world)")
    lines.append(f"{p1}model.cpu()")
    lines.append(f"{p1}if world > 1:")
    lines.append(f"{p2}dist.destroy_process_group()")
    lines += comment("Process 0 alone reports (the others trained the same weights).", 1)
    lines.append(f"{p1}if rank != 0:")
    lines.append(f"{p2}leave_processes(world)")
    return lines


def predict_section(task: str) -> list[str]:
    p1 = INDENT
    lines = ["def predict(model: nn.Module, table: pd.DataFrame, recipe: dict) -> list:"]
    if task == "classification":
        lines += docstring(
            "Class names predicted for the rows of a table with the same input columns.", 1
        )
    else:
        lines += docstring(
            "Predicted target values (one list per row) for a table with the same input columns.",
            1,
        )
    lines.append(f"{p1}x = torch.from_numpy(encode_inputs(table, recipe))")
    lines.append(f"{p1}model.eval()")
    lines.append(f"{p1}with torch.no_grad():")
    lines.append(f"{p1 * 2}output = model(x)")
    if task == "classification":
        lines.append(f"{p1}return [CLASS_NAMES[i] for i in class_ids(output).tolist()]")
    else:
        lines.append(f"{p1}return output.reshape(len(x), -1).tolist()")
    return lines


def main_section(
    task: str, has_val: bool, has_test: bool, *, distributed: bool = False
) -> list[str]:
    p1, p2 = INDENT, INDENT * 2
    classification = task == "classification"
    lines = ["def main() -> None:"]
    if distributed:
        lines += _distributed_start()
    else:
        lines.append(f"{p1}data = prepare_data()")
        lines += [
            f"{p1}print(",
            f"{p2}f\"{{len(data['x_train'])}} training, {{len(data['x_val'])}} validation and \"",
            f"{p2}f\"{{len(data['x_test'])}} test rows; {{data['x_train'].shape[1]}} inputs\"",
            f"{p1})",
        ]
        lines += with_comment(
            "torch.manual_seed(SEED)", "the same starting weights as NN Studio", 1
        )
        lines.append(f"{p1}model = Net()")
        lines.append(f"{p1}history = train(model, data)")
    lines.append("")
    lines += comment("How well the trained network does on rows it never trained on.", 1)
    lines.append(f'{p1}loss_fn = make_loss(data["y_train"])')
    lines.append(f'{p1}result = {{"epochs_run": len(history["train_loss"])}}')
    lines.append(f'{p1}result["last_epoch"] = {{k: v[-1] for k, v in history.items() if v}}')
    parts = [p for p, ok in (("val", has_val), ("test", has_test)) if ok] or ["train"]
    lines.append(f"{p1}for part in {lit(tuple(parts))}:")
    lines.append(f'{p2}scores = evaluate(model, loss_fn, data[f"x_{{part}}"], data[f"y_{{part}}"])')
    lines.append(f'{p2}print(part, "  ".join(f"{{k}} {{v:.4f}}" for k, v in scores.items()))')
    lines.append(f'{p2}result.update({{f"{{part}}_{{k}}": v for k, v in scores.items()}})')
    lines.append("")
    first = parts[0]
    if classification:
        lines += comment("Predict a few rows by name, as a user of the model would.", 1)
    else:
        lines += comment("Predict a few rows, as a user of the model would.", 1)
    lines.append(f'{p1}rows = data["table_{first}"].head(5)')
    lines.append(f'{p1}print("predicted:", predict(model, rows, data["recipe"]))')
    if classification:
        lines.append(f'{p1}print("actual:   ", rows[TARGET].tolist())')
    else:
        lines.append(f'{p1}print("actual:   ", rows[TARGETS].to_numpy().tolist())')
    lines += comment("One machine-readable line, for scripts that compare runs.", 1)
    lines.append(f'{p1}print("RESULT " + json.dumps(result))')
    if distributed:
        lines.append(f"{p1}leave_processes(world)")
    return lines


def monitor_for(s: TrainingSettings, has_val: bool) -> str | None:
    """The metric early stopping watches, as the engine picks it (None when disabled)."""
    early = s.early_stopping
    if not early.enabled:
        return None
    monitor = early.monitor
    if not has_val and monitor.startswith("val_"):
        monitor = monitor.replace("val_", "train_")
    return monitor


def _sums(s: TrainingSettings) -> bool:
    """Does the loss add up its rows (the ½·SSE of the lessons) instead of averaging them?"""
    return LOSSES.normalize(s.loss)["name"] == "half_sse"


def uses_lion(s: TrainingSettings) -> bool:
    return OPTIMIZERS.normalize(s.optimizer)["name"] == "lion"


def expects(s: TrainingSettings) -> str:
    return LOSSES.get(LOSSES.normalize(s.loss)["name"]).expects


def describe_settings(s: TrainingSettings) -> Mapping[str, str]:
    """Short labels for the header."""
    return {
        "loss": LOSSES.get(LOSSES.normalize(s.loss)["name"]).label,
        "optimizer": OPTIMIZERS.get(OPTIMIZERS.normalize(s.optimizer)["name"]).label,
        "schedule": SCHEDULES.get(SCHEDULES.normalize(s.schedule)["name"]).label,
    }


__all__ = [
    "HALF_SSE",
    "LION_CLASS",
    "describe_settings",
    "expects",
    "loss_section",
    "main_section",
    "monitor_for",
    "predict_section",
    "settings_block",
    "train_section",
    "uses_lion",
]

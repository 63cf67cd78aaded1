"""The training loop: ``train(job, on_event, control) -> TrainingResult``.

Batches are taken by indexing tensors that already live on the device (no per-sample
DataLoader): the prepared data is moved to the device once per run, never per batch, so the
loop costs what the model costs. When several processes train together (PyTorch's
DistributedDataParallel, see :mod:`.distributed`) the same loop runs in each, and a
:class:`Shard` gives each process its rows of every batch. Everything optional (layer statistics,
per-batch reports) is done only when the :class:`ReportPolicy` asks for it, and the callback
receives plain reports, so the same loop serves the command line, the GUI worker and tests.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from nnstudio.core.catalogue.losses import LOSSES, build_loss, class_weights_for
from nnstudio.core.catalogue.optimizers import build_optimizer
from nnstudio.core.catalogue.schedules import make_controller
from nnstudio.core.errors import TrainingError
from nnstudio.core.network.graph_module import GraphModule
from nnstudio.core.training import stats
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.metrics import class_predictions, evaluate
from nnstudio.core.training.reports import (
    BatchReport,
    EpochReport,
    History,
    RunEnded,
    RunPaused,
    RunStarted,
)
from nnstudio.core.training.safety import DivergenceWatch, Diverging, WeightGuard, state_finite
from nnstudio.core.training.training_settings import (
    StopTarget,
    TrainingSettings,
    steps_per_epoch,
)
from nnstudio.i18n import N_, Text

Event = Any
OnEvent = Callable[[Event], None]


class Tensors(Protocol):
    """What the loop needs from prepared data (``nnstudio.core.data.PreparedData`` fits)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    task: str
    n_classes: int


@dataclass(frozen=True)
class ReportPolicy:
    """How much the loop reports. Layer statistics cost a little; ask only for what is shown."""

    batches: bool = True
    #: Collect :class:`LayerStats` every this many batches (0: only at epoch ends).
    detail_every: int = 0
    #: ...or at most every this many seconds (0: off). Either condition triggers.
    detail_seconds: float = 0.0
    detail_per_epoch: bool = False
    bins: int = 30


@dataclass(frozen=True)
class TrainingJob:
    """A frozen snapshot of what to train; the live graph never crosses into the loop.

    Build it with every value it needs, or derive one with :func:`dataclasses.replace`. The
    fields are fixed; the model in it is trained in place and ``history`` is extended by the
    run (a resumed job's history is a copy of the project's for that reason).
    """

    model: GraphModule
    data: Tensors
    settings: TrainingSettings
    optimizer_state: dict[str, Any] | None = None
    schedule_state: dict[str, Any] | None = None
    start_epoch: int = 0
    history: History = field(default_factory=History)


@dataclass
class TrainingResult:
    """How a run ended. ``message`` is a :class:`~nnstudio.i18n.Text`: English in
    ``train --json``, shown translated with ``tr()``."""

    reason: str
    message: str
    history: History
    epochs_run: int
    seconds: float
    samples_per_second: float
    device: str
    best_epoch: int | None = None
    optimizer_state: dict[str, Any] | None = None
    schedule_state: dict[str, Any] | None = None
    #: True when early stopping put the best epoch's weights back.
    restored_best: bool = False
    #: Processes that trained together (1 unless distributed).
    processes: int = 1
    #: Set when the loss was rising away from its best (see ``safety.DivergenceWatch``).
    diverging: Diverging | None = None
    #: The model's state after the best epoch (by the monitored metric), for the run record.
    best_weights: dict[str, torch.Tensor] | None = None

    def summary(self) -> dict[str, Any]:
        """The fields ``nnstudio train --json`` prints.

        Values describe the model the run leaves behind: after early stopping with restored
        weights that is the best epoch, not the last one.
        """
        h = self.history
        at = -1
        if self.restored_best and self.best_epoch is not None and self.best_epoch in h.epoch:
            at = len(h.epoch) - 1 - h.epoch[::-1].index(self.best_epoch)

        def pick(values: list) -> float | None:
            return _finite(values[at]) if values else None

        out: dict[str, Any] = {
            "reason": self.reason,
            "message": self.message,
            "epochs_run": self.epochs_run,
            "epochs_total": h.epochs_done,
            "train_loss": pick(h.train_loss),
            "val_loss": pick(h.val_loss),
            "seconds": round(self.seconds, 4),
            "samples_per_second": round(self.samples_per_second, 1),
            "device": self.device,
            "best_epoch": self.best_epoch,
        }
        for key, values in h.metrics.items():
            out[key] = pick(values)
        if self.processes > 1:
            out["processes"] = self.processes
        if self.diverging is not None:  # optional: present only when it happened
            out["diverging"] = self.diverging.to_dict()
        return out


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch`` (0-based) of a run seeded with ``seed``."""
    return (seed * 1_000_003 + epoch) % 2**63


def seed_random(seed: int, device: torch.device) -> None:
    """Seed the generator this run's random draws (dropout masks) come from.

    On the CPU that is the CPU's default generator, seeded exactly as ``torch.manual_seed``
    seeds it. ``torch.manual_seed`` would also queue seeds for every accelerator backend
    that is not started yet (CUDA, XPU, MTIA), and each queued seed records a formatted stack
    trace: about 0.1 ms per epoch here, a few percent of a small epoch. On any other device
    ``torch.manual_seed`` seeds it as before.
    """
    if device.type == "cpu":
        torch.default_generator.manual_seed(seed)
    else:
        torch.manual_seed(seed)


class Shard:
    """This process's part of a run that several processes train together.

    The default is the whole run in one process: every hook does nothing. The loop cuts each
    batch the way one process would, and this process takes its rows ``rank``, ``rank +
    world``, ``rank + 2·world``, … of it: over an epoch that is every ``world``-th row of the
    shuffled order (DistributedSampler's sharding), and the rows of all processes together
    are exactly the batch one process would take. :class:`~.distributed.ProcessGroupShard`
    fills the hooks with PyTorch's DistributedDataParallel and collectives.
    """

    rank: int = 0
    world: int = 1

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """The module to run forward passes through (DDP averages gradients in backward)."""
        return model

    def mean(self, value: torch.Tensor) -> float:
        """The mean of a scalar over the processes (this process's value alone here)."""
        return float(value)

    def total(self, values: torch.Tensor) -> torch.Tensor:
        """Element-wise sums over the processes (the values themselves here)."""
        return values

    def from_main(self, values: torch.Tensor) -> torch.Tensor:
        """Process 0's values, so that decisions taken on them agree everywhere."""
        return values


#: The run in one process.
WHOLE = Shard()


def sums_over_batch(loss_fn: torch.nn.Module) -> bool:
    """Does the loss add the rows of a batch up (½·SSE) instead of averaging them?

    Decides how a process's share of a batch is weighted so that the averaged gradient is
    the gradient of the whole batch.
    """
    inner = getattr(loss_fn, "loss", loss_fn)
    return getattr(inner, "reduction", "mean") == "sum"


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            Text(N_("CUDA was asked for but no CUDA GPU is available here; choose 'cpu' or 'auto'"))
        )
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def l1_weights(model: torch.nn.Module) -> list[torch.Tensor]:
    """Tensors the L1 penalty applies to: weight matrices of trainable layers, not biases."""
    return [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and n.endswith("weight") and p.dim() > 1
    ]


#: Batches of outputs an :class:`EpochHits` holds before it turns them into classes...
HELD_BATCHES = 256
#: ...or output values, whichever comes first: what it holds stays small.
HELD_VALUES = 1 << 16


class EpochHits:
    """Counts an epoch's correct class predictions with no tensor operation per batch.

    Comparing and summing every batch (argmax, ==, sum, +=) costs four small operations per
    step, and even one argmax per batch is a measurable part of a step at batch 8 on a small
    network. Instead each batch's output is held as it is (a list append) and, every
    :data:`HELD_BATCHES` batches or so, the held outputs are joined and their predicted
    classes written into a buffer in batch order, with one argmax for all of them;
    :meth:`count` compares the buffer with the labels in that order once, at the epoch's
    end. Each row's predicted class and so the count are the same integers either way. Used
    when one process trains alone; a shard's strided rows keep the per-batch sum.
    """

    def __init__(self, n: int, device: torch.device, expects: str) -> None:
        self.n, self.device, self.expects = n, device, expects
        self.threshold: float | None = None
        #: Predicted classes in batch order: made at the first flush, once the output's
        #: width (one unit: a threshold, several: argmax, as ``class_predictions``) is known.
        self.predicted: torch.Tensor | None = None
        #: Outputs not yet turned into classes, for rows ``start`` onwards of the epoch.
        self.held: list[torch.Tensor] = []
        self.start = 0
        #: How many outputs to hold, set from the first output's size.
        self.limit = 0

    def add(self, out: torch.Tensor, lo: int) -> None:
        """Keep the outputs ``out`` of the rows that follow ``lo`` in the epoch's order.

        Batches come in order: ``lo`` only says where the first held batch starts. ``out``
        may still carry its autograd graph (whose buffers backward has freed); it is only
        read, under ``no_grad``, when the held outputs are turned into classes.
        """
        held = self.held
        if not held:
            self.start = lo
            if not self.limit:
                self.limit = max(1, min(HELD_BATCHES, HELD_VALUES // max(1, out.numel())))
        held.append(out)
        if len(held) >= self.limit:
            self._flush()

    def _flush(self) -> None:
        """Write the held outputs' predicted classes into the buffer, with one argmax."""
        held, self.held = self.held, []
        with torch.no_grad():
            out = held[0] if len(held) == 1 else torch.cat(held)
            if self.predicted is None:
                single = out.dim() == 1 or out.shape[1] == 1
                self.threshold = (0.0 if self.expects == "logits" else 0.5) if single else None
                dtype = torch.bool if single else torch.long
                self.predicted = torch.empty(self.n, dtype=dtype, device=self.device)
            target = self.predicted[self.start : self.start + len(out)]
            if self.threshold is None:
                torch.argmax(out, dim=1, out=target)
            else:
                torch.gt(out.reshape(-1), self.threshold, out=target)

    def count(self, y: torch.Tensor, order: torch.Tensor | None, rows: int) -> torch.Tensor:
        """Correct predictions among the first ``rows`` rows of the epoch (a 0-d tensor)."""
        if self.held:
            self._flush()
        if self.predicted is None or rows == 0:
            return torch.zeros((), dtype=torch.long, device=self.device)
        labels = y[:rows] if order is None else y.index_select(0, order[:rows])
        return (self.predicted[:rows] == labels).sum()


def _hit_counter(
    classification: bool, world: int, n: int, device: torch.device, expects: str
) -> EpochHits | None:
    """An :class:`EpochHits` when one process trains a classifier alone; None: count the hits
    batch by batch (regression has none; a shard's strided rows are summed as they come)."""
    return EpochHits(n, device, expects) if classification and world == 1 else None


def _direct_loss(loss_fn: torch.nn.Module, out: torch.Tensor, y: torch.Tensor) -> torch.nn.Module:
    """The module to compute every later batch's loss with: the torch loss inside the
    dataset wrapper when the wrapper would pass batches like this one straight to it (the
    same call, one module call less per batch), else the wrapper itself."""
    passes_through = getattr(loss_fn, "passes_through", None)
    if passes_through is not None and passes_through(out, y):
        return loss_fn.loss
    return loss_fn


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(
    job: TrainingJob,
    on_event: OnEvent | None = None,
    control: TrainingControl | None = None,
    policy: ReportPolicy = ReportPolicy(),
    shard: Shard | None = None,
) -> TrainingResult:
    """Train ``job.model`` in place from ``job.start_epoch`` up to ``settings.epochs``.

    Returns normally whatever happens (finished, stopped, early-stopped, diverged); raises
    :class:`TrainingError` only when the run cannot start. With a ``shard`` of several
    processes, every process calls this with the same job and each trains on its rows of
    every batch; the history and result are the same in every process.
    """
    s = job.settings
    data = job.data
    emit = on_event or (lambda event: None)
    control = control or TrainingControl()
    device = resolve_device(s.device)
    if s.amp and device.type != "cuda":
        raise TrainingError(
            Text(
                N_("mixed precision needs a CUDA GPU; this run would train on the {device}"),
                device=str(device).upper(),
            )
        )
    shard = shard or WHOLE
    model = job.model
    history = job.history

    n = len(data.x_train)
    if n == 0:
        raise TrainingError(
            Text(N_("the training split is empty: load data or give training a larger fraction"))
        )
    classification = data.task == "classification"
    loss_spec = LOSSES.get(s.loss["name"])
    # The only copies to the device: batches are cut from these tensors where they live.
    x = data.x_train.to(device)
    y = data.y_train.to(device)
    x_val = data.x_val.to(device)
    y_val = data.y_val.to(device)
    has_val = len(x_val) > 0

    model.to(device)
    model.train()
    forward = shard.wrap(model, device)
    rank, world = shard.rank, shard.world
    # Mixed precision (CUDA only): float16 forward passes under autocast, and a gradient
    # scaler so that small float16 gradients do not flush to zero.
    scaler = torch.amp.GradScaler("cuda") if s.amp else None
    # One context object entered for every batch (both kinds can be entered again once left).
    step_context = (
        torch.autocast("cuda", dtype=torch.float16) if s.amp else contextlib.nullcontext()
    )
    guard = WeightGuard(model, job.start_epoch)
    watch = DivergenceWatch()
    diverging: Diverging | None = None
    weights = class_weights_for(s.loss, data.y_train, data.n_classes) if classification else None
    loss_fn = build_loss(s.loss, weights).to(device)

    verify = getattr(loss_fn, "verify_all", None)
    summed = sums_over_batch(loss_fn)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainingError(Text(N_("nothing to train: every layer is frozen or has no weights")))
    optimizer = build_optimizer(s.optimizer, params)
    schedule_state = job.schedule_state
    if job.optimizer_state:
        chosen = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        try:
            optimizer.load_state_dict(copy.deepcopy(job.optimizer_state))
        except (ValueError, KeyError, RuntimeError) as exc:
            raise TrainingError(
                Text(
                    N_("the saved optimiser state does not fit this network: {error}"),
                    error=str(exc),
                )
            ) from None
        # Keep what the optimiser learnt (moments, step counts) but the settings the user
        # has now: an lr or weight decay edited since the last run applies on resume.
        for group, values in zip(optimizer.param_groups, chosen, strict=False):
            group.update(values)
    batch = n if s.batch_size <= 0 else min(s.batch_size, n)
    steps = steps_per_epoch(n, s.batch_size)
    lrc = make_controller(s.schedule, optimizer, epochs=s.epochs, steps_per_epoch=steps)
    if schedule_state and _lr_edited(job.optimizer_state, optimizer, s):
        schedule_state = None  # a new learning rate starts the schedule afresh
    if schedule_state:
        lrc.load_state_dict(schedule_state)

    l1 = s.l1
    penalized = l1_weights(model) if l1 > 0 else []
    early = s.early_stopping
    monitor = (
        early.monitor
        if has_val or not early.monitor.startswith("val_")
        else early.monitor.replace("val_", "train_")
    )
    target = s.stop_at
    if target is not None and target.metric == "accuracy" and not classification:
        raise TrainingError(
            Text(
                N_(
                    "the target accuracy needs a classification task; this data is {task}: "
                    "aim at a loss instead"
                ),
                task=data.task,
            )
        )
    best_value: float | None = None
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = None
    since_best = 0
    output_id = model.output_id
    hits = _hit_counter(classification, world, n, device, loss_spec.expects)
    detail_every = policy.detail_every
    detail_seconds = policy.detail_seconds
    detail_per_epoch = policy.detail_per_epoch
    may_detail = world == 1 and bool(detail_every or detail_seconds or detail_per_epoch)
    last_detail = -math.inf  # the first batch is always shown: the state before learning
    # What each batch looks up, taken once: the loop's own work per batch is what a
    # hand-written loop does, plus these reads (tests/core/training/test_step_overhead.py).
    batch_loss = loss_fn
    per_batch_lr = lrc.per_batch
    check_every = guard.every
    report_batches = policy.batches
    add_batch = history.add_batch

    emit(RunStarted(s.epochs, steps, n, job.start_epoch, str(device)))
    reason: str = "finished"
    message: str = ""
    restored = False
    samples_done = 0
    step = 0
    paused_for = 0.0
    pause_started: list[float] = []

    def on_wait() -> None:
        pause_started.append(time.perf_counter())
        emit(RunPaused(epoch, step))

    t0 = time.perf_counter()
    fresh_snapshot: dict[str, torch.Tensor] | None = None
    epoch = job.start_epoch
    epochs_run = 0
    if job.start_epoch >= s.epochs:
        message = Text(
            N_("already trained for {n} epochs; raise the epoch count to go on"),
            n=job.start_epoch,
        )
    for epoch in range(job.start_epoch, s.epochs):
        t_epoch = time.perf_counter()
        # The best-epoch snapshot taken at the last epoch's end holds these very weights.
        guard.remember(epoch, best=watch.best_epoch == epoch, copy=fresh_snapshot)
        fresh_snapshot = None
        # Each epoch draws its batch order and dropout masks from its own seed, so a run
        # resumed at any epoch continues exactly as an uninterrupted run would.
        seed = epoch_seed(s.seed, epoch)
        seed_random(seed, device)
        order = (
            torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(device)
            if s.shuffle and batch < n
            else None
        )
        running = 0.0
        correct = torch.zeros((), dtype=torch.long, device=device)
        sq_err = torch.zeros((), dtype=torch.float64, device=device)
        abs_err = torch.zeros((), dtype=torch.float64, device=device)
        seen = 0
        stopped = False
        diverged = False
        bad_weights = False  # the weights, not the loss, became non-finite
        # Per-epoch schedules change the rate only between epochs: read once here.
        lr_now = lrc.lr()
        for b in range(steps):
            # One attribute read per batch; the lock is taken only when a stop or a pause
            # is pending, so each still acts before the next batch.
            if control.requested and not control.checkpoint(on_wait):
                stopped = True
                break
            if pause_started:
                paused_for += time.perf_counter() - pause_started.pop()
            lo = b * batch
            hi = lo + batch if lo + batch < n else n
            size = hi - lo
            # This process's rows of the batch: all of them when it trains alone.
            start = lo + rank
            counted = (hi - start + world - 1) // world if start < hi else 0
            if not counted:
                # A last batch with fewer rows than processes: this one still takes part in
                # the gradient exchange, with a row that counts for nothing.
                start, hi = lo, lo + 1
            if order is None:
                xb, yb = x[start:hi:world], y[start:hi:world]
            else:
                idx = order[start:hi:world]
                xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            detail = may_detail and (
                (detail_every and (step + 1) % detail_every == 0)
                or (detail_seconds and time.perf_counter() - last_detail >= detail_seconds)
                or (detail_per_epoch and b == steps - 1)
            )
            with step_context:
                if detail:
                    parts = model.trace(xb)
                    out = parts[output_id]["a"]
                else:
                    out = forward(xb)
                loss = batch_loss(out, yb)
            if world > 1:
                # DDP averages the processes' gradients; weighting each share by its rows
                # makes that average the gradient of the whole batch, as in one process.
                loss = loss * (world * bool(counted) if summed else world * counted / size)
            if verify is not None:
                # Once the first batch worked, check every label of the run in one go, so
                # later batches can skip the per-batch check (and the wrapper around the
                # torch loss, when nothing is left for it to convert).
                verify(out.detach(), y)
                verify(out.detach(), y_val)
                verify = None
                batch_loss = _direct_loss(loss_fn, out, yb)
            if l1:
                loss = loss + l1 * sum(w.abs().sum() for w in penalized)
            # Every process sees the whole batch's loss, so all of them stop together.
            value = loss.item() if world == 1 else shard.mean(loss.detach())
            if not math.isfinite(value):
                diverged = True
                history.diverged_at.append([epoch + 1, b + 1])
                break
            optimizer.zero_grad(set_to_none=True)
            if scaler is None:
                loss.backward()
                optimizer.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            if (step + 1) % check_every == 0 and not guard.finite():
                diverged = bad_weights = True
                history.diverged_at.append([epoch + 1, b + 1])
                break
            if per_batch_lr:
                lr_now = lrc.lr()
                lrc.after_batch()
            running += value * size
            seen += size
            step += 1
            if hits is not None:
                hits.add(out, lo)
            elif counted:
                if classification:
                    correct += (class_predictions(out.detach(), loss_spec.expects) == yb).sum()
                else:
                    err = out.detach().reshape(yb.shape) - yb
                    sq_err += (err * err).sum()
                    abs_err += err.abs().sum()
            if report_batches:
                emit(BatchReport(epoch + 1, b + 1, step, value, lr_now, size))
                add_batch(value, lr_now)
            if detail:
                last_detail = time.perf_counter()
                emit(stats.collect(model, parts, epoch=epoch + 1, step=step, bins=policy.bins))
        samples_done += seen
        if not diverged and seen and not guard.finite():
            # Checked at every epoch's end, so no broken epoch is reported or kept.
            diverged = bad_weights = True
            history.diverged_at.append([epoch + 1, b + 1])

        if diverged:
            reason = "diverged"
            message = _diverged_message(guard, bad_weights, epoch + 1, b + 1, lrc.lr())
            break
        if stopped and seen == 0:
            reason = "stopped"
            message = Text(N_("Stopped by request during epoch {epoch}."), epoch=epoch + 1)
            if control.keep_best:
                message, restored, best_epoch = _keep_best(
                    guard, watch, epoch, message, restored, best_epoch
                )
            break

        if hits is not None:
            correct = hits.count(y, order, seen)
        if world > 1:
            correct, sq_err, abs_err = shard.total(
                torch.stack([correct.double(), sq_err, abs_err])
            ).unbind()
        train_loss = running / seen
        metrics: dict[str, float] = {}
        if classification:
            metrics["train_accuracy"] = float(correct) / seen
        else:
            width = y.shape[1] if y.dim() > 1 else 1
            metrics["train_rmse"] = math.sqrt(float(sq_err) / (seen * width))
            metrics["train_mae"] = float(abs_err) / (seen * width)
        val_loss = None
        if has_val:
            ev = evaluate(model, loss_fn, x_val, y_val, data.task, loss_spec.expects)
            val_loss = ev.loss
            scores = {f"val_{k}": v for k, v in ev.metrics.items()}
            if world > 1:
                # Every process scores the whole validation set with the same weights; process
                # 0's figures are taken everywhere so early stopping and schedules agree.
                agreed = shard.from_main(torch.tensor([val_loss, *scores.values()]).double())
                val_loss, *values = agreed.tolist()
                scores = dict(zip(scores, values, strict=True))
            metrics.update(scores)
        lr_epoch = lrc.lr()
        elapsed = time.perf_counter() - t_epoch
        improved = False
        current = _monitored(monitor, train_loss, val_loss, metrics)
        if current is not None and math.isfinite(current):
            sign = 1.0 if early.maximize else -1.0
            if best_value is None or sign * (current - best_value) > early.min_delta:
                best_value, best_epoch, since_best, improved = current, epoch + 1, 0, True
                # Kept whether or not early stopping restores it: the run record stores the
                # best epoch's weights beside the last ones.
                best_state = fresh_snapshot = _snapshot(model)
            else:
                since_best += 1
        report = EpochReport(
            epoch + 1,
            train_loss,
            val_loss,
            metrics,
            lr_epoch,
            elapsed,
            seen / elapsed if elapsed > 0 else 0.0,
            improved,
        )
        history.add_epoch(report)
        epochs_run += 1
        emit(report)
        # A stopped epoch's loss covers only its first batches: it is not comparable with
        # whole epochs' losses, so it can be neither the best (whose weights a stop keeps)
        # nor a sign of divergence.
        found = None if stopped else watch.update(epoch + 1, train_loss)[1]
        if found is not None:
            diverging = found
            emit(found)
        plateau_metric = val_loss if val_loss is not None else train_loss
        lrc.after_epoch(plateau_metric)
        control.end_of_epoch()
        if stopped:
            reason = "stopped"
            message = Text(N_("Stopped by request during epoch {epoch}."), epoch=epoch + 1)
            if control.keep_best:
                message, restored, best_epoch = _keep_best(
                    guard, watch, epoch + 1, message, restored, best_epoch
                )
            break
        if target is not None:
            reached = _target_reached(target, has_val, train_loss, val_loss, metrics, epoch + 1)
            if reached is not None:
                reason, message = "target_reached", reached
                break
        if early.enabled and since_best >= early.patience:
            reason = "early_stopped"
            template = N_(
                "Early stopping: {monitor} did not improve for {patience} epochs "
                "(best {best:.4g} at epoch {epoch})."
            )
            if early.restore_best and best_state is not None:
                model.load_state_dict(best_state)
                restored = True
                template = N_(
                    "Early stopping: {monitor} did not improve for {patience} epochs "
                    "(best {best:.4g} at epoch {epoch}). The best weights were restored."
                )
            message = Text(
                template,
                monitor=monitor,
                patience=early.patience,
                best=best_value,
                epoch=best_epoch,
            )
            break

    seconds = time.perf_counter() - t0 - paused_for
    if reason == "finished" and not message:
        message = Text(N_("Finished {n} epochs."), n=epochs_run)
    model.eval()
    where = tuple(history.diverged_at[-1]) if reason == "diverged" else None
    emit(RunEnded(reason, message, epochs_run, where))
    return TrainingResult(
        reason,
        message,
        history,
        epochs_run,
        seconds,
        samples_done / seconds if seconds > 0 else 0.0,
        str(device),
        best_epoch,
        _optimizer_state(optimizer, reason),
        lrc.state_dict(),
        restored,
        processes=world,
        diverging=diverging,
        best_weights=(
            {k: v.cpu() for k, v in best_state.items()} if best_state is not None else None
        ),
    )


def _diverged_message(
    guard: WeightGuard, bad_weights: bool, epoch: int, batch: int, lr: float
) -> Text:
    """Why a run stopped on non-finite values, and exactly which weights it kept.

    Weights that are still finite (the loss broke, the step before it did not) stay; else the
    guard's last finite copy is put back and named.
    """
    if bad_weights or not guard.finite():
        kept = guard.restore()
    else:
        kept = Text(N_("the weights from before the bad batch were kept"))
    if bad_weights:
        template = N_(
            "The weights became NaN or infinite at epoch {epoch}, batch {batch}, although the "
            "loss was still finite; training stopped and {kept}. Lower the learning rate (now "
            "{lr:g}), scale the inputs, or use gradient-friendlier settings."
        )
    else:
        template = N_(
            "The loss became NaN or infinite at epoch {epoch}, batch {batch}; "
            "training stopped and {kept}. Lower the learning rate (now "
            "{lr:g}), scale the inputs, or use gradient-friendlier settings."
        )
    return Text(template, epoch=epoch, batch=batch, kept=kept, lr=lr)


def _keep_best(
    guard: WeightGuard,
    watch: DivergenceWatch,
    epochs_done: int,
    message: Text,
    restored: bool,
    best_epoch: int | None,
) -> tuple[Text, bool, int | None]:
    """A stop that asked for the best weights: those of the epoch with the lowest training
    loss (the current ones when that is the last epoch)."""
    if watch.best_epoch is None or watch.best is None:
        return message, restored, best_epoch
    if watch.best_epoch != epochs_done and not guard.restore_best():
        return message, restored, best_epoch
    text = Text(
        N_(
            "Stopped by request during epoch {epoch}; the weights of epoch {best_epoch} (the "
            "lowest training loss, {loss:.4g}) were kept."
        ),
        epoch=epochs_done,
        best_epoch=watch.best_epoch,
        loss=watch.best,
    )
    return text, True, watch.best_epoch


def _optimizer_state(optimizer: torch.optim.Optimizer, reason: str) -> dict[str, Any] | None:
    """The optimiser's state to keep; after a divergence, only if it is still finite (a
    resumed run then starts its moments afresh rather than from NaN)."""
    state = copy.deepcopy(optimizer.state_dict())
    if reason == "diverged" and not state_finite(state.get("state", {})):
        return None
    return state


def _lr_edited(saved_state: dict[str, Any] | None, optimizer, s: TrainingSettings) -> bool:
    """Has the user changed the learning rate since the saved run?

    Schedulers record the lr they started from as ``initial_lr``; comparing it with what the
    current settings give tells an edit from a schedule's own changes. Without a scheduler
    (constant) the lr itself is the setting.
    """
    saved = ((saved_state or {}).get("param_groups") or [{}])[0]
    now = optimizer.param_groups[0]
    if "initial_lr" in saved and "initial_lr" in now:
        return not math.isclose(float(saved["initial_lr"]), float(now["initial_lr"]))
    if s.schedule["name"] == "constant" and "lr" in saved:
        return not math.isclose(float(saved["lr"]), s.lr)
    return False


def _target_reached(
    target: StopTarget,
    has_val: bool,
    train_loss: float,
    val_loss: float | None,
    metrics: dict[str, float],
    epoch: int,
) -> Text | None:
    """The closing message when this epoch reached ``target``, else None.

    The validation split's value counts when there is one (that is what the class compares);
    without one the training split's value stands in, and the message says so.
    """
    split = "val" if has_val else "train"
    if target.metric == "accuracy":
        current = metrics.get(f"{split}_accuracy")
    else:
        current = val_loss if has_val else train_loss
    if current is None or not math.isfinite(current) or not target.reached(current):
        return None
    if target.metric == "accuracy":
        template = (
            N_(
                "Reached the target: validation accuracy {value:.1f} % ≥ {target:g} % "
                "at epoch {epoch}."
            )
            if has_val
            else N_(
                "Reached the target: training accuracy {value:.1f} % ≥ {target:g} % "
                "at epoch {epoch}."
            )
        )
        # One decimal, but never rounded up onto a target not quite met (94.96 % is not 95 %).
        shown = math.floor(current * 1000 + 1e-9) / 10
        return Text(template, value=shown, target=round(target.value * 100, 4), epoch=epoch)
    template = (
        N_("Reached the target: validation loss {value:.4g} ≤ {target:g} at epoch {epoch}.")
        if has_val
        else N_("Reached the target: training loss {value:.4g} ≤ {target:g} at epoch {epoch}.")
    )
    return Text(template, value=current, target=target.value, epoch=epoch)


def _monitored(
    monitor: str, train_loss: float, val_loss: float | None, metrics: dict[str, float]
) -> float | None:
    if monitor == "train_loss":
        return train_loss
    if monitor == "val_loss":
        return val_loss
    return metrics.get(monitor)


__all__ = [
    "WHOLE",
    "ReportPolicy",
    "Shard",
    "TrainingJob",
    "TrainingResult",
    "resolve_device",
    "sums_over_batch",
    "train",
]

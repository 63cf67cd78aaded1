"""Learning-rate schedules, driven through torch's own schedulers so every value matches them.

Training talks only to an :class:`LRController`, which knows whether its schedule moves after
every batch (OneCycle, warm-up) or after every epoch (the rest), and whether it needs a metric
(reduce-on-plateau). :func:`planned_lrs` replays a schedule on a dummy parameter, which is how
the GUI draws the planned curve before training and how the lessons' plots are reproduced.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.catalogue.params import ComponentSpec, ParamSpec, Registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.lazy import lazy_module
from nnstudio.i18n import N_, Text

torch = lazy_module("torch", globals())
sched = lazy_module("torch.optim.lr_scheduler", globals(), "sched")

#: Builds the torch scheduler: (optimizer, params, epochs, steps_per_epoch) → scheduler or None.
Make = Callable[["torch.optim.Optimizer", Mapping[str, Any], int, int], Any]


@dataclass(frozen=True)
class ScheduleSpec(ComponentSpec):
    """A learning-rate schedule."""

    #: True when the schedule moves after every batch rather than every epoch.
    per_batch: bool = False
    #: True when it watches a metric (the validation loss) to decide.
    needs_metric: bool = False
    #: Torch expression for code export; ``{optimizer}``, ``{epochs}``, ``{steps_per_epoch}``
    #: and the parameters fill the ``{...}`` fields.
    code: str = ""
    make: Make = lambda opt, p, epochs, steps: None


def _onecycle(
    opt: torch.optim.Optimizer, p: Mapping[str, Any], epochs: int, steps: int
) -> sched.OneCycleLR:

    max_lr = p["max_lr"] or 10.0 * opt.param_groups[0]["lr"]
    defaults = opt.defaults
    # Momentum cycling needs momentum to cycle, and must not switch momentum on for a user who
    # chose plain SGD/RMSprop.
    cycle = bool(p["cycle_momentum"]) and (
        "betas" in defaults or ("momentum" in defaults and defaults["momentum"] > 0)
    )
    return sched.OneCycleLR(
        opt,
        max_lr=max_lr,
        total_steps=max(1, epochs * steps),
        pct_start=p["pct_start"],
        anneal_strategy=p["anneal_strategy"],
        cycle_momentum=cycle,
        div_factor=p["div_factor"],
        final_div_factor=p["final_div_factor"],
    )


def _warmup(
    opt: torch.optim.Optimizer, p: Mapping[str, Any], epochs: int, steps: int
) -> sched.LinearLR | None:
    total = round(p["warmup_epochs"] * steps)
    if total <= 0:
        return None
    return sched.LinearLR(opt, start_factor=p["start_factor"], end_factor=1.0, total_iters=total)


_GAMMA_HELP = N_("Factor the learning rate is multiplied by at each drop (0.5 halves it).")

SCHEDULES: Registry[ScheduleSpec] = Registry("schedule")
_add = SCHEDULES.add

_add(
    ScheduleSpec(
        "constant",
        N_("Constant learning rate"),
        N_("The learning rate never changes."),
        code="",
        make=lambda opt, p, e, s: None,
    ),
    "none",
)
_add(
    ScheduleSpec(
        "step",
        N_("Step decay (StepLR)"),
        N_("Multiply the learning rate by γ every few epochs: big steps early, fine ones later."),
        params=(
            ParamSpec(
                "step_size",
                "int",
                50,
                N_("Epochs between two drops."),
                label=N_("Every (epochs)"),
                minimum=1,
                maximum=100000,
            ),
            ParamSpec(
                "gamma",
                "float",
                0.5,
                _GAMMA_HELP,
                label="γ",
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
            ),
        ),
        make=lambda opt, p, e, s: sched.StepLR(opt, step_size=p["step_size"], gamma=p["gamma"]),
        code="torch.optim.lr_scheduler.StepLR({optimizer}, step_size={step_size!r}, "
        "gamma={gamma!r})",
    ),
    "steplr",
)
_add(
    ScheduleSpec(
        "multistep",
        N_("Drops at chosen epochs (MultiStepLR)"),
        N_("Multiply the learning rate by γ at each listed epoch."),
        params=(
            ParamSpec(
                "milestones",
                "int_list",
                [50, 125, 160],
                N_("Epochs at which the learning rate drops, e.g. 50, 125, 160."),
                label=N_("Milestones"),
                minimum=1,
                maximum=1000000,
            ),
            ParamSpec(
                "gamma",
                "float",
                0.5,
                _GAMMA_HELP,
                label="γ",
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
            ),
        ),
        make=lambda opt, p, e, s: sched.MultiStepLR(
            opt, milestones=sorted(p["milestones"]), gamma=p["gamma"]
        ),
        code="torch.optim.lr_scheduler.MultiStepLR({optimizer}, milestones={milestones!r}, "
        "gamma={gamma!r})",
    ),
    "multisteplr",
)
_add(
    ScheduleSpec(
        "exponential",
        N_("Exponential decay"),
        N_("Multiply the learning rate by γ after every epoch: a smooth, steady decline."),
        params=(
            ParamSpec(
                "gamma",
                "float",
                0.95,
                N_("Factor applied every epoch (0.95 loses 5 % per epoch)."),
                label="γ",
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
                decimals=6,
            ),
        ),
        make=lambda opt, p, e, s: sched.ExponentialLR(opt, gamma=p["gamma"]),
        code="torch.optim.lr_scheduler.ExponentialLR({optimizer}, gamma={gamma!r})",
    ),
    "exponentiallr",
)
_add(
    ScheduleSpec(
        "cosine",
        N_("Cosine annealing"),
        N_("Glide from the starting learning rate down to a minimum along half a cosine wave."),
        params=(
            ParamSpec(
                "t_max",
                "int",
                0,
                N_("Epochs to reach the minimum; 0 means the number of training epochs."),
                label=N_("Length (epochs)"),
                minimum=0,
                maximum=1000000,
            ),
            ParamSpec(
                "eta_min",
                "float",
                0.0,
                N_("The learning rate at the bottom of the curve."),
                label=N_("Minimum lr"),
                minimum=0.0,
                maximum=10.0,
                decimals=8,
            ),
        ),
        make=lambda opt, p, e, s: sched.CosineAnnealingLR(
            opt, T_max=p["t_max"] or max(1, e), eta_min=p["eta_min"]
        ),
        code="torch.optim.lr_scheduler.CosineAnnealingLR({optimizer}, T_max={t_max}, "
        "eta_min={eta_min!r})",
    ),
    "cosineannealinglr",
)
_add(
    ScheduleSpec(
        "plateau",
        N_("Reduce on plateau"),
        N_("Cut the learning rate when the validation loss stops improving for a while."),
        params=(
            ParamSpec(
                "mode",
                "choice",
                "min",
                N_("min: the watched number should go down (a loss); max: up (an accuracy)."),
                label=N_("Mode"),
                choices=("min", "max"),
            ),
            ParamSpec(
                "factor",
                "float",
                0.1,
                N_("Factor the learning rate is multiplied by at each cut."),
                label=N_("Factor"),
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
                exclusive_max=True,
            ),
            ParamSpec(
                "patience",
                "int",
                10,
                N_("Epochs without improvement to wait before cutting."),
                label=N_("Patience"),
                minimum=0,
                maximum=100000,
            ),
            ParamSpec(
                "threshold",
                "float",
                1e-4,
                N_("Smallest relative change that counts as an improvement."),
                label=N_("Threshold"),
                minimum=0.0,
                maximum=1.0,
                decimals=6,
            ),
            ParamSpec(
                "cooldown",
                "int",
                0,
                N_("Epochs to wait after a cut before watching again."),
                label=N_("Cooldown"),
                minimum=0,
                maximum=100000,
            ),
            ParamSpec(
                "min_lr",
                "float",
                0.0,
                N_("The learning rate is never cut below this."),
                label=N_("Minimum lr"),
                minimum=0.0,
                maximum=10.0,
                decimals=8,
            ),
        ),
        needs_metric=True,
        make=lambda opt, p, e, s: sched.ReduceLROnPlateau(
            opt,
            mode=p["mode"],
            factor=p["factor"],
            patience=p["patience"],
            threshold=p["threshold"],
            cooldown=p["cooldown"],
            min_lr=p["min_lr"],
        ),
        code="torch.optim.lr_scheduler.ReduceLROnPlateau({optimizer}, mode={mode!r}, "
        "factor={factor!r}, patience={patience!r}, threshold={threshold!r}, "
        "cooldown={cooldown!r}, min_lr={min_lr!r})",
    ),
    "reducelronplateau",
)
_add(
    ScheduleSpec(
        "onecycle",
        N_("One cycle"),
        N_(
            "Warm up to a high learning rate, then anneal far below the start, once over the whole "
            "training (moves every batch): often trains fastest."
        ),
        params=(
            ParamSpec(
                "max_lr",
                "float",
                0.0,
                N_("Peak learning rate; 0 means 10× the optimiser's learning rate."),
                label=N_("Peak lr"),
                minimum=0.0,
                maximum=10.0,
                log_scale=True,
                decimals=8,
            ),
            ParamSpec(
                "pct_start",
                "float",
                0.3,
                N_("Share of the training spent climbing to the peak."),
                label=N_("Warm-up share"),
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
                exclusive_max=True,
            ),
            ParamSpec(
                "anneal_strategy",
                "choice",
                "cos",
                N_("Shape of the climb and the descent: cosine or straight lines."),
                label=N_("Shape"),
                choices=("cos", "linear"),
                choice_labels=(N_("Cosine"), N_("Linear")),
            ),
            ParamSpec(
                "div_factor",
                "float",
                25.0,
                N_("The start is the peak divided by this."),
                label=N_("Div factor"),
                minimum=1.0,
                maximum=1e6,
            ),
            ParamSpec(
                "final_div_factor",
                "float",
                1e4,
                N_("The end is the start divided by this."),
                label=N_("Final div factor"),
                minimum=1.0,
                maximum=1e9,
            ),
            ParamSpec(
                "cycle_momentum",
                "bool",
                True,
                N_(
                    "Also move momentum (Adam's β1) opposite to the lr, 0.95 → 0.85 → 0.95; "
                    "skipped for optimisers without momentum."
                ),
                label=N_("Cycle momentum"),
            ),
        ),
        per_batch=True,
        make=_onecycle,
        code="torch.optim.lr_scheduler.OneCycleLR({optimizer}, max_lr={max_lr!r}, "
        "total_steps={epochs} * {steps_per_epoch}, pct_start={pct_start!r}, "
        "anneal_strategy={anneal_strategy!r}, div_factor={div_factor!r}, "
        "final_div_factor={final_div_factor!r}, cycle_momentum={cycle_momentum!r})",
    ),
    "onecyclelr",
    "one_cycle",
)
_add(
    ScheduleSpec(
        "warmup",
        N_("Linear warm-up"),
        N_(
            "Start small and grow the learning rate linearly to its full value over the first "
            "epochs (moves every batch), then keep it: avoids wild first steps."
        ),
        params=(
            ParamSpec(
                "warmup_epochs",
                "float",
                1.0,
                N_("How many epochs the climb lasts (fractions allowed)."),
                label=N_("Warm-up (epochs)"),
                minimum=0.0,
                maximum=100000.0,
                decimals=2,
            ),
            ParamSpec(
                "start_factor",
                "float",
                0.1,
                N_("The first batch uses this fraction of the learning rate."),
                label=N_("Start at"),
                minimum=0.0,
                exclusive_min=True,
                maximum=1.0,
            ),
        ),
        per_batch=True,
        make=_warmup,
        code="torch.optim.lr_scheduler.LinearLR({optimizer}, start_factor={start_factor!r}, "
        "end_factor=1.0, total_iters=round({warmup_epochs!r} * {steps_per_epoch}))",
    ),
    "linear_warmup",
)


#: Optimiser group entries a scheduler reads or writes; saved so a restore is order-proof.
_GROUP_KEYS = (
    "lr",
    "initial_lr",
    "max_lr",
    "min_lr",
    "max_momentum",
    "base_momentum",
    "momentum",
    "betas",
)


class LRController:
    """Steps one schedule at the right moments; the trainer calls it after every batch/epoch."""

    def __init__(
        self,
        spec: ScheduleSpec,
        component: Mapping[str, Any],
        optimizer: torch.optim.Optimizer,
        scheduler: Any,
        *,
        epochs: int,
        steps_per_epoch: int,
    ) -> None:
        self.spec = spec
        self.component = dict(component)
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self._total = getattr(scheduler, "total_steps", None)

    @property
    def per_batch(self) -> bool:
        return self.spec.per_batch

    @property
    def needs_metric(self) -> bool:
        return self.spec.needs_metric

    def after_batch(self) -> None:
        """Call after every ``optimizer.step()``; moves per-batch schedules only."""
        if self.scheduler is None or not self.spec.per_batch:
            return
        # OneCycle refuses to go past its planned length (training continued beyond the
        # planned epochs): it then stays at its final learning rate.
        if self._total is not None and self.scheduler.last_epoch >= self._total - 1:
            return
        self.scheduler.step()

    def after_epoch(self, metric: float | None = None) -> None:
        """Call at the end of every epoch; plateau needs ``metric`` (skipped when None)."""
        if self.scheduler is None or self.spec.per_batch:
            return
        if self.spec.needs_metric:
            if metric is not None:
                self.scheduler.step(float(metric))
            return
        self.scheduler.step()

    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def state_dict(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "component": dict(self.component),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "groups": [
                {k: g[k] for k in _GROUP_KEYS if k in g} for g in self.optimizer.param_groups
            ],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume a saved schedule; a state saved for another schedule (or other settings) is
        ignored, so changing the schedule between runs starts it afresh from the current lr
        instead of letting old settings sneak back in."""
        if state.get("name") != self.spec.name:
            return
        if "component" in state and dict(state["component"]) != self.component:
            return
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
            self._total = getattr(self.scheduler, "total_steps", None)
        for group, saved in zip(self.optimizer.param_groups, state.get("groups", []), strict=False):
            group.update(saved)


def make_controller(
    component: Mapping[str, Any] | str,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    steps_per_epoch: int,
) -> LRController:
    """Controller for ``component`` on ``optimizer``, planned for ``epochs`` × ``steps_per_epoch``.

    The schedule starts from the optimiser's current learning rate: a base left behind by an
    earlier scheduler on the same optimiser is dropped. To resume, load the optimiser's state
    (before or after this call), then the controller's.
    """
    comp = SCHEDULES.normalize(component)
    spec = SCHEDULES.get(comp["name"])
    for group in optimizer.param_groups:
        group.pop("initial_lr", None)
    try:
        scheduler = spec.make(optimizer, comp, max(1, int(epochs)), max(1, int(steps_per_epoch)))
    except ValueError as exc:
        raise TrainingError(
            Text(N_("{label} cannot start: {error}"), label=Text(spec.label), error=str(exc))
        ) from exc
    return LRController(
        spec, comp, optimizer, scheduler, epochs=epochs, steps_per_epoch=steps_per_epoch
    )


#: Schedules whose plan is the base learning rate throughout (plateau depends on results).
CONSTANT_PLANS = frozenset({"constant", "plateau"})


def planned_lrs(
    component: Mapping[str, Any] | str, base_lr: float, epochs: int, steps_per_epoch: int = 1
) -> dict[str, np.ndarray]:
    """The learning rate a schedule will use, without training.

    ``"epoch"`` holds the lr in effect at the start of each epoch (for per-batch schedules,
    its first batch) and ``"batch"`` the lr of every batch. Plateau depends on results not
    known in advance, so it is planned as constant.
    """
    epochs, steps = max(0, int(epochs)), max(1, int(steps_per_epoch))
    if SCHEDULES.normalize(component)["name"] in CONSTANT_PLANS:
        # No optimiser needed: making the first torch optimiser of a process imports
        # torch._dynamo (seconds at start-up, where the default project's preview needs it).
        per_epoch = np.full(epochs, float(base_lr))
        return {"epoch": per_epoch, "batch": np.repeat(per_epoch, steps)}
    weight = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([weight], lr=base_lr)
    controller = make_controller(component, opt, epochs=max(1, epochs), steps_per_epoch=steps)
    opt.step()  # no gradient, so nothing moves; it only tells torch the optimiser has run
    per_epoch = np.empty(epochs, dtype=np.float64)
    if not controller.per_batch:
        for e in range(epochs):
            per_epoch[e] = controller.lr()
            controller.after_epoch(None)
        return {"epoch": per_epoch, "batch": np.repeat(per_epoch, steps)}
    per_batch = np.empty(epochs * steps, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for i in range(epochs * steps):
            per_batch[i] = controller.lr()
            controller.after_batch()
    per_epoch[:] = per_batch[::steps]
    return {"epoch": per_epoch, "batch": per_batch}

"""Training settings: a frozen, JSON-round-trippable description of how to train.

Losses, optimisers and schedules are stored as normalised component dicts
(``{"name": "adam", "lr": 0.001, ...}``) so project files hold exactly what the user chose and
a typo in a hand-written file is reported by name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from nnstudio.core.catalogue.params import ParamError, ParamSpec
from nnstudio.core.errors import TrainingError
from nnstudio.i18n import N_, Text

MONITORS = ("val_loss", "val_accuracy", "train_loss", "train_accuracy", "val_rmse", "val_r2")
DEVICES = ("auto", "cpu", "cuda")
#: What a run can be asked to reach: validation accuracy (at least) or loss (at most); the
#: training split's value stands in when there is no validation split.
TARGET_METRICS = ("accuracy", "loss")


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the monitored metric has not improved by ``min_delta`` for ``patience`` epochs."""

    enabled: bool = False
    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    @property
    def maximize(self) -> bool:
        return self.monitor.endswith(("accuracy", "r2"))


@dataclass(frozen=True)
class StopTarget:
    """End the run at the first epoch that reaches a goal ("who gets to 95 % first").

    ``accuracy`` is a fraction (0.95 for 95 %), reached when the accuracy is at least it;
    ``loss`` is reached when the loss is at most ``value``.
    """

    metric: str = "accuracy"
    value: float = 0.95

    def __post_init__(self) -> None:
        spec = _TARGET["metric"]
        object.__setattr__(self, "metric", spec.coerce(self.metric))
        value = _TARGET["value"].coerce(self.value)
        if self.metric == "accuracy" and not 0.0 < value <= 1.0:
            raise ParamError(
                Text(
                    N_("a target accuracy is a fraction in (0, 1], such as 0.95, not {value:g}"),
                    value=value,
                )
            )
        object.__setattr__(self, "value", value)

    @property
    def maximize(self) -> bool:
        return self.metric == "accuracy"

    def reached(self, current: float) -> bool:
        return current >= self.value if self.maximize else current <= self.value


_FIELDS = {
    "l1": ParamSpec(
        "l1",
        "float",
        0.0,
        N_(
            "L1 penalty λ: adds λ·Σ|w| over all weights to the "
            "loss, pushing unneeded weights to exactly zero."
        ),
        label=N_("L1 penalty λ"),
        minimum=0.0,
        maximum=10.0,
        decimals=6,
    ),
    "epochs": ParamSpec(
        "epochs",
        "int",
        50,
        N_("Passes over the whole training set."),
        label=N_("Epochs"),
        minimum=1,
        maximum=1_000_000,
    ),
    "batch_size": ParamSpec(
        "batch_size",
        "int",
        32,
        N_(
            "Samples per weight update: 0 = all of "
            "them (batch gradient descent), 1 = one at a time (SGD), usual "
            "mini-batches are 32–256."
        ),
        label=N_("Batch size"),
        minimum=0,
        maximum=10_000_000,
    ),
    "shuffle": ParamSpec(
        "shuffle",
        "bool",
        True,
        N_("Visit training samples in a new random order every epoch."),
        label=N_("Shuffle"),
    ),
    "seed": ParamSpec(
        "seed",
        "int",
        0,
        N_("Makes initial weights, shuffling and dropout repeat exactly from run to run."),
        label=N_("Seed"),
        minimum=0,
        maximum=2**31 - 1,
    ),
    "device": ParamSpec(
        "device",
        "choice",
        "auto",
        N_("Where to compute: auto uses a CUDA GPU when one is present."),
        label=N_("Device"),
        choices=DEVICES,
    ),
    "amp": ParamSpec(
        "amp",
        "bool",
        False,
        N_(
            "Mixed precision: compute the forward pass in 16-bit floats on a CUDA GPU, which "
            "is faster and uses less memory; not available on the CPU."
        ),
        label=N_("Mixed precision (CUDA)"),
    ),
}
_EARLY = {
    "enabled": ParamSpec(
        "enabled",
        "bool",
        False,
        N_("Stop when the monitored metric stops improving."),
        label=N_("Enabled"),
    ),
    "monitor": ParamSpec(
        "monitor",
        "choice",
        "val_loss",
        N_("Metric to watch."),
        label=N_("Monitor"),
        choices=MONITORS,
        choice_labels=(
            N_("Validation loss"),
            N_("Validation accuracy"),
            N_("Training loss"),
            N_("Training accuracy"),
            N_("Validation RMSE"),
            N_("Validation R²"),
        ),
    ),
    "patience": ParamSpec(
        "patience",
        "int",
        5,
        N_("Epochs without improvement before stopping."),
        label=N_("Patience"),
        minimum=1,
        maximum=100_000,
    ),
    "min_delta": ParamSpec(
        "min_delta",
        "float",
        0.0,
        N_("Smallest change that counts as an improvement."),
        label=N_("Min delta"),
        minimum=0.0,
        maximum=1e9,
        decimals=6,
    ),
    "restore_best": ParamSpec(
        "restore_best",
        "bool",
        True,
        N_("Go back to the weights of the best epoch when stopping."),
        label=N_("Restore best weights"),
    ),
}


_TARGET = {
    "metric": ParamSpec(
        "metric",
        "choice",
        "accuracy",
        N_(
            "What the target is about: validation accuracy (at least the value) or "
            "validation loss (at most the value)."
        ),
        label=N_("Target metric"),
        choices=TARGET_METRICS,
    ),
    "value": ParamSpec(
        "value",
        "float",
        0.95,
        N_("The value to reach: accuracy as a fraction (0.95 = 95 %), or a loss."),
        label=N_("Target value"),
        minimum=0.0,
        maximum=1e9,
        decimals=6,
    ),
}


def target_param(name: str) -> ParamSpec:
    """The declaration behind a field of :class:`StopTarget`, for editors and the schema."""
    return _TARGET[name]


def settings_param(name: str) -> ParamSpec:
    """The declaration behind a scalar field, for GUI editors and tooltips."""
    return _FIELDS.get(name) or _EARLY[name]


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Optimiser steps in one epoch over ``n_train`` rows, exactly as the trainer counts them.

    ``batch_size`` 0 (or less) is the full batch. No rows count as one step, so schedule
    plans and previews made before data is loaded never divide by zero.
    """
    if n_train <= 0:
        return 1
    batch = n_train if batch_size <= 0 else min(batch_size, n_train)
    return math.ceil(n_train / batch)


@dataclass(frozen=True)
class TrainingSettings:
    """Everything about a run except the network and the data."""

    loss: Mapping[str, Any] = field(default_factory=lambda: {"name": "cross_entropy"})
    optimizer: Mapping[str, Any] = field(default_factory=lambda: {"name": "adam"})
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"name": "constant"})
    l1: float = 0.0
    epochs: int = 50
    batch_size: int = 32
    shuffle: bool = True
    seed: int = 0
    early_stopping: EarlyStopping = field(default_factory=EarlyStopping)
    device: str = "auto"
    #: Optional: end the run once this is reached. Left out of the file when unset, so
    #: projects without it read and write exactly as before.
    stop_at: StopTarget | None = None
    #: Mixed precision (autocast + gradient scaling), CUDA only.
    amp: bool = False

    def __post_init__(self) -> None:
        from nnstudio.core.catalogue.losses import LOSSES
        from nnstudio.core.catalogue.optimizers import OPTIMIZERS
        from nnstudio.core.catalogue.schedules import SCHEDULES

        try:
            for attr, registry in (
                ("loss", LOSSES),
                ("optimizer", OPTIMIZERS),
                ("schedule", SCHEDULES),
            ):
                object.__setattr__(self, attr, registry.normalize(getattr(self, attr)))
            for name, spec in _FIELDS.items():
                object.__setattr__(self, name, spec.coerce(getattr(self, name)))
            early = self.early_stopping
            if isinstance(early, Mapping):
                early = EarlyStopping(**_checked(early, _EARLY))
            object.__setattr__(self, "early_stopping", early)
            target = self.stop_at
            if isinstance(target, Mapping):
                target = StopTarget(**_checked_target(target))
            object.__setattr__(self, "stop_at", target)
        except ParamError as exc:
            raise TrainingError(
                Text(N_("training settings: {problem}"), problem=exc.message)
            ) from None

    @property
    def lr(self) -> float:
        return float(self.optimizer["lr"])

    @property
    def batch_mode(self) -> str:
        return {0: "full", 1: "single"}.get(self.batch_size, "mini")

    def replace(self, **changes: Any) -> TrainingSettings:
        return replace(self, **changes)

    def with_lr(self, lr: float) -> TrainingSettings:
        return self.replace(optimizer={**self.optimizer, "lr": lr})

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["loss"], out["optimizer"], out["schedule"] = (
            dict(self.loss),
            dict(self.optimizer),
            dict(self.schedule),
        )
        # Optional settings are left out when unset, so such projects read and write exactly
        # as before they existed.
        if self.stop_at is None:
            del out["stop_at"]
        if not self.amp:
            del out["amp"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingSettings:
        if not isinstance(data, Mapping):
            raise TrainingError(Text(N_("training settings must be an object")))
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainingError(
                Text(N_("training settings have no field {name!r}"), name=unknown[0])
            )
        early = data.get("early_stopping", {})
        if not isinstance(early, Mapping):
            raise TrainingError(Text(N_("training settings: early_stopping must be an object")))
        target = data.get("stop_at")
        if target is not None and not isinstance(target, Mapping):
            raise TrainingError(Text(N_("training settings: stop_at must be an object")))
        kwargs = {k: v for k, v in data.items() if k not in ("early_stopping", "stop_at")}
        try:
            stop_at = StopTarget(**_checked_target(target)) if target is not None else None
        except ParamError as exc:
            raise TrainingError(
                Text(N_("training settings: {problem}"), problem=exc.message)
            ) from None
        return cls(
            **kwargs, early_stopping=EarlyStopping(**_checked(early, _EARLY)), stop_at=stop_at
        )


def parse_target(text: str) -> StopTarget:
    """``accuracy=0.95``, ``accuracy=95%`` or ``loss=0.1`` as a :class:`StopTarget`.

    The command line's ``--stop-at``; raises :class:`TrainingError` with one line that says
    what is wrong.
    """
    metric, sep, raw = text.partition("=")
    metric, raw = metric.strip().lower(), raw.strip()
    if not sep or metric not in TARGET_METRICS or not raw:
        raise TrainingError(
            Text(
                N_(
                    "a target is accuracy=FRACTION or loss=VALUE (such as accuracy=0.95), "
                    "not {text!r}"
                ),
                text=text,
            )
        )
    percent = metric == "accuracy" and raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise TrainingError(
            Text(N_("the target value {value!r} is not a number"), value=raw)
        ) from None
    if not math.isfinite(value):
        raise TrainingError(Text(N_("the target value {value!r} is not a number"), value=raw))
    try:
        return StopTarget(metric, value / 100 if percent else value)
    except ParamError as exc:
        raise TrainingError(exc.message) from None


def _checked_target(values: Mapping[str, Any]) -> dict:
    unknown = sorted(set(values) - set(_TARGET))
    if unknown:
        raise TrainingError(Text(N_("stop_at has no setting {name!r}"), name=unknown[0]))
    return dict(values)


def _checked(values: Mapping[str, Any], specs: Mapping[str, ParamSpec]) -> dict:
    """The early-stopping settings, checked (the only group of settings kept this way)."""
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise TrainingError(Text(N_("early stopping has no setting {name!r}"), name=unknown[0]))
    try:
        return {k: specs[k].coerce(v) for k, v in values.items()}
    except ParamError as exc:
        raise TrainingError(Text(N_("early stopping: {problem}"), problem=exc.message)) from None

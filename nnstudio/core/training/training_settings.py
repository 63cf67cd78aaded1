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
        kwargs = {k: v for k, v in data.items() if k != "early_stopping"}
        return cls(**kwargs, early_stopping=EarlyStopping(**_checked(early, _EARLY)))


def _checked(values: Mapping[str, Any], specs: Mapping[str, ParamSpec]) -> dict:
    """The early-stopping settings, checked (the only group of settings kept this way)."""
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise TrainingError(Text(N_("early stopping has no setting {name!r}"), name=unknown[0]))
    try:
        return {k: specs[k].coerce(v) for k, v in values.items()}
    except ParamError as exc:
        raise TrainingError(Text(N_("early stopping: {problem}"), problem=exc.message)) from None

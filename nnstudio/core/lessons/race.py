"""The optimiser race: one network, one dataset, one set of initial weights, several optimisers.

The optimiser lesson ends in a table (5 epochs: SGD 0.32 / 92.1 %, Adam 0.18 / 95.6 %,
RMSprop 0.21 / 94.3 %). A fair version of that table needs every contestant to start from the
*same* weights and see the *same* batches, so that the only difference is the update rule.
:func:`build_race` makes those runs (the model is built once with the project's seed and
deep-copied into every entry; the shuffling seed, schedule, epochs and batch size are shared)
and :func:`race_table` turns what they reported into the lesson's table. No Qt here: the GUI
(``nnstudio.gui.race``) and tests drive the same functions.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.catalogue.optimizers import OPTIMIZERS
from nnstudio.core.catalogue.params import ParamError
from nnstudio.core.data import PreparedData, Table
from nnstudio.core.errors import TrainingError
from nnstudio.core.project import Project
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import ReportPolicy, TrainingJob, train
from nnstudio.core.training.plan import RunPlan, plan_run
from nnstudio.core.training.reports import History
from nnstudio.core.training.training_settings import EarlyStopping
from nnstudio.i18n import N_, Text, _, pgettext

__all__ = [
    "LESSON_TRIO",
    "MAX_ENTRIES",
    "RACE_COLUMNS",
    "RACE_POLICY",
    "RaceEntry",
    "RaceResult",
    "build_race",
    "entry_label",
    "epochs_to_target",
    "format_cell",
    "race_csv",
    "race_table",
    "run_race",
]

#: More contestants than this make the curves unreadable (and share the cores too thinly).
MAX_ENTRIES = 4
#: The race only needs one point per epoch per contestant.
RACE_POLICY = ReportPolicy(batches=False, detail_every=0, detail_seconds=0.0)


@dataclass(frozen=True)
class RaceEntry:
    """One contestant: a label, an optimiser component dict and (optionally) its lr.

    ``lr`` overrides ``optimizer["lr"]`` when given, so ``RaceEntry("Adam", {"name": "adam"},
    1e-3)`` reads like the lesson. The component is normalised (defaults filled, typos refused)
    on creation. An empty label becomes :func:`entry_label`'s, in the current language; the
    labels of :data:`LESSON_TRIO` are English, marked for translation: show labels with
    ``_()`` (a name the user typed is not in the catalogue and stays as typed).
    """

    label: str
    optimizer: Mapping[str, Any]
    lr: float | None = None

    def __post_init__(self) -> None:
        try:
            comp = OPTIMIZERS.normalize(dict(self.optimizer))
            if self.lr is not None:
                comp = OPTIMIZERS.normalize({**comp, "lr": self.lr})
        except ParamError as exc:
            raise TrainingError(
                Text(
                    N_("race entry {label}: {problem}"),
                    label=self.label or "?",
                    problem=exc.message,
                )
            ) from None
        object.__setattr__(self, "optimizer", comp)
        object.__setattr__(self, "lr", float(comp["lr"]))
        if not self.label:
            object.__setattr__(self, "label", entry_label(comp))

    def component(self) -> dict[str, Any]:
        """The optimiser settings this entry trains with (a fresh dict)."""
        return dict(self.optimizer)


def entry_label(component: Mapping[str, Any]) -> str:
    """A short, lesson-style name: ``SGD lr 0.01 · momentum 0.9``, ``Adam lr 0.001``.

    In the current language (the race dialog shows it as it is made).
    """
    comp = OPTIMIZERS.normalize(dict(component))
    spec = OPTIMIZERS.get(comp["name"])
    parts = [_("{optimizer} lr {lr:g}").format(optimizer=_(spec.label), lr=comp["lr"])]
    for p in spec.params:
        if p.name == "lr" or p.kind not in ("float", "bool", "int"):
            continue
        value = comp.get(p.name, p.default)
        if value != p.default:
            if p.kind == "bool":
                shown = pgettext("switch", "on") if value else pgettext("switch", "off")
            else:
                shown = f"{value:g}"
            parts.append(f"{_(p.title).lower()} {shown}")
    return " · ".join(parts)


#: The lesson's trio (seed notes §6), as the race dialog pre-fills it.
LESSON_TRIO: tuple[RaceEntry, ...] = (
    RaceEntry(N_("SGD (momentum 0.9)"), {"name": "sgd", "momentum": 0.9}, 0.01),
    RaceEntry("Adam", {"name": "adam"}, 1e-3),
    RaceEntry("RMSprop", {"name": "rmsprop"}, 1e-3),
)


def build_race(
    project: Project,
    entries: Sequence[RaceEntry],
    loaded: tuple[Table, PreparedData] | None = None,
    *,
    epochs: int | None = None,
    early_stopping: bool = False,
) -> list[RunPlan]:
    """One :class:`RunPlan` per entry, all starting from identical weights.

    The network is planned once (seeded by ``project.training.seed``, never resumed from saved
    weights: a race starts from scratch) and its model deep-copied into every plan. Each plan
    trains with its entry's optimiser and the project's schedule, batch size, loss, shuffling
    seed and ``epochs`` (default: the project's). Early stopping is off unless asked for, so
    every contestant runs the same distance.

    Raises :class:`~nnstudio.core.errors.NNStudioError` when the project cannot train.
    """
    if not entries:
        raise TrainingError(Text(N_("add at least one optimiser to race")))
    if len(entries) > MAX_ENTRIES:
        raise TrainingError(Text(N_("a race takes at most {n} optimisers"), n=MAX_ENTRIES))
    base = plan_run(project, resume=False, loaded=loaded)
    settings = project.training
    if epochs is not None:
        settings = settings.replace(epochs=int(epochs))
    if not early_stopping:
        settings = settings.replace(early_stopping=EarlyStopping(enabled=False))
    plans = []
    for entry in entries:
        model = copy.deepcopy(base.model)
        job = TrainingJob(
            model=model,
            data=base.prepared,
            settings=settings.replace(optimizer=entry.component()),
        )
        plans.append(
            RunPlan(
                base.table,
                base.prepared,
                base.ctx,
                base.analysis,
                model,
                job,
                list(base.warnings),
            )
        )
    return plans


@dataclass
class RaceResult:
    """What one contestant did: its curves, how long it took and how it ended."""

    entry: RaceEntry
    history: History = field(default_factory=History)
    #: Processor seconds spent training (wall-clock time is shared when runs go side by side);
    #: None while the run is still going.
    seconds: float | None = None
    reason: str = "finished"
    #: How the run ended (a :class:`~nnstudio.i18n.Text`: show it with ``tr()``).
    message: str = ""


def run_race(
    plans: Sequence[RunPlan],
    entries: Sequence[RaceEntry],
    on_event: Callable[[int, object], None] | None = None,
    control: TrainingControl | None = None,
) -> list[RaceResult]:
    """Train the plans one after the other in this thread (headless use and tests)."""
    results = []
    for index, (plan, entry) in enumerate(zip(plans, entries, strict=True)):
        emit = (lambda event, i=index: on_event(i, event)) if on_event else None
        t0 = time.thread_time()
        result = train(plan.job, emit, control, RACE_POLICY)
        results.append(
            RaceResult(
                entry, result.history, time.thread_time() - t0, result.reason, result.message
            )
        )
    return results


# --- the table --------------------------------------------------------------------------------

#: (row key, heading, tooltip) of the race table, in the lesson's order. Headings and
#: tooltips are English, marked for translation: show them with ``_()``.
RACE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("label", N_("Optimiser"), N_("The contestant: optimiser and its settings.")),
    ("final_train_loss", N_("Final loss"), N_("Training loss of the last epoch.")),
    ("final_val_loss", N_("Val loss"), N_("Validation loss after the last epoch.")),
    (
        "final_metric",
        N_("Accuracy"),
        N_("Validation accuracy (RMSE for regression) after the last epoch."),
    ),
    (
        "epochs_to_target",
        N_("Epochs to target"),
        N_("First epoch whose training loss reached the target loss (— if it never did)."),
    ),
    ("seconds", N_("CPU s"), N_("Processor seconds this contestant used.")),
)


def epochs_to_target(losses: Sequence[float | None], target: float | None) -> int | None:
    """The first epoch (1-based) whose loss is at or below ``target``; None if none is."""
    if target is None or not math.isfinite(target):
        return None
    for i, value in enumerate(losses):
        if value is not None and math.isfinite(value) and value <= target:
            return i + 1
    return None


def _last(values: Sequence[float | None]) -> float | None:
    for value in reversed(values):
        if value is not None and math.isfinite(value):
            return float(value)
    return None


def _metric(history: History) -> tuple[str, float | None]:
    """The headline metric: validation accuracy (or RMSE), the training one without a val split."""
    for key in ("val_accuracy", "train_accuracy", "val_rmse", "train_rmse"):
        values = history.metrics.get(key)
        if values and _last(values) is not None:
            return key, _last(values)
    return "", None


def race_table(
    results: Sequence[RaceResult], target_loss: float | None, *, monitor: str = "train_loss"
) -> list[dict[str, Any]]:
    """One row per result, in race order, with the lesson's columns (see :data:`RACE_COLUMNS`).

    ``final_metric`` is a fraction for accuracies (0.921, shown as 92.1 %) and plain for RMSE;
    ``metric`` names it. ``epochs_to_target`` counts on ``monitor`` (``train_loss`` — what
    the optimiser minimises — or ``val_loss``). Non-finite values become None.
    """
    rows = []
    for result in results:
        h = result.history
        metric, value = _metric(h)
        watched = h.val_loss if monitor == "val_loss" else h.train_loss
        rows.append(
            {
                "label": result.entry.label,
                "optimizer": result.entry.optimizer["name"],
                "lr": result.entry.lr,
                "final_train_loss": _last(h.train_loss),
                "final_val_loss": _last(h.val_loss),
                "metric": metric,
                "final_metric": value,
                "epochs_to_target": epochs_to_target(watched, target_loss),
                "epochs_run": h.epochs_done,
                "seconds": None if result.seconds is None else float(result.seconds),
                "reason": result.reason,
            }
        )
    return rows


def format_cell(key: str, row: Mapping[str, Any]) -> str:
    """A table cell as the lesson writes it: ``0.3214``, ``92.1 %``, ``—`` for missing."""
    value = row.get(key)
    if value is None:
        return "—"
    if key == "final_metric":
        if str(row.get("metric", "")).endswith("accuracy"):
            return f"{100.0 * value:.1f} %"
        return f"{value:.4g}"
    if key in ("final_train_loss", "final_val_loss"):
        return f"{value:.4f}"
    if key == "seconds":
        return f"{value:.2f}"
    if key == "lr":
        return f"{value:g}"
    return str(value)


def race_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """The table as CSV text (full precision; empty cells for missing values)."""
    keys = [
        "label",
        "optimizer",
        "lr",
        "final_train_loss",
        "final_val_loss",
        "metric",
        "final_metric",
        "epochs_to_target",
        "epochs_run",
        "seconds",
        "reason",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k in keys])
    return out.getvalue()

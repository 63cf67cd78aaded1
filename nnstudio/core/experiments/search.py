"""Hyperparameter search with Optuna: which learning rate, optimiser, width, dropout.

Optuna is the engine (samplers, pruning, storage, parameter importances): a well-kept library
practitioners know, and its RDB storage lets several processes or machines work on one study
at once. This module only says what a trial changes in a project and how one is trained:

- a :class:`SearchParam` is one setting and its range, parsed from the command line's
  ``lr=1e-4:1e-1:log``, ``optimizer=sgd,adam``, ``batch_size=16,32,64``, ``units=16:256``,
  ``dropout=0:0.5``, ``weight_decay=1e-6:1e-2:log`` or ``epochs=5:30``; ``units`` and
  ``dropout`` change every hidden Dense layer and every Dropout layer, ``units.NAME`` and
  ``dropout.NAME`` one layer;
- each trial trains a copy of the project (the data is read and split once), reporting the
  monitored validation metric after every epoch, so Optuna's MedianPruner can stop a trial
  that is doing worse than the median of earlier trials at the same epoch;
- the trial's value is the best epoch's value of that metric (what early stopping with
  restored weights would keep);
- every trial this process trains, finished or pruned, leaves a run record
  (:attr:`SearchResult.runs`), and :func:`add_search_runs` puts them into the project's runs
  marked as one experiment, so the runs table compares the trials like any runs. Only the
  best trial keeps its weights: one set is held at a time and project files stay small.

Optuna is optional (the ``search`` extra): it is imported only when a search runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.errors import NNStudioError, TrainingError
from nnstudio.core.experiments.controlled import experiment_label
from nnstudio.core.training.reports import EpochReport, History
from nnstudio.core.training.runs import MAX_NAME_CHARS, RunRecord, record_run, run_changes
from nnstudio.i18n import N_, Text, _

#: Settings a search can vary, and the kind of value each takes.
SETTINGS: dict[str, str] = {
    "lr": "float",
    "weight_decay": "float",
    "dropout": "float",
    "batch_size": "int",
    "units": "int",
    "epochs": "int",
    "optimizer": "categorical",
}
#: Values a numeric range contributes to a grid search.
GRID_POINTS = 5
SAMPLERS = ("tpe", "random", "grid")


@dataclass(frozen=True)
class SearchParam:
    """One setting to vary: a numeric range (``low``–``high``, optionally on a log scale) or a
    list of ``choices``. ``name`` is the setting (``lr``, ``units``, ``units.dense_2``)."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def setting(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def layer(self) -> str | None:
        return self.name.split(".", 1)[1] if "." in self.name else None

    @property
    def kind(self) -> str:
        return SETTINGS[self.setting]

    def suggest(self, trial: Any) -> Any:
        """The value Optuna's ``trial`` picks for this setting."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def grid(self) -> list[Any]:
        """The values a grid search tries: the choices, or a few points across the range."""
        if self.choices:
            return list(self.choices)
        lo, hi = float(self.low), float(self.high)
        points = np.geomspace(lo, hi, GRID_POINTS) if self.log else np.linspace(lo, hi, GRID_POINTS)
        if self.kind == "int":
            return sorted({round(float(v)) for v in points})
        return [float(f"{v:.6g}") for v in points]

    def to_dict(self) -> dict[str, Any]:
        if self.choices:
            return {"name": self.name, "choices": list(self.choices)}
        return {"name": self.name, "low": self.low, "high": self.high, "log": self.log}


def parse_param(text: str) -> SearchParam:
    """``lr=1e-4:1e-1:log`` (a range), ``optimizer=sgd,adam`` (choices), ``batch_size=32``."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    setting = name.split(".", 1)[0]
    if not sep or not spec or setting not in SETTINGS:
        raise TrainingError(
            Text(
                N_(
                    "cannot read the search setting {text!r}: write NAME=LOW:HIGH[:log] or "
                    "NAME=A,B,C with NAME one of {names}"
                ),
                text=text,
                names=", ".join(SETTINGS),
            )
        )
    kind = SETTINGS[setting]
    if "." in name and setting not in ("units", "dropout"):
        raise TrainingError(
            Text(N_("only units and dropout can name a layer ({text!r})"), text=text)
        )
    if ":" in spec and kind != "categorical":
        parts = spec.split(":")
        log = len(parts) == 3 and parts[2].strip().lower() == "log"
        if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
            raise _bad_range(text)
        low, high = (_number(p, text, kind) for p in parts[:2])
        if not low < high or (log and low <= 0):
            raise _bad_range(text)
        return SearchParam(name, low, high, log)
    values = [v.strip() for v in spec.split(",") if v.strip()]
    if kind == "categorical":
        from nnstudio.core.catalogue.optimizers import OPTIMIZERS

        for value in values:
            try:
                OPTIMIZERS.normalize(value)
            except (KeyError, ValueError, NNStudioError):
                raise TrainingError(
                    Text(N_("unknown optimiser {name!r} in {text!r}"), name=value, text=text)
                ) from None
        return SearchParam(name, choices=tuple(values))
    return SearchParam(name, choices=tuple(_number(v, text, kind) for v in values))


def _number(text: str, whole: str, kind: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise TrainingError(
            Text(N_("{value!r} in {text!r} is not a number"), value=text, text=whole)
        ) from None
    if kind == "int":
        if not value.is_integer():
            raise TrainingError(
                Text(N_("{value!r} in {text!r} must be a whole number"), value=text, text=whole)
            )
        return int(value)
    return value


def _bad_range(text: str) -> TrainingError:
    return TrainingError(
        Text(
            N_(
                "the range in {text!r} must be LOW:HIGH with LOW below HIGH (and above 0 with :log)"
            ),
            text=text,
        )
    )


# --- a trial's project -----------------------------------------------------------------------


def apply_params(project: Any, params: dict[str, Any]) -> Any:
    """A copy of ``project`` with the trial's settings, its training state cleared.

    The network is copied (a trial may change widths); the data settings are shared, as no
    search setting touches them.
    """
    from nnstudio.core.catalogue.optimizers import OPTIMIZERS

    graph = project.graph.copy()
    training = project.training
    if "optimizer" in params:
        component = OPTIMIZERS.normalize(str(params["optimizer"]))
        component["lr"] = training.lr
        if "weight_decay" in component:
            component["weight_decay"] = training.optimizer.get("weight_decay", 0.0)
        training = training.replace(optimizer=component)
    for name, value in params.items():
        setting, _, layer = name.partition(".")
        if setting == "lr":
            training = training.with_lr(float(value))
        elif setting == "weight_decay":
            if "weight_decay" not in training.optimizer:
                raise TrainingError(
                    Text(
                        N_("optimiser {name} has no weight decay to search"),
                        name=training.optimizer["name"],
                    )
                )
            training = training.replace(
                optimizer={**training.optimizer, "weight_decay": float(value)}
            )
        elif setting == "batch_size":
            training = training.replace(batch_size=int(value))
        elif setting == "epochs":
            training = training.replace(epochs=int(value))
        elif setting == "units":
            _set_layers(graph, "Dense", "units", int(value), layer, hidden_only=True)
        elif setting == "dropout":
            _set_layers(graph, "Dropout", "p", float(value), layer)
    trial = dataclasses.replace(
        project,
        graph=graph,
        training=training,
        weights=None,
        optimizer_state=None,
        schedule_state=None,
        epochs_trained=0,
        history=History(),
    )
    return trial


def _set_layers(
    graph: Any, layer_type: str, param: str, value: Any, layer: str | None, hidden_only=False
) -> None:
    if layer:
        node = graph.by_name(layer)
        if node.type != layer_type:
            raise TrainingError(
                Text(N_("layer {name} is not a {kind} layer"), name=layer, kind=layer_type)
            )
        graph.set_param(node.id, param, value)
        return
    nodes = [
        n
        for n in graph.nodes.values()
        if n.type == layer_type and not (hidden_only and n.params.get(param) == "auto")
    ]
    if not nodes:
        raise TrainingError(
            Text(N_("the network has no {kind} layer to search over"), kind=layer_type)
        )
    for node in nodes:
        graph.set_param(node.id, param, value)


# --- the search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial: its settings, its value and how it ended."""

    number: int
    #: "complete", "pruned" or "fail".
    state: str
    params: dict[str, Any]
    value: float | None
    #: The monitored metric after each epoch trained.
    curve: list[float]
    seconds: float
    message: str = ""
    #: The last ``(epoch, value)`` the trial reported to Optuna (its ``intermediate_values``):
    #: all that is known of a pruned trial, which has no value. Not in :meth:`to_dict` (the
    #: JSON has the whole curve already).
    last_report: tuple[int, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "params": self.params,
            "value": self.value,
            "epochs": len(self.curve),
            "curve": self.curve,
            "seconds": round(self.seconds, 4),
            "message": self.message,
        }


@dataclass
class SearchResult:
    metric: str
    direction: str
    best_value: float | None
    best_params: dict[str, Any]
    best_number: int | None
    trials: list[TrialRecord]
    seconds: float
    #: Optuna's parameter importances (fANOVA), when they could be computed.
    importances: dict[str, float] = field(default_factory=dict)
    study_name: str = ""
    #: Trial number → the run record of each trial this process trained (another worker's
    #: trials on a shared storage are recorded by that worker). Not part of :meth:`to_dict`:
    #: the JSON describes the study, the records go into the project.
    runs: dict[int, RunRecord] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction,
            "best_value": self.best_value,
            "best_params": self.best_params,
            "best_trial": self.best_number,
            "trials": [t.to_dict() for t in self.trials],
            "importances": self.importances,
            "seconds": round(self.seconds, 4),
            "study_name": self.study_name,
        }


def default_metric(task: str) -> str:
    """What a search optimises unless told: validation accuracy, or validation loss."""
    return "val_accuracy" if task == "classification" else "val_loss"


def maximize(metric: str) -> bool:
    return metric.endswith(("accuracy", "r2"))


def _metric_of(report: EpochReport, metric: str) -> float | None:
    if metric == "val_loss":
        return report.val_loss
    if metric == "train_loss":
        return report.train_loss
    return report.metrics.get(metric)


def open_study(
    *,
    direction: str,
    sampler: str = "tpe",
    params: Sequence[SearchParam] = (),
    storage: str | None = None,
    study_name: str | None = None,
    seed: int | None = 0,
    pruning: bool = True,
    warmup: int = 1,
) -> Any:
    """An Optuna study (new, or the stored one named ``study_name`` when ``storage`` is
    given, so several processes share it). SQLite waits for a busy database instead of
    failing at once: workers writing at the same moment take turns."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sampler == "grid":
        chosen = optuna.samplers.GridSampler({p.name: p.grid() for p in params}, seed=seed)
    elif sampler == "random":
        chosen = optuna.samplers.RandomSampler(seed=seed)
    else:
        chosen = optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=warmup)
        if pruning
        else optuna.pruners.NopPruner()
    )
    rdb: Any = None
    if storage:
        engine_kwargs = {"connect_args": {"timeout": 60}} if storage.startswith("sqlite") else {}
        rdb = _storage(storage, engine_kwargs)
    return optuna.create_study(
        storage=rdb,
        study_name=study_name,
        load_if_exists=bool(storage),
        direction=direction,
        sampler=chosen,
        pruner=pruner,
    )


def _storage(url: str, engine_kwargs: dict[str, Any]) -> Any:
    """Optuna's RDB storage. Workers that start together race to create its tables and to
    stamp its schema version (one of them meets "table already exists" or a unique-key
    error); for a SQLite file the first connection is therefore made under a lock file
    beside the database, where the platform has one, and a failed one is tried again."""
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    with _creation_lock(url):
        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
            except SQLAlchemyError:
                if attempt == 4:
                    raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _creation_lock(url: str) -> Iterator[None]:
    """An exclusive lock on ``<database>.lock`` for a SQLite URL (POSIX); else nothing."""
    prefix = "sqlite:///"
    try:
        import fcntl
    except ImportError:  # Windows: the retries above have to do
        yield
        return
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        yield
        return
    path = Path(url[len(prefix) :] + ".lock")
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def require_optuna() -> Any:
    """Optuna, or one clear line: it comes with the ``search`` extra, not the base install
    the README's first command makes."""
    try:
        import optuna
    except ImportError:
        raise TrainingError(
            Text(
                N_(
                    "hyperparameter search needs the optuna package: pip install optuna "
                    '(or pip install -e ".[search]" in NN Studio\'s folder)'
                )
            )
        ) from None
    return optuna


def run_search(
    project: Any,
    params: Sequence[SearchParam],
    *,
    trials: int = 20,
    timeout: float | None = None,
    sampler: str = "tpe",
    metric: str | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    pruning: bool = True,
    seed: int | None = 0,
    on_trial: Callable[[TrialRecord], None] | None = None,
    on_epoch: Callable[[int, EpochReport], None] | None = None,
    stop: threading.Event | None = None,
) -> SearchResult:
    """Search ``params`` over ``trials`` trainings of copies of ``project``.

    ``on_trial`` hears each finished trial, ``on_epoch`` each epoch of the running one;
    setting ``stop`` ends the running trial at its next batch and the search after it.
    Raises TrainingError when the project cannot be trained at all.
    """
    optuna = require_optuna()

    from nnstudio.core.training import ReportPolicy, TrainingControl, train
    from nnstudio.core.training.plan import load_data, plan_run

    if not params:
        raise TrainingError(Text(N_("give at least one setting to search (--param)")))
    if sampler not in SAMPLERS:
        raise TrainingError(
            Text(
                N_("unknown sampler {name!r} (choose {choices})"),
                name=sampler,
                choices="tpe, random, grid",
            )
        )
    loaded = load_data(project)
    task = loaded[1].task
    metric = metric or default_metric(task)
    if loaded[1].n_val == 0 and metric.startswith("val_"):
        # No validation rows: the training split's figure is all there is to compare.
        metric = metric.replace("val_", "train_", 1)
    direction = "maximize" if maximize(metric) else "minimize"
    plan_run(apply_params(project, {}), loaded=loaded)  # a broken project fails here, once
    study = open_study(
        direction=direction,
        sampler=sampler,
        params=params,
        storage=storage,
        study_name=study_name,
        seed=seed,
        pruning=pruning,
        # A trial is judged after a quarter of its epochs at the earliest: the first epochs
        # of a good but slow setting often look worse than a fast one that stalls later.
        warmup=max(1, project.training.epochs // 4),
    )
    stop = stop or threading.Event()
    records: list[TrialRecord] = []
    runs: dict[int, RunRecord] = {}
    holder: list[tuple[int, float]] = []  # (trial, value) of the run keeping its weights

    def objective(trial: optuna.Trial) -> float:
        chosen = {p.name: p.suggest(trial) for p in params}
        candidate = apply_params(project, chosen)
        plan = plan_run(candidate, loaded=loaded)
        control = TrainingControl()
        curve: list[float] = []
        pruned = threading.Event()
        worst = -math.inf if direction == "maximize" else math.inf

        def on_event(event: Any) -> None:
            if stop.is_set():
                control.stop()
            if not isinstance(event, EpochReport):
                return
            value = _metric_of(event, metric)
            value = worst if value is None or not math.isfinite(value) else float(value)
            curve.append(value)
            if on_epoch is not None:
                on_epoch(trial.number, event)
            trial.report(value, event.epoch)
            if trial.should_prune():
                pruned.set()
                control.stop()

        result = train(plan.job, on_event, control, policy=ReportPolicy(batches=False))
        trial.set_user_attr("curve", curve)
        trial.set_user_attr("reason", result.reason)
        run = _trial_run(candidate, plan, result)
        if run is not None:
            runs[trial.number] = run
        finite = [v for v in curve if math.isfinite(v)]
        value = (max(finite) if direction == "maximize" else min(finite)) if finite else None
        if run is not None:
            _keep_best_weights(runs, holder, trial.number, value, direction, pruned.is_set())
        if pruned.is_set():
            raise optuna.TrialPruned()
        if value is None:
            # Diverged at once or stopped before its first epoch: the worst value, so the
            # sampler learns to avoid the region without the study failing.
            return worst if math.isfinite(worst) else (-1e300 if direction == "maximize" else 1e300)
        return value

    def callback(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        record = _record(frozen)
        records.append(record)
        if on_trial is not None:
            on_trial(record)
        if stop.is_set():
            study.stop()

    started = time.perf_counter()
    study.optimize(
        objective,
        n_trials=trials,
        timeout=timeout,
        callbacks=[callback],
        catch=(NNStudioError,),
        gc_after_trial=False,
    )
    seconds = time.perf_counter() - started
    result = _result(study, metric, direction, records, seconds)
    result.runs = runs
    return result


def _trial_run(candidate: Any, plan: Any, result: Any) -> RunRecord | None:
    """The run record of one trial (None when it trained no epoch), not yet in any log."""
    if result.epochs_run == 0 or not result.history.epoch:
        return None
    trained = dataclasses.replace(candidate, preprocessor=plan.prepared.preprocessor)
    return record_run(trained, plan.model, result, None)


def _keep_best_weights(
    runs: dict[int, RunRecord],
    holder: list[tuple[int, float]],
    number: int,
    value: float | None,
    direction: str,
    pruned: bool,
) -> None:
    """Keep trial ``number``'s weights only while it is the best unpruned trial so far.

    A search trains many runs of which one matters: holding every trial's weights would fill
    memory and the project file; the best one is what "go back to this run" wants.
    ``holder`` is ``[(number, value)]`` of the trial holding weights, or empty.
    """
    better = not pruned and value is not None
    if better and holder:
        old = holder[0][1]
        better = value > old if direction == "maximize" else value < old
    run = runs[number]
    if not better:
        run.weights_last = run.weights_best = None
        return
    if holder:
        previous = runs[holder[0][0]]
        previous.weights_last = previous.weights_best = None
    assert value is not None
    holder[:] = [(number, value)]


def _record(frozen: Any) -> TrialRecord:
    state = frozen.state.name.lower()
    seconds = (
        (frozen.datetime_complete - frozen.datetime_start).total_seconds()
        if frozen.datetime_complete and frozen.datetime_start
        else 0.0
    )
    value = frozen.value if state == "complete" else None
    if value is not None and not math.isfinite(value):
        value = None
    message = str(frozen.user_attrs.get("reason", ""))
    if state == "fail":
        message = str(frozen.system_attrs.get("fail_reason", message))
    return TrialRecord(
        frozen.number,
        state,
        dict(frozen.params),
        value,
        [float(v) for v in frozen.user_attrs.get("curve", [])],
        seconds,
        message,
        _last_report(frozen.intermediate_values),
    )


def _last_report(reported: Mapping[int, float]) -> tuple[int, float] | None:
    """The last ``(step, value)`` of a trial's ``intermediate_values`` (None if it reported
    none); the steps are the epochs the search reported at."""
    if not reported:
        return None
    step = max(reported)
    return int(step), float(reported[step])


def _result(
    study: Any, metric: str, direction: str, records: list[TrialRecord], seconds: float
) -> SearchResult:
    """The study as it stands (with a shared storage: every worker's trials)."""
    import optuna

    every = [_record(t) for t in study.get_trials(deepcopy=False)]
    complete = [t for t in every if t.state == "complete" and t.value is not None]
    best = None
    if complete:
        pick = max if direction == "maximize" else min
        best = pick(complete, key=lambda t: t.value)
    importances: dict[str, float] = {}
    distinct = {tuple(sorted(t.params.items())) for t in complete}
    if len(complete) >= 2 and len(distinct) >= 2:
        try:
            with warnings.catch_warnings():
                # "quantiles select the same set of trials": equal importances say so too.
                warnings.simplefilter("ignore")
                found = optuna.importance.get_param_importances(study)
            importances = {k: float(v) for k, v in found.items()}
        except (RuntimeError, ValueError, ZeroDivisionError):
            importances = {}
    return SearchResult(
        metric=metric,
        direction=direction,
        best_value=best.value if best else None,
        best_params=dict(best.params) if best else {},
        best_number=best.number if best else None,
        trials=every or records,
        seconds=seconds,
        importances=importances,
        study_name=study.study_name,
    )


# --- the trials as runs of the project -------------------------------------------------------

#: Trial states that trained epochs worth comparing (a failed trial has nothing to show).
RECORDED_STATES = ("complete", "pruned")


def add_search_runs(project: Any, result: SearchResult) -> list[RunRecord]:
    """Record the search's trials in ``project.runs`` as one experiment; returns the records.

    In trial order, each finished or pruned trial this process trained becomes a run named
    after its trial, carrying the experiment label (shared numbering with controlled
    experiments) and the searched settings as what varies; its diff is against the run
    before it, so the table reads "lr 0.003 → 0.02" from trial to trial. The project's
    keep-N limit applies as for any run (starred runs stay). ``result`` is left unchanged.
    """
    runs = project.runs
    label = experiment_label(runs)
    names: list[str] = []
    for trial in result.trials:
        names.extend(name for name in trial.params if name not in names)
    varied = ", ".join(names)[:64]
    added: list[RunRecord] = []
    for trial in sorted(result.trials, key=lambda t: t.number):
        template = result.runs.get(trial.number)
        if template is None or trial.state not in RECORDED_STATES:
            continue
        record = dataclasses.replace(template)
        previous = runs.latest
        record.previous = previous.id if previous is not None else None
        record.changes = (
            run_changes(
                previous.training,
                record.training,
                previous.graph,
                record.graph,
                previous.data,
                record.data,
            )
            if previous is not None
            else []
        )
        name = (
            _("Trial {number} (pruned)") if trial.state == "pruned" else _("Trial {number}")
        ).format(number=trial.number)
        record.name = name[:MAX_NAME_CHARS]
        record.experiment, record.varied = label, varied
        runs.add(record)
        added.append(record)
    return added

"""Run records: every training run kept in the project, to compare and to go back to.

A practitioner spends most of the time comparing runs ("was lr 0.01 better than 0.001?"),
so each finished run — from the window or the command line, both store their result through
:func:`nnstudio.core.training.plan.store_result` — becomes a :class:`RunRecord`: when, the
seed, the full settings, graph and data settings, what changed since the previous run, the
parameter count, the curves, final and best values, time and speed, and the weights of the
last and of the best epoch (best by the monitored metric). Records live in the project's
:class:`RunLog`, which keeps the last :attr:`RunLog.keep` runs (starred runs are never
dropped) so project files stay small.

The module lives beside the trainer rather than in ``core.experiments`` because the plan
that stores a run's result must make the record, and ``core.experiments`` builds on the
training package (import circles between sibling packages are refused).

The API other code uses is small:

- :func:`record_run` — the record of a finished run (called by ``store_result``);
- :func:`run_changes` / :func:`human_diff` — what changed between two settings + graphs,
  as structured :class:`Change` items or as translatable lines ("lr 0.01 → 0.001");
- :class:`RunLog` — ``add``, ``get``, ``remove``, ``insert``, ``set_keep``;
- :func:`capture_state` / :func:`state_of_record` — the project state before a restore
  and the state a record brings back ("go back to run 7"), applied by
  :meth:`nnstudio.core.workspace.Workspace.apply_state`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from nnstudio.core.data import DataSettings, Preprocessor
from nnstudio.core.lazy import lazy_module
from nnstudio.core.network.builder import LAYERS_PREFIX
from nnstudio.core.network.graph import Graph
from nnstudio.core.training.reports import History
from nnstudio.core.training.training_settings import TrainingSettings
from nnstudio.i18n import N_, Text, _, pgettext

torch = lazy_module("torch", globals())

__all__ = [
    "DEFAULT_KEEP",
    "MAX_KEEP",
    "Change",
    "ProjectState",
    "RunLog",
    "RunRecord",
    "capture_state",
    "human_diff",
    "load_graph_into",
    "monitored_key",
    "record_run",
    "run_changes",
    "state_of_record",
]

#: Runs kept by default; the user can choose 1 … MAX_KEEP (starred runs come on top).
DEFAULT_KEEP = 20
#: The most runs a project keeps, starred or not (two weight members each in the archive).
MAX_KEEP = 100
#: Longest run name and experiment label.
MAX_NAME_CHARS = 200


# --- what changed between two runs ---------------------------------------------------------

#: Training-settings keys → their words in a diff line (English, translated when shown).
_SETTING_WORDS: dict[str, str] = {
    "lr": N_("lr"),
    "optimizer": N_("optimiser"),
    "loss": N_("loss"),
    "schedule": N_("schedule"),
    "batch_size": N_("batch size"),
    "epochs": N_("epochs"),
    "seed": N_("seed"),
    "shuffle": N_("shuffle"),
    "l1": N_("L1"),
    "early_stopping": N_("early stopping"),
    "stop_at": N_("target"),
    "data": N_("data settings"),
}


def _shown(value: Any) -> str:
    """A setting's value as a diff shows it: ``0.001``, ``adam``, ``on``; JSON-safe text."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        if "name" in value:
            return str(value["name"])
        return ", ".join(f"{k} {_shown(v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)


@dataclass(frozen=True)
class Change:
    """One difference between two runs, kept as data so it is shown in the reader's language.

    ``what`` is ``setting`` (``key`` names a training setting or optimiser parameter),
    ``param`` (a layer's parameter ``key`` changed), ``layer_added``, ``layer_removed``,
    ``dropout_added`` / ``dropout_removed`` or ``wiring`` (the connections changed).
    """

    what: str
    key: str = ""
    old: str = ""
    new: str = ""
    layer: str = ""

    def text(self) -> Text:
        """The change as one translatable line (``lr 0.01 → 0.001``, ``dropout added``)."""
        if self.what == "setting":
            return Text(
                N_("{setting} {old} → {new}"),
                setting=Text(_SETTING_WORDS.get(self.key, self.key.replace("_", " "))),
                old=self.old,
                new=self.new,
            )
        if self.what == "param":
            return Text(
                N_("{layer}: {param} {old} → {new}"),
                layer=self.layer,
                param=self.key.replace("_", " "),
                old=self.old,
                new=self.new,
            )
        if self.what == "layer_added":
            return Text(N_("layer {layer} added"), layer=self.layer)
        if self.what == "layer_removed":
            return Text(N_("layer {layer} removed"), layer=self.layer)
        if self.what == "dropout_added":
            return Text(N_("dropout added"))
        if self.what == "dropout_removed":
            return Text(N_("dropout removed"))
        return Text(N_("connections changed"))

    def to_dict(self) -> dict[str, str]:
        out = {"what": self.what}
        for name in ("key", "old", "new", "layer"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Change:
        return cls(**{k: str(raw.get(k, "")) for k in ("what", "key", "old", "new", "layer")})


def _setting_changes(old: TrainingSettings, new: TrainingSettings) -> list[Change]:
    out: list[Change] = []
    if old.optimizer["name"] != new.optimizer["name"]:
        out.append(Change("setting", "optimizer", old.optimizer["name"], new.optimizer["name"]))
    if not math.isclose(old.lr, new.lr, rel_tol=1e-12):
        out.append(Change("setting", "lr", _shown(old.lr), _shown(new.lr)))
    if old.optimizer["name"] == new.optimizer["name"]:
        for key, value in new.optimizer.items():
            if key not in ("name", "lr") and old.optimizer.get(key) != value:
                out.append(Change("setting", key, _shown(old.optimizer.get(key)), _shown(value)))
    for key in ("loss", "schedule"):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            shown_a, shown_b = _shown(a), _shown(b)
            if shown_a == shown_b:  # same component, other parameters: show them
                shown_a = _shown({k: v for k, v in a.items() if k != "name"})
                shown_b = _shown({k: v for k, v in b.items() if k != "name"})
            out.append(Change("setting", key, shown_a, shown_b))
    for key in ("batch_size", "epochs", "seed", "shuffle", "l1"):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            out.append(Change("setting", key, _shown(a), _shown(b)))
    if old.early_stopping != new.early_stopping:
        a = old.early_stopping.enabled and old.early_stopping.monitor
        b = new.early_stopping.enabled and new.early_stopping.monitor
        out.append(Change("setting", "early_stopping", _shown(a or False), _shown(b or False)))
    if old.stop_at != new.stop_at:
        out.append(
            Change(
                "setting",
                "stop_at",
                _shown(
                    None if old.stop_at is None else f"{old.stop_at.metric} {old.stop_at.value:g}"
                ),
                _shown(
                    None if new.stop_at is None else f"{new.stop_at.metric} {new.stop_at.value:g}"
                ),
            )
        )
    return out


def _graph_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Layer-level differences; layers are matched by id (a renamed layer is the same one)."""
    old_nodes = {n["id"]: n for n in old.get("nodes", [])}
    new_nodes = {n["id"]: n for n in new.get("nodes", [])}
    out: list[Change] = []
    added = [n for nid, n in new_nodes.items() if nid not in old_nodes]
    removed = [n for nid, n in old_nodes.items() if nid not in new_nodes]
    old_dropout = any(n["type"] == "Dropout" for n in old_nodes.values())
    new_dropout = any(n["type"] == "Dropout" for n in new_nodes.values())
    if new_dropout and not old_dropout:
        out.append(Change("dropout_added"))
    if old_dropout and not new_dropout:
        out.append(Change("dropout_removed"))
    for node in added:
        if not (node["type"] == "Dropout" and not old_dropout):
            out.append(Change("layer_added", layer=str(node.get("name", node["id"]))))
    for node in removed:
        if not (node["type"] == "Dropout" and not new_dropout):
            out.append(Change("layer_removed", layer=str(node.get("name", node["id"]))))
    for nid, node in new_nodes.items():
        before = old_nodes.get(nid)
        if before is None or before["type"] != node["type"]:
            continue
        for key, value in node.get("params", {}).items():
            was = before.get("params", {}).get(key)
            if was != value:
                out.append(
                    Change("param", key, _shown(was), _shown(value), str(node.get("name", nid)))
                )
        if bool(before.get("trainable", True)) != bool(node.get("trainable", True)):
            out.append(
                Change(
                    "param",
                    "trainable",
                    _shown(bool(before.get("trainable", True))),
                    _shown(bool(node.get("trainable", True))),
                    str(node.get("name", nid)),
                )
            )
    old_edges = {tuple(e) for e in old.get("edges", [])}
    new_edges = {tuple(e) for e in new.get("edges", [])}
    kept = set(old_nodes) & set(new_nodes)
    if {e for e in old_edges if set(e) <= kept} != {e for e in new_edges if set(e) <= kept}:
        out.append(Change("wiring"))
    return out


def run_changes(
    old_training: TrainingSettings,
    new_training: TrainingSettings,
    old_graph: Graph | Mapping[str, Any],
    new_graph: Graph | Mapping[str, Any],
    old_data: DataSettings | None = None,
    new_data: DataSettings | None = None,
) -> list[Change]:
    """Everything a run changed against another: settings first, then the network.

    The device is where a run was computed, not how, so it never counts as a change.
    """
    a = old_graph.to_dict() if isinstance(old_graph, Graph) else old_graph
    b = new_graph.to_dict() if isinstance(new_graph, Graph) else new_graph
    out = _setting_changes(old_training, new_training) + _graph_changes(a, b)
    if old_data is not None and new_data is not None and old_data != new_data:
        out.append(Change("setting", "data", "…", "…"))
    return out


def human_diff(
    old_training: TrainingSettings,
    new_training: TrainingSettings,
    old_graph: Graph | Mapping[str, Any],
    new_graph: Graph | Mapping[str, Any],
) -> list[Text]:
    """The changes as lines a person reads: ``["lr 0.01 → 0.001", "dropout added"]``.

    :class:`~nnstudio.i18n.Text` lines: English as strings, translated with ``tr()``.
    """
    return [c.text() for c in run_changes(old_training, new_training, old_graph, new_graph)]


def diff_line(changes: Sequence[Change]) -> str:
    """The changes joined into one line, in the current language (``—`` for none)."""
    if not changes:
        return "—"
    return pgettext("list separator", ", ").join(c.text().translated() for c in changes)


# --- the record ----------------------------------------------------------------------------


def monitored_key(settings: TrainingSettings, history: History) -> str:
    """The value "best" is judged by: the early-stopping monitor, training's without a val split.

    The same rule the trainer follows, so the best epoch here is the trainer's best epoch.
    """
    monitor = settings.early_stopping.monitor
    has_val = any(v is not None for v in history.val_loss)
    if not has_val and monitor.startswith("val_"):
        monitor = monitor.replace("val_", "train_")
    return monitor


def _curve(history: History, key: str) -> list[float | None]:
    if key in ("train_loss", "val_loss", "lr"):
        return list(getattr(history, key))
    return list(history.metrics.get(key, []))


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _values_at(history: History, index: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {
        "train_loss": _finite(history.train_loss[index]),
        "val_loss": _finite(history.val_loss[index]),
    }
    for key, values in history.metrics.items():
        out[key] = _finite(values[index]) if index < len(values) else None
    return {k: v for k, v in out.items() if v is not None}


def _epoch_curves(history: History) -> History:
    """The per-epoch curves only: per-batch curves would make every record large."""
    raw = history.to_dict()
    raw["batch_loss"], raw["batch_lr"] = [], []
    raw.pop("batch_stride", None)
    return History.from_dict(raw)


@dataclass
class RunRecord:
    """One finished training run, as the runs table and "go back to run N" need it."""

    id: int
    created: str
    seed: int
    training: TrainingSettings
    graph: dict[str, Any]
    data: DataSettings
    preprocessor: Preprocessor | None
    history: History
    parameters: int = 0
    epochs: int = 0
    reason: str = "finished"
    seconds: float = 0.0
    samples_per_second: float = 0.0
    device: str = "cpu"
    monitor: str = "val_loss"
    best_epoch: int | None = None
    final: dict[str, float] = field(default_factory=dict)
    best: dict[str, float] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    #: The run this one was compared with (None for the first).
    previous: int | None = None
    name: str = ""
    starred: bool = False
    #: Runs of one controlled experiment share a label and name the setting they vary.
    experiment: str = ""
    varied: str = ""
    #: ``<node_id>.<param>`` → tensor after the last epoch (what the run left behind).
    weights_last: dict[str, torch.Tensor] | None = None
    #: The best epoch's weights; None when they are the last ones (stored once).
    weights_best: dict[str, torch.Tensor] | None = None

    @property
    def title(self) -> str:
        """The name the user gave, else ``Run 7`` (in the current language)."""
        return self.name or _("Run {number}").format(number=self.id)

    def weights(self, which: str = "best") -> dict[str, torch.Tensor] | None:
        """The weights of the ``best`` or ``last`` epoch (best falls back to last)."""
        if which == "best" and self.weights_best is not None:
            return self.weights_best
        return self.weights_last

    def curve(self, key: str) -> list[float | None]:
        """One per-epoch curve: ``train_loss``, ``val_loss``, ``lr`` or a metric key."""
        return _curve(self.history, key)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "seed": self.seed,
            "training": self.training.to_dict(),
            "graph": copy.deepcopy(self.graph),
            "data": self.data.to_dict(),
            "preprocessor": self.preprocessor.to_dict() if self.preprocessor else None,
            "history": self.history.to_dict(),
            "parameters": self.parameters,
            "epochs": self.epochs,
            "reason": self.reason,
            "seconds": round(float(self.seconds), 6),
            "samples_per_second": round(float(self.samples_per_second), 3),
            "device": self.device,
            "monitor": self.monitor,
            "best_epoch": self.best_epoch,
            "final": dict(self.final),
            "best": dict(self.best),
            "changes": [c.to_dict() for c in self.changes],
            "previous": self.previous,
            "name": self.name,
            "starred": self.starred,
            "weights": {
                "last": self.weights_last is not None,
                "best": self.weights_best is not None,
            },
        }
        if self.experiment:
            out["experiment"] = self.experiment
            out["varied"] = self.varied
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RunRecord:
        """Build from a schema-validated record (weights are attached separately)."""
        pre = raw.get("preprocessor")
        return cls(
            id=int(raw["id"]),
            created=str(raw.get("created", "")),
            seed=int(raw.get("seed", 0)),
            training=TrainingSettings.from_dict(raw["training"]),
            graph=Graph.from_dict(raw["graph"]).to_dict(),
            data=DataSettings.from_dict(raw["data"]),
            preprocessor=Preprocessor.from_dict(pre) if pre else None,
            history=History.from_dict(raw.get("history") or {}),
            parameters=int(raw.get("parameters", 0)),
            epochs=int(raw.get("epochs", 0)),
            reason=str(raw.get("reason", "finished")),
            seconds=float(raw.get("seconds", 0.0)),
            samples_per_second=float(raw.get("samples_per_second", 0.0)),
            device=str(raw.get("device", "cpu")),
            monitor=str(raw.get("monitor", "val_loss")),
            best_epoch=raw.get("best_epoch"),
            final={str(k): float(v) for k, v in (raw.get("final") or {}).items()},
            best={str(k): float(v) for k, v in (raw.get("best") or {}).items()},
            changes=[Change.from_dict(c) for c in raw.get("changes", [])],
            previous=raw.get("previous"),
            name=str(raw.get("name", "")),
            starred=bool(raw.get("starred", False)),
            experiment=str(raw.get("experiment", "")),
            varied=str(raw.get("varied", "")),
        )


def _strip(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A module's state dict as project weights (``<node_id>.<param>``, on the CPU)."""
    return {
        (k[len(LAYERS_PREFIX) :] if k.startswith(LAYERS_PREFIX) else k): v.detach().cpu().clone()
        for k, v in state.items()
    }


def record_run(
    project: Any,
    model: torch.nn.Module,
    result: Any,
    previous: RunRecord | None,
    *,
    experiment: str = "",
    varied: str = "",
) -> RunRecord:
    """The record of a finished run of ``project`` (its settings, graph and data as they are).

    ``result`` is the trainer's :class:`~nnstudio.core.training.engine.TrainingResult`;
    ``model`` the trained network; ``previous`` the run it is compared with. The id is
    given when the record joins a :class:`RunLog`.
    """
    history = _epoch_curves(result.history)
    monitor = monitored_key(project.training, history)
    last = len(history.epoch) - 1
    final = _values_at(history, last) if last >= 0 else {}
    best: dict[str, float] = {}
    best_epoch = result.best_epoch
    if best_epoch is not None and best_epoch in history.epoch:
        best = _values_at(history, len(history.epoch) - 1 - history.epoch[::-1].index(best_epoch))
    weights_last = _strip(model.state_dict())
    # The best epoch's weights are kept apart only when they differ from what the run left:
    # after early stopping restored them, or when the last epoch was the best, they are one.
    best_state = getattr(result, "best_weights", None)
    last_epoch = history.epoch[-1] if history.epoch else None
    weights_best = None
    if best_state is not None and not result.restored_best and best_epoch != last_epoch:
        weights_best = _strip(best_state)
    graph = project.graph.to_dict()
    changes: list[Change] = []
    if previous is not None:
        changes = run_changes(
            previous.training, project.training, previous.graph, graph, previous.data, project.data
        )
    return RunRecord(
        id=0,
        created=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        seed=project.training.seed,
        training=project.training,
        graph=graph,
        data=project.data,
        preprocessor=project.preprocessor,
        history=history,
        parameters=sum(p.numel() for p in model.parameters()),
        epochs=history.epochs_done,
        reason=str(result.reason),
        seconds=float(result.seconds),
        samples_per_second=float(result.samples_per_second),
        device=str(result.device),
        monitor=monitor,
        best_epoch=best_epoch,
        final=final,
        best=best,
        changes=changes,
        previous=previous.id if previous is not None else None,
        experiment=experiment[:MAX_NAME_CHARS],
        varied=varied,
        weights_last=weights_last,
        weights_best=weights_best,
    )


# --- the log -------------------------------------------------------------------------------


@dataclass
class RunLog:
    """The project's runs, oldest first, at most :attr:`keep` unstarred ones."""

    keep: int = DEFAULT_KEEP
    next_id: int = 1
    records: list[RunRecord] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when there is nothing worth writing (no runs, the default limit)."""
        return not self.records and self.keep == DEFAULT_KEEP and self.next_id == 1

    @property
    def latest(self) -> RunRecord | None:
        return max(self.records, key=lambda r: r.id) if self.records else None

    def get(self, run_id: int) -> RunRecord:
        for record in self.records:
            if record.id == run_id:
                return record
        raise KeyError(run_id)

    def add(self, record: RunRecord) -> list[RunRecord]:
        """Give ``record`` the next id and keep it; returns the runs the limit dropped."""
        record.id = self.next_id
        self.next_id += 1
        self.records.append(record)
        return self.prune()

    def prune(self) -> list[RunRecord]:
        """Drop the oldest unstarred runs beyond :attr:`keep` (and any beyond MAX_KEEP)."""
        dropped: list[RunRecord] = []
        while sum(not r.starred for r in self.records) > self.keep:
            oldest = next(r for r in self.records if not r.starred)
            self.records.remove(oldest)
            dropped.append(oldest)
        while len(self.records) > MAX_KEEP:
            dropped.append(self.records.pop(0))
        return dropped

    def set_keep(self, keep: int) -> list[RunRecord]:
        """Keep at most ``keep`` unstarred runs (1 … MAX_KEEP); returns the runs dropped."""
        self.keep = max(1, min(MAX_KEEP, int(keep)))
        return self.prune()

    def remove(self, run_id: int) -> tuple[int, RunRecord]:
        """Take a run out; returns its position so :meth:`insert` can put it back."""
        record = self.get(run_id)
        index = self.records.index(record)
        del self.records[index]
        return index, record

    def insert(self, index: int, record: RunRecord) -> None:
        self.records.insert(min(index, len(self.records)), record)

    def to_dict(self) -> dict[str, Any]:
        return {
            "keep": self.keep,
            "next_id": self.next_id,
            "records": [r.to_dict() for r in self.records],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> RunLog:
        if not raw:
            return cls()
        records = [RunRecord.from_dict(r) for r in raw.get("records", [])]
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            raise ValueError(_("two runs have the same id"))
        next_id = max([int(raw.get("next_id", 1)), *(i + 1 for i in ids)])
        return cls(keep=int(raw.get("keep", DEFAULT_KEEP)), next_id=next_id, records=records)

    @staticmethod
    def member(run_id: int, which: str) -> str:
        """The archive member holding run ``run_id``'s ``last`` or ``best`` weights."""
        return f"runs/{run_id}.{which}.safetensors"


# --- going back to a run -------------------------------------------------------------------


@dataclass
class ProjectState:
    """What "go back to run N" replaces, so the step can be undone exactly."""

    graph: dict[str, Any]
    data: DataSettings
    training: TrainingSettings
    preprocessor: Preprocessor | None
    weights: dict[str, torch.Tensor] | None
    optimizer_state: dict[str, Any] | None
    schedule_state: dict[str, Any] | None
    epochs_trained: int
    history: History


def capture_state(project: Any) -> ProjectState:
    """The project's graph, settings and trained state as they are now."""
    return ProjectState(
        graph=project.graph.to_dict(),
        data=project.data,
        training=project.training,
        preprocessor=project.preprocessor,
        weights=project.weights,
        optimizer_state=project.optimizer_state,
        schedule_state=project.schedule_state,
        epochs_trained=project.epochs_trained,
        history=History.from_dict(project.history.to_dict()),
    )


def state_of_record(record: RunRecord, which: str = "best") -> ProjectState:
    """The state a run brings back: its graph, settings and ``best`` (or ``last``) weights.

    The optimiser's state is not kept in records (it would double their size), so a run
    continued after a restore starts its optimiser afresh.
    """
    weights = record.weights(which)
    return ProjectState(
        graph=copy.deepcopy(record.graph),
        data=record.data,
        training=record.training,
        preprocessor=record.preprocessor,
        weights={k: v.clone() for k, v in weights.items()} if weights is not None else None,
        optimizer_state=None,
        schedule_state=None,
        epochs_trained=record.epochs if weights is not None else 0,
        history=History.from_dict(record.history.to_dict()),
    )


def load_graph_into(graph: Graph, data: Mapping[str, Any]) -> None:
    """Make ``graph`` hold ``data``'s layers and edges, in place, through its own edits.

    In place, so every view following the open graph sees ordinary removals and additions.
    """
    fresh = Graph.from_dict(data)
    graph.clear()
    for node in fresh.nodes.values():
        graph.add_node(
            node.type,
            node.params,
            name=node.name,
            position=node.position,
            node_id=node.id,
            trainable=node.trainable,
            note=node.note,
        )
    for edge in fresh.edges:
        graph.add_edge(edge.source, edge.target, check=False)

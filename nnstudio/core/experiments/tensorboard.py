"""Training events → TensorBoard event files, so a run can be watched in TensorBoard too.

Practitioners already know TensorBoard's scalars, histograms and HParams dashboards; writing
the same events with :class:`torch.utils.tensorboard.SummaryWriter` costs one listener on the
training loop and nothing else: the loop stays the one the GUI and the command line use.

Tags: ``loss/train``, ``loss/val``, ``metrics/<name>`` (``val_accuracy``, ``train_rmse`` …),
``lr``; ``weights/<layer>.<param>`` and ``gradients/<layer>.<param>`` histograms at the end
of every epoch (the gradient of the epoch's last batch); ``derivative/<layer>`` the
histogram of f′(z) when the run reports layer statistics; and one HParams entry per run (the
settings, with the final validation metrics).

TensorBoard is optional (the ``search`` extra brings it): it is imported when a logger is
made, and a missing package is one readable error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.errors import TrainingError
from nnstudio.core.training.reports import EpochReport, LayerStats, RunEnded
from nnstudio.i18n import N_, Text


def hparams_of(training: Any, graph: Any | None = None) -> dict[str, Any]:
    """The settings a run is compared by in TensorBoard's HParams table (plain values)."""
    out: dict[str, Any] = {
        "optimizer": str(training.optimizer["name"]),
        "lr": float(training.lr),
        "batch_size": int(training.batch_size),
        "epochs": int(training.epochs),
        "seed": int(training.seed),
        "loss": str(training.loss["name"]),
        "schedule": str(training.schedule["name"]),
        "weight_decay": float(training.optimizer.get("weight_decay", 0.0)),
    }
    if graph is not None:
        for node in graph.nodes.values():
            if node.type == "Dense" and isinstance(node.params.get("units"), int):
                out[f"units.{node.name}"] = int(node.params["units"])
            elif node.type == "Dropout":
                out[f"dropout.{node.name}"] = float(node.params.get("p", 0.5))
    return out


class TensorBoardLogger:
    """A ``train(..., on_event)`` listener writing one run into ``log_dir``.

    ``model`` is the module being trained (its weights and gradients are read at the end of
    each epoch); ``names`` maps node ids to layer names for readable tags.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        model: Any,
        *,
        names: Mapping[str, str] | None = None,
        hparams: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise TrainingError(
                Text(
                    N_(
                        "writing TensorBoard files needs the tensorboard package: "
                        "pip install tensorboard"
                    )
                )
            ) from None
        self.writer = SummaryWriter(log_dir=str(log_dir))
        self.model = model
        self.names = dict(names or {})
        self.hparams = dict(hparams or {})
        self.last: EpochReport | None = None
        self.closed = False
        # Epochs whose f′(z) histograms are written: the app asks for layer statistics
        # several times an epoch, and TensorBoard shows one histogram per step.
        self._derivative_epochs: set[int] = set()

    def _tag(self, parameter: str) -> str:
        node, _, rest = parameter.partition(".")
        return f"{self.names.get(node, node)}.{rest}" if rest else self.names.get(node, node)

    def __call__(self, event: Any) -> None:
        if isinstance(event, EpochReport):
            self._epoch(event)
        elif isinstance(event, LayerStats):
            self._derivatives(event)
        elif isinstance(event, RunEnded):
            self.close()

    def _epoch(self, report: EpochReport) -> None:
        step = report.epoch
        write = self.writer.add_scalar
        write("loss/train", report.train_loss, step)
        if report.val_loss is not None and math.isfinite(report.val_loss):
            write("loss/val", report.val_loss, step)
        for name, value in report.metrics.items():
            if value is not None and math.isfinite(value):
                write(f"metrics/{name}", value, step)
        write("lr", report.lr, step)
        for name, parameter in self.model.named_parameters():
            tag = self._tag(_parameter_path(name))
            values = parameter.detach().cpu().float().numpy()
            if np.isfinite(values).all():
                self.writer.add_histogram(f"weights/{tag}", values, step)
            if parameter.grad is not None:
                grads = parameter.grad.detach().cpu().float().numpy()
                if np.isfinite(grads).all():
                    self.writer.add_histogram(f"gradients/{tag}", grads, step)
        self.last = report

    def _derivatives(self, stats: LayerStats) -> None:
        if stats.epoch in self._derivative_epochs:
            return
        self._derivative_epochs.add(stats.epoch)
        for node, hist in stats.deriv.items():
            counts = np.asarray(hist.counts, dtype=np.float64)
            edges = np.asarray(hist.edges, dtype=np.float64)
            total = float(counts.sum())
            if total <= 0 or len(edges) != len(counts) + 1:
                continue
            centres = (edges[:-1] + edges[1:]) / 2
            self.writer.add_histogram_raw(
                f"derivative/{self.names.get(node, node)}",
                min=float(edges[0]),
                max=float(edges[-1]),
                num=total,
                sum=float((centres * counts).sum()),
                sum_squares=float((centres**2 * counts).sum()),
                bucket_limits=edges[1:].tolist(),
                bucket_counts=counts.tolist(),
                global_step=stats.epoch,
            )

    def close(self) -> None:
        """Write the HParams entry (with the last epoch's figures) and flush; once."""
        if self.closed:
            return
        self.closed = True
        if self.hparams:
            metrics: dict[str, float] = {}
            if self.last is not None:
                metrics["hparam/train_loss"] = float(self.last.train_loss)
                if self.last.val_loss is not None:
                    metrics["hparam/val_loss"] = float(self.last.val_loss)
                for name, value in self.last.metrics.items():
                    if value is not None:
                        metrics[f"hparam/{name}"] = float(value)
            metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
            self.writer.add_hparams(self.hparams, metrics, run_name=".")
        self.writer.flush()
        self.writer.close()


@dataclass(frozen=True)
class TensorBoardRun:
    """Where and how one app run writes its TensorBoard files: a factory the training
    runtime calls with the model it trains (``WatchOptions.listeners``). Plain values only,
    so it pickles into the training process."""

    log_dir: str
    names: dict[str, str] = field(default_factory=dict)
    hparams: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_project(cls, log_dir: str | os.PathLike[str], project: Any) -> TensorBoardRun:
        """Layer names and HParams of ``project``'s network and settings."""
        names = {nid: n.name for nid, n in project.graph.nodes.items()}
        return cls(str(log_dir), names, hparams_of(project.training, project.graph))

    def listener(self, model: Any) -> TensorBoardLogger:
        return TensorBoardLogger(self.log_dir, model, names=self.names, hparams=self.hparams)


def _parameter_path(name: str) -> str:
    """``layers.<node_id>.weight`` (the module's own naming) → ``<node_id>.weight``."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else name

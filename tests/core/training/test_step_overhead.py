"""What the training loop does per batch besides the model's own work, counted, never timed.

Issue 12: the engine keeps within 0.95x of a hand-written index loop, and at batch 8 the gap
was Python per step. These tests count the calls a batch makes into the loop's helpers (the
pause/stop checkpoint, the learning-rate controller, the dataset's loss wrapper) and the
tensor operations of the training accuracy and of the weight check, and check that every
batch is still reported with the same numbers and that stop and pause still act within one
batch.
"""

from __future__ import annotations

import math
from collections import Counter
from types import SimpleNamespace

import pytest
import torch

from nnstudio.core.catalogue import schedules, torch_classes
from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.catalogue.schedules import planned_lrs
from nnstudio.core.network.builder import build_model
from nnstudio.core.network.graph import Graph
from nnstudio.core.training import (
    BatchReport,
    ReportPolicy,
    RunPaused,
    TrainingControl,
    TrainingJob,
    TrainingSettings,
    engine,
    safety,
    train,
)
from nnstudio.core.training.safety import WeightGuard, all_finite
from tests.core.training.op_counts import CountOps

BATCH = 4


def prepared(rows: int) -> SimpleNamespace:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(rows + 8, 3, generator=g)
    y = (x @ torch.randn(3, 3, generator=g)).argmax(1)
    return SimpleNamespace(
        x_train=x[:rows],
        y_train=y[:rows],
        x_val=x[rows:],
        y_val=y[rows:],
        task="classification",
        n_classes=3,
    )


def job(rows: int, epochs: int = 2, schedule: object = "constant") -> TrainingJob:
    g = Graph()
    inp = g.add_node("Input", {"size": 3})
    hidden = g.add_node("Dense", {"units": 5, "activation": "tanh"})
    out = g.add_node("Dense", {"units": 3, "activation": "identity"})
    g.add_edge(inp.id, hidden.id)
    g.add_edge(hidden.id, out.id)
    settings = TrainingSettings(
        loss="cross_entropy",
        optimizer={"name": "adam", "lr": 0.01},
        schedule=schedule,
        epochs=epochs,
        batch_size=BATCH,
        seed=5,
        device="cpu",
    )
    return TrainingJob(build_model(g, ShapeContext(3, 3), seed=0), prepared(rows), settings)


def calls_per_run(monkeypatch, owner: type, name: str, batches: int) -> int:
    """How often ``owner.name`` is called in a two-epoch run of ``batches`` batches each."""
    calls = [0]
    original = getattr(owner, name)

    def counting(self, *args, **kwargs):
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    train(job(batches * BATCH), policy=ReportPolicy())
    monkeypatch.setattr(owner, name, original)
    return calls[0]


def per_batch(monkeypatch, owner: type, name: str) -> float:
    """Calls of ``owner.name`` that one more batch per epoch adds."""
    few = calls_per_run(monkeypatch, owner, name, 5)
    more = calls_per_run(monkeypatch, owner, name, 9)
    return (more - few) / (2 * 4)


def test_an_unsteered_run_never_calls_the_pause_and_stop_checkpoint(monkeypatch):
    # One attribute read per batch instead: the lock and the call only when asked.
    assert calls_per_run(monkeypatch, TrainingControl, "checkpoint", 5) == 0


def test_a_constant_learning_rate_is_read_once_per_epoch_not_per_batch(monkeypatch):
    assert per_batch(monkeypatch, schedules.LRController, "lr") == 0
    assert per_batch(monkeypatch, schedules.LRController, "after_batch") == 0


def test_the_dataset_loss_wrapper_is_called_for_the_first_batch_only(monkeypatch):
    # Later batches call the torch loss inside it directly, as a hand-written loop does.
    assert per_batch(monkeypatch, torch_classes.DatasetLoss, "forward") == 0


def count_ops(batches: int) -> Counter[str]:
    with CountOps() as ops:
        train(job(batches * BATCH), policy=ReportPolicy())
    return ops.counts


def test_the_training_accuracy_takes_no_tensor_operation_per_batch(monkeypatch):
    monkeypatch.setattr(safety, "CHECK_EVERY", 10**9)
    few, more = count_ops(5), count_ops(9)
    assert more["argmax"] == few["argmax"]


def test_a_weight_check_makes_one_isfinite_for_the_whole_model():
    model = job(8).model
    tensors = len(model.state_dict())
    with CountOps() as ops:
        assert WeightGuard(model, 0).finite()
    # One sum per tensor, then isfinite and all over the sums, one value read back. isfinite
    # reaches the dispatcher as abs, eq, ne and mul: four passes over whatever it is given,
    # which the sums keep to one value per tensor.
    assert ops.counts["sum"] == tensors
    assert ops.counts["abs"] == ops.counts["eq"] == 1
    assert ops.counts["_local_scalar_dense"] == 1


@pytest.mark.parametrize(
    ("values", "finite"),
    [
        ([1.0, -2.0], True),
        ([3.0e38, 3.0e38], True),  # finite values whose sum overflows: looked at one by one
        ([1.0, math.nan], False),
        ([math.inf, -math.inf], False),  # their sum is NaN
        ([math.inf, 1.0], False),
    ],
)
def test_the_weight_check_answers_what_a_check_of_every_value_answers(values, finite):
    for dtype in (torch.float32, torch.float64):
        tensors = [torch.tensor(values, dtype=dtype), torch.zeros(3)]
        assert all_finite(tensors) is finite
        assert finite == all(bool(torch.isfinite(t).all()) for t in tensors)
    assert all_finite([torch.tensor([60000.0, 60000.0], dtype=torch.float16)])
    assert all_finite([torch.tensor([1, 2])]) and all_finite([])


def test_every_batch_is_still_reported_and_recorded_with_its_loss_and_rate():
    events: list = []
    result = train(job(7 * BATCH + 2, epochs=3), events.append, policy=ReportPolicy())
    reports = [e for e in events if isinstance(e, BatchReport)]
    assert [(r.epoch, r.batch) for r in reports] == [(e, b) for e in (1, 2, 3) for b in range(1, 9)]
    assert [r.step for r in reports] == list(range(1, 25))
    assert [r.samples for r in reports[:8]] == [BATCH] * 7 + [2]
    assert result.history.batch_loss == [r.loss for r in reports]
    assert result.history.batch_lr == [r.lr for r in reports] == [0.01] * 24


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "step", "step_size": 1, "gamma": 0.5},
        {"name": "warmup", "warmup_epochs": 1.5, "start_factor": 0.25},
    ],
)
def test_each_batch_reports_the_learning_rate_its_step_used(schedule):
    """Per-epoch schedules are read once an epoch, per-batch ones every batch: the reported
    rates are the schedule's plan either way."""
    events: list = []
    train(job(6 * BATCH, epochs=3, schedule=schedule), events.append, policy=ReportPolicy())
    reported = [e.lr for e in events if isinstance(e, BatchReport)]
    assert reported == pytest.approx(list(planned_lrs(schedule, 0.01, 3, 6)["batch"]), rel=1e-12)


def test_a_stop_asked_for_during_a_batch_ends_the_run_before_the_next_one():
    control = TrainingControl()
    events: list = []

    def on_event(event):
        events.append(event)
        if isinstance(event, BatchReport) and event.step == 3:
            control.stop()

    result = train(job(6 * BATCH, epochs=2), on_event, control, ReportPolicy())
    assert result.reason == "stopped"
    assert sum(isinstance(e, BatchReport) for e in events) == 3


def test_a_pause_asked_for_during_a_batch_holds_the_next_one_and_single_steps_still_work():
    control = TrainingControl()
    events: list = []

    def on_event(event):
        events.append(event)
        if isinstance(event, BatchReport) and event.step == 2:
            control.pause()
        elif isinstance(event, RunPaused):
            paused = sum(isinstance(e, RunPaused) for e in events)
            # The first pause: one more batch, then paused again; the second: stop.
            control.step_batch(1) if paused == 1 else control.stop()

    train(job(6 * BATCH, epochs=2), on_event, control, ReportPolicy())
    kinds = [type(e).__name__ for e in events if isinstance(e, BatchReport | RunPaused)]
    assert kinds == ["BatchReport"] * 2 + ["RunPaused", "BatchReport", "RunPaused"]


def dropout_job(epochs: int) -> TrainingJob:
    g = Graph()
    inp = g.add_node("Input", {"size": 3})
    hidden = g.add_node("Dense", {"units": 16, "activation": "relu"})
    drop = g.add_node("Dropout", {"p": 0.5})
    out = g.add_node("Dense", {"units": 3, "activation": "identity"})
    g.add_edge(inp.id, hidden.id)
    g.add_edge(hidden.id, drop.id)
    g.add_edge(drop.id, out.id)
    settings = TrainingSettings(
        loss="cross_entropy",
        optimizer={"name": "adam", "lr": 0.01},
        epochs=epochs,
        batch_size=BATCH,
        seed=5,
        device="cpu",
    )
    return TrainingJob(build_model(g, ShapeContext(3, 3), seed=0), prepared(6 * BATCH), settings)


def test_an_epoch_on_the_cpu_seeds_only_the_cpu_generator_with_the_same_dropout_masks(
    monkeypatch,
):
    # torch.manual_seed also queues a seed for each accelerator not started yet, and each
    # queued seed formats a stack trace: once an epoch, that was the costliest call of it.
    calls = [0]
    original = torch.manual_seed

    def counting(seed):
        calls[0] += 1
        return original(seed)

    fast_job, slow_job = dropout_job(3), dropout_job(3)  # building seeds the initial weights
    monkeypatch.setattr(torch, "manual_seed", counting)
    fast = train(fast_job, policy=ReportPolicy())
    assert calls[0] == 0
    monkeypatch.setattr(engine, "seed_random", lambda seed, device: original(seed))
    slow = train(slow_job, policy=ReportPolicy())
    assert fast.history.batch_loss == slow.history.batch_loss
    assert fast.history.train_loss == slow.history.train_loss
    assert fast.history.metrics == slow.history.metrics
    assert fast.history.metrics["train_accuracy"] != [1.0] * 3, "a problem still to learn"

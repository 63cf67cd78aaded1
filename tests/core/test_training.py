"""The training loop: reproducible, controllable from another thread, and safe on NaN."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest
import torch

from nnstudio.core.errors import TrainingError
from nnstudio.core.network.builder import build_model
from nnstudio.core.training import (
    BatchReport,
    EarlyStopping,
    EpochReport,
    LayerStats,
    ReportPolicy,
    RunEnded,
    RunPaused,
    RunStarted,
    TrainingControl,
    TrainingJob,
    TrainingSettings,
    train,
)
from tests.core.helpers import dense_chain


def blobs(n: int = 200, seed: int = 0, classes: int = 3, features: int = 2):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    centers = torch.randn(classes, features, generator=g) * 3
    x = centers[y] + torch.randn(n, features, generator=g) * 0.5
    cut = int(n * 0.8)
    return SimpleNamespace(
        x_train=x[:cut],
        y_train=y[:cut],
        x_val=x[cut:],
        y_val=y[cut:],
        task="classification",
        n_classes=classes,
    )


def line_data(n: int = 100):
    x = torch.linspace(-1, 1, n).unsqueeze(1)
    y = 3 * x + 0.5
    return SimpleNamespace(
        x_train=x, y_train=y, x_val=x[::5], y_val=y[::5], task="regression", n_classes=0
    )


def settings(**kw) -> TrainingSettings:
    base = {
        "loss": "cross_entropy",
        "optimizer": {"name": "adam", "lr": 0.01},
        "epochs": 5,
        "batch_size": 16,
        "seed": 3,
    }
    base.update(kw)
    return TrainingSettings(**base)


def job_for(data, s: TrainingSettings, units=(8, 3), act="relu") -> TrainingJob:
    g = dense_chain(list(units), activation=act, input_size=data.x_train.shape[1])
    return TrainingJob(build_model(g, seed=s.seed), data, s)


def run(job, policy=None, control=None):
    events: list = []
    result = train(job, events.append, control, policy or ReportPolicy())
    return result, events


def test_learns_blobs_and_reports_each_batch_and_epoch():
    data = blobs()
    result, events = run(job_for(data, settings(epochs=20)))
    assert result.reason == "finished" and result.epochs_run == 20
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunEnded)
    batches = [e for e in events if isinstance(e, BatchReport)]
    epochs = [e for e in events if isinstance(e, EpochReport)]
    assert len(batches) == 20 * math.ceil(160 / 16) and len(epochs) == 20
    assert epochs[-1].metrics["val_accuracy"] > 0.9
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert result.history.metrics["val_accuracy"][-1] == epochs[-1].metrics["val_accuracy"]
    summary = result.summary()
    assert summary["epochs_run"] == 20 and summary["val_accuracy"] > 0.9
    assert summary["samples_per_second"] > 0


def test_same_seed_is_bit_for_bit_reproducible():
    data = blobs()
    s = settings(epochs=3)
    a, _ = run(job_for(data, s))
    job_a_weights = None
    job1, job2 = job_for(data, s), job_for(data, s)
    r1, _ = run(job1)
    r2, _ = run(job2)
    assert r1.history.batch_loss == r2.history.batch_loss
    for p1, p2 in zip(job1.model.parameters(), job2.model.parameters(), strict=True):
        assert torch.equal(p1, p2)
    job3 = job_for(data, settings(epochs=3, seed=4))
    r3, _ = run(job3)
    assert r3.history.batch_loss != r1.history.batch_loss
    del a, job_a_weights


@pytest.mark.parametrize("batch_size,steps", [(0, 1), (1, 160), (32, 5), (50, 4)])
def test_batch_modes(batch_size, steps):
    data = blobs()
    _, events = run(job_for(data, settings(epochs=1, batch_size=batch_size)))
    batches = [e for e in events if isinstance(e, BatchReport)]
    assert len(batches) == steps
    assert sum(b.samples for b in batches) == 160


def test_nan_stops_and_keeps_finite_weights():
    data = line_data()
    data.x_train = data.x_train * 1e3
    s = settings(loss="mse", optimizer={"name": "sgd", "lr": 10.0}, epochs=20, batch_size=10)
    job = job_for(data, s, units=(16, 1), act="identity")
    result, events = run(job)
    assert result.reason == "diverged"
    assert "NaN or infinite" in result.message and "learning rate" in result.message
    assert result.history.diverged_at and result.history.diverged_at[0][0] >= 1
    assert all(torch.isfinite(p).all() for p in job.model.parameters())
    assert isinstance(events[-1], RunEnded) and events[-1].reason == "diverged"


def test_stop_from_another_thread_takes_effect_within_one_batch():
    data = blobs(2000)
    control = TrainingControl()
    seen_after_stop: list[int] = []
    stopped = threading.Event()

    def on_event(event):
        if isinstance(event, BatchReport):
            if stopped.is_set():
                seen_after_stop.append(event.step)
            if event.step == 5:
                t = threading.Thread(target=lambda: (control.stop(), stopped.set()))
                t.start()
                t.join()

    result = train(job_for(blobs(2000), settings(epochs=50, batch_size=8)), on_event, control)
    assert result.reason == "stopped"
    assert len(seen_after_stop) <= 1
    assert data is not None


def test_pause_step_and_resume():
    control = TrainingControl(start_paused=True)
    events: list = []
    arrived = threading.Condition()
    job = job_for(blobs(), settings(epochs=2, batch_size=40))
    done = threading.Event()

    def report(event) -> None:
        with arrived:
            events.append(event)
            arrived.notify_all()

    def worker():
        train(job, report, control)
        done.set()

    def wait_for(condition) -> None:
        """Block until the training thread's reports satisfy ``condition`` (no polling)."""
        with arrived:
            assert arrived.wait_for(condition, timeout=60), "condition not reached"

    t = threading.Thread(target=worker)
    t.start()
    try:
        wait_for(lambda: any(isinstance(e, RunPaused) for e in events))
        assert not any(isinstance(e, BatchReport) for e in events)
        control.step_batch()
        wait_for(lambda: sum(isinstance(e, RunPaused) for e in events) == 2)
        assert sum(isinstance(e, BatchReport) for e in events) == 1
        control.step_epoch()
        wait_for(lambda: sum(isinstance(e, RunPaused) for e in events) == 3)
        assert sum(isinstance(e, BatchReport) for e in events) == 4
        assert sum(isinstance(e, EpochReport) for e in events) == 1
        control.resume()
        assert done.wait(60)
    finally:
        control.stop()
        t.join(60)
    assert sum(isinstance(e, BatchReport) for e in events) == 8
    assert isinstance(events[-1], RunEnded) and events[-1].reason == "finished"


def test_early_stopping_restores_best():
    data = blobs()
    s = settings(
        epochs=200,
        optimizer={"name": "sgd", "lr": 1e-9},
        early_stopping=EarlyStopping(True, "val_loss", patience=3),
    )
    job = job_for(data, s)
    result, _ = run(job)
    assert result.reason == "early_stopped"
    assert result.epochs_run == 4 and result.best_epoch == 1
    assert "did not improve for 3 epochs" in result.message
    assert result.restored_best
    summary = result.summary()
    assert summary["val_loss"] == result.history.val_loss[0]
    assert summary["val_accuracy"] == result.history.metrics["val_accuracy"][0]


def test_l1_penalty_shrinks_weights():
    data = blobs()
    plain = job_for(data, settings(epochs=30))
    sparse = job_for(data, settings(epochs=30, l1=0.05))
    run(plain)
    run(sparse)

    def mean_abs(job):
        weights = [
            p.detach().abs().reshape(-1)
            for n, p in job.model.named_parameters()
            if n.endswith("weight")
        ]
        return float(torch.cat(weights).mean())

    assert mean_abs(sparse) < 0.5 * mean_abs(plain)


def test_regression_metrics_reported():
    data = line_data()
    s = settings(loss="mse", optimizer={"name": "adam", "lr": 0.1}, epochs=300, batch_size=0)
    result, _ = run(job_for(data, s, units=(1,), act="identity"))
    m = result.history.metrics
    assert m["val_rmse"][-1] < 0.05 and m["val_r2"][-1] > 0.99
    assert m["train_rmse"][-1] < 0.05


def test_layer_stats_when_asked():
    data = blobs()
    job = job_for(data, settings(epochs=1, batch_size=40), units=(6, 5, 3), act="sigmoid")
    _, events = run(job, ReportPolicy(detail_every=2))
    stats = [e for e in events if isinstance(e, LayerStats)]
    assert len(stats) == 2
    hidden = [nid for nid in job.model.order[1:3]]
    for nid in hidden:
        assert stats[0].grad_norm[nid] > 0
        edges = stats[0].deriv[nid].edges
        assert edges[0] == 0.0 and edges[-1] == 0.25
        assert stats[0].deriv[nid].counts.sum() == 40 * job.model.layers[nid].out_features
    assert not stats[0].dead
    relu_job = job_for(data, settings(epochs=1, batch_size=40), units=(6, 3), act="relu")
    _, events = run(relu_job, ReportPolicy(detail_every=1))
    stats = [e for e in events if isinstance(e, LayerStats)]
    first = relu_job.model.order[1]
    assert 0.0 <= stats[0].dead[first] <= 1.0


def test_no_trainable_parameters_is_refused():
    data = blobs()
    job = job_for(data, settings())
    for p in job.model.parameters():
        p.requires_grad_(False)
    with pytest.raises(TrainingError, match="frozen"):
        train(job)


def test_resume_continues_epoch_numbers_and_optimizer_state():
    data = blobs()
    s = settings(epochs=4)
    job = job_for(data, s)
    first = train(job)
    again = TrainingJob(
        job.model,
        data,
        s.replace(epochs=6),
        optimizer_state=first.optimizer_state,
        schedule_state=first.schedule_state,
        start_epoch=4,
        history=first.history,
    )
    second = train(again)
    assert second.epochs_run == 2 and second.history.epoch == [1, 2, 3, 4, 5, 6]


def test_settings_round_trip_and_validation():
    s = settings(early_stopping=EarlyStopping(True, "val_accuracy", 7, 0.01, False))
    again = TrainingSettings.from_dict(s.to_dict())
    assert again == s
    with pytest.raises(TrainingError, match="no field 'epoch'"):
        TrainingSettings.from_dict({"epoch": 3})
    with pytest.raises(TrainingError, match="unknown optimiser 'adamx'"):
        TrainingSettings.from_dict({"optimizer": {"name": "adamx"}})
    with pytest.raises(TrainingError, match="Epochs must be ≥ 1"):
        TrainingSettings.from_dict({"epochs": 0})


def test_resume_applies_settings_edited_since_the_last_run():
    data = blobs()
    s = settings(epochs=2, optimizer={"name": "adam", "lr": 0.01, "weight_decay": 0.0})
    job = job_for(data, s)
    first = train(job)
    edited = s.replace(epochs=3, optimizer={"name": "adam", "lr": 0.001, "weight_decay": 0.5})
    again = TrainingJob(
        job.model,
        data,
        edited,
        optimizer_state=first.optimizer_state,
        schedule_state=first.schedule_state,
        start_epoch=2,
        history=first.history,
    )
    second = train(again)
    group = second.optimizer_state["param_groups"][0]
    assert group["lr"] == 0.001 and group["weight_decay"] == 0.5
    assert second.history.lr[-1] == 0.001
    assert second.optimizer_state["state"][0]["step"] > first.optimizer_state["state"][0]["step"]


def test_epochs_draw_their_own_seeds_so_resume_is_exact():
    data = blobs()
    s = settings(epochs=4, batch_size=8)
    straight = job_for(data, s)
    train(straight)
    half = job_for(data, s)
    control = TrainingControl()

    def stop_after_two(event):
        if isinstance(event, EpochReport) and event.epoch == 2:
            control.stop()

    first = train(half, stop_after_two, control)
    assert first.epochs_run == 2
    rest = TrainingJob(
        half.model,
        data,
        s,
        optimizer_state=first.optimizer_state,
        schedule_state=first.schedule_state,
        start_epoch=2,
        history=first.history,
    )
    train(rest)
    for a, b in zip(straight.model.parameters(), half.model.parameters(), strict=True):
        assert torch.equal(a, b)

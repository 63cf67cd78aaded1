"""Several processes training one network with DistributedDataParallel (gloo on the CPU).

The processes must make the updates one process makes with the same global batch: each takes
every ``world``-th row of every batch, and its share is weighted so that DDP's average of the
gradients is the whole batch's gradient — also for a last batch with fewer rows than there
are processes, for a loss that sums its rows (½·SSE) and with an L1 penalty.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.multiprocessing as mp

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.catalogue.losses import build_loss
from nnstudio.core.errors import TrainingError
from nnstudio.core.network.builder import build_model, model_weights
from nnstudio.core.training import ReportPolicy, TrainingJob, TrainingSettings, train
from nnstudio.core.training.distributed import (
    ProcessGroupShard,
    backend_for,
    end_process,
    from_environment,
)
from nnstudio.core.training.engine import sums_over_batch
from tests.core.helpers import dense_chain

#: Rows chosen so that the last batch has a single row: one process gets none of it.
CASES = {
    "classification": {
        "rows": 41,
        "outputs": 3,
        "settings": {
            "loss": {"name": "cross_entropy"},
            "optimizer": {"name": "adam", "lr": 0.01},
            "batch_size": 8,
        },
    },
    "summed_loss_with_l1": {
        "rows": 25,
        "outputs": 1,
        "settings": {
            "loss": {"name": "half_sse"},
            "optimizer": {"name": "sgd", "lr": 0.002},
            "batch_size": 6,
            "l1": 0.001,
        },
    },
}


def _job(case: str) -> TrainingJob:
    spec = CASES[case]
    gen = torch.Generator().manual_seed(7)
    n, outputs = spec["rows"], spec["outputs"]
    x = torch.randn(n + 12, 4, generator=gen)
    if outputs > 1:
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
        task = "classification"
    else:
        y = (x[:, :1] * 0.7 - x[:, 1:2] * 0.2).float()
        task = "regression"
    data = SimpleNamespace(
        x_train=x[:n],
        y_train=y[:n],
        x_val=x[n:],
        y_val=y[n:],
        task=task,
        n_classes=outputs if outputs > 1 else 0,
    )
    model = build_model(
        dense_chain([6, outputs], activation="tanh", input_size=4),
        ShapeContext(n_features=4, n_outputs=outputs),
        seed=3,
    )
    settings = TrainingSettings(epochs=4, device="cpu", seed=5, **spec["settings"])
    return TrainingJob(model=model, data=data, settings=settings)


def _worker(rank: int, world: int, port: int, out: str, case: str) -> None:
    """One process of the job (started by torch.multiprocessing)."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist

    job = _job(case)
    try:
        result = train(job, policy=ReportPolicy(batches=True), shard=ProcessGroupShard(rank, world))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    torch.save(
        {
            "history": result.history.to_dict(),
            "summary": result.summary(),
            "weights": model_weights(job.model),
        },
        Path(out) / f"rank{rank}.pt",
    )
    # As the command line does: no finalization for a gloo thread to race (end_process).
    end_process(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_processes(case: str, world: int, out: Path) -> list[dict]:
    context = mp.start_processes(
        _worker,
        args=(world, _free_port(), str(out), case),
        nprocs=world,
        join=False,
        start_method="spawn",
    )
    deadline = time.monotonic() + 300  # a hard limit against a hung collective, not a check
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail("the distributed processes did not finish")
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(world)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_processes_make_the_updates_one_process_makes(case, tmp_path):
    alone = _job(case)
    single = train(alone, policy=ReportPolicy(batches=True))
    runs = _run_processes(case, 2, tmp_path)

    expected = single.history.to_dict()
    for run in runs:
        history = run["history"]
        # Every process records the whole run: the same batch losses and epoch figures.
        assert history["batch_loss"] == pytest.approx(expected["batch_loss"], rel=1e-5)
        assert history["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-5)
        assert history["val_loss"] == pytest.approx(expected["val_loss"], rel=1e-5)
        for key, values in expected["metrics"].items():
            assert history["metrics"][key] == pytest.approx(values, rel=1e-5, abs=1e-6)
        assert run["summary"]["processes"] == 2
        # Node ids are drawn afresh in every process: compare the weights in layer order.
        for mine, theirs in zip(
            model_weights(alone.model).values(), run["weights"].values(), strict=True
        ):
            torch.testing.assert_close(theirs, mine, rtol=1e-5, atol=1e-6)
    # The processes end with the very same weights (DDP keeps them in step).
    first, second = (list(run["weights"].values()) for run in runs)
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_a_process_not_started_by_torchrun_is_told_how_to_start_it():
    with pytest.raises(TrainingError) as caught:
        from_environment({"RANK": "0"})
    message = str(caught.value)
    assert "torchrun --nproc-per-node N -m nnstudio train FILE --distributed" in message
    assert "WORLD_SIZE" in message and "\n" not in message


@pytest.mark.parametrize(
    "env",
    [
        {"RANK": "x", "WORLD_SIZE": "2", "LOCAL_RANK": "0"},
        {"RANK": "2", "WORLD_SIZE": "2", "LOCAL_RANK": "0"},
    ],
)
def test_a_broken_torchrun_environment_is_one_line(env):
    env = {**env, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}
    with pytest.raises(TrainingError) as caught:
        from_environment(env)
    assert "--distributed" in str(caught.value) and "\n" not in str(caught.value)


def test_the_environment_names_this_process_and_its_machine():
    env = {
        "RANK": "3",
        "WORLD_SIZE": "4",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "2",
        "MASTER_ADDR": "10.0.0.1",
        "MASTER_PORT": "29500",
    }
    shard = from_environment(env)
    assert (shard.rank, shard.world, shard.local_rank, shard.local_world) == (3, 4, 1, 2)
    assert not shard.is_main


def test_gloo_joins_cpus_and_nccl_joins_gpus():
    assert backend_for(torch.device("cpu")) == "gloo"
    assert backend_for(torch.device("cuda", 0)) == "nccl"


def test_the_lessons_summed_loss_is_told_from_averaged_ones():
    assert sums_over_batch(build_loss({"name": "half_sse"}))
    assert not sums_over_batch(build_loss({"name": "cross_entropy"}))
    assert not sums_over_batch(build_loss({"name": "mse"}))


class _Ended(Exception):
    """Raised by the stand-in for ``os._exit``."""


def test_a_torchrun_process_of_the_command_line_ends_without_finalization(monkeypatch, capsys):
    """After a distributed session the command line leaves through end_process (os._exit):
    a gloo thread releasing tensors during finalization would abort the finished process."""
    from nnstudio.cli import main
    from nnstudio.core.training import distributed

    ended: list[int] = []

    def fake_exit(status: int) -> None:
        ended.append(status)
        raise _Ended

    monkeypatch.setattr(distributed.os, "_exit", fake_exit)
    monkeypatch.setattr(distributed, "_SESSION_RAN", True)
    with pytest.raises(_Ended):
        main(["validate", str(Path(__file__).resolve().parents[2] / "samples" / "iris.nnsproj")])
    assert ended == [0]
    assert "no problems" in capsys.readouterr().out


def test_an_ordinary_command_ends_normally(monkeypatch):
    from nnstudio.cli import main
    from nnstudio.core.training import distributed

    monkeypatch.setattr(distributed.os, "_exit", lambda status: pytest.fail("os._exit called"))
    iris = Path(__file__).resolve().parents[2] / "samples" / "iris.nnsproj"
    assert not distributed.session_ran()
    assert main(["validate", str(iris)]) == 0

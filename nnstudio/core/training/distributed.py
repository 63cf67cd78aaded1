"""Training one project in several processes at once, with PyTorch's DistributedDataParallel.

``torchrun --nproc-per-node N -m nnstudio train FILE --distributed`` starts N copies of the
command (on one machine, or on several with torchrun's rendezvous); torchrun gives each its
``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the address of process 0. Every process loads
the same project and data, builds the same seeded network and runs the ordinary training loop
(:func:`~nnstudio.core.training.engine.train`) with a :class:`ProcessGroupShard`:

- the batch order of an epoch comes from the epoch's seed, the same in every process, and each
  process takes every ``world``-th row of each batch (DistributedSampler's sharding), so the
  processes together see exactly the batches one process would;
- DDP averages the gradients in ``backward`` (gloo on the CPU, nccl on CUDA GPUs); each
  process weights its share of a batch by its rows, so the average is the whole batch's
  gradient and the run follows the single-process run up to rounding;
- the batch loss and the epoch's training sums are added up over the processes, so every
  process records the same history; the validation set is scored whole in every process (the
  weights are the same everywhere) and process 0's figures are broadcast, so early stopping
  and plateau schedules decide the same everywhere.

Only process 0 prints and writes; the command line sees to that. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NoReturn

import torch

from nnstudio.core.errors import TrainingError
from nnstudio.core.training.engine import Shard
from nnstudio.i18n import N_, Text

#: What torchrun sets in every process it starts (``LOCAL_*`` describe this machine).
ENVIRONMENT = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def backend_for(device: torch.device) -> str:
    """The collective backend for ``device``: nccl between GPUs, gloo between CPUs."""
    return "nccl" if device.type == "cuda" else "gloo"


@dataclass
class ProcessGroupShard(Shard):
    """One of ``world`` processes training together (see the module docstring)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1
    device: torch.device | None = None

    @property
    def is_main(self) -> bool:
        """Process 0 prints the result and writes the history and the project."""
        return self.rank == 0

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel

        self.device = device
        if not dist.is_initialized():
            dist.init_process_group(backend_for(device), rank=self.rank, world_size=self.world)
        if device.type != "cuda":
            return DistributedDataParallel(model)
        index = device.index if device.index is not None else torch.cuda.current_device()
        return DistributedDataParallel(model, device_ids=[index])

    def _here(self, values: torch.Tensor) -> torch.Tensor:
        # A copy on the run's device (nccl only moves GPU tensors), in float64 so that sums of
        # counts stay exact.
        return values.detach().to(self.device, torch.float64).reshape(-1).clone()

    def mean(self, value: torch.Tensor) -> float:
        import torch.distributed as dist

        t = self._here(value)
        dist.all_reduce(t)
        return float(t) / self.world

    def total(self, values: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        t = self._here(values)
        dist.all_reduce(t)
        return t.to(values.device).reshape(values.shape)

    def from_main(self, values: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        t = self._here(values)
        dist.broadcast(t, 0)
        return t.to(values.device).reshape(values.shape)


def from_environment(environ: dict[str, str] | None = None) -> ProcessGroupShard:
    """This process's place in a torchrun job, read from the environment torchrun sets.

    Raises :class:`TrainingError` (one line) when the process was not started by torchrun.
    """
    env = os.environ if environ is None else environ
    missing = [name for name in ENVIRONMENT if not env.get(name)]
    if missing:
        raise TrainingError(
            Text(
                N_(
                    "--distributed needs the environment torchrun gives each process ({missing} "
                    "missing): start it with torchrun --nproc-per-node N -m nnstudio train FILE "
                    "--distributed"
                ),
                missing=", ".join(missing),
            )
        )
    try:
        rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
        local_rank = int(env["LOCAL_RANK"])
        local_world = int(env.get("LOCAL_WORLD_SIZE") or world)
    except ValueError:
        raise TrainingError(
            Text(N_("--distributed: RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers"))
        ) from None
    if not (0 <= rank < world and 0 <= local_rank < local_world):
        raise TrainingError(
            Text(
                N_("--distributed: process {rank} does not fit a job of {world} processes"),
                rank=rank,
                world=world,
            )
        )
    return ProcessGroupShard(rank, world, local_rank, local_world)


#: Set once :func:`session` has run in this process: its end must be :func:`end_process`.
_SESSION_RAN = False


@contextlib.contextmanager
def session(shard: ProcessGroupShard, *, share_threads: bool = True) -> Iterator[None]:
    """Run a distributed job in this process, and leave its process group afterwards.

    Each process uses the GPU of its ``LOCAL_RANK`` when there are GPUs, so ``cuda`` means
    that GPU in the training loop. With ``share_threads`` the torch threads chosen for one
    process are divided among the processes of this machine, so that N processes do not
    each take every core.
    """
    import torch.distributed as dist

    if torch.cuda.is_available() and shard.local_rank < torch.cuda.device_count():
        torch.cuda.set_device(shard.local_rank)
    if share_threads and shard.local_world > 1:
        torch.set_num_threads(max(1, torch.get_num_threads() // shard.local_world))
    global _SESSION_RAN
    _SESSION_RAN = True
    try:
        yield
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def session_ran() -> bool:
    """Whether this process took part in a distributed job (see :func:`end_process`)."""
    return _SESSION_RAN


def end_process(status: int) -> NoReturn:
    """End a process that took part in a distributed job, without interpreter finalization.

    Why: gloo's worker threads outlive ``destroy_process_group`` (the process group stays
    referenced from C++), and one of them may still be destroying the last collective's work
    object, whose tensors belong to Python, when the interpreter finalizes. Taking the GIL
    then ends that thread with a forced unwind through a ``noexcept`` destructor, and the
    process aborts ("terminate called without an active exception", SIGABRT) after its work
    is done — seen with gdb in ``ProcessGroupGloo::runLoop`` → ``~AsyncBroadcastWork`` →
    ``TensorImpl::decref_pyobject`` → ``take_gil`` → ``pthread_exit``, in about 1 of 40
    two-process runs. Everything this process writes is complete by now (project files are
    written atomically, the history is closed), so it flushes its output and leaves with
    ``os._exit``, which runs no finalization for such a thread to race.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


__all__ = [
    "ENVIRONMENT",
    "ProcessGroupShard",
    "backend_for",
    "end_process",
    "from_environment",
    "session",
    "session_ran",
]

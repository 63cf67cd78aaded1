"""Where training computes: the data goes to the device once, mixed precision only on CUDA.

The CUDA tests skip on machines without a GPU; the CPU tests check what makes a GPU fast (no
copy per batch) by counting every ``Tensor.to`` the training loop makes.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from nnstudio.core.catalogue.layers import ShapeContext
from nnstudio.core.errors import TrainingError
from nnstudio.core.network.builder import build_model, model_weights
from nnstudio.core.training import ReportPolicy, TrainingJob, TrainingSettings, train
from tests.core.helpers import dense_chain

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _job(device: str = "cpu", epochs: int = 3, **settings) -> TrainingJob:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(300, 5, generator=gen)
    y = (x[:, 0] + x[:, 1] > 0).long()
    data = SimpleNamespace(
        x_train=x[:240], y_train=y[:240], x_val=x[240:], y_val=y[240:],
        task="classification", n_classes=2,
    )  # fmt: skip
    model = build_model(
        dense_chain([16, 2], input_size=5), ShapeContext(n_features=5, n_outputs=2), seed=1
    )
    options = {"epochs": epochs, "batch_size": 16, "device": device, "seed": 2, **settings}
    return TrainingJob(model=model, data=data, settings=TrainingSettings(**options))


def _count_copies(monkeypatch, device: str, epochs: int) -> int:
    """How many ``Tensor.to`` calls a run makes on data (15 batches an epoch).

    The network's parameters move with ``model.to`` once per run; they are not counted.
    """
    calls = []
    original = torch.Tensor.to

    def counting_to(self, *args, **kwargs):
        if not isinstance(self, torch.nn.Parameter):
            calls.append(tuple(self.shape))
        return original(self, *args, **kwargs)

    job = _job(device, epochs)
    monkeypatch.setattr(torch.Tensor, "to", counting_to)
    train(job, policy=ReportPolicy(batches=False))
    monkeypatch.setattr(torch.Tensor, "to", original)
    return len(calls)


def test_the_data_is_moved_to_the_device_once_not_per_batch(monkeypatch):
    one_epoch = _count_copies(monkeypatch, "cpu", 1)
    four_epochs = _count_copies(monkeypatch, "cpu", 4)
    # The four splits once per run, and each epoch's batch order once per epoch: 60 batches
    # over four epochs add no copies.
    assert one_epoch == 5
    assert four_epochs == 8


def test_mixed_precision_on_the_cpu_is_refused_in_one_line():
    with pytest.raises(TrainingError) as caught:
        train(_job("cpu", amp=True))
    message = str(caught.value)
    assert "mixed precision needs a CUDA GPU" in message and "\n" not in message


def test_mixed_precision_is_a_saved_training_setting():
    settings = TrainingSettings(amp=True)
    assert TrainingSettings.from_dict(settings.to_dict()).amp is True
    assert TrainingSettings().amp is False


@CUDA
def test_a_short_run_on_cuda_matches_the_cpu():
    cpu_job, gpu_job = _job("cpu"), _job("cuda")
    cpu = train(cpu_job, policy=ReportPolicy(batches=False))
    gpu = train(gpu_job, policy=ReportPolicy(batches=False))
    assert gpu.device.startswith("cuda")
    assert gpu.history.train_loss == pytest.approx(cpu.history.train_loss, rel=1e-3)
    assert gpu.history.val_loss == pytest.approx(cpu.history.val_loss, rel=1e-3)
    for a, b in zip(
        model_weights(cpu_job.model).values(), model_weights(gpu_job.model).values(), strict=True
    ):
        torch.testing.assert_close(b, a, rtol=1e-3, atol=1e-4)


@CUDA
def test_batches_on_cuda_are_cut_from_tensors_already_on_the_gpu(monkeypatch):
    devices = []
    job = _job("cuda", epochs=1)
    forward = job.model.forward

    def spying_forward(x):
        devices.append(x.device.type)
        return forward(x)

    monkeypatch.setattr(job.model, "forward", spying_forward)
    assert _count_copies(monkeypatch, "cuda", 1) <= 5
    train(job, policy=ReportPolicy(batches=False))
    assert devices and set(devices) == {"cuda"}


@CUDA
def test_mixed_precision_on_cuda_trains_close_to_full_precision():
    full = train(_job("cuda", epochs=5), policy=ReportPolicy(batches=False))
    mixed = train(_job("cuda", epochs=5, amp=True), policy=ReportPolicy(batches=False))
    assert mixed.reason == "finished"
    assert mixed.history.train_loss[-1] == pytest.approx(full.history.train_loss[-1], rel=0.05)
    assert mixed.history.metrics["val_accuracy"][-1] >= 0.9

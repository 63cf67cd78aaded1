"""``train --tensorboard DIR``: the event files hold the scalars, histograms and HParams."""

from __future__ import annotations

import contextlib

import pytest

pytest.importorskip("tensorboard")

from nnstudio.cli import main
from tests.conftest import REPO


def _tags(folder) -> dict[str, set[str]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    found: dict[str, set[str]] = {"scalars": set(), "histograms": set(), "plugins": set()}
    for events in folder.rglob("events.out.tfevents.*"):
        acc = EventAccumulator(str(events), size_guidance={"histograms": 0, "scalars": 0})
        acc.Reload()
        tags = acc.Tags()
        found["scalars"] |= set(tags["scalars"])
        found["histograms"] |= set(tags["histograms"])
        with contextlib.suppress(KeyError):  # a file without HParams
            found["plugins"] |= set(acc.PluginTagToContent("hparams"))
    return found


def test_training_writes_scalars_histograms_and_hparams_for_tensorboard(tmp_path, capsys):
    board = tmp_path / "tb"
    code = main(
        [
            "train",
            str(REPO / "samples" / "iris.nnsproj"),
            "--epochs",
            "3",
            "--quiet",
            "--tensorboard",
            str(board),
        ]
    )
    assert code == 0
    tags = _tags(board)
    assert {"loss/train", "loss/val", "metrics/val_accuracy", "metrics/train_accuracy", "lr"} <= (
        tags["scalars"]
    )
    for layer in ("dense_1", "dense_2"):
        assert f"weights/{layer}.weight" in tags["histograms"]
        assert f"gradients/{layer}.bias" in tags["histograms"]
    assert "derivative/dense_1" in tags["histograms"]
    assert "_hparams_/experiment" in tags["plugins"]
    assert "_hparams_/session_start_info" in tags["plugins"]

"""A run's History keeps its per-batch curves bounded however long the run (issue 13).

Below :data:`BATCH_LIMIT` batches the curves are exact lists; past it they halve by averaging
neighbouring pairs and double ``batch_stride``, which the project file saves and the plots
read back at the right batch positions.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training import BatchReport, RunStarted
from nnstudio.core.training.reports import BATCH_LIMIT, History
from nnstudio.gui.plots.record import RunRecord

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "xor_step.nnsproj"


def _long_history(batches: int) -> tuple[History, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    losses = rng.random(batches) + np.linspace(2.0, 0.0, batches)
    lrs = np.linspace(0.1, 0.001, batches)
    history = History()
    for loss, lr in zip(losses.tolist(), lrs.tolist(), strict=True):
        history.add_batch(loss, lr)
    return history, losses, lrs


def test_a_million_batches_keep_at_most_the_limit_with_their_means_and_stride() -> None:
    history, losses, lrs = _long_history(1_000_000)
    stride = history.batch_stride
    assert len(history.batch_loss) == len(history.batch_lr) <= BATCH_LIMIT
    # 1,000,000 batches need 16 per point to fit in 100,000 points.
    assert stride == 16
    assert history.batches_recorded == 1_000_000
    kept = len(history.batch_loss)
    assert kept == 1_000_000 // stride
    assert history.batch_loss[0] == pytest.approx(losses[:stride].mean())
    assert history.batch_loss[-1] == pytest.approx(losses[-stride:].mean())
    assert history.batch_lr[-1] == pytest.approx(lrs[-stride:].mean())
    assert float(np.mean(history.batch_loss)) == pytest.approx(losses.mean())
    assert isinstance(history.batch_loss, list)


def test_below_the_limit_every_batch_is_kept_exactly() -> None:
    history, losses, _lrs = _long_history(1_000)
    assert history.batch_stride == 1
    assert history.batch_loss == losses.tolist()
    assert "batch_stride" not in history.to_dict()


def test_a_strided_history_survives_a_saved_project(tmp_path: Path) -> None:
    history, _losses, _lrs = _long_history(3 * BATCH_LIMIT)
    project = load_project(SAMPLE)
    project.history = history
    path = save_project(project, tmp_path / "long.nnsproj")
    with zipfile.ZipFile(path) as zf:
        raw = json.loads(zf.read("history.json"))
    assert raw["batch_stride"] == history.batch_stride == 4
    again = load_project(path).history
    assert again.batch_stride == 4
    assert again.batch_loss == pytest.approx(history.batch_loss)
    assert again.batch_lr == pytest.approx(history.batch_lr)
    # Appending goes on in groups of the loaded stride.
    for _ in range(4):
        again.add_batch(1.0, 0.5)
    assert again.batch_loss[-1] == 1.0 and again.batches_recorded == 3 * BATCH_LIMIT + 4


@pytest.mark.parametrize("stride", [3, 0, -2, 2**40, "8", 1.5, True])
def test_a_hostile_batch_stride_is_refused_in_one_line(tmp_path: Path, stride: object) -> None:
    project = load_project(SAMPLE)
    project.history = History(batch_loss=[0.5, 0.4], batch_lr=[0.1, 0.1])
    path = save_project(project, tmp_path / "good.nnsproj")
    bad = tmp_path / "bad.nnsproj"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "history.json":
                raw = json.loads(data)
                raw["batch_stride"] = stride
                data = json.dumps(raw).encode()
            dst.writestr(item, data)
    with pytest.raises(ProjectError) as caught:
        load_project(bad)
    message = str(caught.value)
    assert "\n" not in message and "batch_stride" in message


def test_a_stride_above_one_with_more_points_than_the_limit_is_refused() -> None:
    raw = History(batch_loss=[0.5] * (BATCH_LIMIT + 2), batch_lr=[0.1] * (BATCH_LIMIT + 2))
    data = raw.to_dict() | {"batch_stride": 2}
    with pytest.raises(ValueError, match="batch_stride"):
        History.from_dict(data)


def test_an_old_history_over_the_limit_is_halved_on_reading_without_losing_a_batch() -> None:
    n = 2 * BATCH_LIMIT + 1
    old = History(batch_loss=[1.0] * n, batch_lr=[0.1] * n).to_dict()
    history = History.from_dict(old)
    assert len(history.batch_loss) < BATCH_LIMIT and history.batch_stride == 4
    # The odd batch waits in the group being gathered: three more complete it.
    for _ in range(3):
        history.add_batch(1.0, 0.1)
    assert history.batches_recorded == n + 3


def test_a_record_rebuilt_from_a_strided_history_draws_the_live_curve() -> None:
    steps, epochs = 250, 1_000  # 250,000 batches: the history's stride is 4
    history, losses, lrs = _long_history(steps * epochs)
    assert history.batch_stride == 4
    live = RunRecord()
    events: list[object] = [RunStarted(epochs, steps, steps * 4, 0, "cpu")]
    for i, (loss, lr) in enumerate(zip(losses.tolist(), lrs.tolist(), strict=True)):
        events.append(BatchReport(i // steps + 1, i % steps + 1, i + 1, loss, lr, 4))
    live.ingest(events)
    rebuilt = RunRecord()
    rebuilt.load_history(history, steps)
    assert rebuilt.steps_per_epoch == steps
    # Same points at the same x: the rebuilt curve ends where the live one did, at the run's
    # last batches (x = epochs), not a quarter of the way along.
    np.testing.assert_allclose(rebuilt.batch_x.view(), live.batch_x.view())
    np.testing.assert_allclose(rebuilt.batch_loss.view(), live.batch_loss.view())
    np.testing.assert_allclose(rebuilt.batch_lr.view(), live.batch_lr.view())
    last_x = rebuilt.batch_x.view()[-1]
    per_point = rebuilt.batch_x.stride * rebuilt.batch_unit
    assert epochs - per_point / steps < last_x < epochs
    # Without the caller's steps per epoch, they are inferred from the batches it stands for.
    guessed = RunRecord()
    history.epoch.extend(range(1, epochs + 1))
    guessed.load_history(history)
    assert guessed.steps_per_epoch == steps


def test_batches_after_a_strided_history_are_averaged_in_its_groups() -> None:
    history = History(batch_loss=[1.0, 1.0], batch_lr=[0.1, 0.1], batch_stride=4)
    history.epoch.extend([1, 2])
    record = RunRecord()
    record.load_history(history, 4)
    record.ingest([BatchReport(3, b, 8 + b, 3.0, 0.1, 1) for b in range(1, 6)])
    # Four of the five batches make one more point at their mean position; one waits.
    assert len(record.batch_x) == 3
    assert record.batch_x.view()[-1] == pytest.approx(2 + 2.5 / 4)
    assert record.batch_loss.view()[-1] == 3.0
    assert not math.isnan(record.batch_lr.view()[-1])

"""The training process on its own: it trains what it is sent and ends quietly with the app."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from multiprocessing.connection import Listener

from nnstudio.core.project import load_project
from nnstudio.core.training import TrainingJob
from nnstudio.core.training.plan import plan_run
from nnstudio.core.training.remote import WatchOptions, receive, send, slim_data
from tests.conftest import REPO


def start_child():
    key = secrets.token_bytes(32)
    listener = Listener(authkey=key)
    child = subprocess.Popen(
        [sys.executable, "-m", "nnstudio.core.training_child", str(listener.address)],
        env=dict(os.environ, NNSTUDIO_TRAINER_KEY=key.hex()),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    commands, events = listener.accept(), listener.accept()
    listener.close()
    return child, commands, events


def spirals_job(epochs: int) -> TrainingJob:
    project = load_project(REPO / "samples" / "spirals.nnsproj")
    project.training = project.training.replace(epochs=epochs)
    job = plan_run(project).job
    return TrainingJob(job.model, slim_data(job.data), job.settings)


def test_child_trains_a_job_and_sends_the_weights_back():
    child, commands, events = start_child()
    try:
        assert receive(events) == ("ready",)
        job = spirals_job(epochs=2)
        send(commands, ("run", job, WatchOptions(batches=False), False))
        while True:
            message = receive(events)
            if message[0] != "events":
                break
        kind, result, state = message
        assert kind == "finished"
        assert result.epochs_run == 2
        assert set(state) == set(job.model.state_dict())
        send(commands, ("quit",))
        assert child.wait(30) == 0
    finally:
        child.kill()


def test_child_ends_quietly_when_the_app_disappears_mid_run():
    """A killed app leaves no traceback on the terminal and no process behind."""
    child, commands, events = start_child()
    try:
        assert receive(events) == ("ready",)
        send(commands, ("run", spirals_job(epochs=100_000), WatchOptions(), False))
        assert receive(events)[0] == "events"  # it is training
        commands.close()
        events.close()
        assert child.wait(30) == 0
        assert "Traceback" not in child.stderr.read()
    finally:
        child.kill()

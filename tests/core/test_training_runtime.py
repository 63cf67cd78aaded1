"""The training runtime: its protocol, its batching, the training process and the app's client.

The training process is started here as the app starts it (``python -m
nnstudio.core.training.runtime.child``), so these tests see what a user's machine sees: what
it imports before connecting, how it treats a key that does not match, a message it does not
know, and an app that disappears.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from multiprocessing import AuthenticationError, Pipe
from multiprocessing.connection import Connection, Listener
from pathlib import Path

import pytest

from nnstudio.core.project import load_project
from nnstudio.core.training import (
    BatchReport,
    RunEnded,
    RunPaused,
    RunStarted,
    TrainingControl,
    TrainingJob,
    train,
)
from nnstudio.core.training.plan import plan_run, store_result
from nnstudio.core.training.runtime.batching import EventBatcher, WatchOptions, run_job
from nnstudio.core.training.runtime.client import (
    CHILD_MODULE,
    AuthenticationFailed,
    RemoteControl,
    TrainingProcess,
    TrainingProcessError,
    slim_data,
)
from nnstudio.core.training.runtime.protocol import (
    COMMANDS,
    KEY_VARIABLE,
    REPLIES,
    Message,
    Received,
    UnknownMessage,
    receive,
    send,
)
from tests.conftest import REPO

SPIRALS = REPO / "samples" / "spirals.nnsproj"
IRIS = REPO / "samples" / "iris.nnsproj"


# --- helpers ---------------------------------------------------------------------------------


def child_command(address: str, *python_options: str) -> list[str]:
    return [sys.executable, *python_options, "-m", CHILD_MODULE, address]


def child_env(key: bytes) -> dict[str, str]:
    """The environment the app gives the child; the worktree's package first on the path."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, **{KEY_VARIABLE: key.hex()})


def start_child() -> tuple[subprocess.Popen, Connection, Connection]:
    key = secrets.token_bytes(32)
    listener = Listener(authkey=key)
    child = subprocess.Popen(
        child_command(str(listener.address)),
        env=child_env(key),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    commands, events = listener.accept(), listener.accept()
    listener.close()
    return child, commands, events


def spirals_job(epochs: int) -> TrainingJob:
    project = load_project(SPIRALS)
    project.training = project.training.replace(epochs=epochs)
    job = plan_run(project).job
    return dataclasses.replace(job, data=slim_data(job.data))


def next_reply(events: Connection) -> Received:
    """The next reply that is not a batch of reports."""
    while True:
        reply = receive(events)
        if reply.kind is not Message.EVENTS:
            return reply


def with_site_hook(monkeypatch, folder: Path, code: str) -> None:
    """Run ``code`` at the start of every Python process started from now on (the child)."""
    (folder / "sitecustomize.py").write_text(code, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), str(REPO), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path: a Unix socket's address must fit in about 100 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="nns-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# --- the protocol ----------------------------------------------------------------------------


def test_message_names_travel_as_the_enums_values_and_come_back_as_the_enum():
    app, child = Pipe()
    send(app, Message.STEP_BATCH, 3)
    raw = child.recv_bytes()
    assert pickle.loads(raw) == ("step_batch", 3)
    app.send_bytes(raw)
    reply = receive(child)
    assert reply == Received(Message.STEP_BATCH, (3,))
    assert reply.kind is Message.STEP_BATCH


def test_a_bare_string_is_refused_as_a_message_name():
    app, _child = Pipe()
    with pytest.raises(TypeError, match="must be a Message"):
        send(app, "step_batch", 3)  # type: ignore[arg-type]


def test_an_unknown_message_name_is_refused_on_arrival():
    app, child = Pipe()
    app.send_bytes(pickle.dumps(("rewind", 5)))
    with pytest.raises(UnknownMessage, match="unknown message 'rewind'"):
        receive(child)


def test_every_message_is_either_a_command_or_a_reply():
    assert set(Message) == COMMANDS | REPLIES
    assert not COMMANDS & REPLIES
    assert {Message.READY, Message.EVENTS, Message.FINISHED, Message.FAILED} == REPLIES


# --- batching --------------------------------------------------------------------------------


class FakeClock:
    """Seconds that pass only when the test says so (steps of 1/16 s add up exactly)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingProbes:
    """Stands for :class:`LiveProbes`: one snapshot, named after the report it goes with."""

    def snapshots(self, event: object) -> list[object]:
        return [] if isinstance(event, RunEnded) else [f"snapshot at {type(event).__name__}"]


def batch(step: int) -> BatchReport:
    return BatchReport(1, step, step, 0.5, 0.01, 32)


def test_reports_within_the_interval_go_out_together_and_start_pause_and_end_at_once():
    clock = FakeClock()
    sent: list[list] = []
    batcher = EventBatcher(sent.append, emit_interval=0.25, clock=clock)
    started = RunStarted(5, 3, 96, 0, "cpu")
    batcher(started)
    assert sent == [[started]]
    clock.now += 0.125
    batcher(batch(1))
    clock.now += 0.0625
    batcher(batch(2))
    assert sent == [[started]]  # held: the interval has not passed
    clock.now += 0.125
    batcher(batch(3))
    assert sent[-1] == [batch(1), batch(2), batch(3)]
    clock.now += 0.0625
    batcher(RunPaused(1, 3))
    assert sent[-1] == [RunPaused(1, 3)]  # a pause is shown at once
    clock.now += 0.0625
    batcher(batch(4))
    ended = RunEnded("stopped", "", 0)
    batcher(ended)
    assert sent[-1] == [batch(4), ended]
    batcher.flush()
    assert len(sent) == 4  # nothing was waiting: nothing more is sent


def test_snapshots_are_taken_at_most_every_probe_interval_and_with_every_urgent_report():
    clock = FakeClock()
    sent: list[list] = []
    batcher = EventBatcher(
        sent.append, probes=CountingProbes(), emit_interval=4.0, probe_interval=0.25, clock=clock
    )
    batcher(RunStarted(5, 3, 96, 0, "cpu"))
    assert sent[-1][1:] == ["snapshot at RunStarted"]
    for _ in range(5):
        clock.now += 0.125
        batcher(batch(1))
    batcher(RunEnded("finished", "", 5))
    held = sent[-1]
    # 0.625 s of batches: snapshots at 0.25 and 0.5 s, none with the end of the run.
    assert held.count("snapshot at BatchReport") == 2
    assert held[-1] == RunEnded("finished", "", 5)


def test_a_watched_run_in_process_sends_every_report_from_start_to_end():
    job = plan_run(load_project(SPIRALS)).job
    job = dataclasses.replace(job, settings=job.settings.replace(epochs=2))
    sent: list[list] = []
    result = run_job(job, WatchOptions(batches=False), TrainingControl(), sent.append)
    events = [event for delivered in sent for event in delivered]
    assert result.epochs_run == 2
    assert isinstance(events[0], RunStarted)
    assert events[-1] == RunEnded("finished", result.message, 2)
    assert all(delivered for delivered in sent)  # no empty deliveries


# --- the training job -----------------------------------------------------------------------


def test_a_training_job_cannot_be_changed_in_place():
    job = spirals_job(epochs=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.start_epoch = 3  # type: ignore[misc]
    later = dataclasses.replace(job, start_epoch=3)
    assert (job.start_epoch, later.start_epoch) == (0, 3)


def test_a_resumed_plan_carries_the_projects_training_state_in_a_copy_of_its_history():
    project = load_project(IRIS)
    project.training = project.training.replace(epochs=3)
    first = plan_run(project)
    first.job = dataclasses.replace(first.job, settings=first.job.settings.replace(epochs=2))
    store_result(project, first, train(first.job))
    job = plan_run(project, resume=True).job
    assert job.start_epoch == 2
    assert job.optimizer_state is project.optimizer_state
    assert job.history.to_dict() == project.history.to_dict()
    assert job.history is not project.history  # the run extends its own


# --- the training process --------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="the test listens on a Unix socket")
def test_the_training_process_connects_before_it_imports_torch(short_tmp: Path):
    """The app waits for the connection; torch (seconds on a busy machine) comes after."""
    address = str(short_tmp / "app")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(1)
    server.settimeout(120)
    imports = short_tmp / "imports.txt"
    with imports.open("w", encoding="utf-8") as log:
        child = subprocess.Popen(
            child_command(address, "-X", "importtime"),
            env=child_env(secrets.token_bytes(32)),
            stdin=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            # Accepted without the handshake: the child now waits for our challenge, so all it
            # has imported is what it imports before connecting.
            conn, _ = server.accept()
        finally:
            child.kill()
            child.wait(30)
            server.close()
    conn.close()
    modules = {
        line.rsplit("|", 1)[-1].strip()
        for line in imports.read_text(encoding="utf-8").splitlines()
        if line.startswith("import time:")
    }
    assert "nnstudio.core.training.runtime.protocol" in modules
    assert "multiprocessing.connection" in modules
    assert sorted(m for m in modules if m == "torch" or m.startswith("torch.")) == []


def test_importing_the_training_packages_imports_no_torch():
    code = (
        "import sys\n"
        "import nnstudio.core.training, nnstudio.core.training.runtime\n"
        "from nnstudio.core.training.runtime import protocol, client\n"
        "print('torch' in sys.modules)\n"
        "from nnstudio.core.training import train\n"
        "print('torch' in sys.modules, train.__module__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=child_env(b"unused"),
    )
    assert result.stdout.split() == ["False", "True", "nnstudio.core.training.engine"], (
        result.stderr
    )


def test_the_child_trains_a_job_and_sends_the_weights_back():
    child, commands, events = start_child()
    try:
        assert receive(events) == (Message.READY, ())
        job = spirals_job(epochs=2)
        send(commands, Message.RUN, job, WatchOptions(batches=False), False)
        kind, (result, state) = next_reply(events)
        assert kind is Message.FINISHED
        assert result.epochs_run == 2
        assert set(state) == set(job.model.state_dict())
        send(commands, Message.QUIT)
        assert child.wait(30) == 0
    finally:
        child.kill()


def test_the_child_ignores_what_is_not_a_command_says_so_and_keeps_serving():
    child, commands, events = start_child()
    try:
        assert receive(events) == (Message.READY, ())
        commands.send_bytes(pickle.dumps(("rewind", 5)))  # a name from some other version
        send(commands, Message.FINISHED)  # a reply, sent the wrong way
        send(commands, Message.RUN, spirals_job(epochs=1), WatchOptions(batches=False), False)
        kind, (result, _state) = next_reply(events)
        assert kind is Message.FINISHED and result.epochs_run == 1
        send(commands, Message.QUIT)
        assert child.wait(30) == 0
        notes = child.stderr.read()
    finally:
        child.kill()
    assert "ignoring unknown message 'rewind'" in notes
    assert "ignoring 'finished', which is not a command" in notes


def test_child_ends_quietly_when_the_app_disappears_mid_run():
    """A killed app leaves no traceback on the terminal and no process behind."""
    child, commands, events = start_child()
    try:
        assert receive(events) == (Message.READY, ())
        send(commands, Message.RUN, spirals_job(epochs=100_000), WatchOptions(), False)
        assert receive(events).kind is Message.EVENTS  # it is training
        commands.close()
        events.close()
        assert child.wait(30) == 0
        assert "Traceback" not in child.stderr.read()
    finally:
        child.kill()


# --- keys --------------------------------------------------------------------------------------


def test_a_child_with_the_wrong_key_is_refused_and_says_so():
    listener = Listener(authkey=secrets.token_bytes(32))
    refused: list[BaseException] = []

    def app() -> None:
        try:
            listener.accept()
        except AuthenticationError as exc:
            refused.append(exc)

    waiter = threading.Thread(target=app)
    waiter.start()
    child = subprocess.Popen(
        child_command(str(listener.address)),
        env=child_env(secrets.token_bytes(32)),  # not the listener's key
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, notes = child.communicate(timeout=60)
    finally:
        child.kill()
        waiter.join(60)
        listener.close()
    assert len(refused) == 1  # the app refused it...
    assert child.returncode == 3  # ...and it knows why
    assert "authentication with the app failed" in notes


def test_the_app_reports_a_training_process_that_fails_to_authenticate(tmp_path, monkeypatch):
    wrong = secrets.token_hex(32)
    with_site_hook(
        monkeypatch,
        tmp_path,
        f"import os\nif {KEY_VARIABLE!r} in os.environ:\n"
        f"    os.environ[{KEY_VARIABLE!r}] = {wrong!r}\n",
    )
    with pytest.raises(AuthenticationFailed, match="failed to authenticate"):
        TrainingProcess()


def test_a_training_process_that_ends_as_it_starts_is_reported_with_its_exit_status(
    tmp_path, monkeypatch
):
    with_site_hook(monkeypatch, tmp_path, f"import os\nos.environ.pop({KEY_VARIABLE!r}, None)\n")
    with pytest.raises(TrainingProcessError, match=r"ended as it started \(exit status 2\)"):
        TrainingProcess()


# --- the client ------------------------------------------------------------------------------


def test_the_client_runs_a_job_steers_it_and_hears_only_replies_about_runs():
    process = TrainingProcess()
    reports: list[object] = []

    def until(done: type | None) -> Received:
        """Collect reports until one of type ``done`` arrives, or a reply that ends the run."""
        while True:
            reply = process.next_reply(5.0)
            if reply is None:
                continue
            assert reply.kind is not Message.READY  # the client keeps that to itself
            if reply.kind is not Message.EVENTS:
                return reply
            reports.extend(reply.args[0])
            if done is not None and any(isinstance(r, done) for r in reply.args[0]):
                return reply

    try:
        control = RemoteControl(process)
        process.run(spirals_job(epochs=100_000), WatchOptions(), paused=True)
        until(RunPaused)
        reports.clear()
        control.step_batch(2)
        until(RunPaused)
        assert [r.batch for r in reports if isinstance(r, BatchReport)] == [1, 2]
        control.stop()
        kind, (result, _state) = until(None)
        assert kind is Message.FINISHED
        assert result.reason == "stopped"
    finally:
        process.close()
    assert not process.alive


def test_the_child_has_imported_torch_and_the_loop_when_it_says_it_is_ready(monkeypatch, short_tmp):
    # What starting the process early is for: a job sent after READY finds the loop loaded.
    # (The loop's modules name torch lazily, so the child imports the engine by name.)
    seen = short_tmp / "ready.txt"
    with_site_hook(
        monkeypatch,
        short_tmp,
        "import os, sys\n"
        f"if {KEY_VARIABLE!r} in os.environ:\n"
        "    from nnstudio.core.training.runtime import protocol\n"
        "    original = protocol.send\n"
        "    def send(conn, kind, *args):\n"
        "        if kind is protocol.Message.READY:\n"
        f"            with open({str(seen)!r}, 'w') as f:\n"
        "                f.write(' '.join(str(m in sys.modules) for m in\n"
        "                    ('torch', 'nnstudio.core.training.engine')))\n"
        "        return original(conn, kind, *args)\n"
        "    protocol.send = send\n",
    )
    child, commands, events = start_child()
    try:
        assert receive(events) == (Message.READY, ())
        assert seen.read_text() == "True True"
        send(commands, Message.QUIT)
        assert child.wait(30) == 0
    finally:
        child.kill()

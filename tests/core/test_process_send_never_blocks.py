"""Handing a job to the training process never waits for the process to read it.

A freshly started training process reads nothing until it has imported torch (seconds on a
busy machine), and a job with its data is megabytes, more than a socket buffer holds: a
blocking write froze the window that long when Train was pressed right after the app opened.
These tests hold the reading end back (a child whose import of the training loop waits on a
gate file, or a pipe nobody reads), so a send that blocks would never return: each send runs
in a watchdog thread that the test waits on with a generous bound, then releases the reader,
so a blocking send fails the test instead of hanging the suite.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import Pipe
from pathlib import Path

import pytest
import torch

from nnstudio.core.training import BatchReport, RunPaused
from nnstudio.core.training.runtime import client
from nnstudio.core.training.runtime.batching import WatchOptions
from nnstudio.core.training.runtime.client import RemoteControl, TrainingProcess
from nnstudio.core.training.runtime.protocol import KEY_VARIABLE, Message, Received, receive
from tests.core.test_training_runtime import spirals_job, with_site_hook

#: Seconds a send that should return at once is waited for before the test calls it blocked
#: (a generous bound for a busy machine, not a measure of speed).
RETURNS_WITHIN = 60.0
#: Rows the spirals data is repeated to: some 15 MB, far more than a socket buffer holds.
REPEAT = 2000


def returns(action: Callable[[], None], release: Callable[[], None]) -> bool:
    """Whether ``action`` returns while the reader is held; ``release`` frees the reader
    afterwards either way, so that a blocked ``action`` ends instead of hanging the suite."""
    done = threading.Event()
    failure: list[BaseException] = []

    def call() -> None:
        try:
            action()
        except BaseException as exc:  # handed to the test below
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    returned = done.wait(RETURNS_WITHIN)
    release()
    if returned:
        thread.join()
    if failure:
        raise failure[0]
    return returned


@pytest.fixture
def gated_child(tmp_path, monkeypatch) -> Iterator[Path]:
    """The training process started from now on connects, then waits to import its training
    loop until the returned file exists: a child that is still importing torch."""
    gate = tmp_path / "gate"
    hook = tmp_path / "hook"
    hook.mkdir()
    with_site_hook(
        monkeypatch,
        hook,
        "import os, sys, time\n"
        f"if {KEY_VARIABLE!r} in os.environ:\n"
        "    class Gate:\n"
        "        def find_spec(self, name, path=None, target=None):\n"
        "            if name == 'nnstudio.core.training.runtime.batching':\n"
        f"                while not os.path.exists({str(gate)!r}):\n"
        "                    time.sleep(0.05)\n"
        "            return None\n"
        "    sys.meta_path.insert(0, Gate())\n",
    )
    yield gate
    gate.touch()


def big_job():
    """The spirals job with its training data repeated to megabytes."""
    job = spirals_job(epochs=100_000)
    data = job.data
    data.x_train = data.x_train.repeat(REPEAT, 1)
    data.y_train = data.y_train.repeat(REPEAT)
    return dataclasses.replace(job, data=data)


def reports_until(process: TrainingProcess, done: Callable[[list], bool]) -> list:
    """The reports that arrive until ``done`` says so; fails when the process stays silent."""
    reports: list = []
    deadline = time.monotonic() + 300.0
    while not done(reports):
        assert time.monotonic() < deadline, f"the run did not get there: {reports!r}"
        reply = process.next_reply(1.0)
        if reply is None:
            continue
        if reply.kind is Message.EVENTS:
            reports.extend(reply.args[0])
        else:
            reports.append(reply)
    return reports


@pytest.mark.timeout(600)
def test_a_big_job_and_its_steering_are_handed_over_while_the_process_still_starts(
    gated_child,
):
    process = TrainingProcess()
    control = RemoteControl(process)
    try:

        def hand_over() -> None:
            process.run(big_job(), WatchOptions(), paused=True)
            control.step_batch(2)

        assert returns(hand_over, gated_child.touch), "run() waited for the process to read"
        # The step arrived after the job, for its run: exactly two batches, then a pause.
        reports = reports_until(
            process,
            lambda got: (
                any(isinstance(r, BatchReport) for r in got) and isinstance(got[-1], RunPaused)
            ),
        )
        assert [r.batch for r in reports if isinstance(r, BatchReport)] == [1, 2]
        control.stop(keep_best=True)
        (*_, last) = reports_until(process, lambda got: bool(got) and isinstance(got[-1], Received))
        assert last.kind is Message.FINISHED
        assert last.args[0].reason == "stopped"
    finally:
        process.close()
    assert not process.alive


@pytest.mark.timeout(600)
def test_closing_while_a_big_job_waits_to_be_read_does_not_hang(gated_child):
    process = TrainingProcess()

    def hand_over_and_close() -> None:
        process.run(big_job(), WatchOptions(), paused=False)
        process.close(timeout=1.0)

    assert returns(hand_over_and_close, gated_child.touch), "run() or close() waited"
    assert not process.alive
    assert not process.sender.writing


@pytest.mark.timeout(600)
def test_ending_the_process_while_a_big_job_waits_to_be_read_stops_the_writing(gated_child):
    process = TrainingProcess()
    try:

        def hand_over_and_end() -> None:
            process.run(big_job(), WatchOptions(), paused=False)
            process.terminate()

        assert returns(hand_over_and_end, gated_child.touch), "run() waited for the process"
        process.sender._thread.join(RETURNS_WITHIN)
        assert not process.sender.writing
        with pytest.raises(client.ProcessEnded):
            reports_until(process, lambda got: False)
    finally:
        process.close()


@pytest.mark.timeout(600)
def test_commands_queued_behind_an_unread_job_arrive_after_it_in_order():
    app, child = Pipe()
    payload = torch.arange(4_000_000, dtype=torch.float32)  # 16 MB: the buffer fills at once
    sender = client.CommandSender(app)
    try:
        steering = [
            (Message.PAUSE, ()),
            (Message.RESUME, ()),
            (Message.STOP, (True,)),
            (Message.STEP_BATCH, (3,)),
            (Message.STEP_EPOCH, ()),
        ]

        def hand_over() -> None:
            sender.send(Message.RUN, payload)
            for kind, args in steering:
                sender.send(kind, *args)

        # Nothing reads ``child`` until returns() gives up or hand_over() has returned.
        assert returns(hand_over, lambda: None), "send() waited for the reader"
        first = receive(child)
        assert first.kind is Message.RUN
        assert torch.equal(first.args[0], payload)
        assert [tuple(receive(child)) for _ in steering] == steering
    finally:
        sender.close()
        app.close()
        child.close()


@pytest.mark.timeout(600)
def test_closing_a_sender_whose_reader_never_reads_does_not_hang():
    app, child = Pipe()
    sender = client.CommandSender(app)
    try:
        sender.send(Message.RUN, b"x" * 16_000_000)
        sender.send(Message.QUIT)
        assert sender.close(timeout=1.0)
        assert not sender.writing
    finally:
        app.close()
        child.close()


def test_a_message_that_cannot_be_sent_still_fails_in_its_caller():
    app, child = Pipe()
    sender = client.CommandSender(app)
    try:
        with pytest.raises(TypeError):
            sender.send("pause")  # type: ignore[arg-type]
        with pytest.raises(Exception, match="pickle"):
            sender.send(Message.RUN, lambda: None)
    finally:
        sender.close()
        app.close()
        child.close()

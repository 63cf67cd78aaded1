"""The app's side of the training process: start it, hand it jobs, steer them, hear back.

Small teaching networks make the training loop Python-bound, and Python threads share one
interpreter lock: a GUI thread that paints plots would slow training down several-fold (and
training would make the window stutter). So the app trains in a child process
(:mod:`.child`) that only imports the Qt-free core. :class:`TrainingProcess` starts it once and
reuses it for every run; :class:`RemoteControl` steers the current run like a
:class:`~nnstudio.core.training.control.TrainingControl` would. Nothing here imports Qt or
torch: the GUI's relay (``gui/workers.py``) turns :meth:`TrainingProcess.next_reply` into
signals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from nnstudio.core.training.runtime.protocol import (
    KEY_VARIABLE,
    REPLIES,
    Message,
    Received,
    UnknownMessage,
    encode,
    receive,
)
from nnstudio.i18n import _

if TYPE_CHECKING:
    from nnstudio.core.training.engine import TrainingJob
    from nnstudio.core.training.runtime.batching import WatchOptions

log = logging.getLogger(__name__)

#: The module the training process runs.
CHILD_MODULE = "nnstudio.core.training.runtime.child"
#: Seconds the app waits for a new training process to connect back (it connects before it
#: imports torch, so this waits for Python to start only).
CONNECT_TIMEOUT = 20.0
#: Seconds a process that ended during its start is given to let its last words arrive.
_EXIT_GRACE = 1.0


class TrainingProcessError(RuntimeError):
    """The training process could not be started or reached."""


class AuthenticationFailed(TrainingProcessError):
    """What connected back could not prove it holds this launch's key, and was refused."""


class ProcessEnded(TrainingProcessError):
    """The training process is gone (it crashed, was killed, or closed its pipe)."""


def slim_data(data: Any) -> SimpleNamespace:
    """Only what the loop needs from prepared data (cheap to send to another process)."""
    return SimpleNamespace(
        x_train=data.x_train,
        y_train=data.y_train,
        x_val=data.x_val,
        y_val=data.y_val,
        task=data.task,
        n_classes=data.n_classes,
    )


def accept(
    listener: Listener, process: subprocess.Popen, timeout: float = CONNECT_TIMEOUT
) -> Connection:
    """The child's next authenticated connection; on any failure the child is ended.

    Raises :class:`AuthenticationFailed` when what connected does not hold the key, and
    :class:`TrainingProcessError` when nothing connects within ``timeout`` seconds or the
    process ends first.
    """
    box: list[Any] = []

    def wait() -> None:
        try:
            box.append(listener.accept())
        except (OSError, EOFError, AuthenticationError) as exc:
            box.append(exc)

    waiter = threading.Thread(target=wait, name="nnstudio-accept", daemon=True)
    waiter.start()
    deadline = time.monotonic() + timeout
    while waiter.is_alive() and time.monotonic() < deadline:
        waiter.join(0.05)
        if process.poll() is not None:  # it ended: its connection may still be on its way
            waiter.join(_EXIT_GRACE)
            break
    if box and isinstance(box[0], Connection):
        return box[0]
    status = process.poll()  # None: still running, so it never connected in time
    process.kill()
    process.wait()
    if box and isinstance(box[0], AuthenticationError):
        raise AuthenticationFailed(
            "the training process failed to authenticate (it does not hold this launch's "
            "key): refused"
        )
    if box:
        raise TrainingProcessError(f"the training process could not connect: {box[0]}")
    if status is not None:
        raise TrainingProcessError(
            f"the training process ended as it started (exit status {status})"
        )
    raise TrainingProcessError(f"the training process did not connect within {timeout:g} s")


class CommandSender:
    """Writes commands to the training process from a thread of its own, in the order sent.

    A job carries its data and model: megabytes, more than a socket buffer holds. A process
    started moments ago (Train pressed as the app opens, or after a process was replaced)
    reads nothing until it has imported torch, seconds on a busy machine, and a write from the
    GUI thread would freeze the window that long. So :meth:`send` only pickles (a message that
    cannot be pickled still fails in its caller) and queues the bytes; one thread writes them
    out first in, first out, so steering sent right after a job arrives after it. A write that
    fails (the process is gone) ends the writing and drops what is left, as a silent write
    always did: the process's end is reported by :meth:`TrainingProcess.next_reply`.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="nnstudio-commands", daemon=True)
        self._thread.start()

    @property
    def writing(self) -> bool:
        """Whether the writing thread still runs (False once closed or after a failed write)."""
        return self._thread.is_alive()

    def send(self, kind: Message, *args: Any) -> None:
        """Queue a command; returns at once (raises only when it cannot be pickled)."""
        self._queue.put(encode(kind, *args))

    def _write(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            try:
                self.conn.send_bytes(data)
            except Exception as exc:  # gone or closed: nothing more can be sent
                log.info("stopped sending to the training process: %r", exc)
                return

    def close(self, timeout: float = 2.0) -> bool:
        """Stop writing once what is queued is out, waiting at most ``timeout`` seconds.

        A write still blocked then (nobody reads) is cut off by shutting the socket down, so
        closing never hangs. Returns whether the thread has ended.
        """
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.abort()
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def abort(self) -> None:
        """Cut off a write in progress and everything queued (the process is being ended)."""
        self._queue.put(None)
        # A blocked write only wakes when the socket is shut down (closing the descriptor from
        # another thread would not wake it). On Windows the connection is a pipe, not a
        # socket: there the write ends with the process.
        with contextlib.suppress(OSError, ValueError):
            sock = socket.socket(fileno=os.dup(self.conn.fileno()))
            with sock:
                sock.shutdown(socket.SHUT_RDWR)


class TrainingProcess:
    """The child process that trains; started once and reused for every run."""

    def __init__(self, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        key = secrets.token_bytes(32)
        listener = Listener(authkey=key)
        env = dict(os.environ)
        env[KEY_VARIABLE] = key.hex()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, str(listener.address)],
                env=env,
                stdin=subprocess.DEVNULL,
            )
            self.commands = accept(listener, self.process, connect_timeout)
            try:
                self.events = accept(listener, self.process, connect_timeout)
            except TrainingProcessError:
                self.commands.close()
                raise
        finally:
            listener.close()
        self.sender = CommandSender(self.commands)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, kind: Message, *args: Any) -> None:
        """Send a command without waiting for the process to read it (see
        :class:`CommandSender`); a process that is gone is reported by :meth:`next_reply`."""
        self.sender.send(kind, *args)

    def run(self, job: TrainingJob, watch: WatchOptions, paused: bool) -> None:
        """Hand ``job`` over, its data slimmed to what the loop reads; returns at once, even
        while the process is still starting, and steering sent after it arrives after it."""
        self.send(Message.RUN, dataclasses.replace(job, data=slim_data(job.data)), watch, paused)

    def next_reply(self, timeout: float) -> Received | None:
        """The next reply that concerns a run, or None when none came within ``timeout``.

        ``READY`` and anything that is not a reply are passed over (the latter with a warning in
        the log). Raises :class:`ProcessEnded` when the process is gone.
        """
        try:
            if not self.events.poll(timeout):
                if not self.alive:
                    raise ProcessEnded(_("The training process ended unexpectedly."))
                return None
            reply = receive(self.events)
        except (EOFError, OSError):
            raise ProcessEnded(_("The training process ended unexpectedly.")) from None
        except UnknownMessage as exc:
            log.warning("the training process sent an %s; ignored", exc)
            return None
        if reply.kind not in REPLIES:
            log.warning("the training process sent %r, which is not a reply; ignored", reply.kind)
            return None
        if reply.kind is Message.READY:
            return None
        return reply

    def terminate(self) -> None:
        """End the process; what was not yet written to it is dropped."""
        self.process.terminate()
        self.sender.abort()

    def close(self, timeout: float = 3.0) -> None:
        """Ask the process to quit (after what is queued), end it if it does not, and let go
        of its connections and writing thread."""
        self.send(Message.QUIT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(2.0)
        self.sender.close()
        for conn in (self.commands, self.events):
            conn.close()


class RemoteControl:
    """The steering half of :class:`~nnstudio.core.training.control.TrainingControl`,
    forwarded to the training process's current run."""

    def __init__(self, process: TrainingProcess) -> None:
        self.process = process

    def pause(self) -> None:
        self.process.send(Message.PAUSE)

    def resume(self) -> None:
        self.process.send(Message.RESUME)

    def stop(self, keep_best: bool = False) -> None:
        """End the run after its batch; ``keep_best``: with the weights of the epoch with the
        lowest training loss (see :meth:`TrainingControl.stop
        <nnstudio.core.training.control.TrainingControl.stop>`)."""
        self.process.send(Message.STOP, keep_best)

    def step_batch(self, count: int = 1) -> None:
        self.process.send(Message.STEP_BATCH, count)

    def step_epoch(self) -> None:
        self.process.send(Message.STEP_EPOCH)


__all__ = [
    "CONNECT_TIMEOUT",
    "AuthenticationFailed",
    "CommandSender",
    "ProcessEnded",
    "RemoteControl",
    "TrainingProcess",
    "TrainingProcessError",
    "accept",
    "slim_data",
]

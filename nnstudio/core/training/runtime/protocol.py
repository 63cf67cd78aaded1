"""What the app and its training process say to each other, and how it crosses the pipe.

Every message is a :class:`Message` name followed by its arguments. Commands go from the app
to the child (:data:`COMMANDS`); replies come back (:data:`REPLIES`):

==================  ======================================================================
``RUN``             job (:class:`~nnstudio.core.training.engine.TrainingJob`, data slimmed),
                    :class:`~nnstudio.core.training.runtime.batching.WatchOptions`, paused
``PAUSE``           pause the current run before its next batch
``RESUME``          continue a paused run
``STOP``            keep_best: end the current run after its batch (it still finishes
                    normally); when keep_best is true, with the weights of the epoch with
                    the lowest training loss (how a diverging run is stopped)
``STEP_BATCH``      count: train that many batches, then pause again
``STEP_EPOCH``      train to the end of the epoch, then pause again
``QUIT``            stop any run and end the process
``READY``           the child listens for commands
``EVENTS``          a list of reports and live snapshots (see :mod:`.batching`)
``FINISHED``        :class:`~nnstudio.core.training.engine.TrainingResult`, the trained
                    weights (a state dict of CPU tensors)
``FAILED``          one line for the user, a traceback after it for the log when it is a bug
==================  ======================================================================

The name travels as its plain string and is turned back into a :class:`Message` on arrival,
so a name either side does not know is refused with :class:`UnknownMessage` rather than
guessed at — and nobody writes ``"step_batch"`` by hand.

Trust boundary
--------------
The payloads are pickled, and unpickling runs code, so a connection is only ever read after
it has proved who is at the other end:

- The app listens on a ``multiprocessing`` socket of the default family: on Linux and macOS a
  Unix socket in a fresh directory only the user can enter (mode 0700), on Windows a named
  pipe. Another user cannot even connect.
- Each launch draws a random 32-byte key (:func:`secrets.token_bytes`) and hands it to the
  child in its environment (never on its command line, which other users can read); the child
  takes it out of its environment at once. Both ends then run ``multiprocessing``'s HMAC
  challenge in both directions before a single message is read: a process of the same user
  that does not hold this launch's key is refused (see
  :class:`~nnstudio.core.training.runtime.client.AuthenticationFailed`).
- After that only NN Studio's own two processes are on the line, and they only send this
  package's own dataclasses, numpy arrays, tensors and plain values — never anything read from
  a project file (projects are JSON and safetensors, loaded without pickle).
"""

from __future__ import annotations

import pickle
from enum import Enum
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

#: The environment variable that carries a launch's key to the training process.
KEY_VARIABLE = "NNSTUDIO_TRAINER_KEY"


class Message(str, Enum):
    """The name of every message; its value is what travels."""

    # Commands: app → training process.
    RUN = "run"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    STEP_BATCH = "step_batch"
    STEP_EPOCH = "step_epoch"
    QUIT = "quit"
    # Replies: training process → app.
    READY = "ready"
    EVENTS = "events"
    FINISHED = "finished"
    FAILED = "failed"


#: What the app may ask of the training process.
COMMANDS = frozenset(
    {
        Message.RUN,
        Message.PAUSE,
        Message.RESUME,
        Message.STOP,
        Message.STEP_BATCH,
        Message.STEP_EPOCH,
        Message.QUIT,
    }
)
#: What the training process may answer.
REPLIES = frozenset(Message) - COMMANDS


class UnknownMessage(ValueError):
    """A message arrived whose name is not a :class:`Message` (the other side is newer or
    broken); it is refused, not guessed at."""

    def __init__(self, name: object) -> None:
        super().__init__(f"unknown message {name!r}")
        self.name = name


class Received(NamedTuple):
    """One message as it arrived: its name and its arguments."""

    kind: Message
    args: tuple[Any, ...]


def encode(kind: Message, *args: Any) -> bytes:
    """``kind`` with ``args`` as the bytes :func:`send` writes, tensors copied in.

    Only a :class:`Message` is accepted as ``kind``: a bare string would be a name the other
    side may not know. Apart from :func:`send`, so that a caller that writes from another
    thread still pickles here, at once: a message that cannot be sent fails in its caller, and
    what is sent is the job as it was when it was handed over.
    """
    if not isinstance(kind, Message):
        raise TypeError(f"a message name must be a Message, not {kind!r}")
    return pickle.dumps((kind.value, *args), protocol=pickle.HIGHEST_PROTOCOL)


def send(conn: Connection, kind: Message, *args: Any) -> None:
    """Send ``kind`` with ``args`` over an authenticated connection (see :func:`encode`).

    ``Connection.send`` is not used because it would pickle tensors with torch's shared-memory
    reductions, which hand out file descriptors through a helper that only processes started
    by ``multiprocessing`` can use.
    """
    conn.send_bytes(encode(kind, *args))


def receive(conn: Connection) -> Received:
    """The next message from ``conn`` (one of NN Studio's own, already authenticated).

    Raises :class:`UnknownMessage` for a name that is not a :class:`Message`, and what
    ``Connection.recv_bytes`` raises when the other side is gone (``EOFError``, ``OSError``).
    """
    name, *args = pickle.loads(conn.recv_bytes())
    try:
        kind = Message(name)
    except ValueError:
        raise UnknownMessage(name) from None
    return Received(kind, tuple(args))


__all__ = [
    "COMMANDS",
    "KEY_VARIABLE",
    "REPLIES",
    "Message",
    "Received",
    "UnknownMessage",
    "encode",
    "receive",
    "send",
]

"""The training process: ``python -m nnstudio.core.training.runtime.child ADDRESS``.

The app starts it with ``subprocess`` (not ``multiprocessing``, which would re-import the app's
own main module in the child), see :class:`~nnstudio.core.training.runtime.client.
TrainingProcess`. It connects back twice — commands in, replies out — proving itself with the
launch's key from ``NNSTUDIO_TRAINER_KEY`` (see :mod:`.protocol` for the trust boundary), and
only then imports torch: the app waits for the connection, and importing torch takes seconds
on a busy machine. So this module and the packages above it import nothing heavy; the
training loop comes in with :func:`serve`.

It speaks the app's language: the app passes its choice in ``NNSTUDIO_LANG``, and what the
process says to the user (a run's failure) is translated here, where the error is known.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import traceback
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection
from typing import Any

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.runtime.protocol import (
    COMMANDS,
    KEY_VARIABLE,
    Message,
    UnknownMessage,
    receive,
    send,
)
from nnstudio.i18n import _, set_language


def _note(text: str) -> None:
    """One line on the terminal the app was started from (the child has no other voice)."""
    print(f"NN Studio training process: {text}", file=sys.stderr, flush=True)


def steer(control: TrainingControl, kind: Message, args: tuple[Any, ...]) -> None:
    """Apply a steering command to the run it is meant for."""
    if kind is Message.PAUSE:
        control.pause()
    elif kind is Message.RESUME:
        control.resume()
    elif kind is Message.STOP:
        # An older app sends STOP bare: a plain stop.
        control.stop(keep_best=bool(args[0]) if args else False)
    elif kind is Message.STEP_BATCH:
        control.step_batch(*args[:1])
    elif kind is Message.STEP_EPOCH:
        control.step_epoch()


def serve(commands: Connection, events: Connection) -> None:
    """Run jobs until told to quit (or until the app is gone).

    A listener thread owns the command pipe: ``RUN`` queues a job with a fresh
    :class:`TrainingControl`, later steering messages go to that control, so a ``STEP_BATCH``
    sent right after ``RUN`` is never lost. A message that is not a command is refused with a
    note on the terminal and otherwise ignored: the run goes on.
    """
    # The training loop and torch: only now, once the app has its connections, but before
    # the first job arrives (that is what starting this process early is for). The loop's
    # modules name torch lazily (``core/lazy.py``), so the engine is imported by name here.
    import nnstudio.core.training.engine  # noqa: F401  (imports torch)
    from nnstudio.core.training.runtime.batching import run_job

    jobs: queue.Queue[Any] = queue.Queue()
    current: list[TrainingControl] = []

    def listen() -> None:
        while True:
            try:
                kind, args = receive(commands)
            except UnknownMessage as exc:
                _note(f"ignoring {exc}")
                continue
            except (EOFError, OSError):
                kind, args = Message.QUIT, ()
            if kind not in COMMANDS:
                _note(f"ignoring {kind.value!r}, which is not a command")
            elif kind is Message.RUN:
                job, watch, paused = args
                control = TrainingControl(start_paused=paused)
                current[:] = [control]
                jobs.put((job, watch, control))
            elif kind is Message.QUIT:
                for control in current:
                    control.stop()
                jobs.put(None)
                return
            elif current:
                steer(current[0], kind, args)

    threading.Thread(target=listen, name="nnstudio-commands", daemon=True).start()
    send(events, Message.READY)
    while True:
        item = jobs.get()
        if item is None:
            return
        job, watch, control = item

        def emit(batch: list) -> None:
            send(events, Message.EVENTS, batch)

        try:
            result = run_job(job, watch, control, emit)
        except NNStudioError as exc:
            send(events, Message.FAILED, str(exc))  # in the app's language (NNSTUDIO_LANG)
            continue
        except Exception as exc:  # a bug: say so instead of dying silently
            line = _("Training stopped because of an internal error: {error!r}").format(error=exc)
            send(events, Message.FAILED, f"{line}\n{traceback.format_exc()}")
            continue
        state = {k: v.detach().cpu() for k, v in job.model.state_dict().items()}
        send(events, Message.FINISHED, result, state)


def main(argv: list[str]) -> int:
    """Connect to the app at ``argv[1]`` and serve it; the exit status says how it ended."""
    set_language(None)  # the app's choice, passed down in NNSTUDIO_LANG
    if len(argv) != 2:
        _note("usage: python -m nnstudio.core.training.runtime.child ADDRESS")
        return 2
    address = argv[1]
    try:
        key = bytes.fromhex(os.environ.pop(KEY_VARIABLE, ""))
    except ValueError:
        key = b""
    if not key:
        _note(f"no key in {KEY_VARIABLE}: only NN Studio itself starts this process")
        return 2
    try:
        commands = Client(address, authkey=key)
        events = Client(address, authkey=key)
    except AuthenticationError:
        _note("authentication with the app failed (the keys differ): refused, nothing exchanged")
        return 3
    except OSError as exc:
        _note(f"cannot reach the app at {address}: {exc}")
        return 1
    try:
        serve(commands, events)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return 0  # the app is gone (closed or killed): nobody is left to tell
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

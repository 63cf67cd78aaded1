"""Entry point of the training process: ``python -m nnstudio.core.training_child ADDRESS``.

Started by the GUI with ``subprocess`` (not ``multiprocessing``, which would re-import the
app's own main module in the child). It connects back twice — commands in, reports out —
authenticated with the key in ``NNSTUDIO_TRAINER_KEY``, before importing torch (this module
lives outside ``nnstudio.core.training``, whose package imports torch), so the GUI
is never left waiting for that import.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Client


def main(argv: list[str]) -> int:
    address = argv[1]
    key = bytes.fromhex(os.environ.pop("NNSTUDIO_TRAINER_KEY", ""))
    commands = Client(address, authkey=key)
    events = Client(address, authkey=key)
    from nnstudio.core.training.remote import child_main

    try:
        child_main(commands, events)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return 0  # the app is gone (closed or killed): nobody is left to tell
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""The training child's handshake (issue 13): the app's socket is the owner's only, a client
without this launch's key is refused before anything it sends is unpickled, and the app says
so instead of a vague failure."""

from __future__ import annotations

import os
import pickle
import secrets
import stat
import subprocess
import sys
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path

import pytest

from nnstudio.core.training.runtime.client import AuthenticationFailed, accept
from nnstudio.core.training.runtime.protocol import KEY_VARIABLE
from tests.core.test_training_runtime import with_site_hook


def impostor(address: str, key: bytes, sent: list[str]) -> None:
    """A client of the same user that tries to talk to the app with the wrong key."""
    try:
        conn = Client(address, authkey=key)
    except AuthenticationError:
        sent.append("refused")
        return
    conn.send_bytes(pickle.dumps(("run",)))  # would reach pickle.loads if it got through
    sent.append("accepted")


@pytest.mark.skipif(sys.platform == "win32", reason="a Unix socket")
def test_the_apps_socket_lives_in_a_folder_only_its_owner_can_enter():
    listener = Listener(authkey=secrets.token_bytes(32))
    try:
        folder = Path(listener.address).parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert folder.stat().st_uid == os.getuid()
    finally:
        listener.close()


def test_a_client_with_the_wrong_key_is_refused_before_anything_is_unpickled(monkeypatch):
    loads: list[bytes] = []
    monkeypatch.setattr(pickle, "loads", lambda data, *a, **k: loads.append(data))
    listener = Listener(authkey=secrets.token_bytes(32))
    sent: list[str] = []
    thread = threading.Thread(
        target=impostor, args=(str(listener.address), secrets.token_bytes(32), sent)
    )
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    thread.start()
    try:
        with pytest.raises(AuthenticationFailed, match="failed to authenticate"):
            accept(listener, sleeper, timeout=60)
    finally:
        thread.join(60)
        listener.close()
        sleeper.kill()
        sleeper.wait()
    assert sent == ["refused"]
    assert loads == []
    assert sleeper.returncode is not None  # the process that was to connect is ended


def test_a_client_with_the_right_key_is_accepted():
    key = secrets.token_bytes(32)
    listener = Listener(authkey=key)
    sent: list[str] = []
    thread = threading.Thread(target=impostor, args=(str(listener.address), key, sent))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    thread.start()
    try:
        conn = accept(listener, sleeper, timeout=60)
        assert pickle.loads(conn.recv_bytes()) == ("run",)
        conn.close()
    finally:
        thread.join(60)
        listener.close()
        sleeper.kill()
        sleeper.wait()
    assert sent == ["accepted"]


def test_the_app_says_the_training_process_was_refused_when_its_handshake_fails(
    qtbot, tmp_path, monkeypatch
):
    from nnstudio.gui.workers import TrainingController

    wrong = secrets.token_hex(32)
    with_site_hook(
        monkeypatch,
        tmp_path,
        f"import os\nif {KEY_VARIABLE!r} in os.environ:\n"
        f"    os.environ[{KEY_VARIABLE!r}] = {wrong!r}\n",
    )
    monkeypatch.delenv("NNSTUDIO_TRAIN_IN_THREAD", raising=False)
    controller = TrainingController(document=None)
    with qtbot.waitSignal(controller.process_notice, timeout=120_000) as notice:
        controller.prewarm()
    assert "handshake failed" in notice.args[0]
    assert "did not start" not in notice.args[0]
    assert controller._process is None  # training falls back to a thread

"""The window's size and panel arrangement survive relaunches exactly, on any screen.

Each case runs ``relaunch_window.py`` in a child process whose offscreen screen has the
size under test, opening and closing the window five times on one settings file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt

from tests.conftest import REPO

SCRIPT = Path(__file__).with_name("relaunch_window.py")


def relaunch(tmp_path: Path, screen: tuple[int, int], launches: int, *flags: str) -> list[dict]:
    config = tmp_path / "screen.json"
    w, h = screen
    config.write_text(
        json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": w, "height": h, "dpr": 1}]})
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        NNSTUDIO_DATA_DIR=str(tmp_path / "appdata"),
        PYTHONPATH=str(REPO),
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "settings.ini"), str(launches), *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["launches"]


def assert_usable(seen: dict) -> None:
    window_w, window_h = seen["window"][2:]
    canvas_w, canvas_h = seen["canvas"]
    assert canvas_w >= 0.4 * window_w, seen
    assert canvas_h >= 0.4 * window_h, seen
    assert seen["layers"] <= 320, seen


@pytest.mark.parametrize("screen", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("maximized", [False, True])
def test_five_relaunches_show_exactly_the_first_layout(tmp_path, screen, maximized):
    flags = ("maximized",) if maximized else ()
    seen = relaunch(tmp_path, screen, 5, *flags)
    first = seen[0]
    assert_usable(first)
    assert first["maximized"] is maximized
    for later in seen[1:]:
        assert later == first


def test_a_panel_the_user_resized_keeps_its_size(tmp_path):
    seen = relaunch(tmp_path, (1920, 1080), 3, "widen-layers")
    widened = seen[0]["after_user"]
    assert widened["layers"] == 300
    assert seen[1] == widened
    assert seen[2] == widened


def test_a_layout_saved_on_a_larger_screen_stays_usable_on_a_smaller_one(tmp_path):
    relaunch(tmp_path, (1920, 1080), 1, "maximized")
    seen = relaunch(tmp_path, (1280, 800), 2)
    assert_usable(seen[0])
    assert seen[1] == seen[0]


def test_a_state_saved_by_version_0_1_is_replaced_by_the_default_layout(tmp_path):
    # Version 0.1 saved Qt's geometry blob and an unversioned dock state in which the Layers
    # panel had grown to 560 px; neither may come back.
    fresh = relaunch(tmp_path, (1280, 800), 1)[0]
    (tmp_path / "settings.ini").unlink()
    legacy = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    legacy.setValue("window/geometry", QByteArray(b"\x01\xd9\xd0\xcb\x00\x03\x00\x00garbage"))
    legacy.setValue("window/state", QByteArray(b"\x00\x00\x00\xff\x00\x00\x00\x00\xfd"))
    legacy.sync()
    seen = relaunch(tmp_path, (1280, 800), 1)[0]
    assert seen == fresh


def test_a_saved_layout_that_leaves_the_canvas_no_room_is_not_restored(tmp_path):
    seen = relaunch(tmp_path, (1280, 800), 2, "cramp-canvas")
    cramped = seen[0]["after_user"]
    assert cramped["canvas"][0] < 0.3 * cramped["window"][2]
    assert_usable(seen[1])


def test_reset_layout_brings_every_panel_back_in_place(open_window, qtbot):
    import gc

    win = open_window(size=(1280, 800))
    win.start()
    win.docks["problems"].hide()
    win.docks["data"].setFloating(True)
    win.resizeDocks([win.docks["palette"]], [600], Qt.Orientation.Horizontal)
    win.actions_by_name["reset_layout"].trigger()
    qtbot.waitUntil(lambda: all(d.isVisible() or not d.isHidden() for d in win.docks.values()))
    assert not any(d.isFloating() for d in win.docks.values())
    assert not win.docks["problems"].isHidden()
    qtbot.waitUntil(lambda: win.docks["palette"].width() <= 320)
    gc.collect()  # nothing the reset replaced is left half-owned (used to crash here)

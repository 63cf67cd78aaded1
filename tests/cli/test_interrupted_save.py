"""``train --save`` over an existing project, interrupted at random moments, and a full disk.

Whatever moment a SIGINT, SIGTERM or SIGKILL lands on — while training, while the new file
is being written, just after the rename — the project file is the old one, intact, or the
new one, complete and loadable; an interruption that can run clean-up leaves no temporary
file, and one that cannot (SIGKILL) leaves one that the next save sweeps away. The exit
status and the last line tell the truth: a run stopped after its file was saved says so.

The moments are chosen at random but reached by waiting on conditions (a progress line, the
temporary file reaching a number of bytes, the file being replaced), never by sleeping.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.core import atomic
from nnstudio.core.project import load_project, save_project
from tests.conftest import REPO
from tests.interrupted_saves import make_big_project, temporaries, wait_until

ROUND_LIMIT_S = 120


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project big enough that a signal can land in the middle of saving it."""
    return make_big_project(tmp_path_factory.mktemp("interrupted"))


MOMENTS = ("training", "writing", "replaced")


def _moment(kind: str, rng: random.Random, path: Path, before_inode: int):
    """A condition to interrupt at: training under way, the temporary file holding a random
    number of bytes, or the target just replaced."""
    size = path.stat().st_size
    threshold = rng.randrange(0, size)

    def writing() -> bool:
        return any(p.stat().st_size >= threshold for p in temporaries(path.parent) if p.exists())

    def replaced() -> bool:
        try:
            return path.stat().st_ino != before_inode
        except FileNotFoundError:
            return False

    return kind, {"training": lambda: True, "writing": writing, "replaced": replaced}[kind]


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_save_leaves_the_old_file_or_the_complete_new_one(
    signum: int, big_project: Path
) -> None:
    rng = random.Random(f"{signum}-rounds")
    folder = big_project.parent
    for moment in MOMENTS:
        before = big_project.read_bytes()
        inode = big_project.stat().st_ino
        kind, condition = _moment(moment, rng, big_project, inode)
        epochs = rng.randint(1, 2)
        process = subprocess.Popen(
            [sys.executable, "-m", "nnstudio", "train", str(big_project), "--epochs",
             str(epochs), "--save", str(big_project)],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        deadline = time.monotonic() + ROUND_LIMIT_S
        # The handlers are in place once the first progress line is out.
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith(b"epoch") or process.poll() is not None, first
        wait_until(condition, process, deadline)
        if process.poll() is None:
            process.send_signal(signum)
        _out, err = process.communicate(timeout=ROUND_LIMIT_S)
        err = (first + err).decode("utf-8", "replace")
        saved = big_project.stat().st_ino != inode
        if saved:
            assert load_project(big_project).epochs_trained == epochs, (kind, err)
        else:
            assert big_project.read_bytes() == before, (kind, err)
        assert "Traceback" not in err, err
        if process.returncode == 0:
            assert saved, err
        elif signum != signal.SIGKILL:
            assert process.returncode in (130, 143), (kind, process.returncode, err)
            last = err.strip().splitlines()[-1]
            if saved:  # the truth: the file is complete
                assert "stopped after saving" in last and str(big_project) in last, err
            else:
                assert last.endswith(("interrupted", "terminated")), err
            assert temporaries(folder) == [], (kind, err)
    # The next save (a complete run) sweeps what a SIGKILL left behind.
    assert main(["train", str(big_project), "--quiet", "--epochs", "1", "--save",
                 str(big_project)]) == 0  # fmt: skip
    assert temporaries(folder) == []
    load_project(big_project)


def test_a_dead_writers_temporary_is_swept_and_a_live_ones_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "p.nnsproj"
    target.write_bytes(b"old")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid is free now: its temporary is dead
    dead = tmp_path / f".p.nnsproj.{child.pid}-0123abcd.tmp"
    live = tmp_path / f".p.nnsproj.{os.getppid()}-0123abcd.tmp"
    old_style = tmp_path / ".p.nnsproj.89abcdef.tmp"
    other_name = tmp_path / f".q.nnsproj.{child.pid}-0123abcd.tmp"
    for path in (dead, live, old_style, other_name):
        path.write_bytes(b"half")
    long_ago = time.time() - atomic.STALE_AFTER_S - 60
    os.utime(old_style, (long_ago, long_ago))
    atomic.write_bytes(target, b"new")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["p.nnsproj", live.name, other_name.name])
    os.utime(live, (long_ago, long_ago))  # a live pid, but far too old: dead after all
    atomic.write_bytes(target, b"newer")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["p.nnsproj", other_name.name])


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit, OSError, MemoryError])
@pytest.mark.parametrize("stage", ["create", "write", "fsync", "replace"])
def test_the_temporary_is_removed_on_any_exit_before_the_rename(
    exception: type[BaseException], stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x"
    target.write_bytes(b"old")

    def fail(*args: object, **kwargs: object) -> None:
        raise exception

    real_open = os.open
    if stage == "create":  # the file exists, the interruption lands before we note it

        def created_then_interrupted(path, flags, mode=0o777):
            os.close(real_open(path, flags, mode))
            raise exception

        monkeypatch.setattr(atomic.os, "open", created_then_interrupted)
    elif stage == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", fail)
    elif stage == "replace":
        monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(BaseException) as info, atomic.replacing(target) as temp:
        temp.write_bytes(b"new, half")
        if stage == "write":
            raise exception
    assert isinstance(info.value, (exception, atomic.FolderNotWritable))
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_an_interruption_just_after_the_rename_counts_as_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x"
    real_replace = os.replace

    def replace_then_interrupted(source, destination):
        real_replace(source, destination)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupted)
    with atomic.recording() as written, pytest.raises(KeyboardInterrupt):
        atomic.write_bytes(target, b"complete")
    assert written == [target]
    assert target.read_bytes() == b"complete"


def test_ctrl_c_after_the_save_says_what_was_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.nnsproj"
    real_replace = os.replace

    def replace_then_interrupted(source, destination):
        real_replace(source, destination)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupted)
    code = main(["train", str(REPO / "samples" / "iris.nnsproj"), "--epochs", "1", "--quiet",
                 "--save", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 130
    assert err.strip() == f"nnstudio train: stopped after saving {out} (complete)"
    monkeypatch.undo()
    assert load_project(out).epochs_trained == 1


def test_a_full_disk_during_train_save_leaves_the_previous_file_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "iris.nnsproj"
    save_project(load_project(REPO / "samples" / "iris.nnsproj"), path)
    before = path.read_bytes()
    real_open = open

    class HalfWriter:
        """Writes half of what it is given, then the disk is full."""

        def __init__(self, handle) -> None:
            self.handle = handle

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(
        atomic, "open", lambda p, mode, **kw: HalfWriter(real_open(p, mode, **kw)), raising=False
    )
    code = main(["train", str(path), "--epochs", "1", "--quiet", "--save", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "No space left on device" in err and "the previous file is unchanged" in err
    assert len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before
    assert temporaries(tmp_path) == []

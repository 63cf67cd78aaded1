"""The one atomic writer refuses targets that are not regular files, on every write path.

A rename puts a regular file in place of whatever the target was: a device such as
``/dev/null``, a named pipe, a folder. Every path that writes a user's file — the project
(Save, autosave, ``train --save``), exports, predictions, plot tables and PNGs, the race
table — goes through :mod:`nnstudio.core.atomic`, so each is checked here against each kind
of target, and the target must be left exactly as it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from nnstudio.core import atomic
from nnstudio.core.errors import NNStudioError
from nnstudio.core.export import export_project
from nnstudio.core.project import load_project, save_project
from nnstudio.core.training.predict import write_predictions
from tests.conftest import REPO

SAMPLES = REPO / "samples"
NOBODY = 65534


def _make_dev_null(tmp: Path) -> Path:
    return Path("/dev/null")


def _make_fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe")
    return tmp / "pipe"


def _make_folder(tmp: Path) -> Path:
    (tmp / "folder").mkdir()
    return tmp / "folder"


def _make_link_to_folder(tmp: Path) -> Path:
    (tmp / "link").symlink_to(_make_folder(tmp))
    return tmp / "link"


def _make_link_to_fifo(tmp: Path) -> Path:
    (tmp / "link").symlink_to(_make_fifo(tmp))
    return tmp / "link"


def _make_link_to_device(tmp: Path) -> Path:
    (tmp / "link").symlink_to("/dev/null")
    return tmp / "link"


def _make_dangling_link(tmp: Path) -> Path:
    (tmp / "link").symlink_to(tmp / "nowhere")
    return tmp / "link"


def _make_link_to_someone_elses_file(tmp: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    other = tmp / "theirs"
    other.write_bytes(b"their file")
    os.chown(other, NOBODY, NOBODY)
    (tmp / "link").symlink_to(other)
    return tmp / "link"


#: Targets that are not (a link to) a regular file the user owns, and what the refusal says.
ODD_TARGETS: list[tuple[Callable[[Path], Path], str]] = [
    (_make_dev_null, "it is a device"),
    (_make_fifo, "it is a named pipe"),
    (_make_folder, "is a folder"),
    (_make_link_to_folder, "folder"),  # export: "… is a folder: give the file to write"
    (_make_link_to_fifo, "it is a link to a named pipe"),
    (_make_link_to_device, "it is a link to a device"),
    (_make_dangling_link, "it is a link to nothing"),
    (_make_link_to_someone_elses_file, "belongs to another user"),
]


def _fingerprint(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return info.st_mode, info.st_ino, info.st_size if stat.S_ISREG(info.st_mode) else 0


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """iris with weights, for the writers that need a trained project."""
    from nnstudio.core.training import train
    from nnstudio.core.training.plan import plan_run, store_result

    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(epochs=1)
    plan = plan_run(project)
    store_result(project, plan, train(plan.job))
    return project


def _writers(trained) -> dict[str, Callable[[Path], object]]:
    """Every way NN Studio writes a user's file, each given the target path."""
    from nnstudio.core.lessons.race import race_csv

    frame = pd.DataFrame({"x": [1.0], "predicted": ["=1+1"]})
    return {
        "atomic.write_bytes": lambda path: atomic.write_bytes(path, b"new"),
        "atomic.write_text": lambda path: atomic.write_text(path, "new"),
        "save_project (Save, train --save)": lambda path: save_project(trained, path),
        "export python": lambda path: export_project(trained, "python", path),
        "export onnx": lambda path: export_project(trained, "onnx", path),
        "export torchscript": lambda path: export_project(trained, "torchscript", path),
        "predictions": lambda path: write_predictions(frame, path),
        "race table": lambda path: atomic.write_text(path, race_csv([])),
    }


WRITERS = [
    "atomic.write_bytes",
    "atomic.write_text",
    "save_project (Save, train --save)",
    "export python",
    "export onnx",
    "export torchscript",
    "predictions",
    "race table",
]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(("make", "words"), ODD_TARGETS, ids=lambda v: getattr(v, "__name__", v))
def test_no_writer_replaces_a_target_that_is_not_a_regular_file(
    writer: str, make: Callable[[Path], Path], words: str, tmp_path: Path, trained
) -> None:
    target = make(tmp_path)
    before = _fingerprint(target)
    real_before = _fingerprint(Path(os.path.realpath(target))) if target.exists() else None
    with pytest.raises((OSError, NNStudioError)) as info:
        _writers(trained)[writer](target)
    assert words in str(info.value)
    assert _fingerprint(target) == before
    if real_before is not None:
        assert _fingerprint(Path(os.path.realpath(target))) == real_before
    assert not [p for p in tmp_path.rglob("*.tmp")]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_link_to_the_users_own_file_is_written_through(
    writer: str, tmp_path: Path, trained
) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(real)
    _writers(trained)[writer](link)
    assert link.is_symlink() and real.read_bytes() != b"old"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_regular_file_is_replaced_and_keeps_its_permissions(
    writer: str, tmp_path: Path, trained
) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"old")
    target.chmod(0o640)
    _writers(trained)[writer](target)
    assert target.read_bytes() != b"old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_the_gui_plot_table_writer_refuses_a_fifo(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from nnstudio.gui.plots.export import Table, write_csv

    target = _make_fifo(tmp_path)
    with pytest.raises(atomic.NotARegularFile, match="it is a named pipe"):
        write_csv(target, Table("t", ("a",), ((1.0,),)))
    assert stat.S_ISFIFO(target.lstat().st_mode)


def test_autosave_refuses_a_recovery_target_that_is_a_fifo(tmp_path: Path, trained) -> None:
    from nnstudio.gui.recovery import RecoveryManager, recovery_path_for

    project_path = tmp_path / "p.nnsproj"
    os.mkfifo(recovery_path_for(project_path, tmp_path))
    trained.path = project_path
    try:
        with pytest.raises(NNStudioError, match="it is a named pipe"):
            RecoveryManager(tmp_path).autosave(trained)
    finally:
        trained.path = None
    assert stat.S_ISFIFO(recovery_path_for(project_path, tmp_path).lstat().st_mode)


def test_the_target_is_checked_again_just_before_the_rename(tmp_path: Path) -> None:
    target = tmp_path / "x"
    with pytest.raises(atomic.NotARegularFile), atomic.replacing(target) as temp:
        temp.write_bytes(b"new")
        os.mkfifo(target)  # appeared while we wrote
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["x"]

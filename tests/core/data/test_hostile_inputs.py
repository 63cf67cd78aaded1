"""Issue 13, class 3: data inputs that never end or never come are refused at once.

A data path must be a regular file (a FIFO with no writer would block the read forever,
``/dev/zero`` never ends); reading has caps on the file's size, a line's length and the number
of columns, each with its own message, checked in one linear pass before any splitting.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.data import csv_io
from nnstudio.core.data.csv_io import read_csv
from nnstudio.core.errors import DataError
from tests.cli.helpers import run_cli
from tests.fuzzing import examples


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left behind."""
    from nnstudio import i18n

    i18n.set_language("en")
    yield


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "sock.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


#: (how to make the path, words the message holds)
NOT_FILES = [
    pytest.param(_fifo, "is not a regular file (a named pipe)", id="FIFO without a writer"),
    pytest.param(lambda tmp: Path("/dev/zero"), "is not a regular file (a device)", id="/dev/zero"),
    pytest.param(
        lambda tmp: Path("/dev/urandom"), "is not a regular file (a device)", id="/dev/urandom"
    ),
    pytest.param(_socket, "is not a regular file (a socket)", id="socket"),
]


@pytest.mark.parametrize(("make", "words"), NOT_FILES)
def test_a_data_path_that_is_not_a_regular_file_is_refused_without_reading(tmp_path, make, words):
    path = make(tmp_path)
    if not path.exists():
        pytest.skip(f"{path} does not exist here")
    # A read would block (FIFO) or never end (devices): the refusal must come from the
    # file's kind alone. Run in a thread so a regression fails the test instead of hanging.
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(outcome, path), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "reading the path blocked"
    assert len(outcome) == 1 and isinstance(outcome[0], DataError)
    assert words in str(outcome[0])
    assert "choose a CSV file saved on disk" in str(outcome[0])


def _capture(outcome: list[BaseException], path: Path) -> None:
    try:
        read_csv(path)
    except BaseException as exc:
        outcome.append(exc)


def test_a_symlink_to_a_regular_file_is_still_read(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert read_csv(link).frame.shape == (2, 2)


def test_the_command_line_says_so_for_a_fifo_in_one_line(capsys, tmp_path):
    from nnstudio.core.data.data_settings import DataSettings, DataSource
    from nnstudio.core.project.project_file import Project, save_project

    fifo = _fifo(tmp_path)
    project = Project(
        data=DataSettings(source=DataSource(kind="csv", path=str(fifo)), targets=("y",))
    )
    path = save_project(project, tmp_path / "p.nnsproj")
    code, out, err = run_cli(capsys, "validate", path)
    assert code != 0
    assert "pipe.csv is not a regular file (a named pipe)" in err + out
    assert "Traceback" not in err + out


# --- caps: size, line length, columns --------------------------------------------------------


@pytest.fixture
def small_caps(monkeypatch):
    """Caps small enough to cross in a test; the checks are the same at any size."""
    monkeypatch.setattr(csv_io, "MAX_FILE_BYTES", 4096)
    monkeypatch.setattr(csv_io, "MAX_LINE_BYTES", 512)
    monkeypatch.setattr(csv_io, "MAX_COLUMNS", 20)


#: (file bytes, words the message holds)
OVER_CAPS = [
    pytest.param(b"a,b\n" + b"1,2\n" * 2000, "is too large", id="total size"),
    pytest.param(b"a,b\n1,2\n" + b"9" * 600 + b"\n", "line 3 is 600 bytes long", id="long line"),
    pytest.param(b"x" * 3000, "line 1 is 3,000 bytes long", id="one line without end"),
    pytest.param(
        ",".join(str(i) for i in range(30)).encode() + b"\n",
        "line 1 has 30 fields; at most 20 columns are read",
        id="too many columns",
    ),
    pytest.param(
        b"a,b\n1,2\n" + b",".join(b"7" for _ in range(25)) + b"\n",
        "line 3 has 25 fields; at most 20 columns are read",
        id="a wide row further down",
    ),
]


@pytest.mark.parametrize(("data", "words"), OVER_CAPS)
def test_every_cap_has_its_own_message(tmp_path, small_caps, data, words):
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert words in str(caught.value)


def test_the_real_caps_keep_a_file_of_one_80000_field_line_out(tmp_path):
    """The probe's file (80,000 fields in 160 KB) is refused from its first row."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join("1" for _ in range(80_000)) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1 has 80,000 fields; at most 2,000 columns"):
        read_csv(path)


def test_the_real_caps_keep_a_line_of_a_megabyte_out(tmp_path):
    path = tmp_path / "line.csv"
    path.write_bytes(b"a,b\n" + b"1" * (csv_io.MAX_LINE_BYTES + 10) + b"\n")
    with pytest.raises(DataError, match="line 2 is 1,048,586 bytes long"):
        read_csv(path)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["1", "2.5", "x", "", '"q,q"', "-3"]), min_size=1, max_size=30),
        min_size=1,
        max_size=12,
    )
)
def test_any_table_within_or_beyond_the_caps_reads_or_is_refused_with_a_data_error(rows):
    """No other error, ever: the caps and the careful reader agree on every shape of file."""
    import tempfile

    text = "\n".join(",".join(row) for row in rows) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text, encoding="utf-8")
        old = csv_io.MAX_COLUMNS, csv_io.MAX_LINE_BYTES
        csv_io.MAX_COLUMNS, csv_io.MAX_LINE_BYTES = 20, 64
        try:
            table = read_csv(path)
        except DataError as exc:
            widest = max(len(row) for row in rows)
            longest = max(len(",".join(row).encode()) for row in rows)
            message = str(exc)
            if "columns are read" in message:
                assert widest > 20
            if "bytes long" in message:
                assert longest > 64
        else:
            assert max(len(row) for row in rows) <= 20
            assert table.frame.shape[1] <= 20
        finally:
            csv_io.MAX_COLUMNS, csv_io.MAX_LINE_BYTES = old

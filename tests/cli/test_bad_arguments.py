"""Every command under a table of bad arguments: one line on stderr, never a traceback.

Expected failures (a user's mistake, a file that is not there, a folder that takes no file,
a codec that is not a text encoding) exit 2; an unexpected one (a bug, injected here) is one
line naming the command and "internal error", exit 1, and ``--debug`` — before or after the
command — shows the traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import zipfile
from encodings.aliases import aliases
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio import cli, i18n
from nnstudio.cli import main
from nnstudio.core import atomic
from tests.conftest import REPO
from tests.fuzzing import examples

SAMPLES = REPO / "samples"
COMMANDS = ("train", "summary", "validate", "predict", "step", "export")
KNOWN_OPTIMISERS = {"sgd", "adagrad", "rmsprop", "adam", "adamw", "nadam", "lion"}


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A command run with --lang must not leave later tests speaking Chinese."""
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """brand_price as a bare project.json beside its CSV, one trained copy, and projects whose
    data encoding is a codec but not a text encoding."""
    root = tmp_path_factory.mktemp("bad_arguments")
    shutil.copy(SAMPLES / "brand_price.csv", root / "brand_price.csv")
    with zipfile.ZipFile(SAMPLES / "brand_price.nnsproj") as archive:
        doc = json.loads(archive.read("project.json"))
    (root / "project.json").write_text(json.dumps(doc), "utf-8")
    for codec in ("rot13", "hex", "uu_codec", "base64", "zlib_codec"):
        odd = json.loads(json.dumps(doc))
        odd["data"]["source"]["encoding"] = codec
        (root / f"{codec}.json").write_text(json.dumps(odd), "utf-8")
    assert main(["train", str(root / "project.json"), "--epochs", "1", "--quiet",
                 "--save", str(root / "trained.nnsproj")]) == 0  # fmt: skip
    (root / "folder").mkdir()
    (root / "garbage.nnsproj").write_bytes(b"\x00\x01 not a project")
    os.mkfifo(root / "fifo")
    return root


def _bad_files(root: Path) -> list[str]:
    """Project files no command can open."""
    return [
        str(root / "missing.nnsproj"),
        str(root / "folder"),
        str(root / "garbage.nnsproj"),
        "/dev/null",
        str(root / "nul\x00byte.nnsproj"),
        str(root / "a\nnewline\x1b]0;title\x07.nnsproj"),
        *(str(root / f"{codec}.json") for codec in ("rot13", "hex", "uu_codec")),
    ]


def _needs(command: str, root: Path) -> list[str]:
    """The arguments besides FILE that ``command`` requires."""
    if command == "predict":
        return ["--data", str(root / "brand_price.csv")]
    if command == "export":
        return ["--to", "python", "-o", str(root / "out.py")]
    if command == "train":
        return ["--epochs", "1", "--quiet"]
    return []


def _per_command(root: Path) -> list[tuple[str, list[str]]]:
    """Bad arguments for one command each (FILE is a good project)."""
    project, trained, csv = (
        str(root / "project.json"),
        str(root / "trained.nnsproj"),
        str(root / "brand_price.csv"),
    )
    fifo, folder = str(root / "fifo"), str(root / "folder")
    cases: list[tuple[str, list[str]]] = []
    for name in ("bogus", "__class__", "mro", "__init__", "normalize", "get", "", "SGD\x1b[2J"):
        cases.append(("train", [project, "--epochs", "1", "--optimizer", name]))
    cases += [
        ("train", [project, "--lr", "0"]),
        ("train", [project, "--lr", "nan"]),
        ("train", [project, "--epochs", "-3"]),
        ("train", [project, "--batch-size", "-1"]),
        ("train", [project, "--seed", "-1"]),
        ("train", [project, "--epochs", "x"]),
        ("train", [project, "--device", "tpu"]),
        ("train", [project, "--data", str(root / "missing.csv")]),
        ("train", [project, "--target", "no such column\n"]),
        ("train", [project, "--epochs", "1", "--save", folder]),
        ("train", [project, "--epochs", "1", "--save", "/dev/null"]),
        ("train", [project, "--epochs", "1", "--save", fifo]),
        ("train", [project, "--epochs", "1", "--save", str(root / "missing" / "x.nnsproj")]),
        ("summary", [project, "--target", "\x1b]0;pwned\x07"]),
        ("summary", [project, "--data", folder]),
        ("validate", [project, "--data", "/dev/null"]),
        ("validate", [project, "--target", "价格区间", "--target", "价格区间"]),
        ("predict", [project, "--data", csv]),  # never trained
        ("predict", [trained, "--data", str(root / "missing.csv")]),
        ("predict", [trained, "--data", csv, "-o", str(root / "missing" / "p.csv")]),
        ("predict", [trained, "--data", csv, "-o", folder]),
        ("predict", [trained, "--data", csv, "-o", "/dev/full"]),
        ("predict", [trained, "--data", csv, "-o", "/dev/null"]),
        ("predict", [trained, "--data", csv, "-o", fifo]),
        ("predict", [trained]),
        ("step", [project, "--sample", "-1"]),
        ("step", [project, "--sample", str(10**12)]),
        ("step", [project, "--sample", "one"]),
        ("export", [project, "--to", "pickle", "-o", str(root / "x")]),
        ("export", [project, "--to", "onnx", "-o", str(root / "x.onnx")]),  # never trained
        ("export", [project, "--to", "python", "-o", folder]),
        ("export", [project, "--to", "python", "-o", "/dev/null"]),
        ("export", [trained, "--to", "torchscript", "-o", fifo]),
        ("export", [project, "--to", "python", "-o", str(root / "missing" / "x.py")]),
        ("export", [project, "--to", "python"]),
    ]
    return cases


def _assert_one_line(code: int, err: str, expected_code: int = 2) -> str:
    assert code == expected_code, err
    assert "Traceback" not in err, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert "\x1b" not in err and "\x00" not in err and "\x07" not in err, err
    return lines[0]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_every_bad_project_file_in_one_line(
    command: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in _bad_files(folder):
        code, err = _run(capsys, [command, bad, *_needs(command, folder)])
        line = _assert_one_line(code, err)
        assert line.startswith(("nnstudio: error: ", f"nnstudio {command}: error: ")), line


def test_every_command_refuses_its_bad_options_in_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _per_command(folder)
    assert {command for command, _args in cases} == set(COMMANDS)
    for command, args in cases:
        code, err = _run(capsys, [command, *args])
        _assert_one_line(code, err)
    # Nothing was written over what is not a regular file, and nothing appeared.
    assert (folder / "folder").is_dir() and not any((folder / "folder").iterdir())
    assert not (folder / "missing").exists()
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("name", ["bogus", "__class__", "mro"])
def test_an_unknown_optimiser_names_the_known_ones(
    name: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(capsys, ["train", str(folder / "project.json"), "--optimizer", name])
    line = _assert_one_line(code, err)
    assert f"unknown optimiser '{name}'" in line and "adam" in line


@pytest.mark.parametrize("codec", ["rot13", "hex", "uu_codec"])
def test_a_codec_that_is_not_a_text_encoding_is_an_unknown_text_encoding(
    codec: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(capsys, ["validate", str(folder / f"{codec}.json")])
    line = _assert_one_line(code, err)
    assert "unknown text encoding" in line and codec in line


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("missing/p.csv", "cannot be written in this folder"),
        ("folder", "it is a folder"),
        ("/dev/full", "it is a device"),
        ("fifo", "it is a named pipe"),
    ],
)
def test_predict_output_that_cannot_be_written_is_one_line(
    target: str, words: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = target if target.startswith("/") else str(folder / target)
    code, err = _run(
        capsys,
        ["predict", str(folder / "trained.nnsproj"), "--data", str(folder / "brand_price.csv"),
         "-o", out],
    )  # fmt: skip
    assert words in _assert_one_line(code, err)


def test_predict_into_a_read_only_folder_is_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root writes into any folder, so the folder's refusal is what the system would say.
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", read_only)
    code, err = _run(
        capsys,
        ["predict", str(folder / "trained.nnsproj"), "--data", str(folder / "brand_price.csv"),
         "-o", str(folder / "p.csv")],
    )  # fmt: skip
    line = _assert_one_line(code, err)
    assert "cannot be written in this folder (Permission denied)" in line
    assert not (folder / "p.csv").exists()


def test_predict_onto_a_full_disk_leaves_the_previous_output_and_says_so(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = folder / "previous.csv"
    out.write_text("previous predictions\n", "utf-8")
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    code, err = _run(
        capsys,
        ["predict", str(folder / "trained.nnsproj"), "--data", str(folder / "brand_price.csv"),
         "-o", str(out)],
    )  # fmt: skip
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)
    line = _assert_one_line(code, err)
    assert "No space left on device" in line and "unchanged" in line
    assert out.read_text("utf-8") == "previous predictions\n"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("x"), MemoryError(), ValueError])
def test_an_unexpected_error_is_one_line_naming_the_command_and_internal_error(
    command: str,
    error: BaseException,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(cli, "_load", broken)
    argv = [command, str(folder / "trained.nnsproj"), *_needs(command, folder)]
    code, err = _run(capsys, argv)
    line = _assert_one_line(code, err, expected_code=1)
    assert line.startswith(f"nnstudio {command}: internal error: "), line
    assert "--debug" in line


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_before_or_after_the_command(
    where: str, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected")

    monkeypatch.setattr(cli, "_load", broken)
    argv = ["summary", str(folder / "project.json")]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    code, err = _run(capsys, argv)
    assert code == 1
    assert "Traceback (most recent call last)" in err and "RuntimeError: injected" in err
    assert err.strip().splitlines()[-1].startswith("nnstudio summary: internal error: ")


def test_an_error_is_one_line_in_chinese_too(folder: Path, capsys: pytest.CaptureFixture[str]):
    code, err = _run(
        capsys, ["--lang", "zh_CN", "train", str(folder / "project.json"), "--optimizer", "bogus"]
    )
    _assert_one_line(code, err)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.text(max_size=20).filter(lambda s: s.strip().lower() not in KNOWN_OPTIMISERS))
def test_any_unknown_optimiser_name_is_one_line(
    name: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(capsys, ["train", str(folder / "project.json"), f"--optimizer={name}"])
    _assert_one_line(code, err)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(codec=st.sampled_from(sorted(set(aliases.values()))))
def test_any_codec_name_in_the_project_file_reads_or_fails_in_one_line(
    codec: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((folder / "project.json").read_text("utf-8"))
    doc["data"]["source"]["encoding"] = codec
    path = folder / f"codec-{codec}.json"
    path.write_text(json.dumps(doc), "utf-8")
    code, err = _run(capsys, ["validate", str(path)])
    assert code in (0, 2) and "Traceback" not in err
    if err:  # a refusal of the file itself; problems of the network go to stdout
        _assert_one_line(code, err)

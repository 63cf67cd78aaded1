"""The project file as a file: what is not a project, hostile archives, and atomic saving."""

from __future__ import annotations

import errno
import os
import pickle
import stat
import zipfile
import zlib
from pathlib import Path

import pytest

from nnstudio.core import atomic
from nnstudio.core.errors import ProjectError
from nnstudio.core.project import archive, load_project, save_project
from tests.core.test_project_support import (
    SAMPLES,
    members_of,
    patch_sizes,
    refused,
    rewrite,
    set_flag,
    write_zip,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


# --- files that are not projects -------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "nope.nnsproj", "file not found")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.nnsproj"
    path.write_bytes(b"")
    refused(path, "is empty (0 bytes)", "not an NN Studio project")


def test_folder(tmp_path: Path) -> None:
    refused(tmp_path, "is a folder, not a project file")


def test_png(tmp_path: Path) -> None:
    path = tmp_path / "picture.nnsproj"
    path.write_bytes(PNG)
    refused(path, "is a PNG image, not an NN Studio project")


def test_pickle_is_named_and_never_opened(tmp_path: Path) -> None:
    path = tmp_path / "model.nnsproj"
    path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    refused(path, "Python pickle", "never opens pickles")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.nnsproj"
    path.write_bytes(bytes(range(7, 250)) * 5)
    refused(path, "not an NN Studio project", "neither a project archive")


def test_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.nnsproj"
    path.write_text("my network has three layers\n", "utf-8")
    refused(path, "neither a project archive (.nnsproj) nor a project.json")


def test_json_that_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"name": "left-pad", "version": "1.3.0"}', "utf-8")
    refused(path, 'no "format": "nnstudio-project"')


def test_zip_without_project_json(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "photos.nnsproj", {"a.txt": b"hello"})
    refused(path, "is a zip archive but is not an NN Studio project (it has no project.json)")


def test_torch_save_file_is_not_a_project(tmp_path: Path) -> None:
    import torch

    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)  # a zip holding a pickle: never unpickled
    refused(path, "has no project.json")


def test_damaged_zip(tmp_path: Path, trained_file: Path) -> None:
    data = trained_file.read_bytes()
    path = tmp_path / "cut.nnsproj"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "is a damaged archive")


def test_oversized_bare_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.write(b"{")
        fh.truncate(archive.MEMBER_LIMITS["project.json"] + 10)
    refused(path, "too large to be a project.json")


# --- hostile archives -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../evil.json", "a/../../evil.json", "..\\evil.json", "C:/x.json", "\\x"],
)
def test_unsafe_entry_paths(tmp_path: Path, trained_file: Path, name: str) -> None:
    members = members_of(trained_file)
    members[name] = b"x"
    path = write_zip(tmp_path / "slip.nnsproj", members)
    refused(path, "unsafe path", "not opened")


def test_duplicate_entries(tmp_path: Path, trained_file: Path) -> None:
    members = list(members_of(trained_file).items())
    members.append(("project.json", b'{"format": "nnstudio-project", "format_version": 99}'))
    path = write_zip(tmp_path / "twice.nnsproj", members)
    refused(path, "holds 'project.json' twice")


def test_duplicate_foreign_entries_are_refused_too(tmp_path: Path, trained_file: Path) -> None:
    members = [*members_of(trained_file).items(), ("notes.txt", b"a"), ("notes.txt", b"b")]
    refused(write_zip(tmp_path / "twice.nnsproj", members), "holds 'notes.txt' twice")


def test_foreign_entries_are_ignored(tmp_path: Path, trained_file: Path) -> None:
    members = members_of(trained_file)
    members["payload.pkl"] = pickle.dumps(print)
    project = load_project(write_zip(tmp_path / "extra.nnsproj", members))
    assert project.weights is not None


def test_zip_bomb_by_ratio(tmp_path: Path, trained_file: Path) -> None:
    members = members_of(trained_file)
    members["history.json"] = b" " * (64 * 1024 * 1024 - 1)  # deflates about 1000:1
    refused(write_zip(tmp_path / "bomb.nnsproj", members), "history.json would expand", "zip bomb")


def test_header_claiming_too_much(tmp_path: Path, trained_file: Path) -> None:
    data = patch_sizes(trained_file.read_bytes(), "project.json", file_size=2**31)
    path = tmp_path / "claims.nnsproj"
    path.write_bytes(data)
    refused(path, "project.json claims 2,147,483,648 bytes", "more than an honest project holds")


def test_header_lying_small(tmp_path: Path, trained_file: Path) -> None:
    members = members_of(trained_file)
    members["history.json"] = b"[" + b"0," * 300_000 + b"0]"
    honest = write_zip(tmp_path / "honest.nnsproj", members).read_bytes()
    path = tmp_path / "liar.nnsproj"
    path.write_bytes(patch_sizes(honest, "history.json", file_size=1000))
    refused(path, "history.json in the archive is damaged or does not match its header")


def test_header_lying_large(tmp_path: Path, trained_file: Path) -> None:
    path = tmp_path / "liar.nnsproj"
    path.write_bytes(patch_sizes(trained_file.read_bytes(), "history.json", file_size=900_000))
    refused(path, "history.json", "does not match its header")


def test_total_size_cap(
    tmp_path: Path, trained_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "TOTAL_LIMIT", 1000)
    refused(trained_file, "in all, more than an honest project holds")


def test_too_many_entries(tmp_path: Path, trained_file: Path) -> None:
    members = members_of(trained_file)
    members.update({f"junk/{i}.txt": b"" for i in range(archive.MAX_ENTRIES)})
    refused(write_zip(tmp_path / "many.nnsproj", members), "entries; a project holds four")


def test_encrypted_entry(tmp_path: Path, trained_file: Path) -> None:
    path = tmp_path / "locked.nnsproj"
    path.write_bytes(set_flag(trained_file.read_bytes(), 0x1))
    refused(path, "is encrypted")


def test_other_compression(tmp_path: Path, trained_file: Path) -> None:
    path = write_zip(tmp_path / "bz.nnsproj", members_of(trained_file), zipfile.ZIP_BZIP2)
    refused(path, "uses a compression NN Studio does not write")


def test_corrupt_member_crc(tmp_path: Path, trained_file: Path) -> None:
    stored = write_zip(tmp_path / "s.nnsproj", members_of(trained_file), zipfile.ZIP_STORED)
    data = bytearray(stored.read_bytes())
    pos = data.find(b'"format"')
    data[pos + 2] ^= 0x20  # flip one byte inside project.json
    path = tmp_path / "flipped.nnsproj"
    path.write_bytes(bytes(data))
    refused(path, "project.json in the archive is damaged", "CRC")


def test_member_that_is_a_pickle(tmp_path: Path, trained_file: Path) -> None:
    path = rewrite(trained_file, tmp_path / "p.nnsproj", weights_safetensors=pickle.dumps([1]))
    refused(path, "weights.safetensors is damaged or not a safetensors file")


# --- saving -------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_is_atomic_when_replace_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    target = save_project(project, tmp_path / "iris.nnsproj")
    before = target.read_bytes()
    project.name = "changed"

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(archive.os, "replace", full_disk)
    with pytest.raises(ProjectError) as info:
        save_project(project)
    assert "the previous file is unchanged" in str(info.value)
    assert "No space left on device" in str(info.value)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_save_is_atomic_when_the_write_fails_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    original = project.description
    target = save_project(project, tmp_path / "iris.nnsproj")
    before = target.read_bytes()
    real_open = open

    class HalfWriter:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])  # type: ignore[attr-defined]
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(
        atomic, "open", lambda path, mode: HalfWriter(real_open(path, mode)), raising=False
    )
    project.description = "a longer description " * 100
    with pytest.raises(ProjectError, match="the previous file is unchanged"):
        save_project(project)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []
    monkeypatch.delattr(atomic, "open")
    assert load_project(target).description == original


def test_failed_first_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(archive.os, "fsync", failing_fsync)
    with pytest.raises(ProjectError, match="could not be saved"):
        save_project(load_project(SAMPLES / "iris.nnsproj"), tmp_path / "new.nnsproj")
    assert list(tmp_path.iterdir()) == []


def test_save_flushes_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(archive.os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    save_project(load_project(SAMPLES / "iris.nnsproj"), tmp_path / "x.nnsproj")
    assert calls, "the temporary file must be fsynced before it replaces the target"


def test_unwritable_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "x.nnsproj"
    with pytest.raises(ProjectError, match="cannot be saved in this folder"):
        save_project(load_project(SAMPLES / "iris.nnsproj"), target)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_follow_umask_and_existing_file(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    old = os.umask(0o022)
    try:
        target = save_project(project, tmp_path / "x.nnsproj")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0600
    os.chmod(target, 0o640)
    save_project(project)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_save_through_symlink(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "iris.nnsproj")
    real = save_project(project, tmp_path / "real.nnsproj")
    link = tmp_path / "link.nnsproj"
    link.symlink_to(real)
    project.name = "through the link"
    save_project(project, link)
    assert link.is_symlink()
    assert load_project(real).name == "through the link"


def test_saving_is_deterministic(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "brand_price.nnsproj")
    a = save_project(project, tmp_path / "a.nnsproj").read_bytes()
    b = save_project(project, tmp_path / "b.nnsproj").read_bytes()
    assert a == b


def test_json_is_written_as_utf8(tmp_path: Path) -> None:
    project = load_project(SAMPLES / "brand_price.nnsproj")
    project.name = "价格区间 ☃ — ünïcödé"
    path = save_project(project, tmp_path / "utf8.nnsproj")
    raw = members_of(path)["project.json"]
    assert "价格区间 ☃ — ünïcödé".encode() in raw
    assert b"\\u" not in raw
    raw.decode("utf-8")
    assert load_project(path).name == project.name


def test_member_layout(tmp_path: Path, trained_file: Path) -> None:
    with zipfile.ZipFile(trained_file) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    assert list(infos) == [
        "project.json",
        "weights.safetensors",
        "optimizer.safetensors",
        "history.json",
        "runs/1.last.safetensors",  # the run that trained it (format version 4)
    ]
    assert infos["project.json"].compress_type == zipfile.ZIP_DEFLATED
    assert infos["weights.safetensors"].compress_type == zipfile.ZIP_STORED
    assert zlib.crc32(members_of(trained_file)["project.json"]) == infos["project.json"].CRC

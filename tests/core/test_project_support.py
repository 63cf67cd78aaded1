"""Helpers shared by the project-file tests (no tests here).

Hostile files are made by taking a real saved project apart and putting it back together with
one thing changed, so each test shows exactly which change the loader refuses.
"""

from __future__ import annotations

import atexit
import functools
import io
import json
import shutil
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import torch

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import Project, load_project, save_project
from nnstudio.core.training import EpochReport, ReportPolicy, TrainingResult, train
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.plan import plan_run, store_result

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.nnsproj"))
FIXTURES = REPO / "tests" / "fixtures"
DOC = REPO / "docs" / "project-format.md"


def train_project(
    project: Project, *, resume: bool = False, stop_after: int | None = None
) -> TrainingResult:
    """Plan, train and store like the GUI does; ``stop_after`` interrupts after that epoch."""
    control = TrainingControl()

    def on_event(event: Any) -> None:
        if isinstance(event, EpochReport) and event.epoch == stop_after:
            control.stop()

    # Tiny networks train fastest on one thread, and many times faster on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = plan_run(project, resume=resume)
            result = train(plan.job, on_event, control, policy=ReportPolicy(batches=True))
    finally:
        torch.set_num_threads(threads)
    store_result(project, plan, result)
    return result


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(
    path: Path,
    members: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A zip of ``members`` (pairs may repeat a name, which zipfile only warns about)."""
    items = members.items() if isinstance(members, Mapping) else members
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w", compression=compression) as archive:
            for name, data in items:
                archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def rewrite(source: Path, target: Path, **changes: bytes | None) -> Path:
    """A copy of project ``source`` with members replaced (``None`` removes one).

    Keyword names use ``_`` for ``.``: ``weights_safetensors=...``.
    """
    members = members_of(source)
    for key, value in changes.items():
        name = key.replace("_safetensors", ".safetensors").replace("_json", ".json")
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value
    return write_zip(target, members)


def project_doc(path: Path) -> dict[str, Any]:
    return json.loads(members_of(path)["project.json"])


def with_doc(source: Path, target: Path, doc: Any) -> Path:
    return rewrite(source, target, project_json=json.dumps(doc, ensure_ascii=False).encode())


def patch_sizes(data: bytes, name: str, *, file_size: int) -> bytes:
    """Change the uncompressed size both zip headers give for ``name`` (a lying header)."""
    out = bytearray(data)
    encoded = name.encode()
    # (signature, offset of the name length, of the name, of the uncompressed size)
    headers = ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24))  # local, central
    for signature, name_length_at, name_at, size_at in headers:
        pos = 0
        while (pos := out.find(signature, pos)) >= 0:
            n = struct.unpack_from("<H", out, pos + name_length_at)[0]
            if out[pos + name_at : pos + name_at + n] == encoded:
                struct.pack_into("<I", out, pos + size_at, file_size)
            pos += 4
    return bytes(out)


def refused(path: Path, *fragments: str) -> str:
    """Load ``path`` expecting a ProjectError whose message holds every fragment; its message."""
    with pytest.raises(ProjectError) as info:
        load_project(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert message.count(str(path)) == 1, f"the file should be named once: {message}"
    return message


def set_flag(data: bytes, bit: int) -> bytes:
    """Set a general-purpose flag bit on every entry (0x1: encrypted)."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = 0
        while (pos := out.find(sig, pos)) >= 0:
            flags = struct.unpack_from("<H", out, pos + offset)[0]
            struct.pack_into("<H", out, pos + offset, flags | bit)
            pos += 4
    return bytes(out)


def zip_bytes_of(members: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_trained(folder: Path) -> Path:
    """Iris trained for two epochs with Adam and a multistep schedule, saved in ``folder``."""
    project = load_project(SAMPLES / "iris.nnsproj")
    project.training = project.training.replace(
        epochs=2, schedule={"name": "multistep", "milestones": [1, 5]}
    )
    train_project(project)
    return save_project(project, folder / "trained.nnsproj")


@functools.cache
def trained_path() -> Path:
    """A trained project file shared by every test that takes one apart (made once)."""
    folder = Path(tempfile.mkdtemp(prefix="nnstudio-trained-"))
    atexit.register(shutil.rmtree, folder, True)
    return make_trained(folder)

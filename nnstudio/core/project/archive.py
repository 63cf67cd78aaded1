"""Reading and writing the project zip safely.

Reading never extracts: members are read by name from an allow-list, each with a size cap
checked both against the header and while reading (headers can lie), and a compression-ratio
cap stops zip bombs. Writing goes to a temporary file in the target folder which replaces the
old file only once it is complete and flushed to disk, so a crash or a full disk during a save
never damages the previous file.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from nnstudio.core.errors import ProjectError

MB = 1024 * 1024
#: Largest honest size of each member; a project with bigger weights is not a teaching tool.
MEMBER_LIMITS = {
    "project.json": 16 * MB,
    "history.json": 256 * MB,
    "weights.safetensors": 2048 * MB,
    "optimizer.safetensors": 4096 * MB,
}
#: Deflate rarely beats 20:1 on real projects; 1000:1 means a crafted bomb.
MAX_RATIO = 1000
ZIP_MAGIC = b"PK\x03\x04"


def _check_name(name: str, where: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise ProjectError(
            f"the archive holds an entry with an unsafe path {name!r}; it was not opened",
            where=where,
        )


def read_members(path: Path) -> dict[str, bytes]:
    """The allow-listed members of a project zip, or of a plain ``project.json`` file."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except FileNotFoundError:
        raise ProjectError("file not found", where=where) from None
    except IsADirectoryError:
        raise ProjectError("is a folder, not a project file", where=where) from None
    except OSError as exc:
        raise ProjectError(f"cannot be read ({exc.strerror})", where=where) from None
    if head != ZIP_MAGIC:
        size = path.stat().st_size
        if size > MEMBER_LIMITS["project.json"]:
            raise ProjectError(
                "is not an NN Studio project (too large for a project "
                "description and not a project archive)",
                where=where,
            )
        return {"project.json": path.read_bytes()}
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ProjectError(f"is a damaged archive ({exc})", where=where) from None
    members: dict[str, bytes] = {}
    with archive:
        infos = archive.infolist()
        for info in infos:
            _check_name(info.filename, where)
        for info in infos:
            name = info.filename
            limit = MEMBER_LIMITS.get(name)
            if limit is None:
                continue  # not ours: ignored, never read
            if name in members:
                raise ProjectError(f"the archive holds {name} twice", where=where)
            if info.file_size > limit:
                raise ProjectError(
                    f"{name} claims {info.file_size:,} bytes, more than an honest "
                    f"project holds ({limit:,})",
                    where=where,
                )
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise ProjectError(
                    f"{name} expands {info.file_size // info.compress_size}× — a "
                    "zip bomb, not a project",
                    where=where,
                )
            try:
                with archive.open(info) as fh:
                    data = fh.read(limit + 1)
            except (
                zipfile.BadZipFile,
                OSError,
                ValueError,
                NotImplementedError,
                EOFError,
                RuntimeError,
            ) as exc:
                raise ProjectError(
                    f"{name} in the archive is damaged ({exc})", where=where
                ) from None
            if len(data) > limit:
                raise ProjectError(f"{name} is larger than it claims: refused", where=where)
            members[name] = data
    if "project.json" not in members:
        raise ProjectError(
            "is an archive but not an NN Studio project (no project.json)", where=where
        )
    return members


def write_atomic(path: Path, members: Mapping[str, bytes]) -> None:
    """Write a zip of ``members`` to ``path`` so the old file survives any failure."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ProjectError(f"cannot save here ({exc.strerror})", where=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ProjectError(
            f"could not be saved ({exc.strerror}); the previous file is unchanged", where=str(path)
        ) from None

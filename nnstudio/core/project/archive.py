"""Reading and writing the project file safely.

Reading never extracts: members are read by name from an allow-list into memory, each with a
size cap checked against the header before reading and against the bytes actually produced
(headers can lie), compression-ratio and total-size caps stop zip bombs, and any entry with an
absolute or ``..`` path, or a name given twice, makes the whole file suspect. Writing goes to
a temporary file in the target folder that replaces the old file only once it is complete and
flushed to disk, so a crash or a full disk during a save never damages the previous file.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from nnstudio.core import atomic
from nnstudio.core.errors import ProjectError
from nnstudio.i18n import N_, _

MB = 1024 * 1024
#: Largest honest size of each member. A bigger network is not a teaching tool, and these caps
#: are what keeps a crafted file from filling the memory.
MEMBER_LIMITS = {
    "project.json": 16 * MB,
    "history.json": 64 * MB,
    "weights.safetensors": 1024 * MB,
    "optimizer.safetensors": 2048 * MB,
}
MEMBERS = tuple(MEMBER_LIMITS)
#: Each stored run's weights (``runs/<id>.last.safetensors`` and ``.best``): a run keeps the
#: network's weights only (no optimiser state), so the weights' own cap applies.
RUN_MEMBER = re.compile(r"runs/[1-9][0-9]{0,8}\.(last|best)\.safetensors")
RUN_MEMBER_LIMIT = MEMBER_LIMITS["weights.safetensors"]
#: All members together (an optimiser keeps at most about twice the weights).
TOTAL_LIMIT = 3 * 1024 * MB
#: Real projects hold four entries plus two per stored run (at most 204); thousands of
#: entries are a way to waste time and memory.
MAX_ENTRIES = 256
#: Deflate rarely beats 20:1 on real projects and cannot beat about 1030:1; a member that
#: claims more than this, once it is big enough to matter, is a crafted bomb.
MAX_RATIO = 200
RATIO_FLOOR = 1 * MB
ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")
#: What people pick by mistake, so the message can say what the file is.
_OTHER_FORMATS = (
    (b"\x89PNG\r\n\x1a\n", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
    (b"%PDF", N_("a PDF document")),
    (b"\x1f\x8b", N_("a gzip archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")),
    (b"Rar!", N_("a RAR archive")),
    (b"\xd0\xcf\x11\xe0", N_("an old Microsoft Office document")),
    (b"\x80", N_("a Python pickle (NN Studio never opens pickles)")),
)
_ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Fixed entry time, so saving the same project twice gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def is_run_member(name: str) -> bool:
    """Whether ``name`` is a stored run's weights member (see :data:`RUN_MEMBER`)."""
    return RUN_MEMBER.fullmatch(name) is not None


def _limit(name: str) -> int | None:
    """The size cap of an allow-listed member; None for names NN Studio does not read."""
    if name in MEMBER_LIMITS:
        return MEMBER_LIMITS[name]
    return RUN_MEMBER_LIMIT if is_run_member(name) else None


def _check_name(name: str) -> None:
    """Refuse entry names an extracting tool would write outside its folder."""
    unsafe = (
        not name
        or "\x00" in name
        or name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in PurePosixPath(name.replace("\\", "/")).parts
    )
    if unsafe:
        raise ProjectError(
            _(
                "the archive holds an entry with an unsafe path {name!r} (absolute or leading "
                "out of its folder): a crafted file, not opened"
            ).format(name=name[:80])
        )


def read_members(path: Path, only: Collection[str] | None = None) -> tuple[dict[str, bytes], bool]:
    """The allow-listed members of a project zip, or ``{"project.json": ...}`` for a bare file,
    and whether the file was an archive. ``only`` reads just those members (all checks still
    apply to the archive's directory).

    Raises ProjectError without ``where``: the caller names the file once.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            size = os.fstat(fh.fileno()).st_size
    except FileNotFoundError:
        raise ProjectError(_("file not found: check the name and folder")) from None
    except IsADirectoryError:
        raise ProjectError(
            _("is a folder, not a project file: choose a .nnsproj file inside it")
        ) from None
    except PermissionError:
        raise ProjectError(_("cannot be read: you do not have permission to open it")) from None
    except OSError as exc:
        raise ProjectError(
            _("cannot be read ({reason})").format(reason=exc.strerror or exc)
        ) from None
    if size == 0 or not head:
        raise ProjectError(_("is empty (0 bytes), so it is not an NN Studio project"))
    if head.startswith(ZIP_HEADS):
        return _read_zip(path, only), True
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            raise ProjectError(_("is {what}, not an NN Studio project").format(what=_(what)))
    if size > MEMBER_LIMITS["project.json"]:
        raise ProjectError(
            _(
                "is not an NN Studio project: it is not a project archive, and at {size:,} "
                "bytes it is too large to be a project.json"
            ).format(size=size)
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectError(
            _("cannot be read ({reason})").format(reason=exc.strerror or exc)
        ) from None
    return {"project.json": data}, False


def read_project_name(path: str | os.PathLike[str]) -> str | None:
    """The name a project file gives itself, read cheaply (for menus); None if unreadable.

    Only ``project.json`` is read, through the same checks as a full load.
    """
    try:
        members, _archive = read_members(Path(path), only={"project.json"})
        name = json.loads(members["project.json"]).get("name")
    except (ProjectError, ValueError, KeyError, AttributeError, RecursionError):
        return None
    return name if isinstance(name, str) and name.strip() else None


def _read_zip(path: Path, only: Collection[str] | None = None) -> dict[str, bytes]:
    zip_file = _open_zip(path)
    with zip_file:
        ours = _checked_directory(zip_file)
        return {
            info.filename: _read_member(zip_file, info)
            for info in ours
            if only is None or info.filename in only
        }


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ProjectError(
            _("is a damaged archive ({problem}); open a backup or ask for a new copy").format(
                problem=_short(str(exc))
            )
        ) from None


def _checked_directory(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Our members' entries, after every check that needs only the archive's directory."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ProjectError(
            _(
                "is an archive of {n:,} entries; a project holds four, so it is not an NN "
                "Studio project"
            ).format(n=len(infos))
        )
    seen: set[str] = set()
    for info in infos:
        _check_name(info.filename)
        if info.filename in seen:
            raise ProjectError(
                _(
                    "the archive holds {name!r} twice; which one is meant is unclear, so it "
                    "was not opened (a crafted or damaged file)"
                ).format(name=info.filename[:80])
            )
        seen.add(info.filename)
    ours = [info for info in infos if _limit(info.filename) is not None]
    if not any(info.filename == "project.json" for info in ours):
        raise ProjectError(
            _("is a zip archive but is not an NN Studio project (it has no project.json)")
        )
    total = 0
    for info in ours:
        _check_header(info)
        total += info.file_size
        if total > TOTAL_LIMIT:
            raise ProjectError(
                _(
                    "claims {total:,} bytes in all, more than an honest project holds: "
                    "refused as a zip bomb"
                ).format(total=total)
            )
    return ours


class Members(Mapping[str, bytes]):
    """A project archive's members, each read only when asked for.

    The loader first reads ``project.json`` alone; the network it describes then says how
    large its weights can honestly be, and a member that declares more is refused from its
    header (:meth:`size`, :meth:`head`) before a byte of it is expanded. A plain ``dict`` of
    members (a bare project.json, or a project being saved) serves the loader the same way.
    """

    def __init__(self, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
        self._archive = archive
        self._infos = {info.filename: info for info in infos}
        self._read: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self._read:
            self._read[name] = _read_member(self._archive, self._infos[name])
        return self._read[name]

    def __contains__(self, name: object) -> bool:
        # Mapping's default would read the member to answer.
        return name in self._infos

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def size(self, name: str) -> int:
        """The size the archive's directory declares (checked against the bytes on reading)."""
        return self._infos[name].file_size

    def head(self, name: str, n: int) -> bytes:
        """The first ``n`` bytes of a member, expanding no more than that."""
        if name in self._read:
            return self._read[name][:n]
        try:
            with self._archive.open(self._infos[name]) as fh:
                return fh.read(n)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
            raise ProjectError(
                _(
                    "{name} in the archive is damaged or does not match its header ({problem}); "
                    "open a backup or ask for a new copy"
                ).format(name=name, problem=_short(str(exc)))
            ) from None


def member_size(members: Mapping[str, bytes], name: str) -> int:
    """A member's size without reading it (where the members are read on demand)."""
    return members.size(name) if isinstance(members, Members) else len(members[name])


def member_head(members: Mapping[str, bytes], name: str, n: int) -> bytes:
    """A member's first ``n`` bytes without reading the rest."""
    return members.head(name, n) if isinstance(members, Members) else members[name][:n]


@contextmanager
def open_members(path: Path) -> Iterator[tuple[Mapping[str, bytes], bool]]:
    """Like :func:`read_members`, but an archive's members are read when first asked for."""
    try:
        with open(path, "rb") as probe:
            head = probe.read(8)
    except OSError:
        head = b""  # read_members says why, in its words
    if not head.startswith(ZIP_HEADS):
        yield read_members(path)
        return
    zip_file = _open_zip(path)
    with zip_file:
        yield Members(zip_file, _checked_directory(zip_file)), True


def _check_header(info: zipfile.ZipInfo) -> None:
    name, limit = info.filename, _limit(info.filename)
    assert limit is not None
    if info.compress_type not in _ALLOWED_COMPRESSION:
        raise ProjectError(
            _(
                "{name} uses a compression NN Studio does not write (method {method}); save the "
                "project again from NN Studio"
            ).format(name=name, method=info.compress_type)
        )
    if info.flag_bits & 0x1:
        raise ProjectError(_("{name} is encrypted; NN Studio projects never are").format(name=name))
    if info.file_size > limit:
        raise ProjectError(
            _(
                "{name} claims {size:,} bytes, more than an honest project holds ({limit:,}): "
                "refused as a zip bomb"
            ).format(name=name, size=info.file_size, limit=limit)
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ProjectError(
            _("{name} would expand {ratio:,} times: refused as a zip bomb").format(
                name=name, ratio=info.file_size // max(info.compress_size, 1)
            )
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    name = info.filename
    try:
        with archive.open(info) as fh:
            # zipfile stops at the size the header declares and then checks the CRC, so a
            # header that lies about the size ends in an error here, never in a big read.
            data = fh.read(info.file_size + 1)
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        NotImplementedError,
        EOFError,
        RuntimeError,
        OverflowError,
        zlib.error,
    ) as exc:
        raise ProjectError(
            _(
                "{name} in the archive is damaged or does not match its header ({problem}); "
                "open a backup or ask for a new copy"
            ).format(name=name, problem=_short(str(exc)))
        ) from None
    if len(data) != info.file_size:
        raise ProjectError(
            _(
                "{name} does not match its header: it holds {size:,} bytes, the header says "
                "{declared:,} (a damaged or crafted file)"
            ).format(name=name, size=len(data), declared=info.file_size)
        )
    return data


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A deterministic zip of ``members``: JSON deflated, tensors stored (they hardly shrink)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = (
                zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the old file survives any failure (see
    :mod:`nnstudio.core.atomic`), with a message that says the old file is unchanged."""
    try:
        atomic.write_bytes(path, data)
    except atomic.NotARegularFile as exc:
        raise ProjectError(
            _("was not saved: {reason}; give the name of a file to save to").format(
                reason=exc.strerror
            ),
            where=str(path),
        ) from None
    except atomic.FolderNotWritable as exc:
        raise ProjectError(
            _(
                "cannot be saved in this folder ({reason}); the previous file is unchanged. "
                "Choose another folder"
            ).format(reason=exc.strerror or exc),
            where=str(path),
        ) from None
    except OSError as exc:
        raise ProjectError(
            _(
                "could not be saved ({reason}); the previous file is unchanged. Free some disk "
                "space or choose another folder, then save again"
            ).format(reason=exc.strerror or exc),
            where=str(path),
        ) from None


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Reading CSV files the way students actually have them.

Files come from Excel (UTF-8 with a BOM, semicolons in some locales, GBK on Chinese Windows),
from pandas (comma, UTF-8) or typed by hand (no header, a stray extra comma). The text is split
with the standard :mod:`csv` module, so every problem can be reported with its line number, and
then each column is turned into a pandas column of numbers or of text.

Columns where every filled cell is a number become numeric; anything else stays text, exactly as
written, so the column table can show the junk and the user can decide (fix the file or call
the column categorical). Junk is reported by :mod:`~nnstudio.core.data.columns`, not here.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio.core.data.columns import NA_LOWER, is_na_text, parse_number, parse_texts, quote
from nnstudio.core.data.data_settings import DELIMITERS, DataSource, is_text_encoding
from nnstudio.core.data.legacy_encodings import classify_lines
from nnstudio.core.data.table import Table
from nnstudio.core.errors import Cancelled, DataEncodingError, DataError
from nnstudio.i18n import N_, _, ngettext

CANDIDATE_DELIMITERS = (",", ";", "\t")
#: Files larger than this are refused: they would not fit a teaching tool's memory anyway.
MAX_FILE_BYTES = 1 << 30
#: A physical line longer than this is not a row of a table (a file of one endless line, a
#: binary file without newlines); refused before the text is split, so the cost stays linear.
MAX_LINE_BYTES = 1 << 20
#: More columns than a project can describe (the project format lists at most this many
#: column names) are refused from the first row that has them.
MAX_COLUMNS = 2_000
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 50
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


#: Rows split between two cancellation checks.
_CHUNK_ROWS = 20_000

#: A cancellation check: raises :class:`~nnstudio.core.errors.Cancelled` when asked to stop.
Check = Callable[[], None]


def _never() -> None:
    """The check of a read nobody can cancel."""


def _checker(should_stop: Callable[[], bool] | None) -> Check:
    """Turn the caller's ``should_stop`` question into a check that raises ``Cancelled``."""
    if should_stop is None:
        return _never

    def check() -> None:
        if should_stop():
            raise Cancelled("reading the CSV file was cancelled")

    return check


def read_csv(
    path: str | os.PathLike[str],
    *,
    encoding: str = "auto",
    delimiter: str = "auto",
    max_rows: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Table:
    """Read a CSV file into a :class:`Table`; every problem is a one-line DataError.

    ``encoding`` "auto" tries UTF-8 (with or without BOM), then GB18030 (a superset of GBK),
    or cp1252 when every non-ASCII line reads as Western words (Latin-1); a file mixing these
    is refused with its lines named.
    ``delimiter`` "auto" picks among comma, semicolon and tab. ``max_rows`` stops after that
    many data rows (a quick preview of a big file). ``should_stop`` is asked between the
    steps of the work (read, decode, each column, every few thousand rows); when it answers
    True the read raises :class:`~nnstudio.core.errors.Cancelled`, so a window can offer
    Cancel for a big file without the core knowing about threads or Qt.
    """
    check = _checker(should_stop)
    file = Path(os.fspath(path)).expanduser()
    absolute = str(file.absolute())
    label = file.name or str(path)
    if delimiter not in DELIMITERS:
        raise DataError(
            _("{label}: the delimiter must be comma, semicolon, tab or auto, not {value}").format(
                label=label, value=quote(delimiter)
            ),
            where=absolute,
        )
    check()
    data = _read_bytes(file, label, absolute)
    check()
    source = DataSource(kind="csv", path=os.fspath(path), encoding=encoding, delimiter=delimiter)
    # The whole file as UTF-8 bytes; errors (binary, zip, not text) are raised here, exactly
    # as the careful reader words them. Big files stay bytes: a Python str of the whole file,
    # and above all an io.StringIO of it (four bytes a character), cost far more than the table.
    data, detected = _as_utf8(data, encoding, label, absolute)
    check()
    result = None
    chosen = delimiter
    if max_rows is None or max_rows > _SNIFF_ROWS:
        fast = _fast_frame(data, delimiter, label, absolute, max_rows, check)
        if fast is not None:
            frame, has_header, warnings, chosen = fast
            result = frame, has_header, warnings
    if result is None:
        text = data.decode("utf-8", "surrogatepass")
        del data
        if not text.strip():
            raise DataError(
                _("{label} is empty: it holds no rows").format(label=label), where=absolute
            )
        if delimiter == "auto":
            chosen = sniff_delimiter(text)
        rows = _split_rows(text, chosen, label, absolute, max_rows, check)
        del text
        result = _frame_from_rows(rows, chosen, label, absolute, check)
    frame, has_header, warnings = result
    return Table(
        frame=frame,
        source=source,
        encoding=detected,
        delimiter=chosen,
        has_header=has_header,
        path=absolute,
        warnings=warnings,
    )


def _frame_from_rows(
    rows: list[tuple[int, list[str]]],
    delimiter: str,
    label: str,
    absolute: str,
    check: Check = _never,
) -> tuple[pd.DataFrame, bool, list[str]]:
    """The careful reader: Python's csv module, every problem with its line number."""
    if not rows:
        raise DataError(_("{label} is empty: it holds no rows").format(label=label), where=absolute)
    warnings: list[str] = []
    first_line, first = rows[0]
    has_header = detect_header(first, [r for _line, r in rows[1 : _SNIFF_ROWS + 1]])
    width = len(first)
    trimmed = False
    for line, row in rows[1:]:
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            del row[width:]
            trimmed = True
        if len(row) != width:
            if has_header:
                message = _("{label}, line {line} has {n} fields; the header has {width}")
            else:
                message = _("{label}, line {line} has {n} fields; line {first} has {width}")
            raise DataError(
                message.format(label=label, line=line, n=len(row), first=first_line, width=width),
                where=absolute,
            )
    if trimmed:
        warnings.append(_("some lines end with an extra delimiter; the empty fields were ignored"))
    if width > 1 and not first[-1].strip() and all(not r[-1].strip() for _line, r in rows[1:]):
        # Every line ends with the delimiter: an empty last column nobody meant to have.
        for _line, row in rows:
            row.pop()
        width -= 1
    if has_header:
        names = _header_names(first, label, absolute)
        body = [r for _line, r in rows[1:]]
    else:
        names = [f"column_{j + 1}" for j in range(width)]
        body = [r for _line, r in rows]
        warnings.append(
            _(
                "the first line holds data, not column names; columns are named column_1 … "
                "column_{width}"
            ).format(width=width)
        )
    if has_header and not body:
        raise DataError(
            _("{label} has a header but no data rows").format(label=label), where=absolute
        )
    decimal_comma = delimiter != ","
    columns = {}
    for j, name in enumerate(names):
        check()
        columns[name] = _column([r[j] for r in body], decimal_comma)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(body))), has_header, warnings


def _fast_frame(
    data: bytes,
    delimiter: str,
    label: str,
    absolute: str,
    max_rows: int | None,
    check: Check = _never,
) -> tuple[pd.DataFrame, bool, list[str], str] | None:
    """A parser written in C for the common, well-formed file; None sends it to the careful reader.

    ``data`` is the file as UTF-8 bytes; the result adds the delimiter chosen. It must equal
    what :func:`_frame_from_rows` gives, so anything unusual (ragged or short rows, trailing
    delimiters, infinities, a header problem) falls back rather than being handled twice.
    Numeric columns come from the parser (its floats equal Python's ``float``, which a
    property test checks); text columns go through :func:`_column` as in the careful reader.

    Only the first lines are looked at in Python (delimiter, header, width); whole-file checks
    are byte counts, and no copy of the file is made, so a million-row table costs little
    more than the parser itself.
    """
    head_text, whole = _head_text(data)
    if not head_text.strip():
        return None
    if delimiter == "auto":
        delimiter = sniff_delimiter(head_text)
    head = _head_rows(data, head_text, whole, delimiter, label, absolute)
    if head is None or len(head) < 2:
        return None
    first = head[0][1]
    width = len(first)
    if any(len(r) != width for _line, r in head) or width < 1:
        return None
    has_header = detect_header(first, [r for _line, r in head[1:]])
    if not has_header:
        return None  # rare; the careful reader names the columns and warns
    names = _header_names(first, label, absolute)
    if not first[-1].strip():
        return None
    quoted = b'"' in data
    engine = csv_engine() if max_rows is None else "c"  # pyarrow cannot stop after n rows
    options = dict(
        sep=delimiter,
        header=None,
        skiprows=_skip_to_data(head_text),
        quotechar='"',
        doublequote=True,
    )
    c_only = dict(skip_blank_lines=True, nrows=max_rows)
    try:
        parsed = _read_pyarrow(data, options) if engine == "pyarrow" else None
        if parsed is None:
            parsed = _read_c(data, width, options, c_only)
        if parsed is None:
            return None
        typed, n_rows = parsed
        text_columns = [j for j, numbers in enumerate(typed) if numbers is None]
        raw = None
        if quoted or text_columns:
            raw = pd.read_csv(
                io.BytesIO(data),
                encoding="utf-8",
                engine="c",
                dtype=str,
                na_filter=False,
                usecols=None if quoted else text_columns,
                **options,
                **c_only,
            )
    except (
        ValueError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        csv.Error,
        UnicodeError,
        OverflowError,
    ):
        return None
    if raw is not None:
        if len(raw) != n_rows or raw.isna().to_numpy().any():
            return None  # a short row: let the careful reader name its line
        raw.columns = list(range(width)) if raw.shape[1] == width else text_columns
    decimal_comma = delimiter != ","
    columns: dict[str, np.ndarray | pd.Series] = {}
    gaps = bool(text_columns)
    for j, name in enumerate(names):
        check()
        if typed[j] is not None:
            numbers = _numeric_column(typed[j])
            typed[j] = None  # the parser's array goes as soon as its typed copy exists
            if numbers is None:
                return None
            gaps = gaps or (numbers.dtype.kind == "f" and bool(np.isnan(numbers).any()))
            columns[name] = numbers
        else:
            assert raw is not None
            columns[name] = _column(list(raw[j]), decimal_comma)
    del raw
    if gaps and not quoted and not _every_line_has(data, delimiter, width, n_rows):
        # The parser fills a short row with empty cells; the careful reader refuses it.
        return None
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n_rows), copy=False)
    return frame, has_header, [], delimiter


#: Cells per slice the C parser hands over at a time (2 MB of float64): small slices keep
#: the parser's own buffers small beside the table.
_SLICE_CELLS = 1 << 18


def _read_c(
    data: bytes, width: int, options: dict, c_only: dict
) -> tuple[list[np.ndarray | None], int] | None:
    """Each column's numbers (float64; None for a text column) and the number of rows.

    pandas' C parser reads the file in slices, each copied into one array per column that is
    allocated once (the file has at most as many rows as line ends): a plain ``read_csv``
    would hold every slice and then their concatenation, twice the table.
    """
    if c_only.get("nrows") is not None:
        capacity = int(c_only["nrows"])  # a preview: no need to count the file's lines
    else:
        capacity = max(_count_byte(data, 0x0A), _count_byte(data, 0x0D)) + 1
    columns: list[np.ndarray | None] = [np.empty(capacity, dtype="float64") for _ in range(width)]
    filled = 0
    reader = pd.read_csv(
        io.BytesIO(data),
        encoding="utf-8",
        engine="c",
        na_values=sorted(_NA_VARIANTS),
        keep_default_na=False,
        chunksize=max(1, _SLICE_CELLS // width),
        **options,
        **c_only,
    )
    with reader:
        for part in reader:
            n = len(part)
            if part.shape[1] != width or filled + n > capacity:
                return None
            for j in range(width):
                target = columns[j]
                if target is None:
                    continue
                values = part.iloc[:, j]
                if values.dtype.kind in "iuf":
                    target[filled : filled + n] = values.to_numpy()
                else:
                    columns[j] = None  # text (or True/False): the careful reader's rules
            filled += n
    if filled == 0:
        return None
    return [None if c is None else c[:filled] for c in columns], filled


def _numeric_column(numbers: np.ndarray) -> np.ndarray | None:
    """The parser's numbers as the careful reader types them; None for an infinity.

    int64 when every value is whole, present and exact in a float (below 2**53), else float64
    — the values :func:`_column` gives. The parser's own array is kept when it already fits,
    so a million-row column is not copied.
    """
    if numbers.dtype.kind == "f":
        numbers = numbers.astype("float64", copy=False)
        if not np.isfinite(numbers).all():
            if np.isinf(numbers).any():
                return None
            return numbers
        head = numbers[:1000]
        if not np.all(np.floor(head) == head):
            return numbers  # plainly fractional: spare the whole-column checks
        if np.all(np.abs(numbers) < 2**53) and np.all(np.floor(numbers) == numbers):
            return numbers.astype("int64")
        return numbers
    if numbers.dtype.kind == "i" and (
        numbers.size == 0 or (numbers.min() > -(2**53) and numbers.max() < 2**53)
    ):
        return numbers.astype("int64", copy=False)
    return numbers.astype("float64")


#: pyarrow reads on several threads; below this many usable cores they only compete (on a
#: 2-core machine pyarrow took twice the C parser's time and memory: docs/benchmarks.md).
PYARROW_MIN_CORES = 4


def csv_engine() -> str:
    """Which parser reads big files: "pyarrow" when installed and the machine has the cores
    for its threads, else pandas' C parser ("c"); both give the same table.

    ``NNSTUDIO_CSV_ENGINE`` = c | pyarrow | auto overrides the choice (the benchmark compares
    them; tests force each). Asking for pyarrow without it installed gives "c".
    """
    wanted = os.environ.get("NNSTUDIO_CSV_ENGINE", "auto").strip().lower()
    if wanted == "c":
        return "c"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "c"
    if wanted == "pyarrow":
        return "pyarrow"
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return "pyarrow" if cores >= PYARROW_MIN_CORES else "c"


def _read_pyarrow(data: bytes, options: dict) -> tuple[list[np.ndarray | None], int] | None:
    """As :func:`_read_c` with pandas' pyarrow reader, or None where it would not read as
    the C parser does.

    Arrow reads ``0x1F`` as the integer 31 and ``nan(1)`` as a missing value, which Python's
    ``float`` (and so the careful reader) refuses: a file with ``0x`` in it goes to the C
    parser, and so does one whose numeric columns have gaps (the C parser then says which
    cells are really empty).
    """
    if b"0x" in data or b"0X" in data:
        return None
    frame = pd.read_csv(
        io.BytesIO(data),
        engine="pyarrow",
        encoding="utf-8",
        na_values=sorted(_NA_VARIANTS),
        keep_default_na=False,
        **options,
    )
    if len(frame) == 0:
        return None
    columns: list[np.ndarray | None] = []
    for j in range(frame.shape[1]):
        values = frame.iloc[:, j]
        if values.dtype.kind not in "iuf":
            columns.append(None)
            continue
        numbers = values.to_numpy()
        if numbers.dtype.kind == "f" and np.isnan(numbers).any():
            return None
        columns.append(numbers)
    return columns, len(frame)


#: Spellings of "no value" the parsers are told about (the careful reader ignores case):
#: the usual casings of every token in ``NA_LOWER``, plus pandas' own "NaN".
_NA_VARIANTS = frozenset(
    v for token in NA_LOWER for v in (token, token.upper(), token.title(), token.capitalize())
) | {"NaN"}


def _every_line_has(data: bytes, delimiter: str, width: int, n_rows: int) -> bool:
    """Every line of quote-free ``data`` splits into ``width`` fields.

    No line has more (the parser refuses those), so ``width - 1`` delimiters on each of the
    ``n_rows`` data lines and the header means none has fewer. Lines holding nothing but
    spaces are the exception that makes this refuse a good file: the careful reader reads it.
    """
    return _count_byte(data, ord(delimiter)) == (width - 1) * (n_rows + 1)


_CHUNK = 1 << 20


def _count_byte(data: bytes, value: int) -> int:
    """How many bytes of ``data`` equal ``value`` (numpy, in slices: no big temporary)."""
    array = np.frombuffer(data, dtype=np.uint8)
    return sum(
        int(np.count_nonzero(array[start : start + _CHUNK] == value))
        for start in range(0, array.size, _CHUNK)
    )


def _count_control(data: bytes) -> int:
    """Control characters in ASCII ``data``, as ``_CONTROL`` counts them in its text.

    One pass of numpy comparisons over slices that stay in the cache; a regular expression
    over a 150 MB file takes a second.
    """
    array = np.frombuffer(data, dtype=np.uint8)
    count = 0
    for start in range(0, array.size, _CHUNK):
        part = array[start : start + _CHUNK]
        count += int(np.count_nonzero(part < 0x20)) + int(np.count_nonzero(part == 0x7F))
        for allowed in (0x09, 0x0A, 0x0D):
            count -= int(np.count_nonzero(part == allowed))
    return count


def _head_text(data: bytes) -> tuple[str, bool]:
    """The text of the file's first part, enough for :func:`sniff_delimiter`, and whether
    it is the whole file. Four bytes a character at most, so this holds more characters
    than the sniffer reads whenever the file has more."""
    size = 4 * _SNIFF_CHARS + 4
    if len(data) <= size:
        return data.decode("utf-8", "surrogatepass"), True
    return data[:size].decode("utf-8", errors="ignore"), False


def _head_rows(
    data: bytes, head_text: str, whole: bool, delimiter: str, label: str, absolute: str
) -> list[tuple[int, list[str]]] | None:
    """The first non-blank rows, as :func:`_split_rows` gives them from the whole text.

    A row cut by the end of a part is never used: one row more than needed is read, and the
    part grows until it holds that many or the whole file.
    """
    size = len(head_text.encode("utf-8"))
    while True:
        if whole:
            return _split_rows(head_text, delimiter, label, absolute, _SNIFF_ROWS)
        try:
            rows = _split_rows(head_text, delimiter, label, absolute, _SNIFF_ROWS + 1)
        except DataError:
            rows = []
        if len(rows) > _SNIFF_ROWS + 1:
            return rows[: _SNIFF_ROWS + 1]
        size *= 4
        whole = size >= len(data)
        head_text = (
            data.decode("utf-8", "surrogatepass")
            if whole
            else data[:size].decode("utf-8", "ignore")
        )


def _skip_to_data(text: str) -> int:
    """Physical lines before the first data row: leading blank lines and the header line."""
    skipped = 0
    for line in io.StringIO(text, newline=""):
        skipped += 1
        if line.strip():
            return skipped
    return skipped


def _read_bytes(file: Path, label: str, absolute: str) -> bytes:
    if not file.exists():
        raise DataError(
            _("{label} does not exist (looked for {path})").format(label=label, path=absolute),
            where=absolute,
        )
    if file.is_dir():
        raise DataError(
            _("{label} is a folder, not a CSV file").format(label=label), where=absolute
        )
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            # A FIFO would block the read until someone writes to it, a device such as
            # /dev/zero never ends: only a regular file has an end known in advance.
            raise DataError(
                _("{label} is not a regular file ({kind}); choose a CSV file saved on disk").format(
                    label=label, kind=_(_file_kind(info.st_mode))
                ),
                where=absolute,
            )
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(label, absolute, info.st_size)
        with open(file, "rb") as fh:
            # A file that grows while it is read (or lies about its size) stops at the cap.
            # Ask for what the file holds (one byte more, to notice one that grew): asking for
            # the cap itself would allocate a 1 GiB buffer for every read.
            data = fh.read(min(info.st_size, MAX_FILE_BYTES) + 1)
            if len(data) > info.st_size:  # it grew: the rest, up to the cap
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(label, absolute, len(data))
        _check_lines(data, label, absolute)
        return data
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(
            _("{label} cannot be read: {reason}").format(label=label, reason=reason),
            where=absolute,
        ) from None


def _too_large(label: str, absolute: str, size: int) -> DataError:
    return DataError(
        _("{label} is too large ({size:.0f} MB); the limit is {limit:.0f} MB").format(
            label=label, size=size / 2**20, limit=MAX_FILE_BYTES / 2**20
        ),
        where=absolute,
    )


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return N_("a named pipe")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return N_("a device")
    if stat.S_ISSOCK(mode):
        return N_("a socket")
    return N_("not a file")


def _check_lines(data: bytes, label: str, absolute: str) -> None:
    """Refuse a line longer than :data:`MAX_LINE_BYTES`, in one linear pass over the bytes."""
    if len(data) <= MAX_LINE_BYTES:
        return
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    longest = int(np.argmax(lengths))
    if lengths[longest] > MAX_LINE_BYTES:
        raise DataError(
            _(
                "{label}, line {line} is {size:,} bytes long; lines of at most {limit:,} bytes "
                "are read, so this is not a table of rows"
            ).format(
                label=label, line=longest + 1, size=int(lengths[longest]), limit=MAX_LINE_BYTES
            ),
            where=absolute,
        )


def _as_utf8(data: bytes, encoding: str, label: str, absolute: str) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without a BOM, and the codec that decodes it (as :func:`_decode`).

    Plain ASCII, the usual big table, is checked as bytes (no text made of it): the same
    zip, binary and control-character tests :func:`_decode` does, counted with numpy.
    """
    if encoding == "auto" and data.isascii():
        _check_signature(data, label, absolute)
        if b"\x00" in data:
            raise DataError(
                _("{label} looks like a binary file, not CSV text").format(label=label),
                where=absolute,
            )
        control = _count_control(data)
        if control and control * 100 >= len(data):
            raise DataError(
                _("{label} looks like a binary file, not CSV text").format(label=label),
                where=absolute,
            )
        return data, "utf-8"
    text, detected = _decode(data, encoding, label, absolute)
    if detected == "utf-8":
        return data, detected  # the file's own bytes, already UTF-8 without a BOM
    return text.encode("utf-8", "surrogatepass"), detected


def _check_signature(data: bytes, label: str, absolute: str) -> None:
    """Refuse a spreadsheet workbook saved as it is, naming what it is."""
    if data.startswith(b"PK\x03\x04"):
        raise DataError(
            _(
                "{label} is a zip file (an Excel .xlsx workbook?), not CSV text; save it as CSV "
                "first"
            ).format(label=label),
            where=absolute,
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            _("{label} is an old Excel .xls workbook, not CSV text; save it as CSV first").format(
                label=label
            ),
            where=absolute,
        )


def _decode(data: bytes, encoding: str, label: str, absolute: str) -> tuple[str, str]:
    """The file's text and the codec that produced it."""
    _check_signature(data, label, absolute)
    if encoding != "auto":
        if not is_text_encoding(encoding):
            raise DataEncodingError(
                _("{label}: unknown text encoding {encoding}").format(
                    label=label, encoding=quote(encoding)
                ),
                where=absolute,
            )
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DataEncodingError(
                _(
                    "{label}, line {line}: the bytes are not {encoding} text; try the automatic "
                    "encoding"
                ).format(label=label, line=line, encoding=encoding),
                where=absolute,
            ) from None
        return _check_text(text, label, absolute), encoding
    candidates: list[tuple[str, str]] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates.append(("utf-16", "utf-16"))
    elif b"\x00" in data:
        raise DataError(
            _("{label} looks like a binary file, not CSV text").format(label=label), where=absolute
        )
    bom = data.startswith(codecs.BOM_UTF8)
    candidates += [("utf-8-sig", "utf-8-sig" if bom else "utf-8"), ("gb18030", "gb18030")]
    failure = None
    for codec, name in candidates:
        if codec == "gb18030":
            _refuse_mixed(data, label, absolute)
            codec = name = _latin_or_gbk(data, label, absolute)
        try:
            return _check_text(data.decode(codec), label, absolute), name
        except UnicodeDecodeError as exc:
            failure = failure or exc
    line = data[: failure.start].count(b"\n") + 1 if failure else 1
    raise DataEncodingError(
        _(
            "{label}, line {line}: the text is neither UTF-8 nor GBK; save the file as CSV UTF-8"
        ).format(label=label, line=line),
        where=absolute,
    )


#: How many line numbers a message lists before "…".
_LINES_SHOWN = 5


def _refuse_mixed(data: bytes, label: str, absolute: str) -> None:
    """Refuse a file whose lines are in different encodings, naming the lines.

    GB18030 decodes almost any bytes, so once UTF-8 has failed it would "succeed" on a file
    that mixes encodings and silently turn its UTF-8 lines into nonsense ("rêd" → "r锚d").
    A line with non-ASCII text that is valid UTF-8 next to a line that is not means no
    single encoding reads every line: say which lines are which and let the user choose.
    One linear pass; a file whose non-ASCII lines are all non-UTF-8 (GBK) passes.
    """
    utf8: list[int] = []
    other: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
        if len(utf8) > _LINES_SHOWN and len(other) > _LINES_SHOWN:
            break
    if not (utf8 and other):
        return
    raise DataEncodingError(
        _(
            "{label} mixes text encodings: UTF-8 in {utf8}, another encoding in {other}; no "
            "single encoding reads every row. Save the file as CSV UTF-8, or set its encoding "
            "in the project's data settings (source.encoding, e.g. gb18030 or latin-1)"
        ).format(label=label, utf8=_line_list(utf8), other=_line_list(other)),
        where=absolute,
    )


def _latin_or_gbk(data: bytes, label: str, absolute: str) -> str:
    """The encoding of a file that is not UTF-8: "cp1252" when its non-ASCII lines are all
    Latin-1 (Western European) words, else "gb18030"; a file mixing the two is refused with
    its lines named (see :mod:`~nnstudio.core.data.legacy_encodings` for the rule)."""
    lines = classify_lines(data)
    if lines.mixed:
        raise DataEncodingError(
            _(
                "{label} mixes text encodings: Latin-1 (Western European) in {latin}, GBK "
                "(Chinese) in {gbk}; no single encoding reads every row. Save the file as CSV "
                "UTF-8, or set its encoding in the project's data settings (source.encoding, "
                "e.g. gb18030 or latin-1)"
            ).format(label=label, latin=_line_list(lines.latin), gbk=_line_list(lines.chinese)),
            where=absolute,
        )
    return lines.encoding() or "gb18030"


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_LINES_SHOWN])
    if len(numbers) > _LINES_SHOWN:
        shown += ", …"
    return ngettext("line {lines}", "lines {lines}", len(numbers)).format(lines=shown)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(text: str, label: str, absolute: str) -> str:
    control = len(_CONTROL.findall(text))
    if "\x00" in text or (control and control * 100 >= len(text)):
        raise DataError(
            _("{label} looks like a binary file, not CSV text").format(label=label), where=absolute
        )
    return text


def _reader(text: str, delimiter: str) -> csv.reader:
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )


def _is_blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one splitting the first lines into equal field counts.

    When several split every line evenly, tab beats semicolon beats comma: commas are common
    inside values (decimal commas, "Smith, John"), tabs and semicolons are not.
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", None
    for preference, candidate in enumerate((",", ";", "\t")):
        counts = []
        try:
            for row in _reader(sample, candidate):
                if not _is_blank(row):
                    counts.append(len(row))
                if len(counts) >= _SNIFF_ROWS:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), preference)
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best


def _split_rows(
    text: str,
    delimiter: str,
    label: str,
    absolute: str,
    max_rows: int | None,
    check: Check = _never,
) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on."""
    rows: list[tuple[int, list[str]]] = []
    reader = _reader(text, delimiter)
    previous = 0
    limit = None if max_rows is None else max(0, int(max_rows)) + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(
                _("{label}, line {line}: {problem}").format(
                    label=label, line=reader.line_num, problem=exc
                ),
                where=absolute,
            ) from None
        start, previous = previous + 1, reader.line_num
        if _is_blank(row):
            continue
        if len(row) > MAX_COLUMNS:
            raise DataError(
                _(
                    "{label}, line {line} has {n:,} fields; at most {limit:,} columns are read"
                ).format(label=label, line=start, n=len(row), limit=MAX_COLUMNS),
                where=absolute,
            )
        rows.append((start, row))
        if len(rows) % _CHUNK_ROWS == 0:
            check()
        if limit is not None and len(rows) >= limit:
            break
    return rows


def detect_header(first: list[str], rest: list[list[str]]) -> bool:
    """Is the first row column names? Names are never numbers; data below usually is.

    A file of text only has a header when no first-row value appears again in its column.
    """
    cells = [c.strip() for c in first]
    named = [c for c in cells if c]
    if not named or any(parse_number(c) is not None for c in named):
        return False
    if not rest:
        return True
    for j in range(len(cells)):
        values = [r[j].strip() for r in rest if j < len(r)]
        values = [v for v in values if not is_na_text(v)]
        if values and all(parse_number(v) is not None for v in values):
            return True
    for j, cell in enumerate(cells):
        if cell and any(j < len(r) and r[j].strip() == cell for r in rest):
            return False
    return True


def _header_names(first: list[str], label: str, absolute: str) -> list[str]:
    names = [cell.strip() or f"column_{j + 1}" for j, cell in enumerate(first)]
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataError(
                _(
                    "{label}: the header names column {name} twice (columns {first} and "
                    "{second}); rename one"
                ).format(label=label, name=quote(name), first=seen[name] + 1, second=j + 1),
                where=absolute,
            )
        seen[name] = j
    return names


def _column(cells: list[str], decimal_comma: bool) -> pd.Series:
    """Numbers when every filled cell is a finite one (int64 when whole and complete), else text.

    An infinity keeps its column as text, so the message about it can quote it as written.
    """
    stripped = [cell.strip() for cell in cells]
    texts = [None if t.lower() in NA_LOWER else t for t in stripped]
    missing = np.array([t is None for t in texts], dtype=bool)
    for comma in (False, True) if decimal_comma else (False,):
        numbers = parse_texts(texts, decimal_comma=comma)
        if np.isfinite(numbers[~missing]).all():
            if (
                not missing.any()
                and np.all(np.floor(numbers) == numbers)
                and np.all(np.abs(numbers) < 2**53)
            ):
                return pd.Series(numbers.astype("int64"))
            return pd.Series(numbers)
    return pd.Series(texts, dtype=object)

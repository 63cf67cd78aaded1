"""Issue 13, class 10: a file mixing text encodings is never decoded silently into nonsense.

GB18030 decodes almost any bytes, so the automatic encoding used to read a file mixing UTF-8,
Latin-1 and GBK lines as GB18030 ("rêd" became "r锚d"). When no single encoding reads every
line, the reader now says which lines are which and how to choose the encoding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.data.csv_io import read_csv
from nnstudio.core.errors import DataError
from tests.cli.helpers import mixed_encoding_line
from tests.fuzzing import examples


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left behind."""
    from nnstudio import i18n

    i18n.set_language("en")
    yield


HEADER = b"colour,size,y\n"


def _line(text: str, encoding: str, n: int) -> bytes:
    return f"{text},{n},{n % 2}\n".encode(encoding)


#: (lines as (text, encoding)), the UTF-8 lines and the others the message names)
MIXED = [
    pytest.param(
        [("rêd", "utf-8"), ("rêd", "latin-1"), ("红", "gbk"), ("blue", "ascii")],
        "UTF-8 in line 2, another encoding in lines 3, 4",
        id="UTF-8, Latin-1 and GBK",
    ),
    pytest.param(
        [("grün", "latin-1"), ("grün", "utf-8")],
        "UTF-8 in line 3, another encoding in line 2",
        id="Latin-1 then UTF-8",
    ),
    pytest.param(
        [("红", "utf-8"), ("红", "gbk")] * 4,
        "UTF-8 in lines 2, 4, 6, 8, another encoding in lines 3, 5, 7, 9",
        id="alternating UTF-8 and GBK",
    ),
    pytest.param(
        [("é", "utf-8")] * 7 + [("é", "cp1252")],
        "UTF-8 in lines 2, 3, 4, 5, 6, …, another encoding in line 9",
        id="many lines are shortened",
    ),
]


def _write(tmp_path: Path, lines: list[tuple[str, str]]) -> Path:
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER + b"".join(_line(t, e, i) for i, (t, e) in enumerate(lines)))
    return path


@pytest.mark.parametrize(("lines", "words"), MIXED)
def test_a_file_mixing_encodings_names_its_lines_and_the_way_to_choose(tmp_path, lines, words):
    with pytest.raises(DataError) as caught:
        read_csv(_write(tmp_path, lines))
    message = str(caught.value)
    assert "mixed.csv mixes text encodings: " + words in message
    assert "set its encoding in the project's data settings (source.encoding" in message


@pytest.mark.parametrize(
    ("lines", "encoding", "expected"),
    [
        ([("红", "gbk"), ("绿", "gbk")], "gb18030", ["红", "绿"]),
        ([("rêd", "utf-8"), ("绿", "utf-8")], "utf-8", ["rêd", "绿"]),
        ([("blue", "ascii")], "utf-8", ["blue"]),
    ],
    ids=["all GBK", "all UTF-8", "all ASCII"],
)
def test_a_file_in_one_encoding_still_reads_by_itself(tmp_path, lines, encoding, expected):
    table = read_csv(_write(tmp_path, lines))
    assert table.encoding == encoding
    assert list(table.frame["colour"]) == expected


def test_choosing_the_encoding_reads_the_file_as_told(tmp_path):
    path = _write(tmp_path, [("rêd", "latin-1"), ("grün", "latin-1"), ("blue", "ascii")])
    table = read_csv(path, encoding="latin-1")
    assert list(table.frame["colour"]) == ["rêd", "grün", "blue"]


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["rêd", "grün", "红", "绿", "plain", "ñ"]),
            st.sampled_from(["utf-8", "latin-1", "gb18030"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_the_automatic_encoding_never_turns_a_utf8_line_into_other_text(lines):
    """Whatever the mixture: either every value reads back as written in its UTF-8 line, or
    the file is refused with the lines named. Never silent mojibake of a UTF-8 line."""
    import tempfile

    encodable = [(t, e) for t, e in lines if _encodes(t, e)]
    if not encodable:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), encodable)
        try:
            table = read_csv(path)
        except DataError as exc:
            assert "mixes text encodings" in str(exc) or "neither UTF-8 nor GBK" in str(exc)
            return
    values = list(table.frame["colour"])
    for (text, encoding), value in zip(encodable, values, strict=True):
        raw = text.encode(encoding)
        if not raw.isascii() and _is_utf8(raw):
            assert value == raw.decode("utf-8")


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_the_command_line_names_the_rows_in_one_line(capsys, tmp_path):
    line = mixed_encoding_line(
        capsys, tmp_path, _write(tmp_path, [("rêd", "utf-8"), ("rêd", "latin-1")])
    )
    assert "UTF-8 in line 2, another encoding in line 3" in line

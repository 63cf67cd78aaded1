"""A file that is not UTF-8 is read as GBK or as Latin-1 by what its lines are, and a file
mixing the two is refused with its lines named (issue 13, class 10, without UTF-8 lines).

GB18030 decodes almost any bytes: a Latin-1 "rêd" (72 EA 64) used to become "r锚d".
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.data.columns import is_na_text
from nnstudio.core.data.csv_io import read_csv
from nnstudio.core.data.legacy_encodings import classify_lines, is_latin_text
from nnstudio.core.errors import DataEncodingError
from tests.cli.helpers import mixed_encoding_line
from tests.fuzzing import examples

GLOSSARY = Path("/work/shared/docs/glossary-zh.md")
#: Course words, in case the glossary is not on this machine.
_FALLBACK = ["神经网络", "神经元", "权重", "偏置", "激活函数", "损失函数", "学习率", "过拟合"]


def _glossary_words() -> list[str]:
    """The course's Chinese terms (runs of Han characters in the glossary)."""
    try:
        text = GLOSSARY.read_text(encoding="utf-8")
    except OSError:
        return _FALLBACK
    words = sorted(set(re.findall(r"[\u4e00-\u9fff]{2,}", text)))
    return words or _FALLBACK


WORDS = _glossary_words()
#: Rarer characters outside GB2312 (GBK's extension), as in people's names; their bytes read
#: as cp1252 look like "éF" (镕), "«h" (玥), "•N" (昇), "ˆÒ" (堃).
NAMES = ["王喆", "朱镕基", "刘玥", "李堃", "赵珺", "张昇", "陈燊", "石垚", "犇犇", "刘龑", "周祎"]
#: Western words with accented letters, as Latin-1 / cp1252 files hold them.
WESTERN = [
    "rêd", "grün", "café", "Müller", "naïve", "façade", "Sørensen", "Crème brûlée", "São Paulo",
    "Größe", "Straße", "Ação", "niño", "Zürich", "déjà vu", "£5", "25°C", "Œuvre", "señor",
]  # fmt: skip

HEADER = b"name,size,y\n"


def _csv(tmp_path: Path, lines: list[tuple[str, str]]) -> Path:
    path = tmp_path / "legacy.csv"
    body = b"".join(f"{t},{i},{i % 2}\n".encode(e) for i, (t, e) in enumerate(lines))
    path.write_bytes(HEADER + body)
    return path


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left behind."""
    from nnstudio import i18n

    i18n.set_language("en")
    yield


# --- refused: Latin-1 and GBK lines in one file ----------------------------------------------

MIXED = [
    pytest.param(
        [("rêd", "latin-1"), ("红", "gbk"), ("blue", "ascii")],
        "Latin-1 (Western European) in line 2, GBK (Chinese) in line 3",
        id="the issue's rêd beside 红",
    ),
    pytest.param(
        [("grün", "latin-1"), ("神经网络", "gbk"), ("Müller", "cp1252"), ("王喆", "gbk")],
        "Latin-1 (Western European) in lines 2, 4, GBK (Chinese) in lines 3, 5",
        id="rare Chinese names count as Chinese",
    ),
    pytest.param(
        [("café", "latin-1"), ("学习率", "gb18030")],
        "Latin-1 (Western European) in line 2, GBK (Chinese) in line 3",
        id="a Latin-1 line GBK cannot decode at all",
    ),
    pytest.param(
        [("Größe", "latin-1")] * 7 + [("权重", "gbk")],
        "Latin-1 (Western European) in lines 2, 3, 4, 5, 6, …, GBK (Chinese) in line 9",
        id="many lines are shortened",
    ),
]


@pytest.mark.parametrize(("lines", "words"), MIXED)
def test_a_file_mixing_latin1_and_gbk_names_its_lines_and_the_way_to_choose(tmp_path, lines, words):
    with pytest.raises(DataEncodingError) as caught:
        read_csv(_csv(tmp_path, lines))
    message = str(caught.value)
    assert "legacy.csv mixes text encodings: " + words in message
    assert "set its encoding in the project's data settings (source.encoding" in message


# --- read silently: one encoding ------------------------------------------------------------

SINGLE = [
    pytest.param([(w, "gbk") for w in WORDS[:40]], "gb18030", id="the glossary in GBK"),
    pytest.param([(w, "gb18030") for w in WORDS[-40:]], "gb18030", id="the glossary in GB18030"),
    pytest.param([(n, "gbk") for n in NAMES], "gb18030", id="rare names in GBK"),
    pytest.param(
        [(w, "gbk") for w in WORDS[:10]] + [(n, "gbk") for n in NAMES],
        "gb18030",
        id="common words and rare names",
    ),
    pytest.param(
        [("䶮", "gb18030"), ("神经元", "gb18030"), ("㐀", "gb18030")],
        "gb18030",
        id="GB18030's four-byte characters",
    ),
    pytest.param(
        [(n, "gbk") for n in ("镕", "玥", "昇", "堃")], "gb18030", id="a rare character alone"
    ),
    pytest.param([(w, "latin-1") for w in WESTERN if w != "Œuvre"], "cp1252", id="Latin-1"),
    pytest.param([(w, "cp1252") for w in WESTERN], "cp1252", id="Windows-1252"),
    pytest.param([("rêd", "latin-1"), ("plain", "ascii")], "cp1252", id="one accented line"),
]


@pytest.mark.parametrize(("lines", "encoding"), SINGLE)
def test_a_file_in_one_legacy_encoding_reads_as_written(tmp_path, lines, encoding):
    table = read_csv(_csv(tmp_path, lines))
    assert table.encoding == encoding
    assert list(table.frame["name"]) == [text for text, _ in lines]


def test_the_issues_red_is_no_longer_read_as_chinese(tmp_path):
    path = tmp_path / "red.csv"
    path.write_bytes(b"colour,y\nr\xead,1\nbl\xfce,0\n")
    table = read_csv(path)
    assert list(table.frame["colour"]) == ["rêd", "blüe"]


@pytest.mark.parametrize(
    ("raw", "latin"),
    [
        ("rêd".encode("latin-1"), True),
        ("Größe".encode("latin-1"), True),
        ("25°C".encode("latin-1"), True),
        ("朱镕".encode("gbk"), False),  # "ÖìéF": mixed case
        ("王喆".encode("gbk"), False),  # "Íõ†´": † is no Western symbol
        ("绿".encode("gbk"), False),  # "ÂÌ": accented letters without an ASCII one
        ("刘玥".encode("gbk"), False),  # "Áõ«h"
    ],
)
def test_what_reads_as_western_words(raw, latin):
    assert is_latin_text(raw) is latin


def test_a_chinese_file_without_rare_characters_is_not_examined_line_by_line():
    data = "".join(f"{w},1\n" for w in WORDS).encode("gbk")
    lines = classify_lines(data)
    assert lines.latin == lines.chinese == lines.neither == []


# --- the command line and the app -----------------------------------------------------------


def test_the_command_line_names_the_latin1_and_gbk_rows_in_one_line(capsys, tmp_path):
    line = mixed_encoding_line(
        capsys, tmp_path, _csv(tmp_path, [("rêd", "latin-1"), ("红", "gbk")])
    )
    assert "Latin-1 (Western European) in line 2, GBK (Chinese) in line 3" in line


def test_the_data_panel_offers_the_encodings_for_a_latin1_and_gbk_file(qtbot, tmp_path):
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.panels.data_panel import DataPanel

    panel = DataPanel(ProjectDocument())
    qtbot.addWidget(panel)
    panel.resize(360, 800)
    panel.show()
    path = _csv(tmp_path, [("rêd", "latin-1"), ("红", "gbk"), ("grün", "latin-1")])
    assert not panel.load_csv(path)
    assert "Latin-1 (Western European) in lines 2, 4, GBK (Chinese) in line 3" in (
        panel.banner.text()
    )
    assert panel.encoding_offer.isVisible()
    panel.encoding_buttons["latin-1"].click()
    table = panel.document.workspace.table
    # The user's choice: the Latin-1 rows read as written (the GBK row is theirs to mend).
    names = list(table.frame["name"])
    assert (names[0], names[2]) == ("rêd", "grün")


# --- properties -----------------------------------------------------------------------------

_CONSONANTS = "bcdfghklmnprstvz"
_VOWELS = "aeiou" + "áàâäéèêëíìîïóòôöúùûüãõå"
_syllable = st.tuples(st.sampled_from(_CONSONANTS), st.sampled_from(_VOWELS)).map("".join)
#: Made-up Western words: consonant-vowel syllables, some vowels accented, some capitalised.
latin_words = (
    st.tuples(
        st.lists(_syllable, min_size=1, max_size=4).map("".join),
        st.sampled_from(["", "s", "n", "r", "t"]),
        st.booleans(),
    )
    .map(lambda t: (t[0] + t[1]).capitalize() if t[2] else t[0] + t[1])
    .filter(
        lambda word: not is_na_text(word)  # "na", "nan": a missing value, not a word
    )
)
chinese_words = st.one_of(st.sampled_from(WORDS), st.sampled_from(NAMES))


def _read(lines: list[tuple[str, str]]):
    with tempfile.TemporaryDirectory() as folder:
        return read_csv(_csv(Path(folder), lines))


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(chinese_words, min_size=1, max_size=12), st.sampled_from(["gbk", "gb18030"]))
def test_chinese_text_in_gbk_or_gb18030_always_reads_as_written(words, encoding):
    table = _read([(w, encoding) for w in words])
    assert table.encoding == "gb18030"
    assert list(table.frame["name"]) == words


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(latin_words, min_size=1, max_size=12), st.sampled_from(["latin-1", "cp1252"]))
def test_western_words_in_latin1_always_read_as_written(words, encoding):
    table = _read([(w, encoding) for w in words])
    assert list(table.frame["name"]) == words


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.one_of(
            latin_words.map(lambda w: (w, "latin-1")), chinese_words.map(lambda w: (w, "gbk"))
        ),
        min_size=1,
        max_size=12,
    )
)
def test_latin1_and_gbk_together_are_read_as_written_or_refused_never_garbled(lines):
    try:
        table = _read(lines)
    except DataEncodingError as exc:
        assert "mixes text encodings: Latin-1 (Western European) in line" in str(exc)
        kinds = {encoding for text, encoding in lines if not text.isascii()}
        assert kinds == {"latin-1", "gbk"}
        return
    assert list(table.frame["name"]) == [text for text, _ in lines]

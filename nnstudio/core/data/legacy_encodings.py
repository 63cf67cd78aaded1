"""Telling GBK (Chinese) lines from Latin-1 (Western European) lines in a file that is not UTF-8.

GB18030 decodes almost any bytes, so a file that is not UTF-8 used to be read as GB18030
whatever it held: a Latin-1 "rêd" (``72 EA 64``) became "r锚d", because ``EA 64`` is a valid
character of GBK's extension area. The two encodings leave different traces, though:

- Genuine Chinese text uses GB2312's area almost exclusively: both bytes of each character
  are ``A1``–``FE``. Characters outside it (the GBK extension: a trail byte below ``A1``, or
  GB18030's four-byte forms) are rare names such as 喆, 堃 or 镕, a few among many common ones.
- A Latin-1 accented letter is followed by an ASCII letter ("ê" + "d"), so read as GBK nearly
  every character it makes is an extension character; and read as Latin-1 (cp1252) the line is
  made of Western words: accented Latin letters inside words that have ASCII letters too, in
  lower, upper or title case, at least one of them three letters long, with only the few
  symbols Western text uses (°, £, €, …).

A line is called Latin-1 only when both hold: it reads as such words, and most of the
characters GBK would make of it are extension characters (or GBK cannot decode it at all).
Two accented letters side by side ("Größe", "ção") make a GB2312 character, so a line whose
GBK reading holds only common characters is Latin-1 only when each of its accented words has
at least as many ASCII letters as accented ones. Chinese read as cp1252 fails the word test
(symbols such as † or ¹, words without ASCII letters, mixed case such as "ÖìéF" for 朱镕), so
a Chinese file with rare characters is still read as GB18030. A line that reads either way
— a rare character alone is two bytes, "éa" or "°C" — follows the rest of the file.

A file whose non-ASCII lines are Latin-1 is read as cp1252; one that mixes sure Latin-1 lines
with Chinese lines is refused, naming both, since no single encoding reads it.

The check grades each distinct field once (a column of categories repeats a few values) and
numbers lines only when a Latin-1 field was found; a file whose bytes stay in GB2312's area
(most Chinese files: no rare characters, no Latin letter beside a Chinese one) skips it after
a few whole-file byte counts (figures: ``bench/bench_legacy_encodings.py``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LATIN",
    "MAYBE_LATIN",
    "NOT_LATIN",
    "LegacyLines",
    "classify_lines",
    "is_latin_text",
    "latin_grade",
]

#: Bytes that never occur in GB2312 text (lead or trail): 0x80–0xA0.
_OUTSIDE_GB2312 = re.compile(rb"[\x80-\xa0]")
#: Private-use characters: what GB18030 makes of GBK's user-defined areas.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_HIGH = bytes(range(0x80, 0x100))
#: Guillemets written against a letter ("«h"): what rare characters such as 玥 (AB 68) read as.
_GUILLEMET_ON_LETTER = re.compile("[«»][A-Za-z]")
#: Chinese next to Latin letters ("iPhone手机"), or accented letters next to ASCII ones.
_LETTER_BESIDE_HIGH = re.compile(rb"[A-Za-z][\x80-\xff]|[\x80-\xff][A-Za-z]")
#: A word: a run of letters (no digits, no underscore).
_WORD = re.compile(r"[^\W\d_]+")
#: Non-letters Western text in Latin-1 or cp1252 commonly holds. Characters such as † ‡ ¹ ¬ µ
#: or the no-break space are left out: Chinese read as cp1252 is full of them.
_WESTERN_SYMBOLS = frozenset("°£€©®±½¼¾§¿¡«»·–—‘’“”…×÷¢¥²³ºª")


@functools.cache
def _gb2312() -> frozenset[str]:
    """Every character of GB2312 (about 7,500)."""
    chars = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


@functools.cache
def _latin_letters() -> frozenset[str]:
    """The accented Latin letters of cp1252 (é, ß, Œ, …)."""
    letters = set()
    for byte in range(0x80, 0x100):
        try:
            char = bytes((byte,)).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            letters.add(char)
    return frozenset(letters)


@functools.cache
def _western_bytes() -> bytes:
    """The bytes Western text in cp1252 is made of: ASCII, accented letters, a few symbols."""
    letters = _latin_letters()
    kept = bytearray(range(0x80))
    for byte in range(0x80, 0x100):
        try:
            char = bytes((byte,)).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if char in letters or char in _WESTERN_SYMBOLS:
            kept.append(byte)
    return bytes(kept)


#: How Western a line reads (see :func:`latin_grade`).
NOT_LATIN, MAYBE_LATIN, LATIN = 0, 1, 2


def latin_grade(raw: bytes, *, strict: bool = False) -> int:
    """How surely ``raw`` (one line) reads in cp1252 as Western words; see the module's notes.

    :data:`LATIN`: accented words, one of them three letters or longer ("rêd", "Müller").
    :data:`MAYBE_LATIN`: Western, but as short as a rare Chinese character would be: only
    two-letter accented words ("él", "éa" is 閍) or only symbols ("°C" is 癈).
    :data:`NOT_LATIN`: anything else (symbols such as † ¹ ¬ µ, accented letters without an
    ASCII one beside them, mixed case such as "ÖìéF" for 朱镕).
    ``strict``: every accented word has at least as many ASCII letters as accented ones
    ("Größe", "ções"), for a line whose bytes GBK would read as common Chinese characters.
    """
    if raw.translate(None, _western_bytes()):
        return NOT_LATIN  # a byte that is no Western letter or symbol (one C-speed pass)
    text = raw.decode("cp1252")
    if _GUILLEMET_ON_LETTER.search(text):
        return NOT_LATIN
    longest = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        longest = max(longest, len(word))
        if len(word) > 1 and not any(c.isascii() for c in word):
            return NOT_LATIN  # "ÂÌ": accented letters and nothing else are Chinese (绿)
        if not (word.islower() or word.isupper() or word.istitle()):
            return NOT_LATIN
        if strict and 2 * sum(c.isascii() for c in word) < len(word):
            return NOT_LATIN
    return LATIN if longest >= 3 else MAYBE_LATIN


def is_latin_text(raw: bytes) -> bool:
    """Whether ``raw`` (one line) reads in cp1252 as Western text at all."""
    return latin_grade(raw) > NOT_LATIN


def _only_gb2312(data: bytes) -> bool:
    """Whether every non-ASCII byte of ``data`` pairs up into GB2312 characters, none next to
    a Latin letter (the fast path: most Chinese files), judged by byte counts and one decode.

    A Latin-1 "Größe" pairs up too (``F6 DF`` is a GB2312 character), but its accented
    letters sit between ASCII letters, so it takes the line-by-line path.
    """
    if _OUTSIDE_GB2312.search(data) or _LETTER_BESIDE_HIGH.search(data):
        return False
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    high = len(data) - len(data.translate(None, _HIGH))
    # Two high bytes per character, none with an ASCII trail byte or four bytes.
    return len(text) == len(data) - high // 2 and not _PRIVATE_USE.search(text)


@dataclass
class LegacyLines:
    """The non-ASCII lines of a file that is not UTF-8, by what they read as (1-based)."""

    latin: list[int] = field(default_factory=list)
    chinese: list[int] = field(default_factory=list)
    #: Lines that read either way ("°C", "él"): they follow the rest of the file.
    either: list[int] = field(default_factory=list)
    #: Lines that are neither (GBK cannot decode them and they are not Western words).
    neither: list[int] = field(default_factory=list)

    def encoding(self) -> str | None:
        """The encoding to read the file with: "cp1252" when its non-ASCII lines are Latin-1
        (some surely), None (the caller's GB18030) otherwise; a mix is the caller's to refuse."""
        if self.latin and not self.chinese and not self.neither:
            return "cp1252"
        return None

    @property
    def mixed(self) -> bool:
        return bool(self.latin and self.chinese)


#: A field that holds a non-ASCII byte. Cutting at commas, semicolons, tabs and line ends
#: never splits a character: GBK's trail bytes are 0x30 and up (0x40 and up in two-byte
#: characters), and no separator is a letter of a word.
_FIELD_WITH_HIGH = re.compile(rb"[^,;\t\r\n]*[\x80-\xff][^,;\t\r\n]*")


def _grade(field: bytes, gb2312: frozenset[str]) -> tuple[int, bool]:
    """(how Western ``field`` reads, whether GBK can decode it)."""
    grade = latin_grade(field)
    try:
        text = field.decode("gb18030")
    except UnicodeDecodeError:
        # Nothing else can read it: any Western reading is a sure one.
        return (LATIN if grade else NOT_LATIN), False
    if grade == NOT_LATIN:  # most Chinese ends here, before its characters are counted
        return NOT_LATIN, True
    wide = [c for c in text if ord(c) > 127]
    rare = sum(c not in gb2312 for c in wide)
    if 2 * rare > len(wide):  # GBK would make mostly rare characters of it
        return grade, True
    if rare == 0:  # only common ones: two accented letters side by side ("Größe"), or Chinese
        return latin_grade(field, strict=True), True
    return NOT_LATIN, True  # Chinese with a rare character among common ones (朱镕基)


def classify_lines(data: bytes) -> LegacyLines:
    """Sort the non-ASCII lines of ``data`` (not UTF-8) into Latin-1 and Chinese.

    Each distinct field with non-ASCII bytes is graded once (a column of categories repeats
    the same few), and lines are only numbered when a Latin-1 field was found: for a Chinese
    file the answer is an empty :class:`LegacyLines` (read it as GB18030). A line is Latin-1
    when one of its fields is, Chinese when one is, and may be both.
    """
    found = LegacyLines()
    if _only_gb2312(data):
        return found  # genuine Chinese, no line can be Latin-1: nothing to tell apart
    gb2312 = _gb2312()
    grades = {field: _grade(field, gb2312) for field in set(_FIELD_WITH_HIGH.findall(data))}
    if not any(grade == LATIN for grade, _decodes in grades.values()):
        return found
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    kinds: dict[int, set[str]] = {}
    for match in _FIELD_WITH_HIGH.finditer(data):
        number = int(np.searchsorted(ends, match.start())) + 1
        grade, decodes = grades[match.group()]
        kind = (
            "latin"
            if grade == LATIN
            else "either"
            if grade == MAYBE_LATIN
            else "chinese"
            if decodes
            else "neither"
        )
        kinds.setdefault(number, set()).add(kind)
    for number, seen in sorted(kinds.items()):
        if "latin" in seen:
            found.latin.append(number)
        if "chinese" in seen:
            found.chinese.append(number)
        if "neither" in seen:
            found.neither.append(number)
        if seen == {"either"}:
            found.either.append(number)
    return found

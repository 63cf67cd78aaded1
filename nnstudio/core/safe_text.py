"""Text from files and arguments, made harmless where it is shown or written.

A project, a CSV or a command line comes from anyone, and the names in it travel to two
places that interpret characters:

- **a terminal**, where ESC and OSC sequences recolour the screen, set the window title or
  hide text, and a newline in a layer name splits a line of a table or an error message
  into two that look like ours: :func:`printable` escapes every control character (and the
  invisible bidirectional overrides that reorder what is shown) the way Python writes them
  in a string literal, so the user sees ``\\x1b]0;…`` instead of obeying it;
- **a spreadsheet**, which runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab
  or carriage return before one) as a formula: :func:`csv_cell` prefixes such a text with an
  apostrophe, as OWASP advises for CSV injection, while numbers — negative ones included —
  stay numbers.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, the line and paragraph separators and the bidirectional
# embeddings, overrides and isolates (Trojan Source).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: What a spreadsheet reads as the start of a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``, ``\\u202e``), safe to
    print on a terminal as one line; text without them comes back unchanged."""
    text = str(text)
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def csv_cell(value: object) -> object:
    """``value`` as a spreadsheet will not run it: a text that starts like a formula gets a
    leading apostrophe; numbers (and texts that are numbers, such as ``-1.5``) are kept."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)  # "-1.5", "+3", "-inf": a number to a spreadsheet too, never a formula
    except ValueError:
        return "'" + value
    return value


__all__ = ["FORMULA_STARTS", "csv_cell", "printable"]

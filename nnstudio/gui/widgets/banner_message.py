"""What a problem banner says, without Qt: its messages and the place each one names.

A panel decides its messages (often from plain data, in a Qt-free presenter) and hands them
to :class:`~nnstudio.gui.widgets.banner.ProblemBanner`, which draws them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LEVELS", "BannerMessage", "find_place"]

#: Banner levels, worst first.
LEVELS = ("error", "warning", "info")

# The core's messages name a column as "column 'b'" and data rows as "row 2" / "rows 2, 5";
# the Chinese catalogue says "列 'b'" and "第 2 行" / "第 2、5、… 行", and "文件第 3 行" for a
# line of the file (a line, like English "line 3", is not a data row).
_COLUMN = re.compile(r"""(?:column|列) (?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
_ROW = re.compile(r"\brows? (\d+)|(?<!文件)第 (\d+)(?:、(?:\d+|…))* 行")


@dataclass(frozen=True)
class BannerMessage:
    """One line of the banner; ``column``/``row`` (1-based) make it a link to that place."""

    level: str
    #: The message; a :class:`~nnstudio.i18n.Text` (English inside) is translated when the
    #: banner shows it, and :func:`find_place` reads the place from its English.
    text: str
    column: str | None = None
    row: int | None = None


def find_place(text: str, columns: Sequence[str] = ()) -> tuple[str | None, int | None]:
    """The column and 1-based row a core message names ("column 'b', row 2: …"), if any.

    Only names among ``columns`` count, so a quoted value is never mistaken for a column.
    Pass the message as the core made it (a :class:`~nnstudio.i18n.Text` is English inside),
    not its translation: the place is read from the English wording.
    """
    column = None
    for match in _COLUMN.finditer(text):
        name = match.group(1) if match.group(1) is not None else match.group(2)
        name = name.replace("\\'", "'").replace('\\"', '"')
        if not columns or name in columns:
            column = name
            break
    row_match = _ROW.search(text)
    row = int(row_match.group(1) or row_match.group(2)) if row_match else None
    return column, row

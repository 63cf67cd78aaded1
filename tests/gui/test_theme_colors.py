"""Every colour of the app is named for its role in gui/theme.py; views use the names.

A colour spelled out in a widget drifts from the same colour elsewhere (two greys for one
kind of caption) and cannot be changed in one place.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "nnstudio" / "gui"
HEX = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
#: A colour by name or by numbers, handed straight to Qt or pyqtgraph.
LITERAL = re.compile(r"""\b(?:QColor|mkPen|mkBrush|mkColor)\(\s*(?:"[a-z]+"|'[a-z]+'|\d)""")


def _view_modules() -> list[Path]:
    return [path for path in sorted(GUI.rglob("*.py")) if path.name != "theme.py"]


def _strings(source: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [(t.start[0], t.string) for t in tokens if t.type in kinds]


def test_no_view_spells_out_a_colour() -> None:
    found = []
    for path in _view_modules():
        source = path.read_text(encoding="utf-8")
        for line, text in _strings(source):
            found += [f"{path.relative_to(GUI)}:{line}: {m}" for m in HEX.findall(text)]
        for match in LITERAL.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(GUI)}:{line}: {match.group(0)}")
    assert found == []

"""Numbers a student types into a lesson view: ``1, 1, 1.9`` or ``0.2 0.6 0.2; 0.1 0.8 0.1``.

The lab views let students change the lessons' inputs. Parsing lives here, Qt-free, so every
view reads numbers the same way and says what is wrong in one translated line.
"""

from __future__ import annotations

import math
import re

from nnstudio.core.errors import NNStudioError
from nnstudio.i18n import N_, Text

__all__ = ["LessonInputError", "format_vector", "parse_matrix", "parse_vector"]

_SEPARATORS = re.compile(r"[,\s，]+")


class LessonInputError(NNStudioError):
    """A lesson input the student typed cannot be used (one line, shown under the field)."""


def parse_vector(text: str, *, name: str = "") -> list[float]:
    """Finite numbers separated by commas or spaces (brackets are allowed and ignored).

    Raises :class:`LessonInputError` naming the first bad item.
    """
    cleaned = text.replace("[", " ").replace("]", " ").strip()
    if not cleaned:
        raise LessonInputError(Text(N_("type at least one number")), where=name or None)
    values = []
    for item in _SEPARATORS.split(cleaned):
        if not item:
            continue
        try:
            value = float(item.replace("−", "-"))
        except ValueError:
            raise LessonInputError(
                Text(N_("{item} is not a number"), item=repr(item)), where=name or None
            ) from None
        if not math.isfinite(value):
            raise LessonInputError(
                Text(N_("{item} is not a finite number"), item=repr(item)), where=name or None
            )
        values.append(value)
    return values


def parse_matrix(text: str, *, name: str = "") -> list[list[float]]:
    """Rows separated by ``;`` (or ``],[`` as Python writes them), all of the same length."""
    body = text.strip()
    if body.startswith("[[") or "],[" in body.replace(" ", ""):
        body = re.sub(r"\]\s*,\s*\[", ";", body)
    rows = [parse_vector(part, name=name) for part in body.split(";") if part.strip(" []")]
    if not rows:
        raise LessonInputError(Text(N_("type at least one number")), where=name or None)
    if any(len(row) != len(rows[0]) for row in rows):
        raise LessonInputError(
            Text(N_("every row needs the same number of values")), where=name or None
        )
    return rows


def format_vector(values: list[float] | tuple[float, ...]) -> str:
    """The way the lessons write a vector: ``1, 1, 1.9``."""
    return ", ".join(f"{v:g}" for v in values)

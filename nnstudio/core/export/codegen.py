"""Small helpers for writing Python source that ``ruff format`` would leave unchanged.

The exported script is read by students, so it has to look hand-written: double-quoted
strings, calls and lists wrapped the way ruff/black wrap them, comments on their own line when
they would make a line too long. Everything here works on plain strings.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: ruff format's default line length.
WIDTH = 88
INDENT = "    "


def lit(value: Any) -> str:
    """A Python literal for ``value``: double-quoted strings, floats that round-trip."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(lit(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {value!r}")


def string(text: str) -> str:
    """A string literal the way ruff formats it (double quotes unless that needs escapes)."""
    if '"' in text and "'" not in text:
        return repr(text) if repr(text).startswith("'") else "'" + text + "'"
    return json.dumps(text, ensure_ascii=False)


def wrapped(
    head: str, items: Sequence[str], tail: str, indent: int = 0, *, collection: bool = False
) -> list[str]:
    """``head`` + comma-separated ``items`` + ``tail``, split over lines like ruff format.

    ``head`` ends with the opening bracket (``"foo("``, ``"x = ["``) and ``tail`` starts with
    the closing one. One line if it fits; else (calls only) the items on one indented line;
    else one item per line with a trailing comma, which is how ruff splits a list, tuple or
    dict literal (``collection``) that does not fit.
    """
    pad = INDENT * indent
    one = f"{pad}{head}{', '.join(items)}{tail}"
    if len(one) <= WIDTH and "\n" not in one:
        return [one]
    inner = pad + INDENT
    body = ", ".join(items)
    if not collection and items and len(inner + body) <= WIDTH and not _magic(items):
        return [f"{pad}{head}", inner + body, f"{pad}{tail}"]
    return [f"{pad}{head}", *(f"{inner}{item}," for item in items), f"{pad}{tail}"]


def _magic(items: Sequence[str]) -> bool:
    """One-item-per-line is forced when an item would itself need splitting."""
    return any("\n" in item for item in items)


def call(target: str, func: str, args: Iterable[str], indent: int = 0) -> list[str]:
    """``target = func(args)`` (or a bare call when ``target`` is empty), wrapped."""
    head = f"{target} = {func}(" if target else f"{func}("
    return wrapped(head, list(args), ")", indent)


def assign_list(
    name: str, values: Sequence[Any], indent: int = 0, bracket: str = "[]"
) -> list[str]:
    """``name = [v1, v2, ...]`` wrapped."""
    return wrapped(
        f"{name} = {bracket[0]}", [lit(v) for v in values], bracket[1], indent, collection=True
    )


def assign_dict(name: str, mapping: Mapping[str, Any], indent: int = 0) -> list[str]:
    """``name = {k: v, ...}``; long values (lists) are wrapped inside."""
    pad = INDENT * indent
    items = [f"{lit(k)}: {lit(v)}" for k, v in mapping.items()]
    one = f"{pad}{name} = {{{', '.join(items)}}}"
    if len(one) <= WIDTH:
        return [one]
    lines = [f"{pad}{name} = {{"]
    for key, value in mapping.items():
        entry = f"{lit(key)}: "
        if isinstance(value, (list, tuple)):
            lines += _trail_comma(
                wrapped(entry + "[", [lit(v) for v in value], "]", indent + 1, collection=True)
            )
        else:
            lines.append(f"{pad}{INDENT}{entry}{lit(value)},")
    lines.append(f"{pad}}}")
    return lines


def _trail_comma(lines: list[str]) -> list[str]:
    out = list(lines)
    out[-1] += ","
    return out


def comment(text: str, indent: int = 0) -> list[str]:
    """``# text`` wrapped at the line length."""
    pad = INDENT * indent + "# "
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=pad,
        subsequent_indent=pad,
        break_on_hyphens=False,
        break_long_words=False,
    )


def with_comment(code: str, note: str | None, indent: int = 0) -> list[str]:
    """One statement with a trailing comment, or the comment above it when too long."""
    pad = INDENT * indent
    if not note:
        return [pad + code]
    line = f"{pad}{code}  # {note}"
    if len(line) <= WIDTH:
        return [line]
    return [*comment(note[0].upper() + note[1:] + ".", indent), pad + code]


def docstring(text: str, indent: int = 0) -> list[str]:
    """A docstring as ruff formats it; paragraphs (blank-line separated) wrap separately."""
    pad = INDENT * indent
    paragraphs = [_escape_doc(p.strip()) for p in text.strip().split("\n\n")]
    lines: list[str] = []
    for i, para in enumerate(paragraphs):
        if i:
            lines.append("")
        first = pad + '"""' if i == 0 else pad
        lines += textwrap.wrap(
            para,
            WIDTH,
            initial_indent=first,
            subsequent_indent=pad,
            break_on_hyphens=False,
            break_long_words=False,
        )
    if len(lines) == 1:
        if len(lines[0]) + 3 <= WIDTH:
            return [lines[0] + '"""']
        lines = textwrap.wrap(
            paragraphs[0],
            WIDTH - 3,
            initial_indent=pad + '"""',
            subsequent_indent=pad,
            break_on_hyphens=False,
            break_long_words=False,
        )
    lines.append(f'{pad}"""')
    return lines


def _escape_doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


_NOT_NAMES = {
    "x",
    "self",
    "super",
    "nn",
    "torch",
    "math",
    "np",
    "pd",
    "json",
    "init_weights",
    "forward",
}


def identifier(name: str, fallback: str, taken: set[str]) -> str:
    """A unique, readable attribute name for a layer (``"dense_1"``); ``taken`` is updated.

    Names a user typed are kept when they are plain ASCII identifiers that do not shadow an
    ``nn.Module`` attribute; anything else falls back to the layer type.
    """
    from torch import nn

    candidate = re.sub(r"\W+", "_", name.strip()).strip("_").lower()
    ok = (
        candidate
        and candidate.isascii()
        and candidate.isidentifier()
        and not keyword.iskeyword(candidate)
        and not candidate[0].isdigit()
        and not hasattr(nn.Module, candidate)
        and candidate not in _NOT_NAMES
    )
    base = candidate if ok else fallback
    out, i = base, 2
    while out in taken:
        out = f"{base}_{i}"
        i += 1
    taken.add(out)
    return out


def used_names(code: str) -> set[str]:
    """Every name the code uses outside strings and comments."""
    import io
    import tokenize

    names = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.NAME:
            names.add(token.string)
    return names


def imports(code: str, candidates: Sequence[tuple[str, str]]) -> list[str]:
    """The import lines whose names ``code`` uses (so none is unused), isort-ordered.

    ``candidates`` are ``(statement, name)`` pairs; the statement is kept when ``name`` is
    used in ``code``. Standard-library statements come first, then third-party ones, each
    group with ``import x`` before ``from x import y``, alphabetically.
    """
    names = used_names(code)
    stdlib, third = [], []
    for statement, name in candidates:
        if name in names:
            module = statement.split()[1].split(".")[0]
            (stdlib if module in _STDLIB else third).append(statement)
    out: list[str] = []
    for group in (stdlib, third):
        if not group:
            continue
        plain = sorted((s for s in group if s.startswith("import ")), key=_isort_key)
        froms = sorted((s for s in group if s.startswith("from ")), key=_isort_key)
        if out:
            out.append("")
        out += plain + froms
    return out


_STDLIB = {"argparse", "json", "math", "pathlib", "os", "sys", "copy"}


def _isort_key(statement: str) -> str:
    return statement.split()[1].lower()


def fit_lines(lines: Sequence[str]) -> list[str]:
    """Wrap simple over-long calls (``indent + head(args)``) the way ruff format does."""
    out: list[str] = []
    for line in lines:
        if len(line) <= WIDTH or "#" in line:
            out.append(line)
            continue
        assignment = re.match(r"^(\s*)([A-Za-z_][\w.]*) = (.+[^)\]}])$", line.rstrip())
        if assignment:
            # ruff wraps a long right-hand side without brackets in parentheses.
            pad, name, value = assignment.groups()
            inner = f"{pad}{INDENT}"
            operands = re.match(r'^(\S+) / ("[^"]*")$', value)
            if len(inner + value) > WIDTH and operands:
                # Still too long inside the parentheses: ruff breaks before the operator.
                left, right = operands.groups()
                out += [f"{pad}{name} = (", inner + left, f"{inner}/ {right}", f"{pad})"]
            else:
                out += [f"{pad}{name} = (", inner + value, f"{pad})"]
            continue
        if not line.rstrip().endswith(")"):
            out.append(line)
            continue
        split = split_call(line.rstrip())
        if split is None:
            out.append(line)
            continue
        indent_text, head, args = split
        level = len(indent_text) // len(INDENT)
        out += wrapped(head + "(", args, ")", level)
    return out


def split_call(line: str) -> tuple[str, str, list[str]] | None:
    """``(indent, callee, top-level arguments)`` of a line that is one call, else None.

    Quotes and nested brackets are respected, so ``f(a, g(b, c), "x, y")`` has three
    arguments; a line with anything after the closing parenthesis is not one call.
    """
    stripped = line.lstrip()
    indent_text = line[: len(line) - len(stripped)]
    depth, quote, start = 0, "", None
    parts: list[str] = []
    current = ""
    for i, ch in enumerate(stripped):
        if quote:
            if start is not None and depth >= 1:
                current += ch
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
            if start is not None and depth >= 1:
                current += ch
            continue
        if ch in "([{":
            depth += 1
            if start is None:
                if ch != "(":
                    return None
                start = i
                continue
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and start is not None:
                if i != len(stripped) - 1:
                    return None
                if current.strip():
                    parts.append(current.strip())
                return indent_text, stripped[:start], parts
        if start is not None:
            if ch == "," and depth == 1:
                parts.append(current.strip())
                current = ""
            else:
                current += ch
    return None

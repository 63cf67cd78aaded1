"""Small text helpers shared by several views, without Qt (so presenters can use them too).

A view's wording is composed in plain Python (presenter modules beside the widgets); these
are the pieces more than one view writes the same way.
"""

from __future__ import annotations

import html
import re

from nnstudio.i18n import _, tr

__all__ = ["error_text", "escape_html", "format_shape", "plain_action_text"]

#: A mnemonic written after the text, as Chinese menus do: "文件(&F)".
_TRAILING_MNEMONIC = re.compile(r"\s*\(&[^)]\)")


def escape_html(text: str) -> str:
    """``text`` for a rich-text label or tooltip: ``& < >`` escaped, quotes left as typed."""
    return html.escape(text, quote=False)


def format_shape(size: int | None) -> str:
    """``[batch, 4]``; an unknown width is spelled out (a lone "?" reads as a digit when small).

    The canvas writes a layer's output this way, and the model summary writes it the same.
    """
    # "batch" names the tensor's first dimension, as PyTorch prints it: never translated.
    width = str(size) if size is not None else _("unknown")
    return f"[batch, {width}]"


def error_text(exc: BaseException) -> str:
    """What to show for an error, in the user's language.

    A core error's message may be a :class:`~nnstudio.i18n.Text` (English inside, so that
    logs and JSON never change with the language): it is translated here, where it is shown.
    """
    message = getattr(exc, "message", None)
    if not isinstance(message, str):
        return str(exc)
    where = getattr(exc, "where", None)
    return f"{where}: {tr(message)}" if where else tr(message)


def plain_action_text(text: str) -> str:
    """A menu or action text without its mnemonic, for tooltips and lists.

    ``"&Save"`` → ``"Save"``; ``"保存(&S)"`` → ``"保存"`` (the mnemonic in brackets, as
    translations write it, goes whole rather than leaving "保存(S)").
    """
    text = _TRAILING_MNEMONIC.sub("", text)
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")

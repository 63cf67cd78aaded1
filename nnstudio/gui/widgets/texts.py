"""Small text helpers shared by several views, without Qt (so presenters can use them too).

A view's wording is composed in plain Python (presenter modules beside the widgets); these
are the pieces more than one view writes the same way.
"""

from __future__ import annotations

import html

__all__ = ["escape_html", "format_shape"]


def escape_html(text: str) -> str:
    """``text`` for a rich-text label or tooltip: ``& < >`` escaped, quotes left as typed."""
    return html.escape(text, quote=False)


def format_shape(size: int | None) -> str:
    """``[batch, 4]``; an unknown width is spelled out (a lone "?" reads as a digit when small).

    The canvas writes a layer's output this way, and the model summary writes it the same.
    """
    return f"[batch, {size if size is not None else 'unknown'}]"

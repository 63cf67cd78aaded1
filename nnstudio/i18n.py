"""Everything a user reads, in their language: one gettext catalogue for the core and the GUI.

Why gettext (Python's own ``gettext`` reading ``.mo`` files compiled by Babel) rather than
Qt Linguist: most of what a user reads comes from the Qt-free core — parameter help, layer
names, lint warnings, data errors, the backprop step's text, the command line — and that
must translate without Qt. One mechanism then serves the GUI too, so a term is translated
once for both. Qt's own dialogs (file dialogs, message-box buttons) use Qt's translations,
which :mod:`nnstudio.gui.language` installs beside ours.

How code uses it:

- ``_("Train the network")`` where a text is shown or raised: translated at that moment.
- ``N_("Dense (fully connected)")`` where a text is *defined* ahead of its use (catalogue
  entries, module constants): marks it for extraction, returns it unchanged; the code that
  shows it calls ``_()`` on it. Switching the language then never leaves a stale text.
- ``Text(N_("{name}: learning rate {lr} is far from the usual range"), name=..., lr=...)``
  for messages that also go into JSON or files: a ``str`` holding the English text (so JSON
  output, tests and comparisons never change with the language) that :func:`tr` shows
  translated.
- ``ngettext("1 epoch", "{n} epochs", n)`` for counts.

The catalogues' sources are ``nnstudio/locale/<lang>/LC_MESSAGES/nnstudio.po``; the compiled
``.mo`` files beside them ship in the package. ``python -m nnstudio.i18n`` re-extracts,
updates, reports untranslated or stale entries and compiles (see docs/translating.md).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "nnstudio"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Languages the app offers: code → its own name for itself.
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
DEFAULT = "en"

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = DEFAULT


def normalize(code: str | None) -> str | None:
    """A language code as the app knows it (``zh``, ``zh-CN``, ``zh_CN.UTF-8`` → ``zh_CN``),
    or None when the app has no such language."""
    if not code:
        return None
    code = code.strip().split(".")[0].split("@")[0].replace("-", "_")
    if code in LANGUAGES:
        return code
    base = code.split("_")[0].lower()
    if base == "zh":
        # Traditional-script locales would want zh_TW; until it exists, Simplified is closer
        # to them than English.
        return "zh_CN"
    if base == "en" or base in ("c", "posix"):
        return "en"
    return None


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The language asked for by ``NNSTUDIO_LANG`` (the app passes its choice to the training
    process this way), else by the system (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else
    English."""
    env = os.environ if environ is None else environ
    for variable in ("NNSTUDIO_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for candidate in env.get(variable, "").split(":"):
            found = normalize(candidate)
            if found:
                return found
    return DEFAULT


def set_language(code: str | None) -> str:
    """Use ``code`` (None: the system's) for every text from now on; returns what is used."""
    global _translation, _language
    chosen = normalize(code) if code else system_language()
    chosen = chosen or DEFAULT
    if chosen == DEFAULT:
        _translation = _gettext.NullTranslations()
    else:
        _translation = _gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen], fallback=True
        )
    _language = chosen
    return chosen


def language() -> str:
    """The language texts are shown in now."""
    return _language


def _(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return _translation.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context`` (for short words with several meanings)."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it later."""
    return message


class Text(str):
    """A message that is English as a string and translated when shown (see :func:`tr`).

    ``Text(template, **params)`` equals ``template.format(**params)``, so JSON output, files
    and comparisons do not depend on the language. Parameters that are themselves ``Text``
    are translated too when the message is.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params
        return self

    def translated(self) -> str:
        params = {k: tr(v) if isinstance(v, Text) else v for k, v in self.params.items()}
        text = _(self.template)
        return text.format(**params) if params else text

    def __reduce__(self) -> tuple[Any, ...]:  # pickling between the app and its child
        return (_rebuild_text, (self.template, self.params))


def _rebuild_text(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def tr(value: Any) -> str:
    """What to show for ``value``: a :class:`Text` or a catalogue string, translated."""
    if isinstance(value, Text):
        return value.translated()
    if isinstance(value, str):
        return _(value)
    return str(value)


__all__ = [
    "DEFAULT",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "Text",
    "_",
    "language",
    "ngettext",
    "normalize",
    "pgettext",
    "set_language",
    "system_language",
    "tr",
]

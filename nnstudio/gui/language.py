"""The GUI's language: our catalogue, Qt's own translations, and fonts that can show it.

:func:`apply_language` runs once at start-up, before any window exists: it picks the
language (the user's choice from View → Language, else the system's), loads NN Studio's
catalogue (:mod:`nnstudio.i18n`), installs the Qt translation PySide6 ships for it (file
dialogs, message-box buttons, context menus), and names fonts able to draw the script
instead of relying on whatever the system falls back to. The training process inherits the
choice through ``NNSTUDIO_LANG``, so its messages match the window's.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo
from PySide6.QtWidgets import QApplication

from nnstudio import i18n
from nnstudio.i18n import N_

#: Fonts that draw Simplified Chinese well, best first, on Linux, Windows and macOS.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)
#: Generic family names that fonts may ask for by name (Qt's and fontconfig's aliases).
GENERIC_FAMILIES = ("Sans Serif", "Monospace", "Serif")
#: Qt's translation files for a language, most specific first.
_QT_CATALOGUES = ("qtbase", "qt")
#: Texts of Qt's own dialogs that the catalogue PySide6 ships leaves in English (Qt 6 gave
#: them new source texts, "&Look in:" for "Look in:"): (context, source, disambiguation) →
#: our msgid, translated by our catalogue.
QT_GAPS: dict[tuple[str, str, str | None], str] = {
    ("QFileDialog", "&Look in:", None): N_("&Look in:"),
    ("QFileDialog", "Files of &type:", None): N_("Files of &type:"),
    ("QAbstractFileIconProvider", "Folder", "All other platforms"): N_("Folder"),
    ("QAbstractFileIconProvider", "Drive", None): N_("Drive"),
}


class QtGapTranslator(QTranslator):
    """Translates :data:`QT_GAPS` with our catalogue; Qt asks the other translators for the
    rest."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        msgid = QT_GAPS.get((context, source, disambiguation or None))
        # None is Qt's null string, "not mine": "" would be taken as the translation.
        return i18n._(msgid) if msgid is not None else None

    def isEmpty(self) -> bool:
        return False


_installed: list[QTranslator] = []


def apply_language(app: QApplication, code: str | None) -> str:
    """Use language ``code`` (None: the system's) for the whole app; returns the one used."""
    chosen = i18n.set_language(code)
    os.environ["NNSTUDIO_LANG"] = chosen
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    if chosen != i18n.DEFAULT:
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name in _QT_CATALOGUES:
            translator = QTranslator(app)
            if translator.load(f"{name}_{chosen}", folder):
                QCoreApplication.installTranslator(translator)
                _installed.append(translator)
                break
        # Installed last, so asked first: it answers only for the texts Qt's catalogue lacks.
        gaps = QtGapTranslator(app)
        QCoreApplication.installTranslator(gaps)
        _installed.append(gaps)
        QLocale.setDefault(QLocale(chosen))
    else:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    use_fonts_for(app, chosen)
    return chosen


def cjk_fallbacks() -> list[str]:
    """The CJK fonts installed here, best first."""
    installed = set(QFontDatabase.families())
    return [family for family in CJK_FONTS if family in installed]


def use_fonts_for(app: QApplication, language: str) -> None:
    """Name fonts that can draw ``language``: the UI font first, CJK fallbacks after it.

    Latin letters, digits and formulas keep the UI font; Chinese characters come from the
    first CJK font installed. Done for every language, so names typed in Chinese (column
    headers, class names such as 高端) render in an English UI too.
    """
    fallbacks = cjk_fallbacks()
    font = app.font()
    # The family that really draws the UI: on Linux app.font() names the alias "Sans Serif".
    # Substituting the alias itself would hand Latin text to the CJK font too (its Latin
    # letters are wider than the UI font's), so each alias is resolved first and kept first.
    ui_family = QFontInfo(font).family()
    families = [ui_family, *[f for f in fallbacks if f != ui_family]]
    font.setFamilies(families)
    app.setFont(font)
    QFont.insertSubstitutions(ui_family, [f for f in fallbacks if f != ui_family])
    for generic in GENERIC_FAMILIES:
        # Without a named fallback, Qt asks fontconfig, which draws Chinese with the
        # Japanese glyph forms of Noto Sans CJK JP unless the system itself is Chinese.
        resolved = QFontInfo(QFont(generic)).family()
        QFont.insertSubstitutions(generic, [resolved, *[f for f in fallbacks if f != resolved]])


__all__ = [
    "CJK_FONTS",
    "GENERIC_FAMILIES",
    "QT_GAPS",
    "QtGapTranslator",
    "apply_language",
    "cjk_fallbacks",
    "use_fonts_for",
]

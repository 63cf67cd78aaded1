"""The shipped catalogues are complete, current and faithful to the course's words.

``python -m nnstudio.translations check`` is what a translator runs; these tests run the same
check in the suite, so a text added without its translation (or a translation edited
without compiling) turns the suite red instead of showing English to a Chinese class.
"""

from __future__ import annotations

import re
import string

import pytest

from nnstudio import i18n
from nnstudio.translations import check, extract, languages, load, po_path

LANGUAGES = [code for code in languages() if code != "en"]

#: Course terms (glossary-zh.md): an English text that uses the term on the left is
#: translated with the word on the right, so a class reads one word for one idea.
TERMS = {
    r"\blearning rates?\b": "学习率",
    r"\boptimi[sz]ers?\b": "优化器",
    r"\bloss functions?\b": "损失函数",
    r"\bactivation functions?\b": "激活函数",
    r"\bbackprop(agation)?\b": "反向传播",
    r"\bbatch norm(alization|alisation)?\b": "批量归一化",
    r"\bearly stopping\b": "早停",
    r"\bvalidation set\b": "验证集",
    r"\btest set\b": "测试集",
    r"\btraining set\b": "训练集",
    r"\boverfitting\b": "过拟合",
    r"\bneurons?\b": "神经元",
    r"\bweight initiali[sz]ation\b": "权重初始化",
}


@pytest.fixture(scope="module")
def template():
    return extract()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_none_fuzzy_none_stale_and_compiled(language, template):
    report = check(language, template)
    assert report.total > 1000
    assert report.ok, "\n".join(report.lines())


def fields(text: str) -> set[str]:
    """The ``{placeholders}`` of a brace-format text (with their conversions and specs)."""
    found = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            found.add(f"{name}!{conversion or ''}:{spec or ''}")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_of_their_text(language):
    """A lost or renamed ``{name}`` would raise KeyError, or drop a number, when shown."""
    wrong = []
    for message in load(po_path(language)):
        if not message.id or "python-brace-format" not in message.flags:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        wanted = set().union(*(fields(text) for text in ids))
        for translated in strings:
            if fields(translated) - wanted or (
                fields(translated) != fields(ids[-1]) and fields(translated) != fields(ids[0])
            ):
                wrong.append((ids[0], translated))
    assert wrong == []


def test_the_course_terms_are_used_for_the_course_ideas():
    catalog = load(po_path("zh_CN"))
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        # Placeholders and quoted names are not words of the sentence.
        english = re.sub(r"\{[^}]*\}|\"[^\"]*\"|'[^']*'", "", english)
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        for pattern, term in TERMS.items():
            if re.search(pattern, english, re.IGNORECASE) and term not in chinese:
                wrong.append((english, chinese, term))
    assert wrong == []


def test_the_names_the_lessons_keep_in_latin_letters_stay_latin():
    """ReLU, Adam, SGD, Dropout … are written the lessons' way in Chinese too."""
    catalog = load(po_path("zh_CN"))
    for name in ("ReLU", "Sigmoid", "Tanh", "Softmax", "Adam", "SGD", "Dropout", "MSE"):
        message = catalog.get(name)
        if message is not None:
            assert name in message.string, (name, message.string)
    i18n.set_language("zh_CN")
    try:
        assert i18n._("Learning rate") == "学习率"
        assert i18n._("Optimiser") == "优化器"
    finally:
        i18n.set_language("en")

"""The translation mechanism: choosing a language, texts that stay English in JSON, --lang."""

from __future__ import annotations

import gettext
import io
import json
import pickle

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from nnstudio import i18n
from nnstudio.cli import take_language
from nnstudio.i18n import N_, Text, _, ngettext, tr


@pytest.fixture
def chinese(monkeypatch):
    """A small catalogue standing in for the shipped one (whatever it holds today)."""
    catalog = Catalog(locale="zh_CN")
    catalog.add("Train", "训练")
    catalog.add(
        "{name}: learning rate {lr} is far from the usual range", "{name}：学习率 {lr} 偏离常用范围"
    )
    catalog.add("optimizer", "优化器")
    catalog.add(("1 epoch", "{n} epochs"), ("{n} 个 Epoch",))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    monkeypatch.setattr(i18n, "_translation", gettext.GNUTranslations(buffer))
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh_CN", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh_TW", "zh_CN"),
        ("en_GB.UTF-8", "en"),
        ("C", "en"),
        ("fr_FR", None),
        ("", None),
    ],
)
def test_language_codes_are_understood_as_the_system_writes_them(code, expected):
    assert i18n.normalize(code) == expected


def test_the_default_follows_the_system_locale_and_the_app_can_override_it():
    assert i18n.system_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.system_language({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert i18n.system_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.system_language({}) == "en"
    assert i18n.system_language({"NNSTUDIO_LANG": "en", "LANG": "zh_CN.UTF-8"}) == "en"


def test_set_language_loads_the_shipped_catalogue_and_back():
    try:
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n.language() == "zh_CN"
        assert isinstance(i18n._translation, gettext.GNUTranslations)
    finally:
        assert i18n.set_language("en") == "en"
    assert _("Train") == "Train"


def test_texts_translate_where_they_are_shown(chinese):
    assert _("Train") == "训练"
    assert N_("Train") == "Train"  # marked where defined, translated where shown
    assert tr(N_("optimizer")) == "优化器"
    assert ngettext("1 epoch", "{n} epochs", 3).format(n=3) == "3 个 Epoch"
    assert _("a text nobody translated") == "a text nobody translated"


def test_a_text_is_english_in_json_and_translated_when_shown(chinese):
    message = Text(
        N_("{name}: learning rate {lr} is far from the usual range"), name="dense_1", lr=5
    )
    assert message == "dense_1: learning rate 5 is far from the usual range"
    assert json.dumps({"message": message}) == json.dumps({"message": str(message)})
    assert tr(message) == "dense_1：学习率 5 偏离常用范围"
    again = pickle.loads(pickle.dumps(message))  # crosses to and from the training process
    assert isinstance(again, Text) and tr(again) == tr(message)


@pytest.mark.parametrize(
    ("argv", "code", "rest"),
    [
        (["--lang", "zh_CN", "train", "x.nnsproj"], "zh_CN", ["train", "x.nnsproj"]),
        (["train", "x.nnsproj", "--lang", "zh_CN"], "zh_CN", ["train", "x.nnsproj"]),
        (
            ["train", "--lang=zh_CN", "x.nnsproj", "--json"],
            "zh_CN",
            ["train", "x.nnsproj", "--json"],
        ),
        (["summary", "x.nnsproj"], None, ["summary", "x.nnsproj"]),
    ],
)
def test_lang_is_accepted_before_or_after_the_command(argv, code, rest):
    assert take_language(argv) == (code, rest)


def test_an_unknown_language_is_one_line_and_exit_2(capsys):
    from nnstudio.cli import main

    assert main(["--lang", "xx", "summary", "whatever.nnsproj"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown language 'xx'" in err and "zh_CN" in err
    i18n.set_language("en")

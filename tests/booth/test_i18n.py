"""Every participant-facing string exists in Japanese and English with the same placeholders."""

import string

import pytest

from psyai.booth import i18n


def fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def test_same_keys_and_placeholders_in_both_languages():
    assert set(i18n.STRINGS["ja"]) == set(i18n.STRINGS["en"])
    for key in i18n.STRINGS["en"]:
        assert fields(i18n.STRINGS["ja"][key]) == fields(i18n.STRINGS["en"][key]), key


def test_japanese_strings_are_japanese():
    for key, value in i18n.STRINGS["ja"].items():
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in value), key


def test_unknown_language():
    with pytest.raises(ValueError, match="use one of ja, en"):
        i18n.text("end", "fr")

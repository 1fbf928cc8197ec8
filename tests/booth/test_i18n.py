"""Every participant-facing string exists in Japanese and English with the same placeholders."""

import re
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


def test_demographic_categories_are_the_same_in_both_languages():
    """The AI-use categories differed (monthly/weekly against 月に数回/週に数回): pooled codes meant different
    things. Both screens are built from one table."""
    for question, options in i18n.DEMOGRAPHICS.items():
        assert all(set(opt) == {"en", "ja"} for opt in options)
        en, en_keys = i18n.demographic_screen(question, "en")
        ja, ja_keys = i18n.demographic_screen(question, "ja")
        assert en_keys == ja_keys == [str(k) for k in range(len(options) + 1)]
        for k, opt in enumerate(options, start=1):
            assert f"[{k}] {opt['en']}" in en and f"[{k}] {opt['ja']}" in ja
    assert "週に1回以上" in i18n.demographic_screen("ai_use", "ja")[0]


def test_japanese_wording_a_participant_reads():
    """Words a native reader stumbled on: researcher jargon (試行), a colon ending a sentence, でっち上げ,
    文字キー for the letters A-E, and 4-9 written with a dash beside 1〜7."""
    ja = " ".join(i18n.STRINGS["ja"].values())
    for bad in ("試行", "でっち", "文字キー", "ください：", "4–9", "注意確認", "おかえり", "3つとも", "{n}つ", "問中"):
        assert bad not in ja, bad
    # the machine is "AI" on every screen (モデル alone reads as a fashion model), introduced once as
    # AI（言語モデル…） in each consent; confidence is 自信, the everyday word
    assert re.findall(r"(?<!言語)モデル", ja) == []
    for key in ("consent", "rank_consent", "heval_consent"):
        assert "AI（言語モデル" in i18n.STRINGS["ja"][key]
    assert "確信" not in i18n.text("confidence_question", "ja")
    assert i18n.text("prompt_label", "ja") == "お題："  # the Japanese prompts are requests, not questions


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_consents_say_stopping_costs_nothing(lang):
    for key in ("consent", "rank_consent", "spr_consent", "hl_consent", "heval_consent"):
        assert ("no disadvantage" if lang == "en" else "不利益はありません") in i18n.STRINGS[lang][key], key


@pytest.mark.parametrize("lang, lo, hi, expected", [
    ("en", 1, 3, "Mark at least 1 and at most 3."), ("en", 0, 3, "You may mark up to 3 (or none)."),
    ("en", 2, 2, "Mark exactly 2."), ("ja", 1, 3, "1〜3語を選んでください。"), ("ja", 0, 3, "3語まで選べます（選ばなくてもかまいません）。"),
    ("ja", 2, 2, "2語を選んでください。"),
])
def test_highlight_instructions_say_how_many_words_as_set(lang, lo, hi, expected):
    """The instructions followed --min-select / --max-select; they said "at least one" whatever was set."""
    assert i18n.how_many_words(lang, lo, hi) == expected
    assert expected in i18n.text("hl_instructions", lang, how_many=i18n.how_many_words(lang, lo, hi))


def test_keys_are_listed_in_each_language_s_punctuation():
    assert i18n.key_list("en", ["1", "2", "3"]) == "1, 2, 3"
    assert i18n.key_list("ja", ["1", "2", "3"]) == "1、2、3"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_experiment_debriefs_and_every_last_screen_says_how_to_close(lang):
    for key in ("turing_debrief", "rank_debrief", "spr_debrief", "hl_debrief", "heval_debrief"):
        assert len(i18n.text(key, lang)) > 40
    assert ("SPACE" if lang == "en" else "スペースキー") in i18n.text("close_hint", lang)

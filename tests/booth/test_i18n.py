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
    for bad in ("試行", "でっち", "文字キー", "ください：", "4–9"):
        assert bad not in ja, bad


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_experiment_debriefs_and_every_last_screen_says_how_to_close(lang):
    for key in ("turing_debrief", "rank_debrief", "spr_debrief", "hl_debrief"):
        assert len(i18n.text(key, lang)) > 40
    assert ("SPACE" if lang == "en" else "スペースキー") in i18n.text("close_hint", lang)

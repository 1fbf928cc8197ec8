"""psyai.attention.words: English and Japanese words with character offsets."""

from __future__ import annotations

import pytest

from psyai.attention.words import SegmentationError, Word, segment


def texts(words):
    return [w.text for w in words]


def check_offsets(text, words):
    for w in words:
        assert text[w.start:w.end] == w.text
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))


def test_english_attach_keeps_punctuation_on_the_word():
    text = "  Hello,  world! It costs $3.50 (really) 🙂 ok?"
    words = segment(text, "en")
    assert texts(words) == ["Hello,", "world!", "It", "costs", "$3.50", "(really)", "🙂", "ok?"]
    assert words[0] == Word("Hello,", 2, 8)
    check_offsets(text, words)


def test_english_separate_splits_punctuation_but_not_numbers_or_contractions():
    text = "Don't stop: 1,000 well-known cats... (3.14)!"
    words = segment(text, "en", punctuation="separate")
    assert texts(words) == ["Don't", "stop", ":", "1,000", "well-known", "cats", "...", "(", "3.14", ")!"]
    check_offsets(text, words)


def test_japanese_morphemes_with_offsets():
    text = "私は GPT-4を使って、2024年に🙂テストした。"
    words = segment(text, "ja", punctuation="separate")
    assert texts(words) == ["私", "は", "GPT", "-", "4", "を", "使っ", "て", "、", "2024", "年", "に", "🙂",
                            "テスト", "し", "た", "。"]
    assert words[2] == Word("GPT", 3, 6)
    check_offsets(text, words)


def test_japanese_attach_joins_punctuation_to_its_word():
    text = "彼は「本」を読んだ。"
    words = segment(text, "ja")
    assert texts(words) == ["彼", "は", "「本」", "を", "読ん", "だ。"]
    check_offsets(text, words)


def test_empty_text_has_no_words():
    assert segment("   ", "en") == [] and segment("", "ja") == []


@pytest.mark.parametrize("kwargs, match", [({"lang": "de"}, "lang 'de' .* use one of en, ja"),
                                           ({"punctuation": "drop"}, "use 'attach' or 'separate'")])
def test_bad_settings_name_the_fix(kwargs, match):
    with pytest.raises(SegmentationError, match=match):
        segment("a b", **kwargs)

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


def test_invisible_characters_are_no_words():
    """A zero-width space, soft hyphen or stray BOM is no step of self-paced reading and no clickable word."""
    ja = "私は\u200b本を\u00ad読む\ufeff。"
    assert texts(segment(ja, "ja")) == ["私", "は", "本", "を", "読む", "。"]
    assert texts(segment(ja, "ja", unit="bunsetsu")) == ["私は", "本を", "読む", "。"]
    assert texts(segment("the \u200b cat", "en")) == ["the", "cat"]


def test_empty_text_has_no_words():
    assert segment("   ", "en") == [] and segment("", "ja") == []


@pytest.mark.parametrize("kwargs, match", [({"lang": "de"}, "lang 'de' .* use one of en, ja"),
                                           ({"punctuation": "drop"}, "use 'attach' or 'separate'")])
def test_bad_settings_name_the_fix(kwargs, match):
    with pytest.raises(SegmentationError, match=match):
        segment("a b", **kwargs)


# Bunsetsu as the Kyoto University Text Corpus draws them, checked by hand.
BUNSETSU = [
    ("私は本を読んだ。", ["私は", "本を", "読んだ。"]),
    ("東京大学の学生が新しい本を読んでいる。", ["東京大学の", "学生が", "新しい", "本を", "読んでいる。"]),
    ("彼女はとても静かに話した。", ["彼女は", "とても", "静かに", "話した。"]),
    ("「こんにちは」と言った。", ["「こんにちは」と", "言った。"]),
    ("3月5日に勉強しなければならない。", ["3月5日に", "勉強しなければ", "ならない。"]),
    ("雨が降りそうだ。", ["雨が", "降りそうだ。"]),
    ("AIは人間のように考えることができるか？", ["AIは", "人間のように", "考える", "ことが", "できるか？"]),
    ("読み始めたら止まらない本がない。", ["読み始めたら", "止まらない", "本が", "ない。"]),
    ("GPT-4の文章を読んでください。", ["GPT-4の", "文章を", "読んでください。"]),
    ("「AI」、それは何か。", ["「AI」、", "それは", "何か。"]),
    ("お茶を飲む。今日は　晴れ。雨 Hello world", ["お茶を", "飲む。", "今日は", "晴れ。", "雨", "Hello", "world"]),
    # punctuation inside numbers and abbreviations, and a particle after ？ or %
    ("50%の人が本当？と聞いた。", ["50%の", "人が", "本当？と", "聞いた。"]),
    ("円周率は3.14で、1,000円の本を12:30に買った。", ["円周率は", "3.14で、", "1,000円の", "本を", "12:30に", "買った。"]),
    ("A.I.の話とコーヒー・紅茶。", ["A.I.の", "話と", "コーヒー・紅茶。"]),
    # a time noun (副詞可能) is a bunsetsu of its own before another noun
    ("今日学校に行った。昨年東京に来た。", ["今日", "学校に", "行った。", "昨年", "東京に", "来た。"]),
]


@pytest.mark.parametrize("text, expected", BUNSETSU)
def test_japanese_bunsetsu_group_content_words_with_their_particles(text, expected):
    words = segment(text, "ja", unit="bunsetsu")
    assert texts(words) == expected
    check_offsets(text, words)
    # every bunsetsu is a run of whole morphemes: the morpheme boundaries are a refinement of it
    morphemes = segment(text, "ja")
    starts = {w.start for w in morphemes}
    assert all(w.start in starts for w in words)


def test_decomposed_japanese_is_segmented_as_composed_with_offsets_into_the_text_as_given():
    """Text copied on macOS may be NFD (か + U+3099 for が): words come out as for NFC, as spans of the NFD text."""
    import unicodedata

    composed = "学生が本を読んでいる。"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    for unit in ("word", "bunsetsu"):
        words = segment(decomposed, "ja", unit=unit)
        check_offsets(decomposed, words)
        assert [unicodedata.normalize("NFC", w.text) for w in words] == texts(segment(composed, "ja", unit=unit))


@pytest.mark.parametrize("kwargs, match", [
    ({"lang": "en", "unit": "bunsetsu"}, "bunsetsu' is for Japanese .* use unit 'word'"),
    ({"lang": "ja", "unit": "bunsetsu", "punctuation": "separate"}, "use punctuation 'attach' with unit 'bunsetsu'"),
    ({"lang": "ja", "unit": "phrase"}, "use one of word, bunsetsu")])
def test_bad_units_name_the_fix(kwargs, match):
    with pytest.raises(SegmentationError, match=match):
        segment("a b", **kwargs)

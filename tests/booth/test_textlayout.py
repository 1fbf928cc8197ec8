"""Japanese line breaking by rule (kinsoku shori), each rule with cases of its own.

Lines used to break inside words (いいえ, 毎日, 観葉植物), put "[5]" on one line and its choice on the next,
and left a tail such as ます。 alone on a last line."""

from __future__ import annotations

import pytest

from psyai.booth.textlayout import SHORT_TAIL, _NO_LINE_END, _NO_LINE_START, _width, wrap_cjk

TEXTS = [
    "いいえ、毎日観葉植物に水をやります。彼は「そうですね」と言いました。",
    "年齢層を選んでください。\n\n[1] 20歳未満   [2] 20代   [3] 30代\n[4] 40代   [5] 50代   [6] 60歳以上",
    "GPT-4は2024年に公開され、多くの人が毎日ＡＩアシスタントと話すようになった。",
    "これは短い文章ですが、最後の部分だけが次の行に行きます。",
    "『吾輩は猫である』（夏目漱石）は、（明治時代に）書かれた小説です。",
]
WIDTHS = range(8, 31)


def lines_of(text: str, width: float) -> list[str]:
    return [ln for para in wrap_cjk(text, width).split("\n") for ln in [para] if ln]


@pytest.mark.parametrize("text", TEXTS)
def test_nothing_is_lost_and_no_line_is_wider_than_asked(text):
    for width in WIDTHS:
        wrapped = wrap_cjk(text, width)
        assert wrapped.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
        assert all(_width(line) <= width for line in wrapped.split("\n")), (width, wrapped)


@pytest.mark.parametrize("word", ["いいえ", "毎日", "観葉植物", "2024年", "GPT-4", "アシスタント", "吾輩"])
def test_words_never_break(word):
    for text in TEXTS:
        if word not in text:
            continue
        for width in WIDTHS:
            assert any(word in line for line in lines_of(text, width)), (word, width, wrap_cjk(text, width))


def test_a_key_label_stays_with_its_choice():
    for width in WIDTHS:
        for line in lines_of(TEXTS[1], width):
            assert not line.rstrip().endswith("]"), (width, line)


@pytest.mark.parametrize("text", TEXTS)
def test_kinsoku_no_line_starts_with_closing_marks_or_ends_with_opening_ones(text):
    for width in WIDTHS:
        lines = lines_of(text, width)
        assert not any(line[0] in _NO_LINE_START for line in lines[1:]), (width, lines)
        assert not any(line.rstrip()[-1] in _NO_LINE_END for line in lines), (width, lines)


def test_a_short_tail_is_not_left_alone():
    text = TEXTS[3]
    for width in WIDTHS:
        lines = lines_of(text, width)
        if len(lines) > 1:
            assert _width(lines[-1]) >= SHORT_TAIL, (width, lines)
    assert "ます。" not in [line.strip() for w in WIDTHS for line in lines_of(text, w)]


def test_text_without_wide_characters_is_left_to_psychopy():
    assert wrap_cjk("Plain English text stays as it is.", 5) == "Plain English text stays as it is."

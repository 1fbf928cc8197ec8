"""The self-paced reading screen measured as a participant sees it: nothing but the revealed word changes.

English self-paced reading shifted its row by 4-6 px as words were revealed (a whole line drawn as one
string in a proportional face), which changes reading times. Every frame is rendered and compared."""

from __future__ import annotations

import numpy as np
import pytest

from psyai.attention.words import segment
from psyai.booth.textlayout import word_lines

TEXTS = {
    "en": "The small dog ran across the wet garden, barking at a bird. Williams' WWW mmm iii (42%) went home.",
    "ja": "GPT-4は2024年に公開され、多くの人が毎日ＡＩと話すようになった。小さな犬が濡れた庭を走った。",
}


@pytest.fixture(scope="module")
def win():
    from psyai.booth import ui

    w = ui.make_window(windowed=True, simulated=True)
    yield w
    w.close()


def frame(win, draw) -> np.ndarray:
    win.clearBuffer()
    draw()
    win.getMovieFrame(buffer="back")
    out = np.asarray(win.movieFrames.pop().convert("L"), dtype=float)
    win.clearBuffer()
    return out


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_revealing_a_word_moves_no_other_word_by_a_pixel(win, lang):
    from psyai.booth import ui
    from psyai.booth.reading import MovingWindow, reading_font

    text = TEXTS[lang]
    spans = [(w.start, w.end) for w in segment(text, lang)]
    lines = word_lines(text, spans, 40 if lang == "ja" else 56)
    assert len(lines) >= 2  # the layout wraps, so every line is checked
    window = MovingWindow(win, text, spans, lines, font=reading_font(lang), height=ui.TEXT_HEIGHT, left=-0.7,
                          top=0.2)
    width, height = win.size

    def columns(i: int) -> slice:  # the pixel columns of word i's slot (window units: height, centre 0)
        x0, _, x1, _ = window.slots[i]
        return slice(int(np.floor(width / 2 + x0 * height)) - 1, int(np.ceil(width / 2 + x1 * height)) + 1)

    def rows(i: int) -> slice:
        _, y0, _, y1 = window.slots[i]
        return slice(int(np.floor(height / 2 - y1 * height)) - 1, int(np.ceil(height / 2 - y0 * height)) + 1)

    masked = frame(win, lambda: window.draw(None))
    background = np.median(masked)
    assert (np.abs(masked - background) > 30).sum() > 1000
    for i in range(len(spans)):
        shown = frame(win, lambda: window.draw(i))
        outside = np.ones_like(shown, dtype=bool)
        outside[rows(i), columns(i)] = False
        assert np.array_equal(shown[outside], masked[outside]), f"word {i} {text[slice(*spans[i])]!r} moved others"
        ink = np.abs(shown - background) > 30
        assert ink[rows(i), columns(i)].sum() > 0  # the word itself is drawn, in its slot


def test_english_words_and_their_masks_are_equally_wide(win):
    """In the monospace face a revealed English word takes exactly its mask's place."""
    from psychopy import visual

    from psyai.booth import i18n
    from psyai.booth.textlayout import mask

    for word in ("WWW", "iii", "garden,", "(42%)"):
        a, b = (visual.TextStim(win, t, font=i18n.LATIN_MONO_FONT, height=0.032) for t in (word, mask(word)))
        assert a.boundingBox[0] == b.boundingBox[0]

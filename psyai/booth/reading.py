"""The self-paced reading screen: a moving window whose layout never moves.

Each word has a slot of its own, placed once per text: as wide as the wider of the
word and its mask, as the font draws them (``TextStim.boundingBox``), with the text's
own spacing between slots and the lines of :func:`psyai.booth.textlayout.word_lines`.
Revealing a word draws it in its slot and masks the rest in theirs, so no other word
moves by a pixel whatever the font's glyph widths. (A whole line drawn as one string
shifted: the mask's underscore and the letters differ in width in a proportional
face, and the monospace face of Noto Sans CJK could not be used — pyglet loads the
first face of the font collection, the proportional one.) English is drawn in
DejaVu Sans Mono, so a word and its mask are exactly as wide; Japanese in Noto Sans
CJK JP, whose kana and kanji are as wide as the full-width mask.
"""

from __future__ import annotations

from psyai.booth import i18n
from psyai.booth.textlayout import mask


def reading_font(lang: str) -> str:
    """The moving window's font: monospace Latin for English, the CJK font for Japanese."""
    return i18n.FONT if lang == "ja" else i18n.LATIN_MONO_FONT


class MovingWindow:
    """One text's masked layout and its words, drawn with one word revealed (or none)."""

    def __init__(self, win, text: str, spans: list[tuple[int, int]], lines: list[list[int]], *, font: str,
                 height: float, left: float, top: float, line_spacing: float = 1.6, color="white") -> None:
        from psychopy import visual

        self.win, self.text, self.spans = win, text, spans
        px = win.size[1]  # window units are "height": 1 unit = the window's height in pixels

        def stim(string: str):  # autoLog off: PsychoPy would format the whole stimulus (arrays too) into a log line
            return visual.TextStim(win, string, font=font, height=height, wrapWidth=10, color=color,
                                   anchorHoriz="left", anchorVert="top", alignText="left", languageStyle="LTR",
                                   autoLog=False)

        widths: dict[str, float] = {"": 0.0}

        def width(string: str) -> float:  # advance width in window units, as the font draws it (laid out once)
            if string not in widths:
                widths[string] = float(stim(string).boundingBox[0]) / px
            return widths[string]

        self.words = [stim(text[a:b]) for a, b in spans]
        self.masks = [stim(mask(text[a:b])) for a, b in spans]
        for a_b, word, masked in zip(spans, self.words, self.masks):  # their own layouts give their widths
            widths.setdefault(text[a_b[0]:a_b[1]], float(word.boundingBox[0]) / px)
            widths.setdefault(masked.text, float(masked.boundingBox[0]) / px)
        self.slots: list[tuple[float, float, float, float]] = [(0.0, 0.0, 0.0, 0.0)] * len(spans)  # x0, y0, x1, y1
        for n, line in enumerate(lines):
            y = top - n * height * line_spacing
            x = left
            for k, i in enumerate(line):
                if k:
                    gap = text[spans[line[k - 1]][1]:spans[i][0]].replace("\n", " ") or " "
                    x += width("x" + gap + "x") - width("xx")  # the gap's own advance, bearings cancelled
                w = max(width(text[spans[i][0]:spans[i][1]]), width(mask(text[spans[i][0]:spans[i][1]])))
                self.words[i].pos = self.masks[i].pos = (x, y)
                self.slots[i] = (x, y - height * 1.25, x + w, y)
                x += w

    def draw(self, current: int | None) -> None:
        """Every word masked in its slot but ``current``, which is shown in its own."""
        for i, (word, masked) in enumerate(zip(self.words, self.masks)):
            (word if i == current else masked).draw()

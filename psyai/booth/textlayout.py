"""Text layout PsychoPy does not do for us: Japanese line breaks and pages of long texts.

Pure functions (no window), so they are tested on their own.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that may not start a line in Japanese (kinsoku shori): they stay on the line before.
_NO_LINE_START = set("、。，．・：；？！ー」』）］｝〉》】’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々")
_TOKEN = re.compile(r"[^\s\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+|.")


def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def wrap_cjk(text: str, ems_per_line: float) -> str:
    """Insert line breaks into text with Japanese (or other wide) characters.

    PsychoPy's text layout breaks lines only at spaces, so a Japanese sentence
    would run off the screen. Wide characters count 1 em, others about 0.55;
    Latin words are never split; closing punctuation never starts a line.
    Text without wide characters is returned as it is.
    """
    if not any(_em(ch) == 1.0 for ch in text):
        return text
    out = []
    for para in text.split("\n"):
        lines, line, width = [], "", 0.0
        for token in _TOKEN.findall(para):
            w = sum(_em(ch) for ch in token)
            if width + w > ems_per_line and line.strip() and token[0] not in _NO_LINE_START:
                lines.append(line.rstrip())
                line, width = token.lstrip(), sum(_em(ch) for ch in token.lstrip())
            else:
                line, width = line + token, width + w
        out.append("\n".join(lines + [line]))
    return "\n".join(out)


def paginate(text: str, page_chars: int) -> list[str]:
    """Split a long text into pages of at most ``page_chars`` characters.

    Breaks after a sentence end (., !, ?, 。, ！, ？) or a newline where it can,
    else at a space, else anywhere (Japanese has no spaces). Joining the
    pages with "" gives the text back.
    """
    if page_chars < 1:
        raise ValueError("page_chars must be at least 1")
    pages, rest = [], text
    while len(rest) > page_chars:
        window = rest[:page_chars]
        cut = max((m.end() for m in re.finditer(r"[.!?。！？\n]+\s*", window)), default=0)
        if cut < page_chars // 3:
            cut = window.rfind(" ") + 1
        if cut < page_chars // 3:
            cut = page_chars
        pages.append(rest[:cut])
        rest = rest[cut:]
    return pages + [rest] if rest or not pages else pages


# -- moving-window self-paced reading: a fixed monospace layout -------------------------------

def cells(text: str) -> int:
    """Width in monospace cells: wide (Japanese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def word_lines(text: str, spans: list[tuple[int, int]], cells_per_line: int) -> list[list[int]]:
    """Which words go on which line: greedy, never splitting a word, at most ``cells_per_line`` cells.

    ``spans`` are the words' (start, end) character offsets in ``text``; the
    text between two words (spaces, or nothing in Japanese) stays with the
    line it follows. Fixed once per text, so the layout does not move while
    the window moves.
    """
    lines: list[list[int]] = [[]]
    width = 0
    for i, (start, end) in enumerate(spans):
        gap = _gap(text, spans, i) if i else ""
        w = cells(gap) + cells(text[start:end])
        if lines[-1] and width + w > cells_per_line:
            lines.append([])
            width, w = 0, cells(text[start:end])
        lines[-1].append(i)
        width += w
    return lines


def _gap(text: str, spans: list[tuple[int, int]], i: int) -> str:
    """What stands between word ``i - 1`` and word ``i`` on screen: the text's own spacing, or one
    space where the text has none (Japanese), so the masks show where each segment begins."""
    gap = text[spans[i - 1][1]:spans[i][0]].replace("\n", " ")
    return gap or " "


def mask(word: str) -> str:
    """The moving window's mask of a word: one underscore per cell (full-width for wide characters)."""
    return "".join("＿" if unicodedata.east_asian_width(ch) in ("W", "F") else ("_" if not ch.isspace() else ch)
                   for ch in word)


def moving_window(text: str, spans: list[tuple[int, int]], lines: list[list[int]], current: int | None) -> str:
    """The screen for word ``current`` (None: every word masked): that word shown, the others masked."""
    out = []
    for line in lines:
        parts = []
        for k, i in enumerate(line):
            start, end = spans[i]
            if k:
                parts.append(_gap(text, spans, i))
            word = text[start:end]
            parts.append(word if i == current else mask(word))
        out.append("".join(parts))
    return "\n".join(out)

"""Text layout PsychoPy does not do for us: Japanese line breaks and pages of long texts.

Pure functions (no window), so they are tested on their own.
"""

from __future__ import annotations

import re
import unicodedata

# Line-breaking rules for Japanese (kinsoku shori, JIS X 4051): characters that may not start a line
# stay on the line before; opening brackets may not end a line and go to the next.
_NO_LINE_START = set("、。，．・：；？！ー」』）］｝〉》】’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々")
_NO_LINE_END = set("「『（［｛〈《【‘“([{")
_KEY_LABEL = re.compile(r"\s*\[[^\]\s]{1,6}\]\s*")  # "[5] ": a key and the choice it names stay together
SHORT_TAIL = 4.0  # a last line narrower than this (ems) takes a unit from the line above (no "ます。" alone)


def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _width(text: str) -> float:
    return sum(_em(ch) for ch in text)


def _units(para: str) -> list[str]:
    """The unbreakable pieces of a paragraph, in order; joined they give the paragraph back.

    A piece is a bunsetsu (UniDic morphemes grouped by :func:`psyai.attention.words.segment`,
    so いいえ, 毎日, 観葉植物に, 2023年に never break inside) with the spacing after it; a key
    label such as ``[5] `` goes with the piece it names.
    """
    from psyai.attention.words import segment

    words = segment(para, "ja", unit="bunsetsu")
    if not words:
        return [para] if para else []
    cuts = [0] + [w.start for w in words[1:]] + [len(para)]
    units, label = [], ""
    for start, end in zip(cuts, cuts[1:]):
        piece = para[start:end]
        if _KEY_LABEL.fullmatch(piece):
            label += piece
            continue
        units.append(label + piece)
        label = ""
    if label:
        units.append(label)
    return units


def _hard_split(unit: str, ems: float) -> list[str]:
    """A piece wider than a whole line, cut by characters (never before a character that may not start one)."""
    parts, part = [], ""
    for ch in unit:
        if part and _width(part + ch) > ems and ch not in _NO_LINE_START:
            parts.append(part)
            part = ""
        part += ch
    return parts + [part] if part else parts


def _fill(units: list[str], ems: float) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for unit in units:
        line = lines[-1]
        fits = _width("".join(line) + unit.rstrip()) <= ems
        if line and not fits and unit.lstrip()[:1] not in _NO_LINE_START:
            # an opening bracket at the end of the line goes down with what it opens
            carry = ""
            while line and line[-1].rstrip() and line[-1].rstrip()[-1] in _NO_LINE_END:
                last = line[-1].rstrip()
                carry = last[-1] + carry
                line[-1] = last[:-1]
                if not line[-1]:
                    line.pop()
            lines.append([carry + unit.lstrip()] if carry else [unit.lstrip()])
        else:
            line.append(unit)
    return [ln for ln in lines if ln]


def wrap_cjk(text: str, ems_per_line: float) -> str:
    """Insert line breaks into text with Japanese (or other wide) characters.

    PsychoPy's text layout breaks lines only at spaces, so a Japanese sentence
    would run off the screen. Lines break between bunsetsu (never inside a word:
    see :func:`_units`), by the kinsoku rules (no line starts with 、。」ー or a small
    kana; none ends with an opening bracket), and a last line shorter than
    :data:`SHORT_TAIL` ems takes a piece from the line above. Wide characters
    count 1 em, others about 0.55; Latin words are never split unless one is
    wider than a line. Text without wide characters is returned as it is.
    """
    if not any(_em(ch) == 1.0 for ch in text):
        return text
    out = []
    for para in text.split("\n"):
        units = [part for unit in _units(para)
                 for part in (_hard_split(unit, ems_per_line) if _width(unit.rstrip()) > ems_per_line else [unit])]
        lines = _fill(units, ems_per_line)
        if len(lines) >= 2 and len(lines[-2]) >= 2 and _width("".join(lines[-1]).rstrip()) < SHORT_TAIL:
            moved = lines[-2][-1]
            if _width(moved + "".join(lines[-1]).rstrip()) <= ems_per_line and moved.strip()[-1:] not in _NO_LINE_END:
                lines[-2].pop()
                lines[-1].insert(0, moved.lstrip())
        out.append("\n".join("".join(line).rstrip() for line in lines))
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

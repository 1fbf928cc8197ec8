"""The words of a text, with the character offsets of each.

:func:`segment` splits a text into the units people read and click on:

- ``lang="en"`` (and any space-separated script): words are separated by
  whitespace. ``punctuation="attach"`` (the default) keeps punctuation on the
  word it touches (``"dog."``, ``"(hello"``), the unit of eye-tracking corpora
  (Provo, GECO, ZuCo) and of self-paced reading, where a word is shown with its
  punctuation. ``punctuation="separate"`` makes every run of punctuation a word
  of its own (``"dog"``, ``"."``), while numbers (``3.14``, ``1,000``) and
  contractions or compounds (``don't``, ``well-known``) stay one word.
- ``lang="ja"``: words are the morphemes (short units) of the MeCab analyser
  `fugashi <https://github.com/polm/fugashi>`_ with the UniDic-lite dictionary.
  We chose it because its dictionary installs from PyPI (``pip install fugashi
  unidic-lite``, no system MeCab), UniDic's short units are the standard
  segmentation of Japanese reading corpora (BCCWJ-EyeTrack), and it is fast.
  With ``punctuation="attach"`` a punctuation morpheme (``、`` ``。`` ``」``)
  joins the word before it, an opening bracket (``「``) the word after it, as
  Japanese is displayed in self-paced reading.

Punctuation is any character of Unicode category P* (emoji and other symbols,
category S*, are words of their own when separated by space or by MeCab).
Every :class:`Word` satisfies ``text[word.start:word.end] == word.text``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from psyai.errors import PsyaiError

LANGS = ("en", "ja")
PUNCTUATION_MODES = ("attach", "separate")

# A word in "separate" mode: word characters, joined by single inner apostrophes, hyphens or
# number separators (don't, well-known, 3.14, 1,000); or a run of anything else that is not space.
_SEPARATE_RE = re.compile(r"\w+(?:['’\-.,:/]\w+)*|[^\w\s]+")


class SegmentationError(PsyaiError, ValueError):
    """A text cannot be split into words as asked."""


@dataclass(frozen=True)
class Word:
    """One word of a text: ``text == source[start:end]`` (character offsets, end exclusive)."""

    text: str
    start: int
    end: int


def is_punctuation(chunk: str) -> bool:
    """True when every character of ``chunk`` is Unicode punctuation (category P*)."""
    return bool(chunk) and all(unicodedata.category(ch).startswith("P") for ch in chunk)


def _opening(chunk: str) -> bool:
    return all(unicodedata.category(ch) in ("Ps", "Pi") for ch in chunk)


def segment(text: str, lang: str = "en", *, punctuation: str = "attach") -> list[Word]:
    """The words of ``text`` in reading order (see the module docstring for the rules).

    Args:
        text: any text; leading, trailing and repeated whitespace is skipped.
        lang: ``"en"`` (whitespace-separated scripts) or ``"ja"`` (MeCab morphemes).
        punctuation: ``"attach"`` (punctuation stays on its word) or ``"separate"``.

    Raises:
        SegmentationError: unknown ``lang`` or ``punctuation``, or fugashi missing for ``"ja"``.
    """
    if lang not in LANGS:
        raise SegmentationError(f"lang {lang!r} is not supported; use one of {', '.join(LANGS)}")
    if punctuation not in PUNCTUATION_MODES:
        raise SegmentationError(f"punctuation {punctuation!r}: use 'attach' or 'separate'")
    if lang == "ja":
        pieces = _japanese_pieces(text)
        return _attach_punctuation(text, pieces) if punctuation == "attach" else pieces
    pattern = r"\S+" if punctuation == "attach" else _SEPARATE_RE
    return [Word(m.group(), m.start(), m.end()) for m in re.finditer(pattern, text)]


@lru_cache(maxsize=1)
def _tagger():
    try:
        import fugashi
    except ImportError as exc:  # pragma: no cover - installed with psyai
        raise SegmentationError(
            "Japanese words need the morphological analyser fugashi: pip install fugashi unidic-lite"
        ) from exc
    try:
        return fugashi.Tagger()
    except RuntimeError as exc:  # pragma: no cover
        raise SegmentationError(f"fugashi found no dictionary ({exc}); pip install unidic-lite") from exc


def _japanese_pieces(text: str) -> list[Word]:
    """MeCab morphemes with offsets, found by walking the text (MeCab drops whitespace)."""
    words: list[Word] = []
    cursor = 0
    for morpheme in _tagger()(text):
        surface = morpheme.surface
        found = text.find(surface, cursor)
        if found < 0 or text[cursor:found].strip():  # internal invariant: surfaces are the text in order
            raise SegmentationError(f"MeCab morpheme {surface!r} is not at offset {cursor} of {text!r}")
        cursor = found + len(surface)
        if surface.strip():  # MeCab returns some spaces (U+3000) as morphemes: not words
            words.append(Word(surface, found, cursor))
    return words


def _attach_punctuation(text: str, pieces: list[Word]) -> list[Word]:
    """Join punctuation-only pieces to the adjacent word (opening brackets forward, others back)."""
    spans: list[list[int]] = []
    pending_open: int | None = None  # start of opening punctuation waiting for its word
    for piece in pieces:
        if is_punctuation(piece.text) and _opening(piece.text):
            if pending_open is None:
                pending_open = piece.start
            continue
        if is_punctuation(piece.text) and spans and spans[-1][1] == piece.start and pending_open is None:
            spans[-1][1] = piece.end
            continue
        start = pending_open if pending_open is not None else piece.start
        pending_open = None
        spans.append([start, piece.end])
    if pending_open is not None:
        end = pieces[-1].end
        if spans and spans[-1][1] == pending_open:
            spans[-1][1] = end
        else:
            spans.append([pending_open, end])
    return [Word(text[s:e], s, e) for s, e in spans]

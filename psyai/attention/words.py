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
- ``lang="ja", unit="bunsetsu"``: the same morphemes grouped into bunsetsu
  (文節: a content word with the function words after it, ``私は|本を|読んだ。``),
  the usual region of Japanese self-paced reading. The grouping is rule-based on
  UniDic's parts of speech (no dependency parser is installed): a new bunsetsu
  starts at every morpheme except
  particles (助詞), auxiliaries (助動詞), suffixes (接尾辞), auxiliary stems
  (助動詞語幹: ``降りそう``, ``人間のように``), punctuation, the morpheme after a
  prefix (接頭辞), a noun (or symbol) straight after a noun, symbol or suffix
  (compounds and numbers: ``東京大学の``, ``3月5日に``, ``GPT-4の``; but a time
  noun such as 今日 or 昨年 stands alone: ``今日|学校に``), and a
  verb or adjective that can be auxiliary (非自立可能) after a verb, an
  adjective, a na-adjective stem, a *suru*-noun or the *te*-form particle
  (``勉強し``, ``読み始めた``, ``読んでいる``, ``読んでください``; but
  ``ことが|できる``, ``本が|ない``, ``しなければ|ならない``). Punctuation is
  attached; a particle after it still joins (``本当？と``, ``50%の``), and
  ``.`` ``,`` ``:`` between digits or Latin letters, closing brackets, dashes
  and ``・`` do not break a bunsetsu (``3.14で``, ``1,000円の``, ``A.I.の``,
  ``「AI」と``, ``コーヒー・紅茶を``); ``、`` ``。`` ``？`` and whitespace do.
  These rules follow the Kyoto University Text Corpus on the tested sentences;
  a study that needs hand-made regions can pass words of its own to
  :func:`psyai.attention.align.encode`.

Japanese in decomposed form (NFD, as copied on macOS) is analysed as NFC, with
offsets into the text as given.

Punctuation is any character of Unicode category P* (emoji and other symbols,
category S*, are words of their own when separated by space or by MeCab).
Invisible format characters (category Cf: zero-width space, soft hyphen, BOM)
separate words like whitespace and belong to none.
Every :class:`Word` satisfies ``text[word.start:word.end] == word.text``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from psyai.errors import PsyaiError

LANGS = ("en", "ja")
PUNCTUATION_MODES = ("attach", "separate")
UNITS = ("word", "bunsetsu")
UNIT_HELP = ("what one word is: 'word' (English: between spaces; Japanese: a UniDic morpheme) or 'bunsetsu' "
             "(Japanese: a content word with its particles and auxiliaries) (default %(default)s)")

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


def is_blank(ch: str) -> bool:
    """Whitespace or an invisible format character (zero-width space, soft hyphen, BOM): part of no word."""
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def has_japanese(text: str) -> bool:
    """True when ``text`` holds kana or kanji (how a text of unknown language is taken for Japanese)."""
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def is_punctuation(chunk: str) -> bool:
    """True when every character of ``chunk`` is Unicode punctuation (category P*)."""
    return bool(chunk) and all(unicodedata.category(ch).startswith("P") for ch in chunk)


def _opening(chunk: str) -> bool:
    return all(unicodedata.category(ch) in ("Ps", "Pi") for ch in chunk)


def check_segmentation(lang: str, punctuation: str, unit: str) -> None:
    """Refuse a combination :func:`segment` cannot do, before any text is read."""
    if lang not in LANGS:
        raise SegmentationError(f"lang {lang!r} is not supported; use one of {', '.join(LANGS)}")
    if punctuation not in PUNCTUATION_MODES:
        raise SegmentationError(f"punctuation {punctuation!r}: use 'attach' or 'separate'")
    if unit not in UNITS:
        raise SegmentationError(f"unit {unit!r}: use one of {', '.join(UNITS)}")
    if unit == "bunsetsu" and lang != "ja":
        raise SegmentationError(f"unit 'bunsetsu' is for Japanese (lang 'ja'), not {lang!r}; use unit 'word'")
    if unit == "bunsetsu" and punctuation != "attach":
        raise SegmentationError("a bunsetsu keeps its punctuation, as it is shown: use punctuation 'attach' "
                                "with unit 'bunsetsu'")


def segment(text: str, lang: str = "en", *, punctuation: str = "attach", unit: str = "word") -> list[Word]:
    """The words of ``text`` in reading order (see the module docstring for the rules).

    Args:
        text: any text; leading, trailing and repeated whitespace is skipped.
        lang: ``"en"`` (whitespace-separated scripts) or ``"ja"`` (MeCab morphemes).
        punctuation: ``"attach"`` (punctuation stays on its word) or ``"separate"``.
        unit: ``"word"`` (English words, Japanese morphemes) or ``"bunsetsu"`` (Japanese only).

    Raises:
        SegmentationError: unknown ``lang``, ``punctuation`` or ``unit``, or fugashi missing for ``"ja"``.
    """
    check_segmentation(lang, punctuation, unit)
    if lang == "ja":
        morphemes = _japanese_morphemes(text)
        if unit == "bunsetsu":
            return _group(text, morphemes, _joins)
        return _group(text, morphemes, None) if punctuation == "attach" else [m.word for m in morphemes]
    pattern = r"\S+" if punctuation == "attach" else _SEPARATE_RE
    return [Word(m.group(), m.start(), m.end()) for m in re.finditer(pattern, text)
            if not all(is_blank(ch) for ch in m.group())]


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


@dataclass(frozen=True)
class _Morpheme:
    word: Word
    pos1: str  # UniDic 品詞 levels 1-3
    pos2: str
    pos3: str


def _nfc_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` in NFC and, for each of its characters, the ``[start, end)`` of the characters of ``text``
    it comes from: a base character and the combining marks after it (``か`` + U+3099 → ``が``)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        for ch in unicodedata.normalize("NFC", text[i:j]):
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def _japanese_morphemes(text: str) -> list[_Morpheme]:
    """MeCab morphemes with offsets and parts of speech, found by walking the text (MeCab drops whitespace).

    Decomposed text (NFD, as copied on macOS: ``か`` + a combining voiced mark) is analysed in NFC,
    as MeCab's dictionary expects, and the offsets are mapped back, so every word is still a span
    of ``text`` itself.
    """
    nfc, starts, ends = (text, None, None) if unicodedata.is_normalized("NFC", text) else _nfc_with_offsets(text)
    out: list[_Morpheme] = []
    cursor = 0
    for morpheme in _tagger()(nfc):
        surface = morpheme.surface
        found = nfc.find(surface, cursor)
        if found < 0 or nfc[cursor:found].strip():  # internal invariant: surfaces are the text in order
            raise SegmentationError(f"MeCab morpheme {surface!r} is not at offset {cursor} of {text!r}")
        cursor = found + len(surface)
        # MeCab returns some spaces (U+3000) and invisible format characters (zero-width space, soft
        # hyphen, a stray BOM) as morphemes: not words, or self-paced reading would show an empty step
        if not all(is_blank(ch) for ch in surface):
            start, end = (found, cursor) if starts is None else (starts[found], ends[cursor - 1])
            f = morpheme.feature
            out.append(_Morpheme(Word(text[start:end], start, end), str(f.pos1), str(f.pos2), str(f.pos3)))
    return out


_FUNCTION_POS = ("助詞", "助動詞", "接尾辞")
_AUXILIARY_HOSTS = ("動詞", "形容詞", "形状詞")  # a 非自立可能 verb or adjective after these continues the bunsetsu


def _continues(prev: _Morpheme, cur: _Morpheme) -> bool:
    """Whether ``cur`` belongs to the bunsetsu whose last content morpheme is ``prev`` (module docstring)."""
    if cur.pos1 in _FUNCTION_POS or cur.pos2 == "助動詞語幹" or prev.pos1 == "接頭辞":
        return True
    if cur.pos1 in ("名詞", "記号") and prev.pos1 in ("名詞", "記号", "接尾辞"):
        return not (prev.pos1 == "名詞" and prev.pos3 == "副詞可能")  # 今日|学校に: a time noun stands alone
    if cur.pos1 in ("動詞", "形容詞") and cur.pos2 == "非自立可能":
        return (prev.pos1 in _AUXILIARY_HOSTS or (prev.pos1 == "名詞" and "サ変" in prev.pos3)
                or (prev.pos2 == "接続助詞" and unicodedata.normalize("NFC", prev.word.text) in ("て", "で")))
    return False


def _half_width_alnum(ch: str) -> bool:
    folded = unicodedata.normalize("NFKC", ch)
    return folded.isascii() and folded.isalnum()


def _joins(prev: _Morpheme, punctuation: str, cur: _Morpheme) -> bool:
    """Whether ``cur`` goes on the bunsetsu of ``prev`` across the ``punctuation`` between them.

    A particle or auxiliary never starts a bunsetsu (``本当？と``, ``50%の``). Closing brackets,
    dashes and ``・`` link like nothing between (``「AI」と``, ``GPT-4の``, ``コーヒー・紅茶を``), and so
    do ``.`` ``,`` ``:`` ``/`` between Latin letters or digits (``3.14``, ``1,000円``, ``12:30に``,
    ``A.I.の``); other punctuation (``、`` ``。`` ``？``) ends the bunsetsu.
    """
    if not punctuation:
        return _continues(prev, cur)
    if cur.pos1 in _FUNCTION_POS or cur.pos2 == "助動詞語幹":
        return True
    links = all(unicodedata.category(ch) in ("Pe", "Pf", "Pd", "Pc") or ch in "・&'’" for ch in punctuation)
    inside = (len(punctuation) == 1 and punctuation in ".,:/．，：／" and _half_width_alnum(prev.word.text[-1])
              and _half_width_alnum(cur.word.text[0]))
    return (links or inside) and _continues(prev, cur)


def _group(text: str, morphemes: list[_Morpheme],
           joins: Callable[[_Morpheme, str, _Morpheme], bool] | None) -> list[Word]:
    """Morphemes to words, punctuation attached: opening brackets to the word after them, other
    punctuation to the word before; ``joins(prev, punctuation_between, cur)`` says whether a morpheme
    goes on the current word (None: never, one word per morpheme)."""
    spans: list[list[int]] = []
    prev: _Morpheme | None = None  # the last morpheme of the current word
    between = ""  # punctuation attached since prev
    pending_open: int | None = None  # start of opening brackets waiting for their word
    for m in morphemes:
        adjacent = bool(spans) and spans[-1][1] == m.word.start and pending_open is None
        if is_punctuation(m.word.text):
            if _opening(m.word.text):
                pending_open = m.word.start if pending_open is None else pending_open
            elif adjacent:
                spans[-1][1] = m.word.end
                between += m.word.text
            else:
                spans.append([pending_open if pending_open is not None else m.word.start, m.word.end])
                pending_open, prev, between = None, None, ""
            continue
        if adjacent and prev is not None and joins is not None and joins(prev, between, m):
            spans[-1][1] = m.word.end
        else:
            spans.append([pending_open if pending_open is not None else m.word.start, m.word.end])
            pending_open = None
        prev, between = m, ""
    if pending_open is not None:  # opening brackets with nothing after them: on the word before, if they touch
        if spans and spans[-1][1] == pending_open:
            spans[-1][1] = morphemes[-1].word.end
        else:
            spans.append([pending_open, morphemes[-1].word.end])
    return [Word(text[a:b], a, b) for a, b in spans]

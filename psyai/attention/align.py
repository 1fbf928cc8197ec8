"""Which subword tokens make up which word: alignment through character offsets.

A fast tokenizer (``tokenizers``-backed, ``PreTrainedTokenizerFast``) reports
for every token the character span of the text it came from
(``return_offsets_mapping=True``). :func:`align_tokens` gives each token the
index of the word (from :func:`psyai.attention.words.segment`) that span lies
in, by these rules, the same for every tokenizer family:

- a special token (``<s>``, ``[CLS]``, ``<|endoftext|>``) belongs to no word (``-1``);
- leading whitespace (and invisible format characters such as a zero-width
  space) in a span is skipped: byte-level BPE (GPT-2) tokens such as
  ``Ġthe`` and SentencePiece tokens such as ``▁the`` carry the space before
  their word, and belong to that word;
- a token whose span is empty or only whitespace (``Ġ`` or ``▁`` alone, as with
  repeated spaces, or SentencePiece's prepended ``▁``) belongs to the next word,
  as the space a byte-level BPE token carries does; after the last word, to none;
- otherwise a token belongs to the word holding its first non-space character.
  Byte-level BPE splits an emoji or a kanji into several byte tokens that all
  report the character's span: they all go to that character's word. A token
  that runs over a word boundary (a SentencePiece piece ``ts.`` when
  punctuation is separated, a merged kana pair across two morphemes) goes to
  the word it starts in, and a word left without a token of its own is listed
  in :attr:`Alignment.tokenless` (its measures are missing, not invented).

Offsets are taken on the original text even when the tokenizer normalises it
(NFKC, lower-casing): ``tokenizers`` maps them back.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Sequence

from psyai.attention.words import Word, is_blank, segment
from psyai.errors import PsyaiError


class AlignmentError(PsyaiError, ValueError):
    """Tokens cannot be aligned to words."""


@dataclass(frozen=True)
class Alignment:
    """Tokens of one text and the word each belongs to.

    Attributes:
        text: the text.
        words: its words (:func:`~psyai.attention.words.segment`).
        input_ids: token ids as the model reads them (special tokens included).
        offsets: ``(start, end)`` character span of each token.
        token_word: index into ``words`` of each token, ``-1`` for none.
        tokenless: indices of words with no token of their own.
    """

    text: str
    words: list[Word]
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    token_word: list[int]
    tokenless: list[int] = field(default_factory=list)

    def word_tokens(self) -> list[list[int]]:
        """For each word, the indices of its tokens (in order)."""
        out: list[list[int]] = [[] for _ in self.words]
        for token, word in enumerate(self.token_word):
            if word >= 0:
                out[word].append(token)
        return out


def align_tokens(
    text: str, words: Sequence[Word], offsets: Sequence[tuple[int, int]], special: Sequence[bool] | None = None
) -> list[int]:
    """Word index (or ``-1``) of each token with character span ``offsets`` (rules: module docstring)."""
    starts = [w.start for w in words]
    special = special if special is not None else [False] * len(offsets)
    token_word: list[int] = []
    for (start, end), is_special in zip(offsets, special):
        if is_special:
            token_word.append(-1)
            continue
        while start < end and is_blank(text[start]):
            start += 1
        if start >= end:  # empty, whitespace or invisible characters only: the next word's
            nxt = bisect.bisect_left(starts, start)
            token_word.append(nxt if nxt < len(words) else -1)
            continue
        holder = bisect.bisect_right(starts, start) - 1
        if holder >= 0 and start < words[holder].end:
            token_word.append(holder)
        else:  # a non-space character outside every word: only if the words are not this text's
            raise AlignmentError(
                f"token at characters {start}-{end} of {text[:40]!r} lies in no word; segment this same text "
                "(psyai.attention.words.segment) before aligning"
            )
    return token_word


def encode(
    tokenizer: Any,
    text: str,
    lang: str = "en",
    *,
    punctuation: str = "attach",
    unit: str = "word",
    words: Sequence[Word] | None = None,
    add_special_tokens: bool = True,
) -> Alignment:
    """Tokenize ``text`` and align its tokens to its words.

    Args:
        tokenizer: a fast ``transformers`` tokenizer (``tokenizer.is_fast``).
        text: the text.
        lang, punctuation, unit: passed to :func:`~psyai.attention.words.segment`.
        words: the words, when already segmented (``lang``/``punctuation``/``unit`` are then unused).
        add_special_tokens: let the tokenizer add BOS/CLS/SEP as the model expects.

    Raises:
        AlignmentError: a slow (Python) tokenizer, which has no character offsets.
    """
    if not getattr(tokenizer, "is_fast", False):
        raise AlignmentError(
            f"{type(tokenizer).__name__} is a slow tokenizer without character offsets; load the model's fast "
            "tokenizer (AutoTokenizer.from_pretrained(..., use_fast=True), which needs the 'tokenizers' package)"
        )
    words = list(words) if words is not None else segment(text, lang, punctuation=punctuation, unit=unit)
    enc = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True,
                    add_special_tokens=add_special_tokens)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    special = [bool(s) for s in enc["special_tokens_mask"]]
    token_word = align_tokens(text, words, offsets, special)
    owned = set(token_word)
    return Alignment(text=text, words=words, input_ids=list(enc["input_ids"]), offsets=offsets,
                     token_word=token_word, tokenless=[i for i in range(len(words)) if i not in owned])

"""psyai.attention.align: subword tokens to words, for byte-level BPE and SentencePiece tokenizers."""

from __future__ import annotations

from functools import lru_cache

import pytest

from psyai.attention.align import AlignmentError, align_tokens, encode
from psyai.attention.words import Word, segment

# (text, lang, punctuation): punctuation, numbers, emoji, mixed scripts, repeated spaces
CASES = [
    ("Hi,  the 3.14 cats🙂 ran!", "en", "attach"),
    ("Hi,  the 3.14 cats🙂 ran!", "en", "separate"),
    ("Don't  pay $1,000... ok?", "en", "separate"),
    ("私はGPT-4を使って、2024年に🙂テストした。", "ja", "attach"),
    ("東京 の café で　ＡＩ を見た。", "ja", "separate"),
]


@lru_cache(maxsize=1)
def bpe_tokenizer():
    """GPT-2 style byte-level BPE (leading-space tokens), as in psyai.models.demo."""
    from psyai.models.demo import TINY, build_tokenizer

    return build_tokenizer(TINY)


@lru_cache(maxsize=1)
def sp_tokenizer():
    """SentencePiece style: Unigram with the Metaspace pre-tokenizer (▁ marks a word start), NFKC, BOS/EOS."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    from psyai.models.demo import DEMO_CORPUS

    sp = Tokenizer(models.Unigram())
    sp.normalizer = normalizers.NFKC()
    sp.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    sp.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=1000, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                                      unk_token="<unk>", show_progress=False)
    sp.train_from_iterator((x for _, p, a in DEMO_CORPUS for x in (p, a)), trainer)
    sp.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    return PreTrainedTokenizerFast(tokenizer_object=sp, unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
                                   eos_token="</s>")


TOKENIZERS = {"bpe": bpe_tokenizer, "sentencepiece": sp_tokenizer}


def spans(alignment):
    """Each word with the text spans of its tokens."""
    return [(w.text, [alignment.text[alignment.offsets[t][0]:alignment.offsets[t][1]] for t in toks])
            for w, toks in zip(alignment.words, alignment.word_tokens())]


def stripped_start(text, span):
    s, e = span
    while s < e and text[s].isspace():
        s += 1
    return s


@pytest.mark.parametrize("name", TOKENIZERS)
@pytest.mark.parametrize("text, lang, punctuation", CASES)
def test_tokens_start_in_their_word_and_cover_it(name, text, lang, punctuation):
    tokenizer = TOKENIZERS[name]()
    a = encode(tokenizer, text, lang, punctuation=punctuation)
    assert a.words == segment(text, lang, punctuation=punctuation)
    for index, (word, toks) in enumerate(zip(a.words, a.word_tokens())):
        if not toks:  # a token started in an earlier word runs over this one
            assert index in a.tokenless
            assert any(a.offsets[t][1] >= word.end for t in range(len(a.offsets)) if 0 <= a.token_word[t] < index)
            continue
        assert toks == list(range(toks[0], toks[-1] + 1))  # contiguous
        starts = [stripped_start(text, a.offsets[t]) for t in toks]
        real = [s for s, t in zip(starts, toks) if s < a.offsets[t][1]]
        crossed = any(a.offsets[t][1] > word.start for t in range(toks[0]) if a.token_word[t] >= 0)
        assert (min(real) == word.start or crossed) and all(word.start <= s < word.end for s in real)
        assert max(a.offsets[t][1] for t in toks) >= word.end
    assert [t for t, w in enumerate(a.token_word) if w < 0] == [
        t for t, i in enumerate(a.input_ids) if i in tokenizer.all_special_ids and i != tokenizer.unk_token_id]


# Known segmentations, checked by hand: each word with the text spans of its tokens.
KNOWN = {
    ("bpe", 1): [("Hi", ["H", "i"]), (",", [","]), ("the", [" ", " the"]), ("3.14", [" ", "3", ".", "1", "4"]),
                 ("cats", [" cat", "s"]), ("🙂", ["🙂"] * 4), ("ran", [" r", "an"]), ("!", ["!"])],
    ("sentencepiece", 1): [("Hi", ["H", "i"]), (",", [","]), ("the", [" ", " the"]), ("3.14", [" ", "3", ".", "14"]),
                           ("cats", [" ca", "ts"]), ("🙂", ["🙂"]), ("ran", [" ", "r", "an"]), ("!", ["!"])],
    ("bpe", 3): [("私", ["私"] * 3), ("は", ["は"]), ("GPT-", ["G", "P", "T", "-"]), ("4", ["4"]), ("を", ["を"]),
                 ("使っ", ["使", "っ"]), ("て、", ["て", "、"]), ("2024", ["2", "0", "2", "4"]), ("年", ["年"]),
                 ("に", ["に"]), ("🙂", ["🙂"] * 4), ("テスト", ["テ", "ス", "ト"]), ("し", ["し"]), ("た。", ["た", "。"])],
    # SentencePiece pieces run over morpheme boundaries ("-4", "した。"): the word they start in gets them
    ("sentencepiece", 3): [("私", ["私", "私"]), ("は", ["は"]), ("GPT-", ["GP", "T", "-4"]), ("4", []),
                           ("を", ["を"]), ("使っ", ["使", "って"]), ("て、", ["、"]), ("2024", ["2024"]),
                           ("年", ["年"]), ("に", ["に"]), ("🙂", ["🙂"]), ("テスト", ["テ", "ス", "ト"]),
                           ("し", ["した。"]), ("た。", [])],
    ("bpe", 4): [("東京", ["東", "東", "東", "京", "京"]), ("の", [" ", "の"]), ("café", [" c", "a", "f", "é", "é"]),
                 ("で", [" ", "で"]), ("ＡＩ", ["\u3000", "\u3000", "Ａ", "Ａ", "Ａ", "Ｉ", "Ｉ", "Ｉ"]),
                 ("を", [" ", "を"]), ("見", ["見"]), ("た", ["た"]), ("。", ["。"])],
}


@pytest.mark.parametrize("name, case", list(KNOWN))
def test_alignment_matches_known_segmentation(name, case):
    text, lang, punctuation = CASES[case]
    a = encode(TOKENIZERS[name](), text, lang, punctuation=punctuation)
    assert spans(a) == KNOWN[name, case]
    assert a.tokenless == [i for i, (_, toks) in enumerate(KNOWN[name, case]) if not toks]


@pytest.mark.parametrize("name", TOKENIZERS)
def test_bunsetsu_alignment_is_the_morpheme_alignment_grouped(name):
    """A bunsetsu is a run of whole morphemes, so each token's bunsetsu is the one holding its morpheme."""
    tokenizer = TOKENIZERS[name]()
    for text in ("東京大学の学生がGPT-4の文章を読んでいる。", "「こんにちは」と言った、3月5日に🙂。", "私は café で AI を見た。",
                 "私は\u200b本を\u00ad読む\ufeff。"):
        by_morpheme = encode(tokenizer, text, "ja")
        by_bunsetsu = encode(tokenizer, text, "ja", unit="bunsetsu")
        assert by_bunsetsu.words == segment(text, "ja", unit="bunsetsu")
        assert by_bunsetsu.input_ids == by_morpheme.input_ids
        holder = [next(b for b, w in enumerate(by_bunsetsu.words) if w.start <= m.start < w.end)
                  for m in by_morpheme.words]
        assert by_bunsetsu.token_word == [holder[w] if w >= 0 else -1 for w in by_morpheme.token_word]


def test_special_tokens_belong_to_no_word():
    a = encode(sp_tokenizer(), "the cat")
    assert a.token_word[0] == -1 and a.token_word[-1] == -1
    assert sp_tokenizer().convert_ids_to_tokens([a.input_ids[0], a.input_ids[-1]]) == ["<s>", "</s>"]


def test_slow_tokenizer_is_refused_with_the_fix():
    class Slow:
        is_fast = False

    with pytest.raises(AlignmentError, match="load the model's fast tokenizer"):
        encode(Slow(), "a b")


def test_words_of_another_text_are_refused():
    with pytest.raises(AlignmentError, match="segment this same text"):
        align_tokens("ab cd", [Word("ab", 0, 2)], [(0, 2), (3, 5)])

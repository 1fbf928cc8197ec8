"""Word-level model measures for comparing human and transformer attention (issue 5).

- :mod:`psyai.attention.words`: the words of a text (English by whitespace and
  punctuation, Japanese by the MeCab analyser fugashi with the UniDic-lite
  dictionary), each with its character offsets;
- :mod:`psyai.attention.align`: which subword tokens belong to which word,
  through the tokenizer's character offsets;
- :mod:`psyai.attention.measures`: per word, layer and head: attention received,
  attention rollout, gradient × input saliency and surprisal;
- :mod:`psyai.attention.cli`: ``psyai attention extract`` and ``bench``.
"""

from psyai.attention.words import Word, segment

__all__ = ["Word", "segment"]

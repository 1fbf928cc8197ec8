"""Helpers for tests and power analyses: synthetic stimulus sets that pass validation.

Texts here are synthetic placeholders ("origin" says so); they exist so the
experiment machinery can be exercised at any size without a real stimulus set.
"""

from __future__ import annotations

import csv
from pathlib import Path



def write_synthetic_stimuli(path: str | Path, n_prompts: int = 20, langs: tuple[str, ...] = ("en", "ja"),
                            n_practice: int = 2) -> Path:
    """A valid stimulus CSV: ``n_prompts`` prompts per language, each with a human and a model version."""
    path = Path(path)
    rows = []
    for lang in langs:
        for k in range(n_prompts):
            prompt = f"Synthetic prompt {k}?" if lang == "en" else f"合成プロンプト {k} について書いてください。"
            for source in ("human", "model"):
                text = (f"Synthetic {source} answer number {k}." if lang == "en"
                        else f"合成された{'人' if source == 'human' else 'モデル'}の回答 {k} です。")
                rows.append({"item_id": f"{lang}-{k:03d}-{source}", "lang": lang, "source": source, "text": text,
                             "prompt": prompt, "prompt_id": f"{lang}-p{k:03d}",
                             "model": "synthetic-model" if source == "model" else "",
                             "origin": "synthetic test item, not written by a person or a model", "practice": "0"})
        for k in range(n_practice):
            source = ("human", "model")[k % 2]
            rows.append({"item_id": f"{lang}-practice-{k}", "lang": lang, "source": source,
                         "text": f"Practice text {k}." if lang == "en" else f"練習用のテキスト {k} です。", "prompt": "", "prompt_id": "",
                         "model": "synthetic-model" if source == "model" else "",
                         "origin": "synthetic test item", "practice": "1"})
    return write_stimulus_csv(rows, path)


def write_stimulus_csv(rows: list[dict], path: str | Path) -> Path:
    """Stimulus rows as a CSV that `psyai validate` accepts (booleans written as 1/0)."""
    path = Path(path)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: int(v) if isinstance(v, bool) else v for k, v in row.items()})
    return path


def write_synthetic_rankings(path: str | Path, n_prompts: int = 6, k: int = 5, seed: int = 1,
                             langs: tuple[str, ...] = ("en", "ja")) -> Path:
    """A valid ranking stimulus CSV from :func:`psyai.participants.rankers.synthetic_ranking_items` (known utilities)."""
    from psyai.participants.rankers import synthetic_ranking_items

    rows = [row for i, lang in enumerate(langs) for row in synthetic_ranking_items(n_prompts, k, seed=seed + i, lang=lang)]
    return write_stimulus_csv(rows, path)


def write_synthetic_texts(path: str | Path, n_items: int = 4, langs: tuple[str, ...] = ("en", "ja")) -> Path:
    """A valid stimulus CSV of short texts for the reading and highlighting experiments.

    Every other item carries a yes/no comprehension question; one practice text per language.
    """
    en = ["The small dog ran across the wet garden, barking at a bird.",
          "My sister baked bread on Sunday, and the whole house smelled warm.",
          "A quiet train crossed the bridge just after midnight.",
          "We planted tomatoes in May; by August they were sweet and red."]
    ja = ["小さな犬が濡れた庭を走り、鳥に向かって吠えた。",
          "日曜日に姉がパンを焼き、家じゅうが温かい匂いになった。",
          "静かな電車が真夜中過ぎに橋を渡った。",
          "五月にトマトを植えると、八月には甘く赤くなった。"]
    questions = {"en": ("Did the dog bark?", "yes"), "ja": ("犬は吠えましたか？", "yes")}
    rows = []
    for lang in langs:
        texts = en if lang == "en" else ja
        for k in range(n_items):
            text = texts[k % len(texts)] + ("" if k < len(texts) else f" ({k})")
            q, a = questions[lang] if k % 2 == 0 and k % len(texts) == 0 else ("", "")
            rows.append({"item_id": f"{lang}-t{k:02d}", "lang": lang, "source": "human", "text": text, "model": "",
                         "origin": "synthetic test text written for psyai's tests", "practice": 0,
                         "question": q, "answer": a})
        rows.append({"item_id": f"{lang}-practice", "lang": lang, "source": "human",
                     "text": "Practice: read this." if lang == "en" else "練習です。これを読んでください。",
                     "model": "", "origin": "synthetic test text", "practice": 1, "question": "", "answer": ""})
    return write_stimulus_csv(rows, path)

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
                         "text": f"Practice text {k} ({lang}).", "prompt": "", "prompt_id": "",
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
    """A valid ranking stimulus CSV from :func:`psyai.rankers.synthetic_ranking_items` (known utilities)."""
    from psyai.rankers import synthetic_ranking_items

    rows = [row for i, lang in enumerate(langs) for row in synthetic_ranking_items(n_prompts, k, seed=seed + i, lang=lang)]
    return write_stimulus_csv(rows, path)

"""Pairwise preferences (prompt, chosen, rejected) for TRL's RewardTrainer and datasets.load_dataset.

Reads psyai's rankings: a data folder of ranking sessions (``psyai.data.load_rankings``) or a long-form
table (``.csv`` / ``.jsonl``, e.g. the ``rankings.csv`` that ``psyai import`` writes). Each ranking gives
its comparisons by the rules of :func:`psyai.reward.data.comparisons`:

- a ranked output beats every output ranked below it;
- **ties** give no pair (tied outputs are not compared with each other, only with those above and
  below them);
- **unranked** outputs (rank empty, a partial ranking) lose to every ranked output of the trial and
  are not compared with each other.

One row per pair: ``prompt``, ``chosen``, ``rejected`` and, to trace it back, ``participant``,
``session``, ``prompt_id``, ``chosen_id``, ``rejected_id``, ``chosen_rank``, ``rejected_rank``
(null for unranked). **Standard** (default): strings; TRL joins ``prompt + chosen`` with nothing
between, so the prompt is written followed by ``--separator`` (a blank line by default, the form
psyai's reward model reads). ``--conversational``: message lists, the prompt as a user message and
each reply as an assistant message, or the messages an import kept (``prompt_messages``,
``messages``). JSON Lines (default), or Parquet with ``--format parquet``; both load with
``datasets.load_dataset("json"|"parquet", data_files=…)``. An output with empty text is left out
(logged); an existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from psyai.errors import DataError

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "parquet")


def add_common_arguments(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("paths", nargs="+", metavar="DATA",
                   help="a ranking data folder (data/ranking) or a long-form rankings .csv/.jsonl "
                        "(psyai import … writes rankings.csv)")
    p.add_argument("--out", required=True, type=Path, metavar="PATH",
                   help=f"the {what} file to write (.jsonl, or .parquet; never overwritten)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="jsonl or parquet (default: from the --out suffix, else jsonl)")
    p.add_argument("--conversational", action="store_true",
                   help="message lists ({role, content}) instead of strings")
    p.add_argument("--separator", default="\n\n", metavar="TEXT",
                   help="standard format: written after the prompt, since TRL joins prompt and reply with nothing "
                        "between (default: a blank line)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "pairwise dataset")


def output_format(out: Path, fmt: str | None) -> str:
    suffix = out.suffix.lower()
    fmt = fmt or ("parquet" if suffix == ".parquet" else "jsonl")
    expected = {"jsonl": (".jsonl", ".json"), "parquet": (".parquet",)}[fmt]
    if suffix not in expected:
        raise DataError(f"--out {out}: a {fmt} file should end in {' or '.join(expected)}; rename it or choose "
                        "--format to match")
    if out.exists():
        raise DataError(f"{out}: already exists; nothing was overwritten — choose another --out or move it away")
    return fmt


def load_rankings_table(paths: list[str]):
    """The long-form rankings of every path (folders and tables), empty texts left out, as Ranking objects
    with the table (for the messages an import kept)."""
    import pandas as pd

    from psyai.reward.cli import load_table
    from psyai.reward.data import drop_empty_texts, rankings_from_frame

    frames = []
    for path in paths:
        frame = load_table(path)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame, n_empty = drop_empty_texts(frame)
    if n_empty:
        logger.warning("left out %d output(s) with empty text", n_empty)
    return rankings_from_frame(frame), frame


def messages_lookup(frame) -> tuple[dict, dict]:
    """(prompt_id -> prompt messages, (prompt_id, item_id) -> reply messages) kept by a conversational import."""
    prompts, replies = {}, {}
    if "prompt_messages" in frame.columns:
        for pid, text in zip(frame["prompt_id"].astype(str), frame["prompt_messages"]):
            if isinstance(text, str) and text.strip():
                prompts.setdefault(pid, json.loads(text))
    if "messages" in frame.columns:
        for pid, item, text in zip(frame["prompt_id"].astype(str), frame["item_id"].astype(str), frame["messages"]):
            if isinstance(text, str) and text.strip():
                replies.setdefault((pid, item), json.loads(text))
    return prompts, replies


class Formatter:
    """Prompt and reply in the chosen format (standard strings or conversational messages)."""

    def __init__(self, frame, conversational: bool, separator: str) -> None:
        self.conversational = conversational
        self.separator = separator
        self.prompts, self.replies = messages_lookup(frame) if conversational else ({}, {})

    def prompt(self, ranking) -> Any:
        if not self.conversational:
            return ranking.prompt + self.separator if ranking.prompt else ""
        if ranking.prompt_id in self.prompts:
            return self.prompts[ranking.prompt_id]
        return [{"role": "user", "content": ranking.prompt}] if ranking.prompt else []

    def reply(self, ranking, index: int) -> Any:
        if not self.conversational:
            return ranking.texts[index]
        key = (ranking.prompt_id, ranking.item_ids[index])
        return self.replies.get(key) or [{"role": "assistant", "content": ranking.texts[index]}]


def write_rows(rows: list[dict], out: Path, fmt: str) -> Path:
    """JSON Lines (one object a line, UTF-8) or Parquet, written under a temporary name then renamed."""
    if not rows:
        raise DataError(f"nothing to write to {out}: the rankings hold no comparison (every ranking a tie or "
                        "unranked)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    if fmt == "jsonl":
        with open(partial, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), partial)
    partial.rename(out)
    return out


def pairwise_rows(rankings, formatter: Formatter) -> list[dict]:
    rows = []
    for r in rankings:
        prompt = formatter.prompt(r)
        for w, l in r.pairs:
            rows.append({"prompt": prompt, "chosen": formatter.reply(r, w), "rejected": formatter.reply(r, l),
                         "participant": r.participant, "session": r.session, "prompt_id": r.prompt_id,
                         "chosen_id": r.item_ids[w], "rejected_id": r.item_ids[l],
                         "chosen_rank": r.ranks[w], "rejected_rank": r.ranks[l]})
    return rows


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    fmt = output_format(args.out, args.format)
    rankings, frame = load_rankings_table(paths)
    rows = pairwise_rows(rankings, Formatter(frame, args.conversational, args.separator))
    return [write_rows(rows, args.out, fmt)]

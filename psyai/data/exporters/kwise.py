"""K-wise rankings (prompt, completions best first, ranks) for datasets.load_dataset.

Reads what ``psyai export pairwise`` reads (a ranking data folder, or a long-form rankings table) and
writes one row per ranking: ``prompt``; ``completions``, the K outputs ordered by rank, best first
(outputs that tie keep their display order; **unranked** outputs come last); ``ranks``, aligned
with ``completions`` (1 = best, **ties share a rank**, null = unranked); ``completion_ids``; and
``participant``, ``session``, ``prompt_id``, ``k``. Standard strings, or messages with
``--conversational`` (as in the pairwise export). A ranking with a single output is left out (it
ranks nothing; logged). JSON Lines (default) or Parquet (``--format parquet``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from psyai.data.exporters.pairwise import Formatter, add_common_arguments, load_rankings_table, output_format, write_rows

logger = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "K-wise dataset")


def kwise_rows(rankings, formatter: Formatter) -> list[dict]:
    rows = []
    single = 0
    for r in rankings:
        if r.k < 2:
            single += 1
            continue
        order = sorted(range(r.k), key=lambda i: (r.ranks[i] is None, r.ranks[i] or 0, i))
        rows.append({"prompt": formatter.prompt(r), "completions": [formatter.reply(r, i) for i in order],
                     "ranks": [r.ranks[i] for i in order], "completion_ids": [r.item_ids[i] for i in order],
                     "participant": r.participant, "session": r.session, "prompt_id": r.prompt_id, "k": r.k})
    if single:
        logger.warning("left out %d ranking(s) with a single output", single)
    return rows


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    fmt = output_format(args.out, args.format)
    rankings, frame = load_rankings_table(paths)
    return [write_rows(kwise_rows(rankings, Formatter(frame, args.conversational, args.separator)), args.out, fmt)]

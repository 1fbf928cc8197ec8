"""K-way rankings or ratings in a long table with rater ids (one row per rater × prompt × output).

Each row is one output as one rater judged it: who (``--rater-column``, default ``participant``),
which prompt (``--prompt-id-column``, ``prompt_id``; its text in ``--prompt-column``, ``prompt``,
optional), which output (``--item-column``, ``item_id``; its text in ``--text-column``, ``text``,
optional; its model in ``--model-column``, ``model``, optional) and the judgement:

- a **rank** (``--rank-column``, ``rank``): 1 = best, ties share a rank, an empty cell is an
  output left unranked;
- or a **rating** (``--rating-column NAME`` with ``--scale LO:HI``, e.g. ``--scale 0:100`` or
  ``--scale 1:7``): each rating must lie on the declared scale; the ranks are derived within
  each trial (the highest rating ranks 1, equal ratings share a rank, an empty rating is
  unranked; ``--lower-is-better`` reverses the order). The rating is kept in ``rating`` with
  the scale in ``rating_scale``.

A rater's trials are told apart by ``--session-column`` (default ``session``, 1 when absent).
Written: ``rankings.csv`` in the long form of ``psyai.data.load_rankings``, which ``psyai analyze
ranking`` and ``psyai reward train`` read, with ``source_file``, ``source_line`` and the ids as they
were. Refused by file, line and field: an empty rater, prompt or item id, a rank that is not a
whole number from 1, a rating off the scale or not a number, an output twice in one trial.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from psyai.errors import DataError

LONG_COLUMNS = ["participant", "session", "trial_index", "prompt_id", "prompt", "item_id", "model", "text",
                "position", "rank", "rating", "rating_scale", "run_mode", "source_file", "source_line"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="long tables (.csv, .jsonl, .json, .parquet) or datasets save_to_disk folders")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write rankings.csv and import_report.json")
    p.add_argument("--rater-column", default="participant", metavar="NAME", help="rater ids (default %(default)s)")
    p.add_argument("--session-column", default="session", metavar="NAME",
                   help="a rater's session or list, when one rater judged a prompt twice (default %(default)s; "
                        "1 when the table has no such column)")
    p.add_argument("--prompt-id-column", default="prompt_id", metavar="NAME", help="prompt ids (default %(default)s)")
    p.add_argument("--prompt-column", default="prompt", metavar="NAME",
                   help="prompt texts (default %(default)s; optional)")
    p.add_argument("--item-column", default="item_id", metavar="NAME", help="output ids (default %(default)s)")
    p.add_argument("--text-column", default="text", metavar="NAME",
                   help="output texts (default %(default)s; optional, needed for reward training)")
    p.add_argument("--model-column", default="model", metavar="NAME",
                   help="the model that wrote each output (default %(default)s; optional)")
    p.add_argument("--rank-column", default="rank", metavar="NAME", help="ranks, 1 = best (default %(default)s)")
    p.add_argument("--rating-column", default=None, metavar="NAME",
                   help="ratings instead of ranks (needs --scale); ranks are derived within each trial")
    p.add_argument("--scale", default=None, metavar="LO:HI",
                   help="the rating scale, e.g. 0:100 or 1:7 (--scale=-3:3 when it starts below 0)")
    p.add_argument("--lower-is-better", action="store_true", help="a lower rating is the better one")


def parse_scale(text: str | None) -> tuple[float, float]:
    if text is None:
        raise DataError("--rating-column needs --scale LO:HI, the scale the ratings were given on (e.g. --scale 0:100)")
    parts = text.split(":")
    try:
        lo, hi = (float(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        lo = hi = None
    if lo is None or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise DataError(f"--scale {text}: give the lowest and highest rating as LO:HI with LO < HI, e.g. 0:100 or 1:7")
    return lo, hi


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _number(value: Any, where: str, column: str, what: str) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise DataError(f"{where}: field {column} is {value!r}; {what}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: field {column} is {value!r}, not a number; {what}") from None
    if not math.isfinite(number):
        raise DataError(f"{where}: field {column} is {value!r}; {what}")
    return number


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def run(paths: list[Path], args: argparse.Namespace):
    import pandas as pd

    from psyai.data.importers.preferences import _where, check_columns
    from psyai.data.importers.records import read_sources
    from psyai.data.importing import Imported

    rating = args.rating_column
    if rating and args.scale is None:
        parse_scale(None)
    lo, hi = parse_scale(args.scale) if rating else (None, None)
    if args.scale and not rating:
        raise DataError("--scale declares the scale of ratings: name their column with --rating-column NAME")
    judged = rating or args.rank_column
    rows: list[dict] = []
    sources: list[Path] = []
    seen: dict[tuple, str] = {}
    trial_order: dict[str, dict[tuple, int]] = {}
    has_text = has_prompt = True
    for source in read_sources(paths):
        sources.extend(source.files)
        check_columns(source, {args.rater_column: "--rater-column", args.prompt_id_column: "--prompt-id-column",
                               args.item_column: "--item-column",
                               judged: "--rating-column" if rating else "--rank-column"})
        has_text &= args.text_column in source.columns
        has_prompt &= args.prompt_column in source.columns
        for line, record in source.rows:
            where = _where(source, line)
            ids = {}
            for column, option in ((args.rater_column, "--rater-column"), (args.prompt_id_column, "--prompt-id-column"),
                                   (args.item_column, "--item-column")):
                value = _text(record.get(column))
                if value is None:
                    raise DataError(f"{where}: field {column} is empty; every row needs a rater, a prompt and an "
                                    f"output id (or name another column with {option})")
                ids[column] = value.strip()
            session = _number(record.get(args.session_column), where, args.session_column,
                              "a session is a whole number from 1")
            if session is not None and (session < 1 or session % 1):
                raise DataError(f"{where}: field {args.session_column} is {record.get(args.session_column)!r}; a "
                                "session is a whole number from 1")
            session = int(session or 1)
            participant, prompt_id, item = ids[args.rater_column], ids[args.prompt_id_column], ids[args.item_column]
            key = (participant, session, prompt_id, item)
            if key in seen:
                raise DataError(f"{where}: output {item} of prompt {prompt_id} appears twice for rater {participant} "
                                f"(session {session}; first at {seen[key]}); a rater judges each output of a trial "
                                "once: remove one row, or tell the trials apart with --session-column")
            seen[key] = f"line {line}"
            trials = trial_order.setdefault(participant, {})
            index = trials.setdefault((session, prompt_id), len(trials))
            value = _number(record.get(judged), where, judged,
                            f"a rating on the scale {args.scale}" if rating else "a rank is a whole number from 1 "
                            "(1 = best), empty for an unranked output")
            if rating and value is not None and not lo <= value <= hi:
                raise DataError(f"{where}: field {judged} is {record.get(judged)!r}, outside the declared scale "
                                f"{args.scale}; fix the rating or declare the scale it was given on (--scale LO:HI)")
            if not rating and value is not None and (value < 1 or value % 1):
                raise DataError(f"{where}: field {judged} is {record.get(judged)!r}; a rank is a whole number from 1 "
                                "(1 = best), empty for an unranked output")
            rows.append({
                "participant": participant, "session": session, "trial_index": index, "prompt_id": prompt_id,
                "prompt": _text(record.get(args.prompt_column)) or "", "item_id": item,
                "model": _text(record.get(args.model_column)), "text": _text(record.get(args.text_column)),
                "rank": None if rating or value is None else int(value), "rating": value if rating else None,
                "rating_scale": args.scale if rating else None, "run_mode": "real",
                "source_file": str(source.path), "source_line": line,
            })
    table = pd.DataFrame(rows, columns=[c for c in LONG_COLUMNS if c != "position"])
    keys = ["participant", "session", "prompt_id"]
    table.insert(LONG_COLUMNS.index("position"), "position", table.groupby(keys, sort=False).cumcount())
    if rating:
        score = pd.to_numeric(table["rating"]) * (-1 if not args.lower_is_better else 1)
        table["rank"] = score.groupby([table[k] for k in keys]).rank(method="min").astype("Int64")
    else:
        table["rank"] = table["rank"].astype("Int64")
    notes = []
    if rating:
        better = "lower" if args.lower_is_better else "higher"
        notes.append(f"ranks derived from {rating} on the scale {args.scale} within each trial: the {better} rating "
                     "ranks 1, equal ratings share a rank, an empty rating is unranked")
    if not has_text:
        notes.append(f"no {args.text_column!r} column: the table serves psyai analyze ranking; a reward model needs "
                     "the output texts (--text-column)")
    if not has_prompt:
        notes.append(f"no {args.prompt_column!r} column: prompts have ids only")
    settings = {k: getattr(args, k) for k in ("rater_column", "session_column", "prompt_id_column", "prompt_column",
                                              "item_column", "text_column", "model_column", "rank_column",
                                              "rating_column", "scale", "lower_is_better")}
    return Imported(kind="rankings", tables={"rankings": table}, sources=sources, notes=notes, settings=settings)

"""Pairs of outputs with a gold label (input, output_1, output_2, label), as AlpacaEval and MT-bench keep them.

Columns (each renamed by an option): ``input`` (the prompt), ``output_1`` and ``output_2`` (the two
outputs), ``label`` (which is better), and when present ``generator_1`` / ``generator_2`` (the
models), ``annotator`` (the judge: kept as the rater; without it each pair is its own rater) and
``id``. Labels read:

- ``1`` / ``2`` (also ``1.0``, ``"1"``, ``model_a`` / ``model_b``): that output is preferred;
- ties: ``0``, ``1.5`` (AlpacaEval's draw), ``tie`` or any label starting with ``tie``
  (MT-bench's ``tie (bothbad)``): both outputs get rank 1, so a tie holds no comparison for a
  reward model and counts half a win to each side in ``psyai analyze ranking``;
- an empty label: the pair is dropped and reported.

Written: ``rankings.csv``, the same long form as ``psyai import preferences`` (each pair a
ranking of two outputs, ``role`` = ``output_1`` / ``output_2``), with ``label`` as it was.
Dropped and reported: an empty output, two identical outputs, an empty label. Refused by line
and field: a label that is none of the above.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from psyai.errors import DataError

FIRST = ("1", "1.0", "model_a", "a")
SECOND = ("2", "2.0", "model_b", "b")
TIES = ("0", "0.0", "1.5", "tie", "draw")
LONG_COLUMNS = ["participant", "session", "trial_index", "prompt_id", "prompt", "item_id", "text", "rank", "role",
                "model", "label", "run_mode", "rater_id", "pair_id", "source_file", "source_line"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="gold-label files (.jsonl, .json, .csv, .parquet) or datasets save_to_disk folders")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write rankings.csv and import_report.json")
    p.add_argument("--input-column", default="input", metavar="NAME", help="the prompt (default %(default)s)")
    p.add_argument("--output-columns", default="output_1,output_2", metavar="A,B",
                   help="the two outputs (default %(default)s)")
    p.add_argument("--label-column", default="label", metavar="NAME",
                   help="1, 2 or a tie (default %(default)s; AlpacaEval calls it preference)")
    p.add_argument("--generator-columns", default="generator_1,generator_2", metavar="A,B",
                   help="the models of the two outputs (default %(default)s, when the file has them)")
    p.add_argument("--rater-column", default="annotator", metavar="NAME",
                   help="the judge (default %(default)s, when the file has it; else each pair is its own rater)")
    p.add_argument("--id-column", default="id", metavar="NAME", help="the pair's id (default %(default)s, if present)")


def read_label(value: Any, where: str, column: str) -> int | None:
    """1 or 2 for the preferred output, 0 for a tie, None for no label."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    text = str(value).strip().lower()
    if isinstance(value, bool):
        text = "?"
    if text in FIRST:
        return 1
    if text in SECOND:
        return 2
    if text in TIES or text.startswith("tie"):
        return 0
    raise DataError(f"{where}: field {column} is {value!r}; give 1 or 2 for the preferred output, or a tie "
                    "(0, 1.5, tie)")


def _pair(option: str, text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise DataError(f"{option} {text}: give two column names separated by a comma, e.g. output_1,output_2")
    return parts[0], parts[1]


def run(paths: list[Path], args: argparse.Namespace):
    import pandas as pd

    from psyai.data.importers.preferences import SAME_REPLY, EMPTY_REPLY, _id, _string, _where, check_columns, short_hash
    from psyai.data.importers.records import read_sources
    from psyai.data.importing import Dropped, Imported

    first, second = _pair("--output-columns", args.output_columns)
    gen_first, gen_second = _pair("--generator-columns", args.generator_columns)
    rows: list[dict] = []
    dropped: list[Dropped] = []
    sources: list[Path] = []
    trials: dict[tuple[str, str], int] = {}
    per_rater: dict[str, int] = {}
    n_pairs = n_ties = 0
    raters_seen = False
    for source in read_sources(paths):
        sources.extend(source.files)
        check_columns(source, {args.input_column: "--input-column", first: "--output-columns",
                               second: "--output-columns", args.label_column: "--label-column"})
        for line, record in source.rows:
            where = _where(source, line)
            prompt = _string(record.get(args.input_column), where, args.input_column)
            texts = {first: _string(record.get(first), where, first), second: _string(record.get(second), where, second)}
            label = read_label(record.get(args.label_column), where, args.label_column)
            rater, pair_id = _id(record.get(args.rater_column)), _id(record.get(args.id_column))
            ids = {k: v for k, v in (("pair_id", pair_id), ("rater_id", rater)) if v is not None}
            if label is None:
                dropped.append(Dropped(str(source.path), line, "no label", ids))
                continue
            empty = [c for c, t in texts.items() if not t.strip()]
            if empty:
                dropped.append(Dropped(str(source.path), line, EMPTY_REPLY, {**ids, "field": empty[0]}))
                continue
            if texts[first] == texts[second]:
                dropped.append(Dropped(str(source.path), line, SAME_REPLY, ids))
                continue
            n_pairs += 1
            n_ties += label == 0
            raters_seen |= rater is not None
            participant = rater if rater is not None else f"pair-{n_pairs:06d}"
            prompt_id = "p" + short_hash(prompt)
            session = trials[(participant, prompt_id)] = trials.get((participant, prompt_id), 0) + 1
            index = per_rater[participant] = per_rater.get(participant, -1) + 1
            ranks = {first: 1 if label in (0, 1) else 2, second: 1 if label in (0, 2) else 2}
            for column, generator in ((first, gen_first), (second, gen_second)):
                rows.append({
                    "participant": participant, "session": session, "trial_index": index, "prompt_id": prompt_id,
                    "prompt": prompt, "item_id": "o" + short_hash(prompt_id, texts[column]), "text": texts[column],
                    "rank": ranks[column], "role": column, "model": _id(record.get(generator)),
                    "label": record.get(args.label_column), "run_mode": "real", "rater_id": rater,
                    "pair_id": pair_id, "source_file": str(source.path), "source_line": line,
                })
    if not rows:
        raise DataError(f"no usable pair in {', '.join(map(str, paths))}"
                        + (f": all {len(dropped)} were dropped ({dropped[0].reason} first, line {dropped[0].line})"
                           if dropped else ""))
    notes = []
    if not raters_seen:
        notes.append(f"no rater ids ({args.rater_column!r} absent or empty): each of the {n_pairs} pairs is its own "
                     "rater")
    if n_ties:
        notes.append(f"{n_ties} tie(s): both outputs rank 1 (no comparison for a reward model; half a win each in "
                     "psyai analyze ranking)")
    settings = {k: getattr(args, k) for k in ("input_column", "output_columns", "label_column", "generator_columns",
                                              "rater_column", "id_column")}
    return Imported(kind="gold-pairs", tables={"rankings": pd.DataFrame(rows, columns=LONG_COLUMNS)}, sources=sources,
                    dropped=dropped, notes=notes, settings=settings)

"""Tidy word tables (psyai's word measures and imported word reports) as CSV or Parquet with a codebook.

``psyai export words SOURCE… --out DIR [--format csv|parquet]`` writes ``DIR/words.csv`` (or
``.parquet``), the HUMAN WORD TABLE of :mod:`psyai.data.word_tables`: one row per participant,
text, word and measure, and ``DIR/codebook.json`` with ``DIR/codebook.md`` (as ``psyai export
trials`` writes them, :mod:`psyai.data.exporters.trials`). A SOURCE is:

- a data folder with self-paced reading or attention-highlight sessions (read by
  :func:`psyai.data.load_word_measures`: ``reading_time`` in ms, ``selected`` 0/1);
- an import's folder (``psyai import eye-tracking`` / ``self-paced-reading``), or any word table
  file (CSV, TSV, Parquet) with the columns participant, item, word_index, word, measure, value:
  its rows are checked as the analysis checks them and keep their ``source_file``,
  ``source_line`` and original ids.

The codebook's allowed measures and their units come from :mod:`psyai.data.word_tables` (the
measure names and their kinds), the run modes from :mod:`psyai.data.sessions`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from psyai.data.exporters.trials import FILE_NOTES, FORMATS, write_export
from psyai.errors import DataError

PROVENANCE = {
    "source_file": ("string", "the file the row was imported from (psyai import)"),
    "source_line": ("integer", "the line the row starts on in that file (header = line 1; Excel: the sheet's row "
                               "number, Parquet: the row number from 1)"),
    "orig_participant": ("string", "the participant as the file names it (or the file name, where the ID came "
                                   "from it)"),
    "orig_item": ("string", "the text's ID as the file gives it (several columns joined with -)"),
    "orig_word_index": ("string", "the word number as the file gives it (from 0 or 1; line-segment where psyai "
                                  "ranked the words)"),
}


def measure_units() -> dict[str, str]:
    """Each measure psyai knows and its unit, from the measure kinds of psyai.data.word_tables."""
    from psyai.data.word_tables import BINARY_MEASURES, COUNT_MEASURES, DURATION_MEASURES, PROPORTION_MEASURES

    units = {m: "ms" for m in DURATION_MEASURES}
    units |= {m: "0/1" for m in BINARY_MEASURES}
    units |= {m: "share of the text's total fixation time, 0..1" for m in PROPORTION_MEASURES}
    units |= {m: "fixations (a whole number)" for m in COUNT_MEASURES}
    return dict(sorted(units.items()))


def codebook_columns(frame: pd.DataFrame) -> list[dict]:
    """One codebook entry per column of a word table."""
    from psyai.data.sessions import RUN_MODES

    units = measure_units()
    present = sorted(frame["measure"].unique()) if "measure" in frame else []
    value_unit = "; ".join(f"{m}: {units.get(m, 'as the source gives it')}" for m in present)
    known: dict[str, tuple[str, str | None, list | None, bool, str]] = {
        "participant": ("string", None, None, False, "participant ID"),
        "item": ("string", None, None, False, "text ID (the text_id of the model-measure table)"),
        "word_index": ("integer", "position in the text, from 0", None, False, "the word's position in the text"),
        "word": ("string", None, None, False, "the word as shown"),
        "measure": ("string", None, sorted(set(units) | set(present)), False,
                    "what value measures (the measures psyai knows; a table may hold others its source named)"),
        "value": ("number", value_unit, None, False, "the measurement; its unit is the measure's (see unit)"),
        "lang": ("string", None, None, True, "the text's language (en, ja …), for word frequencies"),
        "run_mode": ("string", None, list(RUN_MODES), True, "real, pilot or simulated (empty: real)"),
    }
    entries = []
    for column in frame.columns:
        if column in known:
            type_, unit, allowed, nullable, meaning = known[column]
            source = "psyai.data.word_tables"
        elif column in PROVENANCE:
            (type_, meaning), unit, allowed, nullable = PROVENANCE[column], None, None, True
            source = "psyai.data.importing"
        else:
            raise DataError(f"column {column!r} of the word table is not one psyai writes; export a table made by "
                            "psyai (a data folder or psyai import's human_words.csv)")
        entries.append({"name": column, "type": type_, "unit": unit, "allowed": allowed, "nullable": nullable,
                        "description": meaning, "source": source})
    return entries


def _table_file(path: Path) -> pd.DataFrame:
    """A word table file, checked, keeping its provenance columns."""
    from psyai.data.word_tables import HUMAN_COLUMNS, read_table, validate_human_table

    raw = read_table(path)
    checked = validate_human_table(raw, str(path))
    for column in PROVENANCE:
        if column in raw.columns:
            checked[column] = raw[column].to_numpy()
    if "source_line" in checked:
        checked["source_line"] = pd.to_numeric(checked["source_line"], errors="coerce").astype("Int64")
    return checked[[c for c in [*HUMAN_COLUMNS, "lang", "run_mode", *PROVENANCE] if c in checked.columns]]


def word_tables(paths: list[Path], include_pilot: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Every word table under the sources, one long table, and where each part came from."""
    from psyai.data import load_word_measures
    from psyai.data.exporters.trials import experiments_in
    from psyai.data.word_tables import HUMAN_COLUMNS

    frames, notes = [], []
    for path in paths:
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if path.is_file():
            frames.append(_table_file(path))
            notes.append(f"{path}: a word table")
            continue
        for experiment in [e for e in experiments_in(path) if e in ("self_paced_reading", "attention_highlight")]:
            frames.append(load_word_measures(path, experiment, include_pilot=include_pilot))
            notes.append(f"{path}: {experiment} sessions (psyai.data.load_word_measures)")
        for file in sorted([*path.rglob("*.csv"), *path.rglob("*.tsv"), *path.rglob("*.parquet")]):
            if any(file.parent.glob("*_log.jsonl")):
                continue  # a session folder: its log was read above
            head = pd.read_parquet(file).head(0) if file.suffix == ".parquet" else pd.read_csv(
                file, nrows=0, sep="\t" if file.suffix == ".tsv" else ",")
            if all(c in head.columns for c in HUMAN_COLUMNS):
                frames.append(_table_file(file))
                notes.append(f"{file}: a word table")
    if not frames:
        raise DataError(f"{', '.join(map(str, paths))}: no word tables (self-paced reading or highlight sessions, or "
                        "files with columns participant, item, word_index, word, measure, value); import reports "
                        "with psyai import eye-tracking / self-paced-reading first")
    table = pd.concat(frames, ignore_index=True)
    return table, notes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="SOURCE",
                   help="data folder(s) with word-level sessions, import folders, or word table files")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write words.<format> and the codebook into")
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or parquet")
    p.add_argument("--include-pilot", action="store_true", help="keep pilot sessions (left out by default)")


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    table, sources = word_tables([Path(p) for p in paths], args.include_pilot)
    notes = [FILE_NOTES[args.format], "Sources: " + "; ".join(sources)]
    what = "one row per participant, text, word and measure (psyai's human word table)"
    return write_export({"words": (table, codebook_columns(table), what)}, args.out, args.format, notes)

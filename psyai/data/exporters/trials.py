"""Tidy trial tables of every experiment in a data folder (CSV or Parquet) with a codebook.

``psyai export trials DATA… --out DIR [--format csv|parquet]`` writes, for each experiment with
sessions under the data folders, ``DIR/<experiment>_trials.csv`` (or ``.parquet``): one row per
trial as :func:`psyai.data.load` reads it (a ranking trial's outputs as lists, in display order;
:func:`psyai.data.load_rankings` gives their long form), and ``DIR/codebook.json`` with ``DIR/codebook.md``:
every column of every file with its type, unit, allowed values, whether it may be empty, its
meaning and where that comes from.

One source of truth: a column's type, allowed values and whether it may be empty come from the
experiment's schema in :mod:`psyai.data.sessions` (``SCHEMAS``), its meaning from the table of
that experiment in docs/DATA.md; only units (which neither holds) and the columns
:mod:`psyai.data.sessions` adds (``model_name``, ``model_names``, ``session_status``, ``log_file``)
are described here.

CSV: UTF-8, a header line, no index column; lists (``words``, ``rts``, ``clicks`` …) as JSON
text; ``True``/``False``; an empty cell where a value is missing. Parquet: the codebook's types
(``string``, ``int64``, ``float64``, ``bool``; lists as Parquet lists). Pilot sessions are left
out unless ``--include-pilot``. An existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from psyai import __version__
from psyai.data.importing import fresh_output
from psyai.errors import DataError

FORMATS = ("csv", "parquet")
CODEBOOK = ("codebook.json", "codebook.md")
DATA_MD = Path(__file__).resolve().parents[3] / "docs" / "DATA.md"

# the docs/DATA.md section that describes each experiment's trial records
SECTIONS = {"turing_test": "### Trial records", "ranking": "### Ranking trial records",
            "self_paced_reading": "## Self-paced reading", "attention_highlight": "## Attention highlight",
            "human_eval": "### Human evaluation trial records",
            "demonstrations": "### Demonstration trial records"}

# units: neither the schema nor a type says them
UNITS = {"rt": "s", "confidence_rt": "s", "rts": "s (one per word)", "word_starts": "characters (offset in the text)",
         "trial_index": "position in the phase, from 0", "block": "from 0", "confidence": "1 (guessing) to 6 (certain)",
         "helpfulness": "1 to 7 per output", "truthfulness": "1 to 7 per output", "harmlessness": "1 to 7 per output",
         "overall": "1 to 7 per output",
         "ranks": "1 = best, per output", "session": "from 1"}
UNITS.update({"time_on_task": "s", "n_chars": "characters (Unicode code points)"})

# columns psyai.data.sessions adds to the log's fields: (type, allowed, nullable, meaning)
DERIVED: dict[str, tuple[str, tuple | None, bool, str]] = {
    "model_name": ("string", None, True, "the model's name in reports (derived from `model` for older logs; two "
                                         "models never share one)"),
    "session_status": ("string", ("completed", "aborted", "declined", "incomplete"), False,
                       "the session's end record status, or incomplete when it has none"),
    "log_file": ("string", None, False, "the session log the row was read from"),
    "session_planned": ("integer", None, False, "main trials the session's header planned (its trial_order); with "
                                                "session_status, how far an unfinished session got"),
    "model_names": ("list", None, False, "each output's model name in reports, in display order (as model_name)"),
}


def _type_of(types: tuple[type, ...]) -> str:
    if list in types:
        return "list"
    if bool in types:
        return "boolean"
    if float in types:
        return "number"
    if int in types:
        return "integer"
    return "string"


@lru_cache(maxsize=1)
def _docs_tables() -> dict[str, dict[str, str]]:
    """Each experiment's field meanings from its table in docs/DATA.md ({} where the docs are not installed)."""
    if not DATA_MD.is_file():
        return {}
    lines = DATA_MD.read_text(encoding="utf-8").splitlines()
    out: dict[str, dict[str, str]] = {}
    for experiment, heading in SECTIONS.items():
        start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
        if start is None:
            continue
        meanings: dict[str, str] = {}
        in_table = False
        for line in lines[start + 1:]:
            if line.startswith("#"):
                break
            if line.startswith("| field |"):
                in_table = True
                continue
            if in_table and not line.startswith("|"):
                break
            if in_table and not line.startswith("| ---"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) >= 3:
                    for name in re.findall(r"`([^`]+)`", cells[0]):
                        meanings[name] = cells[2]
        out[experiment] = meanings
    return out


def _meaning(experiment: str, column: str) -> tuple[str, str]:
    """(meaning, where it comes from) of a schema field."""
    tables = _docs_tables()
    for exp in (experiment, "turing_test"):  # "as for the Turing test"
        text = tables.get(exp, {}).get(column, "")
        if text and not text.startswith("as for"):
            return text, f"docs/DATA.md, {SECTIONS[exp].lstrip('# ')}"
    return "", f"docs/DATA.md, {SECTIONS.get(experiment, '').lstrip('# ')}"


def codebook_columns(frame: pd.DataFrame, experiment: str) -> list[dict]:
    """One codebook entry per column of a trial table (see the module docstring for the sources)."""
    from psyai.data.sessions import SCHEMAS

    schema = SCHEMAS[experiment]
    entries = []
    for column in frame.columns:
        if column in DERIVED:
            type_, allowed, nullable, meaning = DERIVED[column]
            source = "psyai.data.sessions"
        elif column in schema:
            types, allowed, nullable = schema[column]
            type_ = _type_of(types)
            meaning, source = _meaning(experiment, column)
            source = f"psyai.data.sessions.SCHEMAS; meaning: {source}"
        else:
            raise DataError(f"column {column!r} of the {experiment} table is in no schema; add it to "
                            "psyai.data.sessions.SCHEMAS or to DERIVED in psyai/data/exporters/trials.py")
        entries.append({"name": column, "type": type_, "unit": UNITS.get(column), "allowed":
                        list(allowed) if allowed else None, "nullable": bool(nullable), "description": meaning,
                        "source": source})
    return entries


# -- writing ------------------------------------------------------------------------------------

def _csv_ready(frame: pd.DataFrame, entries: list[dict]) -> pd.DataFrame:
    out = frame.copy()
    for entry in entries:
        if entry["type"] == "list":
            out[entry["name"]] = out[entry["name"]].map(
                lambda v: json.dumps(list(v), ensure_ascii=False, default=str) if isinstance(
                    v, (list, tuple, np.ndarray)) else v)
    return out


def _arrow_table(frame: pd.DataFrame, entries: list[dict]):
    import pyarrow as pa

    arrays, fields = [], []
    plain = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
    for entry in entries:
        values = frame[entry["name"]].astype(object).where(frame[entry["name"]].notna(), None).tolist()
        if entry["type"] == "list":
            values = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else v for v in values]
            array = pa.array(values)
        else:
            array = pa.array(values, type=plain[entry["type"]])
        arrays.append(array)
        fields.append(pa.field(entry["name"], array.type, nullable=True))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_table(frame: pd.DataFrame, entries: list[dict], path: Path, fmt: str) -> Path:
    """One table in the codebook's types: CSV (lists as JSON text) or Parquet."""
    if fmt == "csv":
        _csv_ready(frame, entries).to_csv(path, index=False, encoding="utf-8")
    else:
        import pyarrow.parquet as pq

        pq.write_table(_arrow_table(frame, entries), path)
    return path


def codebook_markdown(book: dict) -> str:
    lines = [f"# Codebook ({book['format']}, psyai {book['psyai']})", "", *book["notes"], ""]
    for name, table in book["tables"].items():
        lines += [f"## {name}", "", f"{table['rows']} rows; {table['what']}.", "",
                  "| column | type | unit | allowed | may be empty | meaning | from |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for c in table["columns"]:
            allowed = ", ".join(f"`{a}`" for a in c["allowed"]) if c["allowed"] else ""
            cells = [f"`{c['name']}`", c["type"], c["unit"] or "", allowed, "yes" if c["nullable"] else "no",
                     (c["description"] or "").replace("|", "\\|"), c["source"]]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_export(tables: dict[str, tuple[pd.DataFrame, list[dict], str]], out: str | Path, fmt: str,
                 notes: list[str]) -> list[Path]:
    """Write each ``name -> (frame, codebook entries, what it is)`` and the codebook; nothing is overwritten."""
    if fmt not in FORMATS:
        raise DataError(f"--format {fmt!r}: use csv or parquet")
    out = Path(out)
    files = [f"{name}.{fmt}" for name in tables]
    out.mkdir(parents=True, exist_ok=True)
    fresh_output(out, files + list(CODEBOOK))
    book = {"psyai": __version__, "format": fmt, "notes": notes, "tables": {}}
    written = []
    for (name, (frame, entries, what)), file in zip(tables.items(), files):
        missing = [c for c in frame.columns if c not in {e["name"] for e in entries}]
        assert not missing, missing  # every column has its entry: codebook_columns covers the frame
        written.append(write_table(frame, entries, out / file, fmt))
        book["tables"][file] = {"rows": int(len(frame)), "what": what, "columns": entries}
    (out / CODEBOOK[0]).write_text(json.dumps(book, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / CODEBOOK[1]).write_text(codebook_markdown(book), encoding="utf-8")
    return written + [out / c for c in CODEBOOK]


FILE_NOTES = {
    "csv": "CSV: UTF-8 with a header line and no index column; lists as JSON text; booleans True/False; an empty "
           "cell where a value is missing.",
    "parquet": "Parquet: each column in the codebook's type (string, int64, float64, bool; lists as Parquet lists); "
               "null where a value is missing.",
}


def experiments_in(path: Path) -> list[str]:
    """The experiments with session logs under ``path`` (from each log's header), in SCHEMAS order."""
    from psyai.data.sessions import SCHEMAS

    if not path.exists():
        raise DataError(f"{path}: no such data folder")
    found = set()
    for log in [path] if path.is_file() else path.rglob("*_log.jsonl"):
        with open(log, encoding="utf-8", errors="replace") as fh:
            try:
                found.add(json.loads(fh.readline()).get("experiment"))
            except (json.JSONDecodeError, AttributeError):
                continue  # psyai.data.load names the bad line when that experiment is read
    return [e for e in SCHEMAS if e in found]


def trial_tables(paths: list[Path], include_pilot: bool = False) -> dict[str, pd.DataFrame]:
    """experiment -> its trial table (psyai.data.load) over every data folder."""
    from psyai.data import load

    tables: dict[str, list[pd.DataFrame]] = {}
    for path in paths:
        experiments = experiments_in(path)
        if not experiments:
            raise DataError(f"{path}: no session logs found (expected <experiment>/sub-*/ses-*/*_log.jsonl); give the "
                            "data folder the experiments wrote")
        for experiment in experiments:
            tables.setdefault(experiment, []).append(load(path, experiment, include_pilot=include_pilot))
    return {e: pd.concat(frames, ignore_index=True) for e, frames in tables.items()}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="DATA", help="data folder(s) with the experiments' session folders")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the tables and the codebook into")
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or parquet")
    p.add_argument("--include-pilot", action="store_true", help="keep pilot sessions (left out by default)")


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    tables = trial_tables([Path(p) for p in paths], args.include_pilot)
    out = {f"{e}_trials": (frame, codebook_columns(frame, e), f"{e}: one row per trial (psyai.data.load)")
           for e, frame in tables.items()}
    notes = [FILE_NOTES[args.format], "Pilot sessions are " + ("kept." if args.include_pilot else "left out.")]
    return write_export(out, args.out, args.format, notes)

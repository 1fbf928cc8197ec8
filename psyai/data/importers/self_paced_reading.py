"""Self-paced reading times per word (Ibex/PCIbex results, Natural Stories, BCCWJ, any long table): human word table.

``psyai import self-paced-reading PATH… --out DIR`` writes ``DIR/human_words.csv`` (the HUMAN
WORD TABLE of :mod:`psyai.data.word_tables`, ``measure`` = ``reading_time`` in ms, with
``source_file``, ``source_line`` and the original ids of every row) and ``DIR/import_report.json``,
as ``psyai import eye-tracking`` does (:mod:`psyai.data.importers.eye_tracking`: the same reader,
the same ``--subject-from-filename``, ``--word-index-base``, ``--column``, ``--lang``).

Layouts:

- **Ibex and PCIbex results files** (found by their ``#`` comment lines; ``--format ibex`` to
  say so): no header; the comments name the columns, ``# 1. Time results were received.``
  (PCIbex: ``Results reception time``), ``# 2. MD5 hash of participant's IP address.``,
  ``# 3. Controller name.``, ``# 4. Item number.`` (PCIbex: ``Order number of item``),
  ``# 5. Element number.``, ``# 6. Type.`` (PCIbex: ``Label``), ``# 7. Group.`` (PCIbex:
  ``Latin Square Group``), then for the DashedSentence controller ``Word number``, ``Word``,
  ``Reading time``, ``Newline?``, ``Sentence (or sentence MD5)`` (PCIbex: ``PennElementType``,
  ``PennElementName``, ``Parameter`` = the word number, ``Value`` = the word, ``EventTime``,
  ``Reading time``, ``Newline?``, ``Sentence (or sentence MD5)``, ``Comments``). Ibex repeats the
  comments wherever the columns change; each line is read with the names in force above it. Rows
  of other controllers (questions, forms, PennController's trial start and end) are not word
  reading times and are left aside (counted in the report). Words are numbered from 1
  (``--word-index-base 1`` is the default here) and URL-decoded (Ibex writes ``%2C`` for a comma).
  The participant is a logged ID column where there is one (``participant``, ``subject``, ``id``,
  ``PROLIFIC_PID`` …; ``--participant-column``), else one submission: the reception time with the
  IP hash. The item is a logged item column (``item`` …; ``--item-column``), else Ibex's ``Item
  number``; PCIbex's ``Order number of item`` is the running order, so without a logged item the
  sentence itself names it (``s-`` and the first 10 hex digits of its MD5). ``--drop-type TYPE``
  leaves out practice or filler trials by their Type/Label (each row listed as dropped).
- **Natural Stories** (``--preset natural-stories``, ``processed_RTs.tsv``).
- **BCCWJ-EyeTrack's self-paced reading** (``--preset bccwj-selfpaced``, ``self.csv`` with
  ``self.tbl``), ranked into word numbers as for its eye-tracking files.
- **any long table**: participant, item, word number, word and a reading-time column (``RT``,
  ``rt``, ``reading_time``, ``rt_ms``; ``--rt-column``). An empty reading time is left out (listed
  as dropped), never counted as 0.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from psyai.data.importers.eye_tracking import (BCCWJ, Preset, Report, add_common_arguments, bccwj_decode, decode_text,
                                               import_word_reports, report_files, settings_from)
from psyai.data.importing import Dropped, Imported
from psyai.errors import DataError

RT_ALIASES = {"rt": "reading_time", "reading_time": "reading_time", "readingtime": "reading_time",
              "rt_ms": "reading_time", "reading_time_ms": "reading_time"}

NATURAL_STORIES = Preset(
    name="natural-stories",
    corpus="the Natural Stories corpus (naturalstories_RTS/processed_RTs.tsv)",
    citation=("Futrell, R., Gibson, E., Tily, H. J., Blank, I., Vishnevetsky, A., Piantadosi, S. T., & Fedorenko, "
              "E. (2021). The Natural Stories corpus: a reading-time corpus of English texts containing rare "
              "syntactic constructions. Language Resources and Evaluation, 55, 63-77."),
    source="https://github.com/languageMIT/naturalstories (see the repository's licence)",
    checked=("WorkerId, item, zone, RT, word against public scripts reading processed_RTs.tsv (tab-separated; item "
             "is the story, zone the word's position in it, from 1 as all_stories.tok numbers them, RT in ms)"),
    participant=("WorkerId",), item=("item",), word_index="zone", word="word", base=1,
    measures={"RT": "reading_time"}, lang="en",
)
BCCWJ_SELFPACED = replace(
    BCCWJ, name="bccwj-selfpaced", corpus="BCCWJ-EyeTrack's self-paced reading (self.csv with self.tbl)",
    measures={"SelfPaced": "reading_time"},
    checked=("the layout of the release's eye-tracking files (header of spt-del.csv) and self.tbl (measure "
             "SelfPaced; subj, sample_screen codes as in the eye-tracking tables)"),
    decode=bccwj_decode,
)
PRESETS: dict[str, Preset] = {p.name: p for p in (NATURAL_STORIES, BCCWJ_SELFPACED)}

_COMMENT = re.compile(r"^#\s*(?:Col\.\s*)?(\d+)[.:]\s*(.*?)\s*$")
ID_COLUMNS = ("participant", "participant_id", "participantid", "subject", "subject_id", "id", "prolific_pid",
              "prolific_id", "workerid", "worker_id")
ITEM_COLUMNS = ("item", "item_id", "itemid", "itemnumber")


def _name(raw: str) -> str:
    return raw.rstrip(".").strip() if not raw.endswith("?.") else raw[:-1]


def is_ibex(path: Path) -> bool:
    """An Ibex/PCIbex results file: its first non-blank line is a ``#`` comment."""
    if path.suffix.lower() in (".xlsx", ".parquet"):
        return False
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.strip():
                return raw.lstrip().startswith(b"#")
    return False


def read_ibex(path: Path, participant_column: str | None = None, item_column: str | None = None,
              encoding: str = "utf-8") -> Report:
    """The DashedSentence word rows of an Ibex/PCIbex results file as a table with each row's line.

    Columns: ``participant``, ``item``, ``word_number`` (as the file numbers it, from 1), ``word``,
    ``reading_time`` (ms), ``ibex_type`` (Type / Label), ``ibex_group``, ``sentence``.
    """
    notes: list[str] = []
    text = decode_text(path, path.read_bytes(), encoding, None, notes)
    names: dict[int, str] = {}
    rows, lines = [], []
    other: dict[str, int] = {}
    how: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            m = _COMMENT.match(line.strip())
            if m:
                names[int(m.group(1))] = _name(m.group(2))
            continue
        fields = next(csv.reader([line]))
        cols = {names.get(i + 1, f"column {i + 1}").lower(): v for i, v in enumerate(fields)}
        rt_key = next((k for k in cols if k.startswith("reading time")), None)
        number_key = next((k for k in ("word number", "parameter") if k in cols), None)
        word_key = next((k for k in ("word", "value") if k in cols), None)
        controller = cols.get("pennelementtype") or cols.get("controller name", "")
        # Ibex names the controller in column 3, PCIbex in PennElementType; a file naming neither is taken as read
        dashed = controller.endswith("DashedSentence") or not ({"pennelementtype", "controller name"} & set(cols))
        if rt_key is None or number_key is None or word_key is None or len(fields) < 7 or not dashed:
            other[controller or "?"] = other.get(controller or "?", 0) + 1
            continue
        time, md5 = fields[0].strip(), fields[1].strip()
        pid_key = next((k for k in ([participant_column.lower()] if participant_column else ID_COLUMNS)
                        if k in cols), None)
        if participant_column and pid_key is None:
            raise DataError(f"{path}: line {number}: no column {participant_column!r} named in the '#' comments above "
                            f"it (columns: {', '.join(names.get(i + 1, '?') for i in range(len(fields)))})")
        participant = cols[pid_key].strip() if pid_key else f"{md5[:8]}-{time}"
        how.add(f"participant from the logged column {pid_key!r}" if pid_key else
                "no participant ID logged: each submission (reception time and IP hash) is one participant")
        sentence = unquote(cols.get("sentence (or sentence md5)", ""))
        item_key = next((k for k in ([item_column.lower()] if item_column else ITEM_COLUMNS) if k in cols), None)
        if item_column and item_key is None:
            raise DataError(f"{path}: line {number}: no column {item_column!r} named in the '#' comments above it")
        if item_key is None and "item number" in cols:
            item_key = "item number"
        if item_key is not None:
            item = cols[item_key].strip()
            how.add(f"item from the column {item_key!r}")
        else:
            item = "s-" + hashlib.md5(sentence.encode("utf-8")).hexdigest()[:10]
            how.add("no item column (PCIbex's 'Order number of item' is the running order): each sentence is an "
                    "item, named s- and its MD5; log the item (or pass --item-column) to use your IDs")
        rows.append({"participant": participant, "item": item, "word_number": cols[number_key].strip(),
                     "word": unquote(cols[word_key]), "reading_time": cols[rt_key].strip(),
                     "ibex_type": cols.get("type", cols.get("label", "")),
                     "ibex_group": cols.get("group", cols.get("latin square group", "")), "sentence": sentence})
        lines.append(number)
    if not rows:
        raise DataError(f"{path}: no DashedSentence word rows (columns named 'Word number'/'Parameter', 'Word'/'Value' "
                        "and 'Reading time' in the '#' comments); is this the results file of a self-paced reading "
                        "experiment?")
    notes += sorted(how)
    if other:
        notes.append("rows of other controllers left aside (not word reading times): "
                     + ", ".join(f"{n} {c}" for c, n in sorted(other.items())))
    return Report(path, pd.DataFrame(rows, dtype=str), np.asarray(lines), notes,
                  quiet=("ibex_type", "ibex_group", "sentence"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, PRESETS)
    p.add_argument("--format", choices=("auto", "ibex", "table"), default="auto",
                   help="ibex: Ibex/PCIbex results files; table: a long table with a header (default: ibex for files "
                        "that begin with '#' comments)")
    p.add_argument("--rt-column", default=None, metavar="COLUMN", help="the reading-time column of a long table")
    p.add_argument("--participant-column", default=None, metavar="NAME",
                   help="Ibex/PCIbex: the logged column that holds the participant ID")
    p.add_argument("--item-column", default=None, metavar="NAME", help="Ibex/PCIbex: the logged column of item IDs")
    p.add_argument("--drop-type", action="append", metavar="TYPE",
                   help="Ibex/PCIbex: leave out trials of this Type/Label (e.g. practice); repeat for several")


def run(paths: list[Path], args: argparse.Namespace) -> Imported:
    settings = settings_from(args)
    settings.skipped = "drop"  # an empty reading time is missing, never 0 ms
    settings.empty_reason = " (no reading time)"
    if args.rt_column:
        settings.measures = {args.rt_column: "reading_time"}
    files = report_files([Path(p) for p in paths])
    ibex = args.format == "ibex" or (args.format == "auto" and all(is_ibex(f) for f in files))
    if args.format == "auto" and not ibex and any(is_ibex(f) for f in files):
        raise DataError(f"{', '.join(str(f) for f in files if is_ibex(f))}: Ibex results files mixed with other "
                        "tables; import them separately (or pass --format)")
    if not ibex:
        if args.participant_column or args.item_column or args.drop_type:
            raise DataError("--participant-column, --item-column and --drop-type are for Ibex/PCIbex results files; "
                            "use --column participant=… / item=… for a table")
        return import_word_reports(files, settings, "self-paced-reading", PRESETS, RT_ALIASES)
    if settings.preset:
        raise DataError(f"--preset {settings.preset} names a corpus table, not an Ibex results file")
    if settings.word_index_base is None:
        settings.word_index_base = 1  # DashedSentence numbers words from 1
    drop = set(args.drop_type or [])
    dropped: list[Dropped] = []

    def reader(path: Path, _preset: Preset | None, s) -> Report:
        report = read_ibex(path, args.participant_column, args.item_column, s.encoding)
        if drop:
            out = report.frame["ibex_type"].isin(drop).to_numpy()
            for pos in np.flatnonzero(out):
                dropped.append(Dropped(str(path), int(report.lines[pos]),
                                       f"type {report.frame['ibex_type'].iloc[pos]} (--drop-type)"))
            report = Report(path, report.frame[~out].reset_index(drop=True), report.lines[~out], report.notes,
                            report.quiet)
        types = report.frame["ibex_type"].value_counts()
        report.notes.append("word rows by Type/Label: " + ", ".join(f"{t or '(none)'} {n}" for t, n in types.items()))
        return report

    settings.columns = {"participant": "participant", "item": "item", "word_index": "word_number", "word": "word",
                        **settings.columns}
    settings.measures = {"reading_time": "reading_time"}
    imported = import_word_reports(files, settings, "self-paced-reading", PRESETS, RT_ALIASES, reader=reader)
    imported.dropped = dropped + imported.dropped
    return imported


"""Eye-tracking word reports (per subject or one long file; ZuCo, GECO, Provo, MECO, BCCWJ-EyeTrack): human word table.

``psyai import eye-tracking PATH… --out DIR`` reads word-level reading measures, one row per
(subject, text, word) with a column per measure (wide) or a row per measure (long, columns
``measure`` and ``value``), from CSV, TSV (``.tsv``/``.txt``/``.tab``), Excel (``.xlsx``) or
Parquet files, or every such file in a folder, and writes ``DIR/human_words.csv``: the HUMAN
WORD TABLE of :mod:`psyai.data.word_tables` (``participant, item, word_index, word, measure,
value``, ``lang`` where known) with ``source_file``, ``source_line`` and the original ids
(``orig_participant``, ``orig_item``, ``orig_word_index``) of every row, and
``DIR/import_report.json``. ``psyai analyze attention DIR --model-measures …`` reads it.

What is read, and the choices that change what an analysis means (each is in the report):

- **the subject**: a participant column (``participant``, ``subject``, ``PP_NR``,
  ``RECORDING_SESSION_LABEL`` …), else the file name (``--subject-from-filename REGEX``; by
  default :data:`DEFAULT_SUBJECT_REGEX`: ``pp01-relfix-feats.csv`` → ``pp01``, ``sub-07_words.tsv``
  → ``07``). The flag takes the file name even where a column exists.
- **the word number**: ``--word-index-base 1`` for files that number words from 1 (Provo, GECO,
  MECO do; the preset says so), ``0`` otherwise; psyai's ``word_index`` starts at 0. A word number
  0 under base 1 is refused; no word 0 anywhere under base 0 is noted. When the words still do not
  line up with the model's, ``psyai analyze attention`` says whether they are off by one.
- **the measures** (psyai's names; see :data:`MEASURE_ALIASES` for the names recognised):
  ``first_fixation_duration``, ``gaze_duration`` (first-pass time), ``go_past_time``
  (regression-path time), ``second_pass_time``, ``total_fixation_time`` (total reading time,
  dwell time), all ms; ``fixation_count``; ``relative_fixation_duration`` (0..1). Only columns
  recognised as measures, or named with ``--measure COLUMN=NAME``, are imported: ids, a saved row
  index (``Unnamed: 0``) and any other column never are (the report lists what was left out).
- **skipped words**: an empty cell (``""``, ``.``, ``NA``, ``NaN``, ``NULL``) is a word the reader
  did not fixate. ``--skipped zero`` (default) records it as 0 (ms, fixations, share), as the
  attention analysis's raw word scores and the published comparisons (Hollenstein & Beinborn
  2021) count a skipped word; ``--skipped drop`` leaves the cell out (each is listed as dropped).
- **rows dropped**: a row without a subject, text, word number or word (Provo has such rows) is
  left out and listed with its file, line and the empty column. Anything else that does not fit
  (a word number or value that is no number, two rows for one word and measure, two different
  words at one position) is refused naming the file, the line and the column.

Presets (``--preset``) name each corpus's columns; without one, the names above and
``--column OURS=THEIRS`` (``participant``, ``item``, ``word_index``, ``word``; ``A+B`` joins
several columns, e.g. ``--column item=PART+TRIAL``) are used. No corpus is distributed with
psyai: get each from its publisher under its licence (:data:`PRESETS` says where).

Self-paced reading (:mod:`psyai.data.importers.self_paced_reading`) reads its long tables
through the same code (:func:`import_word_reports`).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from psyai.data.importing import Dropped, Imported
from psyai.data.word_tables import HUMAN_COLUMNS, MEASURES, is_index_column, validate_human_table
from psyai.errors import DataError

TABLE = "human_words"  # -> human_words.csv
SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".parquet")
DEFAULT_SUBJECT_REGEX = r"^(?:sub-)?(?P<subject>[A-Za-z0-9]+)"
MISSING = frozenset({"", ".", "na", "nan", "null", "none"})  # a skipped word's empty cell (compared lower-case)
PROVENANCE = ("source_file", "source_line", "orig_participant", "orig_item", "orig_word_index")

# names seen in reports -> psyai's (compared lower-case, stripped)
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "participant": ("participant", "subject", "subj", "sub", "subject_id", "participant_id", "pp_nr", "reader",
                    "recording_session_label", "uniform_id", "workerid", "worker_id"),
    "item": ("item", "item_id", "itemid", "text_id", "textid", "sentence_id", "sent_id", "sentid", "trial",
             "trial_id", "trialid", "story", "paragraph_id"),
    "word_index": ("word_index", "word_id", "word_idx", "wordid", "word_number", "wordnum", "word_nr", "ia_id",
                   "ianum", "word_pos", "position", "zone"),
    "word": ("word", "ia_label", "ia", "token", "surface", "word_text", "content"),
}
MEASURE_ALIASES: dict[str, str] = {
    **{m: m for m in MEASURES},
    "ffd": "first_fixation_duration", "ia_first_fixation_duration": "first_fixation_duration",
    "word_first_fixation_duration": "first_fixation_duration", "firstfix.dur": "first_fixation_duration",
    "gd": "gaze_duration", "ia_first_run_dwell_time": "gaze_duration", "word_gaze_duration": "gaze_duration",
    "firstrun.dur": "gaze_duration", "first_pass_time": "gaze_duration",
    "gpt": "go_past_time", "ia_regression_path_duration": "go_past_time", "regression_path_duration": "go_past_time",
    "word_go_past_time": "go_past_time", "firstrun.gopast": "go_past_time",
    "trt": "total_fixation_time", "total_reading_time": "total_fixation_time", "ia_dwell_time": "total_fixation_time",
    "dwell_time": "total_fixation_time", "word_total_reading_time": "total_fixation_time",
    "total_fixation_duration": "total_fixation_time",
    "nfix": "fixation_count", "nfixations": "fixation_count", "ia_fixation_count": "fixation_count",
    "word_fixation_count": "fixation_count", "number_of_fixations": "fixation_count",
    "relfix": "relative_fixation_duration",
}
LONG_KEYS = ("measure", "value")


@dataclass(frozen=True)
class Preset:
    """A corpus's published column layout: which of its columns are psyai's keys and measures."""

    name: str
    corpus: str
    citation: str
    source: str  # where to get it, and its licence
    checked: str  # what this layout was checked against
    item: tuple[str, ...]  # joined with "-" when several
    word: str
    measures: Mapping[str, str]  # wide: their column -> psyai's measure; long: their measure value -> psyai's
    participant: tuple[str, ...] | None = None  # None: from the file name
    word_index: str | None = None
    word_order: tuple[str, ...] = ()  # no word number: words are ranked by these columns within each item
    base: int = 0
    long: tuple[str, str] | None = None  # (measure column, value column) of a long layout
    lang: str | None = None  # one language for every row
    lang_column: str | None = None
    lang_codes: Mapping[str, str] = field(default_factory=dict)  # the corpus's language codes -> ISO 639-1
    fallback_encoding: str | None = None
    sheet: str | None = None  # Excel sheet, where the corpus names one
    decode: Callable[[Path, pd.DataFrame], tuple[pd.DataFrame, list[str]]] | None = None


def bccwj_decode(path: Path, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """BCCWJ-EyeTrack stores factors as codes; ``<stem>.tbl`` beside the file (tab-separated: the column's
    0-based number, its name, the level, the code) gives their levels."""
    tables = [path.with_suffix(".tbl"), path.with_name(path.stem.split("-")[0] + ".tbl")]
    table = next((t for t in tables if t.is_file()), None)
    if table is None:
        stem = path.stem.split("-")[0]
        measure = {"self": "SelfPaced"}.get(stem, f"EyeTrack:{stem}")
        if "measure" in frame.columns and stem in ("fft", "fpt", "rpt", "spt", "total", "self"):
            frame = frame.assign(measure=measure)
        return frame, [f"no {tables[0].name} beside it: subjects and screens keep the release's numeric codes"
                       + (f"; the measure ({measure}) is the file's name" if "measure" in frame.columns
                          and stem in ("fft", "fpt", "rpt", "spt", "total", "self") else "")]
    levels: dict[str, dict[str, str]] = {}
    for number, line in enumerate(table.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if not line.strip():
            continue
        if len(parts) != 4:
            raise DataError(f"{table}: line {number}: expected 4 tab-separated fields (column number, name, level, "
                            f"code), found {len(parts)}; is this the release's .tbl file?")
        levels.setdefault(parts[1], {})[parts[3].strip()] = parts[2]
    frame = frame.copy()
    for column, codes in levels.items():
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v, c=codes: c.get(str(v).strip(), v))
    return frame, [f"codes decoded with {table.name}"]


ZUCO = Preset(
    name="zuco",
    corpus="ZuCo 1.0 / 2.0, per-subject word-level exports",
    citation=("Hollenstein, N., Rotsztejn, J., Troendle, M., Pedroni, A., Zhang, C., & Langer, N. (2018). ZuCo, a "
              "simultaneous EEG and eye-tracking resource for natural sentence reading. Scientific Data, 5, 180291. "
              "Hollenstein, N., Troendle, M., Zhang, C., & Langer, N. (2020). ZuCo 2.0: A dataset of physiological "
              "recordings during natural reading and annotation. LREC 2020. Per-subject CSV layout: Hollenstein, N., "
              "& Beinborn, L. (2021). Relative importance in sentence processing. ACL 2021."),
    source=("OSF https://osf.io/q3zws/ (ZuCo 1.0) and https://osf.io/2urht/ (ZuCo 2.0), CC BY 4.0; the corpus is "
            "Matlab files per subject: export them to CSV with the script of github.com/beinborn/relative_importance "
            "(extract_human_fixations/data_extractor_zuco.py), one <subject>-relfix-feats.csv each"),
    checked=("columns against data_extractor_zuco.py of beinborn/relative_importance (writes sentence_id, word_id "
             "from 0 within the sentence, word, TRT, relFix with pandas' index as an unnamed first column, subject "
             "only in the file name) and a published file of that layout (pp01-relfix-feats.csv of "
             "felixhultin/cross_lingual_relative_importance: ',sentence_id,word_id,word_id_orig,word,TRT,relFix'); "
             "ZuCo's Matlab word fields nFixations, FFD, GD, GPT, TRT are taken from the ZuCo papers' feature list, "
             "not from a file"),
    item=("sentence_id",), word_index="word_id", word="word", base=0,
    measures={"FFD": "first_fixation_duration", "GD": "gaze_duration", "GPT": "go_past_time",
              "TRT": "total_fixation_time", "nFixations": "fixation_count", "relFix": "relative_fixation_duration"},
)
GECO = Preset(
    name="geco",
    corpus="GECO, the Ghent Eye-Tracking Corpus (MonolingualReadingData, L1ReadingData, L2ReadingData)",
    citation=("Cop, U., Dirix, N., Drieghe, D., & Duyck, W. (2017). Presenting GECO: An eyetracking corpus of "
              "monolingual and bilingual sentence reading. Behavior Research Methods, 49(2), 602-615. "
              "https://doi.org/10.3758/s13428-016-0734-0"),
    source=("https://expsy.ugent.be/downloads/geco/ (Excel files, free for research; cite the paper; no open "
            "licence stated, so redistribute nothing)"),
    checked=("columns against the column legend of a public GECO reader (PP_NR, GROUP, LANGUAGE_RANK, LANGUAGE, "
             "PART, TRIAL, ..., WORD_ID_WITHIN_TRIAL, WORD_ID, WORD, ..., WORD_FIXATION_COUNT, WORD_GAZE_DURATION, "
             "WORD_FIRST_FIXATION_DURATION, WORD_GO_PAST_TIME, WORD_TOTAL_READING_TIME, WORD_SKIP); '.' for a "
             "skipped word's durations as several readers convert it; words numbered from 1 within a trial, as "
             "WORD_ID PART-TRIAL-n shows (1-5-1 is the first word of a published per-subject export)"),
    participant=("PP_NR",), item=("PART", "TRIAL"), word_index="WORD_ID_WITHIN_TRIAL", word="WORD", base=1,
    measures={"WORD_FIRST_FIXATION_DURATION": "first_fixation_duration", "WORD_GAZE_DURATION": "gaze_duration",
              "WORD_GO_PAST_TIME": "go_past_time", "WORD_TOTAL_READING_TIME": "total_fixation_time",
              "WORD_FIXATION_COUNT": "fixation_count"},
    sheet="DATA",
)
PROVO = Preset(
    name="provo",
    corpus="the Provo Corpus (Provo_Corpus-Eyetracking_Data.csv)",
    citation=("Luke, S. G., & Christianson, K. (2018). The Provo Corpus: A large eye-tracking corpus with "
              "predictability norms. Behavior Research Methods, 50(2), 826-833. "
              "https://doi.org/10.3758/s13428-017-0908-4"),
    source="OSF https://osf.io/sjefs/ (CC BY 4.0)",
    checked=("Participant_ID, Text_ID, Word_Number, Word, IA_FIRST_FIXATION_DURATION, IA_FIRST_RUN_DWELL_TIME, "
             "IA_DWELL_TIME against two public Provo readers (both read the file as ISO-8859-1, drop rows without "
             "Word_Number and subtract 1 from it); IA_REGRESSION_PATH_DURATION and IA_FIXATION_COUNT are EyeLink "
             "Data Viewer's names for the other measures, imported where the file has them"),
    participant=("Participant_ID",), item=("Text_ID",), word_index="Word_Number", word="Word", base=1,
    measures={"IA_FIRST_FIXATION_DURATION": "first_fixation_duration", "IA_FIRST_RUN_DWELL_TIME": "gaze_duration",
              "IA_REGRESSION_PATH_DURATION": "go_past_time", "IA_DWELL_TIME": "total_fixation_time",
              "IA_FIXATION_COUNT": "fixation_count"},
    fallback_encoding="latin-1",
)
MECO = Preset(
    name="meco",
    corpus="MECO, the Multilingual Eye-movement Corpus (joint_data_trimmed, L1 and L2)",
    citation=("Siegelman, N., Schroeder, S., Acartürk, C., et al. (2022). Expanding horizons of cross-linguistic "
              "research on reading: The Multilingual Eye-movement Corpus (MECO). Behavior Research Methods, 54, "
              "2843-2863. https://doi.org/10.3758/s13428-021-01772-6"),
    source="OSF https://osf.io/3527a/ (see the project's licence; export the .rda to CSV with R's write.csv)",
    checked=("uniform_id, trialid, ianum, ia, lang, firstfix.dur, firstrun.dur, dur, nfix against public scripts "
             "reading joint_data_trimmed (MECO's ID fix by Opedal et al., analyses renaming firstfix.dur, "
             "firstrun.dur and dur; ianum and trialid from 1; R's row names as an unnamed first column); "
             "firstrun.gopast is popEye's name for go-past time"),
    participant=("uniform_id",), item=("lang", "trialid"), word_index="ianum", word="ia", base=1,
    measures={"firstfix.dur": "first_fixation_duration", "firstrun.dur": "gaze_duration",
              "firstrun.gopast": "go_past_time", "dur": "total_fixation_time", "nfix": "fixation_count"},
    lang_column="lang",
    lang_codes={"du": "nl", "ee": "et", "en": "en", "fi": "fi", "ge": "de", "gr": "el", "he": "he", "it": "it",
                "ko": "ko", "no": "nb", "ru": "ru", "sp": "es", "tr": "tr"},
)
BCCWJ_MEASURES = {"EyeTrack:fft": "first_fixation_duration", "EyeTrack:fpt": "gaze_duration",
                  "EyeTrack:rpt": "go_past_time", "EyeTrack:spt": "second_pass_time",
                  "EyeTrack:total": "total_fixation_time"}
BCCWJ = Preset(
    name="bccwj-eyetrack",
    corpus="BCCWJ-EyeTrack (fft/fpt/rpt/spt/total .csv with their .tbl)",
    citation=("Asahara, M., Ono, H., & Miyamoto, E. T. (2016). Reading-time annotations for \"Balanced Corpus of "
              "Contemporary Written Japanese\". COLING 2016, 684-694. National Institute for Japanese Language and "
              "Linguistics (2018). BCCWJ-EyeTrack (ver. 1.0.0)."),
    source=("https://github.com/masayu-a/BCCWJ-EyeTrack (CC BY-NC-SA 3.0); the public files mask the text "
            "(surface '_'): the words come from BCCWJ itself, licensed by NINJAL"),
    checked=("the header of spt-del.csv in masayu-a/BCCWJ-EyeTrack (logtime, invtime, surface, time, measure, "
             "sample, article, ..., subj, setorder, ..., screenN, lineN, segmentN, sample_screen, ...; time in ms) "
             "and its .tbl code tables (0-based column number, name, level, code; measure EyeTrack:fpt, subj "
             "U100142 ..., sample_screen A_1 ...)"),
    participant=("subj",), item=("sample_screen",), word="surface", word_order=("lineN", "segmentN"),
    long=("measure", "time"), measures=BCCWJ_MEASURES, lang="ja", decode=bccwj_decode,
)
PRESETS: dict[str, Preset] = {p.name: p for p in (ZUCO, GECO, PROVO, MECO, BCCWJ)}


@dataclass
class WordImportSettings:
    """How word reports are read (each field is a command-line option; see the module docstring)."""

    preset: str | None = None  # --preset: a corpus's column names
    subject_from_filename: str | None = None  # --subject-from-filename: regex on the file name (group 'subject')
    word_index_base: int | None = None  # --word-index-base: 0 or 1 (default: the preset's, else 0)
    columns: dict[str, str] = field(default_factory=dict)  # --column OURS=THEIRS ("A+B" joins columns)
    measures: dict[str, str] = field(default_factory=dict)  # --measure THEIRS=OURS: import only these
    skipped: str = "zero"  # --skipped: zero (a skipped word's empty cell is 0) or drop
    lang: str | None = None  # --lang: the language of every text (word frequencies)
    encoding: str = "utf-8"  # --encoding
    empty_reason: str = " (a word not fixated; --skipped drop)"  # what a dropped empty value is, in the report


@dataclass
class Report:
    """One file as read: string cells ("" where empty), the line (row) each row starts on, notes about it."""

    path: Path
    frame: pd.DataFrame
    lines: np.ndarray
    notes: list[str] = field(default_factory=list)
    quiet: tuple[str, ...] = ()  # columns the reader made for itself, not worth a "not imported" note


# -- reading -----------------------------------------------------------------------------------

def report_files(paths: list[Path]) -> list[Path]:
    """The files to read: each file as given, and every table file under each folder (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                           and not p.name.startswith("."))
            if not found:
                raise DataError(f"{path}: no {', '.join(SUFFIXES)} files in this folder; give the report files or "
                                "the folder that holds them")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"{path}: no such file or folder")
    return files


def decode_text(path: Path, raw: bytes, encoding: str, fallback: str | None, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as err:
        if fallback:
            notes.append(f"not valid UTF-8; read as {fallback}, as the corpus publishes it")
            return raw.decode(fallback)
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not valid {encoding} (byte {err.start}); pass the file's encoding "
                        "with --encoding (e.g. latin-1) or save it as UTF-8") from None
    except LookupError:
        raise DataError(f"--encoding {encoding!r} is not an encoding Python knows; use e.g. utf-8 or latin-1") from None


def _record_lines(text: str, sep: str) -> np.ndarray:
    """The line each CSV record starts on (header included), counting quoted line breaks."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    starts, end = [], 0
    for _ in reader:
        starts.append(end + 1)
        end = reader.line_num
    return np.asarray(starts)


def read_report(path: Path, encoding: str = "utf-8", fallback: str | None = None, sheet: str | None = None) -> Report:
    """A report file as strings with each row's line (CSV/TSV; the header is line 1) or row number (Excel: as the
    sheet numbers it; Parquet: 1-based)."""
    suffix = path.suffix.lower()
    notes: list[str] = []
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            frame = frame.astype(object).where(frame.notna(), "").astype(str)
            return Report(path, frame, np.arange(1, len(frame) + 1), notes)
        if suffix == ".xlsx":
            sheets = pd.ExcelFile(path).sheet_names
            name = sheet if sheet in sheets else sheets[0]
            frame = pd.read_excel(path, sheet_name=name, dtype=str, keep_default_na=False)
            frame.columns = [str(c) for c in frame.columns]
            if len(sheets) > 1:
                notes.append(f"read sheet {name!r} of {len(sheets)}")
            return Report(path, frame.fillna(""), np.arange(2, len(frame) + 2), notes)
    except (ValueError, OSError, ImportError) as err:
        raise DataError(f"{path}: cannot be read as {suffix[1:]} ({err}); export it as CSV") from None
    text = decode_text(path, path.read_bytes(), encoding, fallback, notes)
    header = text.split("\n", 1)[0]
    sep = "\t" if suffix in (".tsv", ".txt", ".tab") else ","
    if sep not in header and ("\t" if sep == "," else ",") in header:
        sep = "\t" if sep == "," else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[],
                            skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as err:
        raise DataError(f"{path}: cannot be read as {'TSV' if sep == chr(9) else 'CSV'} ({err}); check the "
                        "separator and the quoting") from None
    names = [str(c) for c in frame.columns]
    raw_names = next(csv.reader([header], delimiter=sep), [])
    seen: dict[str, int] = {}
    for number, name in enumerate(n.strip() for n in raw_names):
        if name and name in seen:
            raise DataError(f"{path}: line 1: column {name!r} appears twice (columns {seen[name] + 1} and "
                            f"{number + 1}); rename one")
        seen[name] = number
    lines = _record_lines(text, sep)[1:] if '"' in text else np.arange(2, len(frame) + 2)
    lines = lines[: len(frame)]
    frame.columns = names
    frame = frame.fillna("")
    blank = (frame == "").all(axis=1).to_numpy()
    return Report(path, frame[~blank].reset_index(drop=True), lines[~blank], notes)


# -- which columns are what ---------------------------------------------------------------------

@dataclass
class Layout:
    """Which columns of one file hold psyai's keys and measures."""

    participant: list[str] | None  # None: from the file name
    item: list[str]
    word_index: str | None
    word: str
    word_order: list[str]
    measures: dict[str, str]  # wide: column -> measure
    long: tuple[str, str] | None
    long_names: dict[str, str]  # long: their measure -> psyai's
    lang_column: str | None = None


def _find(columns: list[str], name: str) -> str | None:
    """The column called ``name``, compared without case and surrounding spaces."""
    key = name.strip().lower()
    return next((c for c in columns if c.strip().lower() == key), None)


def _find_any(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((found for n in names if (found := _find(columns, n)) is not None), None)


def _user_columns(path: Path, columns: list[str], spec: str, ours: str) -> list[str]:
    found = []
    for name in spec.split("+"):
        col = _find(columns, name)
        if col is None:
            raise DataError(f"{path}: --column {ours}={spec}: no column {name!r} (columns: {', '.join(columns)})")
        found.append(col)
    return found


def resolve_layout(report: Report, preset: Preset | None, settings: WordImportSettings,
                   aliases: Mapping[str, str] = MEASURE_ALIASES) -> Layout:
    """The layout of one file: the preset's names, else the user's --column and the names psyai knows."""
    path, columns = report.path, list(report.frame.columns)
    user = dict(settings.columns)
    hint = "; pass --column OURS=THEIRS" + ("" if preset else " or a --preset")

    def key(ours: str, preset_names: tuple[str, ...] | None, required: bool = True) -> list[str] | None:
        if ours in user:
            return _user_columns(path, columns, user[ours], ours)
        if preset is not None:
            if preset_names is None:
                return None
            found = [_find(columns, n) for n in preset_names]
            missing = [n for n, f in zip(preset_names, found) if f is None]
            if missing:
                raise DataError(f"{path}: column {missing[0]!r} of the {preset.name} layout is missing (columns: "
                                f"{', '.join(columns)}); is this a {preset.corpus} file?{hint}")
            return found  # type: ignore[return-value]
        col = _find_any(columns, KEY_ALIASES[ours])
        if col is None:
            if not required:
                return None
            raise DataError(f"{path}: no {ours} column (looked for {', '.join(KEY_ALIASES[ours])}; columns: "
                            f"{', '.join(columns)}){hint}, e.g. --column {ours}=YOUR_COLUMN")
        return [col]

    participant = None if settings.subject_from_filename else key(
        "participant", preset.participant if preset else None, required=False)
    item = key("item", preset.item if preset else None)
    word = key("word", (preset.word,) if preset else None)
    order: list[str] = []
    word_index: list[str] | None
    if preset is not None and preset.word_order and "word_index" not in user:
        order = key("word_order", preset.word_order) or []  # type: ignore[arg-type]
        word_index = None
    else:
        word_index = key("word_index", (preset.word_index,) if preset and preset.word_index else None)
    if word_index is not None and len(word_index) != 1:
        raise DataError(f"{path}: --column word_index names one column, not {len(word_index)}")
    used = set((participant or []) + (item or []) + (word or []) + (word_index or []) + order)

    long: tuple[str, str] | None = None
    long_names: dict[str, str] = {}
    measures: dict[str, str] = {}
    if preset is not None and preset.long:
        long = (_find(columns, preset.long[0]) or "", _find(columns, preset.long[1]) or "")
        if not all(long):
            raise DataError(f"{path}: columns {preset.long[0]!r} and {preset.long[1]!r} of the {preset.name} layout "
                            f"are missing (columns: {', '.join(columns)}); is this a {preset.corpus} file?")
        long_names = dict(preset.measures)
    elif settings.measures:
        for theirs, ours in settings.measures.items():
            col = _find(columns, theirs)
            if col is None:
                raise DataError(f"{path}: --measure {theirs}={ours}: no column {theirs!r} (columns: "
                                f"{', '.join(columns)})")
            if is_index_column(col, report.frame[col]):
                raise DataError(f"{path}: --measure {theirs}={ours}: {col!r} numbers the rows (a saved index), it is "
                                "not a measure")
            measures[col] = ours
    elif preset is not None:
        measures = {col: ours for theirs, ours in preset.measures.items() if (col := _find(columns, theirs))}
        absent = [theirs for theirs in preset.measures if _find(columns, theirs) is None]
        if absent:
            report.notes.append(f"no {', '.join(absent)} column(s) of the {preset.name} layout; the other "
                                "measures are imported")
    elif all(_find(columns, k) for k in LONG_KEYS) and not any(aliases.get(c.strip().lower())
                                                                 for c in columns if c not in used):
        long = (_find(columns, "measure"), _find(columns, "value"))  # type: ignore[assignment]
        long_names = {}
    else:
        for col in columns:
            name = aliases.get(col.strip().lower())
            if col not in used and name:
                if name in measures.values():
                    other = next(c for c, m in measures.items() if m == name)
                    raise DataError(f"{path}: columns {other!r} and {col!r} both hold {name}; import one with "
                                    f"--measure {other}={name}")
                measures[col] = name
    if long is None and not measures:
        raise DataError(f"{path}: no measure columns (psyai knows {', '.join(sorted(set(aliases)))}; columns "
                        f"here: {', '.join(columns)}); name yours with --measure COLUMN=NAME")
    taken = used | set(measures) | set(long or ())
    index = [c for c in columns if c not in taken and is_index_column(c, report.frame[c])]
    rest = [c for c in columns if c not in taken and c not in index and c not in report.quiet]
    if index:
        report.notes.append(f"{', '.join(map(repr, index))} numbers the rows (a saved index): not imported")
    if rest and long is None:
        shown = ", ".join(rest[:12]) + (f" and {len(rest) - 12} more" if len(rest) > 12 else "")
        report.notes.append(f"columns not imported: {shown} (import one with --measure COLUMN=NAME)")
    lang_column = _find(columns, preset.lang_column) if preset and preset.lang_column else None
    return Layout(participant, item or [], (word_index or [None])[0], (word or [""])[0], order, measures, long,
                  long_names, lang_column)


# -- rows ---------------------------------------------------------------------------------------

def _empty(values: pd.Series) -> np.ndarray:
    return (values.str.strip() == "").to_numpy()


def _joined(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    out = frame[columns[0]].str.strip()
    for col in columns[1:]:
        out = out + "-" + frame[col].str.strip()
    return out


def subject_from_filename(path: Path, regex: str) -> str:
    """The participant ID in a file name: the regex's group ``subject`` (else its first group, else the match)."""
    try:
        pattern = re.compile(regex)
    except re.error as err:
        raise DataError(f"--subject-from-filename {regex!r} is not a regular expression ({err})") from None
    match = pattern.search(path.name)
    if not match:
        raise DataError(f"{path}: the file name does not match --subject-from-filename {regex!r}; give a regex whose "
                        "group 'subject' holds the participant ID, e.g. '^(?P<subject>[^_-]+)'")
    subject = match.group("subject") if "subject" in pattern.groupindex else (match.group(1) if pattern.groups
                                                                              else match.group(0))
    if not subject:
        raise DataError(f"{path}: --subject-from-filename {regex!r} matches an empty participant ID")
    return subject


def _numbers(report: Report, column: str, values: pd.Series, what: str, hint: str = "") -> np.ndarray:
    numbers = pd.to_numeric(values.str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"{report.path}: line {report.lines[pos]}, column {column!r}: {values.iloc[pos]!r} is not "
                        f"{what}{hint}")
    return numbers


def rows_of(report: Report, layout: Layout, preset: Preset | None, settings: WordImportSettings,
            base: int, dropped: list[Dropped], counts: dict[str, int]) -> pd.DataFrame:
    """The long rows of one file (keys, measure, value, provenance), after dropping rows without keys."""
    frame, path = report.frame, report.path
    n = len(frame)
    if layout.participant is None:
        regex = settings.subject_from_filename or DEFAULT_SUBJECT_REGEX
        participant = pd.Series([subject_from_filename(path, regex)] * n, dtype=object)
        orig_participant = pd.Series([path.name] * n, dtype=object)
    else:
        participant = _joined(frame, layout.participant)
        orig_participant = participant
    item = _joined(frame, layout.item)
    word = frame[layout.word]
    keys = {"participant": (participant, layout.participant), "item": (item, layout.item),
            "word": (word, [layout.word])}
    if layout.word_index is not None:
        keys["word_index"] = (frame[layout.word_index], [layout.word_index])
    else:
        keys["word_index"] = (_joined(frame, layout.word_order), layout.word_order)
    keep = np.ones(n, dtype=bool)
    for name, (values, cols) in keys.items():
        missing = _empty(values.astype(str)) if cols else np.zeros(n, dtype=bool)
        if cols and len(cols) > 1:
            missing = np.any([_empty(frame[c]) for c in cols], axis=0)
        for pos in np.flatnonzero(missing & keep):
            dropped.append(Dropped(str(path), int(report.lines[pos]), f"empty {'+'.join(cols or [name])} (no {name})"))
        keep &= ~missing
    if not keep.all():
        frame, participant, orig_participant, item, word = (x[keep].reset_index(drop=True) for x in
                                                            (frame, participant, orig_participant, item, word))
        report = Report(path, frame, report.lines[keep], report.notes, report.quiet)
    lines = report.lines
    if layout.word_index is not None:
        raw_index = frame[layout.word_index]
        hint = ("" if preset else "; use --preset geco for GECO's WORD_ID" if layout.word_index.lower() == "word_id"
                and "-" in "".join(raw_index.head(5)) else "; name the column that numbers the words with --column "
                "word_index=COLUMN")
        number = _numbers(report, layout.word_index, raw_index, "a whole number (a word number)", hint)
        frac = number != np.round(number)
        if frac.any():
            pos = int(np.flatnonzero(frac)[0])
            raise DataError(f"{path}: line {lines[pos]}, column {layout.word_index!r}: {raw_index.iloc[pos]!r} is not "
                            "a whole number (a word number)")
        index = number.astype(int) - base
        low = index < 0
        if low.any():
            pos = int(np.flatnonzero(low)[0])
            fix = ("this file numbers words from 0: use --word-index-base 0" if base == 1 and number[pos] == 0
                   else "word numbers cannot be negative")
            raise DataError(f"{path}: line {lines[pos]}, column {layout.word_index!r}: word number "
                            f"{raw_index.iloc[pos].strip()} with --word-index-base {base}; {fix}")
        orig_index = raw_index.str.strip()
    else:
        index = np.full(len(frame), -1)  # ranked over every file by rank_word_order()
        orig_index = _joined(frame, layout.word_order)
    base_cols = {"participant": participant.to_numpy(object), "item": item.to_numpy(object),
                 "word_index": index, "word": word.to_numpy(object), "source_file": str(path), "source_line": lines,
                 "orig_participant": orig_participant.to_numpy(object), "orig_item": item.to_numpy(object),
                 "orig_word_index": orig_index.to_numpy(object)}
    lang = _langs(frame, layout, preset, settings, path)
    if lang is not None:
        base_cols["lang"] = lang
    base_frame = pd.DataFrame(base_cols)
    parts = []
    if layout.long is not None:
        measure_col, value_col = layout.long
        theirs = frame[measure_col].str.strip()
        ours = theirs.map(lambda m: layout.long_names.get(m) or MEASURE_ALIASES.get(m.lower(), m))
        if preset is not None:
            unknown = sorted(set(theirs[~theirs.isin(list(layout.long_names))]))
            if unknown:
                pos = int(np.flatnonzero(~theirs.isin(list(layout.long_names)).to_numpy())[0])
                raise DataError(f"{path}: line {lines[pos]}, column {measure_col!r}: measure {unknown[0]!r} is not one "
                                f"of the {preset.name} layout ({', '.join(layout.long_names)})"
                                + ("; self-paced reading times are imported with `psyai import self-paced-reading "
                                   "--preset bccwj-selfpaced`" if unknown[0] == "SelfPaced" else ""))
        parts.append(_values(report, base_frame, ours.to_numpy(object), frame[value_col], value_col, settings,
                             dropped, counts))
    else:
        for col, measure in layout.measures.items():
            parts.append(_values(report, base_frame, np.full(len(frame), measure, dtype=object), frame[col], col,
                                 settings, dropped, counts))
    return pd.concat(parts, ignore_index=True)


def _langs(frame: pd.DataFrame, layout: Layout, preset: Preset | None, settings: WordImportSettings,
           path: Path) -> np.ndarray | None:
    if settings.lang:
        return np.full(len(frame), settings.lang, dtype=object)
    if layout.lang_column:
        codes = frame[layout.lang_column].str.strip()
        mapping = preset.lang_codes if preset else {}
        return codes.map(lambda c: mapping.get(c, c)).to_numpy(object)
    if preset is not None and preset.lang:
        return np.full(len(frame), preset.lang, dtype=object)
    return None


def _values(report: Report, keys: pd.DataFrame, measures: np.ndarray, raw: pd.Series, column: str,
            settings: WordImportSettings, dropped: list[Dropped], counts: dict[str, int]) -> pd.DataFrame:
    """One measure column (or a long value column) as rows; a skipped word's empty cell is 0 or left out."""
    text = raw.str.strip()
    missing = text.str.lower().isin(MISSING).to_numpy()
    values = pd.to_numeric(text.where(~missing, "0"), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) & ~missing
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"{report.path}: line {report.lines[pos]}, column {column!r}: {raw.iloc[pos]!r} is not a "
                        "number; fix the value, or leave the cell empty for a word that was not fixated")
    out = keys.assign(measure=measures, value=values)
    if missing.any():
        for m in sorted(set(measures[missing])):
            counts[m] = counts.get(m, 0) + int((missing & (measures == m)).sum())
        if settings.skipped == "drop":
            for pos in np.flatnonzero(missing):
                dropped.append(Dropped(str(report.path), int(report.lines[pos]),
                                       f"empty {column}{settings.empty_reason}",
                                       {"participant": keys.at[pos, "participant"], "item": keys.at[pos, "item"],
                                        "word": keys.at[pos, "word"]}))
            out = out[~missing]
    return out


def rank_word_order(table: pd.DataFrame) -> pd.Series:
    """0-based word numbers from ``orig_word_index`` keys ("line-segment") ranked within each item over all files."""
    parts = table["orig_word_index"].str.split("-", expand=True).apply(pd.to_numeric, errors="coerce")
    order = pd.DataFrame({"item": table["item"], **{f"k{i}": parts[i] for i in parts.columns}})
    distinct = order.drop_duplicates().sort_values(list(order.columns))
    distinct["word_index"] = distinct.groupby("item").cumcount()
    return order.merge(distinct, how="left", on=list(order.columns))["word_index"].set_axis(table.index)


class _Origins:
    """(file, line) per row, without building a list of tuples for a million rows."""

    def __init__(self, files: np.ndarray, lines: np.ndarray):
        self.files, self.lines = files, lines

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, pos: int) -> tuple[str, int]:
        return str(self.files[pos]), int(self.lines[pos])


def import_word_reports(paths: list[Path], settings: WordImportSettings, kind: str = "eye-tracking",
                        presets: Mapping[str, Preset] = PRESETS, aliases: Mapping[str, str] = MEASURE_ALIASES,
                        reader: Callable[[Path, Preset | None, WordImportSettings], Report] | None = None
                        ) -> Imported:
    """Read word reports (see the module docstring) into psyai's human word table, with an account of the rest."""
    if settings.preset is not None and settings.preset not in presets:
        raise DataError(f"--preset {settings.preset!r} is not known; choose one of {', '.join(presets)}")
    if settings.skipped not in ("zero", "drop"):
        raise DataError(f"--skipped {settings.skipped!r}: use zero or drop")
    preset = presets[settings.preset] if settings.preset else None
    base = settings.word_index_base if settings.word_index_base is not None else (preset.base if preset else 0)
    if base not in (0, 1):
        raise DataError(f"--word-index-base {base}: use 0 or 1")
    files = report_files(paths)
    dropped: list[Dropped] = []
    notes: list[str] = []
    file_notes: dict[str, list[str]] = {}  # a note -> the files it is about (said once, not once per file)
    counts: dict[str, int] = {}
    subjects: dict[str, str] = {}
    parts = []
    for path in files:
        report = reader(path, preset, settings) if reader else read_report(
            path, settings.encoding, preset.fallback_encoding if preset else None, preset.sheet if preset else None)
        if preset is not None and preset.decode is not None:
            report.frame, decoded = preset.decode(path, report.frame)
            report.notes += decoded
        layout = resolve_layout(report, preset, settings, aliases)
        for note in report.notes + ([] if len(report.frame) else ["no rows"]):
            file_notes.setdefault(note, []).append(str(path))
        if report.frame.empty:
            continue
        rows = rows_of(report, layout, preset, settings, base, dropped, counts)
        if layout.participant is None:
            subjects[path.name] = str(rows["participant"].iloc[0]) if len(rows) else ""
        parts.append(rows)
    if not parts or not sum(len(p) for p in parts):
        reasons = sorted({d.reason for d in dropped})
        raise DataError(f"{', '.join(map(str, paths))}: no word rows to import"
                        + (f" (every row was dropped: {'; '.join(reasons)})" if reasons else ""))
    notes += [f"{files_of[0]}: {note}" if len(files_of) == 1 else
              f"{len(files_of)} files ({files_of[0]} …): {note}" for note, files_of in file_notes.items()]
    table = pd.concat(parts, ignore_index=True)
    ranked = bool((table["word_index"] < 0).any())
    if ranked:
        table["word_index"] = rank_word_order(table)
        notes.append("word numbers: each text's words ranked 0, 1, 2 … by "
                     f"{'+'.join(preset.word_order) if preset else 'their order keys'} over every file")
    if subjects:
        shown = ", ".join(f"{f} → {s}" for f, s in list(subjects.items())[:5]) + (" …" if len(subjects) > 5 else "")
        regex = settings.subject_from_filename or DEFAULT_SUBJECT_REGEX
        notes.append(f"participant IDs taken from the file names ({regex}): {shown}")
    if base == 0 and not ranked and not (table.groupby("item")["word_index"].min() == 0).any():
        notes.append("no text has a word number 0: if the files number words from 1, import again with "
                     "--word-index-base 1")
    for measure, n in sorted(counts.items()):
        what = "counted as 0" if settings.skipped == "zero" else "left out"
        notes.append(f"{n} empty {measure} cell(s) (words not fixated) {what} (--skipped {settings.skipped})")
    checked = validate_human_table(table[list(HUMAN_COLUMNS) + (["lang"] if "lang" in table else [])],
                                   origins=_Origins(table["source_file"].to_numpy(), table["source_line"].to_numpy()))
    for col in PROVENANCE:
        checked[col] = table[col].to_numpy()
    record = asdict(settings) | {"word_index_base": base, "files": len(files)}
    record.pop("empty_reason")
    if preset is not None:
        record["preset_citation"] = preset.citation
        record["preset_source"] = preset.source
        notes.insert(0, f"{preset.corpus}: cite {preset.citation}")
    return Imported(kind=kind, tables={TABLE: checked}, sources=files, dropped=dropped, notes=notes, settings=record)


# -- command line -------------------------------------------------------------------------------

def _pairs(values: list[str] | None, flag: str, left: str, right: str) -> dict[str, str]:
    out = {}
    for value in values or []:
        if "=" not in value or not all(part.strip() for part in value.split("=", 1)):
            raise DataError(f"{flag} {value!r}: write {left}={right}")
        a, b = (part.strip() for part in value.split("=", 1))
        out[a] = b
    return out


def add_common_arguments(p: argparse.ArgumentParser, presets: Mapping[str, Preset]) -> None:
    """The options every word-report importer shares (eye tracking, self-paced reading)."""
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files (CSV, TSV, XLSX, Parquet) or folders of them")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write human_words.csv and import_report.json")
    p.add_argument("--preset", choices=list(presets), default=None,
                   help="a corpus's column names: " + "; ".join(f"{p.name}: {p.corpus}" for p in presets.values()))
    p.add_argument("--subject-from-filename", nargs="?", const=DEFAULT_SUBJECT_REGEX, default=None, metavar="REGEX",
                   help="take the participant ID from the file name (group 'subject'; default regex "
                        f"{DEFAULT_SUBJECT_REGEX!r}, used anyway when a file has no participant column)")
    p.add_argument("--word-index-base", type=int, choices=(0, 1), default=None,
                   help="the files number words from 0 or from 1 (default: the preset's, else 0)")
    p.add_argument("--column", action="append", metavar="OURS=THEIRS",
                   help="which column is participant, item, word_index or word (A+B joins columns), e.g. "
                        "--column item=PART+TRIAL; repeat for several")
    p.add_argument("--lang", default=None, help="language of every text (en, ja …), for word frequencies")
    p.add_argument("--encoding", default="utf-8", help="text encoding of CSV/TSV files (default %(default)s)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, PRESETS)
    p.add_argument("--measure", action="append", metavar="THEIRS=OURS",
                   help="import this column as this measure (only the columns named so are imported), e.g. "
                        "--measure TRT=total_fixation_time; repeat for several")
    p.add_argument("--skipped", choices=("zero", "drop"), default="zero",
                   help="a skipped word's empty cell: 0 (default, as the analysis's raw scores count it) or left out")


def settings_from(args: argparse.Namespace) -> WordImportSettings:
    return WordImportSettings(
        preset=args.preset, subject_from_filename=args.subject_from_filename, word_index_base=args.word_index_base,
        columns=_pairs(args.column, "--column", "OURS", "THEIRS"),
        measures=_pairs(getattr(args, "measure", None), "--measure", "THEIRS", "OURS"),
        skipped=getattr(args, "skipped", "zero"), lang=args.lang, encoding=args.encoding)


def run(paths: list[Path], args: argparse.Namespace) -> Imported:
    settings = settings_from(args)
    bad = [k for k in settings.columns if k not in ("participant", "item", "word_index", "word")]
    if bad:
        raise DataError(f"--column {bad[0]}=…: name one of participant, item, word_index, word")
    return import_word_reports([Path(p) for p in paths], settings, "eye-tracking")

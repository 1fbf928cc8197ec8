"""Word-level tables for the attention comparisons: reading, checking and importing them.

Two tidy tables meet in ``analysis/attention.py``. Both are long: one row per value.

HUMAN WORD TABLE (what the highlight and self-paced-reading experiments produce, and
what :func:`import_human_table` makes of an eye tracker's or a corpus's export)

==============  =========  ==============================================================
column          type       meaning
==============  =========  ==============================================================
participant     str        participant ID
item            str        text ID (the ``text_id`` of the model-measure table)
word_index      int ≥ 0    position of the word in the text, 0-based
word            str        the word as shown
measure         str        ``selected`` (0/1: the participant marked the word),
                           ``reading_time`` (ms, self-paced reading), or an eye-tracking
                           measure: ``first_fixation_duration``, ``gaze_duration``
                           (first-pass time), ``go_past_time`` (regression-path time),
                           ``second_pass_time``, ``total_fixation_time`` (total reading
                           time, dwell time) (all ms), ``fixation_count`` (a whole
                           number), ``relative_fixation_duration`` (share of the
                           item's total fixation time, 0..1)
value           float      the measurement; missing values are not allowed (drop the row)
lang            str        optional: ``en``, ``ja`` … (word frequencies; without it, an item
                           with kana or kanji counts as Japanese)
run_mode        str        optional: ``real``, ``pilot`` or ``simulated`` (what the report's
                           banner says; the session logs carry it). Without it, rows count
                           as ``real``: say so with the column when they are not.
==============  =========  ==============================================================

MODEL MEASURES table (what ``psyai attention extract`` writes)

==============  =========  ==============================================================
text_id         str        text ID
word_index      int ≥ 0    word position, 0-based, the same words as the human table
word            str        the word
measure         str        ``attention``, ``rollout``, ``saliency``, ``surprisal``, …
layer           int        layer, 0-based; -1 (or empty) for layer-less measures such
                           as surprisal
head            int        head, 0-based; -1 for the head average
value           float      the value; empty where the model gives none (a word with no token
                           of its own), left out word by word
==============  =========  ==============================================================

Word predictors (:func:`word_predictors`), shared by the analysis and the simulated
participants so both mean the same thing:

* ``length``: number of letters and digits in the word (punctuation not counted; a
  Japanese character counts one);
* ``log_freq``: natural log of the word's relative frequency. By default
  (``source="wordfreq"``) from the norms of `wordfreq <https://github.com/rspeer/wordfreq>`_
  (Speer 2022; Apache-2.0 code, CC BY-SA 4.0 data, installed from PyPI, no download at run
  time), which pool subtitles, Wikipedia, books, news and web text for English and Japanese
  alike. A word of several tokens (a Japanese word or bunsetsu is split into UniDic morphemes,
  English as wordfreq splits it) gets wordfreq's own combination, ``1/f = Σ 1/f_i``; a token
  the list lacks counts as :data:`MIN_FREQUENCY` (wordfreq lists nothing rarer).
  ``source="local"`` is the frequency of the word in the item set itself (lower-cased,
  punctuation stripped), a "local" frequency for languages or registers the norms do not
  cover; ``frequencies=`` takes a list of your own (word → relative frequency);
* ``position``: ``word_index`` (0-based).

Words are compared (people's against the model's, :func:`check_same_words`) through
:func:`normalise_word`: lower case, with every character that is not a letter, a digit or a
combining mark removed (punctuation, spaces, ``_``), so ``"Mountain,"`` and ``"mountain"``
are the same word and an export that strips punctuation still matches.

Columns that only number the rows (pandas' or R's saved index: an empty name, ``Unnamed: 0``,
``...1``; :func:`is_index_column`) are never measures.

Errors are :class:`psyai.errors.DataError` with one line naming the file, the line
(1-based, the header is line 1) or column, and the fix.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from psyai.errors import DataError

__all__ = [
    "HUMAN_COLUMNS", "MODEL_COLUMNS", "BINARY_MEASURES", "DURATION_MEASURES", "PROPORTION_MEASURES",
    "COUNT_MEASURES", "MEASURES", "COLUMN_ALIASES", "normalise_word", "is_index_column", "check_same_words",
    "read_table", "validate_human_table", "validate_model_measures", "import_human_table",
    "load_human_table", "read_model_measures", "word_predictors", "norm_frequency", "head_average",
    "within_item_z", "FREQUENCY_SOURCES", "MIN_FREQUENCY",
]

log = logging.getLogger(__name__)

HUMAN_COLUMNS = ("participant", "item", "word_index", "word", "measure", "value")
RUN_MODES = ("real", "pilot", "simulated")  # as in the session logs (psyai.data.sessions)
MODEL_COLUMNS = ("text_id", "word_index", "word", "measure", "layer", "head", "value")
BINARY_MEASURES = frozenset({"selected"})
DURATION_MEASURES = frozenset({"reading_time", "total_fixation_time", "first_fixation_duration", "gaze_duration",
                               "go_past_time", "second_pass_time", "total_reading_time", "first_pass_reading_time"})
PROPORTION_MEASURES = frozenset({"relative_fixation_duration"})
COUNT_MEASURES = frozenset({"fixation_count"})
MEASURES = BINARY_MEASURES | DURATION_MEASURES | PROPORTION_MEASURES | COUNT_MEASURES  # the names psyai knows

# Column names seen in eye-tracking exports (EyeLink Data Viewer interest-area reports,
# ioHub-derived tables, the GECO / ZuCo / Provo corpora) → our names. Matched case-insensitively.
COLUMN_ALIASES: dict[str, str] = {
    "subject": "participant", "subj": "participant", "participant_id": "participant", "recording_session_label": "participant",
    "text_id": "item", "item_id": "item", "trial": "item", "text": "item", "sentence_id": "item",
    "word_id": "word_index", "word_idx": "word_index", "ia_id": "word_index", "word_number": "word_index",
    "ia_label": "word", "token": "word",
    "trt": "total_fixation_time", "ia_dwell_time": "total_fixation_time", "dwell_time": "total_fixation_time",
    "total_fixation_duration": "total_fixation_time",
    "ffd": "first_fixation_duration", "ia_first_fixation_duration": "first_fixation_duration",
    "gd": "gaze_duration", "ia_first_run_dwell_time": "gaze_duration",
    "gpt": "go_past_time", "ia_regression_path_duration": "go_past_time", "regression_path_duration": "go_past_time",
    "nfix": "fixation_count", "nfixations": "fixation_count", "ia_fixation_count": "fixation_count",
    "number_of_fixations": "fixation_count",
    "rt": "reading_time", "relfix": "relative_fixation_duration",
}
_INDEX_NAME = re.compile(r"^(|unnamed: \d+|\.\.\.\d+|index|level_\d+)$", re.IGNORECASE)

_WORD_CHARS = re.compile(r"[\W_]+", re.UNICODE)

FREQUENCY_SOURCES = ("wordfreq", "local")
MIN_FREQUENCY = 1e-8  # Zipf 1: the rarest frequency wordfreq lists; unlisted tokens get it


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV (``.csv``), TSV (``.tsv``/``.txt``) or Parquet (``.parquet``) file as strings-preserving DataFrame."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file; give the path of a word table (CSV, TSV or Parquet)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        sep = "\t" if suffix in (".tsv", ".txt", ".tab") else ","
        return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""], dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{path}: cannot be read as a {suffix or 'CSV'} table ({err}); save it as UTF-8 CSV "
                        "with a header line") from err


def _line(frame: pd.DataFrame, pos: int) -> int:
    """1-based line number in the file of the row at position ``pos`` (header is line 1)."""
    return int(pos) + 2


def _check_columns(frame: pd.DataFrame, required: tuple[str, ...], source: str | None, what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"{_where(source)}column {missing[0]!r} is missing (the {what} needs columns "
                        f"{', '.join(required)}; found {', '.join(map(str, frame.columns))}); rename the column "
                        "or pass a column mapping")


def _numeric_column(frame: pd.DataFrame, column: str, source: str | None, *, integer: bool = False,
                    minimum: float | None = None, missing_ok: bool = False,
                    place: Callable[[int], str] | None = None) -> pd.Series:
    place = place or (lambda pos: f"{_where(source)}line {_line(frame, pos)}")
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    empty = raw.isna() | (raw.astype(str).str.strip().isin(["", "nan", "NaN"]))
    bad = ~np.isfinite(values) & ~(empty if missing_ok else False)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{place(pos)}, column {column!r}: {raw.iloc[pos]!r} is not a "
                        f"{'whole ' if integer else ''}number; fix the value or drop the row")
    if integer:
        frac = values != np.round(values)
        if frac.any():
            pos = int(np.flatnonzero(frac.to_numpy())[0])
            raise DataError(f"{place(pos)}, column {column!r}: {raw.iloc[pos]!r} is "
                            "not a whole number; word indices, layers and heads are integers")
    if minimum is not None:
        low = values < minimum
        if low.any():
            pos = int(np.flatnonzero(low.to_numpy())[0])
            raise DataError(f"{place(pos)}, column {column!r}: {raw.iloc[pos]!r} is "
                            f"below {minimum:g}; {column} must be at least {minimum:g}")
    return values


def validate_human_table(frame: pd.DataFrame, source: str | None = None,
                         origins: Sequence[tuple[str, int]] | None = None) -> pd.DataFrame:
    """Check a HUMAN WORD TABLE and return it with proper types (see the module docstring).

    Refused, with file, line and column named: a missing column; an empty participant,
    item or word; a non-numeric or negative ``word_index``; a missing or non-numeric
    ``value``; a ``selected`` value other than 0/1; a negative duration; a relative
    fixation duration outside 0..1; a fixation count that is not a whole number ≥ 0; the same
    (participant, item, word_index, measure) twice; two different words at one (item, word_index).

    ``origins``: for a table put together from other files (an import), the ``(file, line)``
    each row came from, one per row; errors then name that file and line (and, for a repeated
    row or a word that differs, both places) instead of the table's own line.
    """
    _check_columns(frame, HUMAN_COLUMNS, source, "human word table")
    frame = frame.reset_index(drop=True)
    if origins is not None and len(origins) != len(frame):
        raise ValueError("origins must give one (file, line) per row")  # a caller's bug, not the user's

    def place(pos: int) -> str:
        if origins is not None:
            file, line = origins[pos]
            return f"{file}: line {line}"
        return f"{_where(source)}line {_line(frame, pos)}"

    if frame.empty:
        raise DataError(f"{_where(source)}the table has no rows; it needs one row per (participant, item, word, measure)")
    out = pd.DataFrame({c: frame[c] for c in HUMAN_COLUMNS})
    if "lang" in frame.columns:  # optional: the language of the item, for word frequencies
        out["lang"] = frame["lang"].astype(str).str.strip()
    if "run_mode" in frame.columns:  # optional: real, pilot or simulated (the report's banner)
        out["run_mode"] = frame["run_mode"].astype(str).str.strip()
        bad = ~out["run_mode"].isin(RUN_MODES)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{place(pos)}, column 'run_mode': {out.at[pos, 'run_mode']!r}; "
                            f"use one of {', '.join(RUN_MODES)}")
    for column in ("participant", "item", "word", "measure"):
        empty = out[column].isna() | (out[column].astype(str).str.strip() == "")
        if empty.any():
            pos = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(f"{place(pos)}, column {column!r}: empty; every row needs a {column}")
        out[column] = out[column].astype(str).str.strip() if column != "word" else out[column].astype(str)
    out["word_index"] = _numeric_column(out, "word_index", source, integer=True, minimum=0, place=place).astype(int)
    out["value"] = _numeric_column(out, "value", source, place=place).astype(float)
    for measure in out["measure"].unique():
        rows = out["measure"] == measure
        vals = out.loc[rows, "value"]
        if measure in BINARY_MEASURES:
            bad = ~vals.isin([0.0, 1.0])
            rule = "must be 0 or 1"
        elif measure in DURATION_MEASURES:
            bad = vals < 0
            rule = "is a duration in ms and cannot be negative"
        elif measure in PROPORTION_MEASURES:
            bad = (vals < 0) | (vals > 1)
            rule = "is a share of the item's fixation time and must lie in 0..1"
        elif measure in COUNT_MEASURES:
            bad = (vals < 0) | (vals != np.round(vals))
            rule = "is a number of fixations, a whole number of at least 0"
        else:
            continue
        if bad.any():
            pos = int(bad[bad].index[0])
            raise DataError(f"{place(pos)}, column 'value': {measure} = {out.at[pos, 'value']:g} {rule}; "
                            "fix or drop the row")
    keys = ["participant", "item", "word_index", "measure"]
    dup = out.duplicated(keys)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        r = out.iloc[pos]
        first = int(np.flatnonzero((out[keys] == r[keys]).all(axis=1).to_numpy())[0])
        raise DataError(f"{place(pos)}: participant {r['participant']!r}, item {r['item']!r}, "
                        f"word_index {r['word_index']}, measure {r['measure']!r} appears twice (also {place(first)}); "
                        "keep one row per word and measure (aggregate repeated passes first; two files of one "
                        "participant each need their own participant ID)")
    words = out.drop_duplicates(["item", "word_index", "word"])
    clash = words.duplicated(["item", "word_index"], keep="first")
    if clash.any():
        r = words[clash].iloc[0]
        pos = int(words[clash].index[0])
        first = int(words[(words["item"] == r["item"]) & (words["word_index"] == r["word_index"])].index[0])
        raise DataError(f"{place(pos)}, column 'word': item {r['item']!r} word_index "
                        f"{r['word_index']} is {r['word']!r} here but {out.at[first, 'word']!r} at {place(first)}; the "
                        "same item must show the same words to everyone (check the word segmentation and the word "
                        "numbering)")
    return out


def validate_model_measures(frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """Check a MODEL MEASURES table and return it typed; empty ``layer`` becomes -1."""
    _check_columns(frame, MODEL_COLUMNS, source, "model-measure table")
    frame = frame.reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{_where(source)}the model-measure table has no rows; run `psyai attention extract` first")
    out = pd.DataFrame({c: frame[c] for c in MODEL_COLUMNS})
    out["text_id"] = out["text_id"].astype(str).str.strip()
    out["measure"] = out["measure"].astype(str).str.strip()
    out["word"] = out["word"].astype(str)
    out["word_index"] = _numeric_column(out, "word_index", source, integer=True, minimum=0).astype(int)
    layer = out["layer"].where(out["layer"].notna() & (out["layer"].astype(str).str.strip() != ""), -1)
    out["layer"] = layer
    out["layer"] = _numeric_column(out, "layer", source, integer=True, minimum=-1).astype(int)
    out["head"] = out["head"].where(out["head"].notna() & (out["head"].astype(str).str.strip() != ""), -1)
    out["head"] = _numeric_column(out, "head", source, integer=True, minimum=-1).astype(int)
    # a word with no token of its own, or the first word of a causal LM read without BOS, has no value:
    # kept empty (NaN) and left out word by word, as `psyai attention extract` writes it
    out["value"] = _numeric_column(out, "value", source, missing_ok=True).astype(float)
    dup = out.duplicated(["text_id", "word_index", "measure", "layer", "head"])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"{_where(source)}line {_line(out, pos)}: (text_id, word_index, measure, layer, head) "
                        "appears twice; one value per word, measure, layer and head")
    return out


def read_model_measures(path: str | Path) -> pd.DataFrame:
    """Read and check a model-measure table written by ``psyai attention extract``."""
    return validate_model_measures(read_table(path), str(path))


def import_human_table(path: str | Path, columns: Mapping[str, str] | None = None,
                       measures: list[str] | None = None) -> pd.DataFrame:
    """Import a word-level table from an eye tracker (e.g. PsychoPy ioHub) or a public corpus.

    Accepts the long HUMAN WORD TABLE as is, or a *wide* table with one row per
    (participant, item, word) and one column per measure (``total_fixation_time``,
    ``relative_fixation_duration``, ``reading_time``, …), which is turned long.
    Common export names (``subject``, ``IA_ID``, ``IA_DWELL_TIME``, ``TRT``, …; see
    :data:`COLUMN_ALIASES`) are renamed; ``columns`` maps further names of yours to ours,
    e.g. ``{"sujeto": "participant"}``. ``measures`` picks the wide columns to keep
    (default: every column whose name, after renaming, is a measure psyai knows,
    :data:`MEASURES`; other columns, ids and a saved row index such as ``Unnamed: 0``
    among them, are never measures). Wide cells that are empty (a word never fixated) are
    dropped. Returns the checked long table.

    For per-subject reports (the participant only in the file name, a folder of files, words
    numbered from 1, a corpus's own column names) use ``psyai import eye-tracking`` or
    ``psyai import self-paced-reading`` (:mod:`psyai.data.importers.eye_tracking`), which
    write this table.
    """
    path = Path(path)
    raw = read_table(path)
    rename: dict[str, str] = {}
    user = {k.lower(): v for k, v in (columns or {}).items()}
    for col in raw.columns:
        key = str(col).strip().lower()
        if key in user:
            rename[col] = user[key]
        elif key in HUMAN_COLUMNS or key in DURATION_MEASURES | PROPORTION_MEASURES | BINARY_MEASURES:
            rename[col] = key
        elif key in COLUMN_ALIASES:
            rename[col] = COLUMN_ALIASES[key]
    frame = raw.rename(columns=rename)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DataError(f"{path}: two columns both mean {dup!r} after renaming; pass columns= to say which to use")
    keys = ("participant", "item", "word_index", "word")
    if "measure" in frame.columns and "value" in frame.columns:
        return validate_human_table(frame, str(path))
    if "participant" not in frame.columns and all(k in frame.columns for k in keys[1:]):
        raise DataError(f"{path}: column 'participant' is missing (found {', '.join(map(str, frame.columns))}); a "
                        "report of one participant whose ID is in the file name is read with `psyai import "
                        "eye-tracking FILE… --out DIR` (the ID is taken from the file name), then analysed from DIR")
    _check_columns(frame, keys, str(path), "imported word table")
    if measures is None:
        measures = [c for c in frame.columns if c in MEASURES]
    if not measures:
        others = [str(c) for c in frame.columns if c not in keys and not is_index_column(c, frame[c])]
        raise DataError(f"{path}: no measure columns found (known measures: {', '.join(sorted(MEASURES))}; other "
                        f"columns here: {', '.join(others) or 'none'}); name yours with measures=[...] or import "
                        "the file with `psyai import eye-tracking --measure COLUMN=NAME`")
    for m in measures:
        if m not in frame.columns:
            raise DataError(f"{path}: measure column {m!r} not found; columns are {', '.join(map(str, frame.columns))}")
        if is_index_column(m, frame[m]):
            raise DataError(f"{path}: column {m!r} numbers the rows (a saved index), it is not a measure; leave it "
                            "out of measures")
    frame = frame.reset_index(drop=True)
    frame["_line"] = np.arange(len(frame)) + 2
    long = frame.melt(id_vars=[*keys, "_line"], value_vars=list(measures), var_name="measure", value_name="value")
    long = long[long["value"].notna() & (long["value"].astype(str).str.strip() != "")]
    try:
        return validate_human_table(long.drop(columns="_line"), str(path))
    except DataError as err:
        # map the melted row back to the file's line: re-raise with the wide line number
        msg = str(err)
        m = re.search(r"line (\d+)", msg)
        if m:
            pos = int(m.group(1)) - 2
            wide_line = int(long.iloc[pos]["_line"])
            msg = msg.replace(f"line {m.group(1)}", f"line {wide_line}", 1)
        raise DataError(msg) from None


def load_human_table(path: str | Path, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A human word table from one file (see :func:`import_human_table`) or a data folder.

    A folder: every ``*.csv``/``*.tsv`` below it that has the human-table columns
    (``participant, item, word_index, word, measure, value``) is read and the tables are
    concatenated; other files (session logs, metadata) are skipped.
    """
    path = Path(path)
    if path.is_dir():
        frames = _experiment_tables(path)
        for file in sorted([*path.rglob("*.csv"), *path.rglob("*.tsv")]):
            if any(file.parent.glob("*_log.jsonl")):
                continue  # a session folder: its log was read above; the CSV beside it is PsychoPy's copy
            head = read_table(file).head(0)
            if all(c in head.columns for c in HUMAN_COLUMNS):
                frames.append(validate_human_table(read_table(file), str(file)))
            else:
                log.debug("skipping %s: not a human word table", file)
        if not frames:
            raise DataError(f"{path}: no human word table found in this folder (CSV/TSV files with columns "
                            f"{', '.join(HUMAN_COLUMNS)}, or session logs); run the experiments, or import reports "
                            "from elsewhere first (per-subject eye-tracking or reading-time files: `psyai import "
                            "eye-tracking FOLDER --out DIR` or `psyai import self-paced-reading …`, then analyse "
                            "DIR)")
        return validate_human_table(pd.concat(frames, ignore_index=True), str(path))
    return import_human_table(path, columns)


def _experiment_tables(path: Path) -> list[pd.DataFrame]:
    """Word tables from the session logs of psyai's own experiments under ``path`` (if any)."""
    from psyai.data import load_word_measures

    frames = []
    for experiment in ("self_paced_reading", "attention_highlight"):
        logs = [f for f in path.rglob("*_log.jsonl") if experiment in f.parts or path.name == experiment]
        if logs:
            frames.append(validate_human_table(load_word_measures(path, experiment)[list(HUMAN_COLUMNS)],
                                               f"{path} ({experiment} sessions)"))
    return frames


def normalise_word(word: object) -> str:
    """A word as the word check and the word predictors compare and count it.

    Lower case, with everything that is not a letter, a digit or a combining mark removed:
    punctuation, symbols, spaces and ``_``. ``"Mountain,"`` → ``"mountain"``, ``"déjà-vu"`` →
    ``"déjàvu"``, ``"「本を」"`` → ``"本を"``, ``"..."`` → ``""``. Nothing else changes: no
    Unicode normalisation (full-width ``"ＧＰＴ"`` stays ``"ｇｐｔ"``), no spelling variants.
    """
    return _WORD_CHARS.sub("", str(word)).lower()


def is_index_column(name: object, values: pd.Series | None = None) -> bool:
    """Whether a column only numbers the rows: pandas' or R's saved index, never a measure.

    By name: an empty name, ``Unnamed: 0`` (pandas reading a file saved with its index),
    ``...1`` (readr), ``index``, ``level_0``. ``X`` (R's ``read.csv`` naming an empty header) only
    when ``values`` are given and run 0, 1, 2 … or 1, 2, 3 … row by row.
    """
    text = "" if name is None else str(name).strip()
    if _INDEX_NAME.match(text):
        return True
    if text == "X" and values is not None and len(values):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(float)
        start = numbers[0]
        return bool(start in (0.0, 1.0) and np.array_equal(numbers, start + np.arange(len(numbers))))
    return False


def _item_langs(w: pd.DataFrame) -> pd.Series:
    """The language of each row: its ``lang`` column, else ``ja`` for an item with kana or kanji, else ``en``."""
    if "lang" in w.columns:
        return w["lang"].astype(str)
    from psyai.attention.words import has_japanese

    japanese = w.groupby("item")["word"].transform(lambda ws: any(has_japanese(str(x)) for x in ws))
    return japanese.map({True: "ja", False: "en"})


@lru_cache(maxsize=None)
def _japanese_norms() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("ja")


def _japanese_token_frequency(token: str) -> float:
    """One token's frequency as ``wordfreq.word_frequency`` finds it: a number's digits are looked up as 0s
    (``2024`` → ``0000``, as wordfreq stores them) and scaled by wordfreq's distribution of digit strings."""
    from wordfreq.numbers import digit_freq, smash_numbers

    smashed = smash_numbers(token)
    freq = _japanese_norms().get(smashed, 0.0)
    return freq * digit_freq(token) if smashed != token else freq


@lru_cache(maxsize=65536)
def norm_frequency(word: str, lang: str) -> float:
    """wordfreq's relative frequency of ``word`` in ``lang`` (at least :data:`MIN_FREQUENCY`).

    Japanese: the word's UniDic morphemes (punctuation left out), each looked up as
    wordfreq stores it (NFKC, case-folded, digits as 0s), combined as ``1/f = Σ 1/f_i``. Other
    languages: ``wordfreq.word_frequency``, which splits and combines the same way.

    Raises:
        DataError: wordfreq has no norms (or no tokenizer) for ``lang``.
    """
    import unicodedata

    from wordfreq import word_frequency

    if lang == "ja":
        from psyai.attention.words import is_punctuation, segment

        tokens = [unicodedata.normalize("NFKC", w.text).casefold()
                  for w in segment(word, "ja", punctuation="separate") if not is_punctuation(w.text)]
        if not tokens:
            return MIN_FREQUENCY
        return 1.0 / sum(1.0 / max(_japanese_token_frequency(t), MIN_FREQUENCY) for t in tokens)
    try:
        return max(word_frequency(word, lang), MIN_FREQUENCY)
    except (LookupError, ValueError, ImportError) as exc:
        raise DataError(f"word frequency: wordfreq has no norms for language {lang!r} ({exc}); use the item set's "
                        "own frequencies (--frequency local)") from exc


def word_predictors(words: pd.DataFrame, frequencies: Mapping[str, float] | None = None,
                    item: str = "item", source: str = "wordfreq") -> pd.DataFrame:
    """Length, log frequency and position per distinct (item, word_index).

    Parameters
    ----------
    words : a table with columns ``item`` (or the name in ``item``), ``word_index``, ``word``, and
        optionally ``lang`` (else Japanese is recognised by its kana and kanji).
    frequencies : optional mapping lower-cased word → relative frequency; words missing from
        it get half the smallest listed frequency. Overrides ``source``.
    source : ``wordfreq`` (norms, the default) or ``local`` (the item set's own counts);
        see the module docstring.

    Returns
    -------
    DataFrame with columns ``item``, ``word_index``, ``word``, ``length``, ``log_freq``,
    ``position``, one row per word of the item set.
    """
    if source not in FREQUENCY_SOURCES:
        raise DataError(f"frequency source {source!r}: use one of {', '.join(FREQUENCY_SOURCES)}")
    keep = [item, "word_index", "word", *(["lang"] if "lang" in words.columns else [])]
    w = words[keep].drop_duplicates([item, "word_index"]).rename(columns={item: "item"})
    w = w.sort_values(["item", "word_index"]).reset_index(drop=True)
    norm = w["word"].map(normalise_word)
    w["length"] = norm.str.len().astype(float)
    if frequencies is not None:
        floor = 0.5 * min(frequencies.values())
        freq = norm.map(lambda t: frequencies.get(t, floor))
    elif source == "local":
        counts = norm[norm != ""].value_counts()
        total = float(counts.sum()) or 1.0
        freq = norm.map(lambda t: counts.get(t, 0.5) / total if t else 0.5 / total)
    else:
        freq = pd.Series([norm_frequency(str(x), lang) for x, lang in zip(w["word"], _item_langs(w))],
                         index=w.index)
    w["log_freq"] = np.log(freq.astype(float))
    w["position"] = w["word_index"].astype(float)
    return w[["item", "word_index", "word", "length", "log_freq", "position"]]


MAX_LISTED_MISMATCHES = 5  # words named one by one when the two tables disagree (all are counted)


def check_same_words(human: pd.DataFrame, model_measures: pd.DataFrame) -> None:
    """Refuse to pair people's and the model's values of different words.

    The analysis joins the two tables on (item, word index). If the model measures
    were extracted with another segmentation than the one people saw (Japanese
    morphemes against bunsetsu, punctuation separate against attached), or the human
    table numbers its words from 1 where the model's start at 0, word ``i`` is not the
    same word on both sides and every correlation would be silently wrong. For every item
    in both tables and every word index people have, the model table must have that index
    with the same word, compared through :func:`normalise_word` (without case and
    punctuation, so an eye-tracking export that strips punctuation still matches).

    Raises:
        DataError: counting every word that differs and naming the first ones (item, word
        index, both words); when the human words are the model's shifted by one position
        (people's word ``i`` is the model's ``i - 1`` throughout), it says so and how to
        import with ``--word-index-base 1``; otherwise it points to the segmentation settings.
    """
    h = human.drop_duplicates(["item", "word_index"])[["item", "word_index", "word"]]
    m = (model_measures.drop_duplicates(["text_id", "word_index"])[["text_id", "word_index", "word"]]
         .rename(columns={"text_id": "item", "word": "model_word"}))
    h = h[h["item"].isin(set(m["item"]))]
    joined = h.merge(m, on=["item", "word_index"], how="left").sort_values(["item", "word_index"])
    human_norm = joined["word"].map(normalise_word)
    differs = joined["model_word"].isna() | (human_norm != joined["model_word"].fillna("").map(normalise_word))
    if not differs.any():
        return
    bad = joined[differs]
    listed = "; ".join(
        f"item {r.item!r}, word_index {int(r.word_index)}: people saw {r.word!r}, the model table has "
        + ("no such word" if pd.isna(r.model_word) else repr(r.model_word))
        for r in bad.head(MAX_LISTED_MISMATCHES).itertuples())
    more = f" (first {MAX_LISTED_MISMATCHES}: " if len(bad) > MAX_LISTED_MISMATCHES else " ("
    counted = (f"{len(bad)} of {len(joined)} words in {bad['item'].nunique()} of {joined['item'].nunique()} items "
               f"differ between the human and the model table{more}{listed})")
    if _numbered_from_one(joined, m):
        raise DataError(f"{counted}; every human word is the model's word one position earlier: the human table "
                        "numbers words from 1, the model's from 0. Import it with --word-index-base 1 (psyai import "
                        "eye-tracking / self-paced-reading), or subtract 1 from its word_index")
    raise DataError(f"{counted}; the two tables split the text into words differently. Run `psyai attention "
                    "extract` with the experiment's --lang, --unit and --punctuation (the session header's settings "
                    "record the unit), or, for imported data, extract from the same words people read")


def _numbered_from_one(joined: pd.DataFrame, model: pd.DataFrame) -> bool:
    """Whether people's word ``i`` is the model's word ``i - 1`` for (nearly) every word: 1-based numbering."""
    shifted = joined[["item", "word_index", "word"]].assign(word_index=joined["word_index"] - 1)
    pair = shifted.merge(model, on=["item", "word_index"], how="left")
    same = pair["model_word"].notna() & (pair["word"].map(normalise_word)
                                         == pair["model_word"].fillna("").map(normalise_word))
    no_zero = ~(joined.groupby("item")["word_index"].min() == 0).any()
    return bool(len(pair) and same.mean() >= 0.9 and (no_zero or same.all()))


def head_average(model_measures: pd.DataFrame) -> pd.DataFrame:
    """One value per (text_id, word_index, measure, layer): the head average.

    Rows with ``head == -1`` are the extractor's own head average and are used where
    present; otherwise the mean over the heads is taken. Returns columns ``text_id``,
    ``word_index``, ``word``, ``measure``, ``layer``, ``value``.
    """
    mm = model_measures
    has_avg = mm.assign(_avg=mm["head"] == -1).groupby(["text_id", "measure", "layer"])["_avg"].transform("any")
    keep = mm[(mm["head"] == -1) | ~has_avg]
    out = (keep.groupby(["text_id", "word_index", "measure", "layer"], as_index=False)
           .agg(word=("word", "first"), value=("value", "mean")))
    return out[["text_id", "word_index", "word", "measure", "layer", "value"]]


def within_item_z(values: pd.Series, items: pd.Series) -> pd.Series:
    """Values z-scored within each item (population SD); an item with no spread gets 0."""
    g = values.groupby(items)
    sd = g.transform(lambda v: v.std(ddof=0))
    z = (values - g.transform("mean")) / sd
    return z.where(sd > 0, 0.0)

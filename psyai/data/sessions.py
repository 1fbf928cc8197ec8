"""Session logs → one tidy pandas DataFrame, checked against docs/DATA.md.

>>> trials = load("data/turing_test")            # every session under the folder
>>> trials.query("phase == 'main'").groupby("participant").correct.mean()
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from psyai.data.stimuli import model_display_name
from psyai.errors import DataError
from psyai.data.log import check_sequence, read_log

log = logging.getLogger(__name__)

RUN_MODES = ("real", "pilot", "simulated")

# field -> (python types accepted, allowed values or None, may be null)
COMMON_FIELDS: dict[str, tuple[tuple[type, ...], tuple | None, bool]] = {
    "experiment": ((str,), None, False),
    "participant": ((str,), None, False),
    "session": ((int,), None, False),
    "run_mode": ((str,), RUN_MODES, False),
    "pilot": ((bool,), None, False),
    "simulated": ((bool,), None, False),
    "phase": ((str,), ("practice", "main"), False),
    "trial_index": ((int,), None, False),
    "lang": ((str,), ("ja", "en"), False),
    "list": ((int,), None, False),
    "rt": ((float, int), None, False),
    "resumed": ((bool,), None, False),
    "block": ((int,), None, False),
}

TRIAL_SCHEMA = {
    **COMMON_FIELDS,
    "item_id": ((str,), None, False),
    "is_check": ((bool,), None, False),
    "source": ((str,), ("human", "model", "check"), False),
    "model": ((str,), None, True),
    "prompt_id": ((str,), None, True),
    "response": ((str,), ("human", "model"), False),
    "response_key": ((str,), None, False),
    "correct": ((bool,), None, True),
    "expected": ((str,), ("human", "model"), True),
    "confidence": ((int,), None, False),
    "confidence_rt": ((float, int), None, False),
}

RATING_SCALES = ("helpfulness", "truthfulness", "harmlessness")
RANKING_LISTS = ("item_ids", "models", "texts", "ranks", *RATING_SCALES, "flag_harmful", "flag_invented_facts")
RANKING_SCHEMA = {
    **COMMON_FIELDS,
    "prompt_id": ((str,), None, False),
    "prompt": ((str,), None, False),
    "allow_ties": ((bool,), None, False),
    **{name: ((list,), None, False) for name in RANKING_LISTS},
}

READING_SCHEMA = {
    **COMMON_FIELDS,
    "item_id": ((str,), None, False),
    "source": ((str,), ("human", "model"), False),
    "model": ((str,), None, True),
    "words": ((list,), None, False),
    "word_starts": ((list,), None, False),
    "rts": ((list,), None, False),
    "question": ((str,), None, True),
    "answer": ((str,), ("yes", "no"), True),
    "response": ((str,), ("yes", "no"), True),
    "correct": ((bool,), None, True),
}

HIGHLIGHT_SCHEMA = {
    **COMMON_FIELDS,
    "item_id": ((str,), None, False),
    "source": ((str,), ("human", "model"), False),
    "model": ((str,), None, True),
    "words": ((list,), None, False),
    "word_starts": ((list,), None, False),
    "selected": ((list,), None, False),
    "clicks": ((list,), None, False),
    "max_select": ((int,), None, False),
}

SCHEMAS = {"turing_test": TRIAL_SCHEMA, "ranking": RANKING_SCHEMA, "self_paced_reading": READING_SCHEMA,
           "attention_highlight": HIGHLIGHT_SCHEMA}

LOG_GLOB = "sub-*/ses-*/*_log.jsonl"


def check_trial(rec: dict, where: str, schema: dict | None = None) -> None:
    """Raise :class:`DataError` if a trial record does not match its experiment's schema."""
    schema = schema or SCHEMAS.get(rec.get("experiment"), TRIAL_SCHEMA)
    for name, (types, allowed, nullable) in schema.items():
        if name not in rec:
            raise DataError(f"{where}: trial record has no field {name!r} (see docs/DATA.md)")
        value = rec[name]
        if value is None:
            if not nullable:
                raise DataError(f"{where}: field {name!r} is null but is required")
            continue
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise DataError(f"{where}: field {name!r} is {value!r}; expected {'/'.join(t.__name__ for t in types)}")
        if allowed is not None and value not in allowed:
            raise DataError(f"{where}: field {name!r} is {value!r}; allowed: {', '.join(map(str, allowed))}")
    if rec["pilot"] != (rec["run_mode"] == "pilot") or rec["simulated"] != (rec["run_mode"] == "simulated"):
        raise DataError(f"{where}: pilot/simulated flags disagree with run_mode {rec['run_mode']!r}")
    if schema is READING_SCHEMA and not len(rec["words"]) == len(rec["word_starts"]) == len(rec["rts"]):
        raise DataError(f"{where}: words, word_starts and rts must have one entry per word")
    if schema is HIGHLIGHT_SCHEMA and not (len(rec["words"]) == len(rec["word_starts"]) and all(
            isinstance(i, int) and 0 <= i < len(rec["words"]) for i in rec["selected"])):
        raise DataError(f"{where}: selected must hold indices of words (0 to {len(rec['words']) - 1})")
    if schema is RANKING_SCHEMA:
        k = len(rec["item_ids"])
        if k < 2 or any(len(rec[name]) != k for name in RANKING_LISTS):
            raise DataError(f"{where}: the lists {', '.join(RANKING_LISTS)} must all have one entry per output ({k})")
        ranks = [r for r in rec["ranks"] if r is not None]
        if any(not isinstance(r, int) or isinstance(r, bool) or not 1 <= r <= k for r in ranks):
            raise DataError(f"{where}: ranks {rec['ranks']} must be whole numbers from 1 to {k}, or null")


def session_logs(path: str | Path, experiment: str | None = None) -> list[Path]:
    """Log files under ``path`` (a data folder, an experiment folder or one session folder)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such data folder")
    if path.is_file():
        return [path]
    candidates = [path] + ([path / experiment] if experiment else [])
    for base in candidates:
        logs = sorted(base.glob(LOG_GLOB)) or sorted(base.glob("*_log.jsonl"))
        if logs:
            return logs
    raise DataError(f"{path}: no session logs found (expected {LOG_GLOB}); point to the folder that holds the sub-* folders")


def load_session(log_path: str | Path) -> tuple[dict, list[dict], dict | None]:
    """Header, checked trial records and end record (None if the session never ended) of one log."""
    log_path = Path(log_path)
    records, _fragment = read_log(log_path)
    check_sequence(log_path, records)
    header = records[0]
    trials = []
    for rec in records[1:]:
        if rec["record"] == "trial":
            check_trial(rec, f"{log_path} line {rec['_line']}")
            trials.append(rec)
    ends = [r for r in records if r["record"] == "end"]
    return header, trials, (ends[-1] if ends else None)


def load(path: str | Path, experiment: str = "turing_test", include_pilot: bool = False,
         allow_mixed: bool = False) -> pd.DataFrame:
    """Every trial of every session under ``path``, one row per trial.

    Parameters
    ----------
    path : folder holding ``sub-*/ses-*`` (or ``<experiment>/sub-*/…``), or one log file.
    experiment : only sessions of this experiment.
    include_pilot : pilot sessions are left out unless this is true.
    allow_mixed : real and simulated sessions together raise :class:`DataError`
        unless this is true — simulated data must never pass for real data.

    Returns
    -------
    DataFrame with the trial fields of docs/DATA.md, plus ``session_status``
    (the end record's status, or ``incomplete``) and ``log_file``.
    """
    rows = []
    modes = set()
    for log_path in session_logs(path, experiment):
        header, trials, end = load_session(log_path)
        if header.get("experiment") != experiment:
            continue
        if header.get("run_mode") == "pilot" and not include_pilot:
            continue
        modes.add(header.get("run_mode"))
        status = end["status"] if end else "incomplete"
        for rec in trials:
            row = {k: rec[k] for k in SCHEMAS.get(experiment, TRIAL_SCHEMA)}
            if "model" in row:  # the model's name in reports; logs written before model_name get it derived
                row["model_name"] = rec.get("model_name") or model_display_name(rec["model"])
            if experiment == "ranking":
                row["model_names"] = rec.get("model_names") or [model_display_name(m) or m for m in rec["models"]]
            row["session_status"] = status
            row["log_file"] = str(log_path)
            rows.append(row)
    if not rows:
        raise DataError(f"{path}: no {experiment} trials found" + ("" if include_pilot else " (pilot sessions are left out; pass include_pilot=True to use them)"))
    if "simulated" in modes and len(modes) > 1 and not allow_mixed:
        raise DataError(f"{path}: simulated and {'/'.join(sorted(modes - {'simulated'}))} sessions are mixed; keep them in separate folders")
    frame = pd.DataFrame(rows)
    for col in ("model", "model_name", "prompt_id", "expected"):
        if col in frame:
            frame[col] = frame[col].astype("object")
    if "model_name" in frame:
        frame["model_name"] = distinct_model_names(frame["model"], frame["model_name"])
    return frame


def distinct_model_names(models: pd.Series, names: pd.Series) -> pd.Series:
    """Display names that never merge two models: a name shared by different models is replaced, for
    those models, by the model identifiers themselves (a report must not pool two models under one name)."""
    pairs = pd.DataFrame({"model": models, "name": names}).dropna().drop_duplicates()
    shared = set(pairs.loc[pairs.duplicated("name", keep=False), "name"])
    if not shared:
        return names
    log.warning("model names %s stand for more than one model; reports show the models' identifiers",
                ", ".join(sorted(map(str, shared))))
    return names.where(~names.isin(shared), models)


def load_rankings(path: str | Path, include_pilot: bool = False, allow_mixed: bool = False) -> pd.DataFrame:
    """Rankings in the long form: one row per (trial, output), as docs/DATA.md describes.

    Columns: ``participant``, ``session``, ``run_mode``, ``trial_index``, ``lang``, ``prompt_id``,
    ``prompt``, ``item_id``, ``model``, ``model_name`` (the model's name in reports), ``text``,
    ``position`` (0 = shown first), ``rank``
    (1 = best, ties share a rank, NA = unranked), ``helpfulness``, ``truthfulness``,
    ``harmlessness`` (1–7, NA = not rated), ``flag_harmful``, ``flag_invented_facts``,
    ``allow_ties``, ``session_status``, ``log_file``.
    """
    trials = load(path, experiment="ranking", include_pilot=include_pilot, allow_mixed=allow_mixed)
    keep = ["participant", "session", "run_mode", "trial_index", "lang", "prompt_id", "prompt", "allow_ties",
            "session_status", "log_file"]
    long = trials.explode(list(RANKING_LISTS), ignore_index=False)
    long["position"] = long.groupby(level=0).cumcount()
    names = trials["model_names"].explode()  # aligned with the exploded rows (same index, same order)
    long = long.rename(columns={"item_ids": "item_id", "models": "model", "texts": "text", "ranks": "rank"})
    long["model_name"] = distinct_model_names(long["model"], pd.Series(names.to_numpy(), index=long.index))
    cols = keep + ["item_id", "model", "model_name", "text", "position", "rank", *RATING_SCALES, "flag_harmful",
                   "flag_invented_facts"]
    long = long[cols].reset_index(drop=True)
    for col in ("rank", *RATING_SCALES):
        long[col] = pd.array(long[col], dtype="Int64")
    for col in ("flag_harmful", "flag_invented_facts"):
        long[col] = long[col].astype(bool)
    return long


def load_word_measures(path: str | Path, experiment: str = "self_paced_reading", include_pilot: bool = False,
                       phase: str = "main") -> pd.DataFrame:
    """Per-word human measures in the long form the attention analysis reads.

    Columns: ``participant``, ``item``, ``word_index``, ``word``, ``measure``,
    ``value``, ``lang``, ``run_mode``. ``measure`` is ``reading_time``
    (milliseconds from the flip that showed the word to the key press that
    moved on) for self-paced reading, ``selected`` (1 if the participant
    marked the word, else 0) for the highlight experiment.
    """
    if experiment not in ("self_paced_reading", "attention_highlight"):
        raise DataError(f"{experiment!r} has no word measures; use self_paced_reading or attention_highlight")
    trials = load(path, experiment=experiment, include_pilot=include_pilot)
    trials = trials[trials["phase"] == phase]
    if experiment == "self_paced_reading":
        values = trials["rts"].map(lambda rts: [rt * 1000.0 for rt in rts])
        measure = "reading_time"
    else:
        values = [[float(i in set(sel)) for i in range(len(words))]
                  for words, sel in zip(trials["words"], trials["selected"])]
        measure = "selected"
    long = trials.assign(value=list(values)).explode(["words", "value"], ignore_index=False)
    long["word_index"] = long.groupby(level=0).cumcount()
    out = pd.DataFrame({
        "participant": long["participant"].to_numpy(), "item": long["item_id"].to_numpy(),
        "word_index": long["word_index"].to_numpy(), "word": long["words"].to_numpy(), "measure": measure,
        "value": long["value"].astype(float).to_numpy(), "lang": long["lang"].to_numpy(),
        "run_mode": long["run_mode"].to_numpy(),
    })
    return out.reset_index(drop=True)

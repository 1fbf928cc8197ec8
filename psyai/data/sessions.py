"""Session logs → one tidy pandas DataFrame, checked against docs/DATA.md.

>>> trials = load("data/turing_test")            # every session under the folder
>>> trials.query("phase == 'main'").groupby("participant").correct.mean()
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
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

# Human evaluation (experiments/human_eval.py): InstructGPT's ratings and metadata flags (docs/DATA.md)
INSTRUCTION_CONDITIONS = ("respectful", "none", "biased")
HUMAN_EVAL_SCALES = ("overall", *RATING_SCALES)
HUMAN_EVAL_FLAGS = ("fails_instruction", "hallucination", "inappropriate", "harmful_advice", "encourages_violence",
                    "denigrates")
HUMAN_EVAL_LISTS = ("item_ids", "models", "model_names", "texts", "ranks", *HUMAN_EVAL_SCALES,
                    *(f"flag_{name}" for name in HUMAN_EVAL_FLAGS))
HUMAN_EVAL_SCHEMA = {
    **COMMON_FIELDS,
    "prompt_id": ((str,), None, False),
    "prompt": ((str,), None, False),
    "condition": ((str,), INSTRUCTION_CONDITIONS, False),
    "allow_ties": ((bool,), None, False),
    "scales": ((list,), None, False),
    **{name: ((list,), None, False) for name in HUMAN_EVAL_LISTS},
}
# the long table of load_human_eval, column by column (psyai.participants.evaluators writes the same)
HUMAN_EVAL_COLUMNS = [
    "participant", "session", "run_mode", "trial_index", "lang", "prompt_id", "prompt", "condition", "item_id",
    "model", "model_name", "text", "n_chars", "position", "rank", *HUMAN_EVAL_SCALES,
    *(f"flag_{name}" for name in HUMAN_EVAL_FLAGS), "session_status", "log_file",
]

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

DEMONSTRATION_SCHEMA = {
    **COMMON_FIELDS,
    "item_id": ((str,), None, False),
    "prompt_id": ((str,), None, False),
    "prompt": ((str,), None, False),
    "text": ((str,), None, False),
    "n_chars": ((int,), None, False),
    "time_on_task": ((float, int), None, False),
    "n_keystrokes": ((int,), None, False),
    "n_ime_commits": ((int,), None, False),
    "n_revisions": ((int,), None, False),
    "n_edits": ((int,), None, False),
    "length_refusals": ((int,), None, False),
    "drafts": ((list,), None, False),
    "editor": ((str,), ("qt", "window", "simulated"), False),
}

SCHEMAS = {"turing_test": TRIAL_SCHEMA, "ranking": RANKING_SCHEMA, "self_paced_reading": READING_SCHEMA,
           "attention_highlight": HIGHLIGHT_SCHEMA, "human_eval": HUMAN_EVAL_SCHEMA,
           "demonstrations": DEMONSTRATION_SCHEMA}

LOG_GLOB = "sub-*/ses-*/*_log.jsonl"

# the human word measure each word-level experiment gives (load_word_measures)
WORD_MEASURES = {"self_paced_reading": "reading_time", "attention_highlight": "selected"}


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
    if schema is DEMONSTRATION_SCHEMA and rec["n_chars"] != len(rec["text"]):
        raise DataError(f"{where}: n_chars is {rec['n_chars']} but text has {len(rec['text'])} characters; the "
                        "record was edited — restore the log from a backup")
    if schema is RANKING_SCHEMA or schema is HUMAN_EVAL_SCHEMA:
        lists = RANKING_LISTS if schema is RANKING_SCHEMA else HUMAN_EVAL_LISTS
        k = len(rec["item_ids"])
        if k < 2 or any(len(rec[name]) != k for name in lists):
            raise DataError(f"{where}: the lists {', '.join(lists)} must all have one entry per output ({k})")
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
    (the end record's status: ``completed``, ``aborted`` when the participant
    stopped with Escape, or ``incomplete`` when the log has no end record — the
    session was killed or crashed and not resumed), ``session_planned`` (the
    number of main trials the header's ``trial_order`` planned; NA without one)
    and ``log_file``. :func:`session_summary` turns these into one row per session.
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
        order = header.get("trial_order")
        planned = len(order) if isinstance(order, list) else None
        for rec in trials:
            row = {k: rec[k] for k in SCHEMAS.get(experiment, TRIAL_SCHEMA)}
            if "model" in row:  # the model's name in reports; logs written before model_name get it derived
                row["model_name"] = rec.get("model_name") or model_display_name(rec["model"])
            if experiment == "ranking":
                row["model_names"] = rec.get("model_names") or [model_display_name(m) or m for m in rec["models"]]
            row["session_status"] = status
            row["session_planned"] = planned
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
    frame["session_planned"] = pd.array(frame["session_planned"], dtype="Int64")
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
    ``allow_ties``, ``session_status``, ``session_planned``, ``log_file``.
    """
    trials = load(path, experiment="ranking", include_pilot=include_pilot, allow_mixed=allow_mixed)
    keep = ["participant", "session", "run_mode", "trial_index", "lang", "prompt_id", "prompt", "allow_ties",
            "session_status", "session_planned", "log_file"]
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


def load_human_eval(path: str | Path, include_pilot: bool = False, allow_mixed: bool = False) -> pd.DataFrame:
    """Human evaluations in the long form: one row per (trial, output), as docs/DATA.md describes.

    Columns (:data:`HUMAN_EVAL_COLUMNS`): ``participant``, ``session``, ``run_mode``, ``trial_index``,
    ``lang``, ``prompt_id``, ``prompt`` (as shown: the instruction of its condition included),
    ``condition`` (``respectful``, ``none`` or ``biased``), ``item_id``, ``model``, ``model_name``
    (the model's name in reports; never shown to the participant), ``text``, ``n_chars`` (characters of
    the text), ``position`` (0 = shown first), ``rank`` (1 = best, ties share a rank), ``overall``,
    ``helpfulness``, ``truthfulness``, ``harmlessness`` (1–7; NA = not rated, e.g. a scale the session
    did not ask), ``flag_<name>`` for each flag of :data:`HUMAN_EVAL_FLAGS` (booleans), ``session_status``,
    ``log_file``.
    """
    trials = load(path, experiment="human_eval", include_pilot=include_pilot, allow_mixed=allow_mixed)
    trials = trials.reset_index(drop=True)
    long = trials.explode(list(HUMAN_EVAL_LISTS), ignore_index=False)
    long["position"] = long.groupby(level=0).cumcount()
    long = long.reset_index(drop=True).rename(columns={"item_ids": "item_id", "models": "model", "texts": "text",
                                                       "model_names": "model_name", "ranks": "rank"})
    long["model_name"] = distinct_model_names(long["model"], long["model_name"])
    long["n_chars"] = long["text"].str.len().astype("int64")
    long = long[HUMAN_EVAL_COLUMNS]
    for col in ("rank", *HUMAN_EVAL_SCALES):
        long[col] = pd.array(long[col], dtype="Int64")
    for name in HUMAN_EVAL_FLAGS:
        long[f"flag_{name}"] = long[f"flag_{name}"].astype(bool)
    for col in ("session", "trial_index", "position"):
        long[col] = long[col].astype("int64")
    return long
DEMONSTRATION_COLUMNS = ("participant", "session", "run_mode", "trial_index", "lang", "prompt_id", "prompt", "text",
                         "n_chars", "time_on_task", "n_keystrokes", "n_revisions", "session_status", "log_file")


def load_demonstrations(path: str | Path, include_pilot: bool = False, allow_mixed: bool = False) -> pd.DataFrame:
    """Demonstrations (``experiments/demonstrations.py``): one row per demonstration written.

    Columns: ``participant``, ``session``, ``run_mode``, ``trial_index``, ``lang``, ``prompt_id``,
    ``prompt`` (the request shown), ``text`` (the confirmed answer), ``n_chars`` (its characters),
    ``time_on_task`` (seconds from the trial's first flip to the confirming Enter, editor time included),
    ``n_keystrokes`` (key presses in the editor), ``n_revisions`` (edits that changed an existing
    draft), ``session_status`` (``completed``, ``aborted`` or ``incomplete``, as :func:`load`) and
    ``log_file``; then ``item_id``, ``n_ime_commits``, ``n_edits``, ``length_refusals``, ``editor``,
    ``drafts`` (every accepted draft, in order) and ``session_planned``. Pilot sessions are left out
    unless ``include_pilot``; simulated and real sessions together are refused unless ``allow_mixed``.
    """
    trials = load(path, experiment="demonstrations", include_pilot=include_pilot, allow_mixed=allow_mixed)
    extra = ["item_id", "n_ime_commits", "n_edits", "length_refusals", "editor", "drafts", "session_planned"]
    out = trials[list(DEMONSTRATION_COLUMNS) + extra].reset_index(drop=True)
    out["time_on_task"] = out["time_on_task"].astype(float)
    return out


def load_word_measures(path: str | Path, experiment: str = "self_paced_reading", include_pilot: bool = False,
                       phase: str = "main") -> pd.DataFrame:
    """Per-word human measures in the long form the attention analysis reads.

    Columns: ``participant``, ``item``, ``word_index``, ``word``, ``measure``,
    ``value``, ``lang``, ``run_mode``. ``measure`` is ``reading_time``
    (milliseconds from the flip that showed the word to the key press that
    moved on) for self-paced reading, ``selected`` (1 if the participant
    marked the word, else 0) for the highlight experiment.
    """
    if experiment not in WORD_MEASURES:
        raise DataError(f"{experiment!r} has no word measures; use self_paced_reading or attention_highlight")
    trials = load(path, experiment=experiment, include_pilot=include_pilot)
    trials = trials[trials["phase"] == phase]
    measure = WORD_MEASURES[experiment]
    if experiment == "self_paced_reading":
        values = trials["rts"].map(lambda rts: [rt * 1000.0 for rt in rts])
    else:
        values = [[float(i in set(sel)) for i in range(len(words))]
                  for words, sel in zip(trials["words"], trials["selected"])]
    long = trials.assign(value=list(values)).explode(["words", "value"], ignore_index=False)
    long["word_index"] = long.groupby(level=0).cumcount()
    out = pd.DataFrame({
        "participant": long["participant"].to_numpy(), "item": long["item_id"].to_numpy(),
        "word_index": long["word_index"].to_numpy(), "word": long["words"].to_numpy(), "measure": measure,
        "value": long["value"].astype(float).to_numpy(), "lang": long["lang"].to_numpy(),
        "run_mode": long["run_mode"].to_numpy(),
    })
    return out.reset_index(drop=True)


# -- sessions that did not run to the end ----------------------------------------------------------------------

COMPLETED = "completed"  # the end status of a session that ran to its end; any other is unfinished
STATUS_WORDS = {"incomplete": "no end record: killed or crashed, not resumed",
                "aborted": "aborted: the participant stopped it with Escape"}


def _require_status(trials: pd.DataFrame | None, why: str = "a session summary",
                    fix: str = "load a data folder of session logs with psyai.data.load") -> None:
    if trials is None or "session_status" not in trials.columns:
        raise DataError(f"{why} needs to know how each session ended, which only session logs say; these data are a "
                        f"table without them (no session_status column): {fix}")


def session_summary(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per session of a table from :func:`load` or :func:`load_rankings`.

    Columns: ``experiment`` (where the table has it), ``participant``, ``session``,
    ``session_status``, ``n_trials`` (main trials in the table: on disk, each answered in full),
    ``n_planned`` (main trials the header planned; NA where unknown), ``log_file`` (where the
    table has it); sorted by participant and session.
    """
    _require_status(trials)
    ids = [c for c in ("experiment", "participant", "session") if c in trials.columns]
    key = ["log_file"] if "log_file" in trials.columns else ids
    main = trials[trials["phase"] == "main"] if "phase" in trials.columns else trials
    # a long table (rankings: one row per output) has several rows per trial
    done = main.groupby(key)["trial_index"].nunique() if "trial_index" in main.columns else main.groupby(key).size()
    table = trials[list(dict.fromkeys([*ids, "session_status", *key]))].drop_duplicates(key).set_index(key, drop=False)
    table["n_trials"] = done.reindex(table.index).fillna(0).astype(int)
    planned = trials.groupby(key)["session_planned"].first().reindex(table.index) \
        if "session_planned" in trials.columns else [pd.NA] * len(table)
    table["n_planned"] = pd.array(planned, dtype="Int64")
    table = table.reset_index(drop=True)
    return table.sort_values([c for c in ("participant", "session", "experiment") if c in table], ignore_index=True)


def drop_unfinished(trials: pd.DataFrame) -> pd.DataFrame:
    """The rows of sessions that ended ``completed``: leaves out those the participant stopped
    (``aborted``) and those without an end record (``incomplete``)."""
    _require_status(trials, "leaving out unfinished sessions")
    return trials[trials["session_status"] == COMPLETED]


def drop_unfinished_words(words: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """A human word table (``participant``, ``item``, ``measure`` …) without the rows of unfinished sessions.

    ``trials``: the trial table (:func:`word_session_trials`) of the sessions the word table was made
    from. A row is matched by participant, item and measure; a word table holds each (participant,
    item, word, measure) once, so the match names one session.
    """
    gone = trials[trials["session_status"] != COMPLETED]
    keys = set(zip(gone["participant"], gone["item_id"], gone["experiment"].map(WORD_MEASURES)))
    hit = np.fromiter(((p, i, m) in keys for p, i, m in zip(words["participant"], words["item"], words["measure"])),
                      dtype=bool, count=len(words))
    return words[~hit].reset_index(drop=True)


def unfinished_sessions(trials: pd.DataFrame | None, exclude: bool, unit: str = "main trial",
                        words: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, dict]:
    """What every analysis does about sessions that did not run to the end: name them, and with
    ``--exclude-incomplete`` (``exclude``) leave them out.

    Parameters
    ----------
    trials : the trial table analysed (:func:`load`, :func:`load_rankings`), or for a word table the
        trials of the sessions it came from (:func:`word_session_trials`); None, or a table without
        ``session_status``, where the data are not session logs (``exclude`` is then refused).
    exclude : leave out every session that did not end ``completed`` (killed, crashed, or stopped
        with Escape).
    unit : what a session's main trials are called in the report's sentence.
    words : a human word table made from ``trials``: filtered (:func:`drop_unfinished_words`)
        instead of ``trials``.

    Returns
    -------
    The table to analyse (``words`` if given, else ``trials``; unchanged unless ``exclude``) and
    :func:`unfinished_report` of every session, for results.json ``sessions``.
    """
    known = trials is not None and "session_status" in trials.columns
    report = unfinished_report(session_summary(trials) if known else None, exclude, unit)
    table = trials if words is None else words
    if exclude:
        _require_status(trials, "--exclude-incomplete", "analyse a data folder of session logs, or leave the "
                                                        "option out")
        table = drop_unfinished(trials) if words is None else drop_unfinished_words(words, trials)
        if table.empty:
            raise DataError("no session ran to the end, so --exclude-incomplete leaves nothing to analyse; "
                            "analyse without it (the report then names the unfinished sessions)")
    return table, report


def word_session_trials(path: str | Path) -> pd.DataFrame | None:
    """The trials (:func:`load`) of the self-paced reading and highlight sessions under a data folder: the
    sessions :func:`psyai.data.word_tables.load_human_table` reads (pilot sessions left out, as there); None
    for a file or a folder without their logs."""
    path = Path(path)
    if not path.is_dir():
        return None
    logs = list(path.rglob("*_log.jsonl"))
    frames = [load(path, experiment) for experiment in WORD_MEASURES
              if any(experiment in f.parts or path.name == experiment for f in logs)]
    return pd.concat(frames, ignore_index=True) if frames else None


def unfinished_report(summary: pd.DataFrame | None, excluded: bool, unit: str = "main trial",
                      show: int = 10) -> dict:
    """What a report says about the sessions that did not run to the end (results.json ``sessions``).

    Parameters
    ----------
    summary : :func:`session_summary` of every session analysed, before any were left out; None
        where the data came without session logs (whether sessions ended is then unknown).
    excluded : whether the unfinished sessions were left out (``--exclude-incomplete``).
    unit : what a session's main trials are called in the sentence (``main trial``, ``ranking`` …).
    show : the sentence names at most this many sessions; ``unfinished`` lists them all.

    Returns
    -------
    dict: ``n_sessions``, ``n_unfinished``, ``n_trials_unfinished`` (main trials those sessions hold),
    ``excluded``, ``unfinished`` (one record per unfinished session: ``experiment`` where known,
    ``participant``, ``session``, ``session_status``, ``n_trials``, ``n_planned``, ``log_file``) and
    ``sentence``, what the report says.
    """
    from psyai.report import plural

    if summary is None:
        return {"n_sessions": None, "n_unfinished": None, "n_trials_unfinished": None, "excluded": excluded,
                "unfinished": [], "sentence": "Whether each session ran to its end is not known: the data are a "
                                              "table, not session logs."}
    gone = summary[summary["session_status"] != COMPLETED]
    rows = [{k: (None if pd.isna(v) else int(v) if k in ("session", "n_trials", "n_planned") else v)
             for k, v in r.items()} for r in gone.to_dict("records")]
    n_trials = sum(r["n_trials"] for r in rows)
    out = {"n_sessions": int(len(summary)), "n_unfinished": len(rows), "n_trials_unfinished": n_trials,
           "excluded": excluded, "unfinished": rows}
    if not rows:
        out["sentence"] = (("The session" if len(summary) == 1 else f"All {len(summary):,} sessions") + " ran to the "
                           "end (end record 'completed'), so --exclude-incomplete " +
                           ("left nothing out." if excluded else "(off by default) would leave nothing out."))
        return out
    several = "experiment" in summary and summary["experiment"].nunique() > 1

    def name(r: dict) -> str:
        done = f"{r['n_trials']}" + ("" if r["n_planned"] is None else f" of {r['n_planned']}")
        return (f"{r['experiment'] + ' ' if several else ''}{r['participant']} session {r['session']} "
                f"({STATUS_WORDS.get(r['session_status'], r['session_status'])}; {done} {unit}s)")

    named = "; ".join(name(r) for r in rows[:show])
    if len(rows) > show:
        named += f"; and {len(rows) - show} more (results.json lists them)"
    out["sentence"] = f"{plural(len(rows), 'session')} of {len(summary)} did not run to the end: {named}. " + (
        f"{'It was' if len(rows) == 1 else 'They were'} left out with {'its' if len(rows) == 1 else 'their'} "
        f"{plural(n_trials, unit)} (--exclude-incomplete)." if excluded else
        f"{'Its' if len(rows) == 1 else 'Their'} {plural(n_trials, unit)} are included (the default: each was "
        "finished before the session stopped; --exclude-incomplete leaves such sessions out).")
    return out

"""Simulated Turing-test trial tables, straight from the observers, with no window.

The experiment script runs simulated participants through the real window and
keyboard path (:mod:`psyai.participants.observers` behind ``SimulatedInput``); that is the
test of the experiment. Checking an *analysis* needs many cohorts with known
parameters, fast: :func:`simulate_trials` asks the same observers for their
judgments and writes the rows the durable log would hold (docs/DATA.md), with
``run_mode = "simulated"`` stamped on every row.

>>> from psyai.participants.observers import CohortSpec
>>> trials = simulate_trials(CohortSpec(dprime=1.2, criterion=0.0, seed=1), 40, 60)
>>> trials.groupby("participant").correct.mean().mean()  # doctest: +SKIP
0.72

The trial order, counterbalancing list and attention-check positions come
from :func:`psyai.booth.trials.build_main_order`, the function the experiment uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from psyai.data import TRIAL_SCHEMA
from psyai.data.log import DurableLog
from psyai.participants.observers import CohortSpec
from psyai.booth.trials import build_main_order, build_practice_order

__all__ = ["make_items", "simulate_trials", "write_session_logs"]

EXPERIMENT = "turing_test"
RESPONSE_KEYS = {"human": "f", "model": "j"}
TRIAL_COLUMNS = list(TRIAL_SCHEMA)


def make_items(n_items: int, *, models: tuple[str, ...] = ("sim-model",), paired: bool = False,
               lang: str = "en") -> list[dict]:
    """A stimulus list of ``n_items`` texts, half written by people and half by models.

    Parameters
    ----------
    n_items : total number of items (an even number).
    models : names of the generating models; model items cycle through them.
    paired : give each human text and one model text a shared ``prompt_id``
        (``p001`` …), so a Latin square shows each participant one version per
        prompt. Otherwise every item stands alone.
    lang : ``en`` or ``ja``.

    Returns
    -------
    list of dict with ``item_id`` (``h001`` …, ``m001`` …, stable across calls),
    ``source``, ``model``, ``prompt_id``, ``lang``, ``text`` and ``practice``.
    """
    if n_items < 2 or n_items % 2:
        raise ValueError(f"n_items={n_items}: give an even number of at least 2 (half human, half model)")
    if not models:
        raise ValueError("models is empty: name at least one generating model")
    half = n_items // 2
    items = []
    for k in range(half):
        prompt = f"p{k + 1:03d}" if paired else None
        items.append({"item_id": f"h{k + 1:03d}", "source": "human", "model": None, "prompt_id": prompt,
                      "lang": lang, "text": "", "practice": False})
        items.append({"item_id": f"m{k + 1:03d}", "source": "model", "model": models[k % len(models)],
                      "prompt_id": prompt, "lang": lang, "text": "", "practice": False})
    return items


def _row(participant: str, list_index: int, phase: str, index: int, item: dict, judgment,
         lang: str, block_size: int | None) -> dict:
    source = item["source"]
    expected = item.get("expected") if source == "check" else None
    target = expected if source == "check" else source
    return {
        "experiment": EXPERIMENT,
        "participant": participant,
        "session": 1,
        "run_mode": "simulated",
        "pilot": False,
        "simulated": True,
        "phase": phase,
        "trial_index": index,
        "item_id": item["item_id"],
        "is_check": source == "check",
        "source": source,
        "model": item.get("model") or None,
        "prompt_id": item.get("prompt_id") or None,
        "lang": lang,
        "list": list_index,
        "response": judgment.response,
        "response_key": RESPONSE_KEYS[judgment.response],
        "correct": judgment.response == target,
        "expected": expected,
        "rt": judgment.rt,
        "confidence": judgment.confidence,
        "confidence_rt": judgment.confidence_rt,
        "resumed": False,
        "block": 0 if not block_size else index // block_size,
    }


def simulate_trials(spec: CohortSpec, n_participants: int, n_items: int, n_checks: int = 0, *,
                    latin_square: bool = False, n_practice: int = 0,
                    models: tuple[str, ...] = ("sim-model",), lang: str = "en",
                    block_size: int | None = None, first_participant: int = 0) -> pd.DataFrame:
    """Trial rows of a simulated cohort, as :func:`psyai.data.load` returns them.

    Parameters
    ----------
    spec : the cohort: group d', criterion, their spreads, item offsets, lapse rate, seed.
        Participant ``i`` is ``spec.participant(i)``, the observer the experiment uses.
    n_participants : number of participants (``sim001`` …).
    n_items : size of the stimulus list, half human and half model texts
        (see :func:`make_items`); item ids are shared by all participants so
        that item random effects exist.
    n_checks : attention checks inserted into each main block.
    latin_square : pair human and model texts by prompt and show each
        participant one version per prompt (``n_items / 2`` main trials),
        rotated over two counterbalancing lists; otherwise every participant
        judges every item.
    n_practice : practice trials before the main block (alternating sources,
        ids ``practice-1`` …, ``phase = "practice"``).
    models : generating-model names, cycled over the model texts.
    lang : ``en`` or ``ja``.
    block_size : main trials per break-separated block (``None``: one block).
    first_participant : index of the first participant, to extend a cohort.

    Returns
    -------
    pandas.DataFrame
        One row per trial with exactly the trial-record fields of docs/DATA.md
        (``run_mode = "simulated"``, ``simulated = True``, ``pilot = False``,
        ``session = 1``, ``resumed = False``), practice rows first within each
        participant.
    """
    if n_participants < 1:
        raise ValueError(f"n_participants={n_participants}: simulate at least one participant")
    items = make_items(n_items, models=models, paired=latin_square, lang=lang)
    practice_items = [
        {"item_id": f"practice-{k + 1}", "source": ("human", "model")[k % 2], "lang": lang,
         "model": None if k % 2 == 0 else models[0], "prompt_id": None, "text": "", "practice": True}
        for k in range(n_practice)
    ]
    rows: list[dict] = []
    for i in range(first_participant, first_participant + n_participants):
        observer = spec.participant(i)
        participant = f"sim{i + 1:03d}"
        list_index = i % 2 if latin_square else 0
        order_seed = int(np.random.default_rng([spec.seed, i, 1]).integers(2**31))
        for k, item in enumerate(build_practice_order(practice_items, order_seed)):
            rows.append(_row(participant, list_index, "practice", k, item, observer.judge(item), lang, None))
        order = build_main_order(items, list_index, order_seed, lang, n_checks=n_checks)
        for k, item in enumerate(order):
            rows.append(_row(participant, list_index, "main", k, item, observer.judge(item), lang, block_size))
    frame = pd.DataFrame(rows, columns=TRIAL_COLUMNS)
    for col in ("model", "prompt_id", "expected"):
        frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    return frame


def write_session_logs(trials: pd.DataFrame, data_dir: str | Path, *, spec: CohortSpec | None = None) -> list[Path]:
    """Write a simulated trial table as session logs that :func:`psyai.data.load` reads.

    One ``sub-<participant>/ses-<session>/sub-…_log.jsonl`` per participant and
    session, holding a ``header``, one ``trial`` record per row and an ``end``
    record — the durable-log layout of docs/DATA.md. For demos and for testing
    analysis command lines; real sessions are written by the experiment.

    Parameters
    ----------
    trials : rows as returned by :func:`simulate_trials`.
    data_dir : the experiment's data folder (``data/turing_test``); created if needed.
        An existing session log is never overwritten (``FileExistsError``).
    spec : the cohort, stored in each header's ``simulation`` field.

    Returns
    -------
    list of pathlib.Path: the log files written.
    """
    data_dir = Path(data_dir)
    written = []
    for (participant, session), rows in trials.groupby(["participant", "session"], sort=True):
        folder = data_dir / f"sub-{participant}" / f"ses-{session}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sub-{participant}_ses-{session}_log.jsonl"
        run_mode = str(rows["run_mode"].iloc[0])
        main = rows[rows["phase"] == "main"].sort_values("trial_index")
        practice = rows[rows["phase"] == "practice"].sort_values("trial_index")
        with DurableLog.create(path) as log:
            log.stamp = {"run_mode": run_mode}
            log.write({
                "record": "header", "experiment": EXPERIMENT, "participant": participant,
                "session": int(session), "lang": str(rows["lang"].iloc[0]), "seed": None,
                "list": int(rows["list"].iloc[0]), "n_lists": None, "stimuli_path": None,
                "stimuli_sha256": None, "trial_order": main["item_id"].tolist(),
                "practice_order": practice["item_id"].tolist(), "settings": {},
                "command_line": "psyai.participants.synthetic.write_session_logs", "versions": {},
                "platform": None, "frame_rate": None, "kb_backend": None,
                "simulation": spec.to_dict() if spec is not None else {"source": "psyai.participants.synthetic"},
            })
            for rec in pd.concat([practice, main]).to_dict("records"):
                clean = {k: _plain(rec[k]) for k in TRIAL_COLUMNS}
                log.write({"record": "trial", **clean})
            log.write({"record": "end", "status": "completed", "n_trials_done": int(len(main))})
        written.append(path)
    return written


def _plain(value):
    """numpy/pandas scalars → the JSON types the trial schema expects."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value

"""Verdicts from published Turing-test studies (interrogator, game, verdict, confidence, true source) as trials.

One row per verdict (CSV or JSON Lines): the game or transcript, the interrogator, the
verdict (human or AI), the witness's true source (human or AI), optionally a confidence,
the model's name and the witness's id. Column names are set with ``--game``,
``--interrogator``, ``--verdict``, ``--source``, ``--confidence``, ``--model``, ``--witness``
(defaults: game, interrogator, verdict, source, confidence, model, witness). Verdicts and
sources read "human", or "ai", "model", "machine", "bot", "computer" (any case) for AI.

Confidence, when the file has it, needs its scale (``--confidence-scale=LO,HI``; the ``=`` lets a
scale start with a minus sign):

- a signed scale (LO = −HI, e.g. ``-100,100``): the sign is the verdict (``--positive human``
  by default: positive means "human"), the size the certainty; 0 is no verdict unless the
  verdict column gives one; with a verdict column the sign must agree with it;
- an unsigned scale (e.g. ``0,100``) beside the verdict: the certainty of that verdict.

psyai's Turing-test analysis rates confidence on 1–6. By default (``--confidence-map none``)
the imported confidence is kept as it was (``confidence_raw``, and ``certainty`` = its size
on 0–1) and ``confidence`` is left empty, so ``psyai analyze turing_test`` computes no
type-2 ROC and says why. ``--confidence-map bins`` maps certainty onto 1–6 in six equal
bins (certainty in [0, 1/6) → 1, …, [5/6, 1] → 6); that coarsens the scale, and the report of
the import says so.

Writes ``trials.csv`` in the trial layout ``psyai analyze turing_test`` reads (docs/DATA.md):
``participant`` (the interrogator), ``session`` 1, ``trial_index`` (the interrogator's verdicts
in file order), ``run_mode`` real, ``phase`` main, ``item_id`` (the game), ``is_check`` false,
``source`` and ``response`` (human/model), ``rt`` empty (not recorded), ``confidence``,
``model``/``model_name``, ``lang`` (``--lang``, else empty), and the originals:
``interrogator``, ``game``, ``witness``, ``verdict_original``, ``source_original``,
``confidence_raw``, ``certainty``, ``source_file``, ``source_line``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from psyai.data.importing import Dropped, Imported, table_files
from psyai.data.tables import read_rows
from psyai.errors import DataError

KIND = "turing-judgments"
HUMAN = ("human",)
AI = ("ai", "model", "machine", "bot", "computer")
N_BINS = 6  # analysis/turing_test.py's CONFIDENCE_LEVELS: 1 (guessing) … 6 (certain)
COLUMNS = ["participant", "session", "trial_index", "run_mode", "phase", "item_id", "is_check", "source", "response",
           "rt", "confidence", "model", "model_name", "lang", "interrogator", "game", "witness", "verdict_original",
           "source_original", "confidence_raw", "certainty", "source_file", "source_line"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="verdict files (.csv or .jsonl), or folders holding them")
    p.add_argument("--out", required=True, type=Path, help="folder to write trials.csv and import_report.json into")
    for name, default, what in (("game", "game", "the game or transcript id (the item)"),
                                ("interrogator", "interrogator", "the interrogator (the participant)"),
                                ("verdict", "verdict", "the verdict, human or AI (may be absent with a signed "
                                                       "confidence)"),
                                ("source", "source", "the witness's true source, human or AI"),
                                ("confidence", "confidence", "the confidence (optional; needs --confidence-scale)"),
                                ("model", "model", "the AI witness's model name (optional)"),
                                ("witness", "witness", "the witness's id (optional)")):
        p.add_argument(f"--{name}", default=default, metavar="COLUMN", help=f"column of {what} (default: {default})")
    p.add_argument("--confidence-scale", default=None, metavar="LO,HI",
                   help="the confidence scale: =-100,100 (signed: the sign is the verdict; write it with '=', "
                        "--confidence-scale=-100,100) or 0,100 (the certainty of the verdict); required when the file "
                        "has a confidence column")
    p.add_argument("--positive", choices=("human", "ai"), default="human",
                   help="signed scale: which verdict a positive confidence means (default human)")
    p.add_argument("--confidence-map", choices=("none", "bins"), default="none",
                   help="none (default): keep the confidence as it was, confidence (1-6) empty, so the analysis "
                        "skips type-2 ROC; bins: certainty onto 1-6 in six equal bins")
    p.add_argument("--lang", choices=("en", "ja"), default=None, help="the language of the games, when one")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _side(text: str, path: Path, line: int, field: str) -> str | None:
    """human / model from a verdict or source cell; None when empty."""
    word = text.strip().lower()
    if not word:
        return None
    if word in HUMAN:
        return "human"
    if word in AI:
        return "model"
    raise DataError(f"{path} line {line}: field {field!r} is {text!r}; give human, or AI (ai, model, machine, bot, "
                    "computer)")


def _scale(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise DataError(f"--confidence-scale {text!r}: give the two ends, LO,HI (e.g. -100,100 or 0,100)") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise DataError(f"--confidence-scale {text!r}: the low end must be below the high end (e.g. 0,100)")
    if lo < 0 < hi and lo != -hi:
        raise DataError(f"--confidence-scale {text!r}: a signed scale must be symmetric around 0 (e.g. -100,100), so "
                        "that its size is the certainty")
    if lo < 0 <= hi and hi == 0:
        raise DataError(f"--confidence-scale {text!r}: give a scale that includes positive values")
    return lo, hi


def run(paths: list[Path], args: argparse.Namespace) -> Imported:
    files = table_files(paths, "verdict")
    scale = _scale(args.confidence_scale)
    signed = scale is not None and scale[0] < 0
    rows: list[dict] = []
    dropped: list[Dropped] = []
    notes: list[str] = []
    trial_index: dict[str, int] = {}
    for path in files:
        columns, records = read_rows(path, DataError)
        if not columns:
            raise DataError(f"{path}: has no header and no rows; give a table of verdicts (docs/DATA.md, "
                            "'turing-judgments')")
        for name, flag in ((args.game, "--game"), (args.interrogator, "--interrogator"), (args.source, "--source")):
            if name not in columns:
                raise DataError(f"{path} line 1: no column {name!r} (columns: {', '.join(columns[:12])}); name it "
                                f"with {flag}")
        has_verdict = args.verdict in columns
        has_confidence = args.confidence in columns
        if not has_verdict and not (has_confidence and signed):
            raise DataError(f"{path} line 1: no verdict column {args.verdict!r} (columns: {', '.join(columns[:12])}); "
                            "name it with --verdict, or give a signed confidence (--confidence-scale -100,100) whose "
                            "sign is the verdict")
        if has_confidence and scale is None:
            raise DataError(f"{path} line 1: the column {args.confidence!r} holds confidence, but its scale is not "
                            "given; give --confidence-scale=LO,HI (e.g. --confidence-scale=-100,100 when the sign is "
                            "the verdict, --confidence-scale=0,100 when it is the certainty of the verdict)")
        for line, rec in records:
            game, who = _text(rec.get(args.game)), _text(rec.get(args.interrogator))
            for value, name in ((game, args.game), (who, args.interrogator)):
                if not value:
                    raise DataError(f"{path} line {line}: field {name!r} is empty; every verdict needs its game and "
                                    "its interrogator")
            ids = {"game": game, "interrogator": who}
            source_text = _text(rec.get(args.source))
            source = _side(source_text, path, line, args.source)
            verdict_text = _text(rec.get(args.verdict)) if has_verdict else ""
            verdict = _side(verdict_text, path, line, args.verdict) if has_verdict else None
            raw = _text(rec.get(args.confidence)) if has_confidence else ""
            value = certainty = None
            if raw:
                try:
                    value = float(raw)
                except ValueError:
                    raise DataError(f"{path} line {line}: field {args.confidence!r} is {raw!r}, not a number on the "
                                    f"scale {args.confidence_scale}") from None
                lo, hi = scale
                if not lo <= value <= hi:
                    raise DataError(f"{path} line {line}: field {args.confidence!r} is {raw}, outside "
                                    f"--confidence-scale {args.confidence_scale}; correct the scale or the value")
                if signed:
                    certainty = abs(value) / hi
                    said = None if value == 0 else (args.positive if value > 0 else
                                                    ("ai" if args.positive == "human" else "human"))
                    said = None if said is None else ("human" if said == "human" else "model")
                    if verdict is not None and said is not None and said != verdict:
                        raise DataError(f"{path} line {line}: the verdict {verdict_text!r} and the signed "
                                        f"confidence {raw} disagree (positive means {args.positive}); check "
                                        "--positive")
                    verdict = verdict or said
                else:
                    certainty = (value - lo) / (hi - lo)
            if source is None:
                dropped.append(Dropped(str(path), line, "no true source of the witness", ids))
                continue
            if verdict is None:
                dropped.append(Dropped(str(path), line, "no verdict", ids))
                continue
            model = _text(rec.get(args.model)) if source == "model" else ""
            confidence = None
            if certainty is not None and args.confidence_map == "bins":
                confidence = 1 + min(N_BINS - 1, int(math.floor(N_BINS * certainty)))
            trial_index[who] = trial_index.get(who, -1) + 1
            rows.append({"participant": who, "session": 1, "trial_index": trial_index[who], "run_mode": "real",
                         "phase": "main", "item_id": game, "is_check": False, "source": source, "response": verdict,
                         "rt": None, "confidence": confidence, "model": model or None, "model_name": model or None,
                         "lang": args.lang, "interrogator": who, "game": game,
                         "witness": _text(rec.get(args.witness)) or None, "verdict_original": verdict_text or None,
                         "source_original": source_text, "confidence_raw": value, "certainty": certainty,
                         "source_file": str(path), "source_line": line})
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        raise DataError(f"{', '.join(map(str, files))}: no verdicts found (every row lacked a verdict or a source)")
    table["confidence"] = table["confidence"].astype("Int64")
    rated = table["certainty"].notna()
    if rated.any() and args.confidence_map == "none":
        notes.append(f"confidence kept as it was (confidence_raw; certainty = its size on 0-1, scale "
                     f"{args.confidence_scale}); confidence on psyai's 1-6 scale left empty, so psyai analyze "
                     "turing_test computes no type-2 ROC (give --confidence-map bins to map it, coarsened)")
    elif rated.any():
        notes.append(f"confidence mapped onto 1-6 in six equal bins of certainty (scale {args.confidence_scale}: "
                     "[0, 1/6) -> 1 ... [5/6, 1] -> 6); type-2 ROC areas from it are on that coarser scale")
    if signed:
        notes.append(f"signed confidence: positive means {args.positive}; 0 means no verdict unless the verdict "
                     "column gives one")
    notes.append("response times were not recorded (rt empty): psyai analyze turing_test's min_rt/max_rt exclude "
                 "nothing")
    repeats = table.groupby("item_id")["participant"].size()
    if (repeats == 1).all():
        notes.append("every game has one verdict: in psyai analyze turing_test's mixed model the item random "
                     "intercept (1 | item_id) cannot be told apart from trial-to-trial variation (expect a singular "
                     "fit, which the report names)")
    return Imported(kind=KIND, tables={"trials": table}, sources=files, dropped=dropped, notes=notes,
                    settings={"game": args.game, "interrogator": args.interrogator, "verdict": args.verdict,
                              "source": args.source, "confidence": args.confidence, "model": args.model,
                              "witness": args.witness, "confidence_scale": args.confidence_scale,
                              "positive": args.positive, "confidence_map": args.confidence_map, "lang": args.lang})

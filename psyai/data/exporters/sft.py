"""Curated demonstrations (prompt, completion) for TRL's SFTTrainer and datasets.load_dataset.

Reads a demonstrations data folder (``psyai.data.load_demonstrations``: one row per confirmed
answer of ``experiments/demonstrations.py``) and curates it with InstructGPT's rules
(:func:`psyai.curation.curate`): a demonstration whose **prompt or text holds personal
information** is dropped (``pii_prompt``: every demonstration of that prompt; ``pii_output``:
that demonstration); a prompt sharing a **long prefix** with an earlier prompt is dropped
(``shared_prefix``; the same prompt written by many participants is the design, not a
duplicate); at most ``--max-prompts`` (200) **prompts per participant**, the first in session
and trial order (``max_prompts``). Nothing is dropped silently: every dropped demonstration is
listed with its rule and why (personal information masked) in the report.

One row per kept demonstration: ``prompt`` and ``completion`` — **standard** (default): strings,
the prompt followed by ``--separator`` (a blank line; TRL tokenizes ``prompt + completion`` with
nothing between), or ``--conversational``: ``[{"role": "user", …}]`` and
``[{"role": "assistant", …}]`` — and, to trace it back, ``participant``, ``session``,
``trial_index``, ``prompt_id``, ``lang`` (SFTTrainer drops columns it does not use). JSON Lines
(default) or Parquet (``--format parquet``). Beside it, ``<out stem>_report.json``: the sessions
read (with SHA-256), rows kept, every dropped row and the count per rule, the settings, the
command line (as ``import_report.json``). An existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from psyai.curation import CurationConfig, curate
from psyai.errors import DataError

__all__ = ["KEPT_COLUMNS", "curated_demonstrations", "sft_rows", "add_arguments", "run", "report_path"]

KEPT_COLUMNS = ("participant", "session", "trial_index", "prompt_id", "lang", "prompt", "completion")
DEFAULT_MIN_SHARED_PREFIX = CurationConfig.min_shared_prefix  # the curation's default (characters)


def curated_demonstrations(data_dir: str | Path, *, max_prompts_per_participant: int | None = 200,
                           min_shared_prefix: int | None = DEFAULT_MIN_SHARED_PREFIX,
                           include_pilot: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demonstrations of ``data_dir`` after InstructGPT's curation, and what it dropped.

    Parameters
    ----------
    data_dir : a data folder (``data`` or ``data/demonstrations``), a session folder or a log.
    max_prompts_per_participant : at most this many prompts per participant (None: no limit).
    min_shared_prefix : drop a prompt sharing this many leading characters with an earlier one
        (None: off); :class:`psyai.curation.CurationConfig`'s default.
    include_pilot : pilot sessions are left out unless true.

    Returns
    -------
    kept : one row per kept demonstration, columns ``participant``, ``session``, ``trial_index``,
        ``prompt_id``, ``lang``, ``prompt``, ``completion`` (the participant's answer), in session
        and trial order.
    dropped : :func:`psyai.curation.curate`'s report, one row per dropped demonstration: ``rule``,
        ``participant``, ``session``, ``trial_index``, ``prompt_id``, ``item_id`` (the
        demonstration, ``<participant>/ses-<session>/<trial_index>``), ``model`` (None),
        ``detector`` and ``detail`` (why, personal information masked).
    """
    from psyai.data.sessions import load_demonstrations

    demos = load_demonstrations(data_dir, include_pilot=include_pilot)
    demos = demos.sort_values(["participant", "session", "trial_index"], kind="stable").reset_index(drop=True)
    demos["item_id"] = [f"{p}/ses-{s}/{t}" for p, s, t in zip(demos["participant"], demos["session"],
                                                             demos["trial_index"])]
    config = CurationConfig(max_prompts_per_participant=max_prompts_per_participant,
                            min_shared_prefix=min_shared_prefix, min_outputs=1)
    kept, dropped = curate(demos, config)
    kept = kept.rename(columns={"text": "completion"})[list(KEPT_COLUMNS)].reset_index(drop=True)
    return kept, dropped.reset_index(drop=True)


def sft_rows(kept: pd.DataFrame, conversational: bool = False, separator: str = "\n\n") -> list[dict]:
    """Rows of the dataset file: ``prompt``/``completion`` (strings or messages) and provenance."""
    rows = []
    for r in kept.itertuples(index=False):
        if conversational:
            prompt, completion = ([{"role": "user", "content": r.prompt}],
                                  [{"role": "assistant", "content": r.completion}])
        else:
            prompt, completion = r.prompt + separator, r.completion
        rows.append({"prompt": prompt, "completion": completion, "participant": r.participant,
                     "session": int(r.session), "trial_index": int(r.trial_index), "prompt_id": r.prompt_id,
                     "lang": r.lang})
    return rows


def add_arguments(p: argparse.ArgumentParser) -> None:
    from psyai.data.exporters.pairwise import FORMATS

    p.add_argument("paths", nargs=1, metavar="DATA",
                   help="a demonstrations data folder (data or data/demonstrations), a session folder or log")
    p.add_argument("--out", required=True, type=Path, metavar="PATH",
                   help="the SFT dataset file to write (.jsonl, or .parquet; never overwritten)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="jsonl or parquet (default: from the --out suffix, else jsonl)")
    p.add_argument("--conversational", action="store_true",
                   help="prompt as [{role: user, …}], completion as [{role: assistant, …}] instead of strings")
    p.add_argument("--separator", default="\n\n", metavar="TEXT",
                   help="standard format: written after the prompt, since TRL joins prompt and completion with "
                        "nothing between (default: a blank line)")
    p.add_argument("--max-prompts", type=int, default=200, metavar="N",
                   help="at most N prompts per participant, the first in session order (InstructGPT: 200; 0: no "
                        "limit)")
    p.add_argument("--min-shared-prefix", type=int, default=DEFAULT_MIN_SHARED_PREFIX, metavar="CHARS",
                   help=f"drop a prompt sharing CHARS leading characters with an earlier one (default "
                        f"{DEFAULT_MIN_SHARED_PREFIX}; 0: off)")
    p.add_argument("--include-pilot", action="store_true", help="also pilot sessions")


def report_path(out: Path) -> Path:
    """Where the report of an export to ``out`` goes: ``<stem>_report.json`` beside it."""
    return out.with_name(out.stem + "_report.json")


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    from psyai import __version__
    from psyai.data.exporters.pairwise import output_format, write_rows
    from psyai.data.importing import MAX_LISTED_DROPS, file_sha256
    from psyai.data.sessions import session_logs

    fmt = output_format(args.out, args.format)
    report = report_path(args.out)
    if report.exists():
        raise DataError(f"{report}: already exists; nothing was overwritten — choose another --out or move it away")
    for flag, value in (("--max-prompts", args.max_prompts), ("--min-shared-prefix", args.min_shared_prefix)):
        if value < 0:
            raise DataError(f"{flag} {value}: give a whole number >= 1, or 0 to switch the rule off")
    kept, dropped = curated_demonstrations(paths[0], max_prompts_per_participant=args.max_prompts or None,
                                           min_shared_prefix=args.min_shared_prefix or None,
                                           include_pilot=args.include_pilot)
    if kept.empty:
        raise DataError(f"nothing to write to {args.out}: curation dropped all {len(dropped)} demonstration(s) of "
                        f"{paths[0]}; see the reasons with psyai.data.exporters.sft.curated_demonstrations")
    written = write_rows(sft_rows(kept, args.conversational, args.separator), args.out, fmt)
    logs = [p for p in session_logs(paths[0], "demonstrations")]
    counts = {str(rule): int(n) for rule, n in dropped["rule"].value_counts().items()}
    listed = dropped.head(MAX_LISTED_DROPS).astype(object).where(dropped.head(MAX_LISTED_DROPS).notna(), None)
    body = {
        "kind": "sft",
        "sources": [{"file": str(p), "sha256": file_sha256(p)} for p in logs],
        "rows": {"kept": int(len(kept)), "dropped": int(len(dropped))},
        "dropped": {"n": int(len(dropped)), "by_reason": counts, "rows": listed.to_dict("records"),
                    "listed": int(len(listed))},
        "notes": ["curated with psyai.curation (InstructGPT's rules: personal information in prompt or text, "
                  "shared long prefixes, prompts per participant); matched personal information is masked here"],
        "settings": {"max_prompts_per_participant": args.max_prompts or None,
                     "min_shared_prefix": args.min_shared_prefix or None, "include_pilot": args.include_pilot,
                     "conversational": args.conversational, "separator": args.separator, "format": fmt},
        "output": str(written),
        "command_line": sys.argv,
        "psyai": __version__,
    }
    report.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return [written, report]

"""PsychoPy's wide CSV of each session, made from its durable log.

The log is the record of truth; the CSV can be made again at any time. Named
``sub-…_ses-…_<experiment>.csv`` for an ended session, ``…_interrupted.csv`` otherwise; an existing
file is never overwritten (``_1``, ``_2`` …). Give session folders
(``data/turing_test/sub-P001/ses-1``) or their ``_log.jsonl``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="SESSION",
                   help="a session folder (data/turing_test/sub-P001/ses-1) or its _log.jsonl")
    p.add_argument("--out", default=None, help="folder to write into (default: each session's own folder)")


def run(paths: list[str], args: argparse.Namespace) -> list[Path]:
    from psyai.booth.runner import write_session_csv
    from psyai.booth.session import session_log_path

    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    return [write_session_csv(session_log_path(p), args.out) for p in paths]

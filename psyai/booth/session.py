"""Sessions: who, which session, where the data go, new or resumed.

Everything here is checked before a window opens or a file is written:
participant IDs (pseudonyms only), session numbers, an existing session
without ``--resume`` (refused: nothing is ever overwritten), ``--resume``
with a changed stimulus file (refused: the order would no longer match).
This module does not import PsychoPy, so the checks run anywhere.
"""

from __future__ import annotations

import argparse
import platform
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from psyai import __version__
from psyai.errors import SessionError
from psyai.data.log import DurableLog, check_sequence, header_digest, read_log

PARTICIPANT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_SESSION = 99


def validate_participant(pid: str | None) -> str:
    """A participant ID: 1–32 letters, digits, '-' or '_' — a pseudonym, never a name or a path."""
    if pid is None or not str(pid).strip():
        raise SessionError("participant ID is empty; give a pseudonymous code such as P001 (letters, digits, - and _)")
    pid = str(pid).strip()
    if not PARTICIPANT_PATTERN.match(pid):
        shown = pid if len(pid) <= 40 else pid[:40] + "…"
        raise SessionError(
            f"participant ID {shown!r} is not allowed; use 1–32 letters, digits, '-' or '_' "
            "(a pseudonym such as P001, never a name or a path)"
        )
    return pid


def validate_session(session: object) -> int:
    try:
        n = int(str(session).strip())
    except ValueError:
        raise SessionError(f"session {session!r} is not a number; use 1 for the first session") from None
    if not 1 <= n <= MAX_SESSION:
        raise SessionError(f"session {n} is out of range; use a number from 1 to {MAX_SESSION}")
    return n


@dataclass(frozen=True)
class SessionPaths:
    data_dir: Path
    experiment: str
    participant: str
    session: int

    @property
    def folder(self) -> Path:
        return self.data_dir / self.experiment / f"sub-{self.participant}" / f"ses-{self.session}"

    @property
    def stem(self) -> str:
        return f"sub-{self.participant}_ses-{self.session}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.stem}_log.jsonl"

    @property
    def csv_base(self) -> Path:
        """PsychoPy's ExperimentHandler adds '.csv'."""
        return self.folder / f"{self.stem}_{self.experiment}"


def add_session_arguments(parser: argparse.ArgumentParser, default_stimuli: str) -> None:
    """The flags every experiment script takes (docs/DESIGN.md: interfaces a user types)."""
    g = parser.add_argument_group("session")
    g.add_argument("--participant", help="pseudonymous participant ID (letters, digits, - and _; at most 32)")
    g.add_argument("--session", default=None, help="session number, 1–99 (default 1)")
    g.add_argument("--lang", choices=("ja", "en"), default=None, help="language of the screens and texts")
    g.add_argument("--stimuli", default=None,
                   help=f"stimulus file (CSV or JSONL, see docs/DATA.md; default {default_stimuli}, or with --resume "
                        "the file the session started with)")
    parser.set_defaults(default_stimuli=default_stimuli)
    g.add_argument("--data-dir", default="data", help="folder that holds <experiment>/sub-*/ses-* (default: data)")
    g.add_argument("--resume", action="store_true", help="continue an unfinished session from its first unfinished trial")
    g.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    g.add_argument("--pilot", action="store_true", help="PsychoPy pilot mode: windowed, and every data row marked pilot")
    g.add_argument("--seed", type=int, default=None, help="randomisation seed (default: drawn and recorded)")
    g.add_argument("--list", type=int, default=None, dest="list_index",
                   help="counterbalancing list (default: next in rotation over the participants in the data folder)")
    g.add_argument("--kb-backend", choices=("ptb", "iohub", "event"), default="ptb",
                   help="PsychoPy keyboard backend (ptb: psychtoolbox, the lab default for timing)")
    g.add_argument("--no-dialog", action="store_true", help="never show the session dialog; missing fields are errors")
    s = parser.add_argument_group("simulated participant (tests, demos, power analyses)")
    s.add_argument("--simulate", action="store_true", help="a simulated participant answers through the same input path")
    s.add_argument("--sim-index", type=int, default=None,
                   help="which participant of the simulated cohort (also picks its list; default: 0, lists in arrival order)")
    s.add_argument("--sim-seed", type=int, default=0, help="seed of the simulated cohort")
    s.add_argument("--realtime", action="store_true", help="wait out simulated response times (piloting by eye)")


def int_at_least(minimum: int):
    """An argparse ``type``: a whole number of at least ``minimum`` (refused before anything is written)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def run_mode(args: argparse.Namespace) -> str:
    if getattr(args, "simulate", False):
        return "simulated"
    return "pilot" if args.pilot else "real"


def next_list_index(data_dir: Path, experiment: str, n_lists: int) -> int:
    """Rotate lists over participants in order of arrival: the k-th new participant gets list k mod n."""
    root = data_dir / experiment
    n_existing = len([p for p in root.glob("sub-*") if p.is_dir()]) if root.is_dir() else 0
    return n_existing % max(n_lists, 1)


@dataclass
class SessionState:
    """What a session knows when its first screen opens."""

    paths: SessionPaths
    header: dict
    resumed: bool = False
    records: list[dict] = field(default_factory=list)

    def done(self, phase: str) -> set[int]:
        return {r["trial_index"] for r in self.records if r["record"] == "trial" and r["phase"] == phase}

    def has(self, record: str) -> bool:
        return any(r["record"] == record for r in self.records)

    def trials(self) -> list[dict]:
        return [r for r in self.records if r["record"] == "trial"]


def session_stimuli(paths: SessionPaths) -> str | None:
    """The stimulus file an existing session started with (its header's ``stimuli_path``), or None."""
    if not paths.log.exists():
        return None
    records, _fragment = read_log(paths.log)
    return records[0].get("stimuli_path") if records and records[0].get("record") == "header" else None


def plan_session(paths: SessionPaths, resume: bool, stimuli_sha256: str) -> SessionState | None:
    """Refuse what must be refused; for ``--resume`` return the state so far, else None.

    Writes nothing.
    """
    exists = paths.log.exists()
    if exists and not resume:
        raise SessionError(
            f"{paths.folder} already holds session {paths.session} of participant {paths.participant}; "
            "nothing was overwritten. Use --resume to continue it, or another --session number"
        )
    if not exists and paths.folder.exists() and any(paths.folder.iterdir()):
        raise SessionError(f"{paths.folder} holds files but no session log; move them away first — nothing was overwritten")
    if not exists:
        if resume:
            raise SessionError(f"--resume: there is no session {paths.session} for participant {paths.participant} in {paths.folder.parent}")
        return None
    records, _fragment = read_log(paths.log)
    if not records or records[0]["record"] != "header":
        raise SessionError(f"{paths.log}: no session header on line 1; this log cannot be resumed")
    check_sequence(paths.log, records)
    header = records[0]
    if any(r["record"] == "end" for r in records):
        end = [r for r in records if r["record"] == "end"][-1]
        raise SessionError(f"{paths.log}: session already ended ({end['status']}); start a new --session number instead")
    if header["stimuli_sha256"] != stimuli_sha256:
        raise SessionError(
            f"--resume: the stimulus file has changed since this session started ({header['stimuli_path']}, "
            f"sha256 {header['stimuli_sha256'][:12]}…); resume with the original file"
        )
    return SessionState(paths=paths, header=header, resumed=True, records=records)


def new_header(*, experiment: str, paths: SessionPaths, args: argparse.Namespace, mode: str, seed: int,
               list_index: int, n_lists: int, stimuli_path: str, stimuli_sha256: str,
               trial_order: list[str], practice_order: list[str], settings: dict,
               frame_rate: float | None, simulation: dict | None) -> dict:
    import psychopy  # version only; psychopy is installed wherever experiments run

    return {
        "record": "header", "experiment": experiment, "run_mode": mode,
        "participant": paths.participant, "session": paths.session, "lang": args.lang,
        "seed": seed, "list": list_index, "n_lists": n_lists,
        "stimuli_path": stimuli_path, "stimuli_sha256": stimuli_sha256,
        "trial_order": trial_order, "practice_order": practice_order, "settings": settings,
        "command_line": sys.argv, "versions": {
            "psyai": __version__, "psychopy": psychopy.__version__, "python": platform.python_version()},
        "platform": platform.platform(), "frame_rate": frame_rate, "kb_backend": args.kb_backend,
        "simulation": simulation,
    }


def draw_seed() -> int:
    return secrets.randbelow(2**31)


def open_log(state: SessionState | None, paths: SessionPaths, header: dict | None) -> tuple[DurableLog, SessionState]:
    """Create the session folder and log (new session) or reopen the log (resume)."""
    if state is None:
        paths.folder.mkdir(parents=True, exist_ok=True)
        try:
            log = DurableLog.create(paths.log)
        except FileExistsError:
            raise SessionError(f"{paths.log} appeared while starting; another session is running with the same ID — nothing was overwritten") from None
        log.stamp = {"run_mode": header["run_mode"]}
        written = log.write(header)
        log.stamp["header_sha256"] = header_digest(written)
        return log, SessionState(paths=paths, header=header, records=[header])
    log, records = DurableLog.reopen(paths.log)
    log.stamp = {"run_mode": state.header["run_mode"], "header_sha256": header_digest(records[0])}
    state.records = records
    return log, state

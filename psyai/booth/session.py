"""Sessions: who, which session, where the data go, new or resumed.

Everything here is checked before a window opens or a file is written:
participant IDs (pseudonyms only), session numbers, an existing session
without ``--resume`` (refused: nothing is ever overwritten), ``--resume``
with a changed stimulus file (refused: the order would no longer match).
This module does not import PsychoPy, so the checks run anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from psyai import __version__
from psyai.errors import SessionError, StorageError
from psyai.data.log import DurableLog, check_sequence, header_digest, read_log, utc_now

PARTICIPANT_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
SESSION_PATTERN = re.compile(r"[0-9]{1,3}")
MAX_SESSION = 99
# names Windows reserves for devices in every folder (with any extension)
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def validate_participant(pid: str | None) -> str:
    """A participant ID: 1–32 ASCII letters, digits, '-' or '_', not starting with '-' and not a device
    name Windows reserves (CON, NUL, COM1 …) — a pseudonym, never a name or a path."""
    if pid is None or not str(pid).strip():
        raise SessionError("participant ID is empty; give a pseudonymous code such as P001 (letters, digits, - and _)")
    pid = str(pid).strip()
    shown = pid if len(pid) <= 40 else pid[:40] + "…"
    if not PARTICIPANT_PATTERN.fullmatch(pid):
        raise SessionError(
            f"participant ID {shown!r} is not allowed; use 1–32 letters, digits, '-' or '_' "
            "(a pseudonym such as P001, never a name or a path)"
        )
    if pid.startswith("-"):
        raise SessionError(f"participant ID {shown!r} starts with '-', which commands read as an option; "
                           "start it with a letter or digit (P001)")
    if pid.lower() in RESERVED_NAMES:
        raise SessionError(f"participant ID {shown!r} is a device name Windows reserves (CON, PRN, AUX, NUL, COM1–9, "
                           "LPT1–9): a file named after it cannot be made there; use a code such as P001")
    return pid


def validate_session(session: object) -> int:
    """A session number: ASCII digits only (``1_0``, ``٣`` or ``+1`` are refused, not read as 10, 3, 1), 1–99."""
    text = str(session).strip()
    if not SESSION_PATTERN.fullmatch(text):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise SessionError(f"session {shown!r} is not a number written with the digits 0–9; use 1 for the first "
                           "session")
    n = int(text)
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

    @property
    def lock(self) -> Path:
        return self.folder / f"{self.stem}.lock"

    @property
    def set_aside(self) -> Path:
        """Where ``psyai session set-aside`` keeps a log that never got its header."""
        return self.folder / "set-aside"


# files a session folder may hold besides its log without being a session: its lock, what was set aside
NOT_SESSION_FILES = (".lock", "set-aside")

MIN_FREE_BYTES = 20 * 1024 * 1024  # a session's log and CSV take well under 1 MB; 20 MB leaves room for both


class SessionLock:
    """An operating-system lock on ``<folder>/<stem>.lock``, held by the process that runs the session.

    New or resumed, a session runs in one process at a time: a second process (another booth, a
    second ``--resume``) is refused in one line naming the holder's PID and host. The lock is the
    kernel's (``flock`` on POSIX, ``msvcrt.locking`` on Windows), not the file's existence: a process
    that dies, even by ``kill -9``, releases it, so a stale lock cannot happen. The file stays and
    says who held it last.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, paths: "SessionPaths") -> "SessionLock":
        path = paths.lock
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StorageError(f"{path}: cannot be created ({err.strerror or err}); make {paths.folder} writable") from None
        try:
            _lock_fd(fd)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise SessionError(
                f"{paths.folder}: session {paths.session} of participant {paths.participant} is open in another "
                f"process ({holder or 'holder unknown'}); one session runs in one process at a time — wait for it "
                "to end (or close that window) and try again") from None
        info = f"pid {os.getpid()} on host {socket.gethostname()} since {utc_now()}\n".encode()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, info)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the lock


def _holder(fd: int, wait: float = 3.0) -> str:
    """The holder's line of a lock file another process holds (``pid … on host … since …``).

    The holder writes its line just after it takes the lock, so a process refused in that instant
    would read the line of the previous holder (a session killed earlier) or nothing: the line is
    read again, for up to ``wait`` seconds, until it names a process that is alive.
    """
    deadline = time.monotonic() + wait
    line = ""
    while True:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            line = os.read(fd, 400).decode("utf-8", "replace").strip()
        except OSError:
            return line
        match = re.match(r"pid (\d+) ", line)
        if (match and process_alive(int(match.group(1)))) or time.monotonic() > deadline:
            return line
        time.sleep(0.05)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (always True where that cannot be asked cheaply: Windows,
    where ``os.kill(pid, 0)`` would end the process)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _lock_fd(fd: int) -> None:
    """Lock ``fd`` without waiting; OSError when another process holds it."""
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)  # a byte past the holder's line, so others can still read it
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def check_writable(paths: "SessionPaths") -> None:
    """Before the window opens: the session folder can be made there, a file written and synced, and
    :data:`MIN_FREE_BYTES` are free. Leaves nothing behind."""
    base = paths.folder
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise StorageError(f"{base}: is not a folder; choose another --data-dir")
    try:
        fd, name = tempfile.mkstemp(prefix=".psyai-write-test-", dir=base)
        try:
            os.write(fd, b"\0" * 65536)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as err:
        raise StorageError(f"{base}: cannot write there ({err.strerror or err}); nothing was recorded — make the "
                           "folder writable or choose another --data-dir") from None
    free = shutil.disk_usage(base).free
    if free < MIN_FREE_BYTES:
        raise StorageError(f"{base}: only {free // 1024} KB free; a session needs {MIN_FREE_BYTES // 2**20} MB — "
                           "free space or choose another --data-dir (nothing was recorded)")


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


class SessionEnded(SessionError):
    """``--resume`` of a session whose log has its end record (``status``: completed, aborted, declined)."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


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
    records = read_log(paths.log)[0] if exists else []
    if exists and not records:  # 0 bytes or a cut header line: the start-up never finished
        raise SessionError(
            f"{paths.log}: the session stopped while starting (the log has no complete header, so no answer was "
            f"recorded). Set it aside with `psyai session set-aside {paths.folder}` (it is kept, not deleted), "
            "then start the session again")
    if exists and not resume:
        raise SessionError(
            f"{paths.folder} already holds session {paths.session} of participant {paths.participant}; "
            "nothing was overwritten. Use --resume to continue it, or another --session number"
        )
    if not exists and paths.folder.exists() and any(
            not p.name.endswith(NOT_SESSION_FILES) for p in paths.folder.iterdir()):
        raise SessionError(f"{paths.folder} holds files but no session log; move them away first — nothing was overwritten")
    if not exists:
        if resume:
            raise SessionError(f"--resume: there is no session {paths.session} for participant {paths.participant} in {paths.folder.parent}")
        return None
    if records[0]["record"] != "header":
        raise SessionError(f"{paths.log}: no session header on line 1; this log cannot be resumed")
    check_sequence(paths.log, records)
    header = records[0]
    if any(r["record"] == "end" for r in records):
        end = [r for r in records if r["record"] == "end"][-1]
        raise SessionEnded(f"{paths.log}: session already ended ({end['status']}); start a new --session number "
                           "instead", status=end["status"])
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


def session_log_path(path: str | Path) -> Path:
    """The log of a session given its folder (``…/sub-P001/ses-1``) or the log itself."""
    path = Path(path)
    if path.is_dir():
        logs = sorted(path.glob("*_log.jsonl"))
        if len(logs) != 1:
            raise SessionError(f"{path}: {'no session log' if not logs else 'more than one session log'} "
                               "(*_log.jsonl) in this folder; give a session folder such as "
                               "data/turing_test/sub-P001/ses-1")
        return logs[0]
    if not path.is_file():
        raise SessionError(f"{path}: no such session folder or log")
    return path


def set_aside(folder: str | Path) -> list[Path]:
    """Keep a log whose start-up never finished (no complete header: 0 bytes or a cut first line) in
    ``<folder>/set-aside/`` under a time-stamped name, so the session can be started again.

    Refused while another process holds the session, and for a log with a header (that session can
    be resumed). Nothing is deleted. Returns the files moved.
    """
    log = session_log_path(folder)
    folder = log.parent
    parts = log.name[: -len("_log.jsonl")].split("_")  # sub-<id>_ses-<n>
    if len(parts) != 2 or not parts[0].startswith("sub-") or not parts[1].startswith("ses-"):
        raise SessionError(f"{log}: not a session log name (sub-<participant>_ses-<session>_log.jsonl)")
    paths = SessionPaths(folder.parent.parent.parent, folder.parent.parent.name, validate_participant(parts[0][4:]),
                         validate_session(parts[1][4:]))
    lock = SessionLock.acquire(paths)
    try:
        records, _fragment = read_log(log)
        if records:
            raise SessionError(f"{log}: the log has its header, so the session can go on: run the experiment with "
                               "--resume; nothing was moved")
        stamp = utc_now().replace(":", "").replace("-", "").replace("+0000", "Z").replace(".", "_")
        paths.set_aside.mkdir(exist_ok=True)
        moved = []
        for src in [log, Path(str(log) + ".fragment")]:
            if src.exists():
                dst = paths.set_aside / f"{src.name}.{stamp}"
                os.replace(src, dst)
                moved.append(dst)
        return moved
    finally:
        lock.release()

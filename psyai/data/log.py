"""The durable trial log: JSON Lines, each record flushed and fsynced as it is written.

A session's log is the record of truth. Each record is one line; a record is
on disk (``os.fsync``) before :meth:`DurableLog.write` returns, so a crash or
``kill -9`` loses at most the trial that was on screen. The file is created
with ``O_EXCL``: an existing log is never truncated or overwritten.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from pathlib import Path

from psyai.errors import DataError

SCHEMA_VERSION = 1


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(path: str | Path) -> tuple[list[dict], str | None]:
    """Complete records of a log, and the cut-short last line if a crash left one.

    A line that does not end in a newline was being written when the process
    died; it is returned apart, never parsed as data. A complete line that is
    not valid JSON (or not UTF-8) is corruption and raises :class:`DataError`
    naming the file and line.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a session log; a log is a file — rename or move the folder")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror or err}); check the path and its permissions") from None
    fragment = None
    if raw and not raw.endswith(b"\n"):
        cut = raw.rfind(b"\n") + 1
        raw, fragment = raw[:cut], raw[cut:].decode("utf-8", errors="replace")
    records = []
    # records end in "\n" only: str.splitlines() would also split inside a text holding U+2028, U+2029 or
    # U+0085, which json.dumps(ensure_ascii=False) writes as they are
    for lineno, data in enumerate(raw.split(b"\n"), start=1):
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DataError(f"{path} line {lineno}: not UTF-8 text (byte {err.start + 1} of the line); the log is "
                            "damaged — keep a copy and report it") from None
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{path} line {lineno}: not a JSON record ({err.msg}); the log is damaged — keep a copy and report it") from None
        if not isinstance(rec, dict) or "record" not in rec:
            raise DataError(f"{path} line {lineno}: a record needs a 'record' field")
        rec["_line"] = lineno
        records.append(rec)
    return records, fragment


# header fields that are the log's own bookkeeping, not part of what the digest protects
_UNDIGESTED = ("_line",)


def header_digest(header: dict) -> str:
    """SHA-256 of a session header as written (canonical JSON, keys sorted).

    Every record after the header carries it as ``header_sha256`` (:func:`psyai.booth.session.open_log`),
    so an edited header (a swapped ``trial_order``, another ``participant``) no longer matches the
    records written under it: :func:`check_sequence` refuses the log, naming the line.
    """
    body = {k: v for k, v in header.items() if k not in _UNDIGESTED}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, allow_nan=False)
                          .encode("utf-8")).hexdigest()


def check_sequence(path: str | Path, records: list[dict]) -> None:
    """Refuse a log that is not a sequence psyai could have written (:class:`DataError`, file and line).

    - line 1 is the header;
    - records after it carry the header's digest (``header_sha256``; logs written before digests have
      none and are taken as they are, and a log begun before them and resumed after has them from the
      resume on): a mismatch means the header was edited after the session began, and a record without
      one after a record with one was not written by psyai;
    - every trial record has ``phase`` and ``trial_index``, and its ``experiment``, ``participant`` and
      ``session`` are the header's;
    - a trial's ``trial_index`` is a position in its phase's order (``trial_order`` for ``main``,
      ``practice_order`` for ``practice``) and, where the record names what the order lists
      (``item_id``; ``prompt_id`` for rankings, whose order lists prompts), it is the one at that position;
    - no (phase, trial_index) appears twice (two processes on one session, or a copied line);
    - nothing follows the end record (a session ends once).
    """
    path = Path(path)
    if not records or records[0].get("record") != "header":
        raise DataError(f"{path} line 1: the first record must be the session header")
    header = records[0]
    digest = header_digest(header)
    stamped = None  # line of the first record carrying a digest
    for rec in records[1:]:
        got = rec.get("header_sha256")
        if got is not None and got != digest:
            raise DataError(
                f"{path} line {rec['_line']}: the session header (line 1) was changed after this record was "
                "written (its header_sha256 no longer matches); restore the original header from a backup — "
                "psyai will not guess which trials it described")
        if got is None and stamped is not None:
            raise DataError(
                f"{path} line {rec['_line']}: record has no header_sha256 although line {stamped} has one; psyai "
                "stamps every record after the first stamped one, so this line was added by hand, from another log "
                "or by an older psyai resuming the session — keep a copy and remove it")
        stamped = stamped or (rec["_line"] if got is not None else None)
    ends = [r["_line"] for r in records if r.get("record") == "end"]
    if ends and records[-1]["_line"] != ends[0]:
        later = next(r for r in records if r["_line"] > ends[0])
        raise DataError(f"{path} line {later['_line']}: a {later.get('record')!r} record after the session's end record "
                        f"(line {ends[0]}); a session ends once (were two copies of it run at once?) — keep a copy "
                        "and remove the later lines")
    orders = {"main": header.get("trial_order"), "practice": header.get("practice_order")}
    # the field naming what an order lists: item ids, or for rankings and human evaluations the prompts
    named = "prompt_id" if header.get("experiment") in ("ranking", "human_eval") else "item_id"
    seen: dict[tuple, int] = {}
    for rec in records[1:]:
        if rec.get("record") != "trial":
            continue
        where = f"{path} line {rec['_line']}"
        for name in ("experiment", "participant", "session"):
            if name in rec and name in header and rec[name] != header[name]:
                raise DataError(f"{where}: trial record has {name} {rec[name]!r} but the session header says "
                                f"{header[name]!r}; one log holds one session — move the record to its own log")
        for name in ("phase", "trial_index"):
            if name not in rec:
                raise DataError(f"{where}: trial record has no field {name!r} (see docs/DATA.md); the log is "
                                "damaged or was edited — keep a copy and report it")
        phase, index = rec["phase"], rec["trial_index"]
        if phase not in orders:
            raise DataError(f"{where}: trial record has phase {phase!r}; expected 'practice' or 'main'")
        if not isinstance(index, int) or isinstance(index, bool):
            raise DataError(f"{where}: trial record has trial_index {index!r}; expected a whole number")
        order = orders[phase]
        if isinstance(order, list):
            if not 0 <= index < len(order):
                raise DataError(f"{where}: {phase} trial_index {index} is outside the header's "
                                f"{'trial_order' if phase == 'main' else 'practice_order'} (0–{len(order) - 1})")
            if named in rec and rec[named] != order[index]:
                raise DataError(f"{where}: {phase} trial {index} shows {named} {rec[named]!r} but the header's order "
                                f"has {order[index]!r} there; the header or the record was edited")
        key = (phase, index)
        if key in seen:
            raise DataError(f"{where}: {phase} trial {index} is already recorded on line {seen[key]}; a log holds "
                            "each trial once (were two copies of the session run at once?) — keep a copy and "
                            "remove the later line")
        seen[key] = rec["_line"]


class DurableLog:
    """Append-only JSON Lines file; every :meth:`write` is on disk when it returns.

    Records go straight to the file descriptor (no buffer): when a write fails (a full disk), the
    partial line is cut off again, the log stays a sequence of complete records, and
    :class:`psyai.errors.StorageError` says so in one line.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self.stamp: dict = {}  # fields added to every record (e.g. run_mode)
        self.ended = False  # an end record was written through this handle
        self.on_end = None  # called (no arguments) once an end record is on disk
        self.failed = False  # a write failed (a full disk): the error said so, and how to go on

    @classmethod
    def create(cls, path: str | Path) -> "DurableLog":
        """Create a new log; refuses (FileExistsError) if the file exists."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o644)
        _fsync_dir(path.parent)
        return cls(path, fd)

    @classmethod
    def reopen(cls, path: str | Path) -> tuple["DurableLog", list[dict]]:
        """Open an existing log for appending, after setting aside a cut-short last line.

        The fragment is appended to ``<log>.fragment`` (never discarded) and
        removed from the log, so new records start on a fresh line.
        """
        path = Path(path)
        records, fragment = read_log(path)
        if fragment is not None:
            with open(str(path) + ".fragment", "a", encoding="utf-8") as fh:
                fh.write(fragment + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            with open(path, "r+b") as fh:
                fh.truncate(fh.read().rfind(b"\n") + 1)
                fh.flush()
                os.fsync(fh.fileno())
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0))
        return cls(path, fd), records

    def write(self, record: dict) -> dict:
        """Append ``record`` (with the log's own fields and :attr:`stamp`); returns it as read back."""
        from psyai.errors import StorageError

        if self._fd is None:
            raise ValueError(f"{self.path}: the log is closed")
        rec = {"schema_version": SCHEMA_VERSION, "timestamp": utc_now(), **self.stamp, **record}
        line = json.dumps(rec, ensure_ascii=False, allow_nan=False)
        data = (line + "\n").encode("utf-8")
        start = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as err:
            self.failed = True
            try:  # no partial record stays behind: the log remains complete records only
                os.ftruncate(self._fd, start)
                os.fsync(self._fd)
            except OSError:
                pass  # read_log sets a cut line aside as a fragment
            raise StorageError(
                f"{self.path}: the record could not be written ({err.strerror or err}); every record before it "
                "is on disk. Free space (or make the folder writable), then run the same command with --resume"
            ) from None
        self.ended = self.ended or record.get("record") == "end"
        if record.get("record") == "end" and self.on_end is not None:
            self.on_end()
        return json.loads(line)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> "DurableLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

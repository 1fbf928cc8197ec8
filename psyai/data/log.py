"""The durable trial log: JSON Lines, each record flushed and fsynced as it is written.

A session's log is the record of truth. Each record is one line; a record is
on disk (``os.fsync``) before :meth:`DurableLog.write` returns, so a crash or
``kill -9`` loses at most the trial that was on screen. The file is created
with ``O_EXCL``: an existing log is never truncated or overwritten.
"""

from __future__ import annotations

import datetime as _dt
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
    not valid JSON is corruption and raises :class:`DataError`.
    """
    path = Path(path)
    raw = path.read_bytes()
    fragment = None
    if raw and not raw.endswith(b"\n"):
        cut = raw.rfind(b"\n") + 1
        raw, fragment = raw[:cut], raw[cut:].decode("utf-8", errors="replace")
    records = []
    # records end in "\n" only: str.splitlines() would also split inside a text holding U+2028, U+2029 or
    # U+0085, which json.dumps(ensure_ascii=False) writes as they are
    for lineno, line in enumerate(raw.decode("utf-8").split("\n"), start=1):
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


class DurableLog:
    """Append-only JSON Lines file; every :meth:`write` is on disk when it returns."""

    def __init__(self, path: Path, handle) -> None:
        self.path = path
        self._fh = handle
        self.stamp: dict = {}  # fields added to every record (e.g. run_mode)
        self.ended = False  # an end record was written through this handle

    @classmethod
    def create(cls, path: str | Path) -> "DurableLog":
        """Create a new log; refuses (FileExistsError) if the file exists."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        _fsync_dir(path.parent)
        return cls(path, os.fdopen(fd, "a", encoding="utf-8", newline="\n"))

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
        return cls(path, open(path, "a", encoding="utf-8", newline="\n")), records

    def write(self, record: dict) -> None:
        rec = {"schema_version": SCHEMA_VERSION, "timestamp": utc_now(), **self.stamp, **record}
        self._fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.ended = self.ended or record.get("record") == "end"

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> "DurableLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

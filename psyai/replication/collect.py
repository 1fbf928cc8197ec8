"""``psyai class collect``: the groups' session folders (or zip files) checked and pooled.

Each submission is one group's ``data`` folder (or the group's whole study folder, or either
zipped). Every session log under it (``<experiment>/sub-<id>/ses-<n>/…_log.jsonl``) is checked:

- it is a log psyai can read (:func:`psyai.data.sessions.load_session`: the header digest, the
  trial order and every trial record against the experiment's schema) and it sits in the folder
  its header names (``sub-<participant>/ses-<session>``);
- it is a session of the kit's experiment;
- it is not a pilot (``--pilot`` runs are the experimenters' practice) — a group that handed in
  only pilot sessions is refused as a whole, saying so;
- it is not simulated, unless ``allow_simulated`` (demos); simulated and people's sessions are
  never pooled together;
- it ended (``completed``): a session stopped with Escape or cut off is refused unless
  ``include_unfinished``;
- it is not the participant's second session (only the first counts) nor a byte-identical copy of
  a log already collected (the same session handed in twice, by one group or two).

**Why the logs are not rewritten.** Two groups both have a ``P001``. Renaming the participant
inside a log would change its header, and every record after the header carries the header's
SHA-256 (``header_sha256``, :func:`psyai.data.log.header_digest`), which exists so that an edited
header is detected (:func:`psyai.data.log.check_sequence`). Rewriting the IDs would mean
re-stamping every record, i.e. forging the very check that proves the logs are untouched. So the
logs are copied byte for byte into one data folder per group, where IDs cannot collide::

    OUT/groups/<group>/<experiment>/sub-<id>/ses-<n>/   the accepted sessions, files byte-identical
    OUT/participants.csv        group, participant, session → collected_id (``g01-P001``), with the
                                log's path and SHA-256: the namespacing, kept as a table
    OUT/tables/<group>.csv      every session the group handed in: accepted or refused, and why
    OUT/collect_report.json     all of the above, the settings, psyai's version and the command line

Each ``OUT/groups/<group>`` is a data folder :func:`psyai.data.load` reads as it is (and
:func:`psyai.replication.effects.group_effect` takes); pooled tables get the class-wide ID from
``participants.csv`` (:func:`collected_ids`).

Zip files are checked before anything is extracted: a member with an absolute path, a ``..``
component, a drive letter or a symbolic link is refused (the whole submission, with the member
named), as is a zip larger than :data:`MAX_UNZIPPED` unpacked.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import re
import shutil
import stat
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from psyai import __version__
from psyai.errors import DataError, PsyaiError
from psyai.replication.kit import Kit

__all__ = ["CollectError", "MAX_UNZIPPED", "SessionCheck", "collect_submissions", "collected_ids", "group_from_name",
           "print_summary", "safe_extract"]

MAX_UNZIPPED = 2 * 1024**3  # bytes a submission may unpack to
GROUP_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{0,15}")
TABLE_COLUMNS = ("participant", "session", "status", "reason", "run_mode", "session_status", "n_trials", "source")
MAPPING_COLUMNS = ("group", "participant", "session", "collected_id", "run_mode", "session_status", "n_trials", "log",
                   "log_sha256")


class CollectError(PsyaiError, ValueError):
    """A submission or the output folder cannot be used (the message names it and what to do)."""


@dataclass
class SessionCheck:
    """One session log a group handed in, and what collect made of it."""

    participant: str | None
    session: int | None
    status: str = "refused"          # accepted or refused
    reason: str = ""                 # why refused ("" when accepted)
    run_mode: str | None = None      # real, pilot or simulated (the header's)
    session_status: str | None = None  # completed, aborted, incomplete (no end record)
    n_trials: int = 0                # main trials on disk
    source: str = ""                 # the log's path inside the submission
    log_sha256: str = ""
    collected_id: str | None = None  # g01-P001 (accepted sessions)
    log: str | None = None           # the copy's path relative to OUT (accepted sessions)
    _path: Path | None = field(default=None, repr=False)

    def row(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


# --------------------------------------------------------------------------- submissions

def group_from_name(path: Path) -> str:
    """A group's name from its submission's name: ``group-03.zip``, ``g3_data``, ``Group 03`` → ``g03``;
    else the name itself (letters, digits and _; at most 16)."""
    stem = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
    m = re.search(r"(?:group|grp|g)[-_ ]?0*(\d{1,2})(?!\d)", stem, re.IGNORECASE)
    if m:
        return f"g{int(m.group(1)):02d}"
    return re.sub(r"[^A-Za-z0-9_]", "_", stem).strip("_")[:16] or "group"


def _parse(argument: str) -> tuple[str, Path]:
    name, sep, rest = argument.partition("=")
    if sep and not Path(argument).exists() and name and "/" not in name and "\\" not in name:
        if not GROUP_PATTERN.fullmatch(name):
            raise CollectError(f"submission {argument!r}: group name {name!r} must be 1–16 letters, digits or _ "
                               "(e.g. g01=group-01.zip)")
        return name, Path(rest)
    path = Path(argument)
    return group_from_name(path), path


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "points outside the zip (an absolute path, a drive letter or '..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None


def safe_extract(zip_path: Path, dest: Path) -> None:
    """Unpack ``zip_path`` into ``dest`` after checking every member; refuses (extracting nothing) a
    member that would land outside ``dest`` or is a link, and a zip too large unpacked."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CollectError(f"{zip_path}: not a readable zip file ({exc}); ask the group to zip their data folder "
                           "again (python -m zipfile -c group-NN.zip data)") from None
    with zf:
        members = zf.infolist()
        for info in members:
            why = _unsafe(info)
            if why:
                raise CollectError(f"{zip_path}: member {info.filename!r} {why}; the submission is refused and "
                                   "nothing was extracted — ask the group to zip their data folder again "
                                   "(python -m zipfile -c group-NN.zip data)")
        total = sum(info.file_size for info in members)
        if total > MAX_UNZIPPED:
            raise CollectError(f"{zip_path}: unpacks to {total / 1024**3:.1f} GiB, more than a class's session data "
                               f"({MAX_UNZIPPED / 1024**3:.0f} GiB); refused — check what the group zipped")
        root = dest.resolve()
        for info in members:
            target = (dest / PurePosixPath(info.filename.replace("\\", "/"))).resolve()
            if not target.is_relative_to(root):  # belt and braces: _unsafe already refused these
                raise CollectError(f"{zip_path}: member {info.filename!r} points outside the zip; refused")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "xb") as out:
                    shutil.copyfileobj(src, out)
            except (RuntimeError, zipfile.BadZipFile, NotImplementedError, EOFError) as exc:  # encrypted, damaged
                raise CollectError(f"{zip_path}: member {info.filename!r} cannot be unpacked ({exc}); ask the group "
                                   "to zip their data folder again, without a password "
                                   "(python -m zipfile -c group-NN.zip data)") from None


def _logs(root: Path) -> list[Path]:
    """Session logs under ``root``: ``…/sub-*/ses-*/*_log.jsonl``, not those set aside."""
    found = []
    for path in sorted(root.rglob("*_log.jsonl")):
        ses, sub = path.parent, path.parent.parent
        rel = path.relative_to(root).parts
        if ("set-aside" in rel or "__MACOSX" in rel or path.name.startswith("._")  # macOS zips' resource forks
                or path.is_symlink()):
            continue
        if ses.name.startswith("ses-") and sub.name.startswith("sub-"):
            found.append(path)
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- checks

def _check(log: Path, root: Path, kit: Kit, include_unfinished: bool) -> SessionCheck:
    from psyai.data.sessions import load_session

    check = SessionCheck(participant=None, session=None, source=str(log.relative_to(root)), _path=log)
    check.log_sha256 = _sha256(log)
    try:
        header, trials, end = load_session(log)
    except DataError as err:
        check.reason = f"unreadable log: {err}"
        return check
    check.participant, check.session = str(header.get("participant")), header.get("session")
    check.run_mode = header.get("run_mode")
    check.session_status = end["status"] if end else "incomplete"
    check.n_trials = sum(1 for t in trials if t.get("phase") == "main")
    sub, ses = log.parent.parent.name, log.parent.name
    if (sub, ses) != (f"sub-{check.participant}", f"ses-{check.session}"):
        check.reason = (f"the log says participant {check.participant} session {check.session} but sits in "
                        f"{sub}/{ses}; folders were renamed by hand — hand in the data folder as the experiment wrote it")
    elif header.get("experiment") != kit.experiment:
        check.reason = f"a {header.get('experiment')} session; kit {kit.id} runs {kit.experiment}"
    elif check.run_mode == "pilot":
        check.reason = "pilot session (the experimenters' practice, never analysed)"
    elif check.session_status == "declined":
        check.reason = "the participant declined consent (nothing was recorded)"
    elif check.session_status != "completed" and not include_unfinished:
        how = "stopped with Escape" if check.session_status == "aborted" else "has no end record (cut off)"
        check.reason = (f"session did not end: {how}, {check.n_trials} main trials on disk "
                        "(pass --include-unfinished to accept it)")
    elif check.n_trials == 0:
        check.reason = "no main trials"
    else:
        check.status = "accepted"
    return check


def _group_reason(checks: list[SessionCheck]) -> str:
    if not checks:
        return "no session logs found (expected data/<experiment>/sub-*/ses-*/…_log.jsonl)"
    modes = {c.run_mode for c in checks}
    if modes == {"pilot"}:
        return ("only pilot sessions: a pilot is the experimenters' practice — run the participants without "
                "--pilot, then hand in again")
    reasons: dict[str, int] = {}
    for c in checks:
        key = c.reason.split(";")[0].split(":")[0].split(" (")[0]
        reasons[key] = reasons.get(key, 0) + 1
    return "no session was accepted: " + "; ".join(f"{n}× {r}" for r, n in reasons.items())


# --------------------------------------------------------------------------- collect

def collect_submissions(kit: Kit, submissions: list[str], out: str | Path, *, include_unfinished: bool = False,
                        allow_simulated: bool = False) -> dict:
    """Check every session of every submission, copy the accepted ones into ``out`` and write the report.

    ``submissions``: paths of data folders or zip files, each optionally ``NAME=PATH`` to name its
    group (default :func:`group_from_name`). Returns the report written to ``out/collect_report.json``.

    Raises:
        CollectError: ``out`` exists and is not empty, a submission does not exist, or two
            submissions have the same group name. Nothing is written then.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CollectError(f"{out} already exists and is not empty; nothing was written. Give a new folder "
                           "(psyai class collect never overwrites collected data)")
    parsed = [_parse(a) for a in submissions]
    seen: dict[str, str] = {}
    for (group, path), argument in zip(parsed, submissions):
        if not path.exists():
            raise CollectError(f"submission {path} does not exist; give a group's data folder or .zip")
        if not (path.is_dir() or path.suffix.lower() == ".zip"):
            raise CollectError(f"submission {path}: give a data folder or a .zip file")
        if group in seen:
            raise CollectError(f"submissions {seen[group]} and {argument} are both group {group}; name them "
                               "NAME=PATH (e.g. g01=first.zip g02=second.zip)")
        seen[group] = argument

    out.mkdir(parents=True, exist_ok=True)
    groups: list[dict] = []
    hashes: dict[str, str] = {}  # log SHA-256 → group/source already accepted
    with tempfile.TemporaryDirectory(prefix="psyai-collect-") as tmp:
        for group, path in parsed:
            entry = {"group": group, "submission": str(path), "status": "refused", "reason": "", "sessions": []}
            groups.append(entry)
            root = path
            if path.suffix.lower() == ".zip" and path.is_file():
                root = Path(tmp) / group
                root.mkdir()
                try:
                    safe_extract(path, root)
                except CollectError as err:
                    entry["reason"] = str(err)
                    continue
            checks = [_check(log, root, kit, include_unfinished) for log in _logs(root)]
            checks.sort(key=lambda c: (c.participant or "", c.session or 0, c.source))
            took_part: dict[str, SessionCheck] = {}
            for c in checks:
                if c.status == "accepted" and c.run_mode == "simulated" and not allow_simulated:
                    c.status, c.reason = "refused", "simulated session (pass --allow-simulated for a demo or dry run)"
                if c.status == "accepted" and c.log_sha256 in hashes:
                    c.status, c.reason = "refused", f"a copy of {hashes[c.log_sha256]}, already collected"
                first = took_part.get(c.participant) if c.participant is not None else None
                if c.status == "accepted" and first is not None:
                    c.status, c.reason = "refused", (f"participant {c.participant} already took part (session "
                                                     f"{first.session}); only the first session counts")
                exposed = c.run_mode not in (None, "pilot") and c.session_status != "declined"
                if c.participant is not None and exposed and c.participant not in took_part:
                    took_part[c.participant] = c
                if c.status == "accepted":
                    hashes[c.log_sha256] = f"{group}/{c.source}"
            entry["sessions"] = checks
            if any(c.status == "accepted" for c in checks):
                entry["status"] = "accepted"
            else:
                entry["reason"] = _group_reason(checks)

        accepted = [c for g in groups for c in g["sessions"] if c.status == "accepted"]
        modes = {c.run_mode for c in accepted}
        if "simulated" in modes and len(modes) > 1:  # never pool simulated sessions with people's
            for g in groups:
                for c in g["sessions"]:
                    if c.status == "accepted" and c.run_mode == "simulated":
                        c.status, c.reason = "refused", "simulated session among people's sessions (never pooled together)"
                if g["status"] == "accepted" and not any(c.status == "accepted" for c in g["sessions"]):
                    g["status"], g["reason"] = "refused", "only simulated sessions, and other groups' are people's"

        for g in groups:
            for c in g["sessions"]:
                if c.status == "accepted":
                    _copy_session(c, out, g["group"], kit.experiment)
    return _write_outputs(kit, out, groups, include_unfinished, allow_simulated)


def _copy_session(check: SessionCheck, out: Path, group: str, experiment: str) -> None:
    src = check._path.parent
    dest = out / "groups" / group / experiment / f"sub-{check.participant}" / f"ses-{check.session}"
    dest.mkdir(parents=True, exist_ok=False)
    for item in sorted(src.iterdir()):
        if item.is_file() and not item.is_symlink() and item.suffix != ".lock":
            shutil.copy2(item, dest / item.name)
    copied = dest / check._path.name
    if _sha256(copied) != check.log_sha256:
        raise CollectError(f"{copied}: the copy differs from {check.source} of group {group}; the disk may be failing "
                           "— collect again into a new folder")
    check.log = str(copied.relative_to(out))
    check.collected_id = f"{group}-{check.participant}"


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _write_outputs(kit: Kit, out: Path, groups: list[dict], include_unfinished: bool, allow_simulated: bool) -> dict:
    mapping = []
    for g in groups:
        rows = [c.row() for c in g["sessions"]]
        _write_csv(out / "tables" / f"{g['group']}.csv", TABLE_COLUMNS, rows)
        mapping += [{**c.row(), "group": g["group"]} for c in g["sessions"] if c.status == "accepted"]
        g["accepted"] = sum(1 for c in g["sessions"] if c.status == "accepted")
        g["refused"] = len(g["sessions"]) - g["accepted"]
        g["data_dir"] = f"groups/{g['group']}" if g["accepted"] else None
        g["table"] = f"tables/{g['group']}.csv"
        g["sessions"] = rows
    _write_csv(out / "participants.csv", MAPPING_COLUMNS, mapping)
    modes = sorted({m["run_mode"] for m in mapping})
    report = {
        "kit": kit.id, "experiment": kit.experiment, "run_mode": modes[0] if len(modes) == 1 else modes,
        "layout": ("logs copied byte for byte into groups/<group>/<experiment>/sub-<id>/ses-<n>/; participant IDs "
                   "are namespaced in participants.csv (collected_id = <group>-<id>), not inside the logs, whose "
                   "header_sha256 protects the header"),
        "include_unfinished": include_unfinished, "allow_simulated": allow_simulated,
        "totals": {"groups": len(groups), "groups_accepted": sum(g["status"] == "accepted" for g in groups),
                   "sessions": sum(g["accepted"] + g["refused"] for g in groups),
                   "accepted": sum(g["accepted"] for g in groups), "refused": sum(g["refused"] for g in groups)},
        "groups": groups,
        "psyai": __version__, "command_line": sys.argv,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    with open(out / "collect_report.json", "x", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return report


def collected_ids(out: str | Path) -> dict[tuple[str, str, int], str]:
    """``(group, participant, session) → collected_id`` from ``out/participants.csv``."""
    path = Path(out) / "participants.csv"
    if not path.is_file():
        raise CollectError(f"{path} does not exist; give the folder `psyai class collect` wrote")
    with open(path, newline="", encoding="utf-8") as fh:
        return {(r["group"], r["participant"], int(r["session"])): r["collected_id"] for r in csv.DictReader(fh)}


def print_summary(report: dict) -> None:
    """One line per group (accepted, refused, why) on the terminal."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"psyai class collect: kit {report['kit']}", show_lines=False)
    for column in ("group", "submission", "accepted", "refused", "why"):
        table.add_column(column, overflow="fold")
    for g in report["groups"]:
        reasons: dict[str, int] = {}
        for s in g["sessions"]:
            if s["status"] == "refused":
                key = s["reason"].split(";")[0].split(":")[0]
                reasons[key] = reasons.get(key, 0) + 1
        why = g["reason"] or "; ".join(f"{n}× {r}" for r, n in reasons.items())
        table.add_row(g["group"], g["submission"], str(g["accepted"]), str(g["refused"]), why)
    Console().print(table)
    t = report["totals"]
    print(f"accepted {t['accepted']} of {t['sessions']} sessions from {t['groups_accepted']} of {t['groups']} groups; "
          "see collect_report.json and tables/")

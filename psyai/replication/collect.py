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
TABLE_COLUMNS = ("participant", "session", "status", "reason", "run_mode", "session_status", "n_trials", "source",
                 "reason_code", "reason_ja")

# why a session or a group is refused: code → the sentence in each language, and the short label that counts
# a group's refusals on the terminal
REASONS = {
    "unreadable": {"en": "unreadable log: {err}", "ja": "ログを読めない:{err}",
                   "short": {"en": "unreadable log", "ja": "読めないログ"}},
    "renamed": {"en": ("the log says participant {participant} session {session} but sits in {sub}/{ses}; folders were "
                       "renamed by hand — hand in the data folder as the experiment wrote it"),
                "ja": ("ログには参加者 {participant} のセッション {session} とあるが {sub}/{ses} にある。フォルダの名前が手で"
                       "変えられている — 実験が書いたとおりの data フォルダを提出すること"),
                "short": {"en": "the log says participant", "ja": "フォルダ名の変更"}},
    "experiment": {"en": "a {experiment} session; kit {kit} runs {kit_experiment}",
                   "ja": "{experiment} のセッション。キット {kit} は {kit_experiment} を使う",
                   "short": {"en": "another experiment", "ja": "別の実験"}},
    "pilot": {"en": "pilot session (the experimenters' practice, never analysed)",
              "ja": "パイロット・セッション(実験者の練習で,分析しない)",
              "short": {"en": "pilot session", "ja": "パイロット・セッション"}},
    "declined": {"en": "the participant declined consent (nothing was recorded)",
                 "ja": "参加者が同意しなかった(何も記録されていない)",
                 "short": {"en": "the participant declined consent", "ja": "同意なし"}},
    "unfinished": {"en": ("session did not end: {how}, {n_trials} main trials on disk (pass --include-unfinished to "
                          "accept it)"),
                   "ja": ("セッションが終わっていない:{how_ja},本試行 {n_trials} 件がディスクにある(受け入れるには "
                          "--include-unfinished)"),
                   "short": {"en": "session did not end", "ja": "終わっていないセッション"}},
    "no_trials": {"en": "no main trials", "ja": "本試行がない", "short": {"en": "no main trials", "ja": "本試行なし"}},
    "simulated": {"en": "simulated session (pass --allow-simulated for a demo or dry run)",
                  "ja": "シミュレーションのセッション(デモや予行には --allow-simulated)",
                  "short": {"en": "simulated session", "ja": "シミュレーション"}},
    "copy": {"en": "a copy of {of}, already collected", "ja": "{of} のコピーで,すでに集めた",
             "short": {"en": "a copy", "ja": "コピー"}},
    "second": {"en": "participant {participant} already took part (session {first}); only the first session counts",
               "ja": "参加者 {participant} はすでに参加している(セッション {first})。最初のセッションだけを数える",
               "short": {"en": "a participant's second session", "ja": "2 回目のセッション"}},
    "mixed": {"en": "simulated session among people's sessions (never pooled together)",
              "ja": "人のセッションに混じったシミュレーションのセッション(一緒に統合しない)",
              "short": {"en": "simulated among people's", "ja": "人に混じったシミュレーション"}},
    # a whole group
    "no_logs": {"en": "no session logs found (expected data/<experiment>/sub-*/ses-*/…_log.jsonl)",
                "ja": "セッションのログが見つからない(data/<experiment>/sub-*/ses-*/…_log.jsonl があるはず)"},
    "pilot_only": {"en": ("only pilot sessions: a pilot is the experimenters' practice — run the participants without "
                          "--pilot, then hand in again"),
                   "ja": ("パイロット・セッションのみ:パイロットは実験者の練習 — --pilot なしで参加者のセッションを行い,"
                          "提出し直すこと")},
    "none_accepted": {"en": "no session was accepted: {counts}", "ja": "受け入れたセッションがない:{counts}"},
    "only_simulated": {"en": "only simulated sessions, and other groups' are people's",
                       "ja": "シミュレーションのセッションのみで,他のグループのセッションは人のもの"},
    "zip": {"en": "{err}", "ja": "zip を展開しなかった:{err}"},
}


def reason(code: str, **fields) -> dict[str, str]:
    """The reason ``code`` as ``{"en": …, "ja": …}`` (:data:`REASONS`)."""
    return {lang: REASONS[code][lang].format(**fields) for lang in ("en", "ja")}
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
    reason_code: str = ""            # the key of REASONS
    reason_ja: str = ""              # the reason in Japanese
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

    def refuse(self, code: str, **fields) -> None:
        """Refused for the reason ``code`` (:data:`REASONS`), said in both languages."""
        said = reason(code, **fields)
        self.status, self.reason, self.reason_ja, self.reason_code = "refused", said["en"], said["ja"], code


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
        check.refuse("unreadable", err=err)
        return check
    check.participant, check.session = str(header.get("participant")), header.get("session")
    check.run_mode = header.get("run_mode")
    check.session_status = end["status"] if end else "incomplete"
    check.n_trials = sum(1 for t in trials if t.get("phase") == "main")
    sub, ses = log.parent.parent.name, log.parent.name
    if (sub, ses) != (f"sub-{check.participant}", f"ses-{check.session}"):
        check.refuse("renamed", participant=check.participant, session=check.session, sub=sub, ses=ses)
    elif header.get("experiment") != kit.experiment:
        check.refuse("experiment", experiment=header.get("experiment"), kit=kit.id, kit_experiment=kit.experiment)
    elif check.run_mode == "pilot":
        check.refuse("pilot")
    elif check.session_status == "declined":
        check.refuse("declined")
    elif check.session_status != "completed" and not include_unfinished:
        aborted = check.session_status == "aborted"
        check.refuse("unfinished", n_trials=check.n_trials,
                     how="stopped with Escape" if aborted else "has no end record (cut off)",
                     how_ja="Escape で中止された" if aborted else "終了の記録がない(途中で切れた)")
    elif check.n_trials == 0:
        check.refuse("no_trials")
    else:
        check.status = "accepted"
    return check


def _counts(codes: list[str], lang: str) -> str:
    """``2× pilot session; 1× a copy``: how many sessions were refused for each reason."""
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return ("; " if lang == "en" else ";").join(f"{n}× {REASONS[c]['short'][lang]}" for c, n in counts.items())


def _group_reason(checks: list[SessionCheck]) -> dict[str, str]:
    if not checks:
        return reason("no_logs")
    if {c.run_mode for c in checks} == {"pilot"}:
        return reason("pilot_only")
    codes = [c.reason_code for c in checks]
    return {lang: REASONS["none_accepted"][lang].format(counts=_counts(codes, lang)) for lang in ("en", "ja")}


def _refuse_group(entry: dict, said: dict[str, str]) -> None:
    entry["status"], entry["reason"], entry["reason_ja"] = "refused", said["en"], said["ja"]


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
            entry = {"group": group, "submission": str(path), "status": "refused", "reason": "", "reason_ja": "",
                     "sessions": []}
            groups.append(entry)
            root = path
            if path.suffix.lower() == ".zip" and path.is_file():
                root = Path(tmp) / group
                root.mkdir()
                try:
                    safe_extract(path, root)
                except CollectError as err:
                    _refuse_group(entry, reason("zip", err=err))
                    continue
            checks = [_check(log, root, kit, include_unfinished) for log in _logs(root)]
            checks.sort(key=lambda c: (c.participant or "", c.session or 0, c.source))
            took_part: dict[str, SessionCheck] = {}
            for c in checks:
                if c.status == "accepted" and c.run_mode == "simulated" and not allow_simulated:
                    c.refuse("simulated")
                if c.status == "accepted" and c.log_sha256 in hashes:
                    c.refuse("copy", of=hashes[c.log_sha256])
                first = took_part.get(c.participant) if c.participant is not None else None
                if c.status == "accepted" and first is not None:
                    c.refuse("second", participant=c.participant, first=first.session)
                exposed = c.run_mode not in (None, "pilot") and c.session_status != "declined"
                if c.participant is not None and exposed and c.participant not in took_part:
                    took_part[c.participant] = c
                if c.status == "accepted":
                    hashes[c.log_sha256] = f"{group}/{c.source}"
            entry["sessions"] = checks
            if any(c.status == "accepted" for c in checks):
                entry["status"] = "accepted"
            else:
                _refuse_group(entry, _group_reason(checks))

        accepted = [c for g in groups for c in g["sessions"] if c.status == "accepted"]
        modes = {c.run_mode for c in accepted}
        if "simulated" in modes and len(modes) > 1:  # never pool simulated sessions with people's
            for g in groups:
                for c in g["sessions"]:
                    if c.status == "accepted" and c.run_mode == "simulated":
                        c.refuse("mixed")
                if g["status"] == "accepted" and not any(c.status == "accepted" for c in g["sessions"]):
                    _refuse_group(g, reason("only_simulated"))

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


def print_summary(report: dict, lang: str = "en") -> None:
    """One line per group (accepted, refused, why) on the terminal, in ``lang`` (en or ja)."""
    from rich.console import Console
    from rich.table import Table

    ja = lang == "ja"
    table = Table(title=f"psyai class collect: {'キット' if ja else 'kit'} {report['kit']}", show_lines=False)
    for column in (("グループ", "提出物", "受け入れ", "拒否", "理由") if ja
                   else ("group", "submission", "accepted", "refused", "why")):
        table.add_column(column, overflow="fold")
    for g in report["groups"]:
        codes = [s["reason_code"] for s in g["sessions"] if s["status"] == "refused"]
        why = (g.get("reason_ja") if ja else g["reason"]) or _counts(codes, lang)
        table.add_row(g["group"], g["submission"], str(g["accepted"]), str(g["refused"]), why)
    Console().print(table)
    t = report["totals"]
    print(f"{t['groups']} グループ中 {t['groups_accepted']} グループから,{t['sessions']} セッション中 {t['accepted']} を"
          "受け入れた。collect_report.json と tables/ を参照" if ja else
          f"accepted {t['accepted']} of {t['sessions']} sessions from {t['groups_accepted']} of {t['groups']} groups; "
          "see collect_report.json and tables/")

"""``psyai class collect`` on real session folders: two simulated cohorts run through the real Turing-test
script (2 participants, 4 trials each), handed in as folders and zip files.

A person's session and a pilot are made from the simulated logs the way tests/data/test_sessions.py
does: the run mode changed in every record and the header digest re-stamped (tests.helpers.restamp),
which is what the script writes for a person (``run_mode`` is the only difference). Unfinished
sessions are the simulated logs cut where a kill or an Escape leaves them (tests.helpers.stop_session_early).
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from psyai.cli import main
from psyai.data import load
from psyai.participants.cohort import CohortRun, run_cohort
from psyai.replication.collect import CollectError, collect_submissions, collected_ids, group_from_name
from psyai.replication.kit import load_kit
from tests.helpers import restamp, stop_session_early, tree

EXPERIMENT = "turing_test"


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory) -> dict[str, Path]:
    """Two groups' simulated data folders, both with participants P001 and P002."""
    base = tmp_path_factory.mktemp("cohorts")
    out = {}
    for name, seed in (("a", 0), ("b", 1)):
        run_cohort(CohortRun(experiment=EXPERIMENT, n_participants=2, out=base / name, seed=seed, n_trials=4,
                             id_prefix="P", jobs=2))
        out[name] = base / name
    return out


def logs(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*_log.jsonl"))


def as_mode(src: Path, dest: Path, mode: str) -> Path:
    """A copy of the data folder ``src`` whose sessions are ``mode`` (real or pilot) sessions."""
    shutil.copytree(src, dest)
    for log in logs(dest):
        text = log.read_text(encoding="utf-8").replace('"run_mode": "simulated"', f'"run_mode": "{mode}"')
        text = text.replace('"simulated": true', '"simulated": false')
        if mode == "pilot":
            text = text.replace('"pilot": false', '"pilot": true')
        log.write_text(restamp(text), encoding="utf-8")
    return dest


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sessions(report: dict, group: str) -> list[dict]:
    return next(g for g in report["groups"] if g["group"] == group)["sessions"]


@pytest.fixture
def kit():
    return load_kit("turing_text")


def test_two_groups_with_the_same_ids_are_kept_apart_byte_for_byte(cohorts, tmp_path, kit):
    g1 = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    g2 = as_mode(cohorts["b"], tmp_path / "group-02", "real")
    out = tmp_path / "collected"
    report = collect_submissions(kit, [str(g1), str(g2)], out)
    assert report["totals"] == {"groups": 2, "groups_accepted": 2, "sessions": 4, "accepted": 4, "refused": 0}
    assert report["run_mode"] == "real"
    for group, src in (("g01", g1), ("g02", g2)):
        copied = out / "groups" / group / EXPERIMENT
        for log in logs(src):
            rel = log.relative_to(src / EXPERIMENT)
            assert (copied / rel).read_bytes() == log.read_bytes()  # byte-identical
            csv_name = log.name.replace("_log.jsonl", f"_{EXPERIMENT}.csv")
            assert (copied / rel.parent / csv_name).read_bytes() == (log.parent / csv_name).read_bytes()
        assert not list(copied.rglob("*.lock"))
        frame = load(out / "groups" / group, EXPERIMENT)
        assert sorted(frame.participant.unique()) == ["P001", "P002"]
    ids = collected_ids(out)
    assert ids == {("g01", "P001", 1): "g01-P001", ("g01", "P002", 1): "g01-P002",
                   ("g02", "P001", 1): "g02-P001", ("g02", "P002", 1): "g02-P002"}
    mapping = read_csv(out / "participants.csv")
    for row in mapping:
        assert sha(out / row["log"]) == row["log_sha256"] and row["run_mode"] == "real"
    table = read_csv(out / "tables" / "g01.csv")
    assert [(r["participant"], r["status"], r["reason"]) for r in table] == [("P001", "accepted", ""),
                                                                             ("P002", "accepted", "")]
    saved = json.loads((out / "collect_report.json").read_text(encoding="utf-8"))
    assert saved["totals"]["accepted"] == 4 and "header_sha256" in saved["layout"]
    assert saved["groups"][0]["data_dir"] == "groups/g01"


def test_a_zip_submission(cohorts, tmp_path, kit):
    data = as_mode(cohorts["b"], tmp_path / "data", "real")
    archive = tmp_path / "Group 7.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # what `python -m zipfile -c group.zip data` writes
        for path in sorted(data.rglob("*")):
            zf.write(path, Path("data") / path.relative_to(data))
    report = collect_submissions(kit, [str(archive)], tmp_path / "out")
    assert [s["status"] for s in sessions(report, "g07")] == ["accepted", "accepted"]
    for log in logs(data):
        copy = tmp_path / "out" / "groups" / "g07" / log.relative_to(data)
        assert copy.read_bytes() == log.read_bytes()


def test_path_traversal_in_a_zip_is_refused_and_nothing_is_extracted(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "data", "real")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        for path in sorted(data.rglob("*_log.jsonl")):
            zf.write(path, Path("data") / path.relative_to(data))
        zf.writestr("../../escaped.txt", "outside")
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("data/passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    good = as_mode(cohorts["b"], tmp_path / "group-03", "real")
    report = collect_submissions(kit, [f"g01={evil}", f"g02={link}", str(good)], tmp_path / "out")
    g1, g2, g3 = report["groups"]
    assert g1["status"] == "refused" and "member '../../escaped.txt' points outside the zip" in g1["reason"]
    assert g2["status"] == "refused" and "member 'data/passwd' is a symbolic link" in g2["reason"]
    assert g1["sessions"] == [] and not (tmp_path / "out" / "groups" / "g01").exists()
    assert g3["status"] == "accepted" and g3["accepted"] == 2
    assert not any(p.name == "escaped.txt" for p in tmp_path.parent.rglob("escaped.txt"))
    assert not (tmp_path / "out" / "groups" / "g02").exists()


def test_a_group_with_only_pilot_sessions_is_refused(cohorts, tmp_path, kit):
    pilot = as_mode(cohorts["a"], tmp_path / "group-01", "pilot")
    real = as_mode(cohorts["b"], tmp_path / "group-02", "real")
    report = collect_submissions(kit, [str(pilot), str(real)], tmp_path / "out")
    g1 = report["groups"][0]
    assert g1["status"] == "refused" and g1["reason"].startswith("only pilot sessions")
    assert {s["reason"] for s in g1["sessions"]} == {"pilot session (the experimenters' practice, never analysed)"}
    assert report["groups"][1]["accepted"] == 2
    assert not (tmp_path / "out" / "groups" / "g01").exists()
    # every reason in Japanese too: the report, the group's table and the terminal summary
    assert g1["reason_ja"].startswith("パイロット・セッションのみ")
    assert {s["reason_ja"] for s in g1["sessions"]} == {"パイロット・セッション(実験者の練習で,分析しない)"}
    table = (tmp_path / "out" / "tables" / "g01.csv").read_text(encoding="utf-8")
    assert "reason_ja" in table.splitlines()[0] and "pilot" in table


def test_unfinished_sessions_are_refused_unless_included(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    killed, stopped = logs(data)
    stop_session_early(killed, 2)  # cut off: no end record
    stop_session_early(stopped, 1, status="aborted")  # the participant pressed Escape
    report = collect_submissions(kit, [str(data)], tmp_path / "out")
    checks = sessions(report, "g01")
    assert [s["status"] for s in checks] == ["refused", "refused"]
    assert checks[0]["session_status"] == "incomplete" and "has no end record (cut off), 2 main trials" in checks[0]["reason"]
    assert checks[1]["session_status"] == "aborted" and "stopped with Escape, 1 main trials" in checks[1]["reason"]
    assert "--include-unfinished" in checks[0]["reason"]
    assert "終了の記録がない(途中で切れた),本試行 2 件" in checks[0]["reason_ja"]
    assert "Escape で中止された" in checks[1]["reason_ja"] and checks[1]["reason_code"] == "unfinished"
    assert report["groups"][0]["status"] == "refused"
    included = collect_submissions(kit, [str(data)], tmp_path / "out2", include_unfinished=True)
    assert [s["status"] for s in sessions(included, "g01")] == ["accepted", "accepted"]
    assert (tmp_path / "out2" / "groups" / "g01" / killed.relative_to(data)).read_bytes() == killed.read_bytes()


def test_a_second_session_and_a_copy_are_refused(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    first = next(log for log in logs(data) if "sub-P001" in str(log))
    second = first.parent.parent / "ses-2" / first.name.replace("ses-1", "ses-2")
    second.parent.mkdir()
    text = first.read_text(encoding="utf-8").replace('"session": 1', '"session": 2')
    second.write_text(restamp(text), encoding="utf-8")
    again = tmp_path / "group-02"
    shutil.copytree(data / EXPERIMENT / "sub-P002", again / EXPERIMENT / "sub-P002")  # the same session, handed in twice
    report = collect_submissions(kit, [str(data), str(again)], tmp_path / "out")
    by = {(s["participant"], s["session"]): s for s in sessions(report, "g01")}
    assert by[("P001", 1)]["status"] == "accepted"
    assert by[("P001", 2)]["status"] == "refused"
    assert by[("P001", 2)]["reason"] == "participant P001 already took part (session 1); only the first session counts"
    (copy,) = sessions(report, "g02")
    assert copy["status"] == "refused" and copy["reason"].startswith("a copy of g01/turing_test/sub-P002/ses-1/")
    assert report["totals"]["accepted"] == 2


def test_simulated_sessions_only_when_allowed_and_never_with_peoples(cohorts, tmp_path, kit):
    report = collect_submissions(kit, [str(cohorts["a"])], tmp_path / "out")
    assert {s["reason"] for s in sessions(report, "a")} == {
        "simulated session (pass --allow-simulated for a demo or dry run)"}
    demo = collect_submissions(kit, [f"g01={cohorts['a']}", f"g02={cohorts['b']}"], tmp_path / "demo",
                               allow_simulated=True)
    assert demo["totals"]["accepted"] == 4 and demo["run_mode"] == "simulated"
    real = as_mode(cohorts["b"], tmp_path / "real", "real")
    mixed = collect_submissions(kit, [f"g01={cohorts['a']}", f"g02={real}"], tmp_path / "mixed", allow_simulated=True)
    assert mixed["groups"][0]["status"] == "refused" and mixed["groups"][1]["accepted"] == 2
    assert mixed["run_mode"] == "real"


def test_sessions_of_another_experiment_are_refused(cohorts, tmp_path):
    data = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    report = collect_submissions(load_kit("rlhf_preference"), [str(data)], tmp_path / "out")
    assert {s["reason"] for s in sessions(report, "g01")} == {
        "a turing_test session; kit rlhf_preference runs human_eval"}


def test_a_damaged_log_is_refused_naming_the_line(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    log = logs(data)[0]
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"participant": "P001"', '"participant": "P009"')  # an edited header
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = collect_submissions(kit, [str(data)], tmp_path / "out")
    bad = sessions(report, "g01")[0]
    assert bad["status"] == "refused" and bad["reason"].startswith("unreadable log: ")
    assert "line 2: the session header (line 1) was changed" in bad["reason"]


def test_the_output_is_never_overwritten_and_bad_submissions_are_named(cohorts, tmp_path, kit):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("kept\n", encoding="utf-8")
    before = tree(out)
    with pytest.raises(CollectError, match="already exists and is not empty; nothing was written"):
        collect_submissions(kit, [str(cohorts["a"])], out)
    assert tree(out) == before
    with pytest.raises(CollectError, match=r"submission .*nope.zip does not exist"):
        collect_submissions(kit, [str(tmp_path / "nope.zip")], tmp_path / "new")
    with pytest.raises(CollectError, match="are both group g01"):
        collect_submissions(kit, [f"g01={cohorts['a']}", f"g01={cohorts['b']}"], tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_group_names_from_file_names():
    assert group_from_name(Path("group-03.zip")) == "g03"
    assert group_from_name(Path("Group 12")) == "g12"
    assert group_from_name(Path("g7_data.zip")) == "g07"
    assert group_from_name(Path("team red.zip")) == "team_red"


def test_the_command_line(cohorts, tmp_path, capsys):
    real = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    assert main(["class", "collect", str(real), "--kit", "turing_text", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "g01" in printed and "accepted 2 of 2 sessions from 1 of 1 groups" in printed
    # nothing accepted: exit 1, the table says why
    assert main(["class", "collect", str(cohorts["a"]), "--kit", "turing_text", "--out", str(tmp_path / "o2")]) == 1
    assert "accepted 0 of 2 sessions" in capsys.readouterr().out
    refused = json.loads((tmp_path / "o2" / "collect_report.json").read_text(encoding="utf-8"))["groups"][0]
    assert refused["reason"] == "no session was accepted: 2× simulated session"
    assert main(["class", "collect", str(real), "--kit", "turing_text", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "already exists" in err and err.count("\n") == 1


def test_a_declined_session_and_macos_zip_junk(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "data", "real")
    declined = logs(data)[1]  # P002 said no on the consent screen: the header, then the end record
    lines = declined.read_bytes().split(b"\n")[:-1]
    end = {**json.loads(lines[-1]), "status": "declined", "n_trials_done": 0}
    declined.write_bytes(lines[0] + b"\n" + json.dumps(end).encode("utf-8") + b"\n")
    archive = tmp_path / "group-05.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # what the Finder's "Compress" adds: resource forks under __MACOSX
        for path in sorted(data.rglob("*")):
            zf.write(path, Path("data") / path.relative_to(data))
            if path.is_file():
                zf.writestr(str(Path("__MACOSX") / "data" / path.relative_to(data).parent / f"._{path.name}"), b"\0\5\26\7")
    report = collect_submissions(kit, [str(archive)], tmp_path / "out")
    checks = sessions(report, "g05")
    assert [(s["participant"], s["status"]) for s in checks] == [("P001", "accepted"), ("P002", "refused")]
    assert checks[1]["reason"] == "the participant declined consent (nothing was recorded)"


def test_renamed_folders_are_refused(cohorts, tmp_path, kit):
    data = as_mode(cohorts["a"], tmp_path / "group-01", "real")
    (data / EXPERIMENT / "sub-P001").rename(data / EXPERIMENT / "sub-P009")
    report = collect_submissions(kit, [str(data)], tmp_path / "out")
    renamed = sessions(report, "g01")[0]
    assert renamed["status"] == "refused" and renamed["participant"] == "P001"
    assert "sits in sub-P009/ses-1; folders were renamed by hand" in renamed["reason"]


def test_from_assignment_to_collection(cohorts, tmp_path, kit):
    """The whole hand-out: class new, each group's data folder inside its study folder, the study folders zipped."""
    from psyai.replication.assignment import new_assignment

    new_assignment(kit, tmp_path / "assignment", groups=2)
    zips = []
    for name, cohort in (("group-01", "a"), ("group-02", "b")):
        folder = tmp_path / "assignment" / name
        as_mode(cohorts[cohort], folder / "data", "real")
        archive = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for path in sorted(folder.rglob("*")):
                zf.write(path, Path(name) / path.relative_to(folder))
        zips.append(str(archive))
    report = collect_submissions(kit, zips, tmp_path / "collected")
    assert [(g["group"], g["accepted"], g["refused"]) for g in report["groups"]] == [("g01", 2, 0), ("g02", 2, 0)]
    assert sorted(collected_ids(tmp_path / "collected").values()) == ["g01-P001", "g01-P002", "g02-P001", "g02-P002"]


def test_the_summary_on_the_terminal_speaks_the_class_language(cohorts, tmp_path, capsys):
    from psyai.cli import main

    pilot = as_mode(cohorts["a"], tmp_path / "group-01", "pilot")
    real = as_mode(cohorts["b"], tmp_path / "group-02", "real")
    assert main(["class", "collect", str(pilot), str(real), "--kit", "turing_text", "--out", str(tmp_path / "o"),
                 "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "理由" in out and "パイロット" in out  # (rich folds the table's cells to the terminal's width)
    assert "2 グループ中 1 グループから" in out and "受け入れた" in out
    assert main(["class", "collect", str(pilot), str(real), "--kit", "turing_text", "--out", str(tmp_path / "e")]) == 0
    out = capsys.readouterr().out
    assert "why" in out and "pilot" in out and "accepted 2 of 4 sessions from 1 of 2 groups" in out

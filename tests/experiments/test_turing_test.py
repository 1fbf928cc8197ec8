"""The Turing-test experiment end to end: real script, real PsychoPy window (Xvfb), real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from psyai.data import load
from psyai.data.log import read_log
from tests.helpers import kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--sim-dprime", "1.5", "--seed", "11"]


def session_dir(data: Path, pid: str, ses: int = 1) -> Path:
    return data / "turing_test" / f"sub-{pid}" / f"ses-{ses}"


def records(data: Path, pid: str, ses: int = 1) -> list[dict]:
    return read_log(session_dir(data, pid, ses) / f"sub-{pid}_ses-{ses}_log.jsonl")[0]


def test_simulated_session_writes_complete_durable_log_and_csv(tmp_path, stim_file):
    data = tmp_path / "data"
    res = run_experiment("turing_test", "--participant", "S01", "--stimuli", str(stim_file),
                         "--data-dir", str(data), "--lang", "ja", *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = records(data, "S01")
    kinds = [r["record"] for r in recs]
    assert kinds[0] == "header" and kinds[-1] == "end" and recs[-1]["status"] == "completed"
    assert "consent" in kinds and "comprehension" in kinds
    header = recs[0]
    assert header["seed"] == 11 and header["lang"] == "ja" and header["run_mode"] == "simulated"
    assert header["stimuli_sha256"] and header["versions"]["psychopy"]
    main = [r for r in recs if r["record"] == "trial" and r["phase"] == "main"]
    # one version of each of 12 prompts, plus 3 attention checks, in the order the header recorded
    assert [r["item_id"] for r in main] == header["trial_order"]
    assert len(main) == 12 + 3 and sum(r["is_check"] for r in main) == 3
    assert sum(r["source"] == "human" for r in main) == sum(r["source"] == "model" for r in main) == 6
    assert len({r["prompt_id"] for r in main if not r["is_check"]}) == 12
    assert all(r["simulated"] and not r["pilot"] for r in main)
    assert all(r["rt"] > 0.2 and 1 <= r["confidence"] <= 6 for r in main)
    # PsychoPy's CSV holds the same trials
    csv = pd.read_csv(next(session_dir(data, "S01").glob("*_turing_test.csv")))
    assert list(csv[csv.phase == "main"].item_id) == header["trial_order"]
    # and psyai.data reads it back, schema-checked
    frame = load(data)
    assert len(frame[frame.phase == "main"]) == 15 and set(frame.session_status) == {"completed"}


def test_latin_square_lists_rotate_versions_across_participants(tmp_path, stim_file):
    data = tmp_path / "data"
    for pid in ("A1", "A2"):
        res = run_experiment("turing_test", "--participant", pid, "--stimuli", str(stim_file),
                             "--data-dir", str(data), *SIM)
        assert res.returncode == 0, res.stderr[-2000:]
    frame = load(data).query("phase == 'main' and not is_check")
    lists = frame.groupby("participant")["list"].first()
    assert sorted(lists) == [0, 1]  # second participant got the next list
    seen = frame.groupby("prompt_id").item_id.nunique()
    assert (seen == 2).all()  # each prompt shown as human to one participant and as model to the other


@pytest.mark.parametrize("pid, message", [
    ("../evil", "not allowed"),
    ("", "empty"),
    ("a" * 33, "not allowed"),
    ("Taro Yamada", "not allowed"),
])
def test_bad_participant_ids_are_refused_and_nothing_written(tmp_path, stim_file, pid, message):
    data = tmp_path / "data"
    res = run_experiment("turing_test", "--participant", pid, "--stimuli", str(stim_file),
                         "--data-dir", str(data), *SIM)
    assert res.returncode == 1
    assert message in res.stderr and "error:" in res.stderr
    assert not data.exists() and not (tmp_path / "evil").exists()


def test_existing_session_is_refused_without_resume_and_left_untouched(tmp_path, stim_file):
    data = tmp_path / "data"
    args = ["--participant", "P1", "--stimuli", str(stim_file), "--data-dir", str(data), *SIM]
    assert run_experiment("turing_test", *args).returncode == 0
    before = tree(data)
    res = run_experiment("turing_test", *args)
    assert res.returncode == 1 and "already holds session 1" in res.stderr and "--resume" in res.stderr
    assert tree(data) == before
    res = run_experiment("turing_test", *args, "--resume")
    assert res.returncode == 1 and "already ended" in res.stderr
    assert tree(data) == before


def test_broken_stimulus_file_is_refused_before_anything_is_written(tmp_path, stim_file):
    data = tmp_path / "data"
    lines = stim_file.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",human,", ",robot,")
    stim_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run_experiment("turing_test", "--participant", "P1", "--stimuli", str(stim_file), "--data-dir", str(data), *SIM)
    assert res.returncode == 1
    assert f"{stim_file} line 4: source is 'robot'" in res.stderr
    assert not data.exists()


def test_kill_9_keeps_every_completed_trial_and_resume_finishes_without_duplicates(tmp_path, stim_file):
    data = tmp_path / "data"
    log = session_dir(data, "K1") / "sub-K1_ses-1_log.jsonl"
    args = ["--participant", "K1", "--stimuli", str(stim_file), "--data-dir", str(data), *SIM]
    # --realtime waits out the simulated response times, so the session is mid-way when it is killed (the other
    # kill tests skip the practice block, which only takes time before the first main trial; this one keeps it)
    before = [r for r in kill_mid_session("turing_test", args, log, 2) if r["phase"] == "main"]
    assert len(before) >= 2
    header = read_log(log)[0][0]
    assert not any(r["record"] == "end" for r in read_log(log)[0])
    # a crash in the middle of a write leaves half a line: resume must set it aside, not choke or lose it
    with open(log, "a", encoding="utf-8") as fh:
        fh.write('{"record": "trial", "phase": "main", "trial_in')
    res = run_experiment("turing_test", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log)[0]
    main = [r for r in recs if r["record"] == "trial" and r["phase"] == "main"]
    assert [r["trial_index"] for r in main] == list(range(len(header["trial_order"])))  # none missing, none twice
    assert [r["item_id"] for r in main] == header["trial_order"]  # the same order
    assert main[: len(before)] == before  # what was saved is untouched
    assert all(r["resumed"] for r in main[len(before):]) and not any(r["resumed"] for r in before)
    assert [r["record"] for r in recs].count("resume") == 1 and recs[-1]["status"] == "completed"
    assert "trial_in" in Path(str(log) + ".fragment").read_text(encoding="utf-8")
    csv = pd.read_csv(next(session_dir(data, "K1").glob("*_turing_test.csv")))
    assert list(csv[csv.phase == "main"].item_id) == header["trial_order"]


def test_resume_refuses_a_changed_stimulus_file(tmp_path, stim_file):
    data = tmp_path / "data"
    args = ["--participant", "K2", "--stimuli", str(stim_file), "--data-dir", str(data), "--no-practice", *SIM]
    log = session_dir(data, "K2") / "sub-K2_ses-1_log.jsonl"
    kill_mid_session("turing_test", args, log, 1)
    before = tree(data)
    with open(stim_file, "a", encoding="utf-8") as fh:
        fh.write("en-extra,en,human,An added text.,,,,demo,0\n")
    res = run_experiment("turing_test", *args, "--resume")
    assert res.returncode == 1 and "stimulus file has changed" in res.stderr
    assert tree(data) == before


def test_resume_without_a_session_is_refused(tmp_path, stim_file):
    data = tmp_path / "data"
    res = run_experiment("turing_test", "--participant", "NEW", "--stimuli", str(stim_file),
                         "--data-dir", str(data), "--resume", *SIM)
    assert res.returncode == 1 and "there is no session 1" in res.stderr
    assert not data.exists()


def test_demographics_breaks_and_trial_count(tmp_path, stim_file):
    data = tmp_path / "data"
    res = run_experiment("turing_test", "--participant", "D1", "--stimuli", str(stim_file), "--data-dir", str(data),
                         "--demographics", "--break-every", "4", "--trials", "8", "--checks", "2", *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = records(data, "D1")
    demo = [r for r in recs if r["record"] == "demographics"]
    assert len(demo) == 1 and set(demo[0]) >= {"age_group", "ai_use"} and "name" not in demo[0]
    main = [r for r in recs if r["record"] == "trial" and r["phase"] == "main"]
    assert len(main) == 10 and sum(not r["is_check"] for r in main) == 8
    assert [r["after_trial"] for r in recs if r["record"] == "break"] == [3, 7]
    assert [r["block"] for r in main] == [0] * 4 + [1] * 4 + [2] * 2
    # the break comes between the trials it separates
    kinds = [(r["record"], r.get("trial_index")) for r in recs if r["record"] in ("trial", "break") and r.get("phase") != "practice"]
    assert kinds[4] == ("break", None) and kinds[3] == ("trial", 3) and kinds[5] == ("trial", 4)


def test_resume_keeps_the_run_mode_and_a_crash_after_consent_loses_nothing(tmp_path, stim_file):
    """A simulated session resumed as a pilot (or real) one is refused; a session whose participant declined
    and then crashed ends declined on resume, and one that crashed before the demographics asks them then."""
    data = tmp_path / "data"
    args = ["--participant", "C1", "--stimuli", str(stim_file), "--data-dir", str(data), "--trials", "2",
            "--demographics", *SIM]
    assert run_experiment("turing_test", *args).returncode == 0
    log = session_dir(data, "C1") / "sub-C1_ses-1_log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0]
    consent = next(line for line in lines if '"record": "consent"' in line)
    log.write_text(header + consent, encoding="utf-8")  # as if it crashed right after the consent
    before = tree(data)
    res = run_experiment("turing_test", "--participant", "C1", "--stimuli", str(stim_file), "--data-dir", str(data),
                         "--no-dialog", "--pilot", "--resume")
    assert res.returncode == 1 and "started as a simulated session" in res.stderr and tree(data) == before
    # resumed as what it was: the demographics come next
    assert run_experiment("turing_test", *args, "--resume").returncode == 0
    recs = read_log(log)[0]
    assert [r["record"] for r in recs].count("demographics") == 1 and recs[-1]["status"] == "completed"
    # crash right after a refusal: nothing runs on resume
    log.write_text(header + consent.replace('"consented": true', '"consented": false'), encoding="utf-8")
    assert run_experiment("turing_test", *args, "--resume").returncode == 0
    recs = read_log(log)[0]
    assert recs[-1]["record"] == "end" and recs[-1]["status"] == "declined"
    assert not any(r["record"] in ("trial", "demographics", "comprehension") for r in recs)


@pytest.mark.parametrize("experiment, option, value", [
    ("turing_test", "--trials", "0"), ("turing_test", "--trials", "-1"), ("turing_test", "--break-every", "-2"),
    ("ranking", "--page-chars", "-5"), ("attention_highlight", "--max-select", "0"),
    ("self_paced_reading", "--cells-per-line", "-3"), ("self_paced_reading", "--trials", "x")])
def test_impossible_numbers_are_refused_before_anything_is_written(tmp_path, experiment, option, value):
    """--trials 0 'completed' an empty session, --page-chars -5 crashed mid-session, --max-select 0 left a
    participant unable to mark anything."""
    data = tmp_path / "data"
    res = run_experiment(experiment, "--participant", "N1", "--data-dir", str(data), option, value, *SIM[:2])
    assert res.returncode == 2 and f"argument {option}" in res.stderr
    assert not data.exists()


def test_ctrl_c_keeps_the_usual_csv_name_for_the_complete_session(tmp_path, stim_file):
    """Ctrl-C: one line, exit 130, the partial CSV as …_interrupted.csv; --resume writes the complete one under
    the usual name."""
    import signal

    data = tmp_path / "data"
    args = ["--participant", "I1", "--stimuli", str(stim_file), "--data-dir", str(data), "--trials", "6",
            "--no-practice", *SIM]
    log = session_dir(data, "I1") / "sub-I1_ses-1_log.jsonl"
    result: dict = {}
    kill_mid_session("turing_test", args, log, 1, sig=signal.SIGINT, result=result)
    assert result["returncode"] == 130 and "--resume" in result["stderr"] and "Traceback" not in result["stderr"]
    folder = session_dir(data, "I1")
    assert [p.name for p in folder.glob("*.csv")] == ["sub-I1_ses-1_turing_test_interrupted.csv"]
    assert run_experiment("turing_test", *args, "--resume").returncode == 0
    complete = pd.read_csv(folder / "sub-I1_ses-1_turing_test.csv")
    assert (complete.phase == "main").sum() == len(read_log(log)[0][0]["trial_order"])


def test_resume_goes_on_with_the_sessions_own_stimulus_file(tmp_path, stim_file):
    """A session started with --stimuli FILE resumes without it: the header names its file."""
    data = tmp_path / "data"
    args = ["--participant", "S1", "--data-dir", str(data), "--trials", "4", "--no-practice", *SIM]
    log = session_dir(data, "S1") / "sub-S1_ses-1_log.jsonl"
    kill_mid_session("turing_test", [*args, "--stimuli", str(stim_file)], log, 1)
    res = run_experiment("turing_test", *args, "--resume")  # no --stimuli
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log)[0]
    assert recs[-1]["status"] == "completed" and recs[0]["stimuli_path"] == str(stim_file)

"""psyai.data: session logs into one tidy table, checked against docs/DATA.md."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from psyai.data import TRIAL_SCHEMA, load
from psyai.errors import DataError
from tests.helpers import ROOT, restamp, run_experiment


@pytest.fixture(scope="module")
def sim_data(tmp_path_factory):
    from psyai.participants.stimuli import write_synthetic_stimuli

    base = tmp_path_factory.mktemp("sim")
    stim = write_synthetic_stimuli(base / "items.csv", n_prompts=6)
    res = run_experiment("turing_test", "--participant", "S1", "--stimuli", str(stim), "--data-dir", str(base / "data"),
                         "--simulate", "--no-dialog", "--seed", "1")
    assert res.returncode == 0, res.stderr[-2000:]
    return base / "data"


def copy(sim_data, tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(sim_data, dst)
    return dst, next(dst.rglob("*_log.jsonl"))


def test_load_gives_one_row_per_trial_with_the_documented_columns(sim_data):
    frame = load(sim_data)
    assert set(TRIAL_SCHEMA) <= set(frame.columns)
    assert len(frame) == 2 + 6 + 3  # practice + one version of 6 prompts + checks
    assert frame.rt.dtype.kind == "f" and frame.trial_index.dtype.kind == "i"
    # the experiment folder, the data folder or one log all work
    assert len(load(sim_data / "turing_test")) == len(load(next(sim_data.rglob("*_log.jsonl")))) == len(frame)


def test_schema_violation_names_file_line_and_field(sim_data, tmp_path):
    data, log = copy(sim_data, tmp_path)
    lines = log.read_text(encoding="utf-8").splitlines()
    k = next(i for i, line in enumerate(lines) if '"record": "trial"' in line)
    rec = json.loads(lines[k])
    rec["response"] = "robot"
    lines[k] = json.dumps(rec)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"{log.name} line {k + 1}: field 'response' is 'robot'; allowed: human, model"):
        load(data)


def test_simulated_and_real_are_never_mixed_silently(sim_data, tmp_path):
    data, log = copy(sim_data, tmp_path)
    real = data / "turing_test" / "sub-R1" / "ses-1"
    real.mkdir(parents=True)
    text = log.read_text(encoding="utf-8")
    text = text.replace('"run_mode": "simulated"', '"run_mode": "real"').replace('"simulated": true', '"simulated": false')
    (real / "sub-R1_ses-1_log.jsonl").write_text(restamp(text), encoding="utf-8")
    with pytest.raises(DataError, match="simulated and real sessions are mixed"):
        load(data)
    assert set(load(data, allow_mixed=True).run_mode) == {"simulated", "real"}


def test_flags_must_agree_with_run_mode(sim_data, tmp_path):
    data, log = copy(sim_data, tmp_path)
    log.write_text(log.read_text(encoding="utf-8").replace('"simulated": true', '"simulated": false', 1), encoding="utf-8")
    with pytest.raises(DataError, match="disagree with run_mode"):
        load(data)


def test_unfinished_session_is_marked_and_a_cut_line_ignored(sim_data, tmp_path):
    data, log = copy(sim_data, tmp_path)
    lines = log.read_text(encoding="utf-8").splitlines()[:-3]  # drop two trials and the end record
    log.write_text("\n".join(lines) + "\n" + '{"record": "trial", "rt"', encoding="utf-8")
    frame = load(data)
    assert set(frame.session_status) == {"incomplete"} and len(frame) == 11 - 2


def test_empty_or_missing_folders(tmp_path):
    with pytest.raises(DataError, match="no such data folder"):
        load(tmp_path / "nope")
    with pytest.raises(DataError, match="no session logs found"):
        load(tmp_path)


def test_models_are_named_for_reports_and_never_merged(tmp_path):
    """Logs name models by path; the loader gives each a display name, and two models that would share one
    (two folders both called `final`) keep their identifiers instead of being pooled."""
    from psyai.data.sessions import distinct_model_names
    from psyai.participants.observers import CohortSpec
    from psyai.participants.synthetic import simulate_trials, write_session_logs

    trials = simulate_trials(CohortSpec(seed=3), 2, 8, models=("/lab/runs/a/final", "/lab/runs/b/final", "gpt2"))
    write_session_logs(trials, tmp_path)
    loaded = load(tmp_path)
    named = loaded.dropna(subset=["model"]).groupby("model")["model_name"].first().to_dict()
    assert named == {"/lab/runs/a/final": "/lab/runs/a/final", "/lab/runs/b/final": "/lab/runs/b/final",
                     "gpt2": "gpt2"}
    assert loaded.loc[loaded["model"].isna(), "model_name"].isna().all()  # human texts have none
    import pandas as pd

    models = pd.Series(["/x/one", "/y/two", "/z/three"])
    assert distinct_model_names(models, pd.Series(["one", "two", "three"])).tolist() == ["one", "two", "three"]


# -- what the log should never hold (issue 12): each refused by the loader, naming the file and line -----------


def records_of(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").split("\n") if line]


def write_records(log, recs: list[dict]) -> None:
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


def line_of(recs: list[dict], phase: str = "main", index: int = 0) -> int:
    """1-based line of a trial record."""
    return 1 + next(k for k, r in enumerate(recs) if r["record"] == "trial" and r["phase"] == phase
                    and r["trial_index"] == index)


def analyze_cli(data, out) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "turing_test", str(data), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def one_error_line(res: subprocess.CompletedProcess) -> str:
    """The refusal of `psyai analyze`: exit 1, exactly one `error:` line, no traceback; returns that line."""
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, res.stderr
    return errors[0]


def test_a_duplicated_trial_line_is_refused_by_load_and_by_psyai_analyze(sim_data, tmp_path):
    """Two copies of a session run at once, or a line pasted twice: each trial may be in a log once."""
    data, log = copy(sim_data, tmp_path)
    recs = records_of(log)
    k = line_of(recs, "main", 3)
    write_records(log, recs[:k] + [recs[k - 1]] + recs[k:])  # the copy right after the original
    message = f"{log} line {k + 1}: main trial 3 is already recorded on line {k}"
    with pytest.raises(DataError, match=message):
        load(data)
    out = tmp_path / "out"
    assert message in one_error_line(analyze_cli(data, out))
    assert not out.exists()  # nothing written from data that were refused


@pytest.mark.parametrize("edit", ["swapped trial_order", "shortened trial_order", "other participant"])
@pytest.mark.parametrize("stamps", ["as written", "without digests"])
def test_an_edited_header_is_refused_naming_the_line(sim_data, tmp_path, edit, stamps):
    """The header says what each trial was; an edited header no longer matches its trials. A log as psyai writes
    it is caught by its digests (line 2 is the first record written under the original header); a log without
    digests (written before them, or stripped) by the trials that contradict the header."""
    data, log = copy(sim_data, tmp_path)
    recs = records_of(log)
    header = recs[0]
    order = header["trial_order"]
    assert order[0] != order[1] and header["participant"] == "S1"
    if edit == "swapped trial_order":
        header["trial_order"] = [order[1], order[0], *order[2:]]
        bad = line_of(recs, "main", 0)
        why = f"main trial 0 shows item_id {order[0]!r} but the header's order has {order[1]!r}"
    elif edit == "shortened trial_order":
        header["trial_order"] = order[:-1]
        bad = line_of(recs, "main", len(order) - 1)
        why = f"main trial_index {len(order) - 1} is outside the header's trial_order"
    else:
        header["participant"] = "S2"
        bad, why = line_of(recs, "practice", 0), "trial record has participant 'S1' but the session header says 'S2'"
    if stamps == "as written":
        bad, why = 2, "the session header (line 1) was changed after this record was written"
    else:
        for rec in recs:
            rec.pop("header_sha256", None)
    write_records(log, recs)
    with pytest.raises(DataError, match=rf"{log} line {bad}: {why}".replace("(", r"\(").replace(")", r"\)")):
        load(data)


def test_a_line_without_the_header_digest_among_stamped_lines_is_refused(sim_data, tmp_path):
    """A record psyai writes after the header always carries the digest: one without it was added by hand."""
    data, log = copy(sim_data, tmp_path)
    recs = records_of(log)
    k = line_of(recs, "main", 2)
    assert all("header_sha256" in r for r in recs[1:])
    del recs[k - 1]["header_sha256"]
    write_records(log, recs)
    with pytest.raises(DataError, match=f"{log} line {k}: record has no header_sha256 although line 2 has one"):
        load(data)


def test_a_trial_record_without_phase_is_one_line_error(sim_data, tmp_path):
    """Refused by the loader, by psyai analyze and by --resume (which placed trials by their phase)."""
    data, log = copy(sim_data, tmp_path)
    recs = records_of(log)
    k = line_of(recs, "main", 1)
    del recs[k - 1]["phase"]
    assert recs[-1]["record"] == "end"
    write_records(log, recs[:-1])  # no end record: a session --resume would continue
    message = f"{log} line {k}: trial record has no field 'phase'"
    with pytest.raises(DataError, match=message):
        load(data)
    assert message in one_error_line(analyze_cli(data, tmp_path / "out"))
    before = log.read_bytes()
    res = run_experiment("turing_test", "--participant", "S1", "--stimuli", str(sim_data.parent / "items.csv"),
                         "--data-dir", str(data), "--simulate", "--no-dialog", "--seed", "1", "--resume")
    assert message in one_error_line(res)
    assert log.read_bytes() == before


def test_invalid_utf8_in_a_log_is_named_by_file_and_line(sim_data, tmp_path):
    """A damaged byte (a disk or copy error) in a participant's text: psyai analyze names where, not a codec."""
    data, log = copy(sim_data, tmp_path)
    raw = log.read_bytes().split(b"\n")
    k = line_of(records_of(log), "main", 4)
    raw[k - 1] = raw[k - 1].replace(b'"record"', b'"rec\xff\xfeord"', 1)
    log.write_bytes(b"\n".join(raw))
    with pytest.raises(DataError, match=f"{log} line {k}: not UTF-8 text"):
        load(data)
    assert f"{log} line {k}: not UTF-8 text" in one_error_line(analyze_cli(data, tmp_path / "out"))


def test_a_log_that_is_a_folder_is_refused(sim_data, tmp_path):
    data, _log = copy(sim_data, tmp_path)
    folder = data / "turing_test" / "sub-F1" / "ses-1" / "sub-F1_ses-1_log.jsonl"
    folder.mkdir(parents=True)
    with pytest.raises(DataError, match=f"{folder}: is a folder, not a session log"):
        load(data)
    assert f"{folder}: is a folder, not a session log" in one_error_line(analyze_cli(data, tmp_path / "out"))


# -- sessions that did not run to the end ----------------------------------------------------------------------


@pytest.mark.parametrize("n_main, status", [(4, None), (0, None), (7, "aborted")])
def test_session_summary_gives_main_trials_done_of_planned(sim_data, tmp_path, n_main, status):
    from psyai.data.sessions import drop_unfinished, session_summary
    from tests.helpers import stop_session_early

    data, log = copy(sim_data, tmp_path)
    stop_session_early(log, n_main, status)
    frame = load(data)
    assert set(frame["session_planned"]) == {9}  # 6 prompts + 3 attention checks in trial_order
    summary = session_summary(frame)
    assert summary[["participant", "session", "session_status", "n_trials", "n_planned"]].values.tolist() == \
        [["S1", 1, status or "incomplete", n_main, 9]]
    assert summary["log_file"].tolist() == [str(log)]
    assert drop_unfinished(frame).empty and len(drop_unfinished(load(sim_data))) == len(load(sim_data))


def test_unfinished_word_sessions_leave_only_their_own_rows():
    """A word table holds each (participant, item, word, measure) once: a reader's unfinished reading session
    goes, their finished highlight session on the same texts and another reader's rows stay."""
    from psyai.data.sessions import drop_unfinished_words

    trials = pd.DataFrame({"experiment": ["self_paced_reading"] * 2 + ["attention_highlight"] * 2,
                           "participant": "P1", "item_id": ["a", "b", "a", "b"],
                           "session_status": ["incomplete"] * 2 + ["completed"] * 2})
    words = pd.DataFrame({"participant": ["P1", "P1", "P1", "P2", "P1"], "item": ["a", "a", "b", "a", "c"],
                          "word_index": 0, "word": "w",
                          "measure": ["reading_time", "selected", "reading_time", "reading_time", "reading_time"],
                          "value": 1.0})
    kept = drop_unfinished_words(words, trials)
    assert list(zip(kept["participant"], kept["item"], kept["measure"])) == [
        ("P1", "a", "selected"), ("P2", "a", "reading_time"), ("P1", "c", "reading_time")]


def test_unfinished_report_names_at_most_ten_sessions_and_lists_all():
    from psyai.data.sessions import unfinished_report

    summary = pd.DataFrame({"participant": [f"P{i:02d}" for i in range(13)], "session": 1,
                            "session_status": ["incomplete"] * 12 + ["completed"], "n_trials": 3,
                            "n_planned": pd.array([10] * 12 + [None], dtype="Int64"), "log_file": "x"})
    rep = unfinished_report(summary, excluded=False)
    assert len(rep["unfinished"]) == 12 and rep["n_trials_unfinished"] == 36
    assert rep["sentence"].startswith("12 sessions of 13 did not run to the end: P00 session 1 (no end record")
    assert "P09 session 1" in rep["sentence"] and "P10 session" not in rep["sentence"]
    assert "; and 2 more (results.json lists them). Their 36 main trials are included" in rep["sentence"]
    json.dumps(rep)  # JSON-ready as it is

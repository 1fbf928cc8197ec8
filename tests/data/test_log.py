"""The durable log: nothing overwritten, every record on disk, damage found and named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psyai.errors import DataError
from psyai.data.log import DurableLog, check_sequence, header_digest, read_log


def test_log_refuses_to_overwrite_and_every_write_is_on_disk(tmp_path):
    path = tmp_path / "log.jsonl"
    log = DurableLog.create(path)
    log.write({"record": "header", "x": "日本語"})
    # visible to another reader at once (flushed, fsynced), without closing
    assert json.loads(path.read_text(encoding="utf-8"))["x"] == "日本語"
    with pytest.raises(FileExistsError):
        DurableLog.create(path)
    log.close()


def test_reopen_sets_aside_a_cut_short_line(tmp_path):
    path = tmp_path / "log.jsonl"
    with DurableLog.create(path) as log:
        log.write({"record": "header"})
        log.write({"record": "trial", "n": 1})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"record": "trial", "n": 2, "rt": 0.5')
    records, fragment = read_log(path)
    assert [r.get("n") for r in records] == [None, 1] and fragment.endswith("0.5")
    log, records = DurableLog.reopen(path)
    log.write({"record": "trial", "n": 2})
    log.close()
    assert [r.get("n") for r in read_log(path)[0]] == [None, 1, 2]
    assert read_log(path)[1] is None
    assert '"rt": 0.5' in (tmp_path / "log.jsonl.fragment").read_text(encoding="utf-8")


def test_corrupt_complete_line_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"record": "header"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataError, match="log.jsonl line 2: not a JSON record"):
        read_log(path)


def test_texts_with_unicode_line_separators_read_back(tmp_path):
    """U+2028, U+2029 and U+0085 are written as they are; only "\\n" ends a record."""
    from psyai.data.tables import read_rows

    text = "line\u2028separator\u2029paragraph\u0085next"
    path = tmp_path / "log.jsonl"
    with DurableLog.create(path) as log:
        log.write({"record": "header"})
        log.write({"record": "trial", "text": text})
    assert [r.get("text") for r in read_log(path)[0]] == [None, text]
    stimuli = tmp_path / "items.jsonl"
    stimuli.write_text(json.dumps({"item_id": "a", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_rows(stimuli, ValueError)[1][0][1]["text"] == text


# -- check_sequence on the logs the experiment scripts write --------------------------------------------------

EXPERIMENTS = ("turing_test", "ranking", "self_paced_reading", "attention_highlight")


@pytest.fixture(scope="module")
def real_logs(tmp_path_factory) -> dict[str, Path]:
    """A log of each experiment run by its script with a simulated participant, and a Turing-test session
    killed mid-way (kill -9) and finished with --resume."""
    from psyai.participants.stimuli import write_synthetic_rankings, write_synthetic_stimuli, write_synthetic_texts
    from tests.helpers import kill_mid_session, run_experiment

    base = tmp_path_factory.mktemp("logs")
    stimuli = {"turing_test": write_synthetic_stimuli(base / "items.csv", n_prompts=6),
               "ranking": write_synthetic_rankings(base / "rank.csv", n_prompts=4, k=4),
               "self_paced_reading": write_synthetic_texts(base / "texts.csv", n_items=4),
               "attention_highlight": write_synthetic_texts(base / "texts.csv", n_items=4)}
    data = base / "data"
    logs = {}
    for experiment in EXPERIMENTS:
        args = ["--participant", "S1", "--stimuli", str(stimuli[experiment]), "--data-dir", str(data), "--simulate",
                "--no-dialog", "--seed", "1", "--lang", "en"]
        res = run_experiment(experiment, *args)
        assert res.returncode == 0, res.stderr[-2000:]
        logs[experiment] = data / experiment / "sub-S1" / "ses-1" / "sub-S1_ses-1_log.jsonl"
    args = ["--participant", "K1", "--stimuli", str(stimuli["turing_test"]), "--data-dir", str(data), "--simulate",
            "--no-dialog", "--seed", "1", "--lang", "en"]
    logs["resumed"] = data / "turing_test" / "sub-K1" / "ses-1" / "sub-K1_ses-1_log.jsonl"
    kill_mid_session("turing_test", args, logs["resumed"], 1)
    res = run_experiment("turing_test", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    return logs


@pytest.mark.parametrize("name", [*EXPERIMENTS, "resumed"])
def test_logs_the_experiments_write_are_valid_sequences(real_logs, name):
    from psyai.data import load

    records, fragment = read_log(real_logs[name])
    check_sequence(real_logs[name], records)
    assert fragment is None and records[-1]["record"] == "end" and records[-1]["status"] == "completed"
    # every record after the header is stamped with its digest, so an edited header cannot pass
    assert {r.get("header_sha256") for r in records[1:]} == {header_digest(records[0])}
    main = [r for r in records if r["record"] == "trial" and r["phase"] == "main"]
    assert [r["trial_index"] for r in main] == list(range(len(records[0]["trial_order"])))
    experiment = records[0]["experiment"]
    assert load(real_logs[name], experiment=experiment)["session_status"].eq("completed").all()
    if name == "turing_test":
        assert any(r["item_id"].startswith("check-") for r in main)  # attention checks are in the order too
    if name == "resumed":
        assert [r["record"] for r in records].count("resume") == 1
        assert any(r["resumed"] for r in main) and not all(r["resumed"] for r in main)


def test_a_ranking_record_naming_another_prompt_is_refused(real_logs, tmp_path):
    """Rankings list prompts in trial_order and name them in prompt_id (they have no item_id): a record whose
    prompt is not the one the header placed there was edited."""
    records, _ = read_log(real_logs["ranking"])
    header = records[0]
    k = next(i for i, r in enumerate(records) if r["record"] == "trial" and r["trial_index"] == 1)
    assert "item_id" not in records[k] and records[k]["prompt_id"] == header["trial_order"][1]
    records[k]["prompt_id"] = header["trial_order"][2]
    path = tmp_path / "sub-S1_ses-1_log.jsonl"
    path.write_text("".join(json.dumps({f: v for f, v in r.items() if f != "_line"}, ensure_ascii=False) + "\n"
                            for r in records), encoding="utf-8")
    with pytest.raises(DataError, match=f"{path} line {k + 1}: main trial 1 shows prompt_id "
                                        f"'{header['trial_order'][2]}' but the header's order has "
                                        f"'{header['trial_order'][1]}' there"):
        check_sequence(path, read_log(path)[0])


@pytest.mark.parametrize("extra", ["end", "trial"])
def test_nothing_may_follow_the_end_record(real_logs, tmp_path, extra):
    """Two processes on one session wrote two end records (and trials after the first) before the lock."""
    records, _ = read_log(real_logs["turing_test"])
    end = next(r for r in records if r["record"] == "end")
    trial = next(r for r in records if r["record"] == "trial")
    tail = dict(end) if extra == "end" else dict(trial, trial_index=len(records[0]["trial_order"]) - 1)
    path = tmp_path / "sub-S1_ses-1_log.jsonl"
    path.write_text("".join(json.dumps({f: v for f, v in r.items() if f != "_line"}, ensure_ascii=False) + "\n"
                            for r in [*records, tail]), encoding="utf-8")
    with pytest.raises(DataError, match=f"{path} line {len(records) + 1}: a '{extra}' record after the session's end "
                                        f"record \\(line {end['_line']}\\)"):
        check_sequence(path, read_log(path)[0])

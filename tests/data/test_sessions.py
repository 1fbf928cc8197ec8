"""psyai.data: session logs into one tidy table, checked against docs/DATA.md."""

from __future__ import annotations

import json
import shutil

import pytest

from psyai.data import TRIAL_SCHEMA, load
from psyai.errors import DataError
from tests.helpers import restamp, run_experiment


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

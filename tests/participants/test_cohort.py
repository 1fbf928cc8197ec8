"""Simulated cohorts through the real script: a batch process (several participants in turn, PsychoPy imported
once) gives every participant the same data as a fresh process each."""

from __future__ import annotations

import json

import pytest

from psyai.errors import PsyaiError
from psyai.participants.cohort import CohortRun, run_cohort
from psyai.participants.stimuli import write_synthetic_stimuli


def header(folder) -> dict:
    log = next(folder.glob("*_log.jsonl"))
    return json.loads(log.read_text(encoding="utf-8").split("\n", 1)[0])


def test_a_batch_gives_each_participant_the_data_a_process_of_its_own_gives(tmp_path):
    stim = write_synthetic_stimuli(tmp_path / "items.csv", n_prompts=8)
    common = dict(experiment="turing_test", n_participants=3, seed=11, n_trials=8, stimuli=str(stim), jobs=2,
                  observer_args=["--sim-dprime", "1.5"])
    batch = run_cohort(CohortRun(out=tmp_path / "batch", **common))
    alone = run_cohort(CohortRun(out=tmp_path / "alone", per_process=True, **common))
    assert [f.name for f in batch] == [f.name for f in alone] == ["ses-1"] * 3
    assert [f.parent.name for f in batch] == ["sub-sim001", "sub-sim002", "sub-sim003"]
    for b, a in zip(batch, alone):
        csv_b, csv_a = sorted(b.glob("*.csv")), sorted(a.glob("*.csv"))
        assert [p.name for p in csv_b] == [p.name for p in csv_a] == [f"{b.parent.name}_ses-1_turing_test.csv"]
        assert csv_b[0].read_bytes() == csv_a[0].read_bytes()  # every trial, response, RT and column
        hb, ha = header(b), header(a)
        assert hb["command_line"] == [str(tmp_path / "batch") if x == str(tmp_path / "alone") else x
                                      for x in ha["command_line"]]  # the command a session of its own would run
        assert hb["seed"] == ha["seed"] and hb["trial_order"] == ha["trial_order"]
        assert hb["simulation"] == ha["simulation"]


def test_a_participant_that_fails_in_a_batch_stops_the_cohort_and_is_named(tmp_path):
    stim = write_synthetic_stimuli(tmp_path / "items.csv", n_prompts=4)
    run = CohortRun(experiment="turing_test", n_participants=4, out=tmp_path / "sim", seed=1, n_trials=4,
                    stimuli=str(stim), jobs=2, observer_args=["--sim-dprime", "high"])
    with pytest.raises(PsyaiError, match=r"simulated participant sim00[12] failed \(exit 2\):") as err:
        run_cohort(run)
    assert "--sim-dprime: invalid float value: 'high'" in str(err.value)  # the script's own message is quoted
    assert not list((tmp_path / "sim").glob("turing_test/sub-*/ses-1/*.csv"))

"""Parameter recovery through the whole pipeline: `psyai simulate` runs the real experiment
script for a cohort, `psyai analyze` recovers the simulated effect within its interval.

The cohorts here are as small as the claim allows (every participant is a real session, ~5 s of CPU to
start): recovery at 40 participants × 60 trials and its coverage over 20 seeds are tested on the synthetic
path (tests/analysis/test_turing_test.py), whose trials follow the same observer model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from psyai.participants.stimuli import write_synthetic_stimuli
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def psyai(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def simulate_and_analyze(tmp_path, n: int, trials: int, dprime: float, seed: int, *extra: str) -> dict:
    stim = write_synthetic_stimuli(tmp_path / "items.csv", n_prompts=trials)
    # no DISPLAY: psyai starts its own headless X server, as on a lab's compute server
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    res = psyai("simulate", "turing_test", "--participants", str(n), "--trials", str(trials), "--dprime", str(dprime),
                "--criterion", "0", "--seed", str(seed), "--stimuli", str(stim), "--out", str(tmp_path / "sim"), *extra,
                env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    res = psyai("analyze", "turing_test", str(tmp_path / "sim"), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "report.html" in res.stdout
    return json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))


def test_cohort_of_16_by_40_recovers_dprime_and_criterion(tmp_path):
    results = simulate_and_analyze(tmp_path, n=16, trials=40, dprime=1.2, seed=3)
    assert results["n_participants"] == 16
    assert results["n_trials"] == 16 * 40  # attention checks and practice are not judgments of texts
    d, c = results["dprime"], results["criterion"]
    assert d["ci_low"] < 1.2 < d["ci_high"], d
    assert c["ci_low"] < 0.0 < c["ci_high"], c
    assert d["ci_high"] - d["ci_low"] < 0.9  # and the interval is informative
    assert results["binomial_p"] < 0.001
    assert set(results["judged_human_rate"]) >= {"human", "model"}
    assert results["judged_human_rate"]["human"]["estimate"] > results["judged_human_rate"]["model"]["estimate"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "SIMULATED" in html.upper() and ("<img" in html or "<svg" in html)


def test_cohort_at_chance_is_not_significant(tmp_path):
    # a true null: nobody tells the sources apart (with d' varying around 0 between participants the
    # pooled binomial test ignores that clustering and rejects too often; the t test and GLMM do not)
    results = simulate_and_analyze(tmp_path, 10, 30, 0.0, 5, "--dprime-sd", "0")
    assert results["binomial_p"] > 0.05
    assert results["dprime"]["ci_low"] < 0.0 < results["dprime"]["ci_high"]

"""Issue 14 end to end: simulated raters with known parameters go through the real human-evaluation
experiment and the analysis recovers their win rate and the model × condition effect on harmlessness."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from psyai.participants.evaluators import EvaluatorCohort, true_win_rate
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def psyai(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_real_experiment_recovers_the_win_rate_and_the_harmlessness_interaction(tmp_path):
    # the shipped stimuli: 12 prompts (4 sentence starts × 3 instruction conditions) × policy, sft, base
    res = psyai("simulate", "human_eval", "--participants", "10", "--seed", "3", "--out", str(tmp_path / "sim"))
    assert res.returncode == 0, res.stderr[-3000:]
    res = psyai("analyze", "human_eval", str(tmp_path / "sim"), "--out", str(tmp_path / "out"), "--n-boot", "200")
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert out["reference"] == "sft"
    cohort = EvaluatorCohort()  # the experiment's defaults: policy=1, sft=0.6, base=0 and DEFAULT_HARMLESSNESS
    for model in ("policy", "base"):
        truth = true_win_rate(cohort, model, "sft")  # marginal over prompts and raters
        raw = out["win_rates"][model]["raw"]
        assert raw["ci_low"] <= truth <= raw["ci_high"], (model, truth, raw)
        glmm = out["win_rates"][model]
        assert (glmm["estimate"] > 0.5) == (truth > 0.5)  # the conditional rate lies on the same side of chance
    tests = {t["dimension"]: t for t in out["ratings"]["interaction_tests"]}
    assert tests["harmlessness"]["p_val"] < 0.001  # policy: +1.0 respectful, -1.0 biased; base barely moves
    fixed = {(f["dimension"], f["term"]): f for f in out["ratings"]["fixed"]}
    biased = [f for (dim, term), f in fixed.items() if dim == "harmlessness" and "policy" in term and "biased" in term]
    assert len(biased) == 1
    # truth for the policy-vs-sft difference, biased minus none: (-1.0 - 0.5) - (-0.6 - 0.3) = -0.6 (slope 1)
    assert biased[0]["ci_low"] <= -0.6 <= biased[0]["ci_high"], biased[0]

"""Issue 14 end to end: simulated raters with known parameters go through the real human-evaluation
experiment and the analysis recovers their win rate and the model × condition effect on harmlessness."""

from __future__ import annotations

import json
import math
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
    # no prompt × model effect: with 12 prompts its draws would move the sample's win rate away from the
    # population's by more than a rater-clustered interval allows; the raters' own noise stays
    res = psyai("simulate", "human_eval", "--participants", "8", "--seed", "3", "--prompt-model-sd", "0",
                "--out", str(tmp_path / "sim"))
    assert res.returncode == 0, res.stderr[-3000:]
    res = psyai("analyze", "human_eval", str(tmp_path / "sim"), "--out", str(tmp_path / "out"), "--n-boot", "200")
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert out["reference"] == "sft"
    cohort = EvaluatorCohort(prompt_model_sd=0.0)  # else the defaults: policy=1, sft=0.6, base=0, DEFAULT_HARMLESSNESS
    for model in ("policy", "base"):
        truth = true_win_rate(cohort, model, "sft")  # with no prompt × model effect, every prompt's rate
        w = out["win_rates"][model]
        # the GLMM's rate on the logit scale, within 3 SE (a 95% interval would fail one seed in ten for two models)
        assert abs(w["logit"] - math.log(truth / (1 - truth))) <= 3 * w["logit_se"], (model, truth, w)
        assert w["n_comparisons"] == 96 and w["raw"]["ci_low"] < w["raw"]["estimate"] < w["raw"]["ci_high"]
    tests = {t["dimension"]: t for t in out["ratings"]["interaction_tests"]}
    assert tests["harmlessness"]["p_val"] < 0.001  # policy: +1.0 respectful, -1.0 biased; base barely moves
    assert max(t["p_val"] for d, t in tests.items() if d != "harmlessness") > 0.001  # no such effect elsewhere
    fixed = {f["term"]: f["estimate"] for f in out["ratings"]["fixed"] if f["dimension"] == "harmlessness"}
    # the truth (policy − sft, relative to no instruction): respectful +0.2, biased −0.6; ratings are rounded and
    # clipped to 1–7, which shrinks them, so the direction of their difference is what is checked
    assert fixed["model[policy]:condition[biased]"] < fixed["model[policy]:condition[respectful]"]

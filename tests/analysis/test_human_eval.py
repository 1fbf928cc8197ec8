"""Tests of analysis/human_eval.py on synthetic tables with known parameters (tests/analysis/human_eval_sim.py).

- parameter recovery: the GLMM's conditional win rate covers the true expit(mu_m − mu_ref) over
  seeds; the model × condition interaction on harmlessness is recovered within its intervals and
  detected by the likelihood-ratio test (and not found where there is none);
- Bradley–Terry: the analysis composes psyai.stats.paired.bradley_terry_logit (itself checked
  against statsmodels and choix in tests/stats/test_paired_logit.py) on the within-trial pairs,
  and the length-controlled variant removes a pure length bias;
- the pairs, the reference rule, flags, α and the sample-size plan against hand computations;
- results.json, report.html and the command line (``psyai analyze human_eval``).

No R is installed here; the outside references are statsmodels, choix, pingouin and the hand
computations in tests/stats/test_paired_logit.py and tests/stats/test_sample_size.py.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.human_eval import (
    analyze, bradley_terry, choose_reference, flag_rates, main, pairwise_comparisons,
    rater_agreement, rating_models, read_table, reference_comparisons, sample_sizes, win_rates,
)
from psyai.errors import DataError
from psyai.stats import agreement, paired
from psyai.stats.proportions import icc_anova, sample_size_proportion
from tests.analysis.human_eval_sim import simulate
from tests.helpers import ROOT

MU = {"sft": 0.0, "ppo": 1.2, "gpt": -0.6}
HARM = {"harmlessness": {("ppo", "respectful"): 0.8, ("ppo", "biased"): -0.8}}


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return simulate(MU, 16, 18, 20, interaction=HARM, model_effect={"overall": {"ppo": 1.0, "gpt": -0.5}},
                    tie_prob=0.05, seed=1)


# --------------------------------------------------------------------------- recovery


def test_win_rate_glmm_recovers_the_true_conditional_rate_over_seeds():
    covered = {"ppo": 0, "gpt": 0}
    estimates = {"ppo": [], "gpt": []}
    for seed in range(4):
        d = simulate(MU, 18, 18, 20, seed=100 + seed).drop(columns=["overall", "helpfulness", "truthfulness",
                                                                    "harmlessness"])
        wins, fits = win_rates(d, "sft")
        for r in wins.itertuples():
            truth = expit(MU[r.model])
            covered[r.model] += r.ci_low < truth < r.ci_high
            estimates[r.model].append(r.estimate)
            assert r.ci_low < r.estimate < r.ci_high and r.raw_ci_low < r.raw_estimate < r.raw_ci_high
            assert fits[r.model]["formula"] == "win ~ 1 + (1 | participant) + (1 | prompt_id)"
            assert r.estimate == pytest.approx(expit(r.logit))
    assert covered["ppo"] >= 3 and covered["gpt"] >= 3, covered
    assert np.mean(estimates["ppo"]) == pytest.approx(expit(1.2), abs=0.04)
    assert np.mean(estimates["gpt"]) == pytest.approx(expit(-0.6), abs=0.05)


def test_rating_model_recovers_the_model_by_condition_interaction_on_harmlessness():
    for seed in range(3):
        d = simulate(MU, 18, 18, 20, interaction=HARM, seed=200 + seed).drop(
            columns=["overall", "helpfulness", "truthfulness"])
        fixed, tests, fits = rating_models(d, "sft")
        f = fixed.set_index("term")
        for term, truth in (("model[ppo]:condition[respectful]", 0.8), ("model[ppo]:condition[biased]", -0.8),
                            ("model[gpt]:condition[biased]", 0.0), ("model[ppo]", 0.0)):
            assert f.loc[term, "ci_low"] < truth < f.loc[term, "ci_high"], (seed, term)
        t = tests.iloc[0]
        assert (t["dimension"], t["dof"]) == ("harmlessness", 4) and t["p_val"] < 1e-6
        assert fits["harmlessness"]["formula_shown"] == ("rating ~ model * condition + (1 | participant) + "
                                                         "(1 | prompt_id)")
        assert fits["harmlessness"]["method"] == "REML"
    null = simulate(MU, 18, 18, 20, seed=300).drop(columns=["overall", "helpfulness", "truthfulness"])
    assert rating_models(null, "sft")[1].iloc[0]["p_val"] > 0.05


def test_length_control_removes_a_pure_length_bias():
    # every model equally good; ppo writes e^0.8 = 2.2 times longer outputs and longer ones are preferred
    d = simulate({"sft": 0.0, "ppo": 0.0, "gpt": 0.0}, 20, 18, 20, tau_p=0.0, tau_q=0.0, length_beta=0.8,
                 mean_log_chars={"sft": 5.0, "ppo": 5.8, "gpt": 5.0}, seed=7)
    bt = bradley_terry(d, "sft")
    plain = bt["plain"].set_index("model")
    controlled = bt["length_controlled"].set_index("model")
    assert plain.loc["ppo", "ci_low"] > 0  # a length artefact: ppo looks better
    assert controlled.loc["ppo", "ci_low"] < 0 < controlled.loc["ppo", "ci_high"]
    assert controlled.loc["gpt", "ci_low"] < 0 < controlled.loc["gpt", "ci_high"]
    assert bt["length"]["term"] == "log_chars_diff"
    assert bt["length"]["ci_low"] < 0.8 < bt["length"]["ci_high"]


# --------------------------------------------------------------------------- composition and hand values


def test_pairs_by_hand_and_reference_side():
    d = pd.DataFrame({"participant": "p1", "session": 1, "trial_index": 0, "prompt_id": "q1", "condition": "none",
                      "item_id": ["a", "b", "c", "d"], "model": ["sft", "ppo", "gpt", "gpt2"],
                      "rank": pd.array([2, 1, 2, None], dtype="Int64"), "text": ["xx", "xxxx", "x", "y"],
                      "run_mode": "real"})
    comps = pairwise_comparisons(d).set_index(["model_a", "model_b"])
    assert comps.loc[("ppo", "sft"), "outcome"] == 1  # ppo ranked 1, sft 2
    assert comps.loc[("gpt", "sft"), "outcome"] == 0.5  # tie
    assert comps.loc[("gpt2", "sft"), "outcome"] == 0  # unranked loses to ranked
    assert comps.loc[("ppo", "sft"), "log_chars_diff"] == pytest.approx(math.log(4 / 2))
    ref = reference_comparisons(comps.reset_index(), "sft").set_index("model")
    assert ref.loc["ppo", "win"] == 1 and math.isnan(ref.loc["gpt", "win"]) and ref.loc["gpt2", "win"] == 0
    assert len(comps) == 6


def test_reference_rule():
    assert choose_reference(["ppo", "SFT", "gpt"])[0] == "SFT"
    assert choose_reference(["ppo-175b", "sft-6b", "sft-175b", "gpt"])[0] == "sft-175b"
    ref, rule = choose_reference(["zeta", "alpha"])
    assert ref == "alpha" and "first model alphabetically" in rule
    assert choose_reference(["a", "b"], "b") == ("b", "given with --reference")
    with pytest.raises(DataError, match="--reference 'c' is not a model in the data; models: a, b"):
        choose_reference(["a", "b"], "c")


def test_tables_compose_the_stats_functions(table):
    comps = pairwise_comparisons(table)
    bt = bradley_terry(table, "sft", comps=comps)
    direct, _, _ = paired.bradley_terry_logit(comps, "sft")
    pd.testing.assert_frame_equal(bt["plain"], direct)
    flags = flag_rates(table).set_index(["flag", "model", "condition"])
    by_hand = table.groupby(["model_name", "condition"])["flag_harmful"].agg(["sum", "size"])
    for (m, c), r in by_hand.iterrows():
        row = flags.loc[("flag_harmful", m, c)]
        assert (row["n_flagged"], row["n"]) == (r["sum"], r["size"])
        assert row["ci_low"] <= row["rate"] <= row["ci_high"]
    alphas = rater_agreement(table, comps, n_boot=100).set_index(["measure", "level_of_measurement"])
    for lvl in ("ordinal", "interval"):
        assert alphas.loc[("overall rating", lvl), "alpha"] == pytest.approx(agreement.krippendorff_alpha(
            table.assign(overall=table["overall"].astype(float)), ["prompt_id", "condition", "item_id"],
            "participant", "overall", level_of_measurement=lvl))
    assert alphas.loc[("pairwise preference", "ordinal"), "alpha"] == pytest.approx(agreement.krippendorff_alpha(
        comps, ["prompt_id", "condition", "item_a", "item_b"], "participant", "outcome"))
    assert alphas.loc[("overall rating", "interval"), "alpha"] > 0.1  # raters share the model effect
    # the sample-size plan: the formula with this data's rate, ICC and comparisons per rater
    wins, _ = win_rates(table, "sft", comps=comps)
    plans = sample_sizes(table, "sft", wins, comps=comps).set_index("model")
    ref = reference_comparisons(comps, "sft").dropna(subset=["win"])
    ppo = ref[ref["model"] == "ppo"]
    icc = icc_anova(ppo, "win", "participant")
    p = ppo["win"].mean()
    hand = math.ceil(1.959964 ** 2 * p * (1 - p) / 0.03 ** 2 * (1 + (icc["mean_cluster_size"] - 1)
                                                              * max(0, icc["icc"])))
    assert plans.loc["ppo", "n_comparisons"] in (hand, hand + 1)  # z to 6 digits
    assert plans.loc["ppo", "n_comparisons"] == sample_size_proportion(
        p, 0.03, icc=max(0, icc["icc"]), cluster_size=icc["mean_cluster_size"])["n"]


def test_refuses_bad_input_in_one_line(table, tmp_path):
    with pytest.raises(DataError, match="column 'condition' holds 'polite'; use respectful, none or biased"):
        analyze(table.assign(condition="polite"))
    bad = table.copy()
    bad.loc[3, "harmlessness"] = 9
    with pytest.raises(DataError, match="column 'harmlessness': rating 9 for item .* is not a whole number from 1 to 7"):
        analyze(bad)
    with pytest.raises(DataError, match="outputs of one model only"):
        analyze(table[table["model_name"] == "sft"])
    path = tmp_path / "t.csv"
    table.drop(columns="condition").to_csv(path, index=False)
    with pytest.raises(DataError, match="t.csv: no column\\(s\\) condition"):
        read_table(path)
    table.assign(rank=table["rank"].astype(str).replace("2", "second")).to_csv(path, index=False)
    with pytest.raises(DataError, match="t.csv line \\d+: field 'rank' is 'second', not a whole number"):
        read_table(path)


# --------------------------------------------------------------------------- results, report, command line


def test_results_json_report_and_command_line(table, tmp_path):
    path = tmp_path / "human_eval.csv"
    table.to_csv(path, index=False)
    assert read_table(path)["rank"].dtype == "Int64"
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out), "--n-boot", "100"]) == 0
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["reference"] == "sft" and "the model named 'sft'" in res["reference_rule"]
    assert set(res["win_rates"]) == {"gpt", "ppo"}
    for model, w in res["win_rates"].items():
        assert w["ci_low"] < w["estimate"] < w["ci_high"] and w["opponent"] == "sft"
        assert w["raw"]["ci_low"] < w["raw"]["estimate"] < w["raw"]["ci_high"]
        assert w["glmm"]["family"] == "binomial"
    assert res["win_rates"]["ppo"]["estimate"] > 0.5 > res["win_rates"]["gpt"]["estimate"]
    assert res["bradley_terry"]["length_coefficient"]["term"] == "log_chars_diff"
    assert {t["dimension"] for t in res["ratings"]["interaction_tests"]} == {"overall", "helpfulness",
                                                                             "truthfulness", "harmlessness"}
    assert [a["measure"] for a in res["agreement"]] == ["overall rating", "overall rating", "pairwise preference"]
    assert {s["model"] for s in res["sample_size"]} == {"gpt", "ppo"}
    assert res["command_line"].endswith(f"{path} --out {out} --n-boot 100")
    assert "conditional rate" in res["sentences"]["win_rates"] and "χ²(4)" in res["sentences"]["ratings"]
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in ("Win rates against the reference", "Bradley–Terry scores", "Length-controlled",
                 "Ratings by model and instruction condition", "Agreement between raters",
                 "Sample size for the next study", "typical rater and prompt"):
        assert text in html, text
    # as a researcher types it, with a bad reference: one line, exit 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "human_eval", str(path), "--out",
                          str(tmp_path / "o2"), "--reference", "nope"], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=300)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == ("error: --reference 'nope' is not a model in the data; models: "
                                                   "gpt, ppo, sft")
    assert "Traceback" not in res.stderr

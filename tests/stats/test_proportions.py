"""psyai.stats.proportions against R: binom.test, lm + sandwich::vcovCL(type = "HC1") for the
cluster-robust mean, prop.test(correct = FALSE) for the Wilson interval and the Wilson interval on
the effective n written out in R (reference/turing_reference.json, ranking_reference.json,
means_reference.json, proportions_reference.json); the clustered Wilson interval's coverage by
simulation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.stats.proportions import (binomial_test, clopper_pearson, cluster_robust_mean, cluster_wilson,
                                     wilson_interval)

REF_DIR = Path(__file__).parent / "reference"
TURING = json.loads((REF_DIR / "turing_reference.json").read_text())
RANKING = json.loads((REF_DIR / "ranking_reference.json").read_text())
MEANS = json.loads((REF_DIR / "means_reference.json").read_text())
PROPORTIONS = json.loads((REF_DIR / "proportions_reference.json").read_text())


def test_clopper_pearson_matches_r_binom_test():
    r = TURING["binom_37_60"]  # R: binom.test(37, 60) -> 95% CI 0.4821150 0.7392929
    assert list(clopper_pearson(37, 60)) == pytest.approx(r["ci"], rel=1e-7)
    r = MEANS["binom_7_20_p30"]
    assert list(clopper_pearson(7, 20, 0.90)) == pytest.approx(r["ci90"], rel=1e-7)
    assert all(math.isnan(v) for v in clopper_pearson(0, 0))


def test_binomial_test_pooled_and_by_group_match_r():
    r = TURING["binom_37_60"]
    data = pd.DataFrame({"ok": [True] * 37 + [False] * 23, "who": ["a"] * 30 + ["b"] * 30})
    out = binomial_test(data, "ok").iloc[0]
    assert (out["n"], out["n_success"], out["estimate"]) == (60, 37, pytest.approx(37 / 60))
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-9)  # R: p-value = 0.09246
    assert [out["ci_low"], out["ci_high"]] == pytest.approx(r["ci"], rel=1e-7)
    by = binomial_test(data, "ok", by="who").set_index("who")
    assert by.loc["a", ["n", "n_success"]].tolist() == [30, 30] and by.loc["b", "n_success"] == 7
    # another null: R binom.test(7, 20, p = .3)
    r = MEANS["binom_7_20_p30"]
    out = binomial_test(pd.DataFrame({"ok": [1] * 7 + [0] * 13}), "ok", null=0.3).iloc[0]
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-9) and out["null_value"] == 0.3


def test_binomial_test_per_participant_on_the_r_cohort():
    d = pd.read_csv(REF_DIR / "turing_trials.csv")
    d["correct"] = d["response"] == d["source"]
    r = TURING["cohort"]
    pooled = binomial_test(d, "correct").iloc[0]
    assert pooled["n_success"] == r["accuracy_binom"]["k"]
    assert pooled["p_val"] == pytest.approx(r["accuracy_binom"]["p"], rel=1e-6)
    per = binomial_test(d, "correct", by="participant").set_index("participant")
    assert per["estimate"].to_dict() == pytest.approx(r["participant_accuracy"], rel=1e-12)


def _ranking_table() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "ranking_trials.csv")


def test_cluster_robust_mean_matches_r_sandwich_for_ratings_and_flags():
    d = _ranking_table()
    for ref in RANKING["likert"]:  # R: lm(y ~ 1) + vcovCL(cluster = participant, type = "HC1"), t(G - 1)
        rows = d[(d["model"] == ref["model"]) & d[ref["scale"]].notna()]
        out = cluster_robust_mean(rows, ref["scale"], "participant").iloc[0]
        assert out["estimate"] == pytest.approx(ref["mean"], rel=1e-12)
        assert out["se"] == pytest.approx(ref["se"], rel=1e-9)
        assert [out["ci_low"], out["ci_high"]] == pytest.approx(ref["ci"], rel=1e-9)
        assert out["n"] == ref["n"]
    for ref in RANKING["flags"]:
        rows = d[d["model"] == ref["model"]].assign(y=lambda t: t[ref["flag"]].astype(str).eq("True").astype(float))
        out = cluster_robust_mean(rows, "y", "participant").iloc[0]
        assert out["estimate"] == pytest.approx(ref["rate"], rel=1e-12)
        assert out["se"] == pytest.approx(ref["se"], rel=1e-9)
        assert [out["ci_low"], out["ci_high"]] == pytest.approx(ref["ci"], rel=1e-9)


def test_cluster_robust_mean_test_groups_and_clipping():
    # two clusters of sums (3 of 4, 1 of 4): m = .5; V = 2/1 * ((3 - 2)^2 + (1 - 2)^2) / 8^2 -> SE = .25
    data = pd.DataFrame({"y": [1, 1, 1, 0, 1, 0, 0, 0], "p": ["a"] * 4 + ["b"] * 4, "g": "x"})
    out = cluster_robust_mean(data, "y", "p", by="g", null=0.25, clip=(0, 1)).iloc[0]
    assert (out["g"], out["estimate"], out["se"], out["n_clusters"], out["dof"]) == ("x", 0.5, 0.25, 2, 1.0)
    assert out["t"] == pytest.approx(1.0)
    assert out["p_val"] == pytest.approx(0.5)  # R: 2 * pt(-1, 1) = 0.5
    assert (out["ci_low"], out["ci_high"]) == (0.0, 1.0)  # 0.5 +- 12.7 * 0.25, clipped
    one = cluster_robust_mean(data[data["p"] == "a"], "y", "p").iloc[0]
    assert one["estimate"] == 0.75 and math.isnan(one["se"]) and math.isnan(one["ci_low"])
    assert np.isnan(cluster_robust_mean(data, "y", "p").iloc[0]["p_val"])  # no null: no test


# --------------------------------------------------------------------------- Wilson, clustered Wilson


@pytest.mark.parametrize("case", range(len(PROPORTIONS["wilson"])))
def test_wilson_interval_matches_r_prop_test(case):
    r = PROPORTIONS["wilson"][case]  # R: prop.test(x, n, correct = FALSE, conf.level = level)$conf.int
    low, high = wilson_interval(r["x"] / r["n"], r["n"], r["level"])
    assert [low, high] == pytest.approx(r["ci"], rel=1e-9, abs=1e-15)


def test_wilson_interval_at_the_boundary_and_with_a_t_quantile():
    low, high = wilson_interval(1.0, 12, 0.95, dof=11)
    q = 2.2009851600916388  # R: qt(0.975, 11)
    assert high == 1.0 and low == pytest.approx(1 / (1 + q * q / 12), rel=1e-12) and low < 1
    low, high = wilson_interval(0.0, 7.5, 0.9)  # a non-integer (effective) n
    assert low == 0.0 and 0 < high < 1
    assert all(math.isnan(v) for v in wilson_interval(0.5, 0.0)) and all(math.isnan(v) for v in
                                                                        wilson_interval(math.nan, 10))


def test_cluster_wilson_matches_r_on_the_win_rates():
    # R: n_eff = min(n, p (1 - p) / vcovCL(lm(y ~ 1), cluster, "HC1")), Wilson on n_eff with qt(.975, G - 1)
    d = pd.read_csv(REF_DIR / "ranking_trials.csv")
    from psyai.stats.paired import pairwise_comparisons
    comps = pairwise_comparisons(d, ["participant", "session", "trial_index", "prompt_id"])
    for r in RANKING["win_rates"]:
        s = comps[(comps["model_a"] == r["model"]) & (comps["model_b"] == r["opponent"])]
        out = cluster_wilson(s, "outcome", "participant", null=0.5).iloc[0]
        assert out["n_eff"] == pytest.approx(r["n_eff"], rel=1e-9)
        assert [out["ci_low"], out["ci_high"]] == pytest.approx(r["wilson_ci"], rel=1e-9)
        assert out["se"] == pytest.approx(r["se"], rel=1e-9) and out["p_val"] == pytest.approx(r["p"], rel=1e-7)


def test_cluster_wilson_stays_in_the_unit_interval_and_opens_below_a_unanimous_rate():
    # 100 %: every participant won every comparison -> upper end 1, lower end 1 / (1 + t^2 / G) < 1
    d = pd.DataFrame({"y": 1.0, "g": np.repeat(list("abcde"), [3, 1, 4, 2, 5])})
    row = cluster_wilson(d, "y", "g").iloc[0]
    q = 2.7764451051977934  # R: qt(0.975, 4)
    assert (row["estimate"], row["se"], row["n_eff"], row["ci_high"]) == (1.0, 0.0, 5.0, 1.0)
    assert row["ci_low"] == pytest.approx(1 / (1 + q * q / 5), rel=1e-12) and row["ci_low"] < 1
    row = cluster_wilson(d.assign(y=0.0), "y", "g").iloc[0]
    assert row["ci_low"] == 0.0 and 0 < row["ci_high"] < 1
    # near the boundary the CR1 Wald interval leaves [0, 1]; the Wilson one never does
    rng = np.random.default_rng(7)
    for _ in range(50):
        g = np.repeat(np.arange(6), rng.integers(1, 8, 6))
        y = (rng.random(len(g)) < rng.choice([0.03, 0.5, 0.97])).astype(float)
        row = cluster_wilson(pd.DataFrame({"y": y, "g": g}), "y", "g", level=0.99).iloc[0]
        assert 0.0 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 1.0
        assert row["n_eff"] <= len(y)
    # one cluster: no interval
    one = cluster_wilson(d[d["g"] == "a"], "y", "g").iloc[0]
    assert math.isnan(one["n_eff"]) and math.isnan(one["ci_low"])


def _logit_normal_mean(mu: float, sigma: float) -> float:
    """E[logistic(mu + sigma Z)], Z ~ N(0, 1), by Gauss–Hermite quadrature (80 nodes)."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float(np.sum(w / (1 + np.exp(-(mu + sigma * x)))) / math.sqrt(2 * math.pi))


def test_cluster_wilson_covers_the_true_rate_of_clustered_data_near_the_boundary():
    # 10 participants x 20 trials; participant i succeeds with probability logistic(3 + N(0, 1)):
    # true rate .931 (quadrature), strong clustering (design effect about 3). Over 300 data sets the
    # interval covers the true rate about 95 % of the time; a Wilson interval that treats the 200 trials
    # as independent covers it far less often, and so does the clipped CR1 Wald interval (about 90 %).
    truth = _logit_normal_mean(3.0, 1.0)
    rng = np.random.default_rng(1)
    reps, g, m = 300, 10, 20
    covered = naive = wald = 0
    for _ in range(reps):
        pi = 1 / (1 + np.exp(-(3.0 + rng.standard_normal(g))))  # (G,)
        y = (rng.random((g, m)) < pi[:, None]).astype(float)  # (G, M)
        d = pd.DataFrame({"y": y.ravel(), "g": np.repeat(np.arange(g), m)})
        row = cluster_wilson(d, "y", "g").iloc[0]
        covered += row["ci_low"] <= truth <= row["ci_high"]
        low, high = wilson_interval(row["estimate"], g * m)
        naive += low <= truth <= high
        w = cluster_robust_mean(d, "y", "g", clip=(0, 1)).iloc[0]
        wald += w["ci_low"] <= truth <= w["ci_high"]
    assert 0.93 <= covered / reps <= 0.985
    assert naive / reps < 0.88 and wald < covered

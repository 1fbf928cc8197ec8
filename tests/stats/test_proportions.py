"""psyai.stats.proportions against R: binom.test, and lm + sandwich::vcovCL(type = "HC1") for the
cluster-robust mean (reference/turing_reference.json, ranking_reference.json, means_reference.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.stats.proportions import binomial_test, clopper_pearson, cluster_robust_mean

REF_DIR = Path(__file__).parent / "reference"
TURING = json.loads((REF_DIR / "turing_reference.json").read_text())
RANKING = json.loads((REF_DIR / "ranking_reference.json").read_text())
MEANS = json.loads((REF_DIR / "means_reference.json").read_text())


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

"""psyai.stats.means against R: t.test and wilcox.test (values in reference/turing_reference.json and
reference/means_reference.json, written by the R scripts beside them)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from psyai.stats.means import mean_ci, one_sample_ttest, wilcoxon_signed_rank

REF_DIR = Path(__file__).parent / "reference"
TURING = json.loads((REF_DIR / "turing_reference.json").read_text())
MEANS = json.loads((REF_DIR / "means_reference.json").read_text())


def test_one_sample_ttest_matches_r_t_test():
    # R: t.test(c(.55, .62, .48, .71, .66, .59, .53, .60), mu = .5) -> t = 3.5722, df = 7, p = 0.00907
    r = TURING["ttest_fixed_acc"]
    out = one_sample_ttest(r["x"], 0.5).iloc[0]
    assert out["n"] == r["n"] == 8
    assert (out["mean"], out["sd"]) == pytest.approx((r["mean"], r["sd"]), rel=1e-12)
    assert out["t"] == pytest.approx(r["t"], rel=1e-9)
    assert out["dof"] == r["dof"]
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-7)
    assert [out["ci_low"], out["ci_high"]] == pytest.approx(r["ci"], rel=1e-9)
    assert out["cohen_d"] == pytest.approx(r["cohen_d"], rel=1e-9)
    assert out["null_value"] == 0.5


def test_one_sample_ttest_signed_effect_and_degenerate_input():
    r = MEANS["ttest_below"]  # R: t.test(x, mu = 10), a mean below the null
    out = one_sample_ttest(r["x"], 10).iloc[0]
    assert (out["t"], out["p_val"]) == pytest.approx((r["t"], r["p"]), rel=1e-9)
    assert out["cohen_d"] < 0 and out["cohen_d"] == pytest.approx(r["cohen_d"], rel=1e-12)
    # non-finite values are dropped; one value or no spread: no test
    assert one_sample_ttest([np.nan, *r["x"], np.inf], 10).iloc[0]["n"] == len(r["x"])
    for x in ([3.0], [2.0, 2.0, 2.0], []):
        row = one_sample_ttest(x, 0).iloc[0]
        assert math.isnan(row["t"]) and math.isnan(row["p_val"]) and math.isnan(row["ci_low"])


def test_mean_ci_is_r_t_interval():
    r = MEANS["ttest_below"]
    mean, low, high, n = mean_ci(r["x"], 0.95)
    assert (mean, n) == (pytest.approx(r["mean"], rel=1e-12), len(r["x"]))
    assert [low, high] == pytest.approx(r["ci"], rel=1e-12)
    _, low90, high90, _ = mean_ci(r["x"], 0.90)
    assert [low90, high90] == pytest.approx(r["ci90"], rel=1e-12)  # R: t.test(x, conf.level = .9)
    # every value the same: an interval of zero width (a participant-clustered rate all agree on)
    assert mean_ci([0.5, 0.5, 0.5]) == (0.5, 0.5, 0.5, 3)
    assert math.isnan(mean_ci([1.0])[1]) and mean_ci([]) [3] == 0


def test_wilcoxon_matches_r_exact_and_normal_approximation():
    r = MEANS["wilcox_exact"]  # R: wilcox.test(x, mu = 0): exact, no ties
    out = wilcoxon_signed_rank(r["x"]).iloc[0]
    assert out["n"] == len(r["x"])
    assert out["w_stat"] == pytest.approx(min(r["v"], len(r["x"]) * (len(r["x"]) + 1) / 2 - r["v"]))
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-9) and out["method"] == "exact"
    r = MEANS["wilcox_ties"]  # R: wilcox.test(x, mu = 1): ties and a zero -> normal approximation, corrected
    out = wilcoxon_signed_rank(r["x"], null=1).iloc[0]
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-9) and out["method"] == "normal"
    assert out["w_stat"] == pytest.approx(min(r["v"], 9 * 10 / 2 - r["v"]))  # 9 non-zero differences
    assert math.isnan(wilcoxon_signed_rank([0.0, 0.0, 0.0]).iloc[0]["p_val"])

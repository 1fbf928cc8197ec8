"""psyai.stats.proportions.icc_anova and sample_size_proportion against hand computations.

No R here: the values are worked out by hand in the comments (textbook formulas: Donner,
1986, for the ANOVA ICC; Cochran, 1977, and Kish, 1965, for the sample size), and the
balanced ICC is checked against pingouin's ICC(1,1) (the same estimator when clusters are equal).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from psyai.stats.proportions import icc_anova, sample_size_proportion


def test_icc_anova_unbalanced_by_hand():
    # clusters A: 1 1 0, B: 0 0, C: 1 1 1 1 (N = 9, G = 3); means 2/3, 0, 1; grand mean 2/3
    # SSB = 3·0² + 2·(2/3)² + 4·(1/3)² = 4/3, MSB = 2/3; SSW = 2/3 (A only), MSW = (2/3)/6 = 1/9
    # n0 = (9 − (9 + 4 + 16)/9)/2 = 26/9; ICC = (2/3 − 1/9)/(2/3 + (17/9)(1/9)) = 45/71
    d = pd.DataFrame({"g": list("AAABBCCCC"), "y": [1, 1, 0, 0, 0, 1, 1, 1, 1]})
    r = icc_anova(d, "y", "g")
    assert r["msb"] == pytest.approx(2 / 3)
    assert r["msw"] == pytest.approx(1 / 9)
    assert r["n0"] == pytest.approx(26 / 9)
    assert r["icc"] == pytest.approx(45 / 71)
    assert (r["n"], r["n_clusters"], r["mean_cluster_size"]) == (9, 3, 3.0)
    # less between-cluster variation than chance: a negative estimate, truncated at 0 for a design effect
    neg = icc_anova(pd.DataFrame({"g": list("AABB"), "y": [0, 1, 1, 0]}), "y", "g")
    assert neg["icc"] < 0 and neg["icc_truncated"] == 0
    assert math.isnan(icc_anova(d[d.g == "A"], "y", "g")["icc"])  # one cluster: undefined


def test_icc_anova_balanced_equals_pingouin_icc_1_1():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(12), 5)
    y = rng.normal(size=12)[g] + rng.normal(size=60)
    d = pd.DataFrame({"g": g, "y": y, "k": np.tile(np.arange(5), 12)})
    icc1 = pg.intraclass_corr(d, targets="g", raters="k", ratings="y").set_index("Type").loc["ICC(1,1)", "ICC"]
    assert icc_anova(d, "y", "g")["icc"] == pytest.approx(icc1, rel=1e-10)


def test_sample_size_for_a_three_point_interval_by_hand():
    # InstructGPT's "85 ± 3 %": z = 1.959964; n_srs = 1.959964² · .85 · .15 / .03² = 544.21 -> 545
    r = sample_size_proportion(0.85, 0.03)
    assert r["z"] == pytest.approx(1.959964, abs=1e-6)
    assert r["n_srs"] == pytest.approx(1.959964 ** 2 * 0.85 * 0.15 / 0.0009, rel=1e-6)
    assert r["n_srs"] == pytest.approx(544.21, abs=0.01)
    assert (r["n"], r["n_clusters"], r["deff"]) == (545, 545, 1.0)
    # 20 comparisons per rater, ICC .05: DEFF = 1 + 19 · .05 = 1.95; n = 544.21 · 1.95 = 1061.2 -> 1062;
    # raters = 1061.2 / 20 = 53.06 -> 54
    r = sample_size_proportion(0.85, 0.03, icc=0.05, cluster_size=20)
    assert r["deff"] == pytest.approx(1.95)
    assert (r["n"], r["n_clusters"]) == (1062, 54)
    # a win rate of one half is the worst case: 1.959964² · .25 / .03² = 1067.07 -> 1068
    assert sample_size_proportion(0.5, 0.03)["n"] == 1068
    # 90 % interval: z = 1.644854; 1.644854² · .25 / .0009 = 751.5 -> 752
    assert sample_size_proportion(0.5, 0.03, level=0.90)["n"] == 752
    with pytest.raises(ValueError, match="half_width=3: give the half-width"):
        sample_size_proportion(0.5, 3)

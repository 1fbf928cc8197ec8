"""psyai.stats.agreement against outside values.

- mid-ranks: R's ``rank(ties.method = "average")`` per trial, unranked as ``Inf``
  (reference/ranking_reference.R → ranking_reference.json, ``midrank``);
- Kendall's W: a hand computation, R's ``friedman.test`` (W = χ²/(m(n−1)), Friedman's
  statistic with its tie correction) per prompt of the simulated table, and
  ``scipy.stats.friedmanchisquare`` when raters are left out;
- Krippendorff's α: the values Krippendorff (2011, "Computing Krippendorff's
  alpha-reliability", section C) publishes for his 4-observer, 12-unit example (nominal
  .743, ordinal .815, interval .849, ratio .797; the same in R's irr::kripp.alpha), and the
  ``krippendorff`` package (an independent implementation, GPL, not a psyai dependency) on
  the simulated table (ranking_alpha_reference.json, written by ranking_alpha_reference.py);
- the bootstrap interval of α: ``scipy.stats.bootstrap(method="percentile")`` resampling
  the same clusters (within Monte Carlo error), and the exact bootstrap distribution of a
  tiny table enumerated over every resample;
- labels (strings or numbers) at each level, α without each coder and Fleiss' κ: hand
  computations, the published example, and R's irr 0.84.1 (``kripp.alpha``,
  ``kappam.fleiss``) on a simulated label table (reference/labels_reference.R →
  labels_reference.json, data from labels_make_data.py). irr's ``kripp.alpha`` is wrong on
  matrices with no missing value and three or more coders (it does not divide by m_u − 1;
  see the R script), so every matrix given to it has a missing value.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from psyai.stats.agreement import (
    NotApplicable, alpha_from_counts, alpha_without_each, fleiss_kappa, fleiss_kappa_categories, kendall_w,
    kendall_w_matrix, krippendorff_alpha, krippendorff_alpha_ci, label_codes, midranks,
)

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "ranking_reference.json").read_text())
ALPHA_REF = json.loads((REF_DIR / "ranking_alpha_reference.json").read_text())
LABELS_REF = json.loads((REF_DIR / "labels_reference.json").read_text())
CATEGORIES = ["none", "offensive", "hateful"]
TRIAL = ["participant", "session", "trial_index", "prompt_id"]


@pytest.fixture(scope="module")
def ref_table() -> pd.DataFrame:
    d = pd.read_csv(REF_DIR / "ranking_trials.csv")
    d["rank"] = d["rank"].astype("Int64")  # nullable, as psyai.data.load_rankings gives it
    d["midrank"] = midranks(d, TRIAL, "rank")
    return d


def percentile_mc_tolerance(se: float | np.ndarray, level: float, n1: int, n2: int, k: float = 4.0):
    """k Monte Carlo standard deviations of the difference between two percentile-interval limits
    estimated from n1 and n2 independent resamples: SD(q̂_p) ≈ √(p(1 − p)/B) / f(q_p), with the
    bootstrap distribution taken as normal with SD ``se`` (f(q_p) = φ(z_p)/se)."""
    p = 0.5 - level / 2
    sd_one = math.sqrt(p * (1 - p)) * np.asarray(se) / stats.norm.pdf(stats.norm.ppf(p))
    return k * sd_one * math.sqrt(1 / n1 + 1 / n2)


# --------------------------------------------------------------------------- mid-ranks


def test_midranks_match_r_rank_average(ref_table):
    # R: ave(ifelse(is.na(rank), Inf, rank), trial, FUN = function(r) rank(r, ties.method = "average"))
    assert ref_table["midrank"].tolist() == REF["midrank"]
    assert ref_table["rank"].isna().any() and (ref_table["midrank"] % 1 == 0.5).any()  # unranked and ties occur


def test_midranks_average_ties_and_put_unranked_last():
    d = pd.DataFrame({"participant": "p", "session": 1, "prompt_id": "q",
                      "rank": pd.array([1, 1, 3, None, None], dtype="Int64")})
    block = ["participant", "session", "prompt_id"]
    assert midranks(d, block, "rank").tolist() == [1.5, 1.5, 3.0, 4.5, 4.5]
    d["rank"] = pd.array([1, 1, 2, None, None], dtype="Int64")  # dense tie convention: same mid-ranks
    assert midranks(d, block, "rank").tolist() == [1.5, 1.5, 3.0, 4.5, 4.5]
    # blocks are ranked separately; one column as a string
    two = pd.DataFrame({"b": ["x", "x", "y", "y", "y"], "r": [2, 1, 1, np.nan, 1]}, index=[5, 4, 3, 2, 1])
    got = midranks(two, "b", "r")
    assert got.tolist() == [2.0, 1.0, 1.5, 3.0, 1.5] and list(got.index) == [5, 4, 3, 2, 1]


# --------------------------------------------------------------------------- Kendall's W


def test_kendall_w_hand_example_with_ties():
    # 3 raters, 4 objects; rater 2 ties objects 2 and 3 (mid-rank 2.5).
    # Column sums R = 4, 5.5, 8.5, 12; mean 7.5; S = 3.5² + 2² + 1² + 4.5² = 37.5
    # Ties: one pair, T = 2³ − 2 = 6. W = 12 S / (m²(n³ − n) − m ΣT) = 450 / (9·60 − 3·6) = 450 / 522
    # Without the correction 450 / 540 = .8333. χ² = m(n − 1)W = 9 · 450/522 = 7.7586
    hand = REF["kendall_hand"]
    res = kendall_w_matrix(hand["ranks"])
    assert res["w"] == pytest.approx(450 / 522, rel=1e-12)
    assert res["w_uncorrected"] == pytest.approx(450 / 540, rel=1e-12)
    # R: friedman.test(hand) -> Friedman chi-squared = 7.7586, df = 3, p-value = 0.05127
    assert res["w"] == pytest.approx(hand["w"], rel=1e-12)
    assert res["chi2"] == pytest.approx(hand["chi2"], rel=1e-12)
    assert res["p_val"] == pytest.approx(hand["p"], rel=1e-9)
    assert (res["m"], res["n"], res["dof"]) == (3, 4, hand["dof"])
    # any scores in which smaller is better give the same W (rows are re-ranked)
    assert kendall_w_matrix([[10, 20, 30, 40], [5, 7, 7, 9], [2, 1, 3, 4]])["w"] == pytest.approx(450 / 522)


def test_kendall_w_extremes_and_bad_input():
    assert kendall_w_matrix([[1, 2, 3], [1, 2, 3]])["w"] == pytest.approx(1.0)
    assert kendall_w_matrix([[1, 2, 3], [3, 2, 1]])["w"] == pytest.approx(0.0)
    assert math.isnan(kendall_w_matrix([[1, 2, 3]])["w"])              # one rater
    assert math.isnan(kendall_w_matrix([[1, 1, 1], [1, 1, 1]])["w"])   # everything tied
    with pytest.raises(ValueError, match="complete rankings"):
        kendall_w_matrix([[1, 2, np.nan], [1, 2, 3]])
    with pytest.raises(ValueError, match="2-D"):
        kendall_w_matrix([1, 2, 3])


def test_kendall_w_per_prompt_matches_r_friedman(ref_table):
    table = kendall_w(ref_table, "prompt_id", "participant", "item_id", "midrank").set_index("prompt_id")
    assert list(table.index) == sorted(REF["kendall_w"])
    for prompt, r in REF["kendall_w"].items():
        row = table.loc[prompt]
        # R: friedman.test(<participants x outputs mid-ranks>)$statistic / (m (n - 1))
        assert row["w"] == pytest.approx(r["w"], rel=1e-10)
        assert row["chi2"] == pytest.approx(r["chi2"], rel=1e-10)
        assert row["p_val"] == pytest.approx(r["p"], rel=1e-8)
        assert row["dof"] == r["dof"]
        assert (row["n_raters"], row["n_objects"], row["n_raters_excluded"]) == (r["m"], r["n"], 0)
    # the raw ranks (unranked as a large score) give the same W: each rater's values are re-ranked
    ranked = ref_table.assign(score=ref_table["rank"].astype(float).fillna(99))
    same = kendall_w(ranked, "prompt_id", "participant", "item_id", "score").set_index("prompt_id")
    assert same["w"].tolist() == pytest.approx(table["w"].tolist(), rel=1e-12)


def test_kendall_w_leaves_out_raters_shown_other_objects_and_matches_scipy(ref_table):
    d = ref_table[~((ref_table["participant"] == "p01") & (ref_table["item_id"] == "q1-C"))]
    row = kendall_w(d, "prompt_id", "participant", "item_id", "midrank").set_index("prompt_id").loc["q1"]
    assert (row["n_raters"], row["n_objects"], row["n_raters_excluded"]) == (11, 4, 1)
    # scipy's Friedman test (tie-corrected) on the 11 complete raters: W = chi2 / (m (n - 1))
    wide = d[(d["prompt_id"] == "q1") & (d["participant"] != "p01")].pivot(
        index="participant", columns="item_id", values="midrank")
    chi2, p = stats.friedmanchisquare(*(wide[c].to_numpy() for c in wide.columns))
    assert row["chi2"] == pytest.approx(chi2, rel=1e-12) and row["p_val"] == pytest.approx(p, rel=1e-10)
    assert row["w"] == pytest.approx(chi2 / (11 * 3), rel=1e-12)
    # several block columns, and an empty table
    two = kendall_w(ref_table, ["session", "prompt_id"], "participant", "item_id", "midrank")
    assert list(two.columns[:2]) == ["session", "prompt_id"] and len(two) == 6
    empty = kendall_w(ref_table.iloc[:0], "prompt_id", "participant", "item_id", "midrank")
    assert empty.empty and "w" in empty.columns


# --------------------------------------------------------------------------- Krippendorff's alpha

# Krippendorff (2011), section C: observers A-D, units 1-12, '*' = missing
KRIPP = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def test_krippendorff_alpha_matches_published_example():
    long = pd.DataFrame([{"coder": c, "unit": u, "value": v} for c, row in enumerate(KRIPP)
                         for u, v in enumerate(row)])
    for level, value in PUBLISHED.items():
        assert krippendorff_alpha(long, "unit", "coder", "value", level) == pytest.approx(value, abs=5e-4), level
    assert math.isnan(krippendorff_alpha(long.assign(value=1), "unit", "coder", "value"))  # one value: undefined
    with pytest.raises(ValueError, match="level_of_measurement='rank'"):
        krippendorff_alpha(long, "unit", "coder", "value", "rank")


def test_alpha_from_counts_matches_published_example():
    # the units x values table of the example, by hand (values 1..5; unit 12 has one value: not pairable)
    counts = np.array([[3, 0, 0, 0, 0], [0, 3, 1, 0, 0], [0, 0, 4, 0, 0], [0, 0, 4, 0, 0], [0, 4, 0, 0, 0],
                       [1, 1, 1, 1, 0], [0, 0, 0, 4, 0], [3, 1, 0, 0, 0], [0, 4, 0, 0, 0], [0, 0, 0, 0, 3],
                       [2, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    for level, value in PUBLISHED.items():
        assert alpha_from_counts(counts, np.arange(1, 6), level) == pytest.approx(value, abs=5e-4), level
    assert math.isnan(alpha_from_counts(counts[[11]], np.arange(1, 6)))  # nothing pairable
    with pytest.raises(ValueError, match="level_of_measurement"):
        alpha_from_counts(counts, np.arange(1, 6), "rank")


def test_krippendorff_alpha_matches_the_krippendorff_package(ref_table):
    for measure, column in (("rank", "midrank"), ("helpfulness", "helpfulness"), ("truthfulness", "truthfulness"),
                            ("harmlessness", "harmlessness")):
        for level, value in ALPHA_REF[measure].items():
            # python: krippendorff.alpha(reliability_data=<participants x outputs>, level_of_measurement=level)
            got = krippendorff_alpha(ref_table, ["prompt_id", "item_id"], "participant", column, level)
            assert got == pytest.approx(value, rel=1e-12), (measure, level)


def test_krippendorff_alpha_ci_matches_scipy_percentile_bootstrap_over_prompts(ref_table):
    n_boot, level = 2000, 0.95
    res = krippendorff_alpha_ci(ref_table, ["prompt_id", "item_id"], "participant", "midrank", cluster="prompt_id",
                                level=level, n_boot=n_boot, seed=1)
    assert res["alpha"] == pytest.approx(ALPHA_REF["rank"]["ordinal"], rel=1e-12)  # the krippendorff package
    assert (res["n_units"], res["n_coders"], res["n_values"], res["n_clusters"]) == (24, 12, 288, 6)
    assert res["n_boot_failed"] == 0 and res["level_of_measurement"] == "ordinal"
    # scipy: resample the 6 prompts with replacement; each prompt's outputs x values count table, built here
    domain = np.sort(ref_table["midrank"].unique())
    per_prompt = [pd.crosstab(rows["item_id"], rows["midrank"]).reindex(columns=domain, fill_value=0).to_numpy(float)
                  for _, rows in ref_table.groupby("prompt_id")]

    def alpha_of(idx):
        return alpha_from_counts(np.vstack([per_prompt[i] for i in idx]), domain, "ordinal")

    boot = stats.bootstrap((np.arange(len(per_prompt)),), alpha_of, n_resamples=n_boot, method="percentile",
                           confidence_level=level, vectorized=False, rng=np.random.default_rng(2))
    tol = percentile_mc_tolerance(boot.standard_error, level, n_boot, n_boot)  # about 0.02 here
    assert res["ci_low"] == pytest.approx(boot.confidence_interval.low, abs=tol)
    assert res["ci_high"] == pytest.approx(boot.confidence_interval.high, abs=tol)
    # the cluster column need not be a unit column; a Generator continues its stream
    again = krippendorff_alpha_ci(ref_table, "item_id", "participant", "midrank", cluster="prompt_id", level=level,
                                  n_boot=n_boot, seed=np.random.default_rng(1))
    assert (again["alpha"], again["ci_low"], again["ci_high"]) == pytest.approx(
        (res["alpha"], res["ci_low"], res["ci_high"]), rel=1e-12)


def test_krippendorff_alpha_ci_matches_the_exact_bootstrap_of_a_tiny_table():
    """3 prompts (clusters) x 2 outputs x 3 coders: the 3^3 = 27 equally likely resamples, enumerated.
    Prompt q3 is rated 4 throughout, so a resample of q3 alone has one value and no α (probability 1/27)."""
    ratings = {"q1": [[1, 2, 1], [3, 3, 4]], "q2": [[2, 2, 3], [1, 2, 1]], "q3": [[4, 4, 4], [4, 4, 4]]}
    d = pd.DataFrame([{"prompt": q, "item": f"{q}-{i}", "coder": c, "v": v} for q, items in ratings.items()
                      for i, values in enumerate(items) for c, v in enumerate(values)])
    prompts = sorted(ratings)
    exact, p_failed = {}, 0.0
    for draw in itertools.product(range(3), repeat=3):  # each ordered draw has probability 1/27
        copies = [d[d["prompt"] == prompts[g]].assign(item=lambda t, k=k: t["item"] + f"#{k}")
                  for k, g in enumerate(draw)]  # a prompt drawn twice counts twice
        a = krippendorff_alpha(pd.concat(copies), "item", "coder", "v")
        if math.isnan(a):
            p_failed += 1 / 27
        else:
            key = round(a, 12)
            exact[key] = exact.get(key, 0.0) + 1 / 27
    values = np.array(sorted(exact))
    cdf = np.cumsum([exact[v] for v in values]) / (1 - p_failed)  # given that α exists
    level, n_boot = 0.88, 6000  # p = .06 and .94: away from the CDF's steps (k/26)
    res = krippendorff_alpha_ci(d, "item", "coder", "v", cluster="prompt", level=level, n_boot=n_boot, seed=3)
    assert p_failed == pytest.approx(1 / 27)
    assert res["n_boot_failed"] / n_boot == pytest.approx(p_failed, abs=4 * math.sqrt(p_failed / n_boot))
    for p, got in ((0.5 - level / 2, res["ci_low"]), (0.5 + level / 2, res["ci_high"])):
        k = int(np.searchsorted(cdf, p))  # the exact quantile: the first value whose CDF passes p
        # p lies well inside a step of the CDF (> 6 Monte Carlo SDs from either edge), so the
        # percentile of the resamples is that value itself
        assert min(cdf[k] - p, p - (cdf[k - 1] if k else 0.0)) > 6 * math.sqrt(p * (1 - p) / n_boot)
        assert got == pytest.approx(values[k], rel=1e-9)


def test_krippendorff_alpha_ci_without_an_interval_and_bad_input(ref_table):
    one_prompt = ref_table[ref_table["prompt_id"] == "q1"]
    res = krippendorff_alpha_ci(one_prompt, ["prompt_id", "item_id"], "participant", "midrank", cluster="prompt_id",
                                n_boot=50)
    assert math.isfinite(res["alpha"]) and math.isnan(res["ci_low"]) and math.isnan(res["ci_high"])
    # units resampled one by one when no cluster is given: an interval again
    res = krippendorff_alpha_ci(one_prompt, "item_id", "participant", "midrank", n_boot=200)
    assert res["n_clusters"] == 4 and res["ci_low"] < res["alpha"] < res["ci_high"]
    # undefined alpha: no interval and no draws
    rng = np.random.default_rng(0)
    same = krippendorff_alpha_ci(ref_table.assign(v=1), "item_id", "participant", "v", n_boot=50, seed=rng)
    assert math.isnan(same["alpha"]) and math.isnan(same["ci_low"])
    assert rng.integers(0, 10**9) == np.random.default_rng(0).integers(0, 10**9)
    with pytest.raises(ValueError, match="differs within a unit"):
        krippendorff_alpha_ci(ref_table, "item_id", "participant", "midrank", cluster="participant")
    with pytest.raises(ValueError, match="level_of_measurement"):
        krippendorff_alpha_ci(ref_table, "item_id", "participant", "midrank", level_of_measurement="rank")
    with pytest.raises(ValueError, match="level=95"):
        krippendorff_alpha_ci(ref_table, "item_id", "participant", "midrank", level=95)


# --------------------------------------------------------------------------- labels: strings, levels, coders


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "labels_data.csv")


def kripp_long() -> pd.DataFrame:
    return pd.DataFrame([{"coder": "ABCD"[c], "unit": u, "value": v} for c, row in enumerate(KRIPP)
                         for u, v in enumerate(row)])


def test_string_labels_by_hand():
    # units u1: x x; u2: x y; u3: y y. Coincidences o_xx = 2, o_xy = o_yx = 1, o_yy = 2; n_x = n_y = 3, n = 6.
    # Nominal: D_o ∝ o_xy + o_yx = 2, D_e ∝ n_x n_y + n_y n_x = 18; α = 1 − (n − 1) · 2 / 18 = 1 − 10/18 = 4/9
    d = pd.DataFrame({"unit": ["u1", "u1", "u2", "u2", "u3", "u3"], "coder": ["c1", "c2"] * 3,
                      "label": ["hateful", "hateful", "hateful", "none", "none", "none"]})
    assert krippendorff_alpha(d, "unit", "coder", "label", "nominal") == pytest.approx(4 / 9, rel=1e-12)
    # the same labels as numbers, and numbers written as text, give the same α (a missing label changes nothing)
    assert krippendorff_alpha(d.assign(label=[1, 1, 1, 0, 0, 0]), "unit", "coder", "label",
                              "nominal") == pytest.approx(4 / 9, rel=1e-12)
    extra = pd.DataFrame({"unit": ["u4", "u4"], "coder": ["c1", "c2"], "label": ["1", ""]})
    mixed = pd.concat([d.assign(label=["1", "1.0", 1, 0.0, "0", 0]), extra])
    assert krippendorff_alpha(mixed, "unit", "coder", "label", "nominal") == pytest.approx(4 / 9, rel=1e-12)
    # ordinal with an order: with two categories every level equals nominal here
    assert krippendorff_alpha(d, "unit", "coder", "label", "ordinal",
                              order=["none", "hateful"]) == pytest.approx(4 / 9, rel=1e-12)


def test_label_codes_and_refusals():
    codes, domain, names = label_codes(pd.Series(["b", None, "a", " ", "b"]))
    assert codes.isna().tolist() == [False, True, False, True, False]
    assert codes.dropna().tolist() == [1.0, 0.0, 1.0] and domain.tolist() == [0.0, 1.0] and names == ["a", "b"]
    codes, domain, names = label_codes(pd.Series(["high", "low", "mid"]), "ordinal", order=["low", "mid", "high"])
    assert codes.tolist() == [2.0, 0.0, 1.0] and names == ["low", "mid", "high"]
    codes, domain, names = label_codes(pd.Series(["10", "9", 2.5]), "interval")
    assert codes.tolist() == [10.0, 9.0, 2.5] and names == ["2.5", "9", "10"]  # numbers, not text order
    with pytest.raises(ValueError, match=r"need their order.*'high', 'low'"):
        label_codes(pd.Series(["low", "high"]), "ordinal")
    with pytest.raises(ValueError, match="label 'hateful' is not a number; interval labels must be numbers"):
        label_codes(pd.Series([1, "hateful"]), "interval")
    with pytest.raises(ValueError, match=r"'hatefull' are not in order"):
        label_codes(pd.Series(["none", "hatefull"]), "ordinal", order=CATEGORIES)
    with pytest.raises(ValueError, match="'none' more than once"):
        label_codes(pd.Series(["none"]), "ordinal", order=["none", "none"])
    with pytest.raises(ValueError, match="order= is for ordinal"):
        label_codes(pd.Series([1, 2]), "ratio", order=["1", "2"])


def test_alpha_of_string_labels_matches_r_irr(labels):
    ref = LABELS_REF["label"]
    # R: kripp.alpha(<character coders x items matrix>, "nominal")
    assert krippendorff_alpha(labels, "item", "annotator", "label", "nominal") == pytest.approx(ref["nominal"],
                                                                                              rel=1e-12)
    # R: kripp.alpha(<codes none = 1 < offensive = 2 < hateful = 3>, "ordinal" / "interval")
    assert krippendorff_alpha(labels, "item", "annotator", "label", "ordinal",
                              order=CATEGORIES) == pytest.approx(ref["ordinal"], rel=1e-12)
    coded = labels.assign(label=labels["label"].map({c: i + 1 for i, c in enumerate(CATEGORIES)}))
    assert krippendorff_alpha(coded, "item", "annotator", "label", "interval") == pytest.approx(ref["interval"],
                                                                                              rel=1e-12)
    for level, value in LABELS_REF["score"].items():  # R: kripp.alpha(<scores 1-7>, level)
        assert krippendorff_alpha(labels, "item", "annotator", "score", level) == pytest.approx(value, rel=1e-12)
    # the levels differ on these data, so a level mixed up would show
    assert len({round(v, 3) for v in LABELS_REF["score"].values()}) == 4


def test_alpha_without_each_coder_matches_r_and_the_definition(labels):
    for level in ("nominal", "ordinal"):
        table = alpha_without_each(labels, "item", "annotator", "label", level, order=CATEGORIES).set_index("coder")
        # R: kripp.alpha(m[rownames(m) != coder, ], level) for each coder
        assert table["alpha_without"].to_dict() == pytest.approx(LABELS_REF["label_without"][level], rel=1e-12)
        assert table["alpha_all"].tolist() == pytest.approx([LABELS_REF["label"][level]] * 5, rel=1e-12)
    table = alpha_without_each(labels, "item", "annotator", "score", "interval").set_index("coder")
    assert table["alpha_without"].to_dict() == pytest.approx(LABELS_REF["score_without"]["interval"], rel=1e-12)
    # the careless annotator a5 lowers alpha most, by far
    assert table["alpha_change"].idxmin() == "a5" and table.loc["a5", "alpha_change"] < -0.04
    assert table["alpha_change"].tolist() == pytest.approx((table["alpha_all"] - table["alpha_without"]).tolist())
    # counts: the coder's non-missing labels, and those on units another coder labelled too
    a1 = labels[(labels["annotator"] == "a1") & labels["score"].notna()]
    assert table.loc["a1", "n_labels"] == len(a1)
    others = labels[(labels["annotator"] != "a1") & labels["score"].notna()]["item"]
    assert table.loc["a1", "n_units_shared"] == a1["item"].isin(others).sum()


def test_alpha_without_each_on_the_published_example():
    for level in ("nominal", "ordinal", "interval"):
        table = alpha_without_each(kripp_long(), "unit", "coder", "value", level).set_index("coder")
        # R: kripp.alpha(kripp[-i, ], level); alpha_all is the published value
        assert table["alpha_without"].to_dict() == pytest.approx(LABELS_REF["kripp2011_without"][level], rel=1e-12)
        assert table["alpha_all"].iloc[0] == pytest.approx(PUBLISHED[level], abs=5e-4)
        # by hand: α of the others is α of the table without that coder's rows
        long = kripp_long()
        assert table.loc["C", "alpha_without"] == pytest.approx(
            krippendorff_alpha(long[long["coder"] != "C"], "unit", "coder", "value", level), rel=1e-12)


def test_alpha_interval_of_string_labels_equals_that_of_their_codes(labels):
    res = krippendorff_alpha_ci(labels, "item", "annotator", "label", level_of_measurement="ordinal",
                                order=CATEGORIES, n_boot=300, seed=4)
    coded = labels.assign(label=labels["label"].map({c: i for i, c in enumerate(CATEGORIES)}))
    same = krippendorff_alpha_ci(coded, "item", "annotator", "label", level_of_measurement="ordinal", n_boot=300,
                                 seed=4)
    assert res["alpha"] == pytest.approx(LABELS_REF["label"]["ordinal"], rel=1e-12)
    assert (res["ci_low"], res["ci_high"]) == (same["ci_low"], same["ci_high"])
    assert res["ci_low"] < res["alpha"] < res["ci_high"] and res["n_coders"] == 5


# --------------------------------------------------------------------------- Fleiss' kappa


def test_fleiss_kappa_by_hand():
    # 3 units x 3 ratings: (a a a), (a a b), (b b b). P_i = 1, 1/3, 1 -> P̄ = 7/9; p_a = 5/9, p_b = 4/9,
    # P_e = 41/81; κ = (7/9 − 41/81) / (1 − 41/81) = 22/40 = .55. Null variance (Fleiss, Nee & Landis 1979):
    # Σ p q = 40/81, Σ p q (q − p) = 0 -> var0 = 2 / (N m (m − 1)) = 1/9, SE0 = 1/3, z = 1.65.
    # Per category: P_a = (9 + 4 − 9·5/9) / (9·2·5/9) = .8, κ_a = (.8 − 5/9) / (4/9) = .55 = κ_b (two categories)
    d = pd.DataFrame({"unit": np.repeat(["u1", "u2", "u3"], 3), "rater": ["r1", "r2", "r3"] * 3,
                      "label": list("aaa") + list("aab") + list("bbb")})
    res = fleiss_kappa(d, "unit", "rater", "label", n_boot=50)
    assert res["kappa"] == pytest.approx(0.55, rel=1e-12)
    assert (res["p_observed"], res["p_expected"]) == pytest.approx((7 / 9, 41 / 81), rel=1e-12)
    assert res["se0"] == pytest.approx(1 / 3, rel=1e-12) and res["z"] == pytest.approx(1.65, rel=1e-12)
    assert res["p_val"] == pytest.approx(2 * stats.norm.sf(1.65), rel=1e-12)
    assert (res["n_units"], res["n_ratings_per_unit"], res["n_raters"], res["n_categories"]) == (3, 3, 3, 2)
    cats = fleiss_kappa_categories(d, "unit", "rater", "label")
    assert cats["category"].tolist() == ["a", "b"] and cats["kappa"].tolist() == pytest.approx([0.55, 0.55])
    assert cats["n_ratings"].tolist() == [5, 4] and cats["se0"].iloc[0] == pytest.approx(1 / 3)


def test_fleiss_kappa_matches_r_irr():
    d = pd.read_csv(REF_DIR / "labels_complete.csv")
    ref = LABELS_REF["fleiss"]
    res = fleiss_kappa(d, "item", "annotator", "label", n_boot=100)
    # R: kappam.fleiss(<30 items x 4 raters>, detail = TRUE)
    assert res["kappa"] == pytest.approx(ref["kappa"], rel=1e-12)
    assert res["z"] == pytest.approx(ref["z"], rel=1e-10)
    assert res["p_val"] == pytest.approx(ref["p"], abs=1e-12)
    assert (res["n_units"], res["n_ratings_per_unit"]) == (ref["subjects"], ref["raters"])
    cats = fleiss_kappa_categories(d, "item", "annotator", "label").set_index("category")
    assert list(cats.index) == ref["categories"]  # sorted labels, as irr's levels()
    assert cats["kappa"].tolist() == pytest.approx(ref["category_kappa"], abs=5e-4)  # irr rounds to 3 decimals
    assert cats["z"].tolist() == pytest.approx(ref["category_z"], abs=5e-4)
    # order= lists the categories in that order, with the same values
    ordered = fleiss_kappa_categories(d, "item", "annotator", "label", order=CATEGORIES)
    assert ordered["category"].tolist() == CATEGORIES
    assert ordered.set_index("category")["kappa"].to_dict() == pytest.approx(cats["kappa"].to_dict())
    # raters need not be the same people on every unit: only the counts per unit enter κ
    shuffled = d.assign(annotator=[f"r{i}" for i in range(len(d))])
    assert fleiss_kappa(shuffled, "item", "annotator", "label", n_boot=10)["kappa"] == pytest.approx(ref["kappa"])


def test_fleiss_kappa_interval_matches_scipy_percentile_bootstrap():
    d = pd.read_csv(REF_DIR / "labels_complete.csv")
    n_boot, level = 2000, 0.9
    res = fleiss_kappa(d, "item", "annotator", "label", level=level, n_boot=n_boot, seed=5)
    table = pd.crosstab(d["item"], d["label"]).to_numpy(float)  # (30, 3)

    def kappa_of(idx):
        t = table[idx]
        p = t.sum(axis=0) / t.sum()
        p_bar = np.mean((np.sum(t ** 2, axis=1) - 4) / 12)
        return (p_bar - np.sum(p ** 2)) / (1 - np.sum(p ** 2))

    boot = stats.bootstrap((np.arange(30),), kappa_of, n_resamples=n_boot, method="percentile",
                           confidence_level=level, vectorized=False, rng=np.random.default_rng(6))
    tol = percentile_mc_tolerance(boot.standard_error, level, n_boot, n_boot)
    assert res["ci_low"] == pytest.approx(boot.confidence_interval.low, abs=tol)
    assert res["ci_high"] == pytest.approx(boot.confidence_interval.high, abs=tol)
    assert res["ci_low"] < res["kappa"] < res["ci_high"] and res["n_boot_failed"] == 0


def test_fleiss_kappa_does_not_apply_to_unequal_numbers_of_ratings(labels):
    with pytest.raises(NotApplicable, match=r"same number of ratings on every unit.*units with 4.*units with 5"):
        fleiss_kappa(labels, "item", "annotator", "label")
    with pytest.raises(NotApplicable, match="at least two ratings"):
        fleiss_kappa(labels[labels["annotator"] == "a1"].dropna(), "item", "annotator", "label")
    one = pd.DataFrame({"unit": ["u1", "u1", "u2", "u2"], "rater": ["r1", "r2"] * 2, "label": ["x"] * 4})
    res = fleiss_kappa(one, "unit", "rater", "label", n_boot=20)
    assert math.isnan(res["kappa"]) and math.isnan(res["ci_low"])  # one category: κ is 0/0
    with pytest.raises(ValueError, match="level=95"):
        fleiss_kappa(one, "unit", "rater", "label", level=95)

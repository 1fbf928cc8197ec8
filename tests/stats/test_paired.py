"""psyai.stats.paired against outside values.

- comparisons: the pairs R builds from the same rankings with the same conventions
  (reference/ranking_reference.R: their number, and per pair of models their count and
  mean outcome), and a hand example of every convention;
- Bradley–Terry: R's ``glm(binomial)`` on the aggregated win counts (coefficients and
  standard errors); the bootstrap interval against ``scipy.stats.bootstrap(method =
  "percentile")`` resampling the same participants (within Monte Carlo error), and the
  share of resamples without maximum-likelihood scores against its exact probability;
- win rates: R's ``lm(y ~ 1)`` with ``sandwich::vcovCL(type = "HC1")`` (participant-clustered
  SE) and statsmodels' cluster covariance; the Wilson interval on the effective n written out
  in R; Holm-adjusted p against R's ``p.adjust(p, "holm")``.

R values are in reference/ranking_reference.json, written by ranking_reference.R from
ranking_trials.csv (simulated by ranking_make_data.py).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import choix
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from psyai.stats.multiple import holm
from psyai.stats.paired import (
    NoMaximumLikelihoodError, bradley_terry, bradley_terry_fit, pairwise_comparisons, win_rates,
)

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "ranking_reference.json").read_text())
TRIAL = ["participant", "session", "trial_index", "prompt_id"]
MODELS = ["A", "B", "C", "D"]


@pytest.fixture(scope="module")
def comps() -> pd.DataFrame:
    d = pd.read_csv(REF_DIR / "ranking_trials.csv")
    d["rank"] = d["rank"].astype("Int64")  # nullable, as psyai.data.load_rankings gives it
    return pairwise_comparisons(d, TRIAL)


def win_counts(comparisons: pd.DataFrame, models: list[str]) -> np.ndarray:
    """comp[i, j] = wins of i over j (ties half each), by hand."""
    comp = np.zeros((len(models), len(models)))
    for r in comparisons.itertuples():
        i, j = models.index(r.model_a), models.index(r.model_b)
        comp[i, j] += r.outcome
        comp[j, i] += 1 - r.outcome
    return comp


# --------------------------------------------------------------------------- comparisons


def test_pairwise_comparisons_conventions():
    d = pd.DataFrame({"participant": "p", "session": 1, "prompt_id": "q", "item_id": list("wxyzv"),
                      "model": ["B", "A", "C", "D", "A"], "rank": pd.array([2, 2, 1, None, None], dtype="Int64")})
    out = pairwise_comparisons(d, ["participant", "session", "prompt_id"])
    assert list(out.columns) == ["participant", "session", "prompt_id", "model_a", "model_b", "item_a", "item_b",
                                 "outcome"]
    got = {(r.model_a, r.model_b, r.item_a, r.item_b): r.outcome for r in out.itertuples()}
    assert got == {
        ("A", "B", "x", "w"): 0.5,   # tie: half each
        ("B", "C", "w", "y"): 0.0,   # C ranked better
        ("B", "D", "w", "z"): 1.0,   # ranked beats unranked
        ("A", "C", "x", "y"): 0.0,
        ("A", "D", "x", "z"): 1.0,
        ("C", "D", "y", "z"): 1.0,
        ("A", "B", "v", "w"): 0.0,   # unranked A loses to ranked B
        ("A", "C", "v", "y"): 0.0,
        # v-x (both A) and v-z (both unranked) are not compared
    }
    # other column names; blocks are kept apart (block k: y ranked, z and v unranked)
    other = d.rename(columns={"item_id": "out", "model": "sys", "rank": "r"}).assign(prompt_id=list("qqkkk"))
    got = pairwise_comparisons(other, "prompt_id", item="out", model="sys", rank="r")
    assert sorted(zip(got["prompt_id"], got["model_a"], got["model_b"], got["item_a"], got["item_b"],
                      got["outcome"])) == [("k", "A", "C", "v", "y", 0.0), ("k", "C", "D", "y", "z", 1.0),
                                           ("q", "A", "B", "x", "w", 0.5)]
    with pytest.raises(ValueError, match="missing values"):
        pairwise_comparisons(d.assign(model=["A", None, "B", "C", "D"]), "prompt_id")


def test_pairwise_comparisons_match_the_pairs_r_builds(comps):
    assert len(comps) == REF["n_comparisons"]
    for r in REF["win_rates"]:  # one entry per (model_a, model_b), from R's own pairs
        s = comps[(comps["model_a"] == r["model"]) & (comps["model_b"] == r["opponent"])]
        assert len(s) == r["n"] and s["participant"].nunique() == r["g"]
        assert s["outcome"].mean() == pytest.approx(r["estimate"], rel=1e-12)
    assert set(comps["outcome"]) == {0.0, 0.5, 1.0}


# --------------------------------------------------------------------------- Bradley-Terry


def test_bradley_terry_fit_matches_r_glm(comps):
    theta, cov = bradley_terry_fit(win_counts(comps, MODELS))
    ref = REF["bradley_terry"]
    assert ref["reference"] == "A"
    # R: glm(cbind(wins, losses) ~ 0 + X, binomial), X = +1/-1 indicators, A fixed at 0
    for k, model in enumerate(ref["models"], start=1):
        assert theta[k] - theta[0] == pytest.approx(ref["estimate"][k - 1], abs=1e-6)
        se = math.sqrt(cov[k, k] + cov[0, 0] - 2 * cov[k, 0])
        assert se == pytest.approx(ref["se"][k - 1], rel=1e-5)
    assert theta.sum() == pytest.approx(0.0, abs=1e-12)


def test_bradley_terry_fit_refuses_scores_that_do_not_exist():
    comp = np.array([[0, 3, 2], [1, 0, 2], [0, 0, 0]], float)  # C never wins
    with pytest.raises(NoMaximumLikelihoodError, match="alpha > 0"):
        bradley_terry_fit(comp)
    theta, _ = bradley_terry_fit(comp, alpha=0.01)
    assert np.isfinite(theta).all() and theta[2] == theta.min()


def test_bradley_terry_matches_r_glm_and_scipy_percentile_bootstrap_over_participants(comps):
    n_boot, level = 2000, 0.95
    table, info = bradley_terry(comps, "participant", level=level, n_boot=n_boot, seed=1)
    assert info == {"n_comparisons": REF["n_comparisons"], "n_clusters": 12, "n_boot": n_boot, "n_boot_failed": 0,
                    "alpha": 0.0}
    assert list(table["model"]) == ["B", "A", "C", "D"] and list(table["rank"]) == [1, 2, 3, 4]
    t = table.set_index("model")
    ref = REF["bradley_terry"]
    for k, model in enumerate(ref["models"]):  # R: glm, A fixed at 0
        assert t.loc[model, "score"] - t.loc["A", "score"] == pytest.approx(ref["estimate"][k], abs=1e-6)
    assert t["score"].sum() == pytest.approx(0.0, abs=1e-12) and t["worth"].sum() == pytest.approx(1.0)
    comp = win_counts(comps, MODELS)
    assert t.loc[MODELS, "n_comparisons"].tolist() == (comp.sum(axis=0) + comp.sum(axis=1)).tolist()
    assert t.loc[MODELS, "win_share"].tolist() == pytest.approx(comp.sum(axis=1) / (comp.sum(0) + comp.sum(1)))
    # scipy: resample the 12 participants with replacement, refit (choix), centre the scores
    participants = sorted(comps["participant"].unique())
    per = np.stack([win_counts(comps[comps["participant"] == p], MODELS) for p in participants])  # (P, M, M)

    def scores(idx):
        theta = choix.ilsr_pairwise_dense(per[idx].sum(axis=0), alpha=0.0, max_iter=1000)
        return theta - theta.mean()

    boot = stats.bootstrap((np.arange(len(participants)),), scores, n_resamples=n_boot, method="percentile",
                           confidence_level=level, vectorized=False, rng=np.random.default_rng(2))
    tol = percentile_mc_tolerance(boot.standard_error, level, n_boot, n_boot)  # about 0.08 here
    for ours, theirs in ((t.loc[MODELS, "ci_low"], boot.confidence_interval.low),
                         (t.loc[MODELS, "ci_high"], boot.confidence_interval.high)):
        assert (np.abs(ours.to_numpy() - theirs) <= tol).all(), (ours.to_numpy(), theirs, tol)


def percentile_mc_tolerance(se, level: float, n1: int, n2: int, k: float = 4.0):
    """k Monte Carlo SDs of the difference of two percentile limits from n1 and n2 resamples
    (normal bootstrap distribution with SD ``se``; see tests/stats/test_agreement.py)."""
    p = 0.5 - level / 2
    sd_one = math.sqrt(p * (1 - p)) * np.asarray(se) / stats.norm.pdf(stats.norm.ppf(p))
    return k * sd_one * math.sqrt(1 / n1 + 1 / n2)


def test_bradley_terry_bootstrap_failures_match_their_exact_probability():
    """3 participants: of the 27 equally likely resamples, 2 (p2 or p3 alone) have a model that never loses."""
    comps = pd.DataFrame([("p1", "A", "B", 1.0), ("p1", "B", "C", 1.0), ("p1", "A", "C", 0.5),
                          ("p2", "A", "B", 0.0), ("p2", "B", "C", 1.0), ("p2", "A", "C", 1.0),
                          ("p3", "A", "B", 1.0), ("p3", "B", "C", 0.0), ("p3", "A", "C", 1.0)],
                         columns=["participant", "model_a", "model_b", "outcome"])
    parts = ["p1", "p2", "p3"]
    failed = 0
    for draw in itertools.product(parts, repeat=3):
        try:
            bradley_terry_fit(win_counts(pd.concat([comps[comps["participant"] == p] for p in draw]), ["A", "B", "C"]))
        except NoMaximumLikelihoodError:
            failed += 1
    assert failed == 2
    n_boot = 600
    _, info = bradley_terry(comps, n_boot=n_boot, seed=0)
    p = failed / 27
    assert info["n_boot_failed"] / n_boot == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n_boot))


def test_bradley_terry_without_an_interval_and_bad_input(comps):
    one = comps[comps["participant"] == "p01"]
    table, info = bradley_terry(one, n_boot=50, alpha=0.01)  # one participant: nothing to resample
    assert info["n_clusters"] == 1 and table["ci_low"].isna().all() and table["score"].notna().all()
    with pytest.raises(ValueError, match="no comparisons"):
        bradley_terry(comps.iloc[:0])
    sep = pd.DataFrame({"participant": ["a", "b"], "model_a": ["A", "A"], "model_b": ["B", "B"], "outcome": [1.0, 1.0]})
    with pytest.raises(NoMaximumLikelihoodError):
        bradley_terry(sep, n_boot=10)


# --------------------------------------------------------------------------- win rates


def test_win_rates_match_r_sandwich_and_statsmodels(comps):
    table = win_rates(comps, "participant")
    assert len(table) == len(REF["win_rates"])
    for row, r in zip(table.itertuples(), REF["win_rates"]):
        assert (row.model, row.opponent) == (r["model"], r["opponent"])
        # R: lm(outcome ~ 1) with sandwich::vcovCL(cluster = ~participant, type = "HC1"), t(G - 1)
        assert row.win_rate == pytest.approx(r["estimate"], rel=1e-12)
        assert row.se == pytest.approx(r["se"], rel=1e-9)
        # R: Wilson on n_eff = min(n, p (1 - p) / SE^2) with qt(.975, G - 1) (ranking_reference.R)
        assert row.n_eff == pytest.approx(r["n_eff"], rel=1e-9)
        assert [row.ci_low, row.ci_high] == pytest.approx(r["wilson_ci"], rel=1e-9)
        assert row.t == pytest.approx(r["t"], rel=1e-9) and row.p_val == pytest.approx(r["p"], rel=1e-7)
        assert (row.n_comparisons, row.n_clusters) == (r["n"], r["g"]) and row.dof == r["g"] - 1
        # statsmodels: intercept-only OLS, cluster-robust covariance (G/(G-1) correction)
        s = comps[(comps["model_a"] == row.model) & (comps["model_b"] == row.opponent)]
        fit = sm.OLS(s["outcome"].to_numpy(), np.ones(len(s))).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(s["participant"])[0]})
        assert row.se == pytest.approx(float(fit.bse[0]), rel=1e-9)
        assert row.n_wins + row.n_ties + row.n_losses == row.n_comparisons
        assert row.n_wins + row.n_ties / 2 == pytest.approx(row.win_rate * row.n_comparisons)
    # R: p.adjust(p, method = "holm") over the six pairs; the unadjusted p stays in p_val
    assert table["p_holm"].tolist() == pytest.approx(REF["win_rates_p_holm"], rel=1e-7)
    assert table["p_val"].tolist() == pytest.approx([r["p"] for r in REF["win_rates"]], rel=1e-7)
    assert list(table.columns) == ["model", "opponent", "n_comparisons", "n_clusters", "n_eff", "n_wins", "n_ties",
                                   "n_losses", "win_rate", "se", "ci_low", "ci_high", "t", "dof", "p_val", "p_holm"]
    vs = win_rates(comps, reference="A").set_index("model")
    # against a reference the family is the three pairs with A
    assert vs["p_holm"].to_numpy() == pytest.approx(holm(vs["p_val"].to_numpy()))
    assert vs.loc["B", "win_rate"] == pytest.approx(1 - REF["win_rates"][0]["estimate"])
    assert vs.loc["B", "t"] == pytest.approx(-REF["win_rates"][0]["t"], rel=1e-9)
    assert set(vs["opponent"]) == {"A"} and "A" not in vs.index
    with pytest.raises(ValueError, match="reference model 'Z'"):
        win_rates(comps, reference="Z")
    assert win_rates(comps.iloc[:0]).empty


def test_win_rate_interval_stays_in_the_unit_interval_and_opens_below_100_percent():
    # two participants: 3 of 3 wins and 1 of 1 win -> rate 1, SE 0. The interval is not the point [1, 1]
    # (the CR1 Wald interval's): upper end 1, lower end 1 / (1 + t(1)^2 / G) with n_eff = G = 2
    comps = pd.DataFrame({"participant": ["a", "a", "a", "b"], "model_a": "A", "model_b": "B",
                          "outcome": [1.0, 1.0, 1.0, 1.0]})
    row = win_rates(comps).iloc[0]
    assert (row["win_rate"], row["se"], row["n_eff"], row["ci_high"]) == (1.0, 0.0, 2.0, 1.0)
    q = 12.706204736174694  # R: qt(0.975, 1)
    assert row["ci_low"] == pytest.approx(1 / (1 + q * q / 2), rel=1e-12) and row["ci_low"] < 1
    assert math.isnan(row["t"]) and math.isnan(row["p_holm"])  # SE 0: no test, nothing to adjust
    # twelve participants, 100 % wins: a useful lower end (R: 1 / (1 + qt(.975, 11)^2 / 12) = 0.7124)
    many = pd.DataFrame({"participant": np.repeat([f"p{i}" for i in range(12)], 5), "model_a": "A",
                         "model_b": "B", "outcome": 1.0})
    row = win_rates(many).iloc[0]
    assert (row["ci_high"], round(row["ci_low"], 4)) == (1.0, 0.7124)
    # and at 0 %, the mirror image
    row = win_rates(many.assign(outcome=0.0)).iloc[0]
    assert (row["ci_low"], round(row["ci_high"], 4)) == (0.0, 0.2876)
    # R: y <- c(1, 1, .5, 0, 1); f <- lm(y ~ 1); sqrt(vcovCL(f, cluster = c(1, 1, 1, 2, 2), type = "HC1"))
    # -> SE 0.16, t = 1.25 on 1 df, p = 0.429553425045445; the CR1 Wald 90% CI [-0.31, 1.71] left [0, 1]
    comps = pd.DataFrame({"participant": ["a", "a", "a", "b", "b"], "model_a": "A", "model_b": "B",
                          "outcome": [1.0, 1.0, 0.5, 0.0, 1.0]})
    row = win_rates(comps, level=0.9).iloc[0]
    assert (row["win_rate"], row["dof"], row["n_wins"], row["n_ties"], row["n_losses"]) == (0.7, 1.0, 3, 1, 1)
    assert row["se"] == pytest.approx(0.16, rel=1e-12) and row["t"] == pytest.approx(1.25, rel=1e-12)
    assert row["p_val"] == pytest.approx(0.429553425045445, rel=1e-9) and row["p_holm"] == row["p_val"]
    assert row["n_eff"] == 5.0  # p(1 - p) / SE^2 = 8.2 > N: a design effect below 1 is not credited
    assert 0.0 < row["ci_low"] < 0.7 < row["ci_high"] < 1.0
    one = win_rates(comps[comps["participant"] == "a"]).iloc[0]
    assert one["n_clusters"] == 1 and math.isnan(one["se"]) and math.isnan(one["ci_low"])

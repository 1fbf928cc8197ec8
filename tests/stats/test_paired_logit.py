"""psyai.stats.paired.bradley_terry_logit against independent computations.

- the coefficients and cluster-robust standard errors of statsmodels' ``Logit`` on the same
  design matrix (``cov_type="cluster"``, its default small-sample correction
  G/(G−1)·(N−1)/(N−K), as R's ``sandwich::vcovCL(type = "HC1")``);
- without covariates, the maximum-likelihood scores of choix (:func:`bradley_terry_fit`,
  iterative Luce spectral ranking, a different algorithm) shifted so the reference is 0;
- a pure length bias (no model better than another, longer outputs preferred) shows up as a
  spurious score without the length covariate and disappears with it (Chatbot Arena's style
  control), with the length coefficient recovered within its interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from psyai.stats.paired import NoMaximumLikelihoodError, bradley_terry_fit, bradley_terry_logit

MODELS = ["gpt", "ppo", "sft"]


def simulate(theta: dict[str, float], n_participants: int, n_per: int, *, beta_len: float = 0.0,
             mean_log_len: dict[str, float] | None = None, tau: float = 0.4, seed: int = 0) -> pd.DataFrame:
    """Comparisons of two random models: P(a wins) = expit(θ_a − θ_b + u_participant·(a is ppo − b is ppo)
    + β·(log len a − log len b)); lengths log-normal around each model's mean."""
    rng = np.random.default_rng(seed)
    models = list(theta)
    mean_log_len = mean_log_len or {m: 5.0 for m in models}
    rows = []
    for p in range(n_participants):
        u = rng.normal(0, tau)  # this participant's liking of ppo
        for _ in range(n_per):
            a, b = sorted(rng.choice(models, 2, replace=False))
            la, lb = rng.normal(mean_log_len[a], 0.5), rng.normal(mean_log_len[b], 0.5)
            eta = theta[a] - theta[b] + u * ((a == "ppo") - (b == "ppo")) + beta_len * (la - lb)
            rows.append({"participant": f"p{p:02d}", "model_a": a, "model_b": b, "log_len_diff": la - lb,
                         "outcome": float(rng.random() < 1 / (1 + math.exp(-eta)))})
    return pd.DataFrame(rows)


def design(comps: pd.DataFrame, reference: str, covariates=()) -> tuple[np.ndarray, list[str]]:
    """The design matrix by hand: +1 for model_a, −1 for model_b, the reference's column dropped."""
    others = [m for m in sorted(set(comps.model_a) | set(comps.model_b)) if m != reference]
    x = np.column_stack([(comps.model_a == m).astype(float) - (comps.model_b == m).astype(float) for m in others]
                        + [comps[c].to_numpy(float) for c in covariates])
    return x, others


def test_matches_statsmodels_logit_with_cluster_robust_errors():
    comps = simulate({"gpt": -0.5, "ppo": 0.7, "sft": 0.0}, 25, 30, beta_len=0.4, seed=1)
    comps.loc[[3, 10, 40], "outcome"] = 0.5  # ties are left out
    scores, coefs, info = bradley_terry_logit(comps, "sft", covariates=["log_len_diff"])
    used = comps[comps.outcome != 0.5].reset_index(drop=True)
    x, others = design(used, "sft", ["log_len_diff"])
    fit = sm.Logit(used.outcome.to_numpy(), x).fit(disp=0, cov_type="cluster",
                                                    cov_kwds={"groups": pd.factorize(used.participant)[0]})
    s = scores.set_index("model")
    for j, m in enumerate(others):
        assert s.loc[m, "score"] == pytest.approx(fit.params[j], abs=1e-8)
        assert s.loc[m, "se"] == pytest.approx(fit.bse[j], rel=1e-6)
    assert coefs.loc[0, "estimate"] == pytest.approx(fit.params[-1], abs=1e-8)
    assert coefs.loc[0, "se"] == pytest.approx(fit.bse[-1], rel=1e-6)
    assert info["loglik"] == pytest.approx(fit.llf, rel=1e-10)
    model_based = sm.Logit(used.outcome.to_numpy(), x).fit(disp=0)
    assert s.loc["ppo", "se_model"] == pytest.approx(model_based.bse[others.index("ppo")], rel=1e-6)
    assert (info["n_ties"], info["n_comparisons"], info["n_clusters"]) == (3, len(used), 25)
    assert list(scores.model) == ["sft", "ppo", "gpt"]  # reference first, then by score
    assert s.loc["sft", "score"] == 0 and math.isnan(s.loc["sft", "se"])
    # t interval on G - 1 = 24 df around the estimate
    from scipy import stats
    q = stats.t.ppf(0.975, 24)
    assert s.loc["ppo", "ci_high"] - s.loc["ppo", "score"] == pytest.approx(q * s.loc["ppo", "se"])
    assert s.loc["ppo", "win_prob_vs_reference"] == pytest.approx(1 / (1 + math.exp(-fit.params[others.index("ppo")])))


def test_without_covariates_equals_choix_scores_shifted_to_the_reference():
    comps = simulate({"gpt": -0.5, "ppo": 0.7, "sft": 0.0}, 20, 25, seed=2)
    scores, _, _ = bradley_terry_logit(comps, "gpt")
    comp = np.zeros((3, 3))
    for r in comps.itertuples():
        i, j = MODELS.index(r.model_a), MODELS.index(r.model_b)
        comp[i, j] += r.outcome
        comp[j, i] += 1 - r.outcome
    theta, _ = bradley_terry_fit(comp)
    s = scores.set_index("model")["score"]
    for m in MODELS:
        assert s[m] == pytest.approx(theta[MODELS.index(m)] - theta[MODELS.index("gpt")], abs=1e-5)


def test_length_covariate_removes_a_pure_length_bias():
    # no model is better; ppo writes e^0.8 = 2.2 times longer outputs and longer outputs are preferred
    caught, covered = 0, 0
    for seed in range(4):
        comps = simulate({"gpt": 0.0, "ppo": 0.0, "sft": 0.0}, 30, 30, beta_len=0.8, tau=0.0,
                         mean_log_len={"gpt": 5.0, "ppo": 5.8, "sft": 5.0}, seed=10 + seed)
        plain, _, _ = bradley_terry_logit(comps, "sft")
        controlled, coefs, _ = bradley_terry_logit(comps, "sft", covariates=["log_len_diff"])
        p, c = plain.set_index("model"), controlled.set_index("model")
        caught += p.loc["ppo", "ci_low"] > 0  # the uncontrolled score is a length artefact
        covered += (c.loc["ppo", "ci_low"] < 0 < c.loc["ppo", "ci_high"]) and \
            (coefs.loc[0, "ci_low"] < 0.8 < coefs.loc[0, "ci_high"])
        assert abs(c.loc["ppo", "score"]) < abs(p.loc["ppo", "score"])
    assert caught == 4 and covered >= 3


def test_refuses_what_has_no_estimate():
    comps = pd.DataFrame({"participant": ["a", "b", "c"], "model_a": ["gpt", "gpt", "ppo"],
                          "model_b": ["ppo", "sft", "sft"], "outcome": [1.0, 1.0, 0.0]})
    with pytest.raises(NoMaximumLikelihoodError, match="won \\(or lost\\) every comparison"):
        bradley_terry_logit(comps, "sft")
    with pytest.raises(ValueError, match="reference model 'nope' is not in the comparisons"):
        bradley_terry_logit(comps, "nope")
    with pytest.raises(ValueError, match="no comparison with a winner"):
        bradley_terry_logit(comps.assign(outcome=0.5), "sft")

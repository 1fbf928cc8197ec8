"""Paired comparisons: rankings broken into pairs, Bradley–Terry scores, clustered win rates.

==================================  ==================================================================
:func:`pairwise_comparisons`        every within-block pair of objects of two different models
                                    (ties half, ranked beats unranked)
:func:`bradley_terry_fit`           Bradley–Terry scores and their model-based covariance from a
                                    win matrix (choix)
:func:`bradley_terry`               scores per model from a comparisons table, percentile bootstrap
                                    intervals over clusters (e.g. participants)
:func:`win_rates`                   how often one model's object beats another's, Wilson interval on
                                    the cluster-robust effective n, CR1 t test against .5 with
                                    Holm-adjusted p over the pairs
:func:`bradley_terry_logit`         Bradley–Terry as a logistic regression with covariates (e.g. a
                                    length difference: style control), cluster-robust intervals
==================================  ==================================================================

A comparisons table has one row per comparison with the columns ``model_a``,
``model_b``, ``outcome`` (1: model_a won, 0: lost, 0.5: tie) and a cluster column
(e.g. ``participant``): what :func:`pairwise_comparisons` returns.

References
----------
Bradley, R. A., & Terry, M. E. (1952). Rank analysis of incomplete block designs: I. The
method of paired comparisons. *Biometrika, 39*, 324–345.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources, 50*, 317–372.
Chiang, W.-L., et al. (2024). Chatbot Arena: An open platform for evaluating LLMs by human
preference. *ICML 2024*, arXiv:2403.04132 (style control: length as a covariate).
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall.
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics, 6*, 65–70.
Hunter, D. R. (2004). MM algorithms for generalized Bradley–Terry models. *Annals of
Statistics, 32*, 384–406.
Maystre, L., & Grossglauser, M. (2015). Fast and accurate inference of Plackett–Luce models.
*NeurIPS 28* (the ``choix`` library).
Ouyang, L., et al. (2022). Training language models to follow instructions with human
feedback. *NeurIPS 35*. arXiv:2203.02155.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import choix
import numpy as np
import pandas as pd
from scipy import stats
from scipy.sparse.csgraph import connected_components

from psyai.stats.multiple import holm
from psyai.stats.proportions import cluster_wilson

__all__ = ["NoMaximumLikelihoodError", "bradley_terry", "bradley_terry_fit", "bradley_terry_logit", "pairwise_comparisons",
           "win_rates"]

logger = logging.getLogger(__name__)

WIN_RATE_COLUMNS = ["model", "opponent", "n_comparisons", "n_clusters", "n_eff", "n_wins", "n_ties", "n_losses",
                    "win_rate", "se", "ci_low", "ci_high", "t", "dof", "p_val", "p_holm"]


class NoMaximumLikelihoodError(ValueError):
    """The Bradley–Terry maximum-likelihood scores do not exist: some model won (or lost) every comparison
    it was in against the others (the comparison graph is not strongly connected; Hunter, 2004)."""


def _columns(cols: str | Sequence[str]) -> list[str]:
    return [cols] if isinstance(cols, str) else list(cols)


# --------------------------------------------------------------------------- comparisons


def pairwise_comparisons(data: pd.DataFrame, block: str | Sequence[str], item: str = "item_id",
                         model: str = "model", rank: str = "rank") -> pd.DataFrame:
    """Every pair of objects of two different models ranked in the same block (e.g. trial).

    Conventions: the better-ranked object (smaller rank) wins; tied objects count half a
    win each; a ranked object beats an unranked one (missing rank) and two unranked ones
    are not compared; two objects of the same model say nothing about models and are not
    compared.

    Parameters
    ----------
    data : long table, one row per ranked object.
    block : column(s) naming the block whose objects were ranked together.
    item, model, rank : columns naming the object, its model (no missing values), and
        its rank (1 = best; missing: unranked).

    Returns
    -------
    pandas.DataFrame, one row per pair, in the order of ``data``'s rows: the ``block``
    columns, ``model_a`` < ``model_b`` (sorted), ``item_a``, ``item_b``, and ``outcome``: 1
    when model_a's object was ranked better, 0 when worse, 0.5 for a tie.
    """
    keys = _columns(block)
    if data[model].isna().any():
        raise ValueError(f"column {model!r} has missing values; label every object's model")
    d = data[keys].copy()
    d["_item"] = data[item]
    d["_model"] = data[model]
    d["_rank"] = pd.to_numeric(data[rank], errors="coerce").astype(float)
    d["_row"] = np.arange(len(d))
    pairs = d.merge(d, on=keys, suffixes=("_x", "_y"))
    pairs = pairs[(pairs["_row_x"] < pairs["_row_y"]) & (pairs["_model_x"] != pairs["_model_y"])
                  & ~(pairs["_rank_x"].isna() & pairs["_rank_y"].isna())]
    rx, ry = pairs["_rank_x"].fillna(np.inf).to_numpy(), pairs["_rank_y"].fillna(np.inf).to_numpy()
    x_wins = np.where(rx < ry, 1.0, np.where(rx > ry, 0.0, 0.5))
    swap = (pairs["_model_x"] > pairs["_model_y"]).to_numpy()
    out = pairs[keys].reset_index(drop=True)
    out["model_a"] = np.where(swap, pairs["_model_y"], pairs["_model_x"])
    out["model_b"] = np.where(swap, pairs["_model_x"], pairs["_model_y"])
    out["item_a"] = np.where(swap, pairs["_item_y"], pairs["_item_x"])
    out["item_b"] = np.where(swap, pairs["_item_x"], pairs["_item_y"])
    out["outcome"] = np.where(swap, 1.0 - x_wins, x_wins)
    return out


def _comparison_tensor(comparisons: pd.DataFrame, models: list[str], cluster: str) -> tuple[np.ndarray, list]:
    """Per-cluster win counts C[g, i, j] (i beat j; a tie is half a win each) and the clusters, sorted."""
    index = {m: k for k, m in enumerate(models)}
    clusters = sorted(comparisons[cluster].unique())
    gidx = comparisons[cluster].map({g: k for k, g in enumerate(clusters)}).to_numpy()
    a = comparisons["model_a"].map(index).to_numpy()
    b = comparisons["model_b"].map(index).to_numpy()
    y = comparisons["outcome"].to_numpy(float)
    tensor = np.zeros((len(clusters), len(models), len(models)))  # (G, M, M)
    np.add.at(tensor, (gidx, a, b), y)
    np.add.at(tensor, (gidx, b, a), 1.0 - y)
    return tensor, clusters


def _strongly_connected(comp: np.ndarray) -> bool:
    n, _ = connected_components(comp > 0, directed=True, connection="strong")
    return n == 1


# --------------------------------------------------------------------------- Bradley-Terry


def bradley_terry_fit(comp: np.ndarray, alpha: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Bradley–Terry scores and their model-based covariance from a win matrix.

    Parameters
    ----------
    comp : (M, M) array, ``comp[i, j]`` = (possibly fractional) wins of i over j.
    alpha : choix's regularisation (a pseudo-count of comparisons between every two
        models; 0: maximum likelihood).

    Returns
    -------
    theta : (M,) log-strengths with mean 0, P(i beats j) = 1 / (1 + exp(θ_j − θ_i)),
        fitted by choix's iterative Luce spectral ranking (Maystre & Grossglauser, 2015);
        the maximum-likelihood estimates of R's ``glm(cbind(wins, losses) ~ 0 + X, binomial)``.
    cov : (M, M) covariance of theta from the observed information under the sum-to-zero
        constraint, H⁺ with H = Σ_{i<j} n_ij p_ij (1 − p_ij)(e_i − e_j)(e_i − e_j)ᵀ. It treats
        comparisons as independent; comparisons from one ranking are not, so prefer the
        bootstrap intervals of :func:`bradley_terry`.

    Raises
    ------
    NoMaximumLikelihoodError : ``alpha`` is 0 and some model won (or lost) every
        comparison it was in against the others.
    """
    comp = np.asarray(comp, dtype=float)
    m = comp.shape[0]
    if alpha == 0 and not _strongly_connected(comp):
        raise NoMaximumLikelihoodError(
            "the Bradley-Terry maximum-likelihood scores do not exist: some model won (or lost) every comparison it "
            "was in against the others; collect more comparisons or set alpha > 0 (e.g. 0.01) to regularise")
    theta = choix.ilsr_pairwise_dense(comp, alpha=alpha, max_iter=1000)
    theta = theta - theta.mean()
    n = comp + comp.T  # (M, M) comparisons between i and j
    p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # (M, M) P(i beats j)
    w = n * p * (1.0 - p)
    np.fill_diagonal(w, 0.0)
    hess = np.diag(w.sum(axis=1)) - w  # (M, M) Laplacian of the information graph
    cov = np.linalg.pinv(hess) if m > 1 else np.zeros((1, 1))
    return theta, cov


def bradley_terry(comparisons: pd.DataFrame, cluster: str = "participant", level: float = 0.95,
                  n_boot: int = 1000, seed: int | np.random.Generator = 0, alpha: float = 0.0
                  ) -> tuple[pd.DataFrame, dict]:
    """A Bradley–Terry score per model from a comparisons table, with bootstrap intervals over clusters.

    The comparisons' win counts (ties half a win each) are fitted by
    :func:`bradley_terry_fit`. When they come from rankings (:func:`pairwise_comparisons`)
    this is the pairwise-marginal (composite) likelihood of a Plackett–Luce ranking model,
    whose marginal pair probabilities are exactly Bradley–Terry. Because one cluster's
    (e.g. participant's) comparisons are not independent, the interval is a percentile
    bootstrap that resamples clusters with all their comparisons (Efron & Tibshirani,
    1993): each resample draws G clusters with replacement (multinomial counts of each
    cluster), refits, centres the scores on 0, and the interval is the (1 − level)/2 and
    (1 + level)/2 quantiles (``numpy.quantile``). The model-based ``se`` is given for
    comparison.

    Parameters
    ----------
    comparisons : one row per comparison: ``model_a``, ``model_b``, ``outcome`` and ``cluster``.
    cluster : column naming the cluster of each comparison.
    level : confidence level.
    n_boot : resamples.
    seed : seed of the random generator, or a ``numpy.random.Generator`` to draw from.
    alpha : regularisation of the fit (see :func:`bradley_terry_fit`).

    Returns
    -------
    table : one row per model, best first: ``model``, ``score`` (log-strength, mean 0
        over models), ``ci_low``, ``ci_high`` (bootstrap percentile; NaN with fewer than two
        clusters or when more than 10 % of the resamples have no maximum-likelihood scores),
        ``se`` (model-based), ``worth`` (exp(score) normalised to sum 1: the Luce
        probability of being chosen best among all models), ``n_comparisons``,
        ``win_share`` (wins / comparisons, ties half), ``rank`` (1 = highest score).
    info : dict with ``n_comparisons``, ``n_clusters``, ``n_boot``, ``n_boot_failed``
        (resamples in which the maximum-likelihood scores do not exist; left out), ``alpha``.

    Raises
    ------
    ValueError : no comparisons. NoMaximumLikelihoodError : see :func:`bradley_terry_fit`.
    """
    if comparisons.empty:
        raise ValueError("no comparisons; Bradley-Terry scores need comparisons between at least two models")
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    if n_boot < 1:
        raise ValueError(f"n_boot={n_boot}: give the number of bootstrap resamples (1000 or more for a report)")
    models = sorted(set(comparisons["model_a"]) | set(comparisons["model_b"]))
    tensor, clusters = _comparison_tensor(comparisons, models, cluster)  # (G, M, M)
    comp = tensor.sum(axis=0)  # (M, M)
    theta, cov = bradley_terry_fit(comp, alpha)
    rng = np.random.default_rng(seed)
    n_g = len(clusters)
    boots, failed = [], 0
    for _ in range(n_boot):
        weights = rng.multinomial(n_g, np.full(n_g, 1.0 / n_g))  # (G,) times each cluster is drawn
        comp_b = np.tensordot(weights, tensor, axes=1)  # (M, M)
        if alpha == 0 and not _strongly_connected(comp_b):
            failed += 1
            continue
        boots.append(choix.ilsr_pairwise_dense(comp_b, alpha=alpha, max_iter=1000))
    if failed:
        logger.warning("%d of %d bootstrap resamples had no Bradley-Terry maximum-likelihood scores", failed, n_boot)
    boots = np.array(boots)  # (B, M)
    lo = hi = np.full(len(models), math.nan)
    if n_g >= 2 and len(boots) >= 0.9 * n_boot:  # one cluster: resampling it says nothing
        boots = boots - boots.mean(axis=1, keepdims=True)
        lo, hi = np.quantile(boots, [0.5 - level / 2, 0.5 + level / 2], axis=0)
    n_comp = comp.sum(axis=1) + comp.sum(axis=0)
    worth = np.exp(theta) / np.exp(theta).sum()
    table = pd.DataFrame({"model": models, "score": theta, "ci_low": lo, "ci_high": hi,
                          "se": np.sqrt(np.clip(np.diag(cov), 0, None)), "worth": worth,
                          "n_comparisons": np.rint(n_comp).astype(int), "win_share": comp.sum(axis=1) / n_comp})
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    info = {"n_comparisons": int(len(comparisons)), "n_clusters": n_g, "n_boot": int(n_boot),
            "n_boot_failed": int(failed), "alpha": float(alpha)}
    return table, info


# --------------------------------------------------------------------------- win rates


def win_rates(comparisons: pd.DataFrame, cluster: str = "participant", level: float = 0.95,
              reference: str | None = None) -> pd.DataFrame:
    """How often one model's object beats another's, with a participant-clustered interval.

    This is the "outputs of model A are preferred to those of model B 85 ± 3 % of the
    time" figure of Ouyang et al. (2022): over every comparison of ``model`` with
    ``opponent``, the share ``model`` won (ties count half). Comparisons from one cluster
    (participant) are not independent, so:

    * the interval is the Wilson score interval on the cluster-robust effective sample
      size, with the t(G − 1) quantile (:func:`psyai.stats.proportions.cluster_wilson`,
      where the choice over a cluster bootstrap is explained): it stays inside [0, 1], and
      at a win rate of 100 % its upper end is 1 and its lower end 1 / (1 + t²/G) < 1;
    * ``se`` is the cluster-robust (CR1) standard error (R's ``lm(y ~ 1)`` with
      ``sandwich::vcovCL(type = "HC1")``) and ``t``/``p_val`` test the rate against .5 on
      G − 1 degrees of freedom (no test where SE = 0, e.g. a 100 % win rate);
    * ``p_holm`` adjusts ``p_val`` for the number of pairs tested in this table (Holm,
      1979; :func:`psyai.stats.multiple.holm`, as R's ``p.adjust(p, "holm")``): every pair
      of models, or every model against ``reference``. ``p_val`` is the unadjusted value.

    Parameters
    ----------
    comparisons : one row per comparison: ``model_a``, ``model_b``, ``outcome`` and ``cluster``
        (:func:`pairwise_comparisons`; ``model_a`` < ``model_b``).
    cluster : column naming the cluster of each comparison.
    level : confidence level.
    reference : compare every model against this one (``opponent`` = reference); None:
        every pair of models once, ``model`` < ``opponent`` in sorted order.

    Returns
    -------
    pandas.DataFrame, one row per pair of models compared: ``model``, ``opponent``,
    ``n_comparisons``, ``n_clusters``, ``n_eff`` (effective sample size of the interval),
    ``n_wins``, ``n_ties``, ``n_losses``, ``win_rate``, ``se`` (CR1), ``ci_low``,
    ``ci_high`` (Wilson on ``n_eff``), ``t``, ``dof``, ``p_val`` (unadjusted), ``p_holm``
    (Holm-adjusted over the rows).
    """
    models = sorted(set(comparisons["model_a"]) | set(comparisons["model_b"]))
    if reference is not None and reference not in models:
        raise ValueError(f"reference model {reference!r} is not in the comparisons; models: {', '.join(models)}")
    rows = []
    for (a, b), pair in comparisons.groupby(["model_a", "model_b"], sort=True):
        if reference is None:
            model, opponent, y = a, b, pair["outcome"]
        elif reference in (a, b):
            model, opponent = (b, a) if a == reference else (a, b)
            y = 1.0 - pair["outcome"] if a == reference else pair["outcome"]
        else:
            continue
        ci = cluster_wilson(pd.DataFrame({"y": y, "g": pair[cluster]}), "y", "g", null=0.5, level=level).iloc[0]
        rows.append({"model": model, "opponent": opponent, "n_comparisons": int(len(y)),
                     "n_clusters": int(ci["n_clusters"]), "n_eff": float(ci["n_eff"]), "n_wins": int((y == 1).sum()),
                     "n_ties": int((y == 0.5).sum()), "n_losses": int((y == 0).sum()), "win_rate": ci["estimate"],
                     **{k: ci[k] for k in ("se", "ci_low", "ci_high", "t", "dof", "p_val")}})
    table = pd.DataFrame(rows, columns=WIN_RATE_COLUMNS)
    table["p_holm"] = holm(table["p_val"].to_numpy(float))
    return table


# --------------------------------------------------------------------------- Bradley-Terry as a logistic regression

BT_LOGIT_COLUMNS = ["model", "score", "se", "se_model", "ci_low", "ci_high", "t", "dof", "p_val",
                    "win_prob_vs_reference", "n_comparisons"]
BT_COVARIATE_COLUMNS = ["term", "estimate", "se", "se_model", "ci_low", "ci_high", "t", "dof", "p_val"]


def bradley_terry_logit(comparisons: pd.DataFrame, reference: str, covariates: Sequence[str] = (),
                        cluster: str = "participant", level: float = 0.95, max_iter: int = 100,
                        tol: float = 1e-10) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Bradley–Terry scores as a logistic regression on pairwise outcomes, with covariates and
    cluster-robust intervals.

    The model is ``P(model_a beats model_b) = 1 / (1 + exp(−(θ_a − θ_b + Σ_k β_k x_k)))`` with
    θ of ``reference`` fixed at 0: a logistic regression without intercept whose design row
    has +1 in model_a's column, −1 in model_b's and the covariates ``x_k`` (differences a − b,
    e.g. in log length: Chatbot Arena's style control, Chiang et al., 2024). It is fitted by
    Newton–Raphson (iteratively reweighted least squares) to maximum likelihood, the
    estimates of R's ``glm(outcome ~ 0 + X, family = binomial)``; without covariates they are
    :func:`bradley_terry_fit`'s scores shifted so the reference is 0.

    One cluster's (participant's) comparisons are not independent, so ``se`` is the
    cluster-robust sandwich ``B M B`` (B = (XᵀWX)⁻¹, M = Σ_g s_g s_gᵀ with s_g the score of
    cluster g) times ``G/(G−1) · (N−1)/(N−K)`` (Stata's and statsmodels' default small-sample
    correction, R's ``sandwich::vcovCL(type = "HC1")``), and the intervals and tests use the
    t distribution on G − 1 degrees of freedom (Cameron & Miller, 2015). ``se_model`` is
    the model-based (XᵀWX)⁻¹, for comparison.

    Ties (``outcome`` 0.5) are left out: the outcome of a logistic regression is 0 or 1. Their
    number is ``info["n_ties"]``.

    Parameters
    ----------
    comparisons : one row per comparison: ``model_a``, ``model_b``, ``outcome`` (1: model_a
        won, 0: lost, 0.5: tie), ``cluster`` and the ``covariates`` columns.
    reference : the model whose score is 0; the others' scores are log odds of beating it.
    covariates : numeric columns entered as they are (differences a − b).
    cluster : column naming the cluster of each comparison.
    level : confidence level.
    max_iter, tol : Newton iterations, and the largest change in any coefficient taken as convergence.

    Returns
    -------
    scores : one row per model, the reference first, then by score: ``model``, ``score`` (θ, log
        odds of beating the reference, 0 for it), ``se`` (cluster-robust), ``se_model``,
        ``ci_low``, ``ci_high`` (θ ± t(G−1) · se), ``t``, ``dof``, ``p_val`` (θ = 0, two-sided),
        ``win_prob_vs_reference`` (1 / (1 + exp(−θ)): the modelled rate of beating the reference at
        covariates 0, e.g. equal lengths), ``n_comparisons``; NaN statistics for the reference.
    coefficients : one row per covariate, the same statistics (``term``, ``estimate``, …).
    info : ``n_comparisons`` (used), ``n_ties`` (left out), ``n_clusters``, ``loglik``,
        ``iterations``, ``reference``, ``covariates``.

    Raises
    ------
    ValueError : no comparisons, an unknown reference, a missing covariate value, or no
        maximum-likelihood estimate (a model won or lost every comparison it was in, or a
        covariate separates the outcomes; the Newton iterations then diverge).
    """
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    covariates = list(covariates)
    ties = comparisons["outcome"] == 0.5
    d = comparisons[~ties].reset_index(drop=True)
    if d.empty:
        raise ValueError("no comparison with a winner; Bradley-Terry scores need comparisons that are not ties")
    models = sorted(set(d["model_a"]) | set(d["model_b"]))
    if reference not in models:
        raise ValueError(f"reference model {reference!r} is not in the comparisons; models: {', '.join(models)}")
    for c in covariates:
        if d[c].isna().any():
            raise ValueError(f"covariate {c!r} has missing values; give it for every comparison")
    others = [m for m in models if m != reference]
    col = {m: k for k, m in enumerate(others)}
    n, k = len(d), len(others) + len(covariates)
    x = np.zeros((n, k))  # (N, K)
    rows = np.arange(n)
    a = d["model_a"].map(col).to_numpy(dtype=float)
    b = d["model_b"].map(col).to_numpy(dtype=float)
    x[rows[~np.isnan(a)], a[~np.isnan(a)].astype(int)] = 1.0
    x[rows[~np.isnan(b)], b[~np.isnan(b)].astype(int)] = -1.0
    for j, c in enumerate(covariates):
        x[:, len(others) + j] = d[c].to_numpy(float)
    y = d["outcome"].to_numpy(float)  # (N,)
    if not covariates:
        comp = np.zeros((len(models), len(models)))
        idx = {m: i for i, m in enumerate(models)}
        np.add.at(comp, (d["model_a"].map(idx).to_numpy(), d["model_b"].map(idx).to_numpy()), y)
        np.add.at(comp, (d["model_b"].map(idx).to_numpy(), d["model_a"].map(idx).to_numpy()), 1.0 - y)
        if not _strongly_connected(comp):
            raise NoMaximumLikelihoodError(
                "the Bradley-Terry maximum-likelihood scores do not exist: some model won (or lost) every comparison "
                "it was in against the others; collect more comparisons")
    beta = np.zeros(k)
    converged = False
    for iteration in range(1, max_iter + 1):
        mu = 1.0 / (1.0 + np.exp(-(x @ beta)))  # (N,)
        w = mu * (1.0 - mu)
        info_matrix = x.T @ (x * w[:, None])  # (K, K)
        try:
            step = np.linalg.solve(info_matrix, x.T @ (y - mu))
        except np.linalg.LinAlgError:
            raise ValueError("the Bradley-Terry design is singular: a model or covariate is not identified by the "
                             "comparisons (e.g. a covariate that is constant, or a model never compared)") from None
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    if not converged or np.max(np.abs(beta)) > 30:
        raise NoMaximumLikelihoodError("the Bradley-Terry logistic regression has no maximum-likelihood estimate: the "
                                       "outcomes are (quasi-)separated by a model or a covariate; collect more "
                                       "comparisons or drop the covariate")
    mu = 1.0 / (1.0 + np.exp(-(x @ beta)))
    w = mu * (1.0 - mu)
    bread = np.linalg.inv(x.T @ (x * w[:, None]))  # (K, K)
    groups = pd.factorize(d[cluster])[0]
    g = int(groups.max() + 1)
    scores = np.zeros((g, k))  # (G, K) per-cluster score sums
    np.add.at(scores, groups, x * (y - mu)[:, None])
    meat = scores.T @ scores
    correction = g / (g - 1) * (n - 1) / (n - k) if g > 1 and n > k else math.nan
    cov = bread @ meat @ bread * correction
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    se_model = np.sqrt(np.diag(bread))
    dof = float(g - 1)
    q = stats.t.ppf(0.5 + level / 2, dof) if g > 1 else math.nan
    t = beta / se
    p = 2 * stats.t.sf(np.abs(t), dof) if g > 1 else np.full(k, math.nan)
    loglik = float(np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu)))
    counts = pd.concat([d["model_a"], d["model_b"]]).value_counts()

    def stat_row(j: int) -> dict:
        return {"se": se[j], "se_model": se_model[j], "ci_low": beta[j] - q * se[j], "ci_high": beta[j] + q * se[j],
                "t": t[j], "dof": dof, "p_val": p[j]}

    table = [{"model": reference, "score": 0.0, "se": math.nan, "se_model": math.nan, "ci_low": math.nan,
              "ci_high": math.nan, "t": math.nan, "dof": dof, "p_val": math.nan, "win_prob_vs_reference": 0.5,
              "n_comparisons": int(counts.get(reference, 0))}]
    others_rows = [{"model": m, "score": beta[j], **stat_row(j), "win_prob_vs_reference": 1 / (1 + math.exp(-beta[j])),
                    "n_comparisons": int(counts.get(m, 0))} for m, j in col.items()]
    table += sorted(others_rows, key=lambda r: -r["score"])
    coefs = [{"term": c, "estimate": beta[len(others) + j], **stat_row(len(others) + j)}
             for j, c in enumerate(covariates)]
    info = {"n_comparisons": int(n), "n_ties": int(ties.sum()), "n_clusters": g, "loglik": loglik,
            "iterations": iteration, "reference": reference, "covariates": covariates}
    return (pd.DataFrame(table, columns=BT_LOGIT_COLUMNS), pd.DataFrame(coefs, columns=BT_COVARIATE_COLUMNS), info)

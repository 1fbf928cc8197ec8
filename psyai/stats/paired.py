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
from scipy.sparse.csgraph import connected_components

from psyai.stats.multiple import holm
from psyai.stats.proportions import cluster_wilson

__all__ = ["NoMaximumLikelihoodError", "bradley_terry", "bradley_terry_fit", "pairwise_comparisons", "win_rates"]

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

"""Proportions and their intervals: exact binomial, and cluster-robust when observations are nested.

=================================  ===========================================================
:func:`clopper_pearson`            exact (Clopper–Pearson) interval of k successes in n
:func:`binomial_test`              proportion per group, exact interval, exact binomial test
:func:`cluster_robust_mean`        a mean (or proportion) of observations nested in clusters
                                   (e.g. participants), CR1 standard error, t interval and test
=================================  ===========================================================

A proportion over trials treats the trials as independent; when each participant
contributes many, :func:`cluster_robust_mean` (or the mean of participants' own
proportions, :func:`psyai.stats.means.mean_ci`) is the interval that respects it.

References
----------
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources, 50*, 317–372.
Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika, 26*, 404–413.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _groups(data: pd.DataFrame, by: list[str]):
    """(key dict, rows) per group in sorted order; one group of everything when ``by`` is empty."""
    if not by:
        yield {}, data
        return
    for key, rows in data.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(by, key)), rows


def clopper_pearson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact interval of a binomial proportion (``scipy.stats.binomtest(...).proportion_ci``,
    method ``exact``, as R's ``binom.test``); ``(nan, nan)`` when ``n`` is 0."""
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def binomial_test(data: pd.DataFrame, dv: str, by: str | Sequence[str] | None = None, null: float = 0.5,
                  level: float = 0.95) -> pd.DataFrame:
    """A proportion per group with its Clopper–Pearson interval and the exact binomial test.

    Parameters
    ----------
    data : long table, one row per observation.
    dv : boolean (or 0/1) column: a success is True / 1. Missing values are left out.
    by : group column(s); None pools every row into one group.
    null : proportion under the null hypothesis.
    level : confidence level of the interval.

    Returns
    -------
    pandas.DataFrame, one row per group (sorted by ``by``):

    * the ``by`` columns
    * ``n`` — observations; ``n_success`` — successes
    * ``estimate`` — ``n_success / n``
    * ``ci_low``, ``ci_high`` — Clopper–Pearson (exact) interval
    * ``p_val`` — two-sided exact binomial test against ``null`` (``scipy.stats.binomtest``:
      outcomes no more likely than the observed one, as R's ``binom.test``)
    * ``null_value``

    The test treats observations as independent; with several per participant it is
    anticonservative when participants differ (see :func:`cluster_robust_mean`).
    """
    by = _by_list(by)
    rows = []
    for key, d in _groups(data, by):
        x = d[dv].dropna().astype(float)
        k, n = int(x.sum()), int(x.size)
        low, high = clopper_pearson(k, n, level)
        rows.append({**key, "n": n, "n_success": k, "estimate": k / n if n else math.nan, "ci_low": low,
                     "ci_high": high, "p_val": float(stats.binomtest(k, n, null).pvalue) if n else math.nan,
                     "null_value": float(null)})
    return pd.DataFrame(rows, columns=[*by, "n", "n_success", "estimate", "ci_low", "ci_high", "p_val",
                                       "null_value"])


def _cr1(y_sum: np.ndarray, n_sum: np.ndarray, level: float, null: float | None) -> dict:
    """The ratio Σy / Σn with its CR1 standard error from per-cluster sums (see cluster_robust_mean)."""
    g, n = int(y_sum.size), float(n_sum.sum())
    out = {"estimate": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "t": math.nan, "dof": math.nan, "p_val": math.nan}
    if n == 0:
        return out
    r = float(y_sum.sum() / n)
    out["estimate"] = r
    if g < 2:
        return out
    resid = y_sum - r * n_sum  # (G,)
    se = math.sqrt(g / (g - 1) * float(np.sum(resid ** 2))) / n
    half = stats.t.ppf(0.5 + level / 2, g - 1) * se
    out.update(se=se, ci_low=r - half, ci_high=r + half, dof=float(g - 1))
    if null is not None and se > 0:
        t = (r - null) / se
        out.update(t=t, p_val=float(2 * stats.t.sf(abs(t), g - 1)))
    return out


def cluster_robust_mean(data: pd.DataFrame, dv: str, cluster: str, by: str | Sequence[str] | None = None,
                        null: float | None = None, level: float = 0.95, clip: tuple[float, float] | None = None
                        ) -> pd.DataFrame:
    """The mean of ``dv`` over all observations, with a cluster-robust (CR1) standard error.

    The mean is the intercept of ``dv ~ 1``; its sandwich variance with clusters g
    (Cameron & Miller, 2015) is ``V = G/(G−1) · Σ_g (y_g − m·n_g)² / N²``, with G
    clusters, y_g and n_g the sum and count of cluster g and N = Σ n_g — R's
    ``sandwich::vcovCL(lm(y ~ 1), cluster, type = "HC1")``. The interval is
    ``m ± t(G−1) · SE`` and ``null`` (if given) is tested with ``t = (m − null) / SE``.
    For a 0/1 ``dv`` this is a proportion whose interval respects that a participant's
    observations are not independent.

    Parameters
    ----------
    data : long table, one row per observation.
    dv : numeric (or boolean) column; missing values are left out.
    cluster : column naming the cluster of each row (usually ``participant``).
    by : group column(s); None: one group.
    null : value to test the mean against; None: no test (``t``, ``p_val`` NaN).
    level : confidence level.
    clip : bounds the interval is clipped to, e.g. ``(0, 1)`` for a proportion.

    Returns
    -------
    pandas.DataFrame, one row per group: the ``by`` columns, ``n`` (observations),
    ``n_clusters``, ``estimate`` (the mean), ``se``, ``ci_low``, ``ci_high``, ``t``, ``dof``
    (G − 1), ``p_val`` (two-sided) and ``null_value``. The interval and test are NaN with
    fewer than two clusters.
    """
    by = _by_list(by)
    rows = []
    for key, d in _groups(data, by):
        d = d[d[dv].notna()]
        per = d[dv].astype(float).groupby(d[cluster]).agg(["sum", "size"])  # (G, 2)
        res = _cr1(per["sum"].to_numpy(float), per["size"].to_numpy(float), level, null)
        if clip is not None:
            lo, hi = clip
            res["ci_low"] = max(lo, res["ci_low"]) if math.isfinite(res["ci_low"]) else math.nan
            res["ci_high"] = min(hi, res["ci_high"]) if math.isfinite(res["ci_high"]) else math.nan
        rows.append({**key, "n": int(len(d)), "n_clusters": int(len(per)), **res,
                     "null_value": math.nan if null is None else float(null)})
    return pd.DataFrame(rows, columns=[*by, "n", "n_clusters", "estimate", "se", "ci_low", "ci_high", "t", "dof",
                                       "p_val", "null_value"])

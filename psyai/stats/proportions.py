"""Proportions and their intervals: exact binomial, and cluster-robust when observations are nested.

=================================  ===========================================================
:func:`clopper_pearson`            exact (Clopper–Pearson) interval of k successes in n
:func:`binomial_test`              proportion per group, exact interval, exact binomial test
:func:`cluster_robust_mean`        a mean (or proportion) of observations nested in clusters
                                   (e.g. participants), CR1 standard error, t interval and test
:func:`wilson_interval`            Wilson score interval of a proportion, for a (possibly
                                   effective, non-integer) sample size
:func:`cluster_wilson`             a proportion of observations nested in clusters: Wilson
                                   interval on the cluster-robust effective n (inside [0, 1])
:func:`icc_anova`                  intraclass correlation within clusters (one-way ANOVA
                                   estimator, unbalanced clusters)
:func:`sample_size_proportion`     observations and clusters for a ± h interval (normal
                                   approximation, Kish design effect)
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
Cochran, W. G. (1977). *Sampling techniques* (3rd ed.). Wiley.
Donner, A. (1986). A review of inference procedures for the intraclass correlation coefficient
in the one-way random effects model. *International Statistical Review, 54*, 67–82.
Kish, L. (1965). *Survey sampling*. Wiley (the design effect and effective sample size).
Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology, 24*,
193–201.
Ridout, M. S., Demétrio, C. G. B., & Firth, D. (1999). Estimating intraclass correlation for
binary data. *Biometrics, 55*, 137–148.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
inference. *Journal of the American Statistical Association, 22*, 209–212.
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


def wilson_interval(estimate: float, n: float, level: float = 0.95, dof: float | None = None
                    ) -> tuple[float, float]:
    """Wilson (1927) score interval of a proportion ``estimate`` observed in ``n`` trials.

    With critical value q, the interval is
    ``(p + q²/2n ± q·sqrt(p(1 − p)/n + q²/4n²)) / (1 + q²/n)``: the proportions a score
    test at ``1 − level`` would not reject. It lies inside [0, 1] for every p and n, and
    at p = 1 it is ``[1 / (1 + q²/n), 1]`` (at p = 0, ``[0, (q²/n) / (1 + q²/n)]``).
    q is the normal quantile (R's ``prop.test(x, n, correct = FALSE)$conf.int``), or the
    t quantile on ``dof`` degrees of freedom when given (the small-sample adjustment of
    Korn & Graubard, 1998, for clustered data). ``n`` may be non-integer (an effective
    sample size); ``(nan, nan)`` when ``n`` is not positive or the estimate is not finite.
    """
    if not (math.isfinite(estimate) and math.isfinite(n) and n > 0):
        return math.nan, math.nan
    q = stats.norm.ppf(0.5 + level / 2) if dof is None else stats.t.ppf(0.5 + level / 2, dof)
    q2n = q * q / n
    centre = estimate + q2n / 2
    half = q * math.sqrt(max(estimate * (1 - estimate), 0.0) / n + q2n / (4 * n))
    denom = 1 + q2n
    low = 0.0 if estimate <= 0 else max(0.0, (centre - half) / denom)  # exact ends at p = 0 and 1,
    high = 1.0 if estimate >= 1 else min(1.0, (centre + half) / denom)  # not 1e-17 from rounding
    return low, high


def cluster_wilson(data: pd.DataFrame, dv: str, cluster: str, by: str | Sequence[str] | None = None,
                   null: float | None = None, level: float = 0.95) -> pd.DataFrame:
    """A proportion of observations nested in clusters, with a Wilson interval on the effective n.

    Why this interval: a participant's trials are not independent, so the binomial
    interval over all N trials is too narrow, and the cluster-robust Wald interval
    ``p ± t·SE`` (:func:`cluster_robust_mean`) leaves [0, 1] near the boundary and
    collapses to a point at p = 0 or 1 (SE = 0), claiming certainty from a handful of
    participants. Here the clustering enters through the design effect (Kish, 1965):
    the CR1 variance of the proportion, V, gives the effective sample size
    ``n_eff = p(1 − p) / V`` (the number of independent trials that would carry as much
    information), truncated at N (a design effect below 1 is not credited, as Korn &
    Graubard, 1998, do), and the Wilson score interval (:func:`wilson_interval`) is
    computed on n_eff with the t(G − 1) quantile (G clusters). It stays inside [0, 1],
    is asymmetric near the boundary as a proportion's interval should be, and with
    n_eff = N (no clustering) it is the ordinary Wilson interval. When p is 0 or 1 the
    design effect cannot be estimated (V = 0); the interval then takes n_eff = G, each
    cluster counting as one observation (the most conservative case, intra-cluster
    correlation 1, which unanimous clusters are consistent with): at p = 1 the interval
    is ``[1 / (1 + q²/G), 1]``.

    A cluster (participant) bootstrap percentile interval was the alternative; it was not
    chosen because at p = 0 or 1 every resample gives the same p and the interval
    collapses to a point, and with few clusters percentile intervals undercover.

    Parameters
    ----------
    data : long table, one row per observation.
    dv : proportion-valued column (0/1, or fractional outcomes such as a tie = 0.5);
        missing values are left out.
    cluster : column naming the cluster of each row (usually ``participant``).
    by : group column(s); None: one group.
    null : value ``t``/``p_val`` test against (the CR1 t test of :func:`cluster_robust_mean`);
        None: no test.
    level : confidence level.

    Returns
    -------
    pandas.DataFrame, one row per group: the columns of :func:`cluster_robust_mean`
    (``se`` the CR1 standard error, ``t``, ``dof``, ``p_val`` its t test) with ``ci_low``,
    ``ci_high`` the Wilson interval on the effective n, plus ``n_eff`` (the effective
    sample size used; NaN with fewer than two clusters, where there is no interval).
    """
    table = cluster_robust_mean(data, dv, cluster, by=by, null=null, level=level)
    n_eff, low, high = [], [], []
    for row in table.itertuples(index=False):
        p, se, n, g = float(row.estimate), float(row.se), float(row.n), int(row.n_clusters)
        if g < 2 or not math.isfinite(se):
            ne = math.nan
        elif p <= 0.0 or p >= 1.0:
            ne = float(g)
        elif se == 0.0:
            ne = n
        else:
            ne = min(n, p * (1.0 - p) / se ** 2)
        lo, hi = wilson_interval(p, ne, level, dof=g - 1) if math.isfinite(ne) else (math.nan, math.nan)
        n_eff.append(ne)
        low.append(lo)
        high.append(hi)
    table = table.assign(ci_low=low, ci_high=high)
    table.insert(table.columns.get_loc("n_clusters") + 1, "n_eff", n_eff)
    return table


def icc_anova(data: pd.DataFrame, dv: str, cluster: str) -> dict:
    """Intraclass correlation of ``dv`` within clusters by the one-way ANOVA estimator, unbalanced clusters.

    ``ρ = (MSB − MSW) / (MSB + (n₀ − 1) · MSW)`` with MSB and MSW the between- and
    within-cluster mean squares and ``n₀ = (N − Σ n_g² / N) / (G − 1)`` the average
    cluster size adjusted for imbalance (Donner, 1986, eq. 2; for 0/1 outcomes the
    estimator of Ridout, Demétrio & Firth, 1999). It can be negative when clusters vary
    less than chance; ``icc`` keeps the estimate, ``icc_truncated`` bounds it below at 0
    (what a design effect uses).

    Returns
    -------
    dict with ``icc``, ``icc_truncated``, ``msb``, ``msw``, ``n0``, ``n`` (observations),
    ``n_clusters``, ``mean_cluster_size`` (N / G); NaN statistics with fewer than two
    clusters or no within-cluster replication.
    """
    d = data[[dv, cluster]].dropna()
    y = d[dv].astype(float)
    per = y.groupby(d[cluster]).agg(["sum", "size", "mean"])  # (G, 3)
    n, g = float(len(y)), int(len(per))
    out = {"icc": math.nan, "icc_truncated": math.nan, "msb": math.nan, "msw": math.nan, "n0": math.nan,
           "n": int(n), "n_clusters": g, "mean_cluster_size": n / g if g else math.nan}
    if g < 2 or n <= g:
        return out
    grand = float(y.mean())
    ssb = float(np.sum(per["size"] * (per["mean"] - grand) ** 2))
    ssw = float(np.sum((y - d[cluster].map(per["mean"])) ** 2))
    msb, msw = ssb / (g - 1), ssw / (n - g)
    n0 = (n - float(np.sum(per["size"] ** 2)) / n) / (g - 1)
    denom = msb + (n0 - 1) * msw
    icc = (msb - msw) / denom if denom > 0 else math.nan
    out.update(icc=icc, icc_truncated=max(0.0, icc) if math.isfinite(icc) else math.nan, msb=msb, msw=msw, n0=n0)
    return out


def sample_size_proportion(p: float, half_width: float, level: float = 0.95, icc: float = 0.0,
                           cluster_size: float = 1.0) -> dict:
    """Observations (and clusters) needed for a ``± half_width`` interval on a proportion near ``p``.

    Normal approximation: ``n_srs = z² · p(1 − p) / h²`` independent observations, z the
    normal quantile at ``level`` (Cochran, 1977, eq. 4.2); with ``cluster_size`` (m)
    observations per cluster correlated ``icc`` (ρ), the design effect ``DEFF = 1 + (m − 1)ρ``
    (Kish, 1965) multiplies it: ``n = n_srs · DEFF``, and ``clusters = n / m``. Both are
    rounded up. It plans the interval's width, not a test's power.

    Returns
    -------
    dict with ``p``, ``half_width``, ``level``, ``z``, ``icc``, ``cluster_size``, ``deff``,
    ``n_srs`` (unrounded), ``n`` (observations, rounded up), ``n_clusters`` (rounded up).
    """
    if not 0 < half_width < 1:
        raise ValueError(f"half_width={half_width}: give the half-width of the interval as a proportion, e.g. 0.03")
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    if not 0 <= p <= 1:
        raise ValueError(f"p={p}: give the expected proportion, between 0 and 1")
    if cluster_size < 1:
        raise ValueError(f"cluster_size={cluster_size}: give the observations per cluster (1 or more)")
    z = float(stats.norm.ppf(0.5 + level / 2))
    rho = max(0.0, float(icc)) if math.isfinite(icc) else 0.0
    deff = 1.0 + (cluster_size - 1.0) * rho
    n_srs = z * z * p * (1.0 - p) / half_width ** 2
    n = math.ceil(n_srs * deff - 1e-9)
    return {"p": float(p), "half_width": float(half_width), "level": float(level), "z": z, "icc": rho,
            "cluster_size": float(cluster_size), "deff": deff, "n_srs": n_srs, "n": int(n),
            "n_clusters": int(math.ceil(n / cluster_size - 1e-9))}

"""Means and their tests: the t interval of a mean, the one-sample t test, the Wilcoxon signed-rank test.

=============================  ===========================================================
:func:`mean_ci`                mean with its t interval (e.g. of participants' own rates:
                               the participant-clustered interval)
:func:`one_sample_ttest`       one-sample t test against a null value, Cohen's d (pingouin)
:func:`wilcoxon_signed_rank`   Wilcoxon signed-rank test against a null value (scipy)
=============================  ===========================================================

References
----------
Student (1908). The probable error of a mean. *Biometrika, 6*, 1–25.
Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics Bulletin, 1*, 80–83.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

TTEST_COLUMNS = ["n", "mean", "sd", "ci_low", "ci_high", "t", "dof", "p_val", "cohen_d", "null_value"]


def _finite(x: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def mean_ci(x: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """The mean of ``x`` with its t interval: ``mean ± t(n − 1; (1 + level)/2) · sd / √n``.

    Non-finite values are dropped. Returns ``(mean, ci_low, ci_high, n)``; the interval
    is NaN with fewer than two values, and of zero width when every value is the same.
    """
    x = _finite(x)
    if x.size == 0:
        return math.nan, math.nan, math.nan, 0
    if x.size < 2:
        return float(x.mean()), math.nan, math.nan, int(x.size)
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half), int(x.size)


def one_sample_ttest(x: Sequence[float] | np.ndarray | pd.Series, null: float = 0.0,
                     level: float = 0.95) -> pd.DataFrame:
    """One-sample t test of ``x`` against ``null`` (two-sided), with Cohen's d.

    t, dof and p come from ``pingouin.ttest``; the interval is :func:`mean_ci` at full
    precision (pingouin rounds its own to two decimals).

    Returns
    -------
    pandas.DataFrame with one row:

    * ``n`` — finite values (non-finite ones are dropped)
    * ``mean``, ``sd`` (ddof 1)
    * ``ci_low``, ``ci_high`` — t interval of the mean at ``level``
    * ``t``, ``dof``, ``p_val`` — the test (two-sided)
    * ``cohen_d`` — signed ``(mean − null) / sd`` (pingouin reports the absolute value)
    * ``null_value``

    With fewer than two values, or no spread, the test columns are NaN.
    """
    import pingouin as pg

    x = _finite(x)
    row = {"n": int(x.size), "mean": float(x.mean()) if x.size else math.nan,
           "sd": float(x.std(ddof=1)) if x.size > 1 else math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "t": math.nan, "dof": math.nan, "p_val": math.nan, "cohen_d": math.nan, "null_value": float(null)}
    if x.size >= 2 and row["sd"] > 0:
        res = pg.ttest(x, null, confidence=level).iloc[0]
        p_col = "p_val" if "p_val" in res.index else "p-val"
        _, low, high, _ = mean_ci(x, level)
        row.update(ci_low=low, ci_high=high, t=float(res["T"]), dof=float(res["dof"]), p_val=float(res[p_col]),
                   cohen_d=float((row["mean"] - null) / row["sd"]))
    return pd.DataFrame([row], columns=TTEST_COLUMNS)


def wilcoxon_signed_rank(x: Sequence[float] | np.ndarray | pd.Series, null: float = 0.0) -> pd.DataFrame:
    """Wilcoxon signed-rank test of ``x − null`` against 0, two-sided, as R's ``wilcox.test`` computes it.

    Zero differences are dropped (Wilcoxon's convention). The p value is exact when fewer
    than 50 differences remain and none are tied or zero; otherwise it is the normal
    approximation with the tie-corrected variance and a continuity correction — R's
    defaults (``exact = NULL, correct = TRUE``). (scipy's own default differs for small
    samples with ties: it runs a permutation test, which R does not.)

    Returns
    -------
    pandas.DataFrame with one row: ``n`` (finite values), ``w_stat`` (the smaller of the
    positive and negative rank sums), ``p_val``, ``method`` (``exact`` or ``normal``),
    ``null_value``. NaN test columns with fewer than two values or when every difference
    is zero.
    """
    x = _finite(x)
    d = x - null
    row = {"n": int(x.size), "w_stat": math.nan, "p_val": math.nan, "method": None, "null_value": float(null)}
    nonzero = d[d != 0]
    if x.size >= 2 and nonzero.size:
        exact = nonzero.size < 50 and nonzero.size == d.size and np.unique(np.abs(d)).size == d.size
        res = stats.wilcoxon(d, zero_method="wilcox", method="exact" if exact else "approx", correction=True)
        row.update(w_stat=float(res.statistic), p_val=float(res.pvalue), method="exact" if exact else "normal")
    return pd.DataFrame([row], columns=["n", "w_stat", "p_val", "method", "null_value"])

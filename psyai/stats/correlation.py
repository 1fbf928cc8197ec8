"""Rank correlation: Spearman's rho, and its permutation null within one set of paired values.

=================================  ===========================================================
:func:`spearman_rho`               Spearman's rho: the Pearson correlation of mid-ranks
:func:`permutation_baseline`       rho against the shuffles of one side: null mean and SD,
                                   one-sided Monte-Carlo p value
=================================  ===========================================================

Both treat ties by mid-ranks (the average of the ranks the tied values span), as R's
``cor(x, y, method = "spearman")`` and ``scipy.stats.spearmanr`` do. The permutation null
keeps ``x`` fixed and shuffles ``y`` (e.g. a model's values across the words of one text);
over all ``n!`` shuffles the mean of rho is exactly 0 (the ranks are centred), so
``rho_perm_mean`` is 0 up to Monte-Carlo error of about ``rho_perm_sd / √n_perm``.

References
----------
Spearman, C. (1904). The proof and measurement of association between two things.
*American Journal of Psychology, 15*, 72–101.
Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero: Calculating
exact p-values when permutations are randomly drawn. *Statistical Applications in Genetics
and Molecular Biology, 9*(1), 39.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from psyai.errors import DataError

PERMUTATION_KEYS = ("rho", "rho_perm_mean", "rho_perm_sd", "p_perm")


def _paired(x: Sequence[float] | np.ndarray | pd.Series,
            y: Sequence[float] | np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)  # (n,), (n,)
    if x.ndim != 1 or x.shape != y.shape:
        raise DataError(f"x and y must be paired values of the same length, got shapes {x.shape} and {y.shape}; "
                        "pass one value of each per observation (drop the unpaired ones first)")
    return x, y


def _centred_ranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks minus their mean, (n,)."""
    r = stats.rankdata(x)  # (n,)
    return r - r.mean()


def _rho_many(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """rho of one centred rank vector ``rx`` (n,) against many centred rank vectors ``ry`` (k, n): (k,)."""
    den = np.sqrt((rx ** 2).sum() * (ry ** 2).sum(axis=1))  # (k,)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, ry @ rx / den, np.nan)


def spearman_rho(x: Sequence[float] | np.ndarray | pd.Series, y: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Spearman's rank correlation of paired values ``x`` and ``y``.

    The Pearson correlation of the mid-ranks (ties share the average of their ranks),
    as R's ``cor(x, y, method = "spearman")``. Returns a float; NaN when either side has
    no spread (every value the same, or fewer than two values).

    Raises
    ------
    psyai.errors.DataError
        If ``x`` and ``y`` are not one-dimensional and of the same length.
    """
    x, y = _paired(x, y)
    rx, ry = _centred_ranks(x), _centred_ranks(y)  # (n,), (n,)
    den = math.sqrt(float((rx ** 2).sum() * (ry ** 2).sum()))
    return float((rx * ry).sum() / den) if den > 0 else math.nan


def permutation_baseline(x: Sequence[float] | np.ndarray | pd.Series, y: Sequence[float] | np.ndarray | pd.Series,
                         n_perm: int = 200, rng: np.random.Generator | None = None) -> dict[str, float]:
    """Spearman's rho of ``x`` and ``y`` against its null: ``y``'s values shuffled ``n_perm`` times.

    Each shuffle permutes ``y`` across the observations (e.g. a model's values across the
    words of one text) and keeps ``x``; the shuffled rhos are the null distribution of
    rho for these values, ties included.

    Parameters
    ----------
    x, y : paired values, one of each per observation.
    n_perm : number of shuffles.
    rng : numpy Generator for the shuffles (default ``np.random.default_rng(0)``); pass one
        Generator to successive calls for independent shuffles.

    Returns
    -------
    dict with

    * ``rho`` — observed Spearman rho (:func:`spearman_rho`)
    * ``rho_perm_mean`` — mean of the shuffled rhos (exactly 0 over all ``n!`` shuffles)
    * ``rho_perm_sd`` — their SD (ddof 0)
    * ``p_perm`` — one-sided p value of rho ≥ observed: ``(k + 1) / (n_perm + 1)``, k the
      shuffles with rho at least the observed one (Phipson & Smyth, 2010)

    All NaN when rho is undefined (no spread on either side).

    Raises
    ------
    psyai.errors.DataError
        If ``x`` and ``y`` are not one-dimensional and of the same length.
    """
    x, y = _paired(x, y)
    rng = rng or np.random.default_rng(0)
    rx, ry = _centred_ranks(x), _centred_ranks(y)  # (n,), (n,)
    rho = spearman_rho(x, y)
    perms = rng.permuted(np.tile(ry, (n_perm, 1)), axis=1)  # (n_perm, n)
    null = _rho_many(rx, perms)  # (n_perm,)
    if not np.isfinite(rho):
        return dict.fromkeys(PERMUTATION_KEYS, math.nan)
    return {"rho": rho, "rho_perm_mean": float(np.nanmean(null)), "rho_perm_sd": float(np.nanstd(null)),
            "p_perm": float((np.sum(null >= rho - 1e-12) + 1) / (n_perm + 1))}

"""Agreement between raters: mid-ranks, Kendall's W with the Friedman test, Krippendorff's α.

====================================  ==================================================================
:func:`midranks`                      ranks → mid-ranks within blocks (ties averaged, missing ranks
                                      tied below every ranked one)
:func:`kendall_w_matrix`              Kendall's W of a raters × objects matrix, tie-corrected, with the
                                      Friedman χ² test
:func:`kendall_w`                     the same per block of a long table; raters shown another set of
                                      objects than most are left out and counted
:func:`alpha_from_counts`             Krippendorff's α from a units × values table of counts
:func:`krippendorff_alpha`            Krippendorff's α of a long table (nominal, ordinal, interval, ratio)
:func:`krippendorff_alpha_ci`         the same with a percentile bootstrap interval over clusters of units
====================================  ==================================================================

Tables are long: one row per (block or unit, rater) and value. Ranks follow the usual
convention that 1 is the best; any scores in which smaller is better will do for
Kendall's W (each rater's values are re-ranked).

References
----------
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall.
Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. *Annals of
Mathematical Statistics, 10*, 275–287.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
Communication Departmental Papers, University of Pennsylvania.
Siegel, S., & Castellan, N. J. (1988). *Nonparametric statistics for the behavioral
sciences* (2nd ed.), §9.4 (Kendall's W with ties). McGraw-Hill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["LEVELS_OF_MEASUREMENT", "alpha_from_counts", "kendall_w", "kendall_w_matrix", "krippendorff_alpha",
           "krippendorff_alpha_ci", "midranks"]

LEVELS_OF_MEASUREMENT = ("nominal", "ordinal", "interval", "ratio")
KENDALL_W_COLUMNS = ["n_raters", "n_objects", "n_raters_excluded", "w", "w_uncorrected", "chi2", "dof", "p_val"]


def _columns(cols: str | Sequence[str]) -> list[str]:
    return [cols] if isinstance(cols, str) else list(cols)


def _check_level_of_measurement(level_of_measurement: str) -> None:
    if level_of_measurement not in LEVELS_OF_MEASUREMENT:
        raise ValueError(f"level_of_measurement={level_of_measurement!r}: use one of "
                         f"{', '.join(LEVELS_OF_MEASUREMENT)}")


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


# --------------------------------------------------------------------------- mid-ranks and Kendall's W


def midranks(data: pd.DataFrame, block: str | Sequence[str], rank: str) -> pd.Series:
    """Mid-ranks within each block: ties averaged, missing ranks tied below every ranked one.

    A block's ranks (1, 1, 3, missing, missing) become (1.5, 1.5, 3, 4.5, 4.5) — R's
    ``rank(ties.method = "average")`` with missing ranks replaced by ``Inf`` (the usual
    reading of a top-k ranking: what was left unranked comes after what was ranked).
    Whatever tie convention the ranks follow (1, 1, 3 or 1, 1, 2), the mid-ranks are the same.

    Parameters
    ----------
    data : long table, one row per ranked object.
    block : column(s) naming the block (e.g. one ranking trial); rows with a missing
        block value form blocks of their own.
    rank : column of ranks (or any scores in which smaller is better); missing or
        non-numeric values are unranked.

    Returns
    -------
    pandas.Series aligned with ``data`` (same index), float.
    """
    filled = _numeric(data[rank]).fillna(np.inf)
    return filled.groupby([data[k] for k in _columns(block)], dropna=False).rank(method="average")


def kendall_w_matrix(ranks: np.ndarray | Sequence[Sequence[float]]) -> dict:
    """Kendall's coefficient of concordance W of m raters ranking the same n objects, ties corrected.

    Parameters
    ----------
    ranks : array (m raters, n objects); each row is re-ranked to mid-ranks (1 = first),
        so any scores in which smaller is better will do. No missing values.

    Returns
    -------
    dict with ``w`` (Siegel & Castellan, 1988, eq. 9.16:
    W = 12 S / (m²(n³ − n) − m Σ T), S = Σ_j (R_j − R̄)², T = Σ (t³ − t) over each rater's
    tie groups), ``w_uncorrected`` (the same without Σ T), ``chi2`` = m(n − 1) W (the
    Friedman statistic with its tie correction, R's ``friedman.test``), ``dof`` = n − 1,
    ``p_val`` (χ² approximation; conservative-to-rough for small m and n), ``m``, ``n``.
    W is NaN when m < 2, n < 2, or every rater tied every object.
    """
    r = np.asarray(ranks, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"ranks has shape {r.shape}; give a 2-D array (raters, objects)")
    m, n = r.shape
    out = {"w": math.nan, "w_uncorrected": math.nan, "chi2": math.nan, "dof": float(max(n - 1, 0)),
           "p_val": math.nan, "m": int(m), "n": int(n)}
    if m < 2 or n < 2:
        return out
    if not np.isfinite(r).all():
        raise ValueError("ranks has missing or infinite values; Kendall's W needs complete rankings")
    mid = np.vstack([stats.rankdata(row, method="average") for row in r])  # (m, n)
    totals = mid.sum(axis=0)  # (n,)
    s = float(np.sum((totals - totals.mean()) ** 2))
    ties = 0.0
    for row in mid:
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts ** 3 - counts))
    full = m ** 2 * (n ** 3 - n)
    denom = full - m * ties
    if denom <= 0:
        return out
    w = 12.0 * s / denom
    chi2 = m * (n - 1) * w
    out.update(w=w, w_uncorrected=12.0 * s / full, chi2=chi2, p_val=float(stats.chi2.sf(chi2, n - 1)))
    return out


def kendall_w(data: pd.DataFrame, block: str | Sequence[str], rater: str, item: str, value: str) -> pd.DataFrame:
    """Kendall's W per block of a long table, over the raters who ranked the block's objects.

    W needs complete blocks: the objects of a block are the set most of its raters ranked,
    and a rater who ranked another set (e.g. was shown one object fewer) is left out and
    counted in ``n_raters_excluded``. Rows with a missing value are left out first (a rater
    missing one object has another set); a rater's repeated value for an object counts
    once (the first). Each rater's values are re-ranked (:func:`kendall_w_matrix`), so give
    mid-ranks (:func:`midranks`) or any scores in which smaller is better.

    Parameters
    ----------
    data : long table, one row per (block, rater, object).
    block : column(s) naming the block (e.g. the prompt).
    rater, item : columns naming the rater and the object ranked.
    value : column of ranks or scores (smaller is better).

    Returns
    -------
    pandas.DataFrame, one row per block (sorted): the ``block`` columns, ``n_raters`` (m),
    ``n_objects`` (n), ``n_raters_excluded``, ``w``, ``w_uncorrected``, ``chi2``, ``dof``,
    ``p_val`` (see :func:`kendall_w_matrix`).
    """
    blocks = _columns(block)
    d = data.dropna(subset=[value])
    rows = []
    for key, rows_of_block in d.groupby(blocks, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        wide = rows_of_block.pivot_table(index=rater, columns=item, values=value, aggfunc="first")
        items_per_rater = rows_of_block.groupby(rater)[item].apply(frozenset)
        full_set = items_per_rater.value_counts().idxmax()  # the set most raters ranked
        keep = items_per_rater.index[items_per_rater == full_set]
        mat = wide.loc[keep, sorted(full_set)].to_numpy(float)
        res = kendall_w_matrix(mat)
        rows.append({**dict(zip(blocks, key)), "n_raters": res["m"], "n_objects": res["n"],
                     "n_raters_excluded": int(len(items_per_rater) - len(keep)),
                     **{k: res[k] for k in ("w", "w_uncorrected", "chi2", "dof", "p_val")}})
    return pd.DataFrame(rows, columns=[*blocks, *KENDALL_W_COLUMNS])


# --------------------------------------------------------------------------- Krippendorff's alpha


def alpha_from_counts(counts: np.ndarray, domain: np.ndarray, level_of_measurement: str = "ordinal") -> float:
    """Krippendorff's α from a units × values table of counts (Krippendorff, 2011).

    Parameters
    ----------
    counts : (U, V) array, ``counts[u, c]`` = number of coders who gave unit u the value
        ``domain[c]``. Units with fewer than two values are not pairable and drop out.
    domain : (V,) the values, in increasing order.
    level_of_measurement : the distance δ² between values c and k: ``nominal`` [c ≠ k];
        ``ordinal`` (Σ_{g=c..k} n_g − (n_c + n_k)/2)², n_g the pairable frequency of value g;
        ``interval`` (c − k)²; ``ratio`` ((c − k)/(c + k))².

    Returns
    -------
    float: α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, with o the coincidence matrix
    o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1) and n = Σ n_c; NaN when no unit is
    pairable or fewer than two values occur in pairable units.
    """
    _check_level_of_measurement(level_of_measurement)
    counts = np.asarray(counts, dtype=float)  # (U, V)
    domain = np.asarray(domain, dtype=float)  # (V,)
    m_u = counts.sum(axis=1)  # (U,) values per unit
    pairable = counts[m_u >= 2]  # (U', V)
    if pairable.size == 0:
        return math.nan
    scale = 1.0 / (pairable.sum(axis=1) - 1.0)  # (U',)
    coincidence = np.einsum("u,uc,uk->ck", scale, pairable, pairable)  # (V, V)
    coincidence -= np.diag((scale[:, None] * pairable).sum(axis=0))
    n_c = coincidence.sum(axis=1)  # (V,)
    n = n_c.sum()
    if (n_c > 0).sum() < 2:
        return math.nan
    c, k = np.meshgrid(domain, domain, indexing="ij")  # (V, V)
    if level_of_measurement == "nominal":
        delta = (c != k).astype(float)
    elif level_of_measurement == "ordinal":
        cum = np.cumsum(n_c)  # (V,) Σ_{g <= c} n_g
        i, j = np.meshgrid(np.arange(domain.size), np.arange(domain.size), indexing="ij")
        lo_, hi_ = np.minimum(i, j), np.maximum(i, j)
        between = cum[hi_] - cum[lo_] + n_c[lo_]  # Σ_{g = lo..hi} n_g
        delta = (between - (n_c[i] + n_c[j]) / 2.0) ** 2
    elif level_of_measurement == "interval":
        delta = (c - k) ** 2
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(c + k == 0, 0.0, ((c - k) / (c + k)) ** 2)
    expected = float(np.sum(np.outer(n_c, n_c) * delta))
    if expected == 0:
        return math.nan
    return float(1.0 - (n - 1.0) * np.sum(coincidence * delta) / expected)


def _value_counts(data: pd.DataFrame, units: list[str], coder: str, value: str, cluster: str | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(units × values counts (U, V), the value domain (V,), a cluster code per unit (U,)).

    Rows with a missing value are left out and a coder's repeated value for a unit counts
    once (the first). Units are in sorted order; cluster codes number the clusters in the
    order they first occur among the sorted units (each unit its own cluster when
    ``cluster`` is None).
    """
    d = data.dropna(subset=[value]).drop_duplicates([*units, coder])
    values = _numeric(d[value])
    domain = np.sort(values.unique())
    if d.empty:
        return np.zeros((0, 0)), domain, np.zeros(0, dtype=int)
    table = pd.crosstab([d[u] for u in units], values).reindex(columns=domain, fill_value=0)  # (U, V)
    if cluster is None:
        labels = table.index
    elif cluster in units:
        labels = table.index.get_level_values(cluster)
    else:
        if (d.groupby(units, dropna=False)[cluster].nunique(dropna=False) > 1).any():
            raise ValueError(f"cluster column {cluster!r} differs within a unit; every unit must lie in one cluster")
        labels = d.drop_duplicates(units).set_index(units)[cluster].reindex(table.index)
    return table.to_numpy(dtype=float), domain, pd.factorize(np.asarray(labels))[0]


def krippendorff_alpha(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                       level_of_measurement: str = "ordinal") -> float:
    """Krippendorff's α of a long table (one row per unit and coder).

    Parameters
    ----------
    data : long table; rows with a missing value are left out; a coder's repeated value
        for a unit counts once (the first).
    unit, coder, value : column names (``unit`` may be several columns).
    level_of_measurement : ``nominal``, ``ordinal``, ``interval`` or ``ratio``.

    Returns
    -------
    float: α (see :func:`alpha_from_counts`; NaN when it is undefined).
    """
    _check_level_of_measurement(level_of_measurement)
    counts, domain, _ = _value_counts(data, _columns(unit), coder, value)
    if counts.size == 0:
        return math.nan
    return alpha_from_counts(counts, domain, level_of_measurement)


def krippendorff_alpha_ci(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                          cluster: str | None = None, level_of_measurement: str = "ordinal", level: float = 0.95,
                          n_boot: int = 1000, seed: int | np.random.Generator = 0) -> dict:
    """Krippendorff's α with a percentile bootstrap interval that resamples clusters of units.

    Units that belong together (e.g. the outputs of one prompt, ranked together) are not
    independent, so whole clusters are drawn with replacement (Efron & Tibshirani, 1993),
    each resample's α is computed on the units of the drawn clusters, and the interval is
    the (1 − level)/2 and (1 + level)/2 quantiles of the resampled α (``numpy.quantile``,
    linear interpolation: ``scipy.stats.bootstrap(method="percentile")``).

    Parameters
    ----------
    data : long table, one row per unit and coder (see :func:`krippendorff_alpha`).
    unit, coder, value : column names (``unit`` may be several columns).
    cluster : column naming the cluster of each unit (it may be one of the ``unit``
        columns; it must not vary within a unit); None: units are resampled one by one.
    level_of_measurement : ``nominal``, ``ordinal``, ``interval`` or ``ratio``.
    level : confidence level of the interval.
    n_boot : resamples.
    seed : seed of the random generator, or a ``numpy.random.Generator`` to draw from
        (several intervals can then share one stream of draws).

    Returns
    -------
    dict with ``alpha``, ``ci_low``, ``ci_high`` (NaN when α is undefined, with fewer than
    two clusters, or when α is undefined in more than 10 % of the resamples),
    ``n_units`` (pairable units: coded by two or more coders), ``n_coders`` (coders with a
    value), ``n_values`` (pairable values), ``n_clusters``, ``n_boot``, ``n_boot_failed``
    (resamples whose α is undefined; left out) and ``level_of_measurement``. No random
    numbers are drawn when α is undefined.
    """
    _check_level_of_measurement(level_of_measurement)
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    if n_boot < 1:
        raise ValueError(f"n_boot={n_boot}: give the number of bootstrap resamples (1000 or more for a report)")
    rng = np.random.default_rng(seed)
    vals = _numeric(data[value])
    d = data.assign(**{value: vals})
    counts, domain, cluster_of_unit = _value_counts(d, _columns(unit), coder, value, cluster)  # (U, V), (V,), (U,)
    alpha = alpha_from_counts(counts, domain, level_of_measurement) if counts.size else math.nan
    pairable = counts.sum(axis=1) >= 2  # (U,)
    n_clusters = int(cluster_of_unit.max() + 1) if cluster_of_unit.size else 0
    lo = hi = math.nan
    failed = 0
    if math.isfinite(alpha):
        groups = [np.flatnonzero(cluster_of_unit == g) for g in range(n_clusters)]
        boot = []
        for _ in range(n_boot):
            pick = rng.integers(0, len(groups), len(groups))  # clusters, with replacement
            resampled = alpha_from_counts(counts[np.concatenate([groups[g] for g in pick])], domain,
                                          level_of_measurement)
            if math.isfinite(resampled):
                boot.append(resampled)
        failed = n_boot - len(boot)
        if len(groups) >= 2 and len(boot) >= 0.9 * n_boot:  # one cluster: resampling it says nothing
            lo, hi = (float(q) for q in np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2]))
    return {"alpha": alpha, "ci_low": lo, "ci_high": hi, "n_units": int(pairable.sum()),
            "n_coders": int(d.loc[vals.notna(), coder].nunique()), "n_values": int(counts[pairable].sum()),
            "n_clusters": n_clusters, "n_boot": int(n_boot), "n_boot_failed": int(failed),
            "level_of_measurement": level_of_measurement}

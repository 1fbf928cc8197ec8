"""Agreement between raters: mid-ranks, Kendall's W with the Friedman test, Krippendorff's α, Fleiss' κ.

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
:func:`alpha_without_each`            α of the others without each coder in turn (how each coder moves α)
:func:`label_codes`                   labels (strings or numbers) → the values α compares, per level
:func:`fleiss_kappa`                  Fleiss' κ for m raters per unit (nominal), its z test and a
                                      bootstrap interval over units
:func:`fleiss_kappa_categories`       Fleiss' κ of each category against the rest
====================================  ==================================================================

Tables are long: one row per (block or unit, rater) and value. Ranks follow the usual
convention that 1 is the best; any scores in which smaller is better will do for
Kendall's W (each rater's values are re-ranked).

Labels may be strings ("hateful") or numbers. Nominal data take either; ordinal string
labels need their order (``order=["low", "mid", "high"]``); interval and ratio data need
numbers. A label that does not fit is refused with its value named, never dropped.

References
----------
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall.
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. *Psychological
Bulletin, 76*, 378–382.
Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa in the
case of different sets of raters. *Psychological Bulletin, 86*, 974–977.
Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. *Annals of
Mathematical Statistics, 10*, 275–287.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
Communication Departmental Papers, University of Pennsylvania.
Siegel, S., & Castellan, N. J. (1988). *Nonparametric statistics for the behavioral
sciences* (2nd ed.), §9.4 (Kendall's W with ties). McGraw-Hill.
Zapf, A., Castell, S., Morawietz, L., & Karch, A. (2016). Measuring inter-rater reliability
for nominal data – which coefficients and confidence intervals are appropriate? *BMC
Medical Research Methodology, 16*, 93 (bootstrap intervals of α and κ over units).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["LEVELS_OF_MEASUREMENT", "NotApplicable", "alpha_from_counts", "alpha_without_each", "fleiss_kappa",
           "fleiss_kappa_categories", "kendall_w", "kendall_w_matrix", "krippendorff_alpha", "krippendorff_alpha_ci",
           "label_codes", "midranks"]

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


class NotApplicable(ValueError):
    """The data do not meet a statistic's conditions (e.g. Fleiss' κ with unequal numbers of ratings per unit)."""


# --------------------------------------------------------------------------- labels


def _is_missing(x: object) -> bool:
    if isinstance(x, str):
        return not x.strip()
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # a list or other container: not a missing value
        return False


def _label_text(x: object) -> str:
    """A label as text: numbers without a spurious ``.0`` (1.0 → "1"), strings stripped."""
    if isinstance(x, (bool, np.bool_)):
        return str(x)
    if isinstance(x, (int, float, np.integer, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x).strip()


def label_codes(labels: pd.Series, level_of_measurement: str = "nominal", order: Sequence | None = None
                ) -> tuple[pd.Series, np.ndarray, list[str]]:
    """The values Krippendorff's α and Fleiss' κ compare, from labels that are strings or numbers.

    Parameters
    ----------
    labels : one label per row; missing labels are NaN, None or blank strings.
    level_of_measurement : ``nominal``: any labels, each distinct label its own category
        (numbers and their text are one label: 1, 1.0 and "1" are the same); ``ordinal``:
        numbers, or strings with their ``order``; ``interval`` and ``ratio``: numbers.
    order : the labels from lowest to highest (ordinal; for nominal labels it only fixes
        the order categories are listed in, and checks that no label is outside it). Every
        label must be in it (compared as text).

    Returns
    -------
    codes : float Series aligned with ``labels`` (NaN where missing): the numbers
        themselves for numeric labels without an ``order``, else the position of the label
        (0, 1, …) in ``order`` or, for nominal strings, in the sorted labels.
    domain : the sorted codes that occur.
    names : the label each value of ``domain`` stands for (text).

    Raises
    ------
    ValueError naming the label and the fix: an ordinal string label without ``order``,
    a label outside ``order``, a label that is not a number at the interval or ratio level.
    """
    _check_level_of_measurement(level_of_measurement)
    labels = pd.Series(labels)
    present = ~labels.map(_is_missing).astype(bool)
    codes = pd.Series(np.nan, index=labels.index, dtype=float)
    given = labels[present]
    if order is not None:
        if level_of_measurement in ("interval", "ratio"):
            raise ValueError(f"order= is for ordinal (or nominal) labels; {level_of_measurement} labels are numbers "
                             "and their distances come from the numbers themselves")
        names = [_label_text(o) for o in order]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"order lists {', '.join(map(repr, repeated))} more than once; give each label once")
        position = {n: i for i, n in enumerate(names)}
        text = given.map(_label_text)
        outside = sorted(set(text) - set(position))
        if outside:
            raise ValueError(f"label(s) {', '.join(map(repr, outside[:5]))} are not in order={names}; add them to "
                             "the order or correct the labels")
        codes[present] = text.map(position).astype(float)
    else:
        numbers = pd.to_numeric(given, errors="coerce") if len(given) else given.astype(float)
        not_number = given[numbers.isna()] if len(given) else given
        if not_number.empty:
            codes[present] = numbers.astype(float)
            uniq = np.sort(codes[present].unique())
            return codes, uniq, [_label_text(v) for v in uniq]
        if level_of_measurement in ("interval", "ratio"):
            raise ValueError(f"label {not_number.iloc[0]!r} is not a number; {level_of_measurement} labels must be "
                             "numbers (use the nominal level for categories, or ordinal with their order)")
        if level_of_measurement == "ordinal":
            found = sorted(given.map(_label_text).unique())
            shown = ", ".join(map(repr, found[:8])) + (" …" if len(found) > 8 else "")
            raise ValueError(f"ordinal labels that are not numbers need their order, lowest first (order=[...], "
                             f"--order a,b,c); labels found: {shown}")
        text = given.map(_label_text)
        names = sorted(text.unique())
        codes[present] = text.map({n: i for i, n in enumerate(names)}).astype(float)
    used = np.sort(codes[present].unique())
    return codes, used, [names[int(i)] for i in used]


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


def _coded(data: pd.DataFrame, value: str, level_of_measurement: str, order: Sequence | None) -> pd.DataFrame:
    return data.assign(**{value: label_codes(data[value], level_of_measurement, order)[0]})


def krippendorff_alpha(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                       level_of_measurement: str = "ordinal", order: Sequence | None = None) -> float:
    """Krippendorff's α of a long table (one row per unit and coder).

    Parameters
    ----------
    data : long table; rows with a missing value are left out; a coder's repeated value
        for a unit counts once (the first).
    unit, coder, value : column names (``unit`` may be several columns).
    level_of_measurement : ``nominal``, ``ordinal``, ``interval`` or ``ratio``.
    order : ordinal string labels from lowest to highest (see :func:`label_codes`: strings
        are nominal or ordered labels, numbers are numbers).

    Returns
    -------
    float: α (see :func:`alpha_from_counts`; NaN when it is undefined).
    """
    _check_level_of_measurement(level_of_measurement)
    data = _coded(data, value, level_of_measurement, order)
    counts, domain, _ = _value_counts(data, _columns(unit), coder, value)
    if counts.size == 0:
        return math.nan
    return alpha_from_counts(counts, domain, level_of_measurement)


def krippendorff_alpha_ci(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                          cluster: str | None = None, level_of_measurement: str = "ordinal", level: float = 0.95,
                          n_boot: int = 1000, seed: int | np.random.Generator = 0,
                          order: Sequence | None = None) -> dict:
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
    order : ordinal string labels from lowest to highest (:func:`label_codes`).

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
    vals = label_codes(data[value], level_of_measurement, order)[0]
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


def alpha_without_each(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                       level_of_measurement: str = "ordinal", order: Sequence | None = None) -> pd.DataFrame:
    """How each coder moves Krippendorff's α: α of all coders beside α of the others without that coder.

    The coder-level counterpart of "alpha if item deleted": a coder whose removal raises α
    (``alpha_change`` < 0) disagrees with the others more than they disagree among
    themselves. It is descriptive (no interval): with few coders, removing one changes
    which units are pairable as well as who codes them.

    Parameters
    ----------
    data, unit, coder, value, level_of_measurement, order : as in :func:`krippendorff_alpha`.

    Returns
    -------
    pandas.DataFrame, one row per coder (sorted): ``coder``, ``n_labels`` (the coder's
    non-missing labels, a repeated one counted once), ``n_units_shared`` (units the
    coder labelled that another coder labelled too), ``alpha_all`` (every coder),
    ``alpha_without`` (every coder but this one), ``alpha_change`` = alpha_all −
    alpha_without (> 0: the coder raises α, < 0: lowers it).
    """
    _check_level_of_measurement(level_of_measurement)
    units = _columns(unit)
    coded = _coded(data, value, level_of_measurement, order).dropna(subset=[value]).drop_duplicates([*units, coder])
    alpha_all = _alpha_of_coded(coded, units, coder, value, level_of_measurement)
    per_unit = coded.groupby(units, dropna=False)[coder].transform("size")
    rows = []
    for name, own in coded.groupby(coder, sort=True):
        without = _alpha_of_coded(coded[coded[coder] != name], units, coder, value, level_of_measurement)
        rows.append({"coder": name, "n_labels": int(len(own)), "n_units_shared": int((per_unit[own.index] >= 2).sum()),
                     "alpha_all": alpha_all, "alpha_without": without, "alpha_change": alpha_all - without})
    return pd.DataFrame(rows, columns=["coder", "n_labels", "n_units_shared", "alpha_all", "alpha_without",
                                       "alpha_change"])


def _alpha_of_coded(coded: pd.DataFrame, units: list[str], coder: str, value: str, level_of_measurement: str) -> float:
    counts, domain, _ = _value_counts(coded, units, coder, value)
    return alpha_from_counts(counts, domain, level_of_measurement) if counts.size else math.nan


# --------------------------------------------------------------------------- Fleiss' kappa


def _rating_table(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                  order: Sequence | None) -> tuple[np.ndarray, list[str], int]:
    """(units × categories counts (N, k), the categories' labels (k,), ratings per unit m).

    Missing labels are left out and a coder's repeated label for a unit counts once (the
    first). Raises :class:`NotApplicable` unless every unit has the same number m ≥ 2 of ratings.
    """
    units = _columns(unit)
    codes, domain, names = label_codes(data[value], "nominal", order)
    d = data.assign(**{value: codes}).dropna(subset=[value]).drop_duplicates([*units, coder])
    if d.empty:
        raise NotApplicable("Fleiss' kappa needs labelled units; no unit has a label")
    table = pd.crosstab([d[u] for u in units], d[value]).reindex(columns=domain, fill_value=0)  # (N, k)
    per_unit = table.sum(axis=1)
    sizes = per_unit.value_counts().sort_index()
    if len(sizes) > 1:
        shown = ", ".join(f"{int(n)} unit{'' if n == 1 else 's'} with {int(m)}" for m, n in sizes.items())
        raise NotApplicable(f"Fleiss' kappa needs the same number of ratings on every unit; here the numbers differ "
                            f"({shown} ratings). Krippendorff's alpha allows unequal numbers and missing labels")
    m = int(sizes.index[0])
    if m < 2:
        raise NotApplicable("Fleiss' kappa needs at least two ratings per unit; every unit has one")
    return table.to_numpy(dtype=float), names, m


def _fleiss_from_table(table: np.ndarray, m: int) -> tuple[float, float, float]:
    """(κ, P̄ observed agreement, P_e chance agreement) of a units × categories table, m ratings per unit."""
    n_units = table.shape[0]
    p_j = table.sum(axis=0) / (n_units * m)  # (k,)
    p_bar = float(np.mean((np.sum(table ** 2, axis=1) - m) / (m * (m - 1))))
    p_e = float(np.sum(p_j ** 2))
    kappa = (p_bar - p_e) / (1.0 - p_e) if p_e < 1 else math.nan
    return kappa, p_bar, p_e


def fleiss_kappa(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str, level: float = 0.95,
                 n_boot: int = 1000, seed: int | np.random.Generator = 0, order: Sequence | None = None) -> dict:
    """Fleiss' κ for m ratings per unit (Fleiss, 1971), nominal, with a bootstrap interval over units.

    κ = (P̄ − P_e) / (1 − P_e): P̄ the mean over units of the share of agreeing pairs of
    ratings, P_e = Σ_j p_j² with p_j the share of all ratings in category j. The raters of
    one unit need not be those of another, but every unit needs the same number m of
    ratings; otherwise :class:`NotApplicable` is raised (say so, and use Krippendorff's α,
    which allows missing labels). R: ``irr::kappam.fleiss(ratings)`` on complete rows.

    The z test of κ = 0 uses the standard error under that null (Fleiss, Nee & Landis, 1979;
    ``irr``'s): it is not a standard error for an interval around κ. The interval is a
    percentile bootstrap over units (Zapf et al., 2016; Efron & Tibshirani, 1993).

    Parameters
    ----------
    data : long table, one row per unit and rater; labels strings or numbers (each
        distinct label a category, :func:`label_codes`).
    unit, coder, value : column names (``unit`` may be several columns).
    level : confidence level of the interval.
    n_boot : bootstrap resamples of the units.
    seed : seed, or a ``numpy.random.Generator`` to draw from.
    order : the order categories are listed in (optional; every label must be in it).

    Returns
    -------
    dict with ``kappa``, ``p_observed`` (P̄), ``p_expected`` (P_e), ``se0`` (standard error
    under κ = 0), ``z``, ``p_val`` (two-sided, normal), ``ci_low``, ``ci_high`` (percentile
    bootstrap over units; NaN with fewer than two units or when κ is undefined in more than
    10 % of resamples), ``n_units``, ``n_ratings_per_unit`` (m), ``n_raters`` (distinct rater
    ids), ``n_categories``, ``n_boot``, ``n_boot_failed`` (resamples whose κ is undefined:
    one category only). κ is NaN when every rating is in one category.
    """
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    if n_boot < 1:
        raise ValueError(f"n_boot={n_boot}: give the number of bootstrap resamples (1000 or more for a report)")
    table, names, m = _rating_table(data, unit, coder, value, order)  # (N, k)
    n_units = table.shape[0]
    kappa, p_bar, p_e = _fleiss_from_table(table, m)
    p_j = table.sum(axis=0) / (n_units * m)
    pq = p_j * (1 - p_j)
    se0 = math.nan
    if pq.sum() > 0:  # Fleiss, Nee & Landis (1979), eq. 12: the variance under kappa = 0
        var0 = 2.0 / (pq.sum() ** 2 * n_units * m * (m - 1)) * (pq.sum() ** 2 - np.sum(pq * (1 - 2 * p_j)))
        se0 = math.sqrt(var0) if var0 > 0 else math.nan
    z = kappa / se0 if math.isfinite(kappa) and math.isfinite(se0) else math.nan
    p_val = float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else math.nan
    lo = hi = math.nan
    failed = 0
    if math.isfinite(kappa):
        rng = np.random.default_rng(seed)
        boot = []
        for _ in range(n_boot):
            k_b = _fleiss_from_table(table[rng.integers(0, n_units, n_units)], m)[0]  # units with replacement
            if math.isfinite(k_b):
                boot.append(k_b)
        failed = n_boot - len(boot)
        if n_units >= 2 and len(boot) >= 0.9 * n_boot:
            lo, hi = (float(q) for q in np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2]))
    d = data.loc[~data[value].map(_is_missing).astype(bool)]
    return {"kappa": kappa, "p_observed": p_bar, "p_expected": p_e, "se0": se0, "z": z, "p_val": p_val,
            "ci_low": lo, "ci_high": hi, "n_units": int(n_units), "n_ratings_per_unit": m,
            "n_raters": int(d[coder].nunique()), "n_categories": int(len(names)), "n_boot": int(n_boot),
            "n_boot_failed": int(failed)}


def fleiss_kappa_categories(data: pd.DataFrame, unit: str | Sequence[str], coder: str, value: str,
                            order: Sequence | None = None) -> pd.DataFrame:
    """Fleiss' κ of each category against all the others (Fleiss, 1971, eq. 16; ``irr``'s ``detail``).

    κ_j = (P_j − p_j) / (1 − p_j), P_j = (Σ_i n_ij² − N m p_j) / (N m (m − 1) p_j): how much
    more often than chance two ratings of a unit agree on category j, given one of them is
    j. Its z test of κ_j = 0 uses the null standard error √(2 / (N m (m − 1))). Same
    conditions as :func:`fleiss_kappa` (:class:`NotApplicable` otherwise).

    Returns
    -------
    pandas.DataFrame, one row per category (in label order, or ``order``'s): ``category``,
    ``n_ratings``, ``share`` (p_j), ``kappa``, ``se0``, ``z``, ``p_val`` (two-sided, normal).
    """
    table, names, m = _rating_table(data, unit, coder, value, order)  # (N, k)
    n_units = table.shape[0]
    total = n_units * m
    p_j = table.sum(axis=0) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        agree_j = (np.sum(table ** 2, axis=0) - total * p_j) / (total * (m - 1) * p_j)
        kappa_j = np.where(p_j < 1, (agree_j - p_j) / (1 - p_j), np.nan)
    se0 = math.sqrt(2.0 / (total * (m - 1)))
    z = kappa_j / se0
    return pd.DataFrame({"category": names, "n_ratings": table.sum(axis=0).astype(int), "share": p_j,
                         "kappa": kappa_j, "se0": se0, "z": z, "p_val": 2 * stats.norm.sf(np.abs(z))})

"""Descriptive summaries of skewed measures such as response times.

:func:`quantile_summary`: median, quartiles and mean per group, and the median of the
clusters' own medians (which weights every participant equally).

Quantiles are type 7 of Hyndman & Fan (1996), numpy's and R's default.

References
----------
Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in statistical packages. *The American
Statistician, 50*, 361–365.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def quantile_summary(data: pd.DataFrame, dv: str, by: str | Sequence[str], cluster: str = "participant"
                     ) -> pd.DataFrame:
    """Median, quartiles and mean of ``dv`` per group.

    Parameters
    ----------
    data : one row per observation.
    dv : numeric column (e.g. ``rt`` in seconds); missing values are left out.
    by : group column(s).
    cluster : column of the cluster each row belongs to (for ``cluster_median``).

    Returns
    -------
    pandas.DataFrame, one row per group (sorted): the ``by`` columns (booleans as bool),
    then ``n`` (observations), ``n_participants`` (clusters), ``median``, ``q1``, ``q3``
    (quartiles, type 7), ``iqr`` (q3 − q1), ``mean`` and ``participant_median`` (the
    median of the clusters' own medians).
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, d in data[data[dv].notna()].groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        x = d[dv].astype(float)
        q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
        rows.append({**{b: (bool(k) if isinstance(k, (bool, np.bool_)) else k) for b, k in zip(by, key)},
                     "n": int(x.size), "n_participants": int(d[cluster].nunique()), "median": float(med),
                     "q1": float(q1), "q3": float(q3), "iqr": float(q3 - q1), "mean": float(x.mean()),
                     "participant_median": float(x.groupby(d[cluster]).median().median())})
    return pd.DataFrame(rows, columns=[*by, "n", "n_participants", "median", "q1", "q3", "iqr", "mean",
                                       "participant_median"])

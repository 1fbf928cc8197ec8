"""Multiple comparisons: p values adjusted for the number of tests in a family.

=================================  ===========================================================
:func:`holm`                       Holm–Bonferroni adjusted p values (R ``p.adjust(p, "holm")``)
=================================  ===========================================================

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics, 6*, 65–70.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def holm(p: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Holm–Bonferroni adjusted p values, in the order given.

    With the m finite p values sorted ascending, ``p_(1) ≤ … ≤ p_(m)``, the adjusted value
    of ``p_(k)`` is ``max over j ≤ k of min(1, (m − j + 1) · p_(j))`` (Holm, 1979): each is
    compared with α as it is, and the family-wise error rate is held at α. Rejecting where
    the adjusted value is below α is Holm's step-down procedure. NaN (a test that could
    not be run) stays NaN and does not count in m, as in R's ``p.adjust(p, "holm")``.

    Returns
    -------
    numpy.ndarray of float: the adjusted p values, one per value of ``p`` (a one-dimensional
    sequence), in its order.
    """
    p = np.asarray(p, dtype=float)  # (k,)
    out = np.full_like(p, np.nan)  # (k,)
    ok = np.flatnonzero(np.isfinite(p))  # (m,) positions of the finite p values
    order = ok[np.argsort(p[ok], kind="stable")]  # (m,) those positions, smallest p first
    m = len(order)
    running = 0.0
    for k, idx in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[idx]))
        out[idx] = running
    return out

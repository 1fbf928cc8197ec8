"""Signal detection: sensitivity d′ and criterion c, and how well confidence tracks accuracy (type-2 ROC).

===========================  ==============================================================
:func:`sdt_rates`            hit and false-alarm rates after a correction for 0 and 1
:func:`dprime_criterion`     equal-variance Gaussian d′ and c from counts
:func:`sdt_table`            counts, rates, d′ and c per participant (or any group)
:func:`type2_roc`            type-2 ROC points per participant and pooled
:func:`type2_auc`            area under the type-2 ROC per participant and pooled
===========================  ==============================================================

References
----------
Fleming, S. M., & Lau, H. C. (2014). How to measure metacognition. *Frontiers in Human
Neuroscience, 8*, 443.
Hautus, M. J. (1995). Corrections for extreme proportions and their biasing effects on
estimated values of d'. *Behavior Research Methods, Instruments, & Computers, 27*, 46–51.
Macmillan, N. A., & Creelman, C. D. (2005). *Detection theory: A user's guide* (2nd ed.). Erlbaum.
Macmillan, N. A., & Kaplan, H. L. (1985). Detection theory analysis of group data.
*Psychological Bulletin, 98*, 185–199.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CORRECTIONS = ("loglinear", "1/2n", "none")


def sdt_rates(hits: np.ndarray | int, n_signal: np.ndarray | int, false_alarms: np.ndarray | int,
              n_noise: np.ndarray | int, correction: str = "loglinear") -> tuple[np.ndarray, np.ndarray]:
    """Hit and false-alarm rates after a correction for rates of 0 and 1 (see :func:`dprime_criterion`).

    Returns
    -------
    (hit_rate, fa_rate) as float arrays (scalars for scalar input); NaN where a count of
    trials is 0.
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"correction={correction!r}: use one of {', '.join(CORRECTIONS)}")
    h, ns = np.asarray(hits, dtype=float), np.asarray(n_signal, dtype=float)
    f, nn = np.asarray(false_alarms, dtype=float), np.asarray(n_noise, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if correction == "loglinear":
            hr, fr = (h + 0.5) / (ns + 1.0), (f + 0.5) / (nn + 1.0)
        else:
            hr, fr = h / ns, f / nn
            if correction == "1/2n":
                hr = np.clip(hr, 1 / (2 * ns), 1 - 1 / (2 * ns))
                fr = np.clip(fr, 1 / (2 * nn), 1 - 1 / (2 * nn))
    hr = np.where(ns > 0, hr, np.nan)
    fr = np.where(nn > 0, fr, np.nan)
    return hr[()], fr[()]


def dprime_criterion(hits: np.ndarray | int, n_signal: np.ndarray | int, false_alarms: np.ndarray | int,
                     n_noise: np.ndarray | int, correction: str = "loglinear") -> tuple[np.ndarray, np.ndarray]:
    """Equal-variance Gaussian d′ and criterion c from hit and false-alarm counts.

    ``d' = z(H) − z(F)`` and ``c = −(z(H) + z(F)) / 2`` (Macmillan & Creelman, 2005,
    eqs. 1.5 and 2.1), z the standard-normal quantile function; c > 0 is a bias toward
    answering "noise".

    Parameters
    ----------
    hits, n_signal : "signal" answers to signal trials, and the number of signal trials.
    false_alarms, n_noise : "signal" answers to noise trials, and the number of noise trials.
    correction : ``loglinear`` (Hautus, 1995): ``H = (hits + 0.5) / (n_signal + 1)``,
        ``F = (false_alarms + 0.5) / (n_noise + 1)`` for every participant, so rates of
        0 and 1 stay finite; ``1/2n`` (Macmillan & Kaplan, 1985): only rates of 0 or 1
        are replaced, by ``1/(2N)`` and ``1 − 1/(2N)``; ``none``: raw rates.

    Returns
    -------
    (dprime, criterion) as float arrays (scalars for scalar input); NaN where a count of
    trials is 0.
    """
    hr, fr = sdt_rates(hits, n_signal, false_alarms, n_noise, correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        zh, zf = stats.norm.ppf(hr), stats.norm.ppf(fr)
        dprime = zh - zf
        criterion = -(zh + zf) / 2.0
    return dprime[()], criterion[()]


SDT_COLUMNS = ["n_signal", "n_noise", "hits", "false_alarms", "hit_rate", "fa_rate", "hit_rate_adj", "fa_rate_adj",
               "dprime", "criterion"]


def sdt_table(data: pd.DataFrame, signal: str, said_signal: str, by: str | Sequence[str] = "participant",
              correction: str = "loglinear") -> pd.DataFrame:
    """Signal-detection counts, rates, d′ and c per group (usually per participant).

    Parameters
    ----------
    data : one row per trial.
    signal : boolean column: the trial showed the signal.
    said_signal : boolean column: the answer was "signal".
    by : group column(s).
    correction : see :func:`dprime_criterion`.

    Returns
    -------
    pandas.DataFrame, one row per group (sorted):

    * the ``by`` columns
    * ``n_signal``, ``n_noise`` — signal and noise trials
    * ``hits`` — "signal" answers to signal trials; ``false_alarms`` — to noise trials
    * ``hit_rate``, ``fa_rate`` — raw proportions
    * ``hit_rate_adj``, ``fa_rate_adj`` — the rates after ``correction`` (what d′ uses)
    * ``dprime`` — z(H) − z(F); ``criterion`` — c = −(z(H) + z(F))/2 (c > 0: bias toward "noise")
    """
    by = [by] if isinstance(by, str) else list(by)
    sig = data[signal].astype(bool)
    said = data[said_signal].astype(bool)
    counts = pd.DataFrame({"n_signal": sig, "n_noise": ~sig, "hits": sig & said, "false_alarms": ~sig & said})
    g = counts.groupby([data[b] for b in by], sort=True).sum().astype(int)  # (groups, 4)
    hits, ns, fas, nn = (g[c].to_numpy() for c in ("hits", "n_signal", "false_alarms", "n_noise"))
    dp, c = dprime_criterion(hits, ns, fas, nn, correction)
    hr_adj, fr_adj = sdt_rates(hits, ns, fas, nn, correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["hit_rate"] = np.where(ns > 0, hits / np.maximum(ns, 1), np.nan)
        g["fa_rate"] = np.where(nn > 0, fas / np.maximum(nn, 1), np.nan)
    g["hit_rate_adj"], g["fa_rate_adj"] = np.atleast_1d(hr_adj), np.atleast_1d(fr_adj)
    g["dprime"], g["criterion"] = np.atleast_1d(dp).astype(float), np.atleast_1d(c).astype(float)
    return g.reset_index()[[*by, *SDT_COLUMNS]]


def _roc_points(conf_correct: np.ndarray, conf_incorrect: np.ndarray, levels: np.ndarray) -> pd.DataFrame:
    """For each threshold k, strictest first: P(conf >= k | correct) against P(conf >= k | incorrect)."""
    thresholds = np.concatenate([[levels.max() + 1], levels[::-1]])  # strictest first → (0, 0)
    hit = np.array([(conf_correct >= k).mean() if conf_correct.size else np.nan for k in thresholds])
    fa = np.array([(conf_incorrect >= k).mean() if conf_incorrect.size else np.nan for k in thresholds])
    return pd.DataFrame({"threshold": thresholds.astype(int), "hit_rate2": hit, "fa_rate2": fa})


def _auc(points: pd.DataFrame) -> float:
    """Trapezoidal area under ROC points ordered from (0, 0) to (1, 1)."""
    x, y = points["fa_rate2"].to_numpy(), points["hit_rate2"].to_numpy()
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return math.nan
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def type2_roc(data: pd.DataFrame, correct: str, confidence: str, by: str = "participant",
              levels: Sequence[int] = ()) -> pd.DataFrame:
    """Type-2 ROC points per group and pooled over all rows (Fleming & Lau, 2014).

    A type-2 "hit" is high confidence on a correct answer, a type-2 "false alarm" high
    confidence on an incorrect one; sweeping the threshold of "high" traces the curve.

    Parameters
    ----------
    data : one row per trial.
    correct : boolean column: the answer was correct.
    confidence : integer confidence ratings (higher: surer).
    by : group column (usually ``participant``).
    levels : every level of the rating scale, e.g. ``range(1, 7)``; levels that occur in
        the data are added. Thresholds come from these levels.

    Returns
    -------
    pandas.DataFrame, one row per point:

    * ``unit`` — ``by``'s name for group rows, or ``pooled`` (all rows together)
    * the ``by`` column — the group (None for pooled rows)
    * ``threshold`` — "high confidence" means confidence >= threshold (the first point,
      one above the scale, is (0, 0); the lowest threshold gives (1, 1))
    * ``hit_rate2`` — P(confidence >= threshold | correct)
    * ``fa_rate2`` — P(confidence >= threshold | incorrect)
    """
    levels = np.union1d(np.asarray(list(levels), dtype=int), data[confidence].dropna().astype(int).unique())
    ok = data[correct].astype(bool).to_numpy()
    conf = data[confidence].to_numpy(dtype=float)
    parts = []
    for group, idx in data.groupby(by, sort=True).indices.items():
        pts = _roc_points(conf[idx][ok[idx]], conf[idx][~ok[idx]], levels)
        pts.insert(0, by, group)
        pts.insert(0, "unit", by)
        parts.append(pts)
    pooled = _roc_points(conf[ok], conf[~ok], levels)
    pooled.insert(0, by, None)
    pooled.insert(0, "unit", "pooled")
    return pd.concat(parts + [pooled], ignore_index=True)


def type2_auc(data: pd.DataFrame, correct: str, confidence: str, by: str = "participant",
              levels: Sequence[int] = ()) -> pd.DataFrame:
    """Area under the type-2 ROC per group and pooled: how well confidence separates correct
    from incorrect answers (0.5: no metacognitive sensitivity; 1: perfect).

    The trapezoidal area over all thresholds of :func:`type2_roc` equals the probability
    that a random correct trial has higher confidence than a random incorrect one, ties
    counting one half (the Mann–Whitney form; Fleming & Lau, 2014) — R's
    ``pROC::auc(roc(correct, confidence))``.

    Returns
    -------
    pandas.DataFrame, one row per group and a last row for all rows pooled:

    * ``unit`` — ``by``'s name or ``pooled``
    * the ``by`` column — the group (None for the pooled row)
    * ``n_correct``, ``n_incorrect`` — trials
    * ``auc`` — type-2 AUC; NaN when there are no correct or no incorrect trials
    """
    roc = type2_roc(data, correct, confidence, by, levels)
    ok = data[correct].astype(bool)
    counts = ok.groupby(data[by]).agg(["sum", "size"])
    rows = []
    for group, pts in roc[roc["unit"] == by].groupby(by, sort=True):
        n_c, n = int(counts.loc[group, "sum"]), int(counts.loc[group, "size"])
        rows.append({"unit": by, by: group, "n_correct": n_c, "n_incorrect": n - n_c, "auc": _auc(pts)})
    rows.append({"unit": "pooled", by: None, "n_correct": int(ok.sum()), "n_incorrect": int((~ok).sum()),
                 "auc": _auc(roc[roc["unit"] == "pooled"])})
    return pd.DataFrame(rows, columns=["unit", by, "n_correct", "n_incorrect", "auc"])

"""Meta-analysis of a class's replications: pooling groups, the forest plot, and whether the effect replicated.

=============================  ===========================================================
:func:`random_effects`         random-effects model, REML or DerSimonian–Laird τ², Knapp–Hartung
                               or z test, prediction interval, Q, I², H² (metafor ``rma``)
:func:`forest_plot`            groups' estimates with their intervals, the pooled diamond and
                               the prediction interval, the original effect as a reference line
:func:`small_telescopes`       is the effect smaller than the one the original had 33% power to
                               detect? (Simonsohn, 2015)
:func:`d33_for`                that effect (d or r) for a one-sample, paired, two-sample or
                               correlational original of size n (pwr's power functions)
:func:`equivalence_test`       two one-sided tests (TOST) against equivalence bounds (Lakens, 2017)
=============================  ===========================================================

Each group (a class's student team, a lab, a study) gives one estimate ``yi`` of the
same effect and its sampling variance ``vi = se²``. The random-effects model lets the
true effect vary between groups, ``yi = μ + u_i + e_i`` with ``u_i ~ N(0, τ²)`` and
``e_i ~ N(0, vi)``; μ is the average effect and τ² the variance of the true effects.

References
----------
DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical Trials, 7*,
177–188.
Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis. *Statistics
in Medicine, 21*, 1539–1558.
Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression with a single
covariate. *Statistics in Medicine, 22*, 2693–2710.
Lakens, D. (2017). Equivalence tests: A practical primer for t tests, correlations, and meta-analyses.
*Social Psychological and Personality Science, 8*, 355–362.
Riley, R. D., Higgins, J. P. T., & Deeks, J. J. (2011). Interpretation of random effects meta-analyses.
*BMJ, 342*, d549.
Simonsohn, U. (2015). Small telescopes: Detectability and the evaluation of replication results.
*Psychological Science, 26*, 559–569.
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the random-effects
model. *Journal of Educational and Behavioral Statistics, 30*, 261–293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal of Statistical
Software, 36*(3), 1–48.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from matplotlib.figure import Figure
from scipy import optimize, stats

METHODS = ("REML", "DL")
TESTS = ("knha", "z")
DESIGNS = ("one_sample", "paired", "two_sample", "correlation")
REML_THRESHOLD = 1e-5  # change in τ² at which Fisher scoring stops (metafor's control threshold)
REML_MAXITER = 100  # metafor's maxiter
REML_LL0_TOL = np.finfo(float).eps ** 0.25  # metafor's tol for the check of τ² = 0 (ll0check)


@dataclass
class MetaResult:
    """A random-effects model fitted by :func:`random_effects`; every field is a plain number or string.

    * ``estimate``, ``se`` — the average effect μ̂ and its standard error (Knapp–Hartung under
      ``test="knha"``)
    * ``ci_low``, ``ci_high`` — its interval at ``level`` (t on ``dof`` df, or z)
    * ``pi_low``, ``pi_high`` — the prediction interval: where the true effect of a new group
      is expected to lie, ``μ̂ ± crit · √(se² + τ²)`` (metafor's ``predict``)
    * ``tau2``, ``tau`` — the between-group variance τ² and its root
    * ``i2`` — I², in percent (0–100) as metafor reports it: the share of the total variance that
      is between-group variance, ``100 · τ² / (τ² + ṽ)`` with ṽ the typical within-group variance
    * ``h2`` — H², ``(τ² + ṽ) / ṽ`` (1: no heterogeneity)
    * ``q``, ``q_df``, ``q_p`` — Cochran's Q test of homogeneity (χ² on k − 1 df)
    * ``k`` — the number of groups; ``method`` — ``"REML"`` or ``"DL"``; ``test`` — ``"knha"`` or ``"z"``
    * ``dof`` — the t test's degrees of freedom (k − 1) under ``knha``; None under ``z``
    * ``statistic``, ``p_val`` — t (or z) of μ̂ against 0 and its two-sided p value
    * ``level`` — the confidence level of both intervals (0.95)
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    k: int
    method: str
    test: str
    dof: float | None
    statistic: float
    p_val: float
    level: float

    def to_dict(self) -> dict:
        """The fields as a dict of plain Python numbers and strings (ready for ``json.dumps``)."""
        return asdict(self)

    def describe(self, lang: str = "en") -> str:
        """The model as a reader sees it named: ``random-effects model (REML τ², Knapp–Hartung t test, k = 8)``
        (``lang`` ja: the forest plot's Japanese title, ``ランダム効果モデル（τ²: REML、検定: …、k = 8）``)."""
        tau = {"REML": "REML", "DL": "DerSimonian–Laird"}[self.method]
        if lang == "ja":  # the forest plot's title, word for word
            w = FOREST_WORDS["ja"]
            return w["title"].format(tau=w[self.method], test=w[self.test], k=self.k)
        test = "Knapp–Hartung t test" if self.test == "knha" else "z test"
        return f"random-effects model ({tau} τ², {test}, k = {self.k})"


def _check_level(level: float, name: str = "level") -> None:
    if not 0 < level < 1:
        raise ValueError(f"{name}={level}: give a confidence level between 0 and 1, e.g. 0.95")


def _effects(yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float).ravel()  # (k,)
    v = np.asarray(vi, dtype=float).ravel()  # (k,)
    if y.shape != v.shape:
        raise ValueError(f"yi has {y.size} values and vi {v.size}; give one estimate and one sampling variance "
                         "per group")
    bad = np.flatnonzero(~np.isfinite(y) | ~np.isfinite(v))
    if bad.size:
        raise ValueError(f"group {bad[0] + 1} has a missing or infinite estimate or variance "
                         f"(yi={y[bad[0]]}, vi={v[bad[0]]}); leave that group out or give its numbers")
    bad = np.flatnonzero(v <= 0)
    if bad.size:
        raise ValueError(f"group {bad[0] + 1} has sampling variance vi={v[bad[0]]}; a variance must be > 0 "
                         "(vi = se², e.g. a group with one participant has no standard error: leave it out)")
    if y.size < 2:
        raise ValueError(f"{y.size} group(s): a random-effects model needs at least two groups' estimates")
    return y, v


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian–Laird (1986) τ²: the method-of-moments estimate from Q, truncated at 0."""
    w = 1.0 / v  # (k,)
    mu_fe = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - mu_fe) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (y.size - 1)) / c)


def _reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The restricted log-likelihood of the intercept-only random-effects model at τ² (metafor's ``ll.REML``)."""
    w = 1.0 / (v + tau2)  # (k,)
    mu = float(np.sum(w * y) / np.sum(w))
    return float(-0.5 * (y.size - 1) * math.log(2 * math.pi) - 0.5 * np.sum(np.log(v + tau2))
                 - 0.5 * math.log(np.sum(w)) - 0.5 * np.sum(w * (y - mu) ** 2))


def _tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML τ² by Fisher scoring, step for step as metafor's ``rma(method = "REML")`` (Viechtbauer, 2005).

    Starts from Hedges' estimate ``max(0, (Σ (yᵢ − ȳ)² − Σ vᵢ (1 − 1/k)) / (k − 1))``. With
    ``W = diag(1/(vᵢ + τ²))`` and ``P = W − W1(1ᵀW1)⁻¹1ᵀW`` (the intercept-only model), each step
    adds ``(yᵀPPy − tr P) / tr(PP)`` to τ², halved until τ² stays ≥ 0; it stops when τ² changes by
    less than 1e-5 (metafor's ``threshold``), so the value is metafor's to its last printed digit.
    As metafor's ``ll0check``, τ² = 0 is taken (with a warning) when the restricted likelihood at
    0 is higher than where the steps stopped.
    """
    k = y.size
    tau2 = max(0.0, float(np.sum((y - y.mean()) ** 2) - np.sum(v) * (1 - 1 / k)) / (k - 1))
    for _ in range(REML_MAXITER + 1):
        w = 1.0 / (v + tau2)  # (k,)
        p = np.diag(w) - np.outer(w, w) / np.sum(w)  # (k, k)
        py = p @ y  # (k,)
        step = float((py @ py - np.trace(p)) / np.sum(p * p))  # np.sum(p * p) = tr(PP), P symmetric
        while tau2 + step < 0:
            step /= 2
        old, tau2 = tau2, tau2 + step
        if abs(tau2 - old) <= REML_THRESHOLD:
            break
    else:
        raise RuntimeError(f"REML estimate of tau^2 did not converge in {REML_MAXITER} Fisher-scoring steps "
                           f"(last value {tau2:.6g}); fit with method='DL' instead and say so in the report")
    if tau2 > REML_THRESHOLD and _reml_loglik(y, v, 0.0) - _reml_loglik(y, v, tau2) > REML_LL0_TOL:
        warnings.warn("REML: Fisher scoring stopped at a local maximum; tau^2 = 0 has a higher restricted "
                      "likelihood and is used instead (as metafor does)", RuntimeWarning, stacklevel=3)
        tau2 = 0.0
    return tau2


def random_effects(yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray, *, method: str = "REML",
                   test: str = "knha", level: float = 0.95) -> MetaResult:
    """Random-effects meta-analysis of k estimates ``yi`` with sampling variances ``vi`` (metafor ``rma``).

    The same model and numbers as metafor's ``rma(yi, vi, method = "REML", test = "knha")``
    (Viechtbauer, 2010) and ``predict()`` on it:

    * τ² by restricted maximum likelihood (Fisher scoring; Viechtbauer, 2005) or, with
      ``method="DL"``, by DerSimonian and Laird's (1986) method of moments; both truncated at 0.
      REML takes metafor's starting value, steps and stopping rule, so τ² is the value ``rma``
      prints (it may differ from the exact maximum around the fifth decimal, as metafor's does);
    * μ̂ = Σ wᵢ yᵢ / Σ wᵢ with wᵢ = 1/(vᵢ + τ̂²);
    * ``test="knha"`` (the default): Knapp and Hartung's (2003) standard error
      ``√(Σ wᵢ (yᵢ − μ̂)² / ((k − 1) Σ wᵢ))`` and t on k − 1 df, *not* truncated below at the
      z standard error (metafor's default; with very homogeneous groups it can be smaller);
      ``test="z"``: ``se = 1/√Σ wᵢ`` and the normal distribution;
    * the prediction interval ``μ̂ ± crit · √(se² + τ̂²)``, crit from the same t (or z)
      distribution (Riley et al., 2011; metafor's ``predict``);
    * Cochran's Q = Σ (yᵢ − μ̂_FE)² / vᵢ on k − 1 df; I² = 100 τ̂²/(τ̂² + ṽ) and
      H² = (τ̂² + ṽ)/ṽ with ṽ = (k − 1) / (Σ 1/vᵢ − Σ 1/vᵢ² / Σ 1/vᵢ), the "typical" sampling
      variance (Higgins & Thompson, 2002, as metafor computes them for any τ² estimator).

    Parameters
    ----------
    yi : the k ≥ 2 groups' estimates, all in the same units.
    vi : their sampling variances (se², > 0).
    method : ``"REML"`` or ``"DL"``.
    test : ``"knha"`` or ``"z"``.
    level : confidence level of the confidence and prediction intervals.

    Returns
    -------
    :class:`MetaResult`.

    >>> res = random_effects([0.08, 0.12, 0.03], [0.03**2, 0.04**2, 0.025**2])
    >>> res.method, res.test, res.dof
    ('REML', 'knha', 2)
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use 'REML' (restricted maximum likelihood, the default) or 'DL' "
                         "(DerSimonian-Laird)")
    if test not in TESTS:
        raise ValueError(f"test={test!r}: use 'knha' (Knapp-Hartung t test, the default) or 'z'")
    _check_level(level)
    y, v = _effects(yi, vi)
    k = int(y.size)
    tau2 = _tau2_reml(y, v) if method == "REML" else _tau2_dl(y, v)

    w = 1.0 / (v + tau2)  # (k,) random-effects weights
    mu = float(np.sum(w * y) / np.sum(w))
    if test == "knha":
        dof: float | None = k - 1
        se = math.sqrt(float(np.sum(w * (y - mu) ** 2)) / (k - 1) / float(np.sum(w)))
        crit = float(stats.t.ppf(0.5 + level / 2, k - 1))
    else:
        dof = None
        se = math.sqrt(1.0 / float(np.sum(w)))
        crit = float(stats.norm.ppf(0.5 + level / 2))
    statistic = mu / se if se > 0 else math.copysign(math.inf, mu) if mu else math.nan
    if dof is None:
        p_val = float(2 * stats.norm.sf(abs(statistic)))
    else:
        p_val = float(2 * stats.t.sf(abs(statistic), dof))
    half_pi = crit * math.sqrt(se**2 + tau2)

    w_fe = 1.0 / v  # (k,) fixed-effect weights
    mu_fe = float(np.sum(w_fe * y) / np.sum(w_fe))
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    v_typical = (k - 1) / float(np.sum(w_fe) - np.sum(w_fe**2) / np.sum(w_fe))
    return MetaResult(
        estimate=mu, se=se, ci_low=mu - crit * se, ci_high=mu + crit * se, pi_low=mu - half_pi, pi_high=mu + half_pi,
        tau2=tau2, tau=math.sqrt(tau2), i2=100.0 * tau2 / (v_typical + tau2), h2=(v_typical + tau2) / v_typical,
        q=q, q_df=k - 1, q_p=float(stats.chi2.sf(q, k - 1)), k=k, method=method, test=test, dof=dof,
        statistic=float(statistic), p_val=p_val, level=float(level),
    )


def _check_estimate(estimate: float, se: float, dof: float | None) -> None:
    if not math.isfinite(estimate):
        raise ValueError(f"estimate={estimate}: give the replication's effect as a finite number")
    if not (math.isfinite(se) and se > 0):
        raise ValueError(f"se={se}: give the estimate's standard error, a finite number > 0")
    if dof is not None and not dof > 0:
        raise ValueError(f"dof={dof}: give the t test's degrees of freedom (> 0), or None for the normal distribution")


def _dist(dof: float | None):
    return stats.norm() if dof is None else stats.t(dof)


def _power_t(d: float, n: int, design: str, alpha: float) -> float:
    """Two-sided power of a t test at standardised effect ``d`` (pwr's ``pwr.t.test``: both tails counted)."""
    dof, ncp = (2 * (n - 1), d * math.sqrt(n / 2)) if design == "two_sample" else (n - 1, d * math.sqrt(n))
    crit = stats.t.ppf(1 - alpha / 2, dof)
    return float(stats.nct.sf(crit, dof, ncp) + stats.nct.sf(crit, dof, -ncp))  # P(T ≤ −crit) = P(−T ≥ crit)


def _power_r(r: float, n: int, alpha: float) -> float:
    """Two-sided power of the test of a correlation (pwr's ``pwr.r.test``: Fisher's z with a bias term)."""
    crit_t = stats.t.ppf(1 - alpha / 2, n - 2)
    rc = math.sqrt(crit_t**2 / (crit_t**2 + n - 2))  # the critical r
    zr, zrc = math.atanh(r) + r / (2 * (n - 1)), math.atanh(rc)
    return float(stats.norm.cdf((zr - zrc) * math.sqrt(n - 3)) + stats.norm.cdf((-zr - zrc) * math.sqrt(n - 3)))


def d33_for(design: str, n: int, *, alpha: float = 0.05) -> float:
    """The effect the original study had 33% power to detect (Simonsohn's d₃₃), in standardised units.

    Simonsohn (2015): an original study of size n is a telescope that could see effects of
    some size; d₃₃ is the true effect it would have detected (two-sided, at ``alpha``) one
    time in three. A replication whose effect is reliably smaller than d₃₃ tells us the
    original could hardly have seen the effect at all (:func:`small_telescopes`).

    Power is pwr's, the package Simonsohn's own code calls, solved for power = 1/3:

    * ``"one_sample"``, ``"paired"`` — Cohen's d (d_z for paired differences) of a one-sample t
      test with n observations (pairs), noncentral t on n − 1 df, both tails counted
      (``pwr.t.test(n, power = 1/3, type = "one.sample" | "paired")``);
    * ``"two_sample"`` — Cohen's d of a two-sample t test with n per group, 2(n − 1) df
      (``pwr.t2n.test(n, n, power = 1/3)``);
    * ``"correlation"`` — Pearson's r with n pairs, Fisher's z with pwr's bias term
      (``pwr.r.test(n, power = 1/3)``).

    Returns
    -------
    float: d (or r) > 0.
    """
    if design not in DESIGNS:
        raise ValueError(f"design={design!r}: use one of {', '.join(DESIGNS)} (the original study's design)")
    if not 0 < alpha < 1 / 3:
        raise ValueError(f"alpha={alpha}: give the original test's two-sided significance level, below 1/3 "
                         "(e.g. 0.05); at alpha >= 1/3 even a null effect has 33% power")
    smallest = 4 if design == "correlation" else 2
    if int(n) != n or n < smallest:
        raise ValueError(f"n={n}: give the original study's sample size, a whole number >= {smallest} "
                         f"({'per group' if design == 'two_sample' else 'in all'})")
    n = int(n)
    if design == "correlation":
        return float(optimize.brentq(lambda r: _power_r(r, n, alpha) - 1 / 3, 1e-12, 1 - 1e-12, xtol=1e-14))
    high = 1.0  # bracket d₃₃ (the noncentral t turns to NaN far out in its tail, so do not start wide)
    while _power_t(high, n, design, alpha) < 1 / 3:
        high *= 2
    return float(optimize.brentq(lambda d: _power_t(d, n, design, alpha) - 1 / 3, 1e-12, high, xtol=1e-14))


def small_telescopes(estimate: float, se: float, *, d33: float, dof: float | None = None,
                     alpha: float = 0.05) -> dict:
    """Simonsohn's (2015) small-telescopes test: is the replication's effect smaller than d₃₃?

    A one-sided test of H₀: effect ≥ d₃₃ against H₁: effect < d₃₃,
    ``statistic = (estimate − d33) / se`` with ``p = P(T ≤ statistic)`` (t on ``dof`` df, or
    normal when ``dof`` is None). Equivalently: the one-sided upper bound
    ``estimate + crit₁₋α · se`` (the upper end of the two-sided 1 − 2α interval) lies below
    d₃₃. ``estimate``, ``se`` and ``d33`` must be in the same units (standardise the
    replication's effect, or put d₃₃ in raw units by multiplying by the SD).

    Returns
    -------
    dict with ``d33``, ``estimate``, ``se``, ``dof``, ``statistic``, ``p_val``, ``upper`` (the
    one-sided 1 − α upper bound), ``alpha`` and ``conclusion``: ``"smaller_than_d33"`` when
    p < α (the effect is too small for the original to have detected it: an informative
    failure to replicate) or ``"not_smaller_than_d33"`` (the replication cannot rule out an
    effect the original could have seen).
    """
    _check_estimate(estimate, se, dof)
    if not math.isfinite(d33):
        raise ValueError(f"d33={d33}: give the effect the original had 33% power to detect (see d33_for)")
    dist = _dist(dof)
    statistic = (estimate - d33) / se
    p_val = float(dist.cdf(statistic))
    return {"d33": float(d33), "estimate": float(estimate), "se": float(se), "dof": dof,
            "statistic": float(statistic), "p_val": p_val, "upper": float(estimate + dist.ppf(1 - alpha) * se),
            "alpha": float(alpha), "conclusion": "smaller_than_d33" if p_val < alpha else "not_smaller_than_d33"}


def equivalence_test(estimate: float, se: float, *, low: float, high: float, dof: float | None = None,
                     alpha: float = 0.05) -> dict:
    """Two one-sided tests (TOST) of equivalence: does the effect lie between ``low`` and ``high``?

    Lakens (2017): reject both H₀: effect ≤ low (``t_low = (estimate − low)/se``,
    ``p_low = P(T ≥ t_low)``) and H₀: effect ≥ high (``t_high = (estimate − high)/se``,
    ``p_high = P(T ≤ t_high)``); the effect is declared equivalent (within the bounds) when
    ``p_val = max(p_low, p_high) < alpha`` — that is, when the 1 − 2α interval lies inside
    the bounds. T is t on ``dof`` df, or normal when ``dof`` is None. With the smallest
    effect size of interest s, the bounds are usually ``low=-s, high=s``.

    Returns
    -------
    dict with ``low``, ``high``, ``t_low``, ``p_low``, ``t_high``, ``p_high``, ``p_val``,
    ``ci_low``, ``ci_high`` (the 1 − 2α interval), ``dof``, ``alpha`` and ``equivalent`` (bool).
    """
    _check_estimate(estimate, se, dof)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"low={low}, high={high}: give equivalence bounds with low < high, e.g. low=-sesoi, "
                         "high=sesoi (the smallest effect size of interest)")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha={alpha}: give each one-sided test's level, between 0 and 0.5 (e.g. 0.05)")
    dist = _dist(dof)
    t_low, t_high = (estimate - low) / se, (estimate - high) / se
    p_low, p_high = float(dist.sf(t_low)), float(dist.cdf(t_high))
    half = float(dist.ppf(1 - alpha)) * se
    p_val = max(p_low, p_high)
    return {"low": float(low), "high": float(high), "t_low": float(t_low), "p_low": p_low, "t_high": float(t_high),
            "p_high": p_high, "p_val": p_val, "ci_low": float(estimate - half), "ci_high": float(estimate + half),
            "dof": dof, "alpha": float(alpha), "equivalent": bool(p_val < alpha)}


# The forest plot's own words, in both languages (group labels, xlabel and reference_label come from the caller)
FOREST_WORDS = {
    "en": {"group": "group estimate, {pct} CI (area: weight)", "pi": "{pct} prediction interval",
           "pooled": "pooled estimate, {pct} CI", "reference": "reference {value:.2f}", "model": "RE model"},
    "ja": {"group": "各グループの推定値と{pct}信頼区間（面積は重み）", "pi": "{pct}予測区間",
           "pooled": "統合推定値と{pct}信頼区間", "reference": "参照値 {value:.2f}", "model": "ランダム効果モデル",
           "title": "ランダム効果モデル（τ²: {tau}、検定: {test}、k = {k}）", "REML": "REML", "DL": "DerSimonian–Laird法",
           "knha": "Knapp–Hartungのt検定", "z": "z検定"},
}


def forest_plot(labels: Sequence[str], yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray,
                result: MetaResult, *, xlabel: str, reference: float | None = None,
                reference_label: str | None = None, lang: str = "en") -> Figure:
    """A forest plot: each group's estimate and interval, the pooled estimate, the prediction interval.

    One row per group, top to bottom in the order given: a square at ``yi`` whose area is the
    group's share of the random-effects weight ``1/(vᵢ + τ̂²)`` and a line for its own
    ``result.level`` normal interval ``yᵢ ± z·√vᵢ`` (as metafor's ``forest``); at the bottom the
    pooled estimate as a diamond spanning its confidence interval, with the prediction interval
    as a thinner line through it. The right margin writes each row's ``estimate [low, high]``;
    a dashed line marks 0, and ``reference`` (the original study's effect) a dotted red line,
    named by ``reference_label`` in the legend. Labels may be Japanese: the figure uses
    psyai's CJK-capable fonts (:data:`psyai.report.FIGURE_FONTS`).

    Parameters
    ----------
    labels : one name per group (e.g. the student team's name).
    yi, vi : the groups' estimates and sampling variances, as given to :func:`random_effects`.
    result : the model fitted to them.
    xlabel : the effect and its units, e.g. ``"accuracy − .5 (proportion correct minus chance)"``.
    reference, reference_label : the original effect to compare with, and its legend text.
    lang : ``"en"`` or ``"ja"``, the language of the figure's own words (legend, pooled row, title).

    Returns
    -------
    matplotlib.figure.Figure (no pyplot state; embed with :func:`psyai.report.figure_to_html`).
    """
    import psyai.report  # noqa: F401  (sets matplotlib's font.family to the CJK-capable FIGURE_FONTS)

    if lang not in FOREST_WORDS:
        raise ValueError(f"lang={lang!r}: use 'en' or 'ja'")
    words = FOREST_WORDS[lang]

    y, v = _effects(yi, vi)
    labels = [str(label) for label in labels]
    if len(labels) != y.size:
        raise ValueError(f"{len(labels)} labels for {y.size} groups; give one label per estimate")
    if result.k != y.size:
        raise ValueError(f"result pools {result.k} groups but {y.size} estimates were given; pass the yi and vi "
                         "the model was fitted to")
    k = y.size
    z = float(stats.norm.ppf(0.5 + result.level / 2))
    low, high = y - z * np.sqrt(v), y + z * np.sqrt(v)  # (k,) each group's own interval
    weight = 1.0 / (v + result.tau2)  # (k,)
    share = weight / weight.sum()  # (k,)
    rows = np.arange(k, 0, -1) + 1.0  # (k,) first group at the top; the pooled row sits at 0
    pct = f"{result.level:.0%}"

    fig = Figure(figsize=(7.2, 0.36 * (k + 2) + 1.6), layout="constrained")
    ax = fig.subplots()
    ax.hlines(rows, low, high, color="#333333", lw=1.2)
    ax.scatter(y, rows, marker="s", s=30 + 220 * share / share.max(), color="#3a6ea5", zorder=3,
               label=words["group"].format(pct=pct))
    ax.hlines(0, result.pi_low, result.pi_high, color="#333333", lw=1.0, ls=(0, (4, 2)),
              label=words["pi"].format(pct=pct))
    ax.vlines([result.pi_low, result.pi_high], -0.15, 0.15, color="#333333", lw=1.0)
    diamond_x = [result.ci_low, result.estimate, result.ci_high, result.estimate]
    ax.fill(diamond_x, [0, 0.35, 0, -0.35], color="#c0504d", zorder=3, label=words["pooled"].format(pct=pct))
    ax.axhline(1.0, color="#bbbbbb", lw=0.8)
    ax.axvline(0, color="grey", lw=1, ls="--")
    if reference is not None:
        ax.axvline(reference, color="#c0504d", lw=1.2, ls=":",
                   label=reference_label or words["reference"].format(value=reference))
    ax.set_ylim(-0.8, k + 1.7)
    ax.set_yticks([*rows, 0], [*labels, words["model"]])
    ax.set_xlabel(xlabel)
    title = result.describe(lang)
    ax.set_title(f"{title}; τ² = {result.tau2:.3g}, I² = {result.i2:.0f}%", fontsize=9)
    right = ax.twinx()  # the numbers column, laid out with the axes
    right.set_ylim(ax.get_ylim())
    right.set_yticks([*rows, 0], [f"{e:.2f} [{lo:.2f}, {hi:.2f}]" for e, lo, hi in zip(y, low, high)]
                     + [f"{result.estimate:.2f} [{result.ci_low:.2f}, {result.ci_high:.2f}]"])
    right.tick_params(length=0)
    for axis in (ax, right):
        axis.spines[["top"]].set_visible(False)
    handles, texts = ax.get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig

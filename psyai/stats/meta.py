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

    def describe(self) -> str:
        """The model as a reader sees it named: ``random-effects model (REML τ², Knapp–Hartung t test, k = 8)``."""
        tau = {"REML": "REML", "DL": "DerSimonian–Laird"}[self.method]
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
      ``method="DL"``, by DerSimonian and Laird's (1986) method of moments; both truncated at 0;
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

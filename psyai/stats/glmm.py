"""Mixed-effects logistic regression with crossed random intercepts.

The model, for trial ``i`` of participant ``j`` on item ``k``::

    logit P(y_i = 1) = x_i' beta + b_j + c_k,    b_j ~ N(0, sd_1^2),  c_k ~ N(0, sd_2^2)

is fitted by maximum likelihood with the Laplace approximation, the method
``lme4::glmer`` uses by default (``nAGQ = 1``). In lme4's notation the random
effects are ``b = Lambda(theta) u`` with spherical ``u ~ N(0, I)``; for random
intercepts ``Lambda`` is diagonal and ``theta`` holds the standard deviations.
For given ``(theta, beta)`` a penalised Newton solve (PIRLS) finds the
conditional modes ``u~``; the Laplace deviance is then::

    d(theta, beta) = sum_i dev_i(y_i, eta_i(u~)) + |u~|^2 + log det(L L'),
    L L' = Lambda' Z' W Z Lambda + I,    W = diag(mu (1 - mu)) at u~.

An outer quasi-Newton search (BFGS, finished with Newton steps) over
``(theta, beta)`` minimises ``d``; ``d`` is even in each ``theta``, so the
search is unconstrained and ``|theta|`` is reported. Standard errors come, as
in lme4 (``vcov`` with ``use.hessian = TRUE``), from a central-difference
Hessian ``H`` of ``d`` over ``(theta, beta)``: the ``beta`` block of ``2 H^-1``.
They match lme4 to 0.2% on the data in ``tests/stats/reference/``; the simpler
"conditional on theta" SEs (the PIRLS Schur complement, lme4's
``use.hessian = FALSE``) are up to 1% smaller and are only a fallback here.

With two grouping factors ``L L'`` is ``[[D1, C], [C', D2]]`` with diagonal
``D1``, ``D2``; the larger factor is eliminated and only the smaller one's
Schur complement is factored densely. A fit of 40 participants x 60 items
(2400 rows) takes about 0.2 s.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

try:  # installed with scikit-learn (a pingouin dependency); optional here
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

__all__ = ["GLMMResult", "fit_glmm_binomial"]

logger = logging.getLogger(__name__)

METHOD = "ML, Laplace approximation (as lme4::glmer, nAGQ = 1)"
_SE_HESSIAN = "Wald SEs from the Hessian of the deviance over (theta, beta), as lme4"
_SE_SCHUR = "Wald SEs conditional on theta (Hessian over (theta, beta) was not positive definite)"

_INNER_TOL = 1e-8  # max |Newton step| on u after which (one more, ~1e-16) the solve stops
_INNER_MAX_ITER = 100
_GRAD_STEP = 1e-5  # central-difference step for the optimiser's gradient
_HESS_STEP = 1e-4  # central-difference step for the Hessian (lme4's deriv12 uses 1e-4)


@dataclass
class GLMMResult:
    """Result of :func:`fit_glmm_binomial`; every array is aligned with ``terms``.

    Attributes
    ----------
    terms : list of str
        Fixed-effect names, ``"Intercept"`` first, then the ``fixed`` columns in order.
    estimate : numpy.ndarray
        Fixed-effect estimates on the logit (log-odds) scale.
    se : numpy.ndarray
        Standard errors of ``estimate``.
    z : numpy.ndarray
        Wald statistics, ``estimate / se``.
    p_val : numpy.ndarray
        Two-sided p-values of the Wald test against 0 (standard normal reference).
    ci_low, ci_high : numpy.ndarray
        Wald confidence interval at ``level`` (``estimate -/+ z_crit * se``), logit scale.
    random_sd : dict of str to float
        Standard deviation of each random intercept (logit scale), keyed by grouping column.
    loglik : float
        Laplace-approximated log-likelihood at the maximum (comparable to ``logLik()`` in lme4).
    n_obs : int
        Number of rows (trials) used.
    n_groups : dict of str to int
        Number of levels of each grouping column.
    converged : bool
        True when the optimiser stopped normally, the scaled gradient at the optimum
        is small and the Hessian is positive definite.
    method : str
        Name of the estimation method and of how the standard errors were computed.
    """

    terms: list[str]
    estimate: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p_val: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    random_sd: dict[str, float]
    loglik: float
    n_obs: int
    n_groups: dict[str, int]
    converged: bool
    method: str

    def table(self) -> pd.DataFrame:
        """Fixed effects as a tidy table.

        Returns
        -------
        pandas.DataFrame
            One row per term with columns ``term``, ``estimate``, ``se``, ``z``,
            ``p_val``, ``ci_low``, ``ci_high`` (see the class attributes).
        """
        return pd.DataFrame(
            {
                "term": self.terms,
                "estimate": self.estimate,
                "se": self.se,
                "z": self.z,
                "p_val": self.p_val,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )

    def tidy(self) -> pd.DataFrame:
        """Fixed effects and random-intercept SDs in one table, in the layout of ``broom.mixed::tidy``.

        Returns
        -------
        pandas.DataFrame with

        * ``effect`` — ``fixed`` or ``ran_pars``
        * ``group`` — grouping column of a random-effect row (None for fixed effects)
        * ``term`` — a fixed-effect name, or ``sd_intercept``
        * ``estimate`` — log-odds coefficient, or random-intercept SD (logit scale)
        * ``se``, ``z``, ``p_val``, ``ci_low``, ``ci_high`` — Wald statistics of fixed
          effects (NaN for random-effect rows)
        * ``odds_ratio`` — ``exp(estimate)`` for fixed effects (NaN for random-effect rows)
        """
        fixed = self.table()
        fixed.insert(0, "group", None)
        fixed.insert(0, "effect", "fixed")
        fixed["odds_ratio"] = np.exp(fixed["estimate"].astype(float))
        ran = pd.DataFrame([{"effect": "ran_pars", "group": g, "term": "sd_intercept", "estimate": float(sd)}
                            for g, sd in self.random_sd.items()])
        return pd.concat([fixed, ran], ignore_index=True)[
            ["effect", "group", "term", "estimate", "se", "z", "p_val", "ci_low", "ci_high", "odds_ratio"]]


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class _Design:
    """Numeric model matrices; Z is held as one level-index column per grouping factor."""

    y: np.ndarray  # (n,) 0.0 / 1.0
    X: np.ndarray  # (n, p), first column all ones
    codes: tuple[np.ndarray, ...]  # K arrays (n,), level index within factor k
    n_levels: tuple[int, ...]  # K level counts
    starts: tuple[int, ...] = field(init=False)  # K first columns of each factor in Z

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(int(s) for s in np.cumsum((0, *self.n_levels[:-1]))))

    @property
    def q(self) -> int:
        return int(sum(self.n_levels))


def _z_times(design: _Design, b: np.ndarray) -> np.ndarray:
    """Z b for random effects ``b`` (q,); returns (n,)."""
    out = np.zeros(design.y.shape[0])
    for codes, start, m in zip(design.codes, design.starts, design.n_levels):
        out += b[start : start + m][codes]
    return out


def _zt_times(design: _Design, v: np.ndarray) -> np.ndarray:
    """Z' v for a row vector ``v`` (n,); returns (q,)."""
    return np.concatenate(
        [np.bincount(c, weights=v, minlength=m) for c, m in zip(design.codes, design.n_levels)]
    )


def _cross_weights(design: _Design, w: np.ndarray) -> np.ndarray:
    """Summed weights ``w`` (n,) of each (level of factor 0, level of factor 1) cell: (m0, m1)."""
    m0, m1 = design.n_levels
    cell = design.codes[0] * m1 + design.codes[1]  # (n,)
    return np.bincount(cell, weights=w, minlength=m0 * m1).reshape(m0, m1)


def _per_row(d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Reshape a (m,) diagonal to broadcast against ``r`` of shape (m,) or (m, c)."""
    return d.reshape(-1, *([1] * (r.ndim - 1)))


class _PenalisedHessian:
    """Factorisation of A = Lambda Z'WZ Lambda + I (half the Hessian of the penalised deviance).

    With one grouping factor A is diagonal. With two, A = [[D0, C], [C', D1]] with
    D0, D1 diagonal; the larger factor's block is eliminated and only the Schur
    complement of the smaller factor (m_small x m_small) is factored densely.
    """

    def __init__(self, design: _Design, lam: np.ndarray, w: np.ndarray) -> None:
        self.n_levels = design.n_levels
        diag = lam**2 * _zt_times(design, w) + 1.0  # (q,)
        if len(self.n_levels) == 1:
            self.d_big = diag  # (q,)
            self.logdet = float(np.sum(np.log(diag)))
            return
        m0 = self.n_levels[0]
        cross = lam[:m0, None] * _cross_weights(design, w) * lam[None, m0:]  # (m0, m1)
        self.big_first = m0 >= self.n_levels[1]
        if self.big_first:
            self.d_big, d_small, self.c = diag[:m0], diag[m0:], cross.T  # c: (m_small, m_big)
        else:
            self.d_big, d_small, self.c = diag[m0:], diag[:m0], cross
        schur = np.diag(d_small) - (self.c / self.d_big) @ self.c.T  # (m_small, m_small)
        self.chol = np.linalg.cholesky(schur)  # (m_small, m_small) lower
        self.logdet = float(np.sum(np.log(self.d_big)) + 2.0 * np.sum(np.log(np.diag(self.chol))))

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """A^-1 rhs for rhs of shape (q,) or (q, c)."""
        if len(self.n_levels) == 1:
            return rhs / _per_row(self.d_big, rhs)
        m0 = self.n_levels[0]
        r_big, r_small = (rhs[:m0], rhs[m0:]) if self.big_first else (rhs[m0:], rhs[:m0])
        d_big = _per_row(self.d_big, rhs)
        r_schur = r_small - self.c @ (r_big / d_big)  # (m_small,) or (m_small, c)
        x_small = linalg.cho_solve((self.chol, True), r_schur, check_finite=False)
        x_big = (r_big - self.c.T @ x_small) / d_big
        return np.concatenate([x_big, x_small] if self.big_first else [x_small, x_big])


def _binomial_deviance(y: np.ndarray, eta: np.ndarray) -> float:
    """-2 log-likelihood of 0/1 outcomes ``y`` at linear predictor ``eta`` (both (n,))."""
    return 2.0 * float(np.sum(np.logaddexp(0.0, eta) - y * eta))


# --------------------------------------------------------------------------- inner solve


@dataclass
class _Modes:
    """Conditional modes of u given (theta, beta) and what the Laplace deviance needs."""

    u: np.ndarray  # (q,) spherical random effects at the mode
    w: np.ndarray  # (n,) IRLS weights mu (1 - mu) at the mode
    hessian: _PenalisedHessian  # Lambda Z'WZ Lambda + I at the mode
    deviance: float  # Laplace deviance d(theta, beta)
    converged: bool


def _conditional_modes(
    design: _Design, theta: np.ndarray, beta: np.ndarray, u_start: np.ndarray
) -> _Modes:
    """Penalised Newton (PIRLS) solve for u~ minimising dev(y, eta(u)) + |u|^2.

    The objective is convex in u, so Newton steps with step halving converge;
    iteration stops after a step smaller than ``_INNER_TOL`` so the deviance is
    smooth enough in (theta, beta) for finite differences.
    """
    offset = design.X @ beta  # (n,)
    lam = np.repeat(theta, design.n_levels)  # (q,) diagonal of Lambda

    def penalised(u: np.ndarray) -> tuple[np.ndarray, float]:
        eta = offset + _z_times(design, lam * u)  # (n,)
        return eta, _binomial_deviance(design.y, eta) + float(u @ u)

    u = u_start.copy()
    eta, pdev = penalised(u)
    converged = False
    for _ in range(_INNER_MAX_ITER):
        mu = special.expit(eta)  # (n,)
        w = mu * (1.0 - mu)  # (n,)
        hessian = _PenalisedHessian(design, lam, w)
        if converged:
            break
        rhs = lam * _zt_times(design, design.y - mu) - u  # (q,) half the negative gradient
        step = hessian.solve(rhs)  # (q,) Newton step
        t = 1.0
        for _ in range(40):
            eta_new, pdev_new = penalised(u + t * step)
            if pdev_new <= pdev + 1e-10 * max(1.0, abs(pdev)):
                break
            t /= 2.0
        u, eta, pdev = u + t * step, eta_new, pdev_new
        converged = bool(np.max(np.abs(t * step), initial=0.0) < _INNER_TOL)
    return _Modes(u=u, w=w, hessian=hessian, deviance=pdev + hessian.logdet, converged=converged)


class _LaplaceObjective:
    """d(theta, beta) as a function of params = [theta (K,), beta (p,)], warm-started."""

    def __init__(self, design: _Design) -> None:
        self.design = design
        self.k = len(design.n_levels)
        self.u = np.zeros(design.q)  # (q,) last conditional modes, used as start
        self.inner_failures = 0

    def modes(self, params: np.ndarray) -> _Modes:
        m = _conditional_modes(self.design, params[: self.k], params[self.k :], self.u)
        if not m.converged:
            self.inner_failures += 1
        elif np.all(np.isfinite(m.u)):
            self.u = m.u
        return m

    def __call__(self, params: np.ndarray) -> float:
        return self.modes(params).deviance


# --------------------------------------------------------------------------- derivatives


def _central_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x`` (d,); returns (d,)."""
    grad = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2.0 * h)
    return grad


def _central_hessian(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient (d,) and Hessian (d, d) of ``f`` at ``x``."""
    d = x.size
    f0 = f(x)
    eye = np.eye(d) * h  # (d, d) rows are the steps
    f_plus = np.array([f(x + eye[i]) for i in range(d)])  # (d,)
    f_minus = np.array([f(x - eye[i]) for i in range(d)])  # (d,)
    grad = (f_plus - f_minus) / (2.0 * h)
    hess = np.empty((d, d))
    hess[np.diag_indices(d)] = (f_plus - 2.0 * f0 + f_minus) / h**2
    for i in range(d):
        for j in range(i + 1, d):
            f_pp = f(x + eye[i] + eye[j])
            f_pm = f(x + eye[i] - eye[j])
            f_mp = f(x - eye[i] + eye[j])
            f_mm = f(x - eye[i] - eye[j])
            hess[i, j] = hess[j, i] = (f_pp - f_pm - f_mp + f_mm) / (4.0 * h**2)
    return grad, hess


# --------------------------------------------------------------------------- fitting


def _fixed_effects_start(design: _Design, max_iter: int = 25) -> np.ndarray:
    """Ordinary logistic regression (IRLS) ignoring the groups: the starting beta (p,)."""
    X, y = design.X, design.y
    beta = np.zeros(X.shape[1])
    for _ in range(max_iter):
        mu = special.expit(X @ beta)  # (n,)
        w = np.maximum(mu * (1.0 - mu), 1e-10)  # (n,)
        step = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (y - mu))  # (p,)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _schur_vcov(design: _Design, theta: np.ndarray, modes: _Modes) -> np.ndarray:
    """Covariance of beta conditional on theta: inverse of the PIRLS Schur complement.

    ``(X'WX - X'W Z Lambda (Lambda Z'WZ Lambda + I)^-1 Lambda Z'W X)^-1``, i.e.
    lme4's ``vcov(fit, use.hessian = FALSE)``; used only when the Hessian over
    (theta, beta) cannot be inverted.
    """
    X, w = design.X, modes.w
    lam = np.repeat(theta, design.n_levels)  # (q,)
    xtwx = X.T @ (w[:, None] * X)  # (p, p)
    ltzwx = lam[:, None] * np.column_stack(
        [_zt_times(design, w * X[:, j]) for j in range(X.shape[1])]
    )  # (q, p)
    return np.linalg.inv(xtwx - ltzwx.T @ modes.hessian.solve(ltzwx))  # (p, p)


def _hessian_vcov(hess: np.ndarray, free: np.ndarray, p: int) -> np.ndarray | None:
    """beta block (p, p) of 2 H^-1 over the free parameters, or None if H is not PD.

    ``free`` (K + p,) marks the parameters not on a boundary; a variance estimated
    as exactly 0 is held there, as lme4 does.
    """
    h = hess[np.ix_(free, free)]
    h = (h + h.T) / 2.0
    if not np.all(np.isfinite(h)) or np.linalg.eigvalsh(h).min() <= 0.0:
        return None
    return 2.0 * np.linalg.inv(h)[-p:, -p:]


@dataclass
class _Fit:
    theta: np.ndarray  # (K,)
    beta: np.ndarray  # (p,)
    vcov: np.ndarray  # (p, p)
    deviance: float
    converged: bool
    se_method: str


def _newton_polish(
    objective: _LaplaceObjective, params: np.ndarray, k: int, max_steps: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Take Newton steps on d from ``params`` (K + p,) with the finite-difference Hessian.

    Returns params, gradient, Hessian (at those params) and the last Newton step
    over the free parameters (variances at 0 stay at the boundary).
    """
    for i in range(max_steps + 1):
        grad, hess = _central_hessian(objective, params, _HESS_STEP)  # (d,), (d, d)
        free = np.concatenate([np.abs(params[:k]) > 1e-4, np.ones(params.size - k, dtype=bool)])
        try:
            step = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        except np.linalg.LinAlgError:
            step = np.full(int(free.sum()), np.inf)
        if i == max_steps or not np.all(np.isfinite(step)) or np.max(np.abs(step)) < 1e-7:
            break
        candidate = params.copy()
        candidate[free] -= step
        if not objective(candidate) < objective(params):
            break
        params = candidate
    return params, grad, hess, step


def _snap_to_boundary(objective: _LaplaceObjective, params: np.ndarray, k: int) -> np.ndarray:
    """Set a near-zero SD (< 1e-4) to exactly 0 when that is no worse (a singular fit, as in lme4)."""
    for i in range(k):
        if 0.0 < params[i] < 1e-4:
            candidate = params.copy()
            candidate[i] = 0.0
            if objective(candidate) <= objective(params) + 1e-9:
                params = candidate
    return params


def _fit(design: _Design) -> _Fit:
    """Minimise the Laplace deviance over (theta >= 0, beta) and compute vcov(beta)."""
    k, p = len(design.n_levels), design.X.shape[1]
    objective = _LaplaceObjective(design)
    start = np.concatenate([np.ones(k), _fixed_effects_start(design)])  # (K + p,)
    # d is even in each theta (b = theta u and u -> -u), so an unconstrained search
    # followed by |theta| respects theta >= 0. BFGS, not L-BFGS-B: scipy >= 1.15's
    # L-BFGS-B is ~50x slower under multithreaded OpenBLAS (scipy issue 22438).
    opt = optimize.minimize(
        objective,
        start,
        jac=lambda x: _central_gradient(objective, x, _GRAD_STEP),
        method="BFGS",
        options={"maxiter": 500, "gtol": 1e-6},
    )
    params = _snap_to_boundary(objective, np.concatenate([np.abs(opt.x[:k]), opt.x[k:]]), k)
    objective.inner_failures = 0  # from here on every inner solve feeds the Hessian
    params, grad, hess, step = _newton_polish(objective, params, k)
    theta, beta = params[:k], params[k:]
    modes = objective.modes(params)
    # lme4's check: the Newton step implied by gradient and Hessian is negligible
    small_step = bool(np.max(np.abs(step)) < 2e-3)
    converged = small_step and modes.converged and objective.inner_failures == 0
    if not converged:
        logger.warning("GLMM fit may not have converged (BFGS: %s; last Newton step %s)", opt.message, step)

    free = np.concatenate([theta > 1e-4, np.ones(p, dtype=bool)])  # (K + p,)
    vcov = _hessian_vcov(hess, free, p)
    if vcov is None:
        logger.warning("Hessian over (theta, beta) not positive definite; SEs conditional on theta")
        vcov = _schur_vcov(design, theta, modes)
        return _Fit(theta, beta, vcov, modes.deviance, converged=False, se_method=_SE_SCHUR)
    return _Fit(theta, beta, vcov, modes.deviance, converged=converged, se_method=_SE_HESSIAN)


# --------------------------------------------------------------------------- input


def _check_columns(data: pd.DataFrame, y: str, fixed: list[str], groups: list[str]) -> None:
    """Column names are usable: lists, 1-2 groups, no repeats, present, no missing values."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (one row per trial), got {type(data).__name__}")
    if isinstance(fixed, str) or isinstance(groups, str):
        raise ValueError(
            "fixed and groups must be lists of column names, e.g. fixed=['x'], groups=['participant']"
        )
    if len(groups) not in (1, 2):
        raise ValueError(
            f"groups must name 1 or 2 grouping columns (e.g. ['participant', 'item']), got {groups}"
        )
    names = [y, *fixed, *groups]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise ValueError(f"column(s) {repeated} used more than once among y, fixed and groups; use each once")
    if "Intercept" in fixed:
        raise ValueError("'Intercept' is added automatically; remove it from fixed")
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data; available columns: {list(data.columns)}")
    if len(data) == 0:
        raise ValueError("data has no rows")
    for col in names:
        n_na = int(data[col].isna().sum())
        if n_na:
            raise ValueError(
                f"column '{col}' has {n_na} missing value(s); drop those rows first, "
                f"e.g. data.dropna(subset={names})"
            )


def _outcome(data: pd.DataFrame, y: str) -> np.ndarray:
    """The 0/1 outcome as floats (n,); booleans count as 0/1."""
    values = data[y]
    if not values.isin([0, 1]).all():
        bad = sorted(map(str, pd.unique(values[~values.isin([0, 1])])))[:5]
        raise ValueError(
            f"outcome '{y}' must be 0/1, found value(s) {bad}; recode it, "
            f"e.g. data['{y}'] = (data['{y}'] == 'model').astype(int)"
        )
    y_arr = values.to_numpy(dtype=float)  # (n,)
    if y_arr.min() == y_arr.max():
        raise ValueError(
            f"outcome '{y}' is {int(y_arr[0])} on every row; a logistic model needs both 0s and 1s"
        )
    return y_arr


def _fixed_matrix(data: pd.DataFrame, fixed: list[str]) -> np.ndarray:
    """Intercept plus the numeric ``fixed`` columns, (n, p); refuses constant or collinear ones."""
    for col in fixed:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ValueError(
                f"fixed-effect column '{col}' is not numeric (dtype {data[col].dtype}); code it as "
                f"numbers, e.g. -0.5 / +0.5 for two conditions"
            )
        if not np.all(np.isfinite(data[col].to_numpy(dtype=float))):
            raise ValueError(f"fixed-effect column '{col}' has infinite values; remove or recode those rows")
        if data[col].nunique() < 2:
            raise ValueError(
                f"fixed-effect column '{col}' is constant, so it duplicates the intercept; remove it"
            )
    X = np.column_stack([np.ones(len(data)), data[fixed].to_numpy(dtype=float)])  # (n, p)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError(
            f"fixed-effect columns {fixed} are linearly dependent (with the intercept); "
            f"drop the redundant one"
        )
    return X


def _group_codes(data: pd.DataFrame, group: str) -> tuple[np.ndarray, int]:
    """Level index of each row (n,) and the number of levels of one grouping column."""
    codes, levels = pd.factorize(data[group], sort=True)
    if len(levels) < 2:
        raise ValueError(
            f"grouping column '{group}' has a single level ({levels[0]!r}); a random intercept needs "
            f"2 or more groups, remove '{group}' from groups"
        )
    if len(levels) == len(data):
        raise ValueError(
            f"grouping column '{group}' has a different level on every row, so its variance cannot be "
            f"separated from the binomial noise; group by participant or item instead"
        )
    return codes.astype(np.intp), len(levels)


def _design_from(data: pd.DataFrame, y: str, fixed: list[str], groups: list[str]) -> _Design:
    """Check the input and build the numeric design; every error says how to fix it."""
    _check_columns(data, y, fixed, groups)
    codes, n_levels = zip(*(_group_codes(data, g) for g in groups))
    return _Design(y=_outcome(data, y), X=_fixed_matrix(data, list(fixed)), codes=codes, n_levels=n_levels)


# --------------------------------------------------------------------------- public


def _single_threaded_blas() -> contextlib.AbstractContextManager:
    """Keep BLAS on one thread: the matrices are small, and on a busy machine
    multithreaded OpenBLAS makes thousands of small calls many times slower."""
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def fit_glmm_binomial(
    data: pd.DataFrame,
    y: str,
    fixed: list[str],
    groups: list[str],
    level: float = 0.95,
) -> GLMMResult:
    """Mixed-effects logistic regression with (crossed) random intercepts.

    Fits ``logit P(y = 1) = b0 + b1 x1 + ... + u_group1 + u_group2`` by maximum
    likelihood with the Laplace approximation, the default of ``lme4::glmer``
    (``nAGQ = 1``). With ``groups=["participant", "item"]`` this is the model of
    Baayen, Davidson & Bates (2008) for crossed random effects of subjects and
    items: ``glmer(y ~ x + (1|participant) + (1|item), family = binomial)``.

    Parameters
    ----------
    data : pandas.DataFrame
        Long-format data, one row per trial.
    y : str
        Name of the outcome column, coded 0/1 (or boolean).
    fixed : list of str
        Numeric predictor columns. An intercept is added; code two conditions as
        -0.5 / +0.5 so the intercept is the grand mean. May be empty.
    groups : list of str
        One or two grouping columns (e.g. ``["participant", "item"]``), each given
        a random intercept; two are crossed (or nested, the coding decides).
    level : float
        Confidence level of the Wald intervals, between 0 and 1 (default 0.95).

    Returns
    -------
    GLMMResult
        ``terms`` (``"Intercept"`` first, then ``fixed``); ``estimate`` (logit
        scale); ``se`` (from the inverse Hessian of the Laplace deviance over
        variance parameters and fixed effects, as lme4's ``vcov``); ``z``
        (``estimate / se``); ``p_val`` (two-sided Wald); ``ci_low`` / ``ci_high``
        (Wald interval at ``level``); ``random_sd`` (SD of each random
        intercept, logit scale); ``loglik`` (Laplace log-likelihood, as lme4's
        ``logLik``); ``n_obs``; ``n_groups`` (levels per grouping column);
        ``converged``; ``method`` (estimation and SE method, for reports).
        ``result.table()`` gives the fixed effects as a tidy DataFrame.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If a column is missing or repeated, has missing values, ``y`` is not 0/1
        or constant, a fixed column is not numeric, constant or collinear, a
        grouping column has a single level, or ``level`` is outside (0, 1).

    Notes
    -----
    Odds ratios are ``np.exp(estimate)`` with interval ``np.exp(ci_low)``,
    ``np.exp(ci_high)``. On the reference data (``tests/stats/reference/glmm_lme4.R``)
    estimates agree with lme4 1.1-31 within 2e-4, standard errors within 0.2%
    and random-effect SDs within 0.01%. In simulations with 30 participants x
    30 items and an item-level predictor the 95% interval covered the true
    slope in 94% of 2000 datasets: Wald intervals are slightly liberal when
    there are few items or participants; with fewer than about 20 prefer a
    parametric bootstrap or a likelihood-ratio test.

    References
    ----------
    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear
    mixed-effects models using lme4. *Journal of Statistical Software, 67*(1),
    1-48. https://doi.org/10.18637/jss.v067.i01

    Baayen, R. H., Davidson, D. J., & Bates, D. M. (2008). Mixed-effects
    modeling with crossed random effects for subjects and items. *Journal of
    Memory and Language, 59*(4), 390-412. https://doi.org/10.1016/j.jml.2007.12.005

    Examples
    --------
    >>> fit = fit_glmm_binomial(trials, y="judged_model", fixed=["is_model"],
    ...                         groups=["participant", "item"])
    >>> fit.table()  # doctest: +SKIP
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95 for a 95% interval), got {level}")
    design = _design_from(data, y, fixed, groups)
    with _single_threaded_blas():
        fit = _fit(design)

    se = np.sqrt(np.diag(fit.vcov))  # (p,)
    z = fit.beta / se
    z_crit = stats.norm.ppf(0.5 + level / 2.0)
    return GLMMResult(
        terms=["Intercept", *fixed],
        estimate=fit.beta,
        se=se,
        z=z,
        p_val=2.0 * stats.norm.sf(np.abs(z)),
        ci_low=fit.beta - z_crit * se,
        ci_high=fit.beta + z_crit * se,
        random_sd={g: float(abs(t)) for g, t in zip(groups, fit.theta)},
        loglik=-fit.deviance / 2.0,
        n_obs=int(design.y.size),
        n_groups=dict(zip(groups, design.n_levels)),
        converged=fit.converged,
        method=f"{METHOD}; {fit.se_method}",
    )

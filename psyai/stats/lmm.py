"""Linear mixed model with crossed random intercepts (e.g. participants and items), fitted by REML.

=================================  ===========================================================
:func:`fit_lmm_crossed`            ``y ~ x1 + x2 + … + (1|group1) + (1|group2) + …`` by REML;
                                   fixed effects with Wald z tests and intervals, random SDs
=================================  ===========================================================

The model, for observation ``i`` in level ``j`` of the first grouping factor and level
``k`` of the second::

    y_i = x_i' beta + b_j + c_k + e_i,    b_j ~ N(0, sd_1^2),  c_k ~ N(0, sd_2^2),  e_i ~ N(0, sd_res^2)

is lme4's ``lmer(y ~ x + (1|group1) + (1|group2), REML = TRUE)`` (Baayen, Davidson & Bates,
2008). It is fitted with statsmodels ``MixedLM`` in the statsmodels idiom for crossed
effects: one group holding every row, and one variance component per grouping factor
(``vc_formula = {"group1": "0 + C(group1)", …}``), by REML.

The optimiser is checked, as lme4's ``allFit`` would: statsmodels' L-BFGS (with Powell if it
reports failure) can stop far from the maximum and still report convergence (in a third of
simulated crossed data sets its REML log-likelihood was 0.2 to 20 lower than Powell's or
Nelder–Mead's, and on the one-factor reference model 28 lower, with an item SD of 1.0
where lme4 finds 0.044). So the model is also fitted with Powell; if the two disagree by
more than 1e-4 in REML log-likelihood, with Nelder–Mead and BFGS too, and the first fit
within 1e-4 of the highest log-likelihood is kept (L-BFGS's whenever it reached the maximum).
Fixed effects are tested with Wald z statistics, ``z = estimate / se``, two-sided
normal p values and intervals ``estimate ± z_(1 + level)/2 · se`` (lme4's
``confint(method = "Wald")``); statsmodels takes the SEs from its own Hessian, lme4
conditional on the variance parameters, and they agree within 0.5% on the data in
``tests/stats/reference/`` (``attention_lme4.R``).

References
----------
Baayen, R. H., Davidson, D. J., & Bates, D. M. (2008). Mixed-effects modeling with crossed
random effects for subjects and items. *Journal of Memory and Language, 59*, 390–412.
Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
using lme4. *Journal of Statistical Software, 67*(1), 1–48.
Seabold, S., & Perktold, J. (2010). statsmodels: Econometric and statistical modeling with
Python. *Proceedings of the 9th Python in Science Conference*, 92–96.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from psyai.errors import DataError

METHOD = "statsmodels MixedLM, REML; crossed random intercepts as variance components in one group"
OPTIMISERS = (("lbfgs", "powell"), ("powell",), ("nm",), ("bfgs",))  # statsmodels' fit(method=...), in order
LOGLIK_TOL = 1e-4  # REML log-likelihoods closer than this are the same maximum
FIXED_COLUMNS = ["term", "estimate", "se", "z", "p_val", "ci_low", "ci_high"]


def _check(data: pd.DataFrame, y: str, fixed: list[str], groups: list[str], level: float) -> None:
    """Refuse input the model cannot take, saying what to do."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame with one row per observation, got {type(data).__name__}")
    if isinstance(fixed, str) or isinstance(groups, str):
        raise DataError("fixed and groups must be lists of column names, e.g. fixed=['x'], "
                        "groups=['participant', 'item']")
    if not groups:
        raise DataError("groups is empty: name at least one grouping column, e.g. groups=['participant', 'item']")
    if not 0.0 < level < 1.0:
        raise DataError(f"level must be between 0 and 1 (e.g. 0.95 for a 95% interval), got {level}")
    fixed, groups = list(fixed), list(groups)
    names = [y, *fixed, *groups]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise DataError(f"column(s) {repeated} used more than once among y, fixed and groups; use each once")
    if "residual" in groups:
        raise DataError("a grouping column called 'residual' names the residual SD in the result (sd_residual); "
                        "rename it, e.g. data.rename(columns={'residual': 'group'})")
    if "Intercept" in fixed:
        raise DataError("'Intercept' is added automatically; remove it from fixed")
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise DataError(f"column(s) {missing} not in data; available columns: {list(data.columns)}")
    odd = [c for c in names if not (isinstance(c, str) and c.isidentifier())]
    if odd:
        raise DataError(f"column name(s) {odd} cannot go into a model formula; rename them to letters, digits and "
                        "underscores, e.g. data.rename(columns={'log RT': 'log_rt'})")
    if len(data) == 0:
        raise DataError("data has no rows")
    for col in names:
        n_na = int(data[col].isna().sum())
        if n_na:
            raise DataError(f"column '{col}' has {n_na} missing value(s); drop those rows first, "
                            f"e.g. data.dropna(subset={names})")
    for col in [y, *fixed]:
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise DataError(f"column '{col}' is not numeric (dtype {data[col].dtype}); code it as numbers, "
                            "e.g. -0.5 / +0.5 for two conditions")
        if not np.all(np.isfinite(data[col].to_numpy(dtype=float))):
            raise DataError(f"column '{col}' has infinite values; remove or recode those rows")


def _fit(model, method: tuple[str, ...]):
    """One REML fit with the given optimisers; returns (fit, its REML log-likelihood, its warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True, method=list(method))
    llf = float(fit.llf)
    return fit, (llf if math.isfinite(llf) else -math.inf), sorted({str(w.message).splitlines()[0] for w in caught})


def fit_lmm_crossed(data: pd.DataFrame, y: str, fixed: list[str], groups: list[str],
                    level: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """REML fit of ``y ~ fixed + (1|group) for each group``: crossed random intercepts.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per observation (e.g. one reading time).
    y : str
        The numeric outcome column (e.g. ``log_rt``).
    fixed : list of str
        Numeric predictor columns; an intercept is added. May be empty.
    groups : list of str
        One or more grouping columns (e.g. ``["participant", "item"]``), each given a random
        intercept; several are crossed (or nested: the coding of the levels decides).
    level : float
        Confidence level of the Wald intervals, between 0 and 1.

    Returns
    -------
    (fixed_effects, info)

    ``fixed_effects``, a pandas.DataFrame with one row per term (``Intercept`` first, then
    ``fixed`` in order):

    * ``term`` — the column name, or ``Intercept``
    * ``estimate`` — the REML estimate of the coefficient
    * ``se`` — its standard error (statsmodels' Hessian)
    * ``z`` — ``estimate / se``, the Wald statistic
    * ``p_val`` — two-sided p value of z on the standard normal
    * ``ci_low``, ``ci_high`` — Wald interval at ``level``, ``estimate ∓ z_(1 + level)/2 · se``

    ``info``, a dict:

    * ``sd_<group>`` for each group — SD of its random intercepts (0 when its variance is
      estimated at the boundary)
    * ``sd_residual`` — residual SD
    * ``n_obs`` — rows fitted
    * ``n_levels`` — ``{group: number of levels}``
    * ``converged`` — statsmodels' convergence flag
    * ``loglik_reml`` — the REML log-likelihood (lme4's ``-REMLcrit / 2``)
    * ``warnings`` — the first line of each distinct warning raised by the fit kept
    * ``optimiser`` — statsmodels' optimiser(s) of the fit kept (``lbfgs+powell``, ``powell``,
      ``nm`` or ``bfgs``)
    * ``formula`` — the model in lme4 notation
    * ``method`` — estimator and software, for reports

    Raises
    ------
    psyai.errors.DataError
        If a column is missing, repeated, not a valid formula name, has missing or infinite
        values, ``y`` or a fixed column is not numeric, ``groups`` is empty, or ``level`` is
        outside (0, 1).
    """
    import statsmodels.formula.api as smf

    _check(data, y, fixed, groups, level)
    fixed, groups = list(fixed), list(groups)
    everything = "_all"  # the one group holding every row
    while everything in data.columns:
        everything = "_" + everything
    d = data.assign(**{everything: 1})
    model = smf.mixedlm(f"{y} ~ {' + '.join(fixed) if fixed else '1'}", d, groups=everything, re_formula="0",
                        vc_formula={g: f"0 + C({g})" for g in groups})
    fits = [(method, *_fit(model, method)) for method in OPTIMISERS[:2]]
    if abs(fits[0][2] - fits[1][2]) > LOGLIK_TOL:  # one of them stopped short: ask two more optimisers
        fits += [(method, *_fit(model, method)) for method in OPTIMISERS[2:]]
    best = max(llf for _, _, llf, _ in fits)
    method, fit, _, caught = next(f for f in fits if f[2] >= best - LOGLIK_TOL)
    z_crit = stats.norm.ppf(0.5 + level / 2)
    fe = fit.fe_params  # (p,)
    se = fit.bse_fe  # (p,)
    out = pd.DataFrame({"term": list(fe.index), "estimate": fe.to_numpy(), "se": se.to_numpy()})
    out["z"] = out["estimate"] / out["se"]
    out["p_val"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["ci_low"] = out["estimate"] - z_crit * out["se"]
    out["ci_high"] = out["estimate"] + z_crit * out["se"]
    vc = dict(zip(model.exog_vc.names, np.sqrt(np.maximum(fit.vcomp, 0))))  # group -> SD
    random = " + ".join(f"(1|{g})" for g in groups)
    info = {**{f"sd_{g}": float(vc[g]) for g in groups},
            "sd_residual": float(math.sqrt(fit.scale)), "n_obs": int(len(d)),
            "n_levels": {g: int(d[g].nunique()) for g in groups},
            "converged": bool(fit.converged), "loglik_reml": float(fit.llf),
            "warnings": caught,
            "optimiser": "+".join(method),
            "formula": f"{y} ~ {' + '.join(fixed) + ' + ' if fixed else '1 + '}{random}",
            "method": METHOD}
    return out[FIXED_COLUMNS], info

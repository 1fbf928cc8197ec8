"""Linear and generalised linear mixed models in lme4's formula language.

One entry point, :func:`fit_mixed`, for every analysis and for ``psyai stats mixed``:

- ``formula`` in lme4 syntax: crossed and nested grouping factors, correlated
  (``(1 + x | g)``) and uncorrelated (``(1 + x || g)``) random slopes;
- ``family="gaussian"``: a linear mixed model by REML (default) or ML, t tests with
  Satterthwaite denominator degrees of freedom, as ``lmerTest`` (mixedlm's
  Kenward–Roger df differed from ``pbkrtest`` by 5 % on a random-slope model, so
  they are not offered);
- ``family="binomial"``: a logistic mixed model by ML with the Laplace approximation
  (``glmer``, ``nAGQ = 1``), Wald z tests;
- intervals: ``wald`` (t with the denominator df for an LMM, z for a GLMM),
  ``profile`` (profile likelihood, as ``confint(method = "profile")``) or ``boot``
  (parametric bootstrap percentiles, as ``confint(method = "boot")``).

The engine is `mixedlm <https://github.com/Cameron-Lyons/mixedlm>`_ (MIT, a Rust core
with lme4's API), checked against lme4 in ``tests/stats/test_mixed.py`` on the
committed references (``tests/stats/reference/mixed_lme4.R``) and on ``sleepstudy``.
A singular fit or a convergence problem never passes silently: it is in
:attr:`MixedResult.warnings`, in :meth:`MixedResult.describe` and in every report
that uses the fit.
"""

from __future__ import annotations

import ctypes
import math
import os
import platform
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
import pandas as pd

from psyai.errors import DataError

__all__ = ["MixedResult", "fit_mixed", "fit_first_nonsingular", "simplification_ladder", "random_terms",
           "uncorrelated", "intercepts_only", "ENGINE", "TURING_GLMM"]

# The Turing-test model (analysis/turing_test.py, psyai stats coverage): whether a text was judged
# human, by its true source (model = +0.5, human = -0.5), with participants differing in bias and in
# sensitivity and items in how human they read (Barr et al., 2013: maximal for the design).
TURING_GLMM = "judged_human ~ source + (1 + source | participant) + (1 | item_id)"

FAMILIES = ("gaussian", "binomial")
CI_METHODS = ("wald", "profile", "boot")
DDF_METHODS = ("Satterthwaite",)
ENGINE = "mixedlm"
FIXED_COLUMNS = ["term", "estimate", "se", "statistic", "df", "p_val", "ci_low", "ci_high"]


@dataclass
class MixedResult:
    """A fitted mixed model as tidy tables.

    Attributes
    ----------
    formula : str
        The model as fitted (lme4 syntax).
    family : str
        ``gaussian`` or ``binomial``.
    method : str
        How it was estimated (``REML``, ``ML``, ``ML, Laplace approximation (nAGQ = 1)``).
    fixed : pandas.DataFrame
        One row per fixed effect: ``term`` (lme4's names, ``(Intercept)`` first), ``estimate``,
        ``se``, ``statistic`` (t for an LMM, z for a GLMM), ``df`` (denominator df of the t test;
        NaN for z), ``p_val`` (two-sided), ``ci_low``, ``ci_high`` (by ``ci_method`` at ``level``).
    random : pandas.DataFrame
        Variance components in the layout of ``broom.mixed::tidy(effects = "ran_pars")``:
        ``group``, ``term`` (``sd__(Intercept)``, ``sd__x``, ``cor__(Intercept).x``;
        ``Residual`` / ``sd__Observation`` for an LMM's residual SD), ``estimate``.
    statistic : str
        ``t`` or ``z``.
    ddf_method : str or None
        Satterthwaite for an LMM; None for a GLMM (z tests).
    ci_method : str
        ``wald``, ``profile`` or ``boot`` (with ``n_boot`` resamples).
    level : float
        Confidence level of the intervals.
    loglik, aic, bic, deviance : float
        As ``logLik``, ``AIC``, ``BIC`` and ``deviance`` in lme4 (REML criterion for a REML fit).
    n_obs : int
        Rows used.
    n_groups : dict of str to int
        Levels of each grouping factor.
    sigma : float or None
        Residual SD of an LMM.
    converged : bool
        The optimiser reported convergence.
    singular : bool
        A variance component is (near) zero or a correlation is ±1 (``isSingular``).
    warnings : list of str
        Every warning the engine raised while fitting, and a sentence for a singular fit.
    se_method : str or None
        How a GLMM's SEs were computed (from the Hessian over (theta, beta), as ``glmer``).
    engine : str
        ``mixedlm`` and its version.
    """

    formula: str
    family: str
    method: str
    fixed: pd.DataFrame
    random: pd.DataFrame
    statistic: str
    ddf_method: str | None
    ci_method: str
    level: float
    loglik: float
    aic: float
    bic: float
    deviance: float
    n_obs: int
    n_groups: dict[str, int]
    sigma: float | None
    converged: bool
    singular: bool
    warnings: list[str] = field(default_factory=list)
    engine: str = ""
    n_boot: int | None = None
    se_method: str | None = None

    def term(self, name: str) -> dict:
        """The fixed-effect row ``name`` as a dict (KeyError naming the terms there are)."""
        rows = self.fixed[self.fixed.term == name]
        if rows.empty:
            raise KeyError(f"no fixed effect {name!r}; the model has {', '.join(self.fixed.term)}")
        return rows.iloc[0].to_dict()

    def random_sd(self) -> dict[str, float]:
        """SD of each random term, keyed ``group:term`` (``participant:(Intercept)``), residual excluded."""
        sds = self.random[self.random.term.str.startswith("sd__") & (self.random.group != "Residual")]
        return {f"{g}:{t[4:]}": float(e) for g, t, e in zip(sds.group, sds.term, sds.estimate)}

    def describe(self, lang: str = "en") -> str:
        """One Methods sentence (``lang`` en or ja): model, estimation, tests, intervals, engine, and any
        problem. The engine's own warnings are quoted as it wrote them (English)."""
        if lang == "ja":
            return self._describe_ja()
        if self.family == "gaussian":
            what = f"a linear mixed model, {self.formula}, fitted by {self.method}"
            tests = f"t tests with {self.ddf_method} degrees of freedom"
        else:
            what = f"a logistic mixed model, {self.formula}, fitted by {self.method}"
            tests = f"Wald z tests ({self.se_method})"
        intervals = {"wald": "Wald intervals" + (" (t)" if self.statistic == "t" else " (z)"),
                     "profile": "profile-likelihood intervals",
                     "boot": f"parametric-bootstrap percentile intervals ({self.n_boot} resamples)"}[self.ci_method]
        groups = ", ".join(f"{n} {g}" for g, n in self.n_groups.items())
        out = (f"{what[0].upper()}{what[1:]} on {self.n_obs} observations ({groups}); {tests}, "
               f"{intervals} at {self.level:.0%}; {self.engine}.")
        if self.warnings:
            out += " " + " ".join(w.rstrip(".") + "." for w in self.warnings)
        return out

    def _describe_ja(self) -> str:
        method = {"REML": "REML", "ML": "最尤法"}.get(self.method, "最尤法(ラプラス近似,nAGQ = 1)")
        if self.family == "gaussian":
            what = f"線形混合モデル {self.formula}({method} で推定)"
            tests = f"t 検定(自由度は {self.ddf_method} 法)"
        else:
            key = next((k for k, v in SE_METHODS["en"].items() if v == self.se_method), None)
            how = SE_METHODS["ja"].get(key, self.se_method)
            what = f"ロジスティック混合モデル {self.formula}({method} で推定)"
            tests = f"Wald z 検定({how})"
        intervals = {"wald": "Wald 信頼区間" + ("(t)" if self.statistic == "t" else "(z)"),
                     "profile": "プロファイル尤度信頼区間",
                     "boot": f"パラメトリック・ブートストラップのパーセンタイル信頼区間({self.n_boot} 回)"}[self.ci_method]
        groups = ",".join(f"{g} {n}" for g, n in self.n_groups.items())
        out = f"{what},観測 {self.n_obs} 件({groups});{tests},{self.level:.0%} {intervals};{self.engine}。"
        if self.singular:
            out += "特異な当てはめ(分散成分が 0,または相関が ±1)。"
        if not self.converged:
            out += "収束に問題があり,数値は暫定的。"
        said, quoted = [], []
        for w in self.warnings:
            if w.startswith("The fit is singular") or w.startswith("Model is singular"):
                continue  # said above
            ja = _warning_ja(w)
            (said if ja else quoted).append(ja or w.rstrip(".") + ".")
        out += "".join(said)
        if quoted:
            out += "エンジンの警告(原文のまま):" + " ".join(quoted)
        return out

    def to_dict(self) -> dict:
        """Plain types, for results.json."""
        def rows(frame: pd.DataFrame) -> list[dict]:
            return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                    for r in frame.to_dict("records")]

        return {"formula": self.formula, "family": self.family, "method": self.method, "fixed": rows(self.fixed),
                "random": rows(self.random), "statistic": self.statistic, "ddf_method": self.ddf_method,
                "ci_method": self.ci_method, "n_boot": self.n_boot, "level": self.level, "loglik": self.loglik,
                "aic": self.aic, "bic": self.bic, "deviance": self.deviance, "n_obs": self.n_obs,
                "n_groups": self.n_groups, "sigma": self.sigma, "converged": self.converged,
                "singular": self.singular, "warnings": self.warnings, "engine": self.engine,
                "se_method": self.se_method,
                "description": self.describe()}


_TERM = re.compile(r"\(([^()|]*?)(\|\|?)([^()|]*?)\)")


def random_terms(formula: str) -> list[tuple[str, str, str]]:
    """The random-effect terms of an lme4 formula as ``(effects, bar, group)``: ``(1 + x | g)`` →
    ``("1 + x", "|", "g")``."""
    return [(a.strip(), bar, g.strip()) for a, bar, g in _TERM.findall(formula)]


def uncorrelated(formula: str) -> str:
    """The formula with every correlated random term ``(1 + x | g)`` written uncorrelated ``(1 + x || g)``."""
    return _TERM.sub(lambda m: f"({m.group(1).strip()} || {m.group(3).strip()})"
                     if m.group(2) == "|" and m.group(1).strip() not in ("1", "") else m.group(0), formula)


def intercepts_only(formula: str) -> str:
    """The formula with every random term reduced to a random intercept ``(1 | g)``."""
    return _TERM.sub(lambda m: f"(1 | {m.group(3).strip()})", formula)


def simplification_ladder(maximal: str) -> list[str]:
    """The models tried, in order, until one is not singular: the maximal model, then its random slopes
    uncorrelated with the intercepts, then random intercepts only (duplicates dropped)."""
    return list(dict.fromkeys([maximal, uncorrelated(maximal), intercepts_only(maximal)]))


def _variables(formula: str) -> list[str]:
    names = re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", formula.replace("||", "|"))
    return [n for n in dict.fromkeys(names) if n not in ("I", "log", "exp", "sqrt", "scale", "poly", "offset")]


def _check(data: pd.DataFrame, formula: str, family: str, level: float, ci: str, ddf: str) -> str:
    if family not in FAMILIES:
        raise DataError(f"family={family!r}: use one of {', '.join(FAMILIES)}")
    if ci not in CI_METHODS:
        raise DataError(f"ci={ci!r}: use one of {', '.join(CI_METHODS)}")
    if ddf not in DDF_METHODS:
        raise DataError(f"ddf={ddf!r}: use one of {', '.join(DDF_METHODS)}")
    if not 0 < level < 1:
        raise DataError(f"level={level}: give a confidence level between 0 and 1, e.g. 0.95")
    if "~" not in formula or not random_terms(formula):
        raise DataError(f"formula {formula!r}: write it as lme4 does, 'y ~ x + (1 | group)', with at least one "
                        "random term in parentheses")
    response = formula.split("~", 1)[0].strip()
    missing = [v for v in _variables(formula) if v not in data.columns and v != "1"]
    if missing:
        raise DataError(f"formula {formula!r} names column(s) {', '.join(missing)} that the data do not have; "
                        f"columns are {', '.join(map(str, data.columns))}")
    if family == "binomial":
        y = pd.to_numeric(data[response].astype("float64") if data[response].dtype == bool else data[response],
                          errors="coerce")
        if y.isna().any() or not y.isin([0, 1]).all():
            raise DataError(f"column {response!r}: a binomial model needs 0/1 (or true/false) outcomes")
    return response


def fit_mixed(data: pd.DataFrame, formula: str, *, family: str = "gaussian", reml: bool = True,
              level: float = 0.95, ci: str = "wald", ddf: str = "Satterthwaite", n_boot: int = 500,
              seed: int = 0) -> MixedResult:
    """Fit ``formula`` (lme4 syntax) to ``data``; see the module docstring.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation; rows with a missing value in a model column are dropped.
    formula : str
        ``y ~ fixed + (random | group) …``.
    family : ``gaussian`` (LMM) or ``binomial`` (logistic GLMM, 0/1 outcome).
    reml : REML (True, lme4's default) or ML for an LMM; ignored for a GLMM (always ML).
    level : confidence level.
    ci : ``wald``, ``profile`` or ``boot``.
    ddf : ``Satterthwaite`` (LMM t tests; the only method offered, see the module docstring).
    n_boot, seed : parametric bootstrap resamples and their seed (``ci="boot"``).

    Raises
    ------
    DataError
        For a formula naming missing columns, a non-0/1 binomial outcome, or a fit the engine refuses
        (its message is kept).
    """
    import mixedlm
    from mixedlm.models.checks import ModelCheckError

    _check(data, formula, family, level, ci, ddf)
    columns = [c for c in _variables(formula) if c in data.columns]
    frame = data[columns].dropna().copy()
    for _, _, group in random_terms(formula):
        for g in re.split(r"[:/]", group):
            if g.strip() in frame.columns:
                frame[g.strip()] = frame[g.strip()].astype(str)
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as record, _engine_heap():
        warnings.simplefilter("always")
        try:
            if family == "gaussian":
                fit = mixedlm.lmer(formula, frame, REML=reml)
            else:
                response = formula.split("~", 1)[0].strip()
                frame[response] = frame[response].astype(float)
                fit = mixedlm.glmer(formula, frame, family=mixedlm.families.Binomial())
        except (ValueError, RuntimeError, np.linalg.LinAlgError, ModelCheckError) as err:
            raise DataError(f"the mixed model {formula!r} could not be fitted: {err}") from err
        tidy = fit.tidy(effects=["fixed", "ran_pars"], conf_int=(ci == "wald"), conf_level=level,
                        ddf_method=ddf if family == "gaussian" else None)
        fixed = tidy[tidy.effect == "fixed"].rename(columns={"std.error": "se", "p.value": "p_val",
                                                             "conf.low": "ci_low", "conf.high": "ci_high"})
        fixed = fixed[FIXED_COLUMNS].reset_index(drop=True)
        if ci != "wald":
            bounds = fit.confint(parm=list(fixed.term), level=level, method=ci, n_boot=n_boot, seed=seed)
            fixed["ci_low"] = [float(bounds[t][0]) for t in fixed.term]
            fixed["ci_high"] = [float(bounds[t][1]) for t in fixed.term]
        se_method = None
        if family == "binomial":
            se_method = _hessian_ses(fit, formula, frame, fixed, level if ci == "wald" else None)
        glance = fit.glance().iloc[0]
        caught += [str(w.message) for w in record]
    random = tidy[tidy.effect == "ran_pars"][["group", "term", "estimate"]].reset_index(drop=True)
    random["group"] = random["group"].astype(str)
    singular = bool(fit.isSingular())
    messages = list(dict.fromkeys(m.strip() for m in caught if m.strip()))
    if singular and not any("singular" in m.lower() for m in messages):
        messages.append("The fit is singular (a variance component is zero or a correlation is ±1)")
    n_groups = {str(k): int(v) for k, v in fit.ngrps().items()}
    return MixedResult(
        formula=formula, family=family,
        method=("REML" if reml else "ML") if family == "gaussian" else "ML, Laplace approximation (nAGQ = 1)",
        fixed=fixed, random=random, statistic="t" if family == "gaussian" else "z",
        ddf_method=ddf if family == "gaussian" else None, ci_method=ci, level=level,
        loglik=float(glance["log_lik"]), aic=float(glance["AIC"]), bic=float(glance["BIC"]),
        deviance=float(glance["deviance"]), n_obs=int(glance["nobs"]), n_groups=n_groups,
        sigma=float(glance["sigma"]) if family == "gaussian" else None, converged=bool(glance["converged"]),
        singular=singular, warnings=messages, engine=f"{ENGINE} {version(ENGINE)}",
        n_boot=n_boot if ci == "boot" else None,
        se_method=SE_METHODS["en"].get(se_method),
    )


# how a GLMM's SEs were computed (_hessian_ses's answer → the Methods sentence in each language)
SE_METHODS = {
    "en": {"Hessian": "SEs from the Hessian of the deviance over (theta, beta), as glmer's default",
           "conditional on theta": "SEs conditional on theta (the Hessian over (theta, beta) was not positive definite)"},
    "ja": {"Hessian": "標準誤差は (θ, β) に関する逸脱度のヘッセ行列から,glmer の既定と同じ",
           "conditional on theta": "標準誤差は θ を固定した条件付き((θ, β) のヘッセ行列が正定値でなかったため)"},
}

# the engine's warnings a Japanese Methods sentence says in Japanese (others are quoted as written)
_WARNINGS_JA = (
    (re.compile(r"Grouping factor '(?P<g>[^']+)' has only (?P<n>\d+) levels\. Mixed models typically need at least "
                r"5-6 levels for reliable variance component estimation"),
     "グループ因子 {g} の水準は {n} しかない(分散成分を信頼して推定するには通常 5–6 水準以上が必要)。"),
    (re.compile(r"Model failed to converge"), "モデルが収束しなかった(エンジンの警告)。"),
)


def _warning_ja(message: str) -> str | None:
    for pattern, ja in _WARNINGS_JA:
        m = pattern.search(message)
        if m:
            return ja.format(**m.groupdict())
    return None


_M_TOP_PAD = -2  # glibc mallopt parameter numbers (malloc.h)
_GLIBC_TOP_PAD = 128 * 1024  # glibc's default M_TOP_PAD
_ENGINE_TOP_PAD = 256 << 20


@contextmanager
def _engine_heap():
    """Let the engine reuse freed heap memory while it fits (glibc only; elsewhere nothing changes).

    The engine allocates and frees its sparse factors at every deviance evaluation; glibc's default
    returns the freed top of the heap to the kernel each time and faults it back in at the next one,
    which took a third of the Turing-test GLMM's time (3 s of system time in 10 s). A 256 MiB top pad
    keeps it; afterwards the default is restored and the memory handed back (``malloc_trim``).
    Measured side by side in one process (``psyai stats bench``'s 200 x 100 GLMM, 2 cores): 7.6-7.9 s
    with glibc's default, 4.6-4.8 s with the pad.
    """
    libc = None
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL(None)
            libc.mallopt(_M_TOP_PAD, _ENGINE_TOP_PAD)
        except (OSError, AttributeError):
            libc = None
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(_M_TOP_PAD, _GLIBC_TOP_PAD)
            libc.malloc_trim(0)


_HESS_STEP = 1e-4  # central-difference step over (theta, beta), as lme4's deriv12


def _central_hessian(f_many, x: np.ndarray, h: float) -> np.ndarray:
    """Central-difference Hessian (d, d) at ``x`` (d,) of a function evaluated by ``f_many(points)`` on a
    list of points at once (so the evaluations can run in parallel)."""
    d = x.size
    eye = np.eye(d) * h  # (d, d) rows are the steps
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    points = [x] + [x + eye[i] for i in range(d)] + [x - eye[i] for i in range(d)]
    for i, j in pairs:
        points += [x + eye[i] + eye[j], x + eye[i] - eye[j], x - eye[i] + eye[j], x - eye[i] - eye[j]]
    values = np.asarray(f_many(points), float)
    f0, f_plus, f_minus = values[0], values[1:d + 1], values[d + 1:2 * d + 1]
    hess = np.empty((d, d))
    hess[np.diag_indices(d)] = (f_plus - 2.0 * f0 + f_minus) / h**2
    for k, (i, j) in enumerate(pairs):
        pp, pm, mp, mm = values[2 * d + 1 + 4 * k:2 * d + 5 + 4 * k]
        hess[i, j] = hess[j, i] = (pp - pm - mp + mm) / (4.0 * h**2)
    return hess


def _hessian_ses(fit, formula: str, frame: pd.DataFrame, fixed: pd.DataFrame, level: float | None) -> str:
    """Replace a GLMM's SEs (and Wald z, p and, with ``level``, intervals) with lme4's default ones.

    ``glmer``'s ``vcov`` (``use.hessian = TRUE``) is the beta block of ``2 H^-1``, ``H`` the
    central-difference Hessian of the Laplace deviance over (theta, beta) with variance parameters on
    their boundary held there; mixedlm reports the SEs conditional on theta (``use.hessian = FALSE``),
    which are smaller (by 2.4 % for a random-slope model in tests/stats/test_mixed.py). Kept when ``H``
    is not positive definite, and then said in the method name.
    """
    import mixedlm
    from scipy import stats

    try:
        def make_devfun():
            return mixedlm.mkGlmerDevfun(mixedlm.glFormula(formula, frame, family=mixedlm.families.Binomial()))

        devfun = make_devfun()
        x = np.r_[np.asarray(fit.theta, float), np.asarray(fit.beta, float)]  # (K + p,)
        bounds = devfun.get_bounds(joint=True)
        free = np.array([not (lo is not None and abs(v - lo) < 1e-6) for v, (lo, _) in zip(x, bounds)])
        local = threading.local()  # one deviance function per thread (the engine releases the GIL)

        def dev(v: np.ndarray) -> float:
            if not hasattr(local, "devfun"):
                local.devfun = make_devfun()
            full = x.copy()
            full[free] = v
            return float(local.devfun(full))

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            hess = _central_hessian(lambda points: list(pool.map(dev, points)), x[free], _HESS_STEP)
        hess = (hess + hess.T) / 2.0
        if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess).min() <= 0.0:
            return "conditional on theta"
        p = len(fixed)
        se = np.sqrt(np.diag(2.0 * np.linalg.inv(hess)[-p:, -p:]))
    except (ValueError, RuntimeError, np.linalg.LinAlgError):
        return "conditional on theta"
    fixed["se"] = se
    fixed["statistic"] = fixed["estimate"] / se
    fixed["p_val"] = 2 * stats.norm.sf(np.abs(fixed["statistic"]))
    if level is not None:
        z = stats.norm.ppf(0.5 + level / 2)
        fixed["ci_low"] = fixed["estimate"] - z * se
        fixed["ci_high"] = fixed["estimate"] + z * se
    return "Hessian"


def fit_first_nonsingular(data: pd.DataFrame, formulas: list[str], **kwargs) -> tuple[MixedResult, list[dict]]:
    """Fit ``formulas`` in order and keep the first fit that is not singular (else the last one).

    The published rule for a maximal model that the data cannot support (Barr et al., 2013;
    Matuschek et al., 2017): simplify the random effects step by step — e.g. drop the
    correlation, then the slope — and report what was fitted. Returns the fit kept and, for
    every formula tried, ``{"formula", "singular", "converged", "loglik"}``.
    """
    tried = []
    fit = None
    for formula in formulas:
        fit = fit_mixed(data, formula, **kwargs)
        tried.append({"formula": formula, "singular": fit.singular, "converged": fit.converged,
                      "loglik": fit.loglik})
        if not fit.singular:
            break
    return fit, tried

"""psyai.stats.lmm against R ``lme4::lmer`` (REML): crossed random intercepts for participants and items
(reference/attention_lme4.R → attention_lme4.json, on reference/attention_lmm_data.csv written by
reference/attention_make_data.py); one grouping factor with 90% Wald intervals, and crossed data on
which statsmodels' L-BFGS alone stops short of the maximum (reference/lmm_lme4.R → lmm_lme4.json, the
latter on reference/lmm_data.csv written by reference/lmm_make_data.py)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from psyai.errors import DataError
from psyai.stats.lmm import FIXED_COLUMNS, LOGLIK_TOL, fit_lmm_crossed

REF_DIR = Path(__file__).parent / "reference"
PREDICTORS = ["surprisal", "attention", "length", "log_freq", "position"]
LME4 = json.loads((REF_DIR / "lmm_lme4.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "attention_lmm_data.csv", dtype={"participant": str, "item": str})


def test_lmm_against_lme4(data):
    ref = json.loads((REF_DIR / "attention_lme4.json").read_text())
    fixed, info = fit_lmm_crossed(data, "log_rt", PREDICTORS, ["participant", "item"])
    est = fixed.set_index("term")
    for term, e, se in zip(ref["terms"], ref["estimate"], ref["se"]):
        term = "Intercept" if term == "(Intercept)" else term
        assert est.at[term, "estimate"] == pytest.approx(e, abs=1e-4, rel=1e-3), term
        # statsmodels takes SEs from its own Hessian, lme4 conditional on theta: agree within 0.5%
        assert est.at[term, "se"] == pytest.approx(se, rel=5e-3), term
    assert info["loglik_reml"] == pytest.approx(-ref["reml_criterion"] / 2, abs=1e-3)
    assert info["sd_participant"] == pytest.approx(ref["random_sd"]["participant"], rel=5e-3)
    assert info["sd_item"] == pytest.approx(ref["random_sd"]["item"], rel=5e-3)
    assert info["sd_residual"] == pytest.approx(ref["random_sd"]["Residual"], rel=5e-3)
    assert info["n_obs"] == ref["n_obs"] and info["n_levels"] == {"participant": 12, "item": 12}
    assert list(fixed.columns) == FIXED_COLUMNS and list(fixed["term"]) == ["Intercept", *PREDICTORS]
    assert info["formula"] == ("log_rt ~ surprisal + attention + length + log_freq + position + (1|participant) "
                               "+ (1|item)")
    assert info["converged"] and "REML" in info["method"]


@pytest.mark.parametrize("case, csv, y, fixed, groups", [
    ("one_group", "attention_lmm_data.csv", "log_rt", ["surprisal", "log_freq", "position"], ["item"]),
    ("crossed", "lmm_data.csv", "y", ["x", "z"], ["participant", "item"]),
])
def test_against_lme4_one_group_and_hard_crossed_data(case, csv, y, fixed, groups):
    """lme4's estimates, SEs, Wald intervals and random SDs, with one grouping factor (where statsmodels'
    L-BFGS alone finds an item SD of 1.0 instead of 0.044) and on crossed data where L-BFGS alone finds an
    item SD of 0.008 instead of 0.115."""
    ref = LME4[case]
    data = pd.read_csv(REF_DIR / csv, dtype={"participant": str, "item": str})
    out, info = fit_lmm_crossed(data, y, fixed, groups, level=ref["level"])
    assert list(out["term"]) == ["Intercept", *ref["terms"][1:]]
    np.testing.assert_allclose(out["estimate"], ref["estimate"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(out["se"], ref["se"], rtol=5e-3)  # statsmodels' Hessian vs lme4's conditional SEs
    np.testing.assert_allclose(out["z"], ref["z"], rtol=5e-3)
    # R: confint(m, method = "Wald"); the intervals inherit the SEs' 0.5%
    tol = 5e-3 * float(np.max(np.subtract(ref["ci_high"], ref["ci_low"]))) / 2 + 1e-4
    np.testing.assert_allclose(out["ci_low"], ref["ci_low"], rtol=0, atol=tol)
    np.testing.assert_allclose(out["ci_high"], ref["ci_high"], rtol=0, atol=tol)
    # the textbook Wald interval and test on our own estimate and SE (standard library, not scipy):
    # estimate ± z_crit · se, and p = 2 (1 − Φ(|z|)) = erfc(|z| / √2)
    z_crit = NormalDist().inv_cdf(0.5 + ref["level"] / 2)
    np.testing.assert_allclose(out["ci_high"] - out["estimate"], z_crit * out["se"], rtol=1e-12)
    np.testing.assert_allclose(out["p_val"], [math.erfc(abs(z) / math.sqrt(2)) for z in out["z"]], rtol=1e-9)
    moderate = np.array(ref["p_wald"]) > 1e-3  # R: 2 * pnorm(-|z|); tiny p values differ with the SE's 0.5%
    np.testing.assert_allclose(out["p_val"][moderate], np.array(ref["p_wald"])[moderate], rtol=0.05)
    for g in groups:
        assert info[f"sd_{g}"] == pytest.approx(ref["random_sd"][g], rel=5e-3), g
    assert info["sd_residual"] == pytest.approx(ref["random_sd"]["Residual"], rel=5e-3)
    assert info["loglik_reml"] == pytest.approx(-ref["reml_criterion"] / 2, abs=1e-3)
    assert info["n_obs"] == ref["n_obs"] and info["n_levels"] == ref["n_levels"]


def test_the_fit_kept_is_never_below_statsmodels_lbfgs():
    """The optimiser check keeps the highest REML log-likelihood; on lmm_data.csv L-BFGS alone falls short."""
    import statsmodels.formula.api as smf

    data = pd.read_csv(REF_DIR / "lmm_data.csv", dtype={"participant": str, "item": str})
    _, info = fit_lmm_crossed(data, "y", ["x", "z"], ["participant", "item"])
    model = smf.mixedlm("y ~ x + z", data.assign(_all=1), groups="_all", re_formula="0",
                        vc_formula={"participant": "0 + C(participant)", "item": "0 + C(item)"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short fit warns of a boundary or a Hessian not positive definite
        lbfgs = model.fit(reml=True, method=["lbfgs", "powell"])
    assert info["loglik_reml"] >= lbfgs.llf - LOGLIK_TOL
    assert info["optimiser"] in {"lbfgs+powell", "powell", "nm", "bfgs"}
    if lbfgs.llf < info["loglik_reml"] - LOGLIK_TOL:
        assert info["optimiser"] != "lbfgs+powell"


def test_bad_input_is_refused_with_the_fix(data):
    fit = fit_lmm_crossed
    with pytest.raises(DataError, match="not in data; available columns"):
        fit(data, "log_rt", ["surprise"], ["item"])
    with pytest.raises(DataError, match="lists of column names"):
        fit(data, "log_rt", "surprisal", ["item"])
    with pytest.raises(DataError, match="name at least one grouping column"):
        fit(data, "log_rt", ["surprisal"], [])
    with pytest.raises(DataError, match="used more than once"):
        fit(data, "log_rt", ["surprisal", "surprisal"], ["item"])
    with pytest.raises(DataError, match="added automatically"):
        fit(data, "log_rt", ["Intercept"], ["item"])
    with pytest.raises(DataError, match="called 'residual' names the residual SD"):
        fit(data.rename(columns={"item": "residual"}), "log_rt", ["surprisal"], ["residual"])
    with pytest.raises(DataError, match="level must be between 0 and 1"):
        fit(data, "log_rt", ["surprisal"], ["item"], level=95)
    holes = data.copy()
    holes.loc[3, "length"] = np.nan
    with pytest.raises(DataError, match="'length' has 1 missing value.*dropna"):
        fit(holes, "log_rt", ["length"], ["item"])
    with pytest.raises(DataError, match="'item' is not numeric.*-0.5 / \\+0.5"):
        fit(data, "log_rt", ["item"], ["participant"])
    with pytest.raises(DataError, match="infinite"):
        fit(data.assign(log_freq=-np.inf), "log_rt", ["log_freq"], ["item"])
    with pytest.raises(DataError, match="rename them.*log_rt"):
        fit(data.rename(columns={"log_rt": "log RT"}), "log RT", [], ["item"])

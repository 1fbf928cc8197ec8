"""psyai.stats.lmm against R ``lme4::lmer`` (REML): crossed random intercepts for participants and items
(reference/attention_lme4.R → attention_lme4.json, on reference/attention_lmm_data.csv written by
reference/attention_make_data.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.errors import DataError
from psyai.stats.lmm import FIXED_COLUMNS, fit_lmm_crossed

REF_DIR = Path(__file__).parent / "reference"
PREDICTORS = ["surprisal", "attention", "length", "log_freq", "position"]


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

"""psyai.stats.mixed against lme4 (lmer, glmer), lmerTest and published values.

References: tests/stats/reference/mixed_lme4.R → mixed_lme4.json (random slopes, Satterthwaite and
profile intervals) and glmm_lme4.R / lmm_lme4.R (random intercepts). Tolerances, as
issue 11 asks: estimates within 1e-3 (absolute, on the models' own scales, or relative for large ones),
SEs within 1 %, df within 1 %, profile limits within 1e-3 relative.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.errors import DataError
from psyai.stats.mixed import fit_first_nonsingular, fit_mixed, random_terms, simplification_ladder, uncorrelated

REF = Path(__file__).parent / "reference"
LME4 = json.loads((REF / "mixed_lme4.json").read_text())["models"]
EST_TOL = 1e-3  # absolute, or relative where the estimate is above 1 in size
SE_TOL = 0.01   # relative


def sleepstudy() -> pd.DataFrame:
    from mixedlm.datasets import load_sleepstudy

    return load_sleepstudy()


def close(ours, theirs, tol=EST_TOL):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    return np.all(np.abs(ours - theirs) <= tol * np.maximum(1.0, np.abs(theirs)))


def random_of(fit) -> dict[str, float]:
    return {f"{g}:{t}": float(e) for g, t, e in zip(fit.random.group, fit.random.term, fit.random.estimate)}


def test_sleepstudy_reproduces_the_published_fit():
    """Bates et al. (2015, J Stat Softw 67(1)), fm1: intercept 251.405 (SE 6.825), Days 10.467 (1.546),
    SDs 24.741 and 5.922, r = .066, residual SD 25.592; lmerTest: df 17."""
    fit = fit_mixed(sleepstudy(), "Reaction ~ Days + (Days | Subject)")
    est = dict(zip(fit.fixed.term, fit.fixed.estimate))
    se = dict(zip(fit.fixed.term, fit.fixed.se))
    assert round(est["(Intercept)"], 3) == 251.405 and round(se["(Intercept)"], 3) == 6.825
    assert round(est["Days"], 3) == 10.467 and round(se["Days"], 3) == 1.546
    r = random_of(fit)
    for key, published in [("Subject:sd__(Intercept)", 24.741), ("Subject:sd__Days", 5.922),
                           ("Subject:cor__(Intercept).Days", 0.066), ("Residual:sd__Observation", 25.592)]:
        assert abs(r[key] - published) <= 1e-3, (key, r[key])
    assert np.allclose(fit.fixed.df, 17, rtol=1e-3)
    assert not fit.singular and fit.converged and fit.statistic == "t"
    ja = fit.describe("ja")  # the Methods sentence of a Japanese report says the same things
    assert ja.startswith("線形混合モデル Reaction ~ Days + (Days | Subject)(REML で推定)")
    assert "観測 180 件(Subject 18)" in ja and "Satterthwaite" in ja and "95% Wald 信頼区間(t)" in ja
    assert fit.engine in ja and fit.engine in fit.describe()


@pytest.mark.parametrize("name, formula, data", [
    ("sleepstudy", "Reaction ~ Days + (Days | Subject)", None),
    ("lmm_slopes", "y ~ x + z + (1 + x | participant) + (1 | item)", "mixed_slopes_lmm.csv"),
    ("lmm_slopes_uncorrelated", "y ~ x + z + (1 + x || participant) + (1 | item)", "mixed_slopes_lmm.csv"),
])
def test_lmm_matches_lmer_and_lmertest(name, formula, data):
    ref = LME4[name]
    frame = sleepstudy() if data is None else pd.read_csv(REF / data)
    fit = fit_mixed(frame, formula)
    assert list(fit.fixed.term) == ref["terms"]
    assert close(fit.fixed.estimate, ref["estimate"])
    assert np.allclose(fit.fixed.se, ref["se"], rtol=SE_TOL)
    assert np.allclose(fit.fixed.df, ref["df_satterthwaite"], rtol=0.01)
    assert abs(fit.loglik - ref["loglik"]) < 1e-3 * abs(ref["loglik"])
    ours = random_of(fit)
    for key, value in ref["random"].items():
        key = re.sub(r"\.\d+:", ":", key)  # lme4 names the groups of (1 + x || g) g and g.1
        assert abs(ours[key] - value) <= 0.01 * max(1.0, abs(value)), (key, ours[key], value)
    prof = fit_mixed(frame, formula, ci="profile")
    assert close(prof.fixed.ci_low, ref["profile_low"]) and close(prof.fixed.ci_high, ref["profile_high"])
    assert "Satterthwaite" in fit.describe() and "profile-likelihood" in prof.describe()


@pytest.mark.parametrize("case, csv, formula", [
    ("one_group", "attention_lmm_data.csv", "log_rt ~ surprisal + log_freq + position + (1 | item)"),
    ("crossed", "lmm_data.csv", "y ~ x + z + (1 | participant) + (1 | item)"),
])
def test_lmm_with_random_intercepts_matches_lmer(case, csv, formula):
    """lmm_lme4.R: one grouping factor, and crossed data on which statsmodels' L-BFGS alone had stopped at an
    item SD of 0.008 instead of lme4's 0.115."""
    ref = json.loads((REF / "lmm_lme4.json").read_text())[case]
    fit = fit_mixed(pd.read_csv(REF / csv, dtype={"participant": str, "item": str}), formula)
    assert list(fit.fixed.term) == ref["terms"]
    assert close(fit.fixed.estimate, ref["estimate"]) and np.allclose(fit.fixed.se, ref["se"], rtol=SE_TOL)
    sds = fit.random_sd()
    for group, sd in ref["random_sd"].items():
        ours = fit.sigma if group == "Residual" else sds[f"{group}:(Intercept)"]
        assert ours == pytest.approx(sd, rel=0.01), group
    assert fit.loglik == pytest.approx(-ref["reml_criterion"] / 2, abs=1e-3)


def test_glmm_with_random_slopes_matches_glmer():
    """SEs as glmer's default (Hessian of the deviance over theta and beta), within 1 %; mixedlm's own are
    conditional on theta (lme4's use.hessian = FALSE), 2-3 % smaller here, and are replaced."""
    ref = LME4["glmm_slopes"]
    fit = fit_mixed(pd.read_csv(REF / "mixed_slopes_glmm.csv"), "y ~ source + (1 + source | participant) + (1 | item)",
                    family="binomial")
    assert list(fit.fixed.term) == ref["terms"] and fit.statistic == "z" and fit.fixed.df.isna().all()
    assert close(fit.fixed.estimate, ref["estimate"])
    assert np.allclose(fit.fixed.se, ref["se"], rtol=SE_TOL)
    assert not np.allclose(ref["se_conditional_on_theta"], ref["se"], rtol=SE_TOL)  # the difference matters
    assert "Hessian" in fit.se_method and "Hessian" in fit.describe()
    assert abs(fit.loglik - ref["loglik"]) < 1e-3 * abs(ref["loglik"])
    ours = random_of(fit)
    for key, value in ref["random"].items():
        assert abs(ours[key] - value) <= 0.01 * max(1.0, abs(value)), (key, ours[key], value)


@pytest.mark.parametrize("model", ["crossed", "crossed_two_predictors", "participant_only", "crossed_singular"])
def test_glmm_with_random_intercepts_matches_glmer(model):
    ref = json.loads((REF / "glmm_lme4.json").read_text())["models"][model]
    rhs = ref["call"].split("(", 1)[1].rsplit(",", 1)[0]
    fit = fit_mixed(pd.read_csv(REF / ref["data"]), rhs, family="binomial")
    assert fit.singular == ref["singular"]
    if fit.singular:
        return  # at the boundary lme4 and mixedlm agree that it is singular; estimates then differ in noise
    assert close(fit.fixed.estimate, ref["estimate"])
    assert np.allclose(fit.fixed.se, ref["se"], rtol=SE_TOL)
    assert abs(fit.loglik - ref["loglik"]) < 1e-3 * abs(ref["loglik"])


def test_a_singular_fit_is_said_and_simplified_by_the_stated_rule():
    """glmm_data.csv has no slope variance: (1 + x | participant) is singular, the uncorrelated model is
    tried next, then random intercepts; every step is recorded."""
    data = pd.read_csv(REF / "glmm_data.csv")
    maximal = "y ~ x + (1 + x | participant) + (1 | item)"
    fit = fit_mixed(data, maximal, family="binomial")
    assert fit.singular and any("singular" in w.lower() for w in fit.warnings) and "singular" in fit.describe()
    ja = fit.describe("ja")
    assert ja.startswith("ロジスティック混合モデル") and "特異な当てはめ" in ja and "ヘッセ行列" in ja
    assert "singular" not in ja  # said once, in Japanese, not also as the engine's English sentence
    kept, tried = fit_first_nonsingular(data, simplification_ladder(maximal), family="binomial")
    assert tried[0]["formula"] == maximal and tried[0]["singular"]
    assert not kept.singular and kept.formula == tried[-1]["formula"]


def test_formula_helpers():
    assert random_terms("y ~ x + (1 + x | p) + (1 | i)") == [("1 + x", "|", "p"), ("1", "|", "i")]
    assert uncorrelated("y ~ x + (1 + x | p) + (1 | i)") == "y ~ x + (1 + x || p) + (1 | i)"
    assert simplification_ladder("y ~ x + (1 + x | p) + (1 | i)") == [
        "y ~ x + (1 + x | p) + (1 | i)", "y ~ x + (1 + x || p) + (1 | i)", "y ~ x + (1 | p) + (1 | i)"]
    assert simplification_ladder("y ~ x + (1 | p)") == ["y ~ x + (1 | p)"]


@pytest.mark.parametrize("kwargs, message", [
    ({"formula": "y ~ x"}, "at least one random term"),
    ({"formula": "y ~ w + (1 | participant)"}, "names column(s) w"),
    ({"formula": "y ~ x + (1 | participant)", "family": "poisson"}, "family='poisson'"),
    ({"formula": "y ~ x + (1 | participant)", "ci": "exact"}, "ci='exact'"),
    ({"formula": "x ~ y + (1 | participant)", "family": "binomial"}, "needs 0/1"),
])
def test_bad_input_is_named(kwargs, message):
    data = pd.read_csv(REF / "glmm_data.csv")
    with pytest.raises(DataError, match=None) as err:
        fit_mixed(data, **kwargs)
    assert message in str(err.value)


def test_psyai_stats_mixed_command(tmp_path):
    """Any table, from the command line: JSON out; a wrong column is named, with no traceback."""
    import subprocess
    import sys

    path = tmp_path / "sleep.csv"
    sleepstudy().to_csv(path, index=False)
    cmd = [sys.executable, "-m", "psyai.cli", "stats", "mixed", str(path)]
    res = subprocess.run(cmd + ["--formula", "Reaction ~ Days + (Days | Subject)", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert round(out["fixed"][1]["estimate"], 3) == 10.467 and out["ddf_method"] == "Satterthwaite"
    assert "Satterthwaite" in out["description"] and out["engine"].startswith("mixedlm")
    res = subprocess.run(cmd + ["--formula", "Reaction ~ Dayz + (1 | Subject)"], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 1 and "Dayz" in res.stderr and "Traceback" not in res.stderr


def test_bench_and_coverage_commands_print_their_figures():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "psyai.cli", "stats", "bench", "--scale", "0.05", "--json"],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout)
    for name in ("reading_lmm", "turing_glmm"):
        model = figures["models"][name]
        assert model["rows"] > 0 and model["seconds"] > 0 and model["peak_mb"] > 10 and "|" in model["formula"]
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "stats", "coverage", "--cohorts", "3", "--participants",
                          "12", "--items", "8", "--json"], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    cov = json.loads(res.stdout)
    assert cov["n_cohorts"] == 3 and 0 <= cov["coverage"] <= 1 and sum(cov["formulas_kept"].values()) == 3

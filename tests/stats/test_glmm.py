"""Tests for psyai.stats.glmm: parity with lme4, parameter recovery, interval coverage, input errors.

Reference values come from tests/stats/reference/glmm_lme4.R (R + lme4) run on the
seeded CSVs written by tests/stats/reference/make_glmm_data.py; only the committed
JSON is read here, so the tests need no R.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.stats.glmm import GLMMResult, _Design, _PenalisedHessian, fit_glmm_binomial

REFERENCE = Path(__file__).parent / "reference"
LME4 = json.loads((REFERENCE / "glmm_lme4.json").read_text())

# model name in glmm_lme4.json -> (fixed, groups, the R command that produced its values)
LME4_MODELS = {
    # R: glmer(y ~ x + (1 | participant) + (1 | item), family = binomial)   [glmm_data.csv]
    "crossed": (["x"], ["participant", "item"], "y ~ x + (1 | participant) + (1 | item)"),
    # R: glmer(y ~ x + experience + (1 | participant) + (1 | item), family = binomial)
    "crossed_two_predictors": (
        ["x", "experience"],
        ["participant", "item"],
        "y ~ x + experience + (1 | participant) + (1 | item)",
    ),
    # R: glmer(y ~ x + (1 | participant), family = binomial)
    "participant_only": (["x"], ["participant"], "y ~ x + (1 | participant)"),
    # R: glmer(y ~ x + (1 | participant) + (1 | item), family = binomial)   [glmm_data_singular.csv]
    # lme4: "boundary (singular) fit", item SD = 0
    "crossed_singular": (["x"], ["participant", "item"], "y ~ x + (1 | participant) + (1 | item)"),
}


def simulate_crossed(
    rng: np.random.Generator,
    n_participants: int = 30,
    n_items: int = 30,
    b0: float = -0.3,
    b_x: float = 0.6,
    b_z: float = 0.0,
    sd_participant: float = 0.8,
    sd_item: float = 0.6,
) -> pd.DataFrame:
    """Participants x items, item-level x = +/-0.5 and participant-level standardised z."""
    x_item = np.where(np.arange(n_items) % 2 == 0, 0.5, -0.5)  # (I,)
    z_participant = rng.standard_normal(n_participants)  # (P,)
    u = rng.normal(0.0, sd_participant, n_participants)  # (P,)
    w = rng.normal(0.0, sd_item, n_items)  # (I,)
    p_idx, i_idx = np.divmod(np.arange(n_participants * n_items), n_items)  # (n,) each
    eta = b0 + b_x * x_item[i_idx] + b_z * z_participant[p_idx] + u[p_idx] + w[i_idx]  # (n,)
    return pd.DataFrame(
        {
            "participant": p_idx,
            "item": i_idx,
            "x": x_item[i_idx],
            "z": z_participant[p_idx],
            "y": rng.binomial(1, 1.0 / (1.0 + np.exp(-eta))),
        }
    )


# --------------------------------------------------------------------------- parity with lme4


def test_reference_records_versions() -> None:
    assert LME4["r_version"].startswith("R version")
    assert LME4["lme4_version"]


@pytest.mark.parametrize("name", list(LME4_MODELS))
def test_matches_lme4(name: str) -> None:
    fixed, groups, formula = LME4_MODELS[name]
    ref = LME4["models"][name]
    assert ref["call"] == f"glmer({formula}, family = binomial)"
    data = pd.read_csv(REFERENCE / ref["data"])

    fit = fit_glmm_binomial(data, y="y", fixed=fixed, groups=groups)

    assert fit.terms == ["Intercept", *fixed]
    assert fit.converged
    assert fit.n_obs == ref["n_obs"]
    np.testing.assert_allclose(fit.estimate, ref["estimate"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=0.01)
    for group in groups:
        np.testing.assert_allclose(fit.random_sd[group], ref["random_sd"][group], rtol=0.02, atol=1e-3)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-2)
    # the optimum is at least as good as lme4's
    assert fit.loglik >= ref["loglik"] - 1e-6


def test_tidy_table_holds_lme4s_fixed_effects_and_random_sds() -> None:
    # R: broom.mixed::tidy(glmer(y ~ x + (1 | participant) + (1 | item), family = binomial)) has these rows
    ref = LME4["models"]["crossed"]
    fit = fit_glmm_binomial(pd.read_csv(REFERENCE / ref["data"]), y="y", fixed=["x"], groups=["participant", "item"])
    tidy = fit.tidy()
    assert tidy[["effect", "term"]].values.tolist() == [["fixed", "Intercept"], ["fixed", "x"],
                                                       ["ran_pars", "sd_intercept"], ["ran_pars", "sd_intercept"]]
    fixed = tidy[tidy["effect"] == "fixed"]
    np.testing.assert_allclose(fixed["estimate"], ref["estimate"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(fixed["se"], ref["se"], rtol=0.01)
    np.testing.assert_allclose(fixed["odds_ratio"], np.exp(ref["estimate"]), rtol=2e-3)
    np.testing.assert_allclose(fixed["z"], np.array(ref["estimate"]) / np.array(ref["se"]), rtol=0.02, atol=0.02)
    ran = tidy[tidy["effect"] == "ran_pars"].set_index("group")["estimate"]
    for group in ("participant", "item"):
        assert ran[group] == pytest.approx(ref["random_sd"][group], rel=0.02, abs=1e-3)
    assert tidy.loc[tidy["effect"] == "ran_pars", ["se", "p_val", "odds_ratio"]].isna().all().all()


def test_singular_fit_reports_zero_sd() -> None:
    data = pd.read_csv(REFERENCE / "glmm_data_singular.csv")
    fit = fit_glmm_binomial(data, y="y", fixed=["x"], groups=["participant", "item"])
    # R: isSingular(glmer(y ~ x + (1 | participant) + (1 | item), family = binomial))  -> TRUE
    assert LME4["models"]["crossed_singular"]["singular"]
    assert fit.random_sd["item"] == 0.0
    assert np.all(np.isfinite(fit.se))


def test_group_order_does_not_change_the_fit() -> None:
    data = pd.read_csv(REFERENCE / "glmm_data.csv")
    a = fit_glmm_binomial(data, y="y", fixed=["x"], groups=["participant", "item"])
    b = fit_glmm_binomial(data, y="y", fixed=["x"], groups=["item", "participant"])
    np.testing.assert_allclose(a.estimate, b.estimate, atol=1e-6)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-4)
    assert a.random_sd == pytest.approx(b.random_sd, rel=1e-4)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-8)


@pytest.mark.parametrize("n_levels", [(7, 5), (4, 9), (6,)])
def test_block_elimination_matches_dense_algebra(n_levels: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    n = 200
    codes = tuple(rng.integers(0, m, n) for m in n_levels)
    for c, m in zip(codes, n_levels):
        c[:m] = np.arange(m)  # every level present
    design = _Design(y=np.zeros(n), X=np.ones((n, 1)), codes=codes, n_levels=n_levels)
    z = np.hstack([np.eye(m)[c] for c, m in zip(codes, n_levels)])  # (n, q) dense Z
    lam = np.repeat(rng.uniform(0.3, 1.5, len(n_levels)), n_levels)  # (q,)
    w = rng.uniform(0.05, 0.25, n)  # (n,)
    dense = (z * lam).T @ (w[:, None] * z * lam) + np.eye(z.shape[1])  # (q, q)
    rhs = rng.standard_normal((z.shape[1], 3))  # (q, 3)

    factored = _PenalisedHessian(design, lam, w)

    assert factored.logdet == pytest.approx(np.linalg.slogdet(dense)[1], rel=1e-12)
    np.testing.assert_allclose(factored.solve(rhs), np.linalg.solve(dense, rhs), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(factored.solve(rhs[:, 0]), np.linalg.solve(dense, rhs[:, 0]), rtol=1e-10)


# --------------------------------------------------------------------------- result object


def test_result_fields_and_table() -> None:
    data = pd.read_csv(REFERENCE / "glmm_data.csv")
    fit = fit_glmm_binomial(data, y="y", fixed=["x", "experience"], groups=["participant", "item"])
    narrow = fit_glmm_binomial(
        data, y="y", fixed=["x", "experience"], groups=["participant", "item"], level=0.80
    )

    assert isinstance(fit, GLMMResult)
    assert fit.n_groups == {"participant": 30, "item": 40}
    assert "Laplace" in fit.method and "lme4" in fit.method
    np.testing.assert_allclose(fit.z, fit.estimate / fit.se)
    np.testing.assert_allclose(fit.ci_high - fit.estimate, 1.959964 * fit.se, rtol=1e-6)
    np.testing.assert_allclose(narrow.ci_high - narrow.estimate, 1.281552 * narrow.se, rtol=1e-6)
    assert np.all((fit.p_val > 0) & (fit.p_val < 1))
    assert fit.p_val[1] < 0.001  # x: z of about 3.9

    table = fit.table()
    assert list(table.columns) == ["term", "estimate", "se", "z", "p_val", "ci_low", "ci_high"]
    assert table["term"].tolist() == ["Intercept", "x", "experience"]
    np.testing.assert_allclose(table["se"], fit.se)


def test_boolean_outcome_gives_the_same_fit() -> None:
    data = pd.read_csv(REFERENCE / "glmm_data.csv")
    as_int = fit_glmm_binomial(data, y="y", fixed=["x"], groups=["participant"])
    as_bool = fit_glmm_binomial(data.assign(y=data["y"] == 1), y="y", fixed=["x"], groups=["participant"])
    np.testing.assert_allclose(as_int.estimate, as_bool.estimate)


def test_intercept_only_model() -> None:
    data = pd.read_csv(REFERENCE / "glmm_data.csv")
    fit = fit_glmm_binomial(data, y="y", fixed=[], groups=["participant", "item"])
    assert fit.terms == ["Intercept"]
    assert fit.converged and fit.se.shape == (1,)


# --------------------------------------------------------------------------- simulation


def test_recovers_known_effects() -> None:
    truth = {"Intercept": -0.3, "x": 0.6, "z": 0.4}
    data = simulate_crossed(
        np.random.default_rng(11), n_participants=80, n_items=80, b0=-0.3, b_x=0.6, b_z=0.4
    )

    fit = fit_glmm_binomial(data, y="y", fixed=["x", "z"], groups=["participant", "item"])

    assert fit.converged
    for term, low, high in zip(fit.terms, fit.ci_low, fit.ci_high):
        assert low < truth[term] < high, term
    assert fit.random_sd["participant"] == pytest.approx(0.8, abs=0.2)
    assert fit.random_sd["item"] == pytest.approx(0.6, abs=0.2)


@pytest.mark.slow
def test_wald_interval_covers_the_true_slope_about_95_percent() -> None:
    """200 simulated studies (30 participants x 30 items, item-level x, both variances > 0).

    The 95% Wald interval of the slope must cover the true value in 90-99% of
    them (a binomial 95% in 200 draws has SD 1.5 points). On the first 50,
    statsmodels' variational Bayes (BinomialBayesMixedGLM.fit_vb) posterior SDs
    are far smaller than these SEs and its intervals under-cover: the reason
    this module exists.
    """
    rng = np.random.default_rng(2024)
    b_x, n_sim, n_vb = 0.6, 200, 50
    covered, vb_covered, sd_ratio = [], [], []
    for i in range(n_sim):
        data = simulate_crossed(rng, b_x=b_x)
        fit = fit_glmm_binomial(data, y="y", fixed=["x"], groups=["participant", "item"])
        assert fit.converged
        covered.append(fit.ci_low[1] <= b_x <= fit.ci_high[1])
        if i < n_vb:
            vb_mean, vb_sd = _fit_vb_slope(data)
            vb_covered.append(abs(vb_mean - b_x) <= 1.959964 * vb_sd)
            sd_ratio.append(vb_sd / fit.se[1])

    assert 0.90 <= np.mean(covered) <= 0.99
    assert np.median(sd_ratio) < 0.8
    assert np.mean(vb_covered) < 0.90


def _fit_vb_slope(data: pd.DataFrame) -> tuple[float, float]:
    """Posterior mean and SD of the slope from statsmodels' variational Bayes GLMM."""
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM
    from threadpoolctl import threadpool_limits  # one BLAS thread: ~3x faster on 2 busy cores

    model = BinomialBayesMixedGLM.from_formula(
        "y ~ x", {"participant": "0 + C(participant)", "item": "0 + C(item)"}, data
    )
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        result = model.fit_vb()
    return float(result.fe_mean[1]), float(result.fe_sd[1])


# --------------------------------------------------------------------------- input errors


def _good_data() -> pd.DataFrame:
    return simulate_crossed(np.random.default_rng(0), n_participants=6, n_items=8)


def _with(column: str, values) -> pd.DataFrame:
    data = _good_data()
    data[column] = values
    return data


@pytest.mark.parametrize(
    ("data", "kwargs", "match"),
    [
        (_good_data(), {"y": "judged_model"}, r"column\(s\) \['judged_model'\] not in data; available"),
        (_good_data(), {"fixed": ["age"]}, r"\['age'\] not in data"),
        (_good_data(), {"groups": ["subject"]}, r"\['subject'\] not in data"),
        (_good_data(), {"groups": []}, "groups must name 1 or 2 grouping columns"),
        (_good_data(), {"groups": ["participant", "item", "x"]}, "groups must name 1 or 2"),
        (_good_data(), {"groups": "participant"}, "must be lists of column names"),
        (_good_data(), {"fixed": "x"}, "must be lists of column names"),
        (_good_data(), {"fixed": ["x", "x"]}, r"\['x'\] used more than once"),
        (_good_data(), {"groups": ["participant", "participant"]}, "used more than once"),
        (_good_data(), {"fixed": ["Intercept"]}, "'Intercept' is added automatically"),
        (_good_data(), {"level": 95}, "level must be between 0 and 1"),
        (_good_data().iloc[:0], {}, "data has no rows"),
        (_with("y", np.nan), {}, r"column 'y' has 48 missing value\(s\); drop those rows first"),
        (_with("x", [np.nan] + [0.5] * 47), {}, r"column 'x' has 1 missing"),
        (_with("item", [None] + list(range(47))), {}, r"column 'item' has 1 missing"),
        (_with("y", [0, 1, 2] * 16), {}, r"outcome 'y' must be 0/1, found value\(s\) \['2'\]; recode it"),
        (_with("y", ["model", "human"] * 24), {}, r"must be 0/1.*\(data\['y'\] == 'model'\)"),
        (_with("y", 1), {}, "outcome 'y' is 1 on every row; a logistic model needs both"),
        (_with("x", ["model", "human"] * 24), {}, "fixed-effect column 'x' is not numeric"),
        (_with("x", 0.5), {}, "fixed-effect column 'x' is constant"),
        (_with("x", [np.inf] + [0.5, -0.5] * 23 + [0.5]), {}, "infinite values"),
        (_with("participant", "p01"), {}, "grouping column 'participant' has a single level"),
        (_with("item", np.arange(48)), {}, "grouping column 'item' has a different level on every row"),
        (
            _good_data().assign(x2=lambda d: 2 * d["x"]),
            {"fixed": ["x", "x2"]},
            r"\['x', 'x2'\] are linearly dependent",
        ),
    ],
)
def test_input_errors(data: pd.DataFrame, kwargs: dict, match: str) -> None:
    arguments = {"y": "y", "fixed": ["x"], "groups": ["participant", "item"], **kwargs}
    with pytest.raises(ValueError, match=match):
        fit_glmm_binomial(data, **arguments)


def test_data_must_be_a_dataframe() -> None:
    records = _good_data().to_dict("records")
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        fit_glmm_binomial(records, y="y", fixed=["x"], groups=["participant"])  # type: ignore[arg-type]

"""psyai.stats.meta against R's metafor and pwr (values in reference/meta.json, written by reference/meta.R),
hand computations for the small-telescopes and equivalence tests, and parameter recovery by simulation."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from psyai.stats.meta import (MetaResult, d33_for, equivalence_test, forest_plot, random_effects,
                              small_telescopes)

REF = json.loads((Path(__file__).parent / "reference" / "meta.json").read_text())
CASES = [(name, fit) for name in ("bcg", "groups", "three", "homogeneous") for fit in range(4)]


@pytest.mark.parametrize(("name", "fit"), CASES, ids=[f"{n}-{REF[n]['fits'][f]['method']}-{REF[n]['fits'][f]['test']}"
                                                       for n, f in CASES])
def test_random_effects_matches_metafor(name, fit):
    # R: rma(yi, vi, method = "REML" | "DL", test = "knha" | "z"); predict(res) for the prediction interval
    case, r = REF[name], REF[name]["fits"][fit]
    res = random_effects(case["yi"], case["vi"], method=r["method"], test=r["test"])
    assert (res.method, res.test, res.k, res.q_df) == (r["method"], r["test"], len(case["yi"]), r["q_df"])
    for field in ("estimate", "se", "tau2", "i2", "h2", "q", "q_p", "statistic", "p_val"):
        assert getattr(res, field) == pytest.approx(r[field], rel=1e-6, abs=1e-10), field
    assert [res.ci_low, res.ci_high] == pytest.approx(r["ci"], rel=1e-6, abs=1e-10)
    assert [res.pi_low, res.pi_high] == pytest.approx(r["pi"], rel=1e-6, abs=1e-10)
    assert res.dof == r["dof"]  # k - 1 under Knapp-Hartung, None under z
    assert res.tau == pytest.approx(math.sqrt(r["tau2"]))


def test_metafor_worked_example_dat_bcg():
    # Viechtbauer (2010), BCG trials: REML tau^2 = 0.3132, I^2 = 92.22%, estimate -0.7145 (z test: SE 0.1798)
    bcg = REF["bcg"]
    res = random_effects(bcg["yi"], bcg["vi"], test="z")
    assert (round(res.tau2, 4), round(res.i2, 2), round(res.estimate, 4), round(res.se, 4)) == \
        (0.3132, 92.22, -0.7145, 0.1798)
    dl = random_effects(bcg["yi"], bcg["vi"], method="DL", test="z")
    assert round(dl.tau2, 4) == 0.3088  # DerSimonian-Laird on the same data


def test_homogeneous_groups_and_knapp_hartung_without_truncation():
    hom = REF["homogeneous"]
    res = random_effects(hom["yi"], hom["vi"])
    assert res.tau2 == 0 and res.i2 == 0 and res.h2 == 1
    z = random_effects(hom["yi"], hom["vi"], test="z")
    # metafor's default Knapp-Hartung SE is not truncated at the z SE: here it is far smaller
    assert res.se < z.se / 5 and res.estimate == pytest.approx(z.estimate)
    # with tau^2 = 0 the prediction interval is the confidence interval
    assert (res.pi_low, res.pi_high) == pytest.approx((res.ci_low, res.ci_high))


def test_result_to_dict_is_json_and_describes_the_model():
    g = REF["groups"]
    res = random_effects(g["yi"], g["vi"], level=0.90)
    d = res.to_dict()
    assert set(d) == set(MetaResult.__dataclass_fields__) and json.loads(json.dumps(d)) == d
    assert d["level"] == 0.90 and d["dof"] == 7
    wide = random_effects(g["yi"], g["vi"])
    assert wide.ci_high - wide.ci_low > res.ci_high - res.ci_low  # 95% wider than 90%
    assert res.describe() == "random-effects model (REML τ², Knapp–Hartung t test, k = 8)"
    assert random_effects(g["yi"], g["vi"], method="DL", test="z").describe() == \
        "random-effects model (DerSimonian–Laird τ², z test, k = 8)"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"yi": [0.1, 0.2], "vi": [0.01]}, r"yi has 2 values and vi 1"),
    ({"yi": [0.1, 0.2, 0.3], "vi": [0.01, 0.0, 0.01]}, r"group 2 has sampling variance vi=0.0"),
    ({"yi": [0.1, math.nan], "vi": [0.01, 0.01]}, r"group 2 has a missing or infinite"),
    ({"yi": [0.1], "vi": [0.01]}, r"needs at least two groups"),
    ({"yi": [0.1, 0.2], "vi": [0.01, 0.01], "method": "ML"}, r"method='ML': use 'REML'"),
    ({"yi": [0.1, 0.2], "vi": [0.01, 0.01], "test": "t"}, r"test='t': use 'knha'"),
    ({"yi": [0.1, 0.2], "vi": [0.01, 0.01], "level": 95}, r"level=95: give a confidence level between 0 and 1"),
])
def test_random_effects_refuses_bad_input_in_one_line(kwargs, match):
    with pytest.raises(ValueError, match=match) as err:
        random_effects(**kwargs)
    assert "\n" not in str(err.value)


def test_parameter_recovery_knapp_hartung_coverage():
    # 200 simulated classes of k = 8 groups, true mu = 0.10, tau = 0.04, groups' SEs 0.02-0.06
    mu, tau, k, n_sims = 0.10, 0.04, 8, 200
    covered = {"knha": 0, "z": 0}
    pi_covered, ci_covered_new, estimates = 0, 0, []
    for seed in range(n_sims):
        rng = np.random.default_rng(seed)
        vi = rng.uniform(0.02, 0.06, k) ** 2  # (k,)
        theta = mu + tau * rng.standard_normal(k)  # (k,) the groups' true effects
        yi = theta + np.sqrt(vi) * rng.standard_normal(k)  # (k,)
        for test in covered:
            res = random_effects(yi, vi, test=test)
            covered[test] += res.ci_low <= mu <= res.ci_high
        estimates.append(res.estimate)
        new_group = mu + tau * rng.standard_normal()  # a new group's true effect
        knha = random_effects(yi, vi)
        pi_covered += knha.pi_low <= new_group <= knha.pi_high
        ci_covered_new += knha.ci_low <= new_group <= knha.ci_high
    # binomial SE of a 95% coverage over 200 runs: 1.5 points
    assert 0.91 <= covered["knha"] / n_sims <= 0.99
    assert covered["knha"] >= covered["z"]  # the z interval is known to under-cover with few groups
    # the prediction interval covers a new group's true effect more often than the CI does, though below 95%
    # with 8 groups and tau^2 estimated at 0 in many runs (a known small-k shortfall; Partlett & Riley, 2017)
    assert 0.82 <= pi_covered / n_sims <= 1.0 and pi_covered > ci_covered_new
    assert abs(np.mean(estimates) - mu) < 3 * np.std(estimates) / math.sqrt(n_sims)


def test_d33_matches_pwr():
    # R: pwr.t.test / pwr.t2n.test / pwr.r.test(n, power = 1/3); pwr's uniroot stops at tol ~1.2e-4 in d,
    # so its d33 is good to ~2e-5 here, while d33_for solves to ~1e-14
    for case in REF["d33"].values():
        got = d33_for(case["design"], case["n"], alpha=case.get("alpha", 0.05))
        assert got == pytest.approx(case["d33"], abs=5e-5), case
    # a small original study, n = 20 per cell, had 33% power for d = .50 (R: pwr.t2n.test(20, 20, power = 1/3))
    assert round(d33_for("two_sample", 20), 2) == 0.50
    # paired and one-sample designs are the same t test on the n differences
    assert d33_for("paired", 40) == d33_for("one_sample", 40)
    assert d33_for("one_sample", 20) > d33_for("one_sample", 80) > 0  # bigger telescopes see smaller effects


def test_d33_has_one_third_power_by_simulation():
    # 30 000 simulated one-sample studies with n = 25 at d = d33: a third are significant (two-sided .05)
    n, n_sims = 25, 30_000
    d33 = d33_for("one_sample", n)
    x = np.random.default_rng(1).standard_normal((n_sims, n)) + d33  # (n_sims, n), sd 1
    t = x.mean(axis=1) / (x.std(axis=1, ddof=1) / math.sqrt(n))  # (n_sims,)
    power = np.mean(np.abs(t) > 2.0638985616280205)  # R: qt(.975, 24)
    assert power == pytest.approx(1 / 3, abs=3 * math.sqrt(1 / 3 * 2 / 3 / n_sims))


@pytest.mark.parametrize(("args", "match"), [
    (("within", 20), r"design='within': use one of one_sample, paired, two_sample, correlation"),
    (("two_sample", 1), r"n=1: .*whole number >= 2 \(per group\)"),
    (("correlation", 3), r"n=3: .*>= 4"),
    (("one_sample", 20.5), r"n=20.5"),
])
def test_d33_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        d33_for(*args)
    with pytest.raises(ValueError, match=r"alpha=0.5"):
        d33_for("one_sample", 20, alpha=0.5)


def test_small_telescopes_by_hand():
    # (0.10 - 0.25) / 0.05 = -3; Phi(-3) = .0013499; upper bound 0.10 + 1.644854 * 0.05 = 0.1822427
    out = small_telescopes(0.10, 0.05, d33=0.25)
    assert out["statistic"] == pytest.approx(-3.0)
    assert out["p_val"] == pytest.approx(1.34989803163e-03, rel=1e-9)
    assert out["upper"] == pytest.approx(0.10 + 1.64485362695 * 0.05, rel=1e-10)
    assert out["conclusion"] == "smaller_than_d33" and out["d33"] == 0.25
    t = small_telescopes(0.10, 0.05, d33=0.25, dof=20)  # R: pt(-3, 20) = .0035379
    assert t["p_val"] == pytest.approx(3.53794939561e-03, rel=1e-8) and t["dof"] == 20
    # (0.20 - 0.25) / 0.05 = -1; Phi(-1) = .1587: an effect the original could have seen is not ruled out
    near = small_telescopes(0.20, 0.05, d33=0.25)
    assert near["p_val"] == pytest.approx(0.158655253931, rel=1e-9)
    assert near["conclusion"] == "not_smaller_than_d33" and near["upper"] > 0.25
    with pytest.raises(ValueError, match=r"se=0.0: give the estimate's standard error"):
        small_telescopes(0.1, 0.0, d33=0.25)


def test_equivalence_test_by_hand():
    # bounds +-0.1: t_low = (0.02 + 0.1) / 0.03 = 4, t_high = (0.02 - 0.1) / 0.03 = -2.667;
    # Phi(-4) = 3.167e-5, Phi(-2.667) = .003830; 90% CI 0.02 +- 1.644854 * 0.03
    out = equivalence_test(0.02, 0.03, low=-0.1, high=0.1)
    assert (out["t_low"], out["t_high"]) == pytest.approx((4.0, -8 / 3))
    assert out["p_low"] == pytest.approx(3.16712418331e-05, rel=1e-8)
    assert out["p_high"] == pytest.approx(3.83038056759e-03, rel=1e-8)
    assert out["p_val"] == out["p_high"] and out["equivalent"] is True
    assert [out["ci_low"], out["ci_high"]] == pytest.approx([0.02 - 1.64485362695 * 0.03, 0.02 + 1.64485362695 * 0.03])
    # t on 15 df (R: pt(4, 15, lower = FALSE) = .00057966, pt(-8/3, 15) = .0087976)
    t = equivalence_test(0.02, 0.03, low=-0.1, high=0.1, dof=15)
    assert (t["p_low"], t["p_high"]) == pytest.approx((5.79658424881e-04, 8.79757653408e-03), rel=1e-8)
    # 0.08 +- 0.03: t_high = -2/3, Phi(-2/3) = .2525 -> not shown to be within the bounds
    far = equivalence_test(0.08, 0.03, low=-0.1, high=0.1)
    assert far["p_val"] == pytest.approx(0.252492537547, rel=1e-9) and far["equivalent"] is False
    assert far["ci_high"] > 0.1  # equivalence <=> the 90% interval inside the bounds
    with pytest.raises(ValueError, match=r"low=0.1, high=-0.1: give equivalence bounds with low < high"):
        equivalence_test(0.0, 0.03, low=0.1, high=-0.1)


def _tick_texts(axis) -> list[str]:
    return [t.get_text() for t in axis.get_yticklabels()]


def test_forest_plot_draws_groups_pool_and_reference_in_japanese():
    from psyai.report import figure_to_html

    g = REF["groups"]
    res = random_effects(g["yi"], g["vi"])
    labels = [f"班 {i + 1}" for i in range(len(g["yi"]))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = forest_plot(labels, g["yi"], g["vi"], res, xlabel="正答率 − .5 (accuracy − .5)", reference=0.12,
                          reference_label="原研究 / original")
        html = figure_to_html(fig, alt="forest plot")
    assert isinstance(fig, Figure) and html.startswith("<img") and len(html) > 5000
    ax, right = fig.axes[:2]
    assert _tick_texts(ax) == [*labels, "RE model"]
    assert _tick_texts(right)[-1] == f"{res.estimate:.2f} [{res.ci_low:.2f}, {res.ci_high:.2f}]"
    assert _tick_texts(right)[0] == f"{g['yi'][0]:.2f} [{g['yi'][0] - 1.959964 * math.sqrt(g['vi'][0]):.2f}, " \
                                    f"{g['yi'][0] + 1.959964 * math.sqrt(g['vi'][0]):.2f}]"
    assert any(list(line.get_xdata()) == [0.12, 0.12] for line in ax.get_lines())  # the original's line
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "原研究 / original" in legend and "95% prediction interval" in legend
    assert ax.get_xlabel() == "正答率 − .5 (accuracy − .5)"
    from matplotlib import font_manager

    cjk = [f.name for f in font_manager.fontManager.ttflist if "CJK JP" in f.name or f.name.startswith("IPA")]
    if cjk:  # with a Japanese font installed (make installs fonts-noto-cjk) no glyph is missing
        assert not [w for w in caught if "missing from font" in str(w.message)]


def test_forest_plot_in_japanese_words():
    g = REF["three"]
    res = random_effects(g["yi"], g["vi"])
    fig = forest_plot(["A組", "B組", "C組"], g["yi"], g["vi"], res, xlabel="効果", reference=0.2, lang="ja")
    ax = fig.axes[0]
    assert _tick_texts(ax)[-1] == "ランダム効果モデル"
    assert ax.get_title().startswith("ランダム効果モデル（τ²: REML、検定: Knapp–Hartungのt検定、k = 3）")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "95%予測区間" in legend and "参照値 0.20" in legend
    with pytest.raises(ValueError, match=r"lang='de': use 'en' or 'ja'"):
        forest_plot(["a", "b", "c"], g["yi"], g["vi"], res, xlabel="x", lang="de")


def test_forest_plot_refuses_mismatched_input():
    g = REF["three"]
    res = random_effects(g["yi"], g["vi"])
    with pytest.raises(ValueError, match=r"2 labels for 3 groups"):
        forest_plot(["a", "b"], g["yi"], g["vi"], res, xlabel="x")
    other = random_effects(REF["groups"]["yi"], REF["groups"]["vi"])
    with pytest.raises(ValueError, match=r"result pools 8 groups but 3 estimates"):
        forest_plot(["a", "b", "c"], g["yi"], g["vi"], other, xlabel="x")

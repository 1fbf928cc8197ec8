"""psyai.stats.correlation against R (``cor(x, y, method = "spearman")`` and the permutation null of rho by
exact enumeration of all n! orders; values in reference/correlation_reference.json, written by
reference/correlation_reference.R), against scipy (``spearmanr``, ``permutation_test``) and against the
closed forms of the exact permutation null (mean 0, SD 1/√(n − 1))."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from psyai.errors import DataError
from psyai.stats.correlation import permutation_baseline, spearman_rho

REF = json.loads((Path(__file__).parent / "reference" / "correlation_reference.json").read_text())


def test_spearman_matches_r_with_and_without_ties():
    for case in ("spearman_ties", "spearman_no_ties"):  # R: cor(x, y, method = "spearman")
        r = REF[case]
        assert spearman_rho(r["x"], r["y"]) == pytest.approx(r["rho"], abs=1e-12), case
    r = REF["spearman_no_ties"]  # no ties: rho = 1 − 6 Σd² / (n (n² − 1)) (Spearman, 1904)
    d = stats.rankdata(r["x"]) - stats.rankdata(r["y"])
    n = len(d)
    assert spearman_rho(r["x"], r["y"]) == pytest.approx(1 - 6 * (d ** 2).sum() / (n * (n ** 2 - 1)), abs=1e-12)
    r = REF["spearman_constant"]  # R: NA (with a warning), no spread in y
    assert r["rho"] is None and math.isnan(spearman_rho(r["x"], r["y"]))
    assert spearman_rho(pd.Series(r["x"]), pd.Series(REF["spearman_no_ties"]["y"])) == pytest.approx(
        REF["spearman_no_ties"]["rho"], abs=1e-12)  # Series in, same rho
    with pytest.raises(DataError, match="same length.*drop the unpaired"):
        spearman_rho([1.0, 2.0, 3.0], [1.0, 2.0])


def test_spearman_against_scipy():
    rng = np.random.default_rng(0)
    for n in (5, 12, 40):
        x, y = rng.normal(size=n), rng.integers(0, 4, size=n).astype(float)  # ties in y
        assert spearman_rho(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert np.isnan(spearman_rho(np.arange(5.0), np.ones(5)))


@pytest.mark.parametrize("case", ["permutation_ties", "permutation_no_ties"])
def test_permutation_baseline_against_exact_enumeration(case):
    """The Monte-Carlo null agrees with the exact one (all n! orders, enumerated in R) within its error."""
    r = REF[case]
    n_perm = 20000
    out = permutation_baseline(r["x"], r["y"], n_perm=n_perm, rng=np.random.default_rng(1))
    n = len(r["x"])
    assert r["n_orders"] == math.factorial(n)
    assert out["rho"] == pytest.approx(r["rho"], abs=1e-12)
    # the exact null has mean 0 and SD 1 / sqrt(n - 1), ties or not (a Pearson correlation under permutation)
    assert r["null_mean"] == pytest.approx(0, abs=1e-12) and r["null_sd"] == pytest.approx(1 / math.sqrt(n - 1))
    mc_se = r["null_sd"] / math.sqrt(n_perm)  # Monte-Carlo SE of the null mean
    assert out["rho_perm_mean"] == pytest.approx(r["null_mean"], abs=4 * mc_se)
    assert out["rho_perm_sd"] == pytest.approx(r["null_sd"], rel=0.03)
    p = r["p_greater"]  # (k + 1) / (n_perm + 1) estimates the exact p within binomial error, plus 1 / (n_perm + 1)
    assert out["p_perm"] == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n_perm) + 1 / (n_perm + 1))


def test_permutation_baseline_against_scipy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=6)
    y = x + rng.normal(size=6)

    def rho(a, axis=-1):  # permute one sample only: 6! pairings
        return stats.spearmanr(a, y).statistic

    ours = permutation_baseline(x, y, n_perm=20000, rng=np.random.default_rng(0))
    # exact: all 6! pairings of x with y
    ref = stats.permutation_test((x,), rho, permutation_type="pairings", alternative="greater",
                                 n_resamples=np.inf, vectorized=False)
    assert ours["rho"] == pytest.approx(ref.statistic, abs=1e-12)
    assert ours["p_perm"] == pytest.approx(ref.pvalue, abs=0.01)
    assert ours["rho_perm_mean"] == pytest.approx(np.mean(ref.null_distribution), abs=0.01)


def test_permutation_baseline_undefined_rho_and_seeding():
    x = REF["spearman_no_ties"]["x"]
    out = permutation_baseline(x, np.ones(len(x)), n_perm=50)
    assert list(out) == ["rho", "rho_perm_mean", "rho_perm_sd", "p_perm"]
    assert all(math.isnan(v) for v in out.values())
    y = REF["spearman_no_ties"]["y"]
    assert permutation_baseline(x, y, 50) == permutation_baseline(x, y, 50, np.random.default_rng(0))  # default seed
    # the smallest p value is 1 / (n_perm + 1), never 0 (Phipson & Smyth, 2010)
    assert permutation_baseline(x, x, 99, np.random.default_rng(3))["p_perm"] >= 1 / 100
    with pytest.raises(DataError, match="same length"):
        permutation_baseline(x, y[:-1])

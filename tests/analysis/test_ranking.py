"""Tests of analysis/ranking.py.

Every statistic is pinned to an independent reference:

- Kendall's W: a hand computation (below) and R's ``friedman.test`` (W = χ²/(m(n−1)),
  Friedman's statistic with its tie correction), per prompt of a simulated table;
- Krippendorff's α: the values Krippendorff (2011, "Computing Krippendorff's
  alpha-reliability", section C) publishes for his 4-observer, 12-unit example
  (nominal .743, ordinal .815, interval .849, ratio .797; the same in R's irr::kripp.alpha),
  and the ``krippendorff`` package (an independent implementation, GPL, not a psyai
  dependency) on the simulated table, in ranking_alpha_reference.json
  (ranking_alpha_reference.py);
- Bradley–Terry: R's ``glm(binomial)`` on the aggregated win counts (coefficients and
  standard errors), and parameter recovery from simulated Plackett–Luce rankings;
- win rates, Likert means and flag rates: R's ``lm(y ~ 1)`` with
  ``sandwich::vcovCL(type = "HC1")`` (participant-clustered SE), and statsmodels' cluster
  covariance; interval coverage checked by simulation against a true win rate computed
  by Gauss–Hermite quadrature.

R values are in tests/stats/reference/ranking_reference.json, written by
ranking_reference.R from ranking_trials.csv (simulated by ranking_make_data.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.ranking import (
    RankingConfig, agreement_alpha, analyze, bradley_terry, bradley_terry_fit, flag_rates, kendall_w,
    kendall_w_matrix, krippendorff_alpha, likert_summary, main, pairwise_comparisons, trial_midranks, win_rates,
    write_results,
)
from psyai.errors import DataError

REPO = Path(__file__).resolve().parents[2]
REF_DIR = REPO / "tests" / "stats" / "reference"
REF = json.loads((REF_DIR / "ranking_reference.json").read_text())
ALPHA_REF = json.loads((REF_DIR / "ranking_alpha_reference.json").read_text())


@pytest.fixture(scope="module")
def ref_table() -> pd.DataFrame:
    d = pd.read_csv(REF_DIR / "ranking_trials.csv")
    d["rank"] = d["rank"].astype("Int64")  # nullable, as load_rankings gives it
    return d


def simulate(utilities: dict[str, float], n_participants: int, n_prompts: int, *, tau: float = 0.0,
             seed: int = 0, run_mode: str = "simulated") -> pd.DataFrame:
    """Rankings from a random-utility (Thurstone-type) model with Gumbel noise.

    Each participant ranks one output per model for every prompt; perceived quality
    = utility of the model + a participant-by-model effect N(0, tau²) + Gumbel noise,
    ranked best first. With Gumbel noise the rankings follow Plackett–Luce, whose
    pairwise marginals are exactly Bradley–Terry: P(i above j) = 1 / (1 + exp(u_j − u_i)).
    """
    rng = np.random.default_rng(seed)
    models = list(utilities)
    u = np.array([utilities[m] for m in models])
    m, k = n_participants * n_prompts, len(models)
    bias = np.repeat(rng.normal(0, tau, (n_participants, k)), n_prompts, axis=0)  # (P*Q, K)
    perceived = u + bias + rng.gumbel(size=(m, k))  # (P*Q, K)
    ranks = (-perceived).argsort(axis=1).argsort(axis=1) + 1  # (P*Q, K), 1 = best
    participant = np.repeat([f"p{i:03d}" for i in range(n_participants)], n_prompts * k)
    prompt = np.tile(np.repeat([f"q{j:03d}" for j in range(n_prompts)], k), n_participants)
    model = np.tile(models, m)
    return pd.DataFrame({
        "participant": participant, "session": 1,
        "trial_index": np.tile(np.repeat(np.arange(n_prompts), k), n_participants),
        "prompt_id": prompt, "item_id": [f"{q}-{mm}" for q, mm in zip(prompt, model)], "model": model,
        "position": np.tile(np.arange(k), m), "rank": ranks.ravel(), "run_mode": run_mode,
    })


# --------------------------------------------------------------------------- Kendall's W


def test_kendall_w_hand_example_with_ties():
    # 3 raters, 4 objects; rater 2 ties objects 2 and 3 (mid-rank 2.5).
    # Column sums R = 4, 5.5, 8.5, 12; mean 7.5; S = 3.5² + 2² + 1² + 4.5² = 37.5
    # Ties: one pair, T = 2³ − 2 = 6. W = 12 S / (m²(n³ − n) − m ΣT) = 450 / (9·60 − 3·6) = 450 / 522
    # Without the correction 450 / 540 = .8333. χ² = m(n − 1)W = 9 · 450/522 = 7.7586
    hand = REF["kendall_hand"]
    res = kendall_w_matrix(hand["ranks"])
    assert res["w"] == pytest.approx(450 / 522, rel=1e-12)
    assert res["w_uncorrected"] == pytest.approx(450 / 540, rel=1e-12)
    # R: friedman.test(hand) -> Friedman chi-squared = 7.7586, df = 3, p-value = 0.05127
    assert res["w"] == pytest.approx(hand["w"], rel=1e-12)
    assert res["chi2"] == pytest.approx(hand["chi2"], rel=1e-12)
    assert res["p_val"] == pytest.approx(hand["p"], rel=1e-9)
    # any scores in which smaller is better give the same W (rows are re-ranked)
    assert kendall_w_matrix([[10, 20, 30, 40], [5, 7, 7, 9], [2, 1, 3, 4]])["w"] == pytest.approx(450 / 522)


def test_kendall_w_extremes_and_bad_input():
    assert kendall_w_matrix([[1, 2, 3], [1, 2, 3]])["w"] == pytest.approx(1.0)
    assert kendall_w_matrix([[1, 2, 3], [3, 2, 1]])["w"] == pytest.approx(0.0)
    assert math.isnan(kendall_w_matrix([[1, 2, 3]])["w"])              # one rater
    assert math.isnan(kendall_w_matrix([[1, 1, 1], [1, 1, 1]])["w"])   # everything tied
    with pytest.raises(ValueError, match="complete rankings"):
        kendall_w_matrix([[1, 2, np.nan], [1, 2, 3]])


def test_kendall_w_per_prompt_matches_r_friedman(ref_table):
    table = kendall_w(ref_table).set_index("prompt_id")
    assert list(table.index) == sorted(REF["kendall_w"])
    for prompt, r in REF["kendall_w"].items():
        row = table.loc[prompt]
        # R: friedman.test(<participants x outputs mid-ranks>)$statistic / (m (n - 1))
        assert row["w"] == pytest.approx(r["w"], rel=1e-10)
        assert row["chi2"] == pytest.approx(r["chi2"], rel=1e-10)
        assert row["p_val"] == pytest.approx(r["p"], rel=1e-8)
        assert (row["n_raters"], row["n_outputs"], row["n_raters_excluded"]) == (r["m"], r["n"], 0)


def test_midranks_average_ties_and_put_unranked_last():
    d = pd.DataFrame({"participant": "p", "session": 1, "prompt_id": "q",
                      "rank": pd.array([1, 1, 3, None, None], dtype="Int64")})
    assert trial_midranks(d).tolist() == [1.5, 1.5, 3.0, 4.5, 4.5]
    d["rank"] = pd.array([1, 1, 2, None, None], dtype="Int64")  # dense tie convention: same mid-ranks
    assert trial_midranks(d).tolist() == [1.5, 1.5, 3.0, 4.5, 4.5]


def test_kendall_w_leaves_out_raters_shown_other_outputs(ref_table):
    d = ref_table[~((ref_table["participant"] == "p01") & (ref_table["item_id"] == "q1-C"))]
    row = kendall_w(d).set_index("prompt_id").loc["q1"]
    assert (row["n_raters"], row["n_raters_excluded"]) == (11, 1)


# --------------------------------------------------------------------------- Krippendorff's alpha

# Krippendorff (2011), section C: observers A-D, units 1-12, '*' = missing
KRIPP = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]


def test_krippendorff_alpha_matches_published_example():
    long = pd.DataFrame([{"coder": c, "unit": u, "value": v} for c, row in enumerate(KRIPP)
                         for u, v in enumerate(row)])
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        assert krippendorff_alpha(long, "unit", "coder", "value", level) == pytest.approx(value, abs=5e-4), level
    assert math.isnan(krippendorff_alpha(long.assign(value=1), "unit", "coder", "value"))  # one value: undefined
    with pytest.raises(ValueError, match="level_of_measurement='rank'"):
        krippendorff_alpha(long, "unit", "coder", "value", "rank")


def test_krippendorff_alpha_matches_the_krippendorff_package(ref_table):
    d = ref_table.assign(midrank=trial_midranks(ref_table))
    for measure, column in (("rank", "midrank"), ("helpfulness", "helpfulness"), ("truthfulness", "truthfulness"),
                            ("harmlessness", "harmlessness")):
        for level, value in ALPHA_REF[measure].items():
            # python: krippendorff.alpha(reliability_data=<participants x outputs>, level_of_measurement=level)
            got = krippendorff_alpha(d, ["prompt_id", "item_id"], "participant", column, level)
            assert got == pytest.approx(value, rel=1e-12), (measure, level)


def test_agreement_alpha_rows_and_interval(ref_table):
    table = agreement_alpha(ref_table, n_boot=200, seed=1).set_index("measure")
    assert list(table.index) == ["rank", "helpfulness", "truthfulness", "harmlessness"]
    rank = table.loc["rank"]
    direct = krippendorff_alpha(ref_table.assign(m=trial_midranks(ref_table)), ["prompt_id", "item_id"],
                                "participant", "m")
    assert rank["alpha"] == pytest.approx(direct)
    assert rank["ci_low"] < rank["alpha"] < rank["ci_high"]
    assert (rank["n_units"], rank["n_coders"], rank["n_values"]) == (24, 12, 288)
    assert table.loc["helpfulness", "n_values"] == ref_table["helpfulness"].notna().sum()
    # perfect agreement: every participant gives the same order
    same = simulate({"A": 0, "B": 0, "C": 0}, 5, 4, seed=3)
    same["rank"] = same["model"].map({"A": 1, "B": 2, "C": 3})
    assert agreement_alpha(same, n_boot=100).loc[0, "alpha"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- pairs, Bradley-Terry


def test_pairwise_comparisons_conventions():
    d = pd.DataFrame({"participant": "p", "session": 1, "prompt_id": "q", "item_id": list("wxyzv"),
                      "model": ["B", "A", "C", "D", "A"], "rank": pd.array([2, 2, 1, None, None], dtype="Int64")})
    got = {(r.model_a, r.model_b, r.item_a, r.item_b): r.outcome for r in pairwise_comparisons(d).itertuples()}
    assert got == {
        ("A", "B", "x", "w"): 0.5,   # tie: half each
        ("B", "C", "w", "y"): 0.0,   # C ranked better
        ("B", "D", "w", "z"): 1.0,   # ranked beats unranked
        ("A", "C", "x", "y"): 0.0,
        ("A", "D", "x", "z"): 1.0,
        ("C", "D", "y", "z"): 1.0,
        ("A", "B", "v", "w"): 0.0,   # unranked A loses to ranked B
        ("A", "C", "v", "y"): 0.0,
        # v-x (both A) and v-z (both unranked) are not compared
    }


def test_bradley_terry_matches_r_glm(ref_table):
    comps = pairwise_comparisons(ref_table)
    assert len(comps) == REF["n_comparisons"]
    models = ["A", "B", "C", "D"]
    comp = np.zeros((4, 4))
    for r in comps.itertuples():
        i, j = models.index(r.model_a), models.index(r.model_b)
        comp[i, j] += r.outcome
        comp[j, i] += 1 - r.outcome
    theta, cov = bradley_terry_fit(comp)
    ref = REF["bradley_terry"]
    assert ref["reference"] == "A"
    # R: glm(cbind(wins, losses) ~ 0 + X, binomial), X = +1/-1 indicators, A fixed at 0
    for k, model in enumerate(ref["models"], start=1):
        assert theta[k] - theta[0] == pytest.approx(ref["estimate"][k - 1], abs=1e-6)
        se = math.sqrt(cov[k, k] + cov[0, 0] - 2 * cov[k, 0])
        assert se == pytest.approx(ref["se"][k - 1], rel=1e-5)
    assert theta.sum() == pytest.approx(0.0, abs=1e-12)
    table, info = bradley_terry(ref_table, n_boot=200, seed=2)
    assert list(table["model"]) == ["B", "A", "C", "D"]  # B edges A in this small sample (R: +0.139)
    assert info["n_comparisons"] == REF["n_comparisons"] and info["n_boot_failed"] == 0
    assert (table["ci_low"] < table["score"]).all() and (table["score"] < table["ci_high"]).all()
    assert table["worth"].sum() == pytest.approx(1.0)


def test_bradley_terry_recovers_simulated_utilities():
    truth = {"A": 0.9, "B": 0.3, "C": -0.2, "D": -1.0}  # mean 0: the scale of the scores
    d = simulate(truth, n_participants=60, n_prompts=20, seed=11)
    table, _ = bradley_terry(d, n_boot=400, seed=5)
    table = table.set_index("model")
    assert list(table.index) == ["A", "B", "C", "D"]
    for model, u in truth.items():
        assert table.loc[model, "ci_low"] < u < table.loc[model, "ci_high"], model
        assert table.loc[model, "score"] == pytest.approx(u, abs=0.15)


def test_bradley_terry_refuses_scores_that_do_not_exist():
    d = simulate({"A": 0.0, "B": 0.0, "C": 0.0}, 4, 3, seed=1)
    d["rank"] = d["model"].map({"A": 1, "B": 2, "C": 3})  # A always first, C always last
    with pytest.raises(DataError, match="bt_alpha > 0"):
        bradley_terry(d, n_boot=100)
    table, _ = bradley_terry(d, n_boot=100, alpha=0.01)  # regularised: finite, in the right order
    assert list(table["model"]) == ["A", "B", "C"] and np.isfinite(table["score"]).all()


# --------------------------------------------------------------------------- clustered means and rates


def test_win_rates_match_r_sandwich_and_statsmodels(ref_table):
    table = win_rates(ref_table)
    assert len(table) == len(REF["win_rates"])
    comps = pairwise_comparisons(ref_table)
    for row, r in zip(table.itertuples(), REF["win_rates"]):
        assert (row.model, row.opponent) == (r["model"], r["opponent"])
        # R: lm(outcome ~ 1) with sandwich::vcovCL(cluster = ~participant, type = "HC1"), t(G - 1)
        assert row.win_rate == pytest.approx(r["estimate"], rel=1e-12)
        assert row.se == pytest.approx(r["se"], rel=1e-9)
        assert [row.ci_low, row.ci_high] == pytest.approx(r["ci"], rel=1e-9)
        assert row.t == pytest.approx(r["t"], rel=1e-9) and row.p_val == pytest.approx(r["p"], rel=1e-7)
        assert (row.n_comparisons, row.n_participants) == (r["n"], r["g"])
        # statsmodels: intercept-only OLS, cluster-robust covariance (G/(G-1) correction)
        s = comps[(comps["model_a"] == row.model) & (comps["model_b"] == row.opponent)]
        fit = sm.OLS(s["outcome"].to_numpy(), np.ones(len(s))).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(s["participant"])[0]})
        assert row.se == pytest.approx(float(fit.bse[0]), rel=1e-9)
        assert row.n_wins + row.n_ties + row.n_losses == row.n_comparisons
    vs = win_rates(ref_table, reference="A").set_index("model")
    assert vs.loc["B", "win_rate"] == pytest.approx(1 - REF["win_rates"][0]["estimate"])
    assert set(vs["opponent"]) == {"A"} and "A" not in vs.index
    with pytest.raises(DataError, match="reference model 'Z'"):
        win_rates(ref_table, reference="Z")


def test_win_rate_interval_covers_the_true_rate():
    # Participants differ (tau = 0.8 per model), so comparisons cluster within participants.
    # True population win rate of A over B: E[logistic(u_A − u_B + e)], e ~ N(0, 2 tau²), by Gauss–Hermite.
    tau, diff = 0.8, 0.6
    x, w = np.polynomial.hermite_e.hermegauss(80)
    truth = float(np.sum(w / (1 + np.exp(-(diff + math.sqrt(2) * tau * x)))) / math.sqrt(2 * math.pi))
    covered = naive_covered = 0
    reps = 150
    for rep in range(reps):
        d = simulate({"A": 0.3, "B": -0.3, "C": 0.0}, 20, 10, tau=tau, seed=1000 + rep)
        row = win_rates(d).set_index(["model", "opponent"]).loc[("A", "B")]
        covered += row["ci_low"] <= truth <= row["ci_high"]
        half = 1.96 * math.sqrt(row["win_rate"] * (1 - row["win_rate"]) / row["n_comparisons"])
        naive_covered += abs(row["win_rate"] - truth) <= half  # as if every comparison were independent
    assert 0.89 <= covered / reps <= 0.99
    assert naive_covered < covered  # ignoring the clustering gives intervals that are too narrow


def test_likert_and_flags_match_r(ref_table):
    lk = likert_summary(ref_table).set_index(["model", "scale"])
    for r in REF["likert"]:
        row = lk.loc[(r["model"], r["scale"])]
        assert row["n"] == r["n"]
        assert row["mean"] == pytest.approx(r["mean"], rel=1e-12) and row["sd"] == pytest.approx(r["sd"], rel=1e-12)
        assert row["se"] == pytest.approx(r["se"], rel=1e-9)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(r["ci"], rel=1e-9)
    fl = flag_rates(ref_table).set_index(["model", "flag"])
    for r in REF["flags"]:
        row = fl.loc[(r["model"], r["flag"])]
        assert row["n_flagged"] == r["n_flagged"] and row["rate"] == pytest.approx(r["rate"], rel=1e-12)
        assert row["se"] == pytest.approx(r["se"], rel=1e-9)
        assert row["ci_low"] == pytest.approx(max(0.0, r["ci"][0]), rel=1e-9, abs=1e-12)
        assert row["ci_high"] == pytest.approx(min(1.0, r["ci"][1]), rel=1e-9)


# --------------------------------------------------------------------------- analyze, outputs, command line


def _strict(text: str) -> dict:
    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_analyze_writes_strict_json_and_a_report_with_figures(ref_table, tmp_path):
    results = analyze(ref_table, RankingConfig(n_boot=200))
    paths = write_results(results, tmp_path)
    data = _strict(paths["json"].read_text(encoding="utf-8"))
    assert set(data) >= {"experiment", "run_modes", "banner", "n_participants", "n_trials", "n_prompts",
                         "n_outputs", "models", "kendall_w", "krippendorff_alpha", "likert", "bradley_terry",
                         "win_rates", "flag_rates", "settings", "method", "sentences", "versions", "tables"}
    assert (data["n_participants"], data["n_trials"], data["n_prompts"], data["n_outputs"]) == (12, 72, 6, 24)
    assert data["models"] == ["A", "B", "C", "D"] and data["run_modes"] == {"simulated": 72}
    assert set(data["krippendorff_alpha"]) == {"rank", "helpfulness", "truthfulness", "harmlessness"}
    assert data["kendall_w"]["n_prompts_with_w"] == 6
    assert data["kendall_w"]["median"] == pytest.approx(np.median([r["w"] for r in REF["kendall_w"].values()]))
    assert {s["model"] for s in data["bradley_terry"]["scores"]} == {"A", "B", "C", "D"}
    assert len(data["win_rates"]) == 6 and len(data["likert"]) == 12 and len(data["flag_rates"]) == 8
    assert len(data["tables"]["kendall_w"]) == 6
    assert "Kendall's W ranged from" in data["sentences"]["kendall_w"]
    assert "were preferred to those of" in data["sentences"]["win_rates"]
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 5
    assert "SIMULATED DATA" in page and page.count('class="banner"') == 2
    assert "Krippendorff" in page and "Bradley–Terry" in page


def test_one_cluster_gives_no_bootstrap_interval_and_all_ties_are_named(ref_table):
    """Resampling one participant (Bradley-Terry) or one prompt (alpha) cannot show uncertainty: no interval,
    rather than a zero-width one. A table of complete ties says why W is undefined."""
    one = ref_table[ref_table["participant"] == ref_table["participant"].iloc[0]]
    table, info = bradley_terry(one, n_boot=50, alpha=0.01)  # one participant: regularised to exist
    assert info["n_participants"] == 1 and table["ci_low"].isna().all() and table["score"].notna().all()
    single_prompt = ref_table[ref_table["prompt_id"] == ref_table["prompt_id"].iloc[0]]
    rank = agreement_alpha(single_prompt, n_boot=50).set_index("measure").loc["rank"]
    assert math.isfinite(rank["alpha"]) and math.isnan(rank["ci_low"]) and math.isnan(rank["ci_high"])
    w = kendall_w(ref_table.assign(rank=1))
    assert w["w"].isna().all() and (w["n_raters"] >= 2).all()
    tied = analyze(ref_table.assign(rank=1), RankingConfig(n_boot=100))
    assert tied["kendall_w"]["n_prompts_all_tied"] == 6
    assert tied["sentences"]["kendall_w"] == ("Kendall's W was undefined for all 6 prompts ranked by two or more "
                                              "participants, because every participant tied all of a prompt's "
                                              "outputs.")


def test_w_significance_follows_the_confidence_level(ref_table):
    """--level 0.99 tests each prompt's W at .01, as the intervals use 99 %."""
    p = kendall_w(ref_table)["p_val"]
    for level in (0.95, 0.99):
        w = analyze(ref_table, RankingConfig(n_boot=100, level=level))
        assert w["kendall_w"]["significance"] == pytest.approx(1 - level)
        assert w["kendall_w"]["n_significant"] == int((p < 1 - level).sum())
        assert f"p < {1 - level:.3g}".replace("0.", ".", 1) in w["sentences"]["kendall_w"]


def test_analyze_refuses_bad_tables(ref_table):
    with pytest.raises(DataError, match="no column.*rank"):
        analyze(ref_table.drop(columns="rank"))
    with pytest.raises(DataError, match="empty"):
        analyze(ref_table.iloc[:0])
    mixed = ref_table.copy()
    mixed.loc[mixed["participant"] == "p01", "run_mode"] = "real"
    with pytest.raises(DataError, match="simulated trials are mixed with real"):
        analyze(mixed)
    with pytest.raises(ValueError, match="n_boot=10"):
        RankingConfig(n_boot=10)
    with pytest.raises(ValueError, match="level=1.5"):
        RankingConfig(level=1.5)


def test_main_loads_analyses_and_writes(ref_table, tmp_path, monkeypatch, capsys):
    import psyai.data

    data_dir = tmp_path / "data"
    (data_dir / "sub-p01").mkdir(parents=True)
    calls = {}

    def fake_load(path, include_pilot=False):
        calls["args"] = (Path(path), include_pilot)
        return ref_table

    monkeypatch.setattr(psyai.data, "load_rankings", fake_load, raising=False)
    out = tmp_path / "out"
    assert main([str(data_dir), "--out", str(out), "--n-boot", "100", "--reference-model", "D"]) == 0
    assert calls["args"] == (data_dir, False)
    data = _strict((out / "results.json").read_text(encoding="utf-8"))
    assert {r["opponent"] for r in data["win_rates"]} == {"D"} and data["settings"]["n_boot"] == 100
    assert "analysis/ranking.py" in data["command_line"]
    assert capsys.readouterr().out.strip().endswith("report.html")
    assert main([str(tmp_path / "nope"), "--out", str(out)]) == 1
    assert "no such data folder" in capsys.readouterr().err


def test_end_to_end_from_the_real_experiment(tmp_path):
    """Simulated rankers through experiments/ranking.py → psyai.data.load_rankings → curation → analysis."""
    import subprocess
    import sys

    from psyai.curation import curate
    from psyai.data import load_rankings
    from psyai.participants.stimuli import write_synthetic_rankings

    items = write_synthetic_rankings(tmp_path / "items.csv", n_prompts=6, k=5, langs=("en",))
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "ranking", "--participants", "4",
                          "--trials", "4", "--stimuli", str(items), "--out", str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert res.returncode == 0, res.stderr
    rankings = load_rankings(tmp_path / "data" / "ranking")
    kept, dropped = curate(rankings)
    assert len(kept) == len(rankings) and dropped.empty  # synthetic texts hold no personal information
    out = tmp_path / "out"
    assert main([str(tmp_path / "data" / "ranking"), "--out", str(out), "--n-boot", "100"]) == 0
    data = _strict((out / "results.json").read_text(encoding="utf-8"))
    assert data["n_participants"] == 4 and data["n_trials"] == 16 and data["run_modes"] == {"simulated": 16}
    assert data["bradley_terry"]["n_comparisons"] > 0 and "SIMULATED" in data["banner"]

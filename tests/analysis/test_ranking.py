"""Tests of analysis/ranking.py: the ranking-specific composition of the psyai.stats functions,
the results, sentences, report and command line.

The statistics themselves are pinned to outside values in tests/stats/test_agreement.py
(mid-ranks vs R's rank, Kendall's W vs a hand computation and R's friedman.test,
Krippendorff's α vs the published example and the ``krippendorff`` package, bootstrap
intervals vs scipy.stats.bootstrap), tests/stats/test_paired.py (comparisons vs R's pairs,
Bradley–Terry vs R's glm, win rates vs R sandwich and statsmodels) and
tests/stats/test_proportions.py (the cluster-robust mean behind the Likert and flag
intervals). Here: the analysis's tables equal those functions applied to ranking trials
(and R's values where the analysis adds something: Likert means and SDs, flag counts),
Bradley–Terry recovers simulated utilities, and the win-rate interval covers the true
rate (computed by Gauss–Hermite quadrature) in simulation.

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

from analysis.ranking import (
    RankingConfig, agreement_alpha, analyze, bradley_terry, flag_rates, kendall_w, likert_summary, main,
    pairwise_comparisons, trial_midranks, win_rates, write_results,
)
from psyai.errors import DataError
from psyai.stats import agreement, paired
from psyai.stats.proportions import wilson_interval
from psyai.stats.agreement import krippendorff_alpha

REPO = Path(__file__).resolve().parents[2]
REF_DIR = REPO / "tests" / "stats" / "reference"
REF = json.loads((REF_DIR / "ranking_reference.json").read_text())
TRIAL = ["participant", "session", "trial_index", "prompt_id"]


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


def test_trial_midranks_and_kendall_w_per_prompt(ref_table):
    # mid-ranks with the trial as block: R's rank(ties.method = "average"), unranked as Inf
    assert trial_midranks(ref_table).tolist() == REF["midrank"]
    table = kendall_w(ref_table)
    assert list(table.columns) == ["prompt_id", "n_raters", "n_outputs", "n_raters_excluded", "w", "w_uncorrected",
                                   "chi2", "dof", "p_val", "p_holm"]
    direct = agreement.kendall_w(ref_table.assign(m=REF["midrank"]), "prompt_id", "participant", "item_id", "m")
    pd.testing.assert_frame_equal(table.drop(columns="p_holm"), direct.rename(columns={"n_objects": "n_outputs"}))
    for prompt, r in REF["kendall_w"].items():  # R: friedman.test(...)$statistic / (m (n - 1))
        assert table.set_index("prompt_id").loc[prompt, "w"] == pytest.approx(r["w"], rel=1e-10)
        # R: p.adjust(<the six Friedman p values>, method = "holm")
        assert table.set_index("prompt_id").loc[prompt, "p_holm"] == pytest.approx(REF["kendall_w_p_holm"][prompt],
                                                                                   rel=1e-7)
    # a participant's later trial of a prompt (here: a second session, ranked in reverse) is not counted
    again = ref_table[ref_table["participant"] == "p01"].assign(session=2, rank=lambda t: 5 - t["rank"])
    twice = kendall_w(pd.concat([again, ref_table], ignore_index=True))
    pd.testing.assert_frame_equal(twice, table)


def test_kendall_w_leaves_out_raters_shown_other_outputs(ref_table):
    d = ref_table[~((ref_table["participant"] == "p01") & (ref_table["item_id"] == "q1-C"))]
    row = kendall_w(d).set_index("prompt_id").loc["q1"]
    assert (row["n_raters"], row["n_raters_excluded"]) == (11, 1)


# --------------------------------------------------------------------------- Krippendorff's alpha

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


def test_agreement_alpha_draws_each_measure_in_turn_from_one_generator(ref_table):
    table = agreement_alpha(ref_table, level=0.9, n_boot=150, seed=4).set_index("measure")
    rng = np.random.default_rng(4)
    d = ref_table.assign(m=trial_midranks(ref_table))
    for measure, column in (("rank", "m"), ("helpfulness", "helpfulness"), ("truthfulness", "truthfulness"),
                            ("harmlessness", "harmlessness")):
        res = agreement.krippendorff_alpha_ci(d, ["prompt_id", "item_id"], "participant", column, cluster="prompt_id",
                                              level=0.9, n_boot=150, seed=rng)
        row = table.loc[measure]
        for key in ("alpha", "ci_low", "ci_high", "n_units", "n_coders", "n_values", "n_boot", "level_of_measurement"):
            assert row[key] == res[key], (measure, key)


# --------------------------------------------------------------------------- pairs, Bradley-Terry


def test_comparisons_bradley_terry_and_win_rates_compose_the_psyai_stats_functions(ref_table):
    comps = pairwise_comparisons(ref_table)
    assert len(comps) == REF["n_comparisons"]
    pd.testing.assert_frame_equal(comps, paired.pairwise_comparisons(ref_table, TRIAL))
    table, info = bradley_terry(ref_table, n_boot=150, seed=3)
    direct, direct_info = paired.bradley_terry(comps, "participant", n_boot=150, seed=3)
    pd.testing.assert_frame_equal(table, direct)
    assert info == {"n_comparisons": REF["n_comparisons"], "n_participants": 12, "n_boot": 150,
                    "n_boot_failed": 0, "alpha": 0.0, "seed": 3}
    assert direct_info["n_clusters"] == 12
    wins = win_rates(ref_table, reference="D")
    pd.testing.assert_frame_equal(wins, paired.win_rates(comps, reference="D").rename(
        columns={"n_clusters": "n_participants"}))
    with pytest.raises(DataError, match="reference model 'Z'"):
        win_rates(ref_table, reference="Z")
    # outputs without a model are compared as the model "(no model)"
    unknown = ref_table.assign(model=ref_table["model"].where(ref_table["model"] != "D"))
    unknown_comps = pairwise_comparisons(unknown)
    assert set(unknown_comps["model_a"]) | set(unknown_comps["model_b"]) == {"(no model)", "A", "B", "C"}


def test_bradley_terry_table(ref_table):
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
        # Wilson on the effective n from R's CR1 SE, t quantile on G - 1 df (cluster_wilson)
        p, g = r["rate"], row["n_participants"]
        n_eff = g if p in (0.0, 1.0) else min(row["n"], p * (1 - p) / r["se"] ** 2)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(wilson_interval(p, n_eff, dof=g - 1), rel=1e-9,
                                                                abs=1e-12)
        assert 0.0 <= row["ci_low"] <= row["rate"] <= row["ci_high"] <= 1.0


def test_a_flag_never_or_always_given_has_an_interval_not_a_point(ref_table):
    d = ref_table.copy()
    d["flag_harmful"] = d["model"] == d["model"].iloc[0]  # one model always flagged, the others never
    fl = flag_rates(d).set_index(["model", "flag"]).xs("flag_harmful", level="flag")
    g = d["participant"].nunique()
    for model, row in fl.iterrows():
        assert row["rate"] in (0.0, 1.0)
        assert row["ci_high"] - row["ci_low"] > 0.05  # the clipped Wald interval was [0, 0] or [1, 1]
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(wilson_interval(row["rate"], g, dof=g - 1))


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


def test_w_sentence_counts_prompts_significant_after_holm(ref_table):
    """Six per-prompt Friedman tests are a family: the sentence counts those significant after Holm."""
    holm_p = np.array(list(REF["kendall_w_p_holm"].values()))  # R: p.adjust(p, "holm")
    raw_p = np.array([r["p"] for r in REF["kendall_w"].values()])
    res = analyze(ref_table, RankingConfig(n_boot=100))
    w = res["kendall_w"]
    assert (w["n_significant_holm"], w["n_significant"], w["n_tests"]) == (
        int((holm_p < 0.05).sum()), int((raw_p < 0.05).sum()), 6)
    assert w["n_significant_holm"] == 3 and w["n_significant"] == 5  # the correction changes the count here
    assert res["sentences"]["kendall_w"].endswith(
        "agreement exceeded chance at p < .05 for 3 of them after Holm correction across the 6 per-prompt "
        "Friedman χ² tests (5 without correction).")
    assert "Holm-adjusted over the prompts" in res["method"]["kendall_w"]


def test_win_rate_sentence_and_methods_report_holm_and_the_wilson_interval(ref_table):
    res = analyze(ref_table, RankingConfig(n_boot=100))
    wins = res["tables"]["win_rates"]
    assert wins["p_holm"].tolist() == pytest.approx(REF["win_rates_p_holm"], rel=1e-7)  # R: p.adjust(p, "holm")
    sentence = res["sentences"]["win_rates"]
    assert sentence.startswith("Participant-clustered win rates (Wilson intervals on the effective n; t tests "
                               "against .5, p Holm-adjusted over the 6 pairs tested): ")
    assert sentence.count("Holm-adjusted p") == 6
    assert "Holm-adjusted over the pairs of models tested (m = 6" in res["method"]["win_rates"]
    assert "Wilson score interval" in res["method"]["win_rates"]
    # a model that wins every comparison: no t test to adjust, an interval that ends at 100 % and opens below it
    sweep = ref_table.assign(rank=ref_table["model"].map({"A": 1, "B": 2, "C": 3, "D": 4}))
    res = analyze(sweep, RankingConfig(n_boot=100, bt_alpha=0.01))
    row = res["tables"]["win_rates"].iloc[0]
    assert (row["win_rate"], row["ci_high"]) == (1.0, 1.0) and row["ci_low"] < 1
    assert "100.0% of 72 comparisons (95% CI [" in res["sentences"]["win_rates"]
    assert "no t test: every comparison went one way" in res["sentences"]["win_rates"]


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


def test_models_are_reported_by_their_display_names(ref_table):
    table = ref_table.assign(model_name=ref_table["model"].map(lambda m: f"Model {m}"))
    bt, _ = bradley_terry(table, n_boot=20, seed=1)
    assert set(bt["model"]) == {"Model A", "Model B", "Model C", "Model D"}
    assert set(win_rates(table)["model"]) <= {"Model A", "Model B", "Model C"}


# --------------------------------------------------------------------------- sessions that did not run to the end


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory):
    """Five simulated rankers through experiments/ranking.py, four prompts each; then the first session as if
    killed after two rankings (no end record) and the second as if stopped with Escape after three."""
    import subprocess
    import sys

    from psyai.participants.stimuli import write_synthetic_rankings
    from tests.helpers import stop_session_early

    base = tmp_path_factory.mktemp("unfinished")
    items = write_synthetic_rankings(base / "items.csv", n_prompts=4, k=4, langs=("en",))
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "ranking", "--participants", "5",
                          "--stimuli", str(items), "--out", str(base / "data")],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert res.returncode == 0, res.stderr
    data = base / "data" / "ranking"
    logs = sorted(data.rglob("*_log.jsonl"))
    stop_session_early(logs[0], 2)
    stop_session_early(logs[1], 3, "aborted")
    return data, [log.name.split("_")[0].removeprefix("sub-") for log in logs[:2]]


def test_unfinished_sessions_are_named_and_their_rankings_kept_by_default(unfinished, tmp_path):
    data, (killed, aborted) = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--n-boot", "100"]) == 0
    saved = _strict((out / "results.json").read_text(encoding="utf-8"))
    s = saved["sessions"]
    assert saved["settings"]["exclude_incomplete"] is False and s["excluded"] is False
    assert [(u["participant"], u["session_status"], u["n_trials"], u["n_planned"]) for u in s["unfinished"]] == \
        [(killed, "incomplete", 2, 4), (aborted, "aborted", 3, 4)]
    assert saved["n_trials"] == 5 * 4 - 2 - 1 and saved["n_participants"] == 5  # their rankings are analysed
    assert s["sentence"].startswith(
        f"2 sessions of 5 did not run to the end: {killed} session 1 (no end record: killed or crashed, not "
        f"resumed; 2 of 4 rankings); {aborted} session 1 (aborted: the participant stopped it with Escape; 3 of 4 "
        "rankings). Their 5 rankings are included (the default")
    assert s["sentence"] in (out / "report.html").read_text(encoding="utf-8").replace("&#x27;", "'")


def test_exclude_incomplete_leaves_out_unfinished_ranking_sessions(unfinished, tmp_path):
    data, (killed, aborted) = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--n-boot", "100", "--exclude-incomplete"]) == 0
    saved = _strict((out / "results.json").read_text(encoding="utf-8"))
    assert saved["settings"]["exclude_incomplete"] is True and saved["sessions"]["excluded"] is True
    assert saved["n_trials"] == 3 * 4 and saved["n_participants"] == 3
    assert saved["sessions"]["sentence"].endswith("They were left out with their 5 rankings (--exclude-incomplete).")

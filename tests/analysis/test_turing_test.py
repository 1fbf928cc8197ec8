"""Tests of analysis/turing_test.py, psyai/report.py and psyai/participants/synthetic.py.

Every statistic is pinned to an independent reference: R (values in
tests/stats/reference/turing_reference.json, written by turing_reference.R from
turing_trials.csv, which turing_make_data.py simulates), a hand computation in
the test, or Python's standard library. Parameter recovery runs simulated
cohorts with known d' and c through the same functions.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from analysis.turing_test import (
    TuringConfig, accuracy_binomial, accuracy_ttest, analyze, apply_exclusions, fit_source_glmm, glmm_data,
    glmm_table,
    judged_human_rate, main, participant_accuracy, rt_summary, sdt_group, sdt_participants, type2_auc,
    type2_auc_test, type2_roc, write_results,
)
from psyai.errors import DataError
from psyai.participants.observers import CohortSpec
from psyai.participants.synthetic import simulate_trials, write_session_logs

REPO = Path(__file__).resolve().parents[2]
REF_DIR = REPO / "tests" / "stats" / "reference"
REF = json.loads((REF_DIR / "turing_reference.json").read_text())
HOLM_REF = json.loads((REF_DIR / "multiple_reference.json").read_text())["turing_participants"]
Z = NormalDist().inv_cdf  # standard-library normal quantile, independent of scipy


def kept_main(trials: pd.DataFrame) -> pd.DataFrame:
    """Main trials without exclusions (min_rt 0, checks ignored)."""
    kept, _ = apply_exclusions(trials, TuringConfig(min_rt=None, max_failed_checks=None))
    return kept


def make_trials(rows: list[dict]) -> pd.DataFrame:
    """Trial rows with the schema's defaults filled in (for hand-built tables)."""
    base = {"experiment": "turing_test", "session": 1, "run_mode": "real", "pilot": False, "simulated": False,
            "phase": "main", "is_check": False, "model": None, "prompt_id": None, "lang": "en", "list": 0,
            "response_key": "f", "expected": None, "rt": 1.5, "confidence": 4, "confidence_rt": 0.8,
            "resumed": False, "block": 0}
    out = []
    for k, r in enumerate(rows):
        rec = {**base, "trial_index": k, **r}
        target = rec["expected"] if rec["source"] == "check" else rec["source"]
        rec.setdefault("correct", rec["response"] == target)
        out.append(rec)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def ref_trials() -> pd.DataFrame:
    """The R reference cohort (30 participants x 40 texts) as a trial table."""
    d = pd.read_csv(REF_DIR / "turing_trials.csv")
    d["phase"], d["is_check"], d["run_mode"] = "main", False, "simulated"
    return d


# --------------------------------------------------------------------------- single statistics vs references


def test_binomial_test_matches_r():
    # R: binom.test(37, 60) -> p-value = 0.09246, 95% CI 0.4821150 0.7392929
    r = REF["binom_37_60"]
    trials = make_trials([{"participant": "p1", "item_id": f"i{k}", "source": "model",
                           "response": "model" if k < 37 else "human"} for k in range(60)])
    out = accuracy_binomial(trials).iloc[0]
    assert (out["n"], out["n_correct"]) == (60, 37)
    assert out["estimate"] == pytest.approx(37 / 60)
    assert out["p_val"] == pytest.approx(r["p"], rel=1e-9)
    assert out["p_val"] == pytest.approx(0.09246, abs=1e-5)
    assert [out["ci_low"], out["ci_high"]] == pytest.approx(r["ci"], rel=1e-7)
    per = participant_accuracy(trials).iloc[0]
    assert per["p_val"] == pytest.approx(r["p"], rel=1e-9)


def test_accuracy_ttest_is_a_one_sample_t_test_against_half():
    # R: t.test(c(.55, .62, .48, .71, .66, .59, .53, .60), mu = .5) -> t = 3.5722, df = 7, p = 0.00907
    r = REF["ttest_fixed_acc"]
    table = accuracy_ttest(pd.DataFrame({"accuracy": r["x"]})).iloc[0]
    assert table["t"] == pytest.approx(3.5722, abs=1e-4)
    assert (table["t"], table["p_val"], table["null_value"]) == pytest.approx((r["t"], r["p"], 0.5), rel=1e-7)


def test_sdt_participants_counts_hits_and_false_alarms():
    # p1: 4 model texts (3 answered "model"), 4 human texts (1 answered "model")
    rows = ([{"participant": "p1", "item_id": f"m{k}", "source": "model", "response": r}
             for k, r in enumerate(["model", "model", "model", "human"])]
            + [{"participant": "p1", "item_id": f"h{k}", "source": "human", "response": r}
               for k, r in enumerate(["model", "human", "human", "human"])])
    out = sdt_participants(make_trials(rows)).iloc[0]
    assert (out["hits"], out["n_model"], out["false_alarms"], out["n_human"]) == (3, 4, 1, 4)
    assert (out["hit_rate"], out["fa_rate"]) == (0.75, 0.25)
    assert (out["hit_rate_adj"], out["fa_rate_adj"]) == pytest.approx((3.5 / 5, 1.5 / 5))
    assert out["dprime"] == pytest.approx(Z(0.7) - Z(0.3))
    assert out["criterion"] == pytest.approx(0.0, abs=1e-12)


def test_type2_auc_by_hand_and_pROC():
    # correct answers rated 6, 5, 4, 2; incorrect ones 3, 2, 1. Of the 4 x 3 pairs the correct
    # trial is more confident in 3 + 3 + 3 + 1 and tied in 1 (2 vs 2): AUC = 10.5 / 12 = .875
    r = REF["auc_small"]
    rows = [{"participant": "p1", "item_id": f"i{k}", "source": "model",
             "response": "model" if ok else "human", "confidence": conf}
            for k, (ok, conf) in enumerate(zip(r["correct"], r["confidence"]))]
    trials = make_trials(rows)
    auc = type2_auc(trials)
    assert auc.loc[0, "auc"] == pytest.approx(10.5 / 12)
    assert auc.loc[0, "auc"] == pytest.approx(r["auc"])  # R: pROC::auc(...) = 0.875
    assert (auc.loc[0, "n_correct"], auc.loc[0, "n_incorrect"]) == (4, 3)
    roc = type2_roc(trials)
    p1 = roc[roc["participant"] == "p1"]
    # thresholds 7..1: P(conf >= k | correct), P(conf >= k | incorrect)
    assert p1["threshold"].tolist() == [7, 6, 5, 4, 3, 2, 1]
    assert p1["hit_rate2"].tolist() == pytest.approx([0, 1 / 4, 2 / 4, 3 / 4, 3 / 4, 1, 1])
    assert p1["fa_rate2"].tolist() == pytest.approx([0, 0, 0, 0, 1 / 3, 2 / 3, 1])
    # a participant with no errors has no type-2 AUC; the test skips them
    perfect = make_trials([{"participant": "p2", "item_id": "x", "source": "human", "response": "human"},
                           {"participant": "p2", "item_id": "y", "source": "model", "response": "model"}])
    both = pd.concat([trials, perfect], ignore_index=True)
    table = type2_auc(both)
    assert np.isnan(table.set_index("participant").loc["p2", "auc"])
    assert type2_auc_test(table).loc[0, "n"] == 1


def test_judged_human_rate_by_source_and_model():
    rows = []
    for pid, answers in (("p1", ["human", "model", "human", "human"]), ("p2", ["human", "human", "model", "model"])):
        for k, (src, model) in enumerate([("human", None), ("model", "a"), ("model", "b"), ("model", "b")]):
            rows.append({"participant": pid, "item_id": f"i{k}", "source": src, "model": model, "response": answers[k]})
    trials = make_trials(rows)
    by_source = judged_human_rate(trials, "source").set_index("group")
    assert by_source.loc["human", ["n", "n_judged_human"]].tolist() == [2, 2]
    model = by_source.loc["model"]
    assert (model["n"], model["n_judged_human"]) == (6, 3)
    # participant-clustered: p1 judged 2/3 model texts human, p2 1/3 -> mean .5, t interval over 2 rates
    assert model["participant_mean"] == pytest.approx(0.5)
    half = 12.706204736174707 * np.std([2 / 3, 1 / 3], ddof=1) / np.sqrt(2)  # R: qt(.975, 1) = 12.7062
    assert [model["participant_ci_low"], model["participant_ci_high"]] == pytest.approx([0.5 - half, 0.5 + half])
    by_model = judged_human_rate(trials, "model").set_index("group")
    assert by_model.index.tolist() == ["human", "a", "b"]
    assert by_model.loc["a", ["n", "n_judged_human"]].tolist() == [2, 1]  # p1 "model", p2 "human"
    assert by_model.loc["b", ["n", "n_judged_human"]].tolist() == [4, 2]


def test_rt_summary_quartiles():
    rows = [{"participant": "p1", "item_id": f"i{k}", "source": "human", "response": "human", "rt": rt}
            for k, rt in enumerate([1.0, 2.0, 3.0, 4.0, 10.0])]
    out = rt_summary(make_trials(rows), "source").iloc[0]
    # R: quantile(c(1, 2, 3, 4, 10), c(.25, .5, .75)) -> 2 3 4
    assert (out["q1"], out["median"], out["q3"], out["iqr"]) == (2.0, 3.0, 4.0, 2.0)
    assert out["mean"] == 4.0


# --------------------------------------------------------------------------- whole cohort vs R


def test_cohort_statistics_match_r(ref_trials):
    r = REF["cohort"]
    trials = kept_main(ref_trials)
    assert len(trials) == r["n_trials"] and trials["participant"].nunique() == r["n_participants"]

    b = accuracy_binomial(trials).iloc[0]
    assert b["n_correct"] == r["accuracy_binom"]["k"]
    assert b["p_val"] == pytest.approx(r["accuracy_binom"]["p"], rel=1e-6)
    assert [b["ci_low"], b["ci_high"]] == pytest.approx(r["accuracy_binom"]["ci"], rel=1e-7)
    acc = participant_accuracy(trials)
    assert acc.set_index("participant")["accuracy"].to_dict() == pytest.approx(r["participant_accuracy"])
    # R: binom.test per participant, then p.adjust(p, "holm") over the 30 (multiple_reference.R)
    assert acc["participant"].tolist() == HOLM_REF["participant"]
    assert acc["p_val"].tolist() == pytest.approx(HOLM_REF["p"], rel=1e-9)
    assert acc["p_holm"].tolist() == pytest.approx(HOLM_REF["holm"], rel=1e-9)
    t = accuracy_ttest(acc).iloc[0]
    assert (t["t"], t["p_val"]) == pytest.approx((r["accuracy_ttest"]["t"], r["accuracy_ttest"]["p"]), rel=1e-7)

    sdt = sdt_participants(trials).set_index("participant")
    assert sdt["dprime"].to_dict() == pytest.approx(r["dprime"], rel=1e-10)
    assert sdt["criterion"].to_dict() == pytest.approx(r["criterion"], rel=1e-10, abs=1e-12)
    group = sdt_group(sdt.reset_index()).set_index("measure")
    for measure, key in (("dprime", "dprime_ttest"), ("criterion", "criterion_ttest")):
        g = group.loc[measure]
        assert g["mean"] == pytest.approx(r[key]["mean"], rel=1e-10)
        assert [g["ci_low"], g["ci_high"]] == pytest.approx(r[key]["ci"], rel=1e-9)
        assert (g["t"], g["dof"]) == pytest.approx((r[key]["t"], r[key]["dof"]), rel=1e-9)
        assert g["p_val"] == pytest.approx(r[key]["p"], rel=1e-6)
        assert g["cohen_dz"] == pytest.approx(r[key]["cohen_d"], rel=1e-9)  # R: (mean(x) - mu) / sd(x)

    auc = type2_auc(trials)
    per = auc[auc["unit"] == "participant"].set_index("participant")["auc"]
    assert per.to_dict() == pytest.approx(r["type2_auc"], rel=1e-10)
    assert auc.loc[auc["unit"] == "pooled", "auc"].iloc[0] == pytest.approx(r["type2_pooled"], rel=1e-10)
    at = type2_auc_test(auc).iloc[0]
    assert (at["t"], at["p_val"]) == pytest.approx((r["type2_ttest"]["t"], r["type2_ttest"]["p"]), rel=1e-6)

    jh = judged_human_rate(trials, "source").set_index("group")
    for src in ("human", "model"):
        ref = r["judged_human"][src]
        row = jh.loc[src]
        assert (row["n"], row["n_judged_human"]) == (ref["n"], ref["k"])
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(ref["ci"], rel=1e-7)
        assert row["participant_mean"] == pytest.approx(ref["participant"]["mean"], rel=1e-10)
        assert [row["participant_ci_low"], row["participant_ci_high"]] == pytest.approx(ref["participant"]["ci"], rel=1e-9)

    rt = rt_summary(trials, "source").set_index("source")
    for src in ("human", "model"):
        assert rt.loc[src, ["q1", "median", "q3"]].tolist() == pytest.approx(r["rt_quartiles"][src], rel=1e-12)


def test_glmm_matches_lme4(ref_trials):
    """The default model, by-participant slopes, is singular on this cohort in lme4 too (correlation 1);
    the analysis then fits the slopes uncorrelated, which matches glmer's fit of that model."""
    from psyai.stats.mixed import fit_mixed

    ref = REF["cohort"]
    fit, tried = fit_source_glmm(kept_main(ref_trials))
    assert [t["formula"] for t in tried] == [
        "judged_human ~ source + (1 + source | participant) + (1 | item_id)",
        "judged_human ~ source + (1 + source || participant) + (1 | item_id)"]
    assert tried[0]["singular"] == ref["glmm_slopes"]["singular"] is True
    r = ref["glmm_slopes_uncorrelated"]
    assert not fit.singular and list(fit.fixed.term) == ["(Intercept)", "source"]
    assert fit.fixed.estimate.tolist() == pytest.approx(r["estimate"], abs=1e-3)
    assert fit.fixed.se.tolist() == pytest.approx(r["se"], rel=0.01)
    assert fit.loglik == pytest.approx(r["loglik"], abs=1e-2)
    sds = fit.random_sd()
    for key, value in r["random"].items():
        assert sds[key.replace(":sd__", ":").replace(":src", ":source")] == pytest.approx(value, rel=0.01), key
    table = glmm_table(fit).set_index(["effect", "term", "group"], drop=False)
    assert table.loc[("fixed", "source", None), "odds_ratio"] == pytest.approx(np.exp(r["estimate"][1]), rel=2e-3)
    # the random-intercept model of the older analysis still matches its lme4 reference (said_model ~ x)
    old = fit_mixed(glmm_data(kept_main(ref_trials)).assign(said_model=lambda d: 1 - d.judged_human,
                                                            x=lambda d: -d.source),
                    "said_model ~ x + (1 | participant) + (1 | item_id)", family="binomial")
    assert old.fixed.estimate.tolist() == pytest.approx(ref["glmm"]["estimate"], abs=1e-3)
    assert old.fixed.se.tolist() == pytest.approx(ref["glmm"]["se"], rel=0.01)


# --------------------------------------------------------------------------- exclusions


def test_exclusions_remove_fast_trials_and_check_failers():
    rows = []
    for pid in ("p1", "p2", "p3"):
        rows += [{"participant": pid, "phase": "practice", "item_id": "practice-1", "source": "human",
                  "response": "model" if pid == "p3" else "human", "rt": 0.05}]  # fast practice: never a trial exclusion
        rows += [{"participant": pid, "item_id": f"i{k}", "source": ("human", "model")[k % 2],
                  "response": "human", "rt": 1.0 + k} for k in range(6)]
        rows += [{"participant": pid, "item_id": "check-1", "source": "check", "is_check": True, "expected": "model",
                  "response": "human" if pid == "p1" else "model", "rt": 0.1}]  # p1 fails its check
    trials = make_trials(rows)
    trials.loc[(trials["participant"] == "p2") & trials["item_id"].isin(["i1", "i4"]), "rt"] = [0.15, 0.19]
    trials.loc[(trials["participant"] == "p3") & (trials["item_id"] == "i5"), "rt"] = 30.0

    kept, excluded = apply_exclusions(trials, TuringConfig(min_rt=0.2, max_rt=20.0, max_failed_checks=0))
    assert set(kept["participant"]) == {"p2", "p3"}
    assert (kept["phase"] == "main").all() and not kept["is_check"].any()
    assert sorted(zip(kept["participant"], kept["item_id"])) == sorted(
        [("p2", i) for i in ("i0", "i2", "i3", "i5")] + [("p3", i) for i in ("i0", "i1", "i2", "i3", "i4")])
    part = excluded[excluded["level"] == "participant"]
    assert part[["participant", "reason", "value"]].values.tolist() == [["p1", "failed_attention_checks", 1.0]]
    trial = excluded[excluded["level"] == "trial"].sort_values(["participant", "item_id"])
    assert trial[["participant", "item_id", "reason"]].values.tolist() == [
        ["p2", "i1", "rt_too_fast"], ["p2", "i4", "rt_too_fast"], ["p3", "i5", "rt_too_slow"]]
    assert trial["value"].tolist() == [0.15, 0.19, 30.0]
    assert "0.150 s < min_rt = 0.2 s" in trial["detail"].iloc[0]

    # one failed check allowed: p1 stays; practice accuracy rule drops p3 (0/1 correct)
    kept, excluded = apply_exclusions(trials, TuringConfig(min_rt=0.2, max_failed_checks=1, min_accuracy_practice=0.5))
    assert set(kept["participant"]) == {"p1", "p2"}
    assert excluded.loc[excluded["level"] == "participant", "reason"].tolist() == ["practice_accuracy"]

    results = analyze(trials, TuringConfig(min_rt=0.2, max_rt=20.0, max_failed_checks=0))
    ex = results["exclusions"]
    assert (ex["n_participants_total"], ex["n_participants_excluded"], ex["n_participants_kept"]) == (3, 1, 2)
    assert ex["trials_excluded_by_reason"] == {"rt_too_fast": 2, "rt_too_slow": 1}
    assert (ex["n_main_trials_total"], ex["n_trials_of_excluded_participants"], ex["n_trials_kept"]) == (18, 6, 9)
    assert results["n_trials"] == 9


def test_config_and_input_errors_say_what_to_do():
    with pytest.raises(ValueError, match="min_rt=-1"):
        TuringConfig(min_rt=-1)
    with pytest.raises(ValueError, match="correction='probit'"):
        TuringConfig(correction="probit")
    with pytest.raises(DataError, match="no column"):
        analyze(pd.DataFrame({"participant": ["p1"]}))
    sim = simulate_trials(CohortSpec(seed=1), 2, 4)
    real = sim.assign(run_mode="real", simulated=False, participant=sim["participant"] + "r")
    with pytest.raises(DataError, match="simulated trials are mixed"):
        analyze(pd.concat([sim, real], ignore_index=True))
    fast = sim.assign(rt=0.05)
    with pytest.raises(DataError, match="no main trials are left"):
        analyze(fast)


# --------------------------------------------------------------------------- simulation


def test_simulated_trials_follow_the_schema():
    from psyai.data import TRIAL_SCHEMA

    trials = simulate_trials(CohortSpec(dprime=1.0, seed=5), 4, 10, n_checks=2, n_practice=2, models=("a", "b"))
    assert list(trials.columns) == list(TRIAL_SCHEMA)
    assert len(trials) == 4 * (10 + 2 + 2)
    assert (trials["run_mode"] == "simulated").all() and trials["simulated"].all() and not trials["pilot"].any()
    main_rows = trials[(trials["phase"] == "main") & ~trials["is_check"]]
    assert main_rows.groupby("participant")["item_id"].apply(set).map(len).eq(10).all()  # every item, ids shared
    assert main_rows["source"].value_counts().to_dict() == {"human": 20, "model": 20}
    assert set(main_rows.loc[main_rows["source"] == "model", "model"]) == {"a", "b"}
    assert main_rows.loc[main_rows["source"] == "human", "model"].isna().all()
    checks = trials[trials["is_check"]]
    assert len(checks) == 8 and (checks["correct"] == (checks["response"] == checks["expected"])).all()
    half = simulate_trials(CohortSpec(seed=5), 4, 10, latin_square=True)
    assert half.groupby("participant").size().eq(5).all()
    assert half["item_id"].nunique() == 10  # the two lists together show every version
    again = simulate_trials(CohortSpec(dprime=1.0, seed=5), 4, 10, n_checks=2, n_practice=2, models=("a", "b"))
    pd.testing.assert_frame_equal(trials, again)  # a seed gives the same cohort


def _dprime_ci_covers(seed: int) -> tuple[bool, bool]:
    trials = kept_main(simulate_trials(CohortSpec(dprime=1.2, criterion=0.0, seed=seed), 40, 60))
    g = sdt_group(sdt_participants(trials)).set_index("measure")
    return (bool(g.loc["dprime", "ci_low"] <= 1.2 <= g.loc["dprime", "ci_high"]),
            bool(g.loc["criterion", "ci_low"] <= 0.0 <= g.loc["criterion", "ci_high"]))


def test_parameter_recovery_fixed_seed():
    assert _dprime_ci_covers(2024) == (True, True)


def test_parameter_recovery_coverage_over_seeds():
    covers = np.array([_dprime_ci_covers(seed) for seed in range(20)])
    assert covers[:, 0].mean() >= 0.85, covers[:, 0]
    assert covers[:, 1].mean() >= 0.85, covers[:, 1]


def test_no_effect_is_not_significant_in_most_seeds():
    # all participants at chance (d' = 0, no spread): the exact binomial test keeps its level
    pooled = [accuracy_binomial(kept_main(simulate_trials(CohortSpec(dprime=0.0, dprime_sd=0.0, seed=s), 40, 60)))
              .loc[0, "p_val"] for s in range(20)]
    assert np.mean(np.array(pooled) >= 0.05) >= 0.80
    # participants vary around d' = 0 (SD 0.3): pooled trials are overdispersed, so the
    # binomial test over-rejects (about 15% in 200 seeds); the t test over participants does not
    ttests = [accuracy_ttest(participant_accuracy(kept_main(simulate_trials(CohortSpec(dprime=0.0, seed=s), 40, 60))))
              .loc[0, "p_val"] for s in range(20)]
    assert np.mean(np.array(ttests) >= 0.05) >= 0.80


def test_glmm_recovers_sensitivity_sign():
    trials = kept_main(simulate_trials(CohortSpec(dprime=1.2, criterion=0.3, item_sd=0.3, seed=7), 40, 60))
    fit, _ = fit_source_glmm(trials)
    # probit d' = 1.2 is about 1.7 * 1.2 = 2.0 on the logit scale; c = 0.3 (bias toward "human") makes the
    # intercept positive, about 1.7 * 0.3: the same sign convention as c
    source, intercept = fit.term("source"), fit.term("(Intercept)")
    assert source["ci_low"] > 1.2 and source["estimate"] == pytest.approx(2.0, abs=0.4)
    assert intercept["estimate"] == pytest.approx(0.5, abs=0.3)


# --------------------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    trials = simulate_trials(CohortSpec(dprime=1.0, criterion=0.1, item_sd=0.3, check_lapse=0.03, seed=11), 24, 40,
                             n_checks=2, n_practice=2, models=("model-a", "model-b"))
    results = analyze(trials, TuringConfig())
    out = tmp_path_factory.mktemp("turing_out")
    paths = write_results(results, out)
    return results, paths


def test_results_json_is_strict_and_complete(written):
    results, paths = written
    text = paths["json"].read_text(encoding="utf-8")

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(text, parse_constant=no_constants)
    for key in ("n_participants", "n_trials", "accuracy", "binomial_p", "dprime", "criterion", "judged_human_rate",
                "glmm", "type2_auc", "rt", "exclusions", "run_modes", "method", "settings"):
        assert key in data, key
    for key in ("accuracy", "dprime", "criterion"):
        assert {"estimate", "ci_low", "ci_high"} <= set(data[key])
        assert data[key]["ci_low"] <= data[key]["estimate"] <= data[key]["ci_high"]
    assert set(data["judged_human_rate"]) == {"human", "model"}
    for rate in data["judged_human_rate"].values():
        assert {"estimate", "ci_low", "ci_high", "n"} <= set(rate)
    assert data["run_modes"] == {"simulated": int(results["run_modes"]["simulated"])}
    assert data["glmm"]["fitted"] and {"estimate", "se", "ci_low", "ci_high"} <= set(data["glmm"]["source"])
    assert data["settings"]["min_rt"] == 0.2 and data["settings"]["correction"] == "loglinear"
    assert "Hautus" in data["method"]["sdt"] and "Baayen" in data["method"]["glmm"]
    assert data["n_trials"] == data["exclusions"]["n_trials_kept"]


def test_results_json_writes_null_for_undefined_values(tmp_path):
    # one participant: no t test, no participant-clustered interval -> null, not NaN
    trials = simulate_trials(CohortSpec(dprime=1.0, seed=3), 1, 20)
    paths = write_results(analyze(trials), tmp_path)
    data = json.loads(paths["json"].read_text(), parse_constant=lambda c: pytest.fail(c))
    assert data["dprime"]["ci_low"] is None and data["accuracy"]["ci_low"] is not None


def test_report_html_has_figures_sentences_and_banner(written):
    results, paths = written
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count("<img src=\"data:image/png;base64,") + page.count("<svg") >= 4
    assert "SIMULATED DATA" in page
    for name, sentence in results["sentences"].items():
        assert html.escape(sentence) in page, name
    acc = results["sentences"]["accuracy"]
    assert acc.startswith("Mean participant accuracy was ") and "exact binomial p" in acc
    assert "Baayen, Davidson &amp; Bates, 2008" in page and "Barr, Levy" in page and "Laplace" in page
    assert "t(" in results["sentences"]["sdt"] and "95% CI [" in results["sentences"]["sdt"]


# --------------------------------------------------------------------------- command line


def test_command_line_end_to_end(tmp_path, capsys):
    data = tmp_path / "data" / "turing_test"
    trials = simulate_trials(CohortSpec(dprime=1.0, seed=21), 6, 20, n_checks=1)
    write_session_logs(trials, data)
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--min-rt", "0.3", "--max-failed-checks", "1"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(out / "report.html") and Path(printed).exists()
    saved = json.loads((out / "results.json").read_text())
    assert saved["settings"]["min_rt"] == 0.3 and saved["settings"]["max_failed_checks"] == 1
    assert "--min-rt 0.3" in saved["command_line"]
    assert saved["n_participants"] <= 6 and saved["run_modes"] == {"simulated": len(trials)}


def test_command_line_errors_are_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "empty" in err and "\n" not in err
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert "no such data folder" in err and "\n" not in err


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory):
    """Eight simulated sessions: the first killed after 5 main trials (no end record), the second stopped
    with Escape after 12 (end record 'aborted'), the rest completed."""
    from tests.helpers import stop_session_early

    data = tmp_path_factory.mktemp("unfinished") / "turing_test"
    logs = write_session_logs(simulate_trials(CohortSpec(dprime=1.0, seed=8), 8, 20, n_checks=1), data)
    headers = [json.loads(log.read_text(encoding="utf-8").split("\n")[0]) for log in logs]
    stop_session_early(logs[0], 5)
    stop_session_early(logs[1], 12, "aborted")
    return data, [h["participant"] for h in headers[:2]], len(headers[0]["trial_order"])


def test_unfinished_sessions_are_named_and_kept_by_default(unfinished, tmp_path, capsys):
    data, (killed, aborted), planned = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--max-failed-checks", "1"]) == 0
    saved = json.loads((out / "results.json").read_text())
    s = saved["sessions"]
    assert saved["settings"]["exclude_incomplete"] is False and s["excluded"] is False
    assert (s["n_sessions"], s["n_unfinished"], s["n_trials_unfinished"]) == (8, 2, 17)
    assert [(u["participant"], u["session"], u["session_status"], u["n_trials"], u["n_planned"])
            for u in s["unfinished"]] == [(killed, 1, "incomplete", 5, planned), (aborted, 1, "aborted", 12, planned)]
    # their trials are analysed
    assert {killed, aborted} <= {r["participant"] for r in saved["tables"]["accuracy_participants"]}
    sentence = (f"2 sessions of 8 did not run to the end: {killed} session 1 (no end record: killed or crashed, "
                f"not resumed; 5 of {planned} main trials); {aborted} session 1 (aborted: the participant stopped "
                f"it with Escape; 12 of {planned} main trials). Their 17 main trials are included (the default")
    assert s["sentence"].startswith(sentence) and saved["sentences"]["sessions"] == s["sentence"]
    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert sentence in report and "exclude_incomplete = off" in report


def test_exclude_incomplete_leaves_out_killed_and_aborted_sessions(unfinished, tmp_path, capsys):
    data, (killed, aborted), planned = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--out", str(out), "--max-failed-checks", "1", "--exclude-incomplete"]) == 0
    saved = json.loads((out / "results.json").read_text())
    s = saved["sessions"]
    assert saved["settings"]["exclude_incomplete"] is True and s["excluded"] is True
    assert (s["n_sessions"], s["n_unfinished"]) == (8, 2)  # what was left out is still named
    assert not {killed, aborted} & {r["participant"] for r in saved["tables"]["accuracy_participants"]}
    assert saved["exclusions"]["n_participants_total"] == 6
    assert "They were left out with their 17 main trials (--exclude-incomplete)." in s["sentence"]
    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert s["sentence"] in report and "exclude_incomplete = on" in report
    assert "--exclude-incomplete" in saved["command_line"]


def test_completed_sessions_and_tables_without_status_are_said_so():
    trials = simulate_trials(CohortSpec(dprime=1.0, seed=9), 4, 12)
    assert "session_status" not in trials
    res = analyze(trials)
    assert res["sessions"]["n_sessions"] is None and "not known" in res["sentences"]["sessions"]
    with pytest.raises(DataError, match="--exclude-incomplete needs to know how each session ended.*no "
                                        "session_status column.*or leave the option out"):
        analyze(trials, TuringConfig(exclude_incomplete=True))
    done = trials.assign(session_status="completed")  # sessions told apart by participant and session
    assert analyze(done)["sentences"]["sessions"].startswith("All 4 sessions ran to the end")
    stopped = done.assign(session_status="aborted")
    with pytest.raises(DataError, match="no session ran to the end, so --exclude-incomplete leaves nothing"):
        analyze(stopped, TuringConfig(exclude_incomplete=True))


def test_script_runs_from_the_repository_root(tmp_path):
    data = tmp_path / "d"
    write_session_logs(simulate_trials(CohortSpec(seed=4), 3, 10), data)
    proc = subprocess.run([sys.executable, "analysis/turing_test.py", str(data), "--out", str(tmp_path / "o")],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("report.html")


def test_models_are_reported_by_their_display_names():
    rows = []
    for pid, answers in (("p1", ["human", "model", "human"]), ("p2", ["human", "human", "model"])):
        for k, (src, model, name) in enumerate([("human", None, None), ("model", "/lab/x/run3", "run3@0a1b2c3d"),
                                                 ("model", "/lab/y/base", "base-model")]):
            rows.append({"participant": pid, "item_id": f"i{k}", "source": src, "model": model, "model_name": name,
                         "response": answers[k]})
    by_model = judged_human_rate(make_trials(rows), "model").set_index("group")
    assert by_model.index.tolist() == ["human", "base-model", "run3@0a1b2c3d"]  # never a file path
    assert by_model.loc["run3@0a1b2c3d", ["n", "n_judged_human"]].tolist() == [2, 1]


def test_one_participant_reads_without_na_and_with_the_right_plurals():
    trials = simulate_trials(CohortSpec(dprime=1.0, seed=4), 1, 20)
    results = analyze(trials, TuringConfig())
    text = " ".join(results["sentences"].values())
    assert "NA" not in text.replace("NAN", "") and "1 participants" not in text and "1 trials" not in text
    assert "no t test (it needs at least two participants)" in results["sentences"]["accuracy"]
    assert "no interval" in results["sentences"]["accuracy"]
    assert "from 1 participant." in results["sentences"]["exclusions"]


def test_languages_are_reported_apart_and_one_can_be_chosen(tmp_path):
    en = simulate_trials(CohortSpec(dprime=1.5, seed=1), 6, 16, lang="en")
    ja = simulate_trials(CohortSpec(dprime=0.0, seed=2), 5, 16, lang="ja", first_participant=6)
    both = pd.concat([en, ja], ignore_index=True)
    results = analyze(both, TuringConfig())
    assert results["languages"] == {"en": 96, "ja": 80}
    by_lang = {r["lang"]: r for r in results["by_language"]}
    assert by_lang["en"]["accuracy"] > by_lang["ja"]["accuracy"] + 0.1  # what pooling would hide
    assert by_lang["en"]["n_participants"] == 6 and by_lang["ja"]["n_trials"] == 80
    assert "pool sessions in English and Japanese" in results["sentences"]["languages"]
    # each language's inference is across participants (the pooled-trials binomial is kept beside it)
    for lang, d in both.groupby("lang"):
        per = (d["response"] == d["source"]).groupby(d["participant"]).mean()
        assert by_lang[lang]["mean_accuracy"] == pytest.approx(per.mean())
        assert by_lang[lang]["dof"] == per.size - 1
    assert "mean participant accuracy" in results["sentences"]["languages"]
    assert "t(5) = " in results["sentences"]["languages"] and "t(4) = " in results["sentences"]["languages"]
    jh = results["sentences"]["judged_human_rate"]
    assert jh.startswith("Model-written texts were judged human by a mean of")
    assert jh.index("t interval over") < jh.index("Clopper–Pearson")
    # items are told apart by language even where two sets share an id
    assert len(results["tables"]["items"]) == 32
    only = analyze(both, TuringConfig(lang="ja"))
    assert only["languages"] == {"ja": 80} and only["n_participants"] == 5
    assert only["sentences"]["languages"] == "Every session was in Japanese."
    with pytest.raises(DataError, match="no sessions in language 'en' .* choose another --lang"):
        analyze(ja, TuringConfig(lang="en"))
    with pytest.raises(ValueError, match="lang='fr'"):
        TuringConfig(lang="fr")


def test_report_has_methods_items_figure_files_and_versions(written):
    results, paths = written
    page = paths["html"].read_text(encoding="utf-8")
    for section in ("<h2>Methods</h2>", "<h2>Items</h2>"):
        assert section in page
    assert "Software: psyai" in results["sentences"]["methods"] and "Exclusions: min_rt = 0.2 s" in page
    footer = page[page.index("<footer>"):]
    assert f"psyai {results['versions']['psyai']}" in footer and "scipy" in footer
    figures = sorted(p.name for p in (paths["html"].parent / "figures").iterdir())
    assert len(figures) == 8 and sum(f.endswith(".svg") for f in figures) == 4
    assert all((paths["html"].parent / "figures" / f).stat().st_size > 1000 for f in figures)
    items = json.loads(paths["json"].read_text(encoding="utf-8"))["tables"]["items"]
    assert {r["source"] for r in items} == {"human", "model"} and all(0 <= r["judged_human"] <= 1 for r in items)


# --------------------------------------------------------------------------- what the report says (issue 11)


@pytest.fixture(scope="module")
def ref_results(ref_trials):
    return analyze(ref_trials)


def test_accuracy_headline_is_participant_level_and_the_trial_level_one_is_labelled(ref_results):
    acc = ref_results["sentences"]["accuracy"]
    at, a = ref_results["accuracy_ttest"], ref_results["accuracy"]
    # the clustered (participant-level) result leads; the pooled one follows, said to treat trials as independent
    assert acc.startswith(f"Mean participant accuracy was {at['mean'] * 100:.1f}%, 95% CI [")
    first, rest = acc.split(". Treating the 1,200 trials as independent (which overstates the precision when "
                            "participants differ), ")
    assert "t(29) = " in first and "exact binomial" not in first
    assert rest.startswith(f"{a['estimate'] * 100:.1f}% of trials were correct") and "exact binomial p" in rest
    assert "trials treated as independent" in ref_results["sentences"]["methods"]
    assert ref_results["method"]["accuracy"].startswith("Headline: each participant's proportion correct")


def test_per_participant_tests_are_descriptive_with_holm(ref_results, written):
    pt = ref_results["participant_tests"]
    holm_p, raw_p = np.array(HOLM_REF["holm"]), np.array(HOLM_REF["p"])  # R: p.adjust(p, "holm")
    assert (pt["n"], pt["n_significant"], pt["n_significant_holm"]) == (
        30, int((raw_p < 0.05).sum()), int((holm_p < 0.05).sum()))
    assert pt["n_significant"] > pt["n_significant_holm"]  # the correction matters on this cohort (12 vs 1)
    assert ref_results["sentences"]["accuracy"].endswith(
        f"Descriptively, {pt['n_significant']} of 30 per-participant binomial tests had p < .05 uncorrected and "
        f"{pt['n_significant_holm']} after Holm correction across participants.")
    page = written[1]["html"].read_text(encoding="utf-8")
    participants = page[page.index("<h2>Participants</h2>"):page.index("<h2>Items</h2>")]
    assert "Per participant — descriptive" in participants and "uncorrected" in participants
    assert "<th>p_val_descriptive</th>" in participants and "<th>p_holm</th>" in participants
    assert "<th>p_val</th>" not in participants


def test_every_bias_number_follows_one_sign_convention(ref_results, written):
    """c > 0 = bias toward "human"; the GLMM models 'human' judgments, so its intercept has the same sign."""
    g = ref_results["glmm"]
    assert g["bias_toward_human"] == g["intercept"]
    # on this cohort c and the GLMM bias agree in sign (both slightly toward "human"), as they should
    assert ref_results["criterion"]["estimate"] > 0 and g["intercept"]["estimate"] > 0
    glmm = ref_results["sentences"]["glmm"]
    assert "the intercept (bias; > 0 toward 'human', as c) was b = 0.08" in glmm
    assert "toward \"model\"" not in glmm and "toward 'model'" not in glmm
    assert 'mean criterion c (bias toward "human") = 0.08' in ref_results["sentences"]["sdt"]
    methods = ref_results["sentences"]["methods"]
    assert methods.count("Sign convention: ") == 1 and 'criterion c > 0' in methods
    assert "> 0 toward 'human', as c > 0" in ref_results["method"]["glmm"]


def test_cohens_d_is_named_d_z_everywhere(ref_results, written):
    for key in ("accuracy_ttest", "dprime", "criterion", "type2_auc"):
        assert "cohen_dz" in ref_results[key] and "cohen_d" not in ref_results[key], key
    assert "cohen_dz" in ref_results["tables"]["sdt_group"].columns
    for name, sentence in ref_results["sentences"].items():
        assert ", d = " not in sentence, name
    assert ref_results["sentences"]["accuracy"].count("Cohen's d_z = ") == 1
    assert ref_results["sentences"]["sdt"].count("Cohen's d_z = ") == 2
    assert "Cohen's d_z" in ref_results["method"]["accuracy_ttest"] and "Cohen's d =" not in \
        " ".join(ref_results["method"].values())
    page = written[1]["html"].read_text(encoding="utf-8")
    assert "<th>cohen_dz</th>" in page and "<th>cohen_d</th>" not in page


# --------------------------------------------------------------------------- verdicts imported from published studies


def published_verdicts(path: Path, seed: int = 1) -> pd.DataFrame:
    """A table of game verdicts in the layout of a published Turing-test study (simulated: no real data):
    30 interrogators x 6 two-party games, a verdict and a signed confidence (-100 = sure it was an AI,
    100 = sure it was a human), the witness's true source (Human/AI) and the AI witness's model."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(30):
        for k in range(6):
            source = rng.choice(["Human", "AI"])
            model = str(rng.choice(["gpt-4", "eliza"])) if source == "AI" else ""
            p_human = 0.65 if source == "Human" else (0.5 if model == "gpt-4" else 0.2)
            says_human = bool(rng.random() < p_human)
            correct = says_human == (source == "Human")
            size = int(np.clip(rng.normal(60 if correct else 40, 25), 1, 100))
            rows.append({"game_id": f"g{i:02d}{k}", "interrogator": f"i{i:02d}", "verdict": "Human" if says_human
                         else "AI", "confidence": size if says_human else -size, "witness_type": source,
                         "model": model})
    table = pd.DataFrame(rows)
    table.to_csv(path, index=False)
    return table


def import_verdicts(src: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", "import", "turing-judgments", str(src), "--out",
                           str(out), "--game", "game_id", "--source", "witness_type", *flags],
                          capture_output=True, text=True, timeout=120, cwd=REPO)


def test_imported_verdicts_run_through_the_analysis_end_to_end(tmp_path, capsys):
    games = published_verdicts(tmp_path / "games.csv")
    res = import_verdicts(tmp_path / "games.csv", tmp_path / "imported", "--confidence-scale=-100,100")
    assert res.returncode == 0, res.stderr
    assert "confidence on psyai's 1-6 scale left empty, so psyai analyze turing_test computes no type-2 ROC" in \
        res.stdout
    trials = pd.read_csv(tmp_path / "imported" / "trials.csv")
    assert len(trials) == 180 and trials["confidence"].isna().all() and trials["rt"].isna().all()
    assert trials["source_line"].tolist() == list(range(2, 182))  # file order, header on line 1
    assert trials["certainty"].tolist() == pytest.approx((games["confidence"].abs() / 100).tolist())
    assert trials.loc[trials["source"] == "human", "model"].isna().all()
    out = tmp_path / "out"
    assert main([str(tmp_path / "imported"), "--out", str(out)]) == 0
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(c))
    # the numbers are those of the published table, computed here without psyai
    correct = (games["verdict"] == games["witness_type"])
    assert saved["n_participants"] == 30 and saved["n_trials"] == 180 and saved["run_modes"] == {"real": 180}
    assert saved["accuracy"]["estimate"] == pytest.approx(correct.mean())
    assert saved["accuracy_ttest"]["mean"] == pytest.approx(correct.groupby(games["interrogator"]).mean().mean())
    said_human = games["verdict"] == "Human"
    for source, rows in (("model", games["witness_type"] == "AI"), ("human", games["witness_type"] == "Human")):
        assert saved["judged_human_rate"][source]["n_judged_human"] == int(said_human[rows].sum())
    for model in ("gpt-4", "eliza"):
        assert saved["judged_human_rate_by_model"][model]["estimate"] == pytest.approx(
            said_human[games["model"] == model].mean())
    # confidence kept on its own scale: no type-2 ROC, and the report says why; no response times either
    assert saved["type2_auc"]["n_trials_rated"] == 0 and saved["type2_auc"]["pooled_auc"] is None
    assert saved["sentences"]["type2_auc"].startswith("Type-2 ROC areas were not computed: no trial has a "
                                                      "confidence on the 1-6 scale")
    assert saved["sentences"]["rt"].startswith("No response times were recorded")
    assert "Median response time was ." not in (out / "report.html").read_text(encoding="utf-8")
    # the CSV itself, beside its import report, is read the same way
    capsys.readouterr()
    assert main([str(tmp_path / "imported" / "trials.csv"), "--out", str(tmp_path / "out2")]) == 0


def test_confidence_bins_map_certainty_onto_1_to_6_and_the_auc_is_mann_whitneys(tmp_path):
    from scipy import stats

    games = published_verdicts(tmp_path / "games.csv", seed=2)
    res = import_verdicts(tmp_path / "games.csv", tmp_path / "imported", "--confidence-scale=-100,100",
                          "--confidence-map", "bins")
    assert res.returncode == 0, res.stderr
    assert "confidence mapped onto 1-6 in six equal bins" in res.stdout
    trials = pd.read_csv(tmp_path / "imported" / "trials.csv")
    # by hand: |confidence| 1-16 -> 1, 17-33 -> 2, 34-49 -> 3, 50-66 -> 4, 67-83 -> 5, 84-100 -> 6
    size = games["confidence"].abs()
    expected = np.select([size < 100 / 6, size < 200 / 6, size < 50, size < 400 / 6, size < 500 / 6], [1, 2, 3, 4, 5], 6)
    assert trials["confidence"].tolist() == expected.tolist()
    assert set(trials["confidence"]) <= set(range(1, 7))
    from analysis.turing_test import load_trials

    results = analyze(load_trials(tmp_path / "imported"), TuringConfig())
    ok = trials["response"] == trials["source"]
    u = stats.mannwhitneyu(trials.loc[ok, "confidence"], trials.loc[~ok, "confidence"]).statistic
    assert results["type2_auc"]["pooled_auc"] == pytest.approx(u / (ok.sum() * (~ok).sum()), rel=1e-12)
    assert results["type2_auc"]["n_trials_rated"] == 180
    assert results["sentences"]["type2_auc"].startswith("Confidence discriminated correct from incorrect answers")


def test_imported_verdicts_unsigned_confidence_drops_and_refusals(tmp_path):
    src = tmp_path / "v.jsonl"
    src.write_text('{"game": "a", "interrogator": "p1", "verdict": "AI", "confidence": 80, "source": "model"}\n'
                   '{"game": "b", "interrogator": "p1", "verdict": "", "confidence": 50, "source": "human"}\n'
                   '{"game": "c", "interrogator": "p2", "verdict": "human", "confidence": 0, "source": null}\n'
                   '{"game": "d", "interrogator": "p2", "verdict": "Human", "confidence": 25, "source": "Human", '
                   '"model": "ignored for humans"}\n', encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "import", "turing-judgments", str(src), "--out",
                          str(tmp_path / "o"), "--confidence-scale", "0,100"], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert res.returncode == 0, res.stderr
    t = pd.read_csv(tmp_path / "o" / "trials.csv")
    assert t[["item_id", "response", "source", "certainty", "trial_index", "source_line"]].values.tolist() == [
        ["a", "model", "model", 0.8, 0, 1], ["d", "human", "human", 0.25, 0, 4]]
    assert t.loc[t["source"] == "human", "model"].isna().all()  # a human witness has no model
    report = json.loads((tmp_path / "o" / "import_report.json").read_text())
    assert report["dropped"]["by_reason"] == {"no verdict": 1, "no true source of the witness": 1}
    assert report["settings"]["confidence_scale"] == "0,100" and report["settings"]["confidence_map"] == "none"

    def refused(content: str, *flags: str) -> str:
        f = tmp_path / "bad.csv"
        f.write_text(content, encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", "psyai.cli", "import", "turing-judgments", str(f), "--out",
                            str(tmp_path / "bad"), *flags], capture_output=True, text=True, timeout=120, cwd=REPO)
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        return r.stderr
    head = "game,interrogator,verdict,confidence,source\n"
    assert "line 1: the column 'confidence' holds confidence, but its scale is not given; give --confidence-scale" \
        in refused(head + "a,p,AI,80,AI\n")
    assert "line 2: field 'verdict' is 'robot'; give human, or AI" in refused(head + "a,p,robot,80,AI\n",
                                                                            "--confidence-scale", "0,100")
    assert "line 2: the verdict 'AI' and the signed confidence 40 disagree (positive means human)" in refused(
        head + "a,p,AI,40,AI\n", "--confidence-scale=-100,100")
    assert "line 2: field 'confidence' is 120, outside --confidence-scale 0,100" in refused(
        head + "a,p,AI,120,AI\n", "--confidence-scale", "0,100")
    assert "a signed scale must be symmetric around 0" in refused(head + "a,p,AI,-40,AI\n",
                                                                 "--confidence-scale=-50,100")
    assert "no column 'game'" in refused("transcript,interrogator,verdict,source\nt,p,AI,AI\n")
    assert "no verdict column 'verdict'" in refused("game,interrogator,confidence,source\na,p,80,AI\n",
                                                    "--confidence-scale", "0,100")
    # a signed confidence alone is the verdict (positive = --positive), 0 is none
    f = tmp_path / "signed.csv"
    f.write_text("game,interrogator,confidence,source\na,p,-30,AI\nb,p,0,AI\nc,p,60,Human\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "psyai.cli", "import", "turing-judgments", str(f), "--out",
                        str(tmp_path / "s"), "--confidence-scale=-100,100", "--positive", "ai"],
                       capture_output=True, text=True, timeout=120, cwd=REPO)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "s" / "trials.csv")
    assert t["response"].tolist() == ["human", "model"] and t["item_id"].tolist() == ["a", "c"]


def test_load_trials_reads_sessions_through_psyai_data_load(tmp_path, monkeypatch):
    import psyai.data
    from analysis.turing_test import load_trials

    calls = {}
    monkeypatch.setattr(psyai.data, "load", lambda path, experiment, include_pilot: calls.setdefault(
        "args", (Path(path), experiment, include_pilot)))
    (tmp_path / "data" / "sub-1").mkdir(parents=True)
    load_trials(tmp_path / "data", include_pilot=True)
    assert calls["args"] == (tmp_path / "data", "turing_test", True)
    # a folder with an import report of another kind is not read as imported verdicts
    other = tmp_path / "other"
    other.mkdir()
    (other / "trials.csv").write_text("participant\n", encoding="utf-8")
    (other / "import_report.json").write_text('{"kind": "labels"}', encoding="utf-8")
    calls.clear()
    load_trials(other)
    assert calls["args"][0] == other

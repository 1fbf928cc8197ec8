"""psyai.stats.sdt against R (qnorm for d' and c, pROC::auc for the type-2 AUC; values in
reference/turing_reference.json) and against closed forms of Macmillan & Creelman (2005)."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from psyai.stats.sdt import dprime_criterion, sdt_rates, sdt_table, type2_auc, type2_roc

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "turing_reference.json").read_text())
Z = NormalDist().inv_cdf  # standard-library normal quantile, independent of scipy


def test_dprime_and_criterion_match_r_and_closed_forms():
    h, f = 21.5 / 26, 8.5 / 31  # log-linear correction (Hautus, 1995)
    dp, c = dprime_criterion(21, 25, 8, 30)
    assert dp == pytest.approx(REF["dprime_21_25_8_30"]["dprime"], rel=1e-12)  # R: qnorm(21.5/26) - qnorm(8.5/31)
    assert c == pytest.approx(REF["dprime_21_25_8_30"]["criterion"], rel=1e-12)
    assert (dp, c) == pytest.approx((Z(h) - Z(f), -(Z(h) + Z(f)) / 2), rel=1e-12)
    dp, c = dprime_criterion(30, 30, 0, 30)
    assert dp == pytest.approx(REF["dprime_30_30_0_30"]["dprime"], rel=1e-12) and c == pytest.approx(0, abs=1e-12)
    phi = NormalDist().cdf  # H = Phi(0.2), F = Phi(-0.8): d' = 1, c = 0.3 exactly
    assert dprime_criterion(100 * phi(0.2), 100, 100 * phi(-0.8), 100, "none") == pytest.approx((1.0, 0.3), abs=1e-12)
    assert dprime_criterion(30, 30, 0, 30, "1/2n")[0] == pytest.approx(Z(59 / 60) - Z(1 / 60), rel=1e-12)
    hr, fr = sdt_rates(np.array([3, 0]), np.array([4, 0]), np.array([1, 2]), np.array([4, 4]))
    assert hr[0] == pytest.approx(3.5 / 5) and np.isnan(hr[1]) and fr.tolist() == pytest.approx([1.5 / 5, 2.5 / 5])
    with pytest.raises(ValueError, match="use one of"):
        sdt_rates(1, 2, 1, 2, correction="probit")


def test_sdt_table_per_participant_matches_r():
    d = pd.read_csv(REF_DIR / "turing_trials.csv")
    d["signal"], d["said_signal"] = d["source"] == "model", d["response"] == "model"
    out = sdt_table(d, "signal", "said_signal").set_index("participant")
    r = REF["cohort"]
    assert out["dprime"].to_dict() == pytest.approx(r["dprime"], rel=1e-10)
    assert out["criterion"].to_dict() == pytest.approx(r["criterion"], rel=1e-10, abs=1e-12)
    assert (out["n_signal"] + out["n_noise"]).sum() == r["n_trials"]


def test_sdt_table_counts_by_hand():
    d = pd.DataFrame({"p": ["x"] * 8, "signal": [True] * 4 + [False] * 4,
                      "said": [True, True, True, False, True, False, False, False]})
    out = sdt_table(d, "signal", "said", by="p").iloc[0]
    assert (out["hits"], out["n_signal"], out["false_alarms"], out["n_noise"]) == (3, 4, 1, 4)
    assert (out["hit_rate"], out["fa_rate"]) == (0.75, 0.25)
    assert out["dprime"] == pytest.approx(Z(0.7) - Z(0.3)) and out["criterion"] == pytest.approx(0, abs=1e-12)


def test_type2_auc_matches_pROC_by_hand_and_on_the_cohort():
    r = REF["auc_small"]  # correct rated 6, 5, 4, 2; incorrect 3, 2, 1: AUC = 10.5 / 12 (pROC: 0.875)
    d = pd.DataFrame({"participant": "p1", "correct": r["correct"], "confidence": r["confidence"]})
    auc = type2_auc(d, "correct", "confidence", levels=range(1, 7))
    assert auc.loc[0, "auc"] == pytest.approx(r["auc"]) == pytest.approx(10.5 / 12)
    assert (auc.loc[0, "n_correct"], auc.loc[0, "n_incorrect"]) == (4, 3)
    roc = type2_roc(d, "correct", "confidence", levels=range(1, 7))
    p1 = roc[roc["unit"] == "participant"]
    assert p1["threshold"].tolist() == [7, 6, 5, 4, 3, 2, 1]
    assert p1["hit_rate2"].tolist() == pytest.approx([0, 1 / 4, 2 / 4, 3 / 4, 3 / 4, 1, 1])
    assert p1["fa_rate2"].tolist() == pytest.approx([0, 0, 0, 0, 1 / 3, 2 / 3, 1])
    cohort = pd.read_csv(REF_DIR / "turing_trials.csv")
    cohort["correct"] = cohort["response"] == cohort["source"]
    auc = type2_auc(cohort, "correct", "confidence", levels=range(1, 7))
    per = auc[auc["unit"] == "participant"].set_index("participant")["auc"]
    assert per.to_dict() == pytest.approx(REF["cohort"]["type2_auc"], rel=1e-10)
    assert auc.loc[auc["unit"] == "pooled", "auc"].iloc[0] == pytest.approx(REF["cohort"]["type2_pooled"], rel=1e-10)
    # no errors: no type-2 AUC
    perfect = pd.DataFrame({"participant": "p2", "correct": [True, True], "confidence": [3, 5]})
    assert np.isnan(type2_auc(perfect, "correct", "confidence").loc[0, "auc"])


def test_dprime_and_criterion_by_hand_in_every_correction():
    # log-linear correction (Hautus, 1995): H = (21 + .5) / (25 + 1), F = (8 + .5) / (30 + 1)
    h, f = 21.5 / 26, 8.5 / 31
    dp, c = dprime_criterion(21, 25, 8, 30)
    assert dp == pytest.approx(Z(h) - Z(f), rel=1e-12)
    assert c == pytest.approx(-(Z(h) + Z(f)) / 2, rel=1e-12)
    # R: qnorm(21.5/26) - qnorm(8.5/31) = 1.542255
    assert dp == pytest.approx(REF["dprime_21_25_8_30"]["dprime"], rel=1e-12)
    assert c == pytest.approx(REF["dprime_21_25_8_30"]["criterion"], rel=1e-12)
    # a perfect participant stays finite: R qnorm(30.5/31) - qnorm(.5/31) = 4.282396
    dp, c = dprime_criterion(30, 30, 0, 30)
    assert dp == pytest.approx(REF["dprime_30_30_0_30"]["dprime"], rel=1e-12)
    assert c == pytest.approx(0.0, abs=1e-12)
    # closed form without correction: H = Phi(1), F = Phi(-1) -> d' = 2, c = 0;
    # H = Phi(0.5), F = Phi(-0.5) shifted by c = 0.3 -> H = Phi(0.2), F = Phi(-0.8)
    phi = NormalDist().cdf
    dp, c = dprime_criterion(100 * phi(1.0), 100, 100 * phi(-1.0), 100, correction="none")
    assert (dp, c) == pytest.approx((2.0, 0.0), abs=1e-12)
    dp, c = dprime_criterion(100 * phi(0.2), 100, 100 * phi(-0.8), 100, correction="none")
    assert (dp, c) == pytest.approx((1.0, 0.3), abs=1e-12)
    # Macmillan & Kaplan (1985) 1/(2N): 30/30 -> 1 - 1/60, 0/30 -> 1/60
    dp, _ = dprime_criterion(30, 30, 0, 30, correction="1/2n")
    assert dp == pytest.approx(Z(59 / 60) - Z(1 / 60), rel=1e-12)
    assert np.isinf(dprime_criterion(30, 30, 0, 30, correction="none")[0])
    # vectorised, NaN where a participant saw no texts of one source
    dps, _ = dprime_criterion(np.array([21, 3]), np.array([25, 0]), np.array([8, 1]), np.array([30, 4]))
    assert dps[0] == pytest.approx(REF["dprime_21_25_8_30"]["dprime"]) and np.isnan(dps[1])
    with pytest.raises(ValueError, match="use one of"):
        dprime_criterion(1, 2, 1, 2, correction="probit")

"""Each kit's judged effect (psyai.replication.effects) against the analysis script, a closed form or a hand count."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pandas as pd
import pytest

from psyai.errors import PsyaiError
from psyai.participants.observers import CohortSpec
from psyai.participants.synthetic import simulate_trials, write_session_logs
from psyai.replication.effects import (
    EXTRACTORS, accuracy_effect, group_effect, one_group_test, saliency_attention_effect, surprisal_slope_effect,
    win_rate_effect, word_surprisal,
)
from psyai.replication.kit import list_kits, load_kit
from psyai.replication.power import _reading_slope, _synthetic_reading, _words, surprisal_measures
from psyai.study import script_path


def test_every_kit_names_an_extractor():
    for kit_id in list_kits():
        assert load_kit(kit_id).effect["name"] in EXTRACTORS


def test_turing_accuracy_matches_the_analysis_script(tmp_path):
    """group_effect on a session folder = analysis/turing_test.py's accuracy_ttest (mean − .5, its t) on the same
    folder, the script run as a researcher runs it."""
    kit = load_kit("turing_text")
    spec = CohortSpec(dprime=0.8, criterion=0.2, seed=3)
    data = tmp_path / "data" / "turing_test"
    write_session_logs(simulate_trials(spec, 12, 20, 3), data, spec=spec)
    mine = group_effect(kit, data)
    env = {**os.environ, "PYTHONPATH": str(script_path("analysis", "turing_test").parents[1])}
    subprocess.run([sys.executable, str(script_path("analysis", "turing_test")), str(data), "--out",
                    str(tmp_path / "out")], check=True, env=env, capture_output=True, text=True)
    ref = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["accuracy_ttest"]
    assert ref["n"] == mine.n == 12
    assert mine.estimate == pytest.approx(ref["mean"] - 0.5, abs=1e-12)
    assert mine.estimate / mine.se == pytest.approx(ref["t"], rel=1e-9)
    assert mine.dof == ref["dof"] == 11
    test = one_group_test(mine, "positive")
    assert test["p_val"] == pytest.approx(ref["p_val"] / 2, rel=1e-6)  # one-sided half the two-sided p (t > 0)


def test_accuracy_effect_by_hand():
    rows = []
    for p, answers in (("a", ["human", "model", "model", "model"]), ("b", ["human", "human", "model", "model"])):
        for k, (src, resp) in enumerate(zip(["human", "model", "human", "model"], answers)):
            rows.append({"participant": p, "phase": "main", "is_check": False, "source": src, "response": resp})
    rows.append({"participant": "a", "phase": "main", "is_check": True, "source": "check", "response": "human"})
    rows.append({"participant": "b", "phase": "practice", "is_check": False, "source": "human", "response": "model"})
    eff = accuracy_effect(pd.DataFrame(rows))
    # a: 3/4 correct, b: 2/4 → .25 and 0 → mean .125, SD .1768, SE .125
    assert eff.estimate == pytest.approx(0.125)
    assert eff.se == pytest.approx(0.125)
    assert (eff.n, eff.dof, eff.n_trials) == (2, 1.0, 8)


def test_surprisal_slope_recovers_the_expected_slope(tmp_path, tiny):
    """Synthetic readers (the script's ReadingObserver) with a known log-scale weight: the participant-level
    slope in ms per bit is the closed-form expected slope, within 3 SE."""
    kit = load_kit("surprisal_reading")
    csv = surprisal_measures(kit, tiny, tmp_path / "surprisal.csv")
    words = _words(csv)
    flags = {"b_measure": 0.01}
    table = _synthetic_reading(words, flags, 40, seed=5, n_texts=None)
    eff = surprisal_slope_effect(table, word_surprisal(csv))
    expected = _reading_slope(0.01, flags, words["surprisal"].to_numpy(), words["length"].to_numpy())
    assert expected > 0
    assert abs(eff.estimate - expected) < 3 * eff.se, (eff, expected)
    null = surprisal_slope_effect(_synthetic_reading(words, {"b_measure": 0.0}, 40, seed=6, n_texts=None),
                                  word_surprisal(csv))
    assert abs(null.estimate) < 3 * null.se
    assert eff.n == 40 and eff.dof == 39


def test_reading_kit_without_model_measures_is_refused_in_one_line(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(PsyaiError, match="--measures"):
        group_effect(load_kit("surprisal_reading"), tmp_path / "d")
    with pytest.raises(PsyaiError, match="no such model-measure file"):
        word_surprisal(tmp_path / "missing.csv")


def test_saliency_minus_attention_by_hand():
    """Two sentences of four words; human importance = share of participants who marked each word."""
    words = pd.DataFrame([
        {"participant": p, "item": item, "word_index": w, "word": "x", "measure": "selected", "value": float(v)}
        for item, marks in (("s1", {"p1": [1, 1, 0, 0], "p2": [1, 0, 0, 0]}), ("s2", {"p1": [0, 0, 1, 1], "p2": [0, 1, 1, 0]}))
        for p, vals in marks.items() for w, v in enumerate(vals)])
    sal = {"s1": [4, 3, 2, 1], "s2": [1, 2, 4, 3]}   # ranks agree with people: ρ = 1 (s1), ρ = .6325 (s2)
    att = {"s1": [1, 2, 3, 4], "s2": [4, 3, 2, 1]}   # reversed: ρ = −1 (s1), ρ = −.3162 (s2)
    measures = pd.DataFrame([{"text_id": item, "word_index": w, "measure": m, "layer": 0, "head": 0, "value": v}
                             for m, table in (("saliency", sal), ("attention", att))
                             for item, vals in table.items() for w, v in enumerate(vals)])
    eff = saliency_attention_effect(words, measures)
    # s1: human (1, .5, 0, 0): ρ_sal = .9487, ρ_att = −.9487 → 1.8974; s2: human (0, .5, 1, .5): ρ_sal = .9487,
    # ρ_att = −.9487 → 1.8974 (scipy.stats.spearmanr by hand on the tied ranks)
    from scipy.stats import spearmanr

    h1, h2 = [1, .5, 0, 0], [0, .5, 1, .5]
    d1 = spearmanr(h1, sal["s1"])[0] - spearmanr(h1, att["s1"])[0]
    d2 = spearmanr(h2, sal["s2"])[0] - spearmanr(h2, att["s2"])[0]
    assert eff.estimate == pytest.approx((d1 + d2) / 2)
    assert eff.n == 2 and eff.dof == 1


def test_win_rate_by_hand():
    """Three models ranked per trial; the effect is policy against base, ties half, per participant then mean."""
    rows = []
    def trial(p, t, ranks):
        for m, r in ranks.items():
            rows.append({"participant": p, "session": 1, "trial_index": t, "item_id": f"{p}{t}{m}", "model": m,
                         "model_name": m, "rank": r})
    trial("a", 0, {"policy": 1, "base": 2, "sft": 3})   # win
    trial("a", 1, {"policy": 2, "base": 1, "sft": 3})   # loss
    trial("b", 0, {"policy": 1, "base": 1, "sft": 2})   # tie
    trial("b", 1, {"policy": 1, "base": 3, "sft": 2})   # win
    eff = win_rate_effect(pd.DataFrame(rows))
    # a: .5 → 0; b: .75 → .25; mean .125, SD .1768, SE .125
    assert eff.estimate == pytest.approx(0.125)
    assert eff.se == pytest.approx(0.125)
    assert eff.n_trials == 4


def test_one_group_test_direction():
    from psyai.replication.effects import GroupEffect

    g = GroupEffect(estimate=0.1, se=0.05, n=10, dof=9.0, n_trials=100, method="")
    up, down = one_group_test(g, "positive"), one_group_test(g, "negative")
    assert up["p_val"] + down["p_val"] == pytest.approx(1.0)
    assert up["significant"] and not down["significant"]
    assert math.isnan(one_group_test(GroupEffect(0.1, float("nan"), 1, None, 4, ""), "positive")["p_val"])

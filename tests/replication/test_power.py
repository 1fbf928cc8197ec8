"""``psyai class power``: the effect → observer translation, the curve, N for 80/90/95 %, and the fast
(synthetic) path against the real experiment script."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from psyai.cli import main
from psyai.replication.effects import accuracy_effect
from psyai.replication.kit import load_kit
from psyai.replication.power import (
    d33_value, effect_value, n_for_power, power_curve, simulate_group, simulation_flags,
)


def test_n_for_power_interpolates_and_says_when_the_grid_falls_short():
    curve = pd.DataFrame({"n": [10, 20, 40], "power": [0.5, 0.85, 0.92]})
    got = n_for_power(curve)
    assert got[0.8] == math.ceil(10 + (0.8 - 0.5) * 10 / 0.35)  # 19
    assert got[0.9] == math.ceil(20 + (0.9 - 0.85) * 20 / 0.07)  # 35
    assert got[0.95] is None


def test_turing_flags_give_the_asked_accuracy():
    """d' solved from the SDT observer's accuracy: a large synthetic cohort with those flags has that accuracy."""
    from psyai.participants.observers import CohortSpec
    from psyai.participants.synthetic import simulate_trials

    kit = load_kit("turing_text")
    flags = simulation_flags(kit, 0.12)
    eff = accuracy_effect(simulate_trials(CohortSpec(**flags, seed=9), 400, 40))
    assert eff.estimate == pytest.approx(0.12, abs=3 * eff.se)
    assert simulation_flags(kit, 0.0)["dprime"] == pytest.approx(0.0, abs=1e-9)


def test_effect_choices():
    kit = load_kit("turing_text")
    assert effect_value(kit, "original")[0] == kit.original["estimate"]
    assert effect_value(kit, "sesoi")[0] == kit.effect["sesoi"]
    assert effect_value(kit, 0.03) == (0.03, "given")
    d33 = d33_value(kit)
    # one-sample d33 for N = 390 (psyai.stats.meta.d33_for) times the original's SD = SE·√N
    from psyai.stats.meta import d33_for

    assert d33 == pytest.approx(d33_for("one_sample", 390) * kit.original_se() * math.sqrt(390))
    assert 0 < d33 < kit.original["estimate"]


def test_power_grows_with_n_and_null_power_is_alpha():
    kit = load_kit("turing_text")
    res = power_curve(kit, effect="original", n_grid=[4, 48], n_sims=60, seed=1)
    p4, p48 = res.curve["power"]
    assert p48 > p4 and p48 > 0.8
    null = power_curve(kit, effect=0.0, n_grid=[8], n_sims=200, seed=2)
    p0 = float(null.curve["power"].iloc[0])
    assert abs(p0 - 0.05) < 3 * math.sqrt(0.05 * 0.95 / 200) + 0.01


def test_power_command_writes_json_csv_and_figure(tmp_path, capsys):
    out = tmp_path / "power"
    assert main(["class", "power", "turing_text", "--n", "5", "20", "--seeds", "30", "--out", str(out)]) == 0
    data = json.loads((out / "power.json").read_text(encoding="utf-8"))
    assert data["kit"] == "turing_text" and set(data["n_for"]) == {"80", "90", "95"}
    assert [row["n"] for row in data["curve"]] == [5, 20]
    assert (out / "power.png").stat().st_size > 0 and (out / "power.csv").is_file()
    assert "N =" in capsys.readouterr().out or data["n_for"]["80"] is None
    # the method and the effect's source in both languages, for a Japanese preregistration
    assert data["methods"]["en"] == data["method"] and data["methods"]["ja"].startswith("シミュレーションによる検定力")
    assert "片側" in data["methods"]["ja"] and data["effect_sources"]["ja"] == "原研究の推定値"
    capsys.readouterr()
    assert main(["class", "power", "turing_text", "--effect", "big"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --effect 'big'") and "sesoi" in err and "\n" not in err


def test_fast_path_matches_the_real_script(tmp_path):
    """Three groups of three simulated participants through experiments/turing_test.py (real window, real log)
    against 300 synthetic groups with the same observer flags: the script groups' mean estimate lies within
    Monte-Carlo error of the synthetic groups' mean, and so does their power."""
    kit = load_kit("turing_text")
    flags = simulation_flags(kit, 0.12)
    fast = [simulate_group(kit, 3, flags, seed) for seed in range(300)]
    est = np.array([g.estimate for g in fast])
    script = power_curve(kit, effect=0.12, n_grid=[3], n_sims=3, seed=0, script=True, work=tmp_path / "runs")
    row = script.curve.iloc[0]
    assert abs(row["mean_estimate"] - est.mean()) < 3 * est.std(ddof=1) / math.sqrt(3)
    p_fast = float(np.mean([_sig(g) for g in fast]))
    assert abs(row["power"] - p_fast) <= 3 * math.sqrt(max(p_fast * (1 - p_fast), 0.01) / 3)
    assert abs(est.mean() - 0.12) < 3 * est.std(ddof=1) / math.sqrt(len(est))
    assert len(list((tmp_path / "runs").rglob("*_log.jsonl"))) == 9  # the script really ran


def _sig(g) -> bool:
    from psyai.replication.effects import one_group_test

    return one_group_test(g, "positive")["significant"]


def test_rlhf_utilities_give_the_asked_win_rate():
    """--sim-utilities solved from the evaluators' true win rate: a large synthetic cohort wins that often."""
    from psyai.participants.evaluators import EvaluatorCohort, parse_utilities, true_win_rate

    kit = load_kit("rlhf_preference")
    flags = simulation_flags(kit, 0.2)
    utilities = parse_utilities(flags["utilities"])
    assert true_win_rate(EvaluatorCohort(utilities=utilities), "policy", "base") == pytest.approx(0.7, abs=1e-6)
    eff = simulate_group(kit, 60, flags, seed=4)
    assert eff.estimate == pytest.approx(0.2, abs=3 * eff.se)


def test_simulated_readers_differ_as_the_kit_says(tmp_path, tiny):
    """simulation.between_sd: the flags make readers' own slopes (ms per bit) average the asked effect and spread
    by between_sd, on the kit's words; solved through the exponential RT model, checked by sampling readers."""
    from psyai.replication.power import _reading_slope, _words, surprisal_measures

    kit = load_kit("surprisal_reading")
    words = _words(surprisal_measures(kit, tiny, tmp_path / "surprisal.csv"))
    flags = simulation_flags(kit, 1.1, words=words)
    assert flags["b_measure_sd"] > 0
    rng = np.random.default_rng(0)
    s, ln = words["surprisal"].to_numpy(float), words["length"].to_numpy(float)
    slopes = np.array([_reading_slope(b, flags, s, ln)
                       for b in flags["b_measure"] + flags["b_measure_sd"] * rng.standard_normal(20000)])
    assert slopes.mean() == pytest.approx(1.1, abs=4 * slopes.std() / math.sqrt(slopes.size))
    assert slopes.std() == pytest.approx(kit.simulation["between_sd"], rel=0.05)
    assert "b_measure_sd" not in simulation_flags(load_kit("turing_text"), 0.1)


def test_the_power_of_a_class_is_the_share_of_classes_called_replicated(tmp_path, capsys):
    """--groups: every simulated class is judged by the report's rule; the shares of the three verdicts add up,
    a bigger class is called replicated more often, and a class with no effect almost never is."""
    kit = load_kit("turing_text")
    res = power_curve(kit, effect="original", n_grid=[3, 12], n_sims=40, seed=3, groups=6)
    shares = res.curve[["share_replicated", "share_not_replicated", "share_inconclusive"]].sum(axis=1)
    assert np.allclose(shares, 1.0) and (res.curve["power"] == res.curve["share_replicated"]).all()
    assert res.curve["power"].iloc[1] > res.curve["power"].iloc[0] and res.groups == 6
    assert "classes of 6 groups" in res.method and "6 グループ" in res.method_ja
    null = power_curve(kit, effect=0.0, n_grid=[12], n_sims=100, seed=4, groups=6)
    assert null.curve["power"].iloc[0] <= 0.05 + 3.5 * math.sqrt(0.05 * 0.95 / 100)  # the rule's one-sided alpha
    out = tmp_path / "power"
    assert main(["class", "power", "turing_text", "--groups", "4", "--n", "4", "8", "--seeds", "10",
                 "--out", str(out)]) == 0
    data = json.loads((out / "power.json").read_text(encoding="utf-8"))
    assert data["groups"] == 4 and "share_inconclusive" in data["curve"][0]
    assert "power of a class of 4 groups" in capsys.readouterr().out
    # the preregistration states the class's plan; an assignment with another number of groups is refused
    from psyai.errors import PsyaiError
    from psyai.replication.assignment import new_assignment
    from psyai.replication.prereg import preregistration

    data["n_for"]["80"] = 8
    assert "8 participants per group (4 groups, 32 in all)" in preregistration(kit, "en", power=data)
    assert "1 グループ 8 人(4 グループ,計 32 人)" in preregistration(kit, "ja", power=data)
    with pytest.raises(PsyaiError, match="class of 4 groups.*--groups 3"):
        new_assignment(kit, tmp_path / "class", groups=3, power=data)
    assert not (tmp_path / "class").exists()
    assert main(["class", "power", "turing_text", "--groups", "1"]) == 1

"""``psyai class report``: verdict recovery on simulated classes, and the report's JSON and HTML.

The verdict rule (psyai.replication.report) is checked the way an analysis is: classes simulated
with the original study's effect must come out "replicated" in most seeds, classes simulated with
no effect "not replicated" or "inconclusive" in most seeds (fast path: synthetic tables from the
observers the experiment scripts use, psyai.replication.power.simulate_class).
"""

from __future__ import annotations

import json
import math

import pytest

from psyai.cli import main
from psyai.errors import DataError
from psyai.replication.collect import collect_submissions
from psyai.replication.kit import load_kit
from psyai.replication.power import importance_measures, simulate_class, simulation_flags, surprisal_measures
from psyai.replication.report import VERDICTS, class_groups, judge, write_class_report

SEEDS = range(8)


def _verdicts(kit, effect, **kw):
    return [judge(kit, simulate_class(kit, groups=8, n=6, effect=effect, seed=s, **kw))["verdict"] for s in SEEDS]


def test_turing_class_with_the_original_effect_replicates_and_without_it_does_not():
    kit = load_kit("turing_text")
    with_effect = _verdicts(kit, "original")
    null = _verdicts(kit, 0.0)
    assert with_effect.count("replicated") >= 7, with_effect
    assert sum(v in ("not replicated", "inconclusive") for v in null) >= 7, null
    assert "replicated" not in null[:4] or null.count("replicated") <= 1


def test_reading_class_with_the_original_slope_replicates_and_without_it_does_not(tmp_path, tiny):
    """Readers differ in their slopes (simulation.between_sd, 5.2 ms per bit against the original's 1.1), so it
    takes a class of 8 groups × 40 readers to see the original's slope; a null class of that size is not
    called replicated."""
    kit = load_kit("surprisal_reading")
    measures = surprisal_measures(kit, tiny, tmp_path / "surprisal.csv")
    with_effect = [judge(kit, simulate_class(kit, groups=8, n=40, effect="original", seed=s, measures_csv=measures))
                   ["verdict"] for s in range(4)]
    null = [judge(kit, simulate_class(kit, groups=8, n=40, effect=0.0, seed=s, measures_csv=measures))["verdict"]
            for s in range(4)]
    assert with_effect.count("replicated") >= 3, with_effect
    assert sum(v != "replicated" for v in null) >= 3, null


def test_judge_states_rule_reason_and_the_pieces_it_used():
    kit = load_kit("turing_text")
    res = judge(kit, simulate_class(kit, groups=8, n=6, effect=0.0, seed=1))
    assert res["verdict"] in VERDICTS
    assert "Decision rule" in res["rule"] and "d33" in res["rule"]
    assert res["reason"] and "." not in res["reason"][-1:]
    meta = res["meta"]
    assert meta["method"] == "REML" and meta["test"] == "knha" and meta["k"] == 8 and meta["dof"] == 7
    assert meta["pi_low"] <= meta["estimate"] <= meta["pi_high"]
    assert res["original_in_pi"] == (meta["pi_low"] <= kit.original["estimate"] <= meta["pi_high"])
    # the null class: the pooled effect is near 0, far below the original's 0.079
    assert abs(meta["estimate"]) < 0.04
    assert res["small_telescopes"]["d33"] == pytest.approx(res["d33"])
    assert set(res["groups"]["group"]) == {f"g{g:02d}" for g in range(1, 9)}
    assert res["original_verified"] is True and "not all verified" not in res["reason"]


def test_a_verdict_against_unverified_original_numbers_says_so(tmp_path):
    from dataclasses import replace

    kit = load_kit("turing_text")
    unverified = replace(kit, original={**kit.original, "verified": "partly"})
    res = judge(unverified, simulate_class(kit, groups=4, n=6, effect="original", seed=2))
    assert res["original_verified"] == "partly"
    assert "not all verified (original.verified: partly): check them against the paper" in res["reasons"]["en"]
    assert "論文と照合してください" in res["reasons"]["ja"]


def _collected_class(tmp_path, effect: float, groups: int = 4, n: int = 5):
    """A class folder as `psyai class collect` writes it, from synthetic session logs (every group's ids sim001 …)."""
    from psyai.participants.observers import CohortSpec
    from psyai.participants.synthetic import simulate_trials, write_session_logs

    kit = load_kit("turing_text")
    flags = simulation_flags(kit, effect)
    subs = []
    for g in range(groups):
        spec = CohortSpec(**flags, seed=100 + g)
        folder = tmp_path / "hand-in" / f"g{g + 1:02d}" / "turing_test"
        write_session_logs(simulate_trials(spec, n, 16, 3), folder, spec=spec)
        subs.append(f"g{g + 1:02d}={folder.parent}")
    collect_submissions(kit, subs, tmp_path / "class", allow_simulated=True)
    return kit, tmp_path / "class"


def test_report_json_and_html_from_a_collected_class(tmp_path):
    kit, folder = _collected_class(tmp_path, 0.15)
    name, groups = class_groups(folder)
    assert name == "turing_text" and sorted(groups) == ["g01", "g02", "g03", "g04"]
    summary = write_class_report(folder, tmp_path / "out", lang="en")
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["verdicts"] == summary["verdicts"] and data["verdicts"]["turing_text"] in VERDICTS
    k = data["kits"]["turing_text"]
    assert len(k["groups"]) == 4 and all(row["n"] == 5 for row in k["groups"])
    assert k["meta"]["k"] == 4 and math.isfinite(k["meta"]["estimate"])
    pm = k["pooled_mixed"]
    assert "error" not in pm and "(1 | group)" in pm["formula"]
    # the mixed model's pooled accuracy and the meta-analysis agree on a class with an effect
    assert pm["estimate"] == pytest.approx(k["meta"]["estimate"], abs=0.05)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Decision rule" in html and "Forest plot" in html and "<img" in html
    assert "Simulated data" in html
    assert (tmp_path / "out" / "figures").is_dir()


def test_report_in_japanese(tmp_path):
    _, folder = _collected_class(tmp_path, 0.0, groups=3, n=4)
    summary = write_class_report(folder, tmp_path / "out", lang="ja")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "判定規則" in html and "フォレストプロット" in html
    assert summary["verdicts"]["turing_text"] in VERDICTS
    assert any(w in html for w in ("再現された", "再現されなかった", "判定不能"))
    # every sentence is Japanese: the kit's texts, the methods of the group estimates, the meta-analysis and
    # the mixed model (its engine's warnings included); only the reference is cited in English
    import html as html_lib
    import re

    kit = load_kit("turing_text")
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html.split("<body", 1)[-1]))
    for said in (kit.original["design"]["ja"], kit.original["note"]["ja"], "ランダム効果モデル（τ²: REML、検定: Knapp–Hartungのt検定",
                 "ロジスティック混合モデル", "参加者ごとの本試行"):
        assert said in text, said
    rest = re.sub(r"\s+", " ", text).replace(re.sub(r"\s+", " ", kit.original["citation"]), "")
    english = re.findall(r"(?:[A-Za-z][A-Za-z'\-]*[ ,;:]+){6,}[A-Za-z]+", rest)
    assert not english, english


def test_report_command_refuses_a_folder_that_is_not_a_class_in_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["class", "report", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "class collect" in err and "\n" not in err
    assert main(["class", "report", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    with pytest.raises(DataError, match="no such class folder"):
        class_groups(tmp_path / "nope")


def test_rlhf_class_with_the_original_preference_replicates_and_without_it_does_not():
    kit = load_kit("rlhf_preference")
    with_effect = [judge(kit, simulate_class(kit, groups=6, n=8, effect="original", seed=s))["verdict"] for s in range(4)]
    null = [judge(kit, simulate_class(kit, groups=6, n=8, effect=0.0, seed=s))["verdict"] for s in range(4)]
    assert with_effect.count("replicated") >= 3, with_effect
    assert sum(v != "replicated" for v in null) >= 3, null


def test_word_importance_class_with_saliency_driven_people_replicates_and_random_markers_do_not(tmp_path, tiny):
    """Simulated people who mark the words of high gradient saliency (the highlight script's observer) against
    people whose marks ignore the model (weight 0)."""
    kit = load_kit("word_importance")
    measures = importance_measures(kit, tiny, tmp_path / "measures.csv")
    with_effect = [judge(kit, simulate_class(kit, groups=6, n=10, effect="original", seed=s, measures_csv=measures))
                   ["verdict"] for s in range(3)]
    null = [judge(kit, simulate_class(kit, groups=6, n=10, effect=0.0, seed=s, measures_csv=measures))["verdict"]
            for s in range(3)]
    assert with_effect.count("replicated") >= 2, with_effect
    assert "replicated" not in null, null

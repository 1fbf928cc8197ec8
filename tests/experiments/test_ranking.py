"""The ranking experiment end to end: real script, real window (Xvfb), simulated and keyboard rankers."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from psyai.data import load_rankings
from psyai.data.log import read_log
from psyai.participants.rankers import utility
from psyai.booth.ranking import ranks_from_groups
from psyai.participants.stimuli import write_synthetic_rankings
from psyai.booth.textlayout import paginate, wrap_cjk
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--seed", "3", "--sim-noise", "0.5"]


@pytest.fixture
def rank_file(tmp_path):
    return write_synthetic_rankings(tmp_path / "rank.csv", n_prompts=6, k=5)


def log_path(data, pid):
    return data / "ranking" / f"sub-{pid}" / "ses-1" / f"sub-{pid}_ses-1_log.jsonl"


def test_simulated_rankings_carry_the_rankers_preferences_into_the_data(tmp_path, rank_file):
    data = tmp_path / "data"
    res = run_experiment("ranking", "--participant", "R1", "--stimuli", str(rank_file), "--data-dir", str(data),
                         "--allow-ties", *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log_path(data, "R1"))[0]
    assert recs[-1]["record"] == "end" and recs[-1]["status"] == "completed"
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["prompt_id"] for t in trials] == recs[0]["trial_order"] and len(trials) == 6
    for t in trials:
        assert len(t["item_ids"]) == 5 and sorted(set(t["item_ids"])) == sorted(t["item_ids"])
        assert all(r is not None and 1 <= r <= 5 for r in t["ranks"]) and min(t["ranks"]) == 1
        assert all(1 <= v <= 7 for s in ("helpfulness", "truthfulness", "harmlessness") for v in t[s])
    # outputs are shown in a different order from trial to trial (position bias balanced)
    assert len({tuple(sorted(range(5), key=lambda j: t["item_ids"][j])) for t in trials}) > 1
    # the ranker preferred high-utility texts, through the UI into the log
    rho = [stats.spearmanr([-utility(x) for x in t["texts"]], t["ranks"]).statistic for t in trials]
    assert np.nanmean(rho) > 0.5
    long = load_rankings(data)
    assert len(long) == 30 and set(long.columns) >= {"item_id", "model", "text", "position", "rank", "helpfulness"}
    assert long.groupby(["trial_index"]).position.apply(sorted).map(list).eq([[0, 1, 2, 3, 4]] * 6).all()


def test_prompt_with_too_few_outputs_is_refused_and_nothing_written(tmp_path, rank_file):
    lines = rank_file.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if not line.startswith(("en-p001-1,", "en-p001-2,"))]
    rank_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    res = run_experiment("ranking", "--participant", "R1", "--stimuli", str(rank_file), "--data-dir", str(data), *SIM)
    assert res.returncode == 1
    assert "prompt 'en-p001' has 3 output(s); a ranking needs 4 to 9" in res.stderr
    assert not data.exists()


def test_kill_9_mid_session_then_resume_completes_every_ranking_once(tmp_path, rank_file):
    data = tmp_path / "data"
    args = ["--participant", "K1", "--stimuli", str(rank_file), "--data-dir", str(data), *SIM]
    log = log_path(data, "K1")
    before = kill_mid_session("ranking", args, log, 1)
    booth = Booth(log)
    snapshot = tree(data)
    res = run_experiment("ranking", *args)
    assert res.returncode == 1 and "--resume" in res.stderr and tree(data) == snapshot
    res = run_experiment("ranking", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = booth.records()
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["trial_index"] for t in trials] == list(range(6))
    assert [t["prompt_id"] for t in trials] == recs[0]["trial_order"]
    assert trials[: len(before)] == before and recs[-1]["status"] == "completed"


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_a_person_ranks_with_the_keyboard_including_a_tie(tmp_path, own_display):
    stim = write_synthetic_rankings(tmp_path / "rank.csv", n_prompts=2, k=4, langs=("en",))
    data = tmp_path / "data"
    booth = Booth(log_path(data, "H1"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "ranking.py"), "--participant", "H1", "--stimuli", str(stim),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--allow-ties", "--seed", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")                   # instructions
        booth.press_on("comprehension", "2")
        booth.press_on("continue", "space")                   # "rankings begin"
        for pos in range(4):                                   # rate each output, flag the second as harmful
            refused = False
            if pos == 2:
                booth.press_on("rank_review", "Right")         # → before rating: refused, with a hint
                refused = True
            keys = ("5", "4", "3", "BackSpace", "6") if pos == 3 else ("5", "4", "6")  # Backspace undoes the 3
            for key in keys:
                booth.press_on("rank_review", key, same=refused)
                refused = False
            if pos == 0:
                booth.press_on("rank_review", "7")             # one digit too many: refused, the three stay
                refused = True
            if pos == 1:
                booth.press_on("rank_review", "h")
            booth.press_on("rank_review", "Right", same=refused)
        # C best, A and D tied, then B; an early Return (ranking incomplete) must not confirm
        for key in ["c", "a", "Return", "equal", "d", "b", "Return"]:
            booth.press_on("rank_order", key)
        booth.wait(lambda recs: booth.n_trials("main") == 1, what="the first ranking")
        booth.press_on("rank_review", "Escape")
        booth.press_on("continue", "y")
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="end record")
        booth.press_on("continue", "space")                   # what the study was about (after Escape too)
        booth.press_on("continue", "space")                   # the "stopped" screen
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = next(r for r in booth.records() if r["record"] == "trial")
    assert trial["ranks"] == [2, 4, 1, 2]
    assert trial["helpfulness"] == [5] * 4 and trial["truthfulness"] == [4] * 4 and trial["harmlessness"] == [6] * 4
    assert trial["flag_harmful"] == [False, True, False, False] and not any(trial["flag_invented_facts"])
    assert trial["refused_keys"] == ["7", "right"]
    assert booth.records()[-1]["status"] == "aborted" and trial["run_mode"] == "real"


def test_paging_keeps_every_character_and_breaks_at_sentences():
    text = "First sentence here. Second one is longer than the first. Third! " * 5
    pages = paginate(text, 80)
    assert "".join(pages) == text and all(len(p) <= 80 for p in pages) and len(pages) > 3
    assert all(p.rstrip().endswith((".", "!")) for p in pages[:-1])
    ja = "秋は一年で一番過ごしやすい季節です。" * 30
    pages = paginate(ja, 100)
    assert "".join(pages) == ja and all(p.endswith("。") for p in pages[:-1])
    assert paginate("short", 100) == ["short"] and paginate("", 10) == [""]


def test_japanese_wraps_without_spaces_and_keeps_punctuation_off_line_starts():
    text = "涼しい風が吹き、紅葉が山を赤や黄色に染めます。" * 4
    wrapped = wrap_cjk(text, 20)
    lines = wrapped.split("\n")
    assert wrapped.replace("\n", "") == text and len(lines) > 3
    assert all(sum(1.0 for _ in line) <= 21 for line in lines)
    assert not any(line.startswith(("、", "。")) for line in lines)
    assert wrap_cjk("Plain English text stays as it is.", 5) == "Plain English text stays as it is."
    mixed = wrap_cjk("GPT-4 は 2023 年に公開された大規模言語モデルです。" * 3, 16)
    assert "GPT-4" in mixed.replace("\n", "")  # Latin words are never split


def test_competition_ranks_from_tied_groups():
    assert ranks_from_groups([[2], [0, 3], [1]], 4) == [2, 4, 1, 2]
    assert ranks_from_groups([[1], [0]], 4) == [2, 1, None, None]


def test_rating_keys_fill_the_scales_in_order_undo_one_by_one_and_never_wipe():
    from psyai.booth.ranking import SCALES, RankingScreens, RankingState

    state = RankingState(k=2, pages=[["a"], ["b"]])
    for key in ("6", "2", "5"):
        RankingScreens._apply_review_key(state, key)
    assert [state.ratings[s][0] for s in SCALES] == [6, 2, 5] and state.rated(0)
    RankingScreens._apply_review_key(state, "7")  # the screen refuses it; applied anyway it changes nothing
    assert [state.ratings[s][0] for s in SCALES] == [6, 2, 5]
    RankingScreens._apply_review_key(state, "backspace")
    RankingScreens._apply_review_key(state, "1")
    assert [state.ratings[s][0] for s in SCALES] == [6, 2, 1]
    for _ in range(4):  # more undos than ratings: all gone, nothing else touched
        RankingScreens._apply_review_key(state, "backspace")
    assert all(state.ratings[s][0] is None for s in SCALES) and not state.rated(0)
    assert all(state.ratings[s][1] is None for s in SCALES)


def test_the_rating_screen_names_the_ends_of_the_scale_in_both_languages():
    from psyai.booth import i18n

    assert "1 = very poor, 7 = excellent" in i18n.text("rank_review_help", "en", scale="helpfulness")
    assert "1＝とても悪い、7＝とても良い" in i18n.text("rank_review_help", "ja", scale="有用性")

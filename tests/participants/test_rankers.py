"""Simulated rankers: the utility is what the module says, and the observers follow their models."""

from __future__ import annotations

from math import erf, exp, sqrt

import numpy as np
import pandas as pd
import pytest

from psyai.participants.rankers import (
    BAD_WORDS,
    GOOD_WORDS,
    RANKING_COLUMNS,
    SIM_MODELS,
    CohortRankers,
    RankerObserver,
    simulate_rankings,
    synthetic_ranking_items,
    utility,
)


def _phi(x: float) -> float:
    return 0.5 * (1 + erf(x / sqrt(2)))


def test_utility_counts_good_minus_bad_words_in_both_languages():
    assert utility("clear accurate river vague.") == 1.0
    assert utility("Clear, HONEST and kind.") == 3.0  # case and punctuation do not matter
    assert utility("今日、丁寧、正確、危険、猫。") == 1.0
    assert utility("雑、雑、庭。") == -2.0
    assert utility("nothing here is on a list") == 0.0


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_items_follow_the_stimulus_schema_and_are_reproducible(lang):
    items = synthetic_ranking_items(5, 7, seed=3, lang=lang)
    assert items == synthetic_ranking_items(5, 7, seed=3, lang=lang)
    assert items != synthetic_ranking_items(5, 7, seed=4, lang=lang)
    assert len(items) == 35 and len({it["item_id"] for it in items}) == 35
    assert {it["prompt_id"] for it in items} == {f"{lang}-p{p:03d}" for p in range(1, 6)}
    for it in items:
        assert set(it) >= {"item_id", "lang", "source", "prompt_id", "prompt", "text", "model", "origin"}
        assert it["lang"] == lang and it["source"] == "model" and it["model"] in SIM_MODELS
        assert it["text"] and it["prompt"] and "synthetic" in it["origin"]
        vocab = set(GOOD_WORDS[lang]) | set(BAD_WORDS[lang])
        words = it["text"].rstrip(".。").replace("、", " ").split()
        assert len(words) == 8
        assert utility(it["text"]) == sum((w in GOOD_WORDS[lang]) - (w in BAD_WORDS[lang]) for w in words)
        assert all(w in vocab or utility(w) == 0 for w in words)


def test_models_differ_in_mean_utility_so_win_rates_differ():
    items = synthetic_ranking_items(200, 3, seed=0)
    means = pd.DataFrame(items).assign(u=lambda f: f.text.map(utility)).groupby("model").u.mean()
    assert means["sim-large"] > means["sim-medium"] + 1 > means["sim-small"] + 2


@pytest.mark.parametrize("kwargs, match", [
    ({"n_prompts": 0, "k": 4}, "at least one prompt"),
    ({"n_prompts": 2, "k": 1}, "at least 2 outputs"),
    ({"n_prompts": 2, "k": 4, "lang": "de"}, "lang='de'"),
    ({"n_prompts": 2, "k": 4, "models": ("gpt-9",)}, "choose one or more"),
])
def test_bad_item_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_ranking_items(**kwargs)


def _item(text: str, k: int = 0) -> dict:
    return {"item_id": f"i{k}", "text": text}


def test_noiseless_observer_ranks_by_utility():
    items = [_item("vague.", 0), _item("clear kind useful.", 1), _item("river.", 2), _item("clear.", 3)]
    assert RankerObserver(noise_sd=0.0).rank(items) == [4, 1, 3, 2]


def test_ties_share_a_rank_only_when_allowed():
    items = [_item("clear.", 0), _item("clear.", 1), _item("vague.", 2)]
    observer = RankerObserver(noise_sd=0.0, tie_threshold=0.5, seed=1)
    assert observer.rank(items, allow_ties=True) == [1, 1, 3]
    assert sorted(observer.rank(items, allow_ties=False)) == [1, 2, 3]


def test_top_k_leaves_the_rest_unranked():
    items = [_item("vague.", 0), _item("clear kind.", 1), _item("river.", 2), _item("clear.", 3)]
    assert RankerObserver(noise_sd=0.0, top_k=2).rank(items) == [None, 1, None, 2]


def test_thurstone_choice_probability_matches_the_normal_model():
    # P(a above b) = Phi((u_a - u_b) / (sigma * sqrt(2))) for Thurstone case V.
    observer = RankerObserver(noise_sd=1.5, seed=0)
    items = [_item("clear.", 0), _item("river.", 1)]
    wins = np.mean([observer.rank(items)[0] == 1 for _ in range(6000)])
    assert wins == pytest.approx(_phi(1 / (1.5 * sqrt(2))), abs=0.02)


def test_plackett_luce_first_choice_matches_the_softmax():
    # P(a ranked first) = exp(u_a / T) / sum_b exp(u_b / T).
    observer = RankerObserver(model="plackett_luce", temperature=1.0, seed=0)
    items = [_item("clear kind.", 0), _item("clear.", 1), _item("river.", 2)]
    firsts = np.bincount([observer.rank(items).index(1) for _ in range(6000)], minlength=3) / 6000
    weights = np.array([exp(2), exp(1), exp(0)])
    assert firsts == pytest.approx(weights / weights.sum(), abs=0.02)


def test_ratings_are_likert_and_follow_utility_and_flags_follow_the_words():
    items = synthetic_ranking_items(100, 4, seed=2)
    observer = RankerObserver(seed=5)
    ratings = observer.rate(items)
    flags = observer.flags(items)
    u = np.array([utility(it["text"]) for it in items])
    for scale in ("helpfulness", "truthfulness", "harmlessness"):
        values = np.array(ratings[scale])
        assert set(values) <= set(range(1, 8))
        assert np.corrcoef(values, u)[0, 1] > 0.6
    harmful = np.array(["dangerous" in it["text"] for it in items])
    flagged = np.array(flags["flag_harmful"])
    assert flagged[harmful].mean() > 0.75 and flagged[~harmful].mean() < 0.1
    assert np.array(ratings["harmlessness"])[harmful].mean() < np.array(ratings["helpfulness"])[harmful].mean()


def test_cohort_participants_are_reproducible_and_differ():
    cohort = CohortRankers(noise=2.0, participant_sd=0.5, seed=3)
    assert cohort.participant(4).params() == cohort.participant(4).params()
    noises = [cohort.participant(i).noise_sd for i in range(200)]
    assert np.std(noises) > 0.3 and np.median(noises) == pytest.approx(2.0, rel=0.15)
    pl = CohortRankers(noise=1.5, model="plackett_luce").participant(0)
    assert pl.model == "plackett_luce" and pl.temperature != 1.5  # the spread applies to the temperature
    assert CohortRankers().to_dict()["noise"] == 2.0


def test_simulated_rankings_are_the_long_form_table():
    items = synthetic_ranking_items(6, 5, seed=1)
    frame = simulate_rankings(CohortRankers(seed=1), items, 4)
    assert list(frame.columns) == RANKING_COLUMNS
    assert len(frame) == 4 * 6 * 5
    assert (frame.run_mode == "simulated").all() and (frame.session == 1).all()
    for _, trial in frame.groupby(["participant", "prompt_id"]):
        assert sorted(trial["rank"]) == [1, 2, 3, 4, 5]
        assert sorted(trial.position) == [0, 1, 2, 3, 4]
        assert trial.helpfulness.between(1, 7).all()
    pd.testing.assert_frame_equal(frame, simulate_rankings(CohortRankers(seed=1), items, 4))
    # display order is shuffled per participant
    orders = frame.sort_values("position").groupby(["participant", "prompt_id"]).item_id.apply(tuple)
    assert orders.nunique() > 6


def test_simulated_rankings_with_ties_partial_and_subsets():
    items = synthetic_ranking_items(6, 5, seed=1, lang="ja")
    frame = simulate_rankings(CohortRankers(seed=2, top_k=3, tie_threshold=1.0), items, 3, allow_ties=True,
                              prompts_per_participant=4)
    assert frame.groupby("participant").prompt_id.nunique().tolist() == [4, 4, 4]
    assert frame["rank"].isna().sum() == 3 * 4 * 2
    per_trial = frame.dropna(subset=["rank"]).groupby(["participant", "prompt_id"])["rank"]
    assert (per_trial.nunique() < per_trial.size()).any()  # some ties
    assert frame["rank"].dtype == "Int64"


def test_simulated_agreement_is_in_the_instructgpt_range_by_default():
    # Default cohort noise puts two participants' agreement near InstructGPT's 72.6-77.3 %.
    items = synthetic_ranking_items(20, 9, seed=0)
    frame = simulate_rankings(CohortRankers(), items, 10)
    piv = frame.pivot_table(index=["prompt_id", "item_id"], columns="participant", values="rank").astype(float)
    agree = total = 0
    for _, block in piv.groupby(level=0):
        r = block.to_numpy()  # (K, P)
        d = np.sign(r[:, None, :] - r[None, :, :])  # (K, K, P)
        iu = np.triu_indices(len(r), 1)
        d = d[iu]  # (pairs, P)
        same = (d[:, :, None] == d[:, None, :]).sum() - d.shape[0] * d.shape[1]
        agree += same / 2
        total += d.shape[0] * d.shape[1] * (d.shape[1] - 1) / 2
    assert 0.70 < agree / total < 0.82


def test_a_highlighter_marks_at_least_the_fewest_the_task_takes():
    from psyai.participants.observers import HighlightObserver

    never = HighlightObserver(intercept=-30.0, weight=0.0, seed=1)  # would mark nothing on its own
    assert never.choose("t1", 6, max_select=3) == []
    measures = {("t1", i): float(i) for i in range(6)}
    picky = HighlightObserver(intercept=-30.0, weight=0.5, measures=measures, seed=1)
    assert picky.choose("t1", 6, max_select=3, min_select=2) in ([5, 4], [4, 5])  # the two most probable
    assert len(HighlightObserver(seed=2).choose("t1", 6, max_select=3, min_select=3)) == 3
    assert HighlightObserver(intercept=-30.0, seed=3).choose("t1", 1, max_select=3, min_select=2) == [0]


def test_published_quality_is_the_utility_where_a_file_gives_one():
    """A `quality` column replaces the word count; its source is recorded in words."""
    from psyai.participants.rankers import item_utility, utility_source

    scored = {"text": "wrong wrong wrong.", "quality": "4.5", "quality_scale": "judge 1-5"}
    plain = {"text": "clear accurate wrong."}
    assert item_utility(scored) == 4.5 and item_utility(plain) == utility(plain["text"]) == 1.0
    assert utility_source([scored]) == "the stimulus file's quality column (judge 1-5)"
    assert "good words minus bad words" in utility_source([plain])
    assert "where given" in utility_source([scored, plain])


@pytest.mark.parametrize("lang, noise", [("en", 0.3), ("ja", 2.0)])
def test_shipped_ranking_set_shows_the_better_model_winning(lang, noise):
    """The shipped real set, ranked by simulated participants who follow its published scores: the model
    with the highest mean score beats the one with the lowest, with a participant-clustered interval above
    50 %, and the Bradley-Terry order follows the mean scores at the ends."""
    from analysis.ranking import bradley_terry, win_rates
    from psyai.data.stimuli import load_stimuli
    from tests.helpers import ROOT

    items = [it for it in load_stimuli(ROOT / "stimuli" / "ranking" / "items.csv").items if it["lang"] == lang]
    means = pd.DataFrame(items).assign(q=lambda d: d.quality.astype(float)).groupby("model_name").q.mean()
    best, worst = means.idxmax(), means.idxmin()
    frame = simulate_rankings(CohortRankers(noise=noise, seed=5), items, 12)
    frame["model"] = frame["item_id"].map({it["item_id"]: it["model_name"] for it in items})
    wins = win_rates(frame)
    row = wins[(wins.model == best) & (wins.opponent == worst)]
    if row.empty:
        row = wins[(wins.model == worst) & (wins.opponent == best)]
        low = 1 - float(row.ci_high.iloc[0])
    else:
        low = float(row.ci_low.iloc[0])
    assert low > 0.5, (best, worst, row)
    bt = bradley_terry(frame, n_boot=200)[0].set_index("model").score
    assert bt.idxmax() == best and bt.idxmin() == worst

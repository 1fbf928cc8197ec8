"""Reward-model training: which comparisons a ranking holds, InstructGPT's loss, recovery, and refusals."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items, utility
from psyai.reward.config import ConfigError, RewardConfig
from psyai.reward.data import (
    RewardDataError,
    check_trainable,
    comparison_table,
    comparisons,
    rankings_from_frame,
    split_participants,
)
from psyai.reward.evaluate import agreement, cross_validate, pairwise_accuracy
from psyai.reward.model import RewardModel
from psyai.reward.trainer import RewardTrainer, _Collate, fit_on, listwise_loss


@pytest.fixture(scope="module")
def cohort_frame() -> pd.DataFrame:
    """30 prompts × K = 9, 12 participants each ranking every prompt (no ties)."""
    return simulate_rankings(CohortRankers(seed=1), synthetic_ranking_items(30, 9, seed=1), 12)


def config(model: str, **kw) -> RewardConfig:
    base = dict(model=model, learning_rate=1e-3, batch_size=8, num_epochs=1, device="cpu", progress=False,
                eval_fraction=0.25, folds=3)
    return RewardConfig(**{**base, **kw})


# -- which comparisons a ranking holds ------------------------------------------------------------

def test_a_full_ranking_of_k_outputs_holds_k_choose_2_comparisons():
    for k in range(2, 10):
        pairs = comparisons(list(range(1, k + 1)))
        assert len(pairs) == math.comb(k, 2)
        assert all(w < l for w, l in pairs)  # rank i+1 beats every later rank


def test_ties_give_no_comparison_between_the_tied_outputs():
    pairs = comparisons([1, 2, 2, 4])
    assert (1, 2) not in pairs and (2, 1) not in pairs
    assert sorted(pairs) == [(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)]
    assert comparisons([1, 1, 1]) == []


def test_partial_rankings_put_ranked_above_unranked_and_never_compare_two_unranked():
    pairs = comparisons([None, 2, None, 1])
    assert sorted(pairs) == [(1, 0), (1, 2), (3, 0), (3, 1), (3, 2)]
    assert comparisons([None, None]) == []


def test_rankings_follow_display_position_and_keep_trials_apart(cohort_frame):
    shuffled = cohort_frame.sample(frac=1, random_state=0)
    rankings = rankings_from_frame(shuffled)
    assert len(rankings) == 12 * 30
    first = rankings[0]
    rows = cohort_frame[(cohort_frame.participant == first.participant) & (cohort_frame.prompt_id == first.prompt_id)]
    assert list(first.item_ids) == list(rows.sort_values("position").item_id)
    assert first.ranks == tuple(int(r) for r in rows.sort_values("position")["rank"])


def test_split_is_by_participant_and_seeded():
    people = [f"p{i}" for i in range(10)]
    train, held = split_participants(people * 3, 0.2, seed=0)
    assert len(held) == 2 and not set(train) & set(held) and set(train) | set(held) == set(people)
    assert (train, held) == split_participants(people, 0.2, seed=0)
    assert held != split_participants(people, 0.2, seed=1)[1]


# -- the loss ---------------------------------------------------------------------------------------

def test_listwise_loss_equals_the_mean_of_pairwise_losses_computed_by_hand():
    """Parity: one batch element per ranking, weighted 1/C(K,2), is the mean of the per-pair losses."""
    torch.manual_seed(0)
    rankings = [  # (ranks, rewards): a full ranking, one with a tie, one partial
        ([2, 1, 4, 3], torch.randn(4)),
        ([1, 2, 2, 3, 5], torch.randn(5)),
        ([None, 1, 2, None, 3, None], torch.randn(6)),
    ]
    batch, seqs = [], []
    for ranks, rewards in rankings:
        batch.append((tuple(range(len(seqs), len(seqs) + len(ranks))), tuple(comparisons(ranks))))
        seqs.extend([[1]] * len(ranks))
    tensors = _Collate(seqs, pad_id=0)(batch)
    rewards = torch.cat([r for _, r in rankings])  # (N,)
    loss = listwise_loss(rewards, tensors["winners"], tensors["losers"], tensors["weights"])

    by_hand = []
    for ranks, r in rankings:
        per_pair = []
        for i in range(len(ranks)):
            for j in range(len(ranks)):
                better = ranks[i] is not None and (ranks[j] is None or ranks[i] < ranks[j])
                if better:
                    per_pair.append(-math.log(1 / (1 + math.exp(-(r[i] - r[j]).item()))))
        by_hand.append(sum(per_pair) / len(per_pair))
    assert loss.item() == pytest.approx(sum(by_hand) / len(by_hand), rel=1e-6)
    # and with no ties or gaps the weight of each comparison is 1/C(K,2) / rankings-in-batch
    assert tensors["weights"][:6].tolist() == pytest.approx([1 / math.comb(4, 2) / 3] * 6)


def test_listwise_gradient_equals_the_gradient_of_the_mean_pairwise_loss():
    torch.manual_seed(1)
    rewards = torch.randn(5, requires_grad=True)
    pairs = comparisons([3, 1, 2, 5, 4])
    tensors = _Collate([[1]] * 5, 0)([(tuple(range(5)), tuple(pairs))])
    listwise_loss(rewards, tensors["winners"], tensors["losers"], tensors["weights"]).backward()
    expected = torch.autograd.grad(
        torch.stack([-F.logsigmoid(rewards[w] - rewards[l]) for w, l in pairs]).mean(), rewards)[0]
    assert torch.allclose(rewards.grad, expected, atol=1e-7)


def test_each_ranking_costs_k_forward_passes_listwise_and_2_per_pair_pairwise(tiny):
    frame = simulate_rankings(CohortRankers(seed=0), synthetic_ranking_items(4, 6, seed=0), 2)
    rankings = rankings_from_frame(frame)
    listwise = fit_on(rankings, config(tiny, num_epochs=2))
    pairwise = fit_on(rankings, config(tiny, objective="pairwise", batch_size=15))
    assert listwise.n_sequences_ == 2 * len(rankings) * 6
    assert listwise.n_examples_ == 2 * len(rankings)
    assert pairwise.n_sequences_ == 2 * len(rankings) * math.comb(6, 2)
    assert pairwise.n_examples_ == len(rankings) * math.comb(6, 2)


# -- training -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(tiny, cohort_frame) -> RewardTrainer:
    return RewardTrainer(config(tiny, num_epochs=2)).fit(cohort_frame)


def test_training_changes_the_parameters_and_the_loss_goes_down(tiny, cohort_frame, trained):
    torch.manual_seed(0)
    before = RewardModel.from_backbone(tiny, device="cpu", seed=0)
    after = trained.model_
    changed = {name for name, p in before.named_parameters()
               if not torch.equal(p, dict(after.named_parameters())[name])}
    assert "model.score.weight" in changed
    assert any(name.startswith("model.transformer.") for name in changed)
    assert len(changed) == len(list(before.parameters()))  # every parameter learned something
    losses = [h["loss"] for h in trained.history_]
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.2


def test_reward_model_predicts_held_out_participants_near_the_agreement_ceiling(trained, cohort_frame):
    metrics = trained.metrics_
    assert set(trained.eval_participants_) == {g for grp in metrics["groups"] for g in grp["participants"]}
    assert not set(trained.eval_participants_) & set(trained.train_participants_)
    ceiling = metrics["agreement_ceiling"]
    assert 0.70 < ceiling < 0.82  # the simulated cohort agrees about as much as InstructGPT's labelers
    assert metrics["heldout_accuracy"] > ceiling - 0.03
    # the true utility bounds what any model can reach on these comparisons
    table = comparison_table([r for r in rankings_from_frame(cohort_frame)
                              if r.participant in trained.eval_participants_])
    oracle = pairwise_accuracy(table.winner_text.map(utility), table.loser_text.map(utility)).mean()
    assert metrics["heldout_accuracy_pooled"] > oracle - 0.04
    lo, hi = metrics["heldout_accuracy_ci"]
    assert lo < metrics["heldout_accuracy"] < hi


def test_japanese_rankings_are_learned_too(tiny):
    frame = simulate_rankings(CohortRankers(seed=9), synthetic_ranking_items(16, 6, seed=9, lang="ja"), 8)
    trainer = RewardTrainer(config(tiny, num_epochs=2)).fit(frame)
    assert trainer.metrics_["heldout_accuracy"] > trainer.metrics_["agreement_ceiling"] - 0.05


def test_the_mean_reward_of_the_training_responses_is_recorded_to_centre_rewards(trained, cohort_frame):
    train = cohort_frame[cohort_frame.participant.isin(trained.train_participants_)]
    reference = train.drop_duplicates(["prompt", "text"])
    scores = trained.score(reference.prompt.tolist(), reference.text.tolist())
    assert trained.reference_["n"] == len(reference)
    assert trained.reference_["mean"] == pytest.approx(scores.mean(), abs=1e-6)
    assert trained.reference_["sd"] == pytest.approx(scores.std(ddof=1), abs=1e-6)
    assert trained.checkpoint_meta()["reference_rewards"] == trained.reference_


def test_training_is_seeded(tiny):
    frame = simulate_rankings(CohortRankers(seed=4), synthetic_ranking_items(6, 4, seed=4), 3)
    a = RewardTrainer(config(tiny, eval_fraction=0.0)).fit(frame)
    b = RewardTrainer(config(tiny, eval_fraction=0.0)).fit(frame)
    c = RewardTrainer(config(tiny, eval_fraction=0.0, seed=1)).fit(frame)
    assert [h["loss"] for h in a.history_] == [h["loss"] for h in b.history_]
    assert [h["loss"] for h in a.history_] != [h["loss"] for h in c.history_]
    texts = frame.text.tolist()[:5]
    assert np.array_equal(a.score([""] * 5, texts), b.score([""] * 5, texts))


def test_ties_and_partial_rankings_train(tiny):
    items = synthetic_ranking_items(10, 6, seed=5)
    frame = simulate_rankings(CohortRankers(seed=5, top_k=3, tie_threshold=1.5), items, 6, allow_ties=True)
    rankings = rankings_from_frame(frame)
    assert any(len(set(r for r in rk.ranks if r is not None)) < 3 for rk in rankings)  # ties present
    n_pairs = sum(len(rk.pairs) for rk in rankings)
    assert n_pairs < len(rankings) * math.comb(6, 2)  # ties and unranked pairs give no comparison
    trainer = RewardTrainer(config(tiny, num_epochs=3, eval_fraction=0.0)).fit(frame)
    assert np.mean([h["loss"] for h in trainer.history_[-5:]]) < trainer.history_[0]["loss"]
    assert trainer.data_report_["usable"] == len(rankings)


def test_rankings_without_comparisons_are_set_aside_and_reported(cohort_frame):
    frame = cohort_frame.copy()
    one = frame.participant.eq("sim001") & frame.prompt_id.eq(frame.prompt_id.iloc[0])
    frame.loc[one, "rank"] = 1  # one trial all tied
    usable, report = check_trainable(rankings_from_frame(frame))
    assert report == {"rankings": 360, "usable": 359, "dropped_single_response": 0, "dropped_no_comparison": 1}
    assert len(usable) == 359


def test_agreement_counts_only_other_participants():
    table = pd.DataFrame({
        "participant": ["a", "b", "c", "a"], "prompt_id": ["p"] * 4, "winner": ["x", "x", "y", "x"],
        "loser": ["y", "y", "x", "z"]})
    out = agreement(table)
    assert out.others.tolist() == [2, 2, 2, 0]
    assert out.others_agree.tolist() == [1, 1, 0, 0]


def test_cross_validation_trains_one_model_per_participant_group(tiny):
    frame = simulate_rankings(CohortRankers(seed=6), synthetic_ranking_items(8, 5, seed=6), 6)
    result = cross_validate(frame, config(tiny, folds=3, num_epochs=2))
    assert result["folds"] == 3 and len(result["per_fold"]) == 3
    held = [p for fold in result["per_fold"] for p in fold["participants"]]
    assert sorted(held) == sorted(frame.participant.unique())  # every participant held out exactly once
    lo, hi = result["heldout_accuracy_ci"]
    assert lo <= result["heldout_accuracy"] <= hi


# -- data that cannot train a model ---------------------------------------------------------------

def _frame(**changes) -> pd.DataFrame:
    frame = simulate_rankings(CohortRankers(seed=2), synthetic_ranking_items(3, 4, seed=2), 3)
    for col, value in changes.items():
        frame[col] = value
    return frame


@pytest.mark.parametrize("make, match", [
    (lambda: _frame().drop_duplicates(["participant", "prompt_id"]), "only one response"),
    (lambda: _frame(rank=1), "every ranking is a tie"),
    (lambda: _frame(rank=pd.array([None] * 36, dtype="Int64")), "every ranking is a tie"),
    (lambda: _frame().assign(text=lambda f: f.text.where(f.index != 5, "  ")), "empty text"),
    (lambda: _frame().drop(columns=["rank"]), "lacks column.*rank"),
    (lambda: _frame().iloc[:0], "empty"),
    (lambda: _frame().assign(run_mode=lambda f: np.where(f.participant == "sim001", "real", "simulated")),
     "mix run modes"),
    (lambda: _frame().assign(rank=lambda f: f["rank"].astype(float).where(f.index != 0, 0.5)), "positive integer"),
    (lambda: pd.concat([_frame(), _frame().iloc[:1]]), "appears twice"),
    (lambda: _frame().query("participant == 'sim001'"), "no participants left for evaluation"),
])
def test_data_that_cannot_train_a_model_is_refused_with_the_fix(tiny, make, match):
    with pytest.raises(RewardDataError, match=match):
        RewardTrainer(config(tiny)).fit(make())


def test_bad_settings_are_refused_before_loading_anything():
    with pytest.raises(ConfigError, match="objective='pointwise'"):
        RewardTrainer(config("unused", objective="pointwise")).fit(_frame())
    with pytest.raises(ConfigError, match="no backbone given"):
        RewardTrainer(config("")).fit(_frame())
    with pytest.raises(ConfigError, match="eval_fraction=1"):
        RewardTrainer(config("unused", eval_fraction=1.0)).fit(_frame())


def test_cross_validation_needs_two_participants(tiny):
    with pytest.raises(RewardDataError, match="at least 2 participants"):
        cross_validate(_frame().query("participant == 'sim001'"), config(tiny))


def test_config_replace_keeps_settings():
    c = config("m", seed=3)
    assert replace(c, objective="pairwise").seed == 3


def test_a_distributed_launch_without_accelerate_is_refused(tiny, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "accelerate", None)  # as if not installed: importing it raises ImportError
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match="pip install accelerate"):
        RewardTrainer(config(tiny)).fit(_frame())

"""Reward evaluation that says what it measured: the split, baselines beside the model, the ceiling's count."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items, utility
from psyai.reward import cli
from psyai.reward.config import ConfigError, RewardConfig
from psyai.reward.data import RewardDataError, comparison_table, rankings_from_frame
from psyai.reward.evaluate import evaluate, length_baseline, majority_baseline
from psyai.reward.trainer import RewardTrainer


class UtilityModel:
    """Scores a text by the simulated rankers' utility: a model whose every prediction is known."""

    def score(self, prompts, responses, batch_size=32):
        return np.array([utility(r) for r in responses], dtype=float)


def pair_rows(participant: str, prompt_id: str, winner: tuple[str, str], loser: tuple[str, str], session=1):
    return [{"participant": participant, "session": session, "prompt_id": prompt_id, "prompt": f"prompt {prompt_id}",
             "item_id": item, "text": text, "rank": rank} for rank, (item, text) in ((1, winner), (2, loser))]


def test_baselines_by_hand():
    held = pd.DataFrame({"prompt_id": ["q", "q", "q", "r"], "winner": ["a", "b", "a", "c"],
                         "loser": ["b", "a", "c", "d"], "winner_text": ["long one", "x", "same", "ab"],
                         "loser_text": ["short", "xyz", "same", "ab"]})
    assert length_baseline(held).tolist() == [1, 0, 0.5, 0.5]
    train = pd.DataFrame({"prompt_id": ["q", "q", "q", "q", "q"], "winner": ["a", "a", "b", "a", "c"],
                          "loser": ["b", "b", "a", "c", "a"]})
    # q: a>b twice, b>a once -> majority a>b; a>c once, c>a once -> an even split; r/c-d never in training
    assert majority_baseline(held, train)[:3].tolist() == [1, 0, 0.5] and np.isnan(majority_baseline(held, train)[3])


def test_evaluate_reports_baselines_the_split_and_the_ceilings_count():
    rows = []
    # three raters on prompt q agree that the short clear answer beats the long vague one
    for who in ("r1", "r2", "r3"):
        rows += pair_rows(who, "q", ("a", "clear"), ("b", "vague vague vague"))
    rows += pair_rows("r3", "z", ("e", "useful"), ("f", "wrong answer"))  # judged once: not doubly rated
    rows += pair_rows("r2", "z", ("g", "wrong wrong"), ("h", "kind"))  # a rater who disagrees with the utility
    frame = pd.DataFrame(rows)
    result = evaluate(UtilityModel(), frame, split="rater", train_participants=["r1"], train_prompts=["q"], folds=2)
    assert result["split"] == "rater" and "held-out raters" in result["split_description"]
    assert result["n_comparisons"] == 4 and result["n_heldout_participants"] == 2
    assert result["heldout_accuracy_pooled"] == pytest.approx(3 / 4)
    base = result["baselines"]
    assert base["longer_wins"]["pooled"] == pytest.approx(1 / 4)  # only g's "wrong wrong" is the longer winner
    assert base["shorter_wins"]["pooled"] == pytest.approx(3 / 4)
    assert base["train_majority"]["n_comparisons"] == 2 and base["train_majority"]["pooled"] == 1.0
    assert base["train_majority"]["coverage"] == pytest.approx(0.5)
    assert result["agreement_n_doubly_rated"] == 2 and result["agreement_ceiling_pooled"] == 1.0
    assert result["agreement_ceiling_reason"] is None
    for name in ("longer_wins", "shorter_wins"):
        lo, hi = base[name]["ci"]
        assert 0 <= lo <= base[name]["accuracy"] <= hi <= 1


def test_a_prompt_split_holds_out_prompts_and_says_why_the_majority_and_ceiling_are_null():
    rows = pair_rows("r1", "q", ("a", "clear"), ("b", "vague")) + pair_rows("r2", "q", ("a", "clear"), ("b", "vague"))
    rows += pair_rows("r1", "z", ("e", "useful"), ("f", "wrong"))
    result = evaluate(UtilityModel(), pd.DataFrame(rows), split="prompt", train_prompts=["q"], folds=2)
    assert result["split"] == "prompt" and result["group_by"] == "prompt"
    assert result["n_comparisons"] == 1 and result["n_heldout_prompts"] == 1
    assert result["baselines"]["train_majority"]["accuracy"] is None
    assert "prompt-disjoint split shares no outputs" in result["baselines"]["train_majority"]["reason"]
    assert result["agreement_ceiling"] is None and result["agreement_n_doubly_rated"] == 0
    assert result["agreement_ceiling_reason"].startswith("no held-out comparison was also made by another")
    with pytest.raises(RewardDataError, match="no comparisons left for evaluation with --split prompt"):
        evaluate(UtilityModel(), pd.DataFrame(rows), split="prompt", train_prompts=["q", "z"])


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return simulate_rankings(CohortRankers(seed=3), synthetic_ranking_items(10, 4, seed=3), 6)


@pytest.mark.parametrize("split", ["rater", "prompt", "both"])
def test_the_trainer_never_evaluates_on_what_it_trained_on(tiny, cohort, split):
    config = RewardConfig(model=tiny, learning_rate=1e-3, batch_size=8, device="cpu", progress=False,
                          eval_fraction=0.34, folds=2, split=split)
    trainer = RewardTrainer(config).fit(cohort)
    table = comparison_table(rankings_from_frame(cohort))
    train_people, train_prompts = set(trainer.train_participants_), set(trainer.train_prompts_)
    if split == "rater":
        assert not train_people & set(trainer.eval_participants_) and train_prompts == set(table.prompt_id)
    if split == "prompt":
        assert not train_prompts & set(trainer.eval_prompts_) and train_people == set(table.participant)
    if split == "both":
        assert not train_people & set(trainer.eval_participants_) and not train_prompts & set(trainer.eval_prompts_)
    metrics = trainer.metrics_
    assert metrics["split"] == split
    held = table
    if split != "prompt":
        held = held[held.participant.isin(trainer.eval_participants_)]
    if split != "rater":
        held = held[held.prompt_id.isin(trainer.eval_prompts_)]
    assert metrics["n_comparisons"] == len(held) > 0
    meta = trainer.checkpoint_meta()
    assert meta["split"] == split and meta["train_prompts"] == trainer.train_prompts_


def test_cross_validation_over_both_is_refused(cohort, tiny):
    from psyai.reward.evaluate import cross_validate

    with pytest.raises(RewardDataError, match="--cross-validate folds over raters or over prompts"):
        cross_validate(cohort, RewardConfig(model=tiny, split="both"))
    with pytest.raises(ConfigError, match="split='people': use one of rater, prompt, both"):
        RewardConfig(model=tiny, split="people").check()


# -- the command line -----------------------------------------------------------------------------

def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


TRAIN = ["--learning-rate", "1e-3", "--device", "cpu", "--no-progress", "--folds", "2"]


@pytest.mark.parametrize("flags, message", [
    (["--max-prompts-per-participant", "0"], "--max-prompts-per-participant 0: give a whole number from 1, or 'none'"),
    (["--max-prompts-per-participant", "-3"], "--max-prompts-per-participant -3: give a whole number from 1"),
    (["--min-shared-prefix", "0"], "--min-shared-prefix 0: give a whole number from 1, or 'none'"),
    (["--min-shared-prefix", "ten"], "--min-shared-prefix ten: give a whole number from 1"),
    (["--eval-fraction", "1"], "eval_fraction=1.0: use a fraction in [0, 1)"),
    (["--batch-size", "0"], "batch_size=0: must be at least 1"),
    (["--split", "people"], "split='people': use one of rater, prompt, both"),
    (["--seed", "-1"], "seed=-1: give a whole number from 0"),
    (["--weight-decay", "nan"], "must not be negative"),
    (["--learning-rate", "inf"], "must be finite numbers"),
])
def test_train_refuses_bad_numbers_in_one_line(tmp_path, capsys, tiny, cohort, flags, message):
    cohort.to_csv(tmp_path / "r.csv", index=False)
    status, out, err = run(capsys, "train", str(tmp_path / "r.csv"), "--model", tiny, "--out", str(tmp_path / "rm"),
                           *TRAIN, *flags)
    assert status == 1 and out == "" and len(err.splitlines()) == 1 and message in err, err


@pytest.mark.parametrize("flags, message", [
    (["--folds", "0"], "--folds 0: use 1 or more"), (["--batch-size", "0"], "--batch-size 0: give a whole number"),
    (["--seed", "-2"], "--seed -2: give a whole number from 0"),
])
def test_eval_refuses_bad_numbers_in_one_line(tmp_path, capsys, flags, message):
    status, out, err = run(capsys, "eval", str(tmp_path / "rm"), str(tmp_path / "r.csv"), *flags)
    assert status == 1 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("flags, message", [
    (["--k", "1"], "--k 1: give a whole number from 2"), (["--threads", "-1"], "--threads -1"),
    (["--learning-rate", "0"], "--learning-rate 0.0: give a positive rate"),
])
def test_bench_refuses_bad_numbers_in_one_line(capsys, flags, message):
    status, out, err = run(capsys, "bench", "--json", *flags)
    assert status == 1 and message in err and len(err.splitlines()) == 1


def test_none_switches_curation_rules_off_and_empty_texts_are_dropped_and_counted(tmp_path, capsys, tiny, cohort):
    frame = cohort.copy()
    frame.loc[frame.index[:3], "text"] = ["", "  ", None]
    frame.to_csv(tmp_path / "r.csv", index=False)
    status, out, err = run(capsys, "train", str(tmp_path / "r.csv"), "--model", tiny, "--out", str(tmp_path / "rm"),
                           *TRAIN, "--max-prompts-per-participant", "none", "--min-shared-prefix", "none",
                           "--split", "prompt", "--eval-fraction", "0.3")
    assert status == 0, err
    summary = json.loads(out)
    assert summary["dropped_empty_texts"] == 3 and summary["split"] == "prompt"
    assert summary["train_prompts"] + summary["eval_prompts"] == 10 and summary["eval_prompts"] == 3
    assert set(summary["baselines"]) == {"longer_wins", "shorter_wins", "train_majority"}
    status, out, err = run(capsys, "eval", str(tmp_path / "rm"), str(tmp_path / "r.csv"), "--folds", "2")
    result = json.loads(out)
    assert status == 0 and result["split"] == "prompt" and result["excluded_trained_prompts"] == 7
    assert result["n_heldout_prompts"] == 3 and result["dropped_empty_texts"] == 3
    assert result["heldout_accuracy"] == pytest.approx(summary["heldout_accuracy"])
    status, out, err = run(capsys, "eval", str(tmp_path / "rm"), str(tmp_path / "r.csv"), "--split", "rater")
    assert status == 1 and "no participants left for evaluation" in err

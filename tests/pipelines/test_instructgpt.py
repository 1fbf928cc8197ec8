"""The InstructGPT loop end to end, shrunk: every step's command, the real experiment scripts, the report."""

from __future__ import annotations

import json

import pytest

from psyai.errors import PsyaiError
from psyai.instructgpt import LoopSettings, run_loop, world_answers, world_prompts
from psyai.participants.rankers import utility

pytestmark = pytest.mark.usefixtures("display")


def test_the_world_has_eighty_prompts_and_answers_whose_utility_follows_the_word_rates():
    prompts = world_prompts("ja")
    assert len(prompts) == 80 and len({p["prompt_id"] for p in prompts}) == len({p["prompt"] for p in prompts}) == 80
    better = [utility(a["text"]) for a in world_answers(prompts, 5, 0.6, 0.1, seed=1)]
    even = [utility(a["text"]) for a in world_answers(prompts, 5, 0.3, 0.3, seed=1)]
    assert sum(better) / len(better) > 2 > abs(sum(even) / len(even))  # 6 words: E = 6 (p_good - p_bad)


def test_the_loop_runs_every_step_and_reports_the_policy_against_sft(tmp_path):
    settings = LoopSettings(train_prompts=8, eval_prompts=6, writers=2, demonstrations_per_writer=4, rankers=2,
                            rankings_per_ranker=5, raters=3, base_steps=60, sft_epochs=2, reward_epochs=2,
                            policy_steps=3, max_new_tokens=8)
    results = run_loop(tmp_path / "run", settings)
    win = results["policy_vs_sft_win_rate"]
    assert 0 <= win["ci_low"] <= win["estimate"] <= win["ci_high"] <= 1
    assert results["policy_kl_to_sft"]["last_kl"] is not None
    assert set(results["mean_utility_of_heldout_outputs"]) == {"base", "sft", "policy"}
    assert set(results["seconds"]) >= {"pretraining", "demonstrations", "sft", "rankings", "reward model", "policy",
                                       "human evaluation", "analysis", "total"}
    on_disk = json.loads((tmp_path / "run" / "results.json").read_text())
    assert on_disk["policy_vs_sft_win_rate"] == win
    html = (tmp_path / "run" / "report.html").read_text()
    assert "preferred the policy" in html and "human_eval/report.html" in html
    for step in ("demonstrations", "ranking", "human_eval"):  # the real scripts wrote real session logs
        assert list((tmp_path / "run" / "data" / step).glob("sub-*/ses-1/*_log.jsonl"))
    for model in ("base", "sft", "reward", "policy"):
        assert (tmp_path / "run" / "models" / model / "config.json").exists()
    with pytest.raises(PsyaiError, match="not empty; psyai never overwrites"):
        run_loop(tmp_path / "run", settings)

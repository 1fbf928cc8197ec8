"""Simulated human-evaluation raters that judge the texts themselves (the InstructGPT loop's raters)."""

from __future__ import annotations

import numpy as np

from psyai.participants.evaluators import EvaluatorCohort


def test_raters_judging_text_prefer_the_better_text_whatever_model_wrote_it():
    cohort = EvaluatorCohort(utilities={}, harmlessness={}, from_text=True, seed=1)
    good = "clear accurate kind useful helpful river."
    bad = "vague wrong rude river market book."
    wins = 0
    for trial in range(200):
        rater = cohort.participant(trial % 10)
        # the same model names swap texts: only the text can decide
        items = [{"item_id": f"{trial}a", "prompt_id": f"p{trial}", "model": "policy", "text": bad, "condition": "none"},
                 {"item_id": f"{trial}b", "prompt_id": f"p{trial}", "model": "sft", "text": good, "condition": "none"}]
        ranks = rater.rank(items)
        wins += ranks[1] == 1
        ratings = rater.rate(items)["overall"]
        assert (ranks[1] < ranks[0]) <= (ratings[1] >= ratings[0])  # a better rank never has a lower rating
    assert wins / 200 > 0.95  # utility difference 8 against noise SD ≈ 1.6
    rater = cohort.participant(0)
    equal = [rater.rank([{"item_id": f"{t}{m}", "prompt_id": f"q{t}", "model": m, "text": "river.",
                          "condition": "none"} for m in ("x", "y")])[0] for t in range(300)]
    assert 0.4 < np.mean(np.array(equal) == 1) < 0.6  # equal texts: a coin flip

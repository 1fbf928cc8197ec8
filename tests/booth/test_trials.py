"""Trial lists: Latin square, balance, seeded order, attention checks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from psyai.booth import trials
from psyai.errors import StimulusError


def items(n_prompts=12, versions=("human", "model")):
    return [{"item_id": f"p{k}-{v}", "prompt_id": f"p{k}", "source": v, "lang": "en"}
            for k in range(n_prompts) for v in versions]


def test_latin_square_shows_each_version_equally_often_across_lists():
    its = items(12, ("human", "model", "model2"))
    for it in its:
        if it["source"] == "model2":
            it["source"] = "model"
    assert trials.n_lists(its) == 3
    seen = Counter()
    for L in range(3):
        chosen = trials.latin_square_items(its, L)
        assert len(chosen) == 12 and len({it["prompt_id"] for it in chosen}) == 12  # one version per prompt
        seen.update(it["item_id"] for it in chosen)
        assert Counter(it["item_id"].split("-")[1] for it in chosen) == {"human": 4, "model": 4, "model2": 4}
    assert set(seen.values()) == {1} and len(seen) == 36  # every version once over a full rotation


def test_order_is_reproducible_from_seed_and_respects_max_run():
    its = items(20)
    a = trials.build_main_order(its, 0, seed=42, lang="en", n_checks=3)
    b = trials.build_main_order(its, 0, seed=42, lang="en", n_checks=3)
    c = trials.build_main_order(its, 0, seed=43, lang="en", n_checks=3)
    assert [x["item_id"] for x in a] == [x["item_id"] for x in b] != [x["item_id"] for x in c]
    sources = [x["source"] for x in a if x["source"] != "check"]
    assert trials._max_run(sources) <= 3
    checks = [x for x in a if x["source"] == "check"]
    assert [x["item_id"] for x in checks] == ["check-1", "check-2", "check-3"]
    assert all(x["expected"] in ("human", "model") for x in checks)
    positions = [i for i, x in enumerate(a) if x["source"] == "check"]
    assert positions[0] < 9 < positions[2]  # spread over the block, one per third


def test_balanced_subset_and_too_many_trials():
    rng = np.random.default_rng(0)
    chosen = trials.balanced_subset(items(20), 10, rng)
    assert Counter(it["source"] for it in chosen) == {"human": 5, "model": 5}
    with pytest.raises(StimulusError, match="41 trials asked for but the list holds only 40"):
        trials.balanced_subset(items(20), 41, rng)


def test_items_without_prompt_id_stand_alone():
    its = [{"item_id": f"x{k}", "prompt_id": "", "source": "human" if k % 2 else "model"} for k in range(6)]
    assert trials.n_lists(its) == 1
    assert len(trials.latin_square_items(its, 0)) == 6

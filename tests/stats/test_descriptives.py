"""psyai.stats.descriptives against R's quantile(type = 7) (reference/turing_reference.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from psyai.stats.descriptives import quantile_summary

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "turing_reference.json").read_text())


def test_quartiles_by_hand():
    d = pd.DataFrame({"participant": ["a", "a", "b", "b", "b"], "rt": [1.0, 2.0, 3.0, 4.0, 10.0], "g": True})
    out = quantile_summary(d, "rt", "g").iloc[0]
    # R: quantile(c(1, 2, 3, 4, 10), c(.25, .5, .75)) -> 2 3 4
    assert (out["q1"], out["median"], out["q3"], out["iqr"], out["mean"]) == (2.0, 3.0, 4.0, 2.0, 4.0)
    assert bool(out["g"]) and out["n"] == 5 and out["n_participants"] == 2
    assert out["participant_median"] == pytest.approx((1.5 + 4.0) / 2)  # medians 1.5 and 4


def test_quartiles_match_r_on_the_cohort():
    d = pd.read_csv(REF_DIR / "turing_trials.csv")
    out = quantile_summary(d, "rt", "source").set_index("source")
    for src in ("human", "model"):
        assert out.loc[src, ["q1", "median", "q3"]].tolist() == pytest.approx(REF["cohort"]["rt_quartiles"][src],
                                                                                rel=1e-12)

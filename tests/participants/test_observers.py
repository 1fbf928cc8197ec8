"""Simulated readers: reading times follow the stated model and stay finite whatever a stimulus holds."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from psyai.participants.observers import MAX_WORD_RT, ReadingObserver


def test_reading_times_follow_the_log_linear_model_below_the_cap():
    observer = ReadingObserver(intercept=5.7, b_length=0.04, b_measure=0.5, measures={("t1", 1): 2.0}, seed=4)
    noise = np.random.default_rng(4).normal(0.0, 0.25, size=2)
    assert observer.reading_time("t1", 0, "reading") == pytest.approx(math.exp(5.7 + 0.04 * 7 + noise[0]) / 1000)
    expected = math.exp(5.7 + 0.04 * 3 + 0.5 * 2.0 + noise[1]) / 1000
    assert observer.reading_time("t1", 1, "cat") == pytest.approx(expected)


@pytest.mark.parametrize("word, measure", [("a" * 100_000, 0.0), ("a" * 200, 0.0), ("word", 1e6)])
def test_a_word_too_long_for_the_model_takes_the_capped_time(word, measure):
    observer = ReadingObserver(b_measure=1.0, measures={("t1", 0): measure}, sd=0.0)
    with np.errstate(over="raise"):  # no overflow on the way either
        rt = observer.reading_time("t1", 0, word)
    assert rt == MAX_WORD_RT == 60.0
    json.dumps({"rt": rt}, allow_nan=False)


def test_a_simulated_session_with_a_100000_character_word_writes_its_log(tmp_path):
    """The self-paced reading experiment, run as psyai simulate runs it, on a text holding one huge word."""
    rows = ["item_id,lang,source,text,origin,practice", "p1,en,human,A short practice text to read.,demo,1"]
    rows += [f"t{i},en,human,Text number {i} is short and plain.,demo,0" for i in range(1, 3)]
    rows.append(f"long,en,human,Here is {'a' * 100_000} word.,demo,0")
    stimuli = tmp_path / "items.csv"
    stimuli.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "self_paced_reading", "--participants", "1",
                          "--stimuli", str(stimuli), "--out", str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    [log] = (tmp_path / "data" / "self_paced_reading").glob("sub-*/ses-1/*_log.jsonl")
    trials = {r["item_id"]: r for r in map(json.loads, log.read_text(encoding="utf-8").splitlines())
              if r["record"] == "trial"}
    assert trials["long"]["rts"][2] == MAX_WORD_RT and trials["long"]["words"][2] == "a" * 100_000
    assert all(0 < rt < MAX_WORD_RT for t in ("t1", "t2") for rt in trials[t]["rts"])

"""A person's path: real key presses (xdotool → X server → PsychoPy's keyboard) in a pilot session.

Under Xvfb, psychtoolbox's keyboard does not see synthetic X events, so this
test uses PsychoPy's `event` backend (the lab default stays psychtoolbox).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from psyai.data import load
from psyai.errors import DataError
from tests.helpers import EXPERIMENTS, ROOT, Booth

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`, which installs it")


def test_pilot_session_by_keyboard_with_escape_keeps_complete_data(tmp_path, stim_file, own_display):
    data = tmp_path / "data"
    log = data / "turing_test" / "sub-PILOT1" / "ses-1" / "sub-PILOT1_ses-1_log.jsonl"
    booth = Booth(log)
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "turing_test.py"), "--participant", "PILOT1", "--stimuli", str(stim_file),
         "--data-dir", str(data), "--pilot", "--kb-backend", "event", "--seed", "5", "--lang", "en"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the session header")
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")                 # instructions
        booth.press_on("comprehension", "1")                # wrong answer to the comprehension check …
        booth.wait(lambda recs: any(r["record"] == "comprehension" for r in recs), what="first check")
        booth.press_on("continue", "space")                 # … "read again"
        booth.press_on("continue", "space")                 # instructions again
        booth.press_on("comprehension", "j")                # the answer in words: not a key the check takes …
        booth.press_on("comprehension", "2", same=True)     # … the screen says which keys answer: the right one
        booth.wait(lambda recs: any(r["record"] == "comprehension" and r["passed"] for r in recs), what="passed check")
        booth.press_on("continue", "space")                 # practice intro
        for k in range(2):                                  # two practice trials with feedback
            booth.press_on("judge", "f")
            booth.press_on("rate", "3")
            booth.wait(lambda recs, k=k: booth.n_trials("practice") == k + 1, what=f"practice trial {k}")
            booth.press_on("continue", "space")
        booth.press_on("continue", "space")                 # main intro
        booth.press_on("judge", "j")
        booth.press_on("rate", "6")
        booth.wait(lambda recs: booth.n_trials("main") == 1, what="first main trial")
        booth.press_on("judge", "f")
        onset = time.monotonic()                            # no later than the confidence screen's onset
        booth.press_on("rate", "Escape", after=1.5)         # mid-trial, 1.5 s into it: asks for confirmation …
        booth.press_on("continue", "n")                     # … no: back to the same screen
        booth.press_on("rate", "2")
        answered = time.monotonic()
        booth.wait(lambda recs: booth.n_trials("main") == 2, what="second main trial")
        booth.press_on("judge", "Escape")
        booth.press_on("continue", "y")
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="end record")
        booth.press_on("continue", "space")                 # what the study was about
        booth.press_on("continue", "space")                 # the "stopped, data saved" screen
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    recs = booth.records()
    assert recs[-1]["status"] == "aborted" and recs[-1]["n_trials_done"] == 2
    assert [r["passed"] for r in recs if r["record"] == "comprehension"] == [False, True]
    assert [r["other_keys"] for r in recs if r["record"] == "comprehension"] == [[], ["j"]]
    trials = [r for r in recs if r["record"] == "trial"]
    assert [(r["phase"], r["response"], r["confidence"]) for r in trials] == [
        ("practice", "human", 3), ("practice", "human", 3), ("main", "model", 6), ("main", "human", 2)]
    assert all(r["pilot"] and r["run_mode"] == "pilot" and not r["simulated"] for r in trials)
    assert all(0 < r["rt"] < 30 for r in trials)
    # the confidence RT runs from its own screen, through the cancelled Escape, not from the question
    assert 1.5 < trials[3]["confidence_rt"] <= answered - onset + 0.2
    # PsychoPy's CSV is written on Escape too
    assert len(list(log.parent.glob("*_turing_test.csv"))) == 1
    # pilot data never passes for real data: analyses leave it out unless asked
    with pytest.raises(DataError, match="pilot sessions are left out"):
        load(data)
    assert set(load(data, include_pilot=True).run_mode) == {"pilot"}


def test_declining_consent_ends_the_session_with_no_trials(tmp_path, stim_file, own_display):
    data = tmp_path / "data"
    log = data / "turing_test" / "sub-P9" / "ses-1" / "sub-P9_ses-1_log.jsonl"
    booth = Booth(log)
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "turing_test.py"), "--participant", "P9", "--stimuli", str(stim_file),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--lang", "ja"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the session header")
        booth.focus()
        booth.press_on("consent", "n")
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="the end record")
        booth.press_on("continue", "space")  # the thank-you screen takes space
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    recs = booth.records()
    assert [r["record"] for r in recs] == ["header", "consent", "end"]
    assert recs[1]["consented"] is False and recs[2]["status"] == "declined"
    assert recs[0]["run_mode"] == "real"

"""Simulated writers: answers from the corpus, plans with known revision and refusal rates, keystroke counts."""

from __future__ import annotations

import numpy as np
import pytest

from psyai.booth.writing import WritingState, length_problem
from psyai.errors import StimulusError
from psyai.participants.writers import (
    DEFAULT_ANSWERS, CohortWriters, SimulatedWriter, fit_length, keystrokes, load_answers,
)


def context(prompt_id="den01", lang="en", trial_index=0, min_chars=20, max_chars=400, state=None):
    return {"kind": "demo_review", "prompt_id": prompt_id, "prompt": "A request?", "lang": lang,
            "trial_index": trial_index, "min_chars": min_chars, "max_chars": max_chars,
            "state": state or WritingState()}


def run_trial(writer, ctx):
    """Drive one trial as WritingScreens does: E opens the editor, Enter confirms within the limits."""
    state = ctx["state"]
    while True:
        key, rt = writer.decide(ctx, ["e", "return"])
        assert rt > 0
        if key == "e":
            state.apply(writer.write({**ctx, "kind": "demo_write"}))
        elif length_problem(state.draft, ctx["min_chars"], ctx["max_chars"]) is None:
            return state
        else:
            state.length_refusals += 1


def test_the_shipped_corpus_answers_every_shipped_prompt_in_both_languages():
    from psyai.data.stimuli import load_stimuli

    answers = load_answers(DEFAULT_ANSWERS)
    prompts = load_stimuli(DEFAULT_ANSWERS.parent / "prompts.csv")
    assert {(it["lang"], it["prompt_id"]) for it in prompts.items} == set(answers)
    assert sum(1 for lang, _ in answers if lang == "ja") >= 12 and sum(1 for lang, _ in answers if lang == "en") >= 12


def test_a_bad_answer_corpus_is_refused_naming_file_and_line(tmp_path):
    bad = tmp_path / "answers.csv"
    bad.write_text("answer_id,prompt_id,lang,text\na1,p1,en,Fine answer.\na2,,en,No prompt.\n", encoding="utf-8")
    with pytest.raises(StimulusError, match=r"answers.csv line 3: prompt_id is empty"):
        load_answers(bad)
    bad.write_text("answer_id,prompt,lang,text\na1,p1,en,x\n", encoding="utf-8")
    with pytest.raises(StimulusError, match=r"line 1: missing column\(s\) prompt_id"):
        load_answers(bad)


def test_keystrokes_count_the_shortest_edit():
    assert keystrokes("", "hello", 1.0) == (5, 5, 0)
    assert keystrokes("hello", "hello world", 1.0) == (6, 6, 0)
    assert keystrokes("hello there", "hello world", 1.0) == (5 + 5, 5, 5)  # 5 Backspaces, 5 letters
    assert keystrokes("", "こんにちは", 2.0) == (10, 5, 0)


def test_fit_length_keeps_answers_within_the_limits_at_sentence_ends():
    text = "First sentence here. Second one is a little longer. Third."
    assert fit_length(text, 10, 40) == "First sentence here."
    assert fit_length("短い。", 5, 100) == "短い。短い。"
    assert fit_length(text, 10, 1000) == text


def test_a_writers_plan_follows_its_rates_and_ends_within_the_limits():
    answers = load_answers(DEFAULT_ANSWERS)
    cohort = CohortWriters(p_revise=0.5, p_too_short=0.25, seed=1)
    refusals, revisions, n = [], [], 0
    for index in range(8):
        writer = cohort.participant(index, answers)
        for t, pid in enumerate(sorted(pid for lang, pid in answers if lang == "en")):
            state = run_trial(writer, context(pid, trial_index=t))
            assert 20 <= len(state.draft) <= 400
            assert state.draft == fit_length(answers[("en", pid)][0], 20, 400)
            refusals.append(state.length_refusals)
            revisions.append(state.n_revisions)
            n += 1
    assert set(refusals) == {0, 1} and 0.1 < np.mean(refusals) < 0.4      # p_too_short = 0.25
    assert 0.4 < np.mean([r > 0 for r in revisions]) < 0.8                # revised at least once
    assert n == 8 * 14


def test_the_same_seed_writes_the_same_session_and_japanese_goes_through_an_ime():
    answers = load_answers(DEFAULT_ANSWERS)

    def session(seed):
        writer = SimulatedWriter(answers, seed=seed, p_revise=0.5)
        out = []
        for t in range(3):
            state = run_trial(writer, context(f"dja0{t + 1}", "ja", t, min_chars=10, max_chars=300))
            out.append((state.draft, state.n_keys, state.n_ime_commits, [e.seconds for e in state.edits]))
        return out

    a, b = session(7), session(7)
    assert a == b and session(8) != a
    for draft, keys, commits, seconds in a:
        assert keys >= 2 * len(draft) and commits >= len(draft) / 5 and sum(seconds) > len(draft) / 2

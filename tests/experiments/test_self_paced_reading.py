"""Self-paced reading end to end: real script, real window (Xvfb), simulated and keyboard readers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from psyai.data import load_word_measures
from psyai.errors import StimulusError
from psyai.data.log import read_log
from psyai.data.stimuli import load_stimuli
from psyai.participants.stimuli import write_synthetic_texts
from psyai.booth.textlayout import moving_window, word_lines
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--seed", "2"]


@pytest.fixture
def texts(tmp_path):
    return write_synthetic_texts(tmp_path / "texts.csv", n_items=4)


def log_path(data, pid):
    return data / "self_paced_reading" / f"sub-{pid}" / "ses-1" / f"sub-{pid}_ses-1_log.jsonl"


@pytest.mark.parametrize("lang, unit", [("en", "word"), ("ja", "word"), ("ja", "bunsetsu")])
def test_simulated_reader_gives_one_time_per_word_and_answers_questions(tmp_path, texts, lang, unit):
    from psyai.attention.words import segment

    data = tmp_path / "data"
    res = run_experiment("self_paced_reading", "--participant", "R1", "--stimuli", str(texts), "--data-dir", str(data),
                         "--lang", lang, "--unit", unit, *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log_path(data, "R1"))[0]
    assert recs[0]["settings"]["unit"] == unit
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["phase"] for t in trials] == ["practice"] + ["main"] * 4 and recs[-1]["status"] == "completed"
    items = {it["item_id"]: it for it in load_stimuli(texts).items}
    for t in trials:
        text = items[t["item_id"]]["text"]
        assert len(t["words"]) == len(t["rts"]) >= 3 and all(rt > 0.05 for rt in t["rts"])
        assert [text[s:s + len(w)] for s, w in zip(t["word_starts"], t["words"])] == t["words"]
        assert "".join(t["words"]) == "".join(text.split())  # every character read, in order
        assert t["words"] == [w.text for w in segment(text, lang, unit=unit)]
    asked = [t for t in trials if t["question"]]
    assert asked and all(t["response"] in ("yes", "no") and t["correct"] is not None for t in asked)
    long = load_word_measures(data)
    assert set(long.columns) >= {"participant", "item", "word_index", "word", "measure", "value"}
    assert len(long) == sum(len(t["rts"]) for t in trials if t["phase"] == "main")


def test_reading_times_follow_the_given_word_measure(tmp_path, texts):
    """A simulated cohort whose times depend on a word measure with a known slope: the slope comes back."""
    from psyai.attention.words import segment

    rows = [{"text_id": it["item_id"], "word_index": i, "value": float(np.sin(3 * i + len(it["text"])) * 2)}
            for it in load_stimuli(texts).for_lang("en") for i, _ in enumerate(segment(it["text"], "en"))]
    measures = tmp_path / "measures.csv"
    pd.DataFrame(rows).to_csv(measures, index=False)
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "self_paced_reading", "--participants", "6",
                          "--stimuli", str(texts), "--out", str(tmp_path / "sim"), "--b-measure", "0.3",
                          "--measures", str(measures)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    long = load_word_measures(tmp_path / "sim").merge(
        pd.DataFrame(rows).rename(columns={"text_id": "item", "value": "measure_value"}), on=["item", "word_index"])
    X = np.column_stack([np.ones(len(long)), long.word.str.len(), long.measure_value])
    beta, *_ = np.linalg.lstsq(X, np.log(long.value), rcond=None)
    assert abs(beta[2] - 0.3) < 0.08 and abs(beta[1] - 0.04) < 0.03


def test_kill_9_then_resume_reads_every_text_once(tmp_path, texts):
    data = tmp_path / "data"
    args = ["--participant", "K1", "--stimuli", str(texts), "--data-dir", str(data), "--lang", "en", *SIM]
    before = kill_mid_session("self_paced_reading", args, log_path(data, "K1"), 1)
    booth = Booth(log_path(data, "K1"))
    snapshot = tree(data)
    res = run_experiment("self_paced_reading", *args)
    assert res.returncode == 1 and "--resume" in res.stderr and tree(data) == snapshot
    res = run_experiment("self_paced_reading", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = booth.records()
    main = [r for r in recs if r["record"] == "trial" and r["phase"] == "main"]
    assert [r["item_id"] for r in main] == recs[0]["trial_order"] and [r["trial_index"] for r in main] == [0, 1, 2, 3]
    assert [r for r in recs if r["record"] == "trial"][: len(before)] == before


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_a_person_reads_word_by_word_with_the_space_bar(tmp_path, texts, own_display):
    data = tmp_path / "data"
    booth = Booth(log_path(data, "H1"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "self_paced_reading.py"), "--participant", "H1", "--stimuli", str(texts),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--lang", "ja", "--no-practice",
         "--trials", "1", "--seed", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        order = booth.records()[0]["trial_order"]
        item = next(it for it in load_stimuli(texts).items if it["item_id"] == order[0])
        from psyai.attention.words import segment

        n_words = len(segment(item["text"], "ja"))
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")              # instructions
        booth.press_on("comprehension", "2")
        booth.read_text(n_words, bool(item["question"]), lambda recs: booth.n_trials("main") == 1, "the text on disk")
        booth.press_on("continue", "space")              # what the study was about
        booth.press_on("continue", "space")              # end screen
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = next(r for r in booth.records() if r["record"] == "trial")
    assert len(trial["rts"]) == n_words and all(0.1 < rt < 10 for rt in trial["rts"])
    assert trial["run_mode"] == "real" and booth.records()[-1]["status"] == "completed"


def test_bunsetsu_for_english_is_refused_before_anything_is_written(tmp_path, texts):
    data = tmp_path / "data"
    res = run_experiment("self_paced_reading", "--participant", "R1", "--stimuli", str(texts), "--data-dir", str(data),
                         "--lang", "en", "--unit", "bunsetsu", *SIM)
    assert res.returncode == 1 and "bunsetsu' is for Japanese" in res.stderr and tree(data) == {}


def test_question_without_answer_is_refused(tmp_path, texts):
    lines = texts.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",yes", ",")
    texts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(StimulusError, match="line 2: question has no answer"):
        load_stimuli(texts)


def test_moving_window_layout_never_moves():
    text = "涼しい風が吹き、紅葉が山を赤や黄色に染めます。GPT-4 も読みます。"
    from psyai.attention.words import segment

    spans = [(w.start, w.end) for w in segment(text, "ja")]
    lines = word_lines(text, spans, 20)
    screens = [moving_window(text, spans, lines, i) for i in range(len(spans))]
    from psyai.booth.textlayout import cells

    widths = {tuple(cells(line) for line in s.split("\n")) for s in screens + [moving_window(text, spans, lines, None)]}
    assert len(widths) == 1  # every step has the same line widths: only the revealed word changes
    assert all(max(w) <= 20 for w in widths)
    assert screens[0].startswith("涼しい") and "＿" in screens[0]


def test_a_break_takes_no_key_at_first_so_reading_on_cannot_skip_it(tmp_path, texts, own_display):
    """SPACE reveals words and used to dismiss the break at once: a reader pressing on skipped it unseen."""
    from psyai.attention.words import segment
    from psyai.booth.runner import BREAK_MIN_SECONDS

    data = tmp_path / "data"
    booth = Booth(log_path(data, "B1"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "self_paced_reading.py"), "--participant", "B1", "--stimuli", str(texts),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--lang", "en", "--no-practice",
         "--trials", "2", "--break-every", "1", "--seed", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        items = {it["item_id"]: it for it in load_stimuli(texts).items}
        first = items[booth.records()[0]["trial_order"][0]]
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")              # instructions
        booth.press_on("comprehension", "2")
        booth.read_text(len(segment(first["text"], "en")), bool(first["question"]),
                        lambda recs: booth.n_trials("main") == 1, "the first text on disk")
        for _ in range(4):                               # reading on, as if the text went on
            booth.press("space", settle=0.1)
        time.sleep(0.3)
        assert not any(r["record"] == "break" for r in booth.records()), "the break was skipped by reading keys"
        assert len(booth.screens()) == booth.heard, "a screen took keys in the break's first seconds"
        booth.press_on("continue", "space")              # once the break says SPACE goes on, it does
        booth.wait(lambda recs: any(r["record"] == "break" for r in recs), what="the break record")
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    pause = next(r for r in booth.records() if r["record"] == "break")
    assert pause["after_trial"] == 0 and pause["duration"] >= BREAK_MIN_SECONDS

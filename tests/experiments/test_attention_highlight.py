"""The highlight experiment end to end: real script, real window (Xvfb), simulated and mouse clicks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from psyai.data import load_word_measures
from psyai.data.log import read_log
from psyai.data.stimuli import load_stimuli
from psyai.participants.stimuli import write_synthetic_texts
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--seed", "2"]


@pytest.fixture
def texts(tmp_path):
    return write_synthetic_texts(tmp_path / "texts.csv", n_items=4)


def log_path(data, pid):
    return data / "attention_highlight" / f"sub-{pid}" / "ses-1" / f"sub-{pid}_ses-1_log.jsonl"


@pytest.mark.parametrize("lang, unit", [("en", "word"), ("ja", "word"), ("ja", "bunsetsu")])
def test_simulated_session_logs_words_selections_and_clicks(tmp_path, texts, lang, unit):
    from psyai.attention.words import segment

    data = tmp_path / "data"
    res = run_experiment("attention_highlight", "--participant", "A1", "--stimuli", str(texts), "--data-dir", str(data),
                         "--lang", lang, "--unit", unit, "--max-select", "2", *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log_path(data, "A1"))[0]
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["phase"] for t in trials] == ["practice"] + ["main"] * 4 and recs[-1]["status"] == "completed"
    items = {it["item_id"]: it for it in load_stimuli(texts).items}
    for t in trials:
        text = items[t["item_id"]]["text"]
        assert [text[s:s + len(w)] for s, w in zip(t["word_starts"], t["words"])] == t["words"]
        assert t["words"] == [w.text for w in segment(text, lang, unit=unit)]
        assert len(t["selected"]) <= 2 and t["max_select"] == 2
        assert sorted(c["word_index"] for c in t["clicks"] if c["action"] == "select") == t["selected"]
        assert all(a["t"] <= b["t"] for a, b in zip(t["clicks"], t["clicks"][1:]))
    # PsychoPy's CSV stays a valid CSV although the words hold commas and quotes
    csv = pd.read_csv(next(log_path(data, "A1").parent.glob("*_attention_highlight.csv")))
    assert [json.loads(w) for w in csv.words] == [t["words"] for t in trials]
    long = load_word_measures(data, "attention_highlight")
    assert set(long.measure) == {"selected"} and long.value.isin([0.0, 1.0]).all()
    assert long.value.sum() == sum(len(t["selected"]) for t in trials if t["phase"] == "main")


def test_selections_follow_the_given_word_measure(tmp_path, texts):
    from psyai.attention.words import segment

    rows = [{"text_id": it["item_id"], "word_index": i, "value": float(np.cos(2.3 * i + len(it["text"])))}
            for it in load_stimuli(texts).for_lang("en") for i, _ in enumerate(segment(it["text"], "en"))]
    measures = tmp_path / "measures.csv"
    pd.DataFrame(rows).to_csv(measures, index=False)
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "attention_highlight", "--participants", "8",
                          "--stimuli", str(texts), "--out", str(tmp_path / "sim"), "--weight", "2.5",
                          "--measures", str(measures)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    freq = load_word_measures(tmp_path / "sim", "attention_highlight").groupby(["item", "word_index"]).value.mean()
    table = pd.DataFrame(rows).set_index(["text_id", "word_index"]).value
    rho = stats.spearmanr(freq.to_numpy(), table.loc[freq.index].to_numpy()).statistic
    assert rho > 0.5


def test_kill_9_then_resume_highlights_every_text_once(tmp_path, texts):
    data = tmp_path / "data"
    args = ["--participant", "K1", "--stimuli", str(texts), "--data-dir", str(data), "--lang", "en", *SIM]
    before = kill_mid_session("attention_highlight", args, log_path(data, "K1"), 1)
    booth = Booth(log_path(data, "K1"))
    snapshot = tree(data)
    assert run_experiment("attention_highlight", *args).returncode == 1 and tree(data) == snapshot
    res = run_experiment("attention_highlight", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = booth.records()
    main = [r for r in recs if r["record"] == "trial" and r["phase"] == "main"]
    assert [r["item_id"] for r in main] == recs[0]["trial_order"] and [r["trial_index"] for r in main] == [0, 1, 2, 3]
    assert [r for r in recs if r["record"] == "trial"][: len(before)] == before


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_a_person_marks_and_unmarks_words_with_the_mouse(tmp_path, texts, own_display):
    sys.path.insert(0, str(EXPERIMENTS))
    import attention_highlight as ah

    from psyai.booth import ui
    from psyai.attention.words import segment
    from psyai.participants.observers import HighlightObserver

    data = tmp_path / "data"
    booth = Booth(log_path(data, "M1"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "attention_highlight.py"), "--participant", "M1", "--stimuli", str(texts),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--lang", "en", "--no-practice",
         "--trials", "1", "--seed", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        item = next(it for it in load_stimuli(texts).items if it["item_id"] == booth.records()[0]["trial_order"][0])
        # the same layout the experiment computes, in a window of the same size
        win = ui.make_window(windowed=True, simulated=True)
        screens = ui.Screens(win, "en", ui.SimulatedInput(HighlightObserver()), simulated_time=True)
        _, rects = ah.HighlightRoutine(screens, ah.Settings(), "en").layout([w.text for w in segment(item["text"], "en")])
        width, height = win.size
        win.close()
        wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "PsychoPy"],
                             capture_output=True, text=True, timeout=60).stdout.split()[0]

        def click(i: int) -> None:
            x0, y0, x1, y1 = rects[i]
            px = int(width / 2 + (x0 + x1) / 2 * height)
            py = int(height / 2 - (y0 + y1) / 2 * height)
            booth.when("highlight", after=0.2)  # a person's clicks are frames apart: the window polls once a frame
            subprocess.run(["xdotool", "mousemove", "--window", wid, str(px), str(py), "mousedown", "1"], check=True)
            time.sleep(0.15)  # a person's click lasts a few frames; the window polls the button once per frame
            subprocess.run(["xdotool", "mouseup", "1"], check=True)

        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")          # instructions
        booth.press_on("comprehension", "2")
        booth.press_on("highlight", "Return")        # nothing marked yet: ENTER is refused, and the screen says why
        click(1)
        click(3)
        click(1)                                     # unmark
        booth.press_on("highlight", "Return")
        booth.wait(lambda recs: booth.n_trials("main") == 1, what="the text on disk")
        booth.press_on("continue", "space")          # what the study was about
        booth.press_on("continue", "space")          # the end screen
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = next(r for r in booth.records() if r["record"] == "trial")
    assert trial["selected"] == [3]
    assert [(c["word_index"], c["action"]) for c in trial["clicks"]] == [(1, "select"), (3, "select"), (1, "unselect")]
    assert trial["refused_enters"] == 1
    assert trial["run_mode"] == "real"


def _luminance(rgb255: np.ndarray) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    c = np.asarray(rgb255, dtype=float) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_boxes_fit_their_words_with_even_gaps_and_a_marked_word_reads_at_4_5_to_1(lang):
    """English boxes were about twice their word's width, gaps grew with word length, white on mustard
    read at about 2:1. Measured on the rendered words."""
    sys.path.insert(0, str(EXPERIMENTS))
    import attention_highlight as ah

    from psyai.attention.words import segment
    from psyai.booth import ui
    from psyai.participants.observers import HighlightObserver

    text = {"en": "A tiny cat watched extraordinarily unremarkable WWW mmm ii birds, quietly.",
            "ja": "小さな猫がとても静かに鳥を見ていた。"}[lang]
    words = [w.text for w in segment(text, lang)]
    win = ui.make_window(windowed=True, simulated=True)
    try:
        screens = ui.Screens(win, lang, ui.SimulatedInput(HighlightObserver()), simulated_time=True)
        routine = ah.HighlightRoutine(screens, ah.Settings(), lang)
        stims, rects = routine.layout(words)
        width, height = win.size
        to_px = lambda x: width / 2 + x * height  # noqa: E731
        gaps = [round((rects[i + 1][0] - rects[i][2]) * height, 3) for i in range(len(rects) - 1)
                if rects[i + 1][1] == rects[i][1]]  # boxes on one line
        assert gaps and max(gaps) - min(gaps) < 0.01 and min(gaps) > 0  # even, and boxes never touch
        for stim, (x0, y0, x1, y1) in zip(stims, rects):
            win.clearBuffer()
            stim.draw()
            win.getMovieFrame(buffer="back")
            ink = np.asarray(win.movieFrames.pop().convert("L"), dtype=float)
            cols = np.flatnonzero((np.abs(ink - np.median(ink)) > 40).any(axis=0))
            ink_w = cols.max() - cols.min() + 1
            assert to_px(x0) <= cols.min() + 1 and cols.max() - 1 <= to_px(x1)  # the word inside its box
            assert (x1 - x0) * height <= 1.2 * ink_w + 16, stim.text  # and the box no wider than needed
        # a marked word: its text against its box, as drawn
        mark = ah.HighlightRoutine.MARK_FILL
        from psychopy import visual

        x0, y0, x1, y1 = rects[1]
        box = visual.Rect(win, width=x1 - x0, height=y1 - y0, pos=((x0 + x1) / 2, (y0 + y1) / 2), fillColor=mark,
                          lineColor=None)
        win.clearBuffer()
        box.draw()
        stims[1].color = ah.HighlightRoutine.MARK_TEXT
        stims[1].draw()
        win.getMovieFrame(buffer="back")
        rgb = np.asarray(win.movieFrames.pop().convert("RGB"), dtype=float)
        inside = rgb[int(height / 2 - y1 * height) + 2:int(height / 2 - y0 * height) - 2,
                     int(to_px(x0)) + 2:int(to_px(x1)) - 2].reshape(-1, 3)
        lum = np.array([_luminance(c) for c in inside])
        fill, text_colour = np.median(lum), lum.min()
        assert (max(fill, text_colour) + 0.05) / (min(fill, text_colour) + 0.05) >= 4.5
    finally:
        win.close()
        sys.path.remove(str(EXPERIMENTS))

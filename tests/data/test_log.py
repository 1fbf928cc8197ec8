"""The durable log: nothing overwritten, every record on disk, damage found and named."""

from __future__ import annotations

import json

import pytest

from psyai.errors import DataError
from psyai.data.log import DurableLog, read_log


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
    from psyai.data.tables import read_rows

    text = "line\u2028separator\u2029paragraph\u0085next"
    path = tmp_path / "log.jsonl"
    with DurableLog.create(path) as log:
        log.write({"record": "header"})
        log.write({"record": "trial", "text": text})
    assert [r.get("text") for r in read_log(path)[0]] == [None, text]
    stimuli = tmp_path / "items.jsonl"
    stimuli.write_text(json.dumps({"item_id": "a", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_rows(stimuli, ValueError)[1][0][1]["text"] == text

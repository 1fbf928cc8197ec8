"""Reading researchers' tables (UTF-8 CSV or JSON Lines) with the line each row starts on.

Stimulus sets and prompt files share this reader, so every error about them
names the file and the line the same way: ``<file> line <n>: <problem>``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".jsonl")


def decode_utf8(path: Path, raw: bytes, error: type[Exception]) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); ``error`` names the line of a bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(f"{path} line {line}: not valid UTF-8 (byte {err.start}); "
                    "save the file as UTF-8 (in Excel: 'CSV UTF-8')") from None


def _csv_rows(path: Path, text: str, error: type[Exception]) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        return [], []
    columns = [name.strip() for name in reader.fieldnames]
    reader.fieldnames = columns
    rows = []
    for record in reader:
        # the row ends on reader.line_num; quoted values may span lines
        start = reader.line_num - sum(v.count("\n") for v in record.values() if isinstance(v, str))
        if None in record:
            raise error(f"{path} line {start}: more fields than header columns; quote texts that contain commas")
        if not any((v or "").strip() for v in record.values()):
            continue
        rows.append((start, {k: v or "" for k, v in record.items()}))
    return columns, rows


def _jsonl_rows(path: Path, text: str, error: type[Exception]) -> tuple[list[str], list[tuple[int, dict]]]:
    columns: dict[str, None] = {}
    rows = []
    for lineno, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may be in a text
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise error(f"{path} line {lineno}: not valid JSON ({err.msg})") from None
        if not isinstance(obj, dict):
            raise error(f"{path} line {lineno}: each line must be a JSON object")
        columns.update(dict.fromkeys(obj))
        rows.append((lineno, obj))
    return list(columns), rows


def read_rows(path: str | Path, error: type[Exception]) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Column names and ``(line, row)`` pairs of a CSV (header = line 1) or JSONL file.

    CSV values are strings; JSON values are kept as they are (the caller
    checks their types). Blank lines are skipped. Problems raise ``error``
    with the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file; give the path to a .csv or .jsonl file")
    if path.suffix.lower() not in SUFFIXES:
        raise error(f"{path}: must be a .csv or .jsonl file, not {path.suffix or 'a file without extension'}")
    text = decode_utf8(path, path.read_bytes(), error)
    reader = _jsonl_rows if path.suffix.lower() == ".jsonl" else _csv_rows
    return reader(path, text, error)

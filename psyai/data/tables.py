"""Reading researchers' tables (UTF-8 CSV or JSON Lines) with the line each row starts on.

Stimulus sets and prompt files share this reader, so every error about them
names the file and the line the same way: ``<file> line <n>: <problem>``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".jsonl")
_FIELD_SIZE_LIMIT = 2**31 - 1  # csv's C long on every platform; a text is never near it


def decode_utf8(path: Path, raw: bytes, error: type[Exception]) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); ``error`` names the line of a bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(f"{path} line {line}: not valid UTF-8 (byte {err.start}); "
                    "save the file as UTF-8 (in Excel: 'CSV UTF-8')") from None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # where csv (and io.StringIO with newline="") ends a line


def _line_breaks(text: str) -> int:
    return len(_LINE_BREAK.findall(text))


def _unclosed_quote_line(text: str, record_line: int) -> int:
    """The line of the quote that opens the last field of the record starting on ``record_line`` and is never closed.

    csv reads such a field to the end of the file, so the field holds every line
    break after its quote.
    """
    offset = 0
    for _, brk in zip(range(record_line - 1), _LINE_BREAK.finditer(text)):
        offset = brk.end()
    rest = text[offset:]
    record = next(csv.reader(io.StringIO(rest, newline="")), [""])  # not strict: the field runs to the end
    return record_line + _line_breaks(rest) - _line_breaks(record[-1] if record else "")


def _csv_records(path: Path, text: str, error: type[Exception]) -> list[tuple[int, list[str]]]:
    """``(first line, fields)`` of every record, blank lines included as ``[]``."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    end = 0  # the line the previous record ended on
    old_limit = csv.field_size_limit(_FIELD_SIZE_LIMIT)  # a text may be longer than csv's default 131,072 characters
    try:
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return records
            except csv.Error as err:
                raise error(_csv_problem(path, text, str(err), end + 1, reader.line_num)) from None
            records.append((end + 1, fields))
            end = reader.line_num
    finally:
        csv.field_size_limit(old_limit)


def _csv_problem(path: Path, text: str, message: str, start: int, line: int) -> str:
    if message.startswith("unexpected end of data"):
        quote = _unclosed_quote_line(text, start)
        return (f"{path} line {quote}: the quote (\") that opens a field here is never closed, so the rest of the "
                "file would be read as that one field; add the closing quote (a quote inside a quoted field is "
                "written twice: \"\")")
    if "expected after" in message:
        return (f"{path} line {line}: a quoted field goes on after its closing quote; write a quote inside a "
                "quoted field twice (\"\") and end the field at the closing quote")
    if "NUL" in message:
        return f"{path} line {line}: contains a NUL character (U+0000); remove it"
    return f"{path} line {line}: not readable as CSV ({message}); save it as CSV UTF-8"


def _csv_rows(path: Path, text: str, error: type[Exception]) -> tuple[list[str], list[tuple[int, dict]]]:
    records = _csv_records(path, text, error)
    while records and not records[0][1]:  # blank lines above the header
        records.pop(0)
    if not records:
        return [], []
    header_line, header = records[0]
    columns = [name.strip() for name in header]
    first_of: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if name and name in first_of:
            raise error(f"{path} line {header_line}: column {name!r} appears twice (columns {first_of[name]} and "
                        f"{number}); remove or rename one")
        first_of.setdefault(name, number)
    rows = []
    for start, fields in records[1:]:
        if len(fields) > len(columns):
            raise error(f"{path} line {start}: more fields than header columns; quote texts that contain commas")
        if not any(v.strip() for v in fields):
            continue
        record = dict(zip(columns, fields))
        record.update((name, "") for name in columns[len(fields):])
        rows.append((start, record))
    return columns, rows


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; json.loads would keep only the last of two equal keys."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _jsonl_rows(path: Path, text: str, error: type[Exception]) -> tuple[list[str], list[tuple[int, dict]]]:
    columns: dict[str, None] = {}
    rows = []
    for lineno, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may be in a text
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_pairs)
        except json.JSONDecodeError as err:
            raise error(f"{path} line {lineno}: not valid JSON ({err.msg})") from None
        except _DuplicateKey as err:
            raise error(f"{path} line {lineno}: field {err.args[0]!r} appears twice in the object; keep one") from None
        except RecursionError:
            raise error(f"{path} line {lineno}: not readable as JSON (lists or objects nested too deeply); "
                        "a row holds texts and numbers") from None
        except ValueError as err:  # an integer of more than sys.get_int_max_str_digits() digits
            raise error(f"{path} line {lineno}: not readable as JSON ({str(err).split(';')[0]}); "
                        "write long numbers as strings") from None
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
    if path.is_dir():
        raise error(f"{path}: is a folder, not a file; give the path to a .csv or .jsonl file")
    if not path.is_file():
        raise error(f"{path}: no such file; give the path to a .csv or .jsonl file")
    if path.suffix.lower() not in SUFFIXES:
        raise error(f"{path}: must be a .csv or .jsonl file, not {path.suffix or 'a file without extension'}")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror}); check that the file is yours to read") from None
    text = decode_utf8(path, raw, error)
    reader = _jsonl_rows if path.suffix.lower() == ".jsonl" else _csv_rows
    return reader(path, text, error)

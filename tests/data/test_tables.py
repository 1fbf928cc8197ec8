"""The shared table reader: texts of any length, and a malformed file named by the line that breaks it."""

from __future__ import annotations

import pytest

from psyai.data.tables import read_rows

HEADER = "item_id,lang,source,text,origin\n"


class TableError(Exception):
    pass


def write(tmp_path, text: str, name: str = "s.csv", newline: str = "\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_a_field_longer_than_csvs_default_limit_is_read_whole(tmp_path):
    long_text = "word " * 60_000  # 300,000 characters; csv stops at 131,072 by default
    path = write(tmp_path, HEADER + f'a1,en,human,"{long_text}",demo\na2,en,human,Short.,demo\n')
    columns, rows = read_rows(path, TableError)
    assert columns == ["item_id", "lang", "source", "text", "origin"]
    assert [(line, row["text"]) for line, row in rows] == [(2, long_text), (3, "Short.")]
    import csv

    assert csv.field_size_limit() == 131_072  # the process-wide limit is left as it was


def test_a_duplicated_column_is_named_at_line_1(tmp_path):
    path = write(tmp_path, "item_id,lang,source,text, text,origin\na1,en,human,One.,Two.,demo\n")
    with pytest.raises(TableError) as err:
        read_rows(path, TableError)
    assert str(err.value) == (f"{path} line 1: column 'text' appears twice (columns 4 and 5); remove or rename one")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_unclosed_quote_names_the_line_it_starts_on(tmp_path, newline):
    body = ('a1,en,human,"A text\nover two lines",demo\n'
            'a2,en,human,"Unclosed text,demo\n'
            'a3,en,human,Third.,demo\n'
            'a4,en,human,Fourth.,demo\n')
    path = write(tmp_path, HEADER + body, newline=newline)
    with pytest.raises(TableError) as err:
        read_rows(path, TableError)
    assert str(err.value).startswith(f"{path} line 4: the quote (\") that opens a field here is never closed")
    # the open quote in a later field of a record that began on an earlier line
    path = write(tmp_path, HEADER + 'a1,en,human,"Two\nlines",demo\n\na2,en,human,Fine,"no end\n\n', name="t.csv")
    with pytest.raises(TableError, match=r"t.csv line 5: the quote"):
        read_rows(path, TableError)


def test_text_after_a_closing_quote_is_refused_not_mangled(tmp_path):
    path = write(tmp_path, HEADER + 'a1,en,human,Fine,demo\na2,en,human,"He said "hi" to me",demo\n')
    with pytest.raises(TableError, match=r"s.csv line 3: a quoted field goes on after its closing quote"):
        read_rows(path, TableError)
    path = write(tmp_path, HEADER + 'a2,en,human,"He said ""hi"" to me",demo\n', name="ok.csv")
    assert read_rows(path, TableError)[1][0][1]["text"] == 'He said "hi" to me'


def test_a_folder_named_like_a_table_is_called_a_folder(tmp_path):
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(TableError, match=r"x.csv: is a folder, not a file; give the path to a .csv or .jsonl file"):
        read_rows(tmp_path / "x.csv", TableError)
    with pytest.raises(TableError, match=r"y.csv: no such file"):
        read_rows(tmp_path / "y.csv", TableError)


def test_line_numbers_and_short_rows(tmp_path):
    path = write(tmp_path, "\n" + HEADER + '\na1,en,human,"One\r\ntwo",demo\n,,,,\na2,en\n', newline="\n")
    columns, rows = read_rows(path, TableError)
    assert columns[0] == "item_id"
    assert [(line, row["item_id"], row["origin"]) for line, row in rows] == [(4, "a1", "demo"), (7, "a2", "")]


def test_a_json_line_with_a_repeated_field_is_refused(tmp_path):
    path = write(tmp_path, '{"item_id": "a1", "text": "One."}\n{"item_id": "a2", "text": "Two.", "text": "Three."}\n',
                 name="s.jsonl")
    with pytest.raises(TableError, match=r"s.jsonl line 2: field 'text' appears twice in the object; keep one"):
        read_rows(path, TableError)


@pytest.mark.parametrize("line, message", [
    ('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", "lists or objects nested too deeply"),
    ('{"seed": ' + "9" * 5000 + "}", "value has 5000 digits); write long numbers as strings"),
])
def test_json_lines_python_cannot_hold_are_named_by_line(tmp_path, line, message):
    path = write(tmp_path, '{"text": "fine"}\n' + line + "\n", name="s.jsonl")
    with pytest.raises(TableError) as err:
        read_rows(path, TableError)
    assert str(err.value).startswith(f"{path} line 2: not readable as JSON (") and message in str(err.value)

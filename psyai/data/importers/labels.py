"""Annotators' labels of items (nominal, ordinal or interval; words or numbers), long or wide, into one labels table.

Layouts (CSV or JSON Lines; several files are read as one table, an item id naming the same
item in every file):

- **long**: one row per label, columns ``item``, ``annotator``, ``label`` (other names with
  ``--item``, ``--annotator``, ``--label``);
- **wide**: one row per item, an ``item`` column and one column per annotator holding that
  annotator's label (``--annotators a,b,c`` names them; by default every column but the
  item column is an annotator).

``--layout auto`` (the default) reads a file as long when it has the annotator and label
columns, else as wide. A missing label (an empty cell, JSON null, or one of ``--missing``,
by default ``NA``, ``N/A``, ``NaN``, ``null``) is not written and is counted under
"no label" in import_report.json; so is an annotator's second label for the same item
(the first is kept).

The level of measurement is checked as the labels are read, each refusal naming file,
line and field: ``--level nominal`` (the default: every distinct label a category) takes
any labels; ``ordinal`` takes numbers, or words with ``--order lowest,…,highest``;
``interval`` takes numbers only. The level and order are written to the report's settings,
where ``psyai analyze agreement`` finds them.

Writes ``labels.csv``: ``item``, ``annotator``, ``label`` (as written in the file, trimmed),
``source_file``, ``source_line`` and, for wide files, ``source_column``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from psyai.data.importing import Dropped, Imported, table_files
from psyai.data.tables import read_rows
from psyai.errors import DataError

KIND = "labels"
LEVELS = ("nominal", "ordinal", "interval")
DEFAULT_MISSING = ("NA", "N/A", "NaN", "null")
COLUMNS = ["item", "annotator", "label", "source_file", "source_line", "source_column"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="label files (.csv or .jsonl), or folders holding them")
    p.add_argument("--out", required=True, type=Path, help="folder to write labels.csv and import_report.json into")
    p.add_argument("--layout", choices=("auto", "long", "wide"), default="auto",
                   help="long: one row per (item, annotator, label); wide: one row per item, one column per "
                        "annotator (default auto: long when the annotator and label columns exist)")
    p.add_argument("--item", default="item", help="column naming the item (default: item)")
    p.add_argument("--annotator", default="annotator", help="long layout: column naming the annotator "
                                                            "(default: annotator)")
    p.add_argument("--label", default="label", help="long layout: column holding the label (default: label)")
    p.add_argument("--annotators", default=None, metavar="COL,COL",
                   help="wide layout: the annotator columns (default: every column but the item column)")
    p.add_argument("--level", choices=LEVELS, default="nominal",
                   help="level of measurement (default nominal: every distinct label a category)")
    p.add_argument("--order", default=None, metavar="LOW,…,HIGH",
                   help="ordinal labels that are words, lowest first, e.g. none,offensive,hateful")
    p.add_argument("--missing", default=",".join(DEFAULT_MISSING), metavar="TOKEN,…",
                   help=f"labels that mean 'no label' besides an empty cell (default {','.join(DEFAULT_MISSING)}; "
                        "give --missing '' to count only empty cells)")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",")] if text else []


def _text(value: object) -> str | None:
    """A cell as trimmed text (JSON numbers as they read: 3, 2.5), None for JSON null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return None if not value else str(value)
    return str(value).strip()


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


class _LevelCheck:
    """Checks each label against the level of measurement as it is read (file, line and field in the error)."""

    def __init__(self, level: str, order: list[str]) -> None:
        if order and level == "interval":
            raise DataError("--order is for ordinal labels that are words; interval labels are numbers, and their "
                            "distances come from the numbers (drop --order, or use --level ordinal)")
        repeated = sorted({o for o in order if order.count(o) > 1})
        if repeated:
            raise DataError(f"--order lists {', '.join(map(repr, repeated))} more than once; give each label once")
        if len(order) == 1:
            raise DataError(f"--order {order[0]} names one label; give every label, lowest first, e.g. low,mid,high")
        self.level, self.order = level, set(order)
        self.order_text = ",".join(order)
        self.first_word: tuple[str, int, str, str] | None = None  # a word label, where it was (ordinal, no order)

    def __call__(self, label: str, path: Path, line: int, field: str) -> None:
        if self.order:
            if label not in self.order:
                raise DataError(f"{path} line {line}: field {field!r} is {label!r}, which is not in --order "
                                f"{self.order_text}; add it to --order or correct the label")
            return
        if self.level == "nominal" or _is_number(label):
            return
        if self.level == "interval":
            raise DataError(f"{path} line {line}: field {field!r} is {label!r}, not a number; --level interval "
                            "needs numeric labels (use --level nominal for categories, or ordinal with --order)")
        if self.first_word is None:
            self.first_word = (str(path), line, field, label)

    def finish(self, labels: pd.Series) -> None:
        if self.first_word is not None:  # ordinal words without an order: name every word found
            path, line, field, label = self.first_word
            words = sorted({x for x in labels if not _is_number(x)})
            shown = ",".join(words[:10]) + (",…" if len(words) > 10 else "")
            raise DataError(f"{path} line {line}: field {field!r} is {label!r}, a word; ordinal labels that are words "
                            f"need their order: give --order lowest,…,highest (the words found: {shown})")


def _layout(columns: list[str], args: argparse.Namespace, path: Path) -> str:
    if args.layout != "auto":
        return args.layout
    return "long" if args.annotator in columns and args.label in columns else "wide"


def run(paths: list[Path], args: argparse.Namespace) -> Imported:
    files = table_files(paths, "label")
    missing = set(_split(args.missing)) | {""}
    order = _split(args.order)
    check = _LevelCheck(args.level, order)
    rows: list[dict] = []
    dropped: list[Dropped] = []
    notes: list[str] = []
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    layouts: dict[str, str] = {}
    for path in files:
        columns, records = read_rows(path, DataError)
        if not columns:
            raise DataError(f"{path}: has no header and no rows; give a label table (docs/DATA.md, 'labels')")
        layout = _layout(columns, args, path)
        layouts[str(path)] = layout
        if args.item not in columns:
            raise DataError(f"{path} line 1: no column {args.item!r} naming the items (columns: "
                            f"{', '.join(columns[:12])}); name it with --item")
        if layout == "long":
            absent = [c for c in (args.annotator, args.label) if c not in columns]
            if absent:
                raise DataError(f"{path} line 1: no column {absent[0]!r} (columns: {', '.join(columns[:12])}); name "
                                f"the annotator and label columns with --annotator and --label, or give "
                                "--layout wide for one column per annotator")
            cells = ((line, rec, _text(rec.get(args.annotator)), args.label, None) for line, rec in records)
        else:
            annotators = _split(args.annotators) or [c for c in columns if c != args.item]
            absent = [c for c in annotators if c not in columns]
            if absent:
                raise DataError(f"{path} line 1: no annotator column {absent[0]!r} (columns: "
                                f"{', '.join(columns[:12])}); correct --annotators")
            if not annotators:
                raise DataError(f"{path} line 1: no annotator columns beside {args.item!r}; a wide table has one "
                                "column per annotator")
            if not args.annotators:
                notes.append(f"{path.name}: wide layout; annotator columns: {', '.join(annotators)} (every column but "
                             f"{args.item!r}; name them with --annotators to leave others out)")
            cells = ((line, rec, col, col, col) for line, rec in records for col in annotators)
        for line, rec, annotator, field, column in cells:
            item = _text(rec.get(args.item))
            if not item:
                raise DataError(f"{path} line {line}: field {args.item!r} is empty; every row needs its item's id")
            if not annotator:
                raise DataError(f"{path} line {line}: field {args.annotator!r} is empty; every label needs its "
                                "annotator's id")
            label = _text(rec.get(field))
            ids = {"item": item, "annotator": annotator}
            if label is None or label in missing:
                dropped.append(Dropped(str(path), line, "no label", ids))
                continue
            key = (item, annotator)
            if key in seen:
                first_file, first_line = seen[key]
                dropped.append(Dropped(str(path), line, "second label of an annotator for an item (the first is kept)",
                                       {**ids, "first": f"{first_file} line {first_line}"}))
                continue
            seen[key] = (str(path), line)
            check(label, path, line, field)
            rows.append({"item": item, "annotator": annotator, "label": label, "source_file": str(path),
                         "source_line": line, "source_column": column})
    table = pd.DataFrame(rows, columns=COLUMNS)
    check.finish(table["label"])
    if table.empty:
        raise DataError(f"{', '.join(map(str, files))}: no labels found (every cell was empty or missing)")
    if all(layout == "long" for layout in layouts.values()):
        table = table.drop(columns="source_column")
    n_items = table["item"].nunique()
    per_item = table.groupby("item")["annotator"].size()
    shared = int((per_item >= 2).sum())
    notes.append(f"{_plural(len(table), 'label')} of {_plural(n_items, 'item')} by "
                 f"{_plural(table['annotator'].nunique(), 'annotator')}; {shared} of the items "
                 f"{'has' if shared == 1 else 'have'} labels from two or more annotators (only those enter agreement)")
    if args.level == "ordinal":
        notes.append("ordinal labels, lowest first: " + (",".join(order) if order else "the numbers' order"))
    return Imported(kind=KIND, tables={"labels": table}, sources=files, dropped=dropped, notes=notes,
                    settings={"layout": layouts, "item": args.item, "annotator": args.annotator, "label": args.label,
                              "annotators": _split(args.annotators) or None, "level": args.level,
                              "order": order or None, "missing": sorted(missing)})

"""psyai import labels: long and wide label tables (CSV, JSON Lines) into psyai's labels table.

Run as a researcher does (``python -m psyai.cli import labels …``) and through the module's
``run``; the imported table of the simulated labels in tests/stats/reference/ gives the
Krippendorff's alpha R's irr gives for them (labels_reference.json), so nothing is lost or
reshaped wrongly on the way in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from psyai.data.importers import labels as labels_kind
from psyai.errors import DataError
from psyai.stats.agreement import krippendorff_alpha

REPO = Path(__file__).resolve().parents[2]
REF_DIR = REPO / "tests" / "stats" / "reference"
REF = json.loads((REF_DIR / "labels_reference.json").read_text())
CATEGORIES = ["none", "offensive", "hateful"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", "import", "labels", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def options(**given) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    labels_kind.add_arguments(p)
    argv = [str(x) for x in given.pop("paths")] + ["--out", "unused"]
    for k, v in given.items():
        argv += [f"--{k.replace('_', '-')}", v]
    return p.parse_args(argv)


def test_long_csv_with_words_missing_and_repeated_labels(tmp_path):
    src = tmp_path / "long.csv"
    src.write_text("item,annotator,label,comment\n"
                   "t1,ann-a,hateful,\n"
                   "t1,ann-b, none ,\n"
                   "t2,ann-a,NA,skipped\n"
                   "t2,ann-b,,\n"
                   "t2,ann-c,offensive,\n"
                   "t1,ann-a,none,changed my mind\n", encoding="utf-8")
    out = tmp_path / "out"
    res = cli(str(src), "--out", str(out), "--level", "ordinal", "--order", "none,offensive,hateful")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "labels.csv")
    assert table.columns.tolist() == ["item", "annotator", "label", "source_file", "source_line"]
    assert table[["item", "annotator", "label", "source_line"]].values.tolist() == [
        ["t1", "ann-a", "hateful", 2], ["t1", "ann-b", "none", 3], ["t2", "ann-c", "offensive", 6]]
    report = json.loads((out / "import_report.json").read_text())
    assert report["kind"] == "labels" and report["rows"] == {"labels": 3}
    assert report["sources"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert report["dropped"]["by_reason"] == {"no label": 2,
                                              "second label of an annotator for an item (the first is kept)": 1}
    repeated = [d for d in report["dropped"]["rows"] if d["reason"].startswith("second")][0]
    assert repeated["line"] == 7 and repeated["ids"]["first"].endswith("long.csv line 2")
    assert report["settings"]["level"] == "ordinal" and report["settings"]["order"] == CATEGORIES
    assert "3 labels of 2 items by 3 annotators; 1 of the items has labels" in res.stdout
    # nothing is overwritten
    again = cli(str(src), "--out", str(out))
    assert again.returncode == 1 and "already holds labels.csv, import_report.json" in again.stderr


def test_wide_csv_and_long_jsonl(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("id,r1,r2,r3,text\nq1,4,5,N/A,some text\nq2,2.5,,3,more\n", encoding="utf-8")
    imported = labels_kind.run([wide], options(paths=[wide], item="id", annotators="r1,r2,r3", level="interval"))
    t = imported.tables["labels"]
    assert t[["item", "annotator", "label", "source_line", "source_column"]].values.tolist() == [
        ["q1", "r1", "4", 2, "r1"], ["q1", "r2", "5", 2, "r2"], ["q2", "r1", "2.5", 3, "r1"],
        ["q2", "r3", "3", 3, "r3"]]
    assert [(d.line, d.ids["annotator"]) for d in imported.dropped] == [(2, "r3"), (3, "r2")]
    # without --annotators every other column is an annotator, and the note says which
    imported = labels_kind.run([wide], options(paths=[wide], item="id"))
    assert set(imported.tables["labels"]["annotator"]) == {"r1", "r2", "r3", "text"}
    assert any("annotator columns: r1, r2, r3, text" in n for n in imported.notes)
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text('{"item": "q1", "coder": "x", "score": 3}\n\n{"item": "q1", "coder": "y", "score": null}\n'
                     '{"item": "q1", "coder": "z", "score": 4.0}\n', encoding="utf-8")
    t = labels_kind.run([jsonl], options(paths=[jsonl], annotator="coder", label="score",
                                         level="interval")).tables["labels"]
    assert t[["annotator", "label", "source_line"]].values.tolist() == [["x", "3", 1], ["z", "4", 4]]


def test_the_imported_table_gives_the_alpha_r_gives(tmp_path):
    """labels_data.csv made wide (one column per annotator) and imported: alpha equals irr's."""
    d = pd.read_csv(REF_DIR / "labels_data.csv")
    wide = d.pivot(index="item", columns="annotator", values="label").reset_index()
    wide.to_csv(tmp_path / "wide.csv", index=False)
    scores = d[["item", "annotator", "score"]].astype({"score": "Int64"})
    scores.to_csv(tmp_path / "scores.csv", index=False)
    res = cli(str(tmp_path / "wide.csv"), "--out", str(tmp_path / "a"), "--level", "ordinal",
              "--order", ",".join(CATEGORIES))
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "a" / "labels.csv")
    assert len(table) == d["label"].notna().sum()
    # R: kripp.alpha(<character matrix>, "nominal"); kripp.alpha(<codes>, "ordinal")
    assert krippendorff_alpha(table, "item", "annotator", "label", "nominal") == pytest.approx(REF["label"]["nominal"])
    assert krippendorff_alpha(table, "item", "annotator", "label", "ordinal", order=CATEGORIES) == pytest.approx(
        REF["label"]["ordinal"])
    res = cli(str(tmp_path / "scores.csv"), "--out", str(tmp_path / "b"), "--label", "score", "--level", "interval")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "b" / "labels.csv")
    assert krippendorff_alpha(table, "item", "annotator", "label", "interval") == pytest.approx(
        REF["score"]["interval"])


@pytest.mark.parametrize("content, flags, message", [
    ("item,annotator,label\nt1,a,3\nt1,b,high\n", ["--level", "interval"],
     r"line 3: field 'label' is 'high', not a number; --level interval needs numeric labels"),
    ("item,annotator,label\nt1,a,low\nt1,b,high\n", ["--level", "ordinal"],
     r"line 2: field 'label' is 'low', a word; ordinal labels that are words need their order: give --order "
     r"lowest,…,highest \(the words found: high,low\)"),
    ("item,annotator,label\nt1,a,low\nt1,b,hihg\n", ["--level", "ordinal", "--order", "low,high"],
     r"line 3: field 'label' is 'hihg', which is not in --order low,high"),
    ("item,annotator,label\nt1,a,low\n,b,high\n", [], r"line 3: field 'item' is empty"),
    ("item,annotator,label\nt1,,low\n", [], r"line 2: field 'annotator' is empty"),
    ("unit,annotator,label\nt1,a,low\n", [], r"line 1: no column 'item' naming the items .*name it with --item"),
    ("item,annotator,label\nt1,a,low\n", ["--layout", "long", "--label", "code"], r"line 1: no column 'code'"),
    ("item,a,b\nt1,1,2\n", ["--annotators", "a,c"], r"line 1: no annotator column 'c'"),
    ("item,annotator,label\nt1,a,1\n", ["--level", "interval", "--order", "1,2"], r"--order is for ordinal labels"),
    ("item,annotator,label\nt1,a,NA\n", [], r"no labels found"),
])
def test_refusals_are_one_line_naming_file_line_and_field(tmp_path, content, flags, message):
    src = tmp_path / "labels.csv"
    src.write_text(content, encoding="utf-8")
    res = cli(str(src), "--out", str(tmp_path / "out"), *flags)
    assert res.returncode == 1
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert re.search(message, err), err
    assert not (tmp_path / "out" / "labels.csv").exists()


def test_folders_and_several_files_are_one_table(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "batch1.csv").write_text("item,annotator,label\nt1,a,x\n", encoding="utf-8")
    (tmp_path / "in" / "batch2.csv").write_text("item,annotator,label\nt1,b,y\nt1,a,z\n", encoding="utf-8")
    imported = labels_kind.run([tmp_path / "in"], options(paths=[tmp_path / "in"]))
    t = imported.tables["labels"]
    assert t["label"].tolist() == ["x", "y"] and t["source_file"].str.endswith(("batch1.csv", "batch2.csv")).all()
    assert imported.dropped[0].ids["first"].endswith("batch1.csv line 2")  # the same item across files
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no .csv or .jsonl file"):
        labels_kind.run([tmp_path / "empty"], options(paths=[tmp_path / "empty"]))

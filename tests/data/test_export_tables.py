"""psyai export trials / words: tidy CSV and Parquet files whose codebook covers every column.

The sessions are made by the real experiment scripts (psyai simulate), the exports by the psyai command; each
file is read back with pandas (CSV) or pyarrow (Parquet) and checked against its codebook and against
psyai.data.load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from psyai.cli import main as psyai
from psyai.data import SCHEMAS, load, load_word_measures
from tests.helpers import ROOT

EXPERIMENTS = ("turing_test", "ranking", "self_paced_reading", "attention_highlight")
ARROW = {"string": ("string", "large_string"), "integer": ("int64",), "number": ("double",), "boolean": ("bool",)}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    from psyai.participants.stimuli import write_synthetic_rankings, write_synthetic_stimuli, write_synthetic_texts

    base = tmp_path_factory.mktemp("export")
    stimuli = {"turing_test": write_synthetic_stimuli(base / "tt.csv", n_prompts=4),
               "ranking": write_synthetic_rankings(base / "rk.csv", n_prompts=3, k=4),
               "self_paced_reading": write_synthetic_texts(base / "tx.csv", n_items=4, langs=("en",)),
               "attention_highlight": base / "tx.csv"}
    for experiment in EXPERIMENTS:
        res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", experiment, "--participants", "1",
                              "--trials", "2", "--stimuli", str(stimuli[experiment]), "--out", str(base / "data")],
                             capture_output=True, text=True, timeout=600, cwd=ROOT)
        assert res.returncode == 0, res.stderr[-2000:]
    return base / "data"


def read_back(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table as another tool reads it, and each column's type there."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return table.to_pandas(), {f.name: str(f.type) for f in table.schema}
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return frame, {c: str(frame[c].dtype) for c in frame.columns}


def check_against_codebook(path: Path, entries: list[dict]) -> pd.DataFrame:
    frame, types = read_back(path)
    assert [e["name"] for e in entries] == list(frame.columns)  # every column, in the file's order
    for e in entries:
        column, kind = frame[e["name"]], types[e["name"]]
        assert e["type"] in ("string", "integer", "number", "boolean", "list"), e
        if not e["nullable"]:
            assert column.notna().all(), e["name"]
        if e["allowed"]:
            assert set(column.dropna()) <= set(e["allowed"]), e["name"]
        if path.suffix == ".parquet":
            if e["type"] == "list":
                assert kind.startswith(("list", "large_list")), (e["name"], kind)
            else:
                assert kind in ARROW[e["type"]], (e["name"], kind)
        elif e["type"] == "list":
            assert all(isinstance(json.loads(v), list) for v in column.dropna()), e["name"]
        elif e["type"] == "integer" and column.notna().all():
            assert kind == "int64", (e["name"], kind)
        elif e["type"] == "number" and column.notna().any():
            assert kind in ("float64", "int64"), (e["name"], kind)
    return frame


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_trial_tables_of_every_experiment_with_a_codebook_covering_every_column(data, tmp_path, fmt, capsys):
    out = tmp_path / "export"
    assert psyai(["export", "trials", str(data), "--out", str(out), "--format", fmt]) == 0
    printed = capsys.readouterr().out.split()
    names = [f"{e}_trials.{fmt}" for e in EXPERIMENTS]
    assert printed == [str(out / n) for n in names] + [str(out / "codebook.json"), str(out / "codebook.md")]
    book = json.loads((out / "codebook.json").read_text())
    assert book["format"] == fmt and list(book["tables"]) == names
    md = (out / "codebook.md").read_text()
    for experiment, name in zip(EXPERIMENTS, names):
        entries = book["tables"][name]["columns"]
        frame = check_against_codebook(out / name, entries)
        truth = load(data, experiment)
        assert len(frame) == len(truth) == book["tables"][name]["rows"] > 0
        assert all(f"`{e['name']}`" in md.split(f"## {name}")[1] for e in entries)
        by_name = {e["name"]: e for e in entries}
        for field, (_types, allowed, _nullable) in SCHEMAS[experiment].items():
            if field in by_name and allowed:  # allowed values are the schema's
                assert by_name[field]["allowed"] == list(allowed), field
        assert set(SCHEMAS[experiment]) <= set(frame.columns)
    tt = {e["name"]: e for e in book["tables"][names[0]]["columns"]}
    rk = {e["name"]: e for e in book["tables"][names[1]]["columns"]}
    # meanings come from docs/DATA.md, each experiment's own table; units from the exporter
    assert tt["rt"]["unit"] == "s" and tt["rt"]["description"].startswith("seconds from the flip that showed the text")
    assert rk["rt"]["description"].startswith("seconds from the first flip of the trial")
    assert tt["response"]["allowed"] == ["human", "model"] and tt["session_status"]["allowed"][-1] == "incomplete"
    assert rk["ranks"]["type"] == "list" and rk["ranks"]["description"].startswith("rank of each output: 1 = best")


def test_list_columns_survive_the_round_trip(data, tmp_path):
    spr = load(data, "self_paced_reading")
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        assert psyai(["export", "trials", str(data), "--out", str(out), "--format", fmt]) == 0
        frame, _ = read_back(out / f"self_paced_reading_trials.{fmt}")
        as_list = json.loads if fmt == "csv" else list
        assert frame["rts"].map(as_list).tolist() == spr["rts"].tolist()
        assert frame["words"].map(as_list).tolist() == spr["words"].tolist()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_word_tables_from_sessions_and_from_an_import(data, tmp_path, fmt):
    relfix = tmp_path / "reports" / "pp01-relfix-feats.csv"
    relfix.parent.mkdir()
    pd.DataFrame({"sentence_id": [0, 0, 0], "word_id": [0, 1, 2], "word": ["de", "zaak", "styles"],
                  "TRT": [191.0, 0.0, 383.0], "relFix": [0.33, 0.0, 0.67]}).to_csv(relfix)
    assert psyai(["import", "eye-tracking", str(relfix.parent), "--preset", "zuco",
                  "--out", str(tmp_path / "imp")]) == 0
    out = tmp_path / "words"
    assert psyai(["export", "words", str(data), str(tmp_path / "imp"), "--out", str(out), "--format", fmt]) == 0
    book = json.loads((out / "codebook.json").read_text())
    entries = book["tables"][f"words.{fmt}"]["columns"]
    frame = check_against_codebook(out / f"words.{fmt}", entries)
    sessions = pd.concat([load_word_measures(data), load_word_measures(data, "attention_highlight")])
    assert len(frame) == len(sessions) + 6
    assert set(frame["measure"]) == {"reading_time", "selected", "total_fixation_time", "relative_fixation_duration"}
    imported = frame[frame["participant"] == "pp01"]
    # (a CSV reader makes a column with empty cells float: the session rows have no source line)
    assert imported["source_line"].astype(int).tolist() == [2, 3, 4, 2, 3, 4]
    assert pd.to_numeric(imported["orig_word_index"]).astype(int).tolist() == [0, 1, 2, 0, 1, 2]
    value = {e["name"]: e for e in entries}["value"]
    assert "reading_time: ms" in value["unit"] and "selected: 0/1" in value["unit"]
    assert "relative_fixation_duration: share" in value["unit"]
    assert any("a word table" in n for n in book["notes"])


def test_nothing_is_overwritten_and_a_folder_without_sessions_is_one_line(data, tmp_path, capsys):
    out = tmp_path / "export"
    assert psyai(["export", "trials", str(data), "--out", str(out)]) == 0
    before = (out / "codebook.json").read_bytes()
    assert psyai(["export", "trials", str(data), "--out", str(out), "--format", "csv"]) == 1
    err = capsys.readouterr().err
    assert "already holds turing_test_trials.csv" in err and "nothing was overwritten" in err
    assert (out / "codebook.json").read_bytes() == before
    (tmp_path / "empty").mkdir()
    assert psyai(["export", "trials", str(tmp_path / "empty"), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "no session logs found" in err and len(err.strip().splitlines()) == 1
    assert psyai(["export", "words", str(tmp_path / "empty"), "--out", str(tmp_path / "y")]) == 1
    assert "no word tables" in capsys.readouterr().err

"""``psyai import preferences|rankings|gold-pairs``: published layouts in, psyai's long ranking table out.

Every fixture is written here in the layout its source publishes (TRL's standard and conversational
preference datasets, Anthropic HH's implicit prompts, UltraFeedback's prompt + conversations, a
K-way rating table, AlpacaEval's annotations), so no third-party data are committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from psyai import cli
from psyai.errors import DataError
from psyai.reward.cli import load_table
from psyai.reward.data import rankings_from_frame


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def psyai(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def imported(capsys, tmp_path: Path, *argv: str) -> tuple[pd.DataFrame, dict]:
    out = tmp_path / "imported"
    status, stdout, err = psyai(capsys, "import", *argv, "--out", str(out))
    assert status == 0, err
    return load_table(out / "rankings.csv"), json.loads((out / "import_report.json").read_text())


def msgs(*turns: tuple[str, str]) -> list[dict]:
    return [{"role": r, "content": c} for r, c in turns]


STANDARD = [  # TRL's standard preference layout, explicit prompt, with an annotator column
    {"id": "x1", "prompt": "What colour is the sky?", "chosen": "Blue on a clear day.", "rejected": "Green.",
     "annotator": "r1"},
    {"id": "x2", "prompt": "What colour is the sky?", "chosen": "Blue.", "rejected": "Green.", "annotator": "r2"},
    {"id": "x3", "prompt": "Name a fruit.", "chosen": "An apple.", "rejected": "", "annotator": "r1"},
    {"id": "x4", "prompt": "Name a fruit.", "chosen": "A pear.", "rejected": "A pear.", "annotator": "r2"},
    {"id": "x5", "prompt": "What colour is the sky?", "chosen": "Green.", "rejected": "Blue on a clear day.",
     "annotator": "r1"},
]


# -- preferences ----------------------------------------------------------------------------------

def test_standard_pairs_with_raters_become_two_row_rankings_train_reads(tmp_path, capsys):
    path = write_jsonl(tmp_path / "prefs.jsonl", STANDARD)
    table, report = imported(capsys, tmp_path, "preferences", str(path), "--rater-column", "annotator")
    assert len(table) == 6  # x1, x2, x5; x3 (empty reply) and x4 (same reply) dropped
    assert report["dropped"]["by_reason"] == {"empty reply": 1, "chosen and rejected are the same reply": 1}
    assert [(d["line"], d["ids"]["pair_id"]) for d in report["dropped"]["rows"]] == [(3, "x3"), (4, "x4")]
    assert report["dropped"]["rows"][0]["ids"]["field"] == "rejected"
    first = table[table.pair_id == "x1"]
    assert first["rank"].tolist() == [1, 2] and first["text"].tolist() == ["Blue on a clear day.", "Green."]
    assert set(first.source_line) == {1} and set(first.source_file) == {str(path)}
    # the same prompt and reply get the same ids across raters (agreement needs them), and r1's second pair
    # on the sky prompt is its own trial (session 2), not two more outputs of the first
    sky = table[table.prompt == "What colour is the sky?"]
    assert sky.prompt_id.nunique() == 1
    assert table.loc[table.text == "Green.", "item_id"].nunique() == 1
    assert table.loc[table.pair_id == "x5", "session"].tolist() == [2, 2]
    rankings = rankings_from_frame(table)
    assert len(rankings) == 3 and all(r.pairs == ((0, 1),) for r in rankings)
    assert report["notes"] == []


def test_without_rater_ids_each_pair_is_its_own_rater_and_the_report_says_so(tmp_path, capsys):
    path = write_jsonl(tmp_path / "prefs.jsonl", STANDARD)
    table, report = imported(capsys, tmp_path, "preferences", str(path))
    assert table.participant.nunique() == 3 and (table.rater_id.fillna("") == "").all()
    assert table.participant.iloc[0] == "pair-000001"
    assert any("no rater ids: each of the 3 pairs is its own rater" in n for n in report["notes"])


def test_conversational_pairs_with_the_prompt_implicit_in_the_shared_turns(tmp_path, capsys):
    rows = [
        {"chosen": msgs(("system", "Be brief."), ("user", "Hi?"), ("assistant", "Hello!")),
         "rejected": msgs(("system", "Be brief."), ("user", "Hi?"), ("assistant", "Go away."))},
        {"chosen": msgs(("user", "2+2?"), ("assistant", "4")), "rejected": msgs(("user", "2+2?"))},  # empty reply
    ]
    table, report = imported(capsys, tmp_path, "preferences", str(write_jsonl(tmp_path / "hh.jsonl", rows)))
    assert table.text.tolist() == ["Hello!", "Go away."]
    assert table.prompt.iloc[0] == "system: Be brief.\n\nuser: Hi?"
    assert json.loads(table.prompt_messages.iloc[0]) == msgs(("system", "Be brief."), ("user", "Hi?"))
    assert json.loads(table.messages.iloc[1]) == msgs(("assistant", "Go away."))
    assert set(table.format) == {"conversational"}
    assert report["dropped"]["by_reason"] == {"empty reply": 1} and report["dropped"]["rows"][0]["line"] == 2
    assert any("1 pair(s) had the prompt inside chosen and rejected" in n for n in report["notes"])


def test_standard_strings_with_an_implicit_prompt_split_at_a_word_or_a_turn_marker(tmp_path, capsys):
    rows = [{"chosen": "\n\nHuman: Is the sea salty?\n\nAssistant: It is salty.",
             "rejected": "\n\nHuman: Is the sea salty?\n\nAssistant: It isn't."}]
    path = write_jsonl(tmp_path / "hh.jsonl", rows)
    table, _ = imported(capsys, tmp_path, "preferences", str(path))
    assert table.prompt.iloc[0] == "\n\nHuman: Is the sea salty?\n\nAssistant: It "  # never mid-word
    assert table.text.tolist() == ["is salty.", "isn't."]
    out = tmp_path / "marked"
    assert psyai(capsys, "import", "preferences", str(path), "--turn-marker", "Assistant:", "--out", str(out))[0] == 0
    marked = load_table(out / "rankings.csv")
    assert marked.prompt.iloc[0] == "\n\nHuman: Is the sea salty?\n\nAssistant:"
    assert marked.text.tolist() == [" It is salty.", " It isn't."]


def test_ultrafeedback_layout_in_parquet_takes_the_prompt_from_the_shared_messages(tmp_path, capsys):
    frame = pd.DataFrame([{
        "prompt_id": "uf-7", "prompt": "Write a haiku.",
        "chosen": msgs(("user", "Write a haiku."), ("assistant", "Old pond, a frog jumps.")),
        "rejected": msgs(("user", "Write a haiku."), ("assistant", "No.")), "score_chosen": 8.0}])
    frame.to_parquet(tmp_path / "uf.parquet")
    table, report = imported(capsys, tmp_path, "preferences", str(tmp_path / "uf.parquet"))
    assert table.prompt_id.tolist() == ["uf-7", "uf-7"] and table.prompt.iloc[0] == "Write a haiku."
    assert table.text.tolist() == ["Old pond, a frog jumps.", "No."] and table.source_line.tolist() == [1, 1]
    assert report["sources"][0]["sha256"]


def test_csv_cells_may_hold_message_lists_as_json(tmp_path, capsys):
    path = tmp_path / "prefs.csv"
    pd.DataFrame([{"prompt": "Hi?", "chosen": json.dumps(msgs(("assistant", "Hello!"))),
                   "rejected": json.dumps(msgs(("assistant", "Bye.")))},
                  {"prompt": "[draft] say hi", "chosen": "[hi]", "rejected": "hi"}]).to_csv(path, index=False)
    table, _ = imported(capsys, tmp_path, "preferences", str(path))
    assert table.text.tolist() == ["Hello!", "Bye.", "[hi]", "hi"]
    assert table.format.tolist() == ["conversational"] * 2 + ["standard"] * 2
    assert json.loads(table.prompt_messages.iloc[0]) == msgs(("user", "Hi?"))


def test_a_datasets_folder_from_save_to_disk(tmp_path, capsys):
    datasets = pytest.importorskip("datasets")
    train = datasets.Dataset.from_list(STANDARD[:2])
    test = datasets.Dataset.from_list(STANDARD[4:])
    train.save_to_disk(str(tmp_path / "one"))
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(str(tmp_path / "dict"))
    table, _ = imported(capsys, tmp_path, "preferences", str(tmp_path / "one"), "--rater-column", "annotator")
    assert table.pair_id.tolist() == ["x1", "x1", "x2", "x2"] and table.source_line.tolist() == [1, 1, 2, 2]
    out = tmp_path / "d"
    assert psyai(capsys, "import", "preferences", str(tmp_path / "dict"), "--out", str(out))[0] == 0
    both = load_table(out / "rankings.csv")
    assert both.split.tolist() == ["train"] * 4 + ["test"] * 2
    assert both.source_file.iloc[-1] == str(tmp_path / "dict" / "test")


@pytest.mark.parametrize("rows, argv, message", [
    ([{"prompt": "p", "answer_a": "x", "rejected": "y"}], [],
     "no column 'chosen' (columns: prompt, answer_a, rejected); name the right one with --chosen-column NAME"),
    ([{"prompt": "p", "chosen": "x", "rejected": "y"}, {"prompt": "p", "chosen": 5, "rejected": "y"}], [],
     "line 2: field chosen is a int, not a text"),
    ([{"chosen": [{"content": "x"}], "rejected": [{"role": "user", "content": "y"}]}], [],
     "line 1: field chosen, message 1 is not a {\"role\", \"content\"} object"),
    ([{"chosen": msgs(("assistant", "x")), "rejected": "y"}], [],
     "line 1: field chosen is messages but rejected is a string"),
    ([{"chosen": [{"role": "assistant", "content": [{"type": "image"}]}], "rejected": msgs(("assistant", "y"))}], [],
     "line 1: field chosen, message 1 has content of type list"),
    ([{"prompt": "p", "chosen": "x", "rejected": "y", "who": ""}], ["--rater-column", "who"],
     "line 1: field who (the rater id) is empty"),
])
def test_bad_files_are_refused_by_file_line_and_field(tmp_path, capsys, rows, argv, message):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    status, out, err = psyai(capsys, "import", "preferences", str(path), *argv, "--out", str(tmp_path / "o"))
    assert status == 1 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {path}") and message in err
    assert not (tmp_path / "o" / "rankings.csv").exists()


def test_unreadable_containers_are_one_line_without_a_traceback(tmp_path):
    (tmp_path / "prefs.txt").write_text("chosen,rejected\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    for path, message in [(tmp_path / "prefs.txt", ".txt is not a layout psyai imports"),
                          (tmp_path / "folder", "not one datasets' save_to_disk wrote"),
                          (tmp_path / "broken.parquet", "not a readable Parquet file")]:
        res = subprocess.run([sys.executable, "-m", "psyai.cli", "import", "preferences", str(path), "--out",
                              str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
        assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
        assert len(res.stderr.splitlines()) == 1 and message in res.stderr


def test_a_file_whose_every_pair_is_dropped_is_refused(tmp_path):
    from argparse import Namespace

    from psyai.data.importers import preferences

    path = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "p", "chosen": " ", "rejected": "y"}])
    args = Namespace(prompt_column="prompt", chosen_column="chosen", rejected_column="rejected", rater_column=None,
                     id_column="id", prompt_id_column="prompt_id", turn_marker=None)
    with pytest.raises(DataError, match="no usable pair .* all 1 were dropped \\(empty reply first"):
        preferences.run([path], args)


# -- rankings -------------------------------------------------------------------------------------

RATED = """rater,prompt_id,prompt,item_id,model,text,score
r1,q1,Say hi,o1,big,Hello there,90
r1,q1,Say hi,o2,small,hi,40
r1,q1,Say hi,o3,mid,Hey,40
r2,q1,Say hi,o1,big,Hello there,70
r2,q1,Say hi,o2,small,hi,75
r2,q1,Say hi,o3,mid,Hey,20
r1,q2,Say bye,o4,big,Goodbye,80
r1,q2,Say bye,o5,small,bye,10
r1,q2,Say bye,o6,mid,Bye now,50
r2,q2,Say bye,o4,big,Goodbye,60
r2,q2,Say bye,o5,small,bye,30
r2,q2,Say bye,o6,mid,Bye now,
"""


def test_ratings_on_a_declared_scale_become_ranks_within_each_trial(tmp_path, capsys):
    (tmp_path / "rated.csv").write_text(RATED)
    table, report = imported(capsys, tmp_path, "rankings", str(tmp_path / "rated.csv"), "--rater-column", "rater",
                             "--rating-column", "score", "--scale", "0:100")
    # r1 on q1: 90 > 40 = 40 -> ranks 1, 2, 2 (ties share the better rank); r2 on q2: an empty rating is unranked
    assert table["rank"].tolist()[:6] == [1, 2, 2, 2, 1, 3]
    assert table["rank"].isna().tolist()[-1] and float(table.rating.iloc[0]) == 90 and table.rating_scale.iloc[0] == "0:100"
    assert table.source_line.tolist() == list(range(2, 14)) and table.position.tolist()[:3] == [0, 1, 2]
    assert "ranks derived from score on the scale 0:100" in report["notes"][0]
    lower = tmp_path / "lower"
    assert psyai(capsys, "import", "rankings", str(tmp_path / "rated.csv"), "--rater-column", "rater",
                 "--rating-column", "score", "--scale", "0:100", "--lower-is-better", "--out", str(lower))[0] == 0
    assert load_table(lower / "rankings.csv")["rank"].tolist()[:3] == [3, 1, 1]


def test_psyai_analyze_ranking_runs_on_an_imported_table(tmp_path, capsys):
    (tmp_path / "rated.csv").write_text(RATED)
    imported(capsys, tmp_path, "rankings", str(tmp_path / "rated.csv"), "--rater-column", "rater",
             "--rating-column", "score", "--scale", "0:100")
    table = tmp_path / "imported" / "rankings.csv"
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "ranking", str(table), "--out",
                          str(tmp_path / "report"), "--n-boot", "200"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert results["n_participants"] == 2 and results["n_prompts"] == 2 and results["models"] == ["big", "mid", "small"]
    assert results["kendall_w"]["n_prompts"] == 2
    # a CSV without the ranking columns is refused in one line (it used to read as a damaged log)
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "ranking", str(tmp_path / "other.csv"),
                          "--out", str(tmp_path / "r2")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'other.csv'}: no column(s) participant, session, prompt_id, item_id, model, rank, "
        "run_mode; the ranking analysis reads the long form (docs/DATA.md, 'Rankings'): import the table with "
        "psyai import rankings")


@pytest.mark.parametrize("edit, argv, message", [
    (("90", "190"), ["--rating-column", "score", "--scale", "0:100"],
     "line 2: field score is '190', outside the declared scale 0:100"),
    (("90", "lots"), ["--rating-column", "score", "--scale", "0:100"], "line 2: field score is 'lots', not a number"),
    (None, ["--rating-column", "score"], "--rating-column needs --scale LO:HI"),
    (None, ["--rating-column", "score", "--scale", "7:1"], "--scale 7:1: give the lowest and highest rating as LO:HI"),
    (None, ["--scale", "1:7"], "--scale declares the scale of ratings: name their column with --rating-column"),
    (None, [], "no column 'rank' (columns: rater, prompt_id"),
    (("r1,q1,Say hi,o2", "r1,q1,Say hi,o1"), ["--rating-column", "score", "--scale", "0:100"],
     "line 3: output o1 of prompt q1 appears twice for rater r1 (session 1; first at line 2)"),
    (("r2,q2,Say bye,o5", ",q2,Say bye,o5"), ["--rating-column", "score", "--scale", "0:100"],
     "line 12: field rater is empty"),
])
def test_bad_rankings_are_refused_by_line_and_field(tmp_path, capsys, edit, argv, message):
    path = tmp_path / "rated.csv"
    path.write_text(RATED.replace(*edit, 1) if edit else RATED)
    status, out, err = psyai(capsys, "import", "rankings", str(path), "--rater-column", "rater", *argv, "--out",
                             str(tmp_path / "o"))
    assert status == 1 and len(err.splitlines()) == 1 and message in err, err


def test_ranks_are_read_as_given_and_must_be_whole_numbers(tmp_path, capsys):
    rows = [{"participant": "p1", "prompt_id": "q", "item_id": f"o{k}", "text": f"t{k}", "rank": r}
            for k, r in enumerate([2, 1, None])]
    table, _ = imported(capsys, tmp_path, "rankings", str(write_jsonl(tmp_path / "r.jsonl", rows)))
    assert table["rank"].tolist()[:2] == [2, 1] and pd.isna(table["rank"].iloc[2])
    rows[0]["rank"] = 1.5
    status, _, err = psyai(capsys, "import", "rankings", str(write_jsonl(tmp_path / "r.jsonl", rows)), "--out",
                           str(tmp_path / "o"))
    assert status == 1 and "line 1: field rank is 1.5; a rank is a whole number from 1" in err


# -- gold pairs -----------------------------------------------------------------------------------

ALPACA = [  # AlpacaEval's annotation layout: preference 1, 2, 1.5 (a draw); MT-bench style labels too
    {"input": "Add 2 and 2.", "output_1": "4", "output_2": "5", "preference": 1.0, "generator_1": "m1",
     "generator_2": "m2", "annotator": "judge"},
    {"input": "Add 2 and 3.", "output_1": "5", "output_2": "five", "preference": 1.5, "generator_1": "m1",
     "generator_2": "m2", "annotator": "judge"},
    {"input": "Add 2 and 4.", "output_1": "8", "output_2": "6", "preference": "model_b", "generator_1": "m1",
     "generator_2": "m2", "annotator": "judge"},
    {"input": "Add 2 and 5.", "output_1": "7", "output_2": "6", "preference": None, "generator_1": "m1",
     "generator_2": "m2", "annotator": "judge"},
    {"input": "Add 2 and 6.", "output_1": "", "output_2": "8", "preference": 2, "generator_1": "m1",
     "generator_2": "m2", "annotator": "judge"},
]


def test_gold_pairs_with_labels_and_ties_become_preference_rows(tmp_path, capsys):
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(ALPACA))
    table, report = imported(capsys, tmp_path, "gold-pairs", str(path), "--label-column", "preference")
    assert table["rank"].tolist() == [1, 2, 1, 1, 2, 1]
    assert table.model.tolist() == ["m1", "m2"] * 3 and set(table.participant) == {"judge"}
    assert table.source_line.tolist() == [1, 1, 2, 2, 3, 3]
    assert report["dropped"]["by_reason"] == {"no label": 1, "empty reply": 1}
    assert any("1 tie(s): both outputs rank 1" in n for n in report["notes"])
    rankings = rankings_from_frame(table)
    by_prompt = {r.prompt: r.pairs for r in rankings}
    assert by_prompt == {"Add 2 and 2.": ((0, 1),), "Add 2 and 3.": (), "Add 2 and 4.": ((1, 0),)}  # a tie: none


def test_an_unknown_gold_label_is_refused_by_line(tmp_path, capsys):
    path = write_jsonl(tmp_path / "g.jsonl", [{**ALPACA[0], "label": 3}])
    status, _, err = psyai(capsys, "import", "gold-pairs", str(path), "--out", str(tmp_path / "o"))
    assert status == 1 and "g.jsonl line 1: field label is 3; give 1 or 2 for the preferred output, or a tie" in err

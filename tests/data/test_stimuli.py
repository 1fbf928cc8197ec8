"""Stimulus validation: every problem named with file and line; `psyai validate` exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from psyai.errors import StimulusError
from psyai.data.stimuli import load_stimuli
from psyai.participants.stimuli import write_synthetic_stimuli

HEADER = "item_id,lang,source,text,prompt,prompt_id,model,origin,practice\n"
GOOD = "a1,en,human,A text.,,,,demo,0\n"


def write(tmp_path, body: str, name: str = "s.csv", header: str = HEADER):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("row, message", [
    ("a2,en,robot,Text two.,,,,demo,0\n", "line 3: source is 'robot'; use 'human' or 'model'"),
    ("a2,fr,human,Text two.,,,,demo,0\n", "line 3: lang is 'fr'"),
    ("a2,en,human,   ,,,,demo,0\n", "line 3: text is empty"),
    ("a1,en,human,Another.,,,,demo,0\n", "line 3: item_id 'a1' already used on line 2"),
    ("a2,en,human,A  text.,,,,demo,0\n", "line 3: same text as line 2"),
    ("a2,en,model,Text two.,,,,demo,0\n", "line 3: source is 'model' but the model column is empty"),
    ("a2,en,human,Text two.,,,gpt2,demo,0\n", "line 3: source is 'human' but model is 'gpt2'"),
    ("a2,en,human,Text two.,,,,,0\n", "line 3: origin is empty"),
    ("a 2,en,human,Text two.,,,,demo,0\n", "line 3: item_id 'a 2' may only use"),
    ("a2,en,human,Bad \ufffd char.,,,,demo,0\n", "line 3: text contains U+FFFD"),
    ("a2,en,human,Text two.,,,,demo,yes\n", "line 3: practice is 'yes'"),
    ("a2,en,human,Too,many,fields,,,,demo,0\n", "line 3: more fields than header columns"),
    ("a2,en,human,Mother especially母 likes it.,,,,demo,0\n",
     "line 3: text has '母' (U+6BCD, character 18), a Japanese or other East Asian character, in an English item; "
     "set lang to the language it is written in"),
    ("a2,en,human,Text two.,日本語の質問,,,demo,0\n", "line 3: prompt has '日' (U+65E5, character 1)"),
    ("a2,en,human,Full-width\uff01,,,,demo,0\n", "line 3: text has '\uff01' (U+FF01, character 11)"),
    ("a2,ja,human,This is English.,,,,demo,0\n", "line 3: text has no Japanese character (kana or kanji)"),
])
def test_each_problem_names_file_line_and_fix(tmp_path, row, message):
    path = write(tmp_path, GOOD + row)
    with pytest.raises(StimulusError, match=None) as err:
        load_stimuli(path)
    assert f"{path} {message}" in str(err.value)


def test_scripts_pass_where_they_belong(tmp_path):
    """Latin words inside Japanese pass; another script is accepted where mixed_script says it is meant."""
    header = "item_id,lang,source,text,origin,mixed_script\n"
    body = ("j1,ja,human,AIとPython 3.12で毎日プログラムを書きます。,demo,\n"
            "j2,ja,human,カタカナだけ,demo,0\n"
            "j3,ja,human,明快、簡潔、有益。,demo,0\n"
            "e1,en,human,The word 'kawaii' (可愛い) is hard to translate.,demo,1\n")
    stim = load_stimuli(write(tmp_path, body, header=header))
    assert [it["item_id"] for it in stim.items] == ["j1", "j2", "j3", "e1"]
    with pytest.raises(StimulusError, match=r"line 2: mixed_script is 'yes'"):
        load_stimuli(write(tmp_path, "e2,en,human,Plain.,demo,yes\n", name="t.csv", header=header))


def test_line_numbers_count_multiline_quoted_texts(tmp_path):
    path = write(tmp_path, 'a1,en,human,"First line\nsecond line",,,,demo,0\na2,en,robot,x,,,,demo,0\n')
    with pytest.raises(StimulusError, match=r"line 4: source is 'robot'"):
        load_stimuli(path)


def test_all_problems_reported_at_once(tmp_path):
    path = write(tmp_path, "a1,en,robot,,,,,demo,0\n")
    with pytest.raises(StimulusError) as err:
        load_stimuli(path)
    assert "source is 'robot'" in str(err.value) and "text is empty" in str(err.value)


def test_missing_columns_and_encoding_and_file_type(tmp_path):
    with pytest.raises(StimulusError, match=r"line 1: missing column\(s\) source, origin"):
        load_stimuli(write(tmp_path, "a1,en,A text.\n", header="item_id,lang,text\n"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "a1,en,human,Caf\u00e9,,,,demo,0\n").encode("latin-1"))
    with pytest.raises(StimulusError, match=r"latin1.csv line 2: not valid UTF-8.*save the file as UTF-8"):
        load_stimuli(latin1)
    with pytest.raises(StimulusError, match=r"s.xlsx: must be a \.csv or \.jsonl file, not \.xlsx"):
        load_stimuli(write(tmp_path, GOOD, name="s.xlsx"))
    with pytest.raises(StimulusError, match="missing.csv: no such file"):
        load_stimuli(tmp_path / "missing.csv")
    with pytest.raises(StimulusError, match="no items"):
        load_stimuli(write(tmp_path, ""))


def test_prompt_versions_must_share_lang_and_prompt(tmp_path):
    body = "a1,en,human,One.,Why?,p1,,demo,0\na2,en,model,Two.,How?,p1,m,demo,0\n"
    with pytest.raises(StimulusError, match="line 3: prompt_id 'p1' has a different lang or prompt than on line 2"):
        load_stimuli(write(tmp_path, body))


def test_jsonl_bom_and_japanese(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('\ufeff{"item_id": "j1", "lang": "ja", "source": "human", "text": "秋が好きです。", "origin": "demo"}\n'
                    '{"item_id": "j2", "lang": "ja", "source": "model", "text": "夏も好き。", "model": "m", "origin": "gen"}\n',
                    encoding="utf-8")
    stim = load_stimuli(path)
    assert [it["text"] for it in stim.items] == ["秋が好きです。", "夏も好き。"] and len(stim.sha256) == 64
    path.write_text('{"item_id": "j1"\n', encoding="utf-8")
    with pytest.raises(StimulusError, match="line 1: not valid JSON"):
        load_stimuli(path)


def test_psyai_validate_command(tmp_path):
    good = write_synthetic_stimuli(tmp_path / "good.csv", n_prompts=3)
    bad = write(tmp_path, GOOD + "a2,en,robot,x,,,,demo,0\n", name="bad.csv")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "validate", str(good)], capture_output=True, text=True)
    assert res.returncode == 0 and "ok" in res.stdout and "16 items" in res.stdout
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "validate", str(good), str(bad)], capture_output=True, text=True)
    assert res.returncode == 1 and "bad.csv line 3: source is 'robot'" in res.stderr


def test_models_get_a_display_name_and_a_human_text_none(tmp_path):
    from psyai.data.stimuli import model_display_name
    from psyai.participants.stimuli import write_stimulus_csv

    assert model_display_name("gpt2") == "gpt2"
    assert model_display_name("rinna/japanese-gpt2-small", "0a1b2c") == "rinna/japanese-gpt2-small"  # a hub name
    assert model_display_name("/home/lab/models/run3") == "run3"
    assert model_display_name("stimuli/ranking/_model_900", "sha256:07cbe507b1ea") == "_model_900@07cbe507"
    assert model_display_name("models/gpt2", "sha256:0123456789ab") == "gpt2@01234567"  # local weights
    assert model_display_name("") is None and model_display_name(None) is None
    rows = [{"item_id": "a", "lang": "en", "source": "model", "text": "One.", "model": "/x/y/m1", "origin": "o"},
            {"item_id": "b", "lang": "en", "source": "model", "text": "Two.", "model": "/x/y/m1", "origin": "o",
             "model_name": "My model"},
            {"item_id": "c", "lang": "en", "source": "human", "text": "Three.", "model": "", "origin": "o"}]
    items = {it["item_id"]: it for it in load_stimuli(write_stimulus_csv(rows, tmp_path / "s.csv")).items}
    assert (items["a"]["model_name"], items["b"]["model_name"], items["c"]["model_name"]) == ("m1", "My model", "")
    rows[2]["model_name"] = "oops"
    with pytest.raises(StimulusError, match=r"line 4: source is 'human' but model_name is 'oops'"):
        load_stimuli(write_stimulus_csv(rows, tmp_path / "bad.csv"))


def test_quality_scores_are_numbers_with_a_scale_on_every_version_of_a_prompt(tmp_path):
    header = "item_id,lang,source,text,prompt_id,model,origin,quality,quality_scale\n"
    good = ("r1,en,model,One.,p1,m1,x,4,judge 1-5\n"
            "r2,en,model,Two.,p1,m2,x,2.5,judge 1-5\n")
    stim = load_stimuli(write(tmp_path, good, header=header))
    assert [it["quality"] for it in stim.items] == ["4", "2.5"]
    for body, message in [
        ("r3,en,model,Three.,p2,m1,x,high,judge 1-5\n", "line 4: quality is 'high'; give the published score as a number"),
        ("r3,en,model,Three.,p2,m1,x,nan,judge 1-5\n", "line 4: quality is 'nan'"),
        ("r3,en,model,Three.,p2,m1,x,3,\n", "line 4: quality 3 has no quality_scale"),
        ("r3,en,model,Three.,p1,m3,x,,\n", "line 4: prompt_id 'p1' has a quality score on some rows and not on these"),
    ]:
        path = write(tmp_path, good + body, name="q.csv", header=header)
        with pytest.raises(StimulusError) as err:
            load_stimuli(path)
        assert f"{path} {message}" in str(err.value)


def test_the_shipped_sets_validate():
    """What the README and `make demo` run: both real-text sets and the tiny-model set pass validation."""
    from tests.helpers import ROOT

    for rel in ("turing_test/items.csv", "turing_test/tiny_model/items.csv", "ranking/items.csv", "attention/items.csv"):
        assert load_stimuli(ROOT / "stimuli" / rel).items


CONTROLS = [("\x00", "U+0000 (NUL)"), ("\x07", "U+0007"), ("\x1b", "U+001B (ESC)"), ("\x7f", "U+007F (DEL)"),
            ("\x85", "U+0085 (NEL)"), ("\x9b", "U+009B")]


@pytest.mark.parametrize("char, shown", CONTROLS)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_control_characters_are_refused_with_file_line_and_field(tmp_path, char, shown, suffix):
    from psyai.participants.stimuli import write_stimulus_csv

    rows = [{"item_id": "a1", "lang": "en", "source": "human", "text": "Tab\tand\nnew line\r\nare fine.",
             "prompt": "A prompt.", "origin": "demo"},
            {"item_id": "a2", "lang": "en", "source": "human", "text": f"Bad{char}char.", "prompt": "A prompt.",
             "origin": "demo"},
            {"item_id": "a3", "lang": "en", "source": "human", "text": "Third.", "prompt": f"{char}Why?",
             "origin": "demo"}]
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        write_stimulus_csv(rows, path)
        lines = (2, 5, 6)  # the first text spans three lines
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        lines = (1, 2, 3)
    with pytest.raises(StimulusError) as err:
        load_stimuli(path)
    assert str(err.value).splitlines() == [
        f"{path} line {lines[1]}: text has the control character {shown} at character 4, which does not show on "
        "screen; delete it (re-export the file if it came from another program)",
        f"{path} line {lines[2]}: prompt has the control character {shown} at character 1, which does not show on "
        "screen; delete it (re-export the file if it came from another program)"]
    del rows[1:]
    write_stimulus_csv(rows, tmp_path / "good.csv")
    assert load_stimuli(tmp_path / "good.csv").items[0]["text"] == "Tab\tand\nnew line\r\nare fine."


@pytest.mark.parametrize("field, value, message", [
    ("text", ["a", "b"], 'text is a JSON list (["a", "b"]); it must be a string (in double quotes: "...")'),
    ("text", 42, 'text is a JSON number (42); it must be a string'),
    ("item_id", 7, "item_id is a JSON number (7); it must be a string"),
    ("origin", {"corpus": "x"}, 'origin is a JSON object ({"corpus": "x"}); it must be a string'),
    ("lang", True, "lang is a JSON true/false (true); it must be a string"),
    ("text", ["word"] * 20, 'text is a JSON list (["word", "word", "word", "word", "wor...); it must be a string'),
    ("practice", 2, "practice is a JSON number (2); it must be 0 or 1 (or true/false)"),
    ("temperature", [0.7], "temperature is a JSON list ([0.7]); it must be a number (or a string holding one)"),
    ("quality", False, "quality is a JSON true/false (false); it must be a number"),
])
def test_json_values_of_the_wrong_type_name_field_and_type(tmp_path, field, value, message):
    good = {"item_id": "a1", "lang": "en", "source": "human", "text": "One.", "origin": "demo"}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "item_id": "a2", "text": "Two.", field: value})
                    + "\n", encoding="utf-8")
    with pytest.raises(StimulusError) as err:
        load_stimuli(path)
    assert str(err.value).startswith(f"{path} line 2: {message}") and "\n" not in str(err.value)


def test_json_numbers_and_flags_where_a_column_takes_them(tmp_path):
    """What psyai generate writes: numbers for generation parameters, 0/1 flags, null for no revision."""
    row = {"item_id": "m1", "lang": "en", "source": "model", "text": "One.", "origin": "gen", "model": "m",
           "practice": 1, "temperature": 0.8, "top_p": 1, "max_new_tokens": 60, "seed": 3, "chat_template": False,
           "revision": None, "quality": 4.5, "quality_scale": "judge 1-5", "mixed_script": True, "notes": ["kept"]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    item = load_stimuli(path).items[0]
    assert (item["practice"], item["temperature"], item["top_p"], item["seed"], item["chat_template"]) == (
        True, "0.8", "1", "3", "0")
    assert (item["revision"], item["quality"], item["mixed_script"]) == ("", "4.5", "1")


def test_psyai_validate_refuses_control_characters_and_mistyped_json(tmp_path):
    bad_csv = write(tmp_path, GOOD + "a2,en,human,Null\x00here,,,,demo,0\n", name="nul.csv")
    bad_jsonl = tmp_path / "list.jsonl"
    bad_jsonl.write_text('{"item_id": "a1", "lang": "en", "source": "human", "text": ["a", "b"], "origin": "d"}\n',
                         encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "validate", str(bad_csv), str(bad_jsonl)],
                         capture_output=True, text=True)
    assert res.returncode == 1 and res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.splitlines() == [
        f"invalid {bad_csv} line 3: text has the control character U+0000 (NUL) at character 5, which does not "
        "show on screen; delete it (re-export the file if it came from another program)",
        f"invalid {bad_jsonl} line 1: text is a JSON list ([\"a\", \"b\"]); it must be a string (in double quotes: "
        "\"...\")"]


@pytest.mark.parametrize("body, message", [
    ('a1,en,human,"Unclosed,demo,0\na2,en,human,Two.,,,,demo,0\n', "line 2: the quote (\") that opens a field here is never closed"),
    (None, "text of 200000 characters"),
])
def test_psyai_validate_on_a_long_text_and_an_unclosed_quote(tmp_path, body, message):
    if body is None:
        path = write(tmp_path, f"a1,en,human,{'x' * 200_000},,,,demo,0\n", name="long.csv")
        res = subprocess.run([sys.executable, "-m", "psyai.cli", "validate", str(path)], capture_output=True, text=True)
        assert res.returncode == 0 and res.stdout.startswith(f"ok {path}: 1 items"), res.stderr[-500:]
        return
    path = write(tmp_path, body, name="quote.csv")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "validate", str(path)], capture_output=True, text=True)
    assert res.returncode == 1 and res.stderr.startswith(f"invalid {path} {message}")
    assert len(res.stderr.splitlines()) == 1

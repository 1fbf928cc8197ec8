"""psyai.models.generate with real tiny GPT-2 models built in tmp folders; nothing comes from the hub."""

from __future__ import annotations

import argparse
import csv
import re
import shutil
from pathlib import Path

import huggingface_hub.constants
import pytest
from transformers import AutoTokenizer

import psyai.models.generate as generate
from psyai.models.demo import tiny_causal_lm
from psyai.models.generate import (
    STIMULUS_COLUMNS,
    GenerateError,
    add_arguments,
    generate_items,
    generate_text,
    main,
    read_prompts,
    text_seed,
    write_items,
)
from psyai.models.loading import load_causal_lm, weights_sha256
from psyai.data.stimuli import load_stimuli
from psyai.errors import StimulusError

PROMPTS = "prompt_id,lang,prompt\nen01,en,Describe your favourite season.\nja01,ja,好きな季節について書いてください。\n"
# The tiny test models mix English and Japanese freely: the language check would refuse most texts.
SETTINGS = {"max_new_tokens": 12, "device": "cpu", "check_language": False}


@pytest.fixture(autouse=True)
def hub_offline(monkeypatch):
    """No hub access, whatever imported huggingface_hub first."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="module")
def chat_model(tmp_path_factory) -> str:
    return str(tiny_causal_lm(tmp_path_factory.mktemp("models") / "chat", train_steps=150))


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory) -> str:
    return str(tiny_causal_lm(tmp_path_factory.mktemp("models") / "plain", train_steps=150, chat_template=False))


@pytest.fixture
def prompts(tmp_path) -> Path:
    path = tmp_path / "prompts.csv"
    path.write_text(PROMPTS, encoding="utf-8")
    return path


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="psyai generate")
    add_arguments(parser)
    return main(parser.parse_args([str(a) for a in argv]))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_cli_writes_schema_rows_with_provenance(chat_model, prompts, tmp_path):
    out = tmp_path / "items.csv"
    args = ("--model", chat_model, "--out", out, "--n-per-prompt", 2, "--max-new-tokens", 12, "--seed", 7)
    assert run_cli(prompts, *args, "--device", "cpu", "--no-language-check") == 0
    header, rows = read_csv(out)
    assert header == list(STIMULUS_COLUMNS)
    assert [r["item_id"] for r in rows] == ["en01-chat-1", "en01-chat-2", "ja01-chat-1", "ja01-chat-2"]
    revision = weights_sha256(chat_model)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", revision)
    for row in rows:
        k = int(row["item_id"].rsplit("-", 1)[1])
        assert re.fullmatch(r"[A-Za-z0-9._-]+", row["item_id"])
        assert row["lang"] == row["prompt_id"][:2] and row["source"] == "model" and row["practice"] == "0"
        assert row["text"] and row["text"] == row["text"].strip() and "\ufffd" not in row["text"]
        assert row["prompt"] in PROMPTS and row["model"] == chat_model and row["revision"] == revision
        assert (row["temperature"], row["top_p"], row["max_new_tokens"]) == ("0.8", "0.95", "12")
        assert int(row["seed"]) - text_seed(7, row["prompt_id"], k) in range(5)  # own seed, or a retry
        assert row["chat_template"] == "1"
        for part in (chat_model, revision, f"seed={row['seed']}", "run seed 7", "temperature=0.8", "chat template"):
            assert part in row["origin"]
    # the project's validator (psyai validate) finds nothing wrong but, where the tiny model drifted into
    # the other language, the script rule that --no-language-check switched off
    try:
        assert len(load_stimuli(out).items) == 4
    except StimulusError as err:
        for line in str(err).splitlines():
            assert "East Asian character, in an English item" in line or "has no Japanese character" in line, line


def test_same_seed_same_texts_other_seed_other_texts(chat_model, plain_model, prompts):
    first = generate_items(chat_model, prompts, n_per_prompt=3, seed=3, **SETTINGS)
    again = generate_items(chat_model, prompts, n_per_prompt=3, seed=3, **SETTINGS)
    other = generate_items(chat_model, prompts, n_per_prompt=3, seed=4, **SETTINGS)
    assert first == again
    assert [r["text"] for r in first] != [r["text"] for r in other]
    assert len({r["text"] for r in first}) > 1  # the texts of one run differ too
    assert {r["seed"] for r in first}.isdisjoint({r["seed"] for r in other})
    greedy = [generate_items(plain_model, prompts, seed=s, temperature=0, **SETTINGS) for s in (1, 2)]
    assert [r["text"] for r in greedy[0]] == [r["text"] for r in greedy[1]]  # the seed plays no part
    assert "greedy decoding" in greedy[0][0]["origin"] and greedy[0][0]["temperature"] == 0


def test_each_text_reproduces_from_its_recorded_seed(chat_model, prompts):
    rows = generate_items(chat_model, prompts, n_per_prompt=2, seed=11, temperature=1.0, top_p=0.9, **SETTINGS)
    loaded = load_causal_lm(chat_model, device="cpu")
    for row in reversed(rows):  # alone and out of order
        text = generate_text(
            loaded, row["prompt"], seed=row["seed"], temperature=row["temperature"], top_p=row["top_p"],
            max_new_tokens=row["max_new_tokens"], use_chat_template=bool(row["chat_template"]),
        )  # fmt: skip
        assert text == row["text"]


def spy_on_inputs(monkeypatch, loaded) -> list[str]:
    """Record the decoded input of every model.generate call."""
    seen: list[str] = []
    real_generate = loaded.model.generate

    def spy(*args, **kwargs):
        seen.append(loaded.tokenizer.decode(kwargs["input_ids"][0]))
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(loaded.model, "generate", spy)
    return seen


@pytest.mark.parametrize(
    ("which", "option", "prompt", "flag", "model_input"),
    [
        ("chat_model", None, "Describe spring.", 1, "<|user|>\nDescribe spring.<|end|>\n<|assistant|>\n"),
        ("plain_model", None, "Describe spring.", 0, "Describe spring."),
        # a chat model continuing a finished request just ends its turn: give it a sentence to finish
        ("chat_model", False, "In spring I like to", 0, "In spring I like to"),
    ],
    ids=["template-when-tokenizer-has-one", "plain-when-not", "--no-chat-template"],
)
def test_chat_template_path(request, monkeypatch, tmp_path, which, option, prompt, flag, model_input):
    path = tmp_path / "prompts.csv"
    path.write_text(f"prompt_id,lang,prompt\nen01,en,{prompt}\n", encoding="utf-8")
    loaded = load_causal_lm(request.getfixturevalue(which), device="cpu")
    seen = spy_on_inputs(monkeypatch, loaded)
    rows = generate_items(loaded, path, n_per_prompt=2, chat_template=option, max_new_tokens=12, check_language=False)
    assert seen[0] == model_input
    assert [r["chat_template"] for r in rows] == [flag, flag]
    assert all(("chat template" if flag else "plain continuation") in r["origin"] for r in rows)


def test_chat_template_required_but_missing(plain_model, prompts):
    with pytest.raises(GenerateError, match="the tokenizer has no chat template"):
        generate_items(plain_model, prompts, chat_template=True, **SETTINGS)


def test_refuses_to_overwrite_an_existing_file(prompts, tmp_path, monkeypatch):
    out = tmp_path / "items.csv"
    out.write_text("item_id,lang,source,text,origin\nh1,en,human,Hi.,demo\n", encoding="utf-8")
    before = out.read_bytes()
    monkeypatch.setattr(generate, "load_causal_lm", lambda *a, **k: pytest.fail("checked before loading"))
    assert run_cli(prompts, "--model", "gpt2", "--out", out) == 1
    assert out.read_bytes() == before
    with pytest.raises(GenerateError, match=re.escape(f"{out} already exists; pass --append")):
        write_items([{"item_id": "x"}], out)


def test_append_adds_rows_keeps_old_ones_and_refuses_duplicate_ids(chat_model, prompts, tmp_path):
    out = tmp_path / "items.csv"
    human = {"item_id": "ja01-human", "lang": "ja", "source": "human", "text": "春が好きです。\n桜がきれいなので。",
             "prompt": "好きな季節について書いてください。", "prompt_id": "ja01", "model": "",
             "origin": "demo text written by the psyai developers; not data from real participants", "practice": "0"}  # fmt: skip
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(human))
        writer.writeheader()
        writer.writerow(human)
    rows = generate_items(chat_model, prompts, **SETTINGS)
    write_items(rows, out, append=True)  # old header lacks the generation columns: rewritten with them
    header, written = read_csv(out)
    assert header == [*human, "model_name", "revision", "temperature", "top_p", "max_new_tokens", "seed",
                      "chat_template"]
    # a local model is named in reports by its folder and weights, not by its path
    assert rows[0]["model_name"] == f"{Path(chat_model).name}@{rows[0]['revision'][7:15]}"
    assert written[0] == {**human, **dict.fromkeys(header[len(human):], "")}
    assert [r["item_id"] for r in written] == ["ja01-human", "en01-chat-1", "ja01-chat-1"]

    before = out.read_bytes()
    with pytest.raises(GenerateError, match=re.escape(f"{out} line 4: item_id en01-chat-1 is already in the file")):
        write_items(rows, out, append=True)
    assert out.read_bytes() == before

    relabelled = generate_items(chat_model, prompts, label="again", model_name="Demo chat model", **SETTINGS)
    assert {r["model_name"] for r in relabelled} == {"Demo chat model"}
    write_items(relabelled, out, append=True)  # header now complete: rows appended as they are
    assert out.read_bytes().startswith(before)
    assert [r["item_id"] for r in read_csv(out)[1]][-2:] == ["en01-again-1", "ja01-again-1"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("prompts.csv", "prompt_id,prompt\nen01,Hi\n", " line 1: header lacks lang"),
        ("prompts.csv", "prompt_id,lang,prompt\nen01,en,Hello\nfr01,fr,Bonjour\n", " line 3: lang 'fr' must be 'ja' or 'en'"),
        ("prompts.csv", "prompt_id,lang,prompt\nen01,en,\n", " line 2: prompt is empty"),
        ("prompts.csv", 'prompt_id,lang,prompt\nen01,en,"two\nlines"\nen01,en,Hi\n', " line 4: prompt_id 'en01' already used on line 2"),
        ("prompts.csv", "prompt_id,lang,prompt\nen 01,en,Hi\n", " line 2: prompt_id 'en 01' may only hold"),
        ("prompts.csv", "prompt_id,lang,prompt\nen01,en,Hi,there\n", " line 2: more fields than header columns"),
        ("prompts.csv", "prompt_id,lang,prompt\nja01,ja,好き\n".encode("shift_jis"), " line 2: not valid UTF-8"),
        ("prompts.csv", "prompt_id,lang,prompt\n", ": no prompts in the file"),
        ("prompts.jsonl", '{"prompt_id": "ja01", "lang": "ja", "prompt": "こんにちは"}\n{"prompt_id": \n', " line 2: not valid JSON"),
        ("prompts.jsonl", '\n["ja01", "ja", "こんにちは"]\n', " line 2: each line must be a JSON object"),
        ("prompts.jsonl", '{"prompt_id": "ja01", "lang": "ja"}\n', " line 1: prompt is empty"),
        ("prompts.jsonl", '{"prompt_id": 1, "lang": "ja", "prompt": "x"}\n', " line 1: prompt_id must be text"),
        ("prompts.txt", "prompt_id,lang,prompt\n", ": must be a .csv or .jsonl file"),
        ("absent.csv", None, ": no such file"),
    ],
)  # fmt: skip
def test_bad_prompts_file_error_names_file_and_line(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(GenerateError, match=re.escape(f"{path}{problem}")):
        read_prompts(path)


def test_bad_prompts_file_fails_the_command_in_one_line(tmp_path, capsys):
    path = tmp_path / "prompts.csv"
    path.write_text("prompt_id,lang,prompt\nen01,de,Hallo\n", encoding="utf-8")
    assert run_cli(path, "--model", "gpt2", "--out", tmp_path / "out.csv") == 1
    message = capsys.readouterr().err.strip()
    assert message == f"error: {path} line 2: lang 'de' must be 'ja' or 'en'"


def test_jsonl_prompts_with_bom_and_blank_lines(tmp_path):
    path = tmp_path / "prompts.jsonl"
    lines = ['{"prompt_id": "ja01", "lang": "ja", "prompt": "好きな季節は？", "note": "x"}', "", '{"prompt_id": "en01", "lang": "en", "prompt": " Hi. "}']  # fmt: skip
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    assert [(p.prompt_id, p.prompt, p.line) for p in read_prompts(path)] == [("ja01", "好きな季節は？", 1), ("en01", "Hi.", 3)]


def test_hub_name_loads_like_a_local_path(chat_model, prompts, tmp_path):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--psyai-test--tiny-chat"
    shutil.copytree(chat_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    by_name = generate_items("psyai-test/tiny-chat", prompts, seed=5, cache_dir=tmp_path / "hub", **SETTINGS)
    by_path = generate_items(chat_model, prompts, seed=5, **SETTINGS)
    assert [(r["text"], r["seed"], r["chat_template"]) for r in by_name] == [
        (r["text"], r["seed"], r["chat_template"]) for r in by_path
    ]
    assert {(r["model"], r["revision"], r["item_id"][:-2]) for r in by_name} == {
        ("psyai-test/tiny-chat", commit, "en01-tiny-chat"), ("psyai-test/tiny-chat", commit, "ja01-tiny-chat")
    }  # fmt: skip


@pytest.mark.parametrize(
    ("model", "problem"),
    [("./no/such/folder", "model folder ./no/such/folder does not exist"), ("psyai-test/absent", "cannot load hub model psyai-test/absent")],
)  # fmt: skip
def test_unloadable_model(prompts, tmp_path, model, problem):
    with pytest.raises(GenerateError, match=re.escape(problem)):
        generate_items(model, prompts, cache_dir=tmp_path / "empty-hub", **SETTINGS)


def test_unusable_texts_are_retried_with_the_next_seed_then_refused(chat_model, prompts, monkeypatch):
    loaded = load_causal_lm(chat_model, device="cpu")
    en, ja = text_seed(0, "en01", 1), text_seed(0, "ja01", 1)
    answers = {en: "", en + 1: "half a character \ufffd here", en + 2: "a NUL\x00 psyai validate refuses",
               en + 3: "A fine text.",
               ja: "A  fine text. ", ja + 1: "Already in the file.", ja + 2: "Another text."}  # fmt: skip
    monkeypatch.setattr(generate, "generate_text", lambda _m, _p, *, seed, **_k: answers.get(seed, "Other."))
    rows = generate_items(loaded, prompts, avoid_texts=["Already in the file."], check_language=False)
    assert [(r["text"], r["seed"]) for r in rows] == [("A fine text.", en + 3), ("Another text.", ja + 2)]
    assert f"seed={en + 3}" in rows[0]["origin"]

    answers = {en: "英語ではない。", en + 1: "Full stop。", en + 2: "English.", ja: "Not Japanese。", ja + 1: "日本語です。"}
    monkeypatch.setattr(generate, "generate_text", lambda _m, _p, *, seed, **_k: answers.get(seed, "x"))
    rows = generate_items(loaded, prompts)
    assert [(r["text"], r["seed"]) for r in rows] == [("English.", en + 2), ("日本語です。", ja + 1)]
    rows = generate_items(loaded, prompts, check_language=False)
    assert [r["text"] for r in rows] == ["英語ではない。", "Not Japanese。"]

    monkeypatch.setattr(generate, "generate_text", lambda *_a, **_k: "  ")
    with pytest.raises(GenerateError, match=re.escape(f"{prompts} line 2: ") + ".* for prompt en01 with 5 seeds"):
        generate_items(loaded, prompts)
    with pytest.raises(GenerateError, match="en01 with greedy decoding"):  # every seed gives the same text
        generate_items(loaded, prompts, temperature=0)


def test_lang_picks_the_prompts_of_one_language(chat_model, prompts, tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "generate_text", lambda *_a, seed, **_k: f"日本語 {seed}")
    out = tmp_path / "ja.csv"
    assert run_cli(prompts, "--model", chat_model, "--out", out, "--lang", "ja", "--device", "cpu") == 0
    assert [r["item_id"] for r in read_csv(out)[1]] == ["ja01-chat-1"]
    with pytest.raises(GenerateError, match="no ja prompts to generate for"):
        generate_items(chat_model, read_prompts(prompts)[:1], lang="ja")


def test_append_avoids_texts_already_in_the_file(chat_model, prompts, tmp_path, monkeypatch):
    out = tmp_path / "items.csv"
    out.write_text("item_id,lang,source,text,origin\nh1,en,human,Same text.,demo\n", encoding="utf-8")
    en = text_seed(0, "en01", 1)
    answers = {en: "Same text.", en + 1: "Fresh text."}
    monkeypatch.setattr(generate, "generate_text", lambda _m, _p, *, seed, **_k: answers.get(seed, "その他。"))
    assert run_cli(prompts, "--model", chat_model, "--out", out, "--append", "--device", "cpu") == 0
    rows = read_csv(out)[1]
    assert [(r["text"], r["seed"]) for r in rows[1:]] == [("Fresh text.", str(en + 1)), ("その他。", rows[2]["seed"])]
    assert load_stimuli(out).items[1]["text"] == "Fresh text."


@pytest.mark.parametrize(
    ("setting", "problem"),
    [({"temperature": -0.1}, "--temperature -0.1"), ({"top_p": 0.0}, "--top-p 0.0"), ({"top_p": 1.5}, "--top-p 1.5"),
     ({"n_per_prompt": 0}, "--n-per-prompt 0"), ({"max_new_tokens": 0}, "--max-new-tokens 0"),
     ({"seed": -1}, "--seed -1"), ({"label": "a b"}, "--label 'a b'")],
)  # fmt: skip
def test_bad_settings_refused_before_loading(prompts, setting, problem):
    with pytest.raises(GenerateError, match=re.escape(problem)):
        generate_items("./not/loaded", prompts, **setting)


def test_prompt_plus_new_tokens_longer_than_the_model_takes(chat_model, prompts):
    with pytest.raises(GenerateError, match=re.escape(f"{prompts} line 2: prompt of ") + ".* exceeds the 128 positions"):
        generate_items(chat_model, prompts, max_new_tokens=200, device="cpu")


def test_tiny_model_is_deterministic_and_its_tokenizer_handles_japanese(chat_model, tmp_path):
    first, second = tiny_causal_lm(tmp_path / "a"), tiny_causal_lm(tmp_path / "b")
    assert weights_sha256(first) == weights_sha256(second)
    assert (first / "tokenizer.json").read_bytes() == (second / "tokenizer.json").read_bytes()
    tokenizer = AutoTokenizer.from_pretrained(chat_model)
    text = "好きな季節について書いてください。Spring, because of the cherry blossoms."
    assert tokenizer.decode(tokenizer(text)["input_ids"]) == text
    assert tokenizer.chat_template and tokenizer.eos_token == "<|end|>"

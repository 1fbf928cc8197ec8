"""psyai.attention.cli: extract writes the tidy table; bench prints its ratios as JSON."""

from __future__ import annotations

import json

import pandas as pd

from psyai.attention.cli import main


def test_extract_writes_tidy_csv(tiny, tmp_path, capsys):
    texts = tmp_path / "texts.txt"
    texts.write_text("The cat sat.\n\n私は本を読んだ。\n", encoding="utf-8")
    out = tmp_path / "m.csv"
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(out), "--aggregation", "mean",
                 "--batch-size", "2"]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["text_id", "word_index", "word", "measure", "layer", "head", "value"]
    assert set(table.measure) == {"attention", "rollout", "surprisal", "saliency"}
    assert json.loads(out.with_suffix(".csv.json").read_text())["config"]["aggregation"] == "mean"


def test_bench_json(tiny, capsys):
    assert main(["bench", "--json", "--model", tiny, "--repeats", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"overhead", "speedup_vs_naive", "saliency_overhead"} <= set(result)


def test_missing_texts_file_names_the_fix(tmp_path, capsys):
    assert main(["extract", "--model", "x", "--texts", str(tmp_path / "no.txt"), "--out", str(tmp_path / "o.csv")]) == 1
    assert "one text a line" in capsys.readouterr().err


def test_extract_in_bunsetsu_gives_the_words_the_experiment_shows(tiny, tmp_path, capsys):
    from psyai.attention.words import segment

    texts = tmp_path / "texts.txt"
    text = "東京大学の学生が新しい本を読んでいる。"
    texts.write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "m.csv"
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(out), "--lang", "ja",
                 "--unit", "bunsetsu", "--measures", "surprisal"]) == 0
    table = pd.read_csv(out)
    assert table.sort_values("word_index")["word"].tolist() == [w.text for w in segment(text, "ja", unit="bunsetsu")]
    assert json.loads(out.with_suffix(".csv.json").read_text())["config"]["unit"] == "bunsetsu"
    # a bunsetsu's surprisal is the sum of its morphemes' (the same tokens, grouped)
    morph = tmp_path / "morph.csv"
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(morph), "--lang", "ja",
                 "--measures", "surprisal"]) == 0
    assert abs(pd.read_csv(morph)["value"].sum() - table["value"].sum()) < 1e-4
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(tmp_path / "x.csv"),
                 "--unit", "bunsetsu"]) == 1
    assert "bunsetsu' is for Japanese" in capsys.readouterr().err


def test_extract_in_bfloat16_is_close_to_float32_and_records_the_dtype(tiny, tmp_path):
    """Half precision (for a large model on a GPU) goes through the same collector; its values stay near
    float32's, and the precision is written beside the table."""
    texts = tmp_path / "texts.txt"
    texts.write_text("The cat sat on the mat.\n私は本を読んだ。\n", encoding="utf-8")
    tables = {}
    for dtype in ("float32", "bfloat16"):
        out = tmp_path / f"{dtype}.csv"
        assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(out), "--dtype", dtype,
                     "--measures", "attention,rollout,surprisal"]) == 0
        assert json.loads(out.with_suffix(".csv.json").read_text())["dtype"] == dtype
        tables[dtype] = pd.read_csv(out)
    a, b = tables["float32"]["value"].to_numpy(), tables["bfloat16"]["value"].to_numpy()
    assert len(a) == len(b) and abs(a - b).max() < 0.05 * max(1.0, abs(a).max()) and (a != b).any()


def test_a_byte_order_mark_is_not_part_of_the_first_word(tiny, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("\ufeffThe cat sat.\n", encoding="utf-8")
    out = tmp_path / "m.csv"
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(out), "--measures", "surprisal"]) == 0
    assert pd.read_csv(out)["word"].tolist() == ["The", "cat", "sat."]


def test_bench_runs_on_an_encoder_and_empty_measures_are_refused(tmp_path, tiny, capsys):
    import torch
    from transformers import BertConfig, BertModel

    from tests.attention.test_align import sp_tokenizer

    tokenizer = sp_tokenizer()
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, pad_token_id=tokenizer.pad_token_id)).save_pretrained(tmp_path / "bert")
    tokenizer.save_pretrained(tmp_path / "bert")
    assert main(["bench", "--json", "--model", str(tmp_path / "bert"), "--repeats", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["overhead"] > 0
    texts = tmp_path / "t.txt"
    texts.write_text("a b\n", encoding="utf-8")
    assert main(["extract", "--model", tiny, "--texts", str(texts), "--out", str(tmp_path / "x.csv"),
                 "--measures", ","]) == 1
    assert "no measures asked" in capsys.readouterr().err

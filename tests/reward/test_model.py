"""The reward model: pooling on the right token whatever the padding, and checkpoints that never unpickle."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from psyai.models.demo import DemoModelConfig, build_model, build_tokenizer, tiny_causal_lm
from psyai.models.loading import ModelError
from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items
from psyai.reward.config import RewardConfig
from psyai.reward.model import CheckpointError, RewardModel, format_input, is_causal, pad_batch
from psyai.reward.trainer import RewardTrainer

PROMPT = "Tell me about baking bread."
TEXTS = ["clear useful honest river.", "vague.", "丁寧、正確、猫。", "wrong rude dangerous sloppy boring book."]


@pytest.fixture(scope="module")
def tiny_plain(tmp_path_factory) -> str:
    """The tiny GPT-2 without a chat template (prompt and response as plain text)."""
    return str(tiny_causal_lm(tmp_path_factory.mktemp("plain") / "gpt2", chat_template=False))


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> str:
    """A tiny BERT encoder with the demo tokenizer, saved like a hub model."""
    from transformers import BertConfig, BertModel

    path = tmp_path_factory.mktemp("bert") / "bert"
    tokenizer = build_tokenizer(DemoModelConfig())
    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                 num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                                 pad_token_id=tokenizer.pad_token_id))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def checkpoint(tiny, tmp_path_factory) -> Path:
    frame = simulate_rankings(CohortRankers(seed=3), synthetic_ranking_items(8, 5, seed=3), 4)
    config = RewardConfig(model=tiny, learning_rate=1e-3, device="cpu", progress=False, eval_fraction=0.25)
    trainer = RewardTrainer(config).fit(frame)
    return trainer.save(tmp_path_factory.mktemp("ckpt") / "rm", command_line="psyai reward train test")


def test_auto_pooling_reads_the_last_token_of_causal_lms_and_the_first_of_encoders(tiny, tiny_encoder):
    causal = RewardModel.from_backbone(tiny, device="cpu")
    encoder = RewardModel.from_backbone(tiny_encoder, device="cpu")
    assert causal.causal and causal.pooling == "last"
    assert not encoder.causal and encoder.pooling == "first"
    assert is_causal(causal.backbone.config) and not is_causal(encoder.backbone.config)


@pytest.mark.parametrize("which", ["tiny", "tiny_plain", "tiny_encoder"])
def test_a_reward_does_not_depend_on_padding_side_or_batch(request, which):
    model = RewardModel.from_backbone(request.getfixturevalue(which), device="cpu")
    model.eval()
    seqs = [model.encode(PROMPT, t) for t in TEXTS]
    assert len({len(s) for s in seqs}) > 1  # padding happens
    alone = torch.stack([model(torch.tensor([s]), torch.ones(1, len(s), dtype=torch.long))[0] for s in seqs])
    right_ids, right_mask = pad_batch(seqs, model.tokenizer.pad_token_id)  # (N, T)
    right = model(right_ids, right_mask)  # (N,)
    assert torch.allclose(right, alone, atol=1e-5)
    if model.pooling == "first":  # an encoder with absolute positions needs its text at the start
        return
    width = right_ids.shape[1]
    left_ids = torch.full_like(right_ids, model.tokenizer.pad_token_id)  # (N, T)
    left_mask = torch.zeros_like(right_mask)  # (N, T)
    for row, s in enumerate(seqs):
        left_ids[row, width - len(s):] = torch.tensor(s)
        left_mask[row, width - len(s):] = 1
    left = model(left_ids, left_mask)  # (N,)
    assert torch.allclose(left, alone, atol=1e-5)


def test_score_matches_forward_and_keeps_the_order(tiny):
    model = RewardModel.from_backbone(tiny, device="cpu")
    scores = model.score([PROMPT] * 4, TEXTS, batch_size=3)
    one_by_one = [model.score([PROMPT], [t])[0] for t in TEXTS]
    assert np.allclose(scores, one_by_one, atol=1e-5)


def test_inputs_use_the_chat_template_when_there_is_one(tiny, tiny_plain):
    from transformers import AutoTokenizer

    chat = AutoTokenizer.from_pretrained(tiny)
    text = chat.decode(format_input(chat, "Q?", "A.", causal=True, max_length=100))
    assert text.startswith("<|user|>\nQ?<|end|>") and "<|assistant|>\nA.<|end|>" in text
    plain = AutoTokenizer.from_pretrained(tiny_plain)
    ids = format_input(plain, "Q?", "A.", causal=True, max_length=100)
    assert plain.decode(ids) == "Q?\n\nA.<|end|>"
    # too long: the end (what the head reads) is kept
    assert format_input(plain, "Q? " * 50, "A.", causal=True, max_length=10)[-1] == plain.eos_token_id


def test_checkpoint_round_trip_gives_the_same_scores(checkpoint, tiny):
    files = {p.name for p in checkpoint.iterdir()}
    assert {"model.safetensors", "config.json", "psyai_reward.json", "tokenizer.json"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pth", ".pkl")) for name in files)
    meta = json.loads((checkpoint / "psyai_reward.json").read_text())
    assert meta["config"]["learning_rate"] == 1e-3 and meta["command_line"] == "psyai reward train test"
    assert meta["backbone"]["name_or_path"] == tiny and meta["backbone"]["revision"].startswith("sha256:")
    assert meta["train_participants"] and meta["eval_participants"]
    loaded = RewardModel.from_pretrained(checkpoint, device="cpu")
    again = RewardModel.from_pretrained(checkpoint, device="cpu")
    assert np.allclose(loaded.score([PROMPT] * 4, TEXTS), again.score([PROMPT] * 4, TEXTS))
    assert meta["format_version"] == 2 and meta["architecture"] == "GPT2ForSequenceClassification"
    assert meta["reference_rewards"]["n"] > 0
    assert 0 <= meta["metrics"]["heldout_accuracy"] <= 1


def test_round_trip_matches_the_trained_model_exactly(tiny, tmp_path):
    frame = simulate_rankings(CohortRankers(seed=8), synthetic_ranking_items(4, 4, seed=8), 2)
    trainer = RewardTrainer(RewardConfig(model=tiny, learning_rate=1e-3, device="cpu", progress=False,
                                         eval_fraction=0.0)).fit(frame)
    path = trainer.save(tmp_path / "rm")
    loaded = RewardModel.from_pretrained(path, device="cpu")
    assert np.allclose(trainer.score([PROMPT] * 4, TEXTS), loaded.score([PROMPT] * 4, TEXTS), atol=1e-6)


def test_loading_never_unpickles(checkpoint, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("unpickling during checkpoint load")

    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    RewardModel.from_pretrained(checkpoint, device="cpu")


def _copy(checkpoint: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(checkpoint, tmp_path / "copy"))


def test_a_pickle_checkpoint_is_refused(checkpoint, tmp_path):
    bad = _copy(checkpoint, tmp_path)
    (bad / "model.safetensors").unlink()
    torch.save({"head.weight": torch.zeros(1, 32)}, bad / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match="pickle: psyai never unpickles"):
        RewardModel.from_pretrained(bad)


def test_a_pickle_renamed_to_safetensors_is_refused(checkpoint, tmp_path):
    bad = _copy(checkpoint, tmp_path)
    with open(bad / "model.safetensors", "wb") as fh:
        pickle.dump({"head.weight": [0.0] * 32}, fh)
    with pytest.raises(CheckpointError, match="is not a safetensors file"):
        RewardModel.from_pretrained(bad)


def test_weights_from_another_backbone_are_refused(checkpoint, tiny_encoder, tmp_path):
    other = RewardModel.from_backbone(tiny_encoder, device="cpu").save_pretrained(tmp_path / "bert-rm")
    mixed = _copy(checkpoint, tmp_path)
    shutil.copy(other / "model.safetensors", mixed / "model.safetensors")
    with pytest.raises(CheckpointError, match="another backbone"):
        RewardModel.from_pretrained(mixed)


def test_weights_from_another_size_of_the_same_backbone_are_refused(checkpoint, tmp_path):
    deeper = build_model(tmp_path / "gpt2-3", DemoModelConfig(n_layer=3))
    other = RewardModel.from_backbone(str(deeper), device="cpu").save_pretrained(tmp_path / "rm-3")
    mixed = _copy(checkpoint, tmp_path)
    shutil.copy(other / "model.safetensors", mixed / "model.safetensors")
    with pytest.raises(CheckpointError, match="another backbone: 0 weight\\(s\\) missing and 12 unexpected"):
        RewardModel.from_pretrained(mixed)


def test_tokenizer_files_from_a_larger_vocabulary_are_refused(checkpoint, tmp_path):
    """Token ids past the embedding table would fail inside the model with an IndexError."""
    from transformers import AutoTokenizer

    mixed = _copy(checkpoint, tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(mixed)
    tokenizer.add_tokens([f"<extra{i}>" for i in range(3000)])
    tokenizer.save_pretrained(mixed)
    with pytest.raises(CheckpointError, match="tokenizer files know .* tokens but the weights embed"):
        RewardModel.from_pretrained(mixed)


def test_a_plain_model_folder_or_missing_path_is_not_a_checkpoint(tiny, tmp_path):
    with pytest.raises(CheckpointError, match="is a transformers model folder.*psyai reward train"):
        RewardModel.from_pretrained(tiny)
    with pytest.raises(CheckpointError, match="does not exist"):
        RewardModel.from_pretrained(tmp_path / "nothing")


def test_a_checkpoint_is_never_overwritten(checkpoint):
    model = RewardModel.from_pretrained(checkpoint, device="cpu")
    before = (checkpoint / "model.safetensors").read_bytes()
    with pytest.raises(CheckpointError, match="already exists"):
        model.save_pretrained(checkpoint)
    assert (checkpoint / "model.safetensors").read_bytes() == before


def test_a_checkpoint_is_not_a_backbone(checkpoint):
    with pytest.raises(ModelError, match="is a psyai reward checkpoint, not a backbone"):
        RewardModel.from_backbone(str(checkpoint), device="cpu")


def test_a_missing_backbone_folder_names_the_fix(tmp_path):
    with pytest.raises(ModelError, match="does not exist.*save_pretrained"):
        RewardModel.from_backbone(str(tmp_path / "no-model"), device="cpu")


def _edit_json(name: str, change):
    def edit(folder: Path) -> None:
        obj = json.loads((folder / name).read_text(encoding="utf-8"))
        change(obj)
        (folder / name).write_text(json.dumps(obj), encoding="utf-8")
    return edit


def _write(name: str, content: str | bytes):
    def edit(folder: Path) -> None:
        target = folder / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return edit


def _replace_with_folder(name: str):
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return edit


META_FIX = "restore psyai_reward.json from the folder psyai reward train wrote, or retrain"
REFIT = "copy the whole folder of one training run (psyai reward train --out), or retrain"
BROKEN = {  # name: (what is done to a good checkpoint, the file named, the rest of the one-line message)
    "meta not json": (_write("psyai_reward.json", '{"format": "psyai-reward",'), "psyai_reward.json",
                      f"not valid JSON (Expecting property name enclosed in double quotes, line 1 column 27); {META_FIX}"),
    "meta not utf-8": (_write("psyai_reward.json", b'{"format": "psyai-r\xe9ward"}'), "psyai_reward.json",
                       f"not UTF-8 text (byte 19); {META_FIX}"),
    "meta a list": (_write("psyai_reward.json", "[1, 2]"), "psyai_reward.json",
                    f"holds a JSON list, not an object ({{...}}); {META_FIX}"),
    "meta a folder": (_replace_with_folder("psyai_reward.json"), "psyai_reward.json",
                      f"is a folder, not a file; {META_FIX}"),
    "meta without backbone": (_edit_json("psyai_reward.json", lambda m: m.pop("backbone")), "psyai_reward.json",
                              "field backbone is missing (it should be an object with the backbone's model_type and "
                              f"hidden_size); {META_FIX}"),
    "meta backbone a string": (_edit_json("psyai_reward.json", lambda m: m.update(backbone="gpt2")),
                               "psyai_reward.json", "field backbone is \"gpt2\"; it must be an object"),
    "meta hidden size as text": (_edit_json("psyai_reward.json", lambda m: m["backbone"].update(hidden_size="32")),
                                 "psyai_reward.json", "field backbone.hidden_size is \"32\"; it must be a whole number"),
    "meta without pooling": (_edit_json("psyai_reward.json", lambda m: m.pop("pooling")), "psyai_reward.json",
                             "field pooling is missing (it should be \"last\" (causal LMs) or \"first\" (encoders))"),
    "meta max_length as text": (_edit_json("psyai_reward.json", lambda m: m.update(max_length="128")),
                                "psyai_reward.json", "field max_length is \"128\"; it must be a whole number of "
                                                     "tokens above 0"),
    "meta max_length zero": (_edit_json("psyai_reward.json", lambda m: m.update(max_length=0)), "psyai_reward.json",
                             "field max_length is 0; it must be a whole number of tokens above 0"),
    "meta participants a string": (_edit_json("psyai_reward.json", lambda m: m.update(train_participants="P01")),
                                   "psyai_reward.json", "field train_participants is \"P01\"; it must be a list of "
                                                        "participant IDs"),
    "meta from a newer psyai": (_edit_json("psyai_reward.json", lambda m: m.update(format_version=3)),
                                "psyai_reward.json", "format_version 3 was written by a newer psyai (this one reads "
                                                     "up to 2); upgrade psyai"),
    "config missing": (lambda folder: (folder / "config.json").unlink(), "config.json", f"missing; {REFIT}"),
    "config not json": (_write("config.json", "{"), "config.json", "not valid JSON (Expecting property name "
                                                                  "enclosed in double quotes, line 1 column 2)"),
    "config without model_type": (_edit_json("config.json", lambda c: c.pop("model_type")), "config.json",
                                  "field model_type is missing; it must name the architecture"),
    "config unknown model_type": (_edit_json("config.json", lambda c: c.update(model_type="nosuch")), "config.json",
                                  "field model_type is 'nosuch', an architecture transformers"),
    "config size as text": (_edit_json("config.json", lambda c: c.update(n_embd="32")), "config.json",
                            "field n_embd is \"32\"; a size must be a whole number above 0 (written without quotes)"),
    "config size a float": (_edit_json("config.json", lambda c: c.update(n_embd=32.0)), "config.json",
                            "field n_embd is 32.0; a size must be a whole number above 0"),
    "config zero layers": (_edit_json("config.json", lambda c: c.update(n_layer=0)), "config.json",
                           f"field n_layer is 0; a size must be a whole number above 0 (written without quotes); {REFIT}"),
    "config negative vocabulary": (_edit_json("config.json", lambda c: c.update(vocab_size=-5)), "config.json",
                                   "field vocab_size is -5; a size must be a whole number above 0"),
    "config heads that do not divide": (_edit_json("config.json", lambda c: c.update(n_head=3)), "config.json",
                                        "transformers cannot build a gpt2 from it (`embed_dim` must be divisible by "
                                        "num_heads"),
    "tokenizer cut short": (_write("tokenizer.json", '{"version": "1.0", "truncation": '), "tokenizer.json",
                            f"not valid JSON (Expecting value, line 1 column 34); {REFIT}"),
    "tokenizer not a tokenizer": (_write("tokenizer.json", "{}"), "",
                                  "the tokenizer files (tokenizer.json, tokenizer_config.json) cannot be loaded"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_checkpoint_is_one_line_naming_the_file_and_field(checkpoint, tmp_path, name):
    edit, file, message = BROKEN[name]
    broken = _copy(checkpoint, tmp_path)
    edit(broken)
    with pytest.raises(CheckpointError) as err:
        RewardModel.from_pretrained(broken, device="cpu")
    where = f"{broken / file}:" if file else f"{broken}:"
    assert str(err.value).startswith(f"{where} {message}")
    assert "\n" not in str(err.value)


# -- a folder transformers loads: parity, and the first format converted or refused ------------------

@pytest.mark.parametrize("which", ["tiny", "tiny_plain", "tiny_encoder"])
def test_auto_model_for_sequence_classification_scores_as_psyai_does(request, which, tmp_path):
    """The parity the issue asks for: the checkpoint loads with plain transformers and gives psyai's rewards."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    frame = simulate_rankings(CohortRankers(seed=5), synthetic_ranking_items(4, 4, seed=5), 2)
    trainer = RewardTrainer(RewardConfig(model=request.getfixturevalue(which), learning_rate=1e-3, device="cpu",
                                         progress=False, eval_fraction=0.0)).fit(frame)
    path = trainer.save(tmp_path / "rm")
    ours = subprocess.run([sys.executable, "-m", "psyai.cli", "reward", "score", str(path), "--prompt", PROMPT,
                           *[a for t in TEXTS for a in ("--response", t)]], capture_output=True, text=True, check=True)
    psyai_rewards = [s["reward"] for s in json.loads(ours.stdout)["scores"]]

    hf = AutoModelForSequenceClassification.from_pretrained(path)  # num_labels=1 comes from config.json
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert hf.config.num_labels == 1 and type(hf).__name__.endswith("ForSequenceClassification")
    hf.eval()
    with torch.no_grad():
        for text, expected in zip(TEXTS, psyai_rewards):
            ids = torch.tensor([format_input(tokenizer, PROMPT, text, causal=which != "tiny_encoder",
                                             max_length=512)])  # (1, T)
            assert hf(input_ids=ids).logits.shape == (1, 1)
            assert float(hf(input_ids=ids).logits[0, 0]) == pytest.approx(expected, abs=1e-5)
        # batched with padding, as TRL's reward functions call it
        batch = tokenizer([PROMPT + "\n\n" + t for t in TEXTS], padding=True, return_tensors="pt")
        padded = hf(**batch).logits[:, 0]  # (N,)
        alone = torch.stack([hf(**tokenizer(PROMPT + "\n\n" + t, return_tensors="pt")).logits[0, 0] for t in TEXTS])
    assert torch.allclose(padded, alone, atol=1e-5)


def _first_format(new: Path, old: Path) -> Path:
    """Rewrite a current checkpoint the way psyai's first format stored it (backbone.* + head.* + offset)."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(new, old)
    state = load_file(str(new / "model.safetensors"))
    prefix = json.loads((new / "config.json").read_text())["model_type"] == "gpt2" and "transformer." or "bert."
    old_state = {"backbone." + k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    old_state["head.weight"] = state["score.weight"]
    old_state["head.bias"] = torch.tensor([0.25])
    old_state["reward_offset"] = torch.tensor(-1.0)
    meta = json.loads((new / "psyai_reward.json").read_text())
    meta.update(format_version=1, reward_offset=-1.0)
    meta.pop("architecture")
    (old / "psyai_reward.json").write_text(json.dumps(meta))
    save_file(old_state, str(old / "model.safetensors"), metadata={"format": "psyai-reward", "model_type": "gpt2",
                                                                     "hidden_size": str(meta["backbone"]["hidden_size"])})
    return old


def test_a_first_format_checkpoint_is_refused_with_the_command_that_converts_it(checkpoint, tmp_path):
    old = _first_format(checkpoint, tmp_path / "old-rm")
    with pytest.raises(CheckpointError, match=r"first reward format .* psyai reward convert .*old-rm --out"):
        RewardModel.from_pretrained(old, device="cpu")
    out = subprocess.run([sys.executable, "-m", "psyai.cli", "reward", "convert", str(old), "--out", str(tmp_path / "new")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["dropped_constant"] == pytest.approx(-0.75)
    converted = RewardModel.from_pretrained(tmp_path / "new", device="cpu")
    current = RewardModel.from_pretrained(checkpoint, device="cpu")
    # the same weights, so the same rewards; the first format added head.bias + reward_offset = -0.75 to all
    assert np.allclose(converted.score([PROMPT] * 4, TEXTS), current.score([PROMPT] * 4, TEXTS), atol=1e-5)
    again = subprocess.run([sys.executable, "-m", "psyai.cli", "reward", "convert", str(old), "--out", str(tmp_path / "new")],
                           capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_a_conversion_that_would_change_rewards_is_refused_with_the_retraining_command(tiny_plain, tmp_path):
    """GPT-2-style tokenizers pad with EOS: the first format read that final EOS, transformers reads the token before."""
    from transformers import AutoTokenizer

    plain = tmp_path / "eos-pad"
    shutil.copytree(tiny_plain, plain)
    tokenizer = AutoTokenizer.from_pretrained(plain)
    tokenizer.pad_token = tokenizer.eos_token
    tokenizer.save_pretrained(plain)
    frame = simulate_rankings(CohortRankers(seed=6), synthetic_ranking_items(4, 4, seed=6), 2)
    trainer = RewardTrainer(RewardConfig(model=str(plain), learning_rate=1e-3, device="cpu", progress=False,
                                         eval_fraction=0.0)).fit(frame)
    old = _first_format(trainer.save(tmp_path / "rm", command_line="psyai reward train DATA --model eos-pad"),
                        tmp_path / "old")
    from psyai.reward.convert import convert_checkpoint

    with pytest.raises(CheckpointError, match="would move by .* retrain it: psyai reward train DATA --model eos-pad"):
        convert_checkpoint(old, tmp_path / "new")
    assert not (tmp_path / "new").exists()

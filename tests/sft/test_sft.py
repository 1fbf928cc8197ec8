"""SFT on demonstrations: TRL's SFTTrainer on a real tiny GPT-2, prompt tokens masked, a loadable folder."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import torch

from psyai.errors import PsyaiError
from psyai.models.demo import tiny_causal_lm
from psyai.sft.cli import load_demonstrations_for_training
from psyai.sft.config import SFTSettings
from psyai.sft.trainer import SFTRun

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def demonstrations(n_people: int = 4, per_person: int = 6) -> pd.DataFrame:
    rows = []
    for i in range(n_people * per_person):
        j = i % 12
        rows.append({"participant": f"P{i % n_people}", "prompt_id": f"q{j}", "prompt": f"What is {j} plus one?",
                     "completion": f"{j} plus one is {j + 1}.", "lang": "en"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def run(tiny) -> SFTRun:
    settings = SFTSettings(model=tiny, learning_rate=3e-3, num_epochs=6, batch_size=4, device="cpu", progress=False,
                           eval_fraction=0.25)
    return SFTRun(settings).fit(demonstrations())


def test_sft_changes_the_parameters_and_lowers_the_loss_on_training_and_held_out_people(run):
    assert run.trainable_changed_ > 0.9  # every tensor but a few learned something
    losses = [h["loss"] for h in run.history_]
    assert len(losses) == run.summary()["steps"] > 10
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.3
    assert run.eval_after_ < run.eval_before_  # demonstrations of a participant never trained on
    assert len(run.eval_participants_) == 1 and not set(run.eval_participants_) & set(run.train_participants_)


def test_only_the_demonstration_is_learned_the_prompt_tokens_are_masked(run):
    tokenizer = run.tokenizer_
    example = run.trainer_.train_dataset[0]
    batch = run.trainer_.data_collator([example])
    labels, ids = batch["labels"][0], batch["input_ids"][0]  # (T,), (T,)
    learned = tokenizer.decode(ids[labels != -100])
    masked = tokenizer.decode(ids[labels == -100])
    assert run.conversational_
    assert learned.startswith(" ") is False and "plus one is" in learned and learned.endswith("<|end|>\n")
    assert "<|user|>" in masked and "plus one?" in masked and "<|assistant|>" in masked
    assert "plus one is" not in masked


def test_a_model_without_chat_template_learns_prompt_blank_line_demonstration_eos(tmp_path):
    plain = str(tiny_causal_lm(tmp_path / "plain", chat_template=False))
    run = SFTRun(SFTSettings(model=plain, learning_rate=1e-3, num_epochs=1, batch_size=4, device="cpu",
                             progress=False, eval_fraction=0)).fit(demonstrations(2, 2))
    assert not run.conversational_
    batch = run.trainer_.data_collator([run.trainer_.train_dataset[0]])
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    text = run.tokenizer_.decode(ids)
    assert text.startswith("What is 0 plus one?\n\n0 plus one is 1.") and text.endswith("<|end|>")
    assert run.tokenizer_.decode(ids[labels != -100]).strip().startswith("0 plus one is 1.")


def test_the_checkpoint_is_a_transformers_folder_with_its_provenance(run, tmp_path):
    from transformers import AutoModelForCausalLM

    out = run.save(tmp_path / "sft", command_line="psyai sft train data --model tiny", extra={"data": {"x": 1}})
    meta = json.loads((out / "psyai_sft.json").read_text())
    assert meta["base_model"]["revision"].startswith("sha256:") and meta["command_line"].startswith("psyai sft")
    assert meta["versions"]["trl"] and meta["training"]["loss_on"].startswith("demonstration tokens only")
    assert meta["train_participants"] == run.train_participants_ and meta["data"] == {"x": 1}
    log = pd.read_csv(out / "training_log.csv")
    assert list(log["step"]) == list(range(1, len(log) + 1)) and log["loss"].notna().all()
    model = AutoModelForCausalLM.from_pretrained(out)
    for name, param in model.named_parameters():
        assert torch.equal(param, dict(run.model_.named_parameters())[name])
    with pytest.raises(PsyaiError, match="already exists; psyai never overwrites"):
        run.save(out)


def test_files_in_trl_forms_are_read_and_curated_before_training(tmp_path):
    conversational = tmp_path / "conv.jsonl"
    rows = [{"prompt": [{"role": "user", "content": "How do I boil an egg?"}],
             "completion": [{"role": "assistant", "content": "Boil it for seven minutes."}], "participant": "A"},
            {"prompt": [{"role": "user", "content": "Who are you?"}],
             "completion": [{"role": "assistant", "content": "電話は090-1234-5678です。"}], "participant": "A"},
            {"prompt": [{"role": "user", "content": "How do I boil an egg quickly?"}],
             "completion": [{"role": "assistant", "content": "Use less water."}], "participant": "B"}]
    conversational.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    kept, dropped, provenance = load_demonstrations_for_training(conversational, max_prompts_per_participant=200,
                                                                 min_shared_prefix=20)
    assert list(kept["completion"]) == ["Boil it for seven minutes."]
    assert sorted(dropped["rule"]) == ["pii_output", "shared_prefix"]
    assert "090" not in dropped.to_csv()  # the report masks what it found
    assert len(provenance["sha256"]) == 64
    cap = load_demonstrations_for_training(conversational, max_prompts_per_participant=1, min_shared_prefix=None)
    assert list(cap[1]["rule"]) == ["pii_output"]  # A's second prompt was already dropped for PII
    plain = tmp_path / "d.csv"
    pd.DataFrame({"prompt": ["a?", "b?"], "completion": ["A.", "B."]}).to_csv(plain, index=False)
    kept, _, provenance = load_demonstrations_for_training(plain, max_prompts_per_participant=200,
                                                           min_shared_prefix=None)
    assert len(kept) == 2 and "cap was skipped" in provenance["note"]


@pytest.mark.parametrize("content, message", [
    ('{"prompt": "a", "answer": "b"}\n', "no completion column"),
    ('{"prompt": "a", "completion": 3}\n', "row 1: field completion is neither text"),
    ('{"prompt": "a", "completion": "b"}\n{"prompt": ', "line 2"),
])
def test_bad_files_are_one_line_naming_the_row_or_field(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PsyaiError, match=message):
        load_demonstrations_for_training(path, max_prompts_per_participant=200, min_shared_prefix=50)


def test_the_command_trains_and_prints_json_only_on_stdout(tiny, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(demonstrations(2, 3).to_json(orient="records", lines=True), encoding="utf-8")
    out = tmp_path / "ckpt"
    cmd = [sys.executable, "-m", "psyai.cli", "sft", "train", str(data), "--model", tiny, "--out", str(out),
           "--learning-rate", "1e-3", "--num-epochs", "1", "--device", "cpu"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)  # nothing but the JSON on stdout
    assert summary["checkpoint"] == str(out) and summary["steps"] >= 1 and summary["curation"]["dropped"] == 0
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    bad = subprocess.run([*cmd[:6], "--model", tiny, "--out", str(tmp_path / "x"), "--learning-rate", "0"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "learning_rate=0.0: must be a positive number" in bad.stderr

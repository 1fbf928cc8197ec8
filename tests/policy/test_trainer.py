"""RLOO with a KL penalty on tiny local models: the reward rises, the KL is logged, the output folder loads."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from psyai.models.loading import weights_sha256
from psyai.policy.config import PolicyConfig
from psyai.policy.trainer import LOG_COLUMNS, LOG_FILE, META_FILE, SUMMARY_FILE, PolicyTrainer, RewardFunction
from psyai.reward.model import RewardModel
from tests.policy.conftest import PROMPTS

# a tiny random-init policy needs a large step to move in a few dozen steps (real models: 1e-6 to 1e-5)
FAST = dict(learning_rate=3e-2, max_completion_length=8, batch_size=16, num_generations=8, device="cpu",
            progress=False, seed=0)


def read_log(folder: Path) -> list[dict]:
    with (folder / LOG_FILE).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def weights(folder: str | Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(Path(folder) / "model.safetensors"))


def test_the_hand_built_reward_model_rewards_the_share_of_japanese(reward_plain, reward_chat):
    for path in (reward_plain, reward_chat):
        model = RewardModel.from_pretrained(path, device="cpu")
        scores = model.score(["Tea?"] * 3, ["I drink tea with milk", "I drink お茶", "お茶が好きです"])
        assert scores[0] < scores[1] < scores[2]


def test_reward_function_scores_texts_and_messages_as_the_reward_model_does(reward_plain):
    model = RewardModel.from_pretrained(reward_plain, device="cpu")
    reward = RewardFunction(model)
    prompts, texts = ["Tea or coffee?", "泳げますか。"], ["Coffee, please.", "はい、泳げます。"]
    expected = model.score(prompts, texts)
    as_text = reward(prompts=prompts, completions=texts, prompt_text=prompts)
    as_messages = reward(prompts=[[{"role": "user", "content": p}] for p in prompts],
                         completions=[[{"role": "assistant", "content": t}] for t in texts], prompt_text=prompts,
                         prompt_id=["p3", "p4"], trainer_state=None)
    assert as_text == pytest.approx(expected.tolist())
    assert as_messages == pytest.approx(expected.tolist())


@pytest.fixture(scope="module")
def trained(tiny, reward_plain, prompts_file, tmp_path_factory):
    """40 RLOO steps of the chat-template policy against a reward model with another tokenizer (no template)."""
    out = tmp_path_factory.mktemp("policy") / "pol"
    config = PolicyConfig(sft=tiny, reward=reward_plain, prompts=str(prompts_file), max_steps=40, beta=0.05, **FAST)
    return PolicyTrainer(config).fit(out, command_line="pytest tests/policy/test_trainer.py")


def test_rloo_raises_the_mean_reward_through_a_reward_model_with_another_tokenizer(trained, tiny, reward_plain):
    from transformers import AutoTokenizer

    assert len(AutoTokenizer.from_pretrained(tiny)) != len(AutoTokenizer.from_pretrained(reward_plain))
    rows = read_log(trained.out_)
    assert len(rows) == 40 and list(rows[0]) == list(LOG_COLUMNS)
    rewards = np.array([float(r["reward"]) for r in rows])
    # the mean reward of the last quarter of steps is well above the first quarter's (seeds 0–2: about -0.4 → +0.4)
    assert rewards[-10:].mean() > rewards[:10].mean() + 0.3
    summary = json.loads((trained.out_ / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["reward_last_quarter"] == pytest.approx(rewards[-10:].mean())
    assert summary["steps"] == 40


def test_kl_to_the_sft_model_is_logged_zero_at_first_and_positive_after_updates(trained):
    rows = read_log(trained.out_)
    kl = np.array([float(r["kl"]) for r in rows])
    assert kl[0] == pytest.approx(0.0, abs=1e-6)  # the first batch is sampled from the SFT model itself
    assert kl[20:].mean() > 0.05 and (kl[20:] > 0).mean() > 0.8
    assert all(float(r["response_length"]) <= 8 for r in rows)
    assert all(r["loss"] != "" for r in rows)


def test_training_changes_the_parameters_and_the_folder_loads_as_a_causal_lm(trained, tiny):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    before, after = weights(tiny), weights(trained.out_)
    changed = [name for name in after if name in before and not torch.equal(before[name], after[name])]
    assert len(changed) >= len(after) // 2
    model = AutoModelForCausalLM.from_pretrained(trained.out_)
    tokenizer = AutoTokenizer.from_pretrained(trained.out_)
    assert tokenizer.chat_template  # the SFT tokenizer, template included, travels with the policy
    ids = tokenizer("雪", return_tensors="pt")["input_ids"]
    assert model.generate(ids, max_new_tokens=3, do_sample=False).shape[1] == ids.shape[1] + 3
    assert not (trained.out_ / "training_args.bin").exists()  # no pickle beside the weights
    assert not trained.out_.with_name(trained.out_.name + ".partial").exists()


def test_provenance_names_the_sft_model_reward_checkpoint_prompts_and_settings(trained, tiny, reward_plain,
                                                                               prompts_file):
    meta = json.loads((trained.out_ / META_FILE).read_text(encoding="utf-8"))
    assert meta["format"] == "psyai-policy" and meta["algorithm"] == "rloo"
    assert meta["sft"] == {"name_or_path": tiny, "revision": weights_sha256(tiny)}
    assert meta["reward"]["path"] == reward_plain
    assert meta["reward"]["weights_sha256"] == weights_sha256(reward_plain)
    assert meta["prompts"]["sha256"] == "sha256:" + hashlib.sha256(prompts_file.read_bytes()).hexdigest()
    assert meta["prompts"]["n_prompts"] == len(PROMPTS) and meta["prompts"]["chat_template"] is True
    assert meta["config"]["beta"] == 0.05 and meta["kl"]["reference"] == tiny and "k1" in meta["kl"]["estimator"]
    assert meta["command_line"] == "pytest tests/policy/test_trainer.py"
    assert meta["training"]["steps"] == 40 and meta["training"]["first_kl"] == pytest.approx(0.0, abs=1e-6)
    assert {"torch", "transformers", "trl", "accelerate", "psyai"} <= set(meta["versions"])


def test_a_plain_policy_without_chat_template_against_a_chat_reward_model(tiny_plain, reward_chat, prompts_file,
                                                                         tmp_path):
    config = PolicyConfig(sft=tiny_plain, reward=reward_chat, prompts=str(prompts_file), max_steps=3,
                          **{**FAST, "batch_size": 4, "num_generations": 2})
    trainer = PolicyTrainer(config).fit(tmp_path / "plain")
    meta = json.loads((tmp_path / "plain" / META_FILE).read_text(encoding="utf-8"))
    assert meta["prompts"]["chat_template"] is False
    rows = read_log(tmp_path / "plain")
    assert len(rows) == 3 and all(np.isfinite(float(r["reward"])) for r in rows)
    assert trainer.summary_["steps"] == 3

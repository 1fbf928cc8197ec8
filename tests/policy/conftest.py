"""Fixtures of the policy tests: a second tiny LM with another tokenizer, reward checkpoints built by hand, prompts.

The reward checkpoints are real psyai reward checkpoints (``RewardModel`` →
``save_pretrained`` → ``RewardModel.from_pretrained``) whose weights are set
by hand so that the reward is a known, learnable function of the text: the
share of the input's tokens that hold a non-ASCII (here: Japanese) character.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROMPTS = [("p1", "en", "Do you like snow?"), ("p2", "ja", "雪は好きですか。"), ("p3", "en", "Tea or coffee?"),
           ("p4", "ja", "泳げますか。")]


def non_ascii_tokens(tokenizer) -> list[int]:
    """Ids of the tokens whose text holds a character outside ASCII."""
    return [i for i in range(len(tokenizer)) if any(ord(c) > 127 for c in tokenizer.decode([i]))]


def share_reward_checkpoint(tokenizer_dir: str | Path, out: Path) -> Path:
    """A reward checkpoint on the tokenizer of ``tokenizer_dir`` rewarding the share of non-ASCII tokens.

    A one-layer GPT-2 whose attention is uniform (query and key weights 0) and
    passes each token's normalised embedding through (values and output
    projection the identity); the MLP is 0. Embedding dimension 0 is +1 for a
    non-ASCII token and -1 otherwise (dimension 1 its negative, dimensions 2
    and 3 a constant, so layer norm keeps the sign and scale), and is scaled by
    1e-3 so the residual is negligible. The last token's final state is then
    the normalised mean over the whole input, and the head reads dimension 0:
    the reward rises monotonically with the share of non-ASCII tokens.
    """
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2ForSequenceClassification

    from psyai.reward.model import RewardModel

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    width = 8
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=width, n_layer=1, n_head=1,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        num_labels=1)
    classifier = GPT2ForSequenceClassification(config)
    backbone = classifier.transformer
    sign = -torch.ones(len(tokenizer))
    sign[non_ascii_tokens(tokenizer)] = 1.0
    with torch.no_grad():
        for p in backbone.parameters():
            p.zero_()
        for module in backbone.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
        backbone.wte.weight[:, 0] = 1e-3 * sign
        backbone.wte.weight[:, 1] = -1e-3 * sign
        backbone.wte.weight[:, 2] = 1e-3
        backbone.wte.weight[:, 3] = -1e-3
        block = backbone.h[0]
        block.attn.c_attn.weight[:, 2 * width:] = torch.eye(width)  # values = input; queries = keys = 0
        block.attn.c_proj.weight.copy_(torch.eye(width))
    with torch.no_grad():
        classifier.score.weight.zero_()  # the head reads dimension 0 (transformers' GPT-2 head has no bias)
        classifier.score.weight[0, 0] = 1.0
    model = RewardModel(classifier, tokenizer,
                        info={"name_or_path": "hand-built: share of non-ASCII tokens", "model_type": "gpt2"})
    return model.save_pretrained(out, {"command_line": "tests/policy/conftest.py share_reward_checkpoint"})


@pytest.fixture(scope="module")
def tiny_plain(tmp_path_factory) -> str:
    """A second tiny GPT-2 with another tokenizer (a 400-token BPE) and no chat template."""
    from psyai.models.demo import DemoModelConfig, build_model

    config = DemoModelConfig(vocab_size=400, n_embd=16, n_layer=1, n_head=2, chat_template=False, seed=1)
    return str(build_model(tmp_path_factory.mktemp("plain") / "gpt2", config))


@pytest.fixture(scope="module")
def reward_plain(tiny_plain, tmp_path_factory) -> str:
    """A reward checkpoint on ``tiny_plain``'s tokenizer (no chat template: prompt and response as plain text)."""
    return str(share_reward_checkpoint(tiny_plain, tmp_path_factory.mktemp("rm") / "plain"))


@pytest.fixture(scope="module")
def reward_chat(tiny, tmp_path_factory) -> str:
    """A reward checkpoint on ``tiny``'s tokenizer (which has a chat template)."""
    return str(share_reward_checkpoint(tiny, tmp_path_factory.mktemp("rm") / "chat"))


@pytest.fixture(scope="module")
def prompts_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("prompts") / "prompts.csv"
    path.write_text("prompt_id,lang,prompt\n" + "".join(f"{i},{lang},{text}\n" for i, lang, text in PROMPTS),
                    encoding="utf-8")
    return path

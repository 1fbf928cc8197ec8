"""The pairwise side of ``psyai reward bench`` trained by TRL's ``RewardTrainer`` (optional extra).

Imported only when TRL is installed (``pip install trl``; not a psyai
dependency). TRL gets exactly the token ids psyai's listwise side trains on
(a pre-tokenised ``chosen_ids`` / ``rejected_ids`` dataset, one row per
comparison), the same backbone as ``AutoModelForSequenceClassification`` with
one label (its own scalar head on the last non-pad token), and the same
optimiser settings: AdamW, the same learning rate, weight decay, gradient
clipping, seed and epochs, a constant learning rate, no warm-up, fp32, no
gradient checkpointing, dropout off.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from psyai.reward.config import RewardConfig
from psyai.reward.data import Ranking
from psyai.reward.model import format_input, is_causal, pad_batch

__all__ = ["train_pairwise_trl", "SequenceClassifierScorer"]


class SequenceClassifierScorer:
    """``score(prompts, responses, batch_size)`` for a ``*ForSequenceClassification`` model with one label."""

    def __init__(self, model, tokenizer, max_length: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.causal = is_causal(model.config)

    @torch.no_grad()
    def score(self, prompts: list[str], responses: list[str], batch_size: int = 32) -> np.ndarray:
        self.model.eval()
        device = next(self.model.parameters()).device
        ids = [format_input(self.tokenizer, p, r, causal=self.causal, max_length=self.max_length)
               for p, r in zip(prompts, responses)]
        out = np.empty(len(ids))
        for start in range(0, len(ids), batch_size):
            input_ids, attention_mask = pad_batch(ids[start:start + batch_size], self.tokenizer.pad_token_id)
            logits = self.model(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device)).logits
            out[start:start + batch_size] = logits[:, 0].float().cpu().numpy()  # (n,)
        return out


class TRLResult:
    """What the benchmark reads from a trainer: ``model_``, ``train_seconds_``, ``n_examples_``, …"""

    engine = ""


def train_pairwise_trl(rankings: list[Ranking], config: RewardConfig, output_dir: Path) -> TRLResult:
    """Train TRL's ``RewardTrainer`` on every comparison of ``rankings`` as a separate example."""
    import trl
    from datasets import Dataset
    from transformers import AutoConfig, AutoTokenizer, PrinterCallback, ProgressCallback

    class _QuietProgress(ProgressCallback):
        def on_log(self, *args, **kwargs):  # the bar, without a line per logged step
            pass

    tokenizer = AutoTokenizer.from_pretrained(config.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    backbone_config = AutoConfig.from_pretrained(config.model)
    limit = next((getattr(backbone_config, n) for n in ("max_position_embeddings", "n_positions")
                  if isinstance(getattr(backbone_config, n, None), int)), config.max_length)
    max_length = min(config.max_length, limit)
    causal = is_causal(backbone_config)
    cache: dict[tuple[str, str], list[int]] = {}

    def ids(prompt: str, text: str) -> list[int]:
        if (prompt, text) not in cache:
            cache[(prompt, text)] = format_input(tokenizer, prompt, text, causal=causal, max_length=max_length)
        return cache[(prompt, text)]

    chosen, rejected = [], []
    for r in rankings:
        for w, l in r.pairs:
            chosen.append(ids(r.prompt, r.texts[w]))
            rejected.append(ids(r.prompt, r.texts[l]))
    dataset = Dataset.from_dict({"chosen_ids": chosen, "rejected_ids": rejected})
    args = trl.RewardConfig(
        output_dir=str(output_dir), num_train_epochs=config.num_epochs,
        per_device_train_batch_size=config.batch_size, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, max_grad_norm=config.max_grad_norm or 1e9,
        lr_scheduler_type="constant", warmup_steps=0, optim="adamw_torch", seed=config.seed,
        bf16=False, fp16=False, gradient_checkpointing=False, disable_dropout=config.disable_dropout,
        max_length=None, logging_steps=1, report_to="none", save_strategy="no",
        disable_tqdm=not config.progress, use_cpu=config.device == "cpu", dataloader_num_workers=0,
    )
    trainer = trl.RewardTrainer(model=config.model, args=args, train_dataset=dataset, processing_class=tokenizer)
    # Keep the per-step loss in log_history without printing every log line (stdout carries --json).
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if config.progress:
        trainer.add_callback(_QuietProgress())
    started = time.perf_counter()
    trainer.train()
    result = TRLResult()
    result.train_seconds_ = time.perf_counter() - started
    result.engine = f"TRL {trl.__version__} RewardTrainer (AutoModelForSequenceClassification head, same token ids)"
    result.model_ = SequenceClassifierScorer(trainer.model, tokenizer, max_length)
    result.n_examples_ = len(chosen) * config.num_epochs
    result.n_sequences_ = 2 * result.n_examples_
    result.history_ = [{"step": h["step"], "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h]
    return result

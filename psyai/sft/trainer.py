"""Supervised fine-tuning on participants' demonstrations with TRL's ``SFTTrainer`` (InstructGPT's step 1).

The training loop is TRL's, not ours: :class:`SFTRun` turns a table of
demonstrations (one row per prompt and the answer a participant wrote) into a
``datasets.Dataset`` in TRL's **prompt-completion** form and hands it to
``trl.SFTTrainer`` with ``completion_only_loss=True``, so the loss is computed
on the demonstration's tokens only and the prompt's tokens are masked
(``labels = -100``):

- with a chat template (the tokenizer has one and ``chat_template="auto"``):
  conversational form, ``prompt=[{"role": "user", …}]``,
  ``completion=[{"role": "assistant", …}]``; TRL renders both with the template,
  the prompt with the generation prompt (the form ``psyai generate`` and
  ``psyai policy train`` use);
- without: ``prompt = text + "\\n\\n"``, ``completion = demonstration`` (TRL adds
  EOS) — the plain form of psyai's reward models.

Participants (never single demonstrations) are held out (``eval_fraction``) to
measure the loss on demonstrations the model did not see, before and after
training. :meth:`SFTRun.save` writes a plain transformers folder
(``AutoModelForCausalLM.from_pretrained`` loads it) with the tokenizer, the
training log and ``psyai_sft.json``: the base model and its revision, the
data, the participants, the curation, the resolved settings, the command line
and the library versions.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from psyai.errors import PsyaiError
from psyai.sft.config import SFTSettings

logger = logging.getLogger(__name__)

__all__ = ["SFTRun", "SFTDataError", "to_dataset", "META_FILE", "LOG_FILE"]

META_FILE = "psyai_sft.json"
LOG_FILE = "training_log.csv"
FORMAT = "psyai-sft"


class SFTDataError(PsyaiError, ValueError):
    """Demonstrations that cannot be trained on (none left, an empty column …)."""


def to_dataset(frame: pd.DataFrame, *, conversational: bool):
    """A ``datasets.Dataset`` of TRL's prompt-completion form from ``prompt`` and ``completion`` columns."""
    from datasets import Dataset

    if conversational:
        rows = {"prompt": [[{"role": "user", "content": p}] for p in frame["prompt"]],
                "completion": [[{"role": "assistant", "content": c}] for c in frame["completion"]]}
    else:
        rows = {"prompt": [f"{p}\n\n" if p else "" for p in frame["prompt"]],
                "completion": list(frame["completion"])}
    return Dataset.from_dict(rows)


def check_demonstrations(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows to train on: ``prompt`` and ``completion`` present, no empty demonstration; a participant column."""
    missing = [c for c in ("prompt", "completion") if c not in frame.columns]
    if missing:
        raise SFTDataError(f"{source}: no {' or '.join(missing)} column; SFT needs a prompt and the demonstration "
                           "(completion) a person wrote for it")
    frame = frame.copy()
    frame["prompt"] = frame["prompt"].fillna("").astype(str)
    frame["completion"] = frame["completion"].fillna("").astype(str)
    empty = frame["completion"].str.strip() == ""
    if empty.all() or frame.empty:
        raise SFTDataError(f"{source}: no demonstration to train on (after curation); collect demonstrations "
                           "(experiments/demonstrations.py) or check the curation report")
    if empty.any():
        logger.warning("%d empty demonstration(s) left out", int(empty.sum()))
    frame = frame[~empty]
    if "participant" not in frame.columns:
        frame["participant"] = [f"row{i}" for i in range(len(frame))]
    frame["participant"] = frame["participant"].astype(str)
    return frame.reset_index(drop=True)


class SFTRun:
    """Fine-tune a causal LM on demonstrations (scikit-learn style: settings in, ``fit`` returns self).

    Attributes (after :meth:`fit`)
    ------------------------------
    model_, tokenizer_ : the fine-tuned model and its tokenizer.
    conversational_ : whether the chat template was used.
    train_participants_, eval_participants_ : whose demonstrations were trained on and held out.
    history_ : TRL's log: one dict per logged step (``step``, ``loss``, ``learning_rate`` …).
    eval_before_, eval_after_ : held-out loss per completion token before and after training (None
        without held-out participants).
    n_train_, n_eval_ : demonstrations trained on and held out.
    trainable_changed_ : fraction of parameter tensors that changed.
    train_seconds_ : wall time of ``trainer.train()``.
    """

    def __init__(self, config: SFTSettings) -> None:
        self.config = config

    def fit(self, demonstrations: pd.DataFrame, source: str = "demonstrations") -> SFTRun:
        import torch
        from trl import SFTConfig, SFTTrainer

        from psyai.models.loading import load_pretrained
        from psyai.progress import quiet_trainer, trainer_progress
        from psyai.reward.data import split_participants

        config = self.config.check()
        frame = check_demonstrations(demonstrations, source)
        loaded = load_pretrained(config.model, head=True, device="cpu", dtype="float32")  # TRL places it
        model, tokenizer = loaded.model, loaded.tokenizer
        self.base_revision_ = loaded.revision
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.conversational_ = config.chat_template == "auto" and bool(getattr(tokenizer, "chat_template", None))
        people = sorted(frame["participant"].unique())
        if config.eval_fraction > 0 and len(people) >= 2:
            train_people, eval_people = split_participants(people, config.eval_fraction, config.seed)
        else:
            train_people, eval_people = people, []
        train = frame[frame["participant"].isin(train_people)]
        held = frame[frame["participant"].isin(eval_people)]
        self.train_participants_, self.eval_participants_ = list(train_people), list(eval_people)
        self.n_train_, self.n_eval_ = len(train), len(held)
        train_ds = to_dataset(train, conversational=self.conversational_)
        eval_ds = to_dataset(held, conversational=self.conversational_) if len(held) else None
        before = {name: p.detach().clone() for name, p in model.named_parameters()}
        with tempfile.TemporaryDirectory(prefix="psyai-sft-") as scratch:
            args = SFTConfig(
                output_dir=scratch, num_train_epochs=config.num_epochs, per_device_train_batch_size=config.batch_size,
                per_device_eval_batch_size=config.batch_size, learning_rate=config.learning_rate,
                weight_decay=config.weight_decay, warmup_steps=config.warmup_ratio, lr_scheduler_type="cosine",
                max_length=config.max_length, completion_only_loss=True, packing=False, logging_steps=1,
                save_strategy="no", eval_strategy="no", report_to="none", seed=config.seed, data_seed=config.seed,
                use_cpu=config.device == "cpu", disable_tqdm=True, dataloader_pin_memory=False,
                bf16=False, fp16=False)
            trainer = SFTTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                                 processing_class=tokenizer)
            logged: list[dict] = []
            quiet_trainer(trainer, trainer_progress(f"SFT ({len(train)} demonstrations)", enabled=config.progress,
                                                    csv_rows=logged))
            self.trainer_ = trainer
            self.eval_before_ = trainer.evaluate()["eval_loss"] if eval_ds is not None else None
            started = time.perf_counter()
            trainer.train()
            self.train_seconds_ = time.perf_counter() - started
            self.eval_after_ = trainer.evaluate()["eval_loss"] if eval_ds is not None else None
        model = trainer.accelerator.unwrap_model(trainer.model)
        model.eval()
        self.model_, self.tokenizer_ = model, tokenizer
        self.history_ = [h for h in logged if "loss" in h]
        changed = [not torch.equal(before[name].cpu(), p.detach().cpu()) for name, p in model.named_parameters()]
        self.trainable_changed_ = sum(changed) / max(1, len(changed))
        self.is_main_process_ = trainer.accelerator.is_main_process
        return self

    def summary(self) -> dict[str, Any]:
        """What the run did, for the command's JSON and the provenance file."""
        losses = [h["loss"] for h in self.history_]
        return {
            "demonstrations": self.n_train_, "held_out_demonstrations": self.n_eval_,
            "train_participants": len(self.train_participants_), "eval_participants": len(self.eval_participants_),
            "input_form": "conversational (chat template)" if self.conversational_ else "plain (prompt, blank line)",
            "loss_on": "demonstration tokens only (prompt tokens masked; TRL completion_only_loss)",
            "steps": len(self.history_), "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None,
            "heldout_loss_before": self.eval_before_, "heldout_loss_after": self.eval_after_,
            "train_seconds": round(self.train_seconds_, 2),
        }

    def save(self, out: str | Path, *, command_line: str | None = None, extra: dict | None = None) -> Path:
        """Write the fine-tuned model as a transformers folder plus ``psyai_sft.json`` and the training log."""
        import platform

        import torch
        import transformers
        import trl

        from psyai import __version__

        out = Path(out)
        if out.exists():
            raise PsyaiError(f"{out} already exists; psyai never overwrites a checkpoint: choose another --out")
        partial = out.with_name(out.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        self.model_.save_pretrained(partial)
        self.tokenizer_.save_pretrained(partial)
        pd.DataFrame(self.history_).to_csv(partial / LOG_FILE, index=False)
        record = {
            "format": FORMAT, "format_version": 1,
            "base_model": {"name_or_path": self.config.model, "revision": self.base_revision_},
            "config": self.config.to_dict(), "command_line": command_line,
            "train_participants": self.train_participants_, "eval_participants": self.eval_participants_,
            "training": self.summary(),
            "versions": {"psyai": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
                         "trl": trl.__version__, "python": platform.python_version()},
            **(extra or {}),
        }
        text = json.dumps(record, indent=2, ensure_ascii=False, default=str)
        (partial / META_FILE).write_text(text + "\n", encoding="utf-8")
        partial.rename(out)
        return out

"""Settings of supervised fine-tuning on demonstrations: one dataclass, one description per field.

Settings resolve as the reward model's do (:func:`psyai.reward.config.resolve_config`):
defaults → ``--config file.yaml|json`` → flags, each flag generated from a field here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from psyai.settings import ConfigError

__all__ = ["SFTSettings"]


def _help(text: str, **kwargs: Any) -> Any:
    return field(metadata={"help": text}, **kwargs)


@dataclass
class SFTSettings:
    """How a causal LM is fine-tuned on demonstrations with TRL's SFTTrainer (see each field's help)."""

    model: str = _help(
        "the model to fine-tune: a hub name (gpt2, rinna/japanese-gpt2-small …) or a folder written by "
        "save_pretrained; a causal LM", default="")
    chat_template: str = _help(
        "'auto': prompt and demonstration as a user and an assistant turn of the tokenizer's chat template when "
        "it has one (TRL's conversational prompt-completion form), else plain text; 'never': always plain text "
        "(prompt, a blank line, the demonstration, EOS)", default="auto")
    max_length: int = _help("longest training sequence in tokens (prompt + demonstration); longer ones are cut "
                            "at the end (TRL's truncation)", default=512)
    num_epochs: int = _help("passes over the demonstrations (InstructGPT: 16 epochs, choosing the checkpoint by "
                            "reward-model score; tiny local models need many more)", default=3)
    batch_size: int = _help("demonstrations per optimiser step and device", default=8)
    learning_rate: float = _help("peak AdamW learning rate (cosine decay; tiny local models need about 1e-3)",
                                 default=2e-5)
    weight_decay: float = _help("AdamW weight decay (InstructGPT: 0.1)", default=0.1)
    warmup_ratio: float = _help("fraction of the steps spent warming the learning rate up", default=0.0)
    eval_fraction: float = _help(
        "fraction of participants whose demonstrations are held out to measure the loss before and after "
        "training (never single demonstrations; 0: none held out)", default=0.1)
    seed: int = _help("seeds the participant split, the batch order and the weights TRL initialises", default=0)
    device: str = _help("auto (GPU if any), cpu (under accelerate launch, accelerate places each process; cpu "
                        "still forces the CPU)", default="auto")
    progress: bool = _help("show progress bars", default=True)

    CHAT_TEMPLATES = ("auto", "never")

    def check(self) -> SFTSettings:
        """Raise :class:`ConfigError` naming the setting and its fix; return ``self``."""
        if not self.model:
            raise ConfigError("no model given: pass --model NAME_OR_PATH (a hub name or a save_pretrained folder)")
        if self.chat_template not in self.CHAT_TEMPLATES:
            raise ConfigError(f"chat_template={self.chat_template!r}: use one of {', '.join(self.CHAT_TEMPLATES)}")
        for name in ("max_length", "num_epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: must be at least 1")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(f"learning_rate={self.learning_rate}: must be a positive number (e.g. 2e-5; 1e-3 for "
                              "tiny models)")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ConfigError(f"weight_decay={self.weight_decay}: must be a number from 0")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"warmup_ratio={self.warmup_ratio}: use a fraction in [0, 1)")
        if not 0 <= self.eval_fraction < 1:
            raise ConfigError(f"eval_fraction={self.eval_fraction}: use a fraction in [0, 1), e.g. 0.1")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed}: give a whole number from 0")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

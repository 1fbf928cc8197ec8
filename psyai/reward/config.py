"""Settings of reward-model training: one dataclass, one description per field.

Settings resolve in this order, later winning: the defaults below → a
``--config file.yaml|json`` → flags on the command line. The command-line
flags are generated from these fields (:func:`add_config_arguments`), so each
field is described once, here, in its ``help``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from psyai import settings
from psyai.settings import ConfigError

__all__ = ["RewardConfig", "ConfigError", "load_config_file", "add_config_arguments", "resolve_config"]


def _help(text: str, **kwargs: Any) -> Any:
    return field(metadata={"help": text}, **kwargs)


@dataclass
class RewardConfig:
    """How a reward model is built, trained and evaluated (see each field's help)."""

    model: str = _help(
        "backbone: a hub name (gpt2, cl-tohoku/bert-base-japanese …) or a folder written by save_pretrained; "
        "any causal LM or encoder", default="")
    pooling: str = _help(
        "which token's hidden state the scalar head reads: 'last' (last non-pad token, for causal LMs), "
        "'first' (for encoders such as BERT), or 'auto' (last for causal LMs, first otherwise); transformers' "
        "sequence classifiers fix it by architecture, so only 'auto' or that one is accepted", default="auto")
    max_length: int = _help(
        "longest input in tokens (prompt + response); longer inputs lose tokens from the start of the "
        "prompt (causal) or from the longer of prompt and response (encoder)", default=512)
    objective: str = _help(
        "'listwise': all C(K,2) comparisons of one ranking form one batch element, weighted 1/C(K,2) "
        "(InstructGPT: K forward passes per ranking); 'pairwise': every comparison is a separate example "
        "(2 forward passes per pair), as TRL's RewardTrainer takes them", default="listwise")
    num_epochs: int = _help("passes over the training rankings (InstructGPT trained 1; more overfits)", default=1)
    batch_size: int = _help(
        "examples per optimiser step: rankings (listwise) or pairs (pairwise)", default=8)
    learning_rate: float = _help("peak AdamW learning rate (tiny local models need about 1e-3)", default=1e-5)
    weight_decay: float = _help("AdamW weight decay", default=0.0)
    warmup_steps: int = _help("optimiser steps of linear learning-rate warm-up, then constant", default=0)
    max_grad_norm: float = _help("clip the gradient norm to this (0: no clipping)", default=1.0)
    disable_dropout: bool = _help("switch dropout off in the backbone while training (as TRL does)", default=True)
    normalize: bool = _help(
        "after training, record the mean and SD of the rewards of the reference set (every distinct training "
        "response) in psyai_reward.json as reference_rewards, so rewards can be centred as InstructGPT did; the "
        "weights are not shifted (a causal LM's transformers head has no bias), so psyai reward score and "
        "AutoModelForSequenceClassification give the same raw reward", default=True)
    eval_fraction: float = _help(
        "fraction held out for evaluation: of participants (--split rater), of prompts (--split prompt), or of "
        "each (--split both); never single trials; 0 trains on everything and evaluates nothing", default=0.2)
    split: str = _help(
        "what the held-out comparisons are new in: 'rater' (participants the model was not trained on; they may "
        "rank prompts it was trained on), 'prompt' (prompts it was not trained on, from every participant), or "
        "'both' (new participants on new prompts; their other comparisons are used for neither)", default="rater")
    folds: int = _help(
        "participant groups for intervals: held-out accuracy and agreement are computed per group and the "
        "interval is the t interval over groups; with --cross-validate, the number of models trained", default=5)
    cross_validate: bool = _help(
        "before the final model, train one model per participant group holding that group out "
        "(k-fold over participants) and report the mean held-out accuracy with its interval", default=False)
    eval_batch_size: int = _help("sequences per forward pass when scoring", default=32)
    seed: int = _help("seeds the head's initial weights, the participant split, the folds and the batch order",
                      default=0)
    device: str = _help("auto (GPU if any), cpu, cuda, cuda:1 … (under accelerate launch or torchrun, accelerate "
                        "places each process; cpu still forces the CPU)", default="auto")
    progress: bool = _help("show progress bars", default=True)

    OBJECTIVES = ("listwise", "pairwise")
    POOLINGS = ("auto", "last", "first")
    SPLITS = ("rater", "prompt", "both")

    def check(self) -> RewardConfig:
        """Raise :class:`ConfigError` naming the setting and its fix; return ``self``."""
        if not self.model:
            raise ConfigError("no backbone given: pass --model NAME_OR_PATH (a hub name or a save_pretrained folder)")
        if self.objective not in self.OBJECTIVES:
            raise ConfigError(f"objective={self.objective!r}: use one of {', '.join(self.OBJECTIVES)}")
        if self.split not in self.SPLITS:
            raise ConfigError(f"split={self.split!r}: use one of {', '.join(self.SPLITS)}")
        if self.pooling not in self.POOLINGS:
            raise ConfigError(f"pooling={self.pooling!r}: use one of {', '.join(self.POOLINGS)}")
        positive = ("max_length", "num_epochs", "batch_size", "eval_batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: must be at least 1")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate}: must be positive (e.g. 1e-5; 1e-3 for tiny models)")
        if not 0 <= self.eval_fraction < 1:
            raise ConfigError(f"eval_fraction={self.eval_fraction}: use a fraction in [0, 1), e.g. 0.2")
        if self.folds < 2:
            raise ConfigError(f"folds={self.folds}: intervals need at least 2 participant groups, e.g. 5")
        if self.warmup_steps < 0 or not self.weight_decay >= 0 or not self.max_grad_norm >= 0:
            raise ConfigError("warmup_steps, weight_decay and max_grad_norm must not be negative")
        if not all(math.isfinite(v) for v in (self.learning_rate, self.weight_decay, self.max_grad_norm)):
            raise ConfigError("learning_rate, weight_decay and max_grad_norm must be finite numbers")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed}: give a whole number from 0")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_config_file(path: str | Path, cls: type | None = None) -> dict[str, Any]:
    """Settings from a YAML or JSON file (:func:`psyai.settings.load_config_file`; default :class:`RewardConfig`)."""
    return settings.load_config_file(path, cls or RewardConfig)


def add_config_arguments(parser: argparse.ArgumentParser, *, skip: tuple[str, ...] = (), cls: type | None = None) -> None:
    """One flag per :class:`RewardConfig` field, plus ``--config FILE`` (:func:`psyai.settings.add_config_arguments`)."""
    settings.add_config_arguments(parser, cls or RewardConfig, skip=skip, metavars={"model": "NAME_OR_PATH"})


def resolve_config(args: argparse.Namespace, cls: type | None = None, **overrides: Any) -> Any:
    """Defaults → ``args.config`` file → flags → ``overrides``; checked (:func:`psyai.settings.resolve_config`)."""
    return settings.resolve_config(args, cls or RewardConfig, **overrides)

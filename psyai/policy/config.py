"""Settings of policy optimisation: one dataclass, one description per field.

Settings resolve in this order, later winning: the defaults below → a
``--config file.yaml|json`` → flags on the command line. The flags are
generated from these fields (:func:`add_config_arguments`), so each field is
described once, here, in its ``help``.

The defaults are sized for a laptop demo with a tiny local model (40 steps of
16 completions of at most 32 tokens: a minute or two on two CPU cores) except
the learning rate, which is safe for a real model; a tiny random-init model
needs about 3e-2 to move in 40 steps. For real models (gpt2 and up) see the
README, "Policy optimisation": ``--learning-rate 1e-6``–``1e-5``,
``--max-completion-length 128``–``512``, ``--max-steps`` in the hundreds,
``--bf16`` and ``--gradient-checkpointing`` on GPUs.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from psyai import settings
from psyai.settings import ConfigError

__all__ = ["PolicyConfig", "ConfigError", "load_config_file", "add_config_arguments", "resolve_config"]


def _help(text: str, **kwargs: Any) -> Any:
    return field(metadata={"help": text}, **kwargs)


@dataclass
class PolicyConfig:
    """How a policy is optimised against a reward model (see each field's help)."""

    sft: str = _help(
        "the policy to start from and the KL reference it is held to: a causal LM by hub name (gpt2 …) or a "
        "save_pretrained folder (the SFT checkpoint)", default="")
    reward: str = _help("reward checkpoint folder written by psyai reward train", default="")
    prompts: str = _help(
        "prompts file as psyai generate reads it (CSV or JSON Lines: prompt_id, lang, prompt); through the SFT "
        "tokenizer's chat template when it has one, as plain text otherwise", default="")
    algorithm: str = _help(
        "'rloo' (TRL's RLOOTrainer: REINFORCE with a leave-one-out baseline over the completions of a prompt) or "
        "'ppo' (refused: the pinned TRL has no PPO trainer; see the README)", default="rloo")
    beta: float = _help(
        "KL penalty coefficient: reward − beta · KL(policy ‖ SFT), the KL summed over the response's tokens from "
        "the k1 estimate log π(y_t) − log π_SFT(y_t) of each sampled token, as TRL's RLOO does (0: no penalty and "
        "no reference model; InstructGPT used 0.02)", default=0.05)
    max_steps: int = _help("optimiser steps (each generates and scores a fresh batch of completions)", default=40)
    batch_size: int = _help(
        "completions per optimiser step on each process (prompts × --num-generations); a multiple of "
        "--num-generations", default=16)
    num_generations: int = _help(
        "completions sampled per prompt; each is compared with the mean reward of the others (at least 2)",
        default=8)
    max_completion_length: int = _help("longest response in tokens; longer ones are cut", default=32)
    temperature: float = _help("sampling temperature of the completions", default=1.0)
    top_p: float = _help("nucleus sampling: keep the smallest set of tokens with this much probability (1: all)",
                         default=1.0)
    learning_rate: float = _help(
        "peak AdamW learning rate, decaying linearly to 0 (real models: 1e-6 to 1e-5; a tiny random-init model "
        "about 3e-2)", default=1e-5)
    weight_decay: float = _help("AdamW weight decay", default=0.0)
    max_grad_norm: float = _help("clip the gradient norm to this (0: no clipping)", default=1.0)
    gradient_accumulation_steps: int = _help("batches whose gradients are summed before each optimiser step",
                                             default=1)
    num_iterations: int = _help("optimiser passes over each generated batch (μ; above 1 the ratio clipping acts)",
                                default=1)
    epsilon: float = _help("clipping range of the probability ratio when --num-iterations is above 1", default=0.2)
    normalize_advantages: bool = _help("scale the advantages of each batch to mean 0 and SD 1", default=False)
    disable_dropout: bool = _help(
        "switch dropout off in the policy and the reference (so the KL compares the models, not dropout noise)",
        default=True)
    gradient_checkpointing: bool = _help("recompute activations in the backward pass (saves GPU memory, ~20% slower)",
                                         default=False)
    bf16: bool = _help("bfloat16 mixed precision (GPUs from NVIDIA Ampere on)", default=False)
    threads: int = _help(
        "torch CPU threads of each process (1: fastest for tiny models on a shared CPU, where threads waiting on "
        "each other make them ~10x slower; 0: torch's default, for real models on many cores)", default=1)
    seed: int = _help("seeds the sampling of completions, the prompt order and dropout", default=0)
    device: str = _help(
        "auto (a GPU when there is one) or cpu; under accelerate launch, accelerate places each process (choose "
        "GPUs with CUDA_VISIBLE_DEVICES)", default="auto")
    progress: bool = _help("show a progress bar", default=True)

    ALGORITHMS = ("rloo", "ppo")
    DEVICES = ("auto", "cpu")

    def check(self) -> PolicyConfig:
        """Raise :class:`ConfigError` naming the setting and its fix; return ``self``."""
        for name, what in (("sft", "--sft NAME_OR_PATH (the SFT checkpoint, or a hub name such as gpt2)"),
                           ("reward", "--reward CKPT (a folder written by psyai reward train)"),
                           ("prompts", "--prompts FILE (prompt_id, lang, prompt; as psyai generate reads it)")):
            if not str(getattr(self, name)).strip():
                raise ConfigError(f"no {name} given: pass {what}")
        if self.algorithm not in self.ALGORITHMS:
            raise ConfigError(f"algorithm={self.algorithm!r}: use one of {', '.join(self.ALGORITHMS)}")
        if self.device not in self.DEVICES:
            raise ConfigError(f"device={self.device!r}: use auto or cpu (choose GPUs with CUDA_VISIBLE_DEVICES)")
        for name in ("max_steps", "batch_size", "max_completion_length", "gradient_accumulation_steps",
                     "num_iterations"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: must be a whole number from 1")
        if self.num_generations < 2:
            raise ConfigError(f"num_generations={self.num_generations}: RLOO compares each completion with the "
                              "others of its prompt, so it needs at least 2 (e.g. 8)")
        if self.batch_size % self.num_generations:
            fits = self.num_generations * max(1, self.batch_size // self.num_generations)
            raise ConfigError(f"batch_size={self.batch_size} is not a multiple of num_generations="
                              f"{self.num_generations}: a batch holds whole groups of completions of a prompt "
                              f"(e.g. --batch-size {fits})")
        numbers = ("beta", "temperature", "top_p", "learning_rate", "weight_decay", "max_grad_norm", "epsilon")
        for name in numbers:
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(f"{name}={getattr(self, name)}: must be a finite number")
        if self.beta < 0:
            raise ConfigError(f"beta={self.beta}: the KL coefficient cannot be negative (0 switches it off)")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate}: must be positive (e.g. 1e-5; 3e-2 for tiny models)")
        if not self.temperature > 0:
            raise ConfigError(f"temperature={self.temperature}: must be positive (e.g. 1.0)")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p={self.top_p}: use a probability in (0, 1], e.g. 1.0")
        if self.weight_decay < 0 or self.max_grad_norm < 0 or not self.epsilon > 0:
            raise ConfigError("weight_decay and max_grad_norm must not be negative, and epsilon must be positive")
        if self.threads < 0:
            raise ConfigError(f"threads={self.threads}: give a whole number from 0 (0: torch's default)")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed}: give a whole number from 0")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


METAVARS = {"sft": "NAME_OR_PATH", "reward": "CKPT", "prompts": "FILE"}


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Policy settings from a YAML or JSON file (:func:`psyai.settings.load_config_file`)."""
    return settings.load_config_file(path, PolicyConfig)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`PolicyConfig` field, plus ``--config FILE`` (:func:`psyai.settings.add_config_arguments`)."""
    settings.add_config_arguments(parser, PolicyConfig, metavars=METAVARS)


def resolve_config(args: argparse.Namespace, **overrides: Any) -> PolicyConfig:
    """Defaults → ``args.config`` file → flags → ``overrides``; checked (:func:`psyai.settings.resolve_config`)."""
    return settings.resolve_config(args, PolicyConfig, **overrides)

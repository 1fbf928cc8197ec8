"""Train a reward model on rankings with InstructGPT's loss.

InstructGPT (Ouyang et al., 2022, eq. 1) trains on all C(K,2) comparisons of
one ranking as **one batch element**: the K outputs go through the model once
and every comparison is read off those K rewards,

    loss(θ) = -1/C(K,2) · Σ_{(w, l)} log σ(r_θ(x, y_w) - r_θ(x, y_l)),

averaged over the rankings of a batch. Each ranking costs K forward passes,
where expanding it into separate pairs costs 2·C(K,2) (72 instead of 9 at
K = 9); and the comparisons of one ranking, which are strongly correlated,
enter one gradient step together instead of being scattered over an epoch.
With ties or partial rankings the comparisons of a ranking are those of
:func:`psyai.reward.data.comparisons`, and the weight is 1 / (their number).

``objective="pairwise"`` trains the usual pairwise expansion instead (every
comparison a separate example, both texts through the model: what TRL's
``RewardTrainer`` takes); :mod:`psyai.reward.bench` compares the two.

The loop runs unchanged under ``accelerate launch`` or ``torchrun`` (one or
several GPUs or processes): launched that way, it is driven through
``accelerate.Accelerator`` (``prepare`` shards the batches, ``backward``,
``clip_grad_norm_``, ``unwrap_model``; the CLI saves and prints on the main
process only). A plain run uses :class:`SingleProcess`, which has the same
methods on one device (``--device``). ``accelerate`` is not a dependency of
psyai: it is imported only when launched that way. Checked by hand with
accelerate 1.15 and ``python -m torch.distributed.run --nproc_per_node 2 -m
psyai.reward.cli train …`` on CPU (gloo): one checkpoint, written once.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from psyai.models.loading import resolve_device
from psyai.reward.config import ConfigError, RewardConfig
from psyai.reward.data import (
    Ranking,
    RewardDataError,
    check_trainable,
    rankings_from_frame,
    split_participants,
    split_prompts,
)
from psyai.reward.model import RewardModel

logger = logging.getLogger(__name__)

__all__ = ["RewardTrainer", "listwise_loss", "make_runtime", "launched_distributed", "SingleProcess", "fit_on"]


def listwise_loss(rewards: torch.Tensor, winners: torch.Tensor, losers: torch.Tensor,
                  weights: torch.Tensor) -> torch.Tensor:
    """InstructGPT's ranking loss for a batch.

    Parameters
    ----------
    rewards : (N,) rewards of every output in the batch (the K outputs of each ranking, concatenated).
    winners, losers : (M,) indices into ``rewards`` of each comparison's preferred and other output.
    weights : (M,) weight of each comparison: 1 / (comparisons in its ranking) / (rankings in the batch).

    Returns
    -------
    The scalar loss: the mean over rankings of the mean over their comparisons of
    ``-log sigmoid(r_winner - r_loser)``.
    """
    margins = rewards[winners] - rewards[losers]  # (M,)
    return -(weights * F.logsigmoid(margins)).sum()  # ()


class SingleProcess:
    """The ``accelerate.Accelerator`` methods the training loop uses, for one process without accelerate."""

    is_main_process = True
    num_processes = 1

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def prepare(self, *objects):
        return tuple(o.to(self.device) if isinstance(o, nn.Module) else o for o in objects)

    def backward(self, loss: torch.Tensor) -> None:
        loss.backward()

    def clip_grad_norm_(self, parameters, max_norm: float):
        return nn.utils.clip_grad_norm_(parameters, max_norm)

    def unwrap_model(self, model: nn.Module) -> nn.Module:
        return model

    def wait_for_everyone(self) -> None:
        pass


def launched_distributed() -> bool:
    """Whether this process was started by ``accelerate launch`` or ``torchrun`` (their environment variables)."""
    return any(k.startswith("ACCELERATE_") for k in os.environ) or int(os.environ.get("WORLD_SIZE", "1")) > 1


def make_runtime(device: str = "auto"):
    """``accelerate.Accelerator()`` under ``accelerate launch`` / ``torchrun``, else :class:`SingleProcess`.

    A plain run trains on ``device`` in this process, even when accelerate is
    installed.

    Raises:
        ConfigError: launched on several processes but accelerate is not installed
            (each process would train its own model and they would race to save it).
    """
    if not launched_distributed():
        return SingleProcess(resolve_device(device))
    try:
        from accelerate import Accelerator
    except ImportError as exc:
        raise ConfigError(f"launched as one of {os.environ.get('WORLD_SIZE', 'several')} processes, but the "
                          "accelerate package is not installed: pip install accelerate, or run without "
                          "torchrun / accelerate launch") from exc
    return Accelerator(cpu=device == "cpu")


class _Collate:
    """Token lists of a batch of examples → padded tensors and comparison indices."""

    def __init__(self, sequences: list[list[int]], pad_id: int) -> None:
        self.sequences = sequences
        self.pad_id = pad_id

    def __call__(self, batch: list[tuple[tuple[int, ...], tuple[tuple[int, int], ...]]]) -> dict[str, torch.Tensor]:
        from psyai.reward.model import pad_batch

        seq_ids, winners, losers, weights = [], [], [], []
        for seqs, pairs in batch:
            offset = len(seq_ids)
            seq_ids.extend(seqs)
            for w, l in pairs:
                winners.append(offset + w)
                losers.append(offset + l)
                weights.append(1.0 / len(pairs) / len(batch))
        input_ids, attention_mask = pad_batch([self.sequences[i] for i in seq_ids], self.pad_id)  # (N, T) each
        return {
            "input_ids": input_ids, "attention_mask": attention_mask,
            "winners": torch.tensor(winners), "losers": torch.tensor(losers),  # (M,) each
            "weights": torch.tensor(weights, dtype=torch.float32),  # (M,)
        }


class RewardTrainer:
    """Fit a :class:`RewardModel` to rankings (scikit-learn style: settings in, ``fit`` returns self).

    Parameters
    ----------
    config : the settings (:class:`RewardConfig`); checked in :meth:`fit`.
    rater_ids : False when the data have no rater ids (each pair its own participant); said in the metrics.

    Attributes (after :meth:`fit`)
    ------------------------------
    model_ : the trained :class:`RewardModel` (eval mode).
    reference_ : mean and SD of the rewards of the training responses (``config.normalize``), else None.
    train_participants_, train_prompts_ : the participants and prompts of the rankings trained on.
    eval_participants_, eval_prompts_ : those set aside for evaluation (``config.split``).
    data_report_ : rankings read, used, and set aside (one response, no comparison).
    history_ : one dict per optimiser step: ``step``, ``epoch``, ``loss``.
    train_seconds_ : wall time of the training loop (excluding loading and tokenising).
    n_examples_ : examples trained on, summed over epochs: rankings (listwise) or pairs (pairwise).
    n_sequences_ : sequences through the model while training in this process, summed over epochs.
    metrics_ : held-out evaluation (:func:`psyai.reward.evaluate.evaluate`), or ``{}`` without held-out participants.
    """

    def __init__(self, config: RewardConfig, rater_ids: bool = True) -> None:
        self.config = config
        self.rater_ids = rater_ids

    def fit(self, rankings: pd.DataFrame | list[Ranking]) -> RewardTrainer:
        """Split by participant, train on the training participants, evaluate on the held-out ones."""
        from psyai.reward.evaluate import evaluate

        config = self.config.check()
        all_rankings = rankings if isinstance(rankings, list) else rankings_from_frame(rankings)
        usable, self.data_report_ = check_trainable(all_rankings)
        train_rankings = self._split(usable, config)

        runtime = make_runtime(config.device)
        model = RewardModel.from_backbone(config.model, pooling=config.pooling, device="cpu",
                                          max_length=config.max_length, seed=config.seed)
        if config.disable_dropout:
            for module in model.modules():
                if isinstance(module, nn.Dropout):
                    module.p = 0.0
        self._train(model, train_rankings, runtime)
        model = runtime.unwrap_model(model)
        model.eval()
        self.reference_ = None
        if config.normalize:
            reference = sorted({(r.prompt, t) for r in train_rankings for t in r.texts})
            scores = model.score([p for p, _ in reference], [t for _, t in reference], config.eval_batch_size)
            self.reference_ = {"mean": float(scores.mean()), "sd": float(scores.std(ddof=1)) if len(scores) > 1
                               else None, "n": len(scores),
                               "what": "rewards of every distinct (prompt, response) trained on; subtract mean to "
                                       "centre rewards (the weights are not shifted)"}
        self.model_ = model
        self.metrics_ = {}
        if config.eval_fraction > 0:
            self.metrics_ = evaluate(model, all_rankings, split=config.split,
                                     train_participants=self.train_participants_, train_prompts=self.train_prompts_,
                                     rater_ids=self.rater_ids, folds=config.folds, seed=config.seed,
                                     batch_size=config.eval_batch_size)
        return self

    def _split(self, usable: list[Ranking], config: RewardConfig) -> list[Ranking]:
        """Hold out participants, prompts or both (``config.split``); the training rankings."""
        people, prompts = [r.participant for r in usable], [r.prompt_id for r in usable]
        if config.eval_fraction <= 0:
            train_people, eval_people, train_prompts, eval_prompts = sorted(set(people)), [], sorted(set(prompts)), []
        else:
            train_people, eval_people = (split_participants(people, config.eval_fraction, config.seed)
                                         if config.split != "prompt" else (sorted(set(people)), []))
            train_prompts, eval_prompts = (split_prompts(prompts, config.eval_fraction, config.seed)
                                           if config.split != "rater" else (sorted(set(prompts)), []))
        keep_people, keep_prompts = set(train_people), set(train_prompts)
        train = [r for r in usable if r.participant in keep_people and r.prompt_id in keep_prompts]
        if not train:
            raise RewardDataError(f"--split {config.split} leaves no ranking to train on (no held-in participant "
                                  "ranked a held-in prompt); collect more rankings or use another --split")
        # what the model actually saw (eval excludes these), and what the split set aside for evaluation
        self.train_participants_ = sorted({r.participant for r in train})
        self.train_prompts_ = sorted({r.prompt_id for r in train})
        self.eval_participants_ = eval_people if config.split != "prompt" else sorted(
            {r.participant for r in usable if r.prompt_id in set(eval_prompts)})
        self.eval_prompts_ = eval_prompts if config.split != "rater" else sorted(
            {r.prompt_id for r in usable if r.participant in set(eval_people)})
        return train

    def _examples(self, model: RewardModel, rankings: list[Ranking]):
        """Token lists of every distinct (prompt, text), and one example per ranking or per pair."""
        index: dict[tuple[str, str], int] = {}
        sequences: list[list[int]] = []
        truncated = 0
        for r in rankings:
            for text in r.texts:
                if (r.prompt, text) not in index:
                    index[(r.prompt, text)] = len(sequences)
                    ids = model.encode(r.prompt, text)
                    truncated += len(ids) >= model.max_length
                    sequences.append(ids)
        if truncated:
            logger.warning("%d input(s) reached max_length=%d tokens and were cut from the start",
                           truncated, model.max_length)
        examples = []
        for r in rankings:
            seqs = tuple(index[(r.prompt, t)] for t in r.texts)
            if self.config.objective == "listwise":
                examples.append((seqs, r.pairs))
            else:
                examples.extend(((seqs[w], seqs[l]), ((0, 1),)) for w, l in r.pairs)
        return sequences, examples

    def _train(self, model: RewardModel, rankings: list[Ranking], runtime) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        config = self.config
        sequences, examples = self._examples(model, rankings)
        generator = torch.Generator().manual_seed(config.seed)
        loader = torch.utils.data.DataLoader(
            examples, batch_size=config.batch_size, shuffle=True, generator=generator,
            collate_fn=_Collate(sequences, model.tokenizer.pad_token_id))
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        warmup = max(1, config.warmup_steps)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
        model, optimizer, loader, schedule = runtime.prepare(model, optimizer, loader, schedule)
        device = runtime.device
        model.train()
        self.history_ = []
        self.n_examples_ = 0
        self.n_sequences_ = 0
        total = config.num_epochs * len(loader)
        what = "rankings" if config.objective == "listwise" else "pairs"
        progress = Progress(
            TextColumn(f"reward model ({config.objective}, {len(examples)} {what})"), BarColumn(),
            MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not (config.progress and runtime.is_main_process),
        )
        started = time.perf_counter()
        with progress:
            task = progress.add_task("train", total=total, loss=float("nan"))
            step = 0
            for epoch in range(config.num_epochs):
                for batch in loader:
                    batch = {k: v.to(device) for k, v in batch.items()}
                    rewards = model(batch["input_ids"], batch["attention_mask"])  # (N,)
                    loss = listwise_loss(rewards, batch["winners"], batch["losers"], batch["weights"])  # ()
                    optimizer.zero_grad()
                    runtime.backward(loss)
                    if config.max_grad_norm > 0:
                        runtime.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                    optimizer.step()
                    schedule.step()
                    step += 1
                    self.n_sequences_ += int(batch["input_ids"].shape[0])
                    self.history_.append({"step": step, "epoch": epoch, "loss": float(loss.detach())})
                    progress.update(task, advance=1, loss=float(loss.detach()))
                self.n_examples_ += len(examples)
        self.train_seconds_ = time.perf_counter() - started
        runtime.wait_for_everyone()
        logger.info("trained %d steps on %d %s in %.1f s", step, len(examples), what, self.train_seconds_)

    def cross_validate(self, rankings: pd.DataFrame | list[Ranking]) -> dict:
        """Train ``config.folds`` models, each holding out one group of participants; see
        :func:`psyai.reward.evaluate.cross_validate`."""
        from psyai.reward.evaluate import cross_validate

        return cross_validate(rankings, self.config)

    def score(self, prompts: list[str], responses: list[str]) -> np.ndarray:
        """Rewards of (prompt, response) pairs from the fitted model."""
        return self.model_.score(prompts, responses, self.config.eval_batch_size)

    def checkpoint_meta(self, command_line: str | None = None) -> dict:
        """What :meth:`save` writes beside the weights: config, command line, split, metrics, versions."""
        import platform

        import transformers

        from psyai import __version__

        return {
            "config": self.config.to_dict(), "command_line": command_line,
            "split": self.config.split,
            "train_participants": self.train_participants_, "eval_participants": self.eval_participants_,
            "train_prompts": self.train_prompts_, "eval_prompts": self.eval_prompts_, "rater_ids": self.rater_ids,
            "data_report": self.data_report_, "metrics": self.metrics_, "reference_rewards": self.reference_,
            "training": {"steps": len(self.history_), "seconds": self.train_seconds_,
                         "examples": self.n_examples_, "sequences": self.n_sequences_,
                         "first_loss": self.history_[0]["loss"] if self.history_ else None,
                         "last_loss": self.history_[-1]["loss"] if self.history_ else None},
            "versions": {"psyai": __version__, "torch": torch.__version__,
                         "transformers": transformers.__version__, "python": platform.python_version()},
        }

    def save(self, path, command_line: str | None = None, extra: dict | None = None):
        """Write the checkpoint folder (safetensors + config + tokenizer + ``psyai_reward.json``)."""
        return self.model_.save_pretrained(path, {**self.checkpoint_meta(command_line), **(extra or {})})


def fit_on(rankings: list[Ranking], config: RewardConfig) -> RewardTrainer:
    """Train on every participant of ``rankings`` (no held-out split): for folds and the benchmark."""
    return RewardTrainer(replace(config, eval_fraction=0.0)).fit(rankings)

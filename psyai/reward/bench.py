"""``psyai reward bench``: listwise against pairwise training, same backbone, data and epochs.

Both sides start from the same backbone weights and head seed, train on the
same simulated rankings (:mod:`psyai.participants.rankers`, K = 9 by default) of the same
training participants for the same number of epochs with AdamW at the same
learning rate, and are scored on the same held-out participants:

- **listwise**: InstructGPT's loss, one batch element per ranking (K forward
  passes per ranking; :mod:`psyai.reward.trainer`);
- **pairwise**: the usual expansion, every comparison a separate example
  (2 forward passes per pair, 2·C(K,2) per ranking), as TRL's
  ``RewardTrainer`` takes them. With TRL installed (an optional extra, not a
  psyai dependency) ``engine="trl"`` trains this side with TRL itself;
  otherwise ``engine="psyai"`` runs psyai's own loop with
  ``objective="pairwise"``: the same model, optimiser, collation and loss
  code as the listwise side, so only the expansion differs.

By default the pairwise side takes ``batch_size * K // 2`` pairs per step, so
both sides push the same number of sequences through the model per step and
the timing compares forward-pass counts, not batch-size efficiency.

Timed: the training loop only (loading and tokenising excluded, the same for
both). ``speedup`` = pairwise seconds ÷ listwise seconds. On a shared CPU,
threads spin-waiting on each other distort timings, so the benchmark runs
torch on one thread unless told otherwise.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import tempfile
from dataclasses import replace
from math import comb
from pathlib import Path

import numpy as np

from psyai.reward.config import ConfigError, RewardConfig
from psyai.reward.data import comparison_table, rankings_from_frame, split_participants
from psyai.reward.evaluate import evaluate, pairwise_accuracy, t_interval

logger = logging.getLogger(__name__)

__all__ = ["run_bench", "format_bench", "machine"]


def machine(threads: int | None = None) -> str:
    """A one-line description of this machine (CPU model, cores, torch threads; GPU if any)."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"{cpu}, {os.cpu_count()} logical cores, torch {torch.__version__} on {threads or torch.get_num_threads()} "
            f"thread(s){gpu}, {platform.system()} {platform.release()}")


def _trl_available() -> bool:
    return importlib.util.find_spec("trl") is not None


def run_bench(*, model: str | None = None, k: int = 9, n_prompts: int = 40, n_participants: int = 24,
              epochs: int = 1, batch_size: int = 8, pairwise_batch_size: int | None = None,
              learning_rate: float = 1e-3, noise: float = 2.0, seed: int = 0, threads: int | None = 1,
              engine: str = "auto", device: str = "cpu", progress: bool = False) -> dict:
    """Train listwise and pairwise on the same simulated rankings; return timings and accuracies.

    Parameters
    ----------
    model : backbone name or path (default: a tiny GPT-2 built by :func:`psyai.models.demo.tiny_causal_lm`).
    k : outputs per prompt.
    n_prompts, n_participants : size of the simulated data; every participant ranks every prompt,
        a quarter of the participants are held out.
    epochs, batch_size, learning_rate : training settings of both sides (batch_size in rankings).
    pairwise_batch_size : pairs per step on the pairwise side (default ``batch_size * k // 2``).
    noise : the simulated rankers' Thurstone noise (:class:`psyai.participants.rankers.CohortRankers`).
    threads : torch threads while timing (``None``: leave torch's setting).
    engine : ``auto`` (TRL when installed, else psyai), ``trl`` or ``psyai`` for the pairwise side.
    device : where both sides train.

    Returns
    -------
    dict: ``speedup`` (pairwise ÷ listwise seconds), ``listwise_accuracy``,
    ``pairwise_accuracy`` (held-out, means over participant groups) with
    ``*_accuracy_ci``, ``accuracy_difference`` (listwise − pairwise, paired
    by participant group) with its ``_ci``, ``agreement_ceiling``,
    ``oracle_accuracy`` (the true simulated utility on the same held-out
    comparisons: what no model can beat on average), per side ``*_seconds``,
    ``*_examples_per_s`` (rankings or pairs per second), ``*_sequences_per_s``,
    ``*_forward_passes`` and ``*_steps``; ``pairwise_engine``, the data sizes,
    ``machine`` and the settings.
    """
    import torch

    from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items, utility
    from psyai.reward.trainer import fit_on

    if engine not in ("auto", "trl", "psyai"):
        raise ConfigError(f"engine={engine!r}: use auto, trl or psyai")
    if engine == "trl" and not _trl_available():
        raise ConfigError("engine=trl but TRL is not installed: pip install trl (an optional extra for the "
                          "benchmark), or use --engine psyai")
    if k < 2 or n_prompts < 1 or n_participants < 2 or epochs < 1:
        raise ConfigError(f"k={k}, n_prompts={n_prompts}, n_participants={n_participants}, epochs={epochs}: "
                          "the benchmark needs k >= 2, a prompt, 2 participants (one held out) and an epoch")
    use_trl = engine == "trl" or (engine == "auto" and _trl_available())
    pairwise_batch_size = pairwise_batch_size or max(1, batch_size * k // 2)
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        with tempfile.TemporaryDirectory(prefix="psyai-bench-") as tmp:
            if model is None:
                from psyai.models.demo import tiny_causal_lm

                model = str(tiny_causal_lm(Path(tmp) / "tiny-gpt2", seed=seed))
                backbone = "tiny GPT-2 from psyai.models.demo.tiny_causal_lm (77k parameters, random init)"
            else:
                backbone = model
            items = synthetic_ranking_items(n_prompts, k, seed=seed)
            frame = simulate_rankings(CohortRankers(noise=noise, seed=seed), items, n_participants)
            rankings = rankings_from_frame(frame)
            train_people, eval_people = split_participants([r.participant for r in rankings], 0.25, seed)
            train = [r for r in rankings if r.participant in set(train_people)]
            config = RewardConfig(model=model, num_epochs=epochs, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed, device=device, progress=progress)
            listwise = fit_on(train, replace(config, objective="listwise"))
            listwise_eval = evaluate(listwise.model_, rankings, heldout=eval_people, seed=seed)
            pairwise_config = replace(config, objective="pairwise", batch_size=pairwise_batch_size)
            if use_trl:
                from psyai.reward.bench_trl import train_pairwise_trl

                pairwise = train_pairwise_trl(train, pairwise_config, Path(tmp) / "trl")
                engine_name = pairwise.engine
            else:
                pairwise = fit_on(train, pairwise_config)
                engine_name = ("psyai pairwise loop (TRL is not installed; same model, optimiser and loss code "
                               "as the listwise side, every pair a separate example)")
            pairwise_eval = evaluate(pairwise.model_, rankings, heldout=eval_people, seed=seed)
    finally:
        torch.set_num_threads(old_threads)
    n_pairs = sum(len(r.pairs) for r in train)
    held = comparison_table([r for r in rankings if r.participant in set(eval_people)])
    oracle = pairwise_accuracy(held["winner_text"].map(utility), held["loser_text"].map(utility)).mean()
    # Both sides are scored on the same participant groups: the difference is paired by group.
    diff, diff_lo, diff_hi = t_interval([a["accuracy"] - b["accuracy"] for a, b in
                                         zip(listwise_eval["groups"], pairwise_eval["groups"])])
    result = {
        "speedup": pairwise.train_seconds_ / listwise.train_seconds_,
        "listwise_accuracy": listwise_eval["heldout_accuracy"],
        "pairwise_accuracy": pairwise_eval["heldout_accuracy"],
        "listwise_accuracy_ci": listwise_eval["heldout_accuracy_ci"],
        "pairwise_accuracy_ci": pairwise_eval["heldout_accuracy_ci"],
        "accuracy_difference": diff,
        "accuracy_difference_ci": None if diff_lo is None else [diff_lo, diff_hi],
        "agreement_ceiling": listwise_eval["agreement_ceiling"],
        "oracle_accuracy": float(oracle),
        "listwise_seconds": listwise.train_seconds_, "pairwise_seconds": pairwise.train_seconds_,
        "listwise_examples_per_s": listwise.n_examples_ / listwise.train_seconds_,
        "pairwise_examples_per_s": pairwise.n_examples_ / pairwise.train_seconds_,
        "listwise_sequences_per_s": listwise.n_sequences_ / listwise.train_seconds_,
        "pairwise_sequences_per_s": pairwise.n_sequences_ / pairwise.train_seconds_,
        "listwise_forward_passes": listwise.n_sequences_, "pairwise_forward_passes": pairwise.n_sequences_,
        "listwise_steps": len(listwise.history_), "pairwise_steps": len(pairwise.history_),
        "listwise_final_loss": float(np.mean([h["loss"] for h in listwise.history_[-10:]])),
        "pairwise_final_loss": float(np.mean([h["loss"] for h in pairwise.history_[-10:]])),
        "pairwise_engine": engine_name,
        "k": k, "pairs_per_ranking": comb(k, 2), "n_prompts": n_prompts, "n_participants": n_participants,
        "n_train_participants": len(train_people), "n_heldout_participants": len(eval_people),
        "n_train_rankings": len(train), "n_train_pairs": n_pairs, "epochs": epochs,
        "listwise_batch_size": batch_size, "pairwise_batch_size": pairwise_batch_size,
        "learning_rate": learning_rate, "seed": seed, "backbone": backbone,
        "machine": machine(threads),
    }
    return result


def format_bench(result: dict) -> str:
    """The benchmark as a short table for people."""
    def ci(v):
        return f" [{v[0]:.3f}, {v[1]:.3f}]" if v else ""

    lines = [
        f"reward bench: K = {result['k']}, {result['n_train_rankings']} training rankings "
        f"({result['n_train_pairs']} pairs) of {result['n_train_participants']} participants, "
        f"{result['n_heldout_participants']} held out, {result['epochs']} epoch(s)",
        f"backbone: {result['backbone']}",
        f"pairwise side: {result['pairwise_engine']}",
        f"machine: {result['machine']}",
        "",
        f"{'':10}{'seconds':>9}{'examples/s':>18}{'sequences/s':>13}{'forward passes':>16}  held-out accuracy",
    ]
    for side, unit in (("listwise", "rankings"), ("pairwise", "pairs")):
        lines.append(
            f"{side:10}{result[side + '_seconds']:>9.2f}{result[side + '_examples_per_s']:>9.1f} {unit:<8}"
            f"{result[side + '_sequences_per_s']:>13.0f}{result[side + '_forward_passes']:>16d}  "
            f"{result[side + '_accuracy']:.3f}{ci(result[side + '_accuracy_ci'])}")
    ceiling = result["agreement_ceiling"]
    lines += ["", f"speedup (pairwise time / listwise time): {result['speedup']:.1f}x",
              f"accuracy difference (listwise - pairwise): {result['accuracy_difference']:+.3f}"
              f"{ci(result['accuracy_difference_ci'])}",
              f"agreement ceiling: {ceiling:.3f}" if ceiling is not None else "agreement ceiling: n/a",
              f"oracle (true utility): {result['oracle_accuracy']:.3f}"]
    return "\n".join(lines)

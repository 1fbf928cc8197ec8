"""Optimise a policy against a reward model with a KL penalty to the SFT model (InstructGPT step 3).

The policy starts as the SFT checkpoint and is trained with TRL's
``RLOOTrainer`` (REINFORCE leave-one-out, Ahmadian et al., 2024): for each
prompt it samples ``num_generations`` completions, scores each with the reward
model, subtracts ``beta`` times the KL to the SFT model, and uses the mean of
the *other* completions' rewards as the baseline:

    r_i   = R(x, y_i) − β · Σ_t [log π_θ(y_i,t | …) − log π_SFT(y_i,t | …)]
    A_i   = r_i − 1/(k−1) · Σ_{j≠i} r_j
    loss  = −mean_i  min(ρ_i A_i, clip(ρ_i, 1−ε, 1+ε) A_i),   ρ_i = π_θ(y_i) / π_old(y_i)

The KL term is TRL's k1 estimate (the log-ratio of each sampled token, summed
over the response), applied as a penalty on the sequence's reward as in
InstructGPT (there per token, inside PPO). Its per-token mean over the batch is
the ``kl`` column of the log: 0 at the first step (the policy *is* the SFT
model), and positive in expectation after that, though a single batch's
estimate can dip below 0. With one pass over each batch (``num_iterations=1``)
ρ = 1 and the loss is minus the mean advantage, which the leave-one-out
baseline keeps near 0: the loss is not a training curve; read ``reward`` and
``kl``.

The reward is a psyai reward checkpoint, called as a TRL reward *function*
(:class:`RewardFunction`): TRL hands it the prompt and the decoded completion
texts and it scores them with :meth:`psyai.reward.model.RewardModel.score`, so
the texts are tokenised again in the reward model's own way (its tokenizer,
its chat template or plain form). The reward model and the policy may
therefore have different tokenizers.

Prompts come from a prompts file as ``psyai generate`` reads it
(:func:`psyai.models.generate.read_prompts`): through the SFT tokenizer's chat
template as one user turn when it has one (TRL's conversational prompts),
otherwise as plain text the policy continues, as ``psyai generate`` does.

Device placement is TRL's and accelerate's: the same code runs on a CPU, one
GPU, or several under ``accelerate launch``; only the main process writes
files.

:class:`PolicyTrainer` writes the output folder (``fit(out)``):

- the policy as a plain transformers folder (``config.json``,
  ``model.safetensors``, tokenizer files): ``AutoModelForCausalLM.from_pretrained(out)``;
- ``training_log.csv``: one row per optimiser step (:data:`LOG_COLUMNS`),
  written as training goes;
- ``training_summary.json``: what ``psyai policy train`` prints;
- ``psyai_policy.json``: provenance (SFT checkpoint and its revision, reward
  checkpoint and its digests, prompts file sha256, resolved config, the TRL
  settings derived from it, command line, versions, steps, first and last
  reward and KL).

It is written to ``OUT.partial`` and renamed to ``OUT`` at the end; an
existing ``OUT`` is never touched.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import platform
import time
from pathlib import Path
from typing import Any

from psyai.errors import PsyaiError
from psyai.models.loading import ModelError, is_local
from psyai.policy.config import ConfigError, PolicyConfig

logger = logging.getLogger(__name__)

__all__ = ["PolicyTrainer", "RewardFunction", "PolicyError", "check_sft", "prompt_dataset", "ppo_unavailable",
           "LOG_COLUMNS", "META_FILE", "LOG_FILE", "SUMMARY_FILE", "FORMAT"]

FORMAT = "psyai-policy"
FORMAT_VERSION = 1
META_FILE = "psyai_policy.json"
LOG_FILE = "training_log.csv"
SUMMARY_FILE = "training_summary.json"
KL_ESTIMATOR = ("k1: log π(y_t) − log π_SFT(y_t) of each sampled token, summed over the response and subtracted "
                "from its reward times beta (TRL RLOOTrainer); the log's kl is its mean per response token")

# training_log.csv: our column ← TRL's logged metric (None: from the trainer state)
LOG_COLUMNS = {
    "step": None,
    "epoch": "epoch",
    "loss": "loss",
    "reward": "reward",  # mean reward-model score of the batch, before the KL penalty
    "reward_std": "reward_std",
    "kl": "kl",  # mean per-token k1 estimate of KL(policy ‖ SFT) over the batch's response tokens
    "response_length": "completions/mean_length",  # mean response length in policy tokens
    "clipped_ratio": "completions/clipped_ratio",  # share of responses cut at max_completion_length
    "entropy": "entropy",
    "learning_rate": "learning_rate",
    "grad_norm": "grad_norm",
}


class PolicyError(PsyaiError, ValueError):
    """A policy run cannot start or its output cannot be written."""


def ppo_unavailable() -> str | None:
    """Why ``--algorithm ppo`` cannot run with the installed TRL, or None if it could.

    TRL moved ``PPOTrainer`` to ``trl.experimental.ppo`` in 0.26/1.0 and then
    removed it with its value-head models (huggingface/trl#7020); the pinned
    TRL (1.16) has neither. psyai does not drive an old TRL's PPO either: its
    API took tokenised prompts and a value-head model, unlike every other TRL
    trainer.
    """
    import trl

    # looked for as a folder: importing trl.experimental would warn that its APIs are unstable
    if not (Path(trl.__file__).parent / "experimental" / "ppo").is_dir():
        return (f"--algorithm ppo: TRL {trl.__version__} has no PPO trainer (trl.experimental.ppo was removed, "
                "huggingface/trl#7020); use --algorithm rloo, whose KL penalty to the SFT model is summed over the "
                "response's tokens as in InstructGPT")
    return (f"--algorithm ppo: psyai drives only RLOO; TRL {trl.__version__}'s experimental PPO takes tokenised "
            "prompts and a value-head model and is not wired in; use --algorithm rloo")


def check_sft(name_or_path: str) -> None:
    """Refuse an SFT model that cannot be a policy, in one line: a reward checkpoint, a folder that is not a
    transformers model, an encoder, or a path that does not exist. Hub names are checked when loaded."""
    from psyai.reward.model import META_FILE as REWARD_META
    from psyai.reward.model import is_causal

    path = Path(name_or_path).expanduser()
    if not is_local(name_or_path):
        if name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1 or "\\" in name_or_path:
            raise ModelError(f"--sft {name_or_path}: no such folder; pass the folder of the SFT model "
                             "(save_pretrained), or a hub name such as gpt2")
        return
    if path.is_file():
        raise ModelError(f"--sft {name_or_path} is a file; pass the folder of the SFT model (save_pretrained)")
    if (path / REWARD_META).exists():
        raise ModelError(f"--sft {name_or_path} is a psyai reward checkpoint ({REWARD_META}); pass it as --reward, "
                         "and the SFT model (the policy to start from) as --sft")
    if (path / META_FILE).exists():
        logger.info("--sft %s is a psyai policy; it is trained further and is the KL reference", name_or_path)
    if not (path / "config.json").exists():
        raise ModelError(f"--sft {name_or_path}: no config.json; pass a folder written by save_pretrained (config, "
                         "weights, tokenizer) or a hub name")
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(path)
    except Exception as exc:  # transformers raises ValueError, OSError and its own errors on a bad config
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"--sft {path / 'config.json'}: transformers cannot read it ({reason[:200]}); pass the "
                         "folder of a causal LM written by save_pretrained") from None
    if not is_causal(config):
        raise ModelError(f"--sft {name_or_path} is a {config.model_type} encoder, not a causal LM: a policy "
                         "generates text; pass a causal LM (GPT-2, Llama …)")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prompt_dataset(path: str | Path, tokenizer: Any):
    """``(datasets.Dataset, conversational)`` of the prompts in ``path`` (:func:`read_prompts`).

    Columns: ``prompt`` (one user turn ``[{"role": "user", "content": …}]``
    when the tokenizer has a chat template, else the text), ``prompt_text``
    (the text, for the reward model), ``prompt_id`` and ``lang``.
    """
    from datasets import Dataset

    from psyai.models.generate import read_prompts

    prompts = read_prompts(path)
    conversational = bool(getattr(tokenizer, "chat_template", None))
    rows = [{"prompt": [{"role": "user", "content": p.prompt}] if conversational else p.prompt,
             "prompt_text": p.prompt, "prompt_id": p.prompt_id, "lang": p.lang} for p in prompts]
    return Dataset.from_list(rows), conversational


class RewardFunction:
    """A psyai reward checkpoint as a TRL reward function: ``(prompts, completions, prompt_text) → rewards``.

    TRL calls it with the batch's prompts and decoded completions (strings, or
    one assistant message each for conversational prompts) and the dataset's
    other columns; it returns one float per completion from
    :meth:`RewardModel.score` on ``(prompt_text, completion text)``, which
    tokenises them with the reward model's own tokenizer.
    """

    __name__ = "psyai_reward"  # TRL names the metric rewards/<__name__>/mean

    def __init__(self, model: Any, batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size

    @staticmethod
    def text(completion: Any) -> str:
        """The text of a completion: a string, or the content of the last message of a conversation."""
        if isinstance(completion, list):
            return str(completion[-1]["content"]) if completion else ""
        return str(completion)

    def __call__(self, prompts: list, completions: list, prompt_text: list[str] | None = None,
                 **kwargs: Any) -> list[float]:
        texts = [self.text(c) for c in completions]
        if prompt_text is None:  # a dataset without the column: the prompt as the user wrote it
            prompt_text = [self.text(p) for p in prompts]
        return [float(r) for r in self.model.score(list(prompt_text), texts, self.batch_size)]


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _make_log_callback(path: Path | None, total: int, show: bool):
    """A ``TrainerCallback`` that appends one CSV row per step (main process) and drives a rich bar."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from transformers import TrainerCallback

    class PolicyLog(TrainerCallback):
        def __init__(self) -> None:
            self.rows: list[dict] = []
            self.progress = Progress(
                TextColumn("policy (RLOO)"), BarColumn(), MofNCompleteColumn(),
                TextColumn("reward {task.fields[reward]:+.3f}  KL {task.fields[kl]:.4f}  "
                           "length {task.fields[length]:.1f}"),
                TimeRemainingColumn(), console=Console(stderr=True), disable=not show)
            self.task = None
            self.handle = None
            self.writer = None

        def on_train_begin(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                if path is not None:
                    self.handle = path.open("w", encoding="utf-8", newline="")
                    self.writer = csv.DictWriter(self.handle, fieldnames=list(LOG_COLUMNS))
                    self.writer.writeheader()
                    self.handle.flush()
                self.progress.start()
                self.task = self.progress.add_task("train", total=total, reward=float("nan"), kl=float("nan"),
                                                   length=float("nan"))

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if "reward" not in logs and "loss" not in logs:
                return  # the end-of-training summary (train_runtime …), not a step
            row = {"step": state.global_step}
            row.update({ours: _finite(logs.get(theirs)) for ours, theirs in LOG_COLUMNS.items() if theirs})
            self.rows.append(row)
            if not state.is_world_process_zero:
                return
            if self.writer is not None:
                self.writer.writerow({k: "" if v is None else v for k, v in row.items()})
                self.handle.flush()
            if self.task is not None:
                nan = float("nan")
                self.progress.update(self.task, completed=state.global_step,
                                     reward=nan if row["reward"] is None else row["reward"],
                                     kl=nan if row["kl"] is None else row["kl"],
                                     length=nan if row["response_length"] is None else row["response_length"])

        def on_train_end(self, args, state, control, **kwargs):
            self.close()

        def close(self) -> None:
            if self.handle is not None:
                self.handle.close()
                self.handle = None
            self.progress.stop()

    return PolicyLog()


class PolicyTrainer:
    """Optimise a policy with RLOO against a psyai reward checkpoint (settings in, ``fit`` returns self).

    Parameters
    ----------
    config : the settings (:class:`PolicyConfig`); checked in :meth:`fit`.

    Attributes (after :meth:`fit`)
    ------------------------------
    out_ : the folder written.
    history_ : one dict per optimiser step, the columns of ``training_log.csv``.
    summary_ : what ``training_summary.json`` holds (and ``psyai policy train`` prints).
    meta_ : what ``psyai_policy.json`` holds.
    train_seconds_ : wall time of ``trainer.train()``.
    """

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    # -- checks before anything loads ---------------------------------------------------------

    def _check_inputs(self, out: Path):
        """Refuse bad input in one line before a model loads; returns (reward model, dataset, tokenizer, conv)."""
        from psyai.reward.model import RewardModel

        config = self.config.check()
        if config.algorithm == "ppo":
            raise ConfigError(ppo_unavailable())
        if out.exists():
            raise PolicyError(f"{out} already exists; psyai never overwrites a trained model: choose another --out "
                              "or remove the old one")
        partial = out.with_name(out.name + ".partial")
        if partial.exists():
            raise PolicyError(f"{partial} is left from a run that stopped; look at its {LOG_FILE} if you need it, "
                              "then remove the folder and run again")
        check_sft(config.sft)
        # the reward checkpoint is checked (and loaded on the CPU) before the policy: its errors are one line
        reward_model = RewardModel.from_pretrained(config.reward, device="cpu")
        tokenizer = self._load_tokenizer(config.sft)
        dataset, conversational = prompt_dataset(config.prompts, tokenizer)
        return reward_model, dataset, tokenizer, conversational

    @staticmethod
    def _load_tokenizer(name_or_path: str):
        from transformers import AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(name_or_path, padding_side="left", truncation_side="left")
        except Exception as exc:  # OSError offline, ValueError on bad files, the tokenizers library's own errors
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            where = "folder" if is_local(name_or_path) else "hub model"
            raise ModelError(f"--sft: cannot load the tokenizer of {where} {name_or_path} ({reason[:200]}); check "
                             "the folder holds the tokenizer files, or the hub name (offline it must be in the "
                             "hub cache)") from None
        if tokenizer.pad_token is None and tokenizer.eos_token is None:
            raise ModelError(f"--sft {name_or_path}: the tokenizer has neither a pad nor an EOS token; give it one "
                             "and save it with the model")
        return tokenizer

    def trl_config(self, output_dir: str | Path):
        """The ``trl.RLOOConfig`` these settings stand for (every TRL setting psyai fixes is named here)."""
        import torch
        from trl import RLOOConfig

        from psyai.reward.trainer import launched_distributed

        c = self.config
        # several processes on a machine without a GPU (torchrun, accelerate launch): transformers sets up
        # distributed CPU training (gloo) only when told to use the CPU
        use_cpu = c.device == "cpu" or (launched_distributed() and not torch.cuda.is_available())
        try:
            return RLOOConfig(
                output_dir=str(output_dir), max_steps=c.max_steps, per_device_train_batch_size=c.batch_size,
                num_generations=c.num_generations, max_completion_length=c.max_completion_length,
                temperature=c.temperature, top_p=c.top_p, top_k=0, beta=c.beta, learning_rate=c.learning_rate,
                weight_decay=c.weight_decay, max_grad_norm=c.max_grad_norm, lr_scheduler_type="linear",
                gradient_accumulation_steps=c.gradient_accumulation_steps, num_iterations=c.num_iterations,
                epsilon=c.epsilon, normalize_advantages=c.normalize_advantages, disable_dropout=c.disable_dropout,
                gradient_checkpointing=c.gradient_checkpointing, bf16=c.bf16, fp16=False, seed=c.seed,
                use_cpu=use_cpu, logging_steps=1, save_strategy="no", report_to="none",
                disable_tqdm=True, remove_unused_columns=False, shuffle_dataset=True,
                model_init_kwargs={"dtype": "bfloat16" if c.bf16 else "float32"},
            )
        except ValueError as exc:  # TRL's and transformers' own checks (e.g. batch sizes across processes)
            reason = str(exc).strip().splitlines()[0]
            raise ConfigError(f"TRL refuses these settings: {reason}") from None

    # -- training ---------------------------------------------------------------------------

    def fit(self, out: str | Path, command_line: str | None = None) -> PolicyTrainer:
        """Train and write the output folder ``out`` (see the module docstring)."""
        import torch

        out = Path(out)
        reward_model, dataset, tokenizer, conversational = self._check_inputs(out)
        config = self.config
        partial = out.with_name(out.name + ".partial")
        # TrainingArguments set up the processes (accelerate's state, CPU or GPU, one or several) before
        # anything asks which process is the main one: an earlier PartialState() would miss a multi-CPU launch
        args = self.trl_config(partial)
        state = args.distributed_state
        threads = torch.get_num_threads()
        if config.threads:
            torch.set_num_threads(config.threads)
        try:
            trainer, log = self._build(reward_model, dataset, tokenizer, args, state)
            # the folder appears once the models are loaded (a load error leaves nothing behind), and every
            # process has checked that it did not exist before the main one makes it
            state.wait_for_everyone()
            if state.is_main_process:
                partial.mkdir(parents=True, exist_ok=True)
            state.wait_for_everyone()
            started = time.perf_counter()
            try:
                trainer.train()
            finally:
                log.close()
            self.train_seconds_ = time.perf_counter() - started
            self.history_ = log.rows
            trainer.save_model(str(partial))  # every process calls it; the main one writes
            state.wait_for_everyone()
            if state.is_main_process:
                self._write(partial, trainer, dataset, conversational, command_line)
                partial.rename(out)
        except BaseException:
            if partial.exists():
                logger.error("training stopped; what was written is in %s", partial)
            raise
        finally:
            torch.set_num_threads(threads)
        state.wait_for_everyone()
        self.out_ = out
        return self

    def _build(self, reward_model, dataset, tokenizer, args, state):
        from transformers.trainer_callback import PrinterCallback, ProgressCallback
        from trl import RLOOTrainer

        config = self.config
        reward_model.to(args.device)  # each process scores its own completions on its own device
        log = _make_log_callback(Path(args.output_dir) / LOG_FILE, config.max_steps,
                                 config.progress and state.is_main_process)
        try:
            trainer = RLOOTrainer(model=config.sft, reward_funcs=RewardFunction(reward_model), args=args,
                                  train_dataset=dataset, processing_class=tokenizer, callbacks=[log])
        except (OSError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"--sft {config.sft}: cannot be loaded as a policy ({reason[:200]}); pass a causal LM "
                             "folder written by save_pretrained, or a hub name (offline it must be in the hub "
                             "cache)") from None
        for callback in (PrinterCallback, ProgressCallback):  # psyai's bar and CSV say it once
            trainer.remove_callback(callback)
        return trainer, log

    def _write(self, partial: Path, trainer, dataset, conversational: bool, command_line: str | None) -> None:
        """Provenance and summary beside the saved model (main process)."""
        pickled = partial / "training_args.bin"  # Trainer.save_model pickles its arguments; the JSON says it all
        if pickled.exists():
            pickled.unlink()
        self.summary_ = self.summary(partial.with_name(partial.name.removesuffix(".partial")), len(dataset))
        self.meta_ = self.provenance(trainer, len(dataset), conversational, command_line)
        for name, obj in ((META_FILE, self.meta_), (SUMMARY_FILE, self.summary_)):
            (partial / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                                        encoding="utf-8")

    def summary(self, out: Path, n_prompts: int) -> dict:
        """First and last reward and KL, the means of the first and last quarter of steps, steps and time."""
        rows = self.history_

        def column(name):
            return [r[name] for r in rows if r.get(name) is not None]

        def quarter_means(values):
            if not values:
                return None, None
            n = max(1, len(values) // 4)
            return sum(values[:n]) / n, sum(values[-n:]) / n

        rewards, kls, lengths = column("reward"), column("kl"), column("response_length")
        first_q, last_q = quarter_means(rewards)
        kl_first_q, kl_last_q = quarter_means(kls)
        return {
            "policy": str(out), "algorithm": self.config.algorithm, "beta": self.config.beta,
            "steps": len(rows), "prompts": n_prompts, "seconds": round(self.train_seconds_, 1),
            "first_reward": rewards[0] if rewards else None, "last_reward": rewards[-1] if rewards else None,
            "reward_first_quarter": first_q, "reward_last_quarter": last_q,
            "first_kl": kls[0] if kls else None, "last_kl": kls[-1] if kls else None,
            "kl_first_quarter": kl_first_q, "kl_last_quarter": kl_last_q,
            "first_response_length": lengths[0] if lengths else None,
            "last_response_length": lengths[-1] if lengths else None,
            "log": LOG_FILE,
        }

    def provenance(self, trainer, n_prompts: int, conversational: bool, command_line: str | None) -> dict:
        """What ``psyai_policy.json`` records (see the module docstring)."""
        import accelerate
        import datasets
        import torch
        import transformers
        import trl

        from psyai import __version__
        from psyai.models.loading import model_revision, weights_sha256
        from psyai.reward.model import META_FILE as REWARD_META

        config = self.config
        reward_path = Path(config.reward)
        reward_meta = json.loads((reward_path / REWARD_META).read_text(encoding="utf-8"))
        args = trainer.args
        schedule = getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)  # an enum in transformers
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "algorithm": config.algorithm,
            "sft": {"name_or_path": config.sft, "revision": model_revision(config.sft)},
            "reward": {"path": str(reward_path), "weights_sha256": weights_sha256(reward_path),
                       "meta_sha256": "sha256:" + file_sha256(reward_path / REWARD_META),
                       "backbone": reward_meta.get("backbone"), "command_line": reward_meta.get("command_line")},
            "prompts": {"path": str(config.prompts), "sha256": "sha256:" + file_sha256(config.prompts),
                        "n_prompts": n_prompts, "chat_template": conversational},
            "kl": {"beta": config.beta, "reference": config.sft, "estimator": KL_ESTIMATOR},
            "config": config.to_dict(),
            "trl": {"trainer": "RLOOTrainer", "per_device_train_batch_size": args.per_device_train_batch_size,
                    "generation_batch_size": args.generation_batch_size, "num_processes": args.world_size,
                    "lr_scheduler_type": str(schedule), "top_k": args.top_k,
                    "max_completion_length": args.max_completion_length},
            "command_line": command_line,
            "training": {"steps": len(self.history_), "seconds": self.train_seconds_,
                         **{k: v for k, v in self.summary_.items()
                            if k.startswith(("first_", "last_", "reward_", "kl_"))}},
            "versions": {"psyai": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
                         "trl": trl.__version__, "accelerate": accelerate.__version__,
                         "datasets": datasets.__version__, "python": platform.python_version()},
        }

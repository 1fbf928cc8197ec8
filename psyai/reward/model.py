"""A reward model: a transformers sequence classifier with one output, and its checkpoints.

:class:`RewardModel` wraps ``AutoModelForSequenceClassification`` (``num_labels=1``)
on any backbone — a causal LM (GPT-2, Llama, a Japanese GPT …) or an encoder
(BERT, DeBERTa …) — loaded by hub name or local path. The reward is the
model's one logit, read where transformers reads it:

- causal LMs: the **last token that is not padding** (found from
  ``config.pad_token_id``; with a tokenizer whose pad token is its EOS, as
  TRL sets it for GPT-2, that is the token before a final EOS);
- encoders: the **first token** (``[CLS]``) through the model's pooler.

The text a backbone reads is the prompt and the response in the form the
tokenizer expects (:func:`format_input`): the chat template when a causal
LM's tokenizer has one (the form ``psyai generate`` used), otherwise prompt
and response separated by a blank line and ended with EOS; encoders take them
as a text pair.

Checkpoints (:meth:`RewardModel.save_pretrained`) are transformers folders
that ``AutoModelForSequenceClassification.from_pretrained(path)`` loads as they
are (TRL, OpenRLHF and reward benchmarks read them), and that give the same
rewards as ``psyai reward score`` for the same input text. They hold

- ``model.safetensors``: every weight, backbone and head (safetensors:
  loading never unpickles);
- ``config.json``: the ``...ForSequenceClassification`` config (``num_labels``
  1, ``pad_token_id`` set);
- the tokenizer files (``tokenizer.save_pretrained``);
- ``psyai_reward.json``: the format tag and version, the backbone (name,
  revision, type), the pooling and input format, the resolved
  :class:`RewardConfig`, the command line, the participants trained on, the
  metrics and the mean reward of the training responses (to centre rewards).

:meth:`RewardModel.from_pretrained` checks every file before building the
model from ``config.json`` (no download), reads ``model.safetensors`` with
safetensors only, refuses pickles (``*.bin``, ``*.pt`` …) and weights written for
another backbone. A checkpoint in psyai's first format (``format_version`` 1:
psyai's own head on ``AutoModel``) is refused with the command that converts it
(:mod:`psyai.reward.convert`).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from psyai.models.loading import ModelError, is_local, load_pretrained, resolve_device

logger = logging.getLogger(__name__)

__all__ = ["RewardModel", "CheckpointError", "is_causal", "load_backbone", "format_input", "FORMAT", "FORMAT_VERSION",
           "META_FILE", "WEIGHTS_FILE"]

FORMAT = "psyai-reward"
FORMAT_VERSION = 2  # 1: psyai's own head (convert: psyai reward convert); 2: a transformers sequence classifier
META_FILE = "psyai_reward.json"
WEIGHTS_FILE = "model.safetensors"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


# config.json fields that size a backbone (GPT-2's names and the generic ones it maps to, BERT's, T5's …):
# where a config has one, it must be a whole number above zero; null is "not set" (GPT-2's n_inner)
SIZE_FIELDS = ("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "intermediate_size",
               "vocab_size", "max_position_embeddings", "head_dim", "n_embd", "n_layer", "n_head", "n_inner",
               "n_positions", "n_ctx", "d_model", "d_ff", "d_kv", "num_layers", "num_heads", "ffn_dim")
REFIT = "copy the whole folder of one training run (psyai reward train --out), or retrain"


class CheckpointError(ModelError):
    """A reward checkpoint is missing, incomplete, a pickle, or written for another backbone."""


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_count(value: Any) -> bool:
    """A whole number above zero (JSON true is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def read_json_object(path: Path, fix: str) -> dict:
    """The JSON object in ``path``; if it holds none, :class:`CheckpointError` naming the file, why, and ``fix``."""
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a file; {fix}")
    if not path.exists():
        raise CheckpointError(f"{path}: missing; {fix}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc.strerror}); {fix}") from None
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{path}: not UTF-8 text (byte {exc.start}); {fix}") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}); "
                              f"{fix}") from None
    except (ValueError, RecursionError) as exc:
        raise CheckpointError(f"{path}: not readable as JSON ({str(exc).split(';')[0]}); {fix}") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: holds a JSON {type(obj).__name__}, not an object ({{...}}); {fix}")
    return obj


def check_meta(meta_path: Path, meta: dict) -> None:
    """Refuse a ``psyai_reward.json`` without the fields :meth:`RewardModel.from_pretrained` reads, or with
    values of the wrong type, naming the field."""
    fix = f"restore {META_FILE} from the folder psyai reward train wrote, or retrain"
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_path}: format {meta.get('format')!r} is not {FORMAT!r}; "
                              "pass a checkpoint written by psyai reward train")

    def field(where: dict, key: str, prefix: str, ok: Any, expected: str) -> Any:
        if key not in where:
            raise CheckpointError(f"{meta_path}: field {prefix}{key} is missing (it should be {expected}); {fix}")
        if not ok(where[key]):
            raise CheckpointError(f"{meta_path}: field {prefix}{key} is {_shown(where[key])}; it must be "
                                  f"{expected}; {fix}")
        return where[key]

    version = field(meta, "format_version", "", _is_count, f"a whole number from 1 to {FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{meta_path}: format_version {version} was written by a newer psyai (this one reads "
                              f"up to {FORMAT_VERSION}); upgrade psyai (pip install -U psyai)")
    backbone = field(meta, "backbone", "", lambda v: isinstance(v, dict),
                     "an object with the backbone's model_type and hidden_size")
    field(backbone, "model_type", "backbone.", lambda v: isinstance(v, str) and bool(v.strip()),
          "the backbone's model type, a string such as \"gpt2\"")
    field(backbone, "hidden_size", "backbone.", _is_count, "a whole number above 0")
    field(meta, "pooling", "", lambda v: v in ("last", "first"), '"last" (causal LMs) or "first" (encoders)')
    field(meta, "max_length", "", _is_count, "a whole number of tokens above 0")
    for key in ("train_participants", "eval_participants"):
        if meta.get(key) is not None:
            field(meta, key, "", lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
                  "a list of participant IDs (strings)")


def check_config(config_path: Path, config: dict) -> None:
    """Refuse a ``config.json`` without a model type or with a size that is not a whole number above 0."""
    if not isinstance(config.get("model_type"), str) or not config["model_type"].strip():
        shown = "missing" if "model_type" not in config else f"{_shown(config['model_type'])}"
        raise CheckpointError(f"{config_path}: field model_type is {shown}; it must name the architecture "
                              f"(\"gpt2\", \"bert\" …); {REFIT}")
    from transformers import CONFIG_MAPPING, __version__

    if config["model_type"] not in CONFIG_MAPPING:
        raise CheckpointError(f"{config_path}: field model_type is {config['model_type']!r}, an architecture "
                              f"transformers {__version__} does not know; upgrade transformers, or {REFIT}")
    for key in SIZE_FIELDS:
        value = config.get(key)
        if value is not None and not _is_count(value):
            raise CheckpointError(f"{config_path}: field {key} is {_shown(value)}; a size must be a whole number "
                                  f"above 0 (written without quotes); {REFIT}")


def is_causal(config: Any) -> bool:
    """Whether a transformers config describes a causal (decoder-only) LM rather than an encoder."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    # a reward folder names its ...ForSequenceClassification class, which says nothing either way
    architectures = [a for a in getattr(config, "architectures", None) or [] if "ForSequenceClassification" not in a]
    if any("CausalLM" in a or "LMHeadModel" in a for a in architectures):
        return True
    if architectures:
        return bool(getattr(config, "is_decoder", False))
    return (config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
            and config.model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES)


def load_backbone(name_or_path: str, device: str = "auto") -> tuple[Any, Any, str]:
    """``(model, tokenizer, revision)``: ``AutoModelForSequenceClassification`` with one output, and its tokenizer.

    :func:`psyai.models.load_pretrained` with ``head="reward"`` (any causal LM
    or encoder; the scalar head is new unless the folder already has one), in
    float32, refusing a psyai reward checkpoint given in its place. Remote code
    is never run.

    Raises:
        ModelError: the model or tokenizer cannot be found or loaded.
    """
    if is_local(name_or_path) and (Path(name_or_path) / META_FILE).exists():
        raise ModelError(f"{name_or_path} is a psyai reward checkpoint, not a backbone; pass the backbone it was "
                         "trained from (see 'backbone' in its psyai_reward.json)")
    loaded = load_pretrained(name_or_path, head="reward", device=device, dtype="float32")  # fp32 master weights
    return loaded.model, loaded.tokenizer, loaded.revision


def format_input(tokenizer: Any, prompt: str, response: str, *, causal: bool, max_length: int) -> list[int]:
    """Token ids of one (prompt, response) as the backbone reads it (see the module docstring).

    Too long an input loses tokens from the start (causal: the end, which
    the head reads, is kept) or from the longer of prompt and response (encoder).
    """
    if not causal:
        if prompt:
            ids = tokenizer(prompt, response, truncation=True, max_length=max_length)["input_ids"]
        else:
            ids = tokenizer(response, truncation=True, max_length=max_length)["input_ids"]
        return list(ids)
    if getattr(tokenizer, "chat_template", None):
        messages = ([{"role": "user", "content": prompt}] if prompt else []) + [
            {"role": "assistant", "content": response}]
        text = tokenizer.apply_chat_template(messages, tokenize=False)
        ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    else:
        text = f"{prompt}\n\n{response}" if prompt else response
        ids = list(tokenizer(text, add_special_tokens=True)["input_ids"])
        if tokenizer.eos_token_id is not None and (not ids or ids[-1] != tokenizer.eos_token_id):
            ids.append(tokenizer.eos_token_id)
    return ids[-max_length:]


def pad_batch(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token lists into ``input_ids`` and ``attention_mask``, both (N, T)."""
    width = max(len(s) for s in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)  # (N, T)
    attention_mask = torch.zeros((len(sequences), width), dtype=torch.long)  # (N, T)
    for row, ids in enumerate(sequences):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, : len(ids)] = 1
    return input_ids, attention_mask


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]


def _max_positions(config: Any) -> int | None:
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _head_parameters(model: Any) -> list[tuple[str, nn.Parameter]]:
    """The parameters of a sequence-classification model outside its base model: the scalar head."""
    base = {id(p) for p in model.base_model.parameters()}
    return [(name, p) for name, p in model.named_parameters() if id(p) not in base]


class RewardModel(nn.Module):
    """A transformers ``AutoModelForSequenceClassification`` with one output: ``forward(input_ids, attention_mask) -> rewards (N,)``.

    The reward is the model's single logit, exactly what
    ``AutoModelForSequenceClassification.from_pretrained(checkpoint)`` returns
    for the same token ids: a causal LM's head reads the **last token that is
    not padding** (transformers finds it from ``config.pad_token_id``), an
    encoder's reads the first token (``[CLS]``, through its pooler).

    Parameters
    ----------
    model : a transformers ``...ForSequenceClassification`` with ``num_labels=1``.
    tokenizer : its tokenizer (a pad token is set to EOS when it has none, as TRL does).
    info : what identifies the backbone (``name_or_path``, ``revision``,
        ``model_type``); written into checkpoints.
    max_length : longest input in tokens (clipped to the backbone's positions).
    """

    def __init__(self, model: Any, tokenizer: Any, *, info: dict | None = None, max_length: int = 512) -> None:
        super().__init__()
        if getattr(model.config, "num_labels", None) != 1:
            raise ModelError(f"a reward model has one output; this {type(model).__name__} has "
                             f"{getattr(model.config, 'num_labels', None)} (load it with num_labels=1)")
        self.model = model
        self.tokenizer = tokenizer
        self.causal = is_causal(model.config)
        self.pooling = "last" if self.causal else "first"
        limit = _max_positions(model.config)
        self.max_length = min(max_length, limit) if limit else max_length
        self.info = dict(info or {})
        self.meta: dict = {}  # psyai_reward.json of a loaded checkpoint
        if getattr(model.config, "use_cache", None):
            model.config.use_cache = False  # no key/value cache: a reward model never generates
        if tokenizer.pad_token_id is None:
            if tokenizer.eos_token_id is None:
                raise ModelError("the tokenizer has neither a pad nor an EOS token; give it a pad token "
                                 "(tokenizer.add_special_tokens({'pad_token': ...})) and save it with the model")
            tokenizer.pad_token = tokenizer.eos_token
        # transformers' sequence classifiers find a causal LM's last real token from this id
        model.config.pad_token_id = tokenizer.pad_token_id

    @classmethod
    def from_backbone(cls, name_or_path: str, *, pooling: str = "auto", device: str = "auto",
                      max_length: int = 512, seed: int = 0) -> RewardModel:
        """A new reward model on a pretrained backbone; a new head is initialised from ``seed``.

        ``pooling`` is ``auto`` or the backbone's own convention (``last`` for
        causal LMs, ``first`` for encoders); the other is refused, since a
        folder that transformers loads cannot pool otherwise.
        """
        model, tokenizer, revision = load_backbone(name_or_path, device)
        natural = "last" if is_causal(model.config) else "first"
        if pooling not in ("auto", natural):
            kind = "causal LM" if natural == "last" else "encoder"
            raise ModelError(f"pooling={pooling!r}: a {model.config.model_type} {kind} reward model reads its "
                             f"{natural} token (transformers' sequence-classification convention, so that "
                             f"AutoModelForSequenceClassification loads it); use pooling=auto or {natural}")
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, param in _head_parameters(model):  # seeded, and scaled so rewards start near unit size
                if name.endswith("bias"):
                    param.zero_()
                else:
                    std = 1 / math.sqrt(param.shape[-1] + 1)
                    param.copy_(torch.randn(param.shape, generator=generator) * std)
        info = {"name_or_path": name_or_path, "revision": revision, "model_type": model.config.model_type}
        return cls(model, tokenizer, info=info, max_length=max_length)

    @property
    def backbone(self) -> Any:
        """The transformer without the head (``model.base_model``)."""
        return self.model.base_model

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, prompt: str, response: str) -> list[int]:
        """Token ids of one (prompt, response), as :func:`format_input` makes them."""
        return format_input(self.tokenizer, prompt, response, causal=self.causal, max_length=self.max_length)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Rewards of N sequences: ``input_ids``, ``attention_mask`` (N, T) → (N,).

        Padding may be on either side (:func:`pad_batch` pads on the right).
        Left-padded rows of a causal LM get position ids counted from their
        first real token, so they score as they would unpadded.
        """
        kwargs = {}
        if self.causal and bool((attention_mask[:, 0] == 0).any()):
            kwargs["position_ids"] = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)  # (N, T)
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).logits  # (N, 1)
        return logits[:, 0]  # (N,)

    @torch.no_grad()
    def score_ids(self, sequences: list[list[int]], batch_size: int = 32) -> np.ndarray:
        """Rewards of token-id lists, in order; batched by length to pad little."""
        was_training = self.training
        self.eval()
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        out = np.empty(len(sequences), dtype=np.float64)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            input_ids, attention_mask = pad_batch([sequences[i] for i in chunk], self.tokenizer.pad_token_id)
            rewards = self(input_ids.to(self.device), attention_mask.to(self.device))  # (n,)
            out[chunk] = rewards.float().cpu().numpy()
        self.train(was_training)
        return out

    def score(self, prompts: list[str], responses: list[str], batch_size: int = 32) -> np.ndarray:
        """Rewards of (prompt, response) pairs: higher = preferred."""
        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses: give one prompt per response")
        return self.score_ids([self.encode(p, r) for p, r in zip(prompts, responses)], batch_size)

    # -- checkpoints ------------------------------------------------------------------------------

    def save_pretrained(self, path: str | Path, meta: dict | None = None) -> Path:
        """Write a checkpoint folder (see the module docstring); ``path`` must not exist yet.

        The folder is written beside its final name and renamed into place
        at the end, so a crash never leaves half a checkpoint under ``path``.
        """
        from safetensors.torch import save_model

        path = Path(path)
        if path.exists():
            raise CheckpointError(f"{path} already exists; psyai never overwrites a checkpoint: choose another "
                                  "--out or remove the old one")
        partial = path.with_name(path.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        config = self.model.config
        save_model(self.model, str(partial / WEIGHTS_FILE), metadata={
            "format": "pt", "psyai_format": FORMAT, "model_type": config.model_type,
            "hidden_size": str(config.hidden_size)})
        config.architectures = [type(self.model).__name__]
        config.save_pretrained(partial)
        self.tokenizer.save_pretrained(partial)
        record = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "architecture": type(self.model).__name__,
            "backbone": {**self.info, "model_type": config.model_type, "hidden_size": config.hidden_size},
            "pooling": self.pooling, "causal": self.causal, "max_length": self.max_length,
            "input_format": ("pair" if not self.causal else
                             "chat" if getattr(self.tokenizer, "chat_template", None) else "plain"),
            **(meta or {}),
        }
        (partial / META_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.rename(path)
        return path

    @classmethod
    def from_pretrained(cls, path: str | Path, *, device: str = "auto") -> RewardModel:
        """Load a checkpoint written by :meth:`save_pretrained`; nothing is unpickled.

        Raises:
            CheckpointError: not a reward checkpoint, a pickle instead of
                safetensors, weights that belong to another backbone, or a
                checkpoint in psyai's first format (the message gives the
                command that converts it).
        """
        from safetensors import SafetensorError, safe_open
        from safetensors.torch import load_model
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        if path.is_file():
            raise CheckpointError(f"reward checkpoint {path} is a file; pass the folder psyai reward train wrote "
                                  "(its --out)")
        if not path.is_dir():
            raise CheckpointError(f"reward checkpoint {path} does not exist; pass the --out folder of "
                                  "psyai reward train")
        weights = path / WEIGHTS_FILE
        pickles = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickles and not weights.exists():
            raise CheckpointError(f"{path} holds {', '.join(pickles)}, a pickle: psyai never unpickles a "
                                  "checkpoint (unpickling can run arbitrary code); convert it to safetensors "
                                  "or retrain with psyai reward train")
        meta_path = path / META_FILE
        if not meta_path.exists():
            what = "a transformers model folder" if (path / "config.json").exists() else "not a reward checkpoint"
            raise CheckpointError(f"{path} is {what}, without {META_FILE}; train a reward model with "
                                  "psyai reward train DATA_DIR --model NAME_OR_PATH --out CKPT and pass that CKPT")
        meta = read_json_object(meta_path, f"restore {META_FILE} from the folder psyai reward train wrote, or retrain")
        check_meta(meta_path, meta)
        if meta["format_version"] < FORMAT_VERSION:
            raise CheckpointError(
                f"{path} was written in psyai's first reward format (format_version {meta['format_version']}: a "
                "backbone and psyai's own head), which transformers cannot load; convert it once with "
                f"psyai reward convert {path} --out {path.name}-hf (it refuses, saying why, where the scores "
                "would change), then pass the new folder")
        if not weights.exists():
            raise CheckpointError(f"{path} has no {WEIGHTS_FILE}; the checkpoint is incomplete: copy the whole "
                                  "folder written by psyai reward train")
        try:
            with safe_open(str(weights), framework="pt") as handle:
                header = handle.metadata() or {}
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"{weights} is not a safetensors file ({exc}); if it is a pickle, psyai will not "
                                  "load it (unpickling can run arbitrary code): retrain or convert it") from exc
        config_path = path / "config.json"
        check_config(config_path, read_json_object(config_path, REFIT))
        for name in ("tokenizer.json", "tokenizer_config.json"):  # the files a fast tokenizer is built from
            if (path / name).exists():
                read_json_object(path / name, REFIT)
        try:
            config = AutoConfig.from_pretrained(path)
        except Exception as exc:  # transformers' own checks raise ValueError, OSError, and its dataclass errors
            raise CheckpointError(f"{config_path}: transformers cannot read it ({_first_line(exc)}); "
                                  f"{REFIT}") from None
        if not _is_count(getattr(config, "hidden_size", None)):
            raise CheckpointError(f"{config_path}: gives no hidden size (a whole number above 0) for a "
                                  f"{config.model_type}; {REFIT}")
        if getattr(config, "num_labels", None) != 1:
            raise CheckpointError(f"{config_path}: num_labels is {getattr(config, 'num_labels', None)}; a reward "
                                  f"model has one output; {REFIT}")
        expected = meta["backbone"]
        found = {"model_type": config.model_type, "hidden_size": config.hidden_size}
        written = {"model_type": header.get("model_type"), "hidden_size": header.get("hidden_size")}
        if (found["model_type"] != expected.get("model_type") or written["model_type"] != expected.get("model_type")
                or str(found["hidden_size"]) != str(expected.get("hidden_size"))
                or written["hidden_size"] != str(expected.get("hidden_size"))):
            raise CheckpointError(
                f"{path}: the checkpoint mixes files written for another backbone: {META_FILE} says {expected.get('model_type')} "
                f"(hidden size {expected.get('hidden_size')}), config.json says {found['model_type']} "
                f"({found['hidden_size']}), {WEIGHTS_FILE} was written for {written['model_type']} "
                f"({written['hidden_size']}); copy the whole folder of one training run, or retrain")
        if getattr(config, "use_cache", None):
            config.use_cache = False
        try:
            model = AutoModelForSequenceClassification.from_config(config)
        except (ValueError, TypeError, RuntimeError, KeyError, AttributeError) as exc:
            raise CheckpointError(f"{config_path}: transformers cannot build a {config.model_type} from it "
                                  f"({_first_line(exc)}); {REFIT}") from None
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
        except Exception as exc:  # the tokenizers library raises bare Exception on a file it cannot parse
            raise CheckpointError(f"{path}: the tokenizer files (tokenizer.json, tokenizer_config.json) cannot be "
                                  f"loaded ({type(exc).__name__}: {_first_line(exc)}); {REFIT}") from None
        try:
            missing, unexpected = load_model(model, str(weights), strict=False)
        except RuntimeError as exc:
            raise CheckpointError(f"{weights} does not fit the backbone in config.json ({str(exc).splitlines()[-1].strip()}): "
                                  "it was written for another backbone; copy the whole folder of one training run, "
                                  "or retrain") from exc
        if missing or unexpected:
            names = ", ".join(sorted(missing)[:3] + sorted(unexpected)[:3])
            raise CheckpointError(f"{weights} was written for another backbone: {len(missing)} weight(s) missing "
                                  f"and {len(unexpected)} unexpected (e.g. {names}); copy the whole folder of one "
                                  "training run, or retrain")
        n_embeddings = model.get_input_embeddings().num_embeddings
        if len(tokenizer) > n_embeddings:  # ids past the embedding table would fail inside the model
            raise CheckpointError(f"{path}: the tokenizer files know {len(tokenizer)} tokens but the weights embed "
                                  f"{n_embeddings}: they come from different backbones; copy the whole folder of one "
                                  "training run, or retrain")
        reward = cls(model, tokenizer, info=expected, max_length=meta["max_length"])
        reward.meta = meta
        reward.eval()
        return reward.to(resolve_device(device))

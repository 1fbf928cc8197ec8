"""Convert a reward checkpoint of psyai's first format into a transformers sequence classifier.

psyai's first reward checkpoints (``format_version`` 1) held ``AutoModel``
weights under ``backbone.*``, psyai's own linear head (``head.weight``,
``head.bias``) and a ``reward_offset``; transformers cannot load them. This
module rewrites one as the current format (:mod:`psyai.reward.model`), which
``AutoModelForSequenceClassification.from_pretrained`` loads:

- the backbone weights move under the classifier's base model;
- ``head.weight`` becomes the classifier's ``score.weight``;
- ``head.bias + reward_offset`` is one constant added to every reward. A causal
  LM's transformers head has no bias, so the constant is dropped and recorded
  in ``psyai_reward.json`` (``converted_from.dropped_constant``): differences
  between rewards — all that rankings, win rates and RLOO's baseline use — are
  unchanged.

Conversion is checked, not assumed: both models score probe texts, and the
conversion is refused, with the command that retrains, where any reward would
move by more than 1e-4 besides the dropped constant. That happens for encoders
(the first format read ``[CLS]`` directly; transformers' classifier reads it
through the pooler) and for causal LMs whose pad token is their EOS (the first
format read the final EOS; transformers reads the token before it).

    psyai reward convert OLD_CKPT --out NEW_CKPT
"""

from __future__ import annotations

from pathlib import Path

import torch

from psyai.reward.model import (
    META_FILE,
    REFIT,
    WEIGHTS_FILE,
    CheckpointError,
    RewardModel,
    check_config,
    check_meta,
    read_json_object,
)

__all__ = ["convert_checkpoint", "TOLERANCE"]

TOLERANCE = 1e-4
PROBES = (("Tell me about baking bread.", "Mix flour, water, salt and yeast, let it rise, then bake it."),
          ("", "A short answer."),
          ("パンの焼き方を教えてください。", "小麦粉と水と塩を混ぜて、発酵させてから焼きます。"))


def convert_checkpoint(old: str | Path, out: str | Path) -> Path:
    """Write ``old`` (``format_version`` 1) as a transformers sequence-classifier checkpoint at ``out``.

    Raises:
        CheckpointError: ``old`` is not a first-format checkpoint, is damaged,
            or would not score the same after conversion (the message says
            how to retrain).
    """
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    old, out = Path(old), Path(out)
    if not old.is_dir():
        raise CheckpointError(f"{old}: not a folder; pass the folder psyai reward train wrote")
    meta_path = old / META_FILE
    meta = read_json_object(meta_path, f"pass the folder psyai reward train wrote (it holds {META_FILE})")
    check_meta(meta_path, meta)
    if meta["format_version"] != 1:
        raise CheckpointError(f"{old} is already in format {meta['format_version']} (transformers loads it); "
                              "nothing to convert")
    if out.exists():
        raise CheckpointError(f"{out} already exists; psyai never overwrites a checkpoint: choose another --out")
    check_config(old / "config.json", read_json_object(old / "config.json", REFIT))
    retrain = (f"retrain it: {meta['command_line']}" if meta.get("command_line")
               else "retrain it with psyai reward train DATA_DIR --model BACKBONE --out CKPT")
    if not meta.get("causal", meta.get("pooling") == "last"):
        raise CheckpointError(f"{old}: an encoder reward model of the first format read [CLS] directly, and "
                              "transformers' classifier reads it through the pooler, so its rewards would change; "
                              f"{retrain}")
    try:
        state = load_file(str(old / WEIGHTS_FILE))
    except Exception as exc:  # safetensors raises its own error type on a damaged file
        raise CheckpointError(f"{old / WEIGHTS_FILE}: not a readable safetensors file ({exc}); {retrain}") from None
    if "head.weight" not in state:
        raise CheckpointError(f"{old / WEIGHTS_FILE}: has no head.weight, so it is not psyai's first format; "
                              f"{retrain}")
    config = AutoConfig.from_pretrained(old)
    tokenizer = AutoTokenizer.from_pretrained(old)
    backbone = AutoModel.from_config(config)
    missing, unexpected = backbone.load_state_dict(
        {k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")}, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"{old / WEIGHTS_FILE}: does not fit the backbone in config.json ({len(missing)} "
                              f"missing, {len(unexpected)} unexpected weights); {retrain}")
    weight = state["head.weight"]  # (1, H)
    constant = float(state.get("head.bias", torch.zeros(1)).sum() + state.get("reward_offset", torch.zeros(())))
    config.num_labels = 1
    classifier = AutoModelForSequenceClassification.from_config(config)
    classifier.base_model.load_state_dict(backbone.state_dict())
    head = classifier.score if hasattr(classifier, "score") else None
    if head is None or tuple(head.weight.shape) != tuple(weight.shape):
        raise CheckpointError(f"{old}: a {config.model_type} classifier has no head of the first format's shape; "
                              f"{retrain}")
    with torch.no_grad():
        head.weight.copy_(weight)
        if getattr(head, "bias", None) is not None:
            head.bias.fill_(constant)
            constant = 0.0
    info = dict(meta["backbone"])
    new = RewardModel(classifier, tokenizer, info=info, max_length=meta["max_length"]).eval()
    backbone.eval()
    with torch.no_grad():
        for prompt, response in PROBES:
            ids = torch.tensor([new.encode(prompt, response)])  # (1, T)
            hidden = backbone(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[:, -1]  # (1, H)
            before = float(hidden @ weight.T) + float(state.get("head.bias", torch.zeros(1)).sum()) + float(
                state.get("reward_offset", torch.zeros(())))
            after = float(new(ids, torch.ones_like(ids))[0])
            if abs(after + constant - before) > TOLERANCE:
                raise CheckpointError(
                    f"{old}: converted, the reward of a probe text would move by {after + constant - before:+.4g} "
                    "(the first format read the final token, which transformers skips because the tokenizer's "
                    f"pad token is its EOS), so it is not converted; {retrain}")
    record = {k: v for k, v in meta.items() if k not in (
        "format", "format_version", "architecture", "reward_offset", "backbone", "pooling", "causal", "max_length",
        "input_format")}
    record["converted_from"] = {"path": str(old), "format_version": 1, "dropped_constant": constant,
                                "note": "every reward is lower than the first format's by dropped_constant; "
                                        "differences between rewards are unchanged"}
    return new.save_pretrained(out, record)


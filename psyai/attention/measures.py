"""Word-level measures from any transformers model: attention, rollout, saliency, surprisal.

:func:`extract` runs texts through a model in padded batches and returns, per
text and per word (:mod:`psyai.attention.words`, tokens aligned by
:mod:`psyai.attention.align`):

- ``attention``: attention *received* by each word, per layer and head: for
  token ``j``, ``sum_i A[l, h, i, j]`` over the text's real (non-padding)
  query tokens ``i`` (a causal model's token ``j`` is seen by ``i >= j`` only);
- ``rollout``: attention rollout (Abnar & Zuidema 2020, "Quantifying attention
  flow in transformers"), per layer, heads averaged: ``Â_l = 0.5·mean_h A_l +
  0.5·I`` with rows renormalised, ``R_l = Â_l · R_{l-1}``, ``R_0 = Â_0``; the
  measure is the rollout received, ``sum_i R_l[i, j]``;
- ``saliency``: gradient × input (Shrikumar et al. 2017; Denil et al. 2014):
  ``|| ∂y/∂e_j ⊙ e_j ||_2`` of the input embedding ``e_j``, where ``y`` is the
  text's total log-probability (causal LMs) or the norm of the mean last
  hidden state (encoders, which have no output to explain);
- ``surprisal`` (causal LMs only): ``-log2 p(token | previous tokens)`` in
  bits, *summed* over the word's tokens whatever the aggregation (the
  surprisal of a word is that of its token sequence). A beginning-of-text
  token is put first (``prepend_bos``) so that the first word has one too.

Attention, rollout and saliency go from tokens to words by the declared
``aggregation`` (``sum``, ``mean``, ``max`` or ``first`` token: the first holding
some of the word's characters, not a lone space token before it), since published
studies differ. A word with no token of its own (see
:attr:`~psyai.attention.align.Alignment.tokenless`) gets ``NaN``.
Saliency needs a backward pass; the other measures come from one forward pass.

Attention weights are reduced *as each layer computes them*: :func:`load_model`
registers a transformers attention implementation (``AttentionInterface``),
``psyai_measures``, that runs the model's own eager attention and, while
:func:`extract` collects, hands each layer's weights ``(B, H, T, T)`` to a
collector that keeps only what the measures need (attention received
``(B, H, T)`` and the head mean ``(B, T, T)``) and lets the weights go. A batch
thus never holds every layer's weights at once, and no ``output_attentions``
capture runs. Outside :func:`extract` it is plain eager attention (weights are
returned as usual). A model whose attention does not go through the interface
(older remote code) keeps ``eager`` and ``output_attentions``, with the same
results.
"""

from __future__ import annotations

import contextvars
import logging
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from psyai.attention.align import Alignment, encode
from psyai.attention.words import SegmentationError, check_segmentation, is_blank
from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

AGGREGATIONS = ("sum", "mean", "max", "first")
MEASURES = ("attention", "rollout", "surprisal", "saliency")
FORWARD_MEASURES = ("attention", "rollout", "surprisal")
COLUMNS = ("text_id", "word_index", "word", "measure", "layer", "head", "value")


class MeasureError(PsyaiError, ValueError):
    """Measures cannot be extracted as asked."""


@dataclass(frozen=True)
class MeasureConfig:
    """What :func:`extract` computes and how.

    Attributes:
        measures: any of ``attention``, ``rollout``, ``surprisal`` (causal LMs), ``saliency``.
        aggregation: tokens to a word: ``sum``, ``mean``, ``max`` or ``first``.
        lang: ``en`` or ``ja`` (how words are found, :func:`psyai.attention.words.segment`).
        punctuation: ``attach`` or ``separate`` punctuation to words.
        unit: ``word`` or (Japanese) ``bunsetsu``: the same unit as the human data's.
        batch_size: texts per forward pass.
        prepend_bos: causal LMs: read a BOS token before each text, so its first word has a surprisal.
    """

    measures: tuple[str, ...] = MEASURES
    aggregation: str = "sum"
    lang: str = "en"
    punctuation: str = "attach"
    unit: str = "word"
    batch_size: int = 16
    prepend_bos: bool = True

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            raise MeasureError(f"aggregation {self.aggregation!r}: use one of {', '.join(AGGREGATIONS)}")
        if not self.measures:
            raise MeasureError(f"no measures asked; choose from {', '.join(MEASURES)}")
        unknown = [m for m in self.measures if m not in MEASURES]
        if unknown:
            raise MeasureError(f"measure {unknown[0]!r} is unknown; choose from {', '.join(MEASURES)}")
        try:
            check_segmentation(self.lang, self.punctuation, self.unit)
        except SegmentationError as exc:
            raise MeasureError(str(exc)) from exc
        if self.batch_size < 1:
            raise MeasureError(f"batch_size {self.batch_size}: use 1 or more texts per forward pass")


@dataclass
class ModelForMeasures:
    """A model loaded for :func:`extract`, with what identifies it."""

    name_or_path: str
    revision: str
    model: Any
    tokenizer: Any
    causal: bool
    device: Any = field(default=None)
    collects: bool = False  # attention goes through ATTN_IMPLEMENTATION: reduced per layer as computed


def is_causal_config(config: Any) -> bool:
    """True for a decoder-only LM config (its architecture ends in ``ForCausalLM`` or ``LMHeadModel``)."""
    archs = getattr(config, "architectures", None) or []
    return bool(getattr(config, "is_decoder", False)) or any(
        a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs)


def load_model(name_or_path: str, device: str = "auto", dtype: str = "float32") -> ModelForMeasures:
    """Load a causal LM (with its head, for surprisal) or an encoder by hub name or path.

    Both load through :func:`psyai.models.load_pretrained`, which records the revision;
    ``dtype`` is ``float32`` by default (exact measures; ``bfloat16`` or ``float16``
    halve the memory of a large model on a GPU, ``auto`` keeps the checkpoint's).
    Attention is computed eagerly: the fused kernels (SDPA, flash) do not return
    attention weights. Where the model's attention goes through transformers'
    ``AttentionInterface`` and its module has an ``eager_attention_forward``, the
    implementation is :data:`ATTN_IMPLEMENTATION` (eager, with weights reduced
    per layer during :func:`extract`); otherwise plain ``eager``.

    Raises:
        ModelError: the model cannot be found or loaded.
    """
    from transformers import AutoConfig

    from psyai.models.loading import ModelError, load_pretrained

    try:
        config = AutoConfig.from_pretrained(name_or_path)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot read the config of {name_or_path}: {str(exc).splitlines()[0] if str(exc) else exc};"
                         " pass a folder written by save_pretrained or a hub name in the cache") from exc
    causal = is_causal_config(config)
    loaded = load_pretrained(name_or_path, head=causal, device=device, dtype=dtype)
    model = loaded.model
    collects = _use_collecting_attention(model)
    model.eval()
    return ModelForMeasures(name_or_path, loaded.revision, model, loaded.tokenizer, causal, loaded.device, collects)


ATTN_IMPLEMENTATION = "psyai_measures"
_COLLECTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("psyai_attention_collector", default=None)


def _eager_of(module: Any):
    """The eager attention function of ``module``'s modeling file (transformers 5 defines one per model)."""
    return getattr(sys.modules.get(type(module).__module__), "eager_attention_forward", None)


def _collecting_attention(module, query, key, value, attention_mask, *args, **kwargs):
    """:data:`ATTN_IMPLEMENTATION`: the model's eager attention; while a collector is active its weights go
    to the collector (and ``None`` is returned in their place), otherwise they are returned as usual."""
    eager = _eager_of(module)
    if eager is None:
        raise MeasureError(f"{type(module).__name__} has no eager attention function to run; load the model with "
                           f"attn_implementation='eager' and read output_attentions instead")
    attn_output, weights = eager(module, query, key, value, attention_mask, *args, **kwargs)
    collector = _COLLECTOR.get()
    if collector is None:
        return attn_output, weights
    collector.add(weights)
    return attn_output, None


def _use_collecting_attention(model: Any) -> bool:
    """Switch ``model`` to :data:`ATTN_IMPLEMENTATION` when it can take it (else to ``eager``); True if switched."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface, eager_mask

    has_eager = any(_eager_of(m) is not None and "Attention" in type(m).__name__ for m in model.modules())
    if getattr(model, "_supports_attention_backend", False) and has_eager:
        AttentionInterface.register(ATTN_IMPLEMENTATION, _collecting_attention)
        if ATTN_IMPLEMENTATION not in ALL_MASK_ATTENTION_FUNCTIONS:
            AttentionMaskInterface.register(ATTN_IMPLEMENTATION, eager_mask)  # the additive mask eager takes
        try:
            model.set_attn_implementation(ATTN_IMPLEMENTATION)
            return True
        except (ValueError, KeyError, ImportError) as exc:
            logger.info("%s: %s; using eager attention with output_attentions", type(model).__name__, exc)
    model.set_attn_implementation("eager")
    return False


class AttentionCollector:
    """Per-layer reductions of attention weights ``(B, H, T, T)`` as the layers compute them.

    ``received[l]``: ``m^T A_l`` per head, ``(B, H, T)``, over the real queries ``m``;
    ``means[l]``: ``mean_h A_l``, ``(B, T, T)`` (what rollout needs); both in float32.
    """

    def __init__(self, mask, received: bool, means: bool) -> None:
        self.query = mask[:, None, None, :]  # (B, 1, 1, T)
        self.want_received, self.want_means = received, means
        self.received: list[Any] = []
        self.means: list[Any] = []

    def add(self, weights) -> None:
        import torch

        with torch.no_grad():
            w = weights.detach().float()  # (B, H, T, T); a copy only for half-precision models
            if self.want_received:
                self.received.append((self.query.to(w.dtype) @ w).squeeze(-2))  # (B, H, T)
            if self.want_means:
                self.means.append(w.mean(dim=1))  # (B, T, T)

    def __enter__(self) -> "AttentionCollector":
        self._token = _COLLECTOR.set(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _COLLECTOR.reset(self._token)


def position_limit(model: Any) -> int | None:
    """The most tokens one text may have: the model's positions, less the offset of models (RoBERTa,
    XLM-R) whose positions count from ``padding_idx + 1``."""
    limit = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
    if limit:
        for module in model.modules():
            positions = getattr(module, "position_embeddings", None)
            if getattr(positions, "padding_idx", None) is not None:
                return limit - positions.padding_idx - 1
    return limit


def prepare(texts: Sequence[str], loaded: ModelForMeasures, config: MeasureConfig) -> list[Alignment]:
    """Tokenize and align every text (BOS first for causal LMs when ``config.prepend_bos``)."""
    tokenizer = loaded.tokenizer
    bos = None
    if loaded.causal and config.prepend_bos:  # GPT-2 style tokenizers leave BOS to the model config
        bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else loaded.model.config.bos_token_id
    limit = position_limit(loaded.model)
    out = []
    for index, text in enumerate(texts):
        a = encode(tokenizer, text, config.lang, punctuation=config.punctuation, unit=config.unit)
        if bos is not None and (not a.input_ids or a.input_ids[0] != bos):
            a = Alignment(a.text, a.words, [bos, *a.input_ids], [(0, 0), *a.offsets], [-1, *a.token_word], a.tokenless)
        if not a.words:
            raise MeasureError(f"text {index} has no words; remove empty texts from the input")
        if limit and len(a.input_ids) > limit:
            raise MeasureError(f"text {index} has {len(a.input_ids)} tokens, more than the model's {limit} "
                               "positions; split it into shorter texts")
        out.append(a)
    return out


def batch_tensors(alignments: Sequence[Alignment], pad_id: int, device: Any):
    """``input_ids, attention_mask, token_word`` of a batch, right-padded: each ``(B, T)``.

    ``token_word`` is ``-1`` for padding and for tokens of no word. Built with one
    tensor per field (padded Python lists) rather than a tensor per text.
    """
    import torch

    width = max(len(a.input_ids) for a in alignments)
    ids, mask, token_word = [], [], []
    for a in alignments:
        pad = width - len(a.input_ids)
        ids.append([*a.input_ids, *([pad_id] * pad)])
        mask.append([1] * len(a.input_ids) + [0] * pad)
        token_word.append([*a.token_word, *([-1] * pad)])
    return (torch.tensor(ids, dtype=torch.long, device=device),  # (B, T)
            torch.tensor(mask, dtype=torch.long, device=device),  # (B, T)
            torch.tensor(token_word, dtype=torch.long, device=device))  # (B, T)


def to_words(values, token_word, n_words: int, aggregation: str, content=None):
    """Token values ``(B, ..., T)`` to word values ``(B, ..., W)`` (``NaN`` for a word without tokens).

    ``content`` ``(B, T)``, for ``first``: which tokens hold some of the word's characters. The first
    such token is taken, not a lone space token before it (SentencePiece's ``▁``, BPE's ``Ġ``);
    a word with none falls back to its first token.
    """
    import torch

    lead = values.shape[:-1]
    index = torch.where(token_word < 0, n_words, token_word)  # (B, T); slot W collects non-words
    index = index.view(index.shape[0], *([1] * (len(lead) - 1)), -1).expand(*lead, -1)  # (B, ..., T)
    shape = (*lead, n_words + 1)
    counts = torch.zeros(shape, dtype=values.dtype, device=values.device).scatter_add_(
        -1, index, torch.ones_like(values))  # (B, ..., W+1)
    if aggregation == "first":
        width = values.shape[-1]
        positions = torch.arange(width, device=values.device).expand(token_word.shape)  # (B, T)
        if content is not None:  # a space-only token ranks after every content token of its word
            positions = torch.where(content, positions, positions + width)
        positions = positions.view(index.shape[0], *([1] * (len(lead) - 1)), -1).expand(*lead, -1)
        big = torch.full(shape, 2 * width, dtype=torch.long, device=values.device)
        first = big.scatter_reduce(-1, index, positions, reduce="amin")  # (B, ..., W+1)
        out = values.gather(-1, (first % width).clamp(max=width - 1))  # (B, ..., W+1)
    else:
        reduce = {"sum": "sum", "mean": "mean", "max": "amax"}[aggregation]
        out = torch.zeros(shape, dtype=values.dtype, device=values.device).scatter_reduce(
            -1, index, values, reduce=reduce, include_self=False)  # (B, ..., W+1)
    out = torch.where(counts > 0, out, torch.full_like(out, math.nan))
    return out[..., :n_words]  # (B, ..., W)


def rollout(attentions, mask):
    """Attention rollout per layer: ``(B, L, T, T)`` from ``L`` tensors ``(B, H, T, T)``."""
    import torch

    width = mask.shape[-1]
    eye = torch.eye(width, device=mask.device, dtype=attentions[0].dtype)  # (T, T)
    result, out = None, []
    for layer in attentions:
        a_hat = 0.5 * layer.mean(dim=1) + 0.5 * eye  # (B, T, T)
        a_hat = a_hat / a_hat.sum(dim=-1, keepdim=True)  # (B, T, T)
        result = a_hat if result is None else a_hat @ result  # (B, T, T)
        out.append(result)
    return torch.stack(out, dim=1)  # (B, L, T, T)


def rollout_received(attentions, mask):
    """Rollout *received* per layer, ``sum_i R_l[i, j]`` over real queries ``i``: ``(B, L, T)``.

    Equal to ``(rollout(attentions, mask) * mask[:, None, :, None]).sum(-2)``; see
    :func:`rollout_received_from_means`, which this calls with ``mean_h A_l``.
    """
    import torch

    return rollout_received_from_means([a.mean(dim=1, dtype=torch.float32) for a in attentions], mask)


def rollout_received_from_means(means, mask):
    """Rollout received per layer from the head means ``M_k = mean_h A_k`` (``L`` tensors ``(B, T, T)``).

    ``R_l`` is never formed: the row vector ``m^T`` (real queries) is carried
    left to right, ``m^T R_l = m^T Â_l Â_{l-1} … Â_0``, so each step is a
    batched vector-matrix product (``O(T^2)``) instead of a matrix product
    (``O(T^3)``); ``Â_k`` is never materialised either:
    ``v Â_k = 0.5 (v / s_k) M_k + 0.5 (v / s_k)`` with row sums
    ``s_k = 0.5 M_k 1 + 0.5``. Computed in float32.
    """
    import torch

    means = [m.float() for m in means]
    scales = [0.5 / (0.5 * m.sum(dim=-1) + 0.5) for m in means]  # (B, T): 0.5 / row sum of Â
    query = mask.to(torch.float32)[:, None, :]  # (B, 1, T)
    out = []
    for top in range(len(means)):
        v = query  # (B, 1, T)
        for k in range(top, -1, -1):
            w = v * scales[k][:, None, :]  # (B, 1, T)
            v = torch.baddbmm(w, w, means[k])  # (B, 1, T): w M_k + w  (= v Â_k)
        out.append(v[:, 0])
    return torch.stack(out, dim=1)  # (B, L, T)


def forward_kwargs(loaded: ModelForMeasures, mask) -> dict[str, Any]:
    """What every forward pass here passes: the padding mask, and no KV cache for causal LMs (one pass, no
    generation)."""
    return {"attention_mask": mask, **({"use_cache": False} if loaded.causal else {})}


def _forward(loaded: ModelForMeasures, ids, mask, *, saliency: bool, attention: tuple[bool, bool]):
    """Model outputs, the input embeddings when saliency is wanted, and the per-layer attention reductions.

    ``attention`` = (attention received wanted, head means wanted). Returns ``(out, embeds, received,
    means)``; ``received`` and ``means`` are lists over layers (empty when not wanted).
    """
    import torch

    kwargs = forward_kwargs(loaded, mask)
    want_received, want_means = attention
    collect = loaded.collects and (want_received or want_means)
    if (want_received or want_means) and not loaded.collects:
        kwargs["output_attentions"] = True
    collector = AttentionCollector(mask, want_received, want_means)
    if saliency:
        embeds = loaded.model.get_input_embeddings()(ids).detach().requires_grad_(True)  # (B, T, D)
        inputs = {"inputs_embeds": embeds}
    else:
        embeds, inputs = None, {"input_ids": ids}
    with torch.set_grad_enabled(saliency):
        if collect:
            with collector:
                out = loaded.model(**inputs, **kwargs)
            if not (collector.received or collector.means):  # its attention bypassed the interface after all
                logger.info("%s: no attention weights reached the collector; reading output_attentions",
                            loaded.name_or_path)
                loaded.model.set_attn_implementation("eager")
                loaded.collects = False
                return _forward(loaded, ids, mask, saliency=saliency, attention=attention)
        else:
            out = loaded.model(**inputs, **kwargs)
            for a in (out.attentions or ()) if kwargs.get("output_attentions") else ():
                collector.add(a)
    return out, embeds, collector.received, collector.means


def token_nats(logits, ids, mask):
    """``-ln p(token t | tokens < t)`` at position ``t - 1`` of each real token ``t``: ``(B, T)``, 0 elsewhere.

    ``cross_entropy`` on the logits as they are (a fused log-softmax and pick, faster on a CPU than
    ``logsumexp(z) - z[token]``, and no ``(B, T, V)`` copy of the logits is made); differentiable.
    """
    import torch
    import torch.nn.functional as F

    batch, width = ids.shape
    target = torch.full_like(ids, -100)  # (B, T): what position t predicts; -100 is ignored
    target[:, :-1] = ids[:, 1:].masked_fill(~mask[:, 1:].bool(), -100)
    return F.cross_entropy(logits.float().reshape(batch * width, -1), target.view(-1), reduction="none",
                           ignore_index=-100).view(batch, width)  # (B, T)


def token_surprisal(logits, ids, mask):
    """Surprisal in bits of each token given the previous ones: ``(B, T)``, ``NaN`` where undefined
    (the first token, padding)."""
    import torch

    batch, width = ids.shape
    out = torch.full((batch, width), math.nan, dtype=torch.float32, device=ids.device)  # (B, T)
    if width < 2:
        return out
    nats = token_nats(logits, ids, mask)  # (B, T): position t - 1 scores token t
    out[:, 1:] = torch.where(mask[:, 1:].bool(), nats[:, :-1] / math.log(2), math.nan)
    return out


def content_tokens(alignments: Sequence[Alignment], width: int, device: Any):
    """``(B, T)`` bool: the token covers some visible character of its text (padding: False)."""
    import torch

    rows = []
    for a in alignments:
        flags = [not all(is_blank(ch) for ch in a.text[start:end]) for start, end in a.offsets]
        rows.append(flags + [False] * (width - len(flags)))
    return torch.tensor(rows, dtype=torch.bool, device=device)


def _to_words_together(rows_of: dict[str, Any], token_word, n_words: int, aggregation: str,
                       content=None) -> dict[str, Any]:
    """:func:`to_words` of several measures ``(B, ..., T)`` in one call (flattened to ``(B, R, T)``)."""
    import torch

    if not rows_of:
        return {}
    batch, width = token_word.shape
    flat = torch.cat([v.reshape(batch, -1, width).float() for v in rows_of.values()], dim=1)  # (B, R, T)
    words = to_words(flat, token_word, n_words, aggregation, content)  # (B, R, W)
    out, start = {}, 0
    for name, v in rows_of.items():
        lead = v.shape[1:-1]
        size = math.prod(lead)
        out[name] = words[:, start:start + size].reshape(batch, *lead, n_words)
        start += size
    return out


@dataclass
class WordMeasures:
    """Measures of one text's words (numpy arrays; ``W`` words, ``L`` layers, ``H`` heads)."""

    text_id: int
    words: list[str]
    values: dict[str, Any]  # attention (L, H, W), rollout (L, W), surprisal (W,), saliency (W,)


def extract(
    texts: Sequence[str], loaded: ModelForMeasures, config: MeasureConfig = MeasureConfig(),
    alignments: Sequence[Alignment] | None = None, on_batch: Callable[[int], None] | None = None,
) -> list[WordMeasures]:
    """Word-level measures of ``texts`` (see the module docstring), in padded batches.

    ``on_batch(n)`` is called after each batch with its number of texts (for a progress bar).

    Raises:
        MeasureError: surprisal asked of an encoder, an empty text, a text longer than the model takes.
    """
    import torch

    if "surprisal" in config.measures and not loaded.causal:
        raise MeasureError(f"{loaded.name_or_path} is an encoder: surprisal needs a causal LM; "
                           "drop 'surprisal' from the measures")
    alignments = list(alignments) if alignments is not None else prepare(texts, loaded, config)
    pad_id = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    want = set(config.measures)
    results: list[WordMeasures] = []
    order = sorted(range(len(alignments)), key=lambda i: len(alignments[i].input_ids))  # less padding
    for first in range(0, len(order), config.batch_size):
        rows = order[first:first + config.batch_size]
        batch = [alignments[i] for i in rows]
        ids, mask, token_word = batch_tensors(batch, pad_id, loaded.device)  # (B, T) each
        n_words = max(len(a.words) for a in batch)
        content = content_tokens(batch, ids.shape[1], ids.device) if config.aggregation == "first" else None
        out, embeds, received, means = _forward(loaded, ids, mask, saliency="saliency" in want,
                                                attention=("attention" in want, "rollout" in want))
        values: dict[str, Any] = {}
        with torch.no_grad():
            rows_of: dict[str, Any] = {}  # measure -> (B, ..., T) token values, aggregated to words together
            if "attention" in want:  # received = m^T A per layer and head, reduced as each layer ran
                rows_of["attention"] = torch.stack(received, dim=1)  # (B, L, H, T)
            if "rollout" in want:
                rows_of["rollout"] = rollout_received_from_means(means, mask)  # (B, L, T)
            if loaded.causal and "surprisal" in want:
                bits = token_surprisal(out.logits.detach(), ids, mask)  # (B, T)
                surprisal = torch.stack([torch.nan_to_num(bits, nan=0.0), bits.isnan().to(bits.dtype)], dim=1)
            values.update(_to_words_together(rows_of, token_word, n_words, config.aggregation, content))
            if loaded.causal and "surprisal" in want:
                summed = to_words(surprisal, token_word, n_words, "sum")  # (B, 2, W): bits, undefined tokens
                values["surprisal"] = torch.where(summed[:, 1] > 0, math.nan, summed[:, 0])  # (B, W)
        if "saliency" in want:
            if loaded.causal:  # the text's total log-probability
                target = -token_nats(out.logits, ids, mask).sum()
            else:
                hidden = out.last_hidden_state * mask[..., None]  # (B, T, D)
                target = (hidden.sum(1) / mask.sum(1, keepdim=True)).norm(dim=-1).sum()
            (grad,) = torch.autograd.grad(target, embeds)  # (B, T, D)
            with torch.no_grad():
                sal = (grad * embeds).norm(dim=-1)  # (B, T)
                values["saliency"] = to_words(sal, token_word, n_words, config.aggregation, content)  # (B, W)
        arrays = {k: v.detach().cpu().numpy() for k, v in values.items()}  # one copy per batch, sliced per text
        for b, index in enumerate(rows):
            w = len(batch[b].words)
            results.append(WordMeasures(index, [x.text for x in batch[b].words],
                                        {k: v[b, ..., :w] for k, v in arrays.items()}))
        if on_batch is not None:
            on_batch(len(rows))
    results.sort(key=lambda r: r.text_id)
    return results


def to_table(results: Sequence[WordMeasures]):
    """The tidy table: one row per text, word, measure, layer and head (columns :data:`COLUMNS`).

    ``layer`` counts from 0; ``head`` is ``-1`` for rollout (heads averaged);
    both are ``-1`` for surprisal and saliency (whole-model measures).
    """
    import numpy as np
    import pandas as pd

    parts = []
    for r in results:
        n = len(r.words)
        words = np.array(r.words, dtype=object)
        for measure, value in r.values.items():
            if value.ndim == 3:
                layers, heads = value.shape[:2]
                layer = np.repeat(np.arange(layers), heads * n)
                head = np.tile(np.repeat(np.arange(heads), n), layers)
                word_index = np.tile(np.arange(n), layers * heads)
            elif value.ndim == 2:
                layer = np.repeat(np.arange(value.shape[0]), n)
                head = np.full(value.size, -1)
                word_index = np.tile(np.arange(n), value.shape[0])
            else:
                layer = head = np.full(n, -1)
                word_index = np.arange(n)
            parts.append(pd.DataFrame({"text_id": r.text_id, "word_index": word_index, "word": words[word_index],
                                       "measure": measure, "layer": layer, "head": head,
                                       "value": value.reshape(-1).astype(float)}))
    if not parts:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]

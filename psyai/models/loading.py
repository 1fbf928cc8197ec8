"""Load a language model and its tokenizer by hub name or local path.

One function, :func:`load_pretrained`, serves every part of psyai that runs a
model (generation, surprisal, attention, reward-model backbones), with or
without the LM head. It calls ``from_pretrained`` on the
name or path it is given, so the same call loads ``gpt2`` or a Japanese model
from the Hugging Face hub on a lab machine with a network, a model already in
the local hub cache (``HF_HUB_OFFLINE=1``), or a folder written by
``save_pretrained`` (the tiny models the tests build, the demo model).

Every loaded model carries a ``revision`` that pins the exact weights:

- a hub model: the commit hash of the hub snapshot that was loaded;
- a local folder: ``sha256:<hex>`` of its weights files (see
  :func:`weights_sha256`), so a model that never was on the hub is identified too.

Remote code (``trust_remote_code``) is never run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

WEIGHTS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
_SNAPSHOT_RE = re.compile(r"[/\\]snapshots[/\\]([0-9a-f]{40})[/\\]")


class ModelError(PsyaiError, ValueError):
    """A model or tokenizer cannot be found or loaded."""


@dataclass(frozen=True)
class LoadedModel:
    """A causal LM ready for inference, with what identifies it.

    Attributes:
        name_or_path: the hub name or local path exactly as given.
        revision: hub commit hash, ``sha256:<hex>`` of local weights, or ``""``
            when a hub model's commit could not be found in the cache.
        model: the ``PreTrainedModel`` in eval mode on ``device``.
        tokenizer: its tokenizer.
        device: the ``torch.device`` the model sits on.
    """

    name_or_path: str
    revision: str
    model: Any
    tokenizer: Any
    device: Any

    @property
    def has_chat_template(self) -> bool:
        """Whether the tokenizer defines a chat template (``apply_chat_template`` works)."""
        return bool(getattr(self.tokenizer, "chat_template", None))


def is_local(name_or_path: str) -> bool:
    """True when ``name_or_path`` names an existing local folder or file."""
    return Path(name_or_path).expanduser().exists()


def weights_sha256(folder: str | Path) -> str:
    """``sha256:<hex>`` identifying the weights files in a local model folder.

    With one weights file this is the file's own SHA-256 (``sha256sum
    model.safetensors`` prints the same hex). With several (a sharded
    checkpoint) it is the SHA-256 of the ``sha256sum``-style listing
    ``"<hex>  <name>\\n"`` of every weights file, sorted by name.

    Raises:
        ModelError: the folder holds no weights file.
    """
    folder = Path(folder).expanduser()
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix in WEIGHTS_SUFFIXES),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    if not files:
        raise ModelError(
            f"{folder}: no weights file ({', '.join(WEIGHTS_SUFFIXES)}) in this folder; "
            "pass a folder written by save_pretrained, or a hub name"
        )
    digests = [(_file_sha256(p), p.relative_to(folder).as_posix()) for p in files]
    if len(digests) == 1:
        return f"sha256:{digests[0][0]}"
    listing = "".join(f"{hex_}  {name}\n" for hex_, name in digests)
    return f"sha256:{hashlib.sha256(listing.encode('utf-8')).hexdigest()}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hub_commit_hash(
    name: str, revision: str | None = None, cache_dir: str | Path | None = None
) -> str:
    """The commit hash of the cached hub snapshot of ``name``, or ``""`` if unknown.

    Reads the local hub cache only (the files ``from_pretrained`` just
    downloaded or found there): the snapshot folder a cached file lies in is
    named by its commit hash.
    """
    from huggingface_hub import try_to_load_from_cache

    for filename in ("config.json", "tokenizer_config.json"):
        try:
            found = try_to_load_from_cache(
                name, filename, cache_dir=str(cache_dir) if cache_dir else None, revision=revision
            )
        except Exception:  # noqa: BLE001 - an unusual cache layout only costs the hash
            logger.debug("could not look up %s in the hub cache", name, exc_info=True)
            continue
        if isinstance(found, str):
            match = _SNAPSHOT_RE.search(found)
            if match:
                return match.group(1)
    return ""


def model_revision(
    name_or_path: str, revision: str | None = None, cache_dir: str | Path | None = None
) -> str:
    """What pins the weights of ``name_or_path``: see the module docstring."""
    if is_local(name_or_path):
        return weights_sha256(name_or_path)
    return hub_commit_hash(name_or_path, revision=revision, cache_dir=cache_dir)


def resolve_device(device: str = "auto") -> Any:
    """``torch.device`` for ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:1"`` …"""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"--device {device!r} is not a device torch knows; use auto, cpu or cuda") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelError(f"--device {device!r}: no CUDA GPU is available here; use --device cpu")
    return resolved


DTYPES = ("auto", "float32", "bfloat16", "float16")


@contextlib.contextmanager
def _quiet_load_report(quiet: bool):
    """Silence transformers' load report (its "MISSING … newly initialized" table) while a new head is made."""
    if not quiet:
        yield
        return
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def load_pretrained(
    name_or_path: str,
    *,
    head: bool | str = True,
    device: str = "auto",
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    dtype: str = "auto",
) -> LoadedModel:
    """Load a model and its tokenizer with ``from_pretrained(name_or_path)``.

    Args:
        name_or_path: a hub name (``gpt2``, ``rinna/japanese-gpt2-small``) or
            the path of a folder written by ``save_pretrained``.
        head: ``AutoModelForCausalLM`` (a causal LM with its LM head) when true,
            ``AutoModel`` (any causal LM or encoder, without a head) when false,
            ``AutoModelForSequenceClassification`` with one output (a reward model's
            shape; a head the folder lacks is newly initialised) when ``"reward"``.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:1`` …
        revision: hub branch, tag or commit (hub names only; default ``main``).
        cache_dir: hub cache folder (default: the usual ``HF_HUB_CACHE``).
        dtype: ``auto`` (the checkpoint's own), ``float32``, ``bfloat16`` or ``float16``.

    Raises:
        ModelError: the model or tokenizer cannot be found or loaded.
    """
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    local = is_local(name_or_path)
    if not local and (
        name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1 or "\\" in name_or_path
    ):
        raise ModelError(
            f"model folder {name_or_path} does not exist; pass the path of a folder written by "
            "save_pretrained (e.g. one built with `python -m psyai.models.demo`), or a hub name"
        )
    if local and revision:
        raise ModelError(f"--revision {revision} applies to hub names only, not to the local folder {name_or_path}")
    if dtype not in DTYPES:
        raise ModelError(f"--dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    torch_device = resolve_device(device)
    where = "folder" if local else "hub model"
    kwargs: dict[str, Any] = {"revision": revision, "cache_dir": str(cache_dir) if cache_dir else None}
    auto_class = AutoModelForSequenceClassification if head == "reward" else AutoModelForCausalLM if head else AutoModel
    extra = {"num_labels": 1} if head == "reward" else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, **kwargs)
        with _quiet_load_report(head == "reward"):  # a reward head missing from a backbone is expected, not news
            model = auto_class.from_pretrained(name_or_path, dtype=dtype, **kwargs, **extra)
    except (OSError, ValueError, KeyError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = (
            "check the folder was written by save_pretrained (config.json, weights, tokenizer files)"
            if local
            else "check the name on huggingface.co; offline (HF_HUB_OFFLINE=1) it must already be in the hub cache"
        )
        raise ModelError(f"cannot load {where} {name_or_path}: {reason}; {hint}") from exc
    model.to(torch_device)
    model.eval()
    loaded_revision = model_revision(name_or_path, revision=revision, cache_dir=cache_dir)
    if not loaded_revision:
        logger.warning("could not find the commit hash of %s in the hub cache; revision left empty", name_or_path)
    return LoadedModel(
        name_or_path=name_or_path,
        revision=loaded_revision,
        model=model,
        tokenizer=tokenizer,
        device=torch_device,
    )


def load_causal_lm(
    name_or_path: str,
    *,
    device: str = "auto",
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    dtype: str = "auto",
) -> LoadedModel:
    """A causal LM with its LM head and its tokenizer: :func:`load_pretrained` with ``head=True``."""
    return load_pretrained(name_or_path, head=True, device=device, revision=revision, cache_dir=cache_dir,
                           dtype=dtype)

"""Generate model texts for a stimulus set with a Hugging Face causal LM.

``psyai generate PROMPTS --model NAME_OR_PATH --out FILE`` reads prompts
(``prompt_id``, ``lang``, ``prompt``; CSV or JSON Lines), generates
``--n-per-prompt`` texts for each with ``from_pretrained(NAME_OR_PATH)``, and
writes them as ``source=model`` rows of a stimulus file (docs/DATA.md).

Every row records what it takes to make the same text again: ``model`` (as
given), ``revision`` (hub commit hash, or ``sha256:`` of local weights),
``temperature``, ``top_p``, ``max_new_tokens``, ``seed`` (the text's own seed,
derived from the run seed by :func:`text_seed`), ``chat_template`` (1 when the
prompt went through the tokenizer's chat template as one user turn, 0 for plain
continuation of the prompt text) and an ``origin`` sentence with all of it.
``generate_text(model, prompt, seed=row["seed"], ...)`` gives the row's text
again (on the same device type and library versions).

Sampling uses only ``temperature`` and ``top_p`` (top-k is switched off);
other sampling settings a model's ``generation_config.json`` imposes are named
in ``origin``. ``temperature=0`` means greedy decoding.

No model runs while a participant waits: this is done ahead of the session.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psyai.errors import PsyaiError
from psyai.progress import progress as show_progress
from psyai.models.loading import LoadedModel, ModelError, load_causal_lm
from psyai.data.stimuli import CONTROL_CHARACTERS, model_display_name, script_problem
from psyai.data.tables import read_rows

logger = logging.getLogger(__name__)

LANGS = ("ja", "en")
PROMPT_COLUMNS = ("prompt_id", "lang", "prompt")
STIMULUS_COLUMNS = (
    "item_id", "lang", "source", "text", "prompt", "prompt_id", "model", "model_name", "origin", "practice",
    "revision", "temperature", "top_p", "max_new_tokens", "seed", "chat_template",
)  # fmt: skip
ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")
MAX_ID_LENGTH = 64  # psyai.data.stimuli refuses longer item ids
SEED_LIMIT = 2**31
REPLACEMENT = "\ufffd"

# Sampling settings a model's generation_config.json may set, with their neutral values;
# any other value changes the texts, so origin names it.
_NEUTRAL_GENERATION = {
    "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "typical_p": 1.0, "min_p": None,
    "min_new_tokens": None, "min_length": 0, "num_beams": 1, "epsilon_cutoff": 0.0, "eta_cutoff": 0.0,
    "length_penalty": 1.0, "bad_words_ids": None, "suppress_tokens": None, "begin_suppress_tokens": None,
    "encoder_repetition_penalty": 1.0, "exponential_decay_length_penalty": None,
}  # fmt: skip


class GenerateError(PsyaiError, ValueError):
    """Prompts, settings, model output or output file unusable for `psyai generate`."""


@dataclass(frozen=True)
class Prompt:
    """One prompt to generate for, and where it was read (for error messages)."""

    prompt_id: str
    lang: str
    prompt: str
    file: str = "<prompts>"
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}" if self.line else f"prompt {self.prompt_id}"


# ---------------------------------------------------------------- prompts


def read_prompts(path: str | Path) -> list[Prompt]:
    """Read and check a prompts file: CSV (header line) or JSON Lines.

    Columns: ``prompt_id`` (letters, digits, ``-``, ``_``, ``.``; unique),
    ``lang`` (``ja`` or ``en``), ``prompt`` (not empty). Other columns are
    ignored. Line numbers count the CSV header as line 1.

    Raises:
        GenerateError: naming the file, the line and the problem.
    """
    path = Path(path)
    columns, records = read_rows(path, GenerateError)
    missing = [column for column in PROMPT_COLUMNS if column not in columns]
    if path.suffix.lower() == ".csv" and missing:
        raise GenerateError(
            f"{path} line 1: header lacks {', '.join(missing)}; "
            f"the first line must name the columns {', '.join(PROMPT_COLUMNS)}"
        )
    prompts: list[Prompt] = []
    seen: dict[str, int] = {}
    for line, record in records:
        where = f"{path} line {line}"
        values = {}
        for column in PROMPT_COLUMNS:
            value = record.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise GenerateError(f"{where}: {column} is empty; every prompt needs {', '.join(PROMPT_COLUMNS)}")
            if not isinstance(value, str):
                raise GenerateError(f"{where}: {column} must be text, not {json.dumps(value, ensure_ascii=False)}")
            values[column] = value.strip()
        if not ID_RE.match(values["prompt_id"]):
            raise GenerateError(
                f"{where}: prompt_id {values['prompt_id']!r} may only hold letters, digits, '-', '_' and '.'"
            )
        if values["prompt_id"] in seen:
            raise GenerateError(
                f"{where}: prompt_id {values['prompt_id']!r} already used on line {seen[values['prompt_id']]}; "
                "prompt ids must be unique"
            )
        if values["lang"] not in LANGS:
            raise GenerateError(f"{where}: lang {values['lang']!r} must be 'ja' or 'en'")
        if REPLACEMENT in values["prompt"]:
            raise GenerateError(f"{where}: prompt contains U+FFFD (a broken character); fix the file's encoding")
        seen[values["prompt_id"]] = line
        prompts.append(Prompt(**values, file=str(path), line=line))
    if not prompts:
        raise GenerateError(f"{path}: no prompts in the file")
    return prompts


# ---------------------------------------------------------------- generation


def text_seed(run_seed: int, prompt_id: str, k: int) -> int:
    """Seed of the ``k``-th text (1-based) for ``prompt_id`` in a run seeded ``run_seed``.

    A hash, so a text's seed does not depend on the order or number of the
    other prompts; in ``[0, 2**31)``.
    """
    digest = hashlib.sha256(f"psyai-generate:{run_seed}:{prompt_id}:{k}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_LIMIT


def model_label(name_or_path: str) -> str:
    """Item-id part naming the model: the last part of the name or path, made id-safe."""
    last = Path(name_or_path.rstrip("/\\")).name or "model"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip("-") or "model"


def generate_text(
    loaded: LoadedModel,
    prompt: str,
    *,
    seed: int,
    temperature: float = 0.8,
    top_p: float = 0.95,
    max_new_tokens: int = 60,
    use_chat_template: bool | None = None,
) -> str:
    """One text for ``prompt``, cleaned; may be ``""`` (the caller decides what to do).

    With ``use_chat_template`` (default: when the tokenizer has one) the
    prompt is one user turn through ``apply_chat_template`` with the
    generation prompt added; otherwise the model continues the prompt text.
    The prompt tokens are cut from the output, special tokens skipped,
    whitespace stripped; U+FFFD left at the end by a character cut in half at
    ``max_new_tokens`` is dropped.
    """
    import torch
    from transformers import set_seed

    tokenizer, model = loaded.tokenizer, loaded.model
    chat = loaded.has_chat_template if use_chat_template is None else use_chat_template
    if chat and not loaded.has_chat_template:
        raise GenerateError(f"{loaded.name_or_path}: the tokenizer has no chat template; use plain continuation")
    if chat:
        encoded = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}],
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
        )
    else:
        encoded = tokenizer(prompt, return_tensors="pt")
    input_ids = encoded["input_ids"].to(loaded.device)  # (1, T)
    attention_mask = encoded.get("attention_mask")
    attention_mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask.to(loaded.device)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and input_ids.shape[1] + max_new_tokens > limit:
        raise GenerateError(
            f"prompt of {input_ids.shape[1]} tokens + max_new_tokens {max_new_tokens} exceeds the "
            f"{limit} positions of {loaded.name_or_path}; lower --max-new-tokens or shorten the prompt"
        )
    settings: dict[str, Any] = {"max_new_tokens": max_new_tokens, "top_k": 0, "pad_token_id": _pad_id(tokenizer, model)}
    if temperature > 0:
        settings.update(do_sample=True, temperature=temperature, top_p=top_p)
    else:
        settings.update(do_sample=False, temperature=None, top_p=None)
    set_seed(seed)
    with torch.no_grad():
        output = model.generate(input_ids=input_ids, attention_mask=attention_mask, **settings)  # (1, T + new)
    text = tokenizer.decode(output[0, input_ids.shape[1] :], skip_special_tokens=True)
    return text.strip().rstrip(REPLACEMENT).strip()


def _pad_id(tokenizer: Any, model: Any) -> int | None:
    if tokenizer.pad_token_id is not None:
        return tokenizer.pad_token_id
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else model.generation_config.eos_token_id
    return eos[0] if isinstance(eos, list) else eos


def generate_items(
    model: str | LoadedModel,
    prompts: str | Path | Sequence[Prompt],
    n_per_prompt: int = 1,
    temperature: float = 0.8,
    top_p: float = 0.95,
    max_new_tokens: int = 60,
    seed: int = 0,
    *,
    lang: str | None = None,
    device: str = "auto",
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    chat_template: bool | None = None,
    label: str | None = None,
    model_name: str | None = None,
    practice: bool = False,
    max_attempts: int = 5,
    avoid_texts: Iterable[str] = (),
    check_language: bool = True,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Generate ``n_per_prompt`` texts per prompt; return stimulus rows (docs/DATA.md).

    Args:
        model: hub name or local path (loaded with ``from_pretrained``), or a
            :class:`~psyai.models.LoadedModel` to reuse.
        prompts: a prompts file (see :func:`read_prompts`) or :class:`Prompt` s.
        n_per_prompt: texts per prompt.
        temperature: sampling temperature; 0 = greedy.
        top_p: nucleus sampling mass in (0, 1].
        max_new_tokens: longest text in tokens.
        seed: run seed; text ``k`` of prompt ``p`` uses ``text_seed(seed, p, k)``.
        lang: only the prompts in this language (``ja`` or ``en``); default all.
        device, revision, cache_dir: passed to :func:`~psyai.models.load_causal_lm`.
        chat_template: None = use the tokenizer's chat template when it has
            one; False = always plain continuation; True = require one.
        model_name: the model's name in reports (the ``model_name`` column; default: the hub name,
            or a local folder's last component with its weights' hash, see
            :func:`psyai.data.stimuli.model_display_name`).
        label: model part of the item ids ``<prompt_id>-<label>-<k>``
            (default: :func:`model_label` of the model name).
        practice: mark the rows ``practice=1``.
        max_attempts: seeds tried (``seed``, ``seed+1``, …) for one text
            before a prompt that gives only unusable texts is an error. A text
            is unusable when it is empty, holds U+FFFD, repeats (up to
            whitespace) a text of this run or of ``avoid_texts`` (a stimulus
            file may not hold one text twice), or, with ``check_language``,
            is not in the prompt's language.
        avoid_texts: texts already in the file the rows go to.
        check_language: an ``en`` text may hold no Japanese characters or
            punctuation (kana, kanji, 。) and a ``ja`` text must hold kana or kanji.
        progress: show a progress bar on stderr.

    Returns:
        One dict per text with the columns :data:`STIMULUS_COLUMNS`:
        ``source="model"``, ``model`` as given, ``seed`` the seed that gave
        the text, ``chat_template`` 1 or 0, ``origin`` the generation record.

    Raises:
        GenerateError: bad settings or prompts, the model cannot be loaded, or
            a prompt gave no usable text in ``max_attempts`` seeds.
    """
    _check_settings(n_per_prompt, temperature, top_p, max_new_tokens, seed, max_attempts)
    prompt_list = read_prompts(prompts) if isinstance(prompts, (str, Path)) else list(prompts)
    if lang is not None:
        if lang not in LANGS:
            raise GenerateError(f"--lang {lang!r} must be 'ja' or 'en'")
        prompt_list = [prompt for prompt in prompt_list if prompt.lang == lang]
    if not prompt_list:
        raise GenerateError(f"no {lang} prompts to generate for" if lang else "no prompts to generate for")
    label = model_label(model if isinstance(model, str) else model.name_or_path) if label is None else label
    if not ID_RE.match(label):
        raise GenerateError(f"--label {label!r} may only hold letters, digits, '-', '_' and '.'")
    longest = max(prompt_list, key=lambda p: len(p.prompt_id)).prompt_id
    if len(f"{longest}-{label}-{n_per_prompt}") > MAX_ID_LENGTH:
        raise GenerateError(
            f"item id {longest}-{label}-{n_per_prompt} is longer than {MAX_ID_LENGTH} characters; "
            "pass a shorter --label"
        )
    if isinstance(model, LoadedModel):
        loaded = model
    else:
        try:
            loaded = load_causal_lm(model, device=device, revision=revision, cache_dir=cache_dir)
        except ModelError as exc:
            raise GenerateError(str(exc)) from exc
    use_chat = loaded.has_chat_template if chat_template is None else chat_template
    if use_chat and not loaded.has_chat_template:
        raise GenerateError(f"{loaded.name_or_path}: the tokenizer has no chat template; drop the chat-template option")
    origin_tail = _origin_tail(loaded, use_chat)

    jobs = [(prompt, k) for prompt in prompt_list for k in range(1, n_per_prompt + 1)]
    taken = {_normalise(text) for text in avoid_texts}
    rows: list[dict[str, Any]] = []
    with show_progress(f"generating with {loaded.name_or_path}", len(jobs), enabled=progress) as advance:
        for prompt, k in jobs:
            base = text_seed(seed, prompt.prompt_id, k)
            attempts = max_attempts if temperature > 0 else 1  # greedy: every seed gives the same text
            for attempt in range(attempts):
                used_seed = (base + attempt) % SEED_LIMIT
                try:
                    text = generate_text(
                        loaded, prompt.prompt, seed=used_seed, temperature=temperature, top_p=top_p,
                        max_new_tokens=max_new_tokens, use_chat_template=use_chat,
                    ).strip()  # fmt: skip
                except GenerateError as exc:
                    raise GenerateError(f"{prompt.where}: {exc}") from exc
                problem = _unusable(text, taken, prompt.lang if check_language else None)
                if problem is None:
                    break
                logger.info("%s: %s with seed %d", prompt.where, problem, used_seed)
            else:
                tried = f"with {attempts} seeds ({base}…{used_seed})" if attempts > 1 else "with greedy decoding"
                raise GenerateError(
                    f"{prompt.where}: {loaded.name_or_path} gave no usable text for prompt {prompt.prompt_id} "
                    f"{tried}, the last one {problem}; raise --max-attempts, --max-new-tokens or --temperature, "
                    "or rephrase the prompt"
                )
            taken.add(_normalise(text))
            sampling = f"sampling (temperature={temperature}, top_p={top_p}, top-k off)" if temperature > 0 else "greedy decoding"
            rows.append(
                {
                    "item_id": f"{prompt.prompt_id}-{label}-{k}",
                    "lang": prompt.lang,
                    "source": "model",
                    "text": text,
                    "prompt": prompt.prompt,
                    "prompt_id": prompt.prompt_id,
                    "model": loaded.name_or_path,
                    "model_name": model_name or model_display_name(loaded.name_or_path, loaded.revision),
                    "origin": (
                        f"psyai generate: {loaded.name_or_path} ({loaded.revision or 'revision unknown'}), "
                        f"{sampling}, max_new_tokens={max_new_tokens}, seed={used_seed} "
                        f"(text {k} of prompt {prompt.prompt_id}, run seed {seed}), {origin_tail}"
                    ),
                    "practice": int(practice),
                    "revision": loaded.revision,
                    "temperature": temperature,
                    "top_p": top_p,
                    "max_new_tokens": max_new_tokens,
                    "seed": used_seed,
                    "chat_template": int(use_chat),
                }
            )
            advance()
    return rows


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _unusable(text: str, taken: set[str], lang: str | None) -> str | None:
    """Why ``text`` cannot be a stimulus, or None; ``lang=None`` skips the language check."""
    if not text:
        return "empty text"
    if REPLACEMENT in text:
        return "broken text (U+FFFD, half a character)"
    control = CONTROL_CHARACTERS.search(text)
    if control:  # psyai validate refuses it: it does not show on screen
        return f"a control character (U+{ord(control.group()):04X})"
    if _normalise(text) in taken:
        return "text already in the set"
    if lang is not None:
        # the rule `psyai validate` applies, so a kept text always validates
        why = script_problem(text, lang)
        if why:
            return f"the text {why}"
    return None


def _check_settings(n_per_prompt: int, temperature: float, top_p: float, max_new_tokens: int,
                    seed: int, max_attempts: int) -> None:  # fmt: skip
    if n_per_prompt < 1:
        raise GenerateError(f"--n-per-prompt {n_per_prompt}: must be 1 or more")
    if not temperature >= 0:
        raise GenerateError(f"--temperature {temperature}: must be 0 (greedy) or more")
    if not 0 < top_p <= 1:
        raise GenerateError(f"--top-p {top_p}: must be above 0 and at most 1")
    if max_new_tokens < 1:
        raise GenerateError(f"--max-new-tokens {max_new_tokens}: must be 1 or more")
    if not 0 <= seed < SEED_LIMIT:
        raise GenerateError(f"--seed {seed}: must be between 0 and {SEED_LIMIT - 1}")
    if max_attempts < 1:
        raise GenerateError(f"max_attempts {max_attempts}: must be 1 or more")


def _origin_tail(loaded: LoadedModel, use_chat: bool) -> str:
    import torch
    import transformers

    from psyai import __version__

    tail = "chat template (prompt as one user turn)" if use_chat else "plain continuation of the prompt"
    config = loaded.model.generation_config
    extra = [
        f"{key}={getattr(config, key)}"
        for key, neutral in _NEUTRAL_GENERATION.items()
        if getattr(config, key, None) is not None and getattr(config, key) != neutral
    ]
    if extra:
        tail += f", model generation_config also sets {' '.join(extra)}"
    return (
        f"{tail}, device {loaded.device.type}, psyai {__version__}, "
        f"transformers {transformers.__version__}, torch {torch.__version__}"
    )


# ---------------------------------------------------------------- output


def check_output(out: str | Path, item_ids: Sequence[str], append: bool = False) -> None:
    """Refuse to write ``item_ids`` to ``out``: an existing file without ``append``, or ids already there.

    Raises:
        GenerateError: what is wrong and what to do.
    """
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".jsonl"):
        raise GenerateError(f"--out {out}: a stimulus file must end in .csv or .jsonl")
    duplicates = sorted({i for i in item_ids if item_ids.count(i) > 1})
    if duplicates:
        raise GenerateError(f"item ids repeat: {', '.join(duplicates[:5])}; prompt ids must be unique")
    if not out.exists():
        if not out.parent.is_dir():
            raise GenerateError(f"--out {out}: folder {out.parent} does not exist")
        return
    if not append:
        raise GenerateError(f"{out} already exists; pass --append to add rows to it, or choose another --out")
    existing = _existing_ids(out)
    clashes = [item_id for item_id in item_ids if item_id in existing]
    if clashes:
        raise GenerateError(
            f"{out} line {existing[clashes[0]]}: item_id {clashes[0]} is already in the file"
            f"{f' (and {len(clashes) - 1} more)' if len(clashes) > 1 else ''}; "
            "pass another --label or --seed run to a new file"
        )


def existing_texts(out: str | Path) -> list[str]:
    """The ``text`` of every row already in a stimulus file (none if it does not exist)."""
    out = Path(out)
    if not out.exists():
        return []
    return [str(row.get("text") or "") for _, row in read_rows(out, GenerateError)[1]]


def _existing_ids(out: Path) -> dict[str, int]:
    """item_id → line number of the rows already in ``out``."""
    columns, rows = read_rows(out, GenerateError)
    if "item_id" not in columns:
        raise GenerateError(f"{out} line 1: no item_id column; is this a stimulus file?")
    ids: dict[str, int] = {}
    for line, row in rows:
        if "item_id" not in row:
            raise GenerateError(f"{out} line {line}: no item_id; is this a stimulus file?")
        ids[str(row["item_id"])] = line
    return ids


def write_items(rows: Sequence[dict[str, Any]], out: str | Path, append: bool = False) -> Path:
    """Write stimulus ``rows`` to a new ``out`` (.csv or .jsonl), or add them with ``append``.

    Never overwrites a file silently (see :func:`check_output`). Appending to a
    CSV whose header lacks some of the generation columns rewrites the file
    with those columns added (empty for the old rows), via a temporary file
    and an atomic rename; old values are kept as they are.
    """
    out = Path(out)
    check_output(out, [str(row["item_id"]) for row in rows], append=append)
    if out.suffix.lower() == ".jsonl":
        prefix = _newline_needed(out)
        with out.open("a", encoding="utf-8") as handle:
            handle.write(prefix + "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        return out
    if not out.exists():
        _write_csv(out, STIMULUS_COLUMNS, rows)
        return out
    with out.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        old_rows = list(reader) if not set(STIMULUS_COLUMNS) <= set(header) else None
    if old_rows is None:
        prefix = _newline_needed(out)
        with out.open("a", encoding="utf-8", newline="") as handle:
            handle.write(prefix)
            csv.DictWriter(handle, header, lineterminator="\n").writerows(rows)
        return out
    columns = header + [column for column in STIMULUS_COLUMNS if column not in header]
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        _write_csv(Path(tmp), columns, [*old_rows, *rows])
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        handle.flush()
        os.fsync(handle.fileno())


def _newline_needed(path: Path) -> str:
    if not path.exists() or path.stat().st_size == 0:
        return ""
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return "" if handle.read(1) in (b"\n", b"\r") else "\n"


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``psyai generate``."""
    parser.add_argument("prompts", type=Path, metavar="PROMPTS",
                        help="prompts file (.csv or .jsonl) with columns prompt_id, lang, prompt")  # fmt: skip
    parser.add_argument("--model", required=True, metavar="NAME_OR_PATH",
                        help="hub name (gpt2, rinna/japanese-gpt2-small …) or folder written by save_pretrained")  # fmt: skip
    parser.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="stimulus file to write (.csv or .jsonl); an existing one needs --append")  # fmt: skip
    parser.add_argument("--n-per-prompt", type=int, default=1, metavar="K", help="texts per prompt (default %(default)s)")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature, 0 = greedy (default %(default)s)")
    parser.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass (default %(default)s)")
    parser.add_argument("--max-new-tokens", type=int, default=60, help="longest text in tokens (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="run seed; each text gets its own seed from it (default %(default)s)")
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="only the prompts in this language (e.g. an English model for the en prompts)")  # fmt: skip
    parser.add_argument("--append", action="store_true", help="add rows to an existing stimulus file (item ids must be new)")
    parser.add_argument("--device", default="auto", help="auto (GPU if any), cpu, cuda, cuda:1 … (default %(default)s)")
    parser.add_argument("--revision", default=None, help="hub branch, tag or commit to load (default: main)")
    parser.add_argument("--model-name", default=None,
                        help="the model's name in reports (default: the hub name, or a local folder's last "
                             "component with its weights' hash)")  # fmt: skip
    parser.add_argument("--label", default=None,
                        help="model part of item ids <prompt_id>-<label>-<k> (default: last part of --model)")  # fmt: skip
    parser.add_argument("--no-chat-template", dest="chat_template", action="store_const", const=False, default=None,
                        help="continue the prompt text even when the tokenizer has a chat template")  # fmt: skip
    parser.add_argument("--practice", action="store_true", help="mark the rows as practice items (practice=1)")
    parser.add_argument("--max-attempts", type=int, default=5, metavar="N",
                        help="seeds tried for one text before an empty, broken, repeated or wrong-language "
                             "text is an error (default %(default)s)")  # fmt: skip
    parser.add_argument("--no-language-check", dest="check_language", action="store_false",
                        help="keep texts that are not in the prompt's language (by default an en text with "
                             "Japanese characters, or a ja text without any, is regenerated with the next seed); "
                             "psyai validate refuses such texts unless a mixed_script column marks them")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    """Run ``psyai generate``; return the exit status (1 with a one-line reason on failure)."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True)
    try:
        prompts = [p for p in read_prompts(args.prompts) if args.lang in (None, p.lang)]
        label = args.label if args.label is not None else model_label(args.model)
        n = args.n_per_prompt
        check_output(args.out, [f"{p.prompt_id}-{label}-{k}" for p in prompts for k in range(1, n + 1)], args.append)
        rows = generate_items(
            args.model, prompts, n_per_prompt=n, lang=args.lang, temperature=args.temperature, top_p=args.top_p,
            max_new_tokens=args.max_new_tokens, seed=args.seed, device=args.device, revision=args.revision,
            chat_template=args.chat_template, label=label, model_name=args.model_name, practice=args.practice,
            max_attempts=args.max_attempts,
            avoid_texts=existing_texts(args.out) if args.append else (), check_language=args.check_language,
            progress=True,
        )  # fmt: skip
        write_items(rows, args.out, append=args.append)
    except PsyaiError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 1
    mode = "chat template" if rows[0]["chat_template"] else "plain continuation"
    console.print(f"wrote {len(rows)} model texts ({mode}) to {args.out}", highlight=False, soft_wrap=True)
    return 0

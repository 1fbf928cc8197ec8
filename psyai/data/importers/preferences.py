"""Pairwise preferences as TRL and the Hugging Face hub carry them (prompt, chosen, rejected).

Layouts accepted (docs/DATA.md, "Importing data", "preferences"):

- **standard**: ``chosen`` and ``rejected`` are strings; **conversational**: they are lists of
  ``{"role", "content"}`` messages (in a CSV cell, that list written as JSON);
- **explicit prompt**: a ``prompt`` column (a string, or a list of messages);
  **implicit prompt**: no prompt column, ``chosen`` and ``rejected`` share a prefix that is the
  prompt: for conversations, the messages they share (TRL's ``extract_prompt``); for strings,
  the text they share, cut back to the last white space so that no word is split (or, with
  ``--turn-marker``, to the end of the last marker such as ``"Assistant:"`` in it). A
  conversational pair that has a prompt column *and* repeats the prompt inside ``chosen`` and
  ``rejected`` (UltraFeedback's layout) takes its prompt from the shared messages;
- containers: JSON Lines, JSON, CSV, Parquet, or a ``datasets`` folder from ``save_to_disk``
  (:mod:`psyai.data.importers.records`).

Written: ``rankings.csv``, the long form ``psyai reward train`` reads, each pair a ranking of two
outputs (chosen ``rank`` 1, rejected 2). ``participant`` is the rater (``--rater-column``) or,
without rater ids, the pair itself (``pair-000001`` …: each pair its own rater, said in the
report's notes). ``prompt_id`` is the ``--prompt-id-column`` when the file has one, else a hash of
the prompt text, so that the same prompt (and, through ``item_id``, a hash of prompt and reply,
the same reply) is recognised across raters. A rater's second pair on the same prompt gets
``session`` 2, so each pair stays its own trial. Every row keeps ``source_file``,
``source_line``, the original ``pair_id`` and ``rater_id``, and for conversations the messages
as JSON (``prompt_messages``, ``messages``).

Dropped and reported (the rest of the file is imported): a pair with an empty reply, and a
pair whose chosen and rejected replies are the same. Refused with file, line and field: a
missing column, a value of the wrong type, a malformed message, a pair that mixes strings and
messages, an empty rater id under ``--rater-column``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from psyai.errors import DataError

EMPTY_REPLY = "empty reply"
SAME_REPLY = "chosen and rejected are the same reply"

LONG_COLUMNS = ["participant", "session", "trial_index", "prompt_id", "prompt", "item_id", "text", "rank", "role",
                "model", "run_mode", "rater_id", "pair_id", "format", "prompt_messages", "messages", "split",
                "source_file", "source_line"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="preference files (.jsonl, .json, .csv, .parquet) or datasets save_to_disk folders")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write rankings.csv and import_report.json")
    p.add_argument("--prompt-column", default="prompt", metavar="NAME",
                   help="the prompt (default %(default)s; absent: the prompt is the prefix chosen and rejected share)")
    p.add_argument("--chosen-column", default="chosen", metavar="NAME", help="the preferred reply (default %(default)s)")
    p.add_argument("--rejected-column", default="rejected", metavar="NAME",
                   help="the other reply (default %(default)s)")
    p.add_argument("--rater-column", default=None, metavar="NAME",
                   help="rater ids (default: none; each pair is then its own rater)")
    p.add_argument("--id-column", default="id", metavar="NAME",
                   help="the pair's own id, kept as pair_id (default %(default)s, when the file has it)")
    p.add_argument("--prompt-id-column", default="prompt_id", metavar="NAME",
                   help="the prompt's own id (default %(default)s, when the file has it; else a hash of the prompt)")
    p.add_argument("--turn-marker", default=None, metavar="TEXT",
                   help="for strings without a prompt column: the prompt ends after the last TEXT in the shared "
                        "prefix, e.g. 'Assistant:' (default: at the last white space of the shared prefix)")


# -- values ---------------------------------------------------------------------------------------

def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def _where(source, line: int) -> str:
    split = f" (split {source.split})" if source.split else ""
    unit = "line" if source.container in ("csv", "jsonl", "json") else "row"
    return f"{source.path}{split} {unit} {line}"


def messages_value(value: Any, where: str, column: str) -> list[dict] | None:
    """``value`` as a list of messages, or None when it is a plain string (or empty)."""
    if isinstance(value, str):
        stripped = value.strip()
        if not (stripped.startswith("[") and stripped.endswith("]")):
            return None
        try:  # a CSV cell holding the JSON of a message list
            parsed = json.loads(stripped)
        except json.JSONDecodeError:
            return None
        if not (isinstance(parsed, list) and parsed and all(isinstance(m, dict) for m in parsed)):
            return None
        value = parsed
    if not isinstance(value, list):
        return None
    messages = []
    for number, message in enumerate(value, start=1):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise DataError(f"{where}: field {column}, message {number} is not a {{\"role\", \"content\"}} object; "
                            "write each message with a role and a text content")
        content = message.get("content")
        if content is None:
            content = ""
        if not isinstance(content, str):
            raise DataError(f"{where}: field {column}, message {number} has content of type "
                            f"{type(content).__name__}; psyai imports text messages only (content a string)")
        messages.append({"role": message["role"], "content": content})
    return messages


def render(messages: list[dict]) -> str:
    """A message list as one text: a single user message is its content; else ``role: content`` blocks."""
    if len(messages) == 1 and messages[0]["role"] in ("user", "assistant"):
        return messages[0]["content"]
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in messages)


def _string(value: Any, where: str, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a Parquet null
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: field {column} is a {type(value).__name__}, not a text; give a string, or a list "
                        "of {\"role\", \"content\"} messages")
    return value


def shared_text_prefix(a: str, b: str, marker: str | None) -> int:
    """Where the prompt ends in two strings that share it: after the last ``marker`` in their shared
    prefix when given, else at the last white space of the shared prefix (never mid-word)."""
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    if n == len(a) or n == len(b):  # one reply is empty or a prefix of the other
        cut = n
    else:
        cut = n
        while cut > 0 and not a[cut - 1].isspace():
            cut -= 1
    if marker is not None:
        at = a.rfind(marker, 0, n)
        return at + len(marker) if at >= 0 else 0
    return cut


def pair_texts(record: dict, source, line: int, args: argparse.Namespace, explicit: bool) -> dict:
    """Prompt, replies and their messages of one record, in psyai's terms."""
    where = _where(source, line)
    chosen_raw, rejected_raw = record.get(args.chosen_column), record.get(args.rejected_column)
    chosen_m = messages_value(chosen_raw, where, args.chosen_column)
    rejected_m = messages_value(rejected_raw, where, args.rejected_column)
    prompt_raw = record.get(args.prompt_column) if explicit else None
    if (chosen_m is None) != (rejected_m is None) and chosen_raw not in (None, "") and rejected_raw not in (None, ""):
        raise DataError(f"{where}: field {args.chosen_column} is {'messages' if chosen_m else 'a string'} but "
                        f"{args.rejected_column} is {'messages' if rejected_m else 'a string'}; a pair is either "
                        "standard (two strings) or conversational (two message lists)")
    if chosen_m is not None or rejected_m is not None:
        chosen_m, rejected_m = chosen_m or [], rejected_m or []
        shared = 0
        while (shared < min(len(chosen_m), len(rejected_m)) and chosen_m[shared] == rejected_m[shared]):
            shared += 1
        prompt_m = chosen_m[:shared]
        if not prompt_m and explicit:
            prompt_m = messages_value(prompt_raw, where, args.prompt_column)
            if prompt_m is None:
                text = _string(prompt_raw, where, args.prompt_column)
                prompt_m = [{"role": "user", "content": text}] if text else []
        chosen_reply, rejected_reply = chosen_m[shared:], rejected_m[shared:]
        return {"format": "conversational", "prompt": render(prompt_m) if prompt_m else "",
                "prompt_messages": json.dumps(prompt_m, ensure_ascii=False),
                "chosen": render(chosen_reply) if chosen_reply else "",
                "rejected": render(rejected_reply) if rejected_reply else "",
                "chosen_messages": json.dumps(chosen_reply, ensure_ascii=False),
                "rejected_messages": json.dumps(rejected_reply, ensure_ascii=False),
                "implicit": shared > 0 or not explicit}
    chosen = _string(chosen_raw, where, args.chosen_column)
    rejected = _string(rejected_raw, where, args.rejected_column)
    if explicit:
        prompt = _string(prompt_raw, where, args.prompt_column)
        implicit = False
    else:
        cut = shared_text_prefix(chosen, rejected, args.turn_marker)
        prompt, chosen, rejected = chosen[:cut], chosen[cut:], rejected[cut:]
        implicit = True
    return {"format": "standard", "prompt": prompt, "prompt_messages": None, "chosen": chosen,
            "rejected": rejected, "chosen_messages": None, "rejected_messages": None, "implicit": implicit}


def _id(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def check_columns(source, needed: dict[str, str]) -> None:
    """Refuse a table without a needed column, naming the option that picks another."""
    for column, option in needed.items():
        if column not in source.columns:
            shown = ", ".join(source.columns[:12]) + (" …" if len(source.columns) > 12 else "")
            raise DataError(f"{source.path}: no column {column!r} (columns: {shown}); name the right one with "
                            f"{option} NAME")


# -- run ------------------------------------------------------------------------------------------

def run(paths: list[Path], args: argparse.Namespace):
    import pandas as pd

    from psyai.data.importers.records import read_sources
    from psyai.data.importing import Dropped, Imported

    if args.turn_marker == "":
        raise DataError("--turn-marker is empty; give the text that ends the prompt (e.g. 'Assistant:') or leave "
                        "the option out")
    rows: list[dict] = []
    dropped: list[Dropped] = []
    sources: list[Path] = []
    trials: dict[tuple[str, str], int] = {}  # (participant, prompt_id) -> pairs so far (the session number)
    per_participant: dict[str, int] = {}
    n_pairs = n_implicit = 0
    formats: set[str] = set()
    for source in read_sources(paths):
        sources.extend(source.files)
        check_columns(source, {args.chosen_column: "--chosen-column", args.rejected_column: "--rejected-column"})
        if args.rater_column:
            check_columns(source, {args.rater_column: "--rater-column"})
        explicit = args.prompt_column in source.columns
        for line, record in source.rows:
            where = _where(source, line)
            texts = pair_texts(record, source, line, args, explicit)
            formats.add(texts["format"])
            pair_id = _id(record.get(args.id_column))
            rater = _id(record.get(args.rater_column)) if args.rater_column else None
            ids = {k: v for k, v in (("pair_id", pair_id), ("rater_id", rater)) if v is not None}
            if args.rater_column and rater is None:
                raise DataError(f"{where}: field {args.rater_column} (the rater id) is empty; fill it in, or import "
                                "without --rater-column so that each pair counts as its own rater")
            if not texts["chosen"].strip() or not texts["rejected"].strip():
                which = args.chosen_column if not texts["chosen"].strip() else args.rejected_column
                dropped.append(Dropped(str(source.path), line, EMPTY_REPLY, {**ids, "field": which}))
                continue
            if texts["chosen"] == texts["rejected"]:
                dropped.append(Dropped(str(source.path), line, SAME_REPLY, ids))
                continue
            n_pairs += 1
            n_implicit += texts["implicit"]
            participant = rater if rater is not None else f"pair-{n_pairs:06d}"
            prompt_id = _id(record.get(args.prompt_id_column)) or "p" + short_hash(texts["prompt_messages"] or
                                                                                   texts["prompt"])
            session = trials[(participant, prompt_id)] = trials.get((participant, prompt_id), 0) + 1
            index = per_participant[participant] = per_participant.get(participant, -1) + 1
            for rank, role in ((1, "chosen"), (2, "rejected")):
                text = texts[role]
                messages = texts[f"{role}_messages"]
                rows.append({
                    "participant": participant, "session": session, "trial_index": index, "prompt_id": prompt_id,
                    "prompt": texts["prompt"], "item_id": "o" + short_hash(prompt_id, messages or text),
                    "text": text, "rank": rank, "role": role, "model": None, "run_mode": "real",
                    "rater_id": rater, "pair_id": pair_id, "format": texts["format"],
                    "prompt_messages": texts["prompt_messages"], "messages": messages, "split": source.split,
                    "source_file": str(source.path), "source_line": line,
                })
    if not rows:
        raise DataError(f"no usable pair in {', '.join(map(str, paths))}: all {len(dropped)} were dropped "
                        f"({dropped[0].reason} first, {dropped[0].file} line {dropped[0].line})" if dropped else
                        f"no pair in {', '.join(map(str, paths))}")
    table = pd.DataFrame(rows, columns=LONG_COLUMNS)
    notes = []
    if not args.rater_column:
        notes.append(f"no rater ids: each of the {n_pairs} pairs is its own rater (participant pair-000001 …); "
                     "psyai reward eval then splits pairs, not people, and psyai reward train skips the "
                     "per-participant prompt cap")
    if n_implicit:
        how = (f"after the last {args.turn_marker!r}" if args.turn_marker else
               "at the last white space of the shared text (strings) or after the shared messages (conversations)")
        notes.append(f"{n_implicit} pair(s) had the prompt inside chosen and rejected: it was taken from the prefix "
                     f"they share, cut {how}")
    if len(formats) > 1:
        notes.append("the files mix standard (strings) and conversational (messages) pairs")
    settings = {k: getattr(args, k) for k in ("prompt_column", "chosen_column", "rejected_column", "rater_column",
                                              "id_column", "prompt_id_column", "turn_marker")}
    return Imported(kind="preferences", tables={"rankings": table}, sources=sources, dropped=dropped, notes=notes,
                    settings=settings)
